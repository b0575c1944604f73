"""PaiStudio's per-account state: training jobs (and what later modules hang on them)."""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fakepai.sim.timeline import Outcome, Timeline
from fakepai.state.store import AccountStore


@dataclass
class TrainingJob:
    id: str
    workspace_id: str
    name: str
    spec: dict[str, Any]                 # the accepted CreateTrainingJob body, normalised
    created: float
    user_id: str
    timeline: Timeline
    outcome: Outcome
    run_seconds: float
    max_running: float | None
    labels: list[dict] = field(default_factory=list)
    modified: float = 0.0                # last change made through the API (labels); status changes come from the timeline
    algorithm: dict | None = None        # resolved algorithm: {"AlgorithmId", "AlgorithmSpec", ...}
    error_info: dict | None = None       # scripted error info for GetTrainingJobErrorInfo
    seq: int = 0                         # creation order within the account (set by the store): breaks time ties
    revision: int = 0                    # bumped by every change made through the API (views cache on it)
    # Views kept once the job has ended (views._settled); class defaults, not fields: not saved.
    _ended_view = None
    _ended_item = None

    def touch(self, now: float) -> None:
        """Record a change made through the API (labels, stop)."""
        self.modified = now
        self.revision += 1

    def __getstate__(self) -> dict:
        # Derived caches (telemetry, see telemetry.telemetry) are rebuilt on demand, not saved.
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


def instance_count(job: TrainingJob) -> int:
    resource = job.spec.get("ComputeResource") or {}
    return max(1, int(resource.get("EcsCount") or resource.get("InstanceCount") or 1))


def instance_names(job: TrainingJob) -> list[str]:
    """`<jobId>-master-0`, then `<jobId>-worker-<i>` for the other nodes ([GO] naming). They follow
    from the spec alone, so telemetry (what the instances print) and views (what a read shows)
    both take them from here."""
    names = [f"{job.id}-master-0"]
    names += [f"{job.id}-worker-{i}" for i in range(instance_count(job) - 1)]
    return names


class TrainingJobStore(AccountStore):
    def __init__(self):
        super().__init__()
        self.jobs: dict[str, TrainingJob] = {}
        # Creation-ordered ids per workspace with their creation times: ListTrainingJobs' common
        # case (one workspace, default sort, time window) pages by bisecting instead of scanning.
        self._by_workspace: dict[str, tuple[list[float], list[str]]] = {}

    def add(self, job: TrainingJob) -> None:
        job.seq = self.next_seq()
        self.jobs[job.id] = job
        times, ids = self._by_workspace.setdefault(job.workspace_id, ([], []))
        at = bisect.bisect_right(times, job.created)
        times.insert(at, job.created)
        ids.insert(at, job.id)

    def remove(self, job_id: str) -> None:
        job = self.jobs.pop(job_id)
        times, ids = self._by_workspace[job.workspace_id]
        at = ids.index(job_id)
        del times[at], ids[at]

    def created_between(self, workspace_id: str, start: float, end: float) -> Sequence[str]:
        """Ids of the workspace's jobs created in [start, end], oldest first: a view onto the
        index, not a copy (a page of 10 out of 10,000 would otherwise copy the 10,000). Read it
        before the store changes."""
        times, ids = self._by_workspace.get(workspace_id, ([], []))
        return _Window(ids, bisect.bisect_left(times, start), bisect.bisect_right(times, end))


class _Window(Sequence):
    """items[lo:hi] without copying it: length, indexing, slicing (a slice is a list)."""
    __slots__ = ("_items", "_lo", "_hi")

    def __init__(self, items: list, lo: int, hi: int):
        self._items, self._lo, self._hi = items, lo, max(lo, hi)

    def __len__(self) -> int:
        return self._hi - self._lo

    def __getitem__(self, index):
        if isinstance(index, slice):
            if index.step not in (None, 1):
                return self._items[self._lo:self._hi][index]
            start, stop, _ = index.indices(len(self))
            return self._items[self._lo + start:self._lo + max(start, stop)]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._items[self._lo + index]
