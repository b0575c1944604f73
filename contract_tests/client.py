"""The kit's own HTTP client: builds each operation's native (ROA) request from its schema, signs
it, sends it, and returns an `Exchange`.

It speaks exactly what the official SDKs speak (method + path from `x-operation`, path parameters
percent-encoded, query values as text, "shrink" parameters as JSON text, JSON or form bodies,
`x-acs-action`/`x-acs-version` headers), so the same request works against the fake, any
emulator URL and live PAI. AccessKey credentials are signed with `fakepai.wire.signing.sign_acs3`,
the function the emulator's strict mode verifies against.

Safety: a request budget (`--pai-max-requests`) stops the run before it is exceeded, live calls
are paced under each operation's documented rate limit, and a throttled call (429) is retried
after the server's Retry-After. Nothing here logs a header.
"""
from __future__ import annotations

import json
import threading
from collections import Counter
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import quote, urlencode, urlsplit

import httpx

from fakepai.catalog import Operation, default_catalog
from fakepai.wire.signing import sign_acs3

from contract_tests.target import Credential, Target

USER_AGENT = "fakepai-contract-kit/0.1 (+https://github.com/fakepai)"
_NOT_SET = object()


class BudgetExhausted(Exception):
    """The run reached --pai-max-requests; the plugin turns this into a skip."""


@dataclass
class Exchange:
    """One request and its answer, as the kit saw them."""

    product: str
    action: str
    method: str
    path: str                          # as sent (ids filled in)
    query: list[tuple[str, str]]
    body: Any                          # the JSON/form params sent (decoded), or None
    status: int
    headers: dict[str, str]            # response headers, lower-case names
    data: Any                          # parsed JSON body, or None when not JSON
    text: str
    elapsed_ms: float
    params: dict = field(default_factory=dict)   # the parameters the kit meant to send
    exempt: bool = False                         # housekeeping (polling, cleanup): not a test step

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def code(self) -> str | None:
        return self.data.get("Code") if isinstance(self.data, dict) else None

    @property
    def not_implemented(self) -> bool:
        return self.status == 501

    def brief(self) -> str:
        detail = f" {self.code}" if self.code else ""
        return f"{self.method} {self.path} -> {self.status}{detail}"


def encode_text(value: Any, spec: dict | None = None) -> str:
    """A parameter value as query/form text: JSON for structures and shrink params, lower-case
    booleans, plain text otherwise (tea-openapi's `Utils.query` writes `str(value)`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def build_request(op: Operation, params: dict) -> tuple[str, list[tuple[str, str]], bytes, str | None, Any]:
    """(path, query pairs, body bytes, content-type, decoded body) for `params` on `op`.

    Parameters the schema does not know travel in the query (the real gateway ignores them);
    a path parameter that is missing leaves its placeholder empty, which the target must reject.
    """
    specs = op.params
    path = op.path
    for name in op.path_params:
        value = params.get(name)
        path = path.replace("{" + name + "}", quote(encode_text(value), safe="") if value is not None else "")
    query: list[tuple[str, str]] = []
    body_params: dict[str, Any] = {}
    for name, value in params.items():
        if name in op.path_params or value is None:
            continue
        where = specs.get(name, {}).get("x-in", "query")
        if where == "body" and op.body_encoding != "none":
            body_params[name] = value
        else:
            query.append((name, encode_text(value, specs.get(name))))
    if not body_params and op.body_encoding != "json":
        return path, query, b"", None, None
    if op.body_encoding == "form":
        flat: dict[str, str] = {}
        for name, value in body_params.items():
            if specs.get(name, {}).get("x-json-string") or not isinstance(value, (dict, list)):
                flat[name] = encode_text(value)
            else:
                _flatten(name, value, flat)
        return path, query, urlencode(sorted(flat.items())).encode(), "application/x-www-form-urlencoded", body_params
    # JSON body; shrink parameters still travel as JSON text inside it.
    doc = {k: (encode_text(v) if specs.get(k, {}).get("x-json-string") and isinstance(v, (dict, list)) else v)
           for k, v in body_params.items()}
    return path, query, json.dumps(doc, ensure_ascii=False).encode(), "application/json; charset=utf-8", body_params


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    """tea-openapi's form flattening: `a.b=…`, list items as `a.1`, `a.2` (1-based)."""
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}", v, out)
    elif isinstance(value, list):
        for i, v in enumerate(value, 1):
            _flatten(f"{prefix}.{i}", v, out)
    elif value is not None:
        out[prefix] = encode_text(value)


class Pacer:
    """Keeps each (product, action) under its requests-per-second limit (live targets)."""

    def __init__(self, enabled: bool, fraction: float = 0.5):
        self.enabled = enabled
        self.fraction = fraction        # use at most this share of the documented rate
        self._last: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def wait(self, op: Operation) -> None:
        if not self.enabled:
            return
        interval = 1.0 / max(op.rate_limit * self.fraction, 0.1)
        with self._lock:
            now = time.monotonic()
            due = self._last.get(op.key, 0.0) + interval
            self._last[op.key] = max(now, due)
        if due > now:
            time.sleep(due - now)


class KitClient:
    def __init__(self, target: Target, *, max_requests: int | None = None, catalog=None,
                 timeout: float = 30.0, max_throttle_retries: int = 5):
        self.target = target
        self.catalog = catalog or default_catalog()
        self.max_requests = max_requests
        self.sent = 0
        self.billed: Counter[tuple[str, str]] = Counter()   # every request sent, per operation (fakepai.usage prices it)
        self.max_throttle_retries = max_throttle_retries
        self.pacer = Pacer(target.is_live)
        self.observers: list[Callable[[Exchange], None]] = []
        # Every answer received, retried 429s and raw sends included (protocol checks).
        self.answer_observers: list[Callable[[Exchange], None]] = []
        self._http = httpx.Client(timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def op(self, product: str, action: str) -> Operation:
        op = self.catalog.get(product, action)
        if op is None:
            raise KeyError(f"no schema for {product} {action}")
        return op

    # -- sending ---------------------------------------------------------------------------------
    def call(self, product: str, action: str, params: dict | None = None, *,
             credential: Credential | None | object = _NOT_SET, extra_headers: dict[str, str] | None = None,
             exempt: bool = False, retry_throttle: bool = True, observe: bool = True) -> Exchange:
        """Send one operation. `exempt` calls (cleanup) do not count against the budget, so a run
        that hits its budget still deletes what it created."""
        op = self.op(product, action)
        params = dict(params or {})
        path, query, body, ctype, decoded = build_request(op, params)
        cred = self.target.credential if credential is _NOT_SET else credential
        attempt = 0
        while True:
            if not exempt:
                if self.max_requests is not None and self.sent >= self.max_requests:
                    raise BudgetExhausted(f"request budget exhausted (--pai-max-requests={self.max_requests})")
                self.sent += 1
            self.pacer.wait(op)
            ex = self._send(op, path, query, body, ctype, decoded, params, cred, extra_headers)
            ex.exempt = exempt
            self._answered(ex)
            throttled = ex.status == 429 or (ex.code or "").startswith("Throttling")
            if not (throttled and retry_throttle and attempt < self.max_throttle_retries):
                break
            attempt += 1
            time.sleep(_retry_after(ex.headers, attempt))
        if observe:
            for fn in self.observers:
                fn(ex)
        return ex

    def send_raw(self, product: str, action: str, query: list[tuple[str, str]], headers: dict[str, str]) -> Exchange:
        """Send `action` with a hand-made, final header set (auth tests: a signature computed over
        other content, a replayed nonce). Counted against the budget, never observed."""
        __tracebackhide__ = True
        if self.max_requests is not None and self.sent >= self.max_requests:
            raise BudgetExhausted(f"request budget exhausted (--pai-max-requests={self.max_requests})")
        self.sent += 1
        op = self.op(product, action)
        url = self.target.base_urls[product] + op.path + ("?" + urlencode(query) if query else "")
        self.billed[(op.product, op.action)] += 1
        started = time.perf_counter()
        r = self._http.request(op.method, url, headers=headers)
        ex = self._exchange(op, op.path, query, None, {}, r, started)
        self._answered(ex)
        return ex

    def _answered(self, ex: Exchange) -> None:
        for fn in self.answer_observers:
            fn(ex)

    def _headers(self, base: str, action: str, version: str, ctype: str | None) -> dict[str, str]:
        headers = {"host": urlsplit(base).netloc, "accept": "application/json", "user-agent": USER_AGENT}
        if action:
            headers["x-acs-action"] = action
        if version:
            headers["x-acs-version"] = version
        if ctype:
            headers["content-type"] = ctype
        return headers

    @staticmethod
    def _authorize(headers: dict[str, str], cred: Credential | None, method: str, path: str,
                   query: list[tuple[str, str]], body: bytes) -> dict[str, str]:
        __tracebackhide__ = True   # its locals hold the credential: keep them out of `pytest -l` output
        if cred is None:
            return headers
        if cred.kind == "bearer":
            return {**headers, "authorization": f"Bearer {cred.secret}"}
        return sign_acs3(method, path, query, headers, body, cred.key_id, cred.secret, cred.security_token)

    def _send(self, op, path, query, body, ctype, decoded, params, cred, extra_headers) -> Exchange:
        __tracebackhide__ = True   # its locals hold the signed headers (a bearer token is a secret)
        base = self.target.base_urls[op.product]
        headers = self._headers(base, op.action, op.version, ctype)
        headers.update({k.lower(): v for k, v in (extra_headers or {}).items()})
        headers = self._authorize(headers, cred, op.method, path, query, body)
        url = base + path + ("?" + urlencode(query) if query else "")
        self.billed[(op.product, op.action)] += 1
        started = time.perf_counter()
        try:
            r = self._http.request(op.method, url, content=body or None, headers=headers)
        except httpx.HTTPError as e:
            raise ConnectionError(f"{op.product} {op.action}: {type(e).__name__}: {e}") from None
        return self._exchange(op, path, query, decoded, params, r, started)

    @staticmethod
    def _exchange(op, path, query, decoded, params, r: httpx.Response, started: float) -> Exchange:
        elapsed = (time.perf_counter() - started) * 1000
        try:
            data = r.json()
        except ValueError:
            data = None
        return Exchange(op.product, op.action, op.method, path, query, decoded, r.status_code,
                        {k.lower(): v for k, v in r.headers.items()}, data, r.text, round(elapsed, 2), params)


def _retry_after(headers: dict[str, str], attempt: int) -> float:
    """Seconds to wait after a throttled call: x-acs-retry-after (ms), Retry-After (s), or backoff."""
    try:
        if "x-acs-retry-after" in headers:
            return min(max(int(headers["x-acs-retry-after"]) / 1000.0, 0.01), 10.0)
        if "retry-after" in headers:
            return min(max(float(headers["retry-after"]), 0.01), 10.0)
    except ValueError:
        pass
    return min(0.2 * 2 ** attempt, 5.0)
