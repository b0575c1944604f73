"""The product-neutral generators in fakepai.sim: regex-synthesised log lines, lazy log streams,
metric curves and resource series. Pure functions: no server needed."""
from __future__ import annotations

import re
import time

import pytest

from fakepai.sim import regex_values
from fakepai.sim.logs import LogStream, page_window
from fakepai.sim.metrics import RESOURCE_METRIC_TYPES, Curve, parse_time_step, resource_series
from fakepai.sim.noise import spread, unit

# Regexes users write (the first from the reference), the value each line must carry back.
REGEXES = [
    r".*train:loss=([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*",
    r"loss: (\d+\.\d+)",
    r"^acc\s*:\s*(\d+\.\d+)%$",
    r"val_acc\s+([0-9.]+)",
    r"(?i)LOSS=(\S+)",
    r"(?P<value>\d*\.\d{4})\s+loss",
    r"epoch (\d+)",
    r"(?:train|eval)_loss[=:]\s*([0-9]+(?:\.[0-9]*)?)",
    r"\bmetric\b.*?\[(\d+\.\d+)\]",
    r"lr=([0-9.eE+-]+)",
]


@pytest.mark.parametrize("pattern", REGEXES)
def test_synthesised_lines_match_the_users_regex(pattern):
    for name, values in (("loss", (0.0123, 0.4213, 2.5)), ("accuracy", (0.1, 0.97))):
        template = regex_values.for_regex(pattern, name, (0.0123, 3.1416))
        assert template.matches, pattern
        for value in values:
            line = template.render(value, "[epoch 3] ")
            m = re.search(pattern, line)
            assert m, (pattern, line)
            assert float(m.group(1)) == template.value_of(value) == template.extract(line)


def test_the_reference_example_reads_like_a_training_log():
    template = regex_values.for_regex(r".*train:loss=([-+]?[0-9]*\.?[0-9]+).*", "loss")
    assert template.render(0.4213, "[epoch 3] ") == "[epoch 3] train:loss=0.4213"


def test_an_anchored_regex_gets_no_prefix_and_integers_stay_integers():
    anchored = regex_values.for_regex(r"^loss=(\d+\.\d+)$", "loss")
    assert anchored.render(0.5, "[epoch 3] ") == "loss=0.5000"
    counter = regex_values.for_regex(r"epoch (\d+)", "epoch", (1.0, 99.0), regex_values.INTEGER)
    assert counter.render(7.0).endswith("epoch 7")
    lr = regex_values.for_regex(r"lr=([0-9.eE+-]+)", "lr", Curve("schedule").probes, Curve("schedule").formats)
    assert lr.render(0.000001) == "lr=1.000e-06" and lr.extract(lr.render(0.000001)) == 0.000001
    plain = regex_values.for_regex(r"lr: ([0-9.]+)", "lr", Curve("schedule").probes, Curve("schedule").formats)
    assert plain.render(0.000001) == "lr: 0.000001"


@pytest.mark.parametrize("pattern", [r"(a)\1", r"no group here", r"[^a]b\b(x|y)", r"(?(1)a|b)"])
def test_unwritable_regexes_fall_back_to_name_equals_value(pattern):
    template = regex_values.for_regex(pattern, "loss")
    assert template.render(0.25) == "loss=0.2500"
    # Extraction still goes through the user's regex: these never yield a value.
    assert template.extract(template.render(0.25)) is None and not template.matches


def test_fallback_line_is_read_when_the_regex_happens_to_match_it():
    # A conditional group is beyond the walker, but the fallback line satisfies the regex.
    template = regex_values.for_regex(r"loss=(\d+\.\d+)(?(1)|x)", "loss")
    assert regex_values.skeleton(r"loss=(\d+\.\d+)(?(1)|x)") is None
    assert template.render(0.25) == "loss=0.2500" and template.extract("loss=0.2500") == 0.25 and template.matches


def test_noise_is_a_pure_function_of_its_key():
    assert unit("a", 1) == unit("a", 1) != unit("a", 2)
    assert all(0 <= unit("k", i) < 1 and -1 <= spread("k", i) < 1 for i in range(200))


def test_curves_fall_rise_and_count():
    loss, acc = Curve.for_name("train_loss"), Curve.for_name("val_accuracy")
    assert (loss.kind, acc.kind) == ("falling", "rising")
    assert Curve.for_name("lr").kind == Curve.for_name("Learning-Rate").kind == Curve.for_name("train/lr").kind == "schedule"
    assert Curve.for_name("epoch").kind == "epoch"
    assert loss.value("s", 0, 100) > loss.value("s", 50, 100) > loss.value("s", 99, 100)
    assert acc.value("s", 0, 100) < acc.value("s", 50, 100) < acc.value("s", 99, 100) <= 1
    for curve in (loss, acc, Curve.for_name("lr")):
        low, high = curve.probes
        assert all(low <= curve.value("s", k, 50) <= high for k in range(0, 120))
    assert Curve.for_name("epoch").value("s", 25, 100) == 3.0


def _stream(end=None, per_record=2, footer=("done",)) -> LogStream:
    return LogStream(start=1000.0, step=1.0, per_record=per_record,
                     record=lambda k: [f"step {k} a", f"step {k} b"][:per_record],
                     header=("h0", "h1", "h2", "h3"), footer=footer, end=end)


def test_log_stream_counts_grow_and_lines_never_change():
    live = _stream()
    seen: list[str] = []
    previous = 0
    for t in [999.0 + 0.1 * i for i in range(200)]:
        n = live.count(t)
        assert n >= previous
        assert live.lines(0, n)[:len(seen)] == seen     # the past is never rewritten
        seen, previous = live.lines(0, n), n
    assert seen[:6] == ["h0", "h1", "h2", "h3", "step 0 a", "step 0 b"]
    assert live.time(4) == 1001.0 and live.time(0) == 1000.0


def test_log_stream_end_cuts_the_future_only():
    live = _stream()
    ended = _stream(end=1010.5)
    now = 1010.0
    assert ended.lines(0, ended.count(now)) == live.lines(0, live.count(now))
    total = ended.count(10**9)
    assert total == ended.count(1010.5) == 4 + 10 * 2 + 1      # records at 1001..1010, then the footer
    assert ended.line(total - 1) == "done" and ended.time(total - 1) == 1010.5
    assert ended.count(1010.49) == total - 1
    # Ended during the header: no body at all, the footer at the end.
    early = _stream(end=1000.6)
    assert early.lines(0, early.count(2000)) == ["h0", "h1", "h2", "done"]


def test_log_stream_windows_and_pages():
    stream = _stream(end=1020.0)
    first, last = stream.window(now=5000.0, lo=1003.0, hi=1005.0)
    assert stream.lines(first, last) == ["step 2 a", "step 2 b", "step 3 a", "step 3 b", "step 4 a", "step 4 b"]
    assert page_window(first, last, 2, 4) == (first + 4, last)
    assert page_window(first, last, 9, 4) == (last, last)
    assert stream.window(now=999.0) == (0, 0)


def test_a_million_line_stream_costs_what_a_small_one_does():
    big = LogStream(start=0.0, step=1.0, per_record=1, record=lambda k: [f"line {k}"], end=1_000_000.0)
    small = LogStream(start=0.0, step=1.0, per_record=1, record=lambda k: [f"line {k}"], end=100.0)
    assert big.count(2e6) == 1_000_000 and small.count(2e6) == 100

    def cost(stream, first):
        began = time.perf_counter()
        for _ in range(50):
            stream.count(2e6)
            stream.lines(first, first + 100)
        return time.perf_counter() - began

    assert big.lines(999_900, 1_000_000)[-1] == "line 999999"
    assert cost(big, 900_000) < 5 * cost(small, 0) + 0.01


def test_resource_series_live_only_while_the_resource_ran():
    for kind in RESOURCE_METRIC_TYPES:
        points = resource_series("job/i0", kind, 1000.0, 1100.0, 10.0, now=5000.0)
        assert [t for t, _ in points] == [1000.0 + 10 * k for k in range(11)]
        assert all(v >= 0 for _, v in points)
        if kind.endswith("Usage"):
            assert all(v <= 100 for _, v in points)
        assert points == resource_series("job/i0", kind, 1000.0, 1100.0, 10.0, now=5000.0)
    running = resource_series("job/i0", "CpuCoreUsage", 1000.0, None, 10.0, now=1035.0)
    assert [t for t, _ in running] == [1000.0, 1010.0, 1020.0, 1030.0]
    window = resource_series("job/i0", "CpuCoreUsage", 1000.0, None, 10.0, now=1035.0, lo=1005.0, hi=1020.0)
    assert window == running[1:3]
    assert resource_series("job/i0", "CpuCoreUsage", 1000.0, None, 10.0, now=999.0) == []
    with pytest.raises(ValueError):
        resource_series("job/i0", "Bogus", 0, None, 10.0, now=1)


def test_time_steps():
    assert [parse_time_step(s) for s in ("1h", "30m", "5m", "10s", "5 minutes", "30")] == [3600, 1800, 300, 10, 300, 30]
    for bad in ("0s", "5 parsecs", "-1m"):
        with pytest.raises(ValueError):
            parse_time_step(bad)
