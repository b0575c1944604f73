"""`--pai-record DIR`: every exchange a test makes, sanitised so two runs can be compared.

One JSON file per exchange, `DIR/<test>/<Product>.<Action>.<n>.json` (n counts that action within
the test, so polling or retries elsewhere do not shift the pairing). Sanitising, as LocalStack's
snapshot transformers do: ids become `<id>`, request ids `<request-id>`, timestamps
`<timestamp>`, the run id `<run>`; no header is kept but the content type; credentials never
reach the file (they are only ever in headers).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from contract_tests.client import Exchange

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_EMBEDDED_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_ELAPSED_KEY = re.compile(r"^(Duration|RestartTimes)$")
_DIGEST = re.compile(r"\b[0-9a-f]{32,64}\b")      # hashes, nonces, signatures quoted in messages
_REQUEST_ID = {"RequestId", "RequestID", "requestId"}
_ID_KEY = re.compile(r"(Id|ID|Ids|Uid)$")
_TIME_KEY = re.compile(r"(Time|Timestamp|At)$|^Gmt")
_NODE_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class Sanitizer:
    """Normalises values that differ between runs but carry no contract (ids, times, run id)."""

    def __init__(self, run_id: str):
        self.run_id = run_id
        self.ids: set[str] = set()

    def learn(self, doc: Any) -> None:
        """Remember id values so they are also replaced where they appear inside other strings."""
        if isinstance(doc, dict):
            for k, v in doc.items():
                if isinstance(v, str) and len(v) >= 6 and _ID_KEY.search(k) and k not in _REQUEST_ID:
                    self.ids.add(v)
                self.learn(v)
        elif isinstance(doc, list):
            for v in doc:
                self.learn(v)

    def value(self, key: str, value: Any) -> Any:
        if key in _REQUEST_ID and isinstance(value, str):
            return "<request-id>"
        if _ELAPSED_KEY.match(key) and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return "<elapsed>"       # grows with wall time between two runs; its type is still checked by the schema
        if isinstance(value, str):
            if _ID_KEY.search(key) and value:
                return "<id>"
            if _ISO.match(value.strip()):
                return "<timestamp>"
            value = _EMBEDDED_TIME.sub("<timestamp>", value)    # log and event lines start with one
            value = _DIGEST.sub("<hex>", value)
            for known in sorted(self.ids, key=len, reverse=True):
                if known in value:
                    value = value.replace(known, "<id>")
            return value.replace(self.run_id, "<run>")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and _TIME_KEY.search(key):
            return "<timestamp>"
        return self.doc(value)

    def doc(self, doc: Any) -> Any:
        if isinstance(doc, dict):
            return {k: self.value(k, v) for k, v in doc.items()}
        if isinstance(doc, list):
            return [self.value("", v) for v in doc]
        if isinstance(doc, str):
            return self.value("", doc)
        return doc


def dir_name_for(nodeid: str) -> str:
    return _NODE_SAFE.sub("_", nodeid.split("::", 1)[-1]).strip("_")[:150] or "session"


class Recorder:
    def __init__(self, directory: str, run_id: str):
        self.root = Path(directory)
        self.root.mkdir(parents=True, exist_ok=True)
        self.sanitizer = Sanitizer(run_id)
        self.test = "session"
        self._counts: Counter = Counter()

    def record(self, ex: Exchange) -> None:
        if ex.exempt:
            return
        s = self.sanitizer
        s.learn(ex.params)
        s.learn(ex.data)
        key = (self.test, ex.product, ex.action)
        self._counts[key] += 1
        doc = {
            "operation": f"{ex.product} {ex.action}",
            "test": self.test,
            "request": {"method": ex.method, "params": s.doc(ex.params)},
            "response": {"status": ex.status, "content-type": ex.headers.get("content-type", ""),
                         "body": s.doc(ex.data) if ex.data is not None else s.value("", ex.text[:2000])},
        }
        path = self.root / dir_name_for(self.test) / f"{ex.product}.{ex.action}.{self._counts[key]}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
