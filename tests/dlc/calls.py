"""What the pai-dlc tests share: making and reading jobs through the official SDK, gateway calls
checked against their schema, walking a job along the frozen clock, and the seed's template body."""
from __future__ import annotations

import re

from alibabacloud_pai_dlc20201203 import models as m

from tests.helpers import assert_valid_response

GW = "/api/pai-dlc/2020-12-03"
JOB_ID = re.compile(r"^dlc[a-z0-9]{13}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# The seed's "Create Job Template - Curl" body, byte for byte (seed/000_e16a0b0363784901.txt).
SEED_CREATE_BODY = r'''{
  "TemplateName": "job-template-example-1778047****",
  "Description": "Template description",
  "WorkspaceId": "15****05",
  "Metadata": {},
  "Content": "{\"WorkspaceId\":\"15****05\",\"JobType\":\"PyTorchJob\",\"UserCommand\":\"echo hello\",\"JobSpecs\":[{\"Type\":\"Worker\",\"PodCount\":1,\"Image\":\"dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai/pytorch:2.8.0-gpu-py313-cu129-ubuntu22.04-3995b779-1764361782\",\"EcsSpec\":\"ecs.gn7i-c8g1.2xlarge\"}],\"ResourceType\":\"ECS\",\"_ResourcePaymentType\":\"PostPaid\",\"CredentialConfig\":{\"EnableCredentialInject\":false},\"Accessibility\":\"PRIVATE\",\"Settings\":{\"JobReservedMinutes\":0,\"Tags\":{}}}",
  "Constraints": {"JobSpecs[0].Image":"locked","UserCommand":"locked","JobType":"locked"}
}'''


def spec(type="Worker", pod_count=1, ecs_spec="ecs.gn7i-c8g1.2xlarge", **kw) -> m.JobSpec:
    kw.setdefault("image", "registry.cn-hangzhou.aliyuncs.com/pai-dlc/pytorch-training:1.12-gpu")
    return m.JobSpec(type=type, pod_count=pod_count, ecs_spec=ecs_spec, **kw)


def create(client, name="job", **kw) -> str:
    kw.setdefault("job_type", "PyTorchJob")
    kw.setdefault("user_command", "python /root/code/train.py --epochs 3")
    kw.setdefault("job_specs", [spec()])
    kw.setdefault("workspace_id", "86995")
    resp = client.create_job(m.CreateJobRequest(display_name=name, **kw))
    assert_valid_response("pai-dlc", "CreateJob", resp.body.to_map())
    assert JOB_ID.match(resp.body.job_id), resp.body.job_id
    return resp.body.job_id


def get(client, job_id, need_detail=None) -> dict:
    body = client.get_job(job_id, m.GetJobRequest(need_detail=need_detail)).body.to_map()
    assert_valid_response("pai-dlc", "GetJob", body)
    return body


def call(http, action: str, method: str = "GET", **params) -> dict:
    """A gateway call that must succeed; its wire body is checked against the response schema."""
    if method == "GET":
        resp = http.get(f"{GW}/{action}", params=params)
    else:
        resp = http.request(method, f"{GW}/{action}", json=params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert_valid_response("pai-dlc", action, body)
    return body


def walk(fakepai, client, job_id, until, step=5.0, limit=2000) -> list[str]:
    """Advance the frozen clock `step` seconds at a time until the job's status is one of `until`;
    returns the statuses it went through, from its StatusHistory (so none is missed between
    two samples)."""
    for _ in range(limit):
        job = get(client, job_id)
        if job["Status"] in until:
            return [h["Status"] for h in job["StatusHistory"]]
        fakepai.advance(step)
    raise AssertionError(f"{job_id} never reached {until}: {job['Status']}")
