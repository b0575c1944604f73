"""What a DLC job says about itself over time: job events, pod events, pod logs and resource
metrics — GetJobEvents, GetPodEvents, GetPodLogs and GetJobMetrics.

Everything is generated from the job's plan and id, never stored: a line, event or point exists
once its time is <= now and never changes afterwards (logs are append-only, so clients can page by
moving StartTime forward). Event and log lines read `2021-01-28 14:07:45 <text>` [META demo], in
China Standard Time like the sanity-check stamps (+08:00) [INFERRED: the demo shows no zone].
Lists are chronological; `MaxEventsNum` keeps the first N events of the window [INFERRED] and
`MaxLines` the newest N log lines (the skill docs read it as the log tail [SKILL]).

The generators are the simulation's (`fakepai.sim`): a pod's training-progress lines are a lazy
`LogStream` and its other lines `TimedLines`, read through `merged_window`, so a page costs
O(MaxLines) however long the job has run; metric series are `range_series` points and progress
figures `Curve`s, with `fakepai.sim.noise` as the one source of randomness.
"""
from __future__ import annotations

import math
from typing import Sequence

from fakepai.errors import DLC_NOT_FOUND, PaiError, invalid_parameter
from fakepai.services.dlc import PRODUCT, lifecycle, seeded
from fakepai.services.dlc.ecs_specs import lookup
from fakepai.services.dlc.job_spec import pod_resources
from fakepai.services.dlc.job_store import JobRecord, get_record
from fakepai.services.dlc.pods import (DELETED, MAIN_CONTAINER, PodLife, culprit, fault_times, life_of, lives, node_name,
                                       role_of, roster, spec_for, uid)
from fakepai.services.dlc.restarts import fault, restarts_in
from fakepai.services.registry import Context, operation
from fakepai.sim.logs import Lines, LogStream, TimedLines, merged_window
from fakepai.sim.metrics import MAX_RESPONSE_POINTS, Curve, parse_time_step, points_in, range_series
from fakepai.state.paging import WEEK, time_window
from fakepai.timestamps import epoch_ms, wall_cst

HOUR = 3600
PROGRESS_EVERY = 10.0          # seconds between two training-progress lines
PROGRESS_SCALE = 75            # progress lines over which loss/accuracy settle (decay exp(-0.04 k))
MAX_POINTS = 11000             # per pod series; more is 400 (Prometheus' own limit) [INFERRED]
NAMESPACE = "pai-dlc"

DEFAULT_IMAGES = {
    "TFJob": "registry.{region}.aliyuncs.com/pai-dlc/tensorflow-training:2.3-gpu-py36-cu101-ubuntu18.04",
    "PyTorchJob": "registry.{region}.aliyuncs.com/pai-dlc/pytorch-training:1.12-gpu-py39-cu113-ubuntu20.04",
}
_FALLBACK_IMAGE = "registry.{region}.aliyuncs.com/pai-dlc/base:ubuntu20.04"




def page(sources: Sequence[Lines], start: float, end: float, now: float, limit: int,
         newest: bool = False) -> list[str]:
    """The first `limit` lines of the sources within [start, min(end, now)] (with `newest`, the
    last `limit`), chronological (equal times keep the sources' order), stamped."""
    return [f"{wall_cst(t)} {text}" for t, text in merged_window(sources, now, start, end, limit, newest)]


def _image(record: JobRecord, role: str, region: str) -> str:
    image = spec_for(record.body, role).get("Image")
    return image or DEFAULT_IMAGES.get(record.body.get("JobType"), _FALLBACK_IMAGE).format(region=region)


def _gpus_per_pod(record: JobRecord, role: str) -> int:
    return int(pod_resources(spec_for(record.body, role))[1])


def _run_window(record: JobRecord, since: float | None = None) -> tuple[float | None, float | None, str | None]:
    """(start, end, status after) of the first Running phase of the plan that has not ended by
    `since` (a pod's container start: after a restart, the run its replacement takes part in)."""
    phases = record.plan.timeline.phases
    for i, phase in enumerate(phases):
        if phase.status != "Running":
            continue
        nxt = phases[i + 1] if i + 1 < len(phases) else None
        if since is not None and nxt is not None and nxt.start <= since:
            continue
        return phase.start, (nxt.start if nxt else None), (nxt.status if nxt else None)
    return None, None, None


def _created_by(record: JobRecord, now: float) -> list[PodLife]:
    """Every pod life created by `now` (replacements after a restart too), in roster order."""
    return [life for life in lives(record) if life.created <= now]


# -- job events -----------------------------------------------------------------------------------

def _phase_event(record: JobRecord, status: str, reason: str | None) -> str:
    minutes = int(record.plan.reserve_seconds // 60)
    quota = record.body.get("ResourceId")
    return {
        "Creating": f"Job {record.job_id} is created.",
        "Queuing": (f"Job is queuing in resource quota {quota}." if quota else "Job is queuing, waiting for resources.")
        + (" It may use idle (tide) resources." if (record.body.get("Settings") or {}).get("EnableTideResource") else ""),
        "Bidding": "Job is bidding for spot resources.",
        "EnvPreparing": "Resources are allocated; preparing the job environment.",
        "SanityChecking": "Sanity check started.",
        "Running": "Job is running.",
        "Restarting": reason or "Job is restarting after a fault.",
        "SucceededReserving": f"Job succeeded; its environment is reserved for {minutes} minute(s).",
        "FailedReserving": f"Job failed; its environment is reserved for {minutes} minute(s). {reason or ''}".rstrip(),
        "Succeeded": "Job succeeded.",
        "Failed": (reason if reason.startswith("Job failed") else f"Job failed: {reason}") if reason else "Job failed.",
        "Stopping": "Job is being stopped by user.",
        "Stopped": "Job is stopped.",
    }.get(status, f"Job status changed to {status}.")


def job_events(record: JobRecord, now: float) -> list[tuple[float, str]]:
    events = [(phase.start, _phase_event(record, phase.status, phase.reason_message))
              for phase, _ in record.plan.timeline.passed(now)]
    events += [(life.created, f"Created pod: {life.slot.pod_id}") for life in _created_by(record, now)]
    return events


# -- pod events and logs --------------------------------------------------------------------------

def _pull_seconds(pod_id: str) -> float:
    # 2..4 s: with the <= 5 s creation stagger the pull ends before EnvPreparing (>= 10 s) does.
    return round(seeded.between(2, 4, "pull", pod_id), 3)


def pod_events(record: JobRecord, life: PodLife, region: str) -> list[tuple[float, str]]:
    pod = life.slot.pod_id
    image = _image(record, life.slot.role, region)
    container = MAIN_CONTAINER.get(record.body.get("JobType"), "main")
    events = [(life.created, f"Successfully assigned {NAMESPACE}/{pod} to {node_name(region, *life.node)}"),
              (life.created + 0.5, f'Pulling image "{image}"'),
              (life.created + _pull_seconds(pod), "Successfully pulled image.")]
    if life.started is not None:
        events += [(life.started, f"Created container {container}"), (life.started, f"Started container {container}")]
    k = _ended_by_fault(record, life)
    if k:
        faulty, f = culprit(record, k), fault(record.job_id, k)
        if faulty is not None and faulty[0] != pod:
            events.append((life.finished, f"Killing container {container}: the job {_after_fault(record, k)} after a fault in {faulty[0]}."))
        elif f.exit_code is None:
            events.append((life.finished, f"Node {node_name(region, *life.node)} is not ready: the pod is lost."))
        else:
            events.append((life.finished, f"Container {container} failed (exit code {f.exit_code})."))
    elif life.finished is not None:
        if life.end_status == "Succeeded":
            events.append((life.finished, f"Container {container} completed (exit code 0)."))
        elif record.plan.timeline.entered("Stopping", life.finished) is not None:
            events.append((life.finished, f"Stopping container {container}"))
        elif life.end_status == DELETED:
            events.append((life.finished, f"Stopping container {container}: the pod is scaled out (exit code 143)."))
        elif record.plan.timeline.at(life.finished).reason_code == lifecycle.TIMEOUT[0]:
            events.append((life.finished, f"Stopping container {container}: the job exceeded its maximum running time (exit code 143)."))
        else:
            events.append((life.finished, f"Container {container} failed (exit code 1)."))
    return [(t, text) for t, text in events if life.finished is None or t <= life.finished]


_LOSS, _ACCURACY, _THROUGHPUT = Curve("falling"), Curve("rising"), Curve("rate")


def progress_line(pod_id: str, k: int) -> str:
    """The pod's k-th (1-based) training-progress line: 50 steps a line, 10 lines an epoch."""
    loss = _LOSS.value(f"{pod_id}/loss", k, PROGRESS_SCALE)
    acc = _ACCURACY.value(f"{pod_id}/accuracy", k, PROGRESS_SCALE)
    speed = _THROUGHPUT.value(f"{pod_id}/throughput", k, PROGRESS_SCALE)
    return f"Epoch {(k - 1) // 10 + 1} Step {50 * k}: loss={loss:.4f} accuracy={acc:.4f} throughput={speed:.1f} samples/s"


def _command_start(record: JobRecord, life: PodLife) -> float | None:
    """When the user command starts in this pod: when the job starts Running, or when the pod's
    container starts if that is later (a pod added while the job runs); None if it never does."""
    run_start, _, _ = _run_window(record, life.started)
    if run_start is None or life.started is None or (life.finished is not None and run_start >= life.finished):
        return None
    return max(run_start, life.started)


def progress_stream(record: JobRecord, life: PodLife, done: int | None = None) -> LogStream | None:
    """The pod's training-progress lines: one every PROGRESS_EVERY s after the command starts,
    until just before it ends (its last words follow). Lazy: a line is written when a page reads it.
    A replacement after a restart resumes from the checkpoint: its lines carry on from the last
    step its earlier lives printed (the plan's run takes as long in all, as GetJobMetrics shows)."""
    begin = _command_start(record, life)
    if begin is None:
        return None
    _, run_end, _ = _run_window(record, life.started)
    pod = life.slot.pod_id
    if done is None:
        done = _printed_before(record, life)
    return LogStream(start=begin + PROGRESS_EVERY, step=PROGRESS_EVERY, per_record=1,
                     record=lambda k: (progress_line(pod, done + k + 1),), end=None if run_end is None else run_end - 0.2)


def _printed_before(record: JobRecord, life: PodLife) -> int:
    """Progress lines the pod's earlier lives printed (0 for a first life). How many lines a life
    prints does not depend on where its numbering starts, so each earlier life is counted once."""
    if life.attempt == 0:
        return 0
    done = 0
    for earlier in lives(record):
        if earlier.slot == life.slot and earlier.attempt < life.attempt and earlier.finished is not None:
            stream = progress_stream(record, earlier, done=0)
            done += 0 if stream is None else stream.records(earlier.finished)
    return done


def main_log(record: JobRecord, life: PodLife, region: str) -> list[Lines]:
    """The main container's log: its fixed lines and its progress lines (fixed first on a tie)."""
    progress = progress_stream(record, life)
    fixed = TimedLines(_main_lines(record, life, region, progress))
    return [fixed] if progress is None else [fixed, progress]


def _main_lines(record: JobRecord, life: PodLife, region: str, progress: LogStream | None) -> list[tuple[float, str]]:
    """The fixed lines of the main container: pull, start, settings, command, data, how it ended."""
    pod = life.slot.pod_id
    image = _image(record, life.slot.role, region)
    lines = [(life.created + 0.5, f"[dlc] Pulling image {image}"),
             (life.created + _pull_seconds(pod), f"[dlc] Successfully pulled image {image}")]
    if life.started is None:
        if life.finished is not None:
            lines.append((life.finished, "[dlc] The job ended before the container started."))
        return lines
    lines.append((life.started, f"[dlc] Container started on node {node_name(region, *life.node)}."))
    lines += [(life.started + 0.05, text) for text in _settings_lines(record, life.slot.role)]
    _, run_end, after = _run_window(record, life.started)
    run_start = _command_start(record, life)
    if run_start is None:
        if record.plan.sanity.enabled:
            lines.append((life.started + 0.1, "[dlc] Waiting for the sanity check before running the user command."))
        if life.finished is not None:
            lines.append((life.finished, "[dlc] The user command did not start: the job ended during its sanity check."))
        return lines
    slots = roster(record.job_id, record.body)
    rank = next((i for i, s in enumerate(slots) if s.pod_id == pod), 0)
    # The command the job was launched with: an UpdateJob of UserCommand changes the record, not
    # what already ran (logs are append-only).
    launch = record.plan.body
    command = spec_for(launch, life.slot.role).get("UserCommand") or launch.get("UserCommand", "")
    # The command line follows the container's start-up lines even when both come at once.
    run_start = max(run_start, life.started + 0.1)
    lines += [(run_start, f"+ {command}"),
              (run_start + 0.5, f"{record.body.get('DisplayName', record.job_id)} started: rank {rank} of {len(slots)}.")]
    for k, ds in enumerate(record.body.get("DataSources") or []):
        where = ds.get("MountPath") or "/mnt/data"
        lines.append((run_start + 1 + 0.1 * k, f"Reading data from {where} ({ds.get('Uri') or ds.get('DataSourceId') or 'dataset'})."))
    if life.end_status == DELETED and (run_end is None or life.finished < run_end):
        return lines + [(life.finished, "[dlc] Received SIGTERM: the pod is scaled out."),
                        (life.finished, "[dlc] Process exited with code 143.")]
    if run_end is None:
        return lines
    phase = record.plan.timeline.at(run_end)
    if after in ("Succeeded", "SucceededReserving"):
        done = _printed_before(record, life) + (progress.records(run_end) if progress else 0)
        steps = 50 * done                                                   # the last progress line's step
        lines += [(run_end - 0.2, f"Training finished after {steps} steps."), (run_end, "[dlc] Process exited with code 0.")]
    elif k := _ended_by_fault(record, life):
        lines += _fault_ending(record, life, k, run_end)
    elif after == "Stopping":
        lines += [(run_end, "[dlc] Received SIGTERM: the job is being stopped."), (run_end, "[dlc] Process exited with code 143.")]
    elif phase.reason_code == lifecycle.TIMEOUT[0]:
        lines += [(run_end, "[dlc] Received SIGTERM: the job exceeded its maximum running time."),
                  (run_end, "[dlc] Process exited with code 143.")]
    else:
        lines += [(run_end - 0.2, "Traceback (most recent call last):"),
                  (run_end - 0.2, '  File "train.py", line 128, in <module>'),
                  (run_end - 0.1, f"RuntimeError: {phase.reason_message or 'training failed'}"),
                  (run_end, "[dlc] Process exited with code 1.")]
    return lines


def _ended_by_fault(record: JobRecord, life: PodLife) -> int:
    """k when the life's command ended at fault k (1-based: the restarts', then the one past the
    cap), else 0. The command, not the pod: a job that reserves its environment keeps the pods
    after the fault that failed it."""
    if life.end_status != "Failed" or life.started is None:
        return 0
    _, run_end, _ = _run_window(record, life.started)
    faults = fault_times(record)
    return faults.index(run_end) + 1 if run_end in faults else 0


def _after_fault(record: JobRecord, k: int) -> str:
    return "restarts" if k <= len(restarts_in(record.plan.timeline)) else "fails"


def _fault_ending(record: JobRecord, life: PodLife, k: int, at: float) -> list[tuple[float, str]]:
    """How a pod's log ends at fault k: the faulty pod with the fault's own last words and exit
    code; AIMaster stops the others (for the job-level restart, or as the job fails)."""
    faulty = culprit(record, k)
    if faulty is not None and faulty[0] == life.slot.pod_id:
        f = fault(record.job_id, k)
        out = [(at - 0.1, text) for text in f.last_words]
        if f.exit_code is not None:
            out.append((at, f"[dlc] Process exited with code {f.exit_code}."))
        return out
    where = faulty[0] if faulty is not None else "another pod"
    return [(at, f"[aimaster] A fault in {where} {_after_fault(record, k)} the job: sending SIGTERM."),
            (at, "[dlc] Process exited with code 143.")]


def _settings_lines(record: JobRecord, role: str) -> list[str]:
    """What the job's Settings visibly change inside the pod when its container starts."""
    settings = record.plan.body.get("Settings") or {}
    catalogued = lookup(spec_for(record.plan.body, role).get("EcsSpec")) or {}
    lines = []
    gpus = _gpus_per_pod(record, role)
    if gpus:
        driver = settings.get("Driver") or catalogued.get("DefaultGPUDriver") or "535.161.08"
        gpu_type = catalogued.get("GpuType") or "GPU"
        lines.append(f"[dlc] NVIDIA driver {driver}: {gpus} x {gpu_type} visible.")
    if settings.get("EnableRDMA"):
        lines.append("[dlc] RDMA is enabled: RDMA network devices are allocated to the pod.")
    if settings.get("EnableOssAppend"):
        lines.append("[dlc] OSS append writes are enabled on mounted OSS paths.")
    if settings.get("EnableErrorMonitoringInAIMaster"):
        args = settings.get("ErrorMonitoringArgs") or "default arguments"
        lines.append(f"[aimaster] Fault-tolerance monitoring is enabled ({args}).")
    return lines


def _sidecar_log(life: PodLife, name: str) -> list[tuple[float, str]]:
    lines = []
    if life.started is not None:
        lines.append((life.started, f"[{name}] sidecar started."))
    if life.finished is not None:
        lines.append((life.finished, f"[{name}] sidecar stopped."))
    return lines


def _sidecars(record: JobRecord, role: str) -> list[str]:
    extra = spec_for(record.body, role).get("ExtraPodSpec") or {}
    return [c.get("Name") for c in extra.get("SideCarContainers") or [] if c.get("Name")]


# -- metrics --------------------------------------------------------------------------------------

GPU_METRICS = ("GpuCoreUsage", "GpuMemoryUsage")      # a pod without GPUs has no such series


def time_step(text: str | None) -> int:
    """`5m` (the default), `1h`, `30m`, `10s`, `1d`, `N s/m/h/d`; a bare number is seconds
    [INFERRED]. Whole seconds only (points are StartTime + k * step)."""
    try:
        seconds = parse_time_step((text or "5m").strip())
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds != int(seconds):
        raise invalid_parameter("TimeStep", f"{text!r} is not a duration such as 10s, 5m or 1h")
    return int(seconds)


def series(record: JobRecord, life: PodLife, metric: str, start: float, stop: float, step: int,
           now: float) -> list[tuple[float, float]]:
    """The pod life's points of the range query start, start+step, ... <= stop (see range_series)."""
    if life.started is None or (metric in GPU_METRICS and _gpus_per_pod(record, life.slot.role) == 0):
        return []
    # While a finished job is reserved its pods live on, but the user command has exited: they idle.
    _, run_end, after = _run_window(record, life.started)
    idle_from = run_end if after in ("SucceededReserving", "FailedReserving") else None
    return range_series(life.slot.pod_id, metric, life.started, life.finished, start, stop, step, now,
                        idle_from=idle_from)


# -- handlers -------------------------------------------------------------------------------------

def _pod(ctx: Context, params: dict, now: float) -> tuple[JobRecord, str, PodLife | None, str]:
    """The job, the pod's role, the life asked for and its PodUid: the incarnation `PodUid` names
    (an earlier one after a restart), else the latest one created by now (None: in the job's spec
    but not scheduled yet, with the PodUid its first life will have). An id outside the job's
    roster, or a PodUid of no incarnation of that pod, is 404 NotFound."""
    record = get_record(ctx, params["JobId"])
    pod_id = params["PodId"]
    role = role_of(record, pod_id)
    if role is None:
        raise PaiError(404, DLC_NOT_FOUND, f"The specified Pod \"{pod_id}\" does not exist in job {record.job_id}.")
    pod_uid = params.get("PodUid") or None
    life = life_of(record, pod_id, at=now, pod_uid=pod_uid)
    if life is not None and life.created > now:
        life = None                                    # planned, but not created yet
    if pod_uid is None:
        return record, role, life, life.uid if life else uid(pod_id)
    # A PodUid must name a life that exists by now; the one exception is the UID a pod's first
    # life will have while it is not scheduled yet, which answers with nothing yet.
    planned = [p for p in lives(record) if p.slot.pod_id == pod_id]
    not_yet = (life is None and pod_uid == (planned[0].uid if planned else uid(pod_id))
               and not any(p.created <= now for p in planned))
    if life is None and not not_yet:
        raise PaiError(404, DLC_NOT_FOUND, f"The specified PodUid \"{pod_uid}\" does not exist for pod {pod_id}.")
    return record, role, life, pod_uid


@operation(PRODUCT, "GetJobEvents")
def get_job_events(ctx: Context, params: dict) -> dict:
    record = get_record(ctx, params["JobId"])
    now = ctx.now()
    start, end = time_window(params, since=now - WEEK, until=now)
    events = page([TimedLines(job_events(record, now))], start, end, now, params["MaxEventsNum"])
    return {"JobId": record.job_id, "Events": events}


@operation(PRODUCT, "GetPodEvents")
def get_pod_events(ctx: Context, params: dict) -> dict:
    now = ctx.now()
    record, _, life, pod_uid = _pod(ctx, params, now)
    start, end = time_window(params, since=now - WEEK, until=now)
    events = TimedLines(pod_events(record, life, ctx.region) if life else [])
    return {"JobId": record.job_id, "PodId": params["PodId"], "PodUid": pod_uid,
            "Events": page([events], start, end, now, params["MaxEventsNum"])}


@operation(PRODUCT, "GetPodLogs")
def get_pod_logs(ctx: Context, params: dict) -> dict:
    now = ctx.now()
    record, role, life, pod_uid = _pod(ctx, params, now)
    start, end = time_window(params, since=now - WEEK, until=now)
    limit = params["MaxLines"]                  # 1..10000, default 2000: the schema's, bound already
    main = MAIN_CONTAINER.get(record.body.get("JobType"), "main")
    sidecars = _sidecars(record, role)
    wanted = [c.strip() for c in (params.get("Containers") or main).split(",") if c.strip()] or [main]
    for name in wanted:
        if name != main and name not in sidecars:
            raise invalid_parameter("Containers", f"the pod has no container {name!r} (containers: {', '.join([main] + sidecars)})")
    sources: list[Lines] = []
    if life is not None:
        for name in wanted:
            sources += main_log(record, life, ctx.region) if name == main else [TimedLines(_sidecar_log(life, name))]
        if life.finished is not None:
            end = min(end, life.finished)              # a pod prints nothing after it ended
    # DownloadToFile is accepted; the lines come back inline either way.
    return {"JobId": record.job_id, "PodId": params["PodId"], "PodUid": pod_uid,
            # MaxLines keeps the NEWEST lines of the window: the aiops skill docs use it as "read
            # the log tail" (errors live in the last lines) [SKILL pai-dlc-job-diagnostics SKILL.md,
            # diagnostic-patterns.md]; docs/clients.md. Events keep the first MaxEventsNum.
            "Logs": page(sources, start, end, now, limit, newest=True), "Containers": ",".join(wanted),
            "ContainerInfo": {"MainContainer": main, "SidecarContainers": sidecars}}


@operation(PRODUCT, "GetJobMetrics")
def get_job_metrics(ctx: Context, params: dict) -> dict:
    record = get_record(ctx, params["JobId"])
    now = ctx.now()
    step = time_step(params.get("TimeStep"))
    start, end = time_window(params, since=now - HOUR, until=now)
    if (min(end, now) - start) / step > MAX_POINTS:
        raise invalid_parameter("TimeStep", f"{params.get('TimeStep')!r} over this window gives more than {MAX_POINTS} points per pod")
    created = _created_by(record, now)
    per_pod, pod_count = points_in(min(end, now) - start, step), len({life.slot.pod_id for life in created})
    if per_pod * pod_count > MAX_RESPONSE_POINTS:
        raise invalid_parameter("TimeStep", f"{params.get('TimeStep')!r} over this window gives {per_pod} points for "
                                            f"each of {pod_count} pods; at most {MAX_RESPONSE_POINTS} in all: "
                                            "ask for a coarser TimeStep or a shorter window")
    metric = params["MetricType"]
    # A range query (docs/clients.md): evaluated at StartTime + k*TimeStep up to EndTime, each point
    # looking back one step, so a pod that lived less than a step (or a job that ran 103 s) still
    # has a point. One series per PodId: a pod replaced after a restart continues its predecessor's
    # series, and where both lives fall in one look-back the newer life's sample wins.
    pods: dict[str, dict[float, float]] = {}
    for life in created:
        pods.setdefault(life.slot.pod_id, {}).update(series(record, life, metric, start, end, step, now))
    return {"JobId": record.job_id, "PodMetrics": [
        {"PodId": pod, "Metrics": [{"Time": epoch_ms(t), "Value": v} for t, v in sorted(points.items())]}
        for pod, points in pods.items()]}
