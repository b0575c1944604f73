"""A user's regular expression never buys unbounded work (issue #11; docs/limits.md "Regular
expressions"). Patterns that backtrack exponentially on short text run with a work budget
(fakepai/bounded_regex.py): at request time the request is refused, naming the field; in the
simulation the metric gets no values, and every read stays bounded. The patterns below take
Python's `re` longer than the age of the universe on these texts (2^60 ways to split sixty `a`)."""
from __future__ import annotations

import json

import pytest
from alibabacloud_paistudio20220112 import models as m

from fakepai import bounded_regex
from fakepai.sim import regex_values
from tests.helpers import assert_error

STUDIO = "/api/PaiStudio/2022-01-12"
CATASTROPHIC = "(a|aa)+$"                       # Fibonacci(60) ways to fail on "a"*60 + "b"
SLOW_TEXT = "a" * 60 + "b"


def _post(http, action: str, body: dict):
    return http.post(f"{STUDIO}/{action}", content=json.dumps(body), headers={"content-type": "application/json"})


def _job(definitions: list[dict], spec: dict | None = None, **extra) -> dict:
    return {"TrainingJobName": "regex", "WorkspaceId": "86995",
            "AlgorithmSpec": {"Command": ["python", "train.py"], "Image": "pytorch:2.1", "JobType": "PyTorchJob",
                              "HyperParameters": definitions, **(spec or {})},
            "ComputeResource": {"EcsCount": 1, "EcsSpec": "ecs.g6.xlarge"}, **extra}


def _job_count(http) -> int:
    return int(http.get(f"{STUDIO}/ListTrainingJobs").json()["TotalCount"])


def test_the_budget_stops_a_catastrophic_match_and_lets_an_ordinary_one_through():
    with pytest.raises(bounded_regex.TooCostly):
        bounded_regex.fullmatch(CATASTROPHIC, SLOW_TEXT)
    assert bounded_regex.fullmatch(CATASTROPHIC, "a" * 60) is not None
    assert bounded_regex.search(bounded_regex.compile(r"loss=(\d+)"), "x loss=12").group(1) == "12"


@pytest.mark.parametrize("where, body", [
    ("AlgorithmSpec.HyperParameters[0].DefaultValue",
     _job([{"Name": "p", "Type": "String", "DefaultValue": SLOW_TEXT, "Range": {"Pattern": CATASTROPHIC}}])),
    ("HyperParameters.p",                   # a job's value against an inline definition
     _job([{"Name": "p", "Type": "String", "Range": {"Pattern": CATASTROPHIC}}],
          HyperParameters=[{"Name": "p", "Value": SLOW_TEXT}])),
])
def test_a_range_pattern_too_costly_for_the_value_is_a_400_naming_the_field_and_changes_nothing(fakepai, where, body):
    with fakepai.http() as http:
        before = _job_count(http)
        refused = _post(http, "CreateTrainingJob", body)
        assert_error(refused, 400, "InvalidParameter")
        message = refused.json()["Message"]
        assert f'"{where}"' in message and "(Range.Pattern) takes more than 50 ms of work" in message, message
        assert _job_count(http) == before


def test_a_named_algorithms_pattern_too_costly_for_a_jobs_value_is_a_400(fakepai, paistudio_client):
    client = paistudio_client
    algorithm = client.create_algorithm(m.CreateAlgorithmRequest(algorithm_name="slow", workspace_id="86995")).body.algorithm_id
    spec = {"Command": ["python"], "Image": "pytorch:2.1", "JobType": "PyTorchJob",
            "HyperParameters": [{"Name": "p", "Type": "String", "Range": {"Pattern": CATASTROPHIC}}]}
    client.create_algorithm_version(algorithm, "v1", m.CreateAlgorithmVersionRequest().from_map({"AlgorithmSpec": spec}))
    with fakepai.http() as http:
        refused = _post(http, "CreateTrainingJob", {
            "TrainingJobName": "slow", "WorkspaceId": "86995", "AlgorithmName": "slow", "AlgorithmVersion": "v1",
            "ComputeResource": {"EcsCount": 1, "EcsSpec": "ecs.g6.xlarge"},
            "HyperParameters": [{"Name": "p", "Value": SLOW_TEXT}]})
        assert_error(refused, 400, "InvalidParameter")
        assert '"HyperParameters.p"' in refused.json()["Message"]


def test_a_metric_regex_too_costly_on_its_lines_gets_no_values_and_reads_stay_bounded(fakepai):
    # A back-reference leaves the line to the `<name>=<value>` fallback, which this regex cannot
    # search in its budget: the template is judged once, when made, and reads nothing after.
    costly = {"Name": "a" * 60, "Regex": r"(a|aa)+\1(\d)"}
    template = regex_values.for_regex(costly["Regex"], costly["Name"])
    assert template.regex is None and not template.matches
    fakepai.set_clock(now=1_700_000_000.0, speed=0.0)
    with fakepai.http() as http:
        created = _post(http, "CreateTrainingJob", _job([], spec={"MetricDefinitions": [
            costly, {"Name": "loss", "Regex": r"loss=([0-9.]+)"}]}))
        assert created.status_code == 200, created.text
        job = created.json()["TrainingJobId"]
        fakepai.advance(900)
        got = http.get(f"{STUDIO}/GetTrainingJob", params={"TrainingJobId": job})
        assert got.status_code == 200 and got.json()["Status"] in ("Running", "Succeed"), got.text
        names = {metric["Name"] for metric in got.json().get("LatestMetrics") or []}
        assert "loss" in names and costly["Name"] not in names
        read = http.get(f"{STUDIO}/ListTrainingJobMetrics", params={"TrainingJobId": job, "PageSize": 100})
        assert read.status_code == 200, read.text
        assert {point["Name"] for point in read.json()["Metrics"]} == {"loss"}
        logs = http.get(f"{STUDIO}/ListTrainingJobLogs", params={"TrainingJobId": job, "PageSize": 100})
        assert logs.status_code == 200 and any(costly["Name"] + "=" in line for line in logs.json()["Logs"])
