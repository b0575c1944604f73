"""What a DLC job says about itself over time: job events, pod events, pod logs and resource
metrics — GetJobEvents, GetPodEvents, GetPodLogs and GetJobMetrics.

Everything is generated from the job's plan and id, never stored: a line, event or point exists
once its time is <= now and never changes afterwards (logs are append-only, so clients can page by
moving StartTime forward). Event and log lines read `2021-01-28 14:07:45 <text>` [META demo], in
China Standard Time like the sanity-check stamps (+08:00) [INFERRED: the demo shows no zone].
Lists are chronological and `MaxEventsNum` / `MaxLines` keep the first N lines of the window
[INFERRED], which is what paging by StartTime needs.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone

from fakepai.errors import PaiError, invalid_parameter
from fakepai.services.dlc import seeded
from fakepai.services.dlc.ecs_specs import lookup
from fakepai.services.dlc.job_spec import pod_resources
from fakepai.services.dlc.job_store import JobRecord, get_record
from fakepai.services.dlc.pods import MAIN_CONTAINER, PodLife, life_of, lives_at, node_name, roster, spec_for, uid
from fakepai.services.registry import operation
from fakepai.state.paging import WEEK, time_param

_CST = timezone(timedelta(hours=8))
HOUR = 3600
PROGRESS_EVERY = 10.0          # seconds between two training-progress lines
MAX_POINTS = 11000             # per pod series; more is 400 (Prometheus' own limit) [INFERRED]
NAMESPACE = "pai-dlc"

DEFAULT_IMAGES = {
    "TFJob": "registry.{region}.aliyuncs.com/pai-dlc/tensorflow-training:2.3-gpu-py36-cu101-ubuntu18.04",
    "PyTorchJob": "registry.{region}.aliyuncs.com/pai-dlc/pytorch-training:1.12-gpu-py39-cu113-ubuntu20.04",
}
_FALLBACK_IMAGE = "registry.{region}.aliyuncs.com/pai-dlc/base:ubuntu20.04"


def stamp(t: float) -> str:
    return datetime.fromtimestamp(t, tz=_CST).strftime("%Y-%m-%d %H:%M:%S")


def window(params: dict, now: float, span: float) -> tuple[float, float]:
    """StartTime / EndTime (defaults now - span .. now); nothing after now exists yet."""
    start, end = time_param(params, "StartTime"), time_param(params, "EndTime")
    start = now - span if start is None else start
    if end is None:
        # A poller moving StartTime past the newest line gets an empty page, not an error.
        end = max(now, start)
    if start > end:
        raise invalid_parameter("StartTime", "StartTime is later than EndTime")
    return start, end


def _select(lines: list[tuple[float, str]], start: float, end: float, now: float, limit: int) -> list[str]:
    end = min(end, now)
    picked = sorted((t, i, text) for i, (t, text) in enumerate(lines) if start <= t <= end)
    return [f"{stamp(t)} {text}" for t, _, text in picked[:limit]]


def _image(record: JobRecord, role: str, region: str) -> str:
    image = spec_for(record.body, role).get("Image")
    return image or DEFAULT_IMAGES.get(record.body.get("JobType"), _FALLBACK_IMAGE).format(region=region)


def _gpus_per_pod(record: JobRecord, role: str) -> int:
    return int(pod_resources(spec_for(record.body, role))[1])


def _run_window(record: JobRecord) -> tuple[float | None, float | None, str | None]:
    """(Running start, Running end, status after Running) from the full plan."""
    phases = record.plan.timeline.phases
    for i, phase in enumerate(phases):
        if phase.status == "Running":
            nxt = phases[i + 1] if i + 1 < len(phases) else None
            return phase.start, (nxt.start if nxt else None), (nxt.status if nxt else None)
    return None, None, None


# -- job events -----------------------------------------------------------------------------------

def _phase_event(record: JobRecord, status: str, reason: str | None) -> str:
    minutes = int(record.plan.reserve_seconds // 60)
    quota = record.body.get("ResourceId")
    return {
        "Creating": f"Job {record.job_id} is created.",
        "Queuing": (f"Job is queuing in resource quota {quota}." if quota else "Job is queuing, waiting for resources.")
        + (" It may use idle (tide) resources." if (record.body.get("Settings") or {}).get("EnableTideResource") else ""),
        "EnvPreparing": "Resources are allocated; preparing the job environment.",
        "SanityChecking": "Sanity check started.",
        "Running": "Job is running.",
        "SucceededReserving": f"Job succeeded; its environment is reserved for {minutes} minute(s).",
        "FailedReserving": f"Job failed; its environment is reserved for {minutes} minute(s). {reason or ''}".rstrip(),
        "Succeeded": "Job succeeded.",
        "Failed": f"Job failed: {reason}" if reason else "Job failed.",
        "Stopping": "Job is being stopped by user.",
        "Stopped": "Job is stopped.",
    }.get(status, f"Job status changed to {status}.")


def job_events(record: JobRecord, now: float) -> list[tuple[float, str]]:
    events = [(phase.start, _phase_event(record, phase.status, phase.reason_message))
              for phase, _ in record.plan.timeline.passed(now)]
    events += [(life.created, f"Created pod: {life.slot.pod_id}") for life in lives_at(record, now)]
    return events


# -- pod events and logs --------------------------------------------------------------------------

def _pull_seconds(pod_id: str) -> float:
    # 2..4 s: with the <= 5 s creation stagger the pull ends before EnvPreparing (>= 10 s) does.
    return round(seeded.between(2, 4, "pull", pod_id), 3)


def pod_events(record: JobRecord, life: PodLife, region: str) -> list[tuple[float, str]]:
    pod = life.slot.pod_id
    image = _image(record, life.slot.role, region)
    container = MAIN_CONTAINER.get(record.body.get("JobType"), "main")
    events = [(life.created, f"Successfully assigned {NAMESPACE}/{pod} to {node_name(region, pod)}"),
              (life.created + 0.5, f'Pulling image "{image}"'),
              (life.created + _pull_seconds(pod), "Successfully pulled image.")]
    if life.started is not None:
        events += [(life.started, f"Created container {container}"), (life.started, f"Started container {container}")]
    if life.finished is not None:
        if life.end_status == "Succeeded":
            events.append((life.finished, f"Container {container} completed (exit code 0)."))
        elif record.plan.timeline.entered("Stopping", life.finished) is not None:
            events.append((life.finished, f"Stopping container {container}"))
        else:
            events.append((life.finished, f"Container {container} failed (exit code 1)."))
    return [(t, text) for t, text in events if life.finished is None or t <= life.finished]


def _progress_line(record: JobRecord, pod: str, k: int) -> str:
    step = 50 * k
    epoch = (k - 1) // 10 + 1
    noise = seeded.unit("loss", record.job_id, pod, k) - 0.5
    loss = 2.3 * math.exp(-0.04 * k) + 0.05 * noise + 0.02
    acc = min(0.999, 1 - 0.9 * math.exp(-0.05 * k) + 0.01 * noise)
    speed = seeded.between(180, 260, "speed", record.job_id, pod, k)
    return f"Epoch {epoch} Step {step}: loss={loss:.4f} accuracy={acc:.4f} throughput={speed:.1f} samples/s"


def _main_log(record: JobRecord, life: PodLife, region: str) -> list[tuple[float, str]]:
    """The fixed lines of the main container (progress lines are generated separately)."""
    pod = life.slot.pod_id
    image = _image(record, life.slot.role, region)
    lines = [(life.created + 0.5, f"[dlc] Pulling image {image}"),
             (life.created + _pull_seconds(pod), f"[dlc] Successfully pulled image {image}")]
    if life.started is None:
        if life.finished is not None:
            lines.append((life.finished, "[dlc] The job ended before the container started."))
        return lines
    lines.append((life.started, f"[dlc] Container started on node {node_name(region, pod)}."))
    lines += [(life.started + 0.05, text) for text in _settings_lines(record, life.slot.role)]
    run_start, run_end, after = _run_window(record)
    if run_start is None or (life.finished is not None and run_start >= life.finished):
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
    lines += [(run_start, f"+ {command}"),
              (run_start + 0.5, f"{record.body.get('DisplayName', record.job_id)} started: rank {rank} of {len(slots)}.")]
    for k, ds in enumerate(record.body.get("DataSources") or []):
        where = ds.get("MountPath") or "/mnt/data"
        lines.append((run_start + 1 + 0.1 * k, f"Reading data from {where} ({ds.get('Uri') or ds.get('DataSourceId') or 'dataset'})."))
    if run_end is None:
        return lines
    phase = record.plan.timeline.at(run_end)
    if after in ("Succeeded", "SucceededReserving"):
        steps = 50 * int((run_end - run_start - 1e-9) // PROGRESS_EVERY)
        lines += [(run_end - 0.2, f"Training finished after {steps} steps."), (run_end, "[dlc] Process exited with code 0.")]
    elif after == "Stopping":
        lines += [(run_end, "[dlc] Received SIGTERM: the job is being stopped."), (run_end, "[dlc] Process exited with code 143.")]
    elif phase.reason_code == "JobTimeout":
        lines += [(run_end, "[dlc] Received SIGTERM: the job exceeded its maximum running time."),
                  (run_end, "[dlc] Process exited with code 143.")]
    else:
        lines += [(run_end - 0.2, "Traceback (most recent call last):"),
                  (run_end - 0.2, '  File "train.py", line 128, in <module>'),
                  (run_end - 0.1, f"RuntimeError: {phase.reason_message or 'training failed'}"),
                  (run_end, "[dlc] Process exited with code 1.")]
    return lines


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


def _progress(record: JobRecord, life: PodLife, start: float, end: float, limit: int) -> list[tuple[float, str]]:
    """At most `limit` progress lines within [start, end], computed by index (a hanging job has
    an unbounded log; only the window is ever generated)."""
    run_start, run_end, _ = _run_window(record)
    if run_start is None or life.started is None:
        return []
    stop = run_end if run_end is not None else math.inf
    k_lo = max(1, math.ceil((start - run_start) / PROGRESS_EVERY))
    out = []
    k = k_lo
    while len(out) < limit:
        t = run_start + k * PROGRESS_EVERY
        if t > end or t >= stop - 0.2:
            break
        out.append((t, _progress_line(record, life.slot.pod_id, k)))
        k += 1
    return out


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

# metric -> (typical value, spread, ceiling, needs a GPU). Utilisations are percentages; rates are
# bytes per second [INFERRED: the API does not state units].
METRICS = {
    "GpuCoreUsage": (85.0, 10.0, 100.0, True),
    "GpuMemoryUsage": (70.0, 8.0, 100.0, True),
    "CpuCoreUsage": (45.0, 15.0, 100.0, False),
    "MemoryUsage": (55.0, 10.0, 100.0, False),
    "NetworkInputRate": (2.5e7, 1.0e7, None, False),
    "NetworkOutputRate": (1.8e7, 8.0e6, None, False),
    "DiskReadRate": (3.0e6, 2.0e6, None, False),
    "DiskWriteRate": (1.2e6, 8.0e5, None, False),
}
IDLE_LOAD = 0.02               # share of the working load a reserved (idle) pod still shows [INFERRED]
_UNITS = {"s": 1, "sec": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "minute": 60, "minutes": 60,
          "h": 3600, "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400}


def time_step(text: str | None) -> int:
    """`5m` (the default), `1h`, `30m`, `10s`, `Ns/Nm/Nh`; a bare number is seconds [INFERRED]."""
    m = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]*)\s*", text or "5m")
    unit = _UNITS.get(m.group(2).lower() if m and m.group(2) else "s") if m else None
    if not m or unit is None or int(m.group(1)) == 0:
        raise invalid_parameter("TimeStep", f"{text!r} is not a duration such as 10s, 5m or 1h")
    return int(m.group(1)) * unit


def series(record: JobRecord, life: PodLife, metric: str, start: float, end: float, step: int, now: float) -> list[dict]:
    typical, spread, ceiling, needs_gpu = METRICS[metric]
    if needs_gpu and _gpus_per_pod(record, life.slot.role) == 0:
        return []
    alive_from = life.started
    if alive_from is None:
        return []
    alive_to = min(life.finished if life.finished is not None else math.inf, now)
    lo, hi = max(start, alive_from), min(end, alive_to)
    # While a finished job is reserved its pods live on, but the user command has exited: they idle.
    _, run_end, after = _run_window(record)
    idle_from = run_end if after in ("SucceededReserving", "FailedReserving") else math.inf
    points = []
    k = math.ceil(lo / step)
    while k * step <= hi:
        t = k * step
        if life.finished is not None and t >= life.finished:
            break
        warm = IDLE_LOAD if t >= idle_from else min(1.0, (t - alive_from) / 60 + 0.3)
        value = (typical + spread * (2 * seeded.unit(metric, life.slot.pod_id, k) - 1)) * warm
        if ceiling is not None:
            value = min(value, ceiling)
        points.append({"Time": int(t * 1000), "Value": round(max(value, 0.0), 2)})
        k += 1
    return points


# -- handlers -------------------------------------------------------------------------------------

def _pod(ctx, params: dict) -> tuple[JobRecord, str, PodLife | None]:
    """The job, the pod's role and its life (None: in the job's spec but never scheduled).
    An id outside the job's roster, or a PodUid of another incarnation, is 404 NotFound.Pod."""
    record = get_record(ctx, params["JobId"])
    pod_id = params["PodId"]
    role = next((s.role for s in roster(record.job_id, record.body) if s.pod_id == pod_id), None)
    if role is None:
        raise PaiError(404, "NotFound.Pod", f"The specified Pod \"{pod_id}\" does not exist in job {record.job_id}.")
    pod_uid = params.get("PodUid")
    if pod_uid and pod_uid != uid(pod_id):
        raise PaiError(404, "NotFound.Pod", f"The specified PodUid \"{pod_uid}\" does not exist for pod {pod_id}.")
    return record, role, life_of(record, pod_id)


@operation("pai-dlc", "GetJobEvents")
def get_job_events(ctx, params: dict) -> dict:
    record = get_record(ctx, params["JobId"])
    now = ctx.now()
    start, end = window(params, now, WEEK)
    events = _select(job_events(record, now), start, end, now, params.get("MaxEventsNum", 2000))
    return {"JobId": record.job_id, "Events": events}


@operation("pai-dlc", "GetPodEvents")
def get_pod_events(ctx, params: dict) -> dict:
    record, _, life = _pod(ctx, params)
    now = ctx.now()
    start, end = window(params, now, WEEK)
    events = pod_events(record, life, ctx.region) if life else []
    return {"JobId": record.job_id, "PodId": params["PodId"], "PodUid": uid(params["PodId"]),
            "Events": _select(events, start, end, now, params.get("MaxEventsNum", 2000))}


@operation("pai-dlc", "GetPodLogs")
def get_pod_logs(ctx, params: dict) -> dict:
    record, role, life = _pod(ctx, params)
    now = ctx.now()
    start, end = window(params, now, WEEK)
    limit = params.get("MaxLines", 2000)
    if limit < 1:
        raise invalid_parameter("MaxLines", f"{limit} is out of range (minimum 1)")
    main = MAIN_CONTAINER.get(record.body.get("JobType"), "main")
    sidecars = _sidecars(record, role)
    wanted = [c.strip() for c in (params.get("Containers") or main).split(",") if c.strip()] or [main]
    for name in wanted:
        if name != main and name not in sidecars:
            raise invalid_parameter("Containers", f"the pod has no container {name!r} (containers: {', '.join([main] + sidecars)})")
    lines: list[tuple[float, str]] = []
    if life is not None:
        for name in wanted:
            if name == main:
                lines += _main_log(record, life, ctx.region)
                lines += _progress(record, life, start, min(end, now), limit)
            else:
                lines += _sidecar_log(life, name)
    # DownloadToFile is accepted; the lines come back inline either way.
    return {"JobId": record.job_id, "PodId": params["PodId"], "PodUid": uid(params["PodId"]),
            "Logs": _select(lines, start, end, now, limit), "Containers": ",".join(wanted),
            "ContainerInfo": {"MainContainer": main, "SidecarContainers": sidecars}}


@operation("pai-dlc", "GetJobMetrics")
def get_job_metrics(ctx, params: dict) -> dict:
    record = get_record(ctx, params["JobId"])
    now = ctx.now()
    step = time_step(params.get("TimeStep"))
    start, end = window(params, now, HOUR)
    if (min(end, now) - start) / step > MAX_POINTS:
        raise invalid_parameter("TimeStep", f"{params.get('TimeStep')!r} over this window gives more than {MAX_POINTS} points per pod")
    metric = params["MetricType"]
    pods = [{"PodId": life.slot.pod_id, "Metrics": series(record, life, metric, start, end, step, now)}
            for life in lives_at(record, now)]
    return {"JobId": record.job_id, "PodMetrics": pods}
