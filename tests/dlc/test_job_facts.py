"""What a pai-dlc job says about itself and how ListJobs finds it by that:

ClusterId / supportedProfilingTypes / pod ResourceType `Normal`, JobReplicaStatuses that count the
pods actually scheduled, reserved pods that idle once the work is done, and ListJobs filtering and
sorting on per-job facts (building full views only for the page it returns) with the same results
as before, down to the second its timestamps show."""
from __future__ import annotations

import copy
import re

from alibabacloud_pai_dlc20201203 import models as m

from fakepai.services.dlc import views, lifecycle
from fakepai.services.dlc.job_store import DlcJobStore, JobRecord, whole_seconds
from fakepai.timestamps import iso_z, parse_iso
from tests.helpers import assert_error, assert_valid_response
from tests.dlc.calls import GW, call, create, get, spec, walk

CLUSTER = re.compile(r"^c[0-9a-f]{32}$")
HANG = m.JobSettings(tags={"fakepai.outcome": "hang"})


def test_jobs_show_their_cluster_profiling_types_and_pod_usage_type(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    a = create(dlc_client, "a", settings=HANG)
    b = create(dlc_client, "b", settings=HANG)
    quota = create(dlc_client, "q", resource_id="quotam670lixikcl", settings=HANG, job_specs=[
        m.JobSpec(type="Worker", pod_count=1, image="i", resource_config=m.ResourceConfig(cpu="4", gpu="1", memory="16Gi"))])
    lingjun = create(dlc_client, "l", settings=HANG, job_specs=[spec(ecs_spec="ml.gu7ef.c96m1600.8-gu100")])
    walk(fakepai, dlc_client, a, {"Running"})
    jobs = {x: get(dlc_client, x) for x in (a, b, quota, lingjun)}
    # Public ECS jobs of a region share its pool's cluster; a quota and Lingjun run elsewhere.
    assert all(CLUSTER.match(j["ClusterId"]) for j in jobs.values())
    assert jobs[a]["ClusterId"] == jobs[b]["ClusterId"]
    assert len({jobs[a]["ClusterId"], jobs[quota]["ClusterId"], jobs[lingjun]["ClusterId"]}) == 3
    assert (jobs[a]["ResourceType"], jobs[quota]["ResourceType"], jobs[lingjun]["ResourceType"]) == ("ECS", "ECS", "Lingjun")
    for job in jobs.values():
        assert job["supportedProfilingTypes"] == "sysom"
        # "The pod resource usage type", example Normal [SDK]: not the job's ECS / Lingjun.
        assert job["Pods"] and all(p["ResourceType"] == "Normal" and p["supportedProfilingTypes"] == "sysom"
                                   for p in job["Pods"])
    listed = {j["JobId"]: j for j in call(gw, "ListJobs")["Jobs"]}
    for job_id, job in jobs.items():
        item = listed[job_id]
        assert item["ClusterId"] == job["ClusterId"] and item["supportedProfilingTypes"] == "sysom"
        assert all(p["supportedProfilingTypes"] == "sysom" for p in item["Pods"])
    assert get(dlc_client, a)["ClusterId"] == jobs[a]["ClusterId"]           # stable across reads


def test_dequeued_counts_only_the_pods_that_were_scheduled(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    waiting = create(dlc_client, "waiting", job_specs=[spec(pod_count=3)],
                     settings=m.JobSettings(tags={"fakepai.outcome": "hang:Queuing"}))
    stopped = create(dlc_client, "stopped", job_specs=[spec(pod_count=2)])
    dlc_client.stop_job(stopped)                           # while Creating: never scheduled
    walk(fakepai, dlc_client, waiting, {"Queuing"})
    fakepai.advance(30)
    assert get(dlc_client, waiting)["JobReplicaStatuses"] == [
        {"Type": "Worker", "Active": 0, "Queuing": 3, "Dequeued": 0, "EstimatedPodCount": 3}]
    job = call(gw, "GetJob", JobId=stopped)
    assert job["Status"] == "Stopped" and not job.get("Pods")
    assert job["JobReplicaStatuses"] == [{"Type": "Worker", "Active": 0, "Queuing": 0, "Dequeued": 0, "EstimatedPodCount": 2}]
    ran = create(dlc_client, "ran", job_specs=[spec(pod_count=2)])
    walk(fakepai, dlc_client, ran, {"Succeeded"}, step=20)
    assert get(dlc_client, ran)["JobReplicaStatuses"] == [
        {"Type": "Worker", "Active": 0, "Queuing": 0, "Dequeued": 2, "EstimatedPodCount": 2}]


def test_reserved_pods_idle_once_the_work_is_done(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    job_id = create(dlc_client, "kept", settings=m.JobSettings(job_reserved_minutes=3, job_reserved_policy="OnSucceed",
                                                                tags={"fakepai.outcome": "succeed@300"}))
    walk(fakepai, dlc_client, job_id, {"Succeeded"}, step=30)
    job = get(dlc_client, job_id)
    work_end = parse_iso(job["GmtSuccessedTime"]) * 1000                # the reservation starts here
    pod_end = parse_iso(job["Pods"][0]["GmtFinishTime"]) * 1000
    assert pod_end - work_end == 180_000
    body = dlc_client.get_job_metrics(job_id, m.GetJobMetricsRequest(
        metric_type="GpuCoreUsage", time_step="10s", start_time=job["GmtCreateTime"])).body.to_map()
    assert_valid_response("pai-dlc", "GetJobMetrics", body)
    points = body["PodMetrics"][0]["Metrics"]
    warm = parse_iso(job["Pods"][0]["GmtStartTime"]) * 1000 + 60_000       # past the warm-up ramp
    working = [p["Value"] for p in points if warm <= p["Time"] < work_end]
    # GmtSuccessedTime shows whole seconds; the work ended within the second after it.
    idle = [p["Value"] for p in points if p["Time"] >= work_end + 1000]
    assert working and min(working) > 50 and len(working) >= 20 and len(idle) >= 17 and max(idle) < 3
    # Nothing after the pod ended but the one-step look-back of a range query (docs/clients.md);
    # GmtFinishTime shows whole seconds, so allow the second after it.
    assert all(isinstance(p["Time"], int) and p["Time"] < pod_end + 1000 + 10_000 for p in points)
    gw_points = call(gw, "GetJobMetrics", JobId=job_id, MetricType="GpuCoreUsage", TimeStep="10s",
                     StartTime=job["GmtCreateTime"])["PodMetrics"][0]["Metrics"]
    assert gw_points == points


def test_list_jobs_builds_full_views_only_for_its_page(fakepai, dlc_client, gw, monkeypatch):
    """2,000 jobs: ListJobs filters and sorts on facts and renders only the page (it used to build
    every job's full view, ~0.5 s per request)."""
    fakepai.freeze_clock()
    first = create(dlc_client, "first")
    user_id = get(dlc_client, first)["UserId"]
    store = fakepai.emulator.world.account("fakepai-test-key").namespace(DlcJobStore)
    now = fakepai.now()
    body = {"DisplayName": "bulk", "JobType": "PyTorchJob", "UserCommand": "python t.py", "Priority": 1,
            "Accessibility": "PRIVATE", "JobSpecs": [{"Type": "Worker", "PodCount": 2, "EcsSpec": "ecs.g6.xlarge"}]}
    for i in range(1999):
        job_id, created = f"dlcbulk{i:09d}", now - 3000 + i
        record_body = dict(body, DisplayName=f"bulk-{i}")
        store.jobs[job_id] = JobRecord(job_id, store.next_seq(), created, created, record_body,
                                       lifecycle.plan_job(job_id, created, copy.deepcopy(record_body)),
                                       user_id, "fakepai-test-key", "86995")
    built = []
    real_view = views.view
    monkeypatch.setattr(views, "view", lambda *a: built.append(a[0].job_id) or real_view(*a))
    page = call(gw, "ListJobs", PageSize=10)
    assert page["TotalCount"] == 2000 and [j["JobId"] for j in page["Jobs"]][:2] == [first, "dlcbulk000001998"]
    assert built == [j["JobId"] for j in page["Jobs"]]
    built.clear()
    by_finish = call(gw, "ListJobs", PageSize=5, PageNumber=3, SortBy="GmtFinishTime", Order="asc",
                     TimeRangeField="GmtFinishTime")
    finishes = [j["GmtFinishTime"] for j in by_finish["Jobs"]]
    assert len(built) == 5 and finishes == sorted(finishes) and 0 < by_finish["TotalCount"] < 2000


def test_list_jobs_windows_on_the_second_its_timestamps_show(fakepai, dlc_client, gw):
    # datetime rounds to microseconds before the text drops them: .9999996 shows the next second.
    fakepai.set_clock(now=1_800_000_000.9999996, speed=0)
    late = create(dlc_client, "late")
    fakepai.set_clock(now=1_800_000_005.4, speed=0)
    early = create(dlc_client, "early")
    assert get(dlc_client, late)["GmtCreateTime"] == iso_z(1_800_000_001) == "2027-01-15T08:00:01Z"

    def ids(**params) -> list[str]:
        return [j["JobId"] for j in call(gw, "ListJobs", **params)["Jobs"]]

    assert ids(StartTime=iso_z(1_800_000_001)) == [early, late]         # shown second >= StartTime
    assert ids(StartTime=iso_z(1_800_000_002)) == [early]
    assert ids(StartTime="2000-01-01T00:00:00Z", EndTime=iso_z(1_800_000_005)) == [early, late]   # 05.4 shows :05
    assert ids(StartTime="2000-01-01T00:00:00Z", EndTime=iso_z(1_800_000_000)) == []
    assert ids(SortBy="GmtCreateTime", Order="asc") == [late, early]


def test_list_jobs_filters_on_facts(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    done = create(dlc_client, "done", description="Nightly run", job_specs=[
        spec(assign_node_spec=m.AssignNodeSpec(enable_assign_node=True, node_names="n1"))])
    queued_a = create(dlc_client, "qa", resource_id="quota-a", priority=7, settings=m.JobSettings(
        tags={"fakepai.outcome": "hang:Queuing"}), job_specs=[m.JobSpec(
            type="Worker", pod_count=1, image="i", resource_config=m.ResourceConfig(cpu="2", memory="4Gi"))])
    queued_b = create(dlc_client, "qb", resource_id="quota-b", settings=m.JobSettings(
        tags={"fakepai.outcome": "hang:Queuing"}), job_specs=[m.JobSpec(
            type="Worker", pod_count=1, image="i", resource_config=m.ResourceConfig(cpu="2", memory="4Gi"))])
    walk(fakepai, dlc_client, done, {"Succeeded"}, step=20)
    fakepai.advance(100)
    dlc_client.update_job(queued_a, m.UpdateJobRequest(description="touched"))
    touched = call(gw, "ListJobs", JobId=queued_a)["Jobs"][0]           # GmtModifiedTime is a JobItem field
    user_id = touched["UserId"]

    def ids(**kw) -> set[str]:
        body = dlc_client.list_jobs(m.ListJobsRequest(**kw)).body.to_map()
        assert_valid_response("pai-dlc", "ListJobs", body)
        assert body["TotalCount"] == len(body["Jobs"])
        return {j["JobId"] for j in body["Jobs"]}

    everything = {done, queued_a, queued_b}
    assert ids(description="NIGHT") == {done} and ids(description="touch") == {queued_a}
    assert ids(username="TEST-KEY") == everything and ids(username="nobody") == set()
    assert ids(user_id_for_filter=user_id) == everything and ids(user_id_for_filter="0") == set()
    assert ids(enable_assign_node="TRUE") == {done} and ids(enable_assign_node="false") == {queued_a, queued_b}
    assert ids(resource_ids="quota-a,quota-b") == {queued_a, queued_b} and ids(resource_ids="quota-b") == {queued_b}
    assert ids(numeric_range_field="Priority", numeric_range_min=5) == {queued_a}
    assert ids(numeric_range_field="Duration", numeric_range_min=1) == {done}
    assert ids(numeric_range_field="RequestMemory", numeric_range_max=4) == {queued_a, queued_b}
    assert ids(time_range_field="GmtRunningTime") == {done}                   # the others never ran
    assert ids(time_range_field="GmtModifiedTime", start_time=touched["GmtModifiedTime"]) == {queued_a}
    assert ids(reason_search="succeeded") == {done} and ids(oversold_info="AcceptQuotaOverSold-true") == set()
    assert ids(show_own=False, workspace_id="86995") == everything
    assert_error(gw.get(f"{GW}/ListJobs", params={"FromAllWorkspaces": "true", "ShowOwn": "false"}), 400, "InvalidParameter")
    assert_error(gw.get(f"{GW}/ListJobs", params={"NumericRangeMin": 1}), 400, "MissingParameter")


def test_whole_seconds_is_the_second_iso_shows():
    for t in (0.0, 1.5, 9.9999996, 9.9999994, 1_800_000_000.9999996, 1_800_000_000.99999949, 1_700_000_123.000_000_4,
              1_700_000_123.25, -0.5, -1.0000004):
        assert whole_seconds(t) == int(parse_iso(iso_z(t))), t


def test_pod_lives_are_built_once_per_job_state_and_again_when_it_changes(fakepai, dlc_client, gw):
    """Reads reuse the lives the plan schedules (like PaiStudio's telemetry); a scale-out rebuilds
    them, and the rebuilt lives include the added pod."""
    from fakepai.services.dlc import pods

    fakepai.freeze_clock()
    job_id = create(dlc_client, "lives", job_type="ElasticBatchJob", settings=HANG)
    walk(fakepai, dlc_client, job_id, {"Running"})
    record = fakepai.emulator.world.account("fakepai-test-key").namespace(DlcJobStore).jobs[job_id]
    first = pods.lives(record)
    call(gw, "GetPodLogs", JobId=job_id, PodId=f"{job_id}-worker-0")
    get(dlc_client, job_id)
    assert pods.lives(record) is first
    dlc_client.update_job(job_id, m.UpdateJobRequest(job_specs=[m.JobSpec(type="Worker", pod_count=2)]))
    rebuilt = pods.lives(record)
    assert rebuilt is not first and f"{job_id}-worker-1" in {life.slot.pod_id for life in rebuilt}
    assert [p["PodId"] for p in get(dlc_client, job_id)["Pods"]] == [f"{job_id}-worker-0", f"{job_id}-worker-1"]
