"""--state-file: state survives a restart, ids continue, virtual time never goes back."""
from __future__ import annotations

import os
import signal

import httpx
import pytest

from fakepai import FakePAI
from tests.server.crash_loop import serve_refuses
from tests.helpers import ServedProcess

GW = "/api/PaiStudio/2022-01-12"
JOB = {"TrainingJobName": "kept", "WorkspaceId": "1", "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai"}


def test_state_survives_restart_and_ids_continue(tmp_path):
    path = tmp_path / "state.pkl"
    with FakePAI(state_file=str(path)) as pai, pai.http() as http:
        first = http.post(f"{GW}/CreateTrainingJob", json=JOB).json()["TrainingJobId"]
        http.post(f"{GW}/UpdateTrainingJobLabels/{first}/labels", json={"Labels": [{"Key": "k", "Value": "v"}]})
        pai.advance(3600)                               # virtual time ahead of real time
        ahead = pai.now()
        assert http.get(f"{GW}/GetTrainingJob/{first}").json()["Status"] == "Succeed"    # caches derived state
        logs = http.get(f"{GW}/ListTrainingJobLogs/{first}", params={"PageSize": 5}).json()["Logs"]
    assert path.exists()
    with FakePAI(state_file=str(path)) as pai, pai.http() as http:
        job = http.get(f"{GW}/GetTrainingJob/{first}").json()
        assert job["TrainingJobName"] == "kept" and {"Key": "k", "Value": "v"} in job["Labels"]
        assert job["Status"] == "Succeed"
        assert http.get(f"{GW}/ListTrainingJobLogs/{first}", params={"PageSize": 5}).json()["Logs"] == logs
        assert pai.now() >= ahead                       # time did not go back
        second = http.post(f"{GW}/CreateTrainingJob", json=JOB).json()["TrainingJobId"]
        assert second != first
        assert http.get(f"{GW}/ListTrainingJobs").json()["TotalCount"] == 2


def test_snapshot_route(tmp_path):
    with FakePAI() as pai:
        assert httpx.post(f"{pai.url}/_fakepai/snapshot").status_code == 409
    with FakePAI(state_file=str(tmp_path / "s.pkl")) as pai:
        r = httpx.post(f"{pai.url}/_fakepai/snapshot")
        assert r.status_code == 200 and os.path.exists(r.json()["saved"])


def test_cli_saves_on_sigterm_and_refuses_a_foreign_file(tmp_path):
    path = tmp_path / "cli.pkl"
    with ServedProcess("--state-file", str(path)) as served:
        r = httpx.post(f"{served.url}{GW}/CreateTrainingJob", json=JOB, headers={"Authorization": "Bearer t"})
        assert r.status_code == 200
        code, out, _ = served.stop(signal.SIGTERM)
    assert code == 0 and "state saved" in out and path.exists()
    bad = tmp_path / "bad.pkl"
    bad.write_bytes(b"not a pickle")
    assert "not a fakepai state file" in serve_refuses(bad)


@pytest.mark.parametrize("tag", ["fakepai-state/1", "fakepai-state/2", "fakepai-state/3"])
def test_a_state_file_of_an_older_format_is_refused_by_name(tmp_path, tag):
    import pickle

    old = tmp_path / "old.pickle"
    old.write_bytes(pickle.dumps({"format": tag, "accounts": {}, "now": 0.0, "ids": None}))
    line = serve_refuses(old)
    assert f"is a {tag} state file" in line and "reads only fakepai-state/4" in line
