"""No request may buy unbounded work (issue #11 §1; docs/limits.md).

The reproductions of the issue, and a property over the schemas: a request with an integer at its
declared maximum is accepted or refused cleanly, and every later read of what it created (Get,
List, logs, metrics, events: every read operation of the product) answers with a bounded response.
The budget is counted in response bytes, not wall-clock time, so load cannot make it flaky.
"""
from __future__ import annotations

import copy
import json

import pytest

from fakepai.catalog import default_catalog

ST = "/api/PaiStudio/2022-01-12"
DLC = "/api/pai-dlc/2020-12-03"
WS = "86995"
OSS = "oss://bucket.oss-cn-hangzhou.aliyuncs.com/"
# The largest read at every maximum is GetJob of a 1,000-pod job (0.46 MB); before the bounds,
# GetTrainingJob at EcsCount 10^6 was 76 MB and a 200-role x 1,000-pod RayJob's GetJob 93 MB.
MAX_RESPONSE_BYTES = 2 * 1024 * 1024

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


# -- the property: every integer at its declared maximum ------------------------------------------

CATALOG = default_catalog()


def _resolve(schema: dict) -> dict:
    return CATALOG.definition(schema["$ref"]) if "$ref" in schema else schema


def _integer_paths(schema: dict, prefix: tuple = (), depth: int = 0):
    """(path, maximum) of every bounded integer reachable in a request schema; a path step is a
    property name or 0 (the first item of a list)."""
    schema = _resolve(schema)
    if depth > 6:
        return
    types = schema.get("type")
    if types == "integer" and "maximum" in schema and "enum" not in schema:
        yield prefix, schema["maximum"]
    elif types == "array" and isinstance(schema.get("items"), dict):
        yield from _integer_paths(schema["items"], prefix + (0,), depth + 1)
    elif types == "object":
        for name, sub in (schema.get("properties") or {}).items():
            if sub.get("x-in", "body") == "body":
                yield from _integer_paths(sub, prefix + (name,), depth + 1)


def _with(body: dict, path: tuple, value) -> dict:
    out = copy.deepcopy(body)
    node = out
    for step, nxt in zip(path, path[1:]):
        if step == 0:
            if not node:
                node.append({})
            node = node[0]
        else:
            node = node.setdefault(step, [] if nxt == 0 else {})
    if path[-1] == 0 and not node:
        node.append(value)
    else:
        node[path[-1]] = value
    return out


def _reads(product: str) -> list:
    return [op for op in CATALOG.by_product(product) if not op.mutating]


def _read_params(op, ids: dict) -> dict | None:
    """The op's parameters: its ids from `ids`, required enums at their first value, and every
    optional integer at its declared maximum. None when a required id is not known."""
    params = {}
    for name, spec in op.params.items():
        if name in ids:
            params[name] = ids[name]
        elif "enum" in spec and name in op.required:
            params[name] = spec["enum"][0]
        elif spec.get("type") == "integer" and "maximum" in spec and "enum" not in spec:
            params[name] = spec["maximum"]
        elif name in op.required:
            return None
    return params


CREATORS = {   # product, create action, valid base body, the id key of what it creates
    "training job": ("PaiStudio", "CreateTrainingJob", TRAINING_JOB, "TrainingJobId"),
    "dlc job": ("pai-dlc", "CreateJob", DLC_JOB, "JobId"),
    "tensorboard": ("pai-dlc", "CreateTensorboard", {"DisplayName": "tb", "Uri": OSS + "runs/", "WorkspaceId": WS},
                    "TensorboardId"),
}


def _variants(product: str, action: str, base: dict):
    """The base, each bounded integer at its maximum one at a time, and all of them at once."""
    paths = list(_integer_paths(CATALOG.get(product, action).request_schema))
    assert paths, f"{action} has no bounded integer"
    all_max = base
    for path, maximum in paths:
        yield ".".join(map(str, path)), _with(base, path, maximum)
        all_max = _with(all_max, path, maximum)
    yield "every integer at its maximum", all_max


@pytest.mark.parametrize("what", sorted(CREATORS))
def test_every_integer_at_its_maximum_buys_bounded_reads(fakepai, what):
    product, action, base, id_key = CREATORS[what]
    version = CATALOG.get(product, action).version
    accepted, checked, largest = 0, 0, (0, "", "")
    with fakepai.http(timeout=60) as http:
        for label, body in _variants(product, action, base):
            created = http.post(f"/api/{product}/{version}/{action}", json=body)
            assert created.status_code < 500, (label, created.text)
            if created.status_code != 200:
                assert created.json()["Code"] in ("InvalidParameter", "MissingParameter"), (label, created.text)
                continue
            accepted += 1
            ids = {id_key: created.json()[id_key]}
            fakepai.advance(7 * 86400)            # a week on: the job has run (or still runs), logs grew
            detail = http.get(f"/api/{product}/{version}/Get{'Job' if id_key == 'JobId' else id_key[:-2]}",
                              params=ids).json()
            pods = detail.get("Pods") or detail.get("Instances") or []
            if pods:
                ids.update(PodId=pods[0].get("PodId"), InstanceId=pods[0].get("Name") or pods[0].get("InstanceId"))
            for op in _reads(product):
                params = _read_params(op, ids)
                if params is None:
                    continue
                response = http.get(f"/api/{product}/{version}/{op.action}", params=params)
                checked += 1
                assert response.status_code < 500, (label, op.action, response.text[:300])
                assert len(response.content) <= MAX_RESPONSE_BYTES, (label, op.action, len(response.content))
                largest = max(largest, (len(response.content), op.action, label))
            fakepai.reset()
    print(what, "accepted", accepted, "checked", checked, "largest", largest)
    assert accepted >= 2 and checked >= 2 * accepted, (accepted, checked)
