"""Where DLC jobs live: one `DlcJobStore` per account, one `JobRecord` per job.

A record keeps what the caller sent (`body`, already normalised) and the job's plan (its timeline);
everything a read shows — status, pods, logs, metrics — is derived from those two at `ctx.now()`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fakepai.errors import not_found

if TYPE_CHECKING:  # pragma: no cover
    from fakepai.services.dlc.lifecycle import JobPlan


@dataclass
class JobRecord:
    job_id: str
    seq: int                     # creation order: the tie-breaker of every sort
    created: float
    modified: float
    body: dict                   # the CreateJob fields as stored (the caller's, after template merge)
    plan: "JobPlan"
    user_id: str
    username: str
    workspace_id: str
    template_id: str | None = None
    template_name: str | None = None
    # (role, index) -> when UpdateJob scaled that pod in; pods of the original spec have no entry.
    pod_added: dict[tuple[str, int], float] = field(default_factory=dict)


class DlcJobStore:
    def __init__(self):
        self.jobs: dict[str, JobRecord] = {}
        self.seq = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


def find_record(ctx, job_id: str | None) -> JobRecord | None:
    return ctx.store(DlcJobStore).jobs.get(job_id or "")


def get_record(ctx, job_id: str | None) -> JobRecord:
    """The job, or 404 NotFound.Job; a key limited to some workspaces only sees jobs in them."""
    record = find_record(ctx, job_id)
    if record is None:
        raise not_found("Job", job_id or "")
    ctx.check_workspace(record.workspace_id)
    return record
