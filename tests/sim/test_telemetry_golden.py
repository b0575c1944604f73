"""What jobs print, report and measure is unchanged, to the byte, by where its generators live
(tests/sim/telemetry_scenarios.py: the scenarios, and how to rewrite the record)."""
from __future__ import annotations

from tests.sim.telemetry_scenarios import GOLDEN, dump, scenarios


def test_telemetry_answers_are_the_recorded_ones():
    recorded = GOLDEN.read_text(encoding="utf-8")
    now = dump(scenarios())
    if now != recorded:
        # The first differing line, with its neighbours, rather than two 600 kB strings.
        old, new = recorded.splitlines(), now.splitlines()
        first = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
        context = slice(max(0, first - 3), first + 3)
        raise AssertionError(f"line {first + 1} differs:\nrecorded {old[context]}\nnow      {new[context]}")
