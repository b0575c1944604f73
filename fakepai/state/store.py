"""In-memory state: one `AccountState` per account, each service keeping its own store in it.

State is only touched on the server's event loop (DESIGN §6), so there are no locks here.
"""
from __future__ import annotations

import asyncio
import hashlib
import time
from collections import deque
from functools import lru_cache
from typing import Any, Callable, Iterator, TypeVar

S = TypeVar("S")


class AccountState:
    def __init__(self, account_id: str):
        self.account_id = account_id
        self._namespaces: dict[type, Any] = {}

    def peek(self, cls: type[S]) -> S | None:
        """The store if this account has one (without creating it)."""
        return self._namespaces.get(cls)

    def namespace(self, cls: type[S]) -> S:
        ns = self._namespaces.get(cls)
        if ns is None:
            ns = self._namespaces[cls] = cls()
        return ns

    def holds_nothing(self) -> bool:
        """No store holds a resource. A store's public collections (`jobs`, `templates`...) are its
        resources; the private ones (`_by_workspace`) are indexes over them, and its counters only
        order its own resources, so an empty store has nothing a later call could see."""
        for store in self._namespaces.values():      # (loops, not any() over a generator: every write asks)
            for name, collection in vars(store).items():
                if not name.startswith("_") and isinstance(collection, (dict, list, set)) and collection:
                    return False
        return True


class AccountStore:
    """The base of every service's per-account store. There is one way to reach a store,
    `ctx.store(Cls)` (created on first use, with no arguments), and one counter: `next_seq()`
    numbers the store's resources 1, 2, 3... in creation order, the tie-break of every sort."""

    def __init__(self) -> None:
        self.seq = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


def derived(record: Any, name: str, key: Any, build: Callable[[], S]) -> S:
    """`build()`, kept on `record` until `key` (what it is a pure function of) changes: how a
    record's telemetry and pod lives are computed once per state of the record, not per read.
    Kept under `_<name>`, which a record's `__getstate__` leaves out of the state file."""
    cached = record.__dict__.get("_" + name)
    if cached is not None and cached[0] == key:
        return cached[1]
    value = build()
    record.__dict__["_" + name] = (key, value)
    return value


class World:
    """All accounts. `reset()` drops everything (the control plane's POST /_fakepai/reset).

    `on_new_account` (used by `--demo`) fills each account the first time it is seen, so the demo
    workspace is there whatever key the caller uses.
    """

    def __init__(self, on_new_account: Callable[[AccountState], None] | None = None):
        self.accounts: dict[str, AccountState] = {}
        self.on_new_account = on_new_account
        self.garbage = Garbage()
        self.start_accounts: tuple[str, ...] = ()      # opened at start and after each reset (--demo)

    def open_start_accounts(self) -> None:
        for account_id in self.start_accounts:
            self.account(account_id)

    def account(self, account_id: str) -> AccountState:
        state = self.accounts.get(account_id)
        if state is None:
            state = self.accounts[account_id] = AccountState(account_id)
            if self.on_new_account:
                self.on_new_account(state)
        return state

    def reader(self, account_id: str) -> AccountState:
        """The account a request runs on. A credential never seen before gets an empty account
        that is not kept unless `keep` is called after a write on it succeeded (the demo fills and
        keeps it at once), so a stream of unknown tokens that only read, or only fail, does not
        grow memory (issue #11 §4)."""
        state = self.accounts.get(account_id)
        if state is None:
            return self.account(account_id) if self.on_new_account else AccountState(account_id)
        return state

    def keep(self, state: AccountState) -> None:
        """A write on an account `reader` gave out succeeded: keep the account while it holds
        anything, drop it once its deletes emptied it (issue #11 §4), so the accounts kept are the
        accounts holding resources. Dropping forgets nothing a caller could see: ids come from the
        emulator's one id sequence (none is issued twice), and the next write starts the account
        afresh. An account `--demo` filled is kept even when emptied: dropping it would fill it
        again on its next call, bringing back what its user deleted. [INFERRED]"""
        if self.on_new_account is None and state.holds_nothing():
            self.accounts.pop(state.account_id, None)
        else:
            self.accounts.setdefault(state.account_id, state)

    def reset(self) -> None:
        """Start empty. Freeing 10,000 jobs costs ~30 ms of deallocation, which the per-test
        fixture reset should not wait for: on the server's event loop the old state goes to
        `Garbage`, which frees it in the background; without a running loop it is freed at once."""
        old, self.accounts = self.accounts, {}
        if not old:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            old.clear()
            return
        self.garbage.add(loop, old)


class Garbage:
    """Frees dropped states on the event loop in slices of about half a millisecond, with a pause
    after each slice in which the loop waits in its selector with the GIL released: requests are
    served and the test's own thread runs in between. One chain of slices serves every queued
    state. (Back-to-back slices would hold the GIL for up to the interpreter's 5 ms switch interval
    whenever another thread wants it, and a chain per reset would put one slice per pending reset
    in front of every later call.)"""

    SLICE_SECONDS = 0.0005
    PAUSE_SECONDS = 0.0002
    # When resets come faster than the loop gets time to free (a test that loads a large state
    # file and resets at once, over and over), memory would grow without bound: past this many
    # dropped states the oldest is freed in the reset that adds one more.
    MAX_PENDING = 2

    def __init__(self):
        self.queue: deque[Iterator[bool]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None     # where the chain of slices runs

    def __len__(self) -> int:
        """Dropped states not freed yet."""
        return len(self.queue)

    def add(self, loop: asyncio.AbstractEventLoop, accounts: dict[str, AccountState]) -> None:
        self.queue.append(_pieces(accounts))
        while len(self.queue) > self.MAX_PENDING:
            for _ in self.queue.popleft():
                pass
        # (Re)start the chain unless it already runs on this loop: a loop that stopped (a server
        # stopped mid-way, an asyncio.run that returned) takes its pending slices with it.
        if self._loop is not loop:
            self._loop = loop
            loop.call_later(self.PAUSE_SECONDS, self._free_a_slice, loop)

    def _free_a_slice(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:         # a newer chain took over on another loop
            return
        deadline = time.perf_counter() + self.SLICE_SECONDS
        while self.queue and time.perf_counter() < deadline:
            pieces = self.queue[0]
            for _ in range(16):
                if next(pieces, None) is None:
                    self.queue.popleft()
                    break
        if self.queue:
            loop.call_later(self.PAUSE_SECONDS, self._free_a_slice, loop)
        else:
            self._loop = None


def _pieces(accounts: dict[str, AccountState]) -> Iterator[bool]:
    """Drop the accounts' resources one at a time (a job, a template...), yielding after each."""
    for account in accounts.values():
        for store in account._namespaces.values():
            for collection in vars(store).values():
                while isinstance(collection, (dict, list)) and collection:
                    collection.popitem() if isinstance(collection, dict) else collection.pop()
                    yield True
    accounts.clear()


@lru_cache(maxsize=4096)
def user_id_for(account_id: str) -> str:
    """A stable numeric user id per account, in the 16-digit style of the reference's examples."""
    digest = hashlib.sha256(account_id.encode()).hexdigest()
    return str(int(digest[:15], 16) % 10**16).rjust(16, "1")
