"""Request parameters shared by PaiStudio's telemetry reads: pages and time windows.

The schema binds, types and bounds these: behavior.md §4.2's PageSize 1..2000 (default 100) for
logs/events and 1..100 (default 100) for training metrics are its minimum/maximum/default, which
the binder enforces and fills in before a handler runs.
"""
from __future__ import annotations

from dataclasses import dataclass

from fakepai.errors import invalid_parameter
from fakepai.services.paistudio.training_jobs import get_job
from fakepai.services.registry import Context
from fakepai.state.paging import time_param


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


def paged_read(ctx: Context, params: dict) -> PagedRead:
    job = get_job(ctx, params["TrainingJobId"])
    lo, hi = time_window(params)
    return PagedRead(job, ctx.now(), lo, hi, params.get("PageNumber", 1), params.get("PageSize", 100))
