"""Plausible numbers for a job that runs: training-metric curves and resource-usage series.

Product-neutral and lazy: every value is a pure function of (seed, what, index), so a series of
any length is computed only where it is read (PaiStudio training metrics and instance metrics,
DLC GetJobMetrics). Losses fall and accuracies rise with noise; resource usage ramps up at start
and wobbles around a per-instance level.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from fakepai.sim import regex_values
from fakepai.sim.noise import constant, spread

# --- training metrics (one value per training record) ----------------------------------------

_RISING = ("acc", "auc", "precision", "recall", "f1", "map", "iou", "bleu", "rouge", "score")
_SCHEDULE = ("lr", "learning_rate", "learningrate")
_EPOCH = ("epoch",)
_STEP = ("step", "iter", "batch")
_RATE = ("speed", "throughput", "per_sec", "samples_per", "tokens_per", "it/s")


@dataclass(frozen=True)
class Curve:
    """How a named metric moves over a run: `value(seed, k, total)` for record k of ~`total`.

    kind: falling (losses, the default) | rising (accuracy-like, in [0, 1]) | schedule (learning
    rate, cosine decay) | epoch / step (counters) | rate (throughput, steady).
    """

    kind: str

    @classmethod
    def for_name(cls, name: str) -> "Curve":
        low = name.lower()
        words = low.replace("-", "_").replace("/", "_").replace(".", "_").replace(":", "_").split("_")
        if "loss" in low or "err" in low or "perplexity" in low:
            return cls("falling")
        if "lr" in words or any(s in low.replace("-", "_") for s in _SCHEDULE[1:]):
            return cls("schedule")
        if any(w in _EPOCH for w in words):
            return cls("epoch")
        if any(w in _STEP for w in words):
            return cls("step")
        if any(r in low for r in _RATE):
            return cls("rate")
        if any(r in low for r in _RISING):
            return cls("rising")
        return cls("falling")

    @property
    def formats(self) -> tuple[str, ...]:
        """Number formats to try, best first, when writing this curve's values into a log line."""
        if self.kind in ("epoch", "step"):
            return regex_values.INTEGER
        return regex_values.SMALL if self.kind == "schedule" else regex_values.FORMATS

    @property
    def probes(self) -> tuple[float, ...]:
        """The span of values this curve writes (templates are checked against it)."""
        return {"falling": (0.0123, 3.1416), "rising": (0.0123, 0.9987), "schedule": (0.000001, 0.0015),
                "epoch": (1.0, 99.0), "step": (1.0, 99999.0), "rate": (50.0, 999.5)}[self.kind]

    def value(self, seed: str, k: int, total: int) -> float:
        x = k / max(1, total)                       # progress through the expected run (may pass 1)
        if self.kind == "epoch":
            return float(k // max(1, total // 10) + 1)
        if self.kind == "step":
            return float(k + 1)
        if self.kind == "schedule":
            lr0 = 0.001 * (0.5 + constant(seed, "lr0"))
            return max(1e-6, lr0 * 0.5 * (1 + math.cos(math.pi * min(x, 1.0))))
        if self.kind == "rate":
            return max(50.0, (180 + 120 * constant(seed, "rate")) * (1 + 0.05 * spread(seed, k)))
        decay = math.exp(-3.0 * x)
        noise = 0.04 * spread(seed, k)
        if self.kind == "rising":
            base, top = 0.08 + 0.1 * constant(seed, "base"), 0.9 + 0.08 * constant(seed, "top")
            return min(0.9987, max(0.0123, top - (top - base) * decay + noise * (1 - x / 2)))
        start, floor = 2.0 + 0.6 * constant(seed, "start"), 0.05 + 0.25 * constant(seed, "floor")
        return min(3.1416, max(0.0123, floor + (start - floor) * decay * (1 + noise * 2)))


# --- resource metrics (one value per time step) ----------------------------------------------

RESOURCE_METRIC_TYPES = ("GpuCoreUsage", "GpuMemoryUsage", "CpuCoreUsage", "MemoryUsage",
                         "NetworkInputRate", "NetworkOutputRate", "DiskReadRate", "DiskWriteRate")
# PaiStudio ListTrainingJobInstanceMetrics TimeStep values [SDK-ST]; DLC accepts the same forms.
TIME_STEPS = {"1h": 3600.0, "30m": 1800.0, "5m": 300.0, "10s": 10.0}
# Points one metrics read may answer, all series together (~1.8 MB of JSON): a 1,000-pod job read
# over a week at the finest step would otherwise be millions (issue #11: bounded work per read).
# More is 400 InvalidParameter naming TimeStep: a coarser step, a shorter window or one instance
# [INFERRED; docs/limits.md].
MAX_RESPONSE_POINTS = 40_000


def points_in(span: float, step: float) -> int:
    """Points a range of `span` seconds has at `step` (both ends included)."""
    return int(max(0.0, span) // step) + 1

# (low, high) of the per-instance level and relative noise; usage in %, rates in MB/s.
_LEVELS = {
    "GpuCoreUsage": ((70.0, 95.0), 0.08), "GpuMemoryUsage": ((50.0, 85.0), 0.02),
    "CpuCoreUsage": ((20.0, 60.0), 0.15), "MemoryUsage": ((30.0, 70.0), 0.03),
    "NetworkInputRate": ((5.0, 40.0), 0.4), "NetworkOutputRate": ((1.0, 8.0), 0.4),
    "DiskReadRate": ((5.0, 20.0), 0.3), "DiskWriteRate": ((0.5, 3.0), 0.3),
}
_PERCENT = {"GpuCoreUsage", "GpuMemoryUsage", "CpuCoreUsage", "MemoryUsage"}
_RAMP_SECONDS = 30.0


def parse_time_step(text: str) -> float:
    """`10s`, `5m`, `1h`, `1d` (also `30` = seconds, `5 minutes`) -> seconds; ValueError otherwise."""
    if text in TIME_STEPS:
        return TIME_STEPS[text]
    t = text.strip().lower()
    units = {"s": 1, "sec": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "minute": 60, "minutes": 60,
             "h": 3600, "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400}
    num = t.rstrip("abcdefghijklmnopqrstuvwxyz ")
    unit_name = t[len(num):].strip() or "s"
    if unit_name not in units:
        raise ValueError(f"unknown time unit {unit_name!r}")
    seconds = float(num) * units[unit_name]
    if seconds <= 0:
        raise ValueError("the time step must be positive")
    return seconds


def resource_value(seed: str, metric_type: str, elapsed: float, k: int, step: float) -> float:
    """One sample: `elapsed` seconds into the resource's life, the k-th point at this step."""
    (low, high), jitter = _LEVELS[metric_type]
    level = low + (high - low) * constant(seed, metric_type, "level")
    ramp = min(1.0, 0.15 + elapsed / _RAMP_SECONDS)
    if metric_type == "DiskReadRate" and elapsed < 60:
        level *= 6.0                                   # the data set is read in at start
    if metric_type == "DiskWriteRate" and elapsed >= 60 and int(elapsed // step) % max(1, int(600 // step)) == 0:
        level *= 20.0                                  # a checkpoint every ~10 minutes
    if metric_type in ("MemoryUsage", "GpuMemoryUsage"):
        ramp = min(1.0, 0.3 + elapsed / (2 * _RAMP_SECONDS))
    value = level * ramp * (1 + jitter * spread(seed, metric_type, step, k))
    if metric_type in _PERCENT:
        value = min(100.0, value)
    return round(max(0.0, value), 2)


def resource_series(seed: str, metric_type: str, start: float, end: float | None, step: float, now: float,
                    lo: float | None = None, hi: float | None = None) -> list[tuple[float, float]]:
    """(time, value) points at start, start+step, ... while the resource lived (up to `end`,
    or `now` while it lives), restricted to [lo, hi]. Nothing before start or after end/now."""
    if metric_type not in _LEVELS:
        raise ValueError(f"unknown metric type {metric_type!r}")
    last = now if end is None else min(end, now)
    if lo is not None:
        first_k = max(0, math.ceil((lo - start) / step - 1e-9))
    else:
        first_k = 0
    if hi is not None:
        last = min(last, hi)
    if last < start:
        return []
    last_k = math.floor((last - start) / step + 1e-9)
    return [(start + k * step, resource_value(seed, metric_type, k * step, k, step))
            for k in range(first_k, last_k + 1)]


IDLE_LOAD = 0.02   # share of its working level a resource kept alive after its work shows [INFERRED]


def range_series(seed: str, metric_type: str, born: float, end: float | None, start: float, stop: float,
                 step: float, now: float, idle_from: float | None = None) -> list[tuple[float, float]]:
    """(time, value) points of a Prometheus-style range query over a resource that lived from
    `born` to `end` (None, or later than `now`: still alive): evaluated at start, start+step, ...
    up to `stop` (EndTime), each looking back one step for the resource's latest sample. So a point
    exists at t when the resource lived at some moment of (t - step, t]; its value is the sample at
    t, or the last one before `end` when the resource ended within the look-back. A resource that
    lived less than a step still shows up, at the first evaluation after it was born, even when
    that evaluation is after `now` (its last sample is final). A resource still alive has no
    evaluations after `now` (its samples there do not exist yet; answers never change later).
    From `idle_from` on the resource is kept alive but its work is done (a reserved environment):
    it shows IDLE_LOAD of its level. Only the points asked for are computed; the noise of a sample
    depends on its absolute time, so overlapping windows agree."""
    if metric_type not in _LEVELS:
        raise ValueError(f"unknown metric type {metric_type!r}")
    if end is None or end > now:
        end, stop = None, min(stop, now)
    first_k = max(0, math.ceil((born - start) / step - 1e-9))
    last_k = math.floor((stop - start) / step + 1e-9)
    if end is not None:
        # t - step < end  <=>  k < (end + step - start) / step
        last_k = min(last_k, math.ceil((end + step - start) / step - 1e-9) - 1)
    out = []
    for k in range(first_k, last_k + 1):
        t = start + k * step
        sample = t if end is None or t < end else end
        value = resource_value(seed, metric_type, sample - born, int(sample), step)
        out.append((t, round(value * IDLE_LOAD, 2) if idle_from is not None and sample >= idle_from else value))
    return out
