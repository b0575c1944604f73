"""A DLC job's pods over time: who each pod is (its Slot), the lives the job's plan schedules for
it, and the identities a life is given (PodUid, node, IP), as functions of the plan and the ids.

Pods are scheduled when the job reaches EnvPreparing (before that a job has no pods), start their
main container when the job leaves EnvPreparing (SanityChecking or Running), and end with the job:
Succeeded when it succeeded, Failed when it failed or was stopped (a stop kills the containers).
While the job is reserving (SucceededReserving / FailedReserving) the pods keep Running: keeping
the environment alive is what the reservation is for [INFERRED]. A restart ends every pod's
current life as Failed at the fault; each pod is then created again under the same PodId with a
new PodUid (attempt 1, 2, ...) and starts when the job runs again. A pod UpdateJob scaled out ends
`Deleted`; a PodId scaled in again starts a new span of lives with new PodUids.

The service (fakepai/services/dlc/pods.py) maps a job record to the inputs — its timeline, its
restarts and the spans of its PodIds — and keeps the lives beside the record.
"""
from __future__ import annotations

from dataclasses import dataclass

from fakepai.sim.noise import rng, uuid_for
from fakepai.sim.timeline import FOREVER, Timeline

POD_END = {"Succeeded": "Succeeded", "Failed": "Failed", "Stopped": "Failed"}   # job end -> pod end
DELETED = "Deleted"      # how the life of a pod scaled out ends (never shown as a pod status)


@dataclass(frozen=True)
class Slot:
    role: str
    index: int
    pod_id: str

    @classmethod
    def of(cls, job_id: str, role: str, index: int) -> "Slot":
        return cls(role, index, f"{job_id}-{role.lower()}-{index}")

@dataclass(frozen=True)
class Span:
    """One span of a PodId: from when UpdateJob scaled it in (None: the original spec) to when it
    scaled it out (None: still in the roster); `number` counts the PodId's spans, `stagger` delays
    its creation behind the pods before it."""
    slot: Slot
    added: float | None
    removed: float | None
    number: int
    stagger: float

def _keys(pod_id: str, attempt: int, span: int = 0) -> tuple:
    if span:
        return pod_id, attempt, span
    return (pod_id,) if attempt == 0 else (pod_id, attempt)


def uid(pod_id: str, attempt: int = 0, span: int = 0) -> str:
    return uuid_for("pod-uid", *_keys(pod_id, attempt, span))


def node_name(region: str, pod_id: str, attempt: int = 0, span: int = 0) -> str:
    """ACK node names are `<region>.<node ip>`; a restarted pod may land on another node."""
    r = rng("node", *_keys(pod_id, attempt, span))
    return f"{region}.10.{r.randrange(0, 256)}.{r.randrange(0, 256)}.{r.randrange(2, 255)}"


def pod_ip(pod_id: str, attempt: int = 0, span: int = 0) -> str:
    r = rng("pod-ip", *_keys(pod_id, attempt, span))
    return f"172.{r.randrange(16, 32)}.{r.randrange(0, 256)}.{r.randrange(2, 255)}"


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


def _job_milestones(timeline: Timeline,
                    terminal: frozenset[str]) -> tuple[float | None, float | None, float | None, str | None]:
    """(EnvPreparing start, container start, final end, final status) from the full plan."""
    phases = timeline.phases
    env = start = end = None
    final = None
    for i, phase in enumerate(phases):
        if phase.status == "EnvPreparing" and env is None:
            env = phase.start
            following = phases[i + 1] if i + 1 < len(phases) else None
            if following is not None and following.status in ("SanityChecking", "Running"):
                start = following.start
        if phase.status in terminal and end is None:
            end, final = phase.start, phase.status
    return env, start, end, final


def planned_lives(timeline: Timeline, terminal: frozenset[str], restarts: list[tuple[float, float | None]],
                  spans: list[Span]) -> list[PodLife]:
    """Every pod life the plan schedules (past or future): per span of each PodId, its first life
    and then one per restart (`restarts`: each fault with when the job ran again), cut short where
    the span ends (UpdateJob scaled the pod out)."""
    env, start, end, final = _job_milestones(timeline, terminal)
    if env is None:
        return []
    end_status = POD_END.get(final) if final else None
    # Each restart: (fault, running again); the lives of one attempt run between two faults.
    faults = [(f, r) for f, r in restarts if end is None or f < end]
    # Once a stop begins no replacement is created: the job is going away [INFERRED].
    stopping = timeline.entered("Stopping", FOREVER)
    out = []
    for each in spans:
        slot, added, removed, span, stagger = each.slot, each.added, each.removed, each.number, each.stagger
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
