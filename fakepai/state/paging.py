"""The one paginator every list operation uses (moto's utilities/paginator.py, simplified), and
the page, order, sort-key and time-window parameter checks list requests share. Each check raises
400 InvalidParameter naming the parameter (DESIGN §3), so a list request with a bad value is
rejected before anything is read."""
from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence, TypeVar

from fakepai.errors import invalid_parameter
from fakepai.timestamps import parse_iso

WEEK = 7 * 24 * 3600

T = TypeVar("T")


def page(items: Sequence[T], page_number: int, page_size: int) -> list[T]:
    """Page `page_number` (1-based) of `items`; an empty list past the end, never an error."""
    start = (page_number - 1) * page_size
    return list(items[start:start + page_size])


def order(params: dict, default: str = "desc") -> str:
    """`Order` as "asc" or "desc", accepted in either case (DESIGN §3); 400 naming it otherwise."""
    value = params.get("Order") or default
    if str(value).lower() not in ("asc", "desc"):
        raise invalid_parameter("Order", f"{value!r} is not one of asc, desc")
    return str(value).lower()


def sort_by(params: dict, allowed: Iterable[str], default: str) -> str:
    """`SortBy`, one of `allowed` (default `default`); 400 naming it otherwise."""
    value = params.get("SortBy") or default
    allowed = list(allowed)
    if value not in allowed:
        raise invalid_parameter("SortBy", f"{value!r} is not one of {', '.join(allowed)}")
    return value


def sort_items(items: Iterable[T], key: Callable[[T], Any], order: str | None, default_desc: bool = True) -> list[T]:
    """Sort by `key` with `Order` accepted in either case (DESIGN §3); ties keep creation order."""
    desc = default_desc if not order else order.lower() == "desc"
    return sorted(items, key=key, reverse=desc)


def contains_ci(haystack: str | None, needle: str | None) -> bool:
    """Name filters are case-insensitive substring matches (DESIGN §3)."""
    if not needle:
        return True
    return needle.lower() in (haystack or "").lower()


def page_bounds(params: dict, *, default_size: int = 10, max_size: int = 100,
                max_number: int | None = None) -> tuple[int, int]:
    """PageNumber (default 1, min 1) and PageSize (default `default_size`, 1..max_size).

    Out of range is 400 InvalidParameter rather than a clamp (DESIGN §3; behavior.md §9, [INFERRED])."""
    number = params.get("PageNumber")
    size = params.get("PageSize")
    number = 1 if number is None else number
    size = default_size if size is None else size
    if number < 1 or (max_number is not None and number > max_number):
        bound = f"1..{max_number}" if max_number else ">= 1"
        raise invalid_parameter("PageNumber", f"{number} is out of range ({bound})")
    if not 1 <= size <= max_size:
        raise invalid_parameter("PageSize", f"{size} is out of range (1..{max_size})")
    return number, size


def time_param(params: dict, name: str) -> float | None:
    """An ISO-8601 time parameter (`2024-01-01T00:00:00Z`), or None when absent; 400 naming it
    when it does not parse."""
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return parse_iso(str(value))
    except (ValueError, TypeError, OverflowError):
        raise invalid_parameter(name, "expected an ISO-8601 time such as 2024-01-01T00:00:00Z")


def creation_window(params: dict, now: float, span: float = WEEK) -> tuple[float, float]:
    """StartTime/EndTime on creation time; defaults now - span .. now [META list requests]."""
    start, end = time_param(params, "StartTime"), time_param(params, "EndTime")
    return (now - span if start is None else start), (now if end is None else end)
