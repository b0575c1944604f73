"""pai-dlc telemetry on the shared simulation generators (fakepai/sim): pod logs and job metrics are
computed where they are read, so a month-long job costs what an hour-long one does (counted in
lines and points generated, not in time); pods replaced after a restart keep their own logs; and
the generic pieces (TimedLines, merged_window, grid_series, noise.seed) on their own."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from alibabacloud_pai_dlc20201203 import models as m

from fakepai.services.dlc import seeded
from fakepai.sim import dlc_job
from fakepai.sim import metrics as sim_metrics
from fakepai.sim.logs import LogStream, TimedLines, merged_window
from fakepai.sim.metrics import IDLE_LOAD, parse_time_step, range_series, resource_value
from fakepai.sim.noise import seed
from fakepai.timestamps import iso_z, parse_iso
from tests.helpers import assert_error, assert_valid_response, sdk_error
from tests.dlc.calls import GW, call, create, get, spec, walk

DAY = 86400
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d .+")
STEP = re.compile(r"^Epoch (\d+) Step (\d+): loss=\d+\.\d{4} accuracy=\d\.\d{4} throughput=\d+\.\d samples/s$")


class Calls:
    """Counts the calls of `owner.name` (a module function or a class's method) for one test."""

    def __init__(self, monkeypatch, owner, name: str):
        self.n = 0
        real = getattr(owner, name)

        def counted(*args, **kwargs):
            self.n += 1
            return real(*args, **kwargs)
        monkeypatch.setattr(owner, name, counted)


def sdk_logs(client, job_id, pod_id, **kw) -> dict:
    body = client.get_pod_logs(job_id, pod_id, m.GetPodLogsRequest(**kw)).body.to_map()
    assert_valid_response("pai-dlc", "GetPodLogs", body)
    assert all(LINE.match(line) for line in body["Logs"])
    return body


def gw_logs(gw, **params) -> dict:
    body = call(gw, "GetPodLogs", **params)
    assert_valid_response("pai-dlc", "GetPodLogs", body)
    return body


def stamp_epoch(line: str) -> float:
    """A line's +08:00 stamp as epoch seconds."""
    return datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone(timedelta(hours=8))).timestamp()


def steps(lines: list[str]) -> list[int]:
    out = []
    for line in lines:
        found = STEP.match(line[20:])
        assert found, line
        out.append(int(found.group(2)))
    return out


def running_since(client, job_id) -> float:
    return parse_iso(next(h["StartTime"] for h in get(client, job_id)["StatusHistory"] if h["Status"] == "Running"))


# -- logs: a month costs what an hour does -----------------------------------------------------------

def test_a_month_long_log_is_paged_by_arithmetic_not_stored(fakepai, dlc_client, gw, monkeypatch):
    fakepai.freeze_clock()
    job_id = create(dlc_client, "forever", settings=m.JobSettings(tags={"fakepai.outcome": "hang"}))
    walk(fakepai, dlc_client, job_id, {"Running"})
    pod = f"{job_id}-worker-0"
    began = running_since(dlc_client, job_id)
    written = Calls(monkeypatch, dlc_job, "progress_line")      # progress lines written
    inspected = Calls(monkeypatch, LogStream, "time")              # progress lines looked at

    def page(**kw) -> tuple[list[str], int, int]:
        written.n = inspected.n = 0
        lines = sdk_logs(dlc_client, job_id, pod, **kw)["Logs"]
        return lines, written.n, inspected.n

    fakepai.advance(3600)
    hour, hour_written, hour_inspected = page(max_lines=100, start_time=iso_z(began + 60))   # past the start-up lines
    fakepai.advance(30 * DAY - 3600)
    month, month_written, month_inspected = page(max_lines=100)
    # A page of 100 writes and looks at 100 progress lines (one more at most), however old the job.
    assert len(hour) == len(month) == 100
    assert month_written == 100 and month_inspected <= 101
    assert (month_written, month_inspected) == (hour_written, hour_inspected)
    # MaxLines keeps the newest lines of the window (the log tail): the page ends now, 30 days into
    # the run, with the step the clock gives (a line every 10 s, 50 steps a line), one line at a time.
    numbers = steps(month)
    assert numbers == list(range(numbers[0], numbers[0] + 50 * 100, 50))
    first, last = stamp_epoch(month[0]), stamp_epoch(month[-1])
    assert abs(last - fakepai.now()) <= 10
    assert abs(first - began - numbers[0] / 5) <= 1
    # Any point of the month is one request away, through the gateway form too: the tail of a window
    # that ends there.
    middle = began + 15 * DAY
    body = gw_logs(gw, JobId=job_id, PodId=pod, StartTime=iso_z(middle - 3600), EndTime=iso_z(middle), MaxLines=5)
    assert body["PodUid"] == get(dlc_client, job_id)["Pods"][0]["PodUid"]
    numbers = steps(body["Logs"])
    assert len(numbers) == 5 and abs(numbers[-1] - 15 * DAY * 5) <= 50
    assert body["Logs"] == sdk_logs(dlc_client, job_id, pod, start_time=iso_z(middle - 3600), end_time=iso_z(middle),
                                    max_lines=5)["Logs"]
    # The newest lines: the last minute holds six, the last one the clock's step.
    latest, _, _ = page(start_time=iso_z(fakepai.now() - 60))
    assert len(latest) in (5, 6, 7) and abs(steps(latest)[-1] - (fakepai.now() - began) * 5) <= 50
    # Past the newest line: an empty page, not an error.
    assert gw_logs(gw, JobId=job_id, PodId=pod, StartTime=iso_z(fakepai.now() + 60))["Logs"] == []


# -- metrics: only the window's points are computed ---------------------------------------------------

def test_a_month_of_metrics_computes_only_the_window(fakepai, dlc_client, gw, monkeypatch):
    fakepai.freeze_clock()
    job_id = create(dlc_client, "steady", job_specs=[spec(pod_count=2)],
                    settings=m.JobSettings(tags={"fakepai.outcome": "hang"}))
    walk(fakepai, dlc_client, job_id, {"Running"})
    fakepai.advance(30 * DAY)
    sampled = Calls(monkeypatch, sim_metrics, "resource_value")
    week = iso_z(fakepai.now() - 7 * DAY)
    week_ms = int(parse_iso(week) * 1000)
    body = dlc_client.get_job_metrics(job_id, m.GetJobMetricsRequest(
        metric_type="GpuCoreUsage", time_step="1h", start_time=week)).body.to_map()
    assert_valid_response("pai-dlc", "GetJobMetrics", body)
    assert [p["PodId"] for p in body["PodMetrics"]] == [f"{job_id}-worker-0", f"{job_id}-worker-1"]
    total = 0
    for pod in body["PodMetrics"]:
        times = [p["Time"] for p in pod["Metrics"]]
        # A range query: evaluated at StartTime + k * TimeStep (docs/clients.md).
        assert len(times) in (168, 169) and all((t - week_ms) % 3_600_000 == 0 for t in times)
        assert all(b - a == 3_600_000 for a, b in zip(times, times[1:]))
        assert all(0 <= p["Value"] <= 100 for p in pod["Metrics"])
        total += len(times)
    assert sampled.n == total                        # one computed sample per point returned
    gw_body = call(gw, "GetJobMetrics", JobId=job_id, MetricType="GpuCoreUsage", TimeStep="1h", StartTime=week)
    assert_valid_response("pai-dlc", "GetJobMetrics", gw_body)
    assert gw_body["PodMetrics"] == body["PodMetrics"]
    # A day is a step too; 30 days at 10 s is more than 11,000 points a pod: 400 naming TimeStep.
    month_start = iso_z(fakepai.now() - 30 * DAY)
    daily = call(gw, "GetJobMetrics", JobId=job_id, MetricType="CpuCoreUsage", TimeStep="1d", StartTime=month_start)
    assert all((p["Time"] - parse_iso(month_start) * 1000) % 86_400_000 == 0 for p in daily["PodMetrics"][0]["Metrics"])
    assert 29 <= len(daily["PodMetrics"][0]["Metrics"]) <= 31
    month = iso_z(fakepai.now() - 30 * DAY)
    error = assert_error(gw.get(f"{GW}/GetJobMetrics", params={"JobId": job_id, "MetricType": "CpuCoreUsage",
                                                              "TimeStep": "10s", "StartTime": month}),
                         400, "InvalidParameter")
    assert "TimeStep" in error["Message"]
    assert sdk_error(lambda: dlc_client.get_job_metrics(job_id, m.GetJobMetricsRequest(
        metric_type="CpuCoreUsage", time_step="1.5s"))).code == "InvalidParameter"   # whole seconds only


# -- restarts: each incarnation of a pod has its own log; metrics continue across them -----------------

def test_replaced_pods_have_their_own_logs_and_continue_the_series(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    job_id = create(dlc_client, "phoenix", settings=m.JobSettings(
        enable_error_monitoring_in_aimaster=True, tags={"fakepai.outcome": "succeed@300+restarts=1"}))
    walk(fakepai, dlc_client, job_id, {"Succeeded"}, step=20)
    job = get(dlc_client, job_id)
    pod = job["Pods"][0]
    earlier = pod["HistoryPods"][0]
    fault = parse_iso(earlier["GmtFinishTime"])
    pod_id = pod["PodId"]

    current = sdk_logs(dlc_client, job_id, pod_id)
    assert current["PodUid"] == pod["PodUid"]
    text = [line[20:] for line in current["Logs"]]
    assert text[0].startswith("[dlc] Pulling image") and text[-1] == "[dlc] Process exited with code 0."
    assert all(stamp_epoch(line) >= fault for line in current["Logs"])          # the replacement's own lines
    old = gw_logs(gw, JobId=job_id, PodId=pod_id, PodUid=earlier["PodUid"])
    assert old["PodUid"] == earlier["PodUid"]
    assert all(stamp_epoch(line) <= fault for line in old["Logs"])
    assert old["Logs"] == sdk_logs(dlc_client, job_id, pod_id, pod_uid=earlier["PodUid"])["Logs"]
    # The replacement resumes from the checkpoint: its first step follows the last one before the fault.
    before = steps([line for line in old["Logs"] if line[20:].startswith("Epoch ")])
    after = steps([line for line in current["Logs"] if line[20:].startswith("Epoch ")])
    assert before[0] == 50 and after[0] == before[-1] + 50
    # The only pod is the faulty one: its log and events end the way RestartRecord's fault says.
    detail = job["RestartRecord"][0]["DetailErrorInfoList"][0]
    assert detail["Pod"] == pod_id and detail["Node"] == earlier["NodeName"]
    text = [line[20:] for line in old["Logs"]]
    events = call(gw, "GetPodEvents", JobId=job_id, PodId=pod_id, PodUid=earlier["PodUid"])["Events"]
    if detail["ErrorSource"] == "Node":
        assert not text[-1].startswith("[dlc] Process exited") and events[-1].endswith("the pod is lost.")
    else:
        code = 137 if detail["ErrorCode"] == "ProcessExited" else 1
        assert text[-1] == f"[dlc] Process exited with code {code}."
        assert events[-1].endswith(f"Container pytorch failed (exit code {code}).")
    assert_error(gw.get(f"{GW}/GetPodLogs", params={"JobId": job_id, "PodId": pod_id, "PodUid": str(uuid.uuid4())}),
                 404, "NotFound")
    job_events = call(gw, "GetJobEvents", JobId=job_id)["Events"]
    assert sum(e.endswith(f"Created pod: {pod_id}") for e in job_events) == 2

    body = call(gw, "GetJobMetrics", JobId=job_id, MetricType="CpuCoreUsage", TimeStep="10s",
                StartTime=job["GmtCreateTime"])
    assert_valid_response("pai-dlc", "GetJobMetrics", body)
    assert [p["PodId"] for p in body["PodMetrics"]] == [pod_id]                 # one series per PodId
    times = [p["Time"] / 1000 for p in body["PodMetrics"][0]["Metrics"]]
    resumed = parse_iso(pod["GmtStartTime"])
    assert times == sorted(times) and any(t < fault for t in times) and any(t >= resumed for t in times)
    # nothing while restarting once the old life's last sample is older than the one-step look-back
    assert not any(fault + 10 <= t < resumed - 1 for t in times)


# -- the generic pieces ------------------------------------------------------------------------------

def test_merged_window_reads_sources_in_time_order_and_only_as_far_as_the_page():
    fixed = TimedLines([(5.0, "late"), (0.0, "first"), (10.0, "tie: fixed"), (10.0, "tie: fixed again")])
    grid = LogStream(start=10.0, step=10.0, per_record=1, record=lambda k: (f"record {k}",), end=45.0)
    assert fixed.lines(0, 4) == ["first", "late", "tie: fixed", "tie: fixed again"]   # sorted, stable
    everything = merged_window([fixed, grid], now=100.0)
    assert [text for _, text in everything] == ["first", "late", "tie: fixed", "tie: fixed again", "record 0",
                                                 "record 1", "record 2", "record 3"]
    assert [t for t, _ in everything] == sorted(t for t, _ in everything)
    assert merged_window([fixed, grid], now=100.0, lo=10.0, hi=30.0, limit=3) == [
        (10.0, "tie: fixed"), (10.0, "tie: fixed again"), (10.0, "record 0")]
    assert merged_window([fixed, grid], now=25.0, lo=5.0) == [(5.0, "late"), (10.0, "tie: fixed"),
                                                               (10.0, "tie: fixed again"), (10.0, "record 0"),
                                                               (20.0, "record 1")]
    assert merged_window([fixed, grid], now=100.0, lo=50.0) == []
    # An endless stream: the 10th page of 10 writes 10 records.
    written = []
    endless = LogStream(start=0.0, step=1.0, per_record=1, record=lambda k: written.append(k) or (str(k),))
    page = merged_window([endless], now=1e9, lo=1e8, limit=10)
    assert [text for _, text in page] == [str(k) for k in range(10**8, 10**8 + 10)] and len(written) == 10


def test_range_series_evaluates_from_the_start_looking_back_one_step():
    NOW = 9000.0  # noqa: N806
    born, end = 1005.0, 1100.0
    points = range_series("pod-a", "CpuCoreUsage", born, end, 1000.0, 5000.0, 10.0, NOW)
    # t = 1000 + 10k: from the first evaluation after birth to the last whose look-back meets the life
    assert [t for t, _ in points] == [1010.0 + 10 * k for k in range(10)]
    assert points[-1] == (1100.0, resource_value("pod-a", "CpuCoreUsage", end - born, int(end), 10.0))  # last sample
    assert points == range_series("pod-a", "CpuCoreUsage", born, end, 1000.0, 5000.0, 10.0, NOW)
    assert all(v == resource_value("pod-a", "CpuCoreUsage", t - born, int(t), 10.0) for t, v in points[:-1])
    # Another start shifts the grid; samples at the same instant agree.
    shifted = dict(range_series("pod-a", "CpuCoreUsage", born, end, 1003.0, 5000.0, 5.0, NOW))
    assert [t for t in shifted] == [1008.0 + 5 * k for k in range(20)]
    # A life shorter than a step (103 s at 5 minutes) still has a point.
    short = range_series("pod-a", "CpuCoreUsage", 1010.0, 1113.0, 1000.0, 5000.0, 300.0, NOW)
    assert [t for t, _ in short] == [1300.0]
    # ... even when that evaluation is later than now: the finished life's last sample is final.
    assert range_series("pod-a", "CpuCoreUsage", 1010.0, 1113.0, 1000.0, 5000.0, 300.0, 1200.0) == short
    # A life still alive has nothing after now (nor does one whose planned end is still ahead).
    assert range_series("pod-a", "CpuCoreUsage", born, None, 1000.0, 1000.0, 10.0, NOW) == []     # not born yet
    alive = range_series("pod-a", "CpuCoreUsage", born, 2000.0, 1000.0, 5000.0, 10.0, 1042.0)
    assert [t for t, _ in alive] == [1010.0, 1020.0, 1030.0, 1040.0]
    idle = range_series("pod-a", "GpuCoreUsage", born, end, 1000.0, 5000.0, 10.0, NOW, idle_from=1060.0)
    working = range_series("pod-a", "GpuCoreUsage", born, end, 1000.0, 5000.0, 10.0, NOW)
    assert idle[:5] == working[:5]
    assert [v for _, v in idle[5:]] == [round(v * IDLE_LOAD, 2) for _, v in working[5:]]
    with pytest.raises(ValueError):
        range_series("pod-a", "Bogus", born, end, 1000.0, 5000.0, 10.0, NOW)
    assert [parse_time_step(s) for s in ("1d", "2 days", "1h")] == [86400, 172800, 3600]


def test_seeded_values_are_fixed_by_their_key_and_drawn_from_sim_noise():
    assert seed("a", 1) == seed("a", 1) != seed("a", 2) and 0 <= seed("a") < 2**128
    assert seeded.unit("k", 1) == seeded.unit("k", 1) and 0 <= seeded.unit("k", 2) < 1
    assert 2 <= seeded.between(2, 4, "pull", "pod") < 4
    assert seeded.rng("node", "pod").random() == seeded.rng("node", "pod").random()
    pod_uid = seeded.uuid_for("pod-uid", "pod")
    assert pod_uid == seeded.uuid_for("pod-uid", "pod") != seeded.uuid_for("pod-uid", "other")
    assert uuid.UUID(pod_uid).version == 4
