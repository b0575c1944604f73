"""A DLC job as the API shows it at a moment: GetJob's body and ListJobs' JobItem.

One full view is built from the record and its plan; the rendering step projects it onto each
operation's response schema (fakepai/projection.py), so field sets follow the schemas. What differs in type between the two is
applied here, as the schemas say [SDK]: RequestGPU / RequestMemory are numbers in GetJob and
strings in JobItem (`"1"`, `"16Gi"`).
"""
from __future__ import annotations

from fakepai.services.dlc import lifecycle, pods, restarts, seeded
from fakepai.services.dlc.job_spec import resource_type, totals
from fakepai.services.dlc.job_store import JobRecord, whole_seconds
from fakepai.sim.pod_lives import PodLife, node_name, pod_ip
from fakepai.timestamps import iso_z

# Fields left out when GetJob is called with NeedDetail=false [INFERRED: the detail the flag saves
# is the per-pod and per-restart data].
DETAIL_FIELDS = ("Pods", "JobReplicaStatuses", "RestartRecord")
# `supportedProfilingTypes` of jobs and pods: the only value the SDK documents is `sysom` (Alibaba
# Cloud's SysOM profiler) [SDK example]; every job and pod here offers it [INFERRED].
PROFILING_TYPES = "sysom"
# Pods[].ResourceType is "the pod resource usage type", example `Normal` [SDK]: whether the pod runs
# on normal or on idle (oversold) quota resources. Jobs here never use oversold resources.
POD_RESOURCE_TYPE = "Normal"


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def payment_type(body: dict) -> str:
    """PrePaid (a quota), Spot (preemptible), PostPaid (public pay-as-you-go) [SDK ListJobs]."""
    if body.get("ResourceId"):
        return "PrePaid"
    if any(spec.get("UseSpotInstance") for spec in body.get("JobSpecs") or []):
        return "Spot"
    return "PostPaid"


def _pod(life: PodLife, now: float, region: str) -> dict:
    pod_id = life.slot.pod_id
    pod = {"PodId": pod_id, "PodUid": life.uid, "Type": life.slot.role, "Status": life.status_at(now),
           "SubStatus": "Normal", "NodeName": node_name(region, *life.node),
           "ResourceType": POD_RESOURCE_TYPE, "GmtCreateTime": iso_z(life.created),
           "supportedProfilingTypes": PROFILING_TYPES}
    if life.started is not None and life.started <= now:
        ip = pod_ip(*life.node)
        end = life.finished if life.finished is not None and life.finished <= now else now
        pod.update(Ip=ip, PodIp=ip, PodIps=[{"InterfaceName": "eth0", "Ip": ip}],
                   GmtStartTime=iso_z(life.started), Duration=round(max(0.0, end - life.started), 3))
    if life.finished is not None and life.finished <= now:
        pod["GmtFinishTime"] = iso_z(life.finished)
    return pod


def _pods(record: JobRecord, every: list[PodLife], now: float, region: str) -> list[dict]:
    """The pods at `now`; a pod replaced by restarts lists its earlier lives as HistoryPods."""
    current, history = pods.at(record, now, every)
    out = []
    for life in current:
        pod = _pod(life, now, region)
        earlier = history.get(life.slot.pod_id)
        if earlier:
            pod["HistoryPods"] = [_pod(h, now, region) for h in earlier]
        out.append(pod)
    return out


def _restart_records(record: JobRecord, every: list[PodLife], now: float, region: str) -> list[dict]:
    """RestartRecord[], each naming the pod whose fault caused it (pods.culprit) and its node."""
    def culprit(k: int) -> tuple[str, str]:
        found = pods.culprit(record, k, every)
        if found is None:        # cannot happen while the job runs pods; keep the record readable
            return "", ""
        return found[0], node_name(region, *found)

    return restarts.records(record.job_id, record.plan.timeline, now, culprit)


def _replica_statuses(record: JobRecord, now: float, status: str, pod_list: list[dict]) -> list[dict]:
    """Per role: pods Active (running), Queuing (waiting for resources while the job queues) and
    Dequeued (scheduled: taken off the queue) [SDK JobReplicaStatus]. A job stopped before it was
    scheduled has dequeued nothing."""
    queued = status in ("Creating", "Queuing", "Bidding")
    out = []
    for spec in record.body.get("JobSpecs") or []:
        role = spec.get("Type") or "Worker"
        count = int(spec.get("PodCount") or 1)
        mine = [p for p in pod_list if p["Type"] == role]
        active = sum(1 for p in mine if p["Status"] == "Running")
        out.append({"Type": role, "Active": active, "Queuing": count if queued else 0,
                    "Dequeued": len(mine), "EstimatedPodCount": count})
    return out


def _history(record: JobRecord, now: float) -> list[dict]:
    out = []
    for phase, end in record.plan.timeline.passed(now):
        item = {"Status": phase.status, "StartTime": iso_z(phase.start)}
        if end is not None:
            item["EndTime"] = iso_z(end)
        if phase.reason_code:
            item.update(ReasonCode=phase.reason_code, ReasonMessage=phase.reason_message or "")
        out.append(item)
    return out


def cluster_id(region: str, body: dict, resource_type: str) -> str:
    """The cluster a job runs in [SDK ClusterId]: a quota's own cluster, or the region's shared
    public pool of the job's resource type; ACK-style `c` + 32 hex digits, fixed by those keys
    ([INFERRED] format: the SDK's examples are masked)."""
    pool = body.get("ResourceId") or f"public-{resource_type}"
    return "c" + seeded.uuid_for("cluster", region, pool).replace("-", "")


class Facts:
    """What a job shows at `now` that does not need its pods: status, reason, Gmt*Time moments and
    resource totals, each worked out once and only when asked. ListJobs filters and sorts every job
    on these and builds the full `view()` (pods, history) only for the page it returns;
    `view()` reads the same values, so the two cannot disagree."""

    __slots__ = ("record", "now", "_phase", "_marks", "_totals")

    def __init__(self, record: JobRecord, now: float):
        self.record, self.now = record, now
        self._phase = self._marks = self._totals = None

    @property
    def phase(self):
        if self._phase is None:
            self._phase = self.record.plan.at(self.now)
        return self._phase

    @property
    def status(self) -> str:
        return self.phase.status

    @property
    def milestones(self) -> dict[str, float]:
        if self._marks is None:
            self._marks = lifecycle.milestones(self.record, self.now)
        return self._marks

    @property
    def modified(self) -> float:
        """GmtModifiedTime: the last change by a caller or by the plan."""
        return max([self.record.modified] + [p.start for p in self.record.plan.timeline.phases if p.start <= self.now])

    @property
    def totals(self) -> tuple[int, float, float]:
        if self._totals is None:
            self._totals = totals(self.record.body)
        return self._totals

    def time(self, field: str) -> int | None:
        """A Gmt*Time field as the whole second its text shows; None while unset."""
        if field == "GmtCreateTime":
            return self.record.created_second
        if field == "GmtModifiedTime":
            t = self.modified
        else:
            t = self.milestones.get(field)
        return None if t is None else whole_seconds(t)

    def number(self, field: str) -> float:
        """RequestCPU / RequestGPU / RequestMemory (GiB) / Priority / Duration, as GetJob shows them."""
        if field == "Priority":
            return self.record.body.get("Priority") or 1
        if field == "Duration":
            return lifecycle.duration(self.record, self.now)
        return self.totals[("RequestCPU", "RequestGPU", "RequestMemory").index(field)]


def view(record: JobRecord, now: float, region: str) -> dict:
    """Every field the job can show at `now` (a superset of GetJob and JobItem)."""
    body = record.body
    settings = body.get("Settings") or {}
    facts = Facts(record, now)
    phase = facts.phase
    status = phase.status
    kind = resource_type(body)
    cpu, gpu, mem = facts.totals
    every = pods.lives(record)
    pod_list = _pods(record, every, now, region)
    out = {key: body[key] for key in (
        "DisplayName", "JobType", "JobSpecs", "UserCommand", "Description", "DataSources", "CodeSource",
        "Envs", "CustomEnvs", "ThirdpartyLibs", "ThirdpartyLibDir", "Settings", "CredentialConfig",
        "ElasticSpec", "SchedulingStrategy", "ResourceId", "JobMaxRunningTimeMinutes") if key in body}
    if body.get("UserVpc"):
        vpc = dict(body["UserVpc"])
        if "ExtendedCIDRs" in vpc:                 # request spelling -> response spelling [SDK]
            vpc["ExtendedCidrs"] = vpc.pop("ExtendedCIDRs")
        out["UserVpc"] = vpc
    out.update({
        "JobId": record.job_id,
        "WorkspaceId": record.workspace_id,
        "Accessibility": body.get("Accessibility") or "PRIVATE",
        "Priority": facts.number("Priority"),
        "Status": status,
        "StatusHistory": _history(record, now),
        "Duration": facts.number("Duration"),
        "RestartTimes": restarts.restart_times(record.plan.timeline, settings, now),
        "RestartRecord": _restart_records(record, every, now, region),
        "RetryCount": 0,
        "RequestCPU": cpu,
        "RequestGPU": gpu,
        "RequestMemory": mem,
        "ResourceType": kind,
        "ClusterId": cluster_id(region, body, kind),
        "UserId": record.user_id,
        "TenantId": record.user_id,
        "Username": record.username,
        "EnabledDebugger": False,
        "IsDeleted": False,
        "UseOversoldResource": False,
        "EnablePreemptibleJob": payment_type(body) == "Spot",
        "Pods": pod_list,
        "NodeCount": str(len(pod_list)),
        "NodeNames": [p["NodeName"] for p in pod_list],
        "JobReplicaStatuses": _replica_statuses(record, now, status, pod_list),
        "supportedProfilingTypes": PROFILING_TYPES,
    })
    if phase.reason_code:
        out.update(ReasonCode=phase.reason_code, ReasonMessage=phase.reason_message or "")
    if body.get("ResourceId"):
        out["ResourceQuotaName"] = body["ResourceId"]
    if record.template_id:
        out.update(TemplateId=record.template_id, TemplateName=record.template_name or "")
    for name, t in facts.milestones.items():
        out[name] = iso_z(t)
    out["GmtModifiedTime"] = iso_z(facts.modified)
    return out


def get_job_body(record: JobRecord, now: float, region: str, need_detail: bool = True) -> dict:
    out = view(record, now, region)
    if not need_detail:
        for name in DETAIL_FIELDS:
            out.pop(name, None)
    return out


def list_item(full: dict) -> dict:
    """A `view()` as a ListJobs JobItem (string RequestGPU / RequestMemory)."""
    item = dict(full)
    item["RequestGPU"] = _number_text(full["RequestGPU"])
    item["RequestMemory"] = f"{_number_text(full['RequestMemory'])}Gi"
    return item


def list_body(items: list[dict], total: int) -> dict:
    return {"Jobs": [list_item(i) for i in items], "TotalCount": total}
