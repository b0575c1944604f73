"""A PaiStudio training job's telemetry: the adapter between a `TrainingJob` and the generators
of `fakepai.sim.training_job` (behavior.md §4.6).

`telemetry(job)` maps the job to the generators' inputs (a `TrainingRun`: its id, spec, expected
run length, instances and timeline) and keeps the result beside the job until its plan changes;
the functions below map what the generators compute to response fields (LatestMetrics,
LatestProgress, OutputModel).
"""
from __future__ import annotations

from fakepai.services.paistudio import lifecycle
from fakepai.services.paistudio.store import TrainingJob, instance_names
from fakepai.sim.training_job import RECORD_SECONDS, MetricLine, TrainingJobTelemetry, TrainingRun
from fakepai.sim.logs import LogStream
from fakepai.state.store import derived
from fakepai.timestamps import iso_z

DEFAULT_MODEL_CHANNEL = "model"   # [PAISDK] default output channel names: model, checkpoints, tensorboard


def algorithm_spec(job: TrainingJob) -> dict:
    return job.spec.get("AlgorithmSpec") or (job.algorithm or {}).get("AlgorithmSpec") or {}


def expected_run_seconds(job: TrainingJob) -> float:
    """How long the job expected to run, fixed at creation (curves and progress are scaled by it,
    so lines already printed never change when a later stop or outcome moves the end)."""
    labels = job.spec.get("Labels") or []
    try:
        outcome = lifecycle.initial_outcome(labels, None, job.run_seconds)
    except ValueError:
        return job.run_seconds
    if outcome.result == "succeed" and outcome.after is not None and outcome.phase in (None, "Running"):
        return max(RECORD_SECONDS, outcome.after)
    return job.run_seconds


def master_instance(job: TrainingJob) -> str:
    return f"{job.id}-master-0"


def training_run(job: TrainingJob) -> TrainingRun:
    """What the generators read of the job."""
    return TrainingRun(
        seed=job.id, timeline=job.timeline, terminal=frozenset(lifecycle.TERMINAL),
        failed=frozenset(lifecycle.FAILED), succeeded=lifecycle.LIFECYCLE.succeeded,
        timeout_code=lifecycle.LIFECYCLE.timeout_reason[0], expected_seconds=expected_run_seconds(job),
        algorithm_spec=algorithm_spec(job), input_channels=tuple(job.spec.get("InputChannels") or ()),
        hyper_parameters=tuple(job.spec.get("HyperParameters") or ()), instances=tuple(instance_names(job)),
        master=master_instance(job), model_uri=output_channel_uri(job))


def telemetry(job: TrainingJob) -> TrainingJobTelemetry:
    """The job's telemetry, built once per plan: it is a pure function of the job's spec and
    timeline, so it is rebuilt only when a stop or a scripted outcome rewrites the plan."""
    key = tuple((p.status, p.start, p.reason_code, p.reason_message) for p in job.timeline.phases)
    return derived(job, "telemetry", key, lambda: TrainingJobTelemetry(training_run(job)))


def metric_point(tel: TrainingJobTelemetry, line: MetricLine, k: int, stream: LogStream) -> dict | None:
    """Record k's point for one metric, as ListTrainingJobMetrics lists it."""
    value = tel.metric_read(line, k)
    if value is None:
        return None
    return {"Name": line.name, "Value": value, "Timestamp": iso_z(stream.record_time(k))}


def latest_metrics(job: TrainingJob, now: float, names: set[str] | None = None) -> list[dict]:
    """The latest value of each metric printed by `now` (GetTrainingJob.LatestMetrics and
    GetTrainingJobLatestMetrics)."""
    return [{"Name": name, "Value": value, "Timestamp": iso_z(t)}
            for name, value, t in telemetry(job).latest_metrics(now, names)]


def latest_progress(job: TrainingJob, now: float) -> dict | None:
    """`LatestProgress` from ProgressDefinitions: read back from the latest progress lines."""
    found = telemetry(job).latest_progress(now)
    if found is None:
        return None
    when, values = found
    out = {key: {"Value": int(read) if key == "RemainingTime" else read, "Timestamp": iso_z(when)}
           for key, read in values.items()}
    return out or None


def output_channel_uri(job: TrainingJob) -> str | None:
    for channel in job.spec.get("OutputChannels") or []:
        if channel.get("Name") == DEFAULT_MODEL_CHANNEL and channel.get("OutputUri"):
            return channel["OutputUri"]
    return None


def output_model(job: TrainingJob, now: float) -> dict | None:
    """A succeeded job exposes its `model` output channel (behavior.md §4.6)."""
    if job.timeline.status_at(now) != "Succeed":
        return None
    uri = output_channel_uri(job)
    if uri is None:
        return None
    return {"OutputChannelName": DEFAULT_MODEL_CHANNEL, "Uri": uri}
