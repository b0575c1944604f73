"""How a DLC job lives (behavior.md §5.2), on the shared timeline engine (fakepai/sim/timeline.py).

Statuses: Creating → Queuing → (Bidding, Lingjun spot jobs) → EnvPreparing → (SanityChecking, with
Settings.EnableSanityCheck) → Running (→ Restarting → Running, for scripted faults) → Succeeded |
Failed; a stop goes through Stopping (a few seconds, [INFERRED] from the enum) to Stopped with
ReasonCode `JobStoppedByUser` [META]. With `Settings.JobReservedMinutes` > 0
a finished job first spends that long in SucceededReserving / FailedReserving — for both outcomes
with JobReservedPolicy `Always` (also the default when only the minutes are given, [INFERRED]),
only after success with `OnSucceed`, only after failure with `OnFailure` — then ends Succeeded or
Failed ([INFERRED] last step). `JobMaxRunningTimeMinutes` caps Running: a run that would last
longer fails with ReasonCode `JobTimeout` [INFERRED code] when the limit is reached.

Scripting how a job ends (fakepai conventions, same spelling as PaiStudio's label):
  * at creation, `Settings.Tags["fakepai.outcome"]` (or the env `Envs["FAKEPAI_OUTCOME"]`) holds
    either the control plane's JSON spec or the short form `<result>[:<phase>][@<seconds>]`:
    `fail`, `fail:Queuing`, `hang`, `hang:EnvPreparing`, `succeed@600`, `fail:Running@30`,
    `timeout`, and for sanity checks `fail:SanityChecking` or `fail:DeviceCheck`;
  * later, `PUT /_fakepai/jobs/{JobId}/outcome` / `FakePAI.set_outcome(job_id, ...)` with the
    same spec rewrites the rest of the plan (the past never changes).
`after` counts seconds in the phase the outcome concerns (Running by default). `restarts` adds
faults the job recovers from (restarts.py): `succeed@600+restarts=2`, `{"restarts": [30, 90]}`. A bad spec at
creation is 400 InvalidParameter naming the tag; the job is not created.
"""
from __future__ import annotations

import copy

from fakepai.sim import outcomes
from fakepai.outcome_spec import TAG as OUTCOME_TAG
from fakepai.sim.timeline import FOREVER, Lifecycle, Outcome, Phase, Timeline, plan, replan
from fakepai.services.dlc import restarts, seeded
from fakepai.services.dlc.job_spec import bids
from fakepai.services.dlc.job_store import TERMINAL, DlcJobStore, JobPlan, JobRecord
from fakepai.services.dlc.sanity import failure_reason
from fakepai.sim.sanity_check import PHASES as SANITY_PHASES, SanityConfig

RESERVING = {"SucceededReserving": "Succeeded", "FailedReserving": "Failed"}
BEFORE_SANITY = ("Creating", "Queuing", "Bidding", "EnvPreparing")
RESERVED_POLICIES = ("Always", "OnFailure", "OnSucceed")

OUTCOME_ENV = "FAKEPAI_OUTCOME"

SUCCESS = ("JobSucceeded", "Job has succeeded.")            # JobItem.ReasonCode doc lists JobSucceeded [META]
FAILURE = ("JobFailed", "Job failed: the user command exited with code 1.")   # [SKILL] names JobFailed
TIMEOUT = ("JobTimeout", "Job exceeded its maximum running time.")             # [INFERRED]
STOPPED = ("JobStoppedByUser", "Job is stopped by user.")   # [META GetJob demo]

# Seconds per phase at speed 1, drawn per job from these ranges (short, so `fakepai serve` jobs
# finish while you watch; script `succeed@3600` for a long one).
PHASE_RANGES = {"Creating": (2, 5), "Queuing": (3, 10), "EnvPreparing": (10, 25), "Running": (45, 120)}
BIDDING_RANGE = (5, 20)        # [INFERRED]: the reference names the status, not how long it lasts
QUOTA_QUEUING = (5, 20)
STOPPING_RANGE = (3, 6)


def lifecycle_for(sanity: bool, bidding: bool = False) -> Lifecycle:
    steps = [("Creating", 3.0), ("Queuing", 5.0)] + ([("Bidding", 10.0)] if bidding else []) + [("EnvPreparing", 15.0)]
    if sanity:
        steps.append(("SanityChecking", 50.0))
    steps.append(("Running", 60.0))
    return Lifecycle(steps=steps, running="Running", succeeded="Succeeded", failed="Failed",
                     success_reason=SUCCESS, failure_reason=FAILURE, timeout_reason=TIMEOUT)


# -- building a plan ------------------------------------------------------------------------------

class BadOutcome(ValueError):
    """A malformed outcome convention, with the parameter that carried it (`where`)."""

    def __init__(self, where: str, message: str):
        super().__init__(message)
        self.where = where


def outcome_from_body(body: dict) -> tuple[Outcome, str] | None:
    """The creation-time outcome convention: (outcome, where it was found) or None.
    Raises BadOutcome for a malformed value."""
    tags = (body.get("Settings") or {}).get("Tags") or {}
    envs = body.get("Envs") or {}
    for where, source, key in (("Settings.Tags", tags, OUTCOME_TAG), ("Envs", envs, OUTCOME_ENV),
                               ("Envs", envs, OUTCOME_TAG)):
        if key in source:
            try:
                return Outcome.from_tag(str(source[key]), restartable=True), f"{where}.{key}"
            except ValueError as e:
                raise BadOutcome(f"{where}.{key}", str(e)) from None
    return None


def _durations(job_id: str, body: dict, sanity: SanityConfig) -> dict:
    ranges = dict(PHASE_RANGES)
    if body.get("ResourceId"):
        ranges["Queuing"] = QUOTA_QUEUING       # quota jobs wait for their quota's turn
    if bids(body):
        ranges["Bidding"] = BIDDING_RANGE
    out = {status: round(seeded.between(lo, hi, "phase", job_id, status), 3) for status, (lo, hi) in ranges.items()}
    if sanity.enabled:
        out["SanityChecking"] = sanity.total_seconds()
    return out


def _effective(outcome: Outcome, job_id: str, body: dict, sanity: SanityConfig, durations: dict,
               max_running: float | None, *, at_creation: bool = True) -> Outcome:
    """The outcome the engine plans: sanity phases mapped onto SanityChecking, the sanity-args
    failure applied (at creation only: a control-plane outcome overrides it), and a run longer than
    JobMaxRunningTimeMinutes turned into a timeout.
    Raises ValueError for a phase the job does not go through."""
    o = copy.copy(outcome)
    statuses = lifecycle_for(sanity.enabled, bids(body)).statuses()
    if o.phase in SANITY_PHASES:
        if not sanity.enabled:
            raise ValueError(f"phase {o.phase} needs Settings.EnableSanityCheck")
        o.after, o.phase = sanity.fail_offset(o.phase), "SanityChecking"
    elif o.phase is not None and o.phase not in statuses:
        raise ValueError(f"phase {o.phase!r} is not one this job goes through; known: "
                         f"{', '.join(statuses + list(SANITY_PHASES if sanity.enabled else ()))}")
    early = o.result in ("fail", "hang") and o.phase in BEFORE_SANITY
    if at_creation and sanity.fail_phase and not early and not (o.result == "fail" and o.phase == "SanityChecking"):
        o = Outcome(result="fail", phase="SanityChecking", after=sanity.fail_offset(sanity.fail_phase))
    if o.result == "fail" and o.phase == "SanityChecking":
        total = sanity.total_seconds()
        o.after = min(o.after if o.after is not None else total / 2, total)
        if not o.reason_code:
            o.reason_code, o.reason_message = failure_reason(sanity, o.after, job_id, body)
    if max_running and (o.phase in (None, "Running")):
        if o.result == "hang":
            run = FOREVER
        elif o.result == "fail":
            run = o.after if o.after is not None else durations["Running"] / 2
        else:
            run = o.after if o.after is not None else durations["Running"]
        if o.result == "timeout" or run > max_running:
            minutes = round(max_running / 60)
            o = Outcome(result="timeout", reason_code=o.reason_code if o.result == "timeout" else None,
                        reason_message=o.reason_message if o.result == "timeout" else None, restarts=o.restarts)
            o.reason_code = o.reason_code or TIMEOUT[0]
            o.reason_message = o.reason_message or (
                f"Job exceeded its maximum running time of {minutes} minute(s) (JobMaxRunningTimeMinutes).")
    return o


def _with_reserving(phases: list[Phase], seconds: float, policy: str) -> list[Phase]:
    """Insert SucceededReserving / FailedReserving before a final Succeeded / Failed (idempotent)."""
    if seconds <= 0:
        return phases
    wanted = {"Succeeded": policy in ("Always", "OnSucceed"), "Failed": policy in ("Always", "OnFailure")}
    out: list[Phase] = []
    for phase in phases:
        reserving = {"Succeeded": "SucceededReserving", "Failed": "FailedReserving"}.get(phase.status)
        if reserving and wanted[phase.status] and not (out and out[-1].status == reserving):
            out.append(Phase(reserving, phase.start, phase.reason_code, phase.reason_message))
            out.append(Phase(phase.status, phase.start + seconds, phase.reason_code, phase.reason_message))
        else:
            out.append(phase)
    return out


def plan_job(job_id: str, created: float, body: dict, outcome: Outcome | None = None) -> JobPlan:
    """The job's whole life from `created`. Raises ValueError for settings or an outcome it cannot
    honour (the caller turns that into 400 InvalidParameter)."""
    settings = body.get("Settings") or {}
    sanity = SanityConfig.from_settings(settings)
    durations = _durations(job_id, body, sanity)
    minutes = body.get("JobMaxRunningTimeMinutes")
    max_running = float(minutes) * 60 if minutes else None
    reserve = float(settings.get("JobReservedMinutes") or 0) * 60
    policy = settings.get("JobReservedPolicy") or "Always"
    if policy not in RESERVED_POLICIES:
        raise ValueError(f"Settings.JobReservedPolicy must be one of {', '.join(RESERVED_POLICIES)}")
    if outcome is None:
        found = outcome_from_body(body)
        outcome = found[0] if found else Outcome()
    effective = _effective(outcome, job_id, body, sanity, durations, max_running)
    timeline = plan(lifecycle_for(sanity.enabled, bids(body)), created, effective, max_running=max_running, durations=durations)
    fatal = restarts.script(timeline, job_id, body, effective.restarts, created, FAILURE)
    timeline.phases = _with_reserving(timeline.phases, reserve, policy)
    return JobPlan(job_id=job_id, created=created, body=body, sanity=sanity, durations=durations,
                   max_running=max_running, reserve_seconds=reserve, reserve_policy=policy,
                   stop_seconds=round(seeded.between(*STOPPING_RANGE, "stopping", job_id), 3),
                   outcome=outcome, timeline=timeline, fatal_fault=fatal)


# -- rewriting a plan -----------------------------------------------------------------------------

def stop(job_plan: JobPlan, now: float) -> None:
    """StopJob. Raises ValueError with the current status when the job cannot be stopped."""
    current = job_plan.at(now)
    if current.status in TERMINAL or current.status == "Stopping":
        raise ValueError(current.status)
    if current.status in RESERVING:
        # Stopping a reserved job releases the environment: it ends now with its real outcome
        # (the user asked to free the pods, not to rewrite how the job went) [INFERRED].
        job_plan.timeline.cut(now, [Phase(RESERVING[current.status], now, current.reason_code, current.reason_message)])
        return
    job_plan.timeline.cut(now, [Phase("Stopping", now, *STOPPED), Phase("Stopped", now + job_plan.stop_seconds, *STOPPED)])


def set_outcome(job_plan: JobPlan, now: float, spec: dict, body: dict | None = None) -> None:
    """A scripted outcome for the rest of the job's life; `body` is the job as it is now (UpdateJob
    may have rescaled it since the plan was made). Raises ValueError (bad spec, job over)."""
    outcome = Outcome.parse(spec, restartable=True)
    current = job_plan.at(now)
    if current.status in TERMINAL or current.status in RESERVING or current.status == "Stopping":
        raise ValueError(f"the job already ended ({current.status})")
    if current.status == restarts.RESTARTING:
        raise ValueError("the job is restarting; script it once it is Running again")
    effective = _effective(outcome, job_plan.job_id, job_plan.body, job_plan.sanity, job_plan.durations,
                           job_plan.max_running, at_creation=False)
    # Validate on a copy: a rejected outcome leaves the plan as it was.
    timeline = Timeline(list(job_plan.timeline.phases))
    # The engine replans from creation with the planned phase lengths; restarts already passed
    # delayed the run by their pauses, so the fresh plan starts that much later to agree with it.
    paused = sum(resumed - fault for fault, resumed in restarts.restarts_in(timeline, now) if resumed is not None)
    replan(timeline, lifecycle_for(job_plan.sanity.enabled, bids(job_plan.body)), job_plan.created + paused, now, effective,
           max_running=job_plan.max_running, durations=job_plan.durations, terminal=set(TERMINAL))
    fatal = restarts.script(timeline, job_plan.job_id, body or job_plan.body, effective.restarts, now, FAILURE)
    job_plan.timeline.phases = _with_reserving(timeline.phases, job_plan.reserve_seconds, job_plan.reserve_policy)
    job_plan.outcome = outcome
    job_plan.fatal_fault = fatal


@outcomes.scripted(DlcJobStore, "jobs", accepts=lambda rid: rid.startswith("dlc"))
def _rescript(record: JobRecord, now: float, spec: dict) -> None:
    set_outcome(record.plan, now, spec, record.body)


# -- reading a plan -------------------------------------------------------------------------------

# Gmt*Time field -> the statuses whose first entry sets it.
MILESTONES = {"Queuing": "GmtSubmittedTime", "Running": "GmtRunningTime",
              "SucceededReserving": "GmtSuccessedTime", "Succeeded": "GmtSuccessedTime",
              "FailedReserving": "GmtFailedTime", "Failed": "GmtFailedTime", "Stopped": "GmtStoppedTime"}
ENDS = ("GmtSuccessedTime", "GmtFailedTime", "GmtStoppedTime")


def milestones(record: JobRecord, now: float) -> dict[str, float]:
    """The Gmt*Time moments reached by `now` (epoch seconds), keyed by response field name.

    GmtSubmittedTime is when the job reached the cluster queue (Queuing); GmtSuccessedTime /
    GmtFailedTime / GmtFinishTime mark when the outcome was known — the start of a reserving phase
    when there is one ([INFERRED]: the work ended then; the reservation only keeps the pods).
    One pass over the plan: ListJobs asks this of every job it sorts or windows on these times."""
    out = {"GmtCreateTime": record.created}
    for phase in record.plan.timeline.phases:
        name = MILESTONES.get(phase.status)
        if name is not None and phase.start <= now and (name not in out or phase.start < out[name]):
            out[name] = phase.start
    ends = [out[k] for k in ENDS if k in out]
    if ends:
        out["GmtFinishTime"] = min(ends)
    return out


def duration(record: JobRecord, now: float) -> int:
    """Seconds of running: from Running until the job finished (or now) [INFERRED from the GO
    example: Duration ≈ finish − start of work]."""
    marks = milestones(record, now)
    start = marks.get("GmtRunningTime")
    if start is None:
        return 0
    end = marks.get("GmtFinishTime", now)
    # Whole seconds between the shown (second-precision) timestamps, so Duration agrees with them.
    return max(0, int(end) - int(start))

