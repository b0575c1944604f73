"""Where service handlers register, and what they receive.

A handler is a plain function `(ctx, params) -> dict`, registered with
`@operation("PaiStudio", "GetTrainingJob")` when its module is imported (fakepai/services/__init__.py
imports them all, so importing this module fills the registry). It
returns the response body *without* the request id (the wire layer adds it under the key the
schema names) and, for PaiPlugin, without the envelope (the wire layer wraps `Data`). It raises
`PaiError` for API errors and never sees HTTP.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

from fakepai.catalog import Operation
from fakepai.clock import Clock
from fakepai.errors import PaiError, not_found
from fakepai.ids import IdFactory
from fakepai.state.store import AccountState

Handler = Callable[["Context", dict], Any]
_HANDLERS: dict[tuple[str, str], Handler] = {}

S = TypeVar("S")
T = TypeVar("T")


def operation(product: str, action: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        key = (product, action)
        if key in _HANDLERS and _HANDLERS[key] is not fn:
            raise RuntimeError(f"two handlers for {product} {action}")
        _HANDLERS[key] = fn
        return fn

    return register


def handler_for(product: str, action: str) -> Handler | None:
    return _HANDLERS.get((product, action))


def implemented() -> set[tuple[str, str]]:
    return set(_HANDLERS)


def _no_request_checker(op: Operation, params: dict) -> None:
    raise RuntimeError(f"no request checker for {op.action}: build the Context with the emulator's")


@dataclass
class Context:
    """What a handler may touch: its account's state, the clock, ids, and who is calling."""

    account: AccountState
    clock: Clock
    ids: IdFactory
    request_id: str
    account_id: str
    region: str
    user_id: str
    check_workspace: Callable[[str | None], None]
    # Where the caller reached the emulator (`http://127.0.0.1:8642`): URLs the emulator serves
    # itself, such as TensorboardUrl, are built on it. Empty outside a request.
    base_url: str = ""
    # The binder's check of a request body against an operation's request schema (400s worded as for
    # a request), for a body a handler completes from stored state (CreateJob over a template). The
    # emulator hands it in: services never import the wire.
    check_request: Callable[[Operation, dict], None] = _no_request_checker

    def may_use_workspace(self, workspace: str | None) -> bool:
        """Whether the caller's key may see `workspace` (a key may be limited to some, DESIGN §3):
        lists that span workspaces leave out the ones it may not use instead of failing."""
        try:
            self.check_workspace(workspace)
        except PaiError:
            return False
        return True

    def lookup(self, items: Mapping[str, T], resource: str, resource_id: str | None,
               workspace_of: Callable[[T], str | None], *, named_workspace: str | None = None,
               code: str | None = None) -> T:
        """`items[resource_id]`, or 404 NotFound.<resource> (or `code`); a key limited to some workspaces gets
        403 Forbidden.RAM for a resource outside them (the path names no workspace to check).
        When the request names a workspace (`named_workspace`), the resource is looked up inside
        it: one in another workspace is not found."""
        item = items.get(resource_id or "")
        workspace = workspace_of(item) if item is not None else None
        if item is None or (named_workspace and workspace and named_workspace != workspace):
            raise not_found(resource, resource_id or "", code)
        self.check_workspace(workspace)
        return item

    def store(self, cls: type[S]) -> S:
        """The account's instance of a service's store class (created on first use)."""
        return self.account.namespace(cls)

    def now(self) -> float:
        return self.clock.now()

