"""A DLC job's telemetry operations — GetJobEvents, GetPodEvents, GetPodLogs and GetJobMetrics —
over the generators of `fakepai.sim.dlc_job` (behavior.md §5.7, §5.8).

`JobFacts` maps a job record to what the generators read (their `DlcJob`: the plan's timeline, the
pod lives, the faults, per-role image, GPUs, sidecars and command); the handlers pick the window
and the pods, and map what the generators produce to the response: event and log lines read
`2021-01-28 14:07:45 <text>` [META demo], in China Standard Time like the sanity-check stamps
(+08:00) [INFERRED: the demo shows no zone], chronological; `MaxEventsNum` keeps the first N events
of the window [INFERRED] and `MaxLines` the newest N log lines (the skill docs read it as the log
tail [SKILL]); metric points carry epoch-millisecond times.
"""
from __future__ import annotations

import math
from typing import Sequence

from fakepai.errors import DLC_NOT_FOUND, PaiError, invalid_parameter
from fakepai.services.dlc import PRODUCT, lifecycle
from fakepai.services.dlc.ecs_specs import lookup
from fakepai.services.dlc.job_spec import pod_resources
from fakepai.services.dlc.job_store import JobRecord, get_record
from fakepai.services.dlc.pods import MAIN_CONTAINER, culprit, fault_times, life_of, lives, role_of, roster, spec_for
from fakepai.services.dlc.restarts import Fault, fault, restarts_in
from fakepai.services.registry import Context, operation
from fakepai.sim import dlc_job
from fakepai.sim.logs import Lines, TimedLines, merged_window
from fakepai.sim.metrics import MAX_RESPONSE_POINTS, parse_time_step, points_in
from fakepai.sim.pod_lives import PodLife, node_name, uid
from fakepai.sim.timeline import Timeline
from fakepai.state.paging import WEEK, time_window
from fakepai.timestamps import epoch_ms, wall_cst

HOUR = 3600
MAX_POINTS = 11000             # per pod series; more is 400 (Prometheus' own limit) [INFERRED]

DEFAULT_IMAGES = {
    "TFJob": "registry.{region}.aliyuncs.com/pai-dlc/tensorflow-training:2.3-gpu-py36-cu101-ubuntu18.04",
    "PyTorchJob": "registry.{region}.aliyuncs.com/pai-dlc/pytorch-training:1.12-gpu-py39-cu113-ubuntu20.04",
}
_FALLBACK_IMAGE = "registry.{region}.aliyuncs.com/pai-dlc/base:ubuntu20.04"


class JobFacts:
    """A job record as the generators read it (`fakepai.sim.dlc_job.DlcJob`), for one read in
    `region`. What is costly (the culprit of a fault) is worked out only when a line needs it."""

    def __init__(self, record: JobRecord, region: str):
        self.record, self.region = record, region
        body, plan = record.body, record.plan
        self.job_id = record.job_id
        self.timeline: Timeline = plan.timeline
        self.display_name = body.get("DisplayName", record.job_id)
        self.reserve_seconds = plan.reserve_seconds
        self.quota = body.get("ResourceId")
        self.tide = bool((body.get("Settings") or {}).get("EnableTideResource"))
        self.sanity_enabled = plan.sanity.enabled
        self.timeout_code = lifecycle.TIMEOUT[0]
        self.main_container = MAIN_CONTAINER.get(body.get("JobType"), "main")
        self.data_sources = body.get("DataSources") or []
        self.launch_settings = plan.body.get("Settings") or {}

    def lives(self) -> list[PodLife]:
        return lives(self.record)

    def rank(self, pod_id: str) -> tuple[int, int]:
        slots = roster(self.job_id, self.record.body)
        return next((i for i, slot in enumerate(slots) if slot.pod_id == pod_id), 0), len(slots)

    def image(self, role: str) -> str:
        image = spec_for(self.record.body, role).get("Image")
        return image or DEFAULT_IMAGES.get(self.record.body.get("JobType"), _FALLBACK_IMAGE).format(region=self.region)

    def gpus(self, role: str) -> int:
        return int(pod_resources(spec_for(self.record.body, role))[1])

    def gpu_card(self, role: str) -> tuple[str | None, str | None]:
        catalogued = lookup(spec_for(self.record.plan.body, role).get("EcsSpec")) or {}
        return catalogued.get("DefaultGPUDriver"), catalogued.get("GpuType")

    def command(self, role: str) -> str:
        launch = self.record.plan.body
        return spec_for(launch, role).get("UserCommand") or launch.get("UserCommand", "")

    def node_name(self, life: PodLife) -> str:
        return node_name(self.region, *life.node)

    def fault_times(self) -> list[float]:
        return fault_times(self.record)

    def restart_count(self) -> int:
        return len(restarts_in(self.timeline))

    def culprit(self, k: int) -> tuple[str, int, int] | None:
        return culprit(self.record, k)

    def fault(self, k: int) -> Fault:
        return fault(self.job_id, k)


def stamped_window(sources: Sequence[Lines], start: float, end: float, now: float, limit: int,
                   newest: bool = False) -> list[str]:
    """The first `limit` lines of the sources within [start, min(end, now)] (with `newest`, the
    last `limit`), chronological (equal times keep the sources' order), each with its +08:00 stamp."""
    return [f"{wall_cst(t)} {text}" for t, text in merged_window(sources, now, start, end, limit, newest)]


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


def _sidecars(record: JobRecord, role: str) -> list[str]:
    extra = spec_for(record.body, role).get("ExtraPodSpec") or {}
    return [c.get("Name") for c in extra.get("SideCarContainers") or [] if c.get("Name")]


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
    events = stamped_window([TimedLines(dlc_job.job_events(JobFacts(record, ctx.region), now))], start, end, now,
                            params["MaxEventsNum"])
    return {"JobId": record.job_id, "Events": events}


@operation(PRODUCT, "GetPodEvents")
def get_pod_events(ctx: Context, params: dict) -> dict:
    now = ctx.now()
    record, _, life, pod_uid = _pod(ctx, params, now)
    start, end = time_window(params, since=now - WEEK, until=now)
    events = TimedLines(dlc_job.pod_events(JobFacts(record, ctx.region), life) if life else [])
    return {"JobId": record.job_id, "PodId": params["PodId"], "PodUid": pod_uid,
            "Events": stamped_window([events], start, end, now, params["MaxEventsNum"])}


@operation(PRODUCT, "GetPodLogs")
def get_pod_logs(ctx: Context, params: dict) -> dict:
    now = ctx.now()
    record, role, life, pod_uid = _pod(ctx, params, now)
    start, end = time_window(params, since=now - WEEK, until=now)
    limit = params["MaxLines"]                  # 1..10000, default 2000: the schema's, bound already
    job = JobFacts(record, ctx.region)
    main = job.main_container
    sidecars = _sidecars(record, role)
    wanted = [c.strip() for c in (params.get("Containers") or main).split(",") if c.strip()] or [main]
    for name in wanted:
        if name != main and name not in sidecars:
            raise invalid_parameter("Containers", f"the pod has no container {name!r} (containers: {', '.join([main] + sidecars)})")
    sources: list[Lines] = []
    if life is not None:
        for name in wanted:
            sources += dlc_job.main_log(job, life) if name == main else [TimedLines(dlc_job.sidecar_log(life, name))]
        if life.finished is not None:
            end = min(end, life.finished)              # a pod prints nothing after it ended
    # DownloadToFile is accepted; the lines come back inline either way.
    return {"JobId": record.job_id, "PodId": params["PodId"], "PodUid": pod_uid,
            # MaxLines keeps the NEWEST lines of the window: the aiops skill docs use it as "read
            # the log tail" (errors live in the last lines) [SKILL pai-dlc-job-diagnostics SKILL.md,
            # diagnostic-patterns.md]; docs/clients.md. Events keep the first MaxEventsNum.
            "Logs": stamped_window(sources, start, end, now, limit, newest=True), "Containers": ",".join(wanted),
            "ContainerInfo": {"MainContainer": main, "SidecarContainers": sidecars}}


@operation(PRODUCT, "GetJobMetrics")
def get_job_metrics(ctx: Context, params: dict) -> dict:
    record = get_record(ctx, params["JobId"])
    now = ctx.now()
    step = time_step(params.get("TimeStep"))
    start, end = time_window(params, since=now - HOUR, until=now)
    if (min(end, now) - start) / step > MAX_POINTS:
        raise invalid_parameter("TimeStep", f"{params.get('TimeStep')!r} over this window gives more than {MAX_POINTS} points per pod")
    job = JobFacts(record, ctx.region)
    created = dlc_job.created_by(job, now)
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
        pods.setdefault(life.slot.pod_id, {}).update(dlc_job.series(job, life, metric, start, end, step, now))
    return {"JobId": record.job_id, "PodMetrics": [
        {"PodId": pod, "Metrics": [{"Time": epoch_ms(t), "Value": v} for t, v in sorted(points.items())]}
        for pod, points in pods.items()]}
