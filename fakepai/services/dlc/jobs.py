"""DLC jobs: CreateJob, GetJob, ListJobs, UpdateJob, StopJob, DeleteJob (behavior.md §5).
Templates and TensorBoards read job records from job_store.py, never from here (this module
imports templates.py to apply a template at CreateJob).

Flow: a handler validates everything first (job_spec.py), then stores a `JobRecord` whose plan
(lifecycle.py) decides every status it will ever show; reads build the view at `ctx.now()`
(views.py). Pods, logs, events and metrics live in pods.py / telemetry.py, sanity checks in
sanity.py, the instance catalogue in ecs_specs.py.
"""
from __future__ import annotations

import copy
import math

from fakepai.catalog import default_catalog
from fakepai.errors import DLC_JOB_BAD_STATE, invalid_parameter, invalid_status, missing_parameter
from fakepai.services.dlc import PRODUCT, views, lifecycle, restarts
from fakepai.services.dlc.job_spec import check_pod_count, check_total_pods, clean, declared, validate_create
from fakepai.services.dlc.job_store import TERMINAL, DlcJobStore, JobRecord, get_record
from fakepai.sim.sanity_check import SanityConfig
from fakepai.services.dlc.templates import TEMPLATE_KEYS, apply_template, mark_template_used
from fakepai.services.registry import Context, operation
from fakepai.sim.timeline import Outcome
from fakepai.state.paging import ListSpec, contains, contains_ci, creation_window, equals

PRIORITY_STATUSES = ("Creating", "Queuing", "Bidding", "EnvPreparing")   # still waiting for resources


def default_workspace(ctx: Context) -> str:
    """A caller's default workspace when CreateJob has no WorkspaceId [SKILL Red Line 4]: a stable
    numeric id per account, in the style of real workspace ids."""
    return str(100000 + int(ctx.user_id) % 900000)


# -- CreateJob ------------------------------------------------------------------------------------

def _merge_template(ctx: Context, body: dict) -> tuple[dict, str | None, str | None]:
    """The body, or the body merged over its template: a merged body has fields the wire never bound,
    so it goes through CreateJob's request schema here (the binder's check, `ctx.check_request`),
    refused as a direct body would be."""
    template_id = body.get("TemplateId")
    if not template_id:
        return body, None, None
    merged, tid, name = apply_template(ctx, template_id, body.get("TemplateVersion"), copy.deepcopy(body))
    merged = clean({key: value for key, value in merged.items() if key not in TEMPLATE_KEYS})
    ctx.check_request(default_catalog().get(PRODUCT, "CreateJob"), merged)
    return merged, tid, name


def _plan(job_id: str, created: float, body: dict):
    """The job's plan, with every reason it cannot be planned turned into a 400 naming its source."""
    try:
        SanityConfig.from_settings(body.get("Settings"))
    except ValueError as e:
        raise invalid_parameter("Settings.SanityCheckArgs", str(e))
    try:
        found = lifecycle.outcome_from_body(body)
    except lifecycle.BadOutcome as e:
        raise invalid_parameter(e.where, str(e))
    outcome, where = found if found else (Outcome(), "Settings")
    try:
        return lifecycle.plan_job(job_id, created, copy.deepcopy(body), outcome)
    except ValueError as e:
        raise invalid_parameter(where, str(e))


@operation(PRODUCT, "CreateJob")
def create_job(ctx: Context, params: dict) -> dict:
    # The request schema leaves DisplayName/JobType/JobSpecs/UserCommand optional when TemplateId is
    # given, so that the template can supply them: the merged body is checked against it again.
    body, template_id, template_name = _merge_template(ctx, clean(params))
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
        mark_template_used(ctx, template_id)
    return {"JobId": job_id}


# -- GetJob / ListJobs ----------------------------------------------------------------------------

@operation(PRODUCT, "GetJob")
def get_job(ctx: Context, params: dict) -> dict:
    record = get_record(ctx, params["JobId"])
    return views.get_job_body(record, ctx.now(), ctx.region, params.get("NeedDetail", True))


def _csv(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _body(f) -> dict:
    return f.record.body


def _settings(f) -> dict:
    return f.record.body.get("Settings") or {}


def _specs(f) -> list[dict]:
    return f.record.body.get("JobSpecs") or []


def _reason(f) -> str:
    """`<ReasonCode> <ReasonMessage>` as the job shows them (neither while it has no reason)."""
    code = f.phase.reason_code
    return f"{code} {f.phase.reason_message or ''}" if code else " "


def _sort_key(field: str):
    """Times compare as the whole seconds their text shows, ties in creation order."""
    def key(f):
        if field == "GmtFinishTime":
            second = f.time(field)
            # Unfinished jobs have no finish time: they sort as the latest.
            return (math.inf if second is None else second, f.record.seq)
        if field == "GmtCreateTime":
            return (f.time(field), f.record.seq)
        value = f.status if field == "Status" else f.record.body.get(field)     # DisplayName, JobType
        return (value or "", f.record.seq)
    return key


# ListJobs over each job's `views.Facts` (a list request looks at every job of the account; a
# filter runs only when asked for). Exact filters compare the value as the job shows it.
LIST_JOBS = ListSpec(
    PRODUCT, "ListJobs",
    sort_keys={name: _sort_key(name) for name in ("DisplayName", "JobType", "Status", "GmtCreateTime",
                                                  "GmtFinishTime")},
    default_sort="GmtCreateTime",           # default GmtCreateTime [INFERRED]
    parse={"Status": _csv, "ResourceIds": lambda v: set(_csv(v)),
           "EnableAssignNode": lambda v: v.lower() == "true"},
    filters={
        # DisplayName: case-insensitive substring, whatever DisplayNameSearchMode says (DESIGN §3).
        "DisplayName": lambda f, v: contains_ci(_body(f).get("DisplayName"), v),
        "Description": lambda f, v: contains_ci(_body(f).get("Description"), v),
        "Username": contains("record.username"),
        "ResourceQuotaName": lambda f, v: bool(_body(f).get("ResourceId")) and contains_ci(_body(f)["ResourceId"], v),
        "Status": lambda f, v: f.status in v,
        "JobType": lambda f, v: _body(f)["JobType"] == v,
        "WorkspaceId": equals("record.workspace_id"),
        "TemplateId": equals("record.template_id"),
        "ResourceId": lambda f, v: _body(f).get("ResourceId") == v,
        "Accessibility": lambda f, v: (_body(f).get("Accessibility") or "PRIVATE") == v,
        "PaymentType": lambda f, v: views.payment_type(_body(f)) == v,
        "UserIdForFilter": equals("record.user_id"),
        "ResourceIds": lambda f, v: _body(f).get("ResourceId") in v,
        "BusinessUserId": lambda f, v: _settings(f).get("BusinessUserId") == v,
        "Caller": lambda f, v: _settings(f).get("Caller") == v,
        "PipelineId": lambda f, v: _settings(f).get("PipelineId") == v,
        "Tags": lambda f, v: all((_settings(f).get("Tags") or {}).get(k) == x for k, x in v.items()),
        "EnableAssignNode": lambda f, v: any(bool((s.get("AssignNodeSpec") or {}).get("EnableAssignNode")) == v
                                             for s in _specs(f)),
        "ImageSearch": lambda f, v: any(contains_ci(s.get("Image"), v) for s in _specs(f)),
        "UserCommandSearch": lambda f, v: contains_ci(_body(f).get("UserCommand"), v),
        "ReasonSearch": lambda f, v: contains_ci(_reason(f), v),
        "OversoldInfo": lambda f, v: _oversold(_settings(f), v),
    })


def _list_conditions(ctx: Context, params: dict) -> list:
    """The ListJobs conditions that are no single parameter: visibility, the time window,
    JobId/JobIds, ShowOwn and the numeric range."""
    may_use: dict[str, bool] = {}       # per workspace, asked once per request

    def visible(f) -> bool:
        ws = f.record.workspace_id
        if ws not in may_use:
            may_use[ws] = ctx.may_use_workspace(ws)     # a key limited to workspaces sees only those
        return may_use[ws]

    time_field = params.get("TimeRangeField") or "GmtCreateTime"
    window = creation_window(params, ctx.now())
    conditions = [visible, lambda f: _in_window(f.time(time_field), window)]
    ids = {i.lower() for i in ([params["JobId"]] if params.get("JobId") else _csv(params.get("JobIds")))}  # JobId wins [SDK]
    if ids:
        conditions.append(lambda f: f.record.job_id.lower() in ids)
    if params.get("ShowOwn", True):
        conditions.append(lambda f: f.record.user_id == ctx.user_id)     # ShowOwn (default true): own jobs [META]
    numeric = params.get("NumericRangeField")
    if numeric:
        low, high = params.get("NumericRangeMin"), params.get("NumericRangeMax")
        conditions.append(lambda f: _in_range(f.number(numeric), low, high))
    return conditions


def _oversold(settings: dict, wanted: str) -> bool:
    """OversoldInfo `ForbiddenQuotaOverSold` | `ForceQuotaOverSold` | `AcceptQuotaOverSold-true|false`
    (-true: idle resources were actually used) [SDK ListJobs]. Jobs here never use them
    (UseOversoldResource false)."""
    kind, _, used = wanted.partition("-")
    if (settings.get("OversoldType") or "ForbiddenQuotaOverSold") != kind:
        return False
    return not used or used.lower() == "false"


def _in_window(second: int | None, window: tuple[float, float]) -> bool:
    return second is not None and window[0] <= second <= window[1]


def _in_range(value, low, high) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


@operation(PRODUCT, "ListJobs")
def list_jobs(ctx: Context, params: dict) -> dict:
    # Every value check is the binder's: Status (comma-separated), TimeRangeField, NumericRangeField and
    # EnableAssignNode are the schema's enums and patterns; NumericRangeMin/Max needing NumericRangeField
    # (`requires`) and FromAllWorkspaces true only with ShowOwn true (`notTogether`) its declared rules.
    now = ctx.now()
    facts = (views.Facts(r, now) for r in ctx.store(DlcJobStore).jobs.values())
    chosen, total = LIST_JOBS.select(params, facts, where=_list_conditions(ctx, params))
    # Full views (pods, history) only for the page: building one costs ~0.25 ms.
    return views.list_body([views.view(f.record, now, ctx.region) for f in chosen], total)


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
        raise invalid_status(f"Job can't be scaled, because it is {status}", DLC_JOB_BAD_STATE)
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
    current = {s.get("Type") or "Worker": int(s.get("PodCount") or 1) for s in record.body.get("JobSpecs") or []}
    check_total_pods(list({**current, **out}.values()))
    scaled_out = sum(max(0, current[role] - count) for role, count in out.items())
    most = declared("maxScaledOutPods", "UpdateJob")
    if scaled_out and len(record.pods_removed) + scaled_out > most:
        # Scaled-out pods keep their lives in the plan (pods.py): bounded work per read.
        raise invalid_parameter("JobSpecs", f"fakepai keeps at most {most} scaled-out pods per job "
                                            "(x-fakepai-maxScaledOutPods)")
    try:
        restarts.check_pod_restarts(sum({**current, **out}.values()), len(restarts.restarts_in(record.plan.timeline)))
    except ValueError as e:
        raise invalid_parameter(f"JobSpecs[{max(range(len(specs)), key=lambda i: specs[i]['PodCount'])}].PodCount", str(e))
    return out


@operation(PRODUCT, "UpdateJob")
def update_job(ctx: Context, params: dict) -> dict:
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
            for index in range(scaling[role], old):      # scaled out: its lives end now, and stay
                record.__dict__.setdefault("pods_removed", []).append(
                    (role, index, record.pod_added.pop((role, index), None), now))
    record.modified = now
    return {"JobId": record.job_id}


@operation(PRODUCT, "StopJob")
def stop_job(ctx: Context, params: dict) -> dict:
    record = get_record(ctx, params["JobId"])
    now = ctx.now()
    try:
        lifecycle.stop(record.plan, now)
    except ValueError as e:
        # The observed message (behavior.md §2.3), HTTP 400.
        raise invalid_status(f"Job can't be stopped, because it is {e}", DLC_JOB_BAD_STATE)
    record.modified = now
    return {"JobId": record.job_id}


@operation(PRODUCT, "DeleteJob")
def delete_job(ctx: Context, params: dict) -> dict:
    record = get_record(ctx, params["JobId"])
    status = record.plan.status_at(ctx.now())
    # "Deletes a completed or stopped job" [META]; anything else is 400 [INFERRED].
    if status not in TERMINAL:
        raise invalid_status(f"Job can't be deleted, because it is {status}", DLC_JOB_BAD_STATE)
    del ctx.store(DlcJobStore).jobs[record.job_id]
    return {"JobId": record.job_id}

