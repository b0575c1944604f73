"""What a training job emits while it runs, derived from its spec and timeline (behavior.md §4.6).

Nothing is stored: each read builds the job's `Telemetry` from immutable inputs (the job id as
seed, the spec as created, the run length expected at creation) and the timeline, and computes
the lines, points and progress it needs. Everything starts when the job enters Running and stops
when it ends, so a stopped, failed or scripted job emits nothing after its end.

- Logs: one lazy `LogStream` per instance. The master prints a start-up header, then one record
  per `RECORD_SECONDS` with a line per metric definition (written from the user's regex, see
  `fakepai.sim.regex_values`) and per progress definition, then a footer when it ends (model
  saved / a traceback). Workers print progress lines only: metrics come from rank 0 [INFERRED].
- Training metrics: applying each `MetricDefinitions[].Regex` to its lines; progress likewise.
- Output model: a succeeded job's `model` output channel.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from fakepai.services.paistudio import lifecycle
from fakepai.services.paistudio.store import TrainingJob, instance_names
from fakepai.sim import regex_values
from fakepai.sim.logs import LogStream
from fakepai.sim.metrics import Curve
from fakepai.sim.timeline import FOREVER
from fakepai.state.store import derived
from fakepai.timestamps import iso_z

DEFAULT_MODEL_CHANNEL = "model"   # [PAISDK] default output channel names: model, checkpoints, tensorboard
RECORD_SECONDS = 1.0              # one training record (step) per second of virtual time
EPOCHS = 10                       # records are grouped into ~10 epochs over the expected run
_PLAIN_LOSS = Curve("falling")    # the loss a job without metric definitions prints anyway


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


@dataclass(frozen=True)
class MetricLine:
    name: str
    template: regex_values.LineTemplate
    curve: Curve


class Telemetry:
    def __init__(self, job: TrainingJob):
        self.job = job
        self.seed = job.id
        timeline = job.timeline
        self.run_start = timeline.entered("Running", FOREVER)     # planned or past; None if never
        self.end = timeline.end_time(lifecycle.TERMINAL)         # None while the plan has no end
        self.final = timeline.phases[-1] if self.end is not None else None
        if self.run_start is not None and self.end is not None and self.end < self.run_start:
            self.run_start = None                                # ended before running
        self.total = max(1, int(expected_run_seconds(job) / RECORD_SECONDS))
        self.per_epoch = max(1, -(-self.total // EPOCHS))   # ceil: at most EPOCHS epochs over the expected run

    # -- definitions ----------------------------------------------------------------------------
    @cached_property
    def metric_lines(self) -> list[MetricLine]:
        out = []
        for definition in algorithm_spec(self.job).get("MetricDefinitions") or []:
            name, regex = definition.get("Name"), definition.get("Regex")
            if not name or not regex:
                continue
            curve = Curve.for_name(name)
            out.append(MetricLine(name, regex_values.for_regex(regex, name, curve.probes, curve.formats), curve))
        return out

    @cached_property
    def progress_lines(self) -> dict[str, regex_values.LineTemplate]:
        """`OverallProgress` (a fraction, e.g. 0.75) and `RemainingTime` (seconds) templates."""
        definitions = algorithm_spec(self.job).get("ProgressDefinitions") or {}
        out = {}
        for key, probes, formats in (("OverallProgress", (0.0123, 0.9999), regex_values.FORMATS),
                                     ("RemainingTime", (0.0, 86400.0), regex_values.INTEGER)):
            regex = (definitions.get(key) or {}).get("Regex")
            if regex:
                out[key] = regex_values.for_regex(regex, key, probes, formats)
        return out

    # -- values ---------------------------------------------------------------------------------
    def metric_value(self, line: MetricLine, k: int) -> float:
        return line.curve.value(f"{self.seed}/{line.name}", k, self.total)

    def progress_value(self, key: str, k: int) -> float:
        elapsed = (k + 1) * RECORD_SECONDS
        expected = self.total * RECORD_SECONDS
        if key == "OverallProgress":
            return min(0.99, elapsed / expected)
        return float(max(0, round(expected - elapsed)))

    def epoch(self, k: int) -> int:
        return k // self.per_epoch + 1

    # -- logs -----------------------------------------------------------------------------------
    def master_record(self, k: int) -> list[str]:
        prefix = f"[epoch {self.epoch(k)}] "
        lines = [m.template.render(self.metric_value(m, k), prefix) for m in self.metric_lines]
        lines += [t.render(self.progress_value(key, k), prefix) for key, t in self.progress_lines.items()]
        if not lines:
            loss = _PLAIN_LOSS.value(f"{self.seed}/loss", k, self.total)
            lines = [f"{prefix}step {k + 1}/{self.total} loss {loss:.4f}"]
        return lines

    def _header(self, instance: str) -> list[str]:
        spec = self.job.spec
        algo = algorithm_spec(self.job)
        lines = ["You are using pip version 9.0.1, however version 23.3.1 is available."]   # [META] demo line
        for channel in spec.get("InputChannels") or []:
            source = channel.get("InputUri") or channel.get("DatasetId") or ""
            lines.append(f"Input channel {channel.get('Name')}: {source} -> /ml/input/data/{channel.get('Name')}")
        params = {hp.get("Name"): hp.get("Value") for hp in spec.get("HyperParameters") or []}
        lines.append(f"Hyperparameters: {json.dumps(params, sort_keys=True)}")
        if algo.get("Command"):
            lines.append("Running command: " + " ".join(str(c) for c in algo["Command"]))
        lines.append(f"Starting training on {instance} with {len(self.job_instances())} instance(s)")
        return lines

    def _footer(self, instance: str, master: bool) -> list[str]:
        if self.final is None:
            return []
        status = self.final.status
        if status == "Succeed":
            lines = []
            if master:
                last = max(0, self.total - 1)
                prefix = f"[epoch {self.epoch(last)}] "
                done = {"OverallProgress": 1.0, "RemainingTime": 0.0}
                lines += [t.render(done[key], prefix) for key, t in self.progress_lines.items()]
                model = output_channel_uri(self.job)
                lines.append("Training finished." + (f" Model saved to {model}" if model else ""))
            else:
                lines.append(f"{instance}: training finished.")
            return lines
        if self.final.reason_code == lifecycle.LIFECYCLE.timeout_reason[0]:
            return []    # killed by the scheduler at MaxRunningTime: no last words
        if status in lifecycle.FAILED:
            return ["Traceback (most recent call last):",
                    '  File "/ml/usercode/train.py", line 87, in <module>',
                    f"RuntimeError: {self.final.reason_message or 'training failed'}"]
        return []    # Terminated: the process is killed and prints nothing more

    def job_instances(self) -> list[str]:
        return instance_names(self.job)

    def stream(self, instance: str) -> LogStream | None:
        """The instance's log stream, or None if the job never runs (built once per instance)."""
        streams = self.__dict__.setdefault("_streams", {})
        if instance not in streams:
            streams[instance] = self._stream(instance)
        return streams[instance]

    def _stream(self, instance: str) -> LogStream | None:
        if self.run_start is None:
            return None
        master = instance.endswith("-master-0")
        if master:
            per_record = len(self.master_record(0))
            record = self.master_record
        else:
            per_record = 1

            def record(k: int) -> list[str]:
                return [f"[{instance.rsplit('-', 2)[1]} {instance.rsplit('-', 1)[1]}] "
                        f"epoch {self.epoch(k)} step {k + 1}/{self.total} done"]
        return LogStream(start=self.run_start, step=RECORD_SECONDS, per_record=per_record, record=record,
                         header=self._header(instance), footer=self._footer(instance, master), end=self.end)

    # -- metrics --------------------------------------------------------------------------------
    def metric_point(self, line: MetricLine, k: int, stream: LogStream) -> dict | None:
        """Record k's point for one metric: what its regex reads from the line written for it."""
        value = line.template.extract(line.template.render(self.metric_value(line, k), f"[epoch {self.epoch(k)}] "))
        if value is None:
            return None
        return {"Name": line.name, "Value": value, "Timestamp": iso_z(stream.record_time(k))}

    def readable_metrics(self) -> list[MetricLine]:
        return [m for m in self.metric_lines if m.template.matches]


def telemetry(job: TrainingJob) -> Telemetry:
    """The job's telemetry, built once per plan: it is a pure function of the job's spec and
    timeline, so it is rebuilt only when a stop or a scripted outcome rewrites the plan."""
    key = tuple((p.status, p.start, p.reason_code, p.reason_message) for p in job.timeline.phases)
    return derived(job, "telemetry", key, lambda: Telemetry(job))


def master_instance(job: TrainingJob) -> str:
    return f"{job.id}-master-0"


def latest_metrics(job: TrainingJob, now: float, names: set[str] | None = None) -> list[dict]:
    """The latest value of each metric printed by `now` (GetTrainingJob.LatestMetrics and
    GetTrainingJobLatestMetrics)."""
    tel = telemetry(job)
    stream = tel.stream(master_instance(job))
    if stream is None:
        return []
    k = stream.records(now) - 1
    if k < 0:
        return []
    out = []
    for line in tel.readable_metrics():
        if names is None or line.name in names:
            point = tel.metric_point(line, k, stream)
            if point:
                out.append(point)
    return out


def latest_progress(job: TrainingJob, now: float) -> dict | None:
    """`LatestProgress` from ProgressDefinitions: read back from the latest progress lines."""
    tel = telemetry(job)
    if not tel.progress_lines:
        return None
    stream = tel.stream(master_instance(job))
    if stream is None:
        return None
    finished = tel.final is not None and tel.final.status == "Succeed" and now >= tel.end
    k = stream.records(now) - 1
    if k < 0 and not finished:
        return None
    when = iso_z(tel.end if finished else stream.record_time(k))
    out = {}
    for key, template in tel.progress_lines.items():
        value = (1.0 if key == "OverallProgress" else 0.0) if finished else tel.progress_value(key, k)
        read = template.extract(template.render(value))
        if read is not None:
            out[key] = {"Value": int(read) if key == "RemainingTime" else read, "Timestamp": when}
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
