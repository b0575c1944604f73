"""`fakepai serve` as a real process, for the tests that use the command the way a user does."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

FAKEPAI = [sys.executable, "-m", "fakepai"]     # this environment's fakepai, as a separate process


@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    banner: list[str] = field(default_factory=list)     # what it printed before serving

    @property
    def endpoint(self) -> str:
        return self.url.removeprefix("http://")

    def stop(self, timeout: float = 20) -> tuple[int, str, str]:
        """SIGTERM, as a service manager or Ctrl-C would; (exit status, rest of stdout, stderr)."""
        self.proc.terminate()
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err


def env_without_fakepai(**extra: str) -> dict[str, str]:
    """This environment minus any FAKEPAI_* variable (they configure `serve`), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKEPAI_")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


@contextmanager
def serving(argv: list[str], *, env: dict[str, str] | None = None, cwd=None, timeout: float = 30):
    """Start `argv` (a `fakepai serve ... --port 0`), read its banner up to the URL it serves at,
    wait until it answers, yield a Server; always stopped afterwards."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
                            env={**(env or env_without_fakepai()), "PYTHONUNBUFFERED": "1"})
    server = None
    try:
        first = proc.stdout.readline()
        found = re.search(r"serving PAI .* at (http://\S+)", first)
        assert found, f"no banner: {first!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        server = Server(proc, found.group(1), [first])
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{server.url}/_fakepai/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "fakepai serve did not answer"
            time.sleep(0.05)
        yield server
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
