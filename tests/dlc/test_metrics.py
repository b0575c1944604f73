"""pai-dlc GetJobMetrics: per-pod series on the plan, through the official SDK and the seed's
gateway example."""
from __future__ import annotations

import pytest
from alibabacloud_pai_dlc20201203 import models as m

from fakepai.timestamps import iso_z, parse_iso
from tests.helpers import assert_error, assert_valid_response, sdk_error
from tests.dlc.calls import GW, call, create, get, spec, walk

METRICS = ["GpuCoreUsage", "GpuMemoryUsage", "CpuCoreUsage", "MemoryUsage", "NetworkInputRate",
           "NetworkOutputRate", "DiskReadRate", "DiskWriteRate"]


def metrics(client, job_id, metric, **kw) -> dict:
    body = client.get_job_metrics(job_id, m.GetJobMetricsRequest(metric_type=metric, **kw)).body.to_map()
    assert_valid_response("pai-dlc", "GetJobMetrics", body)
    return body


def on_grid(times: list[int], start_ms: float, step_ms: int) -> bool:
    """Every time is StartTime + k * TimeStep (to the millisecond the API rounds to)."""
    return all(abs((t - start_ms) - round((t - start_ms) / step_ms) * step_ms) <= 1 for t in times)


@pytest.fixture
def finished(fakepai, dlc_client) -> tuple[str, dict]:
    """A two-pod GPU job run to completion on a frozen clock, and its GetJob."""
    fakepai.freeze_clock()
    job_id = create(dlc_client, "metrics", job_specs=[spec(pod_count=2)])
    walk(fakepai, dlc_client, job_id, {"Succeeded"}, step=20)
    fakepai.advance(120)
    return job_id, get(dlc_client, job_id)


@pytest.mark.parametrize("metric", METRICS)
def test_every_metric_type_has_points_only_while_each_pod_ran(fakepai, dlc_client, finished, metric):
    job_id, job = finished
    body = metrics(dlc_client, job_id, metric, time_step="10s")
    assert body["JobId"] == job_id
    assert [p["PodId"] for p in body["PodMetrics"]] == [f"{job_id}-worker-0", f"{job_id}-worker-1"]
    start_ms = parse_iso(job["Pods"][0]["GmtStartTime"]) * 1000
    end_ms = (parse_iso(job["Pods"][0]["GmtFinishTime"]) + 1) * 1000
    window_start_ms = (fakepai.now() - 3600) * 1000                              # the default window
    for pod in body["PodMetrics"]:
        times = [p["Time"] for p in pod["Metrics"]]
        assert len(times) >= 3 and times == sorted(times)
        assert all(isinstance(t, int) for t in times)                            # epoch ms
        assert on_grid(times, window_start_ms, 10_000)                           # StartTime + k * 10 s
        assert all(start_ms <= t < end_ms + 10_000 for t in times)               # + one step of look-back
        assert all(b - a == 10_000 for a, b in zip(times, times[1:]))
        values = [p["Value"] for p in pod["Metrics"]]
        assert all(v >= 0 for v in values)
        if metric.endswith("Usage"):
            assert all(v <= 100 for v in values)
    assert body["PodMetrics"][0]["Metrics"] != body["PodMetrics"][1]["Metrics"]   # per pod


def test_series_are_deterministic_and_follow_the_time_step(fakepai, dlc_client, finished):
    job_id, _ = finished
    first = metrics(dlc_client, job_id, "GpuCoreUsage", time_step="10s")
    again = metrics(dlc_client, job_id, "GpuCoreUsage", time_step="10s")
    assert first["PodMetrics"] == again["PodMetrics"]
    window_start_ms = (fakepai.now() - 3600) * 1000
    coarse = metrics(dlc_client, job_id, "GpuCoreUsage", time_step="1m")["PodMetrics"][0]["Metrics"]
    assert on_grid([p["Time"] for p in coarse], window_start_ms, 60_000)
    assert len(coarse) < len(first["PodMetrics"][0]["Metrics"])
    for step, unit in (("30", 30_000), ("2m", 120_000), ("1h", 3_600_000)):
        pts = metrics(dlc_client, job_id, "CpuCoreUsage", time_step=step)["PodMetrics"][0]["Metrics"]
        assert pts and on_grid([p["Time"] for p in pts], window_start_ms, unit)
    # The default window is the last hour and the default step 5 minutes.
    default = metrics(dlc_client, job_id, "CpuCoreUsage")["PodMetrics"][0]["Metrics"]
    assert default and on_grid([p["Time"] for p in default], window_start_ms, 300_000)


@pytest.mark.parametrize("outcome", ["succeed@103", "succeed@20"])
def test_a_short_job_has_a_point_per_pod_with_the_defaults(fakepai, dlc_client, outcome):
    """A range query looks back one step from each evaluation (docs/clients.md): a job that ran
    103 s, or less than one TimeStep, still has points for every pod with the default 5-minute
    step and last-hour window, and so does a pod that has run for less than a step."""
    fakepai.freeze_clock()
    job_id = create(dlc_client, "short", job_specs=[spec(pod_count=2)],
                    settings=m.JobSettings(tags={"fakepai.outcome": outcome}))
    walk(fakepai, dlc_client, job_id, {"Running"})
    fakepai.advance(15)
    running = metrics(dlc_client, job_id, "CpuCoreUsage")["PodMetrics"]
    assert len(running) == 2 and all(len(p["Metrics"]) == 1 for p in running)
    walk(fakepai, dlc_client, job_id, {"Succeeded"}, step=10)
    fakepai.advance(60)
    done = metrics(dlc_client, job_id, "CpuCoreUsage")["PodMetrics"]
    assert len(done) == 2 and all(p["Metrics"] for p in done)
    job = get(dlc_client, job_id)
    for pod, listed in zip(done, job["Pods"]):
        started, finished_at = parse_iso(listed["GmtStartTime"]), parse_iso(listed["GmtFinishTime"])
        assert all(started * 1000 <= pt["Time"] < (finished_at + 1 + 300) * 1000 for pt in pod["Metrics"])


def test_a_cpu_job_has_no_gpu_series_and_a_queued_job_no_pods(fakepai, dlc_client):
    fakepai.freeze_clock()
    cpu = create(dlc_client, "cpu", job_specs=[spec(ecs_spec="ecs.g6.xlarge")])
    assert metrics(dlc_client, cpu, "GpuCoreUsage")["PodMetrics"] == []          # no pods while Creating
    walk(fakepai, dlc_client, cpu, {"Running"})
    fakepai.advance(30)
    body = metrics(dlc_client, cpu, "GpuCoreUsage", time_step="10s")
    assert [p["Metrics"] for p in body["PodMetrics"]] == [[]]
    assert metrics(dlc_client, cpu, "MemoryUsage", time_step="10s")["PodMetrics"][0]["Metrics"]


def test_seed_get_job_metrics_example(fakepai, gw, finished):
    job_id, job = finished
    # The seed's query, verbatim but for the job id: a 2020 window holds no points of a job run today.
    resp = gw.get(f"{GW}/GetJobMetrics?JobId={job_id}&MetricType=GpuMemoryUsage"
                  "&StartTime=2020-11-08T16:00:00Z&EndTime=2020-11-09T16:00:00Z&TimeStep=5m")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert_valid_response("pai-dlc", "GetJobMetrics", body)
    assert body["JobId"] == job_id and all(p["Metrics"] == [] for p in body["PodMetrics"])
    start = parse_iso(job["GmtCreateTime"]) - 3600
    body = call(gw, "GetJobMetrics", JobId=job_id, MetricType="GpuMemoryUsage", StartTime=iso_z(start),
                EndTime=iso_z(start + 86400), TimeStep="5m")
    assert all(p["Metrics"] and on_grid([pt["Time"] for pt in p["Metrics"]], parse_iso(iso_z(start)) * 1000, 300_000)
               for p in body["PodMetrics"])
    body = call(gw, "GetJobMetrics", JobId=job_id, MetricType="GpuMemoryUsage", StartTime=iso_z(start),
                EndTime=iso_z(start + 86400), TimeStep="10s")
    assert all(p["Metrics"] for p in body["PodMetrics"])


def test_bad_metric_requests(fakepai, gw, dlc_client):
    job_id = create(dlc_client)
    for params, code in [
        ({"JobId": job_id}, "MissingParameter"),
        ({"JobId": job_id, "MetricType": "GpuTemperature"}, "InvalidParameter"),
        ({"JobId": job_id, "MetricType": "CpuCoreUsage", "TimeStep": "fast"}, "InvalidParameter"),
        ({"JobId": job_id, "MetricType": "CpuCoreUsage", "TimeStep": "0s"}, "InvalidParameter"),
        ({"JobId": job_id, "MetricType": "CpuCoreUsage", "StartTime": "noon"}, "InvalidParameter"),
        ({"JobId": job_id, "MetricType": "CpuCoreUsage", "StartTime": "2024-01-02T00:00:00Z",
          "EndTime": "2024-01-01T00:00:00Z"}, "InvalidParameter"),
        ({"JobId": job_id, "MetricType": "CpuCoreUsage", "StartTime": "2000-01-01T00:00:00Z", "TimeStep": "1s"},
         "InvalidParameter"),
    ]:
        assert_error(gw.get(f"{GW}/GetJobMetrics", params=params), 400, code)
    assert_error(gw.get(f"{GW}/GetJobMetrics", params={"JobId": "dlcnosuchjob0000", "MetricType": "CpuCoreUsage"}),
                 404, "NotFound")
    assert sdk_error(lambda: dlc_client.get_job_metrics(job_id, m.GetJobMetricsRequest())).code == "MissingParameter"
