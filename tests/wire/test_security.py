"""Wire-level hardening of issue #11 §3, through real HTTP: per-request fault headers are bounded and
never hold shutdown hostage, error messages never echo a credential, Content-MD5 binds the body
(docs/security.md)."""
from __future__ import annotations

import base64
import hashlib
import json
import signal
import threading
import time

import httpx
import pytest

from fakepai import FakePAI
from fakepai.wire import signing
from tests.helpers import ServedProcess, assert_error

GW = "/api/PaiPlugin/2022-01-12"
DLC = "/api/pai-dlc/2020-12-03"
STS_AK, STS_SECRET, STS_TOKEN = "STS.NGuardKey01", "sts-guard-secret", "CAIS/guardTOKENvalue+42=="
CREDS = {"accessKeys": [{"accessKeyId": STS_AK, "accessKeySecret": STS_SECRET, "securityToken": STS_TOKEN}]}


# --------------------------------------------------------------------------- fault header bounds

@pytest.mark.parametrize("value", ["delay-" + "9" * 400, "delay-600001", "delay-300000,delay-300001",
                                   "delay-1e3", "delay-1_000", "delay- 5", "delay--5", "return-" + "5" * 400])
def test_a_fault_header_beyond_the_control_planes_bounds_is_a_400(fakepai, value):
    with fakepai.http() as http:
        r = http.get(f"{GW}/ListCampaigns", headers={"x-fakepai-fault": value})
    body = assert_error(r, 400, "InvalidParameter")
    assert "x-fakepai-fault" in body["Message"] and len(body["Message"]) < 300


def test_a_fault_header_within_the_bounds_still_works(fakepai):
    with fakepai.http() as http:
        started = time.monotonic()
        assert http.get(f"{GW}/ListCampaigns", headers={"x-fakepai-fault": "delay-100,delay-100"}).status_code == 200
        assert time.monotonic() - started >= 0.2


def test_a_request_sleeping_an_injected_delay_does_not_hold_shutdown_or_the_state_save(tmp_path):
    state = tmp_path / "state.pkl"
    with ServedProcess("--state-file", str(state)) as served:
        with httpx.Client(base_url=served.url, headers={"Authorization": "Bearer t"}) as http:
            job = http.post(f"{DLC}/CreateJob", json={
                "DisplayName": "kept", "JobType": "PyTorchJob", "WorkspaceId": "1", "UserCommand": "echo",
                "JobSpecs": [{"Type": "Worker", "Image": "i", "PodCount": 1, "EcsSpec": "ecs.g6.xlarge"}]}).json()["JobId"]
            # A registered 1 ms fault on the same call counts the request once it is past its
            # fault check, i.e. sleeping the header's 10 minutes.
            http.post("/_fakepai/faults", json={"action": "ListCampaigns", "latency_ms": 1})

            def sleeper():
                try:
                    httpx.get(f"{served.url}{GW}/ListCampaigns", timeout=120,
                              headers={"Authorization": "Bearer t", "x-fakepai-fault": "delay-600000"})
                except httpx.TransportError:
                    pass                # the server cancelled it on shutdown: expected

            thread = threading.Thread(target=sleeper, daemon=True)
            thread.start()
            deadline = time.monotonic() + 30
            while http.get("/_fakepai/faults").json()["faults"][0]["matched"] < 1:
                assert time.monotonic() < deadline, "the delayed request never reached the server"
                time.sleep(0.05)
        stopped = time.monotonic()
        served.proc.send_signal(signal.SIGTERM)
        served.proc.wait(timeout=60)
        assert time.monotonic() - stopped < 30
        thread.join(timeout=30)
    with ServedProcess("--state-file", str(state)) as again:
        r = httpx.get(f"{again.url}{DLC}/GetJob/{job}", headers={"Authorization": "Bearer t"})
        assert r.status_code == 200 and r.json()["DisplayName"] == "kept"


# --------------------------------------------------------------------------- no credential echoed

def test_signature_does_not_match_never_echoes_the_security_token():
    with FakePAI(auth="strict", credentials=CREDS, rate_limit=False) as pai:
        host = pai.endpoint
        query = [("WorkspaceId", "1")]
        acs3 = signing.sign_acs3("GET", "/api/v1/jobs", query,
                                 {"host": host, "x-acs-action": "ListJobs", "x-acs-version": "2020-12-03"},
                                 b"", STS_AK, "a-wrong-secret", security_token=STS_TOKEN)
        roa = signing.sign_roa_v1("GET", "/api/v1/jobs", query,
                                  {"host": host, "accept": "application/json", "x-acs-version": "2020-12-03"},
                                  b"", STS_AK, "a-wrong-secret", security_token=STS_TOKEN)
        for headers in (acs3, roa):
            r = httpx.get(f"{pai.url}/api/v1/jobs", params=query, headers=headers)
            body = assert_error(r, 400, "SignatureDoesNotMatch")
            assert STS_TOKEN not in r.text and "guardTOKENvalue" not in r.text
            # The server's string to sign is still shown, so a client can compare it with its own.
            assert "x-acs-security-token:<redacted>" in body["Message"]
            assert "x-acs-version:2020-12-03" in body["Message"]


# --------------------------------------------------------------------------- Content-MD5

def test_content_md5_must_match_the_body_in_any_mode_too(fakepai):
    body = json.dumps({"Name": "md5-campaign"}).encode()
    good = base64.b64encode(hashlib.md5(body).digest()).decode()
    with fakepai.http(headers={"content-type": "application/json"}) as http:
        r = http.post(f"{GW}/CreateCampaign", content=body.replace(b"md5", b"MD5"), headers={"content-md5": good})
        assert_error(r, 400, "SignatureDoesNotMatch")
        listed = http.get(f"{GW}/ListCampaigns").json()["Data"]
        assert listed["Total"] == 0 if "Total" in listed else not listed.get("Campaigns")
        assert http.post(f"{GW}/CreateCampaign", content=body, headers={"content-md5": good}).status_code == 200
