"""Who is calling: credential parsing, signature verification, account selection (DESIGN §3).

The wire layer hands over a :class:`RawRequest` and gets a :class:`Principal` back, or a
:class:`~fakepai.errors.PaiError` to render. Nothing here knows Starlette or any PAI resource.

Modes (``--auth``):

``any`` (default)
    Some credential must be present — ``Authorization: Bearer <token>``, ``x-acs-bearer-token``,
    ``Authorization: ACS3-HMAC-SHA256 Credential=AK,...`` or ``Authorization: acs AK:sig`` —
    but no secret or signature is checked (only what needs none: an ``acs AK:sig`` request's
    Content-MD5 must match its body). The key selects the account: an AK id is its own
    account (two keys, two isolated accounts); a bearer token maps to ``bearer-<12 hex of its
    sha256>`` so the token itself is never stored or logged. If a credentials file is loaded
    too, a key listed there gets its configured account and workspace limits.
``strict``
    Keys and tokens must be in the credentials file. ACS3-HMAC-SHA256 and HMAC-SHA1 signatures
    are recomputed from the raw request and compared with ``hmac.compare_digest``; the body hash
    must match the body; the request date must be within ``max_skew_seconds`` (15 min) of the
    wall clock; a nonce may be used once per key within that window (ACS3 must send one; HMAC-SHA1
    may omit it, as aliyun-python-sdk-core does, and is then replayable only within the window);
    a Content-MD5 header must match the body; workspace limits apply. docs/security.md has the
    sources of each rule.
``off``
    Nothing is required and nothing is rejected. Decision: a request without a (parseable)
    credential is ``Principal("default", "anonymous", "anonymous", None)``; a request *with* one
    still lands in that credential's account (so tests that use several keys stay isolated), but
    ``method`` stays ``"anonymous"`` (nothing was checked) and there are no workspace limits.

Error decisions (the real gateway documents few of these; keep them consistent, revisit against
live PAI). Identity problems are 401, problems with the signed request itself are 400:

=====  ===========================================  =========================================
401    MissingAuthorization                         no credential at all
401    InvalidAuthorization                         unparseable Authorization / bad header set
401    InvalidAccessKeyId.NotFound                  strict: AK not in the credentials file
401    InvalidBearerToken                           strict: token not in the credentials file
401    InvalidSecurityToken.MismatchWithAccessKey   strict: STS token absent / wrong for the AK
400    IncompleteSignature                          strict: host/content-type/x-acs-* not signed
400    SignatureDoesNotMatch                        strict: signature, x-acs-content-sha256 or
                                                    content-md5 differs from our calculation
400    InvalidTimeStamp.Format                      strict: x-acs-date / Date missing or garbled
400    InvalidTimeStamp.Expired                     strict: date outside the skew window
400    MissingSignatureNonce                        strict: ACS3 without x-acs-signature-nonce
400    SignatureNonceUsed                           strict: nonce replayed within the window
403    Forbidden.RAM                                key not allowed in that workspace
=====  ===========================================  =========================================
"""
from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import json
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any, Callable, Mapping

from fakepai.errors import PaiError
from fakepai.wire import signing

MODES = ("any", "strict", "off")

__all__ = [
    "RawRequest", "Principal", "CredentialsError", "AccessKey", "BearerToken",
    "Credentials", "Authenticator", "token_fingerprint", "MODES",
]


# --------------------------------------------------------------------------- data types

@dataclass(frozen=True)
class RawRequest:
    """What the wire layer hands over. Build it from the request exactly as received."""
    method: str
    path: str                       # raw path as sent (percent-encoded, no query)
    query: list[tuple[str, str]]    # decoded pairs, in order (parse_qsl(keep_blank_values=True))
    headers: dict[str, str]         # lower-cased names
    body: bytes


@dataclass(frozen=True)
class Principal:
    account_id: str                  # selects the isolated in-memory account
    key_id: str                      # AK id, or a fingerprint of a bearer token (never the token)
    method: str                      # "bearer" | "acs3" | "roa-v1" | "anonymous" | "operator" (the emulator's own calls)
    workspaces: frozenset[str] | None = None   # None = unrestricted


class CredentialsError(ValueError):
    """The credentials file (or dict) is unreadable or malformed; the message says where."""


@lru_cache(maxsize=1024)
def token_fingerprint(token: str) -> str:
    """Non-reversible id of a bearer token: ``bearer-`` + first 12 hex of its SHA-256 (kept for
    the tokens seen last: a client sends the same one on every request)."""
    return "bearer-" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:12]


# --------------------------------------------------------------------------- credentials

@dataclass(frozen=True)
class AccessKey:
    access_key_id: str
    access_key_secret: str = field(repr=False)
    account_id: str
    workspaces: frozenset[str] | None = None
    security_token: str | None = field(default=None, repr=False)  # STS: the token this AK needs


@dataclass(frozen=True)
class BearerToken:
    fingerprint: str                 # token_fingerprint(token); the token itself is not kept
    account_id: str
    workspaces: frozenset[str] | None = None


_AK_FIELDS = {"accessKeyId", "accessKeySecret", "accountId", "workspaces", "securityToken", "description"}
_TOKEN_FIELDS = {"token", "accountId", "workspaces", "description"}
_TOP_FIELDS = {"accessKeys", "bearerTokens", "description"}


class Credentials:
    """Keys and tokens the emulator knows, loaded from ``--credentials FILE``::

        {"accessKeys":   [{"accessKeyId": "...", "accessKeySecret": "...",
                           "accountId": "optional, defaults to the key id",
                           "workspaces": ["123"],            # optional; absent/null = any
                           "securityToken": "optional STS token this key must carry"}],
         "bearerTokens": [{"token": "...", "accountId": "optional, defaults to bearer-<fp>",
                           "workspaces": [...]}]}

    Unknown fields are errors (a typo such as ``"workspace"`` must not silently lift a limit).
    """

    def __init__(self, access_keys: list[AccessKey] | tuple = (), bearer_tokens: list[BearerToken] | tuple = ()):
        self._keys: dict[str, AccessKey] = {}
        self._tokens: dict[str, BearerToken] = {}   # keyed by the full sha256 hex of the token
        for k in access_keys:
            self._keys[k.access_key_id] = k
        for t in bearer_tokens:
            self._tokens[t.fingerprint] = t

    def __repr__(self) -> str:
        return f"Credentials(access_keys={sorted(self._keys)}, bearer_tokens={len(self._tokens)})"

    def access_key(self, access_key_id: str) -> AccessKey | None:
        return self._keys.get(access_key_id)

    def bearer(self, token: str) -> BearerToken | None:
        # Looked up by digest, so the stored map never holds a usable token.
        return self._tokens.get(hashlib.sha256(token.encode("utf-8")).hexdigest())

    def holds_secret(self, value: str) -> bool:
        """Whether `value` is a bearer token, access key secret or security token listed here."""
        return self.bearer(value) is not None or any(
            value in (k.access_key_secret, k.security_token) for k in self._keys.values())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Credentials":
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise CredentialsError(f"cannot read credentials file {os.fspath(path)!r}: {e.strerror or e}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise CredentialsError(f"credentials file {os.fspath(path)!r} is not valid JSON: "
                                   f"{e.msg} (line {e.lineno}, column {e.colno})") from None
        try:
            return cls.from_dict(data)
        except CredentialsError as e:
            raise CredentialsError(f"credentials file {os.fspath(path)!r}: {e}") from None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Credentials":
        if not isinstance(d, Mapping):
            raise CredentialsError('expected a JSON object {"accessKeys": [...], "bearerTokens": [...]}, '
                                   f"got {type(d).__name__}")
        _no_unknown(d, _TOP_FIELDS, "")
        keys: list[AccessKey] = []
        seen: set[str] = set()
        for where, e in _entries(d, "accessKeys", _AK_FIELDS):
            ak = _str(e, "accessKeyId", where, required=True)
            if ak in seen:
                raise CredentialsError(f"{where}.accessKeyId: duplicate access key id {ak!r}")
            seen.add(ak)
            keys.append(AccessKey(
                access_key_id=ak,
                access_key_secret=_str(e, "accessKeySecret", where, required=True),
                account_id=_str(e, "accountId", where) or ak,
                workspaces=_workspaces(e, where),
                security_token=_str(e, "securityToken", where),
            ))
        tokens: list[BearerToken] = []
        seen_tokens: set[str] = set()
        for where, e in _entries(d, "bearerTokens", _TOKEN_FIELDS):
            token = _str(e, "token", where, required=True)
            digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
            if digest in seen_tokens:
                raise CredentialsError(f"{where}.token: duplicate bearer token")
            seen_tokens.add(digest)
            tokens.append(BearerToken(fingerprint=digest,
                                      account_id=_str(e, "accountId", where) or token_fingerprint(token),
                                      workspaces=_workspaces(e, where)))
        return cls(keys, tokens)


def _entries(d: Mapping, name: str, allowed: set[str]):
    """(where, entry) for each object of the list `name`, each checked to be an object with only
    `allowed` fields; `where` (e.g. "accessKeys[1]") prefixes every later error."""
    for i, e in enumerate(_list(d, name)):
        where = f"{name}[{i}]"
        if not isinstance(e, Mapping):
            raise CredentialsError(f"{where}: expected an object, got {type(e).__name__}")
        _no_unknown(e, allowed, where)
        yield where, e


def _no_unknown(d: Mapping, allowed: set[str], where: str) -> None:
    unknown = sorted(set(d) - allowed)
    if unknown:
        prefix = f"{where}: " if where else ""
        raise CredentialsError(f"{prefix}unknown field(s) {', '.join(map(repr, unknown))}; "
                               f"allowed: {', '.join(sorted(allowed))}")


def _list(d: Mapping, name: str) -> list:
    v = d.get(name)
    if v is None:
        return []
    if not isinstance(v, list):
        raise CredentialsError(f"{name}: expected a list, got {type(v).__name__}")
    return v


def _str(d: Mapping, name: str, where: str, required: bool = False) -> str | None:
    v = d.get(name)
    if v is None:
        if required:
            raise CredentialsError(f"{where}.{name}: missing (a non-empty string is required)")
        return None
    if not isinstance(v, str) or not v:
        raise CredentialsError(f"{where}.{name}: must be a non-empty string, got {v!r}"
                               if name not in ("accessKeySecret", "token", "securityToken")
                               else f"{where}.{name}: must be a non-empty string")
    return v


def _workspaces(d: Mapping, where: str) -> frozenset[str] | None:
    v = d.get("workspaces")
    if v is None:
        return None
    if not isinstance(v, list) or not all(isinstance(w, (str, int)) and not isinstance(w, bool) and str(w)
                                          for w in v):
        raise CredentialsError(f"{where}.workspaces: must be a list of workspace ids (strings), got {v!r}")
    return frozenset(str(w) for w in v)


# --------------------------------------------------------------------------- presented credential

@dataclass(frozen=True)
class _Presented:
    kind: str                         # "bearer" | "acs3" | "roa-v1"
    key_id: str                       # AK id or bearer fingerprint
    token: str | None = field(default=None, repr=False)
    algorithm: str | None = None      # acs3
    signed_headers: tuple[str, ...] = ()
    signature: str = field(default="", repr=False)


def _bad_auth(why: str) -> PaiError:
    return PaiError(401, "InvalidAuthorization",
                     f"The Authorization header is malformed: {why}. Expected one of 'Bearer <token>', "
                     "'ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2>,Signature=<hex>', "
                     "'acs <AccessKeyId>:<signature>'.")


def _parse_credential(headers: Mapping[str, str]) -> _Presented | None:
    """The credential in the request, or None. Authorization wins over x-acs-bearer-token."""
    auth = (headers.get("authorization") or "").strip()
    if auth:
        scheme, _, rest = auth.partition(" ")
        rest = rest.strip()
        if scheme.lower() == "bearer":
            if not rest:
                raise _bad_auth("empty bearer token")
            return _Presented("bearer", token_fingerprint(rest), token=rest)
        if scheme.upper().startswith("ACS3-"):
            parts: dict[str, str] = {}
            for item in rest.split(","):
                k, eq, v = item.strip().partition("=")
                if eq:
                    parts[k.strip()] = v.strip()
            missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not parts.get(k)]
            if missing:
                raise _bad_auth(f"{scheme} is missing {', '.join(missing)}")
            signed = tuple(h.strip().lower() for h in parts["SignedHeaders"].split(";") if h.strip())
            return _Presented("acs3", parts["Credential"], algorithm=scheme,
                              signed_headers=signed, signature=parts["Signature"])
        if scheme.lower() == "acs":
            # "acs AK:base64sig": base64 has no ':', so the last ':' separates them.
            ak, colon, sig = rest.rpartition(":")
            if not colon or not ak or not sig or " " in ak:
                raise _bad_auth("expected 'acs <AccessKeyId>:<signature>'")
            return _Presented("roa-v1", ak, signature=sig)
        raise _bad_auth(f"unsupported scheme {scheme!r}")
    token = (headers.get("x-acs-bearer-token") or "").strip()
    if token:
        return _Presented("bearer", token_fingerprint(token), token=token)
    return None


# --------------------------------------------------------------------------- nonce store

class _NonceStore:
    """Nonces seen per key, each kept until the date it was signed with leaves the skew window.

    A replay needs a date within the window too, so an entry can be dropped once
    ``signed_at + skew`` has passed: after that the timestamp check rejects the replay anyway.
    That bounds the store by (request rate x window); ``max_entries`` is a hard cap on top (the
    oldest entries go first, weakening replay detection only under a flood).
    """

    def __init__(self, max_entries: int = 1_000_000):
        self._expiry: dict[tuple[str, str], float] = {}
        self._heap: list[tuple[float, tuple[str, str]]] = []
        self._max = max_entries
        self._lock = threading.Lock()   # cheap insurance if ever called off the event loop
        self.on_use: Callable[[str, str, float], None] | None = None    # --state-file keeps them

    def entries(self, now: float) -> list[tuple[str, str, float]]:
        """(key_id, nonce, expires_at) of every nonce still inside its window."""
        with self._lock:
            return [(*key, exp) for key, exp in self._expiry.items() if exp >= now]

    def restore(self, key_id: str, nonce: str, expires_at: float, now: float) -> None:
        """Mark a nonce used again after a restart (no `on_use`: it is already kept)."""
        with self._lock:
            if expires_at >= now and (key_id, nonce) not in self._expiry:
                self._expiry[(key_id, nonce)] = expires_at
                heapq.heappush(self._heap, (expires_at, (key_id, nonce)))

    def __len__(self) -> int:
        return len(self._expiry)

    def _evict(self, now: float) -> None:
        while self._heap and (self._heap[0][0] < now or len(self._expiry) > self._max):
            exp, key = heapq.heappop(self._heap)
            if self._expiry.get(key) == exp:
                del self._expiry[key]

    def use(self, key_id: str, nonce: str, expires_at: float, now: float) -> bool:
        """Record the nonce; False if it is already recorded (a replay)."""
        with self._lock:
            self._evict(now)
            key = (key_id, nonce)
            if key in self._expiry:
                return False
            self._expiry[key] = expires_at
            heapq.heappush(self._heap, (expires_at, key))
            self._evict(now)
            if self.on_use is not None:
                self.on_use(key_id, nonce, expires_at)
            return True


# --------------------------------------------------------------------------- the authenticator

_ANONYMOUS = Principal(account_id="default", key_id="anonymous", method="anonymous", workspaces=None)


class Authenticator:
    MAX_REMEMBERED_BEARERS = 1024

    def __init__(self, mode: str = "any", credentials: Credentials | None = None, *,
                 max_skew_seconds: float = 900, wall_clock: Callable[[], float] = time.time,
                 max_nonces: int = 1_000_000):
        if mode not in MODES:
            raise ValueError(f"auth mode must be one of {', '.join(MODES)}, got {mode!r}")
        if mode == "strict" and credentials is None:
            raise ValueError("auth mode 'strict' needs credentials (--credentials FILE)")
        self.mode = mode
        self.credentials = credentials
        self.max_skew_seconds = max_skew_seconds
        self._clock = wall_clock
        self._nonces = _NonceStore(max_nonces)
        self._bearers: dict[str, Principal] = {}     # Authorization header -> its principal (mode any)
        # `remembered(authorization_header)`: that principal, or None (then `authenticate`).
        self.remembered: Callable[[str | None], Principal | None] = self._bearers.get

    @property
    def nonce_count(self) -> int:
        return len(self._nonces)

    @property
    def nonces(self) -> _NonceStore:
        """The used-nonce store (fakepai.state.journal keeps it across restarts)."""
        return self._nonces

    # ---- public

    def authenticate(self, req: RawRequest) -> Principal:
        if self.mode == "off":
            try:
                presented = _parse_credential(req.headers)
            except PaiError:
                presented = None   # off never rejects, not even a garbled header
            if presented is None:
                return _ANONYMOUS
            account, _ = self._mapping(presented)
            return Principal(account_id=account, key_id=presented.key_id, method="anonymous", workspaces=None)

        known = self.remembered(req.headers.get("authorization"))
        if known is not None:
            return known
        presented = _parse_credential(req.headers)
        if presented is None:
            raise PaiError(401, "MissingAuthorization",
                            "The request carries no credential: send 'Authorization: Bearer <token>', "
                            "'x-acs-bearer-token', or an AccessKey signature (ACS3-HMAC-SHA256 or 'acs AK:sig').")
        if self.mode == "strict":
            return self._strict(req, presented)
        if presented.kind == "roa-v1":
            _check_content_md5(req)     # needs no secret, so 'any' checks it too
        account, workspaces = self._mapping(presented)
        principal = Principal(account_id=account, key_id=presented.key_id, method=presented.kind, workspaces=workspaces)
        header = req.headers.get("authorization")
        if presented.kind == "bearer" and header and header.strip():      # the token came in Authorization
            self._remember_bearer(header, principal)
        return principal

    def _remember_bearer(self, header: str, principal: Principal) -> None:
        """Mode any: a bearer token's principal depends on the Authorization header alone (and
        the credentials, fixed at start), and a client sends the same header on every request."""
        if len(self._bearers) >= self.MAX_REMEMBERED_BEARERS:
            self._bearers.clear()
        self._bearers[header] = principal

    def reads_body(self, headers: Mapping[str, str]) -> bool:
        """Whether `authenticate` checks the body, so the pipeline must read it first: the strict
        signatures that cover it (`ACS3-*`, `acs AK:sig`) and an `acs AK:sig` request's Content-MD5
        (modes any and strict). Everything else is authenticated before a byte of body is read."""
        if self.mode == "off":
            return False
        scheme = (headers.get("authorization") or "").strip().partition(" ")[0].lower()
        if scheme == "acs":
            return self.mode == "strict" or bool(headers.get("content-md5"))
        return self.mode == "strict" and scheme.startswith("acs3-")

    def check_workspace(self, principal: Principal, workspace_id: str | None) -> None:
        """403 Forbidden.RAM if the principal's key is limited and ``workspace_id`` is not allowed.

        ``None`` (operation not workspace-scoped, or no WorkspaceId given) passes; handlers that
        list across workspaces should filter by ``principal.workspaces`` themselves.
        """
        if principal.workspaces is None or workspace_id is None or workspace_id == "":
            return
        if str(workspace_id) not in principal.workspaces:
            raise PaiError(403, "Forbidden.RAM",
                            "User not authorized to operate on the specified resource, or this API doesn't "
                            f"support RAM. (key {principal.key_id} may not use workspace {workspace_id})")

    # ---- internals

    def _mapping(self, p: _Presented) -> tuple[str, frozenset[str] | None]:
        """(account, workspaces) for a credential without checking it (modes any/off)."""
        if self.credentials is not None:
            if p.kind == "bearer":
                entry = self.credentials.bearer(p.token or "")
            else:
                entry = self.credentials.access_key(p.key_id)
            if entry is not None:
                return entry.account_id, entry.workspaces
        return p.key_id, None

    def _strict(self, req: RawRequest, p: _Presented) -> Principal:
        creds = self.credentials
        assert creds is not None
        if p.kind == "bearer":
            entry = creds.bearer(p.token or "")
            if entry is None:
                raise PaiError(401, "InvalidBearerToken", "The bearer token is invalid or unknown.")
            return Principal(entry.account_id, p.key_id, "bearer", entry.workspaces)

        key = creds.access_key(p.key_id)
        if key is None:
            raise PaiError(401, "InvalidAccessKeyId.NotFound", f"Specified access key is not found: {p.key_id}")
        h = req.headers
        header_ak = h.get("x-acs-accesskey-id")
        if header_ak is not None and header_ak != p.key_id:
            raise PaiError(401, "InvalidAuthorization",
                            f"x-acs-accesskey-id {header_ak!r} does not match the signing key {p.key_id!r}.")
        if key.security_token is not None:
            sent = h.get("x-acs-security-token", "")
            if not hmac.compare_digest(sent.encode("utf-8"), key.security_token.encode("utf-8")):
                raise PaiError(401, "InvalidSecurityToken.MismatchWithAccessKey",
                                "The security token is missing or does not belong to this access key.")

        if p.kind == "acs3":
            signed_at = self._verify_acs3(req, p, key)
        else:
            signed_at = self._verify_roa_v1(req, p, key)

        # Only a request with a valid signature may consume a nonce, so a forger cannot burn them.
        # Without one (HMAC-SHA1 allows that), a replay is bounded by the date window alone.
        nonce = h.get("x-acs-signature-nonce")
        now = self._clock()
        if nonce and not self._nonces.use(p.key_id, nonce, signed_at + self.max_skew_seconds, now):
            raise PaiError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        return Principal(key.account_id, p.key_id, p.kind, key.workspaces)

    def _check_date(self, h: Mapping[str, str], date_header: str, parse: Callable[[str], datetime]) -> float:
        raw = h.get(date_header)
        try:
            if not raw:
                raise ValueError
            dt = parse(raw)
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=timezone.utc)
            signed_at = dt.timestamp()
        except (ValueError, TypeError, OverflowError):
            raise PaiError(400, "InvalidTimeStamp.Format",
                            f"Specified time stamp or date value is not well formatted: {date_header}={raw!r}.") from None
        now = self._clock()
        if abs(now - signed_at) > self.max_skew_seconds:
            server = datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            raise PaiError(400, "InvalidTimeStamp.Expired",
                            f"Specified time stamp or date value is expired: {date_header}={raw!r}, "
                            f"server time {server}, allowed skew {int(self.max_skew_seconds)}s.")
        return signed_at

    def _verify_acs3(self, req: RawRequest, p: _Presented, key: AccessKey) -> float:
        h = req.headers
        if p.algorithm != signing.ACS3_ALGORITHM:
            raise PaiError(401, "InvalidAuthorization",
                            f"Signature algorithm {p.algorithm} is not supported by fakepai strict mode; "
                            f"use {signing.ACS3_ALGORITHM}.")
        # Signature v3 rule: host, content-type and every x-acs-* header must be signed. Without
        # it, x-acs-date / the nonce / the body hash could be changed freely.
        signed = set(p.signed_headers)
        unsigned = sorted(n for n in h if (n in ("host", "content-type") or n.startswith("x-acs-")) and n not in signed)
        if unsigned:
            raise PaiError(400, "IncompleteSignature",
                            f"The request signature does not conform to Aliyun standards: header(s) "
                            f"{', '.join(unsigned)} must be listed in SignedHeaders.")
        # Signature v3 makes the nonce mandatory [DOC "Request syntax and signature method V3"].
        if not h.get("x-acs-signature-nonce"):
            raise PaiError(400, "MissingSignatureNonce", "x-acs-signature-nonce is mandatory for this request.")
        signed_at = self._check_date(h, "x-acs-date", _parse_iso)
        body_hash = signing.sha256_hex(req.body)
        # tea-openapi puts the x-acs-content-sha256 value itself in the canonical request.
        hashed_payload = h.get("x-acs-content-sha256") or body_hash
        canonical, _ = signing.acs3_canonical_request(req.method, req.path, req.query, h, hashed_payload,
                                                      signed_headers=p.signed_headers)
        string_to_sign = signing.acs3_string_to_sign(canonical, p.algorithm)
        expected = signing.acs3_signature(string_to_sign, key.access_key_secret)
        if not hmac.compare_digest(p.signature.lower().encode("ascii", "replace"), expected.encode("ascii")):
            shown, _ = signing.acs3_canonical_request(req.method, req.path, req.query, signing.redacted(h),
                                                      hashed_payload, signed_headers=p.signed_headers)
            raise PaiError(400, "SignatureDoesNotMatch",
                            "Specified signature is not matched with our calculation. server string to sign is:"
                            f"{string_to_sign} canonical request is:{shown}")
        if not hmac.compare_digest(hashed_payload.lower().encode("ascii", "replace"), body_hash.encode("ascii")):
            raise PaiError(400, "SignatureDoesNotMatch",
                            f"x-acs-content-sha256 {hashed_payload} does not match the request body "
                            f"(server computed {body_hash} over {len(req.body)} bytes).")
        return signed_at

    def _verify_roa_v1(self, req: RawRequest, p: _Presented, key: AccessKey) -> float:
        h = req.headers
        method = h.get("x-acs-signature-method")
        if method is not None and method.upper() != "HMAC-SHA1":
            raise PaiError(401, "InvalidAuthorization",
                            f"x-acs-signature-method {method!r} is not supported with 'acs AK:sig'; use HMAC-SHA1.")
        # No nonce required: aliyun-python-sdk-core never sends one and PAI accepts its requests.
        signed_at = self._check_date(h, "date", parsedate_to_datetime)
        # Clients differ in how they canonicalise (see signing.roa_v1_strings_to_sign): any of
        # the forms a real client computes is accepted, each one compared in constant time.
        candidates = signing.roa_v1_strings_to_sign(req.method, req.path, req.query, h)
        sent = p.signature.encode("utf-8")
        if not any(hmac.compare_digest(sent, signing.roa_v1_signature(s, key.access_key_secret).encode("ascii"))
                   for s in candidates):
            shown = signing.roa_v1_string_to_sign(req.method, req.path, req.query, signing.redacted(h))
            raise PaiError(400, "SignatureDoesNotMatch",
                            f"Specified signature is not matched with our calculation. server string to sign is:{shown}")
        _check_content_md5(req)
        return signed_at


def _check_content_md5(req: RawRequest) -> None:
    """HMAC-SHA1 does not cover the body; a Content-MD5 header, when sent, does [DOC ROA signature:
    "to prevent requests being tampered with, add Content-MD5"]. aliyun-python-sdk-core sends it
    with every body."""
    md5 = req.headers.get("content-md5")
    if not md5:
        return          # an empty header binds nothing (and no client sends one)
    actual = base64.b64encode(hashlib.md5(req.body).digest()).decode("ascii")
    if not hmac.compare_digest(md5.strip().encode("utf-8"), actual.encode("ascii")):
        # The colon matters: aliyun-python-sdk-core splits this message on ':' (client.py).
        raise PaiError(400, "SignatureDoesNotMatch",
                        f"Specified Content-MD5 is not matched with the request body: sent {md5.strip()[:64]!r}, "
                        f"server computed {actual!r} over {len(req.body)} bytes.")


def _parse_iso(value: str) -> datetime:
    # x-acs-date is written as 2024-01-02T03:04:05Z (Utils.get_timestamp); accept any ISO 8601.
    return datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
