"""What a training job looks like at a moment: the GetTrainingJob object and the list item
(behavior.md §4.3), materialised from the stored spec and the timeline at `now`."""
from __future__ import annotations

import hashlib

from fakepai.projection import Settled
from fakepai.services.paistudio import telemetry
from fakepai.services.paistudio.lifecycle import TERMINAL
from fakepai.services.paistudio.store import TrainingJob, instance_names
from fakepai.timestamps import iso_z

INSTANCE_STATUS = {"Submitted": "Pending", "Running": "Running", "Succeed": "Succeeded", "Failed": "Failed",
                    "Terminated": "Stopped", "CreateFailed": "Failed", "InitializeFailed": "Failed"}


def instances_exist(job: TrainingJob, now: float) -> bool:
    return job.timeline.entered("Submitted", now) is not None


def instances(job: TrainingJob, now: float) -> list[dict]:
    if not instances_exist(job, now):
        return []
    status = job.timeline.status_at(now)
    state = INSTANCE_STATUS.get(status, "Pending")
    return [{"Name": name, "Role": name.rsplit("-", 2)[1], "Status": state} for name in instance_names(job)]


def status_transitions(job: TrainingJob, now: float) -> list[dict]:
    out = []
    for phase, end in job.timeline.passed(now):
        item = {"Status": phase.status, "StartTime": iso_z(phase.start)}
        if phase.status in TERMINAL:
            item["EndTime"] = iso_z(phase.start)   # a terminal status is closed the moment it is reached
        elif end is not None:
            item["EndTime"] = iso_z(end)
        if phase.reason_code:
            item["ReasonCode"] = phase.reason_code
            item["ReasonMessage"] = phase.reason_message
        out.append(item)
    return out


def run_duration(job: TrainingJob, now: float) -> int:
    """Seconds spent running so far (or in all, once ended) [INFERRED: the console shows run time]."""
    started = job.timeline.entered("Running", now)
    if started is None:
        return 0
    ended = job.timeline.end_time(TERMINAL)
    stop = min(now, ended) if ended is not None else now
    return max(0, int(stop - started))


def modified_time(job: TrainingJob, now: float) -> float:
    return max(job.modified, job.timeline.at(now).start)


def dlc_job_id(job: TrainingJob) -> str:
    """A PaiStudio training job runs on a DLC job (list items carry DlcJobId)."""
    return "dlc" + hashlib.sha256(job.id.encode()).hexdigest()[:13]


def _named(section: dict | None, id_key: str, name_key: str) -> dict | None:
    """`section` as the caller sent it, plus `name_key`: the name of the resource `id_key` names.
    Resource quotas and experiments are not modelled here, so their names are unknown; [INFERRED]
    such a resource is shown under its id as its name, the rule DLC GetJob's ResourceQuotaName
    (= ResourceId) already follows. Without the id there is no resource, so no name."""
    if section is None:
        return None
    shown = {k: v for k, v in section.items() if k != name_key}
    if shown.get(id_key):
        shown[name_key] = shown[id_key]
    return shown


def _common(job: TrainingJob, now: float) -> dict:
    spec = job.spec
    phase = job.timeline.at(now)
    body = {
        "TrainingJobId": job.id,
        "TrainingJobName": job.name,
        "TrainingJobDescription": spec.get("TrainingJobDescription"),
        "WorkspaceId": job.workspace_id,
        "UserId": job.user_id,
        "Status": phase.status,
        "ReasonCode": phase.reason_code,
        "ReasonMessage": phase.reason_message,
        "GmtCreateTime": iso_z(job.created),
        "GmtModifiedTime": iso_z(modified_time(job, now)),
        "AlgorithmName": spec.get("AlgorithmName"),
        "AlgorithmProvider": spec.get("AlgorithmProvider"),
        "AlgorithmVersion": spec.get("AlgorithmVersion"),
        "IsTempAlgo": spec.get("AlgorithmSpec") is not None,
        # ResourceName: "the resource quota name" [SDK], only for a job on a quota (ResourceId);
        # public resources (EcsSpec) have no quota, hence no ResourceName.
        "ComputeResource": _named(spec.get("ComputeResource"), "ResourceId", "ResourceName"),
        "AssignNodeSpec": spec.get("AssignNodeSpec"),
        "CredentialConfig": spec.get("CredentialConfig"),
        "Environments": spec.get("Environments"),
        # ExperimentName: "the experiment name associated with the training job" [SDK].
        "ExperimentConfig": _named(spec.get("ExperimentConfig"), "ExperimentId", "ExperimentName"),
        "HyperParameters": spec.get("HyperParameters") or [],
        "InputChannels": spec.get("InputChannels") or [],
        "OutputChannels": spec.get("OutputChannels") or [],
        "Labels": [dict(label) for label in job.labels],
        "PythonRequirements": spec.get("PythonRequirements"),
        "RoleArn": spec.get("RoleArn"),
        "UserVpc": spec.get("UserVpc"),
        "StatusTransitions": status_transitions(job, now),
    }
    return body


def _scheduler(job: TrainingJob, as_string: bool) -> dict | None:
    scheduler = job.spec.get("Scheduler")
    if not scheduler:
        return None
    # Spec quirk: strings in GetTrainingJob, an int in ListTrainingJobs (behavior.md §1.2).
    if as_string:
        return {k: str(v) for k, v in scheduler.items() if v is not None}
    seconds = scheduler.get("MaxRunningTimeInSeconds")
    if seconds is None and scheduler.get("MaxRunningTimeInMinutes") is not None:
        seconds = int(scheduler["MaxRunningTimeInMinutes"]) * 60
    return {"MaxRunningTimeInSeconds": int(seconds or 0)}


def _settled(job: TrainingJob, now: float, slot: str, key: tuple, build) -> dict:
    """`build()`, kept on the job under `slot` once the job has ended (at `now` or before): its
    views can then only change through the API (labels: the revision) or a new plan, so they are
    kept, as `Settled` dicts whose projections the rendering step keeps too, until the revision,
    the plan or `key` change. Before the end (the clock may be moved back) or while the job runs,
    each read builds afresh. A plan is replaced, never edited in place (timeline.py: `cut` and
    `insert_restarts` assign a new list of new phases), so the list stands for it.

    Kept as `(stamp, ended, view)`, stamp = (phases, revision, key), so that whether it still
    stands is one expression without a call, which `list_body` repeats inline."""
    kept = getattr(job, slot)
    if kept is not None and kept[0] == (job.timeline.phases, job.revision, key) and now >= kept[1]:
        return kept[2]
    ended = job.timeline.end_time(TERMINAL)
    if ended is None or now < ended:
        return build()
    view = Settled(build())
    setattr(job, slot, ((job.timeline.phases, job.revision, key), ended, view))
    return view


def training_job(job: TrainingJob, now: float, region: str) -> dict:
    """The GetTrainingJob body (without RequestId)."""
    return _settled(job, now, "_ended_view", (region,), lambda: _training_job(job, now, region))


def _training_job(job: TrainingJob, now: float, region: str) -> dict:
    body = _common(job, now)
    body.update({
        "AlgorithmId": (job.algorithm or {}).get("AlgorithmId"),
        "AlgorithmSpec": job.spec.get("AlgorithmSpec") or (job.algorithm or {}).get("AlgorithmSpec"),
        "Scheduler": _scheduler(job, as_string=True),
        "Settings": job.spec.get("Settings"),
        "Priority": job.spec.get("Priority"),
        "Instances": instances(job, now),
        "Duration": run_duration(job, now),
        "LatestMetrics": telemetry.latest_metrics(job, now),
        "LatestProgress": telemetry.latest_progress(job, now),
        "OutputModel": telemetry.output_model(job, now),
        "TrainingJobUrl": f"https://pai.console.aliyun.com/?regionId={region}&workspaceId={job.workspace_id}"
                          f"#/training/jobs/{job.id}",
    })
    # The spec is stored as sent; GetTrainingJob's models are narrower than CreateTrainingJob's
    # (no UserVpc.DefaultRoute, no CodeDir): the rendering step trims the body to the response schema.
    return body


def training_job_item(job: TrainingJob, now: float) -> dict:
    """A ListTrainingJobs item: the summary, plus DlcJobId (behavior.md §4.2). The rendering step
    trims it to the list item's schema: list items lack e.g. SpotSpec and Options."""
    return _settled(job, now, "_ended_item", (), lambda: _training_job_item(job, now))


def _training_job_item(job: TrainingJob, now: float) -> dict:
    body = _common(job, now)
    body["Scheduler"] = _scheduler(job, as_string=False)
    body["DlcJobId"] = dlc_job_id(job)
    if body.get("UserVpc"):
        # UserVpc.DefaultRoute defaults to eth0 [SDK-ST]; only the list item's model carries it.
        body["UserVpc"] = {"DefaultRoute": "eth0", **body["UserVpc"]}
    return body


def list_body(jobs: list[TrainingJob], total: int, now: float) -> dict:
    """The ListTrainingJobs body (without RequestId)."""
    # A finished job's kept item is taken without calling training_job_item (the same test as
    # `_settled`'s, inline): calls per request are what a served page costs (benchmarks/README.md).
    return {"TotalCount": total, "TrainingJobs": [
        kept[2] if (kept := job._ended_item) is not None and kept[0] == (job.timeline.phases, job.revision, ())
        and now >= kept[1] else training_job_item(job, now) for job in jobs]}
