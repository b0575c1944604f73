"""A DLC job's pods: who they are (from JobSpecs) and where they are in life (from the plan).

Pods are `<jobId>-<role lower>-<i>` [META/GO] with a k8s-style PodUid fixed by the pod id. They are
scheduled when the job reaches EnvPreparing (before that a job has no pods), start their main
container when the job leaves EnvPreparing (SanityChecking or Running), and end with the job:
Succeeded when it succeeded, Failed when it failed or was stopped (a stop kills the containers).
While the job is reserving (SucceededReserving / FailedReserving) the pods keep Running: keeping
the environment alive is what the reservation is for [INFERRED].

A restart (restarts.py) ends every pod's current life as Failed at the fault; each pod is then
created again under the same PodId with a new PodUid (attempt 1, 2, ...) and starts when the job
runs again. Earlier attempts are the pod's HistoryPods [SKILL].

UpdateJob scales elastic jobs: a pod scaled in is created then; a pod scaled out ends then
(`Deleted`: it is gone from Pods, its lives stay in the plan for logs, events and RestartRecord),
and a PodId scaled in again starts a new span of lives with new PodUids.
"""
from __future__ import annotations

from dataclasses import dataclass

from fakepai.services.dlc import seeded
from fakepai.services.dlc.job_store import TERMINAL
from fakepai.services.dlc.restarts import restarts_in
from fakepai.sim.dlc_job import DELETED
from fakepai.sim.timeline import FOREVER
from fakepai.state.store import derived

POD_END = {"Succeeded": "Succeeded", "Failed": "Failed", "Stopped": "Failed"}

# The main container's name per job type (the kubeflow operators' conventions).
MAIN_CONTAINER = {
    "TFJob": "tensorflow", "PyTorchJob": "pytorch", "MPIJob": "mpi", "XGBoostJob": "xgboost",
    "OneFlowJob": "oneflow", "ElasticBatchJob": "elasticbatch", "SlurmJob": "slurm", "RayJob": "ray",
    "DataJuicerJob": "datajuicer",
}


@dataclass(frozen=True)
class Slot:
    role: str
    index: int
    pod_id: str

    @classmethod
    def of(cls, job_id: str, role: str, index: int) -> "Slot":
        return cls(role, index, f"{job_id}-{role.lower()}-{index}")


def roster(job_id: str, body: dict) -> list[Slot]:
    """Every pod the JobSpecs ask for, in spec order."""
    slots = []
    for spec in body.get("JobSpecs") or []:
        role = spec.get("Type") or "Worker"
        for i in range(int(spec.get("PodCount") or 1)):
            slots.append(Slot.of(job_id, role, i))
    return slots


def _keys(pod_id: str, attempt: int, span: int = 0) -> tuple:
    if span:
        return pod_id, attempt, span
    return (pod_id,) if attempt == 0 else (pod_id, attempt)


def uid(pod_id: str, attempt: int = 0, span: int = 0) -> str:
    return seeded.uuid_for("pod-uid", *_keys(pod_id, attempt, span))


def node_name(region: str, pod_id: str, attempt: int = 0, span: int = 0) -> str:
    """ACK node names are `<region>.<node ip>`; a restarted pod may land on another node."""
    r = seeded.rng("node", *_keys(pod_id, attempt, span))
    return f"{region}.10.{r.randrange(0, 256)}.{r.randrange(0, 256)}.{r.randrange(2, 255)}"


def pod_ip(pod_id: str, attempt: int = 0, span: int = 0) -> str:
    r = seeded.rng("pod-ip", *_keys(pod_id, attempt, span))
    return f"172.{r.randrange(16, 32)}.{r.randrange(0, 256)}.{r.randrange(2, 255)}"


def spec_for(body: dict, role: str) -> dict:
    for spec in body.get("JobSpecs") or []:
        if (spec.get("Type") or "Worker") == role:
            return spec
    return {}


@dataclass
class PodLife:
    slot: Slot
    created: float
    started: float | None      # main container start (None: it never started)
    finished: float | None     # None: still alive in the plan
    end_status: str | None     # Succeeded | Failed once finished
    attempt: int = 0           # 0, then 1, 2, ... for the pods created again after each restart
    span: int = 0              # 0, then 1, 2, ... each time UpdateJob scales this PodId in again

    @property
    def uid(self) -> str:
        return uid(self.slot.pod_id, self.attempt, self.span)

    @property
    def node(self) -> tuple[str, int, int]:
        """The keys of its node and IP: (PodId, attempt, span)."""
        return self.slot.pod_id, self.attempt, self.span

    def status_at(self, t: float) -> str | None:
        """Pending / Running / Succeeded / Failed at `t`, or None before the pod exists."""
        if t < self.created:
            return None
        if self.finished is not None and t >= self.finished:
            return self.end_status
        if self.started is None or t < self.started:
            return "Pending"
        return "Running"


def _job_milestones(record) -> tuple[float | None, float | None, float | None, str | None]:
    """(EnvPreparing start, container start, final end, final status) from the full plan."""
    phases = record.plan.timeline.phases
    env = start = end = None
    final = None
    for i, phase in enumerate(phases):
        if phase.status == "EnvPreparing" and env is None:
            env = phase.start
            following = phases[i + 1] if i + 1 < len(phases) else None
            if following is not None and following.status in ("SanityChecking", "Running"):
                start = following.start
        if phase.status in TERMINAL and end is None:
            end, final = phase.start, phase.status
    return env, start, end, final


def _spans(record) -> list[tuple[Slot, float | None, float | None, int, float]]:
    """(slot, scaled in at or None, scaled out at or None, span number, stagger) for every span of
    every PodId: the ones UpdateJob closed first (oldest first), then the current roster's."""
    spans, seen = [], {}
    for role, index, added, removed in record.pods_removed:
        slot = Slot.of(record.job_id, role, index)
        n = seen[slot.pod_id] = seen.get(slot.pod_id, -1) + 1
        spans.append((slot, added, removed, n, min(0.2 * index, 5.0)))
    for k, slot in enumerate(roster(record.job_id, record.body)):
        added = record.pod_added.get((slot.role, slot.index))
        spans.append((slot, added, None, seen.get(slot.pod_id, -1) + 1, min(0.2 * k, 5.0)))
    return spans


def role_of(record, pod_id: str) -> str | None:
    """The role of a PodId the job has or had (a pod UpdateJob scaled out too), else None."""
    return next((slot.role for slot, *_ in _spans(record) if slot.pod_id == pod_id), None)


def lives(record) -> list[PodLife]:
    """Every pod life the plan schedules (past or future): per span of each PodId, its first life
    and then one per restart, cut short where UpdateJob scaled the pod out. Built once per job
    state (its phases, its JobSpecs' pod counts and what UpdateJob scaled), not per read; callers
    must not change the list."""
    key = (tuple((p.status, p.start) for p in record.plan.timeline.phases),
           tuple((spec.get("Type"), spec.get("PodCount")) for spec in record.body.get("JobSpecs") or []),
           tuple(record.pod_added.items()), tuple(record.pods_removed))
    return derived(record, "lives", key, lambda: _planned_lives(record))


def _planned_lives(record) -> list[PodLife]:
    env, start, end, final = _job_milestones(record)
    if env is None:
        return []
    end_status = POD_END.get(final) if final else None
    # Each restart: (fault, running again); the lives of one attempt run between two faults.
    faults = [(f, r) for f, r in restarts_in(record.plan.timeline) if end is None or f < end]
    # Once a stop begins no replacement is created: the job is going away [INFERRED].
    stopping = record.plan.timeline.entered("Stopping", FOREVER)
    out = []
    for slot, added, removed, span, stagger in _spans(record):
        # Pods are created one after another (within 5 s); a pod scaled in by UpdateJob appears when
        # it was added.
        created = max(env + stagger, env if added is None else added)
        begins = start
        for attempt in range(len(faults) + 1):
            if (end is not None and created > end) or (attempt and stopping is not None and created >= stopping) \
                    or (removed is not None and created >= removed):
                break
            fault = faults[attempt][0] if attempt < len(faults) else None
            started = begins if begins is not None and (end is None or begins < end) else None
            if started is not None and created > started:
                started = created + 1.0
            finish, status = (fault, "Failed") if fault is not None else (end, end_status)
            if fault is not None and fault < created:
                pass                                   # this attempt was over before the pod existed
            elif removed is not None and (finish is None or finish > removed):
                out.append(PodLife(slot, created, started if started is not None and started < removed else None,
                                   removed, DELETED, attempt, span))
                break
            else:
                out.append(PodLife(slot, created, started if started is not None and (finish is None or started < finish)
                                   else None, finish, status, attempt, span))
            if fault is None:
                break
            # The replacement is created once the failed pod is gone, and starts when the job runs again.
            created, begins = max(created, fault + 1.0 + stagger), faults[attempt][1]
    return out


def at(record, t: float, every: list[PodLife] | None = None) -> tuple[list[PodLife], dict[str, list[PodLife]]]:
    """The pods that exist at `t` (per slot, its latest life created by then) and, per PodId, its
    earlier lives (before the latest restart): one pass over `lives` (or `every`, already built)."""
    by_pod: dict[str, list[PodLife]] = {}
    for life in lives(record) if every is None else every:
        if life.created <= t:
            by_pod.setdefault(life.slot.pod_id, []).append(life)
    current, history = [], {}
    for pod_id, found in by_pod.items():
        latest = found[-1]
        if latest.end_status == DELETED and latest.finished <= t:
            continue                                   # scaled out: no longer one of the job's pods
        current.append(latest)
        history[pod_id] = [life for life in found[:-1] if life.end_status != DELETED]
    return current, history


def life_of(record, pod_id: str, at: float, pod_uid: str | None = None) -> PodLife | None:
    """The pod's life with `pod_uid` if given, else its latest one created by `at`."""
    found = None
    for life in lives(record):
        if life.slot.pod_id != pod_id:
            continue
        if pod_uid is not None:
            if life.uid == pod_uid:
                return life
        elif life.created <= at:
            found = life
    return found


def culprit(record, k: int, every: list[PodLife] | None = None) -> tuple[str, int, int] | None:
    """(PodId, attempt, span) of the pod life where fault k (1-based: the restarts' faults, then the
    one past the cap) happened: drawn from the job id among the lives that fault took down. Lives
    are never dropped from the plan (a pod scaled out keeps its), so the answer never changes."""
    faults = fault_times(record)
    if not 0 < k <= len(faults):
        return None
    at = faults[k - 1]
    # The lives the fault took down: alive at it and ending Failed (at it, or later when the job
    # keeps its pods reserved after the fault that failed it).
    failed = sorted((life for life in (lives(record) if every is None else every)
                     if life.created <= at and life.finished is not None and life.finished >= at
                     and life.end_status == "Failed"),
                    key=lambda life: (life.slot.role, life.slot.index, life.span))   # however the roster changed since
    if not failed:
        return None
    life = failed[int(seeded.unit("fault-pod", record.job_id, k) * len(failed))]
    return life.slot.pod_id, life.attempt, life.span


def fault_times(record) -> list[float]:
    """When each fault hit: one per restart, then the one past the cap that failed the job, if any."""
    faults = [at for at, _ in restarts_in(record.plan.timeline)]
    fatal = record.plan.fatal_fault
    if fatal is not None and any(p.start == fatal and p.status in ("Failed", "FailedReserving")
                                 for p in record.plan.timeline.phases):       # not cut short by a stop
        faults.append(fatal)
    return faults
