"""Faults on demand: scripted errors (500, 503, 429 with retry headers, any Code), latency, next-N
or seeded probability, scoping by operation / product / account / parameter, counters a test can
assert on, the control plane and the per-request header."""
from __future__ import annotations

import time

import pytest
from alibabacloud_pai_dlc20201203.models import GetJobRequest
from alibabacloud_paiplugin20220112 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException

from fakepai.wire.faults import FaultInjector
from tests.helpers import assert_error

GW = "/api/PaiPlugin/2022-01-12"


def with_retries(call, attempts: int):
    """A client's naive retry loop: what a test of retry logic would exercise."""
    errors = []
    for _ in range(attempts):
        try:
            return call(), errors
        except ServerException as e:
            errors.append(e.code)
    raise AssertionError(f"still failing after {attempts} attempts: {errors}")


def test_next_n_503_then_success_and_the_counters_show_it(fakepai, paiplugin_client):
    fault = fakepai.inject_fault(action="ListAlgorithms", status=503, times=2)
    assert fault["code"] == "ServiceUnavailable" and fault["fired"] == 0 and fault["remaining"] == 2
    resp, errors = with_retries(lambda: paiplugin_client.list_algorithms(m.ListAlgorithmsRequest()), attempts=3)
    assert errors == ["ServiceUnavailable", "ServiceUnavailable"]
    assert resp.body.data.total_count >= 2
    [seen] = fakepai.faults()
    assert (seen["fired"], seen["matched"], seen["remaining"]) == (2, 2, 0)
    assert fakepai.fault(fault["id"])["fired"] == 2
    # Other operations were never touched.
    paiplugin_client.list_campaigns(m.ListCampaignsRequest())
    assert fakepai.faults()[0]["matched"] == 2


def test_internal_error_through_the_control_plane_never_changes_state(fakepai, paiplugin_client):
    with fakepai.http() as http:
        r = http.post("/_fakepai/faults", json={"action": "CreateCampaign", "code": "InternalError", "times": 1})
        assert r.status_code == 201 and r.json()["status"] == 500
        fault_id = r.json()["id"]
        with pytest.raises(ServerException) as err:
            paiplugin_client.create_campaign(m.CreateCampaignRequest(name="x"))
        assert err.value.status_code == 500 and err.value.code == "InternalError"
        assert paiplugin_client.list_campaigns(m.ListCampaignsRequest()).body.data.total_count == 0
        assert http.get(f"/_fakepai/faults/{fault_id}").json()["fired"] == 1
        # Exhausted: the next call goes through.
        paiplugin_client.create_campaign(m.CreateCampaignRequest(name="x"))
        assert paiplugin_client.list_campaigns(m.ListCampaignsRequest()).body.data.total_count == 1
        assert http.delete(f"/_fakepai/faults/{fault_id}").status_code == 200
        assert http.get(f"/_fakepai/faults/{fault_id}").status_code == 404
        assert http.get("/_fakepai/faults").json() == {"faults": []}


def test_forced_throttling_carries_retry_headers(fakepai, paiplugin_client):
    fakepai.inject_fault(action="GetAlgorithm", status=429, retry_after_ms=2500, times=2)
    with pytest.raises(ThrottlingException) as err:
        paiplugin_client.get_algorithm("user_recall")
    assert err.value.code == "Throttling.User" and err.value.retry_after == 2500
    with fakepai.http() as http:
        r = http.get(f"{GW}/GetAlgorithm/user_recall")
        body = assert_error(r, 429, "Throttling.User")
        assert body["Message"] == "Request was denied due to user flow control."
        assert r.headers["x-acs-retry-after"] == "2500" and r.headers["Retry-After"] == "3"
        assert body["ErrorCode"] == 429 and body["Data"] is None   # PaiPlugin: inside the envelope
        assert http.get(f"{GW}/GetAlgorithm/user_recall").status_code == 200


def test_any_status_and_code(fakepai, dlc_client):
    fakepai.inject_fault(product="pai-dlc", action="GetJob", status=403, code="Forbidden.RAM", message="no access", times=1)
    with fakepai.http() as http:
        body = assert_error(http.get("/api/pai-dlc/2020-12-03/GetJob/dlc0000000000000"), 403, "Forbidden.RAM")
        assert body["Message"] == "no access"
    fakepai.inject_fault(action="GetJob", status=400, code="InvalidParameter.Custom", times=1)
    with pytest.raises(ClientException) as err:
        dlc_client.get_job("dlc0000000000000", GetJobRequest())
    assert err.value.code == "InvalidParameter.Custom" and err.value.message.endswith(
        "Injected by fakepai. request id: " + err.value.request_id)


def test_latency_alone_and_before_an_error(fakepai):
    fakepai.inject_fault(action="ListAlgorithms", latency_ms=250, times=1)
    with fakepai.http() as http:
        t0 = time.perf_counter()
        assert http.get(f"{GW}/ListAlgorithms").status_code == 200
        assert time.perf_counter() - t0 >= 0.25
        t0 = time.perf_counter()
        assert http.get(f"{GW}/ListAlgorithms").status_code == 200
        assert time.perf_counter() - t0 < 0.25                     # only the next 1
        fakepai.inject_fault(action="GetAlgorithm", status=503, latency_ms=200, times=1)
        t0 = time.perf_counter()
        assert_error(http.get(f"{GW}/GetAlgorithm/user_recall"), 503, "ServiceUnavailable")
        assert time.perf_counter() - t0 >= 0.2                     # a slow failure, like a gateway timeout
    logged = fakepai.request_log(action="ListAlgorithms")
    assert logged[0]["latency_ms"] >= 250 and logged[1]["latency_ms"] < 250


def test_probability_is_reproducible_under_a_seed(fakepai):
    def run() -> list[int]:
        fakepai.reset()
        fakepai.emulator.throttler.enabled = False
        fakepai.inject_fault(action="ListCampaigns", status=500, probability=0.5, seed=42)
        with fakepai.http() as http:
            return [http.get(f"{GW}/ListCampaigns").status_code for _ in range(40)]

    first = run()
    assert set(first) == {200, 500}
    [fault] = fakepai.faults()
    assert fault["matched"] == 40 and fault["fired"] == first.count(500)
    assert run() == first


def test_scoping_by_parameter_and_account(fakepai):
    fakepai.inject_fault(action="GetAlgorithm", match={"Id": "sms_recall"}, status=500)
    with fakepai.http() as http:
        assert http.get(f"{GW}/GetAlgorithm/user_recall").status_code == 200
        assert_error(http.get(f"{GW}/GetAlgorithm/sms_recall"), 500, "InternalError")
        mine = fakepai.requests[-1]["account"]
        fakepai.clear_faults()
        fakepai.inject_fault(action="ListCampaigns", account=mine, status=503)
        assert http.get(f"{GW}/ListCampaigns").status_code == 503
    with fakepai.http(headers={"Authorization": "Bearer another"}) as other:
        assert other.get(f"{GW}/ListCampaigns").status_code == 200
    fakepai.clear_faults()
    fakepai.inject_fault(product="paistudio", status=503)         # a whole product, any case
    with fakepai.http() as http:
        assert http.get(f"{GW}/ListCampaigns").status_code == 200
        assert_error(http.get("/api/PaiStudio/2022-01-12/ListTrainingJobs", params={"WorkspaceId": "1"}), 503,
                     "ServiceUnavailable")


def test_per_request_header(fakepai):
    with fakepai.http() as http:
        r = http.get(f"{GW}/ListCampaigns", headers={"x-fakepai-fault": "return-503"})
        assert_error(r, 503, "ServiceUnavailable")
        r = http.get(f"{GW}/ListCampaigns", headers={"x-fakepai-fault": "return-429"})
        assert_error(r, 429, "Throttling.User")
        assert int(r.headers["x-acs-retry-after"]) > 0
        assert_error(http.get(f"{GW}/ListCampaigns", headers={"x-fakepai-fault": "return-404-NotFound"}), 404, "NotFound")
        t0 = time.perf_counter()
        assert http.get(f"{GW}/ListCampaigns", headers={"x-fakepai-fault": "delay-150"}).status_code == 200
        assert time.perf_counter() - t0 >= 0.15
        assert_error(http.get(f"{GW}/ListCampaigns", headers={"x-fakepai-fault": "explode"}), 400, "InvalidParameter")
        assert http.get(f"{GW}/ListCampaigns").status_code == 200    # one request only


@pytest.mark.parametrize("spec, why", [
    ({"action": "GetJob"}, "needs a status"),
    ({"status": 200}, "400..599"),
    ({"status": 500, "probability": 2}, "probability"),
    ({"status": 500, "times": 0}, "times"),
    ({"status": 500, "latency_ms": -1}, "latency_ms"),
    ({"status": 500, "match": ["Id"]}, "match"),
    ({"status": 500, "bogus": 1}, "unknown fault fields"),
    ({"code": "SomethingNew"}, "give a status"),
])
def test_bad_fault_specs_are_rejected(fakepai, spec, why):
    with fakepai.http() as http:
        r = http.post("/_fakepai/faults", json=spec)
        assert r.status_code == 400 and why in r.json()["Message"], r.text
        assert http.get("/_fakepai/faults").json() == {"faults": []}
    with pytest.raises(ValueError):
        fakepai.inject_fault(**spec)


def test_reset_clears_faults_and_ids_restart(fakepai):
    assert fakepai.inject_fault(status=500)["id"] == 1
    fakepai.reset()
    assert fakepai.faults() == []
    with fakepai.http() as http:
        assert http.delete("/_fakepai/faults").json() == {"faults": []}


def test_injector_unit_exhaustion_and_order():
    inj = FaultInjector(seed=1)
    slow = inj.add(action="A", latency_ms=100)
    boom = inj.add(action="A", status=500, times=1)
    with pytest.raises(Exception) as err:
        inj.check("P", "A", "acct", {})
    assert err.value.status == 500 and err.value.delay == pytest.approx(0.1)
    assert inj.check("P", "A", "acct", {}) == pytest.approx(0.1)   # boom is spent, latency stays
    assert (slow.fired, boom.fired, boom.matched) == (2, 1, 1)
    assert inj.check("P", "B", "acct", {}) == 0.0
    assert inj.remove(slow.id) and not inj.remove(slow.id)
