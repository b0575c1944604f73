"""`Kit`: the one object a contract test receives — target, client, resources, recorder, settings.

Tests say what to check; the kit knows how to reach the target, what a valid request for an
operation is (recipes), how to snapshot state around a rejected request, and how to clean up.
"""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, settings

from fakepai.catalog import Operation, default_catalog

from contract_tests.checks import Finding, protocol_findings
from contract_tests.client import Exchange, KitClient
from contract_tests.recipes import KINDS, Prepared, prepare, recipe_for
from contract_tests.resources import PREFIX, NotImplementedByTarget, ResourceManager, dig
from contract_tests.target import Target


@dataclass
class Options:
    allow_mutations: bool = False
    max_requests: int | None = None
    examples: int = 2
    check_throttling: bool = False
    check_auth: bool = False
    wait_timeout: float = 900.0


# Fields that move on their own (clock, lifecycle, request ids): left out of "did anything change".
_VOLATILE = re.compile(r"Status|Time|Duration|Reason|Pods|Instances|Latest|^RequestI[dD]$|^requestId$|History|"
                       r"Transitions|Token|Url|Replica|Restart|Progress|Metrics|HasModelInfo|Events|Logs")


def stable(doc: Any) -> Any:
    """`doc` without the fields that change by themselves."""
    if isinstance(doc, dict):
        return {k: stable(v) for k, v in doc.items() if not _VOLATILE.search(k)}
    if isinstance(doc, list):
        return [stable(v) for v in doc]
    return doc


class ProtocolLog:
    """Checks every answer the client receives (retried 429s included) and keeps what broke the
    protocol until the running test collects it (`take`), so it fails the test that saw it."""

    def __init__(self):
        self.pending: list[tuple[str, Finding, Exchange]] = []
        self.answers = 0
        self.throttled = 0

    def __call__(self, ex: Exchange) -> None:
        self.answers += 1
        self.throttled += ex.status == 429
        self.pending.extend((f"{ex.product} {ex.action}", f, ex) for f in protocol_findings(ex))

    def take(self) -> list[tuple[str, Finding, Exchange]]:
        out, self.pending = self.pending, []
        return out


class Kit:
    def __init__(self, target: Target, options: Options, recorder=None):
        self.target = target
        self.options = options
        self.catalog = default_catalog()
        self.client = KitClient(target, max_requests=options.max_requests, catalog=self.catalog)
        self.resources = ResourceManager(self.client, target, KINDS, allow_mutations=options.allow_mutations,
                                         wait_timeout=options.wait_timeout)
        self.protocol = ProtocolLog()
        self.client.answer_observers.append(self.protocol)
        self.blockers: set[str] = set()     # operations whose failure in setup was reported once
        self.recorder = recorder
        if recorder is not None:
            self.client.observers.append(recorder.record)

    # -- operations ---------------------------------------------------------------------------------
    def op(self, product: str, action: str) -> Operation:
        return self.client.op(product, action)

    def operations(self) -> list[Operation]:
        return sorted(self.catalog.operations.values(), key=lambda o: (o.product, o.action))

    def call(self, product: str, action: str, params: dict | None = None, **kw) -> Exchange:
        """A call whose 501 means the test cannot run (a fact about the target, reported as a skip)."""
        ex = self.client.call(product, action, params, **kw)
        if ex.not_implemented:
            raise NotImplementedByTarget(product, action)
        return ex

    def prepare(self, op: Operation) -> Prepared:
        return prepare(self.resources, op)

    def hypothesis_settings(self, **overrides) -> settings:
        """Small, deterministic runs: the same examples every time (CI), no shrinking (each
        failing example already names the one rule it broke), no example database."""
        base = dict(max_examples=self.options.examples, derandomize=True, database=None, deadline=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                    print_blob=False)
        base.update(overrides)
        return settings(**base)

    # -- state snapshots ------------------------------------------------------------------------------
    def snapshot(self, prepared: Prepared) -> dict:
        """What a rejected request must leave untouched: the addressed resource (minus fields that
        move by themselves) and, for creates, the ids in the created kind's list."""
        op = prepared.op
        snap: dict[str, Any] = {}
        res = prepared.resource
        if res is not None and res.kind.get:
            ex = self.client.call(res.kind.product, res.kind.get, dict(res.params), exempt=True)
            snap["resource"] = (ex.status, stable(ex.data))
        creates = recipe_for(op).creates
        if creates:
            kind = KINDS[creates]
            if kind.list:
                params = {**self.resources.list_params(kind), "PageSize": 100}
                ex = self.client.call(kind.product, kind.list, params, exempt=True)
                items = dig(ex.data, kind.list_items) or []
                snap["ids"] = (ex.status, sorted(str(i.get(kind.list_id)) for i in items))
        return snap

    @contextlib.contextmanager
    def frozen_clock(self):
        """On an emulator, stop its virtual clock for the block (restoring its speed after), so
        statuses and logs move only when the test advances it. Elsewhere, nothing."""
        if not self.target.is_emulator:
            yield
            return
        speed = self.target.clock().get("speed", 1.0)
        self.target.set_clock_speed(0)
        try:
            yield
        finally:
            self.target.set_clock_speed(speed)

    def close(self) -> None:
        try:
            self.resources.close()
        finally:
            self.client.close()
            self.target.close()

    def start(self) -> None:
        """Sweep what earlier kit runs left behind (older than 6 hours, so a concurrent run of the
        kit against the same account is not disturbed)."""
        if self.target.is_live and self.options.allow_mutations:
            self.resources.sweep(PREFIX, older_than=6 * 3600)
