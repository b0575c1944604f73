"""PaiPlugin 2022-01-12 end to end: the official SDK and the seed's gateway URL form.

Every body is checked against its schema: success bodies against the operation's response schema,
errors against the PaiPlugin error envelope.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from alibabacloud_paiplugin20220112 import models as m
from jsonschema import Draft202012Validator
from Tea.exceptions import TeaException

from fakepai.catalog import default_catalog
from tests.helpers import assert_valid_response

P = "PaiPlugin"
GW = "/api/PaiPlugin/2022-01-12"
TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
OSS = "oss://bucket/marketing/train/"


def plugin_error_validator() -> Draft202012Validator:
    catalog = default_catalog()
    return Draft202012Validator({"$ref": "https://fakepai.local/schemas/_shared/common.json#/$defs/PaiPluginError"},
                                registry=catalog.registry)


def ok(action: str, body: dict):
    """A success envelope, valid for `action`; returns Data."""
    assert_valid_response(P, action, body)
    assert body["ErrorCode"] == 0 and body["ErrorMessage"] == "OK" and body["RequestId"]
    return body["Data"]


def envelope_error(response, status: int, code: str) -> dict:
    """A gateway-form error: inside the envelope (Data null, ErrorCode non-zero), Code for the SDK."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert not list(plugin_error_validator().iter_errors(body)), body
    assert body["Data"] is None and body["ErrorCode"] == status and body["ErrorMessage"]
    assert body["Code"] == code, body
    assert response.headers["x-acs-request-id"] == body["RequestId"]
    return body


def sdk_error(call, status: int, code: str) -> TeaException:
    with pytest.raises(TeaException) as info:
        call()
    err = info.value
    assert err.status_code == status and err.code == code, (err.status_code, err.code, err.message)
    assert not list(plugin_error_validator().iter_errors({k: v for k, v in err.data.items() if k != "statusCode"}))
    return err


def utc8(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")


def new_campaign(client, name="VIP客户", remark="充值大于一万") -> dict:
    body = client.create_campaign(m.CreateCampaignRequest(name=name, remark=remark)).body.to_map()
    return ok("CreateCampaign", body)


def new_job(client, **kw) -> dict:
    kw.setdefault("algorithm", "user_recall")
    kw.setdefault("data_path", OSS)
    kw.setdefault("name", "recall-job")
    body = client.create_training_job(m.CreateTrainingJobRequest(**kw)).body.to_map()
    return ok("CreateTrainingJob", body)


def get_job(client, job_id: str) -> dict:
    return ok("GetTrainingJob", client.get_training_job(job_id).body.to_map())


def list_jobs(client, **kw) -> dict:
    return ok("ListTrainingJobs", client.list_training_jobs(m.ListTrainingJobsRequest(**kw)).body.to_map())


# -- algorithms ------------------------------------------------------------------------------

def test_algorithm_catalogue_through_the_sdk(fakepai, paiplugin_client):
    data = ok("ListAlgorithms", paiplugin_client.list_algorithms(m.ListAlgorithmsRequest()).body.to_map())
    ids = [a["Id"] for a in data["Algorithms"]]
    assert {"user_recall", "sms_recall"} <= set(ids)
    assert data["TotalCount"] == len(ids) and data["PageNumber"] == 1 and data["PageSize"] == 10
    assert all(set(a) == {"Id", "Name"} for a in data["Algorithms"])

    page = ok("ListAlgorithms", paiplugin_client.list_algorithms(m.ListAlgorithmsRequest(page_size=1, page_number=2)).body.to_map())
    assert [a["Id"] for a in page["Algorithms"]] == ids[1:2] and page["TotalCount"] == len(ids)
    by_id = ok("ListAlgorithms", paiplugin_client.list_algorithms(m.ListAlgorithmsRequest(id="sms_recall")).body.to_map())
    assert by_id["Algorithms"] == [{"Id": "sms_recall", "Name": "短信召回"}]
    by_name = ok("ListAlgorithms", paiplugin_client.list_algorithms(m.ListAlgorithmsRequest(name="短信")).body.to_map())
    assert [a["Id"] for a in by_name["Algorithms"]] == ["sms_recall"]

    algo = ok("GetAlgorithm", paiplugin_client.get_algorithm("user_recall").body.to_map())
    assert algo["Id"] == "user_recall" and algo["Name"] and algo["Description"]
    train, infer = json.loads(algo["TrainUserConfigMap"]), json.loads(algo["InferUserConfigMap"])
    assert {"start_date", "end_date"} <= set(train) and all(isinstance(v, str) for v in train.values())
    assert infer and all(isinstance(v, str) for v in infer.values())

    sdk_error(lambda: paiplugin_client.get_algorithm("no_such_algo"), 404, "NotFound.Algorithm")


def test_algorithms_through_the_gateway(fakepai):
    with fakepai.http() as http:
        data = ok("ListAlgorithms", http.get(f"{GW}/ListAlgorithms", params={"Name": "召回"}).json())
        assert {a["Id"] for a in data["Algorithms"]} == {"user_recall", "sms_recall"}
        algo = ok("GetAlgorithm", http.get(f"{GW}/GetAlgorithm/sms_recall").json())
        assert algo["Name"] == "短信召回"
        envelope_error(http.get(f"{GW}/GetAlgorithm/unknown"), 404, "NotFound.Algorithm")
        envelope_error(http.get(f"{GW}/ListAlgorithms", params={"PageSize": "101"}), 400, "InvalidParameter")


# -- campaigns -------------------------------------------------------------------------------

def test_campaign_lifecycle_through_the_sdk(fakepai, paiplugin_client):
    fakepai.freeze_clock()
    created = new_campaign(paiplugin_client)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", created["Id"])
    assert created["Name"] == "VIP客户" and created["Remark"] == "充值大于一万"
    assert TIME.match(created["CreatedTime"]) and created["CreatedTime"] == created["UpdatedTime"]
    assert created["CreatedTime"] == utc8(fakepai.now())   # UTC+8, not UTC

    fakepai.advance(3600)
    updated = ok("UpdateCampaign", paiplugin_client.update_campaign(
        created["Id"], m.UpdateCampaignRequest(remark="充值大于两万")).body.to_map())
    assert updated["Name"] == "VIP客户" and updated["Remark"] == "充值大于两万"
    assert updated["CreatedTime"] == created["CreatedTime"] and updated["UpdatedTime"] == utc8(fakepai.now())
    assert ok("GetCampaign", paiplugin_client.get_campaign(created["Id"]).body.to_map()) == updated

    other = new_campaign(paiplugin_client, name="流失用户", remark="三十天未登录")
    listed = ok("ListCampaigns", paiplugin_client.list_campaigns(m.ListCampaignsRequest()).body.to_map())
    assert [c["Id"] for c in listed["Campaigns"]] == [other["Id"], created["Id"]]   # newest first
    assert listed["TotalCount"] == 2
    by_name = ok("ListCampaigns", paiplugin_client.list_campaigns(m.ListCampaignsRequest(name="vip")).body.to_map())
    assert [c["Id"] for c in by_name["Campaigns"]] == [created["Id"]]   # case-insensitive substring
    by_remark = ok("ListCampaigns", paiplugin_client.list_campaigns(m.ListCampaignsRequest(remark="登录")).body.to_map())
    assert [c["Id"] for c in by_remark["Campaigns"]] == [other["Id"]]
    paged = ok("ListCampaigns", paiplugin_client.list_campaigns(m.ListCampaignsRequest(page_size=1, page_number=2)).body.to_map())
    assert [c["Id"] for c in paged["Campaigns"]] == [created["Id"]] and paged["TotalCount"] == 2

    assert ok("DeleteCampaign", paiplugin_client.delete_campaign(other["Id"]).body.to_map()) == "OK"
    sdk_error(lambda: paiplugin_client.get_campaign(other["Id"]), 404, "NotFound.Campaign")
    sdk_error(lambda: paiplugin_client.delete_campaign(other["Id"]), 404, "NotFound.Campaign")
    sdk_error(lambda: paiplugin_client.update_campaign(other["Id"], m.UpdateCampaignRequest(name="x")), 404, "NotFound.Campaign")
    sdk_error(lambda: paiplugin_client.create_campaign(m.CreateCampaignRequest(remark="no name")), 400, "MissingParameter")


def test_campaigns_through_the_gateway(fakepai):
    with fakepai.http() as http:
        created = ok("CreateCampaign", http.post(f"{GW}/CreateCampaign", json={"Name": "spring", "Remark": "r"}).json())
        cid = created["Id"]
        assert ok("GetCampaign", http.get(f"{GW}/GetCampaign/{cid}").json())["Name"] == "spring"
        updated = ok("UpdateCampaign", http.put(f"{GW}/UpdateCampaign/{cid}", json={"Name": "summer"}).json())
        assert updated["Name"] == "summer" and updated["Remark"] == "r"
        envelope_error(http.put(f"{GW}/UpdateCampaign/{cid}", json={"Name": ""}), 400, "InvalidParameter")
        assert ok("ListCampaigns", http.get(f"{GW}/ListCampaigns", params={"Name": "SUM"}).json())["TotalCount"] == 1
        # A campaign with training jobs stays: the jobs would point at nothing.
        job = ok("CreateTrainingJob", http.post(f"{GW}/CreateTrainingJob",
                                                json={"Algorithm": "sms_recall", "CampaignId": cid, "DataPath": OSS}).json())
        body = envelope_error(http.delete(f"{GW}/DeleteCampaign/{cid}"), 400, "InvalidStatus")
        assert "1 training job" in body["Message"]
        assert ok("DeleteTrainingJob", http.delete(f"{GW}/DeleteTrainingJob/{job['Id']}").json()) == "OK"
        assert ok("DeleteCampaign", http.delete(f"{GW}/DeleteCampaign/{cid}").json()) == "OK"
        envelope_error(http.get(f"{GW}/GetCampaign/{cid}"), 404, "NotFound.Campaign")
        envelope_error(http.post(f"{GW}/CreateCampaign", json={}), 400, "MissingParameter")


# -- training jobs ---------------------------------------------------------------------------

def test_training_job_runs_0_1_2_3_on_the_clock(fakepai, paiplugin_client):
    fakepai.freeze_clock()
    campaign = new_campaign(paiplugin_client)
    start = fakepai.now()
    job = new_job(paiplugin_client, campaign_id=campaign["Id"], remark="r1",
                  user_config=json.dumps({"start_date": "2024-01-01", "end_date": "2024-03-31"}))
    assert job["Status"] == 0 and job["HasModelInfo"] is False
    assert job["Algorithm"] == "user_recall" and job["CampaignId"] == campaign["Id"] and job["DataPath"] == OSS
    assert json.loads(job["UserConfig"]) == {"start_date": "2024-01-01", "end_date": "2024-03-31"}
    assert job["TrainingScheduleId"] == "" and job["CreatedTime"] == utc8(start) == job["UpdatedTime"]
    assert job["History"].endswith("Training job queued.")

    seen = []
    for _ in range(200):
        status = get_job(paiplugin_client, job["Id"])["Status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in (3, 4):
            break
        fakepai.advance(5)
    assert seen == [0, 1, 2, 3]
    done = get_job(paiplugin_client, job["Id"])
    assert done["HasModelInfo"] is True
    assert done["CreatedTime"] == utc8(start) and done["UpdatedTime"] > done["CreatedTime"]
    lines = done["History"].splitlines()
    assert len(lines) == 4 and all(TIME.match(line[:19]) for line in lines)
    assert "user_recall" in lines[2]
    fakepai.advance(3600)
    assert get_job(paiplugin_client, job["Id"]) == done   # terminal: nothing moves any more


def test_job_without_data_fails_and_history_says_why(fakepai, paiplugin_client):
    fakepai.freeze_clock()
    job = new_job(paiplugin_client, data_path=None)
    assert job["Status"] == 0
    fakepai.advance(3600)
    failed = get_job(paiplugin_client, job["Id"])
    assert failed["Status"] == 4 and failed["HasModelInfo"] is False
    assert failed["History"].splitlines()[-1].endswith("Error: DataPath is empty; there is no training data to read.")
    assert "started" not in failed["History"]   # it never ran


def test_scripted_failure_and_control_plane_outcome(fakepai, paiplugin_client):
    fakepai.freeze_clock()
    a = new_job(paiplugin_client, name="a")
    fakepai.set_outcome(a["Id"], result="fail", reason_message="Error: Missing column.", after=10)
    b = new_job(paiplugin_client, name="b")
    with fakepai.http() as http:
        r = http.put(f"/_fakepai/jobs/{b['Id']}/outcome", json={"result": "fail", "phase": "submitted", "after": 1})
        assert r.status_code == 200, r.text
        assert http.put(f"/_fakepai/jobs/{b['Id']}/outcome", json={"result": "fail", "phase": "cooking"}).status_code == 400
    fakepai.advance(600)
    ja, jb = get_job(paiplugin_client, a["Id"]), get_job(paiplugin_client, b["Id"])
    assert ja["Status"] == 4 and ja["History"].splitlines()[-1].endswith("Error: Missing column.")
    assert "started" in ja["History"]           # failed while running
    assert jb["Status"] == 4 and "started" not in jb["History"]   # failed once submitted
    with pytest.raises(ValueError):
        fakepai.set_outcome(a["Id"], result="succeed")   # it already ended


def test_create_rejections_change_nothing(fakepai, paiplugin_client):
    campaign = new_campaign(paiplugin_client)
    cases = [
        (dict(algorithm=None), 400, "MissingParameter"),
        (dict(algorithm="deep_magic"), 404, "NotFound.Algorithm"),
        (dict(campaign_id="0a54e195-03e2-40bd-869d-b71cb302783e"), 404, "NotFound.Campaign"),
        (dict(user_config="start_date=2024-01-01"), 400, "InvalidParameter"),
        (dict(user_config="[1, 2]"), 400, "InvalidParameter"),
        (dict(data_path="/local/dir"), 400, "InvalidParameter"),
    ]
    for overrides, status, code in cases:
        kw = {"algorithm": "user_recall", "data_path": OSS, "campaign_id": campaign["Id"], **overrides}
        err = sdk_error(lambda: paiplugin_client.create_training_job(m.CreateTrainingJobRequest(**kw)), status, code)
        assert err.data["ErrorCode"] == status
    assert list_jobs(paiplugin_client)["TotalCount"] == 0


def test_list_training_jobs_filters_and_pages(fakepai, paiplugin_client):
    fakepai.freeze_clock()
    vip = new_campaign(paiplugin_client, name="VIP客户")
    lost = new_campaign(paiplugin_client, name="流失用户")
    j1 = new_job(paiplugin_client, name="Recall-Jan", campaign_id=vip["Id"], remark="first")
    j2 = new_job(paiplugin_client, name="recall-feb", campaign_id=lost["Id"], remark="second", algorithm="sms_recall")
    fakepai.advance(30)   # j1, j2 are running now
    j3 = new_job(paiplugin_client, name="sms-mar", campaign_id=vip["Id"], data_path=None)

    def ids(**kw):
        data = list_jobs(paiplugin_client, **kw)
        assert data["TotalCount"] >= len(data["TrainingJobs"])
        return [j["Id"] for j in data["TrainingJobs"]]

    assert ids() == [j3["Id"], j2["Id"], j1["Id"]]                 # newest first
    assert ids(campaign_id=vip["Id"]) == [j3["Id"], j1["Id"]]
    assert ids(campaign_name="流失") == [j2["Id"]]
    assert ids(campaign_name="nobody") == []
    assert ids(name="RECALL") == [j2["Id"], j1["Id"]]
    assert ids(remark="sec") == [j2["Id"]]
    assert ids(status=2) == [j2["Id"], j1["Id"]] and ids(status=0) == [j3["Id"]] and ids(status=3) == []
    assert ids(training_schedule_id="nope") == []
    page = list_jobs(paiplugin_client, page_size=2, page_number=2)
    assert [j["Id"] for j in page["TrainingJobs"]] == [j1["Id"]]
    assert (page["TotalCount"], page["PageNumber"], page["PageSize"]) == (3, 2, 2)
    assert list_jobs(paiplugin_client, page_number=9)["TrainingJobs"] == []
    sdk_error(lambda: paiplugin_client.list_training_jobs(m.ListTrainingJobsRequest(status=7)), 400, "InvalidParameter")
    sdk_error(lambda: paiplugin_client.list_training_jobs(m.ListTrainingJobsRequest(page_size=500)), 400, "InvalidParameter")


def test_training_jobs_through_the_gateway(fakepai):
    fakepai.freeze_clock()
    with fakepai.http() as http:
        job = ok("CreateTrainingJob", http.post(f"{GW}/CreateTrainingJob", json={
            "Algorithm": "sms_recall", "DataPath": OSS, "Name": "gw", "UserConfig": "{\"start_date\": \"2024-05-01\"}"}).json())
        assert ok("GetTrainingJob", http.get(f"{GW}/GetTrainingJob/{job['Id']}").json())["Status"] == 0
        fakepai.advance(25)
        listed = ok("ListTrainingJobs", http.get(f"{GW}/ListTrainingJobs", params={"Status": "2"}).json())
        assert [j["Id"] for j in listed["TrainingJobs"]] == [job["Id"]]
        envelope_error(http.get(f"{GW}/ListTrainingJobs", params={"Status": "two"}), 400, "InvalidParameter")
        envelope_error(http.post(f"{GW}/CreateTrainingJob", json={"Algorithm": "sms_recall", "UserConfig": "{oops"}),
                       400, "InvalidParameter")
        # No stop operation exists, so a running job may be deleted (it is cancelled).
        assert ok("DeleteTrainingJob", http.delete(f"{GW}/DeleteTrainingJob/{job['Id']}").json()) == "OK"
        envelope_error(http.get(f"{GW}/GetTrainingJob/{job['Id']}"), 404, "NotFound.TrainingJob")
        envelope_error(http.delete(f"{GW}/DeleteTrainingJob/{job['Id']}"), 404, "NotFound.TrainingJob")
        assert ok("ListTrainingJobs", http.get(f"{GW}/ListTrainingJobs").json())["TotalCount"] == 0


def test_delete_through_the_sdk_and_accounts_are_isolated(fakepai, paiplugin_client):
    job = new_job(paiplugin_client)
    with fakepai.http(headers={"Authorization": "Bearer someone-else"}) as other:
        theirs = other.get(f"{GW}/ListTrainingJobs").json()
        assert ok("ListTrainingJobs", theirs)["TotalCount"] == 0
        envelope_error(other.get(f"{GW}/GetTrainingJob/{job['Id']}"), 404, "NotFound.TrainingJob")
    assert ok("DeleteTrainingJob", paiplugin_client.delete_training_job(job["Id"]).body.to_map()) == "OK"
    sdk_error(lambda: paiplugin_client.get_training_job(job["Id"]), 404, "NotFound.TrainingJob")
    sdk_error(lambda: paiplugin_client.delete_training_job(job["Id"]), 404, "NotFound.TrainingJob")
