"""No request may buy unbounded work (issue #11 §1; docs/limits.md).

The reproductions of the issue. The property over every operation's schema (every number at its
declared maximum buys bounded reads) is tests/operations/test_maxima.py.
"""
from __future__ import annotations

import json

import pytest

ST = "/api/PaiStudio/2022-01-12"
DLC = "/api/pai-dlc/2020-12-03"
WS = "86995"
# Before the bounds, GetTrainingJob at EcsCount 10^6 was 76 MB and a 200-role x 1,000-pod RayJob's
# GetJob 93 MB; at the bounds GetJob of a 1,000-pod job is 0.46 MB.

TRAINING_JOB = {"TrainingJobName": "big", "WorkspaceId": WS, "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai",
                "ComputeResource": {"EcsSpec": "ecs.c6.large", "EcsCount": 1}}
DLC_JOB = {"DisplayName": "big", "JobType": "PyTorchJob", "UserCommand": "python train.py", "WorkspaceId": WS,
           "JobSpecs": [{"Type": "Worker", "PodCount": 1, "Image": "img", "EcsSpec": "ecs.g6.xlarge"}]}


def _create_training_job(http, ecs_count_text: str):
    text = json.dumps(TRAINING_JOB).replace('"EcsCount": 1', f'"EcsCount": {ecs_count_text}')
    return http.post(f"{ST}/CreateTrainingJob", content=text, headers={"content-type": "application/json"})


def _invalid(response, field: str, bound: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["Code"] == "InvalidParameter" and f'"{field}"' in body["Message"] and bound in body["Message"], body


@pytest.mark.parametrize("count", ["1e308", str(2**63 - 1), "1000000", "3.0", "1001", "0"])
def test_instance_counts_beyond_the_bound_or_not_integers_are_refused(fakepai, count):
    with fakepai.http() as http:
        response = _create_training_job(http, count)
        bound = "integer" if "." in count or "e" in count else ("minimum 1" if count == "0" else "maximum 1000")
        _invalid(response, "ComputeResource.EcsCount", bound)
        assert http.get(f"{ST}/ListTrainingJobs").json()["TotalCount"] == 0      # nothing was created


def test_the_largest_instance_count_reads_in_bounded_bytes(fakepai):
    with fakepai.http() as http:
        job = _create_training_job(http, "1000").json()["TrainingJobId"]
        fakepai.advance(3600)
        got = http.get(f"{ST}/GetTrainingJob", params={"TrainingJobId": job})
    assert got.status_code == 200 and len(got.json()["Instances"]) == 1000
    assert len(got.content) < 1024 * 1024


def test_a_ray_job_of_200_roles_of_1000_pods_is_refused(fakepai):
    specs = [{"Type": "Head", "PodCount": 1, "EcsSpec": "ecs.c6.large"}] + [
        {"Type": f"Worker-g{i}", "PodCount": 1000, "EcsSpec": "ecs.c6.large"} for i in range(200)]
    with fakepai.http() as http:
        response = http.post(f"{DLC}/CreateJob", json={**DLC_JOB, "JobType": "RayJob", "JobSpecs": specs})
        _invalid(response, "JobSpecs", "at most 16")
        # Within the role count, the pods of all roles together are bounded too.
        response = http.post(f"{DLC}/CreateJob", json={**DLC_JOB, "JobType": "RayJob", "JobSpecs": specs[:3]})
        _invalid(response, "JobSpecs", "at most 1000 per job")
        assert http.get(f"{DLC}/ListJobs").json()["TotalCount"] in (0, "0")


def test_scaling_a_job_past_the_pods_per_job_is_refused(fakepai):
    body = {**DLC_JOB, "JobType": "ElasticBatchJob",
            "JobSpecs": [{"Type": "Worker", "PodCount": 600, "Image": "img", "EcsSpec": "ecs.g6.xlarge"},
                         {"Type": "Master", "PodCount": 1, "Image": "img", "EcsSpec": "ecs.g6.xlarge"}]}
    with fakepai.http() as http:
        job = http.post(f"{DLC}/CreateJob", json=body).json()["JobId"]
        response = http.put(f"{DLC}/UpdateJob", params={"JobId": job},
                            json={"JobSpecs": [{"Type": "Master", "PodCount": 500}]})
        _invalid(response, "JobSpecs", "at most 1000 per job")
