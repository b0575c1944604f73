"""Times on the wire, formatted and parsed in one place (behavior.md §1.3). Each formatter is
named after what it prints; all take an epoch time in seconds (virtual time, `Clock.now()`).

| function          | prints                              | used for                                   |
|-------------------|-------------------------------------|--------------------------------------------|
| `iso_z`           | `2023-11-14T22:13:20Z`              | DLC and PaiStudio resource times            |
| `iso_cst_micros`  | `2023-11-15T06:13:20.343005+08:00`  | DLC sanity-check items [META demo]          |
| `wall_cst`        | `2023-11-15 06:13:20`               | PaiPlugin times, DLC log and event lines    |
| `wall_utc`        | `2023-11-14 22:13:20`               | PaiStudio event lines                       |
| `month_utc`       | `2023-11`                           | the usage meter's billing month             |
| `epoch_ms`        | `1700000000000`                     | DLC metric points                           |

`parse_iso` reads the ISO-8601 forms clients send.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

# China Standard Time (UTC+8): PaiPlugin's times, DLC log/event lines and sanity-check items
# print local time in the region (behavior.md §1.3).
CST = timezone(timedelta(hours=8))


@lru_cache(maxsize=1 << 16)
def iso_z(ts: float) -> str:
    """UTC ISO-8601 with a Z, second precision: the DLC/PaiStudio time format.
    Cached: the same phase and record times are formatted on every read."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_cst_micros(ts: float) -> str:
    """ISO-8601 in UTC+8 with microseconds and the offset spelled out."""
    return datetime.fromtimestamp(ts, tz=CST).isoformat(timespec="microseconds")


def wall_cst(ts: float) -> str:
    """Date and time in UTC+8, space-separated, no zone."""
    return datetime.fromtimestamp(ts, tz=CST).strftime("%Y-%m-%d %H:%M:%S")


def wall_utc(ts: float) -> str:
    """Date and time in UTC, space-separated, no zone."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def month_utc(ts: float) -> str:
    """Year and month in UTC."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m")


def epoch_ms(ts: float) -> int:
    """Milliseconds since the epoch, rounded."""
    return int(round(ts * 1000))


def parse_iso(value: str) -> float:
    """Parse the ISO-8601 forms clients send (`Z` or an offset; date-only is midnight UTC)."""
    text = value.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()
