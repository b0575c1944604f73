"""PaiStudio training jobs: create, get, list, stop, delete, labels (behavior.md §4)."""
from __future__ import annotations

import copy
from operator import attrgetter

from fakepai.errors import invalid_parameter, invalid_status, missing_parameter
from fakepai.services.paistudio import PRODUCT, algorithms, lifecycle, views
from fakepai.services.paistudio.store import TrainingJob, TrainingJobStore
from fakepai.services.registry import Context, operation
from fakepai.sim import outcomes
from fakepai.sim.timeline import Outcome, Phase, configured_seconds, plan, replan
from fakepai.state.paging import ListSpec, contains, creation_window, equals, order, page


def get_job(ctx: Context, job_id: str) -> TrainingJob:
    return ctx.lookup(ctx.store(TrainingJobStore).jobs, "TrainingJob", job_id, _WORKSPACE_OF)


_WORKSPACE_OF = attrgetter("workspace_id")     # (a lambda would be a Python call on every read)


@operation(PRODUCT, "CreateTrainingJob")
def create_training_job(ctx: Context, params: dict) -> dict:
    # Names not blank, AlgorithmName xor AlgorithmSpec, channel Names, label Keys, EcsSpec xor
    # ResourceId, a quota's InstanceSpec, SpotDiscountLimit with SpotWithPriceLimit: the schema's.
    algorithm, spec = algorithms.resolve_for_job(ctx, params)
    given = params.get("Labels")
    labels = [{"Key": label["Key"], "Value": label.get("Value", "")} for label in given] if given else []
    max_running = lifecycle.max_running_seconds(params.get("Scheduler"))
    # A rejected request gives its id back (Emulator.invoke), so drawing first is safe.
    job_id = ctx.ids.prefixed("train", 11)
    run = configured_seconds("Running", lifecycle.running_seconds(job_id))
    try:
        outcome = lifecycle.initial_outcome(labels, max_running, run)
    except ValueError as e:
        raise invalid_parameter("Labels", str(e))
    now = ctx.now()
    job = TrainingJob(
        id=job_id, workspace_id=params["WorkspaceId"], name=params["TrainingJobName"], spec=spec,
        created=now, user_id=ctx.user_id, outcome=outcome, run_seconds=run, max_running=max_running,
        timeline=plan(lifecycle.LIFECYCLE, now, outcome, max_running=max_running, durations={"Running": run}),
        labels=labels, modified=now, algorithm=algorithm,
    )
    ctx.store(TrainingJobStore).add(job)
    return {"TrainingJobId": job.id}


@operation(PRODUCT, "GetTrainingJob")
def get_training_job(ctx: Context, params: dict) -> dict:
    return views.training_job(get_job(ctx, params["TrainingJobId"]), ctx.now(), ctx.region)


class _Listed:
    """A training job as ListTrainingJobs filters and sorts it at the request's moment."""

    __slots__ = ("job", "now")

    def __init__(self, job: TrainingJob, now: float):
        self.job, self.now = job, now

    @property
    def status(self) -> str:
        return self.job.timeline.status_at(self.now)


def _labels_match(job: TrainingJob, wanted: dict) -> bool:
    # DESIGN §3: label filters match every pair exactly.
    have = {label["Key"]: label.get("Value") for label in job.labels}
    return all(k in have and str(have[k]) == str(v) for k, v in wanted.items())


def _by(value):
    # Ties fall back to creation time then creation order (as the creation index keeps them), so
    # pages always partition the result and a no-op filter never reorders it.
    return lambda x: (value(x), x.job.created, x.job.seq)


LIST_TRAINING_JOBS = ListSpec(
    PRODUCT, "ListTrainingJobs",
    sort_keys={
        "GmtCreateTime": _by(lambda x: x.job.created),
        "GmtModifiedTime": _by(lambda x: views.modified_time(x.job, x.now)),
        "TrainingJobName": _by(lambda x: x.job.name),
        "AlgorithmName": _by(lambda x: x.job.spec.get("AlgorithmName") or ""),
        "Status": _by(lambda x: x.status),
    },
    default_sort="GmtCreateTime",
    filters={
        "WorkspaceId": equals("job.workspace_id"),
        "TrainingJobId": equals("job.id"),
        "TrainingJobName": contains("job.name"),      # DESIGN §3: case-insensitive substring
        "Status": equals("status"),
        "AlgorithmName": lambda x, v: x.job.spec.get("AlgorithmName") == v,
        "AlgorithmProvider": lambda x, v: x.job.spec.get("AlgorithmProvider") == v,
        "IsTempAlgo": lambda x, v: (x.job.spec.get("AlgorithmSpec") is not None) == v,
        "Labels": lambda x, v: _labels_match(x.job, v),
    })

# Parameters the workspace's creation index answers without looking at each job.
_INDEXED = {"WorkspaceId", "StartTime", "EndTime", "PageNumber", "PageSize", "SortBy", "Order"}


@operation(PRODUCT, "ListTrainingJobs")
def list_training_jobs(ctx: Context, params: dict) -> dict:
    now = ctx.now()
    jobs = ctx.store(TrainingJobStore)
    start, end = creation_window(params, now)      # defaults 7 days ago .. now [META]
    filtered = {k for k, v in params.items() if v is not None} - _INDEXED
    if params.get("WorkspaceId") and params["SortBy"] == "GmtCreateTime" and not filtered:
        # Fast path, the same answer as LIST_TRAINING_JOBS: the workspace's creation index already
        # holds it in order (tests/paistudio/test_training_job_details.py compares the two).
        number, size = params["PageNumber"], params["PageSize"]         # the schema's defaults, bound
        ids = jobs.created_between(params["WorkspaceId"], start, end)
        total = len(ids)
        if order(params) == "desc":
            lo = max(0, total - number * size)
            hi = max(0, total - (number - 1) * size)
            chosen = list(reversed(ids[lo:hi]))
        else:
            chosen = page(ids, number, size)
        return views.list_body([jobs.jobs[i] for i in chosen], total, now)
    where = [lambda x: start <= x.job.created <= end]
    if not params.get("WorkspaceId"):
        where.append(lambda x: ctx.may_use_workspace(x.job.workspace_id))    # every workspace the key may use
    listed, total = LIST_TRAINING_JOBS.select(params, (_Listed(j, now) for j in jobs.jobs.values()), where=where)
    return views.list_body([x.job for x in listed], total, now)


@operation(PRODUCT, "StopTrainingJob")
def stop_training_job(ctx: Context, params: dict) -> dict:
    job = get_job(ctx, params["TrainingJobId"])
    now = ctx.now()
    status = job.timeline.status_at(now)
    if status in lifecycle.TERMINAL:
        raise invalid_status(f"TrainingJob can't be stopped, because it is {status}")
    code, message = lifecycle.STOP_REASON
    job.timeline.cut(now, [Phase("Terminated", now, code, message)])   # DESIGN §3: no Stopping in PaiStudio
    job.touch(now)
    return {}


@operation(PRODUCT, "DeleteTrainingJob")
def delete_training_job(ctx: Context, params: dict) -> dict:
    job = get_job(ctx, params["TrainingJobId"])
    status = job.timeline.status_at(ctx.now())
    if status not in lifecycle.TERMINAL:
        # DESIGN §3 / behavior.md §4.4 [INFERRED]: only ended jobs can be deleted, as in DLC.
        raise invalid_status(f"TrainingJob can't be deleted, because it is {status}")
    ctx.store(TrainingJobStore).remove(job.id)
    return {}


@operation(PRODUCT, "UpdateTrainingJobLabels")
def update_training_job_labels(ctx: Context, params: dict) -> dict:
    job = get_job(ctx, params["TrainingJobId"])
    updates = params.get("Labels") or []                # each with a Key: the schema's
    # Upsert by key, keeping the others [INFERRED from "Update", behavior.md §4.5].
    for label in updates:
        for existing in job.labels:
            if existing["Key"] == label["Key"]:
                existing["Value"] = label.get("Value", "")
                break
        else:
            job.labels.append({"Key": label["Key"], "Value": label.get("Value", "")})
    job.touch(ctx.now())
    return {}


@operation(PRODUCT, "DeleteTrainingJobLabels")
def delete_training_job_labels(ctx: Context, params: dict) -> dict:
    job = get_job(ctx, params["TrainingJobId"])
    # `Keys` is comma-separated; unknown keys are ignored [INFERRED].
    keys = {k.strip() for k in params["Keys"].split(",") if k.strip()}
    if not keys:
        raise missing_parameter("Keys")
    job.labels = [label for label in job.labels if label["Key"] not in keys]
    job.touch(ctx.now())
    return {}


@outcomes.scripted(TrainingJobStore, "jobs", accepts=lambda rid: rid.startswith("train"))
def _rescript(job: TrainingJob, now: float, spec: dict) -> None:
    outcome = Outcome.parse(spec)
    replan(job.timeline, lifecycle.LIFECYCLE, job.created, now, outcome, max_running=job.max_running,
           durations={"Running": job.run_seconds}, terminal=lifecycle.TERMINAL)
    job.outcome = outcome
    if outcome.error_info:
        job.error_info = copy.deepcopy(outcome.error_info)
