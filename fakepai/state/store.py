"""In-memory state: one `AccountState` per account, each service keeping its own store in it.

State is only touched on the server's event loop (DESIGN §6), so there are no locks here.
"""
from __future__ import annotations

import asyncio
import hashlib
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


class World:
    """All accounts. `reset()` drops everything (the control plane's POST /_fakepai/reset).

    `on_new_account` (used by `--demo`) fills each account the first time it is seen, so the demo
    workspace is there whatever key the caller uses.
    """

    def __init__(self, on_new_account: Callable[[AccountState], None] | None = None):
        self.accounts: dict[str, AccountState] = {}
        self.on_new_account = on_new_account

    def account(self, account_id: str) -> AccountState:
        state = self.accounts.get(account_id)
        if state is None:
            state = self.accounts[account_id] = AccountState(account_id)
            if self.on_new_account:
                self.on_new_account(state)
        return state

    def reset(self) -> None:
        """Start empty. Freeing 10,000 jobs costs ~30 ms of deallocation, which the per-test
        fixture reset should not wait for: on the server's event loop the old state is freed a
        chunk per loop turn, starting 50 ms later (requests are served in between; no second
        thread competes for the GIL); without a running loop it is freed at once."""
        old, self.accounts = self.accounts, {}
        if not old:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            old.clear()
            return
        pieces = _pieces(old)

        def free_a_chunk(chunk: int = 256) -> None:
            for _ in range(chunk):
                if next(pieces, None) is None:
                    return
            loop.call_soon(free_a_chunk)

        # Start a little later, so the caller of reset (another thread, for FakePAI.reset) gets
        # its answer before the freeing holds the GIL.
        loop.call_later(0.05, free_a_chunk)


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
