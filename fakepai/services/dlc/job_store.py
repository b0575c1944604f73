"""Where DLC jobs live: one `DlcJobStore` per account, one `JobRecord` per job.

A record keeps what the caller sent (`body`, already normalised) and the job's plan (its timeline);
everything a read shows — status, pods, logs, metrics — is derived from those two at `ctx.now()`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from fakepai.errors import DLC_NOT_FOUND
from fakepai.sim.sanity_check import SanityConfig
from fakepai.services.registry import Context
from fakepai.sim.timeline import Outcome, Phase, Timeline
from fakepai.state.store import AccountStore, derived

# The statuses a job ends in: once its plan reaches one, nothing about the record changes again.
TERMINAL = frozenset({"Succeeded", "Failed", "Stopped"})


@dataclass
class JobPlan:
    """A job's timeline plus what is needed to rewrite it (stop, scripted outcomes)."""

    job_id: str
    created: float
    body: dict
    sanity: SanityConfig
    durations: dict
    max_running: float | None
    reserve_seconds: float
    reserve_policy: str
    stop_seconds: float
    outcome: Outcome
    timeline: Timeline
    fatal_fault: float | None = None       # when a fault past the restart cap fails the job (restarts.py)

    def at(self, t: float) -> Phase:
        return self.timeline.at(t)

    def status_at(self, t: float) -> str:
        return self.timeline.status_at(t)


@dataclass
class JobRecord:
    job_id: str
    seq: int                     # creation order: the tie-breaker of every sort
    created: float
    modified: float
    body: dict                   # the CreateJob fields as stored (the caller's, after template merge)
    plan: JobPlan
    user_id: str
    username: str
    workspace_id: str
    template_id: str | None = None
    template_name: str | None = None
    # (role, index) -> when UpdateJob scaled that pod in; pods of the original spec have no entry.
    pod_added: dict[tuple[str, int], float] = field(default_factory=dict)
    # Pods UpdateJob scaled out: (role, index, when that pod was added or None for the original
    # spec, when it was removed), oldest first; their lives stay in the plan (pods.lives).
    pods_removed: list[tuple[str, int, float | None, float]] = field(default_factory=list)

    @property
    def created_second(self) -> int:
        """GmtCreateTime's second, what ListJobs windows and sorts every job on: worked out once."""
        return derived(self, "created_second", self.created, lambda: whole_seconds(self.created))

    def __getstate__(self) -> dict:
        # Derived caches (pods.lives, created_second) are rebuilt on demand, not saved.
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


def whole_seconds(t: float) -> int:
    """The epoch second that `timestamps.iso_z(t)` names: datetime rounds to microseconds (half to even)
    before the text drops them, so 9.9999996 reads as second 10. ListJobs filters and sorts on
    these, so it agrees with the timestamps its responses show."""
    frac, whole = math.modf(t)
    micros = round(frac * 1e6)
    if micros < 0:
        micros, whole = micros + 1_000_000, whole - 1
    return int(whole) + (1 if micros >= 1_000_000 else 0)


class DlcJobStore(AccountStore):
    def __init__(self):
        super().__init__()
        self.jobs: dict[str, JobRecord] = {}


def get_record(ctx: Context, job_id: str | None) -> JobRecord:
    """The job, or 404 NotFound; a key limited to some workspaces only sees jobs in them."""
    return ctx.lookup(ctx.store(DlcJobStore).jobs, "Job", job_id, lambda record: record.workspace_id,
                      code=DLC_NOT_FOUND)


def active_jobs_using_template(ctx: Context, template_id: str) -> list[str]:
    """Ids of the jobs created from `template_id` that have not ended (Succeeded/Failed/Stopped)."""
    now = ctx.now()
    return [r.job_id for r in ctx.store(DlcJobStore).jobs.values()
            if r.template_id == template_id and r.plan.status_at(now) not in TERMINAL]
