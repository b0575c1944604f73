#!/usr/bin/env python
"""--state-file benchmark (issue #11 §4; docs/durability.md). A script, not a test:

    python benchmarks/bench_journal.py             # 20,000 and 100,000 jobs, 100 kills; ~3-4 min on 2 cores
    python benchmarks/bench_journal.py --quick     # 20,000 jobs, 20 kills: a smoke run

In one run it measures
  1. the journal's cost per write: CreateTrainingJob through the wire pipeline in-process (the
     ASGI endpoint called directly, no sockets), without a state file, with `--durability write`
     and with `--durability fsync`, in interleaved rounds (median round reported), as ratios to
     the no-state-file baseline of the same run;
  2. the stall while the state is compacted: a state file with N jobs is built in-process, then
     `python -m fakepai serve --state-file` loads it in a subprocess; one client reads
     GetTrainingJob back to back for 3 s (the baseline), then `POST /_fakepai/snapshot` compacts
     while the client goes on, then as long again after it; reported: the baseline p50 and max,
     the max during compaction and in the as-long window after it, and the compaction's duration. Next to it, the time the same state takes to pickle inline
     (what every request waited for before the journal, when the save ran on the event loop);
     and, in-process, the pause of one full garbage collection alone and while the snapshot
     writer runs (with the server's collector frozen for the writer's life, and without);
  3. the crash loop of tests/server/crash_loop.py, longer: SIGKILL at random points of a
     write-and-save loop, counting lost acknowledged writes, reissued ids and leftover temp files.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from unittest import mock

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fakepai.emulator import Emulator, Settings  # noqa: E402
from fakepai.state import journal, snapshot  # noqa: E402
from fakepai.wire import pipeline  # noqa: E402
from fakepai.wire.auth import Principal, token_fingerprint  # noqa: E402
from tests.helpers import ServedProcess  # noqa: E402  (no pytest: benchmarks run without it)
from tests.server.crash_loop import BEARER, GW, crash_loop  # noqa: E402

JOB = {"TrainingJobName": "bench", "WorkspaceId": "1", "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai"}


# ---------------------------------------------------------------------- 1. cost per write

def _create_scope() -> tuple[dict, bytes]:
    body = json.dumps(JOB).encode()
    scope = {"type": "http", "method": "POST", "path": f"{GW}/CreateTrainingJob", "query_string": b"",
             "headers": [(b"authorization", b"Bearer bench"), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())]}
    return scope, body


async def _writes(emulator: Emulator, count: int, writers: int) -> float:
    """Seconds per CreateTrainingJob through the whole pipeline (route, auth, bind, handler,
    journal, render), `writers` clients at once on the one event loop."""
    scope, body = _create_scope()
    statuses = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def writer():
        for _ in range(count // writers):
            await pipeline.serve(emulator, scope, receive, send)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    elapsed = time.perf_counter() - started
    assert set(statuses) == {200} and len(statuses) == count // writers * writers, set(statuses)
    return elapsed / len(statuses)


CONFIGS = {"no state file": {}, "durability write": {"durability": "write"}, "durability fsync": {"durability": "fsync"}}


def bench_write_cost(directory: Path, writes: int, rounds: int) -> dict:
    """{writers: {config: {us_per_write, ratio}}} for one client and for 16 at once."""
    emulators = {}
    for n, (name, extra) in enumerate(CONFIGS.items()):
        state = {"state_file": str(directory / f"cost{n}.pkl")} if extra else {}
        emulators[name] = Emulator(Settings(rate_limit=False, **state, **extra))
    results = {writers: {name: [] for name in CONFIGS} for writers in (1, 16)}

    async def run():
        for _ in range(rounds):
            for writers, per_config in results.items():
                for name, emulator in emulators.items():
                    per_config[name].append(await _writes(emulator, writes, writers))
        for emulator in emulators.values():
            await emulator.journal.close()

    asyncio.run(run())
    out = {}
    for writers, per_config in results.items():
        base = statistics.median(per_config["no state file"])
        out[writers] = {name: {"us_per_write": statistics.median(r) * 1e6, "ratio": statistics.median(r) / base}
                        for name, r in per_config.items()}
    return out


# ---------------------------------------------------------------------- 2. stall while compacting

def populated(path: Path, jobs: int) -> tuple[Emulator, str]:
    """An emulator journaling to `path` with `jobs` PaiStudio jobs made through the handler; one job id."""
    emulator = Emulator(Settings(state_file=str(path), durability="write", rate_limit=False))
    op = emulator.catalog.get("PaiStudio", "CreateTrainingJob")
    account = token_fingerprint(BEARER["Authorization"].removeprefix("Bearer "))   # the prober's account
    who = Principal(account, account, "bearer")
    first = None
    for n in range(jobs):
        result = emulator.invoke(op, who, dict(JOB), request_id=f"r{n}")
        first = first or result["TrainingJobId"]
    return emulator, first


def build_state(path: Path, jobs: int) -> tuple[str, float, int]:
    """A state file with `jobs` PaiStudio jobs (written through the handler, journaled, compacted).
    Returns one job id, the seconds an inline pickle of the state takes, and the file's size."""
    emulator, first = populated(path, jobs)
    payload = {"accounts": emulator.world.accounts, "now": emulator.clock.now(), "ids": (0, 0), "nonces": [], "journal": 0}
    started = time.perf_counter()
    snapshot.write(path.with_name("inline-" + path.name), payload)       # what a save on the loop cost
    inline = time.perf_counter() - started
    path.with_name("inline-" + path.name).unlink()
    asyncio.run(emulator.journal.close())
    return first, inline, path.stat().st_size


def bench_stall(directory: Path, jobs: int, baseline_seconds: float = 3.0) -> dict:
    path = directory / f"stall-{jobs}.pkl"
    job_id, inline, size = build_state(path, jobs)
    with ServedProcess("--state-file", str(path)) as served:
        url = served.url
        # The probe's own collector must not pause it: a full pass over what an earlier measurement
        # left in this process takes seconds, and would count as the server's latency.
        gc.collect()
        gc.disable()
        try:
            with httpx.Client(base_url=url, headers=BEARER, timeout=60) as http:
                def probe(until) -> list[float]:
                    out = []
                    while not until():
                        t = time.perf_counter()
                        assert http.get(f"{GW}/GetTrainingJob/{job_id}").status_code == 200
                        out.append(time.perf_counter() - t)
                    return out

                end = time.monotonic() + baseline_seconds
                baseline = probe(lambda: time.monotonic() > end)
                done = threading.Event()
                took = {}

                def compact():
                    t = time.perf_counter()
                    assert httpx.post(f"{url}/_fakepai/snapshot", timeout=300).status_code == 200
                    took["seconds"] = time.perf_counter() - t
                    done.set()

                saver = threading.Thread(target=compact)
                saver.start()
                during = probe(done.is_set)
                saver.join()
                # As long again after it: the maximum of a window grows with its length on a loaded machine.
                end = time.monotonic() + took["seconds"]
                after = probe(lambda: time.monotonic() > end)
        finally:
            gc.enable()
        served.stop(timeout=300)       # a SIGTERM exit saves the state: as long as a compaction
    p50 = statistics.median(baseline)
    return {"jobs": jobs, "snapshot_mb": size / 2**20, "inline_pickle_s": inline, "compaction_s": took["seconds"],
            "baseline_p50_ms": p50 * 1e3, "baseline_p99_ms": _p99(baseline) * 1e3, "baseline_max_ms": max(baseline) * 1e3,
            "during_requests": len(during), "during_p50_ms": statistics.median(during) * 1e3,
            "during_p99_ms": _p99(during) * 1e3, "during_max_ms": max(during) * 1e3,
            "after_requests": len(after), "after_p99_ms": _p99(after) * 1e3, "after_max_ms": max(after) * 1e3,
            "stall_over_p50_ms": (max(during) - p50) * 1e3}


def bench_collection(directory: Path, jobs: int) -> dict:
    """The pause one full garbage collection puts on the server's event loop: with no compaction,
    then while a compaction's snapshot writer runs (the server's collector left alone as it is
    now, and as it was before: every object walked, each page it touches copied first). Writes
    during a compaction bring a full collection about (docs/durability.md), so this is the
    longest pause a compaction can add; the read probe of `bench_stall` never triggers one."""
    emulator, _ = populated(directory / f"gc-{jobs}.pkl", jobs)
    gc.collect()

    def collection_ms() -> float:
        started = time.perf_counter()
        gc.collect()
        return (time.perf_counter() - started) * 1e3

    async def during_compaction() -> float:
        compaction = asyncio.ensure_future(emulator.journal.compact())
        await asyncio.sleep(0.05)                         # it forks at once, then waits for the writer
        assert not compaction.done(), "the writer ended before the collection: too few jobs"
        pause = collection_ms()
        await compaction
        return pause

    alone = collection_ms()
    frozen = asyncio.run(during_compaction())
    with mock.patch.object(journal, "_gc_frozen", contextlib.nullcontext):
        walked = asyncio.run(during_compaction())
    asyncio.run(emulator.journal.close())
    return {"jobs": jobs, "tracked_objects": len(gc.get_objects()), "full_collection_ms": alone,
            "during_compaction_ms": frozen, "during_compaction_unfrozen_ms": walked}


def _p99(samples: list[float]) -> float:
    return sorted(samples)[int(0.99 * (len(samples) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--kills", type=int, help="crash-loop kills (default 100, --quick 20; 0 skips it)")
    args = parser.parse_args()
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        out["write_cost"] = bench_write_cost(directory, writes=500 if args.quick else 2000, rounds=5)
        for writers, per_config in out["write_cost"].items():
            for name, r in per_config.items():
                print(f"{writers:2d} writer(s) {name:18s} {r['us_per_write']:8.0f} us/write  {r['ratio']:.2f}x", flush=True)
        out["stall"], out["collection"] = [], []
        for jobs in ([20_000] if args.quick else [20_000, 100_000]):
            r = bench_stall(directory, jobs)
            out["stall"].append(r)
            print(json.dumps(r), flush=True)
            r = bench_collection(directory, jobs)
            out["collection"].append(r)
            print(json.dumps(r), flush=True)
        kills = args.kills if args.kills is not None else 20 if args.quick else 100
        if kills:
            crash_dir = directory / "crash"
            crash_dir.mkdir()
            report = crash_loop(crash_dir / "state.pkl", kills=kills, seed=1)
            out["crash"] = {k: v for k, v in vars(report).items() if k != "lost_ids"}
            print(json.dumps(out["crash"]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
