"""Kill a `fakepai serve --state-file` process with SIGKILL at random points of a write-and-save
loop, restart it, and count what a crash cost: acknowledged writes lost, ids issued twice, temp
files left behind. tests/server/test_durability.py runs a short loop; benchmarks/bench_journal.py a long one.
"""
from __future__ import annotations

import random
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.helpers import ServedProcess, assert_refused, free_port, run_fakepai

GW = "/api/PaiStudio/2022-01-12"
BEARER = {"Authorization": "Bearer crash-loop"}


def serve_refuses(state_file: Path) -> str:
    """Start `fakepai serve --state-file PATH`, which must refuse it (exit 2): its one-line message."""
    return assert_refused(run_fakepai("serve", "--port", str(free_port()), "--state-file", str(state_file), timeout=30))


def leftover_temps(state_file: Path) -> list[Path]:
    return [p for p in state_file.parent.iterdir() if ".tmp" in p.name]


def listed_ids(http: httpx.Client) -> set[str]:
    ids, page = set(), 1
    while True:
        body = http.get(f"{GW}/ListTrainingJobs", params={"PageSize": 100, "PageNumber": page}).json()
        ids.update(job["TrainingJobId"] for job in body["TrainingJobs"])
        if page * 100 >= int(body["TotalCount"]):
            return ids
        page += 1


@dataclass
class CrashReport:
    kills: int = 0
    acknowledged: int = 0           # writes answered 200 before a kill
    lost: int = 0                   # of those, missing after the restart
    reissued: int = 0               # ids answered twice for different writes
    saves: int = 0                  # POST /_fakepai/snapshot answered
    kills_during_save: int = 0      # kills that landed while a snapshot request was open
    temps_after_start: int = 0      # temp files present once a restarted server answers
    most_files: int = 0             # most files beside the state file seen after a start
    seconds: float = 0.0
    lost_ids: list[str] = field(default_factory=list)


def crash_loop(state_file: Path, kills: int, seed: int = 0, answered_before_kill: tuple[int, int] = (1, 15),
               jitter: tuple[float, float] = (0.0, 0.03), save_every: int = 5, extra: tuple[str, ...] = ()) -> CrashReport:
    """Each round: a client writes (every `save_every`-th request a snapshot); once a random number
    of its requests were answered, a random jitter later (so mostly mid-request, or mid-save),
    SIGKILL. Counting answered requests rather than time keeps the loop meaningful on a slow machine."""
    rng = random.Random(seed)
    report = CrashReport()
    acknowledged: set[str] = set()
    started = time.monotonic()
    for round_ in range(kills + 1):
        with ServedProcess("--state-file", str(state_file), *extra) as served:
            url = served.url
            with httpx.Client(base_url=url, headers=BEARER, timeout=10) as http:
                missing = acknowledged - listed_ids(http)
                report.lost += len(missing)
                report.lost_ids += sorted(missing)
            report.temps_after_start += len(leftover_temps(state_file))
            report.most_files = max(report.most_files, len(list(state_file.parent.iterdir())))
            if round_ == kills:
                break
            stop = threading.Event()
            saving = threading.Event()
            kill_after = rng.randint(*answered_before_kill)
            answered = [0]
            enough = threading.Event()

            def writer() -> None:
                with httpx.Client(base_url=url, headers=BEARER, timeout=10) as http:
                    n = 0
                    while not stop.is_set():
                        n += 1
                        if answered[0] >= kill_after:
                            enough.set()
                        try:
                            if n % save_every == 0:
                                saving.set()
                                if http.post("/_fakepai/snapshot").status_code == 200:
                                    report.saves += 1
                                    answered[0] += 1
                                saving.clear()
                                continue
                            r = http.post(f"{GW}/CreateTrainingJob", json={
                                "TrainingJobName": f"r{round_}-{n}", "WorkspaceId": "1",
                                "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai"})
                        except httpx.TransportError:
                            return                   # the server was killed mid-request: not acknowledged
                        if r.status_code == 200:
                            answered[0] += 1
                            job_id = r.json()["TrainingJobId"]
                            report.reissued += job_id in acknowledged
                            acknowledged.add(job_id)
                            report.acknowledged += 1

            thread = threading.Thread(target=writer, daemon=True)
            thread.start()
            enough.wait(timeout=60)
            time.sleep(rng.uniform(*jitter))
            report.kills_during_save += saving.is_set()
            served.stop(signal.SIGKILL, timeout=10)
            report.kills += 1
            stop.set()
            thread.join(timeout=15)
    report.seconds = time.monotonic() - started
    return report
