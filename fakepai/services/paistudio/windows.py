"""Request parameters shared by PaiStudio's telemetry reads: pages and time windows.

The schema binds and types these; the bounds and defaults below are the ones behavior.md §4.2
gives for logs/events (PageSize 1..2000, default 100) and training metrics (PageSize 1..100,
default 100), checked here as well so the rule holds whatever the schema says.
"""
from __future__ import annotations

from dataclasses import dataclass

from fakepai.clock import parse_iso
from fakepai.errors import invalid_parameter


def page_params(params: dict, *, default_size: int = 100, max_size: int) -> tuple[int, int]:
    number = params.get("PageNumber")
    size = params.get("PageSize")
    number = 1 if number is None else number
    size = default_size if size is None else size
    if number < 1:
        raise invalid_parameter("PageNumber", f"{number} is out of range (minimum 1)")
    if not 1 <= size <= max_size:
        # DESIGN §3: PageSize above its maximum is rejected, not clamped.
        raise invalid_parameter("PageSize", f"{size} is out of range (1..{max_size})")
    return number, size


def time_param(params: dict, name: str) -> float | None:
    """An ISO-8601 time parameter (`2024-01-01T00:00:00Z`), or None when absent."""
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return parse_iso(str(value))
    except ValueError:
        raise invalid_parameter(name, "expected an ISO-8601 time such as 2024-01-01T00:00:00Z")


def time_window(params: dict) -> tuple[float | None, float | None]:
    """(StartTime, EndTime); None means open on that side. Start after end is rejected.

    Times are shown to the second, so a whole-second EndTime covers its whole second: an item
    stamped 12:00:05 (printed at 12:00:05.25) is inside a window that ends at 12:00:05."""
    lo, hi = time_param(params, "StartTime"), time_param(params, "EndTime")
    if lo is not None and hi is not None and lo > hi:
        raise invalid_parameter("StartTime", "StartTime is later than EndTime")
    if hi is not None and hi == int(hi):
        hi += 0.999999
    return lo, hi


@dataclass(frozen=True)
class PagedRead:
    """What a paged telemetry list reads: the job, the moment, the time window and the page."""

    job: object
    now: float
    lo: float | None
    hi: float | None
    number: int
    size: int


def paged_read(ctx, params: dict, *, max_size: int) -> PagedRead:
    from fakepai.services.paistudio.training_jobs import get_job
    job = get_job(ctx, params["TrainingJobId"])
    lo, hi = time_window(params)
    number, size = page_params(params, max_size=max_size)
    return PagedRead(job, ctx.now(), lo, hi, number, size)
