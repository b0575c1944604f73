"""Who may steer the emulator: the checks every /_fakepai/ request passes before its route.

The rules (docs/security.md, "The control plane", has the reasons and sources; a browser console
is built on them, so change them only together with it):

1. Cross-site request forgery. POST, PUT, DELETE and PATCH are refused
   * 403 ``CrossOriginRefused`` when ``Origin`` is present and is not the origin the request was
     sent to (scheme-default ports normalised; ``Origin: null`` is never the same origin), or when
     ``Sec-Fetch-Site`` is ``cross-site``;
   * 415 ``UnsupportedMediaType`` unless ``Content-Type`` is ``application/json`` (parameters such
     as ``charset`` allowed). A request with no body at all (no Content-Type, no Content-Length or
     ``Content-Length: 0``, no Transfer-Encoding) may leave Content-Type out: the origin check
     above still applies to it. A browser page can send ``text/plain`` or a form cross-origin
     without a preflight, but never ``application/json``.
   GET and HEAD never change state, so they are not checked here.
2. The admin token (``Settings.admin_token``: ``--admin-token``). When set, every request needs it,
   except ``GET /_fakepai/health`` (a liveness probe: it tells nothing secret), as
   * the header ``x-fakepai-admin-token: TOKEN`` (scripts, the Python API), or
   * the cookie ``fakepai_admin`` (browsers). A browser gets it by opening any GET page once with
     ``?token=TOKEN``: the answer is a 303 to the same URL without the token, setting the cookie
     (a digest of the token) HttpOnly, SameSite=Strict, Path=/_fakepai, so no other site's page
     can send it and no script can read it.
   Missing or wrong: 401 ``AdminTokenRequired``. PAI credentials (Authorization, x-acs-*) never
   count: the token is only ever read from the header or cookie above.
3. DNS rebinding. Without an admin token (only allowed on a loopback bind: fakepai/exposure.py),
   the ``Host`` must name a loopback address (``localhost``, ``*.localhost``, 127.0.0.0/8, ``::1``):
   otherwise 403 ``HostNotAllowed``, since a page whose DNS name was re-pointed at 127.0.0.1 is
   "same origin" with the emulator by every other check.

Refusals are JSON in PAI's error shape ``{"Code": code, "Message": message, "RequestId": id}``,
as every control-plane error is.
"""
from __future__ import annotations

import hashlib
import hmac
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson

from fakepai.exposure import is_loopback
from fakepai.ids import request_id

ADMIN_HEADER = "x-fakepai-admin-token"
ADMIN_COOKIE = "fakepai_admin"
TOKEN_QUERY = "token"
STATE_CHANGING = frozenset({"POST", "PUT", "DELETE", "PATCH"})
OPEN_WITHOUT_TOKEN = frozenset({"/_fakepai/health"})      # for GET/HEAD only
_DEFAULT_PORTS = {"http": 80, "https": 443}

__all__ = ["ControlGuard", "ADMIN_HEADER", "ADMIN_COOKIE", "TOKEN_QUERY"]


def _split_host(value: str) -> tuple[str, int | None]:
    """`example.com:8080` / `[::1]:80` / `127.0.0.1` -> (host, port or None)."""
    parts = urlsplit("//" + value.strip())
    try:
        return (parts.hostname or "").rstrip("."), parts.port
    except ValueError:
        return "", -1          # a port that is not a number: matches nothing


def _same_origin(origin: str, host_header: str) -> bool:
    parts = urlsplit(origin.strip())
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return False           # includes "null" (sandboxed frames, file: pages, some redirects)
    try:
        origin_port = parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
    except ValueError:
        return False
    host, port = _split_host(host_header)
    return host.lower() == parts.hostname.rstrip(".").lower() and (port or _DEFAULT_PORTS[parts.scheme.lower()]) == origin_port


def _has_no_body(headers: dict[str, str]) -> bool:
    return "transfer-encoding" not in headers and headers.get("content-length", "0").strip() == "0"


def _is_json(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _origin_check(method: str, headers: dict[str, str]) -> None:
    origin = headers.get("origin")
    if origin is not None and not _same_origin(origin, headers.get("host", "")):
        raise _Refusal(403, "CrossOriginRefused", f"the control plane takes no {method} from another origin "
                                                  f"(Origin {origin[:100]!r}, Host {headers.get('host', '')[:100]!r})")
    if headers.get("sec-fetch-site", "").strip().lower() == "cross-site":
        raise _Refusal(403, "CrossOriginRefused", f"the control plane takes no {method} from another site "
                                                  "(Sec-Fetch-Site: cross-site)")


def _content_type_check(method: str, headers: dict[str, str]) -> None:
    content_type = headers.get("content-type")
    if content_type is None and _has_no_body(headers):
        return
    if not _is_json(content_type or ""):
        raise _Refusal(415, "UnsupportedMediaType", f"{method} on the control plane takes Content-Type: "
                                                    f"application/json, got {(content_type or 'a body without one')[:100]!r}")


def _cookie_value(token: str) -> str:
    """What the cookie holds: a digest of the token (cookie-safe characters, and the token itself
    never sits in the browser's cookie store)."""
    return hashlib.sha256(b"fakepai-admin-cookie\0" + token.encode("utf-8")).hexdigest()


def _same_secret(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode("utf-8", "replace"), expected.encode("utf-8"))


def _has_admin_token(headers: dict[str, str], token: str) -> bool:
    if ADMIN_HEADER in headers:
        return _same_secret(headers[ADMIN_HEADER], token)
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except CookieError:
        return False
    morsel = cookie.get(ADMIN_COOKIE)
    return morsel is not None and _same_secret(morsel.value, _cookie_value(token))


class ControlGuard:
    """ASGI middleware in front of the control-plane app. HTTP only: the control plane has no
    WebSocket route; one added later must check its Origin here first (browsers send WebSocket
    handshakes cross-origin without asking)."""

    def __init__(self, app, emulator):
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        method = scope["method"].upper()
        try:
            redirect = self._check(scope, method, headers)
        except _Refusal as refusal:
            await _send(send, refusal.status, orjson.dumps({"Code": refusal.code, "Message": refusal.message,
                                                        "RequestId": request_id()}),
                        [(b"content-type", b"application/json")])
            return
        if redirect is not None:
            await _send(send, 303, b"", redirect)
            return
        await self.app(scope, receive, send)

    def _check(self, scope, method: str, headers: dict[str, str]) -> list[tuple[bytes, bytes]] | None:
        """Raises _Refusal, or returns the headers of a cookie-setting redirect, or None to go on."""
        if method in STATE_CHANGING:
            _origin_check(method, headers)
            _content_type_check(method, headers)
        token = self.emulator.settings.admin_token
        if not token:
            host = headers.get("host")
            if host is not None and not is_loopback(_split_host(host)[0]):
                raise _Refusal(403, "HostNotAllowed", f"Host {host[:100]!r} is not a loopback name; start fakepai "
                                                      "with --admin-token to reach its control plane by another name")
            return None
        if method in ("GET", "HEAD") and scope["path"] in OPEN_WITHOUT_TOKEN:
            return None
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        from_query = [v for k, v in query if k == TOKEN_QUERY]
        if method in ("GET", "HEAD") and from_query:
            if not _same_secret(from_query[-1], token):
                raise _Refusal(401, "AdminTokenRequired", "the token in the URL is not this server's admin token")
            rest = urlencode([(k, v) for k, v in query if k != TOKEN_QUERY])
            location = scope.get("root_path", "") + scope["path"] + (f"?{rest}" if rest else "")
            cookie = f"{ADMIN_COOKIE}={_cookie_value(token)}; HttpOnly; SameSite=Strict; Path=/_fakepai"
            return [(b"location", location.encode("latin-1")), (b"set-cookie", cookie.encode("latin-1")),
                    (b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer")]
        if not _has_admin_token(headers, token):
            raise _Refusal(401, "AdminTokenRequired",
                           f"this control plane needs the admin token: send the header {ADMIN_HEADER}, or open "
                           f"/_fakepai/?{TOKEN_QUERY}=<token> once in a browser")
        return None


async def _send(send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
