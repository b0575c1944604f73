"""The list parameters DLC list operations share: Order, SortBy, PageNumber/PageSize bounds and the
creation-time window. Each check raises 400 InvalidParameter naming the parameter (DESIGN §3), so a
list request with a bad value is rejected before anything is read."""
from __future__ import annotations

from typing import Iterable

from fakepai.clock import parse_iso
from fakepai.errors import invalid_parameter

WEEK = 7 * 24 * 3600


def order(params: dict) -> str:
    """`Order` in either case (DESIGN §3); desc by default."""
    value = params.get("Order") or "desc"
    if value.lower() not in ("asc", "desc"):
        raise invalid_parameter("Order", f"{value!r} is not one of asc, desc")
    return value.lower()


def sort_by(params: dict, allowed: Iterable[str], default: str) -> str:
    value = params.get("SortBy") or default
    allowed = list(allowed)
    if value not in allowed:
        raise invalid_parameter("SortBy", f"{value!r} is not one of {', '.join(allowed)}")
    return value


def page_bounds(params: dict, *, max_number: int | None = None, max_size: int = 100) -> tuple[int, int]:
    """PageNumber (default 1, min 1) and PageSize (default 10, 1..max_size) — DESIGN §3 defaults.

    Out of range is 400 InvalidParameter rather than a clamp (behavior.md §9, [INFERRED])."""
    number = params.get("PageNumber", 1)
    size = params.get("PageSize", 10)
    if number is None:
        number = 1
    if size is None:
        size = 10
    if number < 1 or (max_number is not None and number > max_number):
        bound = f"1..{max_number}" if max_number else ">= 1"
        raise invalid_parameter("PageNumber", f"{number} is out of range ({bound})")
    if not 1 <= size <= max_size:
        raise invalid_parameter("PageSize", f"{size} is out of range (1..{max_size})")
    return number, size


def time_window(params: dict, now: float, *, default_days: float = 7) -> tuple[float, float]:
    """StartTime/EndTime on creation time; defaults now - 7 days .. now [META list requests]."""
    bounds = []
    for name, default in (("StartTime", now - default_days * 24 * 3600), ("EndTime", now)):
        text = params.get(name)
        if not text:
            bounds.append(default)
            continue
        try:
            bounds.append(parse_iso(text))
        except (ValueError, TypeError, OverflowError):
            raise invalid_parameter(name, "expected an ISO-8601 time such as 2024-01-01T00:00:00Z")
    return bounds[0], bounds[1]
