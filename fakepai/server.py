"""FakePAI: the emulator on a free loopback port, served by uvicorn in a background thread.

    with FakePAI() as pai:
        client = Client(Config(endpoint=pai.endpoint, protocol="http", ...))
        pai.advance(60); pai.set_outcome(job_id, result="fail")
"""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import fields

import httpx
import uvicorn

from fakepai.app import SHUTDOWN_GRACE_SECONDS, build_app
from fakepai.control.guard import ADMIN_HEADER
from fakepai.emulator import Emulator, Settings
from fakepai.serving import uvicorn_options


FIXTURE_ACCESS_KEY = "fakepai-test-key"     # the access key of the pytest fixtures' SDK clients


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class FakePAI:
    def __init__(self, **options):
        known = {f.name for f in fields(Settings)}
        unknown = set(options) - known
        if unknown:
            raise TypeError(f"unknown FakePAI options: {sorted(unknown)}")
        options.setdefault("port", 0)
        self.settings = Settings(**options)
        if self.settings.port == 0:
            self.settings.port = free_port(self.settings.host)
        self.emulator = Emulator(self.settings)
        self.app = build_app(emulator=self.emulator)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> "FakePAI":
        config = uvicorn.Config(self.app, host=self.settings.host, port=self.settings.port,
                                timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS, **uvicorn_options())
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="fakepai-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("fakepai server failed to start")
            if time.monotonic() > deadline:
                raise TimeoutError("fakepai server did not start in time")
            time.sleep(0.005)
        return self

    def _run(self) -> None:
        # The loop `fakepai serve` gets too (uvloop where installed): the same speed embedded as served.
        new_loop = self._server.config.get_loop_factory() or asyncio.new_event_loop
        self._loop = new_loop()
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._server.serve())

    def stop(self) -> None:
        """Stop serving (the app saves the state file on shutdown, when one is configured)."""
        if self._server:
            self._server.should_exit = True
        if self._thread:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> "FakePAI":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- where it is -----------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        """What the official SDKs take: Config(endpoint=pai.endpoint, protocol="http")."""
        return f"{self.settings.host}:{self.settings.port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    # -- steering (runs on the server's loop, so it never races a request) -------------------
    def _on_loop(self, fn, *args, **kwargs):
        if self._loop is None or not self._loop.is_running():
            return fn(*args, **kwargs)

        async def call():
            return fn(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout=30)

    def reset(self) -> None:
        self._on_loop(self.emulator.reset)

    def advance(self, seconds: float) -> float:
        return self._on_loop(self.emulator.clock.advance, seconds)

    def freeze_clock(self) -> None:
        self._on_loop(self.emulator.clock.freeze)

    def set_clock(self, now: float | None = None, speed: float | None = None) -> None:
        self._on_loop(self.emulator.clock.set, now, speed)

    def now(self) -> float:
        return self.emulator.clock.now()

    def set_outcome(self, job_id: str, **outcome) -> None:
        if not self._on_loop(self.emulator.set_outcome, job_id, outcome):
            raise KeyError(f"no job {job_id}")

    def inject_fault(self, **spec) -> dict:
        """Add a fault (see fakepai.wire.faults): e.g. `inject_fault(action="GetJob", status=503, times=2)`,
        `inject_fault(action="ListJobs", latency_ms=300)`. Returns it with its id and counters."""
        return self._on_loop(self.emulator.faults.add, **spec).to_dict()

    def faults(self) -> list[dict]:
        """Every fault with its counters (`matched`, `fired`, `remaining`)."""
        return self._on_loop(lambda: [f.to_dict() for f in self.emulator.faults.list()])

    def fault(self, fault_id: int) -> dict:
        found = self._on_loop(self.emulator.faults.get, fault_id)
        if found is None:
            raise KeyError(f"no fault {fault_id}")
        return self._on_loop(found.to_dict)

    def remove_fault(self, fault_id: int) -> None:
        if not self._on_loop(self.emulator.faults.remove, fault_id):
            raise KeyError(f"no fault {fault_id}")

    def clear_faults(self) -> None:
        self._on_loop(self.emulator.faults.clear)

    @property
    def requests(self) -> list[dict]:
        """The recent-request log, oldest first (see `request_log` for filters)."""
        return self._on_loop(self.emulator.requests.query)

    def request_log(self, *, action: str | None = None, status: int | str | None = None,
                    product: str | None = None, error_code: str | None = None, limit: int | None = None,
                    account: str | None = None) -> list[dict]:
        """Filtered request log; ValueError for a product or action that does not exist."""
        self.emulator.catalog.check_names(product, action)
        return self._on_loop(self.emulator.requests.query, action=action, status=status, limit=limit,
                             product=product, error_code=error_code, account=account)

    def usage(self, month: str | None = None, account: str | None = None) -> dict:
        """What PAI would bill for the requests served so far (as `GET /_fakepai/usage`): per
        account, product and operation in a month of the virtual clock (the current one by
        default), with the free quota and the estimated cost (fakepai/usage.py)."""
        return self._on_loop(lambda: self.emulator.usage.report(self.emulator.clock.now(), month=month, account=account))

    def http(self, *, bearer: str | None = None, **kwargs) -> httpx.Client:
        """A plain HTTP client for the seed's gateway URL form (`/api/{Product}/{Version}/{Action}`).

        By default it calls as the access key the SDK fixtures use (`fakepai-test-key`, unsigned,
        which `--auth any` accepts), so a test may mix the SDK and the gateway form on one account.
        `bearer="token"` sends `Authorization: Bearer token` instead: a bearer token is an account
        of its own (named by its fingerprint; the token itself is never stored). It also sends the
        admin token, when one is set, so its /_fakepai/ calls pass.
        """
        credential = f"Bearer {bearer}" if bearer else f"acs {FIXTURE_ACCESS_KEY}:unsigned"
        headers = {"Authorization": credential, **self.admin_headers, **kwargs.pop("headers", {})}
        return httpx.Client(base_url=self.url, headers=headers, **kwargs)

    @property
    def admin_headers(self) -> dict[str, str]:
        """What a control-plane request (/_fakepai/) needs: the admin token header when one is set
        (`FakePAI(admin_token=...)`), else nothing. `http()` clients send it already."""
        token = self.settings.admin_token
        return {ADMIN_HEADER: token} if token else {}
