"""PaiStudio training jobs, in detail: each operation's body follows its own SDK model, list items and
their order, which names are missing or wrong in a rejected create (and that it costs no id), and
ids in the gateway path (percent-encoding, ids that spell a path literal); through the official SDK
and the gateway URL form, every body validated against its response schema."""
from __future__ import annotations

import pytest
from alibabacloud_paistudio20220112 import models as m

from tests.helpers import assert_error, assert_valid_response, sdk_error

WS = "86995"
ST = "/api/PaiStudio/2022-01-12"
ALGO = {"AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai", "AlgorithmVersion": "v0.1.0"}


def sdk_create(client, name="job", **kw) -> str:
    kw.setdefault("workspace_id", WS)
    kw.setdefault("algorithm_name", ALGO["AlgorithmName"])
    kw.setdefault("algorithm_provider", ALGO["AlgorithmProvider"])
    kw.setdefault("algorithm_version", ALGO["AlgorithmVersion"])
    return client.create_training_job(m.CreateTrainingJobRequest(training_job_name=name, **kw)).body.training_job_id


def ok(response, action: str) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert_valid_response("PaiStudio", action, body)
    assert response.headers["x-acs-request-id"] == body["RequestId"]
    return body


# -- PaiStudio: bodies follow each operation's own models ---------------------------------------

def test_training_job_bodies_are_trimmed_to_each_operation_model(fakepai, paistudio_client):
    """CreateTrainingJob's models are wider than GetTrainingJob's and the list item's: the spec
    must not leak fields an operation's model lacks (GetTrainingJob has no UserVpc.DefaultRoute;
    list items have no ComputeResource.SpotSpec/UseSpotInstance nor InputChannels[].Options)."""
    job_id = sdk_create(
        paistudio_client, "wide",
        compute_resource=m.CreateTrainingJobRequestComputeResource(
            ecs_spec="ecs.gn6v-c8g1.2xlarge", ecs_count=1, use_spot_instance=True,
            spot_spec=m.CreateTrainingJobRequestComputeResourceSpotSpec(spot_strategy="SpotWithPriceLimit",
                                                                        spot_discount_limit=0.5)),
        user_vpc=m.CreateTrainingJobRequestUserVpc(vpc_id="vpc-1", switch_id="vsw-1", default_route="eth1"),
        input_channels=[m.CreateTrainingJobRequestInputChannels(name="train", input_uri="oss://b/d/", options="a=b")],
        code_dir=m.Location(location_type="OSS", location_value={"Bucket": "b"}))
    with fakepai.http() as h:
        got = ok(h.get(f"{ST}/GetTrainingJob/{job_id}"), "GetTrainingJob")
        listed = ok(h.get(f"{ST}/ListTrainingJobs", params={"WorkspaceId": WS}), "ListTrainingJobs")
    assert got["UserVpc"] == {"VpcId": "vpc-1", "SwitchId": "vsw-1"}
    assert got["ComputeResource"]["SpotSpec"] == {"SpotStrategy": "SpotWithPriceLimit", "SpotDiscountLimit": 0.5}
    assert got["InputChannels"] == [{"Name": "train", "InputUri": "oss://b/d/", "Options": "a=b"}]
    assert "CodeDir" not in got
    item = listed["TrainingJobs"][0]
    assert item["UserVpc"] == {"VpcId": "vpc-1", "SwitchId": "vsw-1", "DefaultRoute": "eth1"}
    assert item["ComputeResource"] == {"EcsSpec": "ecs.gn6v-c8g1.2xlarge", "EcsCount": 1}
    assert item["InputChannels"] == [{"Name": "train", "InputUri": "oss://b/d/"}]
    # The SDK reads the same bodies.
    sdk_item = paistudio_client.list_training_jobs(m.ListTrainingJobsRequest(workspace_id=WS)).body.to_map()
    assert sdk_item["TrainingJobs"][0]["UserVpc"]["DefaultRoute"] == "eth1"


def test_list_item_user_vpc_default_route_defaults_to_eth0(fakepai, paistudio_client):
    sdk_create(paistudio_client, user_vpc=m.CreateTrainingJobRequestUserVpc(vpc_id="vpc-1"))
    with fakepai.http() as h:
        item = ok(h.get(f"{ST}/ListTrainingJobs"), "ListTrainingJobs")["TrainingJobs"][0]
    assert item["UserVpc"] == {"VpcId": "vpc-1", "DefaultRoute": "eth0"}


def test_list_order_of_same_time_jobs_does_not_depend_on_filters(fakepai, paistudio_client):
    """With a frozen clock every job has the same creation time; the default listing (served from
    the workspace index) and a filtered one must order them the same way: newest first."""
    fakepai.freeze_clock()
    ids = [sdk_create(paistudio_client, f"same-{i}") for i in range(5)]

    def listed(**kw) -> list[str]:
        body = paistudio_client.list_training_jobs(m.ListTrainingJobsRequest(workspace_id=WS, **kw)).body.to_map()
        assert_valid_response("PaiStudio", "ListTrainingJobs", body)
        return [j["TrainingJobId"] for j in body["TrainingJobs"]]

    newest_first = list(reversed(ids))
    assert listed() == newest_first
    assert listed(training_job_name="same") == newest_first
    assert listed(sort_by="Status") == newest_first            # all Creating: a tie on the sort key too
    assert listed(order="ASC") == ids
    assert listed(order="ASC", training_job_name="SAME") == ids
    with fakepai.http() as h:
        body = ok(h.get(f"{ST}/ListTrainingJobs", params={"TrainingJobName": "same", "PageSize": 2, "PageNumber": 2}),
                  "ListTrainingJobs")
    assert [j["TrainingJobId"] for j in body["TrainingJobs"]] == newest_first[2:4] and body["TotalCount"] == 5


# -- PaiStudio: validation before anything changes -----------------------------------------------

def test_empty_required_names_are_missing(fakepai, paistudio_client):
    for field in ("TrainingJobName", "WorkspaceId"):
        with fakepai.http() as h:
            body = {"TrainingJobName": "n", "WorkspaceId": WS, **ALGO, field: " "}
            err = assert_error(h.post(f"{ST}/CreateTrainingJob", json=body), 400, "MissingParameter")
        assert f'"{field}"' in err["Message"]
    assert sdk_error(lambda: sdk_create(paistudio_client, "")).code == "MissingParameter"
    assert paistudio_client.list_training_jobs(m.ListTrainingJobsRequest()).body.total_count == 0


def test_unnamed_channel_is_named_precisely(fakepai, paistudio_client):
    with fakepai.http() as h:
        base = {"TrainingJobName": "n", "WorkspaceId": WS, **ALGO}
        err = assert_error(h.post(f"{ST}/CreateTrainingJob", json={**base, "InputChannels": [
            {"Name": "train", "InputUri": "oss://b/x/"}, {"Name": "", "InputUri": "oss://b/y/"}]}), 400, "MissingParameter")
        assert '"InputChannels[1].Name"' in err["Message"]
        err = assert_error(h.post(f"{ST}/CreateTrainingJob", json={**base, "OutputChannels": [{"OutputUri": "oss://b/o/"}]}),
                           400, "MissingParameter")
        assert '"OutputChannels[0].Name"' in err["Message"]
    e = sdk_error(lambda: sdk_create(paistudio_client, input_channels=[m.CreateTrainingJobRequestInputChannels(name="")]))
    assert e.code == "MissingParameter" and "InputChannels[0].Name" in e.message


def test_rejected_create_does_not_shift_the_next_id(fakepai, paistudio_client):
    """Ids replay from the seed; a request rejected for its `fakepai.outcome` label must not draw one."""
    first = sdk_create(paistudio_client)
    fakepai.reset()
    bad = [m.CreateTrainingJobRequestLabels(key="fakepai.outcome", value="explode")]
    e = sdk_error(lambda: sdk_create(paistudio_client, labels=bad))
    assert (e.code, e.statusCode) == ("InvalidParameter", 400)
    assert sdk_create(paistudio_client) == first


# -- wire: path segments are decoded exactly once ------------------------------------------------

@pytest.mark.parametrize("raw, decoded", [("a%2Fb", "a/b"), ("a%2541", "a%41"), ("a%3Fb", "a?b")])
def test_percent_encoded_ids_are_decoded_once(fakepai, paistudio_client, raw, decoded):
    with fakepai.http() as h:
        for path in (f"/api/v1/trainingjobs/{raw}", f"{ST}/GetTrainingJob/{raw}"):
            err = assert_error(h.get(path), 404, "NotFound.TrainingJob")
            assert f'"{decoded}"' in err["Message"], (path, err)
        err = assert_error(h.put(f"/api/v1/trainingjobs/{raw}/stop"), 404, "NotFound.TrainingJob")
        assert f'"{decoded}"' in err["Message"]
    # The SDK percent-encodes path parameters itself.
    e = sdk_error(lambda: paistudio_client.get_training_job(decoded))
    assert e.code == "NotFound.TrainingJob" and f'"{decoded}"' in e.message


def test_gateway_id_that_spells_a_path_prefix_literal(fakepai, paistudio_client):
    """`/api/v1/algorithms/{AlgorithmId}/versions/{AlgorithmVersion}`: an algorithm version named
    "v1" is an id, not the path's `v1` literal, in every gateway spelling."""
    algo_id = paistudio_client.create_algorithm(m.CreateAlgorithmRequest(algorithm_name="my_algo", workspace_id=WS)) \
        .body.algorithm_id
    spec = m.AlgorithmSpec(command=["python", "train.py"], image="pytorch:2.1", job_type="PyTorchJob")
    paistudio_client.create_algorithm_version(algo_id, "v1", m.CreateAlgorithmVersionRequest(algorithm_spec=spec))
    with fakepai.http() as h:
        for path in (f"{ST}/GetAlgorithmVersion/{algo_id}/v1", f"{ST}/GetAlgorithmVersion/{algo_id}/versions/v1",
                     f"{ST}/GetAlgorithmVersion?AlgorithmId={algo_id}&AlgorithmVersion=v1"):
            response = h.get(path)
            assert response.status_code == 200, (path, response.text)
            body = response.json()
            assert_valid_response("PaiStudio", "GetAlgorithmVersion", body)
            assert (body["AlgorithmId"], body["AlgorithmVersion"]) == (algo_id, "v1")
        # The path's own literals after the id are still skipped (the seed's `/labels` form).
        job_id = sdk_create(paistudio_client)
        ok(h.post(f"{ST}/UpdateTrainingJobLabels/{job_id}/labels", json={"Labels": [{"Key": "k", "Value": "v"}]}),
           "UpdateTrainingJobLabels")
    assert paistudio_client.get_training_job(job_id).body.labels[0].to_map() == {"Key": "k", "Value": "v"}
