"""pai-dlc TensorBoards: sources, statuses on the frozen clock, auto-stop, state rules, listing,
through the official SDK and the gateway URL form."""
from __future__ import annotations

import httpx
import pytest
from alibabacloud_pai_dlc20201203 import models as m

from fakepai.services.dlc.tensorboards import CREATING_SECONDS
from tests.helpers import assert_error, assert_valid_response, sdk_error

WS = "86995"
GW = "/api/pai-dlc/2020-12-03"
P = "pai-dlc"
OSS = "oss://my-bucket.oss-cn-hangzhou.aliyuncs.com/runs/"
UP = CREATING_SECONDS   # seconds from Creating to Running


def create(client, **kw) -> dict:
    kw.setdefault("workspace_id", WS)
    if not {"job_id", "source_id", "data_sources", "tensorboard_data_sources", "data_source_id"} & set(kw):
        kw.setdefault("uri", OSS)
    body = client.create_tensorboard(m.CreateTensorboardRequest(**kw)).body.to_map()
    assert_valid_response(P, "CreateTensorboard", body)
    return body


def get(client, tb_id, **kw) -> dict:
    body = client.get_tensorboard(tb_id, m.GetTensorboardRequest(**kw)).body.to_map()
    assert_valid_response(P, "GetTensorboard", body)
    return body


def listing(client, **kw) -> dict:
    body = client.list_tensorboards(m.ListTensorboardsRequest(**kw)).body.to_map()
    assert_valid_response(P, "ListTensorboards", body)
    return body


def make_job(client) -> str:
    """A DLC job to point TensorBoards at (served by the jobs module)."""
    spec = m.JobSpec(type="Worker", pod_count=1, image="registry.cn-hangzhou.aliyuncs.com/pai/pytorch:2.1",
                     ecs_spec="ecs.gn7i-c8g1.2xlarge")
    return client.create_job(m.CreateJobRequest(display_name="mnist-train", job_type="PyTorchJob", job_specs=[spec],
                                                user_command="python train.py", workspace_id=WS)).body.job_id


# -- life on the clock ---------------------------------------------------------------------------

def test_creating_running_then_auto_stop_after_max_running_time(fakepai, dlc_client):
    fakepai.freeze_clock()
    created = create(dlc_client, display_name="tb-1", summary_path="logs/", max_running_time_minutes=2,
                     priority="3", accessibility="PUBLIC", cpu=2, memory=8)
    tb_id = created["TensorboardId"]
    assert tb_id.startswith("tb") and len(tb_id) == 16 and "JobId" not in created
    tb = get(dlc_client, tb_id)
    assert tb["Status"] == "Creating" and tb["Duration"] == "0" and "GmtFinishTime" not in tb
    # The emulator serves the app page itself (docs/clients.md): 503 until it runs, 200 while it
    # runs, 503 once stopped; no credentials, as a sharing link.
    url = tb["TensorboardUrl"]
    assert url == f"{fakepai.url}/_fakepai/tensorboards/{tb_id}/"
    assert httpx.get(url).status_code == 503
    assert (tb["DisplayName"], tb["WorkspaceId"], tb["SummaryPath"]) == ("tb-1", WS, "logs/")
    assert (tb["DataSourceType"], tb["Priority"], tb["Accessibility"]) == ("OSS", "3", "PUBLIC")
    assert (tb["Cpu"], tb["Memory"], tb["MaxRunningTimeMinutes"]) == (2, 8, 2)
    assert tb["RequestId"]                              # the body IS the Tensorboard model, RequestId included
    fakepai.advance(UP)
    assert get(dlc_client, tb_id)["Status"] == "Running"
    page = httpx.get(url)
    assert page.status_code == 200 and "tb-1" in page.text and httpx.get(url + "data/runs").status_code == 200
    fakepai.advance(119)
    running = get(dlc_client, tb_id)
    assert running["Status"] == "Running" and running["Duration"] == "119"
    fakepai.advance(1)
    stopped = get(dlc_client, tb_id)
    assert stopped["Status"] == "Stopped" and stopped["Duration"] == "120"
    assert stopped["ReasonCode"] == "TensorboardAutoStopped" and stopped["ReasonMessage"]
    assert stopped["GmtFinishTime"] == stopped["GmtModifyTime"]
    assert httpx.get(url).status_code == 503
    assert httpx.get(f"{fakepai.url}/_fakepai/tensorboards/tbnosuchboard00/").status_code == 404
    fakepai.advance(3600)
    assert get(dlc_client, tb_id)["Duration"] == "120"


def test_without_max_running_time_it_runs_until_stopped(fakepai, dlc_client):
    fakepai.freeze_clock()
    tb_id = create(dlc_client)["TensorboardId"]
    fakepai.advance(UP + 30 * 24 * 3600)
    tb = get(dlc_client, tb_id)
    assert tb["Status"] == "Running" and tb["Duration"] == str(30 * 24 * 3600)
    assert (tb["Priority"], tb["Accessibility"]) == ("1", "PRIVATE")        # defaults


def test_stop_start_and_delete_follow_the_state_rules(fakepai, dlc_client):
    fakepai.freeze_clock()
    tb_id = create(dlc_client)["TensorboardId"]
    err = sdk_error(lambda: dlc_client.start_tensorboard(tb_id, m.StartTensorboardRequest()))
    assert (err.statusCode, err.code) == (400, "InvalidStatus") and "because it is Creating" in err.message
    err = sdk_error(lambda: dlc_client.delete_tensorboard(tb_id, m.DeleteTensorboardRequest()))
    assert (err.statusCode, err.code) == (400, "InvalidStatus")
    fakepai.advance(UP + 50)
    err = sdk_error(lambda: dlc_client.delete_tensorboard(tb_id, m.DeleteTensorboardRequest(workspace_id=WS)))
    assert "can't be deleted, because it is Running" in err.message
    assert get(dlc_client, tb_id)["Status"] == "Running"
    stop = dlc_client.stop_tensorboard(tb_id, m.StopTensorboardRequest(workspace_id=WS)).body.to_map()
    assert_valid_response(P, "StopTensorboard", stop)
    assert stop["TensorboardId"] == tb_id
    tb = get(dlc_client, tb_id)
    assert (tb["Status"], tb["ReasonCode"], tb["Duration"]) == ("Stopped", "TensorboardStoppedByUser", "50")
    err = sdk_error(lambda: dlc_client.stop_tensorboard(tb_id, m.StopTensorboardRequest()))
    assert (err.statusCode, err.code) == (400, "InvalidStatus")
    assert "Tensorboard can't be stopped, because it is Stopped" in err.message
    fakepai.advance(100)
    start = dlc_client.start_tensorboard(tb_id, m.StartTensorboardRequest()).body.to_map()
    assert_valid_response(P, "StartTensorboard", start)
    tb = get(dlc_client, tb_id)
    assert tb["Status"] == "Creating" and "GmtFinishTime" not in tb and "ReasonCode" not in tb
    fakepai.advance(UP + 10)
    tb = get(dlc_client, tb_id)
    assert tb["Status"] == "Running" and tb["Duration"] == "60"                 # 50 s before + 10 s now
    dlc_client.stop_tensorboard(tb_id, m.StopTensorboardRequest())
    deleted = dlc_client.delete_tensorboard(tb_id, m.DeleteTensorboardRequest()).body.to_map()
    assert_valid_response(P, "DeleteTensorboard", deleted)
    assert deleted["TensorboardId"] == tb_id
    for call in (lambda: get(dlc_client, tb_id),
                 lambda: dlc_client.stop_tensorboard(tb_id, m.StopTensorboardRequest()),
                 lambda: dlc_client.delete_tensorboard(tb_id, m.DeleteTensorboardRequest())):
        err = sdk_error(call)
        assert (err.statusCode, err.code) == (404, "NotFound")


def test_stop_while_creating_and_restart_after_auto_stop(fakepai, dlc_client):
    fakepai.freeze_clock()
    tb_id = create(dlc_client, max_running_time_minutes=1)["TensorboardId"]
    fakepai.advance(5)
    dlc_client.stop_tensorboard(tb_id, m.StopTensorboardRequest())
    assert get(dlc_client, tb_id)["Status"] == "Stopped" and get(dlc_client, tb_id)["Duration"] == "0"
    dlc_client.start_tensorboard(tb_id, m.StartTensorboardRequest())
    fakepai.advance(UP + 60)
    assert get(dlc_client, tb_id)["Status"] == "Stopped"                     # auto-stop applies to every run
    dlc_client.start_tensorboard(tb_id, m.StartTensorboardRequest())
    assert get(dlc_client, tb_id)["Status"] == "Creating"


def test_update_takes_query_parameters_and_moves_the_auto_stop(fakepai, dlc_client):
    fakepai.freeze_clock()
    tb_id = create(dlc_client, max_running_time_minutes=10)["TensorboardId"]
    fakepai.advance(UP + 120)
    upd = dlc_client.update_tensorboard(tb_id, m.UpdateTensorboardRequest(
        accessibility="PUBLIC", priority="7", max_running_time_minutes=5, workspace_id=WS)).body.to_map()
    assert_valid_response(P, "UpdateTensorboard", upd)
    assert upd["TensorboardId"] == tb_id
    tb = get(dlc_client, tb_id)
    assert (tb["Accessibility"], tb["Priority"], tb["MaxRunningTimeMinutes"], tb["Status"]) == ("PUBLIC", "7", 5, "Running")
    fakepai.advance(179)
    assert get(dlc_client, tb_id)["Status"] == "Running"
    fakepai.advance(1)
    assert get(dlc_client, tb_id)["Status"] == "Stopped"                     # 5 min after Running began
    # A limit already exceeded stops it at once.
    tb2 = create(dlc_client)["TensorboardId"]
    fakepai.advance(UP + 600)
    dlc_client.update_tensorboard(tb2, m.UpdateTensorboardRequest(max_running_time_minutes=2))
    tb = get(dlc_client, tb2)
    assert (tb["Status"], tb["ReasonCode"], tb["Duration"]) == ("Stopped", "TensorboardAutoStopped", "600")
    # Updating a stopped one changes its settings only.
    dlc_client.update_tensorboard(tb2, m.UpdateTensorboardRequest(max_running_time_minutes=30, priority="2"))
    tb = get(dlc_client, tb2)
    assert (tb["Status"], tb["MaxRunningTimeMinutes"], tb["Priority"]) == ("Stopped", 30, "2")


def test_get_accepts_the_jodid_quirk_and_checks_the_workspace(fakepai, dlc_client):
    tb_id = create(dlc_client)["TensorboardId"]
    assert get(dlc_client, tb_id, jod_id="dlc-anything", token="t", workspace_id=WS)["TensorboardId"] == tb_id
    err = sdk_error(lambda: get(dlc_client, tb_id, workspace_id="12345"))
    assert (err.statusCode, err.code) == (404, "NotFound")
    err = sdk_error(lambda: get(dlc_client, "tbnosuchboard00"))
    assert (err.statusCode, err.code) == (404, "NotFound")


def test_scripted_outcomes_fail_or_stop_a_tensorboard(fakepai, dlc_client):
    fakepai.freeze_clock()
    failing = create(dlc_client)["TensorboardId"]
    fakepai.set_outcome(failing, result="fail", phase="Creating", after=10, reasonCode="ImagePullFailed",
                        reasonMessage="pull failed")
    fakepai.advance(10)
    tb = get(dlc_client, failing)
    assert (tb["Status"], tb["ReasonCode"], tb["ReasonMessage"]) == ("Failed", "ImagePullFailed", "pull failed")
    assert "GmtFinishTime" in tb
    dlc_client.start_tensorboard(failing, m.StartTensorboardRequest())       # Failed may be started again
    fakepai.advance(UP)
    assert get(dlc_client, failing)["Status"] == "Running"
    short = create(dlc_client)["TensorboardId"]
    fakepai.set_outcome(short, result="succeed", after=30)
    fakepai.advance(UP + 30)
    assert get(dlc_client, short)["Status"] == "Stopped"
    with pytest.raises(KeyError):
        fakepai.set_outcome("tbnosuchboard00", result="fail")
    with fakepai.http() as http:
        resp = http.put(f"/_fakepai/jobs/{short}/outcome", json={"result": "fail"})
        assert resp.status_code == 400 and "ended" in resp.text             # its run has already ended


# -- sources --------------------------------------------------------------------------------------

def test_data_source_forms(fakepai, dlc_client):
    by_id = create(dlc_client, data_source_id="d-475megosidivjfgfq6", data_source_type="NAS",
                   uri="nas://0a2b3c.cn-hangzhou/runs", summary_path="tb")
    assert by_id["DataSourceId"] == "d-475megosidivjfgfq6"
    tb = get(dlc_client, by_id["TensorboardId"])
    assert (tb["DataSourceId"], tb["DataSourceType"], tb["SummaryPath"]) == ("d-475megosidivjfgfq6", "NAS", "tb")
    items = create(dlc_client, summary_path="events", data_sources=[m.DataSourceItem(
        data_source_id="d-8o0hh35po15ejcdq2p", display_name="runs", path=OSS, data_source_type="OSS")])
    tb = get(dlc_client, items["TensorboardId"])
    assert tb["DataSourceId"] == "d-8o0hh35po15ejcdq2p"
    assert tb["TensorboardDataSources"] == [{
        "SourceType": "datasource", "Id": "d-8o0hh35po15ejcdq2p", "Name": "runs", "DirectoryName": "runs",
        "DataSourceType": "OSS", "Uri": OSS, "SummaryPath": "events", "FullSummaryPath": OSS + "events"}]
    specs = create(dlc_client, tensorboard_data_sources=[
        m.TensorboardDataSourceSpec(source_type="datasource", id="d-1", name="a", uri=OSS, summary_path="x/"),
        m.TensorboardDataSourceSpec(uri="nas://fs.cn-hangzhou/y", directory_name="dir-y")],
        tensorboard_spec=m.TensorboardSpec(ecs_type="ecs.g6.large", vpc_id="vpc-1"))
    tb = get(dlc_client, specs["TensorboardId"])
    first, second = tb["TensorboardDataSources"]
    assert (first["FullSummaryPath"], first["DataSourceType"], first["DirectoryName"]) == (OSS + "x/", "OSS", "a")
    assert (second["SourceType"], second["DataSourceType"], second["DirectoryName"]) == ("datasource", "NAS", "dir-y")
    assert tb["TensorboardSpec"] == {"EcsType": "ecs.g6.large", "VpcId": "vpc-1"}


def test_create_from_a_job(fakepai, dlc_client):
    job_id = make_job(dlc_client)
    by_job = create(dlc_client, job_id=job_id, summary_relative_path="logs")
    assert by_job["JobId"] == job_id
    tb = get(dlc_client, by_job["TensorboardId"])
    assert (tb["JobId"], tb["SummaryRelativePath"], tb["DisplayName"]) == (job_id, "logs", "mnist-train")
    by_source = create(dlc_client, source_type="job", source_id=job_id, display_name="second")
    assert by_source["JobId"] == job_id
    in_list = create(dlc_client, tensorboard_data_sources=[m.TensorboardDataSourceSpec(source_type="dlcjob", id=job_id)])
    assert get(dlc_client, in_list["TensorboardId"])["TensorboardDataSources"][0]["Name"] == "mnist-train"
    listed = listing(dlc_client, job_id=job_id)
    assert {t["TensorboardId"] for t in listed["Tensorboards"]} == {by_job["TensorboardId"], by_source["TensorboardId"]}
    assert listing(dlc_client, source_type="JOB", source_id=job_id)["TotalCount"] == 2
    assert listing(dlc_client, source_id=job_id)["TotalCount"] == 3
    with fakepai.http() as http:
        for body, status, code in (
            ({"JobId": "dlcnosuchjob0000"}, 404, "NotFound"),
            ({"SourceType": "job", "SourceId": "dlcnosuchjob0000"}, 404, "NotFound"),
            ({"TensorboardDataSources": [{"SourceType": "dlcjob", "Id": "dlcnosuchjob0000"}]}, 404, "NotFound"),
        ):
            assert_error(http.post(f"{GW}/CreateTensorboard", json=body), status, code)


def test_bad_create_requests_are_4xx_and_store_nothing(fakepai):
    job_id = "dlc1k7426goc7bvy"     # every rule below is checked before the job is looked up
    cases = [
        ({"JobId": job_id, "Uri": OSS}, 400, "InvalidParameter"),                        # job xor data sources
        ({"SourceId": job_id, "DataSources": [{"DataSourceId": "d-1"}]}, 400, "InvalidParameter"),
        ({}, 400, "MissingParameter"),
        ({"WorkspaceId": WS, "DisplayName": "nothing to show"}, 400, "MissingParameter"),
        ({"SourceType": "job"}, 400, "MissingParameter"),
        ({"SourceType": "dataset", "SourceId": job_id}, 400, "InvalidParameter"),
        # A TensorBoard of a PaiStudio TrainingJob (alipai) reads Uri; it needs the Uri and the id.
        ({"SourceType": "TrainingJob", "SourceId": "train1234567890"}, 400, "MissingParameter"),
        ({"SourceType": "TrainingJob", "Uri": OSS}, 400, "MissingParameter"),
        ({"SourceType": "TrainingJob", "SourceId": "train1234567890", "Uri": OSS, "JobId": job_id}, 400,
         "InvalidParameter"),
        ({"JobId": job_id, "SourceId": "dlcother"}, 400, "InvalidParameter"),
        ({"Uri": "http://example.com/x"}, 400, "InvalidParameter"),
        ({"Uri": OSS, "DataSourceType": "NAS"}, 400, "InvalidParameter"),
        ({"DataSourceId": "d-1", "DataSourceType": "HDFS"}, 400, "InvalidParameter"),
        ({"DataSources": [{"DisplayName": "no id"}]}, 400, "MissingParameter"),
        ({"DataSources": [{"Path": "ftp://x"}]}, 400, "InvalidParameter"),
        ({"DataSources": ["d-1"]}, 400, "InvalidParameter"),
        ({"TensorboardDataSources": [{"SourceType": "bucket", "Uri": OSS}]}, 400, "InvalidParameter"),
        ({"TensorboardDataSources": [{"SourceType": "datasource"}]}, 400, "MissingParameter"),
        ({"TensorboardDataSources": [{"SourceType": "dlcjob"}]}, 400, "MissingParameter"),
        ({"Uri": OSS, "Priority": "0"}, 400, "InvalidParameter"),
        ({"Uri": OSS, "Priority": "high"}, 400, "InvalidParameter"),
        ({"Uri": OSS, "Accessibility": "WORLD"}, 400, "InvalidParameter"),
        ({"Uri": OSS, "MaxRunningTimeMinutes": 0}, 400, "InvalidParameter"),
        ({"Uri": OSS, "MaxRunningTimeMinutes": "ten"}, 400, "InvalidParameter"),
        ({"Uri": OSS, "Cpu": -1}, 400, "InvalidParameter"),
        ({"Uri": OSS, "Options": "not json"}, 400, "InvalidParameter"),
        ({"Uri": OSS, "TensorboardSpec": "ecs.g6.large"}, 400, "InvalidParameter"),
    ]
    with fakepai.http() as http:
        for body, status, code in cases:
            assert_error(http.post(f"{GW}/CreateTensorboard", json=body), status, code)
        listed = http.get(f"{GW}/ListTensorboards", params={"ShowOwn": "false"}).json()
        assert listed["TotalCount"] == 0


# -- listing --------------------------------------------------------------------------------------

def test_list_filters_sorting_paging_and_verbose(fakepai, dlc_client):
    fakepai.freeze_clock()
    ids = []
    for name in ("Beta-board", "alpha-board", "gamma"):
        ids.append(create(dlc_client, display_name=name, tensorboard_data_sources=[
            m.TensorboardDataSourceSpec(id=f"d-{name}", uri=OSS)])["TensorboardId"])
        fakepai.advance(10)
    other_ws = create(dlc_client, workspace_id="12345", display_name="elsewhere")["TensorboardId"]
    fakepai.advance(UP)
    dlc_client.stop_tensorboard(ids[1], m.StopTensorboardRequest())
    everything = listing(dlc_client)
    assert everything["TotalCount"] == 4
    assert [t["TensorboardId"] for t in everything["Tensorboards"]] == [other_ws] + ids[::-1]   # newest first
    assert all("RequestId" not in t for t in everything["Tensorboards"])
    # Not verbose: no data sources (the SDK's to_map shows an unset nested list as []).
    assert all(not t.get("TensorboardDataSources") for t in everything["Tensorboards"])
    verbose = listing(dlc_client, verbose=True, workspace_id=WS)
    assert all(t["TensorboardDataSources"] for t in verbose["Tensorboards"])
    assert [t["TensorboardId"] for t in listing(dlc_client, workspace_id=WS, order="ASC")["Tensorboards"]] == ids
    assert [t["DisplayName"] for t in listing(dlc_client, workspace_id=WS, sort_by="DisplayName",
                                              order="asc")["Tensorboards"]] == ["Beta-board", "alpha-board", "gamma"]
    assert {t["TensorboardId"] for t in listing(dlc_client, display_name="BOARD")["Tensorboards"]} == set(ids[:2])
    assert [t["TensorboardId"] for t in listing(dlc_client, status="stopped")["Tensorboards"]] == [ids[1]]
    assert listing(dlc_client, status="RUNNING")["TotalCount"] == 3
    assert [t["TensorboardId"] for t in listing(dlc_client, tensorboard_id=ids[2])["Tensorboards"]] == [ids[2]]
    assert [t["TensorboardId"] for t in listing(dlc_client, source_id="d-gamma")["Tensorboards"]] == [ids[2]]
    assert listing(dlc_client, source_type="job")["TotalCount"] == 0
    assert listing(dlc_client, accessibility="PUBLIC")["TotalCount"] == 0
    assert listing(dlc_client, payment_type="Free")["TotalCount"] == 4
    me = everything["Tensorboards"][0]["UserId"]
    assert listing(dlc_client, user_id=me)["TotalCount"] == 4 and listing(dlc_client, user_id="42")["TotalCount"] == 0
    pages = [listing(dlc_client, workspace_id=WS, page_number=n, page_size=2) for n in (1, 2, 3)]
    assert [len(p["Tensorboards"]) for p in pages] == [2, 1, 0] and {p["TotalCount"] for p in pages} == {3}
    assert [t["TensorboardId"] for p in pages for t in p["Tensorboards"]] == ids[::-1]
    # The creation-time window defaults to the last 7 days.
    fakepai.advance(8 * 24 * 3600)
    assert listing(dlc_client)["TotalCount"] == 0
    assert listing(dlc_client, start_time="2000-01-01T00:00:00Z")["TotalCount"] == 4
    assert listing(dlc_client, start_time="2000-01-01T00:00:00Z", end_time="2000-01-02T00:00:00Z")["TotalCount"] == 0


def test_list_rejects_bad_parameters(fakepai):
    with fakepai.http() as http:
        for bad in ({"PageSize": "0"}, {"PageSize": "101"}, {"PageNumber": "0"}, {"PageNumber": "1001"},
                    {"SortBy": "Status"}, {"Order": "up"}, {"StartTime": "yesterday"}, {"EndTime": "2024-13-01"},
                    {"ShowOwn": "maybe"}, {"PaymentType": "Prepaid"}):
            assert_error(http.get(f"{GW}/ListTensorboards", params=bad), 400, "InvalidParameter")


def test_every_operation_through_the_gateway_form(fakepai):
    fakepai.freeze_clock()
    with fakepai.http() as http:
        created = http.post(f"{GW}/CreateTensorboard", json={"Uri": OSS, "WorkspaceId": WS, "DisplayName": "gw"})
        assert created.status_code == 200, created.text
        assert_valid_response(P, "CreateTensorboard", created.json())
        tb_id = created.json()["TensorboardId"]
        got = http.get(f"{GW}/GetTensorboard/{tb_id}", params={"JodId": "ignored"})
        assert got.status_code == 200 and got.json()["Status"] == "Creating"
        assert got.json()["RequestId"] == got.headers["x-acs-request-id"]
        assert_valid_response(P, "GetTensorboard", got.json())
        assert http.get(f"{GW}/GetTensorboard", params={"TensorboardId": tb_id}).json()["DisplayName"] == "gw"
        upd = http.put(f"{GW}/UpdateTensorboard/{tb_id}", params={"MaxRunningTimeMinutes": "1", "Priority": "5"})
        assert upd.status_code == 200 and upd.json() == {"TensorboardId": tb_id, "RequestId": upd.json()["RequestId"]}
        assert_valid_response(P, "UpdateTensorboard", upd.json())
        assert_error(http.put(f"{GW}/UpdateTensorboard/{tb_id}", params={"Priority": "10"}), 400, "InvalidParameter")
        assert_error(http.put(f"{GW}/UpdateTensorboard/{tb_id}", params={"Accessibility": "ALL"}), 400, "InvalidParameter")
        assert_error(http.put(f"{GW}/UpdateTensorboard/{tb_id}", params={"MaxRunningTimeMinutes": "-5"}), 400,
                     "InvalidParameter")
        assert_error(http.put(f"{GW}/UpdateTensorboard/tbnosuchboard00", params={"Priority": "2"}), 404,
                     "NotFound")
        tb = http.get(f"{GW}/GetTensorboard/{tb_id}").json()
        assert (tb["MaxRunningTimeMinutes"], tb["Priority"]) == (1, "5")        # the rejected updates changed nothing
        listed = http.get(f"{GW}/ListTensorboards", params={"WorkspaceId": WS, "Verbose": "true"})
        assert listed.status_code == 200 and listed.json()["TotalCount"] == 1
        assert_valid_response(P, "ListTensorboards", listed.json())
        assert_error(http.delete(f"{GW}/DeleteTensorboard/{tb_id}"), 400, "InvalidStatus")
        fakepai.advance(UP)
        stopped = http.put(f"{GW}/StopTensorboard/{tb_id}")
        assert stopped.status_code == 200
        assert_valid_response(P, "StopTensorboard", stopped.json())
        assert_error(http.put(f"{GW}/StopTensorboard/{tb_id}"), 400, "InvalidStatus")
        started = http.put(f"{GW}/StartTensorboard/{tb_id}", params={"WorkspaceId": WS})
        assert started.status_code == 200
        assert_valid_response(P, "StartTensorboard", started.json())
        fakepai.advance(UP + 60)
        assert http.get(f"{GW}/GetTensorboard/{tb_id}").json()["Status"] == "Stopped"   # auto-stop after 1 min
        assert_error(http.put(f"{GW}/StopTensorboard/{tb_id}"), 400, "InvalidStatus")
        deleted = http.delete(f"{GW}/DeleteTensorboard/{tb_id}", params={"WorkspaceId": WS})
        assert deleted.status_code == 200 and deleted.json()["TensorboardId"] == tb_id
        assert_valid_response(P, "DeleteTensorboard", deleted.json())
        assert_error(http.get(f"{GW}/GetTensorboard/{tb_id}"), 404, "NotFound")


def test_tensorboard_username_is_reported_and_filters(fakepai, dlc_client):
    tb_id = create(dlc_client)["TensorboardId"]
    # The creator's name, as DLC jobs report it (the account's key id).
    assert get(dlc_client, tb_id)["Username"] == "fakepai-test-key"

    def ids(**kw) -> list[str]:
        return [t["TensorboardId"] for t in listing(dlc_client, **kw)["Tensorboards"]]

    assert ids(username="fakepai-test-key") == [tb_id]
    assert ids(username="TEST-KEY") == [tb_id]      # case-insensitive substring, as ListJobs' Username
    assert ids(username="someone-else") == []
    with fakepai.http() as http:
        response = http.get(f"{GW}/ListTensorboards", params={"Username": "fakepai"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert_valid_response(P, "ListTensorboards", body)
    assert [t["TensorboardId"] for t in body["Tensorboards"]] == [tb_id]
    assert body["Tensorboards"][0]["Username"] == "fakepai-test-key"
