"""pai-dlc job events, pod events and pod logs: timestamped lines consistent with the job's plan,
through the official SDK and the gateway form."""
from __future__ import annotations

import re

from alibabacloud_pai_dlc20201203 import models as m

from tests.helpers import assert_error, assert_valid_response, sdk_error
from tests.dlc.calls import GW, call, create, get, spec, walk

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d .+")


def logs(client, job_id, pod_id, **kw) -> dict:
    body = client.get_pod_logs(job_id, pod_id, m.GetPodLogsRequest(**kw)).body.to_map()
    assert_valid_response("pai-dlc", "GetPodLogs", body)
    assert all(LINE.match(line) for line in body["Logs"])
    return body


def test_job_events_tell_the_story_of_the_plan(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    job_id = create(dlc_client, "story", job_specs=[spec(pod_count=2)])
    walk(fakepai, dlc_client, job_id, {"Succeeded"}, step=20)
    body = dlc_client.get_job_events(job_id, m.GetJobEventsRequest()).body.to_map()
    assert_valid_response("pai-dlc", "GetJobEvents", body)
    events = body["Events"]
    assert all(LINE.match(e) for e in events) and [e[:19] for e in events] == sorted(e[:19] for e in events)
    texts = [e[20:] for e in events]
    assert texts[0] == f"Job {job_id} is created."
    assert f"Created pod: {job_id}-worker-0" in texts and f"Created pod: {job_id}-worker-1" in texts
    assert texts.index("Job is running.") > texts.index(f"Created pod: {job_id}-worker-1")
    assert texts[-1] == "Job succeeded."
    assert call(gw, "GetJobEvents", JobId=job_id, MaxEventsNum=2)["Events"] == events[:2]
    # The window: nothing before StartTime, nothing after EndTime.
    assert call(gw, "GetJobEvents", JobId=job_id, StartTime="2000-01-01T00:00:00Z",
                EndTime="2000-01-02T00:00:00Z")["Events"] == []
    assert_error(gw.get(f"{GW}/GetJobEvents", params={"JobId": job_id, "MaxEventsNum": 10001}), 400, "InvalidParameter")
    assert_error(gw.get(f"{GW}/GetJobEvents", params={"JobId": job_id, "StartTime": "soon"}), 400, "InvalidParameter")


def test_pod_logs_pull_start_train_and_exit(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = create(dlc_client, "trainer", user_command="python train.py --lr 0.1",
                    data_sources=[m.CreateJobRequestDataSources(uri="oss://bucket/data/", mount_path="/mnt/data")])
    pod = f"{job_id}-worker-0"
    assert logs(dlc_client, job_id, pod)["Logs"] == []                  # not scheduled yet
    walk(fakepai, dlc_client, job_id, {"Succeeded"}, step=20)
    body = logs(dlc_client, job_id, pod)
    assert body["PodUid"] == get(dlc_client, job_id)["Pods"][0]["PodUid"]
    assert body["ContainerInfo"] == {"MainContainer": "pytorch", "SidecarContainers": []}
    assert body["Containers"] == "pytorch"
    text = [line[20:] for line in body["Logs"]]
    assert text[0].startswith("[dlc] Pulling image registry.cn-hangzhou.aliyuncs.com/pai-dlc/pytorch-training")
    assert "+ python train.py --lr 0.1" in text and "Reading data from /mnt/data (oss://bucket/data/)." in text
    progress = [t for t in text if t.startswith("Epoch ")]
    assert len(progress) >= 3
    losses = [float(re.search(r"loss=([\d.]+)", t).group(1)) for t in progress]
    assert losses[-1] < losses[0]                                        # training makes progress
    assert text[-1] == "[dlc] Process exited with code 0."
    # MaxLines keeps the NEWEST lines of the window: the log tail the aiops skill docs read with it
    # (docs/clients.md); EndTime moves the tail back, StartTime still narrows the window.
    tail = logs(dlc_client, job_id, pod, max_lines=3)["Logs"]
    assert tail == body["Logs"][-3:] and tail[-1].endswith("[dlc] Process exited with code 0.")
    second_epoch = body["Logs"][text.index(progress[1])]          # 10 s after the first progress line
    until = logs(dlc_client, job_id, pod, end_time=_utc(second_epoch))["Logs"]
    assert 2 < len(until) < len(body["Logs"]) and until == body["Logs"][:len(until)]
    assert logs(dlc_client, job_id, pod, max_lines=2, end_time=_utc(second_epoch))["Logs"] == until[-2:]
    later = logs(dlc_client, job_id, pod, start_time=_utc(body["Logs"][5]))["Logs"]
    assert later == [line for line in body["Logs"] if line[:19] >= body["Logs"][5][:19]]


def _utc(line: str) -> str:
    """A log line's +08:00 stamp as the UTC ISO time the API takes."""
    from datetime import datetime, timedelta, timezone
    local = datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone(timedelta(hours=8)))
    return local.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_logs_are_append_only_while_the_job_runs(fakepai, dlc_client):
    fakepai.freeze_clock()
    job_id = create(dlc_client, settings=m.JobSettings(tags={"fakepai.outcome": "hang"}))
    walk(fakepai, dlc_client, job_id, {"Running"})
    pod = f"{job_id}-worker-0"
    before = logs(dlc_client, job_id, pod)["Logs"]
    fakepai.advance(3600)
    after = logs(dlc_client, job_id, pod, max_lines=10000)["Logs"]
    assert after[:len(before)] == before and len(after) > len(before) + 300


def test_failed_and_stopped_jobs_end_their_logs_accordingly(fakepai, dlc_client):
    fakepai.freeze_clock()
    failed = create(dlc_client, "boom", settings=m.JobSettings(tags={"fakepai.outcome": '{"result": "fail", "reasonMessage": "CUDA out of memory"}'}))
    walk(fakepai, dlc_client, failed, {"Failed"}, step=20)
    text = [line[20:] for line in logs(dlc_client, failed, f"{failed}-worker-0")["Logs"]]
    assert "Traceback (most recent call last):" in text and "RuntimeError: CUDA out of memory" in text
    assert text[-1] == "[dlc] Process exited with code 1."
    stopped = create(dlc_client, "halt", settings=m.JobSettings(tags={"fakepai.outcome": "hang"}))
    walk(fakepai, dlc_client, stopped, {"Running"})
    fakepai.advance(15)
    dlc_client.stop_job(stopped)
    fakepai.advance(15)
    text = [line[20:] for line in logs(dlc_client, stopped, f"{stopped}-worker-0")["Logs"]]
    assert "[dlc] Received SIGTERM: the job is being stopped." in text
    events = dlc_client.get_pod_events(stopped, f"{stopped}-worker-0", m.GetPodEventsRequest()).body.events
    assert events[-1].endswith("Stopping container pytorch")


def test_pod_events_and_sidecar_containers(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    sidecar = m.ExtraPodSpec(side_car_containers=[m.ContainerSpec(name="log-agent", image="agent:1")])
    job_id = create(dlc_client, job_type="TFJob", job_specs=[spec(extra_pod_spec=sidecar)])
    walk(fakepai, dlc_client, job_id, {"Succeeded"}, step=20)
    pod = f"{job_id}-worker-0"
    body = dlc_client.get_pod_events(job_id, pod, m.GetPodEventsRequest()).body.to_map()
    assert_valid_response("pai-dlc", "GetPodEvents", body)
    texts = [e[20:] for e in body["Events"]]
    assert texts[0].startswith(f"Successfully assigned pai-dlc/{pod} to cn-hangzhou.")
    assert "Successfully pulled image." in texts and "Started container tensorflow" in texts
    assert texts[-1] == "Container tensorflow completed (exit code 0)."
    assert call(gw, "GetPodEvents", JobId=job_id, PodId=pod, MaxEventsNum=1)["Events"] == body["Events"][:1]
    both = call(gw, "GetPodLogs", JobId=job_id, PodId=pod, Containers="tensorflow,log-agent")
    assert both["ContainerInfo"] == {"MainContainer": "tensorflow", "SidecarContainers": ["log-agent"]}
    assert any("[log-agent] sidecar started." in line for line in both["Logs"])
    only = call(gw, "GetPodLogs", JobId=job_id, PodId=pod, Containers="log-agent", DownloadToFile="true")
    assert [line[20:] for line in only["Logs"]] == ["[log-agent] sidecar started.", "[log-agent] sidecar stopped."]
    uid = body["PodUid"]
    assert call(gw, "GetPodLogs", JobId=job_id, PodId=pod, PodUid=uid)["PodUid"] == uid
    for params, status, code in [
        ({"JobId": job_id, "PodId": pod, "Containers": "nginx"}, 400, "InvalidParameter"),
        ({"JobId": job_id, "PodId": pod, "MaxLines": 0}, 400, "InvalidParameter"),
        ({"JobId": job_id, "PodId": pod, "PodUid": "00000000-0000-4000-8000-000000000000"}, 404, "NotFound"),
        ({"JobId": job_id, "PodId": f"{job_id}-worker-7"}, 404, "NotFound"),
        ({"JobId": "dlcnosuchjob0000", "PodId": pod}, 404, "NotFound"),
    ]:
        assert_error(gw.get(f"{GW}/GetPodLogs", params=params), status, code)
    assert_error(gw.get(f"{GW}/GetPodEvents", params={"JobId": job_id, "PodId": "nope"}), 404, "NotFound")
    # The gateway form fills both path parameters from trailing segments too.
    resp = gw.get(f"{GW}/GetPodLogs/{job_id}/{pod}")
    assert resp.status_code == 200 and resp.json()["PodId"] == pod
    assert sdk_error(lambda: dlc_client.get_pod_logs(job_id, "nope", m.GetPodLogsRequest())).code == "NotFound"


def test_settings_show_in_the_pod_and_the_job(fakepai, dlc_client, gw):
    fakepai.freeze_clock()
    settings = m.JobSettings(driver="470.82.01", enable_rdma=True, enable_oss_append=True, enable_tide_resource=True,
                             enable_error_monitoring_in_aimaster=True,
                             error_monitoring_args="--enable-job-restart=True --max-num-of-job-restart=3",
                             advanced_settings={"ReleaseResourcePolicy": "ImmediatelyAfterJobEnd"}, oversold_type="AcceptQuotaOverSold")
    job_id = create(dlc_client, "tuned", settings=settings)
    walk(fakepai, dlc_client, job_id, {"Succeeded"}, step=20)
    job = get(dlc_client, job_id)
    assert job["RestartTimes"] == "0/3"                              # the AIMaster restart budget
    assert job["Settings"]["AdvancedSettings"] == {"ReleaseResourcePolicy": "ImmediatelyAfterJobEnd"}
    assert job["Settings"]["Driver"] == "470.82.01" and job["Settings"]["OversoldType"] == "AcceptQuotaOverSold"
    text = [line[20:] for line in logs(dlc_client, job_id, f"{job_id}-worker-0")["Logs"]]
    assert "[dlc] NVIDIA driver 470.82.01: 1 x A10 visible." in text
    assert any(t.startswith("[dlc] RDMA is enabled") for t in text) and any(t.startswith("[dlc] OSS append") for t in text)
    assert "[aimaster] Fault-tolerance monitoring is enabled (--enable-job-restart=True --max-num-of-job-restart=3)." in text
    events = call(gw, "GetJobEvents", JobId=job_id)["Events"]
    assert any("idle (tide) resources" in e for e in events)
    ids = [j["JobId"] for j in call(gw, "ListJobs", OversoldInfo="AcceptQuotaOverSold-false")["Jobs"]]
    assert ids == [job_id] and call(gw, "ListJobs", OversoldInfo="AcceptQuotaOverSold-true")["Jobs"] == []
    bad = {"DisplayName": "x", "JobType": "PyTorchJob", "UserCommand": "run", "Settings": {"Driver": "390.12"},
           "JobSpecs": [{"Type": "Worker", "EcsSpec": "ecs.gn7i-c8g1.2xlarge"}]}
    assert "Settings.Driver" in assert_error(gw.post(f"{GW}/CreateJob", json=bad), 400, "InvalidParameter")["Message"]
