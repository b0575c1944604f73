"""Scripted outcomes (fakepai/sim/timeline.py Outcome.parse / from_tag) are user input on every
path — PaiStudio labels, DLC tags, the control plane: a bad one is a 400 naming the problem and
creates or changes nothing, never a 5xx or a plan no client could read (timestamps past year 9999)."""
from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakepai.sim.timeline import MAX_SECONDS, Outcome
from tests.helpers import assert_error

PS = "/api/PaiStudio/2022-01-12"
DLC = "/api/pai-dlc/2020-12-03"
DLC_JOB = {"DisplayName": "o", "JobType": "PyTorchJob", "UserCommand": "c", "WorkspaceId": "1",
           "JobSpecs": [{"Type": "Worker", "PodCount": 1, "Image": "i", "EcsSpec": "ecs.gn7i-c8g1.2xlarge"}]}

BAD = ["succeed@1e308", "succeed@nan", "succeed@inf", "fail:Running@-1", "succeed@soon",
       '{"after": 1e400}', '{"after": [1]}', '{"after": true}', '{"phase": 5}', '{"reasonCode": {}}',
       '{"errorInfo": 5}', '{"result": "explode"}', "[1]", "hang+restarts=1e308s"]


@pytest.mark.parametrize("tag", BAD)
def test_a_bad_outcome_at_creation_is_400_and_creates_nothing(fakepai, tag):
    with fakepai.http() as http:
        job = dict(DLC_JOB, Settings={"EnableErrorMonitoringInAIMaster": True, "Tags": {"fakepai.outcome": tag}})
        body = assert_error(http.post(f"{DLC}/CreateJob", json=job), 400, "InvalidParameter")
        assert "fakepai.outcome" in body["Message"]
        assert http.get(f"{DLC}/ListJobs").json()["TotalCount"] == 0
        if "restarts" not in tag:
            assert_error(http.post(f"{PS}/CreateTrainingJob", json={
                "TrainingJobName": "o", "WorkspaceId": "1", "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai",
                "Labels": [{"Key": "fakepai.outcome", "Value": tag}]}), 400, "InvalidParameter")
            assert http.get(f"{PS}/ListTrainingJobs").json()["TotalCount"] == 0


def test_a_bad_outcome_through_the_control_plane_changes_nothing(fakepai):
    fakepai.freeze_clock()
    with fakepai.http() as http:
        job_id = http.post(f"{DLC}/CreateJob", json=DLC_JOB).json()["JobId"]
        before = http.get(f"{DLC}/GetJob/{job_id}").json()["StatusHistory"]
        for spec in ('{"after": 1e400}', '{"result": "fail", "after": -5}', '{"phase": ["Running"]}',
                     '{"restarts": 2}', '{"after": NaN}'):
            r = httpx.put(f"{fakepai.url}/_fakepai/jobs/{job_id}/outcome", content=spec,
                          headers={"content-type": "application/json"})
            assert r.status_code == 400, (spec, r.text)
        fakepai.advance(3600)
        after = http.get(f"{DLC}/GetJob/{job_id}").json()
        starts = [(h["Status"], h["StartTime"]) for h in after["StatusHistory"]]
        assert after["Status"] == "Succeeded" and starts[:len(before)] == [(h["Status"], h["StartTime"]) for h in before]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=40), st.builds(str, st.floats(allow_nan=True, allow_infinity=True))
                 .map(lambda x: f"succeed@{x}"),
                 st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
                              lambda c: st.lists(c, max_size=3) | st.dictionaries(
                                  st.sampled_from(["result", "after", "phase", "reasonCode", "restarts", "errorInfo"]),
                                  c, max_size=4), max_leaves=8).map(__import__("json").dumps)))
def test_parsing_any_text_either_succeeds_within_bounds_or_says_why(text):
    for restartable in (False, True):
        try:
            outcome = Outcome.from_tag(text, restartable=restartable)
        except ValueError as e:
            assert str(e)
            continue
        assert outcome.result in Outcome.RESULTS
        assert outcome.after is None or 0 <= outcome.after <= MAX_SECONDS
        for name in ("phase", "reason_code", "reason_message"):
            assert getattr(outcome, name) is None or isinstance(getattr(outcome, name), str)
        if isinstance(outcome.restarts, tuple):
            assert all(0 < s <= MAX_SECONDS for s in outcome.restarts)


def test_json_nested_too_deeply_is_400_wherever_it_comes(fakepai):
    deep_object = '{"a":' * 3000 + "1" + "}" * 3000
    with fakepai.http() as http:
        cases = [
            http.post(f"{DLC}/CreateJob", content="[" * 5000 + "]" * 5000, headers={"content-type": "application/json"}),
            http.post(f"{DLC}/CreateJob", content='{"DisplayName": ' + '{"a":' * 100 + "1" + "}" * 100 + "}",
                      headers={"content-type": "application/json"}),
            http.post(f"{DLC}/CreateJob", json=dict(DLC_JOB, Settings={"Tags": {"fakepai.outcome": deep_object}})),
            http.post(f"{PS}/CreateTrainingJob", json={"TrainingJobName": "o", "WorkspaceId": "1", "AlgorithmName": "pytorch_ddp",
                                                     "AlgorithmProvider": "pai", "Labels": [{"Key": "fakepai.outcome", "Value": deep_object}]}),
            http.get(f"{PS}/ListTrainingJobs", params={"Labels": deep_object}),
            http.post(f"{DLC}/CreateJobTemplate", json={"TemplateName": "t", "WorkspaceId": "1", "Content": deep_object}),
        ]
        for response in cases:
            assert response.status_code == 400, response.text
            assert response.json()["Code"].startswith("InvalidParameter")
        assert http.get(f"{DLC}/ListJobs").json()["TotalCount"] == 0


def test_numbers_no_json_response_could_carry_are_400(fakepai):
    with fakepai.http() as http:
        for text in ('{"TrainingJobName": "t", "WorkspaceId": "1", "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai",'
                     ' "ComputeResource": {"EcsSpec": "ecs.gn6i-c4g1.xlarge", "EcsCount": 1, "UseSpotInstance": true,'
                     ' "SpotSpec": {"SpotStrategy": "SpotWithPriceLimit", "SpotDiscountLimit": ' + bad + '}}}'
                     for bad in ("NaN", "Infinity", "-Infinity", "1e400")):
            r = http.post(f"{PS}/CreateTrainingJob", content=text, headers={"content-type": "application/json"})
            assert r.status_code == 400 and r.json()["Code"] == "InvalidParameter", r.text
        huge = '{"Content": ' + "9" * 5000 + ', "TemplateName": "t", "WorkspaceId": "1"}'
        assert http.post(f"{DLC}/CreateJobTemplate", content=huge, headers={"content-type": "application/json"}).status_code == 400
        content = '{"JobType": "PyTorchJob", "Priority": ' + "9" * 5000 + "}"
        r = http.post(f"{DLC}/CreateJobTemplate", json={"TemplateName": "t", "WorkspaceId": "1", "Content": content})
        assert r.status_code == 400 and r.json()["Code"].startswith("InvalidParameter"), r.text
        assert http.get(f"{PS}/ListTrainingJobs").json()["TotalCount"] == 0


def test_control_plane_bodies_are_checked_before_anything_changes(fakepai):
    fakepai.freeze_clock()
    with fakepai.http() as http:
        job_id = http.post(f"{DLC}/CreateJob", json=DLC_JOB).json()["JobId"]
    deep = '{"result": "fail", "x": ' + "[" * 300 + "]" * 300 + "}"
    r = httpx.put(f"{fakepai.url}/_fakepai/jobs/{job_id}/outcome", content=deep, headers={"content-type": "application/json"})
    assert r.status_code == 400
    r = httpx.post(f"{fakepai.url}/_fakepai/faults", content='{"status": 503, "match": ' + "[" * 300 + "]" * 300 + "}",
                   headers={"content-type": "application/json"})
    assert r.status_code == 400 and httpx.get(f"{fakepai.url}/_fakepai/faults").json() == {"faults": []}
    fakepai.advance(3600)
    with fakepai.http() as http:
        assert http.get(f"{DLC}/GetJob/{job_id}").json()["Status"] == "Succeeded"     # the fail never applied


def test_the_clock_refuses_times_and_speeds_it_could_not_run_at(fakepai):
    before = fakepai.now()
    advances = ["1e308", '"nan"', '"inf"', "-5"]
    settings = ['{"speed": "nan"}', '{"speed": -1}', '{"now": -1e300}', '{"now": "9999-12-31T23:59:59Z"}']
    requests = [("POST", "/_fakepai/clock/advance", '{"seconds": ' + s + "}") for s in advances]
    requests += [("PUT", "/_fakepai/clock", body) for body in settings]
    for method, path, body in requests:
        r = httpx.request(method, f"{fakepai.url}{path}", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400, (path, body, r.text)
    assert abs(fakepai.now() - before) < 60 and fakepai.emulator.clock.speed == 1.0
    with fakepai.http() as http:
        assert http.get(f"{PS}/ListTrainingJobs").status_code == 200
    with pytest.raises(ValueError):
        fakepai.advance(float("inf"))


def test_every_operation_bounds_its_body(fakepai):
    from fakepai.catalog import DEFAULT_MAX_BODY_BYTES

    big = '{"DisplayName": "' + "x" * DEFAULT_MAX_BODY_BYTES + '"}'
    with fakepai.http() as http:
        r = http.post(f"{DLC}/CreateJob", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 400 and r.json()["Code"] == "InvalidParameter.TooLarge"
        assert http.get(f"{DLC}/ListJobs").json()["TotalCount"] == 0
