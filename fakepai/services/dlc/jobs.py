"""DLC jobs: CreateJob, GetJob, ListJobs, UpdateJob, StopJob, DeleteJob (behavior.md §5), and
the two functions the job-template / TensorBoard module relies on (`find_job`,
`active_jobs_using_template`).

Flow: a handler validates everything first (job_spec.py), then stores a `JobRecord` whose plan
(lifecycle.py) decides every status it will ever show; reads build the view at `ctx.now()`
(job_view.py). Pods, logs, events and metrics live in pods.py / telemetry.py, sanity checks in
sanity.py, the instance catalogue in ecs_specs.py.
"""
from __future__ import annotations

import copy

from fakepai.clock import parse_iso
from fakepai.errors import invalid_parameter, invalid_status, missing_parameter
from fakepai.services.dlc import job_view, lifecycle
from fakepai.services.dlc.job_spec import check_pod_count, clean, validate_create
from fakepai.services.dlc.job_store import DlcJobStore, JobRecord, find_record, get_record
from fakepai.services.dlc.lifecycle import STATUSES, TERMINAL
from fakepai.services.dlc.sanity import SanityConfig
from fakepai.services.registry import operation
from fakepai.sim.timeline import Outcome
from fakepai.state.paging import contains_ci, page

WEEK = 7 * 24 * 3600
PRIORITY_STATUSES = ("Creating", "Queuing", "EnvPreparing")
TIME_FIELDS = ("GmtCreateTime", "GmtSubmittedTime", "GmtRunningTime", "GmtFinishTime", "GmtModifiedTime")
NUMERIC_FIELDS = ("RequestCPU", "RequestGPU", "RequestMemory", "Priority", "Duration")


def default_workspace(ctx) -> str:
    """A caller's default workspace when CreateJob has no WorkspaceId [SKILL Red Line 4]: a stable
    numeric id per account, in the style of real workspace ids."""
    return str(100000 + int(ctx.user_id) % 900000)


# -- the contract with templates.py / tensorboards.py ---------------------------------------------

def find_job(ctx, job_id: str) -> dict | None:
    """The job as GetJob would describe it now (DisplayName, WorkspaceId, Status, DataSources,
    TemplateId...), or None when the account has no such job."""
    record = find_record(ctx, job_id)
    if record is None:
        return None
    return job_view.view(record, ctx.now(), ctx.region)


def job_status(ctx, job_id: str) -> str | None:
    record = find_record(ctx, job_id)
    return record.plan.status_at(ctx.now()) if record else None


def active_jobs_using_template(ctx, template_id: str) -> list[str]:
    """Ids of the jobs created from `template_id` that have not ended (Succeeded/Failed/Stopped)."""
    now = ctx.now()
    return [r.job_id for r in ctx.store(DlcJobStore).jobs.values()
            if r.template_id == template_id and r.plan.status_at(now) not in TERMINAL]


# -- CreateJob ------------------------------------------------------------------------------------

def _merge_template(ctx, body: dict) -> tuple[dict, str | None, str | None]:
    template_id = body.get("TemplateId")
    if not template_id:
        return body, None, None
    from fakepai.services.dlc.templates import apply_template  # lazy: templates imports jobs
    merged, tid, name = apply_template(ctx, template_id, body.get("TemplateVersion"), copy.deepcopy(body))
    return clean(merged), tid, name


def _plan(job_id: str, created: float, body: dict):
    """The job's plan, with every reason it cannot be planned turned into a 400 naming its source."""
    try:
        SanityConfig.from_settings(body.get("Settings"))
    except ValueError as e:
        raise invalid_parameter("Settings.SanityCheckArgs", str(e))
    try:
        found = lifecycle.outcome_from_body(body)
    except ValueError as e:
        raise invalid_parameter(f"Settings.Tags.{lifecycle.OUTCOME_TAG}", str(e))
    outcome, where = found if found else (Outcome(), "Settings")
    try:
        return lifecycle.plan_job(job_id, created, copy.deepcopy(body), outcome)
    except ValueError as e:
        raise invalid_parameter(where, str(e))


@operation("pai-dlc", "CreateJob")
def create_job(ctx, params: dict) -> dict:
    body, template_id, template_name = _merge_template(ctx, clean(params))
    # The request schema leaves DisplayName/JobType/JobSpecs/UserCommand optional so that a template
    # can supply them; they are enforced here, on the merged body (DESIGN §3: MissingParameter).
    validate_create(body)
    workspace = body.get("WorkspaceId") or default_workspace(ctx)
    ctx.check_workspace(workspace)
    store = ctx.store(DlcJobStore)
    job_id = ctx.ids.prefixed("dlc", 13)
    while job_id in store.jobs:
        job_id = ctx.ids.prefixed("dlc", 13)
    now = ctx.now()
    body.pop("TemplateVersion", None)
    body.pop("TemplateId", None)
    body.setdefault("Priority", 1)
    body.setdefault("Accessibility", "PRIVATE")
    job_plan = _plan(job_id, now, body)
    store.jobs[job_id] = JobRecord(job_id=job_id, seq=store.next_seq(), created=now, modified=now, body=body,
                                   plan=job_plan, user_id=ctx.user_id, username=ctx.account_id,
                                   workspace_id=workspace, template_id=template_id, template_name=template_name)
    if template_id:
        from fakepai.services.dlc.templates import mark_template_used  # lazy, as above
        mark_template_used(ctx, template_id)
    return {"JobId": job_id}


# -- GetJob / ListJobs ----------------------------------------------------------------------------

@operation("pai-dlc", "GetJob")
def get_job(ctx, params: dict) -> dict:
    record = get_record(ctx, params["JobId"])
    return job_view.get_job_body(record, ctx.now(), ctx.region, params.get("NeedDetail", True))


def _csv(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _list_filters(ctx, params: dict):
    """Parse and check every filter first (a bad one is 400 before anything is read); returns a
    predicate over a job view."""
    now = ctx.now()
    statuses = _csv(params.get("Status"))
    for s in statuses:
        # Comma-separated [INFERRED]; `Dequeued` (the older SDK's 14th value) is accepted, never shown.
        if s not in STATUSES + ("Dequeued",):
            raise invalid_parameter("Status", f"{s!r} is not one of {', '.join(STATUSES)}")
    time_field = params.get("TimeRangeField") or "GmtCreateTime"
    if time_field not in TIME_FIELDS:
        raise invalid_parameter("TimeRangeField", f"{time_field!r} is not one of {', '.join(TIME_FIELDS)}")
    window = []
    for name, default in (("StartTime", now - WEEK), ("EndTime", now)):
        try:
            window.append(parse_iso(params[name]) if params.get(name) else default)
        except (ValueError, OverflowError):
            raise invalid_parameter(name, "expected an ISO-8601 UTC time such as 2021-01-12T14:35:01Z")
    numeric = params.get("NumericRangeField")
    if numeric and numeric not in NUMERIC_FIELDS:
        raise invalid_parameter("NumericRangeField", f"{numeric!r} is not one of {', '.join(NUMERIC_FIELDS)}")
    if not numeric and (params.get("NumericRangeMin") is not None or params.get("NumericRangeMax") is not None):
        raise missing_parameter("NumericRangeField")
    if params.get("FromAllWorkspaces") and not params.get("ShowOwn", True):
        raise invalid_parameter("FromAllWorkspaces", "FromAllWorkspaces requires ShowOwn=true")
    tags = params.get("Tags") or {}
    if not isinstance(tags, dict):
        raise invalid_parameter("Tags", "expected a JSON object of tag keys to values")
    assign = params.get("EnableAssignNode")
    if assign is not None and assign.lower() not in ("true", "false"):
        raise invalid_parameter("EnableAssignNode", f"{assign!r} is not true or false")
    ids = [params["JobId"]] if params.get("JobId") else _csv(params.get("JobIds"))  # JobId wins [SDK]
    ids_lower = {i.lower() for i in ids}
    resource_ids = set(_csv(params.get("ResourceIds")))
    oversold = params.get("OversoldInfo")

    def keep(job: dict) -> bool:
        settings = job.get("Settings") or {}
        body_specs = job.get("JobSpecs") or []
        checks = [
            not ids or job["JobId"].lower() in ids_lower,
            # DisplayName: case-insensitive substring, whatever DisplayNameSearchMode says (DESIGN §3).
            contains_ci(job.get("DisplayName"), params.get("DisplayName")),
            contains_ci(job.get("Description"), params.get("Description")),
            not statuses or job["Status"] in statuses,
            not params.get("JobType") or job["JobType"] == params["JobType"],
            not params.get("WorkspaceId") or job["WorkspaceId"] == params["WorkspaceId"],
            ctx.may_use_workspace(job["WorkspaceId"]),      # a key limited to workspaces sees only those
            not params.get("TemplateId") or job.get("TemplateId") == params["TemplateId"],
            not params.get("ResourceId") or job.get("ResourceId") == params["ResourceId"],
            not resource_ids or job.get("ResourceId") in resource_ids,
            not params.get("ResourceQuotaName") or (job.get("ResourceQuotaName") and contains_ci(job["ResourceQuotaName"], params["ResourceQuotaName"])),
            not params.get("BusinessUserId") or settings.get("BusinessUserId") == params["BusinessUserId"],
            not params.get("Caller") or settings.get("Caller") == params["Caller"],
            not params.get("PipelineId") or settings.get("PipelineId") == params["PipelineId"],
            not params.get("Accessibility") or job["Accessibility"] == params["Accessibility"],
            not params.get("PaymentType") or job_view.payment_type(job) == params["PaymentType"],
            not params.get("UserIdForFilter") or job["UserId"] == params["UserIdForFilter"],
            contains_ci(job.get("Username"), params.get("Username")),
            # ShowOwn (default true) keeps the caller's own jobs [META].
            not params.get("ShowOwn", True) or job["UserId"] == ctx.user_id,
            all((settings.get("Tags") or {}).get(k) == v for k, v in tags.items()),
            assign is None or any(bool((s.get("AssignNodeSpec") or {}).get("EnableAssignNode")) == (assign.lower() == "true")
                                  for s in body_specs),
            not params.get("ImageSearch") or any(contains_ci(s.get("Image"), params["ImageSearch"]) for s in body_specs),
            not params.get("UserCommandSearch") or contains_ci(job.get("UserCommand"), params["UserCommandSearch"]),
            not params.get("ReasonSearch") or contains_ci(f"{job.get('ReasonCode', '')} {job.get('ReasonMessage', '')}",
                                                          params["ReasonSearch"]),
            not oversold or _oversold(settings, job, oversold),
            _in_window(job, time_field, window),
            not numeric or _in_range(job[numeric], params.get("NumericRangeMin"), params.get("NumericRangeMax")),
        ]
        return all(checks)

    return keep


def _oversold(settings: dict, job: dict, wanted: str) -> bool:
    """OversoldInfo `ForbiddenQuotaOverSold` | `ForceQuotaOverSold` | `AcceptQuotaOverSold-true|false`
    (-true: idle resources were actually used) [SDK ListJobs]."""
    kind, _, used = wanted.partition("-")
    if (settings.get("OversoldType") or "ForbiddenQuotaOverSold") != kind:
        return False
    return not used or str(job.get("UseOversoldResource", False)).lower() == used.lower()


def _in_window(job: dict, field: str, window: list[float]) -> bool:
    value = job.get(field)
    return value is not None and window[0] <= parse_iso(value) <= window[1]


def _in_range(value, low, high) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _sort_key(sort_by: str):
    def key(pair):
        seq, job = pair
        if sort_by == "GmtFinishTime":
            # Unfinished jobs have no finish time: they sort as the latest.
            return (job.get("GmtFinishTime") or "9999", seq)
        return (job.get(sort_by) or "", seq)
    return key


@operation("pai-dlc", "ListJobs")
def list_jobs(ctx, params: dict) -> dict:
    keep = _list_filters(ctx, params)
    now = ctx.now()
    views = [(r.seq, job_view.view(r, now, ctx.region)) for r in ctx.store(DlcJobStore).jobs.values()]
    matches = [pair for pair in views if keep(pair[1])]
    sort_by = params.get("SortBy") or "GmtCreateTime"      # default GmtCreateTime [INFERRED]
    desc = (params.get("Order") or "desc").lower() == "desc"
    matches.sort(key=_sort_key(sort_by), reverse=desc)
    chosen = page([job for _, job in matches], params.get("PageNumber", 1), params.get("PageSize", 10))
    return job_view.list_body(chosen, len(matches))


# -- UpdateJob / StopJob / DeleteJob --------------------------------------------------------------

def _elastic(body: dict) -> bool:
    spec = body.get("ElasticSpec") or {}
    return (body.get("JobType") == "ElasticBatchJob" or bool(spec.get("EnableElasticTraining"))
            or any(s.get("AutoScalingSpec") for s in body.get("JobSpecs") or []))


def _scaling(record: JobRecord, status: str, specs: list[dict]) -> dict[str, int]:
    """UpdateJob's JobSpecs -> {role: new PodCount}, checked (elastic jobs only [SKILL])."""
    if not specs:
        return {}
    if not _elastic(record.body):
        raise invalid_parameter("JobSpecs", "the pod count can only be changed for elastic jobs")
    if status in TERMINAL:
        raise invalid_status(f"Job can't be scaled, because it is {status}")
    roles = {s.get("Type") or "Worker" for s in record.body.get("JobSpecs") or []}
    out = {}
    for i, spec in enumerate(specs):
        role = spec.get("Type")
        if not role:
            raise missing_parameter(f"JobSpecs[{i}].Type")
        if role not in roles:
            raise invalid_parameter(f"JobSpecs[{i}].Type", f"the job has no role {role!r}")
        if spec.get("PodCount") is None:
            raise missing_parameter(f"JobSpecs[{i}].PodCount")
        check_pod_count(spec["PodCount"], f"JobSpecs[{i}].PodCount")
        out[role] = spec["PodCount"]
    return out


@operation("pai-dlc", "UpdateJob")
def update_job(ctx, params: dict) -> dict:
    record = get_record(ctx, params["JobId"])
    now = ctx.now()
    status = record.plan.status_at(now)
    body = record.body
    update = clean(params)
    # Validate everything before changing anything.
    access = update.get("Accessibility")
    current_access = body.get("Accessibility") or "PRIVATE"
    if access and access != current_access and not (current_access == "PRIVATE" and access == "PUBLIC"):
        # "can only be expanded, not reduced" [SDK]; reducing it is an error [INFERRED].
        raise invalid_parameter("Accessibility", f"visibility can only be widened from PRIVATE to PUBLIC, not {current_access} to {access}")
    scaling = _scaling(record, status, update.get("JobSpecs") or [])
    if access:
        body["Accessibility"] = access
    for name in ("Description", "UserCommand"):     # metadata: any status [SDK; INFERRED]
        if name in update:
            body[name] = update[name]
    # Priority changes only while waiting, and only for quota jobs; otherwise 200 OK and the change
    # is silently dropped [DOC; SKILL job-management.md].
    if "Priority" in update and status in PRIORITY_STATUSES and body.get("ResourceId"):
        body["Priority"] = update["Priority"]
    for spec in body.get("JobSpecs") or []:
        role = spec.get("Type") or "Worker"
        if role in scaling:
            old = int(spec.get("PodCount") or 1)
            spec["PodCount"] = scaling[role]
            for index in range(old, scaling[role]):
                record.pod_added[(role, index)] = now
    record.modified = now
    return {"JobId": record.job_id}


@operation("pai-dlc", "StopJob")
def stop_job(ctx, params: dict) -> dict:
    record = get_record(ctx, params["JobId"])
    now = ctx.now()
    try:
        lifecycle.stop(record.plan, now)
    except ValueError as e:
        # The observed message (behavior.md §2.3), HTTP 400.
        raise invalid_status(f"Job can't be stopped, because it is {e}")
    record.modified = now
    return {"JobId": record.job_id}


@operation("pai-dlc", "DeleteJob")
def delete_job(ctx, params: dict) -> dict:
    record = get_record(ctx, params["JobId"])
    status = record.plan.status_at(ctx.now())
    # "Deletes a completed or stopped job" [META]; anything else is 400 [INFERRED].
    if status not in TERMINAL:
        raise invalid_status(f"Job can't be deleted, because it is {status}")
    del ctx.store(DlcJobStore).jobs[record.job_id]
    return {"JobId": record.job_id}

