"""PaiStudio jobs that live in time: logs, events, training and instance metrics, output models and
error info, through the official SDK and the seed's gateway URL form, on a frozen clock."""
from __future__ import annotations

import re
import time

import pytest
from alibabacloud_paistudio20220112 import models as m

from fakepai.timestamps import iso_z
from tests.helpers import assert_error, assert_valid_response, sdk_error

WS = "86995"
GW = "/api/PaiStudio/2022-01-12"
T0 = 1_700_000_000.0
LOSS_RE = r".*train:loss=([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*"     # the reference's example
ACC_RE = r"acc: (\d+\.\d+)"
SPEC = {
    "Command": ["python", "train.py"], "Image": "pytorch:2.1", "JobType": "PyTorchJob",
    "MetricDefinitions": [{"Name": "loss", "Regex": LOSS_RE}, {"Name": "acc", "Regex": ACC_RE}],
    "ProgressDefinitions": {"OverallProgress": {"Regex": r"progress=([0-9.]+)"},
                            "RemainingTime": {"Regex": r"eta=(\d+)s"}},
}
MODEL_URI = "oss://bucket.oss-cn-hangzhou-internal.aliyuncs.com/out/model/"
TERMINAL = {"Succeed", "Failed", "Terminated", "CreateFailed", "InitializeFailed"}


def create(client, name="job", labels=None, count=1, spec=SPEC, **extra) -> str:
    body = {"TrainingJobName": name, "WorkspaceId": WS, "AlgorithmSpec": spec,
            "ComputeResource": {"EcsSpec": "ecs.gn7i-c8g1.2xlarge", "EcsCount": count},
            "InputChannels": [{"Name": "train", "InputUri": "oss://bucket/data/train/"}],
            "OutputChannels": [{"Name": "model", "OutputUri": MODEL_URI}],
            "Labels": [{"Key": k, "Value": v} for k, v in (labels or {}).items()], **extra}
    resp = client.create_training_job(m.CreateTrainingJobRequest().from_map(body))
    return ok("CreateTrainingJob", resp)["TrainingJobId"]


def ok(action: str, resp) -> dict:
    body = resp.body.to_map()
    assert_valid_response("PaiStudio", action, body)
    return body


def get(client, job_id) -> dict:
    return ok("GetTrainingJob", client.get_training_job(job_id))


def logs(client, job_id, **kw) -> dict:
    kw.setdefault("page_size", 2000)
    return ok("ListTrainingJobLogs", client.list_training_job_logs(job_id, m.ListTrainingJobLogsRequest(**kw)))


def all_logs(client, job_id, **kw) -> list[str]:
    return logs(client, job_id, **kw)["Logs"]


def metrics(client, job_id, **kw) -> dict:
    kw.setdefault("page_size", 100)
    return ok("ListTrainingJobMetrics", client.list_training_job_metrics(job_id, m.ListTrainingJobMetricsRequest(**kw)))


def run_until(fakepai, client, job_id, statuses, step=1.0, limit=400) -> list[str]:
    seen: list[str] = []
    for _ in range(limit):
        status = get(client, job_id)["Status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in statuses:
            return seen
        fakepai.advance(step)
    raise AssertionError(f"{job_id} never reached {statuses}: {seen}")


def read(pattern: str, lines: list[str]) -> list[float]:
    return [float(mt.group(1)) for mt in (re.search(pattern, line) for line in lines) if mt]


@pytest.fixture
def frozen(fakepai):
    fakepai.set_clock(now=T0, speed=0.0)
    return fakepai


# --- a job's life, seen through its logs ---------------------------------------------------------

def test_logs_page_stably_while_the_job_runs_to_succeed(frozen, paistudio_client):
    client = paistudio_client
    job = create(client, "mnist", count=2)
    # No instance before the job is submitted: the code Alibaba's SDK treats as an empty page.
    err = sdk_error(lambda: client.list_training_job_logs(job, m.ListTrainingJobLogsRequest()))
    assert (err.code, err.status_code) == ("TRAINING_JOB_INSTANCE_NOT_FOUND", 404)
    seen, history = [], []
    while True:
        status = get(client, job)["Status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in ("Submitted", "Running", "Succeed"):
            page = logs(client, job)
            assert page["TotalCount"] == str(len(page["Logs"]))       # a string: spec quirk
            assert page["Logs"][:len(history)] == history             # append-only: the past never changes
            history = page["Logs"]
            first = logs(client, job, page_number=2, page_size=20)["Logs"]
            assert first == history[20:40]                            # pages are slices of one sequence
        if status == "Succeed":
            break
        frozen.advance(1)
    assert seen == ["Creating", "Created", "Initializing", "Submitted", "Running", "Succeed"]
    assert history[0].startswith("You are using pip version")
    assert history[-1] == f"Training finished. Model saved to {MODEL_URI}"
    frozen.advance(3600)
    assert all_logs(client, job) == history                           # nothing after the end
    assert logs(client, job, page_number=99, page_size=100)["Logs"] == []
    # The worker has its own stream; an instance the job does not have is not found.
    worker = all_logs(client, job, instance_id=f"{job}-worker-0")
    assert worker[-1] == f"{job}-worker-0: training finished." and worker != history
    assert all_logs(client, job, worker_id=f"{job}-worker-0") == worker
    err = sdk_error(lambda: client.list_training_job_logs(job, m.ListTrainingJobLogsRequest(instance_id=f"{job}-worker-9")))
    assert err.code == "TRAINING_JOB_INSTANCE_NOT_FOUND"
    # A time window keeps the lines printed in it.
    running = get(client, job)["StatusTransitions"][4]
    assert running["Status"] == "Running"
    window = all_logs(client, job, start_time=running["StartTime"], end_time=iso_z(T0 + 8 + 2))
    assert window and set(window) <= set(history) and len(window) < len(history)


def test_metrics_and_progress_follow_the_regexes(frozen, paistudio_client):
    client = paistudio_client
    job = create(client, "curves", labels={"fakepai.outcome": "succeed@30"})
    frozen.advance(8 + 12)                                            # 12 s into Running
    mid = get(client, job)
    lines = all_logs(client, job)
    latest = {x["Name"]: x for x in mid["LatestMetrics"]}
    assert latest["loss"]["Value"] == read(LOSS_RE, lines)[-1]
    assert latest["acc"]["Value"] == read(ACC_RE, lines)[-1]
    progress = mid["LatestProgress"]
    assert 0 < progress["OverallProgress"]["Value"] < 1 and progress["RemainingTime"]["Value"] > 0
    assert progress["OverallProgress"]["Value"] == read(r"progress=([0-9.]+)", lines)[-1]
    run_until(frozen, client, job, TERMINAL)
    lines = all_logs(client, job)
    # Every point is what the metric's regex reads from the log, in order.
    asc = metrics(client, job, name="loss", order="ASC")
    assert asc["TotalCount"] == len(asc["Metrics"]) == 29       # one a second, after a 1-second start-up header
    assert [x["Value"] for x in asc["Metrics"]] == read(LOSS_RE, lines)
    acc = [x["Value"] for x in metrics(client, job, name="acc", order="asc")["Metrics"]]
    assert acc == read(ACC_RE, lines)
    loss = [x["Value"] for x in asc["Metrics"]]
    assert loss[0] > loss[15] > loss[-1] and acc[0] < acc[15] < acc[-1]          # losses fall, accuracies rise
    times = [x["Timestamp"] for x in asc["Metrics"]]
    assert times == sorted(times) and times[0] >= mid["StatusTransitions"][4]["StartTime"]
    # Default order DESC, both metrics interleaved, paged by 100 at most.
    both = metrics(client, job)
    assert both["TotalCount"] == 58 and both["Metrics"][0]["Timestamp"] == times[-1]
    page2 = metrics(client, job, page_number=2, page_size=25)["Metrics"]
    assert page2 == both["Metrics"][25:50]
    window = metrics(client, job, name="loss", start_time=times[5], end_time=times[9], order="ASC")
    assert [x["Timestamp"] for x in window["Metrics"]] == times[5:10]
    # Latest: the last point of each; `Names` filters, comma-separated.
    final = get(client, job)
    assert {x["Name"]: x["Value"] for x in final["LatestMetrics"]} == {"loss": loss[-1], "acc": acc[-1]}
    assert final["LatestProgress"]["OverallProgress"]["Value"] == 1.0
    assert final["LatestProgress"]["RemainingTime"]["Value"] == 0
    only = ok("GetTrainingJobLatestMetrics", client.get_training_job_latest_metrics(
        job, m.GetTrainingJobLatestMetricsRequest(names="loss")))
    assert only["Metrics"] == [{"Name": "loss", "Value": loss[-1], "Timestamp": times[-1]}]
    pair = client.get_training_job_latest_metrics(job, m.GetTrainingJobLatestMetricsRequest(names="loss, acc"))
    assert {x.name for x in pair.body.metrics} == {"loss", "acc"}
    assert client.get_training_job_latest_metrics(job, m.GetTrainingJobLatestMetricsRequest(names="nope")).body.metrics == []
    with pytest.raises(Exception) as info:
        client.list_training_job_metrics(job, m.ListTrainingJobMetricsRequest(page_size=101))
    assert info.value.code == "InvalidParameter"


def test_no_metric_definitions_no_metrics(frozen, paistudio_client):
    job = create(paistudio_client, "plain", spec={"Command": ["python", "t.py"], "Image": "i", "JobType": "PyTorchJob"})
    frozen.advance(20)
    assert all_logs(paistudio_client, job)                       # it still prints
    assert metrics(paistudio_client, job)["TotalCount"] == 0
    assert "LatestProgress" not in get(paistudio_client, job)


def test_succeeded_job_exposes_its_output_model(frozen, paistudio_client):
    client = paistudio_client
    job = create(client, "model", labels={"team": "cv"})
    frozen.advance(5)
    none = client.list_training_job_output_models(job).body.to_map()
    assert none == {"OutputModels": []}
    run_until(frozen, client, job, TERMINAL)
    body = client.list_training_job_output_models(job).body.to_map()
    assert_valid_response("PaiStudio", "ListTrainingJobOutputModels", body)
    assert "RequestId" not in body                                 # the response model has none [SDK-ST]
    [model] = body["OutputModels"]
    final = {x["Name"]: x["Value"] for x in get(client, job)["LatestMetrics"]}
    assert model["OutputChannelName"] == "model" and model["Uri"] == MODEL_URI
    assert model["Labels"] == [{"Key": "team", "Value": "cv"}]
    assert model["Metrics"] == {"Results": [{"Dataset": {"train": "oss://bucket/data/train/"}, "Metrics": final}]}
    assert model["SourceType"] == "TrainingService"
    assert model["SourceId"] == f"region=cn-hangzhou,workspaceId={WS},kind=TrainingJob,id={job}"
    info = ok("GetTrainingJobErrorInfo", client.get_training_job_error_info(job))
    assert info["ErrorInfo"] == {"Code": "200", "Message": "success", "AdditionalInfo": ""}


# --- scripted endings ----------------------------------------------------------------------------

def _assert_failed_and_quiet(fakepai, client, job, reason_message):
    seen = run_until(fakepai, client, job, TERMINAL)
    assert seen[-1] == "Failed"
    lines = all_logs(client, job)
    assert lines[-1] == f"RuntimeError: {reason_message}" and lines[-3] == "Traceback (most recent call last):"
    points = metrics(client, job)["TotalCount"]
    fakepai.advance(3600)
    assert all_logs(client, job) == lines and metrics(client, job)["TotalCount"] == points
    assert client.list_training_job_output_models(job).body.to_map() == {"OutputModels": []}
    assert "OutputModel" not in get(client, job)
    return ok("GetTrainingJobErrorInfo", client.get_training_job_error_info(job))["ErrorInfo"]


def test_failure_scripted_by_label(frozen, paistudio_client):
    client = paistudio_client
    job = create(client, "doomed", labels={"fakepai.outcome": "fail"})
    info = _assert_failed_and_quiet(frozen, client, job, "The training process exited with a non-zero code: 1")
    assert info == {"Code": "TrainingJobFailed", "Message": "The training process exited with a non-zero code: 1",
                    "AdditionalInfo": f"See the logs of instance {job}-master-0."}
    scripted = create(client, "oom", labels={"fakepai.outcome": '{"result": "fail", "after": 4, "reasonCode": "OOM", '
                                                                '"reasonMessage": "CUDA out of memory", '
                                                                '"errorInfo": {"Code": "OOM", "AdditionalInfo": "rank 0"}}'})
    info = _assert_failed_and_quiet(frozen, client, scripted, "CUDA out of memory")
    assert info == {"Code": "OOM", "Message": "CUDA out of memory", "AdditionalInfo": "rank 0"}


def test_failure_scripted_by_set_outcome_and_control_plane(frozen, paistudio_client):
    client = paistudio_client
    job = create(client, "a")
    frozen.advance(10)                                             # Running
    frozen.set_outcome(job, result="fail", after=5, reason_code="NCCLError",
                       reason_message="NCCL timeout", error_info={"Message": "NCCL timeout on rank 1"})
    info = _assert_failed_and_quiet(frozen, client, job, "NCCL timeout")
    assert info["Code"] == "NCCLError" and info["Message"] == "NCCL timeout on rank 1"
    other = create(client, "b")
    with frozen.http() as http:
        put = http.put(f"/_fakepai/jobs/{other}/outcome", json={
            "result": "fail", "phase": "Initializing", "reasonCode": "ImagePullFailed",
            "reasonMessage": "image not found", "errorInfo": {"AdditionalInfo": "pytorch:2.1"}})
        assert put.status_code == 200
        assert http.put("/_fakepai/jobs/trainnosuchjob00/outcome", json={"result": "fail"}).status_code == 404
    seen = run_until(frozen, client, other, TERMINAL)
    assert seen == ["Creating", "Created", "Initializing", "InitializeFailed"]
    # It never got an instance: logs keep answering TRAINING_JOB_INSTANCE_NOT_FOUND.
    assert sdk_error(lambda: client.list_training_job_logs(other, m.ListTrainingJobLogsRequest())).code \
        == "TRAINING_JOB_INSTANCE_NOT_FOUND"
    info = ok("GetTrainingJobErrorInfo", client.get_training_job_error_info(other))["ErrorInfo"]
    assert info == {"Code": "ImagePullFailed", "Message": "image not found", "AdditionalInfo": "pytorch:2.1"}
    events = ok("ListTrainingJobEvents", client.list_training_job_events(other, m.ListTrainingJobEventsRequest()))
    assert events["Events"][-1].endswith("status changed to InitializeFailed: [ImagePullFailed] image not found")


def test_stop_yields_terminated_and_nothing_after(frozen, paistudio_client):
    client = paistudio_client
    job = create(client, "stopped", count=2)
    frozen.advance(15)
    before = all_logs(client, job)
    points = metrics(client, job)["TotalCount"]
    assert before and points > 0
    client.stop_training_job(job)
    stopped_at = frozen.now()
    frozen.advance(3600)
    assert get(client, job)["Status"] == "Terminated"
    assert all_logs(client, job) == before                         # no later line, no footer for a kill
    assert metrics(client, job)["TotalCount"] == points
    series = ok("ListTrainingJobInstanceMetrics", client.list_training_job_instance_metrics(
        job, m.ListTrainingJobInstanceMetricsRequest(metric_type="CpuCoreUsage", time_step="10s")))
    assert all(p["Time"] <= iso_z(stopped_at) for inst in series["InstanceMetrics"] for p in inst["Metrics"])
    events = ok("ListTrainingJobEvents", client.list_training_job_events(job, m.ListTrainingJobEventsRequest()))
    assert "status changed to Terminated" in events["Events"][-1]
    pod = ok("ListTrainingJobInstanceEvents", client.list_training_job_instance_events(
        job, f"{job}-worker-0", m.ListTrainingJobInstanceEventsRequest()))
    assert pod["Events"][-1].endswith("Stopping container worker")
    assert client.list_training_job_output_models(job).body.to_map() == {"OutputModels": []}
    assert ok("GetTrainingJobErrorInfo", client.get_training_job_error_info(job))["ErrorInfo"]["Code"] == "200"
    # Stopped while Submitted: the instance existed but never ran, so it printed nothing.
    early = create(client, "early")
    frozen.advance(7)
    client.stop_training_job(early)
    frozen.advance(60)
    page = logs(client, early)
    assert (page["Logs"], page["TotalCount"]) == ([], "0")
    pod = ok("ListTrainingJobInstanceEvents", client.list_training_job_instance_events(
        early, f"{early}-master-0", m.ListTrainingJobInstanceEventsRequest()))["Events"]
    assert [e[20:] for e in pod] == [f"Successfully assigned {early}-master-0 to " + pod[0].rsplit(" ", 1)[1],
                                     'Pulling image "pytorch:2.1"', f"Deleted pod {early}-master-0"]


# --- events and instance metrics -----------------------------------------------------------------

def test_events_follow_the_timeline(frozen, paistudio_client):
    client = paistudio_client
    job = create(client, "events", count=2)
    first = ok("ListTrainingJobEvents", client.list_training_job_events(job, m.ListTrainingJobEventsRequest()))
    assert first["TotalCount"] == "1" and first["Events"][0].endswith(f"TrainingJob {job} status changed to Creating")
    assert sdk_error(lambda: client.list_training_job_instance_events(
        job, f"{job}-master-0", m.ListTrainingJobInstanceEventsRequest())).code == "TRAINING_JOB_INSTANCE_NOT_FOUND"
    run_until(frozen, client, job, TERMINAL)
    events = ok("ListTrainingJobEvents", client.list_training_job_events(job, m.ListTrainingJobEventsRequest()))
    statuses = [e.split("status changed to ")[1].split(":")[0] for e in events["Events"]]
    assert statuses == ["Creating", "Created", "Initializing", "Submitted", "Running", "Succeed"]
    assert events["Events"][0].startswith(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(T0)))
    paged = ok("ListTrainingJobEvents", client.list_training_job_events(
        job, m.ListTrainingJobEventsRequest(page_number=2, page_size=4)))
    assert paged["Events"] == events["Events"][4:] and paged["TotalCount"] == "6"
    pod = ok("ListTrainingJobInstanceEvents", client.list_training_job_instance_events(
        job, f"{job}-master-0", m.ListTrainingJobInstanceEventsRequest()))
    assert "Successfully assigned" in pod["Events"][0] and "Started container master" in pod["Events"][4]
    assert pod["Events"][-1].endswith("Container master terminated: Completed (exit code 0)")
    assert sdk_error(lambda: client.list_training_job_instance_events(
        job, f"{job}-worker-7", m.ListTrainingJobInstanceEventsRequest())).code == "TRAINING_JOB_INSTANCE_NOT_FOUND"


def test_instance_metrics_for_every_type_and_step(frozen, paistudio_client):
    client = paistudio_client
    job = create(client, "usage", count=2, labels={"fakepai.outcome": "succeed@120"})
    request = lambda **kw: client.list_training_job_instance_metrics(job, m.ListTrainingJobInstanceMetricsRequest(**kw))
    assert ok("ListTrainingJobInstanceMetrics", request(metric_type="GpuCoreUsage"))["InstanceMetrics"] == []
    run_until(frozen, client, job, TERMINAL, step=10)
    transitions = get(client, job)["StatusTransitions"]
    start, end = transitions[4]["StartTime"], transitions[5]["StartTime"]
    for metric_type in ("GpuCoreUsage", "GpuMemoryUsage", "CpuCoreUsage", "MemoryUsage", "NetworkInputRate",
                        "NetworkOutputRate", "DiskReadRate", "DiskWriteRate"):
        for step, count in (("10s", 13), ("5m", 1), ("30m", 1), ("1h", 1)):
            body = ok("ListTrainingJobInstanceMetrics", request(metric_type=metric_type, time_step=step))
            assert [i["InstanceId"] for i in body["InstanceMetrics"]] == [f"{job}-master-0", f"{job}-worker-0"]
            for inst in body["InstanceMetrics"]:
                assert inst["NodeName"].startswith("cn-hangzhou.")
                assert len(inst["Metrics"]) == count, (metric_type, step)
                assert all(start <= p["Time"] <= end and p["Value"] >= 0 for p in inst["Metrics"])
    one = ok("ListTrainingJobInstanceMetrics", request(metric_type="MemoryUsage", time_step="10s",
                                                       instance_id=f"{job}-worker-0",
                                                       start_time=iso_z(T0 + 8 + 20), end_time=iso_z(T0 + 8 + 50)))
    [worker] = one["InstanceMetrics"]
    assert worker["InstanceId"] == f"{job}-worker-0" and len(worker["Metrics"]) == 4
    assert sdk_error(lambda: request(time_step="10s")).code == "MissingParameter"
    assert sdk_error(lambda: request(metric_type="Bogus")).code == "InvalidParameter"
    assert sdk_error(lambda: request(metric_type="CpuCoreUsage", time_step="7m")).code == "InvalidParameter"


# --- determinism ---------------------------------------------------------------------------------

def _recorded_run(seed: int) -> list[bytes]:
    """Every body a scripted session gets back, with the (random) request id blanked out."""
    from fakepai.server import FakePAI

    out = []
    with FakePAI(seed=seed, rate_limit=False) as pai, pai.http() as http:
        pai.set_clock(now=T0, speed=0.0)

        def call(method, path, **kw):
            r = http.request(method, GW + path, **kw)
            assert r.status_code == 200, r.text
            assert_valid_response("PaiStudio", path.split("/")[1], r.json())
            out.append(r.content.replace(r.headers["x-acs-request-id"].encode(), b""))
            return r.json()

        job = call("POST", "/CreateTrainingJob", json={
            "TrainingJobName": "det", "WorkspaceId": WS, "AlgorithmSpec": SPEC,
            "ComputeResource": {"EcsSpec": "ecs.gn7i-c8g1.2xlarge", "EcsCount": 2},
            "OutputChannels": [{"Name": "model", "OutputUri": MODEL_URI}]})["TrainingJobId"]
        for _ in range(6):
            pai.advance(7)
            call("GET", f"/GetTrainingJob/{job}")
            call("GET", "/ListTrainingJobLogs", params={"TrainingJobId": job, "PageSize": 2000})
            call("GET", "/ListTrainingJobMetrics", params={"TrainingJobId": job})
            call("GET", "/ListTrainingJobEvents", params={"TrainingJobId": job})
            call("GET", "/ListTrainingJobInstanceMetrics",
                 params={"TrainingJobId": job, "MetricType": "GpuCoreUsage", "TimeStep": "10s"})
        call("GET", f"/ListTrainingJobOutputModels/{job}")
    return out


def test_same_seed_same_bytes():
    # Seed 1's job draws a run that finishes within the 42 virtual seconds the session covers.
    first, second = _recorded_run(1), _recorded_run(1)
    assert len(first) == 32 and first == second
    assert b"Training finished" in first[-5] and b"Succeed" in first[-6]
    assert _recorded_run(2)[0] != first[0]                          # another seed, another job


# --- polled like the PAI Python SDK does ---------------------------------------------------------

@pytest.mark.parametrize("speed,phase_seconds,run", [
    (50.0, {}, 25),       # the default profile, fast-forwarded: a virtual second is 20 ms
    (1.0, {"Creating": 0.3, "Created": 0.2, "Initializing": 0.3, "Submitted": 0.2}, 2.5),   # real time, short phases
], ids=["speed50", "speed1"])
def test_polled_like_the_pai_sdk_it_succeeds_and_yields_every_log_line(speed, phase_seconds, run):
    """Alibaba's PAI SDK polls GetTrainingJob every few seconds and ListTrainingJobLogs with a
    fixed page size, re-reading the same page until it is full (pai/job/_training_job.py)."""
    from alibabacloud_paistudio20220112.client import Client
    from Tea.exceptions import TeaException

    from fakepai.pytest_plugin import _sdk_config
    from fakepai.server import FakePAI

    page_size = 20 if speed > 1 else 5
    poll = 1 / speed if speed > 1 else 0.1           # the SDK's 1 s between log polls, scaled
    with FakePAI(speed=speed, phase_seconds=phase_seconds, rate_limit=False) as pai:
        client = Client(_sdk_config(pai))
        job = client.create_training_job(m.CreateTrainingJobRequest().from_map({
            "TrainingJobName": "polled", "WorkspaceId": WS, "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai",
            "ComputeResource": {"EcsSpec": "ecs.gn7i-c8g1.2xlarge", "EcsCount": 1},
            "Labels": [{"Key": "fakepai.outcome", "Value": f"succeed@{run}"}]})).body.training_job_id

        def page(number):
            try:
                return client.list_training_job_logs(job, m.ListTrainingJobLogsRequest(
                    page_number=number, page_size=page_size)).body.logs or []
            except TeaException as e:                      # what the PAI SDK does with this code
                if e.code == "TRAINING_JOB_INSTANCE_NOT_FOUND":
                    return []
                raise

        printed, number, offset, last_status_check, status = [], 1, 0, 0.0, "Creating"
        deadline = time.monotonic() + 30
        while status not in TERMINAL:
            assert time.monotonic() < deadline, f"stuck in {status}"
            items = page(number)
            if len(items) == page_size:
                printed += items[offset:]
                number, offset = number + 1, 0
            else:
                printed += items[offset:]
                offset = max(offset, len(items))
                time.sleep(poll)
            if pai.now() - last_status_check >= 5 * poll * speed:    # and reloads the job every 5 polls
                status = client.get_training_job(job).body.status
                last_status_check = pai.now()
        while True:                                        # the SDK's final drain
            items = page(number)
            printed += items[offset:]
            if len(items) < page_size:
                break
            number, offset = number + 1, 0
        assert status == "Succeed"
        everything = client.list_training_job_logs(job, m.ListTrainingJobLogsRequest(page_size=2000)).body
        assert_valid_response("PaiStudio", "ListTrainingJobLogs", everything.to_map())
        assert printed == everything.logs and int(everything.total_count) == len(printed) > 2 * page_size   # several pages
        assert printed[-1].startswith("Training finished.")


# --- the seed's gateway URL form -------------------------------------------------------------------

def test_seed_examples_through_gateway(frozen, paistudio_client):
    job = create(paistudio_client, "gw", count=2)
    run_until(frozen, paistudio_client, job, TERMINAL)
    master = f"{job}-master-0"
    running = get(paistudio_client, job)["StatusTransitions"][4]["StartTime"]
    with frozen.http() as http:
        def call(action, path="", **params):
            r = http.get(f"{GW}/{action}{path}", params=params)
            assert r.status_code == 200, r.text
            assert_valid_response("PaiStudio", action, r.json())
            return r.json()

        # ListTrainingJobLogs?TrainingJobId=...&InstanceId=<id>-master-0&StartTime=...&EndTime=...&PageSize=100
        page = call("ListTrainingJobLogs", TrainingJobId=job, InstanceId=master, StartTime=running,
                    EndTime=iso_z(T0 + 3600), PageSize=100)
        assert page["Logs"] == all_logs(paistudio_client, job)[:100] and int(page["TotalCount"]) > 0
        # GetTrainingJobLatestMetrics?TrainingJobId=...&Names=loss
        latest = call("GetTrainingJobLatestMetrics", TrainingJobId=job, Names="loss")
        assert [x["Name"] for x in latest["Metrics"]] == ["loss"]
        # The id as a trailing path segment works as well, for every read.
        assert call("GetTrainingJobLatestMetrics", f"/{job}", Names="loss") == {**latest, "RequestId": ANY}
        assert call("ListTrainingJobMetrics", f"/{job}", Name="acc", Order="asc")["TotalCount"] > 0
        assert len(call("ListTrainingJobEvents", f"/{job}")["Events"]) == 6
        assert call("ListTrainingJobInstanceEvents", f"/{job}/{job}-worker-0")["TotalCount"] == "6"
        assert len(call("ListTrainingJobInstanceMetrics", f"/{job}", MetricType="DiskReadRate",
                        TimeStep="10s")["InstanceMetrics"]) == 2
        assert call("GetTrainingJobErrorInfo", f"/{job}")["ErrorInfo"]["Code"] == "200"
        models = http.get(f"{GW}/ListTrainingJobOutputModels/{job}")
        assert models.status_code == 200 and "RequestId" not in models.json()
        assert models.json()["OutputModels"][0]["Uri"] == MODEL_URI
        # Bad input: 4xx with Code/Message/RequestId.
        assert_error(http.get(f"{GW}/ListTrainingJobLogs/{job}", params={"PageSize": 2001}), 400, "InvalidParameter")
        assert_error(http.get(f"{GW}/ListTrainingJobLogs/{job}", params={"PageNumber": 0}), 400, "InvalidParameter")
        assert_error(http.get(f"{GW}/ListTrainingJobLogs/{job}", params={"StartTime": "soon"}), 400, "InvalidParameter")
        assert_error(http.get(f"{GW}/ListTrainingJobEvents/{job}", params={"StartTime": iso_z(T0 + 9), "EndTime": iso_z(T0)}),
                     400, "InvalidParameter")
        assert_error(http.get(f"{GW}/ListTrainingJobMetrics/{job}", params={"Order": "sideways"}), 400, "InvalidParameter")
        assert_error(http.get(f"{GW}/ListTrainingJobLogs/trainnosuchjob00"), 404, "NotFound.TrainingJob")
        assert_error(http.get(f"{GW}/GetTrainingJobErrorInfo/trainnosuchjob00"), 404, "NotFound.TrainingJob")
        assert_error(http.get(f"{GW}/ListTrainingJobLogs/{job}", params={"InstanceId": f"{job}-worker-5"}),
                     404, "TRAINING_JOB_INSTANCE_NOT_FOUND")


class _Any:
    def __eq__(self, other):
        return True


ANY = _Any()
