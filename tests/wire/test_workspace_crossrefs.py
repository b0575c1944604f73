"""A key limited to some workspaces cannot reach an object in a workspace it may not use: not by id,
not in a list, and not through a reference held by another resource (issue #11 §3, docs/security.md
"Workspace cross-references").

Two keys share one account: `open` may use every workspace, `limited` only workspace A.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

import httpx
import pytest
from alibabacloud_pai_dlc20201203 import models as dlc
from alibabacloud_pai_dlc20201203.client import Client as DlcClient
from alibabacloud_paistudio20220112 import models as studio
from alibabacloud_paistudio20220112.client import Client as StudioClient
from alibabacloud_tea_openapi.models import Config

from fakepai import FakePAI
from tests.helpers import assert_error, assert_valid_response, sdk_error

A, B = "1001", "2002"
DLC = "/api/pai-dlc/2020-12-03"
PS = "/api/PaiStudio/2022-01-12"
CREDS = {"accessKeys": [
    {"accessKeyId": "open-key", "accessKeySecret": "s1", "accountId": "acct"},
    {"accessKeyId": "limited-key", "accessKeySecret": "s2", "accountId": "acct", "workspaces": [A]},
]}
FORM = {"content-type": "application/x-www-form-urlencoded"}
SPEC = {"Command": ["python", "train.py"], "Image": "pytorch:2.1", "JobType": "PyTorchJob"}


def _job(workspace: str, name: str) -> dict:
    return {"DisplayName": name, "JobType": "PyTorchJob", "WorkspaceId": workspace, "UserCommand": "echo",
            "JobSpecs": [{"Type": "Worker", "Image": "pytorch:2.1", "PodCount": 1, "EcsSpec": "ecs.g6.xlarge"}]}


@pytest.fixture(scope="module")
def pai():
    with FakePAI(credentials=CREDS, rate_limit=False) as server:
        yield server


@pytest.fixture
def keys(pai):
    pai.reset()
    with pai.http() as base:
        clients = {name: httpx.Client(base_url=base.base_url, headers={"Authorization": f"acs {name}-key:unsigned"})
                   for name in ("open", "limited")}
    try:
        yield clients["open"], clients["limited"]
    finally:
        for client in clients.values():
            client.close()


def test_a_tensorboard_cannot_be_created_on_a_job_in_a_workspace_the_key_may_not_use(keys):
    open_, limited = keys
    secret_job = open_.post(f"{DLC}/CreateJob", json=_job(B, "secret-project-name")).json()["JobId"]
    own_job = limited.post(f"{DLC}/CreateJob", json=_job(A, "own")).json()["JobId"]
    attempts = [{"JobId": secret_job, "WorkspaceId": A},
                {"SourceType": "job", "SourceId": secret_job, "WorkspaceId": A},
                {"TensorboardDataSources": [{"SourceType": "dlcjob", "Id": secret_job}], "WorkspaceId": A}]
    for body in attempts:
        r = limited.post(f"{DLC}/CreateTensorboard", json=body)
        assert_error(r, 403, "Forbidden.RAM")
        assert "secret-project-name" not in r.text
    listed = open_.get(f"{DLC}/ListTensorboards").json()
    assert listed["TotalCount"] == 0                     # a refused request created nothing
    # its own job, and the open key on either, still work
    assert limited.post(f"{DLC}/CreateTensorboard", json={"JobId": own_job, "WorkspaceId": A}).status_code == 200
    assert open_.post(f"{DLC}/CreateTensorboard", json={"JobId": secret_job, "WorkspaceId": B}).status_code == 200


def test_a_job_cannot_be_created_from_a_template_in_a_workspace_the_key_may_not_use(keys):
    open_, limited = keys
    content = {k: v for k, v in _job(B, "from-template").items() if k != "WorkspaceId"}
    template = open_.post(f"{DLC}/CreateJobTemplate", json={
        "TemplateName": "t", "WorkspaceId": B, "Content": json.dumps(content)}).json()["TemplateId"]
    assert_error(limited.post(f"{DLC}/CreateJob", json={"TemplateId": template, "WorkspaceId": A}), 403, "Forbidden.RAM")
    assert open_.post(f"{DLC}/CreateJob", json={"TemplateId": template, "WorkspaceId": B}).status_code == 200


def test_an_algorithm_and_its_versions_are_out_of_reach_outside_the_keys_workspaces(keys):
    open_, limited = keys
    algo = open_.post(f"{PS}/CreateAlgorithm", content=urlencode({"AlgorithmName": "secret-algo", "WorkspaceId": B}),
                      headers=FORM).json()["AlgorithmId"]
    version = urlencode({"AlgorithmSpec": json.dumps(SPEC)})
    assert open_.post(f"{PS}/CreateAlgorithmVersion/{algo}/v1", content=version, headers=FORM).status_code == 200
    refused = [limited.get(f"{PS}/GetAlgorithm/{algo}"),
               limited.get(f"{PS}/ListAlgorithmVersions/{algo}"),
               limited.get(f"{PS}/GetAlgorithmVersion/{algo}/v1"),
               limited.post(f"{PS}/CreateAlgorithmVersion/{algo}/v2", content=version, headers=FORM),
               limited.put(f"{PS}/UpdateAlgorithm/{algo}", content=urlencode({"DisplayName": "mine"}), headers=FORM),
               limited.delete(f"{PS}/DeleteAlgorithmVersion/{algo}/v1"),
               limited.delete(f"{PS}/DeleteAlgorithm/{algo}")]
    for r in refused:
        assert_error(r, 403, "Forbidden.RAM")
    # Listing without a workspace leaves it out; the open key still sees it, unchanged.
    assert "secret-algo" not in limited.get(f"{PS}/ListAlgorithms").text
    listed = open_.get(f"{PS}/ListAlgorithms").json()["Algorithms"]
    assert [(a["AlgorithmName"], a.get("DisplayName")) for a in listed] == [("secret-algo", None)]
    assert [v["AlgorithmVersion"] for v in open_.get(f"{PS}/ListAlgorithmVersions/{algo}").json()["AlgorithmVersions"]] == ["v1"]
    # PAI-provided algorithms belong to no workspace: every key reads them.
    assert limited.get(f"{PS}/ListAlgorithms", params={"AlgorithmProvider": "pai"}).json()["TotalCount"] > 0


def test_a_training_job_never_resolves_an_algorithm_of_another_workspace_by_name(keys):
    open_, limited = keys
    algo = open_.post(f"{PS}/CreateAlgorithm", content=urlencode({"AlgorithmName": "b-only", "WorkspaceId": B}),
                      headers=FORM).json()["AlgorithmId"]
    open_.post(f"{PS}/CreateAlgorithmVersion/{algo}/v1", content=urlencode({"AlgorithmSpec": json.dumps(SPEC)}),
               headers=FORM)
    r = limited.post(f"{PS}/CreateTrainingJob", json={"TrainingJobName": "t", "WorkspaceId": A, "AlgorithmName": "b-only"})
    assert r.status_code == 404 and "b-only" in r.json()["Message"]

# -- by id and in lists, not only through references ----------------------------------------------

def _sdk_clients(pai, key: str, secret: str):
    """The official PaiStudio and pai-dlc clients, signing as `key`."""
    cfg = Config(access_key_id=key, access_key_secret=secret, endpoint=pai.endpoint, protocol="http",
                 region_id=pai.settings.region)
    return StudioClient(cfg), DlcClient(cfg)


def _training_job(client, workspace: str) -> str:
    return client.create_training_job(studio.CreateTrainingJobRequest(
        training_job_name="job", workspace_id=workspace, algorithm_name="pytorch_ddp", algorithm_provider="pai",
        algorithm_version="v0.1.0")).body.training_job_id


def _ok(response, product: str, action: str) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert_valid_response(product, action, body)
    assert response.headers["x-acs-request-id"] == body["RequestId"]
    return body


def test_workspace_limited_key_cannot_reach_other_workspaces(pai):
    pai.reset()
    open_st, open_dlc = _sdk_clients(pai, "open-key", "s1")
    limited_st, limited_dlc = _sdk_clients(pai, "limited-key", "s2")
    mine, other = _training_job(open_st, A), _training_job(open_st, B)
    tb_mine = open_dlc.create_tensorboard(dlc.CreateTensorboardRequest(workspace_id=A, uri="oss://b/a/")).body
    tb_other = open_dlc.create_tensorboard(dlc.CreateTensorboardRequest(workspace_id=B, uri="oss://b/b/")).body

    # By id: the job's own workspace is checked (403), and nothing changes.
    for call in (lambda: limited_st.get_training_job(other), lambda: limited_st.stop_training_job(other),
                 lambda: limited_st.update_training_job_labels(other, studio.UpdateTrainingJobLabelsRequest(
                     labels=[studio.UpdateTrainingJobLabelsRequestLabels(key="k", value="v")]))):
        e = sdk_error(call)
        assert (e.code, e.statusCode) == ("Forbidden.RAM", 403)
    assert open_st.get_training_job(other).body.status != "Terminated"
    assert open_st.get_training_job(other).body.labels == []
    assert limited_st.get_training_job(mine).body.training_job_id == mine

    # Lists without WorkspaceId leave out the workspaces the key may not use.
    body = limited_st.list_training_jobs(studio.ListTrainingJobsRequest()).body.to_map()
    assert_valid_response("PaiStudio", "ListTrainingJobs", body)
    assert ([j["TrainingJobId"] for j in body["TrainingJobs"]], body["TotalCount"]) == ([mine], 1)
    assert open_st.list_training_jobs(studio.ListTrainingJobsRequest()).body.total_count == 2
    boards = limited_dlc.list_tensorboards(dlc.ListTensorboardsRequest()).body.to_map()
    assert_valid_response("pai-dlc", "ListTensorboards", boards)
    assert [t["TensorboardId"] for t in boards["Tensorboards"]] == [tb_mine.tensorboard_id]
    assert open_dlc.list_tensorboards(dlc.ListTensorboardsRequest()).body.total_count == 2
    e = sdk_error(lambda: limited_dlc.get_tensorboard(tb_other.tensorboard_id, dlc.GetTensorboardRequest()))
    assert e.code == "Forbidden.RAM"

    # The gateway form behaves the same.
    with pai.http(headers={"Authorization": "acs limited-key:unsigned"}) as h:
        assert_error(h.get(f"{PS}/GetTrainingJob/{other}"), 403, "Forbidden.RAM")
        assert_error(h.delete(f"{PS}/DeleteTrainingJobLabels/{other}/labels", params={"Keys": "k"}), 403, "Forbidden.RAM")
        listed = _ok(h.get(f"{PS}/ListTrainingJobs"), "PaiStudio", "ListTrainingJobs")
        assert [j["TrainingJobId"] for j in listed["TrainingJobs"]] == [mine]
        listed = _ok(h.get(f"{DLC}/ListTensorboards"), "pai-dlc", "ListTensorboards")
        assert [t["TensorboardId"] for t in listed["Tensorboards"]] == [tb_mine.tensorboard_id]
