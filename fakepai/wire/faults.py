"""Faults on demand: errors and latency injected before a handler runs, so an injected error never
changes state (the storage-testbench idea: faults are scoped, counted and verifiable).

A fault matches calls by action, product, account and parameter values, and fires either for the
next `times` matching calls or, with `probability`, under its own seeded RNG (so a run replays).
When it fires it adds `latency_ms`, then (if it has a `status`) answers with that error. Each fault
counts the calls it matched and the times it fired; GET /_fakepai/faults shows both, so a test can
assert that its retry logic really met the fault.

Per-request steering, without registering anything: the header
`x-fakepai-fault: return-503` (or `return-500`, `return-429`, `return-404-NotFound`,
`delay-1500` for 1.5 s, several comma-separated) applies to that one request.
"""
from __future__ import annotations

import math
import random
import re
from dataclasses import asdict, dataclass, field, fields

from fakepai.catalog import Catalog
from fakepai.errors import PaiError
from fakepai.wire.throttle import THROTTLED_MESSAGE

FAULT_HEADER = "x-fakepai-fault"

# status -> (Code, Message) used when a fault names only a status (behavior.md §2.3's generic codes).
DEFAULT_ERRORS: dict[int, tuple[str, str]] = {
    400: ("InvalidParameter", "The request is invalid (injected by fakepai)."),
    401: ("InvalidAccessKeyId.NotFound", "Specified access key is not found (injected by fakepai)."),
    403: ("Forbidden.RAM", "User not authorized to operate on the specified resource (injected by fakepai)."),
    404: ("NotFound", "The specified resource does not exist (injected by fakepai)."),
    429: ("Throttling.User", THROTTLED_MESSAGE),
    500: ("InternalError", "The request processing has failed due to some unknown error, exception or failure."),
    502: ("BadGateway", "The gateway received an invalid response (injected by fakepai)."),
    503: ("ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    504: ("GatewayTimeout", "The gateway timed out (injected by fakepai)."),
}
# Code -> status, so a fault may name only a code.
_CODE_STATUS = {code: status for status, (code, _) in DEFAULT_ERRORS.items()}
_CODE_STATUS.update({"Throttling": 429, "Throttling.Api": 429})
DEFAULT_RETRY_AFTER_MS = 1000
_MILLISECONDS = re.compile(r"[0-9]{1,9}")     # ASCII digits only; longer is above any bound anyway


class InjectedFault(PaiError):
    """The error a fault answers with; `delay` is the latency to apply before answering."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str], delay: float, fault_id: int | None):
        super().__init__(status, code, message, headers=headers)
        self.delay = delay
        self.fault_id = fault_id


def _retry_headers(retry_after_ms: int) -> dict[str, str]:
    # x-acs-retry-after (ms) makes the official SDKs raise ThrottlingException(retry_after=...);
    # Retry-After (s) is for everything else (DESIGN §3, same as the real throttle).
    return {"x-acs-retry-after": str(retry_after_ms), "Retry-After": str(max(1, math.ceil(retry_after_ms / 1000)))}


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
    seed: int | None = None                    # RNG seed for `probability` (default: the emulator's)
    retry_after_ms: int | None = None
    matched: int = 0                           # matching calls seen (fired or not)
    fired: int = 0

    def matches(self, product: str, action: str, account: str, params: dict) -> bool:
        if self.action and self.action.lower() != action.lower():
            return False
        if self.product and self.product.lower() != product.lower():
            return False
        if self.account and self.account != account:
            return False
        return all(k in params and str(params[k]) == str(v) for k, v in self.match.items())

    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else max(0, self.times - self.fired)

    def to_dict(self) -> dict:
        return {**asdict(self), "remaining": self.remaining}


def _normalise(spec: dict, catalog: Catalog | None = None) -> dict:
    """Check a fault spec and fill in defaults; ValueError names the first problem (with
    `catalog`, also an unknown product or action: such a fault would never fire)."""
    spec = dict(spec)
    settable = {f.name for f in fields(Fault)} - {"id", "matched", "fired"}
    unknown = sorted(set(spec) - settable)
    if unknown:
        raise ValueError(f"unknown fault fields {unknown}; known: {sorted(settable)}")
    for name in ("action", "product", "account", "code", "message"):
        if spec.get(name) is not None and not isinstance(spec[name], str):
            raise ValueError(f"{name} must be a string")
    if catalog is not None:
        catalog.check_names(spec.get("product"), spec.get("action"))
    match = spec.get("match") or {}
    if not isinstance(match, dict):
        raise ValueError("match must be an object of parameter -> value")
    spec["match"] = match
    if catalog is not None:
        catalog.check_parameters(spec.get("product"), spec.get("action"), match)
    status, code = spec.get("status"), spec.get("code")
    if status is None and code:
        status = _CODE_STATUS.get(code)
        if status is None:
            raise ValueError(f"give a status for code {code!r}")
    if status is not None:
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400..599)")
        default_code, default_message = DEFAULT_ERRORS.get(status, ("InjectedFault", "Injected by fakepai."))
        spec["code"] = code or default_code
        spec["message"] = spec.get("message") or (default_message if not code or code == default_code else "Injected by fakepai.")
        if status == 429 and spec.get("retry_after_ms") is None:
            spec["retry_after_ms"] = DEFAULT_RETRY_AFTER_MS
    spec["status"] = status
    latency = spec.get("latency_ms") or 0
    if isinstance(latency, bool) or not isinstance(latency, (int, float)) or not 0 <= latency <= 600_000:
        raise ValueError("latency_ms must be a number of milliseconds in 0..600000")
    spec["latency_ms"] = float(latency)
    if not status and not latency:
        raise ValueError("a fault needs a status or code (an error) or latency_ms")
    times = spec.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise ValueError("times must be a positive integer (omit it for every matching call)")
    prob = spec.get("probability", 1.0)
    if isinstance(prob, bool) or not isinstance(prob, (int, float)) or not 0.0 <= prob <= 1.0:
        raise ValueError("probability must be a number in 0..1")
    spec["probability"] = float(prob)
    for name in ("seed", "retry_after_ms"):
        value = spec.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError(f"{name} must be a non-negative integer")
    return spec


def parse_header(value: str) -> tuple[float, PaiError | None]:
    """`x-fakepai-fault` -> (delay seconds, error or None). Unknown instructions are a 400, so a
    typo in a test is loud rather than silently ignored. The header gets the control plane's
    bounds: the delays of one header add up to at most the `latency_ms` a registered fault may have."""
    delay_ms, error = 0, None
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        kind, _, rest = item.partition("-")
        try:
            if kind == "delay" and _MILLISECONDS.fullmatch(rest):
                delay_ms += int(rest)
                continue
            if kind == "return":
                status_text, _, code = rest.partition("-")
                spec = _normalise({"status": int(status_text), **({"code": code} if code else {})})
                error = PaiError(spec["status"], spec["code"], spec["message"],
                                 headers=_retry_headers(spec["retry_after_ms"]) if spec.get("retry_after_ms") else {})
                continue
        except ValueError:
            pass
        raise PaiError(400, "InvalidParameter", f"{FAULT_HEADER}: cannot read {item[:40]!r} "
                                                "(use return-<status>[-<Code>] or delay-<ms>)")
    if delay_ms:
        try:
            _normalise({"latency_ms": delay_ms})
        except ValueError as e:
            raise PaiError(400, "InvalidParameter", f"{FAULT_HEADER}: the delays add up to {delay_ms} ms; {e}")
    return delay_ms / 1000.0, error


class FaultInjector:
    def __init__(self, seed: int = 0, catalog: Catalog | None = None):
        self._seed = seed
        self._catalog = catalog
        self._faults: list[Fault] = []
        # The same list, for the pipeline to skip `check` when it is empty (and the request
        # carries no fault header): it is changed in place only, never replaced.
        self.armed: list[Fault] = self._faults
        self._rngs: dict[int, random.Random] = {}
        self._next_id = 1

    def add(self, **spec) -> Fault:
        fault = Fault(id=self._next_id, **_normalise(spec, self._catalog))
        self._next_id += 1
        self._faults.append(fault)
        self._rngs[fault.id] = random.Random(self._seed if fault.seed is None else fault.seed)
        return fault

    def list(self) -> list[Fault]:
        return list(self._faults)

    def get(self, fault_id: int) -> Fault | None:
        return next((f for f in self._faults if f.id == fault_id), None)

    def remove(self, fault_id: int) -> bool:
        before = len(self._faults)
        self._faults[:] = [f for f in self._faults if f.id != fault_id]
        self._rngs.pop(fault_id, None)
        return len(self._faults) < before

    def clear(self) -> None:
        self._faults.clear()
        self._rngs.clear()
        self._next_id = 1

    def check(self, product: str, action: str, account: str, params: dict, headers: dict[str, str] | None = None) -> float:
        """Count and fire the matching faults. Returns the injected latency in seconds, or raises
        `InjectedFault` (carrying its latency) for the first matching error fault."""
        delay = 0.0
        header = (headers or {}).get(FAULT_HEADER)
        if header:
            delay, error = parse_header(header)
            if error is not None:
                raise InjectedFault(error.status, error.code, error.message, error.headers, delay, None)
        for fault in self._faults:
            if fault.exhausted() or not fault.matches(product, action, account, params):
                continue
            fault.matched += 1
            if fault.probability < 1.0 and self._rngs[fault.id].random() >= fault.probability:
                continue
            fault.fired += 1
            delay += fault.latency_ms / 1000.0
            if fault.status:
                headers_out = _retry_headers(fault.retry_after_ms) if fault.retry_after_ms else {}
                raise InjectedFault(fault.status, fault.code, fault.message, headers_out, delay, fault.id)
        return delay
