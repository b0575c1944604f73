"""Signatures, checked against what the official SDK really puts on the wire.

A throwaway stdlib HTTP server records every request the official PaiStudio client sends
(ACS3-HMAC-SHA256 by default, HMAC-SHA1 ``acs AK:sig`` with ``signature_algorithm='v2'`` — the
path alipai's bundled DLC client takes). We then check that ``fakepai.wire.signing`` reproduces the
SDK's Authorization header byte for byte, that the strict verifier accepts each captured request,
and that it rejects the request after any tampering.
"""
from __future__ import annotations

import dataclasses
import json
import threading
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest

from fakepai.errors import PaiError
from fakepai.wire import signing
from fakepai.wire.auth import Authenticator, Credentials, RawRequest

pytest.importorskip("alibabacloud_paistudio20220112")
from alibabacloud_paistudio20220112 import models as ps  # noqa: E402
from alibabacloud_paistudio20220112.client import Client as PaiStudioClient  # noqa: E402
from alibabacloud_tea_openapi.utils import Utils as TeaUtils  # noqa: E402
from alibabacloud_tea_openapi.utils import get_canonical_query_string  # noqa: E402
from alibabacloud_tea_openapi.utils_models import Config  # noqa: E402

AK, SECRET, STS_AK, STS_SECRET, STS_TOKEN = "LTAI5tFakeKey0001", "fake-secret-0001", "STS.NFake0002", "sts-secret", "CAIS+token/=="
# Headers the transport (requests/urllib3) adds after the SDK signed; never in a signature.
TRANSPORT = {"content-length", "accept-encoding", "connection"}


# --------------------------------------------------------------------------- capture

@dataclasses.dataclass
class Captured:
    method: str
    path: str                       # raw path, as received
    query: list[tuple[str, str]]    # decoded pairs
    headers: dict[str, str]         # lower-cased
    body: bytes

    def raw(self) -> RawRequest:
        return RawRequest(self.method, self.path, list(self.query), dict(self.headers), self.body)

    def signed_headers(self, *leaving_out: str) -> dict[str, str]:
        """The headers the SDK signed (those the transport added after it left out), minus `leaving_out`."""
        return {k: v for k, v in self.headers.items() if k not in TRANSPORT and k not in leaving_out}


def _keys(name: str) -> tuple[str, str, str | None]:
    """(access key id, secret, security token) the SDK signed case `name` with: the STS case's, or the plain key's."""
    return (STS_AK, STS_SECRET, STS_TOKEN) if name == "sts" else (AK, SECRET, None)


class _Recorder(BaseHTTPRequestHandler):
    records: list[Captured] = []

    def _handle(self):
        n = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(n) if n else b""
        parts = urlsplit(self.path)
        self.records.append(Captured(
            method=self.command, path=parts.path,
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()}, body=body))
        out = b'{"RequestId":"X"}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    with pytest.MonkeyPatch.context() as mp:
        # darabonba routes through HTTP(S)_PROXY from the environment; keep loopback direct.
        for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            mp.delenv(var, raising=False)
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")
        yield srv
    srv.shutdown()
    srv.server_close()


def _client(server, **extra) -> PaiStudioClient:
    cfg = dict(access_key_id=AK, access_key_secret=SECRET, endpoint=f"127.0.0.1:{server.server_port}",
               protocol="http")
    cfg.update(extra)
    return PaiStudioClient(Config(**cfg))


# One call per interesting wire shape.
CALLS = {
    # GET with a JSON "shrink" query value (Labels), spaces, '/', '+', non-ASCII, and an int.
    "list-query": lambda c: c.list_training_jobs(ps.ListTrainingJobsRequest(
        labels={"team a": "x/y+z é"}, page_size=5, workspace_id="123", training_job_name="my job~1")),
    # POST with a JSON body.
    "create-json": lambda c: c.create_training_job(ps.CreateTrainingJobRequest().from_map({
        "TrainingJobName": "job é 1", "AlgorithmName": "pytorch", "WorkspaceId": "123",
        "HyperParameters": [{"Name": "lr", "Value": "0.1"}],
        "Labels": [{"Key": "k", "Value": "v w"}],
        "ComputeResource": {"EcsCount": 1, "EcsSpec": "ecs.gn6i-c4g1.xlarge"}})),
    # POST with an application/x-www-form-urlencoded body.
    "create-form": lambda c: c.create_algorithm(ps.CreateAlgorithmRequest(
        algorithm_name="algo x", algorithm_description="a&b=c/d é+", workspace_id="123")),
    # DELETE with a query parameter.
    "delete-query": lambda c: c.delete_training_job_labels(
        "train123abc", ps.DeleteTrainingJobLabelsRequest(keys="k1,k 2")),
    # A path parameter that needs percent-encoding.
    "encoded-path": lambda c: c.get_training_job("train job/ü~*(1)"),
}


def _capture(server, call, **extra) -> Captured:
    _Recorder.records.clear()
    CALLS[call](_client(server, **extra))
    assert len(_Recorder.records) == 1
    return _Recorder.records[0]


@pytest.fixture(scope="module")
def acs3(server):
    out = {name: _capture(server, name) for name in CALLS}
    out["sts"] = _capture(server, "list-query", access_key_id=STS_AK, access_key_secret=STS_SECRET,
                          security_token=STS_TOKEN)
    return out


@pytest.fixture(scope="module")
def roa(server):
    out = {name: _capture(server, name, signature_algorithm="v2") for name in CALLS}
    out["sts"] = _capture(server, "list-query", signature_algorithm="v2", access_key_id=STS_AK,
                          access_key_secret=STS_SECRET, security_token=STS_TOKEN)
    return out


def _creds(secret: str = SECRET, sts_secret: str = STS_SECRET) -> Credentials:
    return Credentials.from_dict({"accessKeys": [
        {"accessKeyId": AK, "accessKeySecret": secret, "accountId": "acct-1"},
        {"accessKeyId": STS_AK, "accessKeySecret": sts_secret, "securityToken": STS_TOKEN},
    ]})


def _acs3_time(c: Captured) -> float:
    return datetime.strptime(c.headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def _roa_time(c: Captured) -> float:
    return parsedate_to_datetime(c.headers["date"]).timestamp()


def _strict(at: float, creds: Credentials | None = None) -> Authenticator:
    return Authenticator("strict", creds or _creds(), wall_clock=lambda: at)


def _rejects(auth: Authenticator, req: RawRequest) -> PaiError:
    with pytest.raises(PaiError) as ei:
        auth.authenticate(req)
    return ei.value


ACS3_CASES = list(CALLS) + ["sts"]


# --------------------------------------------------------------------------- what the SDK sends

def test_sdk_wire_shapes(acs3, roa):
    """Document the surprising bits of the SDK's encoding; the signer depends on them."""
    # Path parameters: DaraURL.percent_encode = quote(safe='') -> '/', ' ', '*', '(' encoded, '~' kept.
    assert acs3["encoded-path"].path == "/api/v1/trainingjobs/train%20job%2F%C3%BC~%2A%281%29"
    # Form body: Utils.to_form -> sorted keys, urlencode (quote_plus): space -> '+', '/' -> %2F.
    assert acs3["create-form"].body == (b"AlgorithmDescription=a%26b%3Dc%2Fd+%C3%A9%2B"
                                        b"&AlgorithmName=algo+x&WorkspaceId=123")
    assert acs3["create-form"].headers["content-type"] == "application/x-www-form-urlencoded"
    # JSON body: compact separators, ensure_ascii=False (raw UTF-8).
    assert acs3["create-json"].headers["content-type"] == "application/json; charset=utf-8"
    assert "job é 1".encode() in acs3["create-json"].body and b", " not in acs3["create-json"].body
    # Shrink parameter: Labels travels as a compact JSON string in the query.
    assert dict(acs3["list-query"].query)["Labels"] == '{"team a":"x/y+z é"}'
    # ACS3 signs every header the SDK set, including user-agent and x-acs-credentials-provider.
    auth = acs3["list-query"].headers["authorization"]
    assert "SignedHeaders=accept;host;user-agent;x-acs-action;x-acs-content-sha256;" \
           "x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version," in auth
    assert acs3["list-query"].headers["x-acs-content-sha256"] == signing.EMPTY_SHA256
    # STS: the SDK adds x-acs-accesskey-id and x-acs-security-token, both signed.
    assert acs3["sts"].headers["x-acs-security-token"] == STS_TOKEN
    assert "x-acs-accesskey-id;" in acs3["sts"].headers["authorization"]
    # ROA v1: Date in RFC 1123, HMAC-SHA1 markers, no body hash and no Content-MD5.
    r = roa["create-json"].headers
    assert r["authorization"].startswith(f"acs {AK}:")
    assert r["x-acs-signature-method"] == "HMAC-SHA1" and r["x-acs-signature-version"] == "1.0"
    assert r["date"].endswith(" GMT") and "content-md5" not in r and "x-acs-content-sha256" not in r


# --------------------------------------------------------------------------- ACS3: signer

@pytest.mark.parametrize("name", ACS3_CASES)
def test_sign_acs3_reproduces_sdk_authorization(acs3, name):
    c = acs3[name]
    ak, secret, token = _keys(name)
    given = c.signed_headers("authorization", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256",
                             "x-acs-accesskey-id", "x-acs-security-token")
    out = signing.sign_acs3(c.method, c.path, c.query, given, c.body, ak, secret, token,
                            date=c.headers["x-acs-date"], nonce=c.headers["x-acs-signature-nonce"])
    assert out["authorization"] == c.headers["authorization"]
    assert out == c.signed_headers()   # the full header set, not just the Authorization


def test_acs3_matches_sdk_reference_on_tricky_values():
    """canonical_query / the whole Authorization against tea-openapi's own functions."""
    values = ["", " ", "a b", "a+b", "a/b", "~-._", "*", "é", "中文", "%41", "a=b&c", '{"k":"v"}', "!'()"]
    query = {f"K{i}": v for i, v in enumerate(values)}
    assert signing.canonical_query(list(query.items())) == get_canonical_query_string(query)
    assert signing.canonical_query(list(reversed(list(query.items())))) == get_canonical_query_string(query)
    assert signing.canonical_query([]) == get_canonical_query_string({}) == ""
    headers = {"host": "h:1", "accept": "application/json", "x-acs-action": "A", "x-acs-date": "2024-01-02T03:04:05Z",
               "x-acs-signature-nonce": "n", "x-acs-content-sha256": signing.sha256_hex(b"body"),
               "content-type": "text/plain", "x-acs-extra": "  padded  "}
    ref = TeaUtils.get_authorization(SimpleNamespace(method="PUT", pathname="/p/a%20b", query=query, headers=headers),
                                     "ACS3-HMAC-SHA256", signing.sha256_hex(b"body"), AK, SECRET)
    ours = signing.sign_acs3("PUT", "/p/a%20b", list(query.items()), headers, b"body", AK, SECRET,
                             date="2024-01-02T03:04:05Z", nonce="n")
    assert ours["authorization"] == ref


# --------------------------------------------------------------------------- ACS3: verifier

@pytest.mark.parametrize("name", ACS3_CASES)
def test_strict_accepts_captured_acs3(acs3, name):
    c = acs3[name]
    p = _strict(_acs3_time(c) + 30).authenticate(c.raw())
    assert p.method == "acs3"
    assert (p.account_id, p.key_id) == (("acct-1", AK) if name != "sts" else (STS_AK, STS_AK))


def _tamper_query(r: RawRequest) -> RawRequest:
    q = list(r.query) or [("Extra", "1")]
    if r.query:
        k, v = q[0]
        q[0] = (k, v + "x")
    return dataclasses.replace(r, query=q)


@pytest.mark.parametrize("name", ACS3_CASES)
@pytest.mark.parametrize("tamper", ["query", "path", "method", "signed-header"])
def test_strict_rejects_tampered_acs3(acs3, name, tamper):
    c = acs3[name]
    r = c.raw()
    if tamper == "query":
        r = _tamper_query(r)
    elif tamper == "path":
        r = dataclasses.replace(r, path=r.path + "x")
    elif tamper == "method":
        r = dataclasses.replace(r, method="PUT" if r.method != "PUT" else "POST")
    else:
        r = dataclasses.replace(r, headers={**r.headers, "x-acs-action": "DeleteEverything"})
    e = _rejects(_strict(_acs3_time(c)), r)
    assert (e.status, e.code) == (400, "SignatureDoesNotMatch")
    assert "server string to sign is:ACS3-HMAC-SHA256\n" in e.message
    assert f"canonical request is:{r.method}\n{r.path}\n" in e.message


@pytest.mark.parametrize("name", ["create-json", "create-form"])
def test_strict_rejects_tampered_body(acs3, name):
    c = acs3[name]
    e = _rejects(_strict(_acs3_time(c)), dataclasses.replace(c.raw(), body=c.body + b" "))
    assert (e.status, e.code) == (400, "SignatureDoesNotMatch")
    assert "x-acs-content-sha256" in e.message


def test_strict_rejects_body_on_bodiless_request(acs3):
    c = acs3["list-query"]
    e = _rejects(_strict(_acs3_time(c)), dataclasses.replace(c.raw(), body=b"{}"))
    assert e.code == "SignatureDoesNotMatch"


@pytest.mark.parametrize("name", ACS3_CASES)
def test_strict_rejects_wrong_secret(acs3, name):
    c = acs3[name]
    e = _rejects(_strict(_acs3_time(c), _creds(secret="other", sts_secret="other")), c.raw())
    assert (e.status, e.code) == (400, "SignatureDoesNotMatch")


def test_strict_rejects_altered_date_and_stale_date(acs3):
    c = acs3["list-query"]
    t = _acs3_time(c)
    # Moving x-acs-date, even by a second inside the window, breaks the signature (it is signed).
    moved = signing.acs3_date(datetime.fromtimestamp(t + 1, timezone.utc))
    e = _rejects(_strict(t), dataclasses.replace(c.raw(), headers={**c.headers, "x-acs-date": moved}))
    assert e.code == "SignatureDoesNotMatch"
    # The untouched request, presented 16 minutes later (or earlier): expired.
    for skew in (16 * 60, -16 * 60):
        e = _rejects(_strict(t + skew), c.raw())
        assert (e.status, e.code) == (400, "InvalidTimeStamp.Expired")
    # ...but 14 minutes is within the window.
    assert _strict(t + 14 * 60).authenticate(c.raw()).account_id == "acct-1"
    # Garbled date.
    e = _rejects(_strict(t), dataclasses.replace(c.raw(), headers={**c.headers, "x-acs-date": "yesterday"}))
    assert (e.status, e.code) == (400, "InvalidTimeStamp.Format")


@pytest.mark.parametrize("name", ["list-query", "create-form", "sts"])
def test_strict_rejects_replayed_nonce(acs3, name):
    c = acs3[name]
    auth = _strict(_acs3_time(c))
    auth.authenticate(c.raw())
    e = _rejects(auth, c.raw())
    assert (e.status, e.code) == (400, "SignatureNonceUsed")


def test_failed_signature_does_not_consume_nonce(acs3):
    c = acs3["create-json"]
    auth = _strict(_acs3_time(c))
    _rejects(auth, dataclasses.replace(c.raw(), path="/forged"))
    assert auth.authenticate(c.raw()).method == "acs3"


def test_strict_requires_signed_acs_headers(acs3):
    c = acs3["list-query"]
    e = _rejects(_strict(_acs3_time(c)), dataclasses.replace(c.raw(), headers={**c.headers, "x-acs-sneaky": "1"}))
    assert (e.status, e.code) == (400, "IncompleteSignature")
    assert "x-acs-sneaky" in e.message


def test_strict_sts_token_must_match(acs3):
    c = acs3["sts"]
    e = _rejects(_strict(_acs3_time(c)), dataclasses.replace(
        c.raw(), headers={k: v for k, v in c.headers.items() if k != "x-acs-security-token"}))
    assert (e.status, e.code) == (401, "InvalidSecurityToken.MismatchWithAccessKey")


def test_signer_round_trips_through_verifier():
    """The contract kit's path: sign with sign_acs3, verify with the strict authenticator."""
    now = 1_700_000_000.0
    body = json.dumps({"TrainingJobName": "n", "WorkspaceId": "7"}).encode()
    query = [("Labels", '{"a":"b c"}'), ("PageSize", "10"), ("Empty", "")]
    headers = signing.sign_acs3("POST", "/api/v1/trainingjobs", query,
                                {"host": "pai.cn-hangzhou.aliyuncs.com", "content-type": "application/json"},
                                body, AK, SECRET, date=signing.acs3_date(datetime.fromtimestamp(now, timezone.utc)))
    auth = _strict(now)
    req = RawRequest("POST", "/api/v1/trainingjobs", query, headers, body)
    assert auth.authenticate(req).key_id == AK
    assert auth.nonce_count == 1
    # A fresh nonce (the default) makes the same request acceptable again.
    again = signing.sign_acs3("POST", "/api/v1/trainingjobs", query, {k: v for k, v in headers.items()
                              if k != "x-acs-signature-nonce"}, body, AK, SECRET)
    assert again["x-acs-signature-nonce"] != headers["x-acs-signature-nonce"]
    assert _strict(signing_time(again)).authenticate(RawRequest("POST", "/api/v1/trainingjobs", query, again, body))


def signing_time(headers: dict[str, str]) -> float:
    return datetime.strptime(headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def test_nonce_store_is_bounded(acs3):
    """Entries expire once the date they were signed with has left the skew window."""
    t0 = 1_700_000_000.0
    clock = [t0]
    auth = Authenticator("strict", _creds(), wall_clock=lambda: clock[0], max_skew_seconds=60)
    for i in range(50):
        h = signing.sign_acs3("GET", "/x", [], {"host": "h"}, b"", AK, SECRET,
                              date=signing.acs3_date(datetime.fromtimestamp(clock[0], timezone.utc)))
        auth.authenticate(RawRequest("GET", "/x", [], h, b""))
        clock[0] += 2
    assert auth.nonce_count <= 31 + 1     # only nonces signed within the last 60 s are kept
    capped = Authenticator("strict", _creds(), wall_clock=lambda: t0, max_nonces=10)
    for i in range(25):
        h = signing.sign_acs3("GET", "/x", [], {"host": "h"}, b"", AK, SECRET,
                              date=signing.acs3_date(datetime.fromtimestamp(t0, timezone.utc)))
        capped.authenticate(RawRequest("GET", "/x", [], h, b""))
    assert capped.nonce_count == 10


# --------------------------------------------------------------------------- ROA v1 (HMAC-SHA1)

ROA_CASES = list(CALLS) + ["sts"]


def _ref_string_to_sign(c: Captured) -> str:
    """The reference implementation in alibabacloud_openapi_util (and tea-openapi's copy)."""
    from alibabacloud_openapi_util.client import Client as OpenApiUtil
    req = SimpleNamespace(method=c.method, pathname=c.path, headers=c.signed_headers("authorization"),
                          query=dict(c.query))
    ref = OpenApiUtil.get_string_to_sign(req)
    assert ref == TeaUtils.get_string_to_sign(req)
    return ref


@pytest.mark.parametrize("name", ROA_CASES)
def test_roa_v1_string_to_sign_matches_reference(roa, name):
    from alibabacloud_openapi_util.client import Client as OpenApiUtil
    c = roa[name]
    ours = signing.roa_v1_string_to_sign(c.method, c.path, c.query, c.headers)
    assert ours == _ref_string_to_sign(c)
    ak, secret, _ = _keys(name)
    assert signing.roa_v1_signature(ours, secret) == OpenApiUtil.get_roasignature(ours, secret)
    assert c.headers["authorization"] == f"acs {ak}:{signing.roa_v1_signature(ours, secret)}"


@pytest.mark.parametrize("name", ROA_CASES)
def test_sign_roa_v1_reproduces_sdk_authorization(roa, name):
    c = roa[name]
    ak, secret, token = _keys(name)
    given = c.signed_headers("authorization", "date", "x-acs-signature-nonce", "x-acs-accesskey-id",
                             "x-acs-security-token")
    out = signing.sign_roa_v1(c.method, c.path, c.query, given, c.body, ak, secret,
                              date=c.headers["date"], nonce=c.headers["x-acs-signature-nonce"], security_token=token)
    assert out == c.signed_headers()


def test_roa_v1_empty_and_unencoded_query_values():
    from alibabacloud_openapi_util.client import Client as OpenApiUtil
    q = {"B": "", "A": "x y/é", "C": "1"}
    headers = {"accept": "application/json", "date": "Thu, 06 Feb 2020 07:32:54 GMT", "x-acs-b": "2", "x-acs-a": "1",
               "host": "h"}
    ref = OpenApiUtil.get_string_to_sign(SimpleNamespace(method="GET", pathname="/p", headers=headers, query=q))
    ours = signing.roa_v1_string_to_sign("GET", "/p", list(q.items()), headers)
    assert ours == ref
    assert ours.endswith("x-acs-a:1\nx-acs-b:2\n/p?A=x y/é&B&C=1")


@pytest.mark.parametrize("name", ROA_CASES)
def test_strict_accepts_captured_roa_v1(roa, name):
    c = roa[name]
    p = _strict(_roa_time(c) - 30).authenticate(c.raw())
    assert p.method == "roa-v1"
    assert p.key_id == _keys(name)[0]


@pytest.mark.parametrize("name", ROA_CASES)
@pytest.mark.parametrize("tamper", ["query", "path", "secret", "x-acs-header", "content-type"])
def test_strict_rejects_tampered_roa_v1(roa, name, tamper):
    c = roa[name]
    r, creds = c.raw(), None
    if tamper == "query":
        r = _tamper_query(r)
    elif tamper == "path":
        r = dataclasses.replace(r, path=r.path.replace("/v1/", "/v2/"))
    elif tamper == "secret":
        creds = _creds(secret="nope", sts_secret="nope")
    elif tamper == "x-acs-header":
        r = dataclasses.replace(r, headers={**r.headers, "x-acs-version": "1999-01-01"})
    else:
        r = dataclasses.replace(r, headers={**r.headers, "content-type": "text/plain"})
    e = _rejects(_strict(_roa_time(c), creds), r)
    assert (e.status, e.code) == (400, "SignatureDoesNotMatch")
    assert e.message.startswith("Specified signature is not matched with our calculation. server string to sign is:"
                                f"{r.method}\napplication/json\n")


def test_roa_v1_stale_date_and_replay(roa):
    c = roa["delete-query"]
    t = _roa_time(c)
    assert _rejects(_strict(t + 901), c.raw()).code == "InvalidTimeStamp.Expired"
    auth = _strict(t)
    auth.authenticate(c.raw())
    assert _rejects(auth, c.raw()).code == "SignatureNonceUsed"
    no_date = dataclasses.replace(c.raw(), headers={k: v for k, v in c.headers.items() if k != "date"})
    assert _rejects(_strict(t), no_date).code == "InvalidTimeStamp.Format"
    # The nonce is optional for HMAC-SHA1, but one that was signed cannot be stripped.
    no_nonce = dataclasses.replace(c.raw(), headers={k: v for k, v in c.headers.items() if k != "x-acs-signature-nonce"})
    assert _rejects(_strict(t), no_nonce).code == "SignatureDoesNotMatch"


def test_roa_v1_without_a_nonce_is_replayable_only_within_the_date_window():
    """aliyun-python-sdk-core signs no nonce and PAI accepts it; the Date window bounds a replay."""
    now = 1_700_000_000.0
    h = {"host": "h", "accept": "application/json", "x-acs-version": "2020-12-03",
         "date": signing.rfc1123_date(datetime.fromtimestamp(now, timezone.utc)),
         "x-acs-signature-method": "HMAC-SHA1", "x-acs-signature-version": "1.0"}
    sig = signing.roa_v1_signature(signing.roa_v1_string_to_sign("GET", "/api/v1/jobs", [], h), SECRET)
    r = RawRequest("GET", "/api/v1/jobs", [], {**h, "authorization": f"acs {AK}:{sig}"}, b"")
    auth = _strict(now)
    assert auth.authenticate(r).method == auth.authenticate(r).method == "roa-v1"
    assert auth.nonce_count == 0
    assert _rejects(_strict(now + 901), r).code == "InvalidTimeStamp.Expired"


def test_roa_v1_content_md5_binds_the_body():
    """HMAC-SHA1 does not cover the body; Content-MD5 (pop-core sends it) does."""
    import base64
    import hashlib
    now = 1_700_000_000.0
    body = b'{"a":1}'
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    h = signing.sign_roa_v1("POST", "/api/v1/x", [], {"host": "h", "accept": "application/json",
                            "content-type": "application/json", "content-md5": md5}, body, AK, SECRET,
                            date=signing.rfc1123_date(datetime.fromtimestamp(now, timezone.utc)))
    assert _strict(now).authenticate(RawRequest("POST", "/api/v1/x", [], h, body)).method == "roa-v1"
    e = _rejects(_strict(now), RawRequest("POST", "/api/v1/x", [], h, b'{"a":2}'))
    assert (e.code, "Content-MD5" in e.message) == ("SignatureDoesNotMatch", True)


def test_rfc1123_date_matches_sdk_format():
    d = datetime(2020, 2, 6, 7, 32, 54, tzinfo=timezone.utc)
    assert signing.rfc1123_date(d) == "Thu, 06 Feb 2020 07:32:54 GMT" == d.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert signing.acs3_date(d) == "2020-02-06T07:32:54Z"
