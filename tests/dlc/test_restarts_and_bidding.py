"""pai-dlc statuses off the main path: fault recovery (scripted faults make a running job go
Restarting and run again, with RestartTimes, RestartRecord[] and HistoryPods to show for it;
fakepai/services/dlc/restarts.py) and Bidding (Lingjun spot jobs); through the official SDK and the
gateway form, on a frozen clock."""
from __future__ import annotations

import httpx
from alibabacloud_pai_dlc20201203 import models as m

from fakepai.sim import dlc_job, pod_lives
from fakepai.timestamps import parse_iso
from tests.helpers import assert_error, assert_valid_response, sdk_error
from tests.dlc.calls import GW, UUID, call, create, get, spec, walk


def aimaster(outcome: str, max_restarts: int | None = None) -> m.JobSettings:
    args = f"--max-num-of-job-restart={max_restarts}" if max_restarts is not None else None
    return m.JobSettings(enable_error_monitoring_in_aimaster=True, error_monitoring_args=args,
                         tags={"fakepai.outcome": outcome})


def gateway_job(outcome: str | None = None, pods: int = 1, cap: int | None = None, aimaster: bool = True) -> dict:
    """A CreateJob body for the gateway form, with AIMaster monitoring and a scripted outcome."""
    settings = {"EnableErrorMonitoringInAIMaster": True} if aimaster else {}
    if cap is not None:
        settings["ErrorMonitoringArgs"] = f"--max-num-of-job-restart={cap}"
    if outcome is not None:
        settings["Tags"] = {"fakepai.outcome": outcome}
    return {"DisplayName": "job", "JobType": "PyTorchJob", "UserCommand": "python train.py", "WorkspaceId": "86995",
            "JobSpecs": [{"Type": "Worker", "PodCount": pods, "EcsSpec": "ecs.gn7i-c8g1.2xlarge", "Image": "img"}],
            "Settings": settings}


def sdk_logs_of(client, job_id: str, pod_id: str, pod_uid: str) -> dict:
    body = client.get_pod_logs(job_id, pod_id, m.GetPodLogsRequest(pod_uid=pod_uid)).body.to_map()
    assert_valid_response("pai-dlc", "GetPodLogs", body)
    return body


def running_seconds(history: list[dict], until: str) -> float:
    """Seconds spent Running in a StatusHistory (an open last phase runs until `until`)."""
    total = 0.0
    for h in history:
        if h["Status"] == "Running":
            total += parse_iso(h.get("EndTime", until)) - parse_iso(h["StartTime"])
    return total


def test_a_job_restarts_and_still_runs_its_full_time(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = create(dlc_client, "restarts", job_specs=[spec(pod_count=2)],
                    settings=aimaster("succeed@300+restarts=2", max_restarts=5))
    walk(fakepai, dlc_client, job_id, {"Running"})
    job = get(dlc_client, job_id)
    assert job["RestartTimes"] == "0/5" and not job.get("RestartRecord")
    first_uids = {p["PodId"]: p["PodUid"] for p in job["Pods"]}

    seen = walk(fakepai, dlc_client, job_id, {"Restarting"}, step=2.0)
    assert seen[-2:] == ["Running", "Restarting"]
    job = get(dlc_client, job_id)
    assert job["RestartTimes"] == "1/5"
    record = job["RestartRecord"][0]
    assert record["JobRestartCount"] == 1 and record["RestartStatus"] == "Restarting"
    assert record["OccurPhase"] == "Running" and record["RestartLevelType"] == "JobLevel"
    assert record["OccurTime"] == job["StatusHistory"][-1]["StartTime"]
    detail = record["DetailErrorInfoList"][0]
    assert detail["Pod"] in first_uids and detail["TriggerRestart"] is True and detail["ErrorCode"]
    # The faulted lives are over: every pod is Failed, or already replaced by a Pending one.
    assert job["StatusHistory"][-1]["ReasonCode"] == "JobRestarting"

    seen = walk(fakepai, dlc_client, job_id, {"Succeeded"}, step=5.0)
    assert seen == ["Creating", "Queuing", "EnvPreparing", "Running", "Restarting", "Running", "Restarting",
                    "Running", "Succeeded"]
    done = get(dlc_client, job_id)
    assert done["RestartTimes"] == "2/5"
    assert [r["RestartStatus"] for r in done["RestartRecord"]] == ["Succeeded", "Succeeded"]
    history = done["StatusHistory"]
    # Faults cost time but not work: the job still ran 300 s, the first fault at 100 s of running.
    assert running_seconds(history, done["GmtFinishTime"]) == 300
    assert parse_iso(history[4]["StartTime"]) - parse_iso(history[3]["StartTime"]) == 100
    for k, r in enumerate(done["RestartRecord"]):
        restarting = [h for h in history if h["Status"] == "Restarting"][k]
        assert r["RestartDurationInSec"] == int(parse_iso(restarting["EndTime"]) - parse_iso(restarting["StartTime"]))
    for pod in done["Pods"]:
        assert pod["Status"] == "Succeeded" and UUID.match(pod["PodUid"])
        lives = pod["HistoryPods"]
        assert [h["Status"] for h in lives] == ["Failed", "Failed"]
        assert lives[0]["PodUid"] == first_uids[pod["PodId"]]
        uids = {pod["PodUid"]} | {h["PodUid"] for h in lives}
        assert len(uids) == 3 and all(h["PodId"] == pod["PodId"] for h in lives)
        assert lives[0]["GmtFinishTime"] == done["RestartRecord"][0]["OccurTime"]
    listed = dlc_client.list_jobs(m.ListJobsRequest(workspace_id="86995")).body.to_map()
    assert_valid_response("pai-dlc", "ListJobs", listed)
    assert [j["RestartTimes"] for j in listed["Jobs"] if j["JobId"] == job_id] == ["2/5"]


def test_one_fault_more_than_the_cap_fails_the_job(fakepai, gw):
    fakepai.freeze_clock()
    job_id = call(gw, "CreateJob", "POST", **gateway_job("succeed@600+restarts=60s,120s", cap=1))["JobId"]
    fakepai.advance(3600)
    job = call(gw, "GetJob", JobId=job_id)
    assert job["Status"] == "Failed" and job["ReasonCode"] == "JobFailed" and "restarted 1 time" in job["ReasonMessage"]
    assert job["RestartTimes"] == "1/1"
    statuses = [h["Status"] for h in job["StatusHistory"]]
    assert statuses[-4:] == ["Running", "Restarting", "Running", "Failed"]
    assert running_seconds(job["StatusHistory"], job["GmtFinishTime"]) == 120     # failed at the second fault


def test_control_plane_scripts_faults_from_now(fakepai, gw):
    fakepai.freeze_clock()
    job_id = call(gw, "CreateJob", "POST", **gateway_job("hang"))["JobId"]
    fakepai.advance(120)
    assert call(gw, "GetJob", JobId=job_id)["Status"] == "Running"
    control = f"{fakepai.url}/_fakepai/jobs/{job_id}/outcome"
    assert httpx.put(control, json={"result": "succeed", "after": 200, "restarts": [50]}).status_code == 200
    fakepai.advance(49)
    assert call(gw, "GetJob", JobId=job_id)["Status"] == "Running"
    fakepai.advance(2)
    job = call(gw, "GetJob", JobId=job_id)
    assert job["Status"] == "Restarting" and job["RestartTimes"] == "1/10"
    # Scripting while restarting is refused, and changes nothing.
    refused = httpx.put(control, json={"result": "fail"})
    assert refused.status_code == 400 and "restarting" in refused.text
    assert call(gw, "GetJob", JobId=job_id)["StatusHistory"] == job["StatusHistory"]
    fakepai.advance(3600)
    done = call(gw, "GetJob", JobId=job_id)
    assert done["Status"] == "Succeeded" and done["RestartRecord"][0]["RestartStatus"] == "Succeeded"


def test_a_job_stopped_while_restarting(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = create(dlc_client, settings=aimaster("hang+restarts=1"))
    walk(fakepai, dlc_client, job_id, {"Restarting"}, step=5.0)
    dlc_client.stop_job(job_id)
    walk(fakepai, dlc_client, job_id, {"Stopped"})
    job = get(dlc_client, job_id)
    assert [h["Status"] for h in job["StatusHistory"]][-3:] == ["Restarting", "Stopping", "Stopped"]
    record = job["RestartRecord"][0]
    assert record["RestartStatus"] == "Failed" and "Stopping" in record["RestartFailReason"]


def test_restarts_are_refused_where_they_cannot_happen(fakepai, dlc_client, gw, paistudio_client):
    fakepai.freeze_clock()
    # No AIMaster fault tolerance: a fault would fail the job, so scripting restarts is a mistake.
    error = sdk_error(lambda: create(dlc_client, settings=m.JobSettings(tags={"fakepai.outcome": "succeed+restarts=1"})))
    assert error.code == "InvalidParameter" and "EnableErrorMonitoringInAIMaster" in error.message
    # A fault after the run has ended.
    error = sdk_error(lambda: create(dlc_client, settings=aimaster("succeed@60+restarts=90s")))
    assert error.code == "InvalidParameter" and "after the run ends" in error.message
    for bad in ("succeed+restarts=-1", "succeed+restarts=soon", "succeed+restart=1", "succeed+restarts=", "succeed+restarts=30,90", "succeed+restarts=0s"):
        assert_error(gw.post(f"{GW}/CreateJob", json=gateway_job(bad)), 400, "InvalidParameter")
    assert call(gw, "ListJobs", WorkspaceId="86995")["TotalCount"] == 0     # nothing was created
    # Only DLC jobs restart: a PaiStudio job scripted with restarts is refused.
    from alibabacloud_paistudio20220112 import models as ps
    error = sdk_error(lambda: paistudio_client.create_training_job(ps.CreateTrainingJobRequest(
        training_job_name="t", workspace_id="1", algorithm_name="pytorch_ddp", algorithm_provider="pai",
        labels=[ps.CreateTrainingJobRequestLabels(key="fakepai.outcome", value="succeed+restarts=1")])))
    assert error.code == "InvalidParameter" and "only DLC jobs restart" in error.message


def test_lingjun_spot_jobs_bid_before_their_environment_is_prepared(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    lingjun_spot = spec(ecs_spec="ml.gu7ef.c96m1600.8-gu100", use_spot_instance=True)
    job_id = create(dlc_client, "spot", job_specs=[lingjun_spot])
    seen = walk(fakepai, dlc_client, job_id, {"Succeeded"})
    assert seen == ["Creating", "Queuing", "Bidding", "EnvPreparing", "Running", "Succeeded"]
    # An ECS spot job and a Lingjun job that is not spot do not bid [SDK: "only Lingjun spot jobs"].
    for other in (spec(use_spot_instance=True), spec(ecs_spec="ml.gu7ef.c96m1600.8-gu100")):
        other_id = create(dlc_client, "no-bid", job_specs=[other])
        assert "Bidding" not in walk(fakepai, dlc_client, other_id, {"Succeeded"})
    # While bidding, the job has no pods yet and its replicas count as queuing; it can fail there.
    job_id = create(dlc_client, "outbid", job_specs=[lingjun_spot],
                    settings=m.JobSettings(tags={"fakepai.outcome": "fail:Bidding"}))
    walk(fakepai, dlc_client, job_id, {"Bidding"}, step=1.0)
    job = call(gw, "GetJob", JobId=job_id)
    assert not job.get("Pods") and job["JobReplicaStatuses"][0]["Queuing"] == 1
    assert walk(fakepai, dlc_client, job_id, {"Failed"})[-2:] == ["Bidding", "Failed"]


def test_rescripting_after_a_restart_counts_running_time_not_the_pause(fakepai, gw):
    fakepai.freeze_clock()
    job_id = call(gw, "CreateJob", "POST", **gateway_job("hang+restarts=30s"))["JobId"]
    for _ in range(200):
        job = call(gw, "GetJob", JobId=job_id)
        if [h["Status"] for h in job["StatusHistory"]][-2:] == ["Restarting", "Running"]:
            break
        fakepai.advance(5)
    fakepai.advance(10)
    # Succeed once the job has run 100 s in all: 30 s before the fault, the rest after it.
    put = httpx.put(f"{fakepai.url}/_fakepai/jobs/{job_id}/outcome", json={"result": "succeed", "after": 100})
    assert put.status_code == 200, put.text
    fakepai.advance(3600)
    done = call(gw, "GetJob", JobId=job_id)
    assert done["Status"] == "Succeeded" and done["RestartTimes"] == "1/10"
    assert running_seconds(done["StatusHistory"], done["GmtFinishTime"]) == 100


def test_absurd_restart_scripts_are_400_not_hangs(fakepai, gw):
    for outcome in ('{"restarts": 1000000000000}', '{"restarts": [1e308]}', '{"restarts": [true]}', '{"restarts": []}',
                    '{"restarts": ' + str(list(range(1, 1100))) + '}'):
        assert_error(gw.post(f"{GW}/CreateJob", json=gateway_job(outcome)), 400, "InvalidParameter")


def test_restart_records_never_change_when_an_elastic_job_scales(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = create(dlc_client, "elastic", job_type="ElasticBatchJob", job_specs=[spec(pod_count=4)],
                    settings=aimaster("hang+restarts=60s,120s"))
    walk(fakepai, dlc_client, job_id, {"Running"})
    fakepai.advance(200)
    job = get(dlc_client, job_id)
    records = job["RestartRecord"]
    assert len(records) == 2
    # Each names a pod whose life failed at that fault, on the node that life ran on.
    lives = {(h["PodId"], h["NodeName"], h["GmtFinishTime"]) for p in job["Pods"] for h in p.get("HistoryPods", [])}
    for r in records:
        d = r["DetailErrorInfoList"][0]
        assert (d["Pod"], d["Node"], r["OccurTime"]) in lives
    worker3 = next(p for p in job["Pods"] if p["PodId"].endswith("-worker-3"))
    for pod_count in (1, 7):
        dlc_client.update_job(job_id, m.UpdateJobRequest(job_specs=[m.JobSpec(type="Worker", pod_count=pod_count)]))
        fakepai.advance(50)
        scaled = get(dlc_client, job_id)
        assert scaled["RestartRecord"] == records and len(scaled["Pods"]) == pod_count
        if pod_count == 1:
            # Scaled out: gone from Pods, but its lives keep their logs.
            old = sdk_logs_of(dlc_client, job_id, worker3["PodId"], worker3["PodUid"])
            assert old["PodUid"] == worker3["PodUid"] and old["Logs"][-1].endswith("[dlc] Process exited with code 143.")
            assert any("the pod is scaled out" in line for line in old["Logs"])
    # Scaled in again: a new life under the same PodId, with the lives restarts replaced as history
    # (HistoryPods are restarted pods [SKILL]; the life UpdateJob scaled out is not one).
    again = next(p for p in scaled["Pods"] if p["PodId"] == worker3["PodId"])
    earlier = {h["PodUid"] for h in again["HistoryPods"]}
    assert earlier == {h["PodUid"] for h in worker3["HistoryPods"]} and len(earlier) == 2
    assert again["PodUid"] not in earlier | {worker3["PodUid"]}


def test_a_job_stopped_while_restarting_creates_no_replacements(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    job_id = create(dlc_client, job_specs=[spec(pod_count=2)], settings=aimaster("hang+restarts=60s"))
    walk(fakepai, dlc_client, job_id, {"Restarting"}, step=0.5)
    dlc_client.stop_job(job_id)
    walk(fakepai, dlc_client, job_id, {"Stopped"})
    fakepai.advance(60)
    job = get(dlc_client, job_id)
    assert all(p["Status"] == "Failed" and not p.get("HistoryPods") for p in job["Pods"])
    events = call(gw, "GetJobEvents", JobId=job_id)["Events"]
    stop_at = next(i for i, e in enumerate(events) if "stopped by user" in e)
    assert not any("Created pod" in e for e in events[stop_at:])
    assert any(e.endswith("Job is restarting (1 time(s)) after a fault: " + job["RestartRecord"][0]["Reason"] + ".")
               for e in events)


def test_pod_uids_must_name_a_life_that_exists(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    job_id = create(dlc_client, settings=aimaster("succeed@300+restarts=1"))
    walk(fakepai, dlc_client, job_id, {"Running"})
    pod_id = f"{job_id}-worker-0"
    first_uid = get(dlc_client, job_id)["Pods"][0]["PodUid"]
    replacement = pod_lives.uid(pod_id, 1)          # the life the restart will create
    assert_error(gw.get(f"{GW}/GetPodLogs", params={"JobId": job_id, "PodId": pod_id, "PodUid": replacement}),
                 404, "NotFound")
    walk(fakepai, dlc_client, job_id, {"Succeeded"})
    for uid in (first_uid, replacement):
        assert call(gw, "GetPodLogs", JobId=job_id, PodId=pod_id, PodUid=uid)["PodUid"] == uid


def test_other_pods_are_stopped_for_a_job_level_restart(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    job_id = create(dlc_client, job_specs=[spec(pod_count=3)], settings=aimaster("succeed@300+restarts=1"))
    walk(fakepai, dlc_client, job_id, {"Succeeded"}, step=20)
    job = get(dlc_client, job_id)
    faulty = job["RestartRecord"][0]["DetailErrorInfoList"][0]["Pod"]
    for pod in job["Pods"]:
        earlier = pod["HistoryPods"][0]
        logs = call(gw, "GetPodLogs", JobId=job_id, PodId=pod["PodId"], PodUid=earlier["PodUid"])["Logs"]
        if pod["PodId"] != faulty:
            assert logs[-1].endswith("[dlc] Process exited with code 143.")
            assert any(f"A fault in {faulty} restarts the job" in line for line in logs)


def test_restart_scripts_that_make_no_sense_are_refused(fakepai, gw):
    for outcome, why in (("succeed@600+restarts=30s,30s", "same moment"), ("fail:Queuing+restarts=1", "never runs")):
        body = assert_error(gw.post(f"{GW}/CreateJob", json=gateway_job(outcome)), 400, "InvalidParameter")
        assert why in body["Message"] and body["Message"].count("fakepai.outcome") == 1
    many = gateway_job("hang+restarts=20", pods=1000, cap=100)
    assert "pods x restarts" in assert_error(gw.post(f"{GW}/CreateJob", json=many), 400, "InvalidParameter")["Message"]


def test_reading_a_much_restarted_pod_is_linear_work(fakepai, gw, monkeypatch):
    """Counted, not timed: a replacement's progress numbering reads each earlier life once."""
    fakepai.freeze_clock()
    job_id = call(gw, "CreateJob", "POST", **gateway_job("hang+restarts=40", cap=100))["JobId"]
    fakepai.advance(86400)
    calls = []
    real = dlc_job.progress_stream
    monkeypatch.setattr(dlc_job, "progress_stream", lambda *a, **k: calls.append(1) or real(*a, **k))
    logs = call(gw, "GetPodLogs", JobId=job_id, PodId=f"{job_id}-worker-0", MaxLines=5)
    assert call(gw, "GetJob", JobId=job_id)["RestartTimes"] == "40/100" and logs["Logs"]
    assert len(calls) <= 2 * 41      # the current life and each earlier one, once (was 2**40)


def test_rescaling_or_rescripting_cannot_exceed_the_pod_restart_bound(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    job_id = create(dlc_client, "elastic", job_type="ElasticBatchJob", settings=aimaster("hang+restarts=100", 100))
    walk(fakepai, dlc_client, job_id, {"Running"})
    error = sdk_error(lambda: dlc_client.update_job(job_id, m.UpdateJobRequest(
        job_specs=[m.JobSpec(type="Worker", pod_count=1000)])))
    assert error.code == "InvalidParameter" and "pods x restarts" in error.message
    assert get(dlc_client, job_id)["JobSpecs"][0]["PodCount"] == 1             # nothing changed
    # Scripting counts the pods the job has now, not the ones it was created with.
    other = create(dlc_client, "grown", job_type="ElasticBatchJob", settings=aimaster("hang", 100))
    walk(fakepai, dlc_client, other, {"Running"})
    dlc_client.update_job(other, m.UpdateJobRequest(job_specs=[m.JobSpec(type="Worker", pod_count=500)]))
    refused = httpx.put(f"{fakepai.url}/_fakepai/jobs/{other}/outcome", json={"result": "hang", "restarts": 3})
    assert refused.status_code == 400 and "pods x restarts" in refused.text


def test_the_fault_past_the_cap_ends_each_pod_as_a_restart_would(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    job_id = create(dlc_client, job_specs=[spec(pod_count=3)], settings=aimaster("succeed@600+restarts=60s,120s", 1))
    walk(fakepai, dlc_client, job_id, {"Failed"}, step=20)
    job = get(dlc_client, job_id)
    assert job["RestartTimes"] == "1/1" and "restarted 1 time" in job["ReasonMessage"]
    stopped = [call(gw, "GetPodLogs", JobId=job_id, PodId=p["PodId"])["Logs"][-1] for p in job["Pods"]]
    sigterm = [line for line in stopped if line.endswith("exited with code 143.")]
    assert len(sigterm) == 2                 # AIMaster stops the two healthy pods as the job fails
    logs = [call(gw, "GetPodLogs", JobId=job_id, PodId=p["PodId"])["Logs"] for p in job["Pods"]]
    assert sum(any("fails the job: sending SIGTERM" in line for line in lines) for lines in logs) == 2
    assert not any("RuntimeError: Job failed" in line for lines in logs for line in lines)


def test_a_pod_added_before_scheduling_answers_empty_for_its_first_uid(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    job_id = create(dlc_client, "early", job_type="ElasticBatchJob", settings=m.JobSettings(tags={"fakepai.outcome": "hang"}))
    dlc_client.update_job(job_id, m.UpdateJobRequest(job_specs=[m.JobSpec(type="Worker", pod_count=2)]))
    pod_id = f"{job_id}-worker-1"
    body = call(gw, "GetPodLogs", JobId=job_id, PodId=pod_id, PodUid=pod_lives.uid(pod_id))
    assert body["Logs"] == [] and body["PodUid"] == pod_lives.uid(pod_id)


def test_a_bad_outcome_is_named_where_it_was_given(fakepai, gw):
    job = gateway_job(aimaster=False)
    job["Envs"] = {"FAKEPAI_OUTCOME": "explode"}
    body = assert_error(gw.post(f"{GW}/CreateJob", json=job), 400, "InvalidParameter")
    assert '"Envs.FAKEPAI_OUTCOME"' in body["Message"]


def test_a_timed_out_pod_reports_sigterm_in_logs_and_events_alike(fakepai, gw):
    fakepai.freeze_clock()
    job = dict(gateway_job("succeed@600", aimaster=False), JobMaxRunningTimeMinutes=2)
    job_id = call(gw, "CreateJob", "POST", **job)["JobId"]
    fakepai.advance(3600)
    pod_id = f"{job_id}-worker-0"
    assert call(gw, "GetJob", JobId=job_id)["ReasonCode"] == "JobTimeout"
    assert call(gw, "GetPodLogs", JobId=job_id, PodId=pod_id)["Logs"][-1].endswith("exited with code 143.")
    assert call(gw, "GetPodEvents", JobId=job_id, PodId=pod_id)["Events"][-1].endswith("(exit code 143).")


def test_the_fatal_fault_of_a_reserving_job_ends_each_pod_as_the_fault_says(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    settings = aimaster("succeed@600+restarts=60s,120s", 1)
    settings.job_reserved_minutes, settings.job_reserved_policy = 5, "OnFailure"
    job_id = create(dlc_client, job_specs=[spec(pod_count=3)], settings=settings)
    walk(fakepai, dlc_client, job_id, {"Failed"}, step=20)
    job = get(dlc_client, job_id)
    assert [h["Status"] for h in job["StatusHistory"]][-2:] == ["FailedReserving", "Failed"]
    events = call(gw, "GetJobEvents", JobId=job_id)["Events"]
    assert not any("Job failed: Job failed" in e for e in events)
    logs = [call(gw, "GetPodLogs", JobId=job_id, PodId=p["PodId"])["Logs"] for p in job["Pods"]]
    assert sum(any("fails the job: sending SIGTERM" in line for line in lines) for lines in logs) == 2
    assert not any("RuntimeError: Job failed" in line for lines in logs for line in lines)


def test_scaling_out_is_bounded_because_scaled_out_pods_keep_their_lives(fakepai, dlc_client):
    from fakepai.services.dlc.job_spec import declared
    MAX_SCALED_OUT = declared("maxScaledOutPods", "UpdateJob")        # noqa: N806

    fakepai.freeze_clock()
    job_id = create(dlc_client, "elastic", job_type="ElasticBatchJob", job_specs=[spec(pod_count=MAX_SCALED_OUT)],
                    settings=m.JobSettings(tags={"fakepai.outcome": "hang"}))
    walk(fakepai, dlc_client, job_id, {"Running"})
    for pod_count in (1, MAX_SCALED_OUT):
        dlc_client.update_job(job_id, m.UpdateJobRequest(job_specs=[m.JobSpec(type="Worker", pod_count=pod_count)]))
    error = sdk_error(lambda: dlc_client.update_job(job_id, m.UpdateJobRequest(job_specs=[m.JobSpec(type="Worker", pod_count=1)])))
    assert error.code == "InvalidParameter" and "scaled-out pods" in error.message
    assert len(get(dlc_client, job_id)["Pods"]) == MAX_SCALED_OUT          # nothing changed
