"""The control plane /_fakepai/ is not open to every web page and every network (issue #11 §3;
the rules are in fakepai/control/guard.py and docs/security.md). Everything goes through real
HTTP: the `fakepai` fixture, FakePAI, or `fakepai serve` as a subprocess."""
from __future__ import annotations

import json

import httpx
import pytest

from fakepai import FakePAI
from tests.helpers import ServedProcess, assert_refused, free_port, run_fakepai

DLC = "/api/pai-dlc/2020-12-03"
JOB = {"DisplayName": "kept", "JobType": "PyTorchJob", "WorkspaceId": "1", "UserCommand": "echo",
       "JobSpecs": [{"Type": "Worker", "Image": "i", "PodCount": 1, "EcsSpec": "ecs.g6.xlarge"}]}
FAULT = json.dumps({"action": "ListJobs", "status": 503})
TOKEN = "admin-token-for-tests-4f1c"


def _refused(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.json()["Code"] == code and r.json()["Message"] and r.json()["RequestId"]


def _jobs(pai) -> int:
    with pai.http() as http:
        return http.get(f"{DLC}/ListJobs").json()["TotalCount"]


# --------------------------------------------------------------------------- forgery (no token)

def test_a_cross_origin_text_plain_post_cannot_reset_the_state(fakepai):
    """What any web page can send without a preflight: a `text/plain` POST with its Origin."""
    with fakepai.http() as http:
        http.post(f"{DLC}/CreateJob", json=JOB)
    attacks = [{"origin": "http://evil.example", "content-type": "text/plain"},
               {"origin": "http://evil.example"},                                   # no body at all
               {"origin": "null"},                                                  # sandboxed frame
               {"origin": f"http://localhost:{fakepai.settings.port}"},            # another origin, same port
               {"sec-fetch-site": "cross-site", "content-type": "application/json"}]
    for headers in attacks:
        _refused(httpx.post(f"{fakepai.url}/_fakepai/reset", headers=headers), 403, "CrossOriginRefused")
    assert _jobs(fakepai) == 1


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None])
def test_state_changing_calls_take_json_only(fakepai, content_type):
    headers = {"content-type": content_type} if content_type else {}
    for method, path in (("POST", "/_fakepai/faults"), ("PUT", "/_fakepai/clock"), ("POST", "/_fakepai/clock/advance")):
        r = httpx.request(method, f"{fakepai.url}{path}", content=FAULT if path.endswith("faults") else '{"speed": 0}',
                          headers=headers)
        _refused(r, 415, "UnsupportedMediaType")
    assert fakepai.faults() == [] and fakepai.emulator.clock.speed == 1.0


def test_same_origin_json_and_bodyless_posts_are_served(fakepai):
    origin = {"origin": fakepai.url, "sec-fetch-site": "same-origin"}
    r = httpx.post(f"{fakepai.url}/_fakepai/faults", content=FAULT,
                   headers={**origin, "content-type": "application/json; charset=utf-8"})
    assert r.status_code == 201
    assert httpx.delete(f"{fakepai.url}/_fakepai/faults").status_code == 200        # curl -X DELETE
    assert httpx.post(f"{fakepai.url}/_fakepai/reset", headers=origin).status_code == 200


def test_gets_stay_readable_cross_origin_and_change_nothing(fakepai):
    with fakepai.http() as http:
        http.post(f"{DLC}/CreateJob", json=JOB)
    for path in ("/_fakepai/", "/_fakepai/health", "/_fakepai/requests", "/_fakepai/faults", "/_fakepai/clock"):
        assert httpx.get(f"{fakepai.url}{path}", headers={"origin": "http://evil.example"}).status_code == 200
    assert _jobs(fakepai) == 1


def test_a_rebound_dns_name_does_not_reach_the_control_plane(fakepai):
    """A page on evil.example whose name now points at 127.0.0.1 is 'same origin' by Origin alone."""
    evil = {"host": f"evil.example:{fakepai.settings.port}"}
    _refused(httpx.post(f"{fakepai.url}/_fakepai/reset", headers={**evil, "origin": f"http://{evil['host']}"}),
             403, "HostNotAllowed")
    _refused(httpx.get(f"{fakepai.url}/_fakepai/requests", headers=evil), 403, "HostNotAllowed")
    assert httpx.get(f"{fakepai.url}/_fakepai/health", headers={"host": f"localhost:{fakepai.settings.port}"}).status_code == 200


# --------------------------------------------------------------------------- the admin token

@pytest.fixture(scope="module")
def guarded():
    creds = {"bearerTokens": [{"token": "pai-bearer-token"}],
             "accessKeys": [{"accessKeyId": "AKguard", "accessKeySecret": "pai-secret"}]}
    with FakePAI(auth="strict", credentials=creds, admin_token=TOKEN, rate_limit=False) as pai:
        yield pai


def test_with_an_admin_token_every_control_call_but_health_needs_it(guarded):
    url = guarded.url
    assert httpx.get(f"{url}/_fakepai/health").status_code == 200
    for method, path in (("GET", "/_fakepai/"), ("GET", "/_fakepai/requests"), ("GET", "/_fakepai/openapi.json"),
                         ("POST", "/_fakepai/reset"), ("GET", "/_fakepai/no-such-page")):
        _refused(httpx.request(method, f"{url}{path}"), 401, "AdminTokenRequired")
        _refused(httpx.request(method, f"{url}{path}", headers={"x-fakepai-admin-token": TOKEN + "x"}),
                 401, "AdminTokenRequired")
    ok = {"x-fakepai-admin-token": TOKEN}
    assert httpx.get(f"{url}/_fakepai/requests", headers=ok).status_code == 200
    assert httpx.post(f"{url}/_fakepai/faults", json={"action": "GetJob", "status": 503}, headers=ok).status_code == 201
    # The Python API sends it for you.
    with guarded.http() as http:
        assert http.delete("/_fakepai/faults").json() == {"faults": []}
    assert guarded.admin_headers == ok


def test_pai_credentials_never_open_the_control_plane(guarded):
    url = guarded.url
    assert httpx.get(f"{url}{DLC}/ListJobs", headers={"Authorization": "Bearer pai-bearer-token"}).status_code == 200
    for credential in ({"Authorization": "Bearer pai-bearer-token"}, {"x-acs-bearer-token": "pai-bearer-token"},
                       {"Authorization": f"Bearer {TOKEN}"}, {"x-fakepai-admin-token": "pai-secret"}):
        _refused(httpx.post(f"{url}/_fakepai/reset", headers=credential), 401, "AdminTokenRequired")
    with pytest.raises(ValueError, match="must not be a PAI credential"):
        FakePAI(auth="strict", credentials={"bearerTokens": [{"token": TOKEN}]}, admin_token=TOKEN)


def test_a_browser_logs_in_once_with_the_token_in_the_url(guarded):
    with httpx.Client(base_url=guarded.url) as browser:
        r = browser.get("/_fakepai/requests", params={"token": TOKEN, "limit": "5"})
        assert r.status_code == 303 and r.headers["location"] == "/_fakepai/requests?limit=5"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/_fakepai" in cookie
        assert TOKEN not in cookie                                # a digest, not the token
        assert browser.get(r.headers["location"]).status_code == 200
        assert "<title>fakepai console</title>" in browser.get("/_fakepai/").text     # the web console
        # The cookie carries same-origin JSON writes too; the forgery rules still apply to them.
        assert browser.put("/_fakepai/clock", json={"speed": 1}, headers={"origin": guarded.url}).status_code == 200
        _refused(browser.post("/_fakepai/reset", headers={"origin": "http://evil.example"}), 403, "CrossOriginRefused")
        _refused(browser.get("/_fakepai/", params={"token": "wrong"}), 401, "AdminTokenRequired")


# --------------------------------------------------------------------------- where it listens

def test_serve_refuses_to_listen_beyond_loopback_without_an_admin_token():
    assert_refused(run_fakepai("serve", "--host", "0.0.0.0", "--port", str(free_port())), "admin token", "0.0.0.0")
    with pytest.raises(ValueError, match="admin token"):
        FakePAI(host="0.0.0.0")


def test_serve_with_an_admin_token_guards_the_control_plane():
    with ServedProcess("--admin-token", TOKEN) as served:
        assert httpx.get(f"{served.url}/_fakepai/health").status_code == 200
        _refused(httpx.post(f"{served.url}/_fakepai/reset"), 401, "AdminTokenRequired")
        assert httpx.post(f"{served.url}/_fakepai/reset", headers={"x-fakepai-admin-token": TOKEN}).status_code == 200
