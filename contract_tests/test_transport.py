"""Transport contracts: flow control and authentication.

Throttling: over an operation's rate limit the target answers 429 `Throttling.User`-style errors
with `Retry-After` (seconds) and `x-acs-retry-after` (milliseconds, what makes the official SDKs
raise ThrottlingException), and serves again after waiting that long.

Authentication: a request without a credential, with an unknown AccessKey, a wrong secret, a
signature over different content, a replayed nonce or a stale date is refused with a 4xx error
body — never served, never a 5xx.

Against the in-process fake these always run (the fake enforces strict auth, and its throttle is
set low for one operation). Against a URL or live they send bad requests on purpose, so they
run only with --pai-check-throttling / --pai-check-auth.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
import httpx
import pytest

from contract_tests.checks import ContractViolation, Finding, error_findings, expect_success
from contract_tests.target import Credential
from fakepai.catalog import default_catalog
from fakepai.wire.signing import acs3_date, sign_acs3

PRODUCT, ACTION = "PaiStudio", "ListTrainingJobs"   # a cheap read every target serves


def _read_params(kit) -> dict:
    return {"WorkspaceId": kit.target.workspace_id, "PageSize": 1}


# ------------------------------------------------------------------------------- throttling

def _throttle_op(operations):
    """The read operation with the lowest documented rate limit: the cheapest to exceed."""
    reads = [op for op in operations if not op.mutating and not op.path_params]
    return min(reads, key=lambda op: (op.rate_limit, op.product, op.action))


THROTTLED = _throttle_op(default_catalog().operations.values())


@pytest.mark.operation(THROTTLED.action, product=THROTTLED.product)
def test_throttling_answers_429_with_retry_after(contract_kit):
    kit = contract_kit
    if kit.target.kind != "fake" and not kit.options.check_throttling:
        pytest.skip("throttling checks burst requests on purpose: pass --pai-check-throttling to run them "
                    "against a URL or live target")
    op = kit.op(THROTTLED.product, THROTTLED.action)
    params = kit.prepare(op).params
    kit.call(op.product, op.action, params)     # implemented? (a 501 skips)
    burst = 3 * int(op.rate_limit)              # sent back to back: well past a one-second bucket
    emulator = kit.target.emulator
    if emulator is not None:
        # The in-process fake runs without flow control for speed; turn it on, low, for one operation.
        burst = 8
        emulator._on_loop(_set_throttle, emulator.emulator.throttler, op, 2.0)
    pacer, kit.client.pacer.enabled = kit.client.pacer.enabled, False
    try:
        answers = [kit.client.call(op.product, op.action, params, retry_throttle=False) for _ in range(burst)]
    finally:
        kit.client.pacer.enabled = pacer
        if emulator is not None:
            emulator._on_loop(_set_throttle, emulator.emulator.throttler, op, None)
    throttled = [ex for ex in answers if ex.status == 429]
    name = f"{op.product} {op.action}"
    if not throttled:
        raise ContractViolation(name, f"{burst} requests at once were all served",
                                [Finding("status", "flow control", "429 for requests over the limit",
                                         sorted({ex.status for ex in answers}))])
    ex = throttled[0]
    findings = [f for f in error_findings(op, ex) if f.path != "status"]
    if not str(ex.code or "").startswith("Throttling"):
        findings.append(Finding("$.Code", "throttling code", "Throttling.User", ex.code))
    retry_ms = ex.headers.get("x-acs-retry-after", "")
    if not retry_ms.isdigit() or int(retry_ms) <= 0:
        findings.append(Finding("header:x-acs-retry-after", "retry hint in milliseconds", "positive integer", retry_ms or None))
    retry_s = ex.headers.get("retry-after", "")
    if not retry_s.isdigit() or int(retry_s) <= 0:
        findings.append(Finding("header:Retry-After", "retry hint in seconds", "positive integer", retry_s or None))
    if findings:
        raise ContractViolation(name, "a throttled request is answered badly", findings, ex)
    if emulator is None:
        time.sleep(min(int(retry_s or 1), 10))
        expect_success(op, kit.client.call(op.product, op.action, params), "a request after Retry-After is served")


def _set_throttle(throttler, op, rate: float | None) -> None:
    key = f"{op.product}:{op.action}"
    if rate is None:
        throttler.overrides.pop(key, None)
        throttler.enabled = False
        throttler.reset()
    else:
        throttler.overrides[key] = rate
        throttler.enabled = True
        throttler.reset()


# ------------------------------------------------------------------------------- authentication

def _auth_kit(kit):
    if kit.target.kind != "fake" and not kit.options.check_auth:
        pytest.skip("authentication checks send bad credentials on purpose: pass --pai-check-auth to run them "
                    "against a URL or live target")
    op = kit.op(PRODUCT, ACTION)
    kit.call(PRODUCT, ACTION, _read_params(kit))   # implemented? (a 501 skips)
    return op


def _refused(op, ex, what: str) -> None:
    findings = error_findings(op, ex)
    if findings:
        raise ContractViolation(f"{op.product} {op.action}", what, findings, ex)


@pytest.mark.operation(ACTION, product=PRODUCT)
def test_request_without_credential_is_refused(contract_kit):
    op = _auth_kit(contract_kit)
    ex = contract_kit.client.call(PRODUCT, ACTION, _read_params(contract_kit), credential=None)
    _refused(op, ex, "a request without any credential is served")


@pytest.mark.operation(ACTION, product=PRODUCT)
def test_unknown_access_key_is_refused(contract_kit):
    op = _auth_kit(contract_kit)
    stranger = Credential("ak", key_id="LTAIfakepaiCtUnknownKey", secret="not-a-real-secret")
    ex = contract_kit.client.call(PRODUCT, ACTION, _read_params(contract_kit), credential=stranger)
    _refused(op, ex, "a request signed with an unknown AccessKey is served")


def _own_key(kit) -> Credential:
    cred = kit.target.credential
    if cred is None or cred.kind != "ak":
        pytest.skip("needs an AccessKey credential (the target's credential is a bearer token)")
    return cred


@pytest.mark.operation(ACTION, product=PRODUCT)
def test_wrong_secret_is_refused(contract_kit):
    op = _auth_kit(contract_kit)
    cred = _own_key(contract_kit)
    wrong = Credential("ak", key_id=cred.key_id, secret=cred.secret[::-1] + "x", security_token=cred.security_token)
    ex = contract_kit.client.call(PRODUCT, ACTION, _read_params(contract_kit), credential=wrong)
    _refused(op, ex, "a request signed with the wrong secret is served")


def _signed(kit, *, date: str | None = None):
    """(operation, query, headers) of a ListTrainingJobs request signed with the target's own
    AccessKey (optionally with another date), for tests that then tamper with or replay it."""
    op = _auth_kit(kit)
    cred = _own_key(kit)
    query = [("PageSize", "1"), ("WorkspaceId", kit.target.workspace_id)]
    headers = {"host": httpx.URL(kit.target.base_urls[PRODUCT]).netloc.decode(), "accept": "application/json",
               "x-acs-action": op.action, "x-acs-version": op.version}
    headers = sign_acs3(op.method, op.path, query, headers, b"", cred.key_id, cred.secret, cred.security_token, date=date)
    return op, query, headers


@pytest.mark.operation(ACTION, product=PRODUCT)
def test_signature_over_other_content_is_refused(contract_kit):
    op, query, headers = _signed(contract_kit)
    other = [("PageSize", "2"), *query[1:]]
    _refused(op, contract_kit.client.send_raw(PRODUCT, ACTION, other, headers),
             "a request whose query differs from what was signed is served")


@pytest.mark.operation(ACTION, product=PRODUCT)
def test_replayed_nonce_is_refused(contract_kit):
    op, query, headers = _signed(contract_kit)
    expect_success(op, contract_kit.client.send_raw(PRODUCT, ACTION, query, headers), "a correctly signed request")
    _refused(op, contract_kit.client.send_raw(PRODUCT, ACTION, query, headers),
             "the same signed request (same nonce) replayed is served")


@pytest.mark.operation(ACTION, product=PRODUCT)
def test_stale_date_is_refused(contract_kit):
    stale = acs3_date(datetime.now(timezone.utc) - timedelta(hours=2))
    op, query, headers = _signed(contract_kit, date=stale)
    _refused(op, contract_kit.client.send_raw(PRODUCT, ACTION, query, headers), "a request signed two hours ago is served")
