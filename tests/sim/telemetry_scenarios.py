"""Telemetry scenarios whose every answer is kept in tests/data/telemetry_golden.json: what
PaiStudio and DLC jobs print, report and measure over their lives (logs, events, metrics, pods
across a restart, a failure, a stop, sanity-check runs), read at fixed moments of a frozen clock through
`Emulator.invoke`. The generators moved from the services into fakepai/sim (issue #14) against this
record; rewrite it (`python -m tests.sim.telemetry_scenarios`) only for a deliberate change, and
read the diff."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from fakepai.emulator import Emulator, Settings

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "telemetry_golden.json"
T = 1_780_000_000.0
ACCOUNT = "1234567890123456"
WS = "86995"
STUDIO_SPEC = {
    "Image": "registry.cn-hangzhou.aliyuncs.com/pai/train:1.0", "JobType": "PyTorchJob",
    "Command": ["python", "train.py"],
    "MetricDefinitions": [{"Name": "loss", "Regex": r"loss=([0-9.]+)"},
                          {"Name": "accuracy", "Regex": r"acc: ([0-9.]+)"},
                          {"Name": "lr", "Regex": r"lr=([0-9.e-]+)"}],
    "ProgressDefinitions": {"OverallProgress": {"Regex": r"progress ([0-9.]+)"},
                            "RemainingTime": {"Regex": r"eta (\d+)s"}},
}


class Run:
    def __init__(self):
        self.emulator = Emulator(Settings(rate_limit=False))
        self.emulator.clock.set(now=T, speed=0)
        self.n = 0

    def __call__(self, product: str, action: str, **params) -> dict:
        self.n += 1
        op = self.emulator.catalog.get(product, action)
        return self.emulator.invoke(op, ACCOUNT, params, request_id=f"golden-{self.n}")

    def at(self, seconds: float) -> None:
        self.emulator.clock.set(now=T + seconds, speed=0)


def _studio(run: Run, name: str, labels: dict, count: int = 2) -> str:
    return run("PaiStudio", "CreateTrainingJob", TrainingJobName=name, WorkspaceId=WS, AlgorithmSpec=STUDIO_SPEC,
               ComputeResource={"EcsSpec": "ecs.gn7i-c8g1.2xlarge", "EcsCount": count},
               HyperParameters=[{"Name": "epochs", "Value": "3"}],
               InputChannels=[{"Name": "train", "InputUri": "oss://bucket/data/train/"}],
               OutputChannels=[{"Name": "model", "OutputUri": "oss://bucket/out/model/"}],
               Labels=[{"Key": k, "Value": v} for k, v in labels.items()])["TrainingJobId"]


def _studio_reads(run: Run, job: str) -> dict:
    out = {}
    got = run("PaiStudio", "GetTrainingJob", TrainingJobId=job)
    out["get"] = {k: got.get(k) for k in ("Status", "LatestMetrics", "LatestProgress", "OutputModel", "Instances")}
    instances = [i["Name"] for i in got.get("Instances") or []]
    for instance in [None] + instances:
        key = instance or "default"
        try:
            out[f"logs {key}"] = run("PaiStudio", "ListTrainingJobLogs", TrainingJobId=job, PageSize=500,
                                     **({"InstanceId": instance} if instance else {}))
        except Exception as e:                                  # no instance yet: the refusal is recorded
            out[f"logs {key}"] = repr(e)
    out["events"] = run("PaiStudio", "ListTrainingJobEvents", TrainingJobId=job, PageSize=100)
    for instance in instances:
        out[f"instance events {instance}"] = run("PaiStudio", "ListTrainingJobInstanceEvents", TrainingJobId=job,
                                                 InstanceId=instance, PageSize=100)
    out["latest metrics"] = run("PaiStudio", "GetTrainingJobLatestMetrics", TrainingJobId=job)
    out["metrics asc"] = run("PaiStudio", "ListTrainingJobMetrics", TrainingJobId=job, PageSize=50, Order="asc")
    out["metrics desc page 2"] = run("PaiStudio", "ListTrainingJobMetrics", TrainingJobId=job, PageSize=7,
                                     PageNumber=2)
    out["instance metrics"] = run("PaiStudio", "ListTrainingJobInstanceMetrics", TrainingJobId=job,
                                  MetricType="GpuCoreUsage", TimeStep="10s")
    out["output models"] = run("PaiStudio", "ListTrainingJobOutputModels", TrainingJobId=job)
    return out


def _dlc(run: Run, name: str, outcome: str, reserve_minutes: int = 0, sanity: str | None = None) -> str:
    image = "registry.cn-hangzhou.aliyuncs.com/pai-dlc/pytorch-training:1.12-gpu"
    return run("pai-dlc", "CreateJob", DisplayName=name, JobType="PyTorchJob", WorkspaceId=WS,
               UserCommand="python /root/code/train.py --epochs 3",
               JobSpecs=[{"Type": "Master", "PodCount": 1, "EcsSpec": "ecs.gn7i-c8g1.2xlarge", "Image": image},
                         {"Type": "Worker", "PodCount": 2, "EcsSpec": "ecs.g6.xlarge", "Image": image,
                          "ExtraPodSpec": {"SideCarContainers": [{"Name": "logger", "Image": image}]}}],
               DataSources=[{"DataSourceId": "d-123", "MountPath": "/mnt/data"}],
               Settings={"EnableErrorMonitoringInAIMaster": True, "EnableRDMA": True, "JobReservedMinutes": reserve_minutes,
                         "Tags": {"fakepai.outcome": outcome},
                         **({"EnableSanityCheck": True, "SanityCheckArgs": sanity} if sanity is not None else {})})["JobId"]


def _dlc_reads(run: Run, job: str) -> dict:
    out = {"events": run("pai-dlc", "GetJobEvents", JobId=job, MaxEventsNum=500)}
    got = run("pai-dlc", "GetJob", JobId=job)
    out["status"] = got["Status"]
    out["reason"] = [got.get("ReasonCode"), got.get("ReasonMessage")]
    out["sanity checks"] = run("pai-dlc", "ListJobSanityCheckResults", JobId=job)
    out["sanity check 1"] = run("pai-dlc", "GetJobSanityCheckResult", JobId=job, SanityCheckNumber=1)
    for pod in got.get("Pods") or []:
        lives = [pod] + list(pod.get("HistoryPods") or [])
        for life in lives:
            key = f"{pod['PodId']} {life.get('PodUid')}"
            out[f"pod events {key}"] = run("pai-dlc", "GetPodEvents", JobId=job, PodId=pod["PodId"],
                                           PodUid=life["PodUid"], MaxEventsNum=500)
            out[f"pod logs {key}"] = run("pai-dlc", "GetPodLogs", JobId=job, PodId=pod["PodId"],
                                         PodUid=life["PodUid"], MaxLines=120)
        if pod["Type"] == "Worker":
            out[f"sidecar logs {pod['PodId']}"] = run("pai-dlc", "GetPodLogs", JobId=job, PodId=pod["PodId"],
                                                      Containers="pytorch,logger", MaxLines=20)
    for metric in ("CpuCoreUsage", "GpuCoreUsage", "MemoryUsage"):
        out[f"metrics {metric}"] = run("pai-dlc", "GetJobMetrics", JobId=job, MetricType=metric, TimeStep="10s")
    return out


def scenarios() -> dict:
    run = Run()
    studio = {"ok": _studio(run, "golden-ok", {}), "fails": _studio(run, "golden-fail", {"fakepai.outcome": "fail@12"}, 1),
              "stopped": _studio(run, "golden-stop", {"fakepai.outcome": "succeed@500"}, 1)}
    dlc = {"restarts": _dlc(run, "golden-restart", "succeed@200+restarts=1"),
           "fails": _dlc(run, "golden-fail", "fail@40"),
           "stopped": _dlc(run, "golden-stop", "succeed@900"),
           "reserved": _dlc(run, "golden-reserve", "succeed@60", reserve_minutes=5),
           "checked twice": _dlc(run, "golden-sanity", "succeed@60", sanity="--fakepai-check-runs=2"),
           "check fails": _dlc(run, "golden-sanity-fail", "succeed@60", sanity="--fakepai-fail-phase=TwoNodeCommCheck"),
           "check stopped": _dlc(run, "golden-sanity-stop", "hang:SanityChecking", sanity="")}
    out = {}
    for seconds in (3, 25, 70, 200, 500):
        run.at(seconds)
        if seconds == 70:
            run("PaiStudio", "StopTrainingJob", TrainingJobId=studio["stopped"])
        if seconds == 200:
            run("pai-dlc", "StopJob", JobId=dlc["stopped"])
            run("pai-dlc", "StopJob", JobId=dlc["check stopped"])
        for name, job in studio.items():
            out[f"{seconds}s studio {name}"] = _studio_reads(run, job)
        for name, job in dlc.items():
            out[f"{seconds}s dlc {name}"] = _dlc_reads(run, job)
    return out


def dump(data: dict) -> str:
    return json.dumps(data, indent=0, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    GOLDEN.write_text(dump(scenarios()), encoding="utf-8")
    print(f"wrote {GOLDEN}", file=sys.stderr)
