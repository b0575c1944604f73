"""A DLC job's sanity checks (behavior.md §5.9), as functions of its plan and the virtual clock:
the check runs its Settings ask for (`SanityConfig`), the timed phases of each run, and what each
phase reports.

With `Settings.EnableSanityCheck` the job enters SanityChecking after EnvPreparing. A check run has
five phases in order — CheckInit, DeviceCheck, SingleNodeCommCheck, TwoNodeCommCheck,
AllNodeCommCheck [SDK]. Status is `Succeeded` [META demo]; `Running` (not finished yet), `Failed`
and `Stopped` are [INFERRED]. The check items named in a message (gemm_*, allreduce_*, alltoall_*,
mini_gpt, nic_status, network_connectivity) come from Alibaba's diagnostics notes [SKILL].
fakepai's `--fakepai-check-runs` / `--fakepai-fail-phase` arguments: fakepai/services/dlc/sanity.py.

A job's plan (services/dlc/job_store.JobPlan) holds its `SanityConfig`; the service's sanity.py
maps a job to the inputs of `runs` (its timeline, PodIds and GPUs) and the result to response items.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from fakepai.sim.noise import between, unit
from fakepai.sim.timeline import Timeline

PHASES = ("CheckInit", "DeviceCheck", "SingleNodeCommCheck", "TwoNodeCommCheck", "AllNodeCommCheck")
PHASE_SECONDS = {"CheckInit": 5.0, "DeviceCheck": 15.0, "SingleNodeCommCheck": 10.0,
                 "TwoNodeCommCheck": 10.0, "AllNodeCommCheck": 10.0}
MAX_RUNS = 10
# A phase item's Status (the response schema's enum): Succeeded [SDK/META], the rest [INFERRED].
RUNNING, SUCCEEDED, FAILED, STOPPED = STATUSES = ("Running", "Succeeded", "Failed", "Stopped")
EPS = 1e-6          # an entry owns its end instant, give or take float error
FAILED_CODE = "SanityCheckFailed"     # the job's ReasonCode when its check fails [INFERRED code]


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


@dataclass(frozen=True)
class Check:
    """One phase of one run as it stands: started at `started`, finished at `finished` (None while
    it runs), with its status and message."""
    run: int
    phase: str
    started: float
    status: str
    message: str
    finished: float | None = None


# -- messages -------------------------------------------------------------------------------------

def _succeeded_message(entry: Entry, job_id: str, pods: Sequence[str], gpus: int) -> str:
    n = len(pods)
    if entry.isolates:
        bad = pods[int(unit("isolate", job_id, entry.run) * n)]
        return f"nic_status failed on {bad}: link down on eth1. The node was isolated and the check is re-run."
    if entry.phase == "CheckInit":
        return f"Sanity check environment is ready on {n} pod(s)."
    if entry.phase == "DeviceCheck":
        devices = f"{gpus} GPU(s)" if gpus else f"{n} CPU node(s)"
        return f"gemm_fp16, gemm_bf16 and nic_status passed on {devices}."
    if entry.phase == "SingleNodeCommCheck":
        bw = between(80, 160, "bw-intra", job_id)
        return f"allreduce_intra_node passed on {n} pod(s), bus bandwidth {bw:.1f} GB/s."
    if entry.phase == "TwoNodeCommCheck":
        if n < 2:
            return "Skipped: the job runs on a single node."
        return f"allreduce_inter_node passed on {n - 1} node pair(s)."
    return f"alltoall and mini_gpt passed on {n} pod(s)."


def failure_message(entry: Entry, job_id: str, pods: Sequence[str]) -> str:
    n = max(len(pods), 1)
    pick = pods[int(unit("sanity-bad", job_id) * len(pods))] if pods else job_id
    if entry.phase == "CheckInit":
        return f"network_connectivity failed on {pick}: cannot reach the check coordinator."
    if entry.phase == "DeviceCheck":
        gpu = int(unit("sanity-gpu", job_id) * 8)
        tflops = between(20, 60, "sanity-tflops", job_id)
        return f"gemm_fp16 failed on {pick} GPU {gpu}: {tflops:.1f} TFLOPS, below the 100 TFLOPS threshold."
    if entry.phase == "SingleNodeCommCheck":
        return f"allreduce_intra_node failed on {pick}: NCCL timeout after 300 s."
    if entry.phase == "TwoNodeCommCheck":
        bw = between(1, 5, "sanity-bw", job_id)
        return f"allreduce_inter_node failed on {pick}: bus bandwidth {bw:.1f} GB/s below the 20 GB/s threshold."
    return f"mini_gpt failed on {n} pod(s): loss is NaN at step 20."

def failure_reason(config: SanityConfig, offset: float, job_id: str, pods: Sequence[str]) -> tuple[str, str]:
    """The job's ReasonCode/ReasonMessage when its check fails `offset` seconds into SanityChecking."""
    entry = config.entry_ending_by(offset)
    return FAILED_CODE, f"Sanity check {entry.run} failed in {entry.phase}: {failure_message(entry, job_id, pods)}"


# -- the runs as seen at a time -------------------------------------------------------------------

def runs(config: SanityConfig, timeline: Timeline, now: float, job_id: str, pods: Sequence[str],
         gpus: int) -> list[list[Check]]:
    """The job's check runs at `now`, each a list of phase items in phase order (`pods`: the job's
    PodIds, `gpus`: the GPUs it asks for in all, both as its spec is now)."""
    phases = timeline.phases
    index = next((i for i, p in enumerate(phases) if p.status == "SanityChecking"), None)
    if not config.enabled or index is None or phases[index].start > now:
        return []
    begin = phases[index].start
    following = phases[index + 1] if index + 1 < len(phases) else None
    # Where the check stops: the next phase's start; a hang leaves one phase running forever.
    cut = following.start if following else begin + config.total_seconds() / 2
    ending = following.status if following else "hang"
    out: dict[int, list[Check]] = {}
    for entry in config.entries():
        a, b = begin + entry.start, begin + entry.end
        if a > now or a >= cut - EPS:
            break
        interrupted = ending in ("Failed", "Stopping", "Stopped", "hang") and cut <= b + EPS
        if interrupted and ending == "hang":
            check = Check(entry.run, entry.phase, a, RUNNING, "Checking.")
        elif interrupted and cut <= now:
            if ending == "Failed":
                check = Check(entry.run, entry.phase, a, FAILED, failure_message(entry, job_id, pods), cut)
            else:
                check = Check(entry.run, entry.phase, a, STOPPED, "Sanity check interrupted: the job is being stopped.", cut)
        elif min(b, cut) <= now:
            check = Check(entry.run, entry.phase, a, FAILED if entry.isolates else SUCCEEDED,
                          _succeeded_message(entry, job_id, pods, gpus), min(b, cut))
        else:
            check = Check(entry.run, entry.phase, a, RUNNING, "Checking.")
        out.setdefault(entry.run, []).append(check)
        if interrupted:
            break
    return [out[k] for k in sorted(out)]
