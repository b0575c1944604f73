"""The table behind tests/operations/test_every_operation.py: for each of the 62 operations, the prerequisites
it needs (made through the official SDK clients), one minimal valid request in the SDK form and in
the seed's gateway URL form, and the one value that shows the operation did its job.

A case's `check(world, ids, body)` returns `(actual, expected)`, so a failure prints both.
Where the seed document shows an operation's gateway request, the gateway case sends that request
(ListTrainingJobs, ListTrainingJobLogs, CreateJobTemplate verbatim, DeleteJobTemplate,
GetTrainingJobLatestMetrics, UpdateTrainingJobLabels, GetJobSanityCheckResult, GetJobMetrics).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

import alibabacloud_pai_dlc20201203.models as dm
import alibabacloud_paiplugin20220112.models as pm
import alibabacloud_paistudio20220112.models as sm
from Tea.exceptions import TeaException

from fakepai.sim.sanity_check import PHASES as SANITY_PHASES
from fakepai.timestamps import iso_z, parse_iso
from tests.dlc.calls import SEED_CREATE_BODY as SEED_TEMPLATE_BODY   # byte for byte

WS = "12345"                                   # the seed's ListTrainingJobs workspace
OSS = "oss://every-op.oss-cn-hangzhou.aliyuncs.com/"
MODEL_URI = OSS + "out/model/"
ECS = "ecs.gn7i-c8g1.2xlarge"
IMAGE = "registry.cn-hangzhou.aliyuncs.com/pai/pytorch:2.1"
LOSS_RE = r".*train:loss=([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*"     # the reference's example
STUDIO_SPEC = {"Command": ["python", "train.py"], "Image": IMAGE, "JobType": "PyTorchJob",
               "MetricDefinitions": [{"Name": "loss", "Regex": LOSS_RE}]}
VERSION = "v0.1.0"
TEMPLATE_CONTENT = json.dumps({"JobType": "PyTorchJob", "UserCommand": "python train.py",
                               "JobSpecs": [{"Type": "Worker", "PodCount": 1, "Image": IMAGE, "EcsSpec": ECS}]})

SEED_TEMPLATE = json.loads(SEED_TEMPLATE_BODY)      # the seed's CreateJobTemplate curl body
# The seed's GetJobSanityCheckResult token (masked as in the seed; the emulator does not read it).
SEED_TOKEN = ("eyJhbG******zI1NiIsInR5cCI6IkpXVCJ9.eyJle****jE3MDk1Mzk0NDIsImlhdCI6MTcwODkzNDY0MiwidXNlcl9pZCI6"
              "IjE3NTgwNTQxNjI0Mzg2NTUiLCJ0YXJnZXRfaWQiOiJkbGM1OGh1a2xyYzZwdGMyIiwidGFyZ2V0X3R5cGUiOiJqb2IifQ"
              ".GNL7jo6****mgKKv0QeGIYgvBufSU-PH_EQttX****")


# -- the world a case runs in ---------------------------------------------------------------------

class World:
    """One test's emulator (clock frozen) and official clients, and the prerequisites they make."""

    def __init__(self, fakepai, studio, dlc, plugin):
        self.fakepai, self.studio, self.dlc, self.plugin = fakepai, studio, dlc, plugin

    def now(self) -> str:
        return iso_z(self.fakepai.now())

    def until(self, read: Callable[[], str], wanted: str, step: float, limit: int = 80) -> None:
        """Advance the frozen clock in `step`s until `read()` says `wanted`."""
        seen = []
        for _ in range(limit):
            status = read()
            if status == wanted:
                return
            if not seen or seen[-1] != status:
                seen.append(status)
            self.fakepai.advance(step)
        raise AssertionError(f"prerequisite never reached {wanted}: {seen}")

    @staticmethod
    def error(call: Callable[[], Any]) -> tuple[int, str]:
        """(HTTP status, Code) of an SDK call that must fail."""
        try:
            call()
        except TeaException as e:
            return e.statusCode, e.code
        raise AssertionError("the call succeeded")

    # -- PaiStudio ------------------------------------------------------------------------------
    def st_job(self, until: str | None = None, labels: dict | None = None) -> str:
        body = {"TrainingJobName": "every-op-job", "WorkspaceId": WS, "AlgorithmSpec": STUDIO_SPEC,
                "ComputeResource": {"EcsSpec": ECS, "EcsCount": 1},
                "OutputChannels": [{"Name": "model", "OutputUri": MODEL_URI}],
                "Labels": [{"Key": k, "Value": v} for k, v in (labels or {}).items()]}
        job = self.studio.create_training_job(sm.CreateTrainingJobRequest().from_map(body)).body.training_job_id
        if until:
            self.until(lambda: self.st_get(job)["Status"], until, step=2)
        return job

    def st_get(self, job: str) -> dict:
        return self.studio.get_training_job(job).body.to_map()

    def algorithm(self, with_version: bool = False) -> str:
        algo = self.studio.create_algorithm(sm.CreateAlgorithmRequest(
            algorithm_name="every_op_algo", display_name="Every op", workspace_id=WS)).body.algorithm_id
        if with_version:
            self.studio.create_algorithm_version(algo, VERSION, sm.CreateAlgorithmVersionRequest(
                algorithm_spec=sm.AlgorithmSpec().from_map(STUDIO_SPEC)))
        return algo

    def algo_version(self, algo: str) -> dict:
        return self.studio.get_algorithm_version(algo, VERSION).body.to_map()

    # -- pai-dlc --------------------------------------------------------------------------------
    def dlc_job(self, until: str | None = None, sanity: bool = False, outcome: str | None = None) -> str:
        settings = dm.JobSettings(enable_sanity_check=sanity or None,
                                  tags={"fakepai.outcome": outcome} if outcome else None)
        job = self.dlc.create_job(dm.CreateJobRequest(
            display_name="every-op-job", job_type="PyTorchJob", user_command="python train.py", workspace_id=WS,
            job_specs=[dm.JobSpec(type="Worker", pod_count=1, image=IMAGE, ecs_spec=ECS)], settings=settings)).body.job_id
        if until:
            self.until(lambda: self.dlc_get(job)["Status"], until, step=5)
        return job

    def dlc_get(self, job: str) -> dict:
        return self.dlc.get_job(job, dm.GetJobRequest()).body.to_map()

    def template(self, versions: int = 1) -> str:
        tpl = self.dlc.create_job_template(dm.CreateJobTemplateRequest(
            template_name="every-op-template", workspace_id=WS, content=TEMPLATE_CONTENT)).body.template_id
        for _ in range(versions - 1):
            self.dlc.update_job_template(tpl, dm.UpdateJobTemplateRequest(content=TEMPLATE_CONTENT))
        return tpl

    def tpl_get(self, tpl: str, version: str | None = None) -> dict:
        return self.dlc.get_job_template(tpl, dm.GetJobTemplateRequest(version=version)).body.to_map()

    def tensorboard(self, until: str | None = None) -> str:
        tb = self.dlc.create_tensorboard(dm.CreateTensorboardRequest(
            display_name="every-op-tb", uri=OSS + "runs/", workspace_id=WS)).body.tensorboard_id
        if until:
            self.until(lambda: self.tb_get(tb)["Status"], "Running", step=10)
            if until == "Stopped":
                self.dlc.stop_tensorboard(tb, dm.StopTensorboardRequest())
            assert self.tb_get(tb)["Status"] == until
        return tb

    def tb_get(self, tb: str) -> dict:
        return self.dlc.get_tensorboard(tb, dm.GetTensorboardRequest()).body.to_map()

    # -- PaiPlugin ------------------------------------------------------------------------------
    def campaign(self) -> str:
        return self.plugin.create_campaign(pm.CreateCampaignRequest(name="every-op-campaign", remark="r")).body.data.id

    def pl_job(self, campaign: str) -> str:
        return self.plugin.create_training_job(pm.CreateTrainingJobRequest(
            algorithm="user_recall", campaign_id=campaign, data_path=OSS + "recall/", name="every-op-recall")).body.data.id

    def pl_campaign(self, campaign: str) -> dict:
        return self.plugin.get_campaign(campaign).body.to_map()["Data"]


# -- the table ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Gw:
    """A gateway-form request: `params` by their schema names. Path parameters travel as trailing
    segments (`ids="path"`, in the order of `segments`, which may hold literals such as `labels`)
    or as ordinary `query` / `body` parameters; the others go where the method puts them (the
    query for GET/DELETE, the JSON or form body for POST/PUT, the query for query-only ones)."""

    params: dict
    ids: str = "path"
    segments: tuple[str, ...] | None = None
    raw_body: str | None = None


@dataclass(frozen=True)
class Case:
    setup: Callable[[World], dict]
    sdk: Callable[[World, dict], Any]
    gw: Callable[[dict], Gw]
    check: Callable[[World, dict, dict], tuple]


def _none(w: World) -> dict:
    return {}


def _ids(body: dict, key: str) -> list:
    return [item[key] for item in body]


def _lists_one(items: str, id_key: str, which: str, envelope: bool = False):
    """A list check: the one prerequisite made in setup is listed and counted."""
    def check(w: World, c: dict, b: dict) -> tuple:
        body = b["Data"] if envelope else b
        return (body["TotalCount"], _ids(body[items], id_key)), (1, [c[which]])
    return check


def _st_running(w: World) -> dict:
    return {"job": w.st_job(until="Running")}


def _st_done(w: World) -> dict:
    job = w.st_job(until="Succeed")
    return {"job": job, "master": f"{job}-master-0", "created": w.st_get(job)["GmtCreateTime"], "now": w.now()}


def _algo(w: World) -> dict:
    return {"algo": w.algorithm()}


def _algo_v(w: World) -> dict:
    return {"algo": w.algorithm(with_version=True), "v": VERSION}


def _dlc_running(w: World) -> dict:
    return {"job": w.dlc_job(until="Running")}


def _dlc_done(w: World) -> dict:
    job = w.dlc_job(until="Succeeded")
    return {"job": job, "pod": w.dlc_get(job)["Pods"][0]["PodId"]}


def _dlc_sanity(w: World) -> dict:
    return {"job": w.dlc_job(until="Running", sanity=True)}


def _dlc_long(w: World) -> dict:
    """A job that runs an hour: 15 minutes into Running it has 5-minute metric points."""
    job = w.dlc_job(until="Running", outcome="succeed@3600")
    w.fakepai.advance(900)
    created = w.dlc_get(job)["GmtCreateTime"]
    return {"job": job, "pod": f"{job}-worker-0", "start": created, "end": w.now()}


def _tpl(w: World) -> dict:
    return {"tpl": w.template()}


def _campaign(w: World) -> dict:
    return {"campaign": w.campaign()}


def _pl_job(w: World) -> dict:
    campaign = w.campaign()
    return {"campaign": campaign, "job": w.pl_job(campaign)}


def _stopping_then_stopped(w: World, job: str) -> tuple:
    now = w.dlc_get(job)["Status"]
    w.fakepai.advance(10)                          # Stopping lasts a few seconds
    later = w.dlc_get(job)
    return now, later["Status"], later["ReasonCode"]


def _gone_studio_job(w, c, b):
    return w.error(lambda: w.st_get(c["job"])), (404, "NotFound.TrainingJob")


PAISTUDIO = {
    "CreateAlgorithm": Case(
        _none,
        lambda w, c: w.studio.create_algorithm(sm.CreateAlgorithmRequest(
            algorithm_name="my_algo", display_name="Mine", workspace_id=WS)),
        lambda c: Gw({"AlgorithmName": "my_algo", "DisplayName": "Mine", "WorkspaceId": WS}),
        lambda w, c, b: (((g := w.studio.get_algorithm(b["AlgorithmId"]).body)
                          .algorithm_name, g.display_name), ("my_algo", "Mine")),
    ),
    "CreateAlgorithmVersion": Case(
        _algo,
        lambda w, c: w.studio.create_algorithm_version(c["algo"], VERSION, sm.CreateAlgorithmVersionRequest(
            algorithm_spec=sm.AlgorithmSpec(command=["python", "train.py"], image=IMAGE, job_type="PyTorchJob"))),
        lambda c: Gw({"AlgorithmId": c["algo"], "AlgorithmVersion": VERSION,
                      "AlgorithmSpec": {"Command": ["python", "train.py"], "Image": IMAGE, "JobType": "PyTorchJob"}},
                     segments=("AlgorithmId", "versions", "AlgorithmVersion")),
        lambda w, c, b: ((b["AlgorithmVersion"], w.algo_version(c["algo"])["AlgorithmSpec"]["Image"]), (VERSION, IMAGE)),
    ),
    "CreateTrainingJob": Case(
        _none,
        lambda w, c: w.studio.create_training_job(sm.CreateTrainingJobRequest(
            training_job_name="my-job", workspace_id=WS, algorithm_spec=sm.AlgorithmSpec().from_map(STUDIO_SPEC),
            compute_resource=sm.CreateTrainingJobRequestComputeResource(ecs_spec=ECS, ecs_count=1))),
        lambda c: Gw({"TrainingJobName": "my-job", "WorkspaceId": WS, "AlgorithmSpec": STUDIO_SPEC,
                      "ComputeResource": {"EcsSpec": ECS, "EcsCount": 1}}),
        lambda w, c, b: (((g := w.st_get(b["TrainingJobId"]))["TrainingJobName"], g["Status"]), ("my-job", "Creating")),
    ),
    "DeleteAlgorithm": Case(
        _algo,
        lambda w, c: w.studio.delete_algorithm(c["algo"]),
        lambda c: Gw({"AlgorithmId": c["algo"]}, ids="query"),
        lambda w, c, b: (w.error(lambda: w.studio.get_algorithm(c["algo"])), (404, "NotFound.Algorithm")),
    ),
    "DeleteAlgorithmVersion": Case(
        _algo_v,
        lambda w, c: w.studio.delete_algorithm_version(c["algo"], VERSION),
        lambda c: Gw({"AlgorithmId": c["algo"], "AlgorithmVersion": VERSION}),
        lambda w, c, b: (w.error(lambda: w.algo_version(c["algo"])), (404, "NotFound.AlgorithmVersion")),
    ),
    "DeleteTrainingJob": Case(
        _st_done,
        lambda w, c: w.studio.delete_training_job(c["job"]),
        lambda c: Gw({"TrainingJobId": c["job"]}),
        _gone_studio_job,
    ),
    "DeleteTrainingJobLabels": Case(
        lambda w: {"job": w.st_job(labels={"team": "cv", "stage": "dev"})},
        lambda w, c: w.studio.delete_training_job_labels(c["job"], sm.DeleteTrainingJobLabelsRequest(keys="stage")),
        lambda c: Gw({"TrainingJobId": c["job"], "Keys": "stage"}, ids="query"),
        lambda w, c, b: (w.st_get(c["job"]).get("Labels"), [{"Key": "team", "Value": "cv"}]),
    ),
    "GetAlgorithm": Case(
        _algo,
        lambda w, c: w.studio.get_algorithm(c["algo"]),
        lambda c: Gw({"AlgorithmId": c["algo"]}),
        lambda w, c, b: ((b["AlgorithmId"], b["AlgorithmName"], b["WorkspaceId"]), (c["algo"], "every_op_algo", WS)),
    ),
    "GetAlgorithmVersion": Case(
        _algo_v,
        lambda w, c: w.studio.get_algorithm_version(c["algo"], VERSION),
        lambda c: Gw({"AlgorithmId": c["algo"], "AlgorithmVersion": VERSION}, ids="query"),
        lambda w, c, b: ((b["AlgorithmId"], b["AlgorithmVersion"], b["AlgorithmSpec"]["MetricDefinitions"]),
                         (c["algo"], VERSION, STUDIO_SPEC["MetricDefinitions"])),
    ),
    "GetTrainingJob": Case(
        _st_running,
        lambda w, c: w.studio.get_training_job(c["job"]),
        lambda c: Gw({"TrainingJobId": c["job"]}),
        lambda w, c, b: ((b["TrainingJobId"], b["TrainingJobName"], b["Status"]), (c["job"], "every-op-job", "Running")),
    ),
    "GetTrainingJobErrorInfo": Case(
        lambda w: {"job": w.st_job(until="Failed", labels={"fakepai.outcome": "fail"})},
        lambda w, c: w.studio.get_training_job_error_info(c["job"]),
        lambda c: Gw({"TrainingJobId": c["job"]}, ids="query"),
        lambda w, c, b: (b["ErrorInfo"]["Code"], w.st_get(c["job"])["ReasonCode"]),
    ),
    "GetTrainingJobLatestMetrics": Case(
        _st_done,
        lambda w, c: w.studio.get_training_job_latest_metrics(c["job"], sm.GetTrainingJobLatestMetricsRequest(names="loss")),
        # The seed: GetTrainingJobLatestMetrics?TrainingJobId=...&Names=loss
        lambda c: Gw({"TrainingJobId": c["job"], "Names": "loss"}, ids="query"),
        lambda w, c, b: (b["Metrics"], [m for m in w.st_get(c["job"])["LatestMetrics"] if m["Name"] == "loss"]),
    ),
    "ListAlgorithmVersions": Case(
        _algo_v,
        lambda w, c: w.studio.list_algorithm_versions(c["algo"], sm.ListAlgorithmVersionsRequest(page_number=1, page_size=10)),
        lambda c: Gw({"AlgorithmId": c["algo"], "PageNumber": 1, "PageSize": 10}),
        lambda w, c, b: ((b["TotalCount"], _ids(b["AlgorithmVersions"], "AlgorithmVersion")), (1, [VERSION])),
    ),
    "ListAlgorithms": Case(
        _algo,
        lambda w, c: w.studio.list_algorithms(sm.ListAlgorithmsRequest(workspace_id=WS)),
        lambda c: Gw({"WorkspaceId": WS}),
        _lists_one("Algorithms", "AlgorithmId", "algo"),
    ),
    "ListTrainingJobEvents": Case(
        _st_done,
        lambda w, c: w.studio.list_training_job_events(c["job"], sm.ListTrainingJobEventsRequest()),
        lambda c: Gw({"TrainingJobId": c["job"]}),
        lambda w, c, b: ((b["TotalCount"], b["Events"][-1].endswith("status changed to Succeed: [TrainingJobSucceed] "
                                                                      "KubeDL job runs successfully")),
                         (str(len(b["Events"])), True)),
    ),
    "ListTrainingJobInstanceEvents": Case(
        _st_done,
        lambda w, c: w.studio.list_training_job_instance_events(c["job"], c["master"],
                                                                sm.ListTrainingJobInstanceEventsRequest()),
        lambda c: Gw({"TrainingJobId": c["job"], "InstanceId": c["master"]}),
        lambda w, c, b: ((b["TotalCount"], f"Successfully assigned {c['master']} to" in b["Events"][0]),
                         (str(len(b["Events"])), True)),
    ),
    "ListTrainingJobInstanceMetrics": Case(
        _st_done,
        lambda w, c: w.studio.list_training_job_instance_metrics(c["job"], sm.ListTrainingJobInstanceMetricsRequest(
            metric_type="GpuCoreUsage", time_step="10s")),
        lambda c: Gw({"TrainingJobId": c["job"], "MetricType": "GpuCoreUsage", "TimeStep": "10s"}),
        lambda w, c, b: ([(i["InstanceId"], bool(i["Metrics"])) for i in b["InstanceMetrics"]], [(c["master"], True)]),
    ),
    "ListTrainingJobLogs": Case(
        _st_done,
        lambda w, c: w.studio.list_training_job_logs(c["job"], sm.ListTrainingJobLogsRequest(
            instance_id=c["master"], start_time=c["created"], end_time=c["now"], page_size=100)),
        # The seed: ListTrainingJobLogs?TrainingJobId=..&InstanceId=<id>-master-0&StartTime=..&EndTime=..&PageSize=100
        lambda c: Gw({"TrainingJobId": c["job"], "InstanceId": c["master"], "StartTime": c["created"],
                      "EndTime": c["now"], "PageSize": 100}, ids="query"),
        lambda w, c, b: ((b["TotalCount"], len(b["Logs"]) > 0, b["Logs"][0].startswith("You are using pip version")),
                         (str(len(b["Logs"])), True, True)),
    ),
    "ListTrainingJobMetrics": Case(
        _st_done,
        lambda w, c: w.studio.list_training_job_metrics(c["job"], sm.ListTrainingJobMetricsRequest(name="loss", order="DESC")),
        lambda c: Gw({"TrainingJobId": c["job"], "Name": "loss", "Order": "DESC"}),
        # DESC: the first point is the latest value.
        lambda w, c, b: ((b["TotalCount"] > 0, {m["Name"] for m in b["Metrics"]}, b["Metrics"][0]["Value"]),
                         (True, {"loss"}, w.st_get(c["job"])["LatestMetrics"][0]["Value"])),
    ),
    "ListTrainingJobOutputModels": Case(
        _st_done,
        lambda w, c: w.studio.list_training_job_output_models(c["job"]),
        lambda c: Gw({"TrainingJobId": c["job"]}),
        lambda w, c, b: ([(o["OutputChannelName"], o["Uri"]) for o in b["OutputModels"]], [("model", MODEL_URI)]),
    ),
    "ListTrainingJobs": Case(
        _st_running,
        lambda w, c: w.studio.list_training_jobs(sm.ListTrainingJobsRequest(workspace_id=WS, page_number=1, page_size=10)),
        # The seed: requests.get(.../ListTrainingJobs, params={"WorkspaceId", "PageNumber": 1, "PageSize": 10})
        lambda c: Gw({"WorkspaceId": WS, "PageNumber": 1, "PageSize": 10}),
        _lists_one("TrainingJobs", "TrainingJobId", "job"),
    ),
    "StopTrainingJob": Case(
        _st_running,
        lambda w, c: w.studio.stop_training_job(c["job"]),
        lambda c: Gw({"TrainingJobId": c["job"]}),
        lambda w, c, b: (((g := w.st_get(c["job"]))["Status"], g["ReasonCode"]), ("Terminated", "TrainingJobStopped")),
    ),
    "UpdateAlgorithm": Case(
        _algo,
        lambda w, c: w.studio.update_algorithm(c["algo"], sm.UpdateAlgorithmRequest(display_name="Renamed")),
        lambda c: Gw({"AlgorithmId": c["algo"], "DisplayName": "Renamed"}),
        lambda w, c, b: ((b["AlgorithmId"], w.studio.get_algorithm(c["algo"]).body.display_name), (c["algo"], "Renamed")),
    ),
    "UpdateAlgorithmVersion": Case(
        _algo_v,
        lambda w, c: w.studio.update_algorithm_version(c["algo"], VERSION, sm.UpdateAlgorithmVersionRequest(
            algorithm_spec=sm.AlgorithmSpec(command=["python", "v2.py"], image=IMAGE + "-v2", job_type="PyTorchJob"))),
        lambda c: Gw({"AlgorithmId": c["algo"], "AlgorithmVersion": VERSION,
                      "AlgorithmSpec": {"Command": ["python", "v2.py"], "Image": IMAGE + "-v2", "JobType": "PyTorchJob"}}),
        lambda w, c, b: (w.algo_version(c["algo"])["AlgorithmSpec"]["Image"], IMAGE + "-v2"),
    ),
    "UpdateTrainingJobLabels": Case(
        lambda w: {"job": w.st_job()},
        lambda w, c: w.studio.update_training_job_labels(c["job"], sm.UpdateTrainingJobLabelsRequest(
            labels=[sm.UpdateTrainingJobLabelsRequestLabels(key="RootModelID", value="model-ad8cv770kl")])),
        # The seed: POST .../UpdateTrainingJobLabels/train76rcaupa2cz/labels
        lambda c: Gw({"TrainingJobId": c["job"], "Labels": [{"Key": "RootModelID", "Value": "model-ad8cv770kl"}]},
                     segments=("TrainingJobId", "labels")),
        lambda w, c, b: (w.st_get(c["job"]).get("Labels"), [{"Key": "RootModelID", "Value": "model-ad8cv770kl"}]),
    ),
}


DLC = {
    "CreateJob": Case(
        _none,
        lambda w, c: w.dlc.create_job(dm.CreateJobRequest(
            display_name="my-job", job_type="PyTorchJob", user_command="python train.py", workspace_id=WS,
            job_specs=[dm.JobSpec(type="Worker", pod_count=1, image=IMAGE, ecs_spec=ECS)])),
        lambda c: Gw({"DisplayName": "my-job", "JobType": "PyTorchJob", "UserCommand": "python train.py",
                      "WorkspaceId": WS, "JobSpecs": [{"Type": "Worker", "PodCount": 1, "Image": IMAGE, "EcsSpec": ECS}]}),
        lambda w, c, b: (((g := w.dlc_get(b["JobId"]))["DisplayName"], g["Status"]), ("my-job", "Creating")),
    ),
    "CreateJobTemplate": Case(
        _none,
        lambda w, c: w.dlc.create_job_template(dm.CreateJobTemplateRequest().from_map(SEED_TEMPLATE)),
        lambda c: Gw({}, raw_body=SEED_TEMPLATE_BODY),      # the seed's curl body, verbatim
        lambda w, c, b: (((g := w.tpl_get(b["TemplateId"]))["TemplateName"], g["DefaultVersion"],
                          g["Versions"][0]["Constraints"]),
                         (SEED_TEMPLATE["TemplateName"], 1, SEED_TEMPLATE["Constraints"])),
    ),
    "CreateTensorboard": Case(
        _none,
        lambda w, c: w.dlc.create_tensorboard(dm.CreateTensorboardRequest(
            display_name="my-tb", uri=OSS + "runs/", workspace_id=WS)),
        lambda c: Gw({"DisplayName": "my-tb", "Uri": OSS + "runs/", "WorkspaceId": WS}),
        lambda w, c, b: (((g := w.tb_get(b["TensorboardId"]))["DisplayName"], g["Status"]), ("my-tb", "Creating")),
    ),
    "DeleteJob": Case(
        _dlc_done,
        lambda w, c: w.dlc.delete_job(c["job"]),
        lambda c: Gw({"JobId": c["job"]}),
        lambda w, c, b: ((b["JobId"], w.error(lambda: w.dlc_get(c["job"]))), (c["job"], (404, "NotFound"))),
    ),
    "DeleteJobTemplate": Case(
        _tpl,
        lambda w, c: w.dlc.delete_job_template(c["tpl"], dm.DeleteJobTemplateRequest()),
        # The seed: DELETE .../DeleteJobTemplate?TemplateId={template_id}
        lambda c: Gw({"TemplateId": c["tpl"]}, ids="query"),
        lambda w, c, b: ((b["TemplateId"], w.error(lambda: w.tpl_get(c["tpl"]))), (c["tpl"], (404, "NotFound.JobTemplate"))),
    ),
    "DeleteTensorboard": Case(
        lambda w: {"tb": w.tensorboard(until="Stopped")},
        lambda w, c: w.dlc.delete_tensorboard(c["tb"], dm.DeleteTensorboardRequest(workspace_id=WS)),
        lambda c: Gw({"TensorboardId": c["tb"], "WorkspaceId": WS}),
        lambda w, c, b: ((b["TensorboardId"], w.error(lambda: w.tb_get(c["tb"]))), (c["tb"], (404, "NotFound"))),
    ),
    "GetJob": Case(
        _dlc_running,
        lambda w, c: w.dlc.get_job(c["job"], dm.GetJobRequest()),
        lambda c: Gw({"JobId": c["job"]}),
        lambda w, c, b: ((b["JobId"], b["DisplayName"], b["Status"]), (c["job"], "every-op-job", "Running")),
    ),
    "GetJobEvents": Case(
        _dlc_done,
        lambda w, c: w.dlc.get_job_events(c["job"], dm.GetJobEventsRequest()),
        lambda c: Gw({"JobId": c["job"]}, ids="query"),
        lambda w, c, b: ((b["JobId"], any(c["pod"] in e for e in b["Events"])), (c["job"], True)),
    ),
    "GetJobMetrics": Case(
        _dlc_long,
        lambda w, c: w.dlc.get_job_metrics(c["job"], dm.GetJobMetricsRequest(
            metric_type="GpuMemoryUsage", start_time=c["start"], end_time=c["end"], time_step="5m")),
        # The seed: GetJobMetrics?JobId=..&MetricType=GpuMemoryUsage&StartTime=..&EndTime=..&TimeStep=5m
        lambda c: Gw({"JobId": c["job"], "MetricType": "GpuMemoryUsage", "StartTime": c["start"],
                      "EndTime": c["end"], "TimeStep": "5m"}, ids="query"),
        lambda w, c, b: ((b["JobId"], [p["PodId"] for p in b["PodMetrics"]],
                          len(b["PodMetrics"][0]["Metrics"]) >= 2,
                          # a range query: StartTime + k * 5 minutes (docs/clients.md)
                          all((pt["Time"] - parse_iso(c["start"]) * 1000) % 300_000 == 0
                              for pt in b["PodMetrics"][0]["Metrics"])),
                         (c["job"], [c["pod"]], True, True)),
    ),
    "GetJobSanityCheckResult": Case(
        _dlc_sanity,
        lambda w, c: w.dlc.get_job_sanity_check_result(c["job"], dm.GetJobSanityCheckResultRequest(
            sanity_check_number=1, sanity_check_phase="DeviceCheck")),
        # The seed: GetJobSanityCheckResult?JobId=..&SanityCheckNumber=1&SanityCheckPhase=DeviceCheck&Token=..
        lambda c: Gw({"JobId": c["job"], "SanityCheckNumber": 1, "SanityCheckPhase": "DeviceCheck",
                      "Token": SEED_TOKEN}, ids="query"),
        lambda w, c, b: ((b["JobId"], [(i["CheckNumber"], i["Phase"], i["Status"]) for i in b["SanityCheckResult"]]),
                         (c["job"], [(1, "DeviceCheck", "Succeeded")])),
    ),
    "GetJobTemplate": Case(
        _tpl,
        lambda w, c: w.dlc.get_job_template(c["tpl"], dm.GetJobTemplateRequest(version="all")),
        lambda c: Gw({"TemplateId": c["tpl"], "Version": "all"}),
        lambda w, c, b: ((b["TemplateId"], b["TotalCount"], [v["Version"] for v in b["Versions"]],
                          b["Versions"][0]["Content"]), (c["tpl"], 1, [1], TEMPLATE_CONTENT)),
    ),
    "GetPodEvents": Case(
        _dlc_done,
        lambda w, c: w.dlc.get_pod_events(c["job"], c["pod"], dm.GetPodEventsRequest()),
        lambda c: Gw({"JobId": c["job"], "PodId": c["pod"]}),
        lambda w, c, b: ((b["JobId"], b["PodId"], len(b["Events"]) > 0), (c["job"], c["pod"], True)),
    ),
    "GetPodLogs": Case(
        _dlc_done,
        lambda w, c: w.dlc.get_pod_logs(c["job"], c["pod"], dm.GetPodLogsRequest(max_lines=5)),
        lambda c: Gw({"JobId": c["job"], "PodId": c["pod"], "MaxLines": 5}, ids="query"),
        lambda w, c, b: ((b["JobId"], b["PodId"], len(b["Logs"])), (c["job"], c["pod"], 5)),
    ),
    "GetTensorboard": Case(
        lambda w: {"tb": w.tensorboard(until="Running")},
        lambda w, c: w.dlc.get_tensorboard(c["tb"], dm.GetTensorboardRequest(workspace_id=WS)),
        lambda c: Gw({"TensorboardId": c["tb"], "WorkspaceId": WS}),
        lambda w, c, b: ((b["TensorboardId"], b["DisplayName"], b["Status"]), (c["tb"], "every-op-tb", "Running")),
    ),
    "ListEcsSpecs": Case(
        _none,
        lambda w, c: w.dlc.list_ecs_specs(dm.ListEcsSpecsRequest(accelerator_type="GPU", instance_types=ECS)),
        lambda c: Gw({"AcceleratorType": "GPU", "InstanceTypes": ECS}),
        lambda w, c, b: ((b["TotalCount"], [(s["InstanceType"], s["GpuType"]) for s in b["EcsSpecs"]]),
                         (1, [(ECS, "A10")])),
    ),
    "ListJobSanityCheckResults": Case(
        _dlc_sanity,
        lambda w, c: w.dlc.list_job_sanity_check_results(c["job"], dm.ListJobSanityCheckResultsRequest(order="asc")),
        lambda c: Gw({"JobId": c["job"], "Order": "asc"}),
        lambda w, c, b: ((b["TotalCount"], [[i["Phase"] for i in run] for run in b["SanityCheckResults"]]),
                         (1, [list(SANITY_PHASES)])),
    ),
    "ListJobTemplates": Case(
        _tpl,
        lambda w, c: w.dlc.list_job_templates(dm.ListJobTemplatesRequest(workspace_id=WS)),
        lambda c: Gw({"WorkspaceId": WS}),
        _lists_one("JobTemplates", "TemplateId", "tpl"),
    ),
    "ListJobs": Case(
        _dlc_running,
        lambda w, c: w.dlc.list_jobs(dm.ListJobsRequest(workspace_id=WS)),
        lambda c: Gw({"WorkspaceId": WS}),
        lambda w, c, b: ((b["TotalCount"], [(j["JobId"], j["Status"]) for j in b["Jobs"]]), (1, [(c["job"], "Running")])),
    ),
    "ListTensorboards": Case(
        lambda w: {"tb": w.tensorboard()},
        lambda w, c: w.dlc.list_tensorboards(dm.ListTensorboardsRequest(workspace_id=WS)),
        lambda c: Gw({"WorkspaceId": WS}),
        _lists_one("Tensorboards", "TensorboardId", "tb"),
    ),
    "SetJobTemplateDefaultVersion": Case(
        lambda w: {"tpl": w.template(versions=2)},
        lambda w, c: w.dlc.set_job_template_default_version(c["tpl"], dm.SetJobTemplateDefaultVersionRequest(version=2)),
        lambda c: Gw({"TemplateId": c["tpl"], "Version": 2}, ids="body"),
        lambda w, c, b: ((b["DefaultVersion"], w.tpl_get(c["tpl"])["DefaultVersion"]), (2, 2)),
    ),
    "StartTensorboard": Case(
        lambda w: {"tb": w.tensorboard(until="Stopped")},
        lambda w, c: w.dlc.start_tensorboard(c["tb"], dm.StartTensorboardRequest(workspace_id=WS)),
        lambda c: Gw({"TensorboardId": c["tb"], "WorkspaceId": WS}),
        lambda w, c, b: ((b["TensorboardId"], w.tb_get(c["tb"])["Status"]), (c["tb"], "Creating")),
    ),
    "StopJob": Case(
        _dlc_running,
        lambda w, c: w.dlc.stop_job(c["job"]),
        lambda c: Gw({"JobId": c["job"]}),
        lambda w, c, b: (_stopping_then_stopped(w, c["job"]), ("Stopping", "Stopped", "JobStoppedByUser")),
    ),
    "StopTensorboard": Case(
        lambda w: {"tb": w.tensorboard(until="Running")},
        lambda w, c: w.dlc.stop_tensorboard(c["tb"], dm.StopTensorboardRequest(workspace_id=WS)),
        lambda c: Gw({"TensorboardId": c["tb"], "WorkspaceId": WS}, ids="query"),
        lambda w, c, b: ((b["TensorboardId"], w.tb_get(c["tb"])["Status"]), (c["tb"], "Stopped")),
    ),
    "UpdateJob": Case(
        _dlc_running,
        lambda w, c: w.dlc.update_job(c["job"], dm.UpdateJobRequest(description="tuned", accessibility="PUBLIC")),
        lambda c: Gw({"JobId": c["job"], "Description": "tuned", "Accessibility": "PUBLIC"}),
        lambda w, c, b: ((b["JobId"], (g := w.dlc_get(c["job"]))["Description"], g["Accessibility"]),
                         (c["job"], "tuned", "PUBLIC")),
    ),
    "UpdateJobTemplate": Case(
        _tpl,
        lambda w, c: w.dlc.update_job_template(c["tpl"], dm.UpdateJobTemplateRequest(content=TEMPLATE_CONTENT)),
        lambda c: Gw({"TemplateId": c["tpl"], "Content": TEMPLATE_CONTENT}, ids="body"),
        lambda w, c, b: ((b["Version"], b["VersionCreated"], b["DefaultVersion"], w.tpl_get(c["tpl"], "all")["TotalCount"]),
                         (2, True, 1, 2)),
    ),
    "UpdateTensorboard": Case(
        lambda w: {"tb": w.tensorboard(until="Running")},
        lambda w, c: w.dlc.update_tensorboard(c["tb"], dm.UpdateTensorboardRequest(max_running_time_minutes=60,
                                                                                   workspace_id=WS)),
        lambda c: Gw({"TensorboardId": c["tb"], "MaxRunningTimeMinutes": 60, "WorkspaceId": WS}),
        lambda w, c, b: ((b["TensorboardId"], w.tb_get(c["tb"])["MaxRunningTimeMinutes"]), (c["tb"], 60)),
    ),
}


PAIPLUGIN = {
    "CreateCampaign": Case(
        _none,
        lambda w, c: w.plugin.create_campaign(pm.CreateCampaignRequest(name="VIP", remark="big spenders")),
        lambda c: Gw({"Name": "VIP", "Remark": "big spenders"}),
        lambda w, c, b: (((g := w.pl_campaign(b["Data"]["Id"]))["Name"], g["Remark"]), ("VIP", "big spenders")),
    ),
    "CreateTrainingJob": Case(
        _campaign,
        lambda w, c: w.plugin.create_training_job(pm.CreateTrainingJobRequest(
            algorithm="user_recall", campaign_id=c["campaign"], data_path=OSS + "recall/", name="recall")),
        lambda c: Gw({"Algorithm": "user_recall", "CampaignId": c["campaign"], "DataPath": OSS + "recall/", "Name": "recall"}),
        lambda w, c, b: (((g := w.plugin.get_training_job(b["Data"]["Id"]).body.to_map()["Data"])["Algorithm"],
                          g["CampaignId"], g["Status"]), ("user_recall", c["campaign"], 0)),
    ),
    "DeleteCampaign": Case(
        _campaign,
        lambda w, c: w.plugin.delete_campaign(c["campaign"]),
        lambda c: Gw({"Id": c["campaign"]}),
        lambda w, c, b: ((b["Data"], w.error(lambda: w.pl_campaign(c["campaign"]))), ("OK", (404, "NotFound.Campaign"))),
    ),
    "DeleteTrainingJob": Case(
        _pl_job,
        lambda w, c: w.plugin.delete_training_job(c["job"]),
        lambda c: Gw({"Id": c["job"]}, ids="query"),
        lambda w, c, b: ((b["Data"], w.error(lambda: w.plugin.get_training_job(c["job"]))),
                         ("OK", (404, "NotFound.TrainingJob"))),
    ),
    "GetAlgorithm": Case(
        _none,
        lambda w, c: w.plugin.get_algorithm("user_recall"),
        lambda c: Gw({"Id": "user_recall"}),
        lambda w, c, b: ((b["Data"]["Id"], "start_date" in json.loads(b["Data"]["TrainUserConfigMap"])), ("user_recall", True)),
    ),
    "GetCampaign": Case(
        _campaign,
        lambda w, c: w.plugin.get_campaign(c["campaign"]),
        lambda c: Gw({"Id": c["campaign"]}, ids="query"),
        lambda w, c, b: ((b["Data"]["Id"], b["Data"]["Name"]), (c["campaign"], "every-op-campaign")),
    ),
    "GetTrainingJob": Case(
        _pl_job,
        lambda w, c: w.plugin.get_training_job(c["job"]),
        lambda c: Gw({"Id": c["job"]}),
        lambda w, c, b: ((b["Data"]["Id"], b["Data"]["CampaignId"], b["Data"]["Name"]),
                         (c["job"], c["campaign"], "every-op-recall")),
    ),
    "ListAlgorithms": Case(
        _none,
        lambda w, c: w.plugin.list_algorithms(pm.ListAlgorithmsRequest(page_number=1, page_size=10)),
        lambda c: Gw({"PageNumber": 1, "PageSize": 10}),
        lambda w, c, b: ((b["Data"]["TotalCount"], sorted(_ids(b["Data"]["Algorithms"], "Id"))),
                         (2, ["sms_recall", "user_recall"])),
    ),
    "ListCampaigns": Case(
        _campaign,
        lambda w, c: w.plugin.list_campaigns(pm.ListCampaignsRequest(name="every-op")),
        lambda c: Gw({"Name": "every-op"}),
        _lists_one("Campaigns", "Id", "campaign", envelope=True),
    ),
    "ListTrainingJobs": Case(
        _pl_job,
        lambda w, c: w.plugin.list_training_jobs(pm.ListTrainingJobsRequest(campaign_id=c["campaign"])),
        lambda c: Gw({"CampaignId": c["campaign"]}),
        _lists_one("TrainingJobs", "Id", "job", envelope=True),
    ),
    "UpdateCampaign": Case(
        _campaign,
        lambda w, c: w.plugin.update_campaign(c["campaign"], pm.UpdateCampaignRequest(name="renamed")),
        lambda c: Gw({"Id": c["campaign"], "Name": "renamed"}),
        lambda w, c, b: ((b["Data"]["Name"], w.pl_campaign(c["campaign"])["Name"]), ("renamed", "renamed")),
    ),
}


CASES: dict[tuple[str, str], Case] = {
    **{("PaiStudio", action): case for action, case in PAISTUDIO.items()},
    **{("pai-dlc", action): case for action, case in DLC.items()},
    **{("PaiPlugin", action): case for action, case in PAIPLUGIN.items()},
}
