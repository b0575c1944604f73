"""The recent-request log: what each record holds, filters, the ring buffer's bound, and that no
credential or signature is ever kept."""
from __future__ import annotations

import json

from alibabacloud_paiplugin20220112 import models as m
from alibabacloud_paiplugin20220112.client import Client
from alibabacloud_tea_openapi.models import Config

from fakepai import FakePAI
from fakepai.wire.requestlog import RequestLog

GW = "/api/PaiPlugin/2022-01-12"
SECRET = "very-secret-signing-key-7731"
TOKEN = "bearer-token-should-never-be-logged-5521"


def test_records_describe_each_call(fakepai, paiplugin_client):
    fakepai.freeze_clock()
    resp = paiplugin_client.list_algorithms(m.ListAlgorithmsRequest())
    with fakepai.http() as http:
        r = http.get(f"{GW}/GetCampaign/nope")
        http.get("/_fakepai/health")                         # the control plane is not logged
        http.get("/api/v9/nothing-here")
    native, gateway, unknown = fakepai.requests
    assert native["request_id"] == resp.body.request_id
    assert (native["product"], native["action"], native["method"], native["path"]) == \
        ("PaiPlugin", "ListAlgorithms", "GET", "/api/v2/algorithms")
    assert native["status"] == 200 and native["error_code"] is None and native["form"] == "native"
    assert native["latency_ms"] >= 0 and native["time"].endswith("Z") and native["account"]
    assert gateway["request_id"] == r.headers["x-acs-request-id"]
    assert (gateway["action"], gateway["status"], gateway["error_code"], gateway["form"]) == \
        ("GetCampaign", 404, "NotFound.Campaign", "gateway")
    assert gateway["path"] == f"{GW}/GetCampaign/nope"
    assert (unknown["product"], unknown["status"], unknown["error_code"]) == (None, 404, "InvalidApi.NotFound")


def test_filters_through_the_control_plane_and_python(fakepai):
    with fakepai.http() as http:
        http.get(f"{GW}/ListCampaigns")
        http.get(f"{GW}/GetCampaign/a")
        http.get(f"{GW}/GetCampaign/b")
        http.get("/api/pai-dlc/2020-12-03/GetJob/dlc0", headers={"x-fakepai-fault": "return-503"})

        def actions(**params):
            r = http.get("/_fakepai/requests", params=params)
            assert r.status_code == 200, r.text
            return [(x["action"], x["status"]) for x in r.json()["requests"]]

        assert actions(action="GetCampaign") == [("GetCampaign", 404), ("GetCampaign", 404)]
        assert actions(status="404") == [("GetCampaign", 404), ("GetCampaign", 404)]
        assert actions(status="5xx") == [("GetJob", 503)]
        assert actions(status="2XX") == [("ListCampaigns", 200)]
        assert actions(product="pai-dlc") == [("GetJob", 503)]
        assert actions(code="ServiceUnavailable") == [("GetJob", 503)]
        assert actions(limit="2") == [("GetCampaign", 404), ("GetJob", 503)]   # the most recent ones
        assert http.get("/_fakepai/requests").json()["size"] == fakepai.settings.request_log_size
        for bad in ({"status": "teapot"}, {"limit": "x"}, {"limit": "0"}):
            assert http.get("/_fakepai/requests", params=bad).status_code == 400
    assert [x["request_id"] for x in fakepai.request_log(action="GetCampaign", status=404)] == \
        [x["request_id"] for x in fakepai.requests if x["action"] == "GetCampaign"]
    fakepai.reset()
    assert fakepai.requests == []


def test_credentials_and_signatures_are_never_stored(fakepai):
    client = Client(Config(access_key_id="AKID-logged-ok", access_key_secret=SECRET, endpoint=fakepai.endpoint,
                           protocol="http", region_id="cn-hangzhou"))
    client.list_campaigns(m.ListCampaignsRequest(name="x"))
    with fakepai.http(headers={"Authorization": f"Bearer {TOKEN}", "x-acs-bearer-token": TOKEN}) as http:
        http.get(f"{GW}/ListCampaigns", params={"Signature": "c2lnbmF0dXJl", "AccessKeySecret": SECRET})
        http.post(f"{GW}/CreateCampaign", json={"Name": TOKEN})
    text = json.dumps(fakepai.requests)
    assert len(fakepai.requests) == 3
    for forbidden in (SECRET, TOKEN, "c2lnbmF0dXJl", "ACS3-HMAC-SHA256", "Signature", "Bearer"):
        assert forbidden not in text, forbidden
    with fakepai.http() as http:
        assert TOKEN not in http.get("/_fakepai/requests").text


def test_the_buffer_is_bounded_by_settings():
    with FakePAI(rate_limit=False, request_log_size=3) as pai:
        with pai.http() as http:
            for i in range(5):
                http.get(f"{GW}/GetCampaign/c{i}")
        assert [r["path"].rsplit("/", 1)[1] for r in pai.requests] == ["c2", "c3", "c4"]
        with pai.http() as http:
            assert http.get("/_fakepai/requests").json()["size"] == 3


def test_ring_buffer_unit():
    log = RequestLog(2)
    for i in range(3):
        log.add(at=0.0, request_id=str(i), account="a", product="P", action="A", method="GET",
                path="/", status=200 + i, error_code=None, latency_ms=0.0)
    assert [r["request_id"] for r in log.query()] == ["1", "2"]
    log.resize(1)
    assert [r["request_id"] for r in log.query()] == ["2"] and len(log) == 1 and log.size == 1
    assert log.query(status="2xx", limit=5) == log.query(status=202)
