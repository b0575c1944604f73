"""Accounts are kept only while they hold something (issue #11 §4; docs/durability.md "Accounts"):
a credential's account appears with its first successful write and goes when its deletes empty
it, live and after a crash and replay, so credentials that come and go do not grow memory."""
from __future__ import annotations

import json
import signal

import httpx

from fakepai import FakePAI
from fakepai.state.store import World
from fakepai.usage import OTHER_ACCOUNTS, UsageMeter
from tests.helpers import ServedProcess

ST = "/api/PaiStudio/2022-01-12"
DLC = "/api/pai-dlc/2020-12-03"
PLUGIN = "/api/PaiPlugin/2022-01-12"
WS = "1"
DLC_SPEC = {"Type": "Worker", "PodCount": 1, "Image": "img", "EcsSpec": "ecs.g6.xlarge"}


def _kept(http: httpx.Client) -> int:
    return http.get("/_fakepai/health").json()["accounts"]


def _ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def test_an_account_goes_when_its_deletes_empty_every_store_and_comes_back_with_new_ids():
    with FakePAI(rate_limit=False) as pai, pai.http(bearer="comes-and-goes") as http:
        # One resource in each service's store.
        job = _ok(http.post(f"{ST}/CreateTrainingJob", json={"TrainingJobName": "j", "WorkspaceId": WS,
                                                             "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai"}))
        algorithm = _ok(http.post(f"{ST}/CreateAlgorithm", json={"AlgorithmName": "algo", "WorkspaceId": WS}))
        dlc_job = _ok(http.post(f"{DLC}/CreateJob", json={"DisplayName": "d", "JobType": "PyTorchJob", "UserCommand": "x",
                                                          "WorkspaceId": WS, "JobSpecs": [DLC_SPEC]}))
        template = _ok(http.post(f"{DLC}/CreateJobTemplate", json={
            "TemplateName": "t", "WorkspaceId": WS,
            "Content": json.dumps({"JobType": "PyTorchJob", "UserCommand": "x", "JobSpecs": [DLC_SPEC]})}))
        board = _ok(http.post(f"{DLC}/CreateTensorboard", json={"DisplayName": "tb", "WorkspaceId": WS,
                                                                "JobId": dlc_job["JobId"]}))
        campaign = _ok(http.post(f"{PLUGIN}/CreateCampaign", json={"Name": "c"}))["Data"]
        plugin_job = _ok(http.post(f"{PLUGIN}/CreateTrainingJob", json={
            "Algorithm": "sms_recall", "CampaignId": campaign["Id"], "DataPath": "oss://b/x"}))["Data"]
        issued = {job["TrainingJobId"], algorithm["AlgorithmId"], dlc_job["JobId"], template["TemplateId"],
                  board["TensorboardId"], campaign["Id"], plugin_job["Id"]}
        assert _kept(http) == 1
        _ok(http.put(f"{ST}/StopTrainingJob", params={"TrainingJobId": job["TrainingJobId"]}))
        _ok(http.put(f"{DLC}/StopTensorboard", params={"TensorboardId": board["TensorboardId"]}))
        pai.advance(86400)                                   # everything reaches a state it can be deleted in

        deletes = [http.build_request("DELETE", f"{ST}/DeleteTrainingJob", params={"TrainingJobId": job["TrainingJobId"]}),
                   http.build_request("DELETE", f"{ST}/DeleteAlgorithm", params={"AlgorithmId": algorithm["AlgorithmId"]}),
                   http.build_request("DELETE", f"{DLC}/DeleteTensorboard", params={"TensorboardId": board["TensorboardId"]}),
                   http.build_request("DELETE", f"{DLC}/DeleteJob", params={"JobId": dlc_job["JobId"]}),
                   http.build_request("DELETE", f"{DLC}/DeleteJobTemplate", params={"TemplateId": template["TemplateId"]}),
                   http.build_request("DELETE", f"{PLUGIN}/DeleteTrainingJob/{plugin_job['Id']}"),
                   http.build_request("DELETE", f"{PLUGIN}/DeleteCampaign/{campaign['Id']}")]
        for delete in deletes[:-1]:
            _ok(http.send(delete))
            assert _kept(http) == 1                          # something is left: kept
        _ok(http.send(deletes[-1]))
        assert _kept(http) == 0                              # emptied by its own deletes: gone

        assert _ok(http.get(f"{ST}/ListTrainingJobs"))["TotalCount"] == 0     # reads answer as an empty account
        again = _ok(http.post(f"{ST}/CreateAlgorithm", json={"AlgorithmName": "algo", "WorkspaceId": WS}))
        assert again["AlgorithmId"] not in issued and _kept(http) == 1        # ids are never issued twice


def test_a_thousand_accounts_that_create_and_delete_return_to_the_baseline_and_stay_there_after_a_crash(tmp_path):
    argv = ("--state-file", str(tmp_path / "state.pkl"), "--durability", "write")
    with ServedProcess(*argv) as served:
        with httpx.Client(base_url=served.url) as http:
            keeper = {"Authorization": "Bearer keeper"}
            kept_id = _ok(http.post(f"{ST}/CreateAlgorithm", json={"AlgorithmName": "stays", "WorkspaceId": WS},
                                    headers=keeper))["AlgorithmId"]
            baseline = _kept(http)
            assert baseline == 1
            for n in range(1000):
                who = {"Authorization": f"Bearer passer-by-{n}"}
                made = _ok(http.post(f"{ST}/CreateAlgorithm", json={"AlgorithmName": "a", "WorkspaceId": WS}, headers=who))
                _ok(http.delete(f"{ST}/DeleteAlgorithm", params={"AlgorithmId": made["AlgorithmId"]}, headers=who))
            assert _kept(http) == baseline
        served.stop(signal.SIGKILL)                          # the journal's replay drops them the same way
    with ServedProcess(*argv) as served:
        with httpx.Client(base_url=served.url) as http:
            assert _kept(http) == baseline
            listed = _ok(http.get(f"{ST}/ListAlgorithms", params={"WorkspaceId": WS}, headers=keeper))
            assert [a["AlgorithmId"] for a in listed["Algorithms"]] == [kept_id]


class _Store:
    def __init__(self):
        self.items: dict[str, str] = {}


def test_an_account_the_demo_filled_is_kept_when_emptied_and_not_filled_again():
    # (Through the wire the demo fills ten resources in three products; the rule is World's.)
    fills = []

    def fill(account):
        fills.append(account.account_id)
        account.namespace(_Store).items["demo"] = "x"

    world = World(on_new_account=fill)
    account = world.reader("a")                      # first sight: filled and kept
    del account.namespace(_Store).items["demo"]      # its user deletes the demo
    world.keep(account)                              # after that successful write
    assert world.accounts == {"a": account} and world.reader("a") is account
    assert fills == ["a"] and not account.namespace(_Store).items


def test_unknown_tokens_past_the_metered_accounts_are_billed_together_not_kept_one_by_one():
    """Each unknown bearer token is an account in auth mode any; reading with 40 of them, through
    the wire, keeps no account and meters at most `max_accounts` one by one: the rest share one
    line of the bill, whose totals stay exact (issue #11 §4: memory does not grow per token)."""
    with FakePAI(auth="any") as pai:
        pai.emulator.usage = UsageMeter(max_accounts=5)
        with pai.http() as http:
            baseline = _kept(http)
            for n in range(40):
                listed = http.get("/api/v1/trainingjobs", headers={"Authorization": f"Bearer stranger-{n}"})
                assert listed.status_code == 200
            assert _kept(http) == baseline
            bill = http.get("/_fakepai/usage").json()
    lines = {line["account"]: line["requests"] for line in bill["accounts"]}
    assert len(lines) == 6 and lines[OTHER_ACCOUNTS] == 35
    assert bill["requests"] == 40


def test_the_meter_keeps_a_month_of_accounts_apart_from_the_next():
    meter = UsageMeter(max_accounts=1)
    january, february = 1767225600.0, 1769904000.0          # 2026-01-01, 2026-02-01 UTC
    meter.record("a", "PaiStudio", "ListTrainingJobs", january)
    meter.record("b", "PaiStudio", "ListTrainingJobs", january)
    meter.record("b", "PaiStudio", "ListTrainingJobs", february)
    assert [a["account"] for a in meter.report(january)["accounts"]] == [OTHER_ACCOUNTS, "a"]
    assert [a["account"] for a in meter.report(february)["accounts"]] == ["b"]
