"""In-memory state: one `AccountState` per account, each service keeping its own store in it.

State is only touched on the server's event loop (DESIGN §6), so there are no locks here.
"""
from __future__ import annotations

import hashlib
import threading
import time
from functools import lru_cache
from typing import Any, Callable, TypeVar

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
        fixture reset should not wait for: the old state is freed in the background, piece by
        piece (one long deallocation would hold the GIL and stall requests just the same)."""
        old, self.accounts = self.accounts, {}
        if old:
            threading.Thread(target=_free_gradually, args=(old,), name="fakepai-free-state", daemon=True).start()


def _free_gradually(accounts: dict[str, AccountState], batch: int = 128) -> None:
    freed = 0
    for account in accounts.values():
        for store in account._namespaces.values():
            for collection in vars(store).values():
                while isinstance(collection, (dict, list)) and collection:
                    collection.popitem() if isinstance(collection, dict) else collection.pop()
                    freed += 1
                    if freed % batch == 0:
                        time.sleep(0.0005)     # a real pause: the server thread takes the GIL
    accounts.clear()


@lru_cache(maxsize=4096)
def user_id_for(account_id: str) -> str:
    """A stable numeric user id per account, in the 16-digit style of the reference's examples."""
    digest = hashlib.sha256(account_id.encode()).hexdigest()
    return str(int(digest[:15], 16) % 10**16).rjust(16, "1")
