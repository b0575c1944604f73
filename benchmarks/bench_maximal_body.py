"""Seconds to create a maximal CreateTrainingJob and to read it once (issue #11 §1).

    python benchmarks/bench_maximal_body.py              # figures for benchmarks/README.md
    python benchmarks/bench_maximal_body.py --profile    # and cProfile's top functions per body

In-process (the app behind httpx's ASGI transport, one thread), so cProfile sees the whole request.
Bodies, all read from the schemas' declared maxima (so the figures follow the declarations):
  * minimal: the baseline, measured in the same run;
  * regexes at maxima: AlgorithmSpec.MetricDefinitions at maxItems with each Regex at maxLength,
    both ProgressDefinitions regexes at maxLength, HyperParameters at maxItems each with a
    Range.Pattern at maxLength (regexes are compiled on create and again on the first read);
  * the same padded with Labels to ~6 MB (big, cheap to handle: copied once);
  * the shape that was slow before the bounds (1000 metric regexes of 6 KiB, a 6 MB body): now
    refused with 400 by the binder, before any regex is compiled.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import httpx  # noqa: E402

from fakepai.app import build_app  # noqa: E402
from fakepai.catalog import default_catalog  # noqa: E402

ST = "/api/PaiStudio/2022-01-12"
AUTH = {"authorization": "Bearer bench", "content-type": "application/json"}
CATALOG = default_catalog()
SHARED = "https://fakepai.local/schemas/_shared/PaiStudio.json#/$defs/"


def _declared(definition: str, field: str, keyword: str) -> int:
    return CATALOG.definition(SHARED + definition)["properties"][field][keyword]


def _regex(name: str, length: int) -> str:
    """A regex of exactly `length` characters whose first group captures a number."""
    head = f".*{name}=([0-9.]+)"
    return head + "x" * (length - len(head))


def bodies(salt: str) -> dict[str, dict]:
    """Each round's regexes differ (`salt`): templates are cached per regex, and the first read is measured."""
    minimal = {"TrainingJobName": "bench", "WorkspaceId": "1",
               "AlgorithmSpec": {"Command": ["python", "train.py"], "Image": "img", "JobType": "PyTorchJob"},
               "ComputeResource": {"EcsSpec": "ecs.gn7i-c8g1.2xlarge", "EcsCount": 1}}
    metrics = _declared("AlgorithmSpec.request", "MetricDefinitions", "maxItems")
    regex = _declared("MetricDefinition.request", "Regex", "maxLength")
    progress = _declared("AlgorithmSpecProgressDefinitionsOverallProgress.request", "Regex", "maxLength")
    hypers = _declared("AlgorithmSpec.request", "HyperParameters", "maxItems")
    pattern = _declared("HyperParameterRange.request", "Pattern", "maxLength")

    def at_maxima(salt: str) -> dict:
        return {**minimal, "AlgorithmSpec": {
            **minimal["AlgorithmSpec"],
            "MetricDefinitions": [{"Name": f"m{i}", "Regex": _regex(f"{salt}m{i}", regex)} for i in range(metrics)],
            "ProgressDefinitions": {"OverallProgress": {"Regex": _regex(f"{salt}progress", progress)},
                                    "RemainingTime": {"Regex": _regex(f"{salt}remaining", progress)}},
            "HyperParameters": [{"Name": f"h{i}", "Type": "String", "DefaultValue": "a" * pattern,
                                 "Range": {"Pattern": "a" * (pattern - 1) + "+"}} for i in range(hypers)]}}
    padding = 6_000_000 - len(json.dumps(at_maxima(salt)))
    labels = [{"Key": f"k{i}", "Value": "v" * (padding // 1000)} for i in range(1000)]
    slow_before = {**minimal, "AlgorithmSpec": {**minimal["AlgorithmSpec"], "MetricDefinitions": [
        {"Name": f"m{i}", "Regex": _regex(f"{salt}m{i}", 6000)} for i in range(1000)]}}
    return {"minimal": minimal, "regexes at maxima": at_maxima(salt),
            "regexes at maxima + 6 MB of Labels": {**at_maxima(salt + "p"), "Labels": labels},
            "before the bounds: 1000 regexes x 6 KiB": slow_before}


async def _measure(client: httpx.AsyncClient, body: bytes, profile: cProfile.Profile | None) -> tuple:
    began = time.perf_counter()
    if profile:
        profile.enable()
    created = await client.post(f"{ST}/CreateTrainingJob", content=body, headers=AUTH)
    if profile:
        profile.disable()
    create = time.perf_counter() - began
    job = created.json().get("TrainingJobId")
    read = None
    if job:
        began = time.perf_counter()
        got = await client.get(f"{ST}/GetTrainingJob", params={"TrainingJobId": job}, headers=AUTH)
        assert got.status_code == 200, got.text[:300]
        read = time.perf_counter() - began
    return created.status_code, create, read


async def main_async(profile: bool, rounds: int) -> None:
    app = build_app()
    rows = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=600) as client:
        rounds_bodies = [bodies(f"r{r}") for r in range(rounds)]
        for name in rounds_bodies[0]:
            prof = cProfile.Profile() if profile else None
            runs = [await _measure(client, json.dumps(b[name]).encode(), prof) for b in rounds_bodies]
            body = json.dumps(rounds_bodies[0][name]).encode()
            status = runs[0][0]
            create = sorted(r[1] for r in runs)[len(runs) // 2]
            reads = [r[2] for r in runs if r[2] is not None]
            read = sorted(reads)[len(reads) // 2] if reads else None
            rows.append((name, len(body), status, create, read))
            if prof:
                print(f"--- {name}")
                pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    print("| body | bytes | status | create | first GetTrainingJob |\n|---|---|---|---|---|")
    for name, size, status, create, read in rows:
        shown = "—" if read is None else f"{read * 1000:.0f} ms"
        print(f"| {name} | {size / 1e6:.2f} MB | {status} | {create * 1000:.0f} ms | {shown} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--rounds", type=int, default=3, help="median of this many creations per body")
    args = ap.parse_args()
    asyncio.run(main_async(args.profile, args.rounds))


if __name__ == "__main__":
    main()
