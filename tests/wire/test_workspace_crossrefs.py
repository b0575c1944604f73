"""A key limited to some workspaces cannot reach, through a reference held by another resource, an
object in a workspace it may not use (issue #11 §3, docs/security.md "Workspace cross-references").

Two keys share one account: `open` may use every workspace, `limited` only workspace A.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

import httpx
import pytest

from fakepai import FakePAI
from tests.helpers import assert_error

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
