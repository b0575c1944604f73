"""Resources the kit needs, and the promise that it cleans up after itself.

A `Kind` says how to create, read, stop, delete and list one resource type (the table lives in
recipes.py). The `ResourceManager` creates what a test needs — named `fakepai-ct-<run id>-…` and
labelled where the API allows — records it, and deletes it when its scope ends (stopping it first
when the API only deletes finished resources). It sweeps leftovers of this run at the end and of
earlier kit runs at the start. It never modifies or deletes a resource whose name does not carry
the kit's prefix. In live read-only mode it creates nothing: it borrows an existing resource for
reads (discovery) or skips with the reason.
"""
from __future__ import annotations

import contextlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from contract_tests.client import Exchange, KitClient
from contract_tests.target import Target

PREFIX = "fakepai-ct-"


class NotImplementedByTarget(Exception):
    """The target answered 501 for an operation a test (or its setup) needs."""

    def __init__(self, product: str, action: str):
        super().__init__(f"not implemented by target: {product} {action}")
        self.product, self.action = product, action


class SetupFailed(Exception):
    """Setup could not create what a test needs; the message says which call failed and how.
    `operation` ("pai-dlc CreateJob") names the operation whose answer broke the setup, when one
    did: the failure is reported against it once, and tests that needed it are "blocked by" it."""

    def __init__(self, message: str, operation: str | None = None, exchange: Exchange | None = None):
        super().__init__(message)
        self.operation = operation
        self.exchange = exchange


def dig(doc: Any, dotted: str) -> Any:
    """`dig(body, "Data.Id")`; `Pods.0.PodId` indexes lists."""
    for part in dotted.split("."):
        if isinstance(doc, list) and part.isdigit():
            doc = doc[int(part)] if int(part) < len(doc) else None
        elif isinstance(doc, dict):
            doc = doc.get(part)
        else:
            return None
    return doc


@dataclass
class Kind:
    name: str                                   # "pai-dlc.Job"
    product: str
    create: str | None                          # action; None = cannot be created (discover only)
    create_params: Callable[["ResourceManager", str, dict], dict] | None  # (mgr, name, deps) -> params
    id_path: str                                # where the create response carries the id
    id_param: str                               # the path parameter that names it
    get: str | None = None
    delete: str | None = None
    stop: str | None = None
    list: str | None = None
    list_items: str = ""                        # dotted path to the list's array
    list_id: str = ""                           # id field of a list item
    list_name: str = ""                         # name field of a list item (for sweeping)
    name_param: str = "Name"                    # the create parameter that carries the name
    status_path: str | None = None              # dotted path to the status in the get response
    running: frozenset = frozenset()
    terminal: frozenset = frozenset()           # finished: deletable, no longer stoppable
    deletable: frozenset | None = None          # statuses that allow delete (None = any)
    needs: dict[str, str] = field(default_factory=dict)   # dependency param -> kind name
    parent_params: tuple[str, ...] = ()         # params copied from the dependency (e.g. AlgorithmId)


@dataclass
class Resource:
    kind: Kind
    id: str
    name: str
    params: dict                  # the path parameters that address it
    owned: bool                   # created by this run (False: borrowed for reading)
    deps: dict = field(default_factory=dict)
    deleted: bool = False


class ResourceManager:
    def __init__(self, client: KitClient, target: Target, kinds: dict[str, Kind], *,
                 allow_mutations: bool, wait_timeout: float = 900.0):
        self.client = client
        self.target = target
        self.kinds = kinds
        self.allow_mutations = allow_mutations
        self.wait_timeout = wait_timeout
        self._counter = itertools.count(1)
        self._scopes: list[list[Resource]] = [[]]          # [0] = session
        self._shared: dict[str, Resource] = {}
        self._owned_ids: set[str] = set()
        self._leaks: dict[str, str] = {}
        client.observers.append(self._observe)

    # -- naming -------------------------------------------------------------------------------
    @property
    def run_prefix(self) -> str:
        return f"{PREFIX}{self.target.run_id}-"

    def new_name(self, short: str) -> str:
        return f"{self.run_prefix}{short}-{next(self._counter)}"

    @property
    def may_create(self) -> bool:
        return not self.target.is_live or self.allow_mutations

    def require_mutations(self, what: str) -> None:
        if not self.may_create:
            pytest.skip(f"{what}: live runs are read-only unless --pai-allow-mutations is given")

    # -- calls ---------------------------------------------------------------------------------
    def call(self, product: str, action: str, params: dict, *, exempt: bool = False) -> Exchange:
        ex = self.client.call(product, action, params, exempt=exempt)
        if ex.not_implemented:
            raise NotImplementedByTarget(product, action)
        return ex

    def _setup_call(self, product: str, action: str, params: dict) -> Exchange:
        ex = self.call(product, action, params)
        if not ex.ok:
            raise SetupFailed(f"setup call {product} {action} failed: {ex.brief()} {ex.text[:300]}",
                              f"{product} {action}", ex)
        return ex

    # -- scopes ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def scope(self):
        """Resources created inside are deleted when the block ends (newest first)."""
        self._scopes.append([])
        try:
            yield self
        finally:
            self._cleanup(self._scopes.pop())

    def _track(self, res: Resource, scope: list[Resource] | None = None) -> None:
        self._owned_ids.add(res.id)
        (self._scopes[-1] if scope is None else scope).append(res)

    def _observe(self, ex: Exchange) -> None:
        """Safety net: a successful Create the kit did not ask for through `create` (an invalid
        request the target accepted, a stateful rule) is still tracked and deleted."""
        if not ex.ok or not ex.action.startswith("Create"):
            return
        for kind in self.kinds.values():
            if kind.product == ex.product and kind.create == ex.action:
                rid = dig(ex.data, kind.id_path)
                if isinstance(rid, str) and rid and rid not in self._owned_ids:
                    params = {kind.id_param: rid}
                    for p in kind.parent_params:
                        params[p] = ex.params.get(p)
                    name = str(ex.params.get(kind.name_param) or "")
                    self._track(Resource(kind, rid, name, params, owned=True))

    # -- creating and finding --------------------------------------------------------------------
    def create(self, kind_name: str, *, overrides: dict | None = None, deps: dict[str, Resource] | None = None,
               session: bool = False, name: str | None = None) -> Resource:
        """Create one resource, deleted when the current scope ends (or the session, if `session`)."""
        kind = self.kinds[kind_name]
        self.require_mutations(f"creating a {kind_name}")
        if kind.create is None:
            raise SetupFailed(f"{kind_name} cannot be created through the API")
        deps = dict(deps or {})
        for param, dep_kind in kind.needs.items():
            if param not in deps:
                deps[param] = self.shared(dep_kind)
        name = name or self.new_name(kind.name.split(".")[-1].lower())
        params = kind.create_params(self, name, deps)
        params.update(overrides or {})
        ex = self._setup_call(kind.product, kind.create, params)
        rid = dig(ex.data, kind.id_path)
        if not isinstance(rid, str) or not rid:
            raise SetupFailed(f"{kind.product} {kind.create} returned no id at {kind.id_path}: {ex.text[:300]}",
                              f"{kind.product} {kind.create}", ex)
        addr = {kind.id_param: rid}
        for p in kind.parent_params:
            addr[p] = params.get(p)
        scope = self._scopes[0] if session else self._scopes[-1]
        for seen in self._scopes[-1]:   # the observer saw the create first: move its record
            if seen.id == rid:
                self._scopes[-1].remove(seen)
        res = Resource(kind, rid, name, addr, owned=True, deps=deps)
        self._track(res, scope)
        return res

    def shared(self, kind_name: str, state: str = "any") -> Resource:
        """One resource of a kind for the whole session, for reads. Created (and deleted at the
        end) when the kit may create; otherwise borrowed from the target's existing ones."""
        res = self._shared.get(kind_name)
        kind = self.kinds[kind_name]
        if res is not None and not res.deleted:
            if not (state == "running" and res.owned and self.status(res) in kind.terminal):
                return res
            # The session's one has finished (the clock moved on): a new one, for a running state.
        if self.may_create and kind.create is not None:
            res = self.create(kind_name, session=True)
        else:
            res = self.discover(kind_name, state)
        self._shared[kind_name] = res
        return res

    def discover(self, kind_name: str, state: str = "any") -> Resource:
        """Borrow an existing resource for reading (never modified, never deleted); for a
        `running` need, one the listing shows running if there is one."""
        kind = self.kinds[kind_name]
        if not kind.list:
            pytest.skip(f"no {kind_name} to read: it cannot be listed, and live runs are read-only "
                        "unless --pai-allow-mutations is given")
        deps = {p: self.shared(k) for p, k in kind.needs.items()}
        params = self.list_params(kind, deps)
        ex = self.call(kind.product, kind.list, {**params, "PageSize": 10})
        items = dig(ex.data, kind.list_items) if ex.ok else None
        if not items:
            why = "read-only live run" if self.target.is_live else "it cannot be created through the API"
            pytest.skip(f"no existing {kind_name} to read ({why}; {kind.list} answered {ex.status})")
        wanted = {"running": kind.running, "terminal": kind.terminal}.get(state) or set()
        status_key = (kind.status_path or "").rsplit(".", 1)[-1]
        item = next((i for i in items if status_key and i.get(status_key) in wanted), items[0])
        addr = {kind.id_param: item.get(kind.list_id)}
        for p in kind.parent_params:
            addr[p] = deps[p].params.get(p) if p in deps else item.get(p)
        return Resource(kind, item.get(kind.list_id), str(item.get(kind.list_name, "")), addr, owned=False, deps=deps)

    def list_params(self, kind: Kind, deps: dict | None = None) -> dict:
        params: dict = {}
        op = self.client.op(kind.product, kind.list)
        if "WorkspaceId" in op.params:
            params["WorkspaceId"] = self.target.workspace_id
        for p in kind.parent_params:
            if deps and p in deps:
                params[p] = deps[p].params.get(p)
        return params

    # -- state ------------------------------------------------------------------------------------
    def status(self, res: Resource) -> Any:
        kind = res.kind
        ex = self.call(kind.product, kind.get, dict(res.params), exempt=True)
        if ex.status == 404:
            return None
        if not ex.ok:
            raise SetupFailed(f"{kind.product} {kind.get} failed: {ex.brief()}", f"{kind.product} {kind.get}", ex)
        if not kind.status_path:
            return "present"
        status = dig(ex.data, kind.status_path)
        if status is None:
            raise SetupFailed(f"{kind.product} {kind.get} answered without {kind.status_path}",
                              f"{kind.product} {kind.get}", ex)
        return status

    def body(self, res: Resource) -> dict:
        ex = self._setup_call(res.kind.product, res.kind.get, dict(res.params))
        return ex.data

    def wait_for(self, res: Resource, wanted: frozenset | set, *, what: str = "") -> Any:
        """Move the resource on until its status is in `wanted`: on an emulator by advancing the
        virtual clock, on live by polling (up to --pai-wait-timeout)."""
        status = self.status(res)
        if status in wanted:
            return status
        if self.target.is_emulator:
            steps = [5] * 24 + [30] * 20 + [300] * 24 + [3600] * 24
            for step in steps:
                self.target.advance(step)
                status = self.status(res)
                if status in wanted:
                    return status
        else:   # live, or a URL that is not an emulator: poll, as a client would
            deadline = time.monotonic() + self.wait_timeout
            while time.monotonic() < deadline:
                time.sleep(10)
                status = self.status(res)
                if status in wanted:
                    return status
        raise SetupFailed(f"{res.kind.name} {res.id} did not reach {sorted(wanted)}{what} (last status {status!r})")

    def ensure_state(self, res: Resource, state: str) -> None:
        kind = res.kind
        if state == "any":
            return
        if not res.owned:
            # A borrowed resource is never stopped and never waited for: it is read as it is.
            wanted = {"running": kind.running, "terminal": kind.terminal, "stopped": kind.terminal}[state]
            status = self.status(res)
            if status not in wanted:
                pytest.skip(f"the existing {kind.name} {res.id} is {status}, not {state}, and live runs are "
                            "read-only unless --pai-allow-mutations is given")
            return
        if state == "running":
            self.wait_for(res, kind.running)
        elif state == "terminal":
            if kind.stop and self.status(res) not in kind.terminal:
                ex = self.call(kind.product, kind.stop, dict(res.params))
                if not ex.ok and self.status(res) not in kind.terminal:
                    raise SetupFailed(f"stopping {kind.name} failed: {ex.brief()}")
            self.wait_for(res, kind.terminal)
        elif state == "stopped":       # stopped by the user (e.g. a TensorBoard to restart)
            self.wait_for(res, kind.running)
            self._setup_call(kind.product, kind.stop, dict(res.params))
            self.wait_for(res, kind.terminal)
        else:
            raise ValueError(f"unknown state {state!r}")

    # -- cleanup ----------------------------------------------------------------------------------
    def _cleanup(self, resources: list[Resource]) -> None:
        for res in reversed(resources):
            if res.owned and not res.deleted:
                self.delete(res)

    def delete(self, res: Resource) -> None:
        kind = res.kind
        if not res.owned or not res.id:
            return
        if kind.delete is None:
            res.deleted = True
            return
        try:
            if kind.deletable is not None:
                status = self.status(res)
                if status is None:
                    res.deleted = True
                    return
                if status not in kind.deletable:
                    if kind.stop and status not in kind.terminal:
                        self.call(kind.product, kind.stop, dict(res.params), exempt=True)
                    self._settle(res)
            ex = self.call(kind.product, kind.delete, dict(res.params), exempt=True)
            if ex.ok or ex.status == 404:
                res.deleted = True
            else:
                self._leaks[res.id] = f"{kind.name} {res.id} ({res.name}): delete answered {ex.brief()}"
        except (NotImplementedByTarget, SetupFailed, ConnectionError) as e:
            self._leaks[res.id] = f"{kind.name} {res.id} ({res.name}): {e}"
        if res.deleted:
            self._leaks.pop(res.id, None)

    @property
    def leaks(self) -> list[str]:
        """Resources the kit created and could not delete (reported at the end of the run)."""
        return list(self._leaks.values())

    def _settle(self, res: Resource) -> None:
        """Wait (briefly) until a stopped resource may be deleted."""
        kind = res.kind
        deadline = time.monotonic() + (0 if self.target.is_emulator else min(self.wait_timeout, 300))
        for step in ([5] * 12 + [60] * 10 + [3600] * 4 if self.target.is_emulator else []):
            status = self.status(res)
            if status is None or status in (kind.deletable or ()):
                return
            self.target.advance(step)
        while time.monotonic() < deadline:
            if self.status(res) in (kind.deletable or ()):
                return
            time.sleep(10)

    def close(self) -> None:
        """End of session: delete everything still held, then sweep this run's leftovers."""
        while len(self._scopes) > 1:
            self._cleanup(self._scopes.pop())
        self._cleanup(self._scopes[0])
        self._scopes = [[]]
        self.sweep(self.run_prefix)

    def sweep(self, prefix: str, older_than: float | None = None) -> int:
        """Delete listed resources whose name starts with `prefix` (always a kit prefix)."""
        assert prefix.startswith(PREFIX), "the kit only ever sweeps its own resources"
        if not self.may_create:
            return 0
        removed = 0
        for kind in self.kinds.values():
            if not (kind.list and kind.delete and kind.list_name) or kind.needs:
                continue
            try:
                ex = self.call(kind.product, kind.list, {**self.list_params(kind), "PageSize": 100}, exempt=True)
            except NotImplementedByTarget:
                continue
            for item in (dig(ex.data, kind.list_items) or []) if ex.ok else []:
                name = str(item.get(kind.list_name) or "")
                if not name.startswith(prefix) or (older_than and not _older(item, older_than)):
                    continue
                res = Resource(kind, item.get(kind.list_id), name, {kind.id_param: item.get(kind.list_id)}, owned=True)
                self.delete(res)
                removed += res.deleted
        return removed


def _older(item: dict, seconds: float) -> bool:
    from fakepai.timestamps import parse_iso
    # PaiPlugin's CreatedTime is "2020-01-01 12:00:00" in UTC+8 (behavior.md §1.3); the others are ISO UTC.
    for key, zone in (("GmtCreateTime", ""), ("CreatedTime", "+08:00")):
        value = item.get(key)
        if isinstance(value, str) and value:
            text = value.replace(" ", "T") + (zone if " " in value else "")
            try:
                return time.time() - parse_iso(text) > seconds
            except ValueError:
                return False
    return False
