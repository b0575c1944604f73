"""What PaiStudio's paged telemetry reads (logs, events, training metrics) take from a request:
the job, the moment, the time window and the page.

The schema binds, types and bounds the page: behavior.md §4.2's PageSize 1..2000 (default 100) for
logs/events and 1..100 (default 100) for training metrics are its minimum/maximum/default, which
the binder enforces and fills in before a handler runs. The window is `paging.time_window`'s: open
on a side left out, a whole-second EndTime covering its second.
"""
from __future__ import annotations

from dataclasses import dataclass

from fakepai.services.paistudio.training_jobs import get_job
from fakepai.services.registry import Context
from fakepai.state.paging import time_window


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
    lo, hi = time_window(params, whole_second_end=True)
    return PagedRead(job, ctx.now(), lo, hi, params["PageNumber"], params["PageSize"])
