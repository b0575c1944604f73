"""Log lines that a user's metric regex matches, synthesised from the regex itself.

PAI reads a training metric by applying `MetricDefinitions[].Regex` to the job's log lines and
taking the first capture group as the value (behavior.md §4.6). To emulate that for *any* regex,
`LineTemplate.for_regex` walks the parsed pattern (`re._parser`, the module behind `re`) and
writes the shortest string it matches, with the first capture group replaced by a placeholder;
a number formatted to fit the group goes there. Every candidate is checked with a search by the
user's regex, so what the emulator later extracts from the line is exactly the number it wrote.
When no shape fits (back-references, conditionals, a group that cannot hold a number), the line
falls back to `<name>=<value>`, and the metric gets values only if the user's regex happens to
match that. The user's regex runs through fakepai/bounded_regex.py: a regex whose search of these
short lines runs over its work budget gets no values (its lines are still written) [INFERRED].
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from fakepai import bounded_regex

try:
    from re import _constants as C, _parser as P   # Python >= 3.11
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as C
    import sre_parse as P

_PLACE = "\x00"
# Characters tried, in order, when a class or `.` needs one: readable first.
_CANDIDATES = " x0a_-=:./,;|eE1" + "".join(chr(c) for c in range(33, 127))
# Number formats tried, in order, for the placeholder (callers may put their own first).
FORMATS = ("{:.4f}", "{:.6f}", "{:.2f}", "{:.0f}", "{:.4e}", "{:.6g}")
INTEGER = ("{:.0f}",) + FORMATS                 # counters and seconds
SMALL = ("{:.3e}", "{:.6f}") + FORMATS          # learning rates: 1e-6 must not print as 0.0000


class _Unsupported(Exception):
    pass


def _category_has(category, ch: str) -> bool:
    name = str(category)
    if name.endswith("NOT_DIGIT"):
        return not ch.isdigit()
    if name.endswith("DIGIT"):
        return ch.isdigit()
    if name.endswith("NOT_SPACE"):
        return not ch.isspace()
    if name.endswith("SPACE"):
        return ch.isspace()
    if name.endswith("NOT_WORD"):
        return not (ch.isalnum() or ch == "_")
    if name.endswith("WORD"):
        return ch.isalnum() or ch == "_"
    if name.endswith("NOT_LINEBREAK"):
        return ch != "\n"
    if name.endswith("LINEBREAK"):
        return ch == "\n"
    raise _Unsupported(name)


def _in_set(items, ch: str) -> bool:
    negate = False
    hit = False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            hit = hit or ch == chr(av)
        elif op is C.RANGE:
            hit = hit or av[0] <= ord(ch) <= av[1]
        elif op is C.CATEGORY:
            hit = hit or _category_has(av, ch)
        else:
            raise _Unsupported(str(op))
    return hit != negate


def _class_char(items) -> str:
    for ch in _CANDIDATES:
        if _in_set(items, ch):
            return ch
    raise _Unsupported("empty character class")


def _contains_group(seq, group: int) -> bool:
    for op, av in seq:
        if op is C.SUBPATTERN:
            if av[0] == group or _contains_group(av[3], group):
                return True
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) or str(op) == "POSSESSIVE_REPEAT":
            if _contains_group(av[2], group):
                return True
        elif op is C.BRANCH:
            if any(_contains_group(alt, group) for alt in av[1]):
                return True
        elif str(op) == "ATOMIC_GROUP":
            if _contains_group(av, group):
                return True
    return False


def _is_space_class(item) -> bool:
    return len(item) == 1 and item[0][0] is C.IN and _in_set(item[0][1], " ")


def _emit(seq, out: list[str]) -> None:
    for op, av in seq:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op is C.NOT_LITERAL:
            out.append("x" if chr(av) != "x" else "y")
        elif op is C.ANY:
            out.append("x")
        elif op is C.IN:
            out.append(_class_char(av))
        elif op is C.AT or op in (C.ASSERT, C.ASSERT_NOT):
            continue                                  # anchors and look-arounds emit nothing; verified later
        elif op is C.SUBPATTERN:
            if av[0] == 1:
                out.append(_PLACE)                    # the first capture group holds the value
            else:
                _emit(av[3], out)
        elif op is C.BRANCH:
            alts = av[1]
            chosen = next((alt for alt in alts if _contains_group(alt, 1)), alts[0])
            _emit(chosen, out)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) or str(op) == "POSSESSIVE_REPEAT":
            low, _high, item = av
            times = low
            if times == 0 and (_contains_group(item, 1) or _is_space_class(item)):
                times = 1                             # keep the value; one space reads better than none
            for _ in range(min(times, 64)):
                _emit(item, out)
            if times > 64:
                raise _Unsupported("huge repeat")
        elif str(op) == "ATOMIC_GROUP":
            _emit(av, out)
        else:                                          # back-references, conditionals
            raise _Unsupported(str(op))


def skeleton(pattern: str) -> str | None:
    """The shortest string `pattern` matches, with the first group as a placeholder; None if
    the pattern has no first group or uses what the walker does not handle."""
    try:
        parsed = P.parse(pattern)
        if parsed.state.groups < 2:                   # `groups` counts group 0
            return None
        out: list[str] = []
        _emit(parsed.data if hasattr(parsed, "data") else parsed, out)
    except (_Unsupported, re.error, RecursionError, TypeError, ValueError):
        return None
    text = "".join(out)
    return text if _PLACE in text else None


@dataclass(frozen=True)
class LineTemplate:
    """How to write a log line carrying a value for one metric regex, and how to read it back."""

    regex: bounded_regex.Pattern | None
    core: str            # the line with `\x00` where the value goes
    fmt: str             # the number format that fits the capture group
    prefixed: bool       # whether a context prefix ("[epoch 3] ") may go in front

    def render(self, value: float, prefix: str = "") -> str:
        text = self.core.replace(_PLACE, self.fmt.format(value))
        return prefix + text if self.prefixed else text

    def extract(self, line: str) -> float | None:
        """What PAI reads from `line`: the first capture group as a number (None if no match)."""
        if self.regex is None:
            return None
        try:
            m = bounded_regex.search(self.regex, line)
        except bounded_regex.TooCostly:
            return None
        if not m:
            return None
        try:
            return float(m.group(1) if self.regex.groups else m.group(0))
        except (TypeError, ValueError):
            return None

    def value_of(self, value: float) -> float:
        """The number a reader extracts for `value` (the formatted value, read back)."""
        return float(self.fmt.format(value))

    @property
    def matches(self) -> bool:
        """Whether lines written by this template yield values at all."""
        return self.regex is not None and self.extract(self.render(1.0)) is not None


def _fits(regex: bounded_regex.Pattern, line: str, text: str) -> bool:
    m = bounded_regex.search(regex, line)
    return bool(m) and regex.groups >= 1 and m.group(1) == text


@lru_cache(maxsize=4096)
def for_regex(pattern: str, name: str, probes: tuple[float, ...] = (0.0123, 2.4567),
              formats: tuple[str, ...] = FORMATS, prefix_probe: str = "[epoch 12] ") -> LineTemplate:
    """The template for `pattern`, chosen so that every probe value reads back exactly.

    `probes` should span the values the caller will write (their sign and magnitude); the first
    of `formats` that fits wins. The same arguments always give the same template.
    """
    try:
        regex = bounded_regex.compile(pattern)
    except (bounded_regex.Error, TypeError, RecursionError, OverflowError):
        regex = None
    core = skeleton(pattern) if regex is not None else None
    try:
        if regex is not None and core is not None:
            for fmt in formats:
                texts = [fmt.format(v) for v in probes]
                if all(_fits(regex, core.replace(_PLACE, t), t) for t in texts):
                    prefixed = all(_fits(regex, prefix_probe + core.replace(_PLACE, t), t) for t in texts)
                    return LineTemplate(regex, core, fmt, prefixed)
        # Fallback: `<name>=<value>`; extraction still goes through the user's regex.
        fallback = f"{name}={_PLACE}"
        if regex is not None:     # a regex too costly on these lines is found here, once, not on every read
            for line in (fallback, prefix_probe + fallback):
                bounded_regex.search(regex, line.replace(_PLACE, formats[0].format(probes[-1])))
        return LineTemplate(regex, fallback, formats[0], True)
    except bounded_regex.TooCostly:
        return LineTemplate(None, f"{name}={_PLACE}", formats[0], True)     # too costly to read: no values
