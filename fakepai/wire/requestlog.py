"""The recent-request log behind GET /_fakepai/requests: a bounded ring buffer.

Credentials and signatures are never stored: only who (account), what (operation), and how it
went (status, error code, latency).
"""
from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass


@dataclass
class RequestRecord:
    time: str
    request_id: str
    account: str | None
    product: str | None
    action: str | None
    method: str
    path: str
    status: int
    error_code: str | None
    latency_ms: float
    form: str | None = None


class RequestLog:
    def __init__(self, size: int = 1000):
        self._records: deque[RequestRecord] = deque(maxlen=max(1, size))

    def add(self, record: RequestRecord) -> None:
        self._records.append(record)

    def clear(self) -> None:
        self._records.clear()

    def resize(self, size: int) -> None:
        self._records = deque(self._records, maxlen=max(1, size))

    def query(self, action: str | None = None, status: int | None = None, limit: int | None = None) -> list[dict]:
        out = [asdict(r) for r in self._records
               if (action is None or r.action == action) and (status is None or r.status == status)]
        return out[-limit:] if limit else out
