"""A DLC job's pods: who they are (from JobSpecs) and where they are in life (from the plan).

Pods are `<jobId>-<role lower>-<i>` [META/GO] with a k8s-style PodUid fixed by the pod id. They are
scheduled when the job reaches EnvPreparing (before that a job has no pods), start their main
container when the job leaves EnvPreparing (SanityChecking or Running), and end with the job:
Succeeded when it succeeded, Failed when it failed or was stopped (a stop kills the containers).
While the job is reserving (SucceededReserving / FailedReserving) the pods keep Running: keeping
the environment alive is what the reservation is for [INFERRED].
"""
from __future__ import annotations

from dataclasses import dataclass

from fakepai.services.dlc import seeded

TERMINAL = ("Succeeded", "Failed", "Stopped")
_POD_END = {"Succeeded": "Succeeded", "Failed": "Failed", "Stopped": "Failed"}

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


def roster(job_id: str, body: dict) -> list[Slot]:
    """Every pod the JobSpecs ask for, in spec order."""
    slots = []
    for spec in body.get("JobSpecs") or []:
        role = spec.get("Type") or "Worker"
        for i in range(int(spec.get("PodCount") or 1)):
            slots.append(Slot(role, i, f"{job_id}-{role.lower()}-{i}"))
    return slots


def uid(pod_id: str) -> str:
    return seeded.uuid_for("pod-uid", pod_id)


def node_name(region: str, pod_id: str) -> str:
    """ACK node names are `<region>.<node ip>`."""
    r = seeded.rng("node", pod_id)
    return f"{region}.10.{r.randrange(0, 256)}.{r.randrange(0, 256)}.{r.randrange(2, 255)}"


def pod_ip(pod_id: str) -> str:
    r = seeded.rng("pod-ip", pod_id)
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


def lives(record) -> list[PodLife]:
    """Every pod of the job that the plan schedules (past or future), in roster order."""
    env, start, end, final = _job_milestones(record)
    if env is None:
        return []
    out = []
    for k, slot in enumerate(roster(record.job_id, record.body)):
        # Pods are created one after another (within 5 s); a pod scaled in by UpdateJob appears when
        # it was added.
        created = max(env + min(0.2 * k, 5.0), record.pod_added.get((slot.role, slot.index), env))
        if end is not None and created > end:
            continue
        started = start if start is not None and (end is None or start < end) else None
        if started is not None and created > started:
            started = created + 1.0
        out.append(PodLife(slot, created, started, end, _POD_END.get(final) if final else None))
    return out


def lives_at(record, t: float) -> list[PodLife]:
    """The pods that exist at `t`."""
    return [life for life in lives(record) if life.created <= t]


def life_of(record, pod_id: str) -> PodLife | None:
    for life in lives(record):
        if life.slot.pod_id == pod_id:
            return life
    return None
