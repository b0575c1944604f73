"""What a PaiStudio training job emits over its life, as functions of the virtual clock
(behavior.md §4.6): its log lines, the training metrics and progress its lines carry, its events.

Nothing is stored: `TrainingJobTelemetry` is built from a `TrainingRun` — plain data the service's
adapter (fakepai/services/paistudio/telemetry.py) takes from the job: the job id as seed, the spec
as created, the run length expected at creation and the timeline — and computes the lines, values
and events a read needs. Everything starts when the job enters Running and stops when it ends, so
a stopped, failed or scripted job emits nothing after its end.

- Logs: one lazy `LogStream` per instance. The master prints a start-up header, then one record
  per `RECORD_SECONDS` with a line per metric definition (written from the user's regex, see
  `fakepai.sim.regex_values`) and per progress definition, then a footer when it ends (model
  saved / a traceback). Workers print progress lines only: metrics come from rank 0 [INFERRED].
- Training metrics: applying each `MetricDefinitions[].Regex` to its lines; progress likewise.
- Events: one per planned status change, and k8s-style pod events per instance [INFERRED wording].
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from fakepai.sim import regex_values
from fakepai.sim.logs import LogStream
from fakepai.sim.metrics import Curve
from fakepai.sim.noise import unit
from fakepai.sim.timeline import FOREVER, Timeline

RECORD_SECONDS = 1.0              # one training record (step) per second of virtual time
EPOCHS = 10                       # records are grouped into ~10 epochs over the expected run
_PLAIN_LOSS = Curve("falling")    # the loss a job without metric definitions prints anyway


@dataclass(frozen=True)
class TrainingRun:
    """What the generators read of a job: plain data, fixed for one plan of the job."""
    seed: str                     # the job id: every figure is drawn from it
    timeline: Timeline
    terminal: frozenset[str]      # the statuses the job ends in
    failed: frozenset[str]        # the failure statuses (a traceback ends the master's log)
    succeeded: str                # the success status
    timeout_code: str             # the ReasonCode of a run killed at MaxRunningTime (no last words)
    expected_seconds: float       # how long the job expected to run, fixed at creation
    algorithm_spec: dict          # MetricDefinitions, ProgressDefinitions, Command
    input_channels: tuple[dict, ...]
    hyper_parameters: tuple[dict, ...]
    instances: tuple[str, ...]    # `<job>-<role>-<i>`, the master first
    master: str
    model_uri: str | None         # where a succeeded job saved its model


@dataclass(frozen=True)
class MetricLine:
    name: str
    template: regex_values.LineTemplate
    curve: Curve


class TrainingJobTelemetry:
    def __init__(self, run: TrainingRun):
        self.run = run
        self.seed = run.seed
        timeline = run.timeline
        self.run_start = timeline.entered("Running", FOREVER)     # planned or past; None if never
        self.end = timeline.end_time(run.terminal)               # None while the plan has no end
        self.final = timeline.phases[-1] if self.end is not None else None
        if self.run_start is not None and self.end is not None and self.end < self.run_start:
            self.run_start = None                                # ended before running
        self.total = max(1, int(run.expected_seconds / RECORD_SECONDS))
        self.per_epoch = max(1, -(-self.total // EPOCHS))   # ceil: at most EPOCHS epochs over the expected run
        self._streams: dict[str, LogStream | None] = {}

    # -- definitions ----------------------------------------------------------------------------
    @cached_property
    def metric_lines(self) -> list[MetricLine]:
        out = []
        for definition in self.run.algorithm_spec.get("MetricDefinitions") or []:
            name, regex = definition.get("Name"), definition.get("Regex")
            if not name or not regex:
                continue
            curve = Curve.for_name(name)
            out.append(MetricLine(name, regex_values.for_regex(regex, name, curve.probes, curve.formats), curve))
        return out

    @cached_property
    def progress_lines(self) -> dict[str, regex_values.LineTemplate]:
        """`OverallProgress` (a fraction, e.g. 0.75) and `RemainingTime` (seconds) templates."""
        definitions = self.run.algorithm_spec.get("ProgressDefinitions") or {}
        out = {}
        for key, probes, formats in (("OverallProgress", (0.0123, 0.9999), regex_values.FORMATS),
                                     ("RemainingTime", (0.0, 86400.0), regex_values.INTEGER)):
            regex = (definitions.get(key) or {}).get("Regex")
            if regex:
                out[key] = regex_values.for_regex(regex, key, probes, formats)
        return out

    def readable_metrics(self) -> list[MetricLine]:
        return [m for m in self.metric_lines if m.template.matches]

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

    def metric_read(self, line: MetricLine, k: int) -> float | None:
        """Record k's value of one metric: what its regex reads from the line written for it."""
        return line.template.extract(line.template.render(self.metric_value(line, k), f"[epoch {self.epoch(k)}] "))

    def latest_metrics(self, now: float, names: set[str] | None = None) -> list[tuple[str, float, float]]:
        """(name, value, time) of the latest value of each metric printed by `now`."""
        stream = self.stream(self.run.master)
        if stream is None:
            return []
        k = stream.records(now) - 1
        if k < 0:
            return []
        out = []
        for line in self.readable_metrics():
            if names is None or line.name in names:
                value = self.metric_read(line, k)
                if value is not None:
                    out.append((line.name, value, stream.record_time(k)))
        return out

    def latest_progress(self, now: float) -> tuple[float, dict[str, float]] | None:
        """(time, {key: value}) read back from the latest progress lines, or None before any."""
        if not self.progress_lines:
            return None
        stream = self.stream(self.run.master)
        if stream is None:
            return None
        finished = self.final is not None and self.final.status == self.run.succeeded and now >= self.end
        k = stream.records(now) - 1
        if k < 0 and not finished:
            return None
        out = {}
        for key, template in self.progress_lines.items():
            value = (1.0 if key == "OverallProgress" else 0.0) if finished else self.progress_value(key, k)
            read = template.extract(template.render(value))
            if read is not None:
                out[key] = read
        return (self.end if finished else stream.record_time(k)), out

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
        run = self.run
        lines = ["You are using pip version 9.0.1, however version 23.3.1 is available."]   # [META] demo line
        for channel in run.input_channels:
            source = channel.get("InputUri") or channel.get("DatasetId") or ""
            lines.append(f"Input channel {channel.get('Name')}: {source} -> /ml/input/data/{channel.get('Name')}")
        params = {hp.get("Name"): hp.get("Value") for hp in run.hyper_parameters}
        lines.append(f"Hyperparameters: {json.dumps(params, sort_keys=True)}")
        if run.algorithm_spec.get("Command"):
            lines.append("Running command: " + " ".join(str(c) for c in run.algorithm_spec["Command"]))
        lines.append(f"Starting training on {instance} with {len(run.instances)} instance(s)")
        return lines

    def _footer(self, instance: str, master: bool) -> list[str]:
        if self.final is None:
            return []
        status = self.final.status
        if status == self.run.succeeded:
            lines = []
            if master:
                last = max(0, self.total - 1)
                prefix = f"[epoch {self.epoch(last)}] "
                done = {"OverallProgress": 1.0, "RemainingTime": 0.0}
                lines += [t.render(done[key], prefix) for key, t in self.progress_lines.items()]
                model = self.run.model_uri
                lines.append("Training finished." + (f" Model saved to {model}" if model else ""))
            else:
                lines.append(f"{instance}: training finished.")
            return lines
        if self.final.reason_code == self.run.timeout_code:
            return []    # killed by the scheduler at MaxRunningTime: no last words
        if status in self.run.failed:
            return ["Traceback (most recent call last):",
                    '  File "/ml/usercode/train.py", line 87, in <module>',
                    f"RuntimeError: {self.final.reason_message or 'training failed'}"]
        return []    # Terminated: the process is killed and prints nothing more

    def stream(self, instance: str) -> LogStream | None:
        """The instance's log stream, or None if the job never runs (built once per instance)."""
        if instance not in self._streams:
            self._streams[instance] = self._stream(instance)
        return self._streams[instance]

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


# -- events ----------------------------------------------------------------------------------------

def job_events(job_id: str, timeline: Timeline, dlc_job_id: str, instance_count: int) -> list[tuple[float, str]]:
    """One event per planned status change (the caller keeps those that happened by now)."""
    out = []
    for phase in timeline.phases:
        text = f"TrainingJob {job_id} status changed to {phase.status}"
        if phase.status == "Submitted":
            text += f": DLC job {dlc_job_id} submitted with {instance_count} instance(s)"
        elif phase.reason_code:
            text += f": [{phase.reason_code}] {phase.reason_message}"
        out.append((phase.start, text))
    return out


def node_name(instance: str, region: str) -> str:
    """A k8s node name in ACK's `<region>.<ip>` style, fixed per instance."""
    octets = [int(unit(instance, "node", i) * 254) + 1 for i in range(2)]
    return f"{region}.10.0.{octets[0]}.{octets[1]}"


def instance_events(timeline: Timeline, terminal: frozenset[str], instance: str, image: str,
                    region: str) -> list[tuple[float, str]]:
    """Pod events for one instance, in the k8s style DLC shows [INFERRED wording]."""
    submitted = timeline.entered("Submitted", FOREVER)
    if submitted is None:
        return []
    running = timeline.entered("Running", FOREVER)
    end = timeline.end_time(terminal)
    if running is not None and end is not None and end < running:
        running = None
    role = instance.rsplit("-", 2)[1]
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
