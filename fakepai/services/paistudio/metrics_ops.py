"""PaiStudio training metrics, instance (resource) metrics and output models (behavior.md §4.6).

Training metrics are what each `MetricDefinitions[].Regex` reads from the job's log lines (see
telemetry). Instance metrics are plausible per-instance series that exist only while the job
ran. A succeeded job lists its `model` output channel; any other lists nothing.
"""
from __future__ import annotations

from fakepai.errors import invalid_parameter
from fakepai.services.paistudio import PRODUCT, telemetry, views
from fakepai.services.paistudio.logs_events import instance_not_found
from fakepai.services.paistudio.store import instance_names
from fakepai.services.paistudio.training_jobs import get_job
from fakepai.services.paistudio.windows import paged_read
from fakepai.services.registry import Context, operation
from fakepai.sim.logs import page_window
from fakepai.sim.metrics import MAX_RESPONSE_POINTS, TIME_STEPS, points_in, resource_series
from fakepai.sim.training_job import node_name
from fakepai.state.paging import order, time_window
from fakepai.timestamps import iso_z

DEFAULT_TIME_STEP = "5m"        # undocumented for PaiStudio; DLC's GetJobMetrics defaults to 5 minutes


@operation(PRODUCT, "GetTrainingJobLatestMetrics")
def get_training_job_latest_metrics(ctx: Context, params: dict) -> dict:
    job = get_job(ctx, params["TrainingJobId"])
    # `Names` is comma-separated [INFERRED; the reference's example is a single name].
    names = {n.strip() for n in (params.get("Names") or "").split(",") if n.strip()} or None
    return {"Metrics": telemetry.latest_metrics(job, ctx.now(), names)}


@operation(PRODUCT, "ListTrainingJobMetrics")
def list_training_job_metrics(ctx: Context, params: dict) -> dict:
    read = paged_read(ctx, params)
    job, now = read.job, read.now
    ascending = order(params) == "asc"                       # [META] default DESC
    tel = telemetry.telemetry(job)
    lines = [m for m in tel.readable_metrics() if not params.get("Name") or m.name == params["Name"]]
    stream = tel.stream(telemetry.master_instance(job))
    if stream is None or not lines:
        return {"Metrics": [], "TotalCount": 0}
    upper = now if read.hi is None else min(now, read.hi)
    first = 0 if read.lo is None else stream.records_before(read.lo)
    last = max(first, stream.records(upper))
    # Points are ordered by (record, definition); pages index that order arithmetically.
    total = (last - first) * len(lines)
    a, b = page_window(0, total, read.number, read.size)
    points = []
    for p in range(a, b):
        q = p if ascending else total - 1 - p
        k, j = divmod(q, len(lines))
        point = telemetry.metric_point(tel, lines[j], first + k, stream)
        if point:
            points.append(point)
    return {"Metrics": points, "TotalCount": total}


@operation(PRODUCT, "ListTrainingJobInstanceMetrics")
def list_training_job_instance_metrics(ctx: Context, params: dict) -> dict:
    job = get_job(ctx, params["TrainingJobId"])
    now = ctx.now()
    # MetricType (required) and TimeStep are held to the schema's enums by the binder [SDK-ST, META].
    metric_type = params["MetricType"]
    time_step = params.get("TimeStep") or DEFAULT_TIME_STEP
    # Window defaults: the job's start to now, as for logs and events [INFERRED].
    lo, hi = time_window(params, whole_second_end=True)
    names = instance_names(job)
    wanted = params.get("InstanceId")
    if wanted and wanted not in names:
        raise instance_not_found(job, wanted)
    tel = telemetry.telemetry(job)
    if tel.run_start is None or not views.instances_exist(job, now):
        return {"InstanceMetrics": []}
    last = min(now, tel.end if tel.end is not None else now, now if hi is None else hi)
    per_instance = points_in(last - max(tel.run_start, lo or tel.run_start), TIME_STEPS[time_step])
    instances = 1 if wanted else len(names)
    if per_instance * instances > MAX_RESPONSE_POINTS:
        raise invalid_parameter("TimeStep", f"{time_step!r} over this window gives {per_instance} points for each of "
                                            f"{instances} instances; at most {MAX_RESPONSE_POINTS} in all: ask for a "
                                            "coarser TimeStep, a shorter window or one InstanceId")
    out = []
    for name in names:
        if wanted and name != wanted:
            continue
        series = resource_series(f"{job.id}/{name}", metric_type, tel.run_start, tel.end, TIME_STEPS[time_step],
                                 now, lo=lo, hi=hi)
        out.append({"InstanceId": name, "NodeName": node_name(name, ctx.region),
                    "Metrics": [{"Time": iso_z(t), "Value": v} for t, v in series]})
    return {"InstanceMetrics": out}


@operation(PRODUCT, "ListTrainingJobOutputModels")
def list_training_job_output_models(ctx: Context, params: dict) -> dict:
    """Note the response has no RequestId at all [SDK-ST] (the schema's requestIdField is null)."""
    job = get_job(ctx, params["TrainingJobId"])
    now = ctx.now()
    model = telemetry.output_model(job, now)
    if model is None:
        return {"OutputModels": []}
    final = {m["Name"]: m["Value"] for m in telemetry.latest_metrics(job, now)}
    datasets = {c["Name"]: c.get("InputUri") or c.get("DatasetId") or "" for c in job.spec.get("InputChannels") or []}
    item = {
        **model,
        "Labels": [dict(label) for label in job.labels],
        # The [GO/META] example's shape: {"Results": [{"Dataset": {...}, "Metrics": {"loss": 2.1276}}]}.
        "Metrics": {"Results": [{"Dataset": datasets, "Metrics": final}]},
        "SourceType": "TrainingService",
        "SourceId": f"region={ctx.region},workspaceId={job.workspace_id},kind=TrainingJob,id={job.id}",
    }
    return {"OutputModels": [item]}
