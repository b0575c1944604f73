"""The emulator's moving parts in one object: state, clock, catalog, router, auth, throttling,
faults and the request log. The Starlette app, the control plane and `FakePAI` all hold one.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from fakepai.catalog import Catalog, default_catalog
from fakepai.clock import Clock
from fakepai.control.guard import check_exposure
from fakepai.ids import IdFactory
from fakepai.services import load_services
from fakepai.sim.timeline import check_phase_seconds
from fakepai.state import snapshot
from fakepai.state.journal import Journal
from fakepai.state.store import World
from fakepai.usage import UsageMeter
from fakepai.wire.auth import Authenticator, Credentials
from fakepai.wire.faults import FaultInjector
from fakepai.wire.requestlog import RequestLog, print_access_line
from fakepai.wire.routing import Router
from fakepai.wire.throttle import Throttler


LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8642
    auth: str = "any"                      # any | strict | off
    credentials_file: str | None = None
    credentials: dict | None = None        # the same content as the file, for embedding
    rate_limit: bool = True
    rate_overrides: dict[str, float] = field(default_factory=dict)
    speed: float = 1.0
    phase_seconds: dict[str, float] = field(default_factory=dict)   # status -> seconds, for every plan
    seed: int = 0
    region: str = "cn-hangzhou"
    demo: bool = False
    state_file: str | None = None
    durability: str = "fsync"              # fsync | write: when a journaled write is answered (docs/durability.md)
    request_log_size: int = 1000
    admin_token: str | None = None         # required on /_fakepai/ when set (fakepai/control/guard.py)
    log_level: str = "warning"             # info/debug: one access line per request on stdout


class Emulator:
    def __init__(self, settings: Settings | None = None, catalog: Catalog | None = None):
        self.settings = settings or Settings()
        load_services()                        # every handler registered before the first request
        self.catalog = catalog or default_catalog()
        if not self.catalog.operations:
            # An installation without its schemas answers every call with 404: never "ok".
            raise ValueError(f"no PAI operations found in {self.catalog.root}: this fakepai installation "
                             "is missing its schemas (reinstall it)")
        check_phase_seconds(self.settings.phase_seconds)
        if self.settings.log_level not in LOG_LEVELS:
            raise ValueError(f"log_level must be one of {', '.join(LOG_LEVELS)}")
        self.router = Router(self.catalog)
        self.clock = Clock(speed=self.settings.speed)
        self.world = World()
        self.ids = IdFactory(self.settings.seed)
        creds = None
        if self.settings.credentials is not None:
            creds = Credentials.from_dict(self.settings.credentials)
        elif self.settings.credentials_file:
            creds = Credentials.load(self.settings.credentials_file)
        self.settings.admin_token = self.settings.admin_token or None      # "" is no token
        check_exposure(self.settings.host, self.settings.admin_token)
        if self.settings.admin_token and creds is not None and creds.holds_secret(self.settings.admin_token):
            raise ValueError("the admin token must not be a PAI credential (it is a secret, token or security "
                             "token in the credentials file): PAI credentials never steer the emulator")
        self.auth = Authenticator(self.settings.auth, creds)
        self.throttler = Throttler(self.settings.rate_limit, self.settings.rate_overrides)
        self.faults = FaultInjector(seed=self.settings.seed, catalog=self.catalog)
        access_log = print_access_line if LOG_LEVELS.index(self.settings.log_level) <= LOG_LEVELS.index("info") else None
        self.requests = RequestLog(self.settings.request_log_size, on_add=access_log)
        self.usage = UsageMeter()
        if self.settings.demo:                  # before the state is loaded: replayed accounts are filled too
            from fakepai.demo import install_demo
            install_demo(self)
        self.journal = Journal(self, self.settings.state_file, self.settings.durability)
        if self.settings.state_file:
            snapshot.check_writable(self.settings.state_file)     # refuse at start, not at shutdown
            self.journal.open()

    async def save_state(self) -> str | None:
        """Compact the journal into the state file now (if one is configured); returns its path."""
        return await self.journal.compact()

    def reset(self) -> None:
        """Empty state, fresh id sequence, no faults, no throttle history. The clock keeps its speed
        but returns to real time, so each test starts from the same kind of world."""
        self.reset_state(self.settings.seed)
        self.journal.record("reset", seed=self.settings.seed)
        self.throttler.reset()
        self.faults.clear()
        self.requests.clear()
        self.usage.clear()
        self.clock.set(now=time.time(), speed=self.settings.speed)
        self.world.open_start_accounts()      # after the clock: their resources start at the new now

    def reset_state(self, seed: int | str) -> None:
        """What a reset does to the state the journal keeps: no accounts, the id sequence from its start."""
        self.world.reset()
        self.ids = IdFactory(seed)
