"""PaiStudio training jobs: create, get, list, stop, delete, labels (behavior.md §4)."""
from __future__ import annotations

import copy

from fakepai.errors import invalid_parameter, invalid_status, missing_parameter
from fakepai.services.paistudio import PRODUCT, algorithms, lifecycle, views
from fakepai.services.paistudio.store import TrainingJob, TrainingJobStore
from fakepai.services.registry import Context, operation
from fakepai.sim import outcomes
from fakepai.sim.timeline import Outcome, Phase, configured_seconds, plan, replan
from fakepai.state.paging import contains_ci, creation_window, order, page, sort_by


SORT_KEYS = {
    "GmtCreateTime": lambda job, now: job.created,
    "GmtModifiedTime": lambda job, now: views.modified_time(job, now),
    "TrainingJobName": lambda job, now: job.name,
    "AlgorithmName": lambda job, now: job.spec.get("AlgorithmName") or "",
    "Status": lambda job, now: job.timeline.status_at(now),
}


def get_job(ctx: Context, job_id: str) -> TrainingJob:
    return ctx.lookup(ctx.store(TrainingJobStore).jobs, "TrainingJob", job_id, lambda job: job.workspace_id)


def _validate_create(params: dict) -> None:
    """Cross-field rules the schema cannot say; checked before anything is stored."""
    for name in ("TrainingJobName", "WorkspaceId"):
        # Required means non-empty, as for the other products' required names (DESIGN §3).
        if not params[name].strip():
            raise missing_parameter(name)
    has_spec = params.get("AlgorithmSpec") is not None
    if has_spec and params.get("AlgorithmName"):
        # The PAI SDK refuses both on the client side [PAISDK]; the server rule is [INFERRED].
        raise invalid_parameter("AlgorithmSpec", "AlgorithmSpec and AlgorithmName are mutually exclusive")
    if not has_spec and not params.get("AlgorithmName"):
        raise missing_parameter("AlgorithmName")
    resource = params.get("ComputeResource") or {}
    public = bool(resource.get("EcsSpec"))
    quota = bool(resource.get("ResourceId"))
    if public and quota:
        raise invalid_parameter("ComputeResource", "EcsSpec (public resources) and ResourceId (quota) are mutually exclusive")
    if quota and not resource.get("InstanceSpec"):
        raise missing_parameter("ComputeResource.InstanceSpec")
    spot = resource.get("SpotSpec") or {}
    if spot.get("SpotDiscountLimit") is not None and spot.get("SpotStrategy") not in (None, "SpotWithPriceLimit"):
        raise invalid_parameter("ComputeResource.SpotSpec.SpotDiscountLimit", "applies only to SpotWithPriceLimit")
    keys = [label.get("Key") for label in params.get("Labels") or []]
    if any(not k for k in keys):
        raise missing_parameter("Labels.Key")
    for field in ("InputChannels", "OutputChannels"):
        for i, channel in enumerate(params.get(field) or []):
            if not channel.get("Name"):
                raise missing_parameter(f"{field}[{i}].Name")


@operation(PRODUCT, "CreateTrainingJob")
def create_training_job(ctx: Context, params: dict) -> dict:
    _validate_create(params)
    algorithm, spec = algorithms.resolve_for_job(ctx, params)
    labels = [{"Key": label["Key"], "Value": label.get("Value", "")} for label in params.get("Labels") or []]
    max_running = lifecycle.max_running_seconds(params.get("Scheduler"))
    # A rejected request gives its id back (the pipeline's ids.atomic), so drawing first is safe.
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


def _matches(job: TrainingJob, params: dict, now: float) -> bool:
    if params.get("TrainingJobId") and job.id != params["TrainingJobId"]:
        return False
    if not contains_ci(job.name, params.get("TrainingJobName")):      # DESIGN §3: case-insensitive substring
        return False
    if params.get("Status") and job.timeline.status_at(now) != params["Status"]:
        return False
    if params.get("AlgorithmName") and job.spec.get("AlgorithmName") != params["AlgorithmName"]:
        return False
    if params.get("AlgorithmProvider") and job.spec.get("AlgorithmProvider") != params["AlgorithmProvider"]:
        return False
    if params.get("IsTempAlgo") is not None and (job.spec.get("AlgorithmSpec") is not None) != params["IsTempAlgo"]:
        return False
    wanted = params.get("Labels")
    if wanted:
        # DESIGN §3: label filters match every pair exactly.
        have = {label["Key"]: label.get("Value") for label in job.labels}
        if any(str(have.get(k)) != str(v) or k not in have for k, v in wanted.items()):
            return False
    return True


_INDEXED = {"WorkspaceId", "StartTime", "EndTime", "PageNumber", "PageSize", "SortBy", "Order"}


@operation(PRODUCT, "ListTrainingJobs")
def list_training_jobs(ctx: Context, params: dict) -> dict:
    now = ctx.now()
    jobs = ctx.store(TrainingJobStore)
    if params.get("Labels") is not None and not isinstance(params["Labels"], dict):
        raise invalid_parameter("Labels", "expected a JSON object of label keys to values")
    start, end = creation_window(params, now)      # defaults 7 days ago .. now [META]
    sort_field = sort_by(params, SORT_KEYS, "GmtCreateTime")
    desc = order(params) == "desc"
    number, size = params.get("PageNumber", 1), params.get("PageSize", 10)
    filtered = {k for k, v in params.items() if v is not None} - _INDEXED
    if params.get("WorkspaceId") and sort_field == "GmtCreateTime" and not filtered:
        # Fast path: the workspace's creation index already holds the answer in order.
        ids = jobs.created_between(params["WorkspaceId"], start, end)
        total = len(ids)
        if desc:
            lo = max(0, total - number * size)
            hi = max(0, total - (number - 1) * size)
            chosen = list(reversed(ids[lo:hi]))
        else:
            chosen = page(ids, number, size)
        selected = [jobs.jobs[i] for i in chosen]
    else:
        matches = [job for job in jobs.jobs.values()
                   if start <= job.created <= end
                   # Without WorkspaceId: every workspace the caller's key may use.
                   and (job.workspace_id == params["WorkspaceId"] if params.get("WorkspaceId")
                        else ctx.may_use_workspace(job.workspace_id))
                   and _matches(job, params, now)]
        key = SORT_KEYS[sort_field]
        # Ties fall back to creation time then creation order (as the index above keeps them), so
        # pages always partition the result and a no-op filter never reorders it.
        matches.sort(key=lambda j: (key(j, now), j.created, j.seq), reverse=desc)
        total = len(matches)
        selected = page(matches, number, size)
    return views.list_body(selected, total, now)


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
    updates = params.get("Labels") or []
    if any(not label.get("Key") for label in updates):
        raise missing_parameter("Labels.Key")
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
