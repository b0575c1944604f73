"""PaiStudio training jobs end to end: the official SDK and the seed's gateway URL form."""
from __future__ import annotations

import pytest
from alibabacloud_paistudio20220112 import models as m
from Tea.exceptions import TeaException

from tests.helpers import assert_error, assert_valid_response

WS = "86995"
GW = "/api/PaiStudio/2022-01-12"


def create(client, name="job", **kw):
    kw.setdefault("workspace_id", WS)
    kw.setdefault("algorithm_name", "pytorch_ddp")
    kw.setdefault("algorithm_provider", "pai")
    kw.setdefault("algorithm_version", "v0.1.0")
    kw.setdefault("compute_resource", m.CreateTrainingJobRequestComputeResource(ecs_spec="ecs.gn7i-c8g1.2xlarge", ecs_count=1))
    resp = client.create_training_job(m.CreateTrainingJobRequest(training_job_name=name, **kw))
    assert_valid_response("PaiStudio", "CreateTrainingJob", resp.body.to_map())
    return resp.body.training_job_id


def get(client, job_id) -> dict:
    body = client.get_training_job(job_id).body.to_map()
    assert_valid_response("PaiStudio", "GetTrainingJob", body)
    return body


def test_create_get_watch_to_succeed(fakepai, paistudio_client):
    fakepai.freeze_clock()
    job_id = create(paistudio_client, "mnist", labels=[m.CreateTrainingJobRequestLabels(key="team", value="cv")],
                    hyper_parameters=[m.CreateTrainingJobRequestHyperParameters(name="lr", value="0.01")],
                    output_channels=[m.CreateTrainingJobRequestOutputChannels(name="model", output_uri="oss://b/out/model/")],
                    scheduler=m.CreateTrainingJobRequestScheduler(max_running_time_in_seconds=3600))
    assert job_id.startswith("train") and len(job_id) == 16
    job = get(paistudio_client, job_id)
    assert job["Status"] == "Creating"
    assert job["TrainingJobName"] == "mnist" and job["WorkspaceId"] == WS
    assert job["Labels"] == [{"Key": "team", "Value": "cv"}]
    assert job["HyperParameters"] == [{"Name": "lr", "Value": "0.01"}]
    assert job["Scheduler"] == {"MaxRunningTimeInSeconds": "3600"}   # a string in GetTrainingJob (spec quirk)
    assert job["IsTempAlgo"] is False
    assert job["TrainingJobUrl"].endswith(f"#/training/jobs/{job_id}")
    seen = []
    for _ in range(60):
        status = get(paistudio_client, job_id)["Status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == "Succeed":
            break
        fakepai.advance(1)
    assert seen == ["Creating", "Created", "Initializing", "Submitted", "Running", "Succeed"]
    done = get(paistudio_client, job_id)
    assert done["ReasonCode"] == "TrainingJobSucceed"
    transitions = done["StatusTransitions"]
    assert [t["Status"] for t in transitions] == seen
    assert all("EndTime" in t for t in transitions)
    for earlier, later in zip(transitions, transitions[1:]):
        assert earlier["EndTime"] == later["StartTime"]
    assert done["Duration"] > 0
    assert done["OutputModel"] == {"OutputChannelName": "model", "Uri": "oss://b/out/model/"}
    assert {i["Status"] for i in done["Instances"]} == {"Succeeded"}


def test_list_filters_and_list_item_shape(fakepai, paistudio_client):
    a = create(paistudio_client, "resnet-A", labels=[m.CreateTrainingJobRequestLabels(key="team", value="cv")])
    b = create(paistudio_client, "Bert-b", labels=[m.CreateTrainingJobRequestLabels(key="team", value="nlp")])
    create(paistudio_client, "other-ws", workspace_id="1")
    temp = create(paistudio_client, "temp", algorithm_name=None, algorithm_provider=None, algorithm_version=None,
                  algorithm_spec=m.AlgorithmSpec(command=["python", "train.py"], image="pytorch:2.1", job_type="PyTorchJob"))

    def ids(**kw):
        body = paistudio_client.list_training_jobs(m.ListTrainingJobsRequest(workspace_id=WS, **kw)).body.to_map()
        assert_valid_response("PaiStudio", "ListTrainingJobs", body)
        assert body["TotalCount"] == len(body.get("TrainingJobs", []))
        return {j["TrainingJobId"] for j in body.get("TrainingJobs", [])}

    assert ids() == {a, b, temp}
    assert ids(training_job_name="RESNET") == {a}                      # case-insensitive substring
    assert ids(training_job_id=b) == {b}
    assert ids(labels={"team": "nlp"}) == {b}
    assert ids(labels={"team": "nlp", "x": "y"}) == set()               # every pair must match
    assert ids(is_temp_algo=True) == {temp}
    assert ids(is_temp_algo=False) == {a, b}
    assert ids(status="Creating") == {a, b, temp}
    assert ids(status="Running") == set()
    assert ids(algorithm_name="pytorch_ddp") == {a, b}
    assert ids(start_time="2000-01-01T00:00:00Z", end_time="2000-01-02T00:00:00Z") == set()
    item = paistudio_client.list_training_jobs(m.ListTrainingJobsRequest(training_job_id=a)).body.to_map()["TrainingJobs"][0]
    assert item["DlcJobId"].startswith("dlc")
    assert "Instances" not in item and "Duration" not in item       # summary objects (behavior.md §4.2)


def test_stop_and_delete_rules(fakepai, paistudio_client):
    fakepai.freeze_clock()
    job_id = create(paistudio_client)
    with pytest.raises(TeaException) as err:
        paistudio_client.delete_training_job(job_id)
    assert err.value.code == "InvalidStatus" and "because it is Creating" in err.value.message
    fakepai.advance(9)
    assert get(paistudio_client, job_id)["Status"] == "Running"
    paistudio_client.stop_training_job(job_id)
    stopped = get(paistudio_client, job_id)
    assert stopped["Status"] == "Terminated"
    assert stopped["StatusTransitions"][-1]["Status"] == "Terminated"
    fakepai.advance(3600)
    assert get(paistudio_client, job_id)["Status"] == "Terminated"     # the rest of the plan is gone
    with pytest.raises(TeaException) as err:
        paistudio_client.stop_training_job(job_id)
    assert err.value.code == "InvalidStatus" and err.value.data["statusCode"] == 400
    paistudio_client.delete_training_job(job_id)
    with pytest.raises(TeaException) as err:
        paistudio_client.get_training_job(job_id)
    assert err.value.code == "NotFound.TrainingJob" and err.value.data["statusCode"] == 404


def test_labels_upsert_and_delete(fakepai, paistudio_client):
    job_id = create(paistudio_client, labels=[m.CreateTrainingJobRequestLabels(key="a", value="1"),
                                              m.CreateTrainingJobRequestLabels(key="b", value="2")])
    paistudio_client.update_training_job_labels(job_id, m.UpdateTrainingJobLabelsRequest(labels=[
        m.UpdateTrainingJobLabelsRequestLabels(key="b", value="20"), m.UpdateTrainingJobLabelsRequestLabels(key="c", value="3")]))
    assert get(paistudio_client, job_id)["Labels"] == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "20"}, {"Key": "c", "Value": "3"}]
    paistudio_client.delete_training_job_labels(job_id, m.DeleteTrainingJobLabelsRequest(keys="a,c,unknown"))
    assert get(paistudio_client, job_id)["Labels"] == [{"Key": "b", "Value": "20"}]
    with pytest.raises(TeaException) as err:
        paistudio_client.delete_training_job_labels(job_id, m.DeleteTrainingJobLabelsRequest())
    assert err.value.code == "MissingParameter" and "Keys" in err.value.message


def test_create_rejections_change_nothing(fakepai, paistudio_client):
    bad = [
        (dict(workspace_id=None), "MissingParameter", "WorkspaceId"),
        (dict(algorithm_name=None, algorithm_provider=None, algorithm_version=None), "MissingParameter", "AlgorithmName"),
        (dict(algorithm_spec=m.AlgorithmSpec(command=["x"], image="i", job_type="PyTorchJob")), "InvalidParameter", "AlgorithmSpec"),
        (dict(compute_resource=m.CreateTrainingJobRequestComputeResource(ecs_spec="ecs.g6", resource_id="quota1",
                                                                         instance_count=1)), "InvalidParameter", "ComputeResource"),
    ]
    for kwargs, code, names in bad:
        with pytest.raises(TeaException) as err:
            create(paistudio_client, **kwargs)
        assert err.value.code == code and names in err.value.message, (kwargs, err.value.message)
    with pytest.raises(TeaException) as err:
        paistudio_client.create_training_job(m.CreateTrainingJobRequest(workspace_id=WS, algorithm_name="x"))
    assert err.value.code == "MissingParameter" and "TrainingJobName" in err.value.message
    assert paistudio_client.list_training_jobs(m.ListTrainingJobsRequest()).body.total_count == 0


def test_quota_compute_resource_and_instances(fakepai, paistudio_client):
    fakepai.freeze_clock()
    job_id = create(paistudio_client, compute_resource=m.CreateTrainingJobRequestComputeResource(
        resource_id="quotam670lixikcl", instance_count=3,
        instance_spec=m.CreateTrainingJobRequestComputeResourceInstanceSpec(cpu="8", memory="32", gpu="1")))
    assert get(paistudio_client, job_id)["Instances"] == []           # no instance before the job is submitted
    fakepai.advance(9)
    job = get(paistudio_client, job_id)
    assert [i["Name"] for i in job["Instances"]] == [f"{job_id}-master-0", f"{job_id}-worker-0", f"{job_id}-worker-1"]
    assert job["ComputeResource"]["InstanceSpec"] == {"CPU": "8", "Memory": "32", "GPU": "1"}


# --- the seed's gateway URL form ------------------------------------------------------------

def test_seed_examples_through_gateway(fakepai):
    with fakepai.http() as http:
        created = http.post(f"{GW}/CreateTrainingJob", json={
            "TrainingJobName": "gw-job", "WorkspaceId": "12345", "AlgorithmName": "pytorch_ddp",
            "AlgorithmProvider": "pai", "ComputeResource": {"EcsSpec": "ecs.g6.xlarge", "EcsCount": 1}})
        assert created.status_code == 200, created.text
        job_id = created.json()["TrainingJobId"]
        assert created.headers["x-acs-request-id"] == created.json()["RequestId"]
        # The seed's ListTrainingJobs example (requests.get with params, JSON content type).
        listed = http.get(f"{GW}/ListTrainingJobs", params={"WorkspaceId": "12345", "PageNumber": 1, "PageSize": 10},
                          headers={"Content-Type": "application/json"})
        assert listed.status_code == 200
        assert [j["TrainingJobId"] for j in listed.json()["TrainingJobs"]] == [job_id]
        assert_valid_response("PaiStudio", "ListTrainingJobs", listed.json())
        # The seed's UpdateTrainingJobLabels example: the id as a trailing path segment, then `labels`.
        updated = http.post(f"{GW}/UpdateTrainingJobLabels/{job_id}/labels",
                            json={"Labels": [{"Key": "RootModelID", "Value": "model-ad8cv770kl"}]})
        assert updated.status_code == 200, updated.text
        assert_valid_response("PaiStudio", "UpdateTrainingJobLabels", updated.json())
        got = http.get(f"{GW}/GetTrainingJob/{job_id}").json()
        assert {"Key": "RootModelID", "Value": "model-ad8cv770kl"} in got["Labels"]
        # The same operation with the id in the query instead of the path.
        got2 = http.get(f"{GW}/GetTrainingJob", params={"TrainingJobId": job_id})
        assert got2.json()["TrainingJobId"] == job_id
        deleted = http.delete(f"{GW}/DeleteTrainingJobLabels", params={"TrainingJobId": job_id, "Keys": "RootModelID"})
        assert deleted.status_code == 200
        assert all(l["Key"] != "RootModelID" for l in http.get(f"{GW}/GetTrainingJob/{job_id}").json().get("Labels", []))
        stop = http.put(f"{GW}/StopTrainingJob/{job_id}")
        assert stop.status_code == 200
        assert http.get(f"{GW}/GetTrainingJob/{job_id}").json()["Status"] == "Terminated"
        assert http.delete(f"{GW}/DeleteTrainingJob/{job_id}").status_code == 200
        assert_error(http.get(f"{GW}/GetTrainingJob/{job_id}"), 404, "NotFound.TrainingJob")


def test_gateway_product_names_are_case_insensitive(fakepai):
    with fakepai.http() as http:
        for product in ("PaiStudio", "paistudio", "PAISTUDIO"):
            assert http.get(f"/api/{product}/2022-01-12/ListTrainingJobs").status_code == 200


def test_gateway_and_native_errors(fakepai):
    with fakepai.http() as http:
        assert_error(http.get(f"{GW}/NoSuchAction"), 404, "InvalidApi.NotFound")
        assert_error(http.get("/api/PaiStudio/1999-01-01/ListTrainingJobs"), 404, "InvalidApi.NotFound")
        assert_error(http.post(f"{GW}/ListTrainingJobs"), 404, "InvalidApi.NotFound")     # wrong method
        assert_error(http.get("/api/v1/nothing-here"), 404, "InvalidApi.NotFound")
        body = assert_error(http.get(f"{GW}/ListTrainingJobs", params={"PageSize": "ten"}), 400, "InvalidParameter")
        assert "PageSize" in body["Message"]
        assert_error(http.post(f"{GW}/CreateTrainingJob", content=b"{not json", headers={"Content-Type": "application/json"}),
                     400, "InvalidParameter")
        assert_error(http.post(f"{GW}/CreateTrainingJob", json=[1, 2]), 400, "InvalidParameter")


def test_an_ended_job_still_shows_every_later_label_change(fakepai, paistudio_client):
    """Ended jobs' bodies are cached; changes through the API must still show at once, even at one
    frozen instant (so the cache cannot key on modification times)."""
    fakepai.freeze_clock()
    job_id = create(paistudio_client)
    fakepai.advance(3600)
    assert get(paistudio_client, job_id)["Status"] == "Succeed"
    for value in ("1", "2"):
        paistudio_client.update_training_job_labels(job_id, m.UpdateTrainingJobLabelsRequest(
            labels=[m.UpdateTrainingJobLabelsRequestLabels(key="k", value=value)]))
        assert get(paistudio_client, job_id)["Labels"] == [{"Key": "k", "Value": value}]
    paistudio_client.delete_training_job_labels(job_id, m.DeleteTrainingJobLabelsRequest(keys="k"))
    assert get(paistudio_client, job_id)["Labels"] == []
