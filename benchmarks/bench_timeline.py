#!/usr/bin/env python
"""Timeline benchmark for fakepai (issue 3 §4). A script, not a test:

    python benchmarks/bench_timeline.py            # 100,000 jobs, ~3-5 min on 2 cores
    python benchmarks/bench_timeline.py --quick    # 10,000 jobs, for a smoke run

It starts `python -m fakepai serve --rate-limit off` in a subprocess (as a user would) and, talking
to it over one keep-alive connection with bench_wire's raw HTTP client, measures:
  * idle cost: the server's own CPU time (utime+stime from /proc) over an idle interval, empty
    and again with N jobs alive, some of them running: nothing ticks in the background, so both
    should be the same small figure (the event loop's own wake-ups);
  * memory per job: the server's RSS growth over creating N jobs (gateway CreateTrainingJob,
    the built-in `pytorch_ddp` algorithm, so every job carries metric definitions), divided by N;
  * log paging: ListTrainingJobLogs PageSize=100 on a job with 1,000,000 log lines (the first,
    a middle and the last page) against page 1 of a job with 100 lines, as the server's CPU per
    request and the client-side latency, in interleaved rounds (median round reported). Target:
    the million-line job within 2x of the hundred-line one (lines are computed, not stored).
Prints a JSON summary and a Markdown block for benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_wire import RawClient, cpu_seconds, pin, populate_http  # noqa: E402
from tests.helpers import ServedProcess  # noqa: E402  (no pytest: benchmarks run without it)

TOKEN = "k"
GW = "/api/PaiStudio/2022-01-12"
# An inline algorithm without metric definitions prints one line per second of its run, after a
# 4-line header and before a 1-line footer: a run of R seconds prints R + 4 lines.
PLAIN_SPEC = {"Command": ["python", "train.py"], "Image": "pytorch:2.1", "JobType": "PyTorchJob"}


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def call(client: RawClient, method: str, path: str, body: dict | None = None) -> dict:
    status, raw = client.send(client.request_bytes(path, method, json.dumps(body).encode() if body is not None else b""))
    if status != 200:
        raise RuntimeError(f"{method} {path} -> {status}: {raw[:300]!r}")
    return json.loads(raw)


def idle_cpu(pid: int, seconds: float) -> float:
    """Server CPU seconds over `seconds` of idling, after a settling second (the tail of the last
    request, a garbage collection). /proc counts in clock ticks (10 ms here)."""
    time.sleep(1.0)
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return cpu_seconds(pid) - before


def job_with_lines(client: RawClient, lines: int) -> str:
    run = lines - 4
    return call(client, "POST", f"{GW}/CreateTrainingJob", {
        "TrainingJobName": f"lines-{lines}", "WorkspaceId": "B", "AlgorithmSpec": PLAIN_SPEC,
        "Labels": [{"Key": "fakepai.outcome", "Value": f"succeed@{run}"}]})["TrainingJobId"]


def page_cost(client: RawClient, pid: int, targets: dict[str, str], n: int, rounds: int) -> dict:
    """Per target path: median over rounds of (server CPU us per request, client p50 us)."""
    reqs = {name: client.request_bytes(path) for name, path in targets.items()}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, req in reqs.items():
            lat = []
            cpu0 = cpu_seconds(pid)
            for _ in range(n):
                t = time.perf_counter()
                status, _ = client.send(req)
                lat.append(time.perf_counter() - t)
                assert status == 200
            cpu = (cpu_seconds(pid) - cpu0) / n * 1e6
            samples[name].append((cpu, statistics.median(lat) * 1e6))
    out = {}
    for name, rows in samples.items():
        out[name] = {"server_cpu_us": statistics.median(r[0] for r in rows), "p50_us": statistics.median(r[1] for r in rows)}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 jobs and fewer rounds")
    parser.add_argument("--jobs", type=int, help="how many idle jobs (default 100,000; 10,000 with --quick)")
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    parser.add_argument("--json", metavar="FILE", help="also write the summary as JSON")
    args = parser.parse_args()
    jobs = args.jobs or (10_000 if args.quick else 100_000)
    n, rounds = (200, 3) if args.quick else (500, 7)
    started = time.perf_counter()

    with ServedProcess() as served:         # `serve --port 0 --rate-limit off --log-level warning`
        port, pid = served.port, served.proc.pid
        pin(pid, 1)         # on CPU 1, as bench_wire pins its servers (its one thread: new ones inherit it)
        client = RawClient(port, {"Authorization": f"Bearer {TOKEN}"})
        # Warm up: first requests import and compile (schemas, regex templates) -- not per-job cost.
        warm = job_with_lines(client, 100)
        call(client, "GET", f"{GW}/GetTrainingJob/{warm}")
        call(client, "POST", "/_fakepai/clock/advance", {"seconds": 200})
        call(client, "GET", f"{GW}/ListTrainingJobLogs?TrainingJobId={warm}&PageSize=100")
        populate_http(port, "warm", 1000)
        idle_empty = idle_cpu(pid, args.idle_seconds)

        rss0 = rss_bytes(pid)
        create_s = populate_http(port, "W", jobs)
        rss1 = rss_bytes(pid)
        # Some are mid-run (the last ones were created seconds ago); all are idle between requests.
        idle_full = idle_cpu(pid, args.idle_seconds)

        big = job_with_lines(client, 1_000_000)
        small = job_with_lines(client, 100)
        call(client, "PUT", "/_fakepai/clock", {"speed": 0})
        call(client, "POST", "/_fakepai/clock/advance", {"seconds": 1_100_000})
        base = f"{GW}/ListTrainingJobLogs?PageSize=100&TrainingJobId="
        totals = {j: call(client, "GET", base + j)["TotalCount"] for j in (big, small)}
        assert totals == {big: "1000000", small: "100"}, totals
        last = call(client, "GET", f"{base}{big}&PageNumber=10000")["Logs"]
        assert len(last) == 100 and last[-1].startswith("Training finished"), last[-3:]
        targets = {"100 lines, page 1": base + small,
                   "1M lines, page 1": base + big,
                   "1M lines, page 5,000": f"{base}{big}&PageNumber=5000",
                   "1M lines, page 10,000 (last)": f"{base}{big}&PageNumber=10000"}
        cost = page_cost(client, pid, targets, n, rounds)
        client.close()

    ref = cost["100 lines, page 1"]
    worst = max((v for k, v in cost.items() if k.startswith("1M")), key=lambda v: v["server_cpu_us"])
    summary = {
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "jobs": jobs, "create_seconds": create_s, "create_per_s": jobs / create_s,
        "idle_cpu_ms_empty": idle_empty * 1e3, "idle_cpu_ms_with_jobs": idle_full * 1e3, "idle_seconds": args.idle_seconds,
        "rss_growth_mb": (rss1 - rss0) / 2**20, "bytes_per_job": (rss1 - rss0) / jobs,
        "log_pages": cost, "ratio_server_cpu": worst["server_cpu_us"] / ref["server_cpu_us"],
        "ratio_p50": max(v["p50_us"] for k, v in cost.items() if k.startswith("1M")) / ref["p50_us"],
        "total_seconds": time.perf_counter() - started,
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
    ok = summary["ratio_server_cpu"] <= 2.0
    print("\n### Markdown\n")
    print(f"Machine: {summary['machine']}. {jobs:,} jobs created in {create_s:.0f} s ({summary['create_per_s']:,.0f}/s).\n")
    print("| measure | figure |\n|---|---|")
    print(f"| server CPU over {args.idle_seconds:g} s idle, no jobs | {idle_empty * 1e3:.0f} ms |")
    print(f"| server CPU over {args.idle_seconds:g} s idle, {jobs:,} jobs | {idle_full * 1e3:.0f} ms |")
    print(f"| RSS growth for {jobs:,} jobs | {summary['rss_growth_mb']:.0f} MiB ({summary['bytes_per_job'] / 1024:.1f} KiB per job) |")
    for name, v in cost.items():
        print(f"| ListTrainingJobLogs PageSize=100, {name} | {v['server_cpu_us']:.0f} us server CPU, p50 {v['p50_us']:.0f} us |")
    print(f"| 1M-line page vs 100-line page (worst page, server CPU) | {summary['ratio_server_cpu']:.2f}x "
          f"({'PASS' if ok else 'MISS'}, target <= 2x); p50 {summary['ratio_p50']:.2f}x |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
