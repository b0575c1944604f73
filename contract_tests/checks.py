"""What a correct answer looks like, as findings with a JSON path and the values involved.

`ContractViolation` carries the findings so the Markdown report can list them per operation;
its message is what pytest prints, so it names the operation, the path, expected and actual.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from fakepai.catalog import Operation

from contract_tests.client import Exchange
from contract_tests.vocabulary import ExpectedError, known_statuses, values_at


@dataclass(frozen=True)
class Finding:
    path: str        # JSON path into the response ("$.Jobs[0].Status"), or "status" / "header:x"
    problem: str     # "drift" (unknown field), "type", "missing", "enum", "status", ...
    expected: Any
    actual: Any

    def line(self) -> str:
        return f"{self.path}: {self.problem} — expected {_short(self.expected)}, got {_short(self.actual)}"


def vocabulary_findings(op: Operation, body: Any) -> list[Finding]:
    """Status values in `body` outside the vocabulary the kit knows for `op` (contract_tests/vocabulary.py)."""
    out = []
    for pattern, allowed in known_statuses(op.product, op.action):
        for path, value in values_at(body, pattern):
            if value is not None and value not in allowed:
                out.append(Finding(path, "unknown status value", f"one of {sorted(allowed, key=str)}", value))
    return out


class ContractViolation(AssertionError):
    def __init__(self, operation: str, what: str, findings: Iterable[Finding], exchange: Exchange | None = None):
        self.operation = operation
        self.what = what
        self.findings = list(findings)
        self.exchange = exchange
        lines = [f"{operation}: {what}"] + ["  " + f.line() for f in self.findings[:20]]
        if len(self.findings) > 20:
            lines.append(f"  … and {len(self.findings) - 20} more")
        if exchange is not None:
            lines.append(f"  request: {exchange.brief()}")
        super().__init__("\n".join(lines))


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_path(parts: Iterable) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


_UNEXPECTED = re.compile(r"\('(.+)' (?:was|were) unexpected\)")


def schema_findings(validator, body: Any) -> list[Finding]:
    """Every way `body` departs from the response schema. Unknown fields are drift, reported one
    finding per field; everything else keeps jsonschema's keyword as the problem."""
    out: list[Finding] = []
    for err in sorted(validator.iter_errors(body), key=lambda e: (list(map(str, e.absolute_path)), e.validator)):
        where = list(err.absolute_path)
        if err.validator == "additionalProperties":
            m = _UNEXPECTED.search(err.message)
            names = [n.strip(" '") for n in m.group(1).split(",")] if m else ["?"]
            for name in names:
                value = err.instance.get(name) if isinstance(err.instance, dict) else None
                out.append(Finding(json_path(where + [name]), "drift (field not in the schema)", "absent", value))
        elif err.validator == "required":
            name = err.message.split("'")[1] if "'" in err.message else err.message
            out.append(Finding(json_path(where + [name]), "missing required field", "present", "absent"))
        elif err.validator == "type":
            out.append(Finding(json_path(where), "type", err.validator_value, err.instance))
        else:
            out.append(Finding(json_path(where), err.validator, err.validator_value, err.instance))
    return out


_RESPONSE_VALIDATORS: dict[tuple[str, str], object] = {}


def response_validator(op: Operation):
    """The operation's response schema with format checking on (`format` keywords are
    assertions for the kit, not annotations); `pattern` is always enforced."""
    from jsonschema import Draft202012Validator
    if op.key not in _RESPONSE_VALIDATORS:
        _RESPONSE_VALIDATORS[op.key] = Draft202012Validator(op.response_schema, registry=op.registry,
                                                            format_checker=Draft202012Validator.FORMAT_CHECKER)
    return _RESPONSE_VALIDATORS[op.key]


def success_findings(op: Operation, ex: Exchange) -> list[Finding]:
    """A 2xx whose body validates strictly against the response schema (formats included), with a
    request id, and known status names. (Headers are checked on every exchange: `protocol_findings`.)"""
    if not ex.ok:
        return [Finding("status", "HTTP status", "2xx", f"{ex.status} {ex.code or ex.text[:200]}")]
    if not isinstance(ex.data, dict):
        return [Finding("$", "body is not a JSON object", "object", ex.text[:200])]
    findings = schema_findings(response_validator(op), ex.data)
    rid_field = op.request_id_field
    if rid_field:
        rid = ex.data.get(rid_field)
        if not isinstance(rid, str) or not rid:
            if not any(f.path == f"$.{rid_field}" for f in findings):
                findings.append(Finding(f"$.{rid_field}", "missing request id", "non-empty string", rid))
    if op.envelope == "paiplugin" and ex.data.get("ErrorCode") not in (0, None):
        findings.append(Finding("$.ErrorCode", "PaiPlugin success envelope", 0, ex.data.get("ErrorCode")))
    findings.extend(vocabulary_findings(op, ex.data))
    return findings


_ERROR_FIELDS = ("Code", "Message", "RequestId")
_ERROR_SCHEMA = {"$ref": "https://fakepai.local/schemas/_shared/common.json#/$defs/ErrorResponse"}


_ERROR_VALIDATORS: dict[int, object] = {}


def _error_validator(op: Operation):
    """The shared error body schema (closed: an unknown field in an error is drift too)."""
    from jsonschema import Draft202012Validator
    key = id(op.registry)
    if key not in _ERROR_VALIDATORS:
        _ERROR_VALIDATORS[key] = Draft202012Validator(_ERROR_SCHEMA, registry=op.registry)
    return _ERROR_VALIDATORS[key]


def error_findings(op: Operation, ex: Exchange, expected: ExpectedError | None = None) -> list[Finding]:
    """A rejected request: 4xx (never 5xx, never 2xx) with Code, Message and RequestId — and, when
    the kind of failure is known, the status and code family the product answers it with
    (vocabulary.ERRORS)."""
    out: list[Finding] = []
    want = expected.describe() if expected else "4xx"
    if ex.ok:
        return [Finding("status", "accepted an invalid request", want, ex.status)]
    if not 400 <= ex.status < 500:
        return [Finding("status", "HTTP status", want, f"{ex.status} {ex.code or ex.text[:200]}")]
    if not isinstance(ex.data, dict):
        return [Finding("$", "error body is not a JSON object", "object", ex.text[:200])]
    if expected is not None and not expected.accepts(ex.status, ex.code):
        out.append(Finding("status/$.Code", "status and code for this kind of failure", want, f"{ex.status} {ex.code}"))
    for name in _ERROR_FIELDS:
        value = ex.data.get(name)
        if not isinstance(value, str) or not value:
            out.append(Finding(f"$.{name}", "error field", "non-empty string", value))
    if op.envelope == "paiplugin":
        code = ex.data.get("ErrorCode")
        if not isinstance(code, int) or isinstance(code, bool) or code == 0:
            out.append(Finding("$.ErrorCode", "PaiPlugin error envelope", "non-zero integer", code))
    if op.envelope == "plain":
        out += [f for f in schema_findings(_error_validator(op), ex.data) if f.path not in {"$." + n for n in _ERROR_FIELDS}]
    return out


def expect_success(op: Operation, ex: Exchange, what: str = "valid request") -> None:
    findings = success_findings(op, ex)
    if findings:
        raise ContractViolation(f"{op.product} {op.action}", what, findings, ex)


def expect_error(op: Operation, ex: Exchange, what: str, expected: ExpectedError | None = None) -> None:
    findings = error_findings(op, ex, expected)
    if findings:
        raise ContractViolation(f"{op.product} {op.action}", what, findings, ex)


# ------------------------------------------------------------------------------- protocol

_REQUEST_ID_KEYS = ("RequestId", "RequestID", "requestId")


def protocol_findings(ex: Exchange) -> list[Finding]:
    """What every answer carries, success or error: a JSON Content-Type, an `x-acs-request-id`
    header equal to the body's request id, and on a 429 both retry hints (`Retry-After` in
    seconds, `x-acs-retry-after` in milliseconds: the header the official SDKs turn into a
    ThrottlingException, behavior.md §2.1)."""
    out: list[Finding] = []
    ctype = ex.headers.get("content-type", "")
    if not ctype.split(";")[0].strip().lower() == "application/json":
        out.append(Finding("header:Content-Type", "JSON content type", "application/json", ctype or None))
    header_rid = ex.headers.get("x-acs-request-id")
    body_rid = next((ex.data[k] for k in _REQUEST_ID_KEYS if isinstance(ex.data, dict) and k in ex.data), None)
    if not header_rid:
        out.append(Finding("header:x-acs-request-id", "request id header", body_rid or "present", None))
    elif body_rid is not None and header_rid != body_rid:
        out.append(Finding("header:x-acs-request-id", "request id header equals the body's", body_rid, header_rid))
    if ex.status == 429:
        for name, unit in (("retry-after", "seconds"), ("x-acs-retry-after", "milliseconds")):
            value = ex.headers.get(name, "")
            if not value.isdigit() or int(value) <= 0:
                out.append(Finding(f"header:{name}", f"a 429 carries its retry hint in {unit}", "positive integer", value or None))
    return out
