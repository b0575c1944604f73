"""The one paginator every list operation uses (moto's utilities/paginator.py, simplified)."""
from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence, TypeVar

T = TypeVar("T")


def page(items: Sequence[T], page_number: int, page_size: int) -> list[T]:
    """Page `page_number` (1-based) of `items`; an empty list past the end, never an error."""
    start = (page_number - 1) * page_size
    return list(items[start:start + page_size])


def sort_items(items: Iterable[T], key: Callable[[T], Any], order: str | None, default_desc: bool = True) -> list[T]:
    """Sort by `key` with `Order` accepted in either case (DESIGN §3); ties keep creation order."""
    desc = default_desc if not order else order.lower() == "desc"
    return sorted(items, key=key, reverse=desc)


def contains_ci(haystack: str | None, needle: str | None) -> bool:
    """Name filters are case-insensitive substring matches (DESIGN §3)."""
    if not needle:
        return True
    return needle.lower() in (haystack or "").lower()
