"""Small helpers shared by fakepai's own tests, and by the scripts in benchmarks/ (so nothing here
imports pytest at module level: a benchmark imports this module without pytest installed)."""
from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from fakepai.catalog import default_catalog
from fakepai.server import free_port  # noqa: F401  (tests import it from here)


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


FAKEPAI = (sys.executable, "-m", "fakepai")    # this environment's fakepai, as a separate process
# What most tests want of `serve`: a free port (read back from the banner), no throttling, and no
# access lines (nobody reads stdout after the banner, and they would fill the pipe).
QUIET = ("--port", "0", "--rate-limit", "off", "--log-level", "warning")


ROOT = Path(__file__).resolve().parents[1]


def once_per_run(tmp_path_factory, name: str, make: Callable[[Path], None]) -> Path:
    """The folder `name` in the run's temporary directory, filled by `make(folder)` once per test run:
    pytest-xdist workers share it under a file lock (and wait while another worker fills it)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent          # the run's directory, common to every worker
    folder = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".made").exists():
            folder.mkdir(parents=True, exist_ok=True)
            make(folder)
            (folder / ".made").touch()
    return folder


def built_wheel(tmp_path_factory) -> Path:
    """The fakepai wheel, built from the checkout once per test run (two builds at once would race
    on the checkout's build/ and egg-info folders)."""
    def build(dist: Path) -> None:
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                               "--disable-pip-version-check", "-w", str(dist), str(ROOT)],
                              cwd=dist, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"building the wheel failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"

    return next(once_per_run(tmp_path_factory, "fakepai-wheel", build).glob("fakepai-*.whl"))


def env_without_fakepai(**extra: str) -> dict[str, str]:
    """This environment minus any FAKEPAI_* variable (they configure `serve`), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKEPAI_")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def run_fakepai(*argv: str, env: dict[str, str] | None = None, timeout: float = 60, cwd=None) -> subprocess.CompletedProcess:
    """`fakepai ARGV` run to its end (a command, or a `serve` that must refuse to start)."""
    return subprocess.run([*FAKEPAI, *argv], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=env or env_without_fakepai())


def assert_refused(out: subprocess.CompletedProcess, *fragments: str) -> str:
    """Exit 2, nothing announced, exactly one line on stderr holding every fragment; that line."""
    assert out.returncode == 2 and out.stdout == "", (out.returncode, out.stdout, out.stderr)
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("fakepai"), out.stderr
    for fragment in fragments:
        assert fragment in out.stderr, (fragment, out.stderr)
    return out.stderr.rstrip("\n")


class ServedProcess:
    """`fakepai serve ARGS` as a user runs it, in its own process: the one way fakepai's tests
    start a server.

    `command` is the executable (default: this environment's `python -m fakepai`; an installed
    `fakepai` script works too); `options` come before `args` (an option in `args` wins, as the
    last one does on a command line) and default to QUIET; pass `options=()` to configure it
    through `env` alone. The environment is `env`, or this one without FAKEPAI_* variables.
    The real URL is read from the banner (`banner` holds that line), then the server is waited
    for until /_fakepai/health answers 200. stdout and stderr are separate pipes. `stop()` sends
    a signal (SIGTERM, or SIGKILL for a crash) and reads the exit status. On exit a server still
    running is terminated like a service manager would (SIGTERM), killed if it does not stop."""

    def __init__(self, *args: str, command=FAKEPAI, options=QUIET, env: dict | None = None, cwd=None,
                 timeout: float = 30):
        self.argv = [*command, "serve", *options, *args]
        self.env = {**(env if env is not None else env_without_fakepai()), "PYTHONUNBUFFERED": "1"}
        self.cwd, self.timeout = cwd, timeout
        self.proc: subprocess.Popen | None = None
        self.banner = ""
        self.url = self.endpoint = ""
        self.port = 0

    def __enter__(self) -> "ServedProcess":
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     cwd=self.cwd, env=self.env)
        try:
            self._wait_until_serving()
        except BaseException:
            self._kill()
            raise
        return self

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + self.timeout
        ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
        self.banner = self.proc.stdout.readline() if ready else ""
        found = re.search(r"serving PAI .* at (http://\S+)", self.banner)
        if not found:
            raise RuntimeError(f"fakepai serve printed no banner: {self.banner!r} {self._stderr_if_exited()}")
        self.url = found.group(1)
        self.endpoint = self.url.removeprefix("http://")
        self.port = int(self.url.rsplit(":", 1)[1])
        while True:
            try:
                if httpx.get(f"{self.url}/_fakepai/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"fakepai serve did not answer at {self.url} {self._stderr_if_exited()}")
            time.sleep(0.05)

    def _stderr_if_exited(self) -> str:
        return self.proc.stderr.read() if self.proc.poll() is not None else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> tuple[int, str, str]:
        """Send `sig` (SIGTERM, as a service manager or Ctrl-C would; SIGKILL, as a crash would) and
        wait for the exit; (exit status, rest of stdout, stderr)."""
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def _kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate(timeout=10)       # reaps it and closes its pipes

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            try:
                self.stop()
            except subprocess.TimeoutExpired:
                self._kill()
        elif not self.proc.stdout.closed:
            self._kill()
