"""Small helpers shared by fakepai's own tests."""
from __future__ import annotations

from fakepai.catalog import default_catalog


def assert_valid_response(product: str, action: str, body: dict) -> None:
    """The body conforms to the operation's response schema (closed objects: no unknown fields)."""
    op = default_catalog().get(product, action)
    assert op is not None, f"no schema for {product} {action}"
    errors = sorted(op.response_validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, f"{product} {action} response violates its schema: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])


def assert_error(response, status: int, code: str) -> dict:
    """An error in the DESIGN §3 shape, with x-acs-request-id matching the body."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert body["Code"] == code, body
    assert body["Message"] and body["RequestId"] and body["HostId"]
    assert response.headers["x-acs-request-id"] == body["RequestId"]
    return body


def sdk_error(call):
    """The TeaException (ClientException / ServerException) an official-SDK call raises."""
    import pytest
    from Tea.exceptions import TeaException

    with pytest.raises(TeaException) as info:
        call()
    return info.value


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServedProcess:
    """`fakepai serve ARGS` as a user runs it: a subprocess on a free loopback port, waited for
    until it answers, terminated (and reaped) on exit. `url` is its base URL."""

    def __init__(self, *args: str, env: dict | None = None, port: int | None = None):
        import os
        import sys
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.endpoint = f"127.0.0.1:{self.port}"
        # --log-level warning: nobody reads its stdout, and access lines would fill the pipe.
        self.argv = [sys.executable, "-m", "fakepai", "serve", "--port", str(self.port), "--rate-limit", "off",
                     "--log-level", "warning", *args]
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc = None

    def __enter__(self) -> "ServedProcess":
        import subprocess
        import time

        import httpx
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.env)
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{self.url}/_fakepai/health", timeout=2)
                return self
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                out = self.proc.stdout.read() if self.proc.poll() is not None else ""
                self.__exit__()
                raise RuntimeError(f"fakepai serve did not answer: {out}")
            time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
