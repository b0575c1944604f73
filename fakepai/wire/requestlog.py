"""The recent-request log behind GET /_fakepai/requests and `FakePAI.requests`: a bounded ring
buffer (Settings.request_log_size entries, oldest dropped first).

Credentials and signatures are never stored: a record holds no header, no query string and no
body, only who (account id), what (operation, method, path) and how it went (status, error code,
latency, request id).
"""
from __future__ import annotations

from collections import deque
from typing import Callable, NamedTuple

from fakepai.timestamps import iso_z


def status_matches(status: int, wanted: int | str | None) -> bool:
    """`wanted` is an exact status (429) or a class ("4xx", "5xx")."""
    if wanted is None:
        return True
    if isinstance(wanted, str) and len(wanted) == 3 and wanted[1:].lower() == "xx" and wanted[0].isdigit():
        return status // 100 == int(wanted[0])
    return status == int(wanted)


def parse_status(text: str) -> int | str:
    """The control plane's `status` query value; ValueError when it is neither form."""
    text = text.strip()
    if len(text) == 3 and text[0].isdigit() and text[1:].lower() == "xx":
        return text.lower()
    return int(text)


def print_access_line(record: RequestRecord) -> None:
    """`fakepai serve --log-level info`: one line per request (virtual time, account, product,
    action, status, milliseconds); unknown parts are `-`."""
    print(f"{iso_z(record.at)} {record.account or '-'} {record.product or '-'} {record.action or '-'} "
          f"{record.status} {record.latency_ms:.1f}ms", flush=True)


class RequestRecord(NamedTuple):
    """What the log keeps per request, with the time still an epoch (formatted only when the
    record is read: most records never are)."""
    at: float
    request_id: str
    account: str | None
    product: str | None
    action: str | None
    method: str
    path: str
    status: int
    error_code: str | None
    latency_ms: float
    form: str | None

    def as_dict(self) -> dict:
        """The record as GET /_fakepai/requests shows it: the virtual time in ISO-8601 first."""
        fields = self._asdict()
        return {"time": iso_z(fields.pop("at")), **fields}


class RequestLog:
    def __init__(self, size: int = 1000, on_add: Callable[[RequestRecord], None] | None = None):
        if size < 1:
            raise ValueError("request_log_size must be at least 1")
        self._records: deque[RequestRecord] = deque(maxlen=size)
        self._on_add = on_add

    @property
    def size(self) -> int:
        return self._records.maxlen

    def add(self, at: float, request_id: str, account: str | None, product: str | None, action: str | None,
            method: str, path: str, status: int, error_code: str | None, latency_ms: float,
            form: str | None = None) -> None:
        """One request served at virtual time `at` (epoch seconds)."""
        # What `RequestRecord(...)` does (a NamedTuple's __new__ is tuple.__new__ behind a Python
        # lambda), without that frame: every request is logged (calls per request, benchmarks/README.md).
        record = tuple.__new__(RequestRecord, (at, request_id, account, product, action, method, path, status,
                                               error_code, latency_ms, form))
        self._records.append(record)
        if self._on_add is not None:
            self._on_add(record)

    def clear(self) -> None:
        self._records.clear()

    def resize(self, size: int) -> None:
        if size < 1:
            raise ValueError("request_log_size must be at least 1")
        self._records = deque(self._records, maxlen=size)

    def __len__(self) -> int:
        return len(self._records)

    def query(self, action: str | None = None, status: int | str | None = None, limit: int | None = None,
              product: str | None = None, error_code: str | None = None, account: str | None = None) -> list[dict]:
        """Matching records, oldest first; `limit` keeps the most recent ones."""
        out = [r for r in self._records
               if (action is None or r.action == action)
               and (product is None or (r.product or "").lower() == product.lower())
               and (error_code is None or r.error_code == error_code)
               and (account is None or r.account == account)
               and status_matches(r.status, status)]
        return [r.as_dict() for r in (out[-limit:] if limit else out)]
