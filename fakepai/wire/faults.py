"""Faults on demand (issue 5 extends this): errors and latency injected before a handler runs,
so an injected error never changes state."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from fakepai.errors import PaiError


@dataclass
class Fault:
    id: int
    action: str | None = None
    product: str | None = None
    account: str | None = None
    match: dict = field(default_factory=dict)   # parameter name -> value that must be equal
    status: int | None = None
    code: str | None = None
    message: str | None = None
    latency_ms: float = 0.0
    times: int | None = None                   # fire for the next N matching calls (None = always)
    probability: float = 1.0
    retry_after_ms: int | None = None
    fired: int = 0

    def matches(self, product: str, action: str, account: str, params: dict) -> bool:
        if self.action and self.action != action:
            return False
        if self.product and self.product.lower() != product.lower():
            return False
        if self.account and self.account != account:
            return False
        return all(str(params.get(k)) == str(v) for k, v in self.match.items())

    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


class FaultInjector:
    def __init__(self, seed: int = 0):
        self._seed = seed
        self._rng = random.Random(seed)
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, **spec) -> Fault:
        fault = Fault(id=self._next_id, **spec)
        self._next_id += 1
        self._faults.append(fault)
        return fault

    def list(self) -> list[Fault]:
        return list(self._faults)

    def clear(self) -> None:
        self._faults.clear()
        self._rng = random.Random(self._seed)

    def check(self, product: str, action: str, account: str, params: dict) -> float:
        """Raise the first matching error fault; return the total injected latency in seconds."""
        delay = 0.0
        for fault in self._faults:
            if fault.exhausted() or not fault.matches(product, action, account, params):
                continue
            if fault.probability < 1.0 and self._rng.random() >= fault.probability:
                continue
            fault.fired += 1
            delay += fault.latency_ms / 1000.0
            if fault.status:
                headers = {}
                if fault.retry_after_ms:
                    headers = {"x-acs-retry-after": str(fault.retry_after_ms),
                               "Retry-After": str(max(1, -(-fault.retry_after_ms // 1000)))}
                raise PaiError(fault.status, fault.code or "InjectedFault", fault.message or "Injected by fakepai.", headers=headers)
        return delay
