"""Response fields derived from what a resource names: PaiStudio ComputeResource.ResourceName and
ExperimentConfig.ExperimentName, DLC TensorBoard QuotaName and sharing Token; plus TensorBoards
reading their source job from the job store. Official SDKs and the gateway URL form."""
from __future__ import annotations

import base64
import json

from alibabacloud_pai_dlc20201203 import models as dlc
from alibabacloud_paistudio20220112 import models as studio

from fakepai.services.dlc.tensorboards import CREATING_SECONDS, TOKEN_SECONDS
from fakepai.timestamps import parse_iso
from tests.helpers import assert_error, assert_valid_response

WS = "86995"
QUOTA = "quotam670lixikcl"
EXPERIMENT = "exp-ds9aefia90v"
STUDIO = "/api/PaiStudio/2022-01-12"
DLC = "/api/pai-dlc/2020-12-03"
OSS = "oss://my-bucket.oss-cn-hangzhou.aliyuncs.com/runs/"


# -- PaiStudio training jobs -------------------------------------------------------------------

def _create_training_job(client, **kw) -> str:
    request = studio.CreateTrainingJobRequest(
        training_job_name="named", workspace_id=WS, algorithm_name="pytorch_ddp", algorithm_provider="pai",
        algorithm_version="v0.1.0", **kw)
    body = client.create_training_job(request).body
    assert_valid_response("PaiStudio", "CreateTrainingJob", body.to_map())
    return body.training_job_id


def _get_and_list_item(client, job_id):
    """(GetTrainingJob body model, its ListTrainingJobs item model), both schema-checked."""
    got = client.get_training_job(job_id).body
    assert_valid_response("PaiStudio", "GetTrainingJob", got.to_map())
    listed = client.list_training_jobs(studio.ListTrainingJobsRequest(workspace_id=WS, training_job_id=job_id)).body
    assert_valid_response("PaiStudio", "ListTrainingJobs", listed.to_map())
    (item,) = listed.training_jobs
    return got, item


def test_quota_job_shows_resource_name_and_experiment_name_in_get_and_list(fakepai, paistudio_client):
    fakepai.freeze_clock()
    job_id = _create_training_job(
        paistudio_client,
        compute_resource=studio.CreateTrainingJobRequestComputeResource(
            resource_id=QUOTA, instance_count=1,
            instance_spec=studio.CreateTrainingJobRequestComputeResourceInstanceSpec(cpu="8", memory="32")),
        experiment_config=studio.CreateTrainingJobRequestExperimentConfig(experiment_id=EXPERIMENT))
    for _ in range(2):   # while it runs, then once it has ended (an ended job's body is kept)
        got, item = _get_and_list_item(paistudio_client, job_id)
        for model in (got, item):
            assert model.compute_resource.resource_id == QUOTA
            assert model.compute_resource.resource_name == QUOTA
            assert model.experiment_config.experiment_id == EXPERIMENT
            assert model.experiment_config.experiment_name == EXPERIMENT
        fakepai.advance(3600)
    assert got.status == "Succeed"


def test_public_job_has_no_resource_name_and_no_experiment(fakepai, paistudio_client):
    job_id = _create_training_job(paistudio_client, compute_resource=studio.CreateTrainingJobRequestComputeResource(
        ecs_spec="ecs.gn7i-c8g1.2xlarge", ecs_count=1))
    got, item = _get_and_list_item(paistudio_client, job_id)
    for model in (got, item):
        assert model.compute_resource.ecs_spec == "ecs.gn7i-c8g1.2xlarge"
        assert model.compute_resource.resource_name is None
        assert model.experiment_config is None


def test_training_job_names_through_the_gateway(fakepai):
    with fakepai.http() as http:
        created = http.post(f"{STUDIO}/CreateTrainingJob", json={
            "TrainingJobName": "gw-named", "WorkspaceId": WS, "AlgorithmName": "pytorch_ddp",
            "AlgorithmProvider": "pai",
            "ComputeResource": {"ResourceId": QUOTA, "InstanceCount": 2, "InstanceSpec": {"CPU": "4", "Memory": "16"}},
            "ExperimentConfig": {"ExperimentId": EXPERIMENT}})
        assert created.status_code == 200, created.text
        job_id = created.json()["TrainingJobId"]
        got = http.get(f"{STUDIO}/GetTrainingJob/{job_id}").json()
        assert_valid_response("PaiStudio", "GetTrainingJob", got)
        listed = http.get(f"{STUDIO}/ListTrainingJobs", params={"WorkspaceId": WS}).json()
        assert_valid_response("PaiStudio", "ListTrainingJobs", listed)
    (item,) = listed["TrainingJobs"]
    for body in (got, item):
        assert body["ComputeResource"]["ResourceName"] == QUOTA
        assert body["ComputeResource"]["InstanceCount"] == 2
        assert body["ExperimentConfig"] == {"ExperimentId": EXPERIMENT, "ExperimentName": EXPERIMENT}


# -- DLC TensorBoards --------------------------------------------------------------------------

def _claims(token: str) -> dict:
    header, payload, signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "HS256", "typ": "JWT"}
    assert len(base64.urlsafe_b64decode(signature + "==")) == 32          # an HMAC-SHA256
    return json.loads(base64.urlsafe_b64decode(payload + "=="))


def _get_tensorboard(client, tb_id, **kw):
    body = client.get_tensorboard(tb_id, dlc.GetTensorboardRequest(workspace_id=WS, **kw)).body
    assert_valid_response("pai-dlc", "GetTensorboard", body.to_map())
    return body


def _list_tensorboards(client, **kw):
    body = client.list_tensorboards(dlc.ListTensorboardsRequest(workspace_id=WS, **kw)).body
    assert_valid_response("pai-dlc", "ListTensorboards", body.to_map())
    return body.tensorboards


def test_tensorboard_quota_name_and_a_stable_sharing_token(fakepai, dlc_client):
    fakepai.freeze_clock()
    tb_id = dlc_client.create_tensorboard(dlc.CreateTensorboardRequest(
        workspace_id=WS, uri=OSS, quota_id="quota12345", display_name="with-quota")).body.tensorboard_id
    got = _get_tensorboard(dlc_client, tb_id)
    assert (got.quota_id, got.quota_name) == ("quota12345", "quota12345")
    claims = _claims(got.token)
    assert claims == {"exp": claims["iat"] + TOKEN_SECONDS, "iat": int(parse_iso(got.gmt_create_time)),
                      "user_id": got.user_id, "target_id": tb_id, "target_type": "tensorboard"}
    fakepai.advance(CREATING_SECONDS + 5)
    # The same token on every read of one run: Get (with the token, a wrong one, or none) and List.
    assert _get_tensorboard(dlc_client, tb_id, token=got.token).token == got.token
    assert _get_tensorboard(dlc_client, tb_id, token="not-a-token").status == "Running"
    for verbose in (True, False):
        (item,) = _list_tensorboards(dlc_client, verbose=verbose)
        assert (item.token, item.quota_name) == (got.token, "quota12345")
    # A new run (StartTensorboard) is issued a new token.
    dlc_client.stop_tensorboard(tb_id, dlc.StopTensorboardRequest(workspace_id=WS))
    fakepai.advance(60)
    assert _get_tensorboard(dlc_client, tb_id).token == got.token
    dlc_client.start_tensorboard(tb_id, dlc.StartTensorboardRequest(workspace_id=WS))
    restarted = _get_tensorboard(dlc_client, tb_id)
    assert restarted.token != got.token
    assert _claims(restarted.token)["iat"] == claims["iat"] + CREATING_SECONDS + 5 + 60


def test_tensorboard_without_quota_has_no_quota_name(fakepai, dlc_client):
    tb_id = dlc_client.create_tensorboard(dlc.CreateTensorboardRequest(workspace_id=WS, uri=OSS)).body.tensorboard_id
    got = _get_tensorboard(dlc_client, tb_id)
    assert got.quota_id is None and got.quota_name is None
    assert _claims(got.token)["target_id"] == tb_id


def test_tensorboard_fields_through_the_gateway(fakepai):
    with fakepai.http() as http:
        created = http.post(f"{DLC}/CreateTensorboard", json={"WorkspaceId": WS, "Uri": OSS, "QuotaId": "quotaA"})
        assert created.status_code == 200, created.text
        tb_id = created.json()["TensorboardId"]
        got = http.get(f"{DLC}/GetTensorboard/{tb_id}", params={"WorkspaceId": WS}).json()
        assert_valid_response("pai-dlc", "GetTensorboard", got)
        listed = http.get(f"{DLC}/ListTensorboards", params={"WorkspaceId": WS}).json()
        assert_valid_response("pai-dlc", "ListTensorboards", listed)
    (item,) = listed["Tensorboards"]
    for body in (got, item):
        assert body["QuotaName"] == "quotaA"
        assert body["Token"] == got["Token"] and _claims(body["Token"])["target_id"] == tb_id


def test_tensorboard_from_a_job_takes_its_name_and_workspace(fakepai, dlc_client):
    fakepai.freeze_clock()
    spec = dlc.JobSpec(type="Worker", pod_count=1, image="registry.cn-hangzhou.aliyuncs.com/pai/pytorch:2.1",
                       ecs_spec="ecs.gn7i-c8g1.2xlarge")
    job_id = dlc_client.create_job(dlc.CreateJobRequest(
        display_name="resnet-run", job_type="PyTorchJob", job_specs=[spec], user_command="python train.py",
        workspace_id="777")).body.job_id
    with fakepai.http() as http:
        created = http.post(f"{DLC}/CreateTensorboard", json={"JobId": job_id})
        assert created.status_code == 200, created.text
        got = http.get(f"{DLC}/GetTensorboard/{created.json()['TensorboardId']}").json()
        assert_valid_response("pai-dlc", "GetTensorboard", got)
        assert (got["DisplayName"], got["WorkspaceId"], got["JobId"]) == ("resnet-run", "777", job_id)
        # A deleted job is gone for TensorBoards too.
        fakepai.advance(3600)
        assert http.delete(f"{DLC}/DeleteJob/{job_id}").status_code == 200
        assert_error(http.post(f"{DLC}/CreateTensorboard", json={"JobId": job_id}), 404, "NotFound")
