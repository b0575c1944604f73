"""How fakepai is served over HTTP: the one uvicorn configuration (`uvicorn_options`) `FakePAI` and `fakepai serve`
share, and the HTTP/1.1 protocol that bounds a request's head before it is buffered.

Bounds (docs/limits.md, issue #11 §2):
  * request line + headers: at most MAX_HEAD_BYTES (uvicorn's httptools parser has no limit of
    its own: PaiHttpProtocol counts a head's bytes while it is incomplete);
  * header count (MAX_HEADERS) and the size of a head that arrived whole: checked by the app
    (fakepai/app.py) before any routing;
  * body: Content-Length above the operation's cap is refused before a byte is read, a chunked
    body is read only up to the cap (fakepai/wire/pipeline.py).
A request the HTTP parser refuses (malformed, or a head too large) is answered in PAI's JSON error
shape, not uvicorn's text/plain "Invalid HTTP request received.".
"""
from __future__ import annotations

import gc
from itertools import chain

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from fakepai.errors import PaiError
from fakepai.ids import request_id as new_request_id
from fakepai.wire.rendering import error_body

# [INFERRED] 64 KiB: four times nginx's default large_client_header_buffers (4 x 8 KiB); PAI's SDK
# requests carry a few hundred bytes of headers and query strings of at most a few KiB.
MAX_HEAD_BYTES = 64 * 1024
MAX_HEADERS = 128           # [INFERRED] an SDK request sends about 15


def malformed_request() -> PaiError:
    return PaiError(400, "InvalidRequest.Malformed",
                    f"The request is not valid HTTP/1.1, or its request line and headers exceed {MAX_HEAD_BYTES} bytes.")


def head_too_large(scope) -> PaiError | None:
    """431 when the request head is over the bounds. PaiHttpProtocol refuses a head that is still
    incomplete past MAX_HEAD_BYTES; one that arrived whole in a single read is measured here."""
    headers = scope["headers"]
    if len(headers) > MAX_HEADERS:
        return PaiError(431, "InvalidRequest.TooManyHeaders",
                        f"The request has {len(headers)} headers; at most {MAX_HEADERS} are accepted.")
    size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
    size += len(b"".join(chain.from_iterable(headers)))      # no Python call per header
    if size > MAX_HEAD_BYTES:
        return PaiError(431, "InvalidRequest.HeadersTooLarge",
                        f"The request line and headers are {size} bytes; at most {MAX_HEAD_BYTES} are accepted.")
    return None


_NO_MESSAGE = object()


class PaiHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol (the fast C parser, which buffers a head without limit), bounded:
    a head still incomplete past MAX_HEAD_BYTES is refused, and what the parser cannot parse is
    answered in PAI's error shape."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._head_of, self._head_bytes = _NO_MESSAGE, 0     # the message whose head is counted

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # Still in the head after the parser took `data` (uvicorn's scope has no method until the
        # head is complete): every byte of it was head (no body yet). Judged here, not in parser
        # callbacks: a request whose head comes whole costs no extra call.
        scope = self.scope
        if scope is not None and "method" in scope or self.transport.is_closing():
            return
        if scope is not self._head_of:                    # a new message began in `data`
            self._head_of, self._head_bytes = scope, 0
        self._head_bytes += len(data)
        if self._head_bytes > MAX_HEAD_BYTES:
            self.send_400_response("head too large")

    def send_400_response(self, msg: str) -> None:
        rid = new_request_id()
        body = orjson.dumps(error_body(malformed_request(), rid, None))
        self.transport.write(b"".join([
            b"HTTP/1.1 400 Bad Request\r\n", b"content-type: application/json;charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(body), b"x-acs-request-id: " + rid.encode() + b"\r\n",
            b"connection: close\r\n\r\n", body]))
        self.transport.close()


# [INFERRED] A served emulator keeps what it is sent (jobs live until deleted), and that is freed
# by reference counting, not by the cycle collector; yet the collector's full pass walks every
# object each time the long-lived ones grew by a quarter, after 10 passes of the middle
# generation: at 10,000 jobs about once per 5,000 creates, ~100 ms each, ~16 us a create on
# average (benchmarks/README.md, "Calls per request, third round"). `fakepai serve` (a process of
# its own, unlike an embedded FakePAI) runs its full passes 10x less often.
FULL_PASS_AFTER = 100          # middle-generation passes (CPython's default: 10)


def collect_less_often() -> None:
    """The served process's collector thresholds: young passes as by default, full ones rarer."""
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_PASS_AFTER)


def uvicorn_options(log_level: str = "warning") -> dict:
    """The keyword arguments of `uvicorn.Config` that FakePAI and `fakepai serve` share."""
    # lifespan "on": the app saves the state file on shutdown.
    return {"http": PaiHttpProtocol, "log_level": log_level, "access_log": False, "lifespan": "on"}
