"""pai-dlc sanity checks: the SanityChecking phase, its check runs, and GetJobSanityCheckResult /
ListJobSanityCheckResults through the official SDK and the seed's gateway form."""
from __future__ import annotations

import re

import pytest
from alibabacloud_pai_dlc20201203 import models as m

from fakepai.sim.sanity_check import PHASES
from tests.helpers import assert_error, assert_valid_response, sdk_error
from tests.dlc.calls import GW, call, create, get, spec, walk

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+08:00$")


def sanity_job(client, args=None, tags=None, pods=2) -> str:
    return create(client, "checked", job_specs=[spec(pod_count=pods)],
                  settings=m.JobSettings(enable_sanity_check=True, sanity_check_args=args, tags=tags))


def runs(client, job_id, order=None) -> list[list[dict]]:
    body = client.list_job_sanity_check_results(job_id, m.ListJobSanityCheckResultsRequest(order=order)).body.to_map()
    assert_valid_response("pai-dlc", "ListJobSanityCheckResults", body)
    assert body["TotalCount"] == len(body["SanityCheckResults"])
    return body["SanityCheckResults"]


def test_a_passing_check_runs_five_phases_in_order_before_running(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = sanity_job(dlc_client)
    walk(fakepai, dlc_client, job_id, {"SanityChecking"})
    fakepai.advance(7)                          # inside DeviceCheck (CheckInit takes 5 s)
    (run,) = runs(dlc_client, job_id)
    assert [i["Phase"] for i in run] == ["CheckInit", "DeviceCheck"]
    assert [i["Status"] for i in run] == ["Succeeded", "Running"]
    assert "FinishedAt" in run[0] and "FinishedAt" not in run[1]
    seen = walk(fakepai, dlc_client, job_id, {"Succeeded"}, step=10)
    assert seen == ["Creating", "Queuing", "EnvPreparing", "SanityChecking", "Running", "Succeeded"]
    (run,) = runs(dlc_client, job_id)
    assert [i["Phase"] for i in run] == list(PHASES)
    assert all(i["Status"] == "Succeeded" and i["CheckNumber"] == 1 and i["Message"] for i in run)
    assert all(STAMP.match(i["StartedAt"]) and STAMP.match(i["FinishedAt"]) for i in run)
    for earlier, later in zip(run, run[1:]):
        assert earlier["FinishedAt"] == later["StartedAt"]
    assert "gemm_fp16" in run[1]["Message"] and "2 GPU(s)" in run[1]["Message"]
    job = get(dlc_client, job_id)
    sanity = next(h for h in job["StatusHistory"] if h["Status"] == "SanityChecking")
    # The check occupies SanityChecking exactly (local +08:00 stamps vs the job's UTC ones).
    assert run[0]["StartedAt"][11:19] == f"{(int(sanity['StartTime'][11:13]) + 8) % 24:02d}{sanity['StartTime'][13:19]}"
    assert job["Settings"]["EnableSanityCheck"] is True


@pytest.mark.parametrize("how", ["args", "tag-phase", "tag-json"])
def test_a_failing_phase_fails_the_job(fakepai, dlc_client, how):
    fakepai.freeze_clock()
    if how == "args":
        job_id = sanity_job(dlc_client, args="--sanity-check-timeout-ops=MarkJobFail --fakepai-fail-phase=DeviceCheck")
    elif how == "tag-phase":
        job_id = sanity_job(dlc_client, tags={"fakepai.outcome": "fail:DeviceCheck"})
    else:
        job_id = sanity_job(dlc_client, tags={"fakepai.outcome": '{"result": "fail", "phase": "SanityChecking"}'})
    seen = walk(fakepai, dlc_client, job_id, {"Failed"}, step=10)
    assert seen == ["Creating", "Queuing", "EnvPreparing", "SanityChecking", "Failed"]
    (run,) = runs(dlc_client, job_id)
    failed = run[-1]
    assert failed["Status"] == "Failed" and all(i["Status"] == "Succeeded" for i in run[:-1])
    if how != "tag-json":
        assert [i["Phase"] for i in run] == ["CheckInit", "DeviceCheck"]
    job = get(dlc_client, job_id)
    assert job["ReasonCode"] == "SanityCheckFailed"
    assert f"failed in {failed['Phase']}" in job["ReasonMessage"] and failed["Message"] in job["ReasonMessage"]
    assert "GmtRunningTime" not in job and [p["Status"] for p in job["Pods"]] == ["Failed", "Failed"]


def test_a_control_plane_outcome_overrides_the_sanity_args(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = sanity_job(dlc_client, args="--fakepai-fail-phase=AllNodeCommCheck")
    fakepai.set_outcome(job_id, result="succeed", after=30)
    assert walk(fakepai, dlc_client, job_id, {"Succeeded", "Failed"}, step=10)[-1] == "Succeeded"
    assert [i["Status"] for i in runs(dlc_client, job_id)[0]] == ["Succeeded"] * 5


def test_a_check_can_isolate_a_node_and_run_again(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = sanity_job(dlc_client, args="--fakepai-check-runs=3")
    walk(fakepai, dlc_client, job_id, {"Succeeded"}, step=20)
    listed = runs(dlc_client, job_id)
    assert [r[0]["CheckNumber"] for r in listed] == [1, 2, 3]
    assert [[i["Status"] for i in r] for r in listed[:2]] == [["Succeeded", "Failed"]] * 2
    assert "isolated" in listed[0][1]["Message"]
    assert [i["Status"] for i in listed[2]] == ["Succeeded"] * 5
    assert runs(dlc_client, job_id, order="desc") == listed[::-1]
    assert runs(dlc_client, job_id, order="ASC") == listed
    second = dlc_client.get_job_sanity_check_result(job_id, m.GetJobSanityCheckResultRequest(sanity_check_number=2)).body
    assert_valid_response("pai-dlc", "GetJobSanityCheckResult", second.to_map())
    assert [i.to_map() for i in second.sanity_check_result] == listed[1]


def test_stopping_during_the_check_interrupts_it(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = sanity_job(dlc_client)
    walk(fakepai, dlc_client, job_id, {"SanityChecking"})
    fakepai.advance(20)
    dlc_client.stop_job(job_id)
    fakepai.advance(10)
    (run,) = runs(dlc_client, job_id)
    assert run[-1]["Status"] == "Stopped" and "FinishedAt" in run[-1]
    assert get(dlc_client, job_id)["Status"] == "Stopped"


def test_jobs_without_the_setting_skip_the_phase_and_have_no_results(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = create(dlc_client, settings=m.JobSettings(sanity_check_args="--fakepai-fail-phase=DeviceCheck"))
    assert "SanityChecking" not in walk(fakepai, dlc_client, job_id, {"Succeeded"}, step=10)
    assert runs(dlc_client, job_id) == []


def test_seed_get_job_sanity_check_result_example(fakepai, gw, dlc_client):
    fakepai.freeze_clock()
    job_id = sanity_job(dlc_client)
    walk(fakepai, dlc_client, job_id, {"Running"}, step=10)
    token = ("eyJhbG******zI1NiIsInR5cCI6IkpXVCJ9.eyJle****jE3MDk1Mzk0NDIsImlhdCI6MTcwODkzNDY0MiwidXNlcl9pZCI6IjE3NTgw"
             "NTQxNjI0Mzg2NTUiLCJ0YXJnZXRfaWQiOiJkbGM1OGh1a2xyYzZwdGMyIiwidGFyZ2V0X3R5cGUiOiJqb2IifQ.GNL7jo6****mgKKv0QeGIYgvBufSU-PH_EQttX****")
    resp = gw.get(f"{GW}/GetJobSanityCheckResult?JobId={job_id}&SanityCheckNumber=1&SanityCheckPhase=DeviceCheck&Token={token}")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert_valid_response("pai-dlc", "GetJobSanityCheckResult", body)
    assert set(body) == {"JobId", "SanityCheckResult", "RequestID"}          # RequestID, capital D
    assert body["RequestID"] == resp.headers["x-acs-request-id"]
    (item,) = body["SanityCheckResult"]
    assert (item["Phase"], item["Status"], item["CheckNumber"]) == ("DeviceCheck", "Succeeded", 1)
    listed = call(gw, "ListJobSanityCheckResults", JobId=job_id, Order="desc")
    assert set(listed) == {"SanityCheckResults", "TotalCount", "RequestID"} and listed["TotalCount"] == 1
    # A run that has not happened has no items.
    assert call(gw, "GetJobSanityCheckResult", JobId=job_id, SanityCheckNumber=2)["SanityCheckResult"] == []


def test_bad_sanity_requests(fakepai, gw, dlc_client):
    job_id = sanity_job(dlc_client)
    assert_error(gw.get(f"{GW}/GetJobSanityCheckResult", params={"JobId": job_id}), 400, "MissingParameter")
    for bad in ("0", "-1", "one"):
        assert_error(gw.get(f"{GW}/GetJobSanityCheckResult", params={"JobId": job_id, "SanityCheckNumber": bad}),
                     400, "InvalidParameter")
    assert_error(gw.get(f"{GW}/GetJobSanityCheckResult", params={"JobId": job_id, "SanityCheckNumber": 1,
                                                                 "SanityCheckPhase": "GpuBurn"}), 400, "InvalidParameter")
    assert_error(gw.get(f"{GW}/ListJobSanityCheckResults", params={"JobId": job_id, "Order": "up"}), 400, "InvalidParameter")
    assert_error(gw.get(f"{GW}/ListJobSanityCheckResults", params={"JobId": "dlcnosuchjob0000"}), 404, "NotFound")
    err = sdk_error(lambda: dlc_client.get_job_sanity_check_result("dlcnosuchjob0000", m.GetJobSanityCheckResultRequest(sanity_check_number=1)))
    assert err.code == "NotFound"
    bad_args = {"DisplayName": "x", "JobType": "PyTorchJob", "UserCommand": "run",
                "JobSpecs": [{"Type": "Worker", "EcsSpec": "ecs.g6.xlarge"}],
                "Settings": {"EnableSanityCheck": True, "SanityCheckArgs": "--fakepai-check-runs=99"}}
    assert_error(gw.post(f"{GW}/CreateJob", json=bad_args), 400, "InvalidParameter")
