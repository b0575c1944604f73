"""The Order and SortBy checks DLC list operations share (page bounds and the creation-time window
are in fakepai/state/paging.py). Each check raises 400 InvalidParameter naming the parameter
(DESIGN §3), so a list request with a bad value is rejected before anything is read."""
from __future__ import annotations

from typing import Iterable

from fakepai.errors import invalid_parameter


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
