"""A user's regular expression, run with a bound on its work (issue #11: no request buys unbounded work).

Patterns come from requests (a hyper-parameter's `Range.Pattern`, a metric's `Regex`) and run on
text that also comes from requests (a hyper-parameter value, a log line carrying a metric name).
A backtracking engine can take exponential time on a short pattern and a short text (`(a+)+$`
against forty `a` and a `b`), so a length bound is not enough. Every match of a user pattern goes
through this module, which uses the `regex` package: the same syntax as Python's `re` (its default
VERSION0), plus a `timeout` that stops a match after `MATCH_SECONDS` of work. The schema's
`format: regex` check compiles with this module too, so what the binder accepts is what runs.
Decisions [INFERRED]: docs/limits.md, "Regular expressions".
"""
from __future__ import annotations

import regex

# Work allowed per match: far beyond any reasonable pattern on a short text (microseconds), far
# below what a client notices; a catastrophic pattern overruns it by orders of magnitude.
MATCH_SECONDS = 0.05

Pattern = regex.Pattern
Error = regex.error


class TooCostly(Exception):
    """The match ran out of its work budget."""


def compile(pattern: str) -> regex.Pattern:           # noqa: A001 - the module reads as `bounded_regex.compile`
    """`pattern` compiled; raises `Error` (or RecursionError / OverflowError for absurd nesting)."""
    return regex.compile(pattern)


def fullmatch(pattern: str | regex.Pattern, text: str) -> regex.Match | None:
    """The whole of `text` matched by `pattern`; raises TooCostly past the budget."""
    try:
        return regex.fullmatch(pattern, text, timeout=MATCH_SECONDS)
    except TimeoutError:
        raise TooCostly(pattern if isinstance(pattern, str) else pattern.pattern) from None


def search(pattern: regex.Pattern, text: str) -> regex.Match | None:
    """The first match of `pattern` in `text`; raises TooCostly past the budget."""
    try:
        return pattern.search(text, timeout=MATCH_SECONDS)
    except TimeoutError:
        raise TooCostly(pattern.pattern) from None
