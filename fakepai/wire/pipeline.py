"""The one PAI endpoint: route -> authenticate -> read the body -> throttle -> bind -> faults ->
invoke (`Emulator.invoke`: the handler, under the journal) -> render.

The body is read last of the request's parts and never past the operation's cap: a Content-Length
above it is refused before a byte is read, a chunked body is cut off at it, and a credential that
lives in the headers alone (bearer tokens; anything in modes any/off) is checked before the body
is read. Only what covers the body waits for it (`Authenticator.reads_body`: strict signatures, an
`acs AK:sig` request's Content-MD5); see docs/limits.md.

Handlers are called directly on the event loop (not in a thread pool), so state is only ever
touched from one thread and no update is lost to a race (DESIGN §6).
"""
from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import parse_qsl

from fakepai.emulator import Emulator
from fakepai.errors import PaiError
from fakepai.ids import request_id as new_request_id
from fakepai.wire.auth import RawRequest
from fakepai.wire.binding import bind
from fakepai.wire.faults import FAULT_HEADER, InjectedFault
from fakepai.wire.rendering import error_response, success_response

log = logging.getLogger("fakepai")




def _too_large(op, size: int | str) -> PaiError:
    return PaiError(400, "InvalidParameter.TooLarge",
                    f"The request body is {size} bytes; {op.action} accepts at most {op.max_body_bytes}.")


async def _read_body(receive, op, headers: dict[str, str]) -> bytes:
    """The body of a request that has one (Content-Length or Transfer-Encoding), refused (PaiError)
    as soon as it is known to exceed the operation's cap."""
    cap = op.max_body_bytes
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _too_large(op, int(declared))          # nothing read: the connection is closed after
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break                               # the client went away
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            raise _too_large(op, f"more than {cap}")   # a chunked body: stop reading at the cap
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def serve(emulator: Emulator, scope, receive, send) -> None:
    """The ASGI endpoint of every PAI path (a plain ASGI callable: building Starlette's Request,
    URL and Headers objects for each call would cost more than routing and binding together)."""
    started = time.perf_counter()
    rid = new_request_id()
    raw_path = (scope.get("raw_path") or scope["path"].encode("utf-8")).decode("latin-1").split("?", 1)[0]
    query_string = scope.get("query_string")
    query = _parse_query(query_string.decode("latin-1")) if query_string else []
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    method = scope["method"].upper()

    op = None
    principal = None
    form = None
    try:
        # HEAD is GET without the body (uvicorn drops it): same route, same checks, same headers.
        route = emulator.router.resolve("GET" if method == "HEAD" else method, raw_path, headers)
        op, form = route.operation, route.form
        # (The checks below that most requests pass are tested here, not called: issue #14, speed.
        # A RawRequest is built only for `authenticate`: a remembered bearer header needs none.)
        principal = emulator.auth.remembered(headers.get("authorization"))
        if principal is None and not emulator.auth.reads_body(headers):
            principal = emulator.auth.authenticate(RawRequest(method, raw_path, query, headers, b""))
        # HTTP/1.1: a request with neither header has no body (RFC 9112, section 6.3): none to wait for.
        body = b""
        if headers.get("content-length") or "transfer-encoding" in headers:
            body = await _read_body(receive, op, headers)
        if principal is None:
            principal = emulator.auth.authenticate(RawRequest(method, raw_path, query, headers, body))
        if emulator.throttler.enabled:
            emulator.throttler.check(principal.account_id, op.product, op.action, op.rate_limit)
        params = bind(op, route.path_values, query, headers.get("content-type", ""), body)
        workspace = params.get("WorkspaceId")
        if principal.workspaces is not None:
            emulator.auth.check_workspace(principal, workspace if isinstance(workspace, str) else None)
        if emulator.faults.armed or FAULT_HEADER in headers:
            try:
                delay = emulator.faults.check(op.product, op.action, principal.account_id, params, headers)
            except InjectedFault as fault:  # an injected error may come late: sleep its latency first
                if fault.delay:
                    await _sleep_at_least(fault.delay)
                raise
            if delay:
                await _sleep_at_least(delay)
        # The URL the caller used to reach this server (scheme and Host), for URLs it serves itself.
        host = headers.get("host")
        base_url = f"{scope.get('scheme') or 'http'}://{host}" if host else _base_url_without_host(scope)
        result = emulator.invoke(op, principal, params, request_id=rid, base_url=base_url)
        if op.mutating and emulator.journal.path is not None:     # (without a state file nothing is journaled)
            await emulator.journal.synced(op)       # a write is answered once the journal has it on disk
        response = success_response(op, result, rid)
        code = None
    except PaiError as e:
        response = error_response(e, rid, op.product if op else None, emulator.settings.region,
                                  op.envelope if op else "plain")
        code = e.code
    except Exception:  # a bug in fakepai, never the client's fault: say so, loudly
        log.exception("internal error serving %s %s", method, raw_path)
        err = PaiError(500, "InternalError", "fakepai hit an internal error; this is a bug, please report it.")
        response = error_response(err, rid, op.product if op else None, emulator.settings.region,
                                  op.envelope if op else "plain")
        code = err.code
    now = emulator.clock.now()
    account = principal.account_id if principal else None
    product, action = (op.product, op.action) if op else (None, None)
    emulator.requests.add(now, rid, account, product, action, method, scope["path"], response.status_code, code,
                          round((time.perf_counter() - started) * 1000, 3), form)
    emulator.usage.record(account, product, action, now)
    # What Starlette's Response.__call__ sends for it (a JsonResponse has no background task).
    await send({"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


async def _sleep_at_least(seconds: float) -> None:
    """An injected latency is a floor: uvloop's timers count whole milliseconds from the time the
    loop read last, so `asyncio.sleep` alone may end up to a millisecond early."""
    deadline = time.perf_counter() + seconds
    while (left := deadline - time.perf_counter()) > 0:
        await asyncio.sleep(left)


def _parse_query(text: str) -> list[tuple[str, str]]:
    """`parse_qsl(text, keep_blank_values=True)`; a query with nothing to unescape (no `%`, no `+`:
    what SDKs send for ids, numbers and enum values) is split here without its per-field calls."""
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True)
    pairs = []
    for field in text.split("&"):
        if field:
            name, _, value = field.partition("=")
            pairs.append((name, value))
    return pairs


def _base_url_without_host(scope) -> str:
    """The base URL of a request without a Host header (HTTP/1.0): the server's address stands in."""
    server = scope.get("server")
    return "%s://%s:%s" % (scope.get("scheme") or "http", *server[:2]) if server else ""
