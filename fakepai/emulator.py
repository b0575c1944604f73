"""The emulator's moving parts in one object: state, clock, catalog, router, auth, throttling,
faults and the request log. The Starlette app, the control plane and `FakePAI` all hold one.

`Emulator.invoke` is the one way an operation runs, whoever asks: the wire pipeline (a client's
request), the journal (replaying a write at start), the demo (filling a new account) and the
console (a read for the page). `Emulator.set_outcome` is the one way a job is rescripted. Both
run under the phase profile of `--phase-seconds`, which is applied nowhere else.
"""
from __future__ import annotations

import functools
import time
from contextlib import nullcontext
from dataclasses import dataclass, field

from fakepai import jsontext
from fakepai.catalog import Catalog, Operation, default_catalog
from fakepai.clock import Clock
from fakepai.demo import install_demo
from fakepai.errors import not_implemented
from fakepai.exposure import check_exposure
from fakepai.ids import IdFactory
from fakepai.services.registry import Context, handler_for
from fakepai.sim import outcomes
from fakepai.sim.timeline import check_phase_seconds, phase_profile
from fakepai.state import snapshot
from fakepai.state.journal import Journal
from fakepai.state.store import AccountState, World, user_id_for
from fakepai.usage import UsageMeter
from fakepai.wire.auth import Authenticator, Credentials, Principal
from fakepai.wire.binding import Params, bind, validate
from fakepai.wire.faults import FaultInjector
from fakepai.wire.requestlog import RequestLog, print_access_line
from fakepai.wire.routing import Router
from fakepai.wire.throttle import Throttler

_NO_PROFILE = nullcontext()       # reusable: it holds no state
# The workspace check of a key without workspace limits (`Authenticator.check_workspace` passes
# every workspace for it): one that does nothing, and `id` does nothing in C, where a Python no-op
# would cost a call on every lookup (calls per request, benchmarks/README.md).
_ANY_WORKSPACE = id


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
        self.journal = Journal(self, self.settings.state_file, self.settings.durability,
                               replay_write=self._replay_write)
        if self.settings.demo:                  # before the state is loaded: replayed accounts are filled too
            install_demo(self)
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

    # ------------------------------------------------------------------ running operations

    def invoke(self, op: Operation, caller: Principal | str, params: dict, *, request_id: str,
               base_url: str = "", clock=None):
        """Run `op`'s handler as `caller` and return its response body (without the request id).

        `caller` is who the wire authenticated, or an account id for the emulator's own calls
        (the demo, the console), which see every workspace. `params` are bound ones
        (`fakepai.wire.binding.Params`); a plain dict is bound first, exactly as a JSON body with
        those fields would be (defaults filled in, `Params.supplied` set, the schema enforced).
        `clock` stands in for the emulator's clock in the handler (the demo's jobs are made in
        the past). Raises `PaiError`.

        An account never seen is kept only once a write on it succeeds (reads and rejected writes
        run on an empty one that is not kept). A write runs at one instant of virtual time, gives
        back the ids it drew if it fails, and is in the journal when this returns (the pipeline
        then awaits `journal.synced`: fakepai.state.journal)."""
        handler = handler_for(op.product, op.action)
        if handler is None:
            raise not_implemented(op.product, op.action)
        principal = caller if isinstance(caller, Principal) else _operator(caller)
        if not isinstance(params, Params):
            params = bind(op, {}, [], "application/json", jsontext.dumps(params))
        if self.settings.phase_seconds:
            with self._simulating():
                return self._run(op, handler, principal, params, request_id, base_url, clock)
        return self._run(op, handler, principal, params, request_id, base_url, clock)   # no profile to set

    def _run(self, op: Operation, handler, principal: Principal, params: Params, request_id: str, base_url: str,
             clock):
        if not op.mutating:
            account = self.world.reader(principal.account_id)
            return handler(self._context(account, principal, request_id, base_url, clock), params)
        with self.journal.write(op, principal, params, request_id, base_url):
            account = self.world.reader(principal.account_id)
            # Ids drawn by a failed write are given back: a rejected request must not shift the
            # ids of later ones, or a seeded scenario would not replay the same.
            issued = self.ids.issued
            try:
                result = handler(self._context(account, principal, request_id, base_url, clock), params)
            except BaseException:
                self.ids.issued = issued
                raise
            self.world.keep(account)
            return result

    def set_outcome(self, job_id: str, spec: dict) -> bool:
        """Rescript the job (any kind) with id `job_id` from now on (fakepai.sim.outcomes); False
        when no account holds it. Replans agree with the original plans; it happens at one
        instant of virtual time, which the journal keeps. Raises ValueError for a bad spec."""
        with self._simulating(), self.clock.pinned(self.clock.now()) as at:
            if not outcomes.apply(self, job_id, spec):
                return False
            self.journal.record_outcome(job_id, spec, at)
            return True

    def _simulating(self):
        """The one place the phase profile (`--phase-seconds`) is applied: plans made inside
        (creations, restarts, rescripts) follow it. Without one, plans follow the default
        profile anyway: nothing to set (`invoke` then does not even enter it: every request
        passes there)."""
        if not self.settings.phase_seconds:
            return _NO_PROFILE
        return phase_profile(self.settings.phase_seconds)

    def _context(self, account: AccountState, principal: Principal, request_id: str, base_url: str,
                 clock) -> Context:
        return Context(account=account, clock=clock or self.clock, ids=self.ids, request_id=request_id,
                       account_id=principal.account_id, region=self.settings.region,
                       user_id=user_id_for(principal.account_id),
                       check_workspace=(_ANY_WORKSPACE if principal.workspaces is None
                                        else functools.partial(self.auth.check_workspace, principal)),
                       base_url=base_url, check_request=validate)

    def _replay_write(self, op: Operation, who: tuple, params: Params, request_id: str, base_url: str) -> None:
        """A journaled write again, as the caller the journal recorded (`Journal.write`'s "who")."""
        self.invoke(op, Principal(*who), params, request_id=request_id, base_url=base_url)


def _operator(account_id: str) -> Principal:
    """The emulator acting in an account itself (demo, console): no key, no workspace limits."""
    return Principal(account_id=account_id, key_id="fakepai-operator", method="operator")
