"""Authenticator modes, account selection, workspace limits, error codes, credentials files."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from fakepai.errors import PaiError
from fakepai.wire import signing
from fakepai.wire.auth import (
    Authenticator, Credentials, CredentialsError, Principal, RawRequest, token_fingerprint,
)

NOW = 1_700_000_000.0
AK1, SK1, AK2, SK2 = "LTAIkeyone", "secret-one", "LTAIkeytwo", "secret-two"
TOKEN = "sk-dashscope-abc123"


def req(headers: dict[str, str] | None = None, method="GET", path="/api/v1/trainingjobs", query=None, body=b"") -> RawRequest:
    return RawRequest(method, path, list(query or []), {k.lower(): v for k, v in (headers or {}).items()}, body)


def acs3_req(ak=AK1, sk=SK1, at=NOW, query=(("WorkspaceId", "1"),), **kw) -> RawRequest:
    h = signing.sign_acs3("GET", "/api/v1/trainingjobs", list(query), {"host": "127.0.0.1:8642"}, b"", ak, sk,
                          date=signing.acs3_date(datetime.fromtimestamp(at, timezone.utc)), **kw)
    return req(h, query=query)


def roa_req(ak=AK1, sk=SK1, at=NOW) -> RawRequest:
    h = signing.sign_roa_v1("GET", "/api/v1/jobs", [], {"host": "h", "accept": "application/json"}, b"", ak, sk,
                            date=signing.rfc1123_date(datetime.fromtimestamp(at, timezone.utc)))
    return req(h, path="/api/v1/jobs")


CREDS = {
    "accessKeys": [
        {"accessKeyId": AK1, "accessKeySecret": SK1, "accountId": "1234567890"},
        {"accessKeyId": AK2, "accessKeySecret": SK2, "workspaces": ["100", 200]},
    ],
    "bearerTokens": [{"token": TOKEN, "accountId": "1234567890", "workspaces": ["100"]}],
}


def strict() -> Authenticator:
    return Authenticator("strict", Credentials.from_dict(CREDS), wall_clock=lambda: NOW)


def rejects(auth: Authenticator, r: RawRequest) -> PaiError:
    with pytest.raises(PaiError) as ei:
        auth.authenticate(r)
    return ei.value


# --------------------------------------------------------------------------- mode any

def test_any_bearer_via_both_headers_is_one_account():
    auth = Authenticator()
    a = auth.authenticate(req({"Authorization": f"Bearer {TOKEN}"}))
    b = auth.authenticate(req({"x-acs-bearer-token": TOKEN, "x-acs-signature-type": "BEARERTOKEN"}))
    assert a == b == Principal(token_fingerprint(TOKEN), token_fingerprint(TOKEN), "bearer", None)
    assert a.account_id.startswith("bearer-") and len(a.account_id) == len("bearer-") + 12
    assert TOKEN not in a.key_id and TOKEN not in repr(a)


def test_any_keys_select_isolated_accounts_and_signatures_are_not_checked():
    auth = Authenticator("any")
    p1 = auth.authenticate(acs3_req(AK1, "wrong-secret"))
    p2 = auth.authenticate(req({"Authorization": f"acs {AK2}:not-a-real-signature="}))
    p3 = auth.authenticate(req({"Authorization": "Bearer other-token"}))
    assert (p1.account_id, p1.method) == (AK1, "acs3")
    assert (p2.account_id, p2.method) == (AK2, "roa-v1")
    assert len({p1.account_id, p2.account_id, p3.account_id}) == 3
    # Stale dates and replayed nonces are fine in 'any'.
    stale = acs3_req(at=NOW - 86400)
    assert auth.authenticate(stale) == auth.authenticate(stale)


def test_any_authorization_header_wins_over_bearer_header():
    p = Authenticator().authenticate(req({"Authorization": f"acs {AK1}:sig", "x-acs-bearer-token": TOKEN}))
    assert p.key_id == AK1


def test_any_uses_credentials_mapping_when_loaded():
    auth = Authenticator("any", Credentials.from_dict(CREDS))
    assert auth.authenticate(req({"Authorization": f"acs {AK1}:x"})).account_id == "1234567890"
    p = auth.authenticate(req({"Authorization": f"Bearer {TOKEN}"}))
    assert (p.account_id, p.workspaces) == ("1234567890", frozenset({"100"}))
    assert auth.authenticate(req({"Authorization": "acs unknown:x"})).account_id == "unknown"


def test_any_remembers_a_bearer_header_without_mixing_callers():
    # Each request's principal is the one its own header names, asked again and again, while the
    # remembered headers are emptied at their bound (Authenticator.MAX_REMEMBERED_BEARERS).
    auth = Authenticator("any", Credentials.from_dict(CREDS))
    tokens = [TOKEN] + [f"token-{i}" for i in range(Authenticator.MAX_REMEMBERED_BEARERS + 5)]
    for _ in range(2):
        for token in tokens:
            p = auth.authenticate(req({"Authorization": f"Bearer {token}"}))
            fingerprint = token_fingerprint(token)
            expected = ("1234567890", frozenset({"100"})) if token == TOKEN else (fingerprint, None)
            assert (p.account_id, p.workspaces, p.key_id, p.method) == (*expected, fingerprint, "bearer")
        assert len(auth._bearers) <= Authenticator.MAX_REMEMBERED_BEARERS
    # A header once remembered still loses to nothing else: an acs signature is checked each time.
    with pytest.raises(PaiError) as e:
        auth.authenticate(req({"Authorization": "Bearer "}))
    assert e.value.code == "InvalidAuthorization"
    assert auth.authenticate(req({"Authorization": f"acs {AK1}:x"})).account_id == "1234567890"


def test_any_missing_credential_is_401():
    e = rejects(Authenticator("any"), req({"accept": "application/json"}))
    assert (e.status, e.code) == (401, "MissingAuthorization")
    e = rejects(Authenticator("any"), req({"Authorization": "   "}))
    assert e.code == "MissingAuthorization"


@pytest.mark.parametrize("header", [
    "Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "acs AKONLY", "acs :sig", "acs AK:",
    "ACS3-HMAC-SHA256 Credential=AK", "ACS3-HMAC-SHA256 SignedHeaders=host,Signature=abc", "garbage",
])
def test_malformed_authorization_is_401(header):
    e = rejects(Authenticator("any"), req({"Authorization": header}))
    assert (e.status, e.code) == (401, "InvalidAuthorization")
    assert "Expected one of" in e.message


# --------------------------------------------------------------------------- mode off

def test_off_needs_nothing_and_never_rejects():
    auth = Authenticator("off")
    assert auth.authenticate(req()) == Principal("default", "anonymous", "anonymous", None)
    assert auth.authenticate(req({"Authorization": "garbage"})).account_id == "default"


def test_off_still_isolates_by_presented_key():
    auth = Authenticator("off", Credentials.from_dict(CREDS))
    p1 = auth.authenticate(acs3_req(AK1, "whatever"))
    p2 = auth.authenticate(req({"x-acs-bearer-token": "t2"}))
    assert (p1.account_id, p1.key_id, p1.method, p1.workspaces) == ("1234567890", AK1, "anonymous", None)
    assert p2.account_id == token_fingerprint("t2")
    # no workspace limits in 'off', even for a limited key
    p3 = auth.authenticate(req({"Authorization": f"acs {AK2}:x"}))
    auth.check_workspace(p3, "999")


# --------------------------------------------------------------------------- mode strict

def test_strict_accepts_good_signatures_and_known_bearer():
    auth = strict()
    assert auth.authenticate(acs3_req()) == Principal("1234567890", AK1, "acs3", None)
    assert auth.authenticate(roa_req(AK2, SK2)) == Principal(AK2, AK2, "roa-v1", frozenset({"100", "200"}))
    p = auth.authenticate(req({"Authorization": f"Bearer {TOKEN}"}))
    assert (p.account_id, p.method) == ("1234567890", "bearer")


def test_strict_unknown_keys_and_tokens():
    auth = strict()
    e = rejects(auth, acs3_req("LTAInobody", "x"))
    assert (e.status, e.code) == (401, "InvalidAccessKeyId.NotFound")
    e = rejects(auth, roa_req("LTAInobody", "x"))
    assert (e.status, e.code) == (401, "InvalidAccessKeyId.NotFound")
    for h in ({"Authorization": "Bearer nope"}, {"x-acs-bearer-token": "nope"}):
        e = rejects(auth, req(h))
        assert (e.status, e.code) == (401, "InvalidBearerToken")
        assert "nope" not in e.message
    assert rejects(auth, req()).code == "MissingAuthorization"


def test_strict_error_statuses():
    auth = strict()
    e = rejects(auth, acs3_req(sk="bad"))
    assert (e.status, e.code) == (400, "SignatureDoesNotMatch")
    assert e.message.startswith("Specified signature is not matched with our calculation. server string to sign is:")
    assert (rejects(auth, acs3_req(at=NOW - 3600)).status, rejects(auth, acs3_req(at=NOW + 3600)).code) == \
        (400, "InvalidTimeStamp.Expired")
    r = acs3_req()
    auth.authenticate(r)
    e = rejects(auth, r)
    assert (e.status, e.code) == (400, "SignatureNonceUsed")
    # the same nonce under another key is a different nonce
    auth.authenticate(acs3_req(AK2, SK2, nonce=r.headers["x-acs-signature-nonce"]))


def test_strict_unsupported_acs3_algorithm():
    r = acs3_req()
    h = dict(r.headers, authorization=r.headers["authorization"].replace("ACS3-HMAC-SHA256", "ACS3-HMAC-SM3"))
    e = rejects(strict(), req(h, query=r.query))
    assert (e.status, e.code) == (401, "InvalidAuthorization")
    # ...but 'any' takes any ACS3-* form as a credential
    assert Authenticator().authenticate(req(h)).method == "acs3"


def test_strict_requires_credentials():
    with pytest.raises(ValueError, match="needs credentials"):
        Authenticator("strict")
    with pytest.raises(ValueError, match="auth mode"):
        Authenticator("sometimes")


def test_strict_sts_security_token():
    creds = Credentials.from_dict({"accessKeys": [{"accessKeyId": "STS.a", "accessKeySecret": "s",
                                                   "securityToken": "tok"}]})
    auth = Authenticator("strict", creds, wall_clock=lambda: NOW)
    assert auth.authenticate(acs3_req("STS.a", "s", security_token="tok")).key_id == "STS.a"
    e = rejects(auth, acs3_req("STS.a", "s", security_token="other"))
    assert (e.status, e.code) == (401, "InvalidSecurityToken.MismatchWithAccessKey")
    assert rejects(auth, acs3_req("STS.a", "s")).code == "InvalidSecurityToken.MismatchWithAccessKey"
    # x-acs-accesskey-id must name the signing key
    r = acs3_req("STS.a", "s", security_token="tok")
    e = rejects(auth, req(dict(r.headers, **{"x-acs-accesskey-id": "STS.b"}), query=r.query))
    assert e.code == "InvalidAuthorization"


def test_strict_missing_nonce_and_date():
    r = acs3_req()
    no_nonce = {k: v for k, v in r.headers.items() if k != "x-acs-signature-nonce"}
    # Drop it from SignedHeaders too, so the request is otherwise well-formed.
    no_nonce["authorization"] = no_nonce["authorization"].replace(";x-acs-signature-nonce", "")
    e = rejects(strict(), req(no_nonce, query=r.query))
    assert (e.status, e.code) == (400, "MissingSignatureNonce")
    no_date = {k: v for k, v in r.headers.items() if k != "x-acs-date"}
    no_date["authorization"] = no_date["authorization"].replace(";x-acs-date", "")
    e = rejects(strict(), req(no_date, query=r.query))
    assert (e.status, e.code) == (400, "InvalidTimeStamp.Format")


# --------------------------------------------------------------------------- workspaces

def test_workspace_restriction():
    auth = strict()
    limited = auth.authenticate(roa_req(AK2, SK2))
    auth.check_workspace(limited, "100")
    auth.check_workspace(limited, "200")          # ints in the file are workspace ids too
    auth.check_workspace(limited, None)           # not workspace-scoped
    with pytest.raises(PaiError) as ei:
        auth.check_workspace(limited, "300")
    assert (ei.value.status, ei.value.code) == (403, "Forbidden.RAM")
    assert "300" in ei.value.message
    unrestricted = auth.authenticate(acs3_req())
    auth.check_workspace(unrestricted, "anything")
    bearer = auth.authenticate(req({"x-acs-bearer-token": TOKEN}))
    with pytest.raises(PaiError):
        auth.check_workspace(bearer, "200")


def test_empty_workspace_list_allows_none():
    creds = Credentials.from_dict({"accessKeys": [{"accessKeyId": "a", "accessKeySecret": "s", "workspaces": []}]})
    auth = Authenticator("any", creds)
    p = auth.authenticate(req({"Authorization": "acs a:x"}))
    with pytest.raises(PaiError):
        auth.check_workspace(p, "1")


# --------------------------------------------------------------------------- credentials file

def test_credentials_load_file(tmp_path):
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(CREDS))
    creds = Credentials.load(path)
    k = creds.access_key(AK1)
    assert (k.account_id, k.workspaces) == ("1234567890", None)
    assert creds.access_key(AK2).account_id == AK2          # accountId defaults to the key id
    assert creds.bearer(TOKEN).account_id == "1234567890"
    assert creds.bearer("nope") is None and creds.access_key("nope") is None
    assert SK1 not in repr(creds) and SK1 not in repr(k) and TOKEN not in repr(creds.bearer(TOKEN))


def test_credentials_bearer_account_defaults_to_fingerprint():
    creds = Credentials.from_dict({"bearerTokens": [{"token": "t"}]})
    assert creds.bearer("t").account_id == token_fingerprint("t")
    assert Credentials.from_dict({}).access_key("x") is None


@pytest.mark.parametrize("content, fragment", [
    ("{not json", "not valid JSON"),
    ("[]", "expected a JSON object"),
    ('{"accessKeys": {}}', "accessKeys: expected a list"),
    ('{"accessKeys": ["x"]}', "accessKeys[0]: expected an object"),
    ('{"accessKeys": [{"accessKeyId": "a"}]}', "accessKeys[0].accessKeySecret: missing"),
    ('{"accessKeys": [{"accessKeyId": "", "accessKeySecret": "s"}]}', "accessKeys[0].accessKeyId: must be a non-empty string"),
    ('{"accessKeys": [{"accessKeyId": "a", "accessKeySecret": "s", "workspace": ["1"]}]}', "unknown field(s) 'workspace'"),
    ('{"accessKeys": [{"accessKeyId": "a", "accessKeySecret": "s", "workspaces": "1"}]}', "workspaces: must be a list"),
    ('{"accessKeys": [{"accessKeyId": "a", "accessKeySecret": "s"}, {"accessKeyId": "a", "accessKeySecret": "t"}]}',
     "duplicate access key id"),
    ('{"bearerTokens": [{"token": "t"}, {"token": "t"}]}', "duplicate bearer token"),
    ('{"bearerTokens": [{"accountId": "1"}]}', "bearerTokens[0].token: missing"),
    ('{"accesskeys": []}', "unknown field(s) 'accesskeys'"),
])
def test_credentials_malformed_file_says_where(tmp_path, content, fragment):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CredentialsError) as ei:
        Credentials.load(path)
    assert fragment in str(ei.value)
    assert str(path) in str(ei.value)
    assert isinstance(ei.value, ValueError)


def test_credentials_missing_file(tmp_path):
    with pytest.raises(CredentialsError, match="cannot read credentials file"):
        Credentials.load(tmp_path / "absent.json")


def test_secret_never_in_error_messages(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"accessKeys": [{"accessKeyId": "a", "accessKeySecret": 12345678}]}))
    with pytest.raises(CredentialsError) as ei:
        Credentials.load(path)
    assert "12345678" not in str(ei.value)
