"""DLC fault recovery: a job restarts after a fault while it runs (behavior.md §5.2).

DLC's AIMaster, with `Settings.EnableErrorMonitoringInAIMaster`, watches a job and restarts it
when a pod fails; `ErrorMonitoringArgs` `--max-num-of-job-restart=N` caps how often
(`RestartTimes` shows `used/max`, e.g. `"0/10"` [META demo]). Without AIMaster monitoring a fault
simply fails the job, so restarts need it. While restarting the job's Status is `Restarting`
(one of the 13 statuses [SDK]) and then `Running` again; the failed pods move to
`Pods[].HistoryPods[]` [SKILL] and their replacements start with a new PodUid; `RestartRecord[]`
describes each restart.

Faults are scripted (they never happen on their own), with the outcome's `restarts`: a count
spread evenly over the run, or the seconds of running at which each fault hits —
`Settings.Tags["fakepai.outcome"] = "succeed@600+restarts=2"`, or
`PUT /_fakepai/jobs/{id}/outcome {"result": "succeed", "restarts": [30, 90]}` (counted from that
moment). A fault beyond the cap fails the job there instead.

[INFERRED] (the reference gives the fields, not their values): RestartLevelType `JobLevel` (every
pod is replaced), RestartStatus `Restarting` / `Succeeded` (running again) / `Failed` (the job
ended before it ran again), OccurPhase `Running`, the fault kinds below, restart pauses of 10-30 s.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from fakepai.services.dlc import seeded
from fakepai.services.dlc.job_spec import declared
from fakepai.sim.timeline import Phase, Timeline, configured_seconds, insert_restarts, reached, running_seconds
from fakepai.timestamps import iso_z

RUNNING, RESTARTING = "Running", "Restarting"
DEFAULT_MAX_RESTARTS = 10      # the [META] demo's "0/10"
PAUSE_RANGE = (10.0, 30.0)     # seconds from the fault until the job runs again [INFERRED]
REASON_CODE = "JobRestarting"
# RestartRecord[].RestartStatus: the restart is under way, the job ran again, or it ended first.
RESTART_UNDER_WAY, RESTART_SUCCEEDED, RESTART_FAILED = RESTART_STATUSES = ("Restarting", "Succeeded", "Failed")
_MAX_ARG = re.compile(r"--max-num-of-job-restart=(\d+)")


@dataclass(frozen=True)
class Fault:
    """What went wrong, as RestartRecord's DetailErrorInfoList tells it, and how the faulty pod's
    own log ends: its last lines and exit code (None: the node is gone, so the log just stops)."""
    code: str
    message: str
    source: str
    blacklists_node: bool
    last_words: tuple[str, ...]
    exit_code: int | None


_TRACEBACK = ("Traceback (most recent call last):", '  File "train.py", line 128, in <module>')
# [INFERRED: typical AIMaster fault classes]
FAULTS = (
    Fault("NcclTimeout", "NCCL watchdog timed out waiting for a collective operation", "Training", False,
          _TRACEBACK + ("RuntimeError: NCCL watchdog timed out waiting for a collective operation",), 1),
    Fault("GpuXidError", "GPU reported Xid 79: the GPU has fallen off the bus", "Hardware", True,
          _TRACEBACK + ("RuntimeError: CUDA error: unspecified launch failure",), 1),
    Fault("NodeNotReady", "The node stopped reporting its status to the cluster", "Node", True, (), None),
    Fault("ProcessExited", "The training process exited with code 137 (out of memory)", "Training", False,
          ("Killed",), 137),
)


def max_restarts(settings: dict) -> int | None:
    """The cap on restarts, or None when AIMaster monitoring (and so fault recovery) is off."""
    if not settings.get("EnableErrorMonitoringInAIMaster"):
        return None
    m = _MAX_ARG.search(settings.get("ErrorMonitoringArgs") or "")
    return int(m.group(1)) if m else DEFAULT_MAX_RESTARTS


def pause_seconds(job_id: str, k: int) -> float:
    """How long restart k (1-based) keeps the job in Restarting (`--phase-seconds Restarting=N`)."""
    # Whole seconds, so the shown (second-precision) timestamps add up exactly.
    return configured_seconds(RESTARTING, float(round(seeded.between(*PAUSE_RANGE, "restart", job_id, k))))


def fault(job_id: str, k: int) -> Fault:
    """The fault behind restart k (1-based), fixed by the job id."""
    return FAULTS[int(seeded.unit("fault", job_id, k) * len(FAULTS))]


def reason(job_id: str, k: int) -> tuple[str, str]:
    f = fault(job_id, k)
    return REASON_CODE, f"Job is restarting ({k} time(s)) after a fault: {f.code}: {f.message}."


def restarts_in(timeline: Timeline, now: float | None = None) -> list[tuple[float, float | None]]:
    """Each Restarting phase entered (by `now`, if given): (fault time, time it ran again or None)."""
    phases = timeline.phases
    out = []
    for i, phase in enumerate(phases):
        if phase.status == RESTARTING and (now is None or phase.start <= now):
            following = phases[i + 1] if i + 1 < len(phases) else None
            resumed = following.start if following is not None and following.status == RUNNING else None
            out.append((phase.start, resumed))
    return out


def script(timeline: Timeline, job_id: str, body: dict, restarts, origin: float,
           failure: tuple[str, str]) -> float | None:
    """Put the scripted faults into the plan, counting running time from `origin`. Raises
    ValueError when the job cannot restart, a fault comes after the run ends, or the restarts
    would replace more pods than fakepai simulates. Returns when the fault one past the cap fails
    the job (None when none does).

    [INFERRED] JobMaxRunningTimeMinutes counts running time: restart pauses do not use it up (the
    plan moves a timeout later by each pause, as it does the job's end)."""
    if not restarts:
        return None
    cap = max_restarts(body.get("Settings") or {})
    if cap is None:
        raise ValueError("restarts need Settings.EnableErrorMonitoringInAIMaster: without AIMaster "
                         "fault tolerance a fault fails the job")
    if isinstance(restarts, int):
        run = running_seconds(timeline, RUNNING, origin)
        if run == float("inf"):
            run = 60.0 * (restarts + 1)          # a job that never ends: a fault a minute
        offsets = tuple(run * (k + 1) / (restarts + 1) for k in range(restarts))
    else:
        offsets = tuple(restarts)
    used = len(restarts_in(timeline))
    allowed = max(0, cap - used)
    check_pod_restarts(pod_count(body), used + min(len(offsets), allowed))
    insert_restarts(timeline, RUNNING, RESTARTING, origin, offsets[:allowed],
                    lambda k: pause_seconds(job_id, k), lambda k: reason(job_id, k), first=used + 1)
    if len(offsets) > allowed:
        # One fault too many: AIMaster gives up and the job fails there.
        at, _ = reached(timeline, RUNNING, origin, offsets[allowed])
        code, _ = failure
        last = fault(job_id, cap + 1)
        timeline.cut(at, [Phase("Failed", at, code, f"Job failed: {last.code}: {last.message}; it was restarted "
                                                     f"{cap} time(s), the most --max-num-of-job-restart allows.")])
        return at
    return None


def pod_count(body: dict) -> int:
    return sum(int(spec.get("PodCount") or 1) for spec in body.get("JobSpecs") or [])


def check_pod_restarts(pods: int, restarts: int) -> None:
    """Every restart replaces every pod and every read lists every pod life, so fakepai bounds
    pods x restarts per job (at creation, when scripting, and when UpdateJob rescales): the
    schemas' JobSpecs `x-fakepai-maxPodRestarts` (100 pods x 10 restarts: ~0.1 s per read)."""
    most = declared("maxPodRestarts")
    if restarts and pods * restarts > most:
        raise ValueError(f"{restarts} restart(s) of {pods} pod(s) is more than fakepai simulates "
                         f"(pods x restarts <= {most})")


def restart_times(timeline: Timeline, settings: dict, now: float) -> str:
    """`used/max` [META demo "0/10"]; `0/0` when AIMaster fault tolerance is off."""
    cap = max_restarts(settings)
    return f"{len(restarts_in(timeline, now))}/{cap or 0}"


def records(job_id: str, timeline: Timeline, now: float, culprit: Callable[[int], tuple[str, str]]) -> list[dict]:
    """RestartRecord[] at `now`. `culprit(k)` is (pod, node) of the pod whose fault caused restart k."""
    out = []
    passed = timeline.passed(now)
    restarting = [(i, phase, end) for i, (phase, end) in enumerate(passed) if phase.status == RESTARTING]
    for k, (i, phase, end) in enumerate(restarting, start=1):
        f = fault(job_id, k)
        pod, node = culprit(k)
        fault_at = phase.start
        if end is None:
            status, seconds = RESTART_UNDER_WAY, int(now) - int(fault_at)
        elif passed[i + 1][0].status == RUNNING:
            status, seconds = RESTART_SUCCEEDED, int(end) - int(fault_at)
        else:                                   # stopped (or ended) before it ran again
            status, seconds = RESTART_FAILED, int(end) - int(fault_at)
        record = {
            "JobRestartCount": k, "OccurPhase": RUNNING, "OccurTime": iso_z(fault_at),
            "Reason": f"{f.code}: {f.message}", "RestartDurationInSec": seconds,
            "RestartLevelType": "JobLevel", "RestartStatus": status,
            "TriggerID": seeded.uuid_for("restart-trigger", job_id, k),
            "DetailErrorInfoList": [{
                "Pod": pod, "Node": node, "ErrorCode": f.code, "ErrorMsg": f.message,
                "DetailErrorMsg": f"{pod} on {node}: {f.message}", "ErrorSource": f.source,
                "TriggerRestart": True, "AddNodeToBlacklist": f.blacklists_node, "AddJobLevelBlacklist": False,
            }],
        }
        if status == RESTART_FAILED:
            record["RestartFailReason"] = f"The job went {passed[i + 1][0].status} before it ran again."
        out.append(record)
    return out
