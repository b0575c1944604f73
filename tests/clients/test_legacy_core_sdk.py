"""aliyun-python-sdk-core's CommonRequest (ROA style, HMAC-SHA1, no signature nonce, Content-MD5 on
every body) against `fakepai serve --auth strict` run as a subprocess, the way its users run it
(issue #12 §2, docs/security.md "Signature forms accepted")."""
from __future__ import annotations

import json
import socket
import threading

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.credentials import StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from tests.helpers import ServedProcess

AK, SECRET = "LTAIlegacycore01", "legacy-core-secret"
STS_AK, STS_SECRET, STS_TOKEN = "STS.legacycore02", "legacy-sts-secret", "CAISlegacy/sts+token=="
DLC, STUDIO, PLUGIN = "2020-12-03", "2022-01-12", "2022-01-12"
JOB = {"DisplayName": "legacy", "JobType": "PyTorchJob", "WorkspaceId": "12345", "UserCommand": "echo hello",
       "JobSpecs": [{"Type": "Worker", "Image": "pytorch:2.1", "PodCount": 1, "EcsSpec": "ecs.g6.xlarge"}]}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    creds = tmp_path_factory.mktemp("creds") / "credentials.json"
    creds.write_text(json.dumps({"accessKeys": [
        {"accessKeyId": AK, "accessKeySecret": SECRET},
        {"accessKeyId": STS_AK, "accessKeySecret": STS_SECRET, "securityToken": STS_TOKEN}]}))
    with ServedProcess("--auth", "strict", "--credentials", str(creds)) as served:
        yield served


def _request(endpoint: str, version: str, method: str, uri: str, *, query=None, path=None, body=None, form=None):
    r = CommonRequest(domain=endpoint, version=version, uri_pattern=uri)
    r.set_protocol_type("http")
    r.set_method(method)
    for k, v in (query or {}).items():
        r.add_query_param(k, v)
    for k, v in (path or {}).items():
        r.add_path_param(k, v)
    if body is not None:
        r.set_content_type("application/json")
        r.set_content(json.dumps(body).encode())
    for k, v in (form or {}).items():
        r.add_body_params(k, v)
    return r


def _call(endpoint: str, *args, secret: str = SECRET, **kwargs) -> dict:
    client = AcsClient(AK, secret, "cn-hangzhou", auto_retry=False)
    return json.loads(client.do_action_with_exception(_request(endpoint, *args, **kwargs)))


def _error(endpoint: str, *args, **kwargs) -> ServerException:
    with pytest.raises(ServerException) as info:
        _call(endpoint, *args, **kwargs)
    return info.value


def test_get_and_post_with_a_body_work_for_three_products(server):
    ep = server.endpoint
    # pai-dlc: JSON body (Content-MD5 sent), then GETs with a path parameter and with a query
    job_id = _call(ep, DLC, "POST", "/api/v1/jobs", body=JOB)["JobId"]
    assert _call(ep, DLC, "GET", "/api/v1/jobs/[JobId]", path={"JobId": job_id})["DisplayName"] == "legacy"
    listed = _call(ep, DLC, "GET", "/api/v1/jobs", query={"WorkspaceId": "12345", "PageSize": "5"})
    assert [j["JobId"] for j in listed["Jobs"]] == [job_id]
    # PaiStudio: a form-encoded body (add_body_params), then a GET
    algo = _call(ep, STUDIO, "POST", "/api/v1/algorithms",
                 form={"AlgorithmName": "legacy-algo", "WorkspaceId": "12345", "AlgorithmDescription": "two words"})
    got = _call(ep, STUDIO, "GET", "/api/v1/algorithms/[AlgorithmId]", path={"AlgorithmId": algo["AlgorithmId"]})
    assert (got["AlgorithmName"], got["AlgorithmDescription"]) == ("legacy-algo", "two words")
    # PaiPlugin: a JSON body and a GET
    campaign = _call(ep, PLUGIN, "POST", "/api/v2/campaigns", body={"Name": "legacy-campaign", "Remark": "r"})["Data"]
    assert _call(ep, PLUGIN, "GET", "/api/v2/campaigns/[Id]", path={"Id": campaign["Id"]})["Data"]["Name"] == "legacy-campaign"


def test_the_forms_where_pop_core_differs_from_tea_openapi_are_accepted(server):
    ep = server.endpoint
    # An empty query value: pop-core signs `DisplayName=`, tea-openapi `DisplayName`.
    listed = _call(ep, DLC, "GET", "/api/v1/jobs", query={"WorkspaceId": "12345", "DisplayName": ""})
    assert "Jobs" in listed
    # A path parameter needing percent-encoding: pop-core signs the raw value, sends it encoded.
    e = _error(ep, DLC, "GET", "/api/v1/jobs/[JobId]", path={"JobId": "no such job"})
    assert (e.get_http_status(), e.get_error_code()) == (404, "NotFound")      # pai-dlc's code (docs/clients.md)


def test_a_wrong_secret_is_signature_does_not_match(server):
    e = _error(server.endpoint, DLC, "GET", "/api/v1/jobs", query={"WorkspaceId": "12345"}, secret="not-the-secret")
    assert (e.get_http_status(), e.get_error_code()) == (400, "SignatureDoesNotMatch")
    e = _error(server.endpoint, DLC, "POST", "/api/v1/jobs", body=JOB, secret="not-the-secret")
    assert e.get_error_code() == "SignatureDoesNotMatch"


def test_sts_credentials_sign_with_their_security_token(server):
    def list_jobs(token: str) -> dict:
        client = AcsClient(region_id="cn-hangzhou", auto_retry=False,
                           credential=StsTokenCredential(STS_AK, STS_SECRET, token))
        return json.loads(client.do_action_with_exception(
            _request(server.endpoint, DLC, "GET", "/api/v1/jobs", query={"WorkspaceId": "12345"})))

    assert "Jobs" in list_jobs(STS_TOKEN)
    with pytest.raises(ServerException) as info:
        list_jobs("CAISsome/other+token==")
    assert (info.value.get_http_status(), info.value.get_error_code()) == (401, "InvalidSecurityToken.MismatchWithAccessKey")


class _TamperingProxy:
    """A man in the middle between the client and the server: forwards one request at a time with
    `old` replaced by `new` (same length) in its body, and relays the answer."""

    def __init__(self, upstream_port: int, old: bytes, new: bytes):
        assert len(old) == len(new)
        self.upstream_port, self.old, self.new = upstream_port, old, new
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)        # accept() wakes up to notice close()
        self.closed = False
        self.endpoint = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.tampered = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return                  # closed
            conn.settimeout(30)
            with conn, socket.create_connection(("127.0.0.1", self.upstream_port)) as up:
                request = self._read_message(conn)
                head, _, body = request.partition(b"\r\n\r\n")
                if self.old in body:
                    body = body.replace(self.old, self.new)
                    self.tampered += 1
                head = b"\r\n".join(line for line in head.split(b"\r\n")
                                    if not line.lower().startswith(b"connection:")) + b"\r\nConnection: close"
                up.sendall(head + b"\r\n\r\n" + body)
                while chunk := up.recv(65536):
                    conn.sendall(chunk)

    @staticmethod
    def _read_message(conn) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            body += conn.recv(65536)
        return head + b"\r\n\r\n" + body

    def close(self) -> None:
        self.closed = True
        self.thread.join(timeout=10)
        self.listener.close()


def test_a_body_tampered_in_flight_is_refused_by_its_content_md5(server):
    proxy = _TamperingProxy(server.port, b"echo hello", b"rm -rf /*!")
    try:
        e = _error(proxy.endpoint, DLC, "POST", "/api/v1/jobs", body=JOB)
    finally:
        proxy.close()
    assert proxy.tampered == 1
    assert (e.get_http_status(), e.get_error_code()) == (400, "SignatureDoesNotMatch")
    assert "Content-MD5" in e.get_error_msg()
    # Nothing was created by the refused request.
    listed = _call(server.endpoint, DLC, "GET", "/api/v1/jobs", query={"WorkspaceId": "12345", "PageSize": "100"})
    assert all(j["UserCommand"] != "rm -rf /*!" for j in listed["Jobs"])
