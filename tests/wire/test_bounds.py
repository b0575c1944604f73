"""Bodies and headers are bounded before they are buffered (issue #11 §2), through the real
server over raw sockets: what the server answers, and that it answers before reading what it
was not going to accept. docs/limits.md lists the bounds."""
from __future__ import annotations

import json
import select
import socket
import time

from fakepai.catalog import DEFAULT_MAX_BODY_BYTES
from fakepai.serving import MAX_HEAD_BYTES, MAX_HEADERS

CREATE = "/api/PaiStudio/2022-01-12/CreateTrainingJob"


def _connect(pai) -> socket.socket:
    sock = socket.create_connection((pai.settings.host, pai.settings.port), timeout=10)
    return sock


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response (Content-Length framed, as fakepai sends them)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", 0))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def _exchange(pai, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with _connect(pai) as sock:
        sock.sendall(raw)
        return _read_response(sock)


def _pai_error(status: int, headers: dict, body: bytes, expected_status: int, code: str) -> dict:
    assert status == expected_status, (status, body[:300])
    assert headers["content-type"].startswith("application/json"), headers
    doc = json.loads(body)
    assert doc["Code"] == code, doc
    assert doc["Message"] and doc["RequestId"] == headers["x-acs-request-id"]
    return doc


def test_malformed_http_is_answered_in_pai_error_shape(fakepai):
    for raw in (b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nHost a\r\n\r\n", b"GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n"):
        _pai_error(*_exchange(fakepai, raw), 400, "InvalidRequest.Malformed")


def test_content_length_above_the_cap_is_refused_before_the_body_is_sent(fakepai):
    # Only the head is sent: a server that read the body first would wait for 1 GB forever.
    head = (f"POST {CREATE} HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\n"
            f"Content-Length: {10**9}\r\n\r\n").encode()
    doc = _pai_error(*_exchange(fakepai, head), 400, "InvalidParameter.TooLarge")
    assert str(DEFAULT_MAX_BODY_BYTES) in doc["Message"] and str(10**9) in doc["Message"]


def test_a_request_without_credentials_is_refused_before_its_body_is_read(fakepai):
    head = (f"POST {CREATE} HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
            f"Content-Length: {DEFAULT_MAX_BODY_BYTES}\r\n\r\n").encode()
    _pai_error(*_exchange(fakepai, head), 401, "MissingAuthorization")


def test_a_chunked_body_is_read_only_up_to_the_cap(fakepai):
    chunk = b"x" * (1 << 20)
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    with _connect(fakepai) as sock:
        sock.sendall(f"POST {CREATE} HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer t\r\n"
                     "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        # Stream up to 16 times the cap; the server must answer long before the end.
        deadline = time.monotonic() + 60
        while sent < 16 * DEFAULT_MAX_BODY_BYTES and time.monotonic() < deadline:
            if select.select([sock], [], [], 0)[0]:
                break                                     # the server has answered
            try:
                sock.sendall(framed)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        status, headers, body = _read_response(sock)
    _pai_error(status, headers, body, 400, "InvalidParameter.TooLarge")
    assert sent < 4 * DEFAULT_MAX_BODY_BYTES, f"the server read {sent} bytes before answering"


def test_too_many_headers_are_refused(fakepai):
    extra = "".join(f"X-Header-{i}: 1\r\n" for i in range(MAX_HEADERS + 1))
    raw = f"GET /api/PaiStudio/2022-01-12/ListTrainingJobs HTTP/1.1\r\nHost: a\r\n{extra}\r\n".encode()
    _pai_error(*_exchange(fakepai, raw), 431, "InvalidRequest.TooManyHeaders")


def test_headers_above_the_bound_are_refused(fakepai):
    # In one piece: the head arrives whole and is measured by the app.
    big = b"GET /api/PaiStudio/2022-01-12/ListTrainingJobs HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * MAX_HEAD_BYTES + b"\r\n\r\n"
    _pai_error(*_exchange(fakepai, big), 431, "InvalidRequest.HeadersTooLarge")
    # Trickled: the parser stops buffering at the bound and closes the connection.
    with _connect(fakepai) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: ")
        answered = False
        for _ in range(4 * MAX_HEAD_BYTES // 8192):
            try:
                sock.sendall(b"a" * 8192)
            except (BrokenPipeError, ConnectionResetError):
                break
            if select.select([sock], [], [], 0.01)[0]:
                answered = True
                break
        assert answered, "the server kept buffering a never-ending header"
        _pai_error(*_read_response(sock), 400, "InvalidRequest.Malformed")


def test_control_plane_404_and_405_are_pai_errors(fakepai):
    with fakepai.http() as http:
        missing = http.get("/_fakepai/no-such-thing")
        wrong_method = http.request("PATCH", "/_fakepai/health")
    for response, status, code in ((missing, 404, "InvalidApi.NotFound"), (wrong_method, 405, "MethodNotAllowed")):
        _pai_error(response.status_code, dict(response.headers), response.content, status, code)


def test_head_on_a_get_route_answers_like_the_get(fakepai):
    with fakepai.http() as http:
        get = http.get("/api/PaiStudio/2022-01-12/ListTrainingJobs")
        head = http.head("/api/PaiStudio/2022-01-12/ListTrainingJobs")
        head_missing = http.head("/api/v1/trainingjobs/train-nope")
    assert get.status_code == head.status_code == 200
    assert head.content == b"" and head.headers["x-acs-request-id"]
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head_missing.status_code == 404 and head_missing.headers["x-acs-request-id"]
