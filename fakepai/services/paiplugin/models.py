"""PaiPlugin state and rules (no HTTP): campaigns and training jobs of one account.

A training job's life is a timeline on the shared engine (fakepai.sim.timeline); its status is an
integer on the wire (0 queued, 1 submitted, 2 running, 3 succeeded, 4 failed — SDK-PL comment),
kept here as the strings "0".."4" because the engine's vocabulary is strings.
"""
from __future__ import annotations

from dataclasses import dataclass

from fakepai.sim.timeline import Lifecycle, Outcome, Timeline, plan, replan
from fakepai.state.store import AccountStore
from fakepai.timestamps import wall_cst

QUEUED, SUBMITTED, RUNNING, SUCCEEDED, FAILED = "0", "1", "2", "3", "4"
TERMINAL = {SUCCEEDED, FAILED}

# 0 -> 1 -> 2 -> 3 | 4: the order is [INFERRED] from the status comment (behavior.md §8).
# Durations are fakepai's choice: short enough to watch at --speed 1, long enough to poll.
LIFECYCLE = Lifecycle(
    steps=[(QUEUED, 5.0), (SUBMITTED, 15.0), (RUNNING, 120.0)],
    running=RUNNING,
    succeeded=SUCCEEDED,
    failed=FAILED,
    success_reason=("Succeeded", "Training finished; the model is ready."),
    # The documented History example (META demo) is the default failure text.
    failure_reason=("TrainingFailed", "Error: Missing column."),
    timeout_reason=("Timeout", "Error: Training timed out."),
)

# Outcome phases may be named as well as numbered: {"result": "fail", "phase": "submitted"}.
PHASE_NAMES = {"queued": QUEUED, "submitted": SUBMITTED, "running": RUNNING}


def parse_outcome(spec: dict | None) -> Outcome:
    outcome = Outcome.parse(spec)
    if outcome.phase is not None:
        phase = PHASE_NAMES.get(str(outcome.phase).lower(), str(outcome.phase))
        if phase not in PHASE_NAMES.values():
            raise ValueError("phase must be one of 0/queued, 1/submitted, 2/running")
        outcome.phase = phase
    return outcome


@dataclass
class Campaign:
    id: str
    name: str
    remark: str
    created: float
    updated: float
    seq: int

    def to_api(self) -> dict:
        return {"Id": self.id, "Name": self.name, "Remark": self.remark,
                "CreatedTime": wall_cst(self.created), "UpdatedTime": wall_cst(self.updated)}


@dataclass
class TrainingJob:
    id: str
    name: str
    algorithm: str
    campaign_id: str
    data_path: str
    remark: str
    user_config: str
    training_schedule_id: str
    created: float
    seq: int
    timeline: Timeline

    def status(self, now: float) -> str:
        return self.timeline.status_at(now)

    def history(self, now: float) -> str:
        """The job's log as the API's `History` text: one line per phase entered; a failure's
        last line is its reason (e.g. "Error: Missing column.") so the text explains it."""
        lines = []
        for phase, _end in self.timeline.passed(now):
            text = {
                QUEUED: "Training job queued.",
                SUBMITTED: "Training job submitted.",
                RUNNING: f"Training algorithm {self.algorithm} started.",
            }.get(phase.status) or phase.reason_message or ""
            lines.append(f"{wall_cst(phase.start)} {text}")
        return "\n".join(lines)

    def to_api(self, now: float) -> dict:
        status = self.status(now)
        return {
            "Id": self.id,
            "Name": self.name,
            "Algorithm": self.algorithm,
            "CampaignId": self.campaign_id,
            "DataPath": self.data_path,
            "Remark": self.remark,
            "UserConfig": self.user_config,
            "Status": int(status),
            "History": self.history(now),
            # A model exists once training has succeeded. [INFERRED]
            "HasModelInfo": status == SUCCEEDED,
            "TrainingScheduleId": self.training_schedule_id,
            "CreatedTime": wall_cst(self.created),
            # Every status change updates the job. [INFERRED]
            "UpdatedTime": wall_cst(max(self.created, self.timeline.at(now).start)),
        }

    def rescript(self, now: float, outcome: Outcome) -> None:
        replan(self.timeline, LIFECYCLE, self.created, now, outcome, terminal=TERMINAL)


class PluginStore(AccountStore):
    """One account's PaiPlugin resources, in creation order."""

    def __init__(self):
        super().__init__()
        self.campaigns: dict[str, Campaign] = {}
        self.jobs: dict[str, TrainingJob] = {}

    def new_timeline(self, start: float, outcome: Outcome) -> Timeline:
        return plan(LIFECYCLE, start, outcome)
