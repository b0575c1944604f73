"""A typo in a steering call is an error that lists the valid names, never a silent no-op (a fault
that never fires or an outcome that never applies would let a test pass for nothing): on the
control plane (400 in PAI's error shape), in the Python API (ValueError) and in the creation-time
label / tag / env forms (400 InvalidParameter)."""
from __future__ import annotations

import json

import httpx
import pytest

from fakepai import FakePAI


@pytest.fixture(scope="module")
def pai():
    with FakePAI(rate_limit=False) as server:
        yield server


def _job(pai) -> str:
    with pai.http() as http:
        return http.post("/api/PaiStudio/2022-01-12/CreateTrainingJob", json={
            "TrainingJobName": "t", "WorkspaceId": "1", "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai"}).json()["TrainingJobId"]


def _refused(answer: httpx.Response, *fragments: str) -> None:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["Code"] == "InvalidParameter" and body["RequestId"], body
    for fragment in fragments:
        assert fragment in body["Message"], (fragment, body["Message"])


@pytest.mark.parametrize("spec, fragments", [
    ({"action": "GetJobb", "status": 503}, ["'GetJobb'", "did you mean GetJob?", "ListJobs"]),
    ({"product": "pai", "status": 503}, ["'pai'", "PaiStudio, pai-dlc"]),
    ({"product": "PaiPlugin", "action": "GetJob", "status": 503}, ["'GetJob' of PaiPlugin", "GetCampaign"]),
    ({"action": "GetJob", "stauts": 503}, ["stauts", "status"]),
    ({"action": "GetJob", "match": {"JobID": "dlc1"}, "status": 503}, ["['JobID']", "GetJob", "JobId"]),
    ({"match": {"JobIdd": "dlc1"}, "status": 503}, ["['JobIdd']", "no operation"]),
])
def test_a_fault_naming_what_does_not_exist_is_refused(pai, spec, fragments):
    _refused(httpx.post(f"{pai.url}/_fakepai/faults", json=spec), *fragments)
    with pytest.raises(ValueError) as refused:
        pai.inject_fault(**spec)
    assert all(f in str(refused.value) for f in fragments)
    assert pai.faults() == []                                   # nothing was registered


def test_faults_still_accept_names_in_any_case_and_real_parameters(pai):
    fault = pai.inject_fault(product="PAI-DLC", action="getjob", match={"JobId": "dlc1"}, status=503)
    assert fault["action"] == "getjob"
    pai.clear_faults()


@pytest.mark.parametrize("spec, fragments", [
    ({"result": "fail", "phase": "Nowhere"}, ["'Nowhere'", "Initializing, Submitted, Running"]),
    ({"result": "fail", "aftr": 3}, ["'aftr'", "after"]),
    ({"result": "explode"}, ["succeed, fail, hang, timeout"]),
])
def test_an_outcome_naming_what_does_not_exist_is_refused(pai, spec, fragments):
    job = _job(pai)
    _refused(httpx.put(f"{pai.url}/_fakepai/jobs/{job}/outcome", json=spec), *fragments)
    with pytest.raises(ValueError) as refused:
        pai.set_outcome(job, **spec)
    assert all(f in str(refused.value) for f in fragments)


@pytest.mark.parametrize("value, fragment", [
    ("fail:Nowhere", "'Nowhere'"),
    (json.dumps({"result": "fail", "aftr": 3}), "'aftr'"),
])
def test_creation_time_outcomes_with_typos_are_invalid_parameters(pai, value, fragment):
    spec = {"DisplayName": "d", "JobType": "PyTorchJob", "UserCommand": "python t.py",
            "JobSpecs": [{"Type": "Worker", "PodCount": 1, "Image": "img", "EcsSpec": "ecs.g6.xlarge"}]}
    with pai.http() as http:
        _refused(http.post("/api/PaiStudio/2022-01-12/CreateTrainingJob", json={
            "TrainingJobName": "t", "WorkspaceId": "1", "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai",
            "Labels": [{"Key": "fakepai.outcome", "Value": value}]}), "fakepai.outcome", fragment)
        _refused(http.post("/api/pai-dlc/2020-12-03/CreateJob", json={**spec, "Settings": {"Tags": {"fakepai.outcome": value}}}),
                 "fakepai.outcome", fragment)
        _refused(http.post("/api/pai-dlc/2020-12-03/CreateJob", json={**spec, "Envs": {"FAKEPAI_OUTCOME": value}}),
                 "FAKEPAI_OUTCOME", fragment)


def test_request_log_filters_naming_what_does_not_exist_are_refused(pai):
    _refused(httpx.get(f"{pai.url}/_fakepai/requests", params={"action": "ListJob"}), "'ListJob'", "ListJobs")
    _refused(httpx.get(f"{pai.url}/_fakepai/requests", params={"product": "dlc"}), "'dlc'")
    with pytest.raises(ValueError, match="did you mean ListJobs"):
        pai.request_log(action="ListJob")
    assert httpx.get(f"{pai.url}/_fakepai/requests", params={"action": "ListJobs"}).status_code == 200


def test_a_misspelt_request_log_filter_is_refused_not_ignored(pai):
    # `?actoin=` used to be ignored: the whole log came back, as if it had matched.
    _refused(httpx.get(f"{pai.url}/_fakepai/requests", params={"actoin": "GetJob"}),
             "['actoin']", "action, product, status, code, account, limit")


@pytest.mark.parametrize("method, path, body, fragments", [
    ("PUT", "/_fakepai/clock", {"sped": 0}, ["['sped']", "now, speed"]),
    ("POST", "/_fakepai/clock/advance", {"secnds": 60}, ["['secnds']", "seconds"]),
    ("POST", "/_fakepai/clock/advance", {}, ["seconds is required"]),
])
def test_a_misspelt_clock_field_is_refused_and_the_clock_is_unchanged(pai, method, path, body, fragments):
    # These used to answer 200 with the clock untouched (a frozen clock that kept running, an
    # advance of 0 s), so a test steering time did nothing and could still pass.
    pai.freeze_clock()
    before = httpx.get(f"{pai.url}/_fakepai/clock").json()
    _refused(httpx.request(method, f"{pai.url}{path}", json=body), *fragments)
    assert httpx.get(f"{pai.url}/_fakepai/clock").json() == before
    pai.set_clock(speed=1)


def test_a_phase_profile_naming_no_status_is_refused():
    with pytest.raises(ValueError, match="unknown phase 'Runing'.*Running"):
        FakePAI(phase_seconds={"Runing": 5})


def test_the_phase_profile_knows_every_status_a_plan_takes_its_length_from():
    from fakepai.services.dlc import lifecycle as dlc, restarts, tensorboards
    from fakepai.services.paiplugin import models as plugin
    from fakepai.services.paistudio import lifecycle as studio
    from fakepai.sim.timeline import PROFILE_STATUSES

    plans = [studio.LIFECYCLE, plugin.LIFECYCLE, tensorboards.LIFECYCLE, dlc.lifecycle_for(sanity=True, bidding=True)]
    named = {status for plan in plans for status, _ in plan.steps} | {restarts.RESTARTING}
    assert named == set(PROFILE_STATUSES)
