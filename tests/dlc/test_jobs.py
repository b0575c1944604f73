"""pai-dlc jobs end to end: CreateJob / GetJob / ListJobs / UpdateJob / StopJob / DeleteJob through
the official SDK and the seed's gateway URL form, on a frozen, advanced clock."""
from __future__ import annotations

import json

import pytest
from alibabacloud_pai_dlc20201203 import models as m
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakepai.timestamps import parse_iso
from tests.helpers import assert_error, assert_valid_response, sdk_error
from tests.dlc.calls import GW, UUID, call, create, get, spec, walk


def test_create_and_watch_a_job_succeed(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = create(dlc_client, "mnist", job_specs=[spec(pod_count=2)],
                    data_sources=[m.CreateJobRequestDataSources(data_source_id="d-475megosidivjfgfq6", mount_path="/mnt/data")],
                    envs={"LR": "0.01"}, settings=m.JobSettings(business_user_id="u1", caller="sdk", tags={"team": "cv"}))
    job = get(dlc_client, job_id)
    assert job["Status"] == "Creating" and not job.get("Pods")            # no pods before EnvPreparing
    assert job["DisplayName"] == "mnist" and job["JobType"] == "PyTorchJob" and job["WorkspaceId"] == "86995"
    assert job["Envs"] == {"LR": "0.01"} and job["DataSources"] == [{"DataSourceId": "d-475megosidivjfgfq6", "MountPath": "/mnt/data"}]
    assert job["Settings"] == {"BusinessUserId": "u1", "Caller": "sdk", "Tags": {"team": "cv"}}
    assert job["Priority"] == 1 and job["Accessibility"] == "PRIVATE" and job["RestartTimes"] == "0/0"
    # Two ecs.gn7i-c8g1.2xlarge pods: 8 vCPU / 30 GiB / one A10 each; numbers in GetJob.
    assert (job["RequestCPU"], job["RequestGPU"], job["RequestMemory"]) == (16, 2, 60)
    seen = walk(fakepai, dlc_client, job_id, {"Succeeded"})
    assert seen == ["Creating", "Queuing", "EnvPreparing", "Running", "Succeeded"]
    done = get(dlc_client, job_id)
    assert done["ReasonCode"] == "JobSucceeded"
    history = done["StatusHistory"]
    assert [h["Status"] for h in history] == seen
    for earlier, later in zip(history, history[1:]):
        assert earlier["EndTime"] == later["StartTime"]
    assert "EndTime" not in history[-1]
    assert done["GmtSubmittedTime"] == history[1]["StartTime"] and done["GmtRunningTime"] == history[3]["StartTime"]
    assert done["GmtSuccessedTime"] == done["GmtFinishTime"] == history[4]["StartTime"]
    assert "GmtFailedTime" not in done and "GmtStoppedTime" not in done
    assert done["Duration"] == int(parse_iso(done["GmtFinishTime"]) - parse_iso(done["GmtRunningTime"]))
    pods = done["Pods"]
    assert [p["PodId"] for p in pods] == [f"{job_id}-worker-0", f"{job_id}-worker-1"]
    assert all(UUID.match(p["PodUid"]) and p["Status"] == "Succeeded" and p["Type"] == "Worker" for p in pods)
    assert pods[0]["GmtFinishTime"] == done["GmtFinishTime"]
    assert not get(dlc_client, job_id, need_detail=False).get("Pods")      # NeedDetail=false: no pods


def test_pods_follow_the_job_from_pending_to_running(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = create(dlc_client, settings=m.JobSettings(tags={"fakepai.outcome": "hang"}))
    walk(fakepai, dlc_client, job_id, {"EnvPreparing"})
    pod = get(dlc_client, job_id)["Pods"][0]
    assert pod["Status"] == "Pending" and "GmtStartTime" not in pod and "Ip" not in pod
    walk(fakepai, dlc_client, job_id, {"Running"})
    fakepai.advance(30)
    job = get(dlc_client, job_id)
    pod = job["Pods"][0]
    assert pod["Status"] == "Running" and pod["Ip"] == pod["PodIps"][0]["Ip"] and pod["NodeName"].startswith("cn-hangzhou.")
    assert job["JobReplicaStatuses"] == [{"Type": "Worker", "Active": 1, "Queuing": 0, "Dequeued": 1, "EstimatedPodCount": 1}]
    listed = dlc_client.list_jobs(m.ListJobsRequest()).body.to_map()
    assert_valid_response("pai-dlc", "ListJobs", listed)
    item = listed["Jobs"][0]
    # JobItem carries strings where GetJob has numbers [SDK]; PodItem adds PodIp.
    assert item["RequestGPU"] == "1" and item["RequestMemory"] == "30Gi" and item["RequestCPU"] == 8
    assert item["Pods"][0]["PodIp"] == pod["Ip"] and item["NodeCount"] == "1"


def test_the_gateway_form_serves_every_job_operation(fakepai, gw):
    fakepai.freeze_clock()
    body = {"DisplayName": "gw", "JobType": "TFJob", "UserCommand": "python a.py",
            "JobSpecs": [{"Type": "Worker", "PodCount": 1, "EcsSpec": "ecs.g6.xlarge", "Image": "tf:2"},
                         {"Type": "PS", "PodCount": 1, "EcsSpec": "ecs.g6.xlarge", "Image": "tf:2",
                          "ElasticSpotSpecs": [], "LocalMountSpecs": []}],
            "DataSources": [], "CustomEnvs": [], "Settings": {"Tags": {"fakepai.outcome": "hang"}}}
    job_id = call(gw, "CreateJob", "POST", **body)["JobId"]
    job = call(gw, "GetJob", JobId=job_id)
    assert job["JobId"] == job_id and [s["Type"] for s in job["JobSpecs"]] == ["Worker", "PS"]
    assert call(gw, "GetJob", JobId=job_id, NeedDetail="false").get("Pods") is None
    assert [j["JobId"] for j in call(gw, "ListJobs", JobType="TFJob")["Jobs"]] == [job_id]
    assert call(gw, "UpdateJob", "PUT", JobId=job_id, Description="d")["JobId"] == job_id
    assert call(gw, "GetJob", JobId=job_id)["Description"] == "d"
    fakepai.advance(60)
    # Path segments fill path parameters too (`/StopJob/<JobId>`).
    resp = gw.post(f"{GW}/StopJob/{job_id}")
    assert resp.status_code == 200 and resp.json()["JobId"] == job_id
    fakepai.advance(10)
    assert call(gw, "GetJob", JobId=job_id)["Status"] == "Stopped"
    assert gw.delete(f"{GW}/DeleteJob", params={"JobId": job_id}).json()["JobId"] == job_id
    assert_error(gw.get(f"{GW}/GetJob", params={"JobId": job_id}), 404, "NotFound")


def test_stop_goes_through_stopping_and_is_refused_once_over(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = create(dlc_client, settings=m.JobSettings(tags={"fakepai.outcome": "hang"}))
    walk(fakepai, dlc_client, job_id, {"Running"})
    fakepai.advance(20)
    err = sdk_error(lambda: dlc_client.delete_job(job_id))
    assert err.code == "BadRequest" and "because it is Running" in err.message
    dlc_client.stop_job(job_id)
    job = get(dlc_client, job_id)
    assert job["Status"] == "Stopping" and job["ReasonCode"] == "JobStoppedByUser"
    assert sdk_error(lambda: dlc_client.stop_job(job_id)).code == "BadRequest"
    seen = walk(fakepai, dlc_client, job_id, {"Stopped"}, step=1)
    assert seen == ["Creating", "Queuing", "EnvPreparing", "Running", "Stopping", "Stopped"]
    job = get(dlc_client, job_id)
    assert job["ReasonCode"] == "JobStoppedByUser" and job["ReasonMessage"] == "Job is stopped by user."
    assert job["GmtStoppedTime"] == job["GmtFinishTime"] == job["StatusHistory"][-1]["StartTime"]
    assert [p["Status"] for p in job["Pods"]] == ["Failed"]
    err = sdk_error(lambda: dlc_client.stop_job(job_id))
    assert err.statusCode == 400 and err.code == "BadRequest"
    assert "Job can't be stopped, because it is Stopped" in err.message      # the observed message
    dlc_client.delete_job(job_id)
    assert sdk_error(lambda: get(dlc_client, job_id)).code == "NotFound"
    assert sdk_error(lambda: dlc_client.delete_job(job_id)).statusCode == 404
    assert dlc_client.list_jobs(m.ListJobsRequest()).body.total_count == 0


def test_a_job_stopped_while_creating_never_gets_pods(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = create(dlc_client)
    dlc_client.stop_job(job_id)
    assert walk(fakepai, dlc_client, job_id, {"Stopped"}) == ["Creating", "Stopping", "Stopped"]
    job = get(dlc_client, job_id)
    assert not job.get("Pods") and "GmtRunningTime" not in job and job["Duration"] == 0


@pytest.mark.parametrize("policy, outcome, expected", [
    ("Always", "succeed", ["Running", "SucceededReserving", "Succeeded"]),
    ("OnSucceed", "fail", ["Running", "Failed"]),
    ("OnFailure", "fail", ["Running", "FailedReserving", "Failed"]),
    ("OnFailure", "succeed", ["Running", "Succeeded"]),
])
def test_reserved_jobs_keep_their_environment_for_the_reserved_minutes(fakepai, dlc_client, policy, outcome, expected):
    fakepai.freeze_clock()
    job_id = create(dlc_client, settings=m.JobSettings(job_reserved_minutes=2, job_reserved_policy=policy,
                                                       tags={"fakepai.outcome": outcome}))
    seen = walk(fakepai, dlc_client, job_id, {"Succeeded", "Failed"}, step=10)
    assert seen[3:] == expected
    job = get(dlc_client, job_id)
    history = {h["Status"]: h for h in job["StatusHistory"]}
    if "Reserving" in expected[1]:
        reserving = history[expected[1]]
        assert parse_iso(reserving["EndTime"]) - parse_iso(reserving["StartTime"]) == pytest.approx(120, abs=1)
        # The outcome is known when the reservation starts; the pods stay up until it ends.
        assert job["GmtFinishTime"] == reserving["StartTime"]
        assert job["Pods"][0]["GmtFinishTime"] == reserving["EndTime"]
    assert job["Settings"]["JobReservedPolicy"] == policy and job["Settings"]["JobReservedMinutes"] == 2


def test_stopping_a_reserved_job_releases_it_with_its_outcome(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = create(dlc_client, settings=m.JobSettings(job_reserved_minutes=30))
    walk(fakepai, dlc_client, job_id, {"SucceededReserving"}, step=10)
    dlc_client.stop_job(job_id)
    job = get(dlc_client, job_id)
    assert job["Status"] == "Succeeded" and job["ReasonCode"] == "JobSucceeded"


@pytest.mark.parametrize("tag, status, stage", [
    ("fail:Queuing", "Failed", "Queuing"),
    ("fail:EnvPreparing", "Failed", "EnvPreparing"),
    ('{"result": "fail", "phase": "Running", "after": 5, "reasonCode": "OOMKilled", "reasonMessage": "out of memory"}',
     "Failed", "Running"),
    ("succeed@7", "Succeeded", "Running"),
])
def test_the_outcome_tag_scripts_the_job_at_creation(fakepai, dlc_client, tag, status, stage):
    fakepai.freeze_clock()
    job_id = create(dlc_client, settings=m.JobSettings(tags={"fakepai.outcome": tag}))
    seen = walk(fakepai, dlc_client, job_id, {"Succeeded", "Failed"})
    assert seen[-2:] == [stage, status]
    job = get(dlc_client, job_id)
    if tag.startswith("{"):
        assert (job["ReasonCode"], job["ReasonMessage"]) == ("OOMKilled", "out of memory")
        history = job["StatusHistory"]
        assert parse_iso(history[-1]["StartTime"]) - parse_iso(history[-2]["StartTime"]) == pytest.approx(5, abs=1)
    if stage == "Queuing":
        assert not job.get("Pods") and "GmtRunningTime" not in job and job["GmtFailedTime"] == job["GmtFinishTime"]


def test_job_max_running_time_fails_a_long_run_with_a_timeout(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = create(dlc_client, job_max_running_time_minutes=1, settings=m.JobSettings(tags={"fakepai.outcome": "succeed@600"}))
    walk(fakepai, dlc_client, job_id, {"Failed"}, step=10)
    job = get(dlc_client, job_id)
    assert job["ReasonCode"] == "JobTimeout" and "1 minute" in job["ReasonMessage"]
    assert parse_iso(job["GmtFailedTime"]) - parse_iso(job["GmtRunningTime"]) == pytest.approx(60, abs=1)
    item = dlc_client.list_jobs(m.ListJobsRequest()).body.jobs[0]
    assert item.job_max_running_time_minutes == 1


def test_scripted_outcomes_through_the_control_plane(fakepai, gw, dlc_client):
    fakepai.freeze_clock()
    job_id = create(dlc_client, settings=m.JobSettings(tags={"fakepai.outcome": "hang"}))
    walk(fakepai, dlc_client, job_id, {"Running"})
    fakepai.advance(100)
    fakepai.set_outcome(job_id, result="fail", reasonCode="NCCLTimeout", reasonMessage="NCCL watchdog timeout")
    job = get(dlc_client, job_id)
    assert (job["Status"], job["ReasonCode"]) == ("Failed", "NCCLTimeout")
    resp = gw.put(f"/_fakepai/jobs/{job_id}/outcome", json={"result": "succeed"})
    assert resp.status_code == 400 and "ended" in resp.text
    assert gw.put("/_fakepai/jobs/dlcnosuchjob0000/outcome", json={"result": "fail"}).status_code == 404
    other = create(dlc_client, "other")
    assert gw.put(f"/_fakepai/jobs/{other}/outcome", json={"result": "hang", "phase": "Queuing"}).status_code == 200
    assert gw.put(f"/_fakepai/jobs/{other}/outcome", json={"result": "explode"}).status_code == 400
    fakepai.advance(3600)
    assert get(dlc_client, other)["Status"] == "Queuing"


def test_update_job_rules(fakepai, dlc_client):
    fakepai.freeze_clock()
    quota = create(dlc_client, "quota", resource_id="quotam670lixikcl",
                   job_specs=[m.JobSpec(type="Worker", pod_count=1, image="i", resource_config=m.ResourceConfig(cpu="4", gpu="1", memory="16Gi"))],
                   settings=m.JobSettings(tags={"fakepai.outcome": "hang"}))
    public = create(dlc_client, "public", settings=m.JobSettings(tags={"fakepai.outcome": "hang"}))
    assert get(dlc_client, quota)["RequestMemory"] == 16
    # Priority: quota jobs that still wait take it; public jobs silently keep theirs.
    dlc_client.update_job(quota, m.UpdateJobRequest(priority=7))
    dlc_client.update_job(public, m.UpdateJobRequest(priority=7))
    assert get(dlc_client, quota)["Priority"] == 7 and get(dlc_client, public)["Priority"] == 1
    walk(fakepai, dlc_client, quota, {"Running"})
    dlc_client.update_job(quota, m.UpdateJobRequest(priority=3))
    assert get(dlc_client, quota)["Priority"] == 7                      # too late: dropped, still 200
    # Description and UserCommand change at any time.
    dlc_client.update_job(quota, m.UpdateJobRequest(description="bigger batch", user_command="python b.py"))
    job = get(dlc_client, quota)
    assert (job["Description"], job["UserCommand"]) == ("bigger batch", "python b.py")
    # Accessibility only widens.
    dlc_client.update_job(quota, m.UpdateJobRequest(accessibility="PUBLIC"))
    assert get(dlc_client, quota)["Accessibility"] == "PUBLIC"
    err = sdk_error(lambda: dlc_client.update_job(quota, m.UpdateJobRequest(accessibility="PRIVATE", description="x")))
    assert err.code == "InvalidParameter" and "Accessibility" in err.message
    assert get(dlc_client, quota)["Description"] == "bigger batch"       # the rejected request changed nothing
    # The pod count only changes for elastic jobs.
    err = sdk_error(lambda: dlc_client.update_job(public, m.UpdateJobRequest(job_specs=[m.JobSpec(type="Worker", pod_count=3)])))
    assert err.code == "InvalidParameter"
    assert sdk_error(lambda: dlc_client.update_job(public, m.UpdateJobRequest(priority=10))).code == "InvalidParameter"


def test_an_elastic_job_scales_its_pods(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = create(dlc_client, job_type="ElasticBatchJob", settings=m.JobSettings(tags={"fakepai.outcome": "hang"}))
    walk(fakepai, dlc_client, job_id, {"Running"}, step=5)
    fakepai.advance(30)
    dlc_client.update_job(job_id, m.UpdateJobRequest(job_specs=[m.JobSpec(type="Worker", pod_count=3)]))
    job = get(dlc_client, job_id)
    assert len(job["Pods"]) == 3 and job["JobSpecs"][0]["PodCount"] == 3 and job["RequestCPU"] == 24
    added = job["Pods"][2]
    assert added["PodId"] == f"{job_id}-worker-2" and parse_iso(added["GmtCreateTime"]) > parse_iso(job["GmtRunningTime"])
    assert sdk_error(lambda: dlc_client.update_job(job_id, m.UpdateJobRequest(
        job_specs=[m.JobSpec(type="Master", pod_count=2)]))).code == "InvalidParameter"


def _bad_create_cases():
    base = {"DisplayName": "x", "JobType": "PyTorchJob", "UserCommand": "run",
            "JobSpecs": [{"Type": "Worker", "PodCount": 1, "EcsSpec": "ecs.g6.xlarge"}]}

    def variant(**changes):
        body = json.loads(json.dumps(base))
        for key, value in changes.items():
            if value is None:
                body.pop(key)
            else:
                body[key] = value
        return body

    spec0 = base["JobSpecs"][0]
    return [
        (variant(DisplayName=None), 400, "MissingParameter", "DisplayName"),
        (variant(UserCommand=None), 400, "MissingParameter", "UserCommand"),
        (variant(JobType=None), 400, "MissingParameter", "JobType"),
        (variant(JobSpecs=[]), 400, "InvalidParameter", "JobSpecs"),      # the schema's minItems
        (variant(JobType="pytorchjob"), 400, "InvalidParameter", "JobType"),
        (variant(JobSpecs=[{**spec0, "Type": "Chief"}]), 400, "InvalidParameter", "JobSpecs[0].Type"),
        (variant(JobSpecs=[spec0, spec0]), 400, "InvalidParameter", "JobSpecs[1].Type"),
        (variant(JobSpecs=[{**spec0, "PodCount": 0}]), 400, "InvalidParameter", "PodCount"),
        (variant(JobSpecs=[{**spec0, "PodCount": 100000}]), 400, "InvalidParameter", "PodCount"),
        (variant(JobSpecs=[{"Type": "Worker"}]), 400, "MissingParameter", "JobSpecs[0].EcsSpec"),
        (variant(JobSpecs=[{**spec0, "ResourceConfig": {"CPU": "4"}}]), 400, "InvalidParameter", "mutually exclusive"),
        (variant(JobSpecs=[{"Type": "Worker", "ResourceConfig": {"CPU": "4"}}]), 400, "InvalidParameter", "ResourceId"),
        (variant(ResourceId="q1", JobSpecs=[{"Type": "Worker", "ResourceConfig": {"Memory": "lots"}}]), 400,
         "InvalidParameter", "Memory"),
        (variant(JobSpecs=[{**spec0, "EcsSpec": "big-machine"}]), 400, "InvalidParameter", "EcsSpec"),
        (variant(Priority=10), 400, "InvalidParameter", "Priority"),
        (variant(Priority="high"), 400, "InvalidParameter", "Priority"),
        (variant(JobMaxRunningTimeMinutes=0), 400, "InvalidParameter", "JobMaxRunningTimeMinutes"),
        (variant(Settings={"JobReservedPolicy": "Sometimes"}), 400, "InvalidParameter", "JobReservedPolicy"),
        (variant(Settings={"Tags": {"fakepai.outcome": "explode"}}), 400, "InvalidParameter", "fakepai.outcome"),
        (variant(Settings={"Tags": {"fakepai.outcome": "fail:SanityChecking"}}), 400, "InvalidParameter", "fakepai.outcome"),
        (variant(Settings={"EnableSanityCheck": True, "SanityCheckArgs": "--fakepai-fail-phase=Nope"}), 400,
         "InvalidParameter", "SanityCheckArgs"),
        (variant(DataSources=[{"MountPath": "/mnt"}]), 400, "MissingParameter", "DataSources[0]"),
        (variant(UserVpc={"VpcId": "vpc-1"}), 400, "MissingParameter", "UserVpc.SwitchId"),
        (variant(Envs={"A": 1}), 400, "InvalidParameter", "Envs"),
        (variant(Accessibility="WORLD"), 400, "InvalidParameter", "Accessibility"),
        (variant(TemplateId="tplnosuchtemplat"), 404, "NotFound.JobTemplate", "tplnosuchtemplat"),
    ]


@pytest.mark.parametrize("body, status, code, mentions", _bad_create_cases())
def test_bad_create_requests_are_rejected_and_create_nothing(fakepai, gw, body, status, code, mentions):
    err = assert_error(gw.post(f"{GW}/CreateJob", json=body), status, code)
    assert mentions in err["Message"]
    assert call(gw, "ListJobs")["TotalCount"] == 0


def test_the_kit_vocabulary_names_the_codes_pai_dlc_answers(fakepai, dlc_client):
    """contract_tests/vocabulary.py is what the kit expects of every target (docs/clients.md)."""
    from contract_tests.vocabulary import expected_error
    err = sdk_error(lambda: get(dlc_client, "dlcnosuchjob0000"))
    assert (err.statusCode, err.code) == (404, "NotFound")
    assert expected_error("pai-dlc", "not-found").accepts(err.statusCode, err.code)
    assert not expected_error("pai-dlc", "not-found").accepts(404, "NotFound.Job")
    fakepai.freeze_clock()
    job_id = create(dlc_client)
    walk(fakepai, dlc_client, job_id, {"Succeeded"}, step=20)
    err = sdk_error(lambda: dlc_client.stop_job(job_id))                # StopJob on a finished job
    assert (err.statusCode, err.code) == (400, "BadRequest")
    assert expected_error("pai-dlc", "illegal-state").accepts(err.statusCode, err.code)
    assert not expected_error("pai-dlc", "illegal-state").accepts(400, "InvalidStatus")


def test_bad_input_to_every_job_operation_is_a_4xx(fakepai, gw, dlc_client):
    job_id = create(dlc_client)
    cases = [
        ("GET", "GetJob", {"JobId": "dlcnosuchjob0000"}, 404, "NotFound"),
        ("GET", "GetJob", {"JobId": job_id, "NeedDetail": "maybe"}, 400, "InvalidParameter"),
        ("POST", "StopJob", {"JobId": "dlcnosuchjob0000"}, 404, "NotFound"),
        ("DELETE", "DeleteJob", {"JobId": "dlcnosuchjob0000"}, 404, "NotFound"),
        ("PUT", "UpdateJob", {"JobId": "dlcnosuchjob0000", "Priority": 2}, 404, "NotFound"),
        ("GET", "ListJobs", {"PageSize": "0"}, 400, "InvalidParameter"),
        ("GET", "ListJobs", {"PageSize": "101"}, 400, "InvalidParameter"),
        ("GET", "ListJobs", {"PageNumber": "1001"}, 400, "InvalidParameter"),
        ("GET", "ListJobs", {"PageNumber": "x"}, 400, "InvalidParameter"),
        ("GET", "ListJobs", {"Status": "Running,Exploding"}, 400, "InvalidParameter"),
        ("GET", "ListJobs", {"SortBy": "Priority"}, 400, "InvalidParameter"),
        ("GET", "ListJobs", {"Order": "sideways"}, 400, "InvalidParameter"),
        ("GET", "ListJobs", {"Tags": "{not json"}, 400, "InvalidParameter"),
        ("GET", "ListJobs", {"Tags": "[1, 2]"}, 400, "InvalidParameter"),
        ("GET", "ListJobs", {"StartTime": "yesterday"}, 400, "InvalidParameter"),
        ("GET", "ListJobs", {"TimeRangeField": "GmtDeleteTime"}, 400, "InvalidParameter"),
        ("GET", "ListJobs", {"NumericRangeField": "Color", "NumericRangeMin": "1"}, 400, "InvalidParameter"),
        ("GET", "ListJobs", {"NumericRangeMin": "1"}, 400, "MissingParameter"),
        ("GET", "ListJobs", {"FromAllWorkspaces": "true", "ShowOwn": "false"}, 400, "InvalidParameter"),
    ]
    for method, action, params, status, code in cases:
        if method in ("GET", "DELETE", "POST") and action != "UpdateJob":
            resp = gw.request(method, f"{GW}/{action}", params=params)
        else:
            resp = gw.request(method, f"{GW}/{action}", json=params)
        assert_error(resp, status, code)
    assert call(gw, "GetJob", JobId=job_id)["Status"] == "Creating"


def test_list_jobs_filters(fakepai, dlc_client):
    fakepai.freeze_clock()
    a = create(dlc_client, "Train-BERT", workspace_id="1", settings=m.JobSettings(
        tags={"team": "nlp", "env": "prod"}, business_user_id="bu1", caller="pipeline", pipeline_id="flow-1"))
    b = create(dlc_client, "bert-eval", job_type="TFJob", workspace_id="2",
               settings=m.JobSettings(tags={"team": "nlp", "fakepai.outcome": "hang"}),
               job_specs=[spec(use_spot_instance=True, ecs_spec="ecs.gn6i-c4g1.xlarge")])
    c = create(dlc_client, "resnet", workspace_id="1", resource_id="quotam670lixikcl",
               job_specs=[m.JobSpec(type="Worker", pod_count=1, image="i", resource_config=m.ResourceConfig(cpu="2", gpu="4", memory="8Gi"))],
               settings=m.JobSettings(tags={"fakepai.outcome": "hang"}))
    walk(fakepai, dlc_client, a, {"Succeeded"}, step=20)
    dlc_client.stop_job(b)
    fakepai.advance(10)
    assert [get(dlc_client, x)["Status"] for x in (a, b, c)] == ["Succeeded", "Stopped", "Running"]

    def ids(**kw) -> list[str]:
        body = dlc_client.list_jobs(m.ListJobsRequest(**kw)).body.to_map()
        assert_valid_response("pai-dlc", "ListJobs", body)
        assert body["TotalCount"] == len(body["Jobs"])
        return [j["JobId"] for j in body["Jobs"]]

    assert ids() == [c, b, a]                                   # GmtCreateTime desc, newest first
    assert set(ids(display_name="BERT")) == {a, b}              # fuzzy, case-insensitive
    assert ids(job_id=a.upper()) == [a]                         # exact, case-insensitive
    assert ids(job_id=a[:-1]) == []
    assert set(ids(job_ids=f"{a},{c}")) == {a, c}
    assert ids(job_ids=f"{a},{c}", job_id=b) == [b]             # JobId wins
    assert ids(status="Succeeded") == [a]
    assert set(ids(status="Succeeded,Running")) == {a, c}
    assert ids(job_type="TFJob") == [b]
    assert set(ids(workspace_id="1")) == {a, c}
    assert set(ids(tags={"team": "nlp"})) == {a, b}
    assert ids(tags={"team": "nlp", "env": "prod"}) == [a]      # every pair must match
    assert ids(tags={"team": "NLP"}) == []
    assert ids(business_user_id="bu1") == ids(caller="pipeline") == ids(pipeline_id="flow-1") == [a]
    assert ids(resource_id="quotam670lixikcl") == [c] and ids(resource_quota_name="m670") == [c]
    assert (ids(payment_type="PrePaid"), ids(payment_type="Spot"), ids(payment_type="PostPaid")) == ([c], [b], [a])
    assert ids(numeric_range_field="RequestGPU", numeric_range_min=2) == [c]
    assert set(ids(numeric_range_field="RequestCPU", numeric_range_max=4)) == {b, c}   # 8, 4 and 2 vCPU
    assert ids(image_search="PYTORCH") == [b, a]
    assert set(ids(user_command_search="train.py")) == {a, b, c}
    assert ids(reason_search="JobSucceeded") == [a]
    assert set(ids(oversold_info="ForbiddenQuotaOverSold")) == {a, b, c} and ids(oversold_info="ForceQuotaOverSold") == []
    assert ids(accessibility="PUBLIC") == []
    assert ids(show_own=False) == [c, b, a]
    assert ids(sort_by="DisplayName", order="asc") == [a, b, c]     # "Train-BERT" < "bert-eval" < "resnet"
    assert ids(sort_by="DisplayName", order="DESC") == [c, b, a]
    assert ids(sort_by="Status", order="asc") == [c, b, a]         # Running < Stopped < Succeeded
    assert ids(sort_by="GmtFinishTime", order="asc")[-1] == c       # unfinished sorts as the latest
    assert ids(time_range_field="GmtFinishTime") == [b, a]          # c has not finished
    # The creation window defaults to the last 7 days.
    fakepai.advance(8 * 24 * 3600)
    assert ids() == []
    assert ids(start_time="2000-01-01T00:00:00Z") == [c, b, a]
    assert ids(start_time="2000-01-01T00:00:00Z", end_time="2001-01-01T00:00:00Z") == []


def test_list_jobs_pages_partition_the_matches(fakepai, gw, dlc_client):
    fakepai.freeze_clock()
    made = []
    for i in range(7):
        made.append(create(dlc_client, f"job-{i}"))
        fakepai.advance(1)
    for order in ("desc", "asc"):
        full = [j["JobId"] for j in call(gw, "ListJobs", PageSize=100, Order=order)["Jobs"]]
        assert full == (made[::-1] if order == "desc" else made)
        for size in range(1, 9):
            pages, number = [], 1
            while True:
                body = call(gw, "ListJobs", PageSize=size, PageNumber=number, Order=order)
                assert body["TotalCount"] == 7
                if not body["Jobs"]:
                    break
                assert len(body["Jobs"]) <= size
                pages.append([j["JobId"] for j in body["Jobs"]])
                number += 1
            assert [x for p in pages for x in p] == full          # pages partition, order holds
            assert len(pages) == -(-7 // size)
    assert call(gw, "ListJobs", PageNumber=1000)["Jobs"] == []


def test_list_jobs_by_template_and_the_template_contract(fakepai, gw, dlc_client):
    fakepai.freeze_clock()
    content = {"JobType": "PyTorchJob", "UserCommand": "python tpl.py",
               "JobSpecs": [{"Type": "Worker", "PodCount": 1, "EcsSpec": "ecs.g6.xlarge", "Image": "i"}]}
    tid = call(gw, "CreateJobTemplate", "POST", TemplateName="tpl", WorkspaceId="86995",
               Content=json.dumps(content))["TemplateId"]
    # DisplayName comes from the caller, everything else from the template.
    job_id = call(gw, "CreateJob", "POST", DisplayName="from-template", TemplateId=tid,
                  Settings={"Tags": {"fakepai.outcome": "hang"}})["JobId"]
    plain = create(dlc_client, "plain")
    listed = call(gw, "ListJobs", TemplateId=tid)["Jobs"]
    assert [j["JobId"] for j in listed] == [job_id]
    assert listed[0]["TemplateName"] == "tpl" and listed[0]["UserCommand"] == "python tpl.py"
    assert "LastUsedTime" in call(gw, "GetJobTemplate", TemplateId=tid)
    assert_error(gw.delete(f"{GW}/DeleteJobTemplate", params={"TemplateId": tid}), 400, "InvalidStatus")
    gw.post(f"{GW}/StopJob/{job_id}")
    fakepai.advance(30)
    assert gw.delete(f"{GW}/DeleteJobTemplate", params={"TemplateId": tid}).status_code == 200
    assert plain


_KEYS = ["DisplayName", "JobType", "UserCommand", "JobSpecs", "Priority", "Settings", "Envs", "DataSources",
         "UserVpc", "ResourceId", "JobMaxRunningTimeMinutes", "Accessibility", "TemplateId", "CustomEnvs", "Bogus"]
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
                     st.sampled_from(["PyTorchJob", "Worker", "ecs.g6.xlarge", "fail:Queuing", "PUBLIC"]))
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(_KEYS + ["Type", "PodCount", "EcsSpec", "Tags", "EnableSanityCheck", "ResourceConfig"]),
    inner, max_size=4), max_leaves=12)


_VALID = {"DisplayName": "fuzz", "JobType": "PyTorchJob", "UserCommand": "run",
          "JobSpecs": [{"Type": "Worker", "PodCount": 1, "EcsSpec": "ecs.g6.xlarge"}]}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.dictionaries(st.sampled_from(_KEYS), _JSON, max_size=8),
                      st.dictionaries(st.sampled_from(_KEYS), _JSON, max_size=2).map(lambda d: {**_VALID, **d})),
       query=st.dictionaries(st.sampled_from(["Status", "PageSize", "PageNumber", "Tags", "SortBy", "StartTime",
                                              "NumericRangeField", "NumericRangeMin", "DisplayName", "ShowOwn"]),
                             st.text(max_size=10), max_size=4))
def test_fuzzed_requests_are_never_a_5xx_and_rejections_create_nothing(fakepai, gw, body, query):
    before = call(gw, "ListJobs", StartTime="2000-01-01T00:00:00Z")["TotalCount"]
    created = gw.post(f"{GW}/CreateJob", json=body)
    assert created.status_code in (200, 400, 403, 404), created.text
    after = call(gw, "ListJobs", StartTime="2000-01-01T00:00:00Z")["TotalCount"]
    assert after == before + (created.status_code == 200)
    listed = gw.get(f"{GW}/ListJobs", params=query)
    assert listed.status_code in (200, 400), listed.text
    if listed.status_code == 200:
        assert_valid_response("pai-dlc", "ListJobs", listed.json())
    if created.status_code == 200:
        job = call(gw, "GetJob", JobId=created.json()["JobId"])
        for action, params in (("GetJobMetrics", {"MetricType": "CpuCoreUsage", **query}), ("GetJobEvents", query),
                               ("GetPodLogs", {"PodId": f"{job['JobId']}-worker-0", **query})):
            resp = gw.get(f"{GW}/{action}", params={"JobId": job["JobId"], **params})
            assert resp.status_code in (200, 400, 404), resp.text
