"""PaiStudio training-job logs, events and error info (behavior.md §4.2, §4.6).

ListTrainingJobLogs, ListTrainingJobEvents, ListTrainingJobInstanceEvents: pages of strings,
PageNumber default 1, PageSize default 100 (1..2000), `TotalCount` a string (spec quirk),
StartTime defaulting to the job's start and EndTime to now [META]. Pages are stable, append-only
and chronological, as Alibaba's SDK needs (it polls one page until it is full, then moves on).
GetTrainingJobErrorInfo: a failed job's Code/Message/AdditionalInfo.
"""
from __future__ import annotations

from fakepai.errors import PaiError
from fakepai.services.paistudio import PRODUCT, lifecycle, telemetry, views
from fakepai.services.paistudio.store import TrainingJob, instance_count, instance_names
from fakepai.services.paistudio.training_jobs import get_job
from fakepai.services.paistudio.windows import PagedRead, paged_read
from fakepai.services.registry import Context, operation
from fakepai.sim import training_job
from fakepai.sim.logs import TimedLines, page_window
from fakepai.timestamps import wall_utc


def instance_not_found(job: TrainingJob, instance: str | None) -> PaiError:
    # The code Alibaba's SDK catches and treats as an empty page [PAISDK _training_job.py]. Its
    # HTTP status is undocumented; 404 follows DESIGN §3's "unknown id" rule.
    what = f"no instance {instance}" if instance else "no instance yet"
    return PaiError(404, "TRAINING_JOB_INSTANCE_NOT_FOUND", f"The training job {job.id} has {what}.")


def resolve_instance(job: TrainingJob, now: float, instance: str | None) -> str:
    """The instance a request names (the master when it names none [INFERRED])."""
    if not views.instances_exist(job, now):
        raise instance_not_found(job, instance)
    if instance is None:
        return telemetry.master_instance(job)
    if instance not in instance_names(job):
        raise instance_not_found(job, instance)
    return instance


@operation(PRODUCT, "ListTrainingJobLogs")
def list_training_job_logs(ctx: Context, params: dict) -> dict:
    read = paged_read(ctx, params)
    # WorkerId is what the PAI SDK sends for the same thing [INFERRED]; InstanceId wins.
    instance = resolve_instance(read.job, read.now, params.get("InstanceId") or params.get("WorkerId"))
    stream = telemetry.telemetry(read.job).stream(instance)
    if stream is None:   # the job ended before it ran: the instance exists but printed nothing
        return {"Logs": [], "TotalCount": "0"}
    first, last = stream.window(read.now, read.lo, read.hi)
    a, b = page_window(first, last, read.number, read.size)
    return {"Logs": stream.lines(a, b), "TotalCount": str(last - first)}


# -- events ----------------------------------------------------------------------------------

def _events_page(read: PagedRead, events: list[tuple[float, str]]) -> dict:
    """Events page like logs do (the same window and page arithmetic as ListTrainingJobLogs)."""
    lines = TimedLines(events)
    first, last = lines.window(read.now, read.job.created if read.lo is None else read.lo, read.hi)
    a, b = page_window(first, last, read.number, read.size)
    return {"Events": [f"{wall_utc(lines.time(i))} {lines.line(i)}" for i in range(a, b)],
            "TotalCount": str(last - first)}


@operation(PRODUCT, "ListTrainingJobEvents")
def list_training_job_events(ctx: Context, params: dict) -> dict:
    read = paged_read(ctx, params)
    job = read.job
    return _events_page(read, training_job.job_events(job.id, job.timeline, views.dlc_job_id(job), instance_count(job)))


@operation(PRODUCT, "ListTrainingJobInstanceEvents")
def list_training_job_instance_events(ctx: Context, params: dict) -> dict:
    read = paged_read(ctx, params)
    instance = resolve_instance(read.job, read.now, params["InstanceId"])
    image = telemetry.algorithm_spec(read.job).get("Image") or "pai-image"
    events = training_job.instance_events(read.job.timeline, frozenset(lifecycle.TERMINAL), instance, image, ctx.region)
    return _events_page(read, events)


# -- error info ------------------------------------------------------------------------------

@operation(PRODUCT, "GetTrainingJobErrorInfo")
def get_training_job_error_info(ctx: Context, params: dict) -> dict:
    """A failed job reports its scripted error info over defaults from its failure reason; any
    other job answers the success shape of the [META] demo (`Code "200"`, `Message "success"`)."""
    job = get_job(ctx, params["TrainingJobId"])
    phase = job.timeline.at(ctx.now())
    if phase.status not in lifecycle.FAILED:
        return {"ErrorInfo": {"Code": "200", "Message": "success", "AdditionalInfo": ""}}
    info = {"Code": phase.reason_code or lifecycle.LIFECYCLE.failure_reason[0],
            "Message": phase.reason_message or lifecycle.LIFECYCLE.failure_reason[1],
            "AdditionalInfo": f"See the logs of instance {telemetry.master_instance(job)}."}
    scripted = job.error_info or job.outcome.error_info or {}
    keys = {k.lower(): k for k in info}             # accept code/Code, additionalInfo/AdditionalInfo
    info.update({keys[k.lower()]: str(v) for k, v in scripted.items() if k.lower() in keys and v is not None})
    return {"ErrorInfo": info}
