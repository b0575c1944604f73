"""Lazy, append-only log streams: the i-th line and the count at any moment, by arithmetic.

A stream is what one process prints over its life, in three parts:

    header  lines printed at `start`, one every `header_gap` seconds (start-up chatter)
    body    records every `step` seconds after the header, each `per_record` lines (training steps)
    footer  lines printed at `end` (how it ended: a summary, a traceback)

`end` is None while the process has no planned end. Lines are never materialised: a stream of a
million lines costs what a stream of a hundred does, because `count(t)` and `line(i)` are O(1)
(plus the cost of writing the one line). Lines strictly before `end`, footer lines at `end`, and
nothing after it, so a stopped job prints nothing more. The past never changes: line i's text and
time depend only on i and on what was fixed at creation, and moving `end` (a stop, a new outcome)
only drops lines that were still in the future.
"""
from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from typing import Callable, Iterable, Iterator, Protocol, Sequence

_EPS = 1e-9


def _count_le(t: float, first: float, every: float, cap: int | None) -> int:
    """How many of the times first, first+every, ... (at most `cap`) are <= t."""
    if t < first - _EPS:
        return 0
    n = math.floor((t - first) / every + _EPS) + 1
    return n if cap is None else min(n, cap)


def _count_lt(t: float, first: float, every: float, cap: int | None) -> int:
    """How many of the times first, first+every, ... (at most `cap`) are < t."""
    if t <= first + _EPS:
        return 0
    n = math.ceil((t - first) / every - _EPS)
    return n if cap is None else min(n, cap)


@dataclass
class LogStream:
    start: float
    step: float
    per_record: int
    record: Callable[[int], Sequence[str]]          # k -> exactly `per_record` lines
    header: Sequence[str] = ()
    footer: Sequence[str] = ()
    end: float | None = None
    header_gap: float = 0.25
    _body_start: float = field(init=False)
    _n_header: int = field(init=False)
    _n_records: int | None = field(init=False)

    def __post_init__(self):
        if self.per_record < 1 or self.step <= 0:
            raise ValueError("a log stream needs per_record >= 1 and step > 0")
        self._body_start = self.start + len(self.header) * self.header_gap
        end = self.end
        # Parts are cut where the stream ends: lines strictly before `end`, then the footer.
        self._n_header = len(self.header) if end is None else _count_lt(end, self.start, self.header_gap, len(self.header))
        if self._n_header < len(self.header):
            self._n_records = 0
        else:
            self._n_records = None if end is None else _count_lt(end, self._body_start, self.step, None)

    # -- counting ---------------------------------------------------------------------------
    def _count(self, t: float, strict: bool) -> int:
        counter = _count_lt if strict else _count_le
        n = counter(t, self.start, self.header_gap, self._n_header)
        if self._n_header == len(self.header) and self.per_record:
            n += counter(t, self._body_start, self.step, self._n_records) * self.per_record
        if self.end is not None and (t > self.end if strict else t >= self.end - _EPS):
            n += len(self.footer)
        return n

    def count(self, t: float) -> int:
        """Lines printed at or before t."""
        return self._count(t, strict=False)

    def count_before(self, t: float) -> int:
        """Lines printed strictly before t."""
        return self._count(t, strict=True)

    def window(self, now: float, lo: float | None = None, hi: float | None = None) -> tuple[int, int]:
        """The index range [first, last) of lines printed in [lo, hi] and by `now`."""
        upper = now if hi is None else min(hi, now)
        first = 0 if lo is None else self.count_before(lo)
        return first, max(first, self.count(upper))

    # -- reading ----------------------------------------------------------------------------
    def _locate(self, i: int) -> tuple[str, int, int]:
        if i < self._n_header:
            return "header", i, 0
        body = i - self._n_header
        n_body = None if self._n_records is None else self._n_records * self.per_record
        if n_body is None or body < n_body:
            k, r = divmod(body, self.per_record)
            return "body", k, r
        return "footer", body - n_body, 0

    def time(self, i: int) -> float:
        part, k, _ = self._locate(i)
        if part == "header":
            return self.start + k * self.header_gap
        if part == "body":
            return self._body_start + k * self.step
        return self.end

    def line(self, i: int) -> str:
        part, k, r = self._locate(i)
        if part == "header":
            return self.header[k]
        if part == "body":
            return self.record(k)[r]
        return self.footer[k]

    def lines(self, first: int, last: int) -> list[str]:
        """Lines [first, last), writing each body record once."""
        out: list[str] = []
        cached_k, cached = -1, ()
        for i in range(first, last):
            part, k, r = self._locate(i)
            if part == "body":
                if k != cached_k:
                    cached_k, cached = k, self.record(k)
                out.append(cached[r])
            else:
                out.append(self.header[k] if part == "header" else self.footer[k])
        return out

    # -- records (for metrics read from the body) --------------------------------------------
    def records(self, t: float) -> int:
        """Body records printed at or before t."""
        if self._n_header < len(self.header):
            return 0
        return _count_le(t, self._body_start, self.step, self._n_records)

    def records_before(self, t: float) -> int:
        if self._n_header < len(self.header):
            return 0
        return _count_lt(t, self._body_start, self.step, self._n_records)

    def record_time(self, k: int) -> float:
        return self._body_start + k * self.step


class TimedLines:
    """A few lines at explicit times (start-up chatter, how a process ended, events): what does
    not fall on a LogStream's grid. Same reading interface as LogStream; ties keep the given order."""

    def __init__(self, lines: Iterable[tuple[float, str]]):
        self._lines = sorted(lines, key=lambda line: line[0])      # stable: equal times keep their order
        self._times = [t for t, _ in self._lines]

    def count(self, t: float) -> int:
        return bisect_right(self._times, t)

    def count_before(self, t: float) -> int:
        return bisect_left(self._times, t)

    def window(self, now: float, lo: float | None = None, hi: float | None = None) -> tuple[int, int]:
        upper = now if hi is None else min(hi, now)
        first = 0 if lo is None else self.count_before(lo)
        return first, max(first, self.count(upper))

    def time(self, i: int) -> float:
        return self._times[i]

    def line(self, i: int) -> str:
        return self._lines[i][1]

    def lines(self, first: int, last: int) -> list[str]:
        return [text for _, text in self._lines[first:last]]


class Lines(Protocol):
    """What `merged_window` reads: a LogStream or TimedLines."""

    def window(self, now: float, lo: float | None = None, hi: float | None = None) -> tuple[int, int]: ...
    def time(self, i: int) -> float: ...
    def lines(self, first: int, last: int) -> list[str]: ...


def _timed(source: Lines, n: int, first: int, last: int) -> Iterator[tuple[float, int, int]]:
    for i in range(first, last):
        yield source.time(i), n, i


def merged_window(sources: Sequence[Lines], now: float, lo: float | None = None, hi: float | None = None,
                  limit: int | None = None, newest: bool = False) -> list[tuple[float, str]]:
    """The first `limit` (time, line) pairs the sources printed in [lo, hi] by `now` — or with
    `newest`, the last `limit` (a log tail) — in time order (equal times: the earlier source first,
    then line order). Each source is read lazily and only as far as the page needs, so a page costs
    O(limit + len(sources)) whatever the sources' length."""
    ranges = [source.window(now, lo, hi) for source in sources]
    if newest and limit is not None:
        # Only a source's last `limit` lines can be among the window's last `limit`.
        ranges = [(max(a, b - limit), b) for a, b in ranges]
    heads = [_timed(source, n, a, b) for n, (source, (a, b)) in enumerate(zip(sources, ranges))]
    merged = heapq.merge(*heads)
    picked = list(merged)[-limit:] if newest and limit is not None else list(islice(merged, limit))
    if limit == 0:
        picked = []
    first = {}
    for _, n, i in picked:
        first.setdefault(n, i)
    taken = Counter(n for _, n, _ in picked)
    texts = {n: iter(sources[n].lines(first[n], first[n] + taken[n])) for n in taken}
    return [(t, next(texts[n])) for t, n, _ in picked]


def page_window(first: int, last: int, page_number: int, page_size: int) -> tuple[int, int]:
    """The index range of page `page_number` (1-based) within [first, last): stable while the
    stream grows, because earlier pages only ever fill up."""
    lo = first + (page_number - 1) * page_size
    return min(lo, last), min(lo + page_size, last)
