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
from fakepai.sim.logs import TimedLines, page_window
from fakepai.sim.noise import unit
from fakepai.sim.timeline import FOREVER
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

def job_events(job: TrainingJob) -> list[tuple[float, str]]:
    """One event per planned status change (the caller keeps those that happened by now)."""
    out = []
    for phase in job.timeline.phases:
        text = f"TrainingJob {job.id} status changed to {phase.status}"
        if phase.status == "Submitted":
            text += f": DLC job {views.dlc_job_id(job)} submitted with {instance_count(job)} instance(s)"
        elif phase.reason_code:
            text += f": [{phase.reason_code}] {phase.reason_message}"
        out.append((phase.start, text))
    return out


def node_name(instance: str, region: str) -> str:
    """A k8s node name in ACK's `<region>.<ip>` style, fixed per instance."""
    octets = [int(unit(instance, "node", i) * 254) + 1 for i in range(2)]
    return f"{region}.10.0.{octets[0]}.{octets[1]}"


def instance_events(job: TrainingJob, instance: str, region: str) -> list[tuple[float, str]]:
    """Pod events for one instance, in the k8s style DLC shows [INFERRED wording]."""
    timeline = job.timeline
    submitted = timeline.entered("Submitted", FOREVER)
    if submitted is None:
        return []
    running = timeline.entered("Running", FOREVER)
    end = timeline.end_time(lifecycle.TERMINAL)
    if running is not None and end is not None and end < running:
        running = None
    role = instance.rsplit("-", 2)[1]
    image = telemetry.algorithm_spec(job).get("Image") or "pai-image"
    out = [(submitted, f"Successfully assigned {instance} to {node_name(instance, region)}"),
           (submitted, f'Pulling image "{image}"')]
    if running is not None:
        out += [(running, f'Successfully pulled image "{image}"'),
                (running, f"Created container {role}"),
                (running, f"Started container {role}")]
    if end is not None:
        status = timeline.phases[-1].status
        if running is None:
            out.append((end, f"Deleted pod {instance}"))
        elif status == "Succeed":
            out.append((end, f"Container {role} terminated: Completed (exit code 0)"))
        elif status == "Terminated":
            out.append((end, f"Stopping container {role}"))
        else:
            out.append((end, f"Container {role} terminated: Error (exit code 1)"))
    return out


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
    return _events_page(read, job_events(read.job))


@operation(PRODUCT, "ListTrainingJobInstanceEvents")
def list_training_job_instance_events(ctx: Context, params: dict) -> dict:
    read = paged_read(ctx, params)
    instance = resolve_instance(read.job, read.now, params["InstanceId"])
    return _events_page(read, instance_events(read.job, instance, ctx.region))


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
