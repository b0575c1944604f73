"""The wire layer through real HTTP: pagination laws, throttling, auth end to end, 501 for
operations without a handler, and bad input that must never be a 5xx nor change state."""
from __future__ import annotations

import json
import time

import httpx
import pytest
from alibabacloud_paistudio20220112 import models as m
from alibabacloud_paistudio20220112.client import Client as StudioClient
from alibabacloud_tea_openapi.models import Config
from hypothesis import HealthCheck, given, settings, strategies as st
from Tea.exceptions import TeaException

from fakepai import FakePAI
from fakepai.services import registry
from tests.helpers import assert_error

GW = "/api/PaiStudio/2022-01-12"


def _make_jobs(http, n, workspace="77", prefix="job"):
    ids = []
    for i in range(n):
        r = http.post(f"{GW}/CreateTrainingJob", json={"TrainingJobName": f"{prefix}-{i:03d}", "WorkspaceId": workspace,
                                                       "AlgorithmName": "pytorch_ddp", "AlgorithmProvider": "pai"})
        assert r.status_code == 200, r.text
        ids.append(r.json()["TrainingJobId"])
    return ids


@pytest.mark.parametrize("sort_by,order", [(None, None), ("GmtCreateTime", "asc"), ("TrainingJobName", "DESC"),
                                           ("TrainingJobName", "asc"), ("Status", "desc")])
def test_pages_partition_the_matches_in_order(fakepai, sort_by, order):
    fakepai.freeze_clock()
    with fakepai.http() as http:
        created = []
        for i in range(23):
            created += _make_jobs(http, 1, prefix=f"n{(i * 7) % 23:02d}")
            fakepai.advance(1)          # distinct creation times and a mix of statuses
        for size in (1, 4, 10, 23, 100):
            seen, items = [], []
            for number in range(1, 30):
                params = {"WorkspaceId": "77", "PageNumber": number, "PageSize": size}
                if sort_by:
                    params["SortBy"] = sort_by
                if order:
                    params["Order"] = order
                body = http.get(f"{GW}/ListTrainingJobs", params=params).json()
                assert body["TotalCount"] == 23
                page = body.get("TrainingJobs", [])
                if not page:
                    break
                assert len(page) <= size
                items += page
            ids = [j["TrainingJobId"] for j in items]
            assert sorted(ids) == sorted(created) and len(ids) == len(set(ids)), f"size {size}"
            key = {"TrainingJobName": "TrainingJobName", "Status": "Status", None: "GmtCreateTime",
                   "GmtCreateTime": "GmtCreateTime"}[sort_by]
            values = [j[key] for j in items]
            descending = (order or "desc").lower() == "desc"
            assert values == sorted(values, reverse=descending)


def test_page_bounds_are_enforced(fakepai):
    with fakepai.http() as http:
        for params in ({"PageSize": 0}, {"PageSize": 101}, {"PageNumber": 0}, {"PageSize": -1}):
            body = assert_error(http.get(f"{GW}/ListTrainingJobs", params=params), 400, "InvalidParameter")
            assert next(iter(params)) in body["Message"]
        assert http.get(f"{GW}/ListTrainingJobs", params={"PageSize": 100}).status_code == 200


def test_throttling_burst_then_recovery(fakepai):
    fakepai.emulator.throttler.enabled = True
    fakepai.emulator.throttler.overrides["GetTrainingJob"] = 2       # a low limit keeps the burst small
    client = StudioClient(Config(access_key_id="burst", access_key_secret="s", endpoint=fakepai.endpoint, protocol="http"))
    from alibabacloud_tea_openapi.exceptions import ThrottlingException
    statuses = []
    with pytest.raises(ThrottlingException) as err:
        for _ in range(50):
            try:
                client.get_training_job("trainnotthere000")
            except TeaException as e:
                statuses.append(e.code)
                if not isinstance(e, ThrottlingException):
                    continue
                raise
    assert err.value.retry_after > 0
    assert err.value.code == "Throttling.User"
    assert statuses[0] == "NotFound.TrainingJob"
    with fakepai.http() as http:
        # Another account has its own bucket.
        assert http.get(f"{GW}/GetTrainingJob/trainnotthere000").status_code == 404
    # The raw HTTP shape of the same refusal (burst again: the bucket refills meanwhile).
    with httpx.Client(base_url=fakepai.url, headers={"Authorization": "acs burst:x"}) as raw_client:
        for _ in range(50):
            raw = raw_client.get(f"{GW}/GetTrainingJob/trainnotthere000")
            if raw.status_code == 429:
                break
    assert raw.status_code == 429
    assert raw.json()["Message"] == "Request was denied due to user flow control."
    assert int(raw.headers["Retry-After"]) >= 1 and int(raw.headers["x-acs-retry-after"]) > 0
    time.sleep(int(raw.headers["x-acs-retry-after"]) / 1000 + 0.05)
    with pytest.raises(TeaException) as after:
        client.get_training_job("trainnotthere000")
    assert after.value.code == "NotFound.TrainingJob"     # served again after waiting


def test_unbuilt_operation_answers_501(fakepai, monkeypatch):
    monkeypatch.delitem(registry._HANDLERS, ("PaiStudio", "GetTrainingJob"))
    with fakepai.http() as http:
        body = assert_error(http.get(f"{GW}/GetTrainingJob/train00000000000"), 501, "NotImplemented")
        assert "GetTrainingJob" in body["Message"]


def test_auth_required_by_default(fakepai):
    r = httpx.get(f"{fakepai.url}{GW}/ListTrainingJobs")
    assert_error(r, 401, "MissingAuthorization")
    for headers in ({"Authorization": "Bearer k1"}, {"x-acs-bearer-token": "k1"}):
        assert httpx.get(f"{fakepai.url}{GW}/ListTrainingJobs", headers=headers).status_code == 200


def test_two_keys_see_two_accounts(fakepai):
    a = StudioClient(Config(access_key_id="alice", access_key_secret="x", endpoint=fakepai.endpoint, protocol="http"))
    b = StudioClient(Config(access_key_id="bob", access_key_secret="y", endpoint=fakepai.endpoint, protocol="http"))
    job_id = a.create_training_job(m.CreateTrainingJobRequest(training_job_name="mine", workspace_id="1",
                                                               algorithm_name="pytorch_ddp")).body.training_job_id
    assert a.get_training_job(job_id).body.training_job_id == job_id
    with pytest.raises(TeaException) as err:
        b.get_training_job(job_id)
    assert err.value.code == "NotFound.TrainingJob"
    assert b.list_training_jobs(m.ListTrainingJobsRequest()).body.total_count == 0


CREDENTIALS = {"accessKeys": [{"accessKeyId": "AKSTRICT", "accessKeySecret": "right-secret"},
                              {"accessKeyId": "AKLIMITED", "accessKeySecret": "s2", "workspaces": ["111"]}],
               "bearerTokens": [{"token": "good-token", "accountId": "tokenacct"}]}


@pytest.fixture(scope="module")
def strict_pai():
    with FakePAI(auth="strict", credentials=CREDENTIALS, rate_limit=False) as pai:
        yield pai


def _studio(pai, ak="AKSTRICT", sk="right-secret", **config):
    return StudioClient(Config(access_key_id=ak, access_key_secret=sk, endpoint=pai.endpoint, protocol="http", **config))


def test_strict_accepts_sdk_signatures_v3_and_v1(strict_pai):
    for config in ({}, {"signature_algorithm": "v2"}):
        client = _studio(strict_pai, **config)
        job_id = client.create_training_job(m.CreateTrainingJobRequest(training_job_name="signed", workspace_id="5",
                                                                       algorithm_name="pytorch_ddp")).body.training_job_id
        assert client.list_training_jobs(m.ListTrainingJobsRequest(labels={"a": "b"}, page_size=5)).body.total_count == 0
        assert client.get_training_job(job_id).body.training_job_name == "signed"
    r = httpx.get(f"{strict_pai.url}{GW}/ListTrainingJobs", headers={"Authorization": "Bearer good-token"})
    assert r.status_code == 200


def test_strict_rejects_bad_credentials(strict_pai):
    with pytest.raises(TeaException) as err:
        _studio(strict_pai, sk="wrong-secret").list_training_jobs(m.ListTrainingJobsRequest())
    assert err.value.code == "SignatureDoesNotMatch"
    with pytest.raises(TeaException) as err:
        _studio(strict_pai, ak="AKUNKNOWN").list_training_jobs(m.ListTrainingJobsRequest())
    assert err.value.code == "InvalidAccessKeyId.NotFound" and err.value.data["statusCode"] == 401
    assert_error(httpx.get(f"{strict_pai.url}{GW}/ListTrainingJobs", headers={"Authorization": "Bearer nope"}), 401, "InvalidBearerToken")
    assert_error(httpx.get(f"{strict_pai.url}{GW}/ListTrainingJobs"), 401, "MissingAuthorization")


def test_strict_workspace_limits(strict_pai):
    client = _studio(strict_pai, ak="AKLIMITED", sk="s2")
    assert client.list_training_jobs(m.ListTrainingJobsRequest(workspace_id="111")).status_code == 200
    with pytest.raises(TeaException) as err:
        client.list_training_jobs(m.ListTrainingJobsRequest(workspace_id="222"))
    assert err.value.code == "Forbidden.RAM" and err.value.data["statusCode"] == 403


def test_strict_rejects_tampering_stale_and_replay(strict_pai):
    from fakepai.wire.signing import sign_acs3
    host = strict_pai.endpoint
    path = f"/api/v1/trainingjobs"
    query = [("PageSize", "5")]

    def signed(date=None, nonce=None):
        headers = {"host": host, "x-acs-action": "ListTrainingJobs", "x-acs-version": "2022-01-12"}
        return sign_acs3("GET", path, query, headers, b"", "AKSTRICT", "right-secret", date=date, nonce=nonce)

    ok = signed()
    assert httpx.get(f"{strict_pai.url}{path}", params=query, headers=ok).status_code == 200
    assert_error(httpx.get(f"{strict_pai.url}{path}", params=query, headers=ok), 400, "SignatureNonceUsed")
    fresh = signed()
    assert_error(httpx.get(f"{strict_pai.url}{path}", params=[("PageSize", "6")], headers=fresh), 400, "SignatureDoesNotMatch")
    stale = signed(date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600)))
    assert_error(httpx.get(f"{strict_pai.url}{path}", params=query, headers=stale), 400, "InvalidTimeStamp.Expired")
    body = json.dumps({"TrainingJobName": "x", "WorkspaceId": "5", "AlgorithmName": "a"}).encode()
    post_headers = sign_acs3("POST", path, [], {"host": host, "content-type": "application/json"}, body, "AKSTRICT", "right-secret")
    tampered = body.replace(b'"x"', b'"y"')
    assert_error(httpx.post(f"{strict_pai.url}{path}", content=tampered, headers=post_headers), 400, "SignatureDoesNotMatch")


# --- bad input: never a 5xx, always Code/Message/RequestId, and nothing changes ------------------

_PARAMS = ["TrainingJobName", "WorkspaceId", "AlgorithmName", "AlgorithmSpec", "ComputeResource", "Labels",
           "HyperParameters", "Scheduler", "Priority", "PageSize", "PageNumber", "Order", "SortBy", "Status",
           "StartTime", "EndTime", "IsTempAlgo", "Keys", "TrainingJobId", "Unknown"]
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=False),
                    st.text(max_size=12), st.lists(st.integers(), max_size=2),
                    st.dictionaries(st.sampled_from(["Key", "Value", "EcsSpec", "x"]), st.text(max_size=4), max_size=2))
_ACTIONS = [("POST", "CreateTrainingJob"), ("GET", "ListTrainingJobs"), ("GET", "GetTrainingJob"),
            ("PUT", "StopTrainingJob"), ("DELETE", "DeleteTrainingJob"), ("POST", "UpdateTrainingJobLabels"),
            ("DELETE", "DeleteTrainingJobLabels")]


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(action=st.sampled_from(_ACTIONS), params=st.dictionaries(st.sampled_from(_PARAMS), _VALUES, max_size=6),
       as_query=st.booleans())
def test_bad_input_never_5xx_and_rejections_change_nothing(fakepai_server, action, params, as_query):
    method, name = action
    with fakepai_server.http() as http:
        before = http.get(f"{GW}/ListTrainingJobs", params={"PageSize": 100}).json()
        if as_query:
            query = {k: (json.dumps(v) if isinstance(v, (dict, list)) else str(v)) for k, v in params.items() if v is not None}
            r = http.request(method, f"{GW}/{name}", params=query)
        else:
            r = http.request(method, f"{GW}/{name}", json=params)
        assert r.status_code < 500, r.text
        body = r.json()
        assert r.headers["x-acs-request-id"] == body["RequestId"]
        if r.status_code >= 400:
            assert body["Code"] and body["Message"]
            after = http.get(f"{GW}/ListTrainingJobs", params={"PageSize": 100}).json()
            assert [j["TrainingJobId"] for j in after["TrainingJobs"]] == [j["TrainingJobId"] for j in before["TrainingJobs"]]
            assert [j.get("Labels") for j in after["TrainingJobs"]] == [j.get("Labels") for j in before["TrainingJobs"]]


def test_body_over_the_limit_is_refused_and_changes_nothing(fakepai):
    with fakepai.http() as http:
        job_id = _make_jobs(http, 1)[0]
        labels = [{"Key": f"k{i}", "Value": "v" * 100} for i in range(100)]      # ~11 KB
        r = http.post(f"{GW}/UpdateTrainingJobLabels/{job_id}/labels", json={"Labels": labels})
        assert_error(r, 400, "InvalidParameter.TooLarge")
        assert http.get(f"{GW}/GetTrainingJob/{job_id}").json().get("Labels", []) == []
        assert http.post(f"{GW}/UpdateTrainingJobLabels/{job_id}/labels", json={"Labels": labels[:50]}).status_code == 200


def test_rejected_requests_do_not_shift_later_ids():
    """Ids come from a seeded sequence; a request rejected half way through gives its id back."""
    job = {"DisplayName": "j", "JobType": "PyTorchJob", "UserCommand": "python t.py",
           "JobSpecs": [{"Type": "Worker", "PodCount": 1, "Image": "img", "EcsSpec": "ecs.g6.xlarge"}]}
    bad = dict(job, Settings={"Tags": {"fakepai.outcome": "explode"}})
    ids = []
    for attempts in ([job], [bad, job]):
        with FakePAI(seed=7) as pai, pai.http() as http:
            for body in attempts:
                r = http.post("/api/pai-dlc/2020-12-03/CreateJob", json=body)
            assert r.status_code == 200, r.text
            ids.append(r.json()["JobId"])
    assert ids[0] == ids[1]
