"""What a training job emits while it runs: metrics, progress, output models.

First slice (issue 2): the output model of a succeeded job. Logs, events, training metrics from
MetricDefinitions and progress from ProgressDefinitions arrive with the timeline work (issue 3).
"""
from __future__ import annotations

from fakepai.services.paistudio.store import TrainingJob

DEFAULT_MODEL_CHANNEL = "model"   # [PAISDK] default output channel names: model, checkpoints, tensorboard


def latest_metrics(job: TrainingJob, now: float) -> list[dict]:
    return []


def latest_progress(job: TrainingJob, now: float) -> dict | None:
    return None


def output_model(job: TrainingJob, now: float) -> dict | None:
    """A succeeded job exposes its `model` output channel (behavior.md §4.6)."""
    if job.timeline.status_at(now) != "Succeed":
        return None
    for channel in job.spec.get("OutputChannels") or []:
        if channel.get("Name") == DEFAULT_MODEL_CHANNEL and channel.get("OutputUri"):
            return {"OutputChannelName": DEFAULT_MODEL_CHANNEL, "Uri": channel["OutputUri"]}
    return None
