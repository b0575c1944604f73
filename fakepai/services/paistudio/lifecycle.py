"""How a PaiStudio training job lives (behavior.md §4.4).

Statuses come from Alibaba's own client (`TrainingJobStatus` in the PAI Python SDK): Creating,
Created, Initializing, Submitted, Running, Succeed, Failed, Terminated, CreateFailed,
InitializeFailed. The order of the live phases is [INFERRED] from their names; there is no
`Stopping` (DESIGN §3): a stop moves a live job straight to Terminated.
"""
from __future__ import annotations

import hashlib

from fakepai.outcome_spec import TAG as OUTCOME_TAG
from fakepai.sim.timeline import Lifecycle, Outcome

TERMINAL = {"Succeed", "Failed", "Terminated", "CreateFailed", "InitializeFailed"}
FAILED = {"Failed", "CreateFailed", "InitializeFailed"}   # the failure statuses [PAISDK]

RUNNING_SECONDS = (20.0, 40.0)   # the run length is drawn from this range, per job, deterministically

# Seconds per phase at speed 1: short, so `fakepai serve` jobs finish while you watch.
LIFECYCLE = Lifecycle(
    steps=[("Creating", 2.0), ("Created", 1.0), ("Initializing", 3.0), ("Submitted", 2.0), ("Running", 30.0)],
    running="Running",
    succeeded="Succeed",
    failed="Failed",
    failed_in={"Creating": "CreateFailed", "Created": "CreateFailed", "Initializing": "InitializeFailed"},
    # [META] demo: ReasonCode TrainingJobSucceed, "KubeDL job runs successfully".
    success_reason=("TrainingJobSucceed", "KubeDL job runs successfully"),
    # Failure and stop codes are undocumented; these are [INFERRED] (behavior.md §4.4).
    failure_reason=("TrainingJobFailed", "The training process exited with a non-zero code: 1"),
    timeout_reason=("TrainingJobTimeout", "The training job exceeded its maximum running time"),
)
STOP_REASON = ("TrainingJobStopped", "Training job is stopped by user")


def running_seconds(job_id: str) -> float:
    """The job's natural run length, derived from its id so the same seed gives the same job."""
    low, high = RUNNING_SECONDS
    fraction = int(hashlib.sha256(job_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return round(low + (high - low) * fraction, 3)


def max_running_seconds(scheduler: dict | None) -> float | None:
    """Scheduler.MaxRunningTimeInSeconds / InMinutes; 0 means no limit [SDK-ST]."""
    if not scheduler:
        return None
    seconds = scheduler.get("MaxRunningTimeInSeconds") or 0
    minutes = scheduler.get("MaxRunningTimeInMinutes") or 0
    limit = float(seconds) or float(minutes) * 60
    return limit or None


def initial_outcome(labels: list[dict], max_running: float | None, natural_run: float) -> Outcome:
    """The label `fakepai.outcome` scripts the job at creation; a MaxRunningTime shorter than the
    natural run makes it time out, as the real scheduler would."""
    for label in labels:
        if label.get("Key") == OUTCOME_TAG:
            try:
                outcome = LIFECYCLE.check(Outcome.from_tag(str(label.get("Value", ""))))
            except ValueError as e:      # the parameter is `Labels`: say which label
                raise ValueError(f"fakepai.outcome: {e}") from None
            break
    else:
        outcome = Outcome()
    if outcome.result == "succeed" and max_running:
        run = outcome.after if outcome.after is not None else natural_run
        if run > max_running:
            return Outcome(result="timeout")
    return outcome
