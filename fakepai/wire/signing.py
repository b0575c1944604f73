"""Alibaba Cloud request signatures, as pure functions.

Two schemes reach PAI:

* **ACS3-HMAC-SHA256** (signature v3) — what the official SDKs send by default
  (``alibabacloud_tea_openapi.client.Client.do_request`` 0.4.6).
* **HMAC-SHA1 ``acs AK:sig``** (ROA signature v1) — what tea-openapi sends when the client sets
  ``signature_algorithm='v2'`` (``do_roarequest`` / ``do_roarequest_with_form``); alipai's
  bundled DLC client does exactly that, and pop-core's ROAClient uses the same string to sign.

Every canonicalisation step below mirrors a named function of the installed SDK, so the emulator
(verifier) and the contract kit (signer) compute exactly what a real client computes. The
functions take already-decoded query pairs and lower-case header names, and know nothing about
servers or HTTP frameworks.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timezone
from typing import Iterable, Mapping
from urllib.parse import quote, unquote

ACS3_ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# Headers a transport adds after the SDK has signed (requests/urllib3), never part of a signature
# the SDK computes. Used only by the signer when it is handed a captured/transport header set.
_NEVER_SIGNED = frozenset({"authorization", "content-length", "accept-encoding", "connection"})

__all__ = [
    "ACS3_ALGORITHM", "EMPTY_SHA256",
    "canonical_query", "acs3_canonical_headers", "acs3_canonical_request", "acs3_string_to_sign",
    "acs3_signature", "sign_acs3", "acs3_date", "sha256_hex",
    "roa_v1_canonical_headers", "roa_v1_canonical_resource", "roa_v1_string_to_sign",
    "roa_v1_strings_to_sign", "roa_v1_signature", "sign_roa_v1", "rfc1123_date", "new_nonce", "redacted",
]


# --------------------------------------------------------------------------- small helpers

def _to_bytes(body: bytes | str | None) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body)


def sha256_hex(body: bytes | str | None) -> str:
    """Hex SHA-256 of the body, the value of ``x-acs-content-sha256`` (``Utils.hash`` + ``.hex()``)."""
    return hashlib.sha256(_to_bytes(body)).hexdigest()


def acs3_date(now: datetime | None = None) -> str:
    """``x-acs-date`` as ``Utils.get_timestamp()`` writes it: ``2024-01-02T03:04:05Z`` (UTC)."""
    now = now or datetime.now(timezone.utc)
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc1123_date(now: datetime | None = None) -> str:
    """``Date`` as ``Utils.get_date_utcstring()`` writes it: ``Thu, 06 Feb 2020 07:32:54 GMT``.

    The SDK uses ``strftime('%a, %d %b %Y ...')`` (locale-dependent names); we spell the English
    names out so a non-C locale cannot change what is signed.
    """
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return (f"{days[now.weekday()]}, {now.day:02d} {months[now.month - 1]} {now.year:04d} "
            f"{now.hour:02d}:{now.minute:02d}:{now.second:02d} GMT")


def new_nonce() -> str:
    """A fresh signature nonce: 32 hex chars, the same shape as ``Utils.get_nonce()`` (an md5 hex)."""
    return secrets.token_hex(16)


def _lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    # None-valued headers are skipped, as get_canonicalized_headers does.
    return {k.lower(): str(v) for k, v in headers.items() if v is not None}


def _sorted_pairs(query: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    # The SDK's query is a dict, so keys are unique and it sorts keys only. A list of pairs may
    # repeat a key; we then order by (key, value) so the result never depends on arrival order.
    return sorted(((str(k), "" if v is None else str(v)) for k, v in query), key=lambda kv: (kv[0], kv[1]))


# --------------------------------------------------------------------------- ACS3-HMAC-SHA256

def canonical_query(query: Iterable[tuple[str, str]]) -> str:
    """ACS3 canonical query string, mirroring ``get_canonical_query_string`` (tea-openapi utils).

    * pairs sorted by key (code-point order);
    * the **value** is ``urllib.parse.quote(value, safe='~')`` (RFC 3986: space -> ``%20``,
      ``/`` -> ``%2F``, ``+`` -> ``%2B``, UTF-8 bytes percent-encoded, ``~`` kept);
    * the **key is not encoded at all** (the SDK writes ``f'{key}={value}'``) — harmless for PAI's
      ASCII parameter names, but it is what the SDK hashes, so it is what we hash;
    * an empty value still gets its ``=`` (``Key=``); no pairs -> empty string.

    The values are the *decoded* ones: on the wire the SDK sends ``urlencode`` (``quote_plus``,
    space -> ``+``), so the server must decode before canonicalising, never reuse the raw query.
    """
    return "&".join(f"{k}={quote(v, safe='~', encoding='utf-8')}" for k, v in _sorted_pairs(query))


def acs3_canonical_headers(headers: Mapping[str, str], signed_headers: Iterable[str] | None = None) -> tuple[str, str]:
    """Canonical headers and the ``SignedHeaders`` list, mirroring ``get_canonicalized_headers``.

    Names are lower-cased and sorted, values ``str(v).strip()``, one ``name:value\\n`` line each.
    The SDK signs *every* header it has set at signing time (host, accept, user-agent,
    content-type, all ``x-acs-*``); ``signed_headers=None`` does the same with ``headers``. The
    verifier passes the client's ``SignedHeaders`` list instead; a listed header that is absent is
    canonicalised with an empty value (and so fails the comparison).
    """
    lower = _lower_headers(headers)
    names = sorted(set(lower) if signed_headers is None else {n.strip().lower() for n in signed_headers if n.strip()})
    text = "".join(f"{n}:{lower.get(n, '').strip()}\n" for n in names)
    return text, ";".join(names)


def acs3_canonical_request(method: str, pathname: str, query: Iterable[tuple[str, str]],
                           headers: Mapping[str, str], hashed_payload: str,
                           signed_headers: Iterable[str] | None = None) -> tuple[str, str]:
    """(canonical request, SignedHeaders), mirroring ``Utils.get_authorization``.

    ``pathname`` is used as is: the SDK signs the path exactly as it puts it on the wire (already
    percent-encoded by ``DaraURL.percent_encode`` per path parameter), so the verifier must use the
    raw request path, never a decoded one. An empty path canonicalises as ``/``.
    """
    canonical_headers, signed = acs3_canonical_headers(headers, signed_headers)
    request = (f"{method.upper()}\n{pathname or '/'}\n{canonical_query(query)}\n"
               f"{canonical_headers}\n{signed}\n{hashed_payload}")
    return request, signed


def acs3_string_to_sign(canonical_request: str, algorithm: str = ACS3_ALGORITHM) -> str:
    """``ACS3-HMAC-SHA256\\n<hex sha256 of the canonical request>``."""
    return f"{algorithm}\n{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"


def acs3_signature(string_to_sign: str, access_key_secret: str) -> str:
    """Lower-case hex HMAC-SHA256 of the string to sign, keyed by the secret (``signature_method``)."""
    return hmac.new(access_key_secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_acs3(method: str, pathname: str, query: list[tuple[str, str]], headers: dict[str, str], body: bytes,
              access_key_id: str, access_key_secret: str, security_token: str | None = None,
              *, date: str | None = None, nonce: str | None = None) -> dict[str, str]:
    """Sign a request the way tea-openapi 0.4.6 ``do_request`` does; return the headers to send.

    ``headers`` must already hold ``host`` and whatever else the client sends and wants signed
    (the SDK also sets ``accept``, ``user-agent``, ``x-acs-action``, ``x-acs-version``,
    ``x-acs-credentials-provider`` and, with a body, ``content-type``). This adds ``x-acs-date``,
    ``x-acs-signature-nonce`` (kept if already present and not overridden), ``x-acs-content-sha256``,
    with an STS token ``x-acs-accesskey-id`` + ``x-acs-security-token``, and ``authorization``.
    All returned names are lower case. Transport headers (content-length, accept-encoding,
    connection) are passed through but never signed, as the SDK signs before they exist.
    """
    out = _lower_headers(headers)
    out.pop("authorization", None)
    if "host" not in out:
        raise ValueError("sign_acs3: headers must contain 'host'")
    out["x-acs-date"] = date or out.get("x-acs-date") or acs3_date()
    out["x-acs-signature-nonce"] = nonce or out.get("x-acs-signature-nonce") or new_nonce()
    hashed = sha256_hex(body)
    out["x-acs-content-sha256"] = hashed
    if security_token:
        out["x-acs-accesskey-id"] = access_key_id
        out["x-acs-security-token"] = security_token
    to_sign = {k: v for k, v in out.items() if k not in _NEVER_SIGNED}
    canonical, signed = acs3_canonical_request(method, pathname, query, to_sign, hashed)
    signature = acs3_signature(acs3_string_to_sign(canonical), access_key_secret)
    out["authorization"] = f"{ACS3_ALGORITHM} Credential={access_key_id},SignedHeaders={signed},Signature={signature}"
    return out


# --------------------------------------------------------------------------- ROA v1, HMAC-SHA1

def roa_v1_canonical_headers(headers: Mapping[str, str]) -> str:
    """Mirror of ``Utils._get_canonicalized_headers``: every header whose (lower-case) name starts
    with ``x-acs-``, sorted, ``name:value\\n``; values are *not* stripped (the SDK does not)."""
    lower = _lower_headers(headers)
    return "".join(f"{k}:{lower[k]}\n" for k in sorted(k for k in lower if k.startswith("x-acs-")))


def roa_v1_canonical_resource(pathname: str, query: Iterable[tuple[str, str]], *, empty_as_bare_key: bool = True) -> str:
    """Mirror of ``Utils._get_canonicalized_resource``: ``path?k=v&k2`` with keys sorted and values
    **decoded, not encoded** (the SDK signs its raw dict values); an empty value is written as the
    bare key, with no ``=``. No pairs -> just the path (no ``?``).

    ``empty_as_bare_key=False`` is aliyun-python-sdk-core's form instead
    (``roa_signature_composer.__build_query_string`` writes ``k=`` for an empty string; only
    ``None`` gets the bare key there).
    """
    pairs = _sorted_pairs(query)
    if not pairs:
        return pathname
    return pathname + "?" + "&".join(k if v == "" and empty_as_bare_key else f"{k}={v}" for k, v in pairs)


def roa_v1_string_to_sign(method: str, pathname: str, query: Iterable[tuple[str, str]],
                          headers: Mapping[str, str], *, empty_as_bare_key: bool = True) -> str:
    """Mirror of ``Utils.get_string_to_sign`` (and of pop-core's ``compose_string_to_sign``)::

        METHOD\\naccept\\ncontent-md5\\ncontent-type\\ndate\\n<x-acs-* headers><resource>

    The body is not part of it; only a ``content-md5`` header (if the client sent one) binds it.
    """
    h = _lower_headers(headers)
    head = (f"{method.upper()}\n{h.get('accept', '')}\n{h.get('content-md5', '')}\n"
            f"{h.get('content-type', '')}\n{h.get('date', '')}\n")
    return head + roa_v1_canonical_headers(h) + roa_v1_canonical_resource(pathname, query,
                                                                          empty_as_bare_key=empty_as_bare_key)


def roa_v1_strings_to_sign(method: str, pathname: str, query: list[tuple[str, str]],
                           headers: Mapping[str, str]) -> list[str]:
    """Every string to sign a real HMAC-SHA1 client could have computed for this request, the
    tea-openapi form first. The two clients part on two points only:

    * an empty query value: tea-openapi writes ``k``, aliyun-python-sdk-core ``k=``;
    * the path: tea-openapi signs the percent-encoded path it sends, pop-core substitutes raw path
      parameter values into its ``uri_pattern`` (``replace_occupied_parameters``) and lets the
      HTTP library encode them on the wire, so its path is the *decoded* one.
    """
    paths = dict.fromkeys((pathname, unquote(pathname)))
    styles = (True, False) if any(v == "" for _, v in query) else (True,)
    return [roa_v1_string_to_sign(method, path, query, headers, empty_as_bare_key=style)
            for path in paths for style in styles]


# Header names whose values are credentials: never echoed in an error (SignatureDoesNotMatch
# shows the server's string to sign so a client can compare, but a message may end up in logs).
_CREDENTIAL_WORDS = ("token", "secret", "password", "authorization", "cookie")


def redacted(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers with every credential value replaced by ``<redacted>``, for messages only."""
    return {k: ("<redacted>" if any(w in k.lower() for w in _CREDENTIAL_WORDS) else v)
            for k, v in _lower_headers(headers).items()}


def roa_v1_signature(string_to_sign: str, access_key_secret: str) -> str:
    """Base64 HMAC-SHA1 of the string to sign, mirroring ``Utils.get_roasignature``."""
    digest = hmac.new(access_key_secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_roa_v1(method: str, pathname: str, query: list[tuple[str, str]], headers: dict[str, str], body: bytes,
                access_key_id: str, access_key_secret: str, *, date: str | None = None, nonce: str | None = None,
                security_token: str | None = None) -> dict[str, str]:
    """Sign like tea-openapi ``do_roarequest``; return the headers to send (lower-case names).

    Adds ``date`` (RFC 1123), ``x-acs-signature-nonce``, ``x-acs-signature-method: HMAC-SHA1``,
    ``x-acs-signature-version: 1.0``, with an STS token ``x-acs-accesskey-id`` +
    ``x-acs-security-token``, and ``authorization: acs AK:signature``. ``body`` is not signed by
    this scheme (the SDK sends no Content-MD5); pass a ``content-md5`` header to bind it.
    """
    out = _lower_headers(headers)
    out.pop("authorization", None)
    out["date"] = date or out.get("date") or rfc1123_date()
    out["x-acs-signature-nonce"] = nonce or out.get("x-acs-signature-nonce") or new_nonce()
    out.setdefault("x-acs-signature-method", "HMAC-SHA1")
    out.setdefault("x-acs-signature-version", "1.0")
    if security_token:
        out["x-acs-accesskey-id"] = access_key_id
        out["x-acs-security-token"] = security_token
    signature = roa_v1_signature(roa_v1_string_to_sign(method, pathname, query, out), access_key_secret)
    out["authorization"] = f"acs {access_key_id}:{signature}"
    return out
