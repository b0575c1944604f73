"""The sanity-check runs a job's Settings ask for (behavior.md §5.9): `SanityConfig` parsed from
`Settings.EnableSanityCheck` / `SanityCheckArgs`, and the timed phases of its runs.

Plain data below the job store: a job's plan (job_store.JobPlan) holds its `SanityConfig`, while
sanity.py, above the store, reads the runs back for GetJobSanityCheckResult and friends.
"""
from __future__ import annotations

from dataclasses import dataclass

PHASES = ("CheckInit", "DeviceCheck", "SingleNodeCommCheck", "TwoNodeCommCheck", "AllNodeCommCheck")
PHASE_SECONDS = {"CheckInit": 5.0, "DeviceCheck": 15.0, "SingleNodeCommCheck": 10.0,
                 "TwoNodeCommCheck": 10.0, "AllNodeCommCheck": 10.0}
MAX_RUNS = 10
# A phase item's Status (the response schema's enum): Succeeded [SDK/META], the rest [INFERRED].
RUNNING, SUCCEEDED, FAILED, STOPPED = STATUSES = ("Running", "Succeeded", "Failed", "Stopped")
EPS = 1e-6          # an entry owns its end instant, give or take float error


@dataclass(frozen=True)
class Entry:
    run: int
    phase: str
    start: float          # seconds into SanityChecking
    end: float
    isolates: bool        # an earlier run's DeviceCheck that found (and isolated) a faulty node


@dataclass(frozen=True)
class SanityConfig:
    enabled: bool = False
    runs: int = 1
    fail_phase: str | None = None

    @classmethod
    def from_settings(cls, settings: dict | None) -> "SanityConfig":
        """Raises ValueError naming the offending argument."""
        settings = settings or {}
        if not settings.get("EnableSanityCheck"):
            return cls()
        runs, fail_phase = 1, None
        for token in str(settings.get("SanityCheckArgs") or "").split():
            name, _, value = token.partition("=")
            if name == "--fakepai-fail-phase":
                if value not in PHASES:
                    raise ValueError(f"--fakepai-fail-phase must be one of {', '.join(PHASES)}")
                fail_phase = value
            elif name == "--fakepai-check-runs":
                if not value.isdigit() or not 1 <= int(value) <= MAX_RUNS:
                    raise ValueError(f"--fakepai-check-runs must be an integer in 1..{MAX_RUNS}")
                runs = int(value)
        return cls(True, runs, fail_phase)

    def entries(self) -> list[Entry]:
        out, t = [], 0.0
        for run in range(1, self.runs + 1):
            retry = run < self.runs
            for phase in (PHASES[:2] if retry else PHASES):
                d = PHASE_SECONDS[phase]
                out.append(Entry(run, phase, t, t + d, retry and phase == "DeviceCheck"))
                t += d
        return out

    def total_seconds(self) -> float:
        entries = self.entries()
        return entries[-1].end if entries else 0.0

    def fail_offset(self, phase: str) -> float:
        """Seconds into SanityChecking at which `phase` of the last run ends."""
        return [e for e in self.entries() if e.run == self.runs and e.phase == phase][0].end

    def entry_ending_by(self, offset: float) -> Entry:
        """The entry in progress at `offset` (an entry owns its end instant)."""
        entries = self.entries()
        for e in entries:
            if e.start < offset <= e.end + EPS:
                return e
        return entries[0] if offset <= 0 else entries[-1]
