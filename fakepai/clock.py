"""The virtual clock: every resource that lives in time reads `now()` from here.

Virtual time runs at `speed` times real time from an anchor; tests freeze it (speed 0), set it,
or advance it. Nothing ticks in the background: readers materialise state at `now()`.
"""
from __future__ import annotations

import math
import threading
import time

from fakepai.timestamps import iso_z


# Virtual time stays between the epoch and the year 3000: every plan (scripted waits of up to ten
# years) and every timestamp it prints then fit in what datetime and clients can show.
LATEST = 32503680000.0
MAX_SPEED = 1e6


def checked_speed(speed: float) -> float:
    """The one rule for a clock speed (control plane, `serve --speed`, FakePAI(speed=...))."""
    speed = float(speed)
    if not (math.isfinite(speed) and 0 <= speed <= MAX_SPEED):
        raise ValueError(f"speed must be 0..{MAX_SPEED:g} (0 freezes the clock; time never runs backwards)")
    return speed


def _checked(now: float, speed: float) -> tuple[float, float]:
    """ValueError for a time or speed the emulator could not run at (NaN, infinite, backwards...)."""
    if not (math.isfinite(now) and 0 <= now <= LATEST):
        raise ValueError(f"time must be between 1970 and 3000 (epoch 0..{LATEST:.0f})")
    return now, checked_speed(speed)


class Clock:
    def __init__(self, speed: float = 1.0, start: float | None = None, *, monotonic=time.monotonic):
        self._monotonic = monotonic
        self._lock = threading.Lock()     # between writers (set/advance read, then replace the anchor)
        # (virtual time, monotonic time, speed) at the last set: one tuple, replaced whole and never
        # edited, so `now()` reads a consistent anchor without the lock (every request reads the
        # clock twice: calls per request, benchmarks/README.md).
        self._anchor = (time.time() if start is None else float(start), monotonic(), checked_speed(speed))
        self._pinned: float | None = None
        self.on_move = None        # called with the new virtual time after set/advance (the journal)

    def now(self) -> float:
        """Virtual time as epoch seconds."""
        pinned = self._pinned
        if pinned is not None:
            return pinned
        virtual, real, speed = self._anchor          # `_unpinned_now()`, inline: one call less a read
        return virtual + (self._monotonic() - real) * speed

    def pinned(self, at: float) -> _Pinned:
        """`with clock.pinned(at):` `now()` answers `at` inside the block: a write happens at one
        instant of virtual time, the one its journal record keeps, so replaying it derives the
        same timelines. The anchor is untouched, so virtual time loses nothing to the pin."""
        return _Pinned(self, at)

    @property
    def speed(self) -> float:
        return self._anchor[2]

    def _reanchor(self, virtual: float, speed: float) -> None:
        self._anchor = (virtual, self._monotonic(), speed)

    def set(self, now: float | None = None, speed: float | None = None) -> None:
        with self._lock:
            current = self._unpinned_now()
            self._reanchor(*_checked(current if now is None else float(now), self.speed if speed is None else float(speed)))
        self._moved()

    def advance(self, seconds: float) -> float:
        seconds = float(seconds)
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError("seconds must be a finite number >= 0: the clock only moves forward")
        with self._lock:
            current = self._unpinned_now()
            self._reanchor(*_checked(current + seconds, self.speed))
            moved_to = self._anchor[0]
        self._moved()
        return moved_to

    def _unpinned_now(self) -> float:
        virtual, real, speed = self._anchor
        return virtual + (self._monotonic() - real) * speed

    def _moved(self) -> None:
        if self.on_move is not None:
            self.on_move(self._anchor[0])

    def freeze(self) -> None:
        self.set(speed=0.0)

    def snapshot(self) -> dict:
        now = self.now()
        return {"now": iso_z(now), "epoch": now, "speed": self.speed}


class _Pinned:
    """`Clock.pinned`'s block. A class, not a @contextmanager generator: that costs ~4 calls more
    on every write (benchmarks/README.md, "Calls per request, third round")."""

    __slots__ = ("clock", "at", "outer")

    def __init__(self, clock: Clock, at: float):
        self.clock, self.at = clock, at

    def __enter__(self) -> float:
        self.outer, self.clock._pinned = self.clock._pinned, self.at
        return self.at

    def __exit__(self, *exc) -> None:
        self.clock._pinned = self.outer
