#!/usr/bin/env python3
"""Mutation campaign: does the contract kit catch what real regressions look like? (issue 13)

For each mutation (mutations.py; mutations_held_out.py with --held-out) the script starts a
fresh emulator behind a `MutatingProxy` and runs the kit against it as a user does against any
emulator URL, with default options:

    python -m fakepai conformance --target http://127.0.0.1:PORT --report report.json

A mutation is *caught* when that run fails; it is *blamed right* when the report's failures name
an operation the mutation touched. Before any mutation it runs the kit through the proxy with no
mutation: that run must pass (the proxy forwards untouched traffic as is), else the campaign stops.

    python benchmarks/mutation_campaign.py                 # development mutations, 2 at a time
    python benchmarks/mutation_campaign.py --held-out      # the held-out ones
    python benchmarks/mutation_campaign.py --all -j 1 -k S1,P2 --json out.json

Prints one line per mutation and the score per class. Exit status 0 when every class was run.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mutation_proxy import CLASSES, Mutation, MutatingProxy  # noqa: E402


def run_kit(mutation: Mutation | None, extra: list[str]) -> dict:
    """One kit run against a fresh emulator behind the proxy; what it found."""
    from fakepai.server import FakePAI

    pai = FakePAI(auth="any", rate_limit=False)
    proxy = MutatingProxy(pai.app, mutation, pai.emulator)
    pai.app = proxy
    with tempfile.TemporaryDirectory(prefix="fakepai-mut-") as tmp, pai:
        report = Path(tmp) / "report.json"
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "fakepai", "conformance", "--target", pai.url,
                               "--report", str(report), "-q", "-p", "no:cacheprovider", *extra],
                              capture_output=True, text=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        seconds = time.perf_counter() - started
        data = json.loads(report.read_text()) if report.exists() else {"operations": {}}
    failed = sorted(k for k, v in data["operations"].items() if v["result"] == "failed")
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-300:]
    return {"exit": proc.returncode, "failed": failed, "seconds": round(seconds, 1), "touched": proxy.touched,
            "summary": summary, "output": proc.stdout[-6000:]}


def verdict(mutation: Mutation, result: dict) -> dict:
    caught = result["exit"] == 1
    named = set(mutation.operations) - {"*"}
    blamed = bool(result["failed"]) and (not named or bool(named & set(result["failed"])))
    return {"name": mutation.name, "class": mutation.cls, "caught": caught, "blamed_right": caught and blamed,
            **result}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--held-out", action="store_true", help="run the held-out mutations instead")
    ap.add_argument("--all", action="store_true", help="run both lists")
    ap.add_argument("-k", default="", help="comma-separated mutation name prefixes (S1,P2,...)")
    ap.add_argument("-j", type=int, default=2, help="kit runs at once (default 2)")
    ap.add_argument("--json", metavar="FILE", help="write every verdict here")
    ap.add_argument("--show", action="store_true", help="print the kit's output for mutations it missed")
    ap.add_argument("pytest_args", nargs="*", help="passed to the kit (after --)")
    args = ap.parse_args(argv)

    from mutations import MUTATIONS
    from mutations_held_out import HELD_OUT
    chosen = (MUTATIONS + HELD_OUT) if args.all else HELD_OUT if args.held_out else MUTATIONS
    if args.k:
        prefixes = tuple(p.strip() + " " for p in args.k.split(","))
        chosen = [m for m in chosen if m.name.startswith(prefixes)]

    clean = run_kit(None, args.pytest_args)
    print(f"unmutated run through the proxy: exit {clean['exit']}, {clean['seconds']} s — {clean['summary']}")
    if clean["exit"] != 0:
        print(clean["output"])
        print("the kit fails without a mutation: the campaign measures nothing", file=sys.stderr)
        return 2

    with ThreadPoolExecutor(max(1, args.j)) as pool:
        verdicts = list(pool.map(lambda m: verdict(m, run_kit(m, args.pytest_args)), chosen))
    for v in verdicts:
        mark = "caught" if v["caught"] else ("MISSED" if v["touched"] else "MISSED (never fired)")
        blame = "" if not v["caught"] else (" blamed right" if v["blamed_right"] else " blamed elsewhere")
        print(f"{mark:>8}{blame:<17} {v['seconds']:>5} s  {v['name']}  [{', '.join(v['failed'][:4])}]")
        if args.show and not v["caught"]:
            print(v["output"])
    print()
    print("| class | caught | of | score | blamed right |")
    print("|---|---:|---:|---:|---:|")
    for cls in CLASSES + ("all",):
        sub = [v for v in verdicts if cls in ("all", v["class"])]
        if not sub:
            continue
        caught = sum(v["caught"] for v in sub)
        blamed = sum(v["blamed_right"] for v in sub)
        print(f"| {cls} | {caught} | {len(sub)} | {100 * caught / len(sub):.0f}% | {blamed} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"clean": clean, "verdicts": verdicts}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
