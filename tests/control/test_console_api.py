"""The console's JSON (fakepai/control/console.py), usage metering (fakepai/usage.py) and the demo
accounts that exist from the start. What the page does with them: tests/control/test_console_browser.py."""
from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from fakepai.server import FIXTURE_ACCESS_KEY, FakePAI
from fakepai.usage import FREE_REQUESTS_PER_MONTH, UsageMeter, month_of
from fakepai.wire.auth import token_fingerprint

STUDIO = "/api/PaiStudio/2022-01-12"


def _create(http, name: str, outcome: str = "succeed@600") -> str:
    r = http.post(f"{STUDIO}/CreateTrainingJob", json={
        "TrainingJobName": name, "WorkspaceId": "ws1", "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai",
        "ComputeResource": {"EcsSpec": "ecs.gn7i-c8g1.2xlarge", "EcsCount": 1},
        "Labels": [{"Key": "fakepai.outcome", "Value": outcome}]})
    assert r.status_code == 200, r.text
    return r.json()["TrainingJobId"]


def _console(fakepai, path: str, **params) -> httpx.Response:
    return httpx.get(f"{fakepai.url}/_fakepai/console/{path}", params=params)


def test_a_console_read_is_what_the_api_returns(fakepai):
    fakepai.freeze_clock()
    with fakepai.http() as http:
        job_id = _create(http, "same-view")
        fakepai.advance(120)
        api = http.get(f"{STUDIO}/GetTrainingJob/{job_id}").json()
        api_logs = http.get(f"{STUDIO}/ListTrainingJobLogs", params={"TrainingJobId": job_id, "PageSize": 5}).json()
    console = _console(fakepai, f"call/{FIXTURE_ACCESS_KEY}/PaiStudio/GetTrainingJob", TrainingJobId=job_id).json()
    logs = _console(fakepai, f"call/{FIXTURE_ACCESS_KEY}/PaiStudio/ListTrainingJobLogs", TrainingJobId=job_id, PageSize=5).json()
    for body in (api, console, api_logs, logs):
        assert body.pop("RequestId")
    assert console == api and console["Status"] == "Running"
    assert logs == api_logs and len(logs["Logs"]) == 5
    # The console's reads are no PAI requests: not logged, not billed.
    assert [r["action"] for r in fakepai.requests] == ["CreateTrainingJob", "GetTrainingJob", "ListTrainingJobLogs"]
    assert fakepai.usage()["requests"] == 3


def test_the_console_only_reads_and_never_opens_an_account(fakepai):
    with fakepai.http() as http:
        _create(http, "x")
    write = _console(fakepai, f"call/{FIXTURE_ACCESS_KEY}/PaiStudio/CreateTrainingJob", TrainingJobName="y")
    assert write.status_code == 400 and "only reads" in write.json()["error"]
    nobody = _console(fakepai, "call/nobody/PaiStudio/ListTrainingJobs")
    assert nobody.status_code == 404 and "nobody" not in fakepai.emulator.world.accounts
    assert _console(fakepai, f"call/{FIXTURE_ACCESS_KEY}/PaiStudio/NoSuchAction").status_code == 404
    bad = _console(fakepai, f"call/{FIXTURE_ACCESS_KEY}/PaiStudio/ListTrainingJobs", PageSize="lots")
    assert bad.status_code == 400 and bad.json()["Code"] == "InvalidParameter" and bad.json()["RequestId"]
    missing = _console(fakepai, f"call/{FIXTURE_ACCESS_KEY}/pai-dlc/GetJob", JobId="dlcnope")
    with fakepai.http() as http:
        api = http.get("/api/pai-dlc/2020-12-03/GetJob", params={"JobId": "dlcnope"})
    assert missing.status_code == api.status_code == 404 and missing.json()["Code"] == api.json()["Code"]


def test_overview_names_accounts_workspaces_and_counts_without_dumping_resources(fakepai):
    with fakepai.http() as http:
        _create(http, "a")
    with fakepai.http(bearer="other-token") as http:
        _create(http, "b")
    body = _console(fakepai, "overview").json()
    accounts = {a["account"]: a for a in body["accounts"]}
    assert set(accounts) == {FIXTURE_ACCESS_KEY, token_fingerprint("other-token")}
    assert accounts[FIXTURE_ACCESS_KEY]["counts"]["trainingJobs"] == 1
    assert accounts[FIXTURE_ACCESS_KEY]["workspaces"] == ["ws1"]
    assert body["clock"]["speed"] == 1.0 and body["usage"]["requests"] == 2 and body["demo"] is False


def test_overview_and_a_page_stay_small_with_thousands_of_jobs(fakepai):
    emu = fakepai.emulator
    create = emu.catalog.get("pai-dlc", "CreateJob")
    for i in range(2000):
        emu.invoke(create, "many", {
            "DisplayName": f"job-{i}", "JobType": "PyTorchJob", "WorkspaceId": "ws", "UserCommand": "true",
            "JobSpecs": [{"Type": "Worker", "PodCount": 1, "EcsSpec": "ecs.gn7i-c8g1.2xlarge", "Image": "img"}]},
            request_id=f"bulk-{i}")
    overview = _console(fakepai, "overview")
    assert len(overview.content) < 2000 and overview.json()["accounts"][0]["counts"]["dlcJobs"] == 2000
    page = _console(fakepai, "call/many/pai-dlc/ListJobs", WorkspaceId="ws", PageSize=20, PageNumber=7).json()
    assert page["TotalCount"] == 2000 and len(page["Jobs"]) == 20


def test_plan_shows_the_phases_to_come_and_the_scripted_outcome(fakepai):
    fakepai.freeze_clock()
    with fakepai.http() as http:
        job_id = _create(http, "planned", "fail@30")
    plan = _console(fakepai, f"plan/{FIXTURE_ACCESS_KEY}/{job_id}").json()
    assert plan["outcome"]["result"] == "fail" and plan["outcome"]["after"] == 30
    statuses = [p["status"] for p in plan["phases"]]
    assert statuses[0] == "Creating" and statuses[-1] == "Failed" and "Running" in statuses
    assert plan["phases"][0]["reached"] and not plan["phases"][-1]["reached"]
    assert _console(fakepai, f"plan/{FIXTURE_ACCESS_KEY}/trainnope").status_code == 404
    assert _console(fakepai, f"plan/nobody/{job_id}").status_code == 404


def test_usage_counts_failed_requests_per_operation_and_month(fakepai):
    fakepai.freeze_clock()
    with fakepai.http() as http:
        _create(http, "billed")
        assert http.get(f"{STUDIO}/GetTrainingJob/trainnope").status_code == 404
        assert http.get(f"{STUDIO}/GetTrainingJob/trainnope").status_code == 404
    served = httpx.get(f"{fakepai.url}/_fakepai/usage").json()
    assert served == fakepai.usage()
    assert served["requests"] == 3 and served["cost"] == 0 and served["pricing"]["freeRequestsPerMonth"] == 1000
    (account,) = served["accounts"]
    assert account["account"] == FIXTURE_ACCESS_KEY
    assert {(o["action"], o["requests"]) for o in account["operations"]} == {("CreateTrainingJob", 1), ("GetTrainingJob", 2)}
    # The month follows the virtual clock: a new month starts a new bill, the old one stays readable.
    month = served["month"]
    fakepai.advance(32 * 86400)
    assert fakepai.usage()["requests"] == 0 and fakepai.usage()["months"] == [month]
    assert fakepai.usage(month=month)["requests"] == 3
    assert httpx.get(f"{fakepai.url}/_fakepai/usage", params={"month": "2026-13"}).status_code == 400
    assert httpx.get(f"{fakepai.url}/_fakepai/usage", params={"account": "nobody"}).json()["requests"] == 0
    fakepai.reset()
    assert fakepai.usage()["months"] == []


def test_the_free_quota_and_price_per_request():
    meter = UsageMeter()
    t = 1_800_000_000.0
    for _ in range(FREE_REQUESTS_PER_MONTH + 500):
        meter.record("acct", "pai-dlc", "GetJob", t)
    for _ in range(10):
        meter.record("acct", "pai-dlc", "ListJobs", t)
    meter.record(None, "pai-dlc", "GetJob", t)           # no caller identified: nobody to bill
    bill = meter.report(t)
    assert bill["month"] == month_of(t) and bill["requests"] == 1510
    assert bill["billableRequests"] == 500 and bill["cost"] == pytest.approx(0.5)
    ops = {o["action"]: o for o in bill["accounts"][0]["operations"]}
    assert ops["GetJob"]["freeRequests"] == 1000 and ops["ListJobs"]["billableRequests"] == 0


def test_requests_log_filters_by_account(fakepai):
    with fakepai.http() as http:
        _create(http, "mine")
    with fakepai.http(bearer="someone-else") as http:
        _create(http, "theirs")
    mine = httpx.get(f"{fakepai.url}/_fakepai/requests", params={"account": FIXTURE_ACCESS_KEY}).json()["requests"]
    assert [r["account"] for r in mine] == [FIXTURE_ACCESS_KEY]
    assert fakepai.request_log(account=token_fingerprint("someone-else"))[0]["action"] == "CreateTrainingJob"


def test_page_and_static_files(fakepai):
    page = httpx.get(f"{fakepai.url}/_fakepai/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="/_fakepai/static/console.js">' in page.text
    script = httpx.get(f"{fakepai.url}/_fakepai/static/console.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "function lineChart" in script.text
    assert httpx.get(f"{fakepai.url}/_fakepai/static/nope.js").status_code == 404
    assert httpx.get(f"{fakepai.url}/_fakepai/static/.hidden.js").status_code == 404
    assert httpx.get(f"{fakepai.url}/_fakepai/static/routes.py").status_code == 404


def test_demo_accounts_exist_from_the_start_and_after_a_reset():
    pai = FakePAI(demo=True)
    accounts = pai.emulator.world.accounts
    assert set(accounts) == {"test", token_fingerprint("test")}
    before = {a["account"]: a["counts"] for a in _summaries(pai)}
    assert before["test"]["trainingJobs"] == 3 and before["test"]["dlcJobs"] == 3 and before["test"]["pluginJobs"] == 1
    pai.emulator.reset()
    assert {a["account"]: a["counts"] for a in _summaries(pai)} == before


def _summaries(pai):
    from fakepai.control.console import account_summary
    return [account_summary(a) for a in pai.emulator.world.accounts.values()]


def test_a_live_conformance_run_prints_its_requests_and_their_estimated_cost(tmp_path):
    """`fakepai conformance --target live` with every product's endpoint pointed at an emulator (live
    PAI is out of reach here): the requests the kit reports are the ones the server metered."""
    with FakePAI(rate_limit=False) as pai:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD", "DASHSCOPE", "PAI_"))}
        env.update(DASHSCOPE_API_KEY="live-token", PAI_WORKSPACE_ID="ws1")
        endpoints = [arg for product in ("PaiStudio", "pai-dlc", "PaiPlugin") for arg in ("--pai-endpoint", f"{product}={pai.url}")]
        run = subprocess.run([sys.executable, "-m", "fakepai", "conformance", "--target", "live", *endpoints, "-q",
                              "-p", "no:cacheprovider", "-k", "ListCampaigns or ListJobTemplates"],
                             capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        served = pai.usage()["requests"]
    assert served > 0
    assert f"fakepai contract kit: requests sent: {served} (" in run.stdout
    assert "PaiPlugin ListCampaigns" in run.stdout and "pai-dlc ListJobTemplates" in run.stdout
    assert "fakepai contract kit: estimated cost: 0.000 CNY (0 billable;" in run.stdout

