"""Serving and embedding: FakePAI, the fixture's reset, the control plane basics, `fakepai serve`."""
from __future__ import annotations

import time

import httpx
import pytest

from fakepai import FakePAI
from tests.helpers import ServedProcess, assert_refused, free_port, run_fakepai


def test_fakepai_context_manager_and_reset():
    with FakePAI(auth="off") as pai:
        assert pai.endpoint.startswith("127.0.0.1:") and pai.url == f"http://{pai.endpoint}"
        health = httpx.get(f"{pai.url}/_fakepai/health").json()
        assert health["status"] == "ok" and health["operations"] == 62
        r = httpx.post(f"{pai.url}/api/PaiStudio/2022-01-12/CreateTrainingJob",
                       json={"TrainingJobName": "a", "WorkspaceId": "1", "AlgorithmName": "pytorch_ddp"})
        assert r.status_code == 200, r.text
        listed = lambda: httpx.get(f"{pai.url}/api/PaiStudio/2022-01-12/ListTrainingJobs").json()["TotalCount"]
        assert listed() == 1
        pai.reset()
        assert listed() == 0
        httpx.post(f"{pai.url}/api/PaiStudio/2022-01-12/CreateTrainingJob",
                   json={"TrainingJobName": "a", "WorkspaceId": "1", "AlgorithmName": "pytorch_ddp"})
        assert httpx.post(f"{pai.url}/_fakepai/reset").json() == {"status": "reset"}
        assert listed() == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{pai.url}/_fakepai/health")


def test_unknown_option_is_refused():
    with pytest.raises(TypeError):
        FakePAI(no_such_option=True)


def test_fixture_resets_between_tests_part1(fakepai):
    with fakepai.http() as http:
        http.post("/api/PaiStudio/2022-01-12/CreateTrainingJob",
                  json={"TrainingJobName": "leak?", "WorkspaceId": "1", "AlgorithmName": "pytorch_ddp"})
        assert http.get("/api/PaiStudio/2022-01-12/ListTrainingJobs").json()["TotalCount"] == 1
    fakepai.freeze_clock()
    fakepai.inject_fault(action="ListTrainingJobs", status=503, code="ServiceUnavailable")


def test_fixture_resets_between_tests_part2(fakepai):
    with fakepai.http() as http:
        assert http.get("/api/PaiStudio/2022-01-12/ListTrainingJobs").json()["TotalCount"] == 0   # no job, no fault
    assert fakepai.emulator.clock.speed == 1.0 and abs(fakepai.now() - time.time()) < 5


def test_requests_log_hides_credentials(fakepai):
    with fakepai.http(headers={"Authorization": "Bearer super-secret-token"}) as http:
        http.get("/api/PaiStudio/2022-01-12/ListTrainingJobs")
    records = fakepai.requests
    assert records[-1]["action"] == "ListTrainingJobs" and records[-1]["status"] == 200
    assert "super-secret-token" not in str(records)


def test_demo_workspace_is_there_for_any_key():
    with FakePAI(demo=True) as pai:
        for token in ("one", "two"):
            body = httpx.get(f"{pai.url}/api/PaiStudio/2022-01-12/ListTrainingJobs",
                             params={"WorkspaceId": "12345"}, headers={"Authorization": f"Bearer {token}"}).json()
            statuses = {j["TrainingJobName"]: j["Status"] for j in body["TrainingJobs"]}
            assert statuses["demo-mnist-succeeded"] == "Succeed"
            assert statuses["demo-resnet-failed"] == "Failed"
            assert statuses["demo-llm-finetune-running"] == "Running"       # from the first look, not seconds later
            headers = {"Authorization": f"Bearer {token}"}
            dlc = httpx.get(f"{pai.url}/api/pai-dlc/2020-12-03/ListJobs", params={"WorkspaceId": "12345"}, headers=headers).json()
            dlc_statuses = {j["DisplayName"]: j["Status"] for j in dlc["Jobs"]}
            assert dlc_statuses["demo-dlc-finished"] == "Succeeded" and dlc_statuses["demo-dlc-running"] == "Running"
            restarting = {j["DisplayName"]: j for j in dlc["Jobs"]}["demo-dlc-restarting"]
            assert restarting["Status"] == "Running" and restarting["RestartTimes"] == "1/10"
            assert len(dlc["Jobs"]) == 3
            for path in ("/api/pai-dlc/2020-12-03/ListJobTemplates", "/api/pai-dlc/2020-12-03/ListTensorboards"):
                assert httpx.get(f"{pai.url}{path}", params={"WorkspaceId": "12345"}, headers=headers).json()["TotalCount"] == 1
            plugin = httpx.get(f"{pai.url}/api/PaiPlugin/2022-01-12/ListTrainingJobs", headers=headers).json()
            assert plugin["Data"]["TrainingJobs"][0]["Algorithm"] == "user_recall"


def test_cli_serve_prints_endpoint_and_serves():
    port = free_port()
    with ServedProcess("--port", str(port), "--demo", "--rate-limit", "off", options=()) as served:
        assert f"127.0.0.1:{port}" in served.banner and served.port == port
        second, third = served.proc.stdout.readline(), served.proc.stdout.readline()
        assert "Config(" in third and f"endpoint='127.0.0.1:{port}'" in third
        r = httpx.get(f"{served.url}/api/PaiStudio/2022-01-12/ListTrainingJobs",
                      params={"WorkspaceId": "12345"}, headers={"Authorization": "Bearer x"})
        assert r.json()["TotalCount"] == 3
        assert httpx.get(f"{served.url}/api/PaiStudio/2022-01-12/ListTrainingJobs").status_code == 401


def test_cli_serve_strict_needs_a_readable_credentials_file(tmp_path):
    bad = tmp_path / "creds.json"
    bad.write_text("{not json")
    line = assert_refused(run_fakepai("serve", "--auth", "strict", "--credentials", str(bad), "--port", str(free_port())))
    assert line.startswith("fakepai serve: credentials file")
