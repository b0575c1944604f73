"""How fakepai is served over HTTP: the one uvicorn configuration (`uvicorn_options`) `FakePAI` and `fakepai serve`
share, and the HTTP/1.1 protocol that bounds a request's head before it is buffered.

Bounds (docs/limits.md, issue #11 §2):
  * request line + headers: at most MAX_HEAD_BYTES (h11's incomplete-event limit; uvicorn's
    default parser, httptools, has no limit at all, so fakepai serves with h11);
  * header count (MAX_HEADERS) and the size of a head that arrived whole: checked by the app
    (fakepai/app.py) before any routing;
  * body: Content-Length above the operation's cap is refused before a byte is read, a chunked
    body is read only up to the cap (fakepai/wire/pipeline.py).
A request the HTTP parser refuses (malformed, or a head too large) is answered in PAI's JSON error
shape, not uvicorn's text/plain "Invalid HTTP request received.".
"""
from __future__ import annotations

import h11
import orjson
from uvicorn.protocols.http.h11_impl import H11Protocol

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
    """431 when the request head is over the bounds. h11 refuses a head that is still incomplete
    at MAX_HEAD_BYTES; one that arrived whole in a single read is measured here."""
    headers = scope["headers"]
    if len(headers) > MAX_HEADERS:
        return PaiError(431, "InvalidRequest.TooManyHeaders",
                        f"The request has {len(headers)} headers; at most {MAX_HEADERS} are accepted.")
    size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
    size += sum(len(name) + len(value) for name, value in headers)
    if size > MAX_HEAD_BYTES:
        return PaiError(431, "InvalidRequest.HeadersTooLarge",
                        f"The request line and headers are {size} bytes; at most {MAX_HEAD_BYTES} are accepted.")
    return None


class PaiHttpProtocol(H11Protocol):
    """uvicorn's h11 protocol, answering what it cannot parse in PAI's error shape."""

    def send_400_response(self, msg: str) -> None:
        rid = new_request_id()
        body = orjson.dumps(error_body(malformed_request(), rid, None))
        headers = [(b"content-type", b"application/json;charset=utf-8"), (b"content-length", str(len(body)).encode()),
                   (b"x-acs-request-id", rid.encode()), (b"connection", b"close")]
        try:
            for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                          h11.Data(data=body), h11.EndOfMessage()):
                self.transport.write(self.conn.send(event))
        except h11.LocalProtocolError:       # the error came after a response had begun: just close
            pass
        self.transport.close()


def uvicorn_options(log_level: str = "warning") -> dict:
    """The keyword arguments of `uvicorn.Config` that FakePAI and `fakepai serve` share."""
    # lifespan "on": the app saves the state file on shutdown.
    return {"http": PaiHttpProtocol, "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
            "log_level": log_level, "access_log": False, "lifespan": "on"}
