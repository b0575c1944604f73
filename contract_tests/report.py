"""The Markdown conformance report: per operation, passed / failed (with JSON paths and values) /
skipped (with why). JUnit XML is pytest's own (`--junitxml`)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from contract_tests.checks import ContractViolation

CATEGORIES = {"test_conformance": "conformance", "test_error_contract": "error contract",
              "test_pagination": "pagination", "test_stateful": "stateful", "test_read_back": "read-back",
              "test_transport": "transport"}


@dataclass
class Result:
    nodeid: str
    category: str
    outcome: str            # passed | failed | skipped
    details: list[str] = field(default_factory=list)


def _category(item: pytest.Item) -> str:
    name = item.module.__name__.rsplit(".", 1)[-1]
    for prefix, label in CATEGORIES.items():
        if name.startswith(prefix):
            return label
    return name


def _operations(item: pytest.Item) -> list[tuple[str, str]]:
    out = []
    for mark in item.iter_markers("operation"):
        product = mark.kwargs.get("product") or ""
        out.extend((product, action) for action in mark.args)
    return out


class ReportCollector:
    def __init__(self):
        self.results: dict[tuple[str, str], list[Result]] = {}
        self.target = ""
        self.skip_reason: str | None = None
        self.leaks: list[str] = []
        self.requests = 0
        self.answers = 0          # answers received, retried ones included
        self.throttled = 0        # of which 429s (each one's headers checked)
        self.billed: dict[tuple[str, str], int] = {}    # requests per operation, for the cost estimate

    def add(self, item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport) -> None:
        if report.when == "setup" and report.passed:
            return
        if report.when == "teardown" and report.passed:
            return
        ops = _operations(item)
        if not ops:
            return
        outcome = report.outcome
        details: list[str] = []
        blamed, blocking = None, False
        if report.failed and call.excinfo is not None:
            exc = call.excinfo.value
            if isinstance(exc, ContractViolation):
                blamed, blocking = exc.operation, getattr(exc, "blocking", False)
                details = [f"{exc.operation}: {exc.what}"] + [f.line() for f in exc.findings]
                if exc.exchange is not None:
                    details.append(f"request: {exc.exchange.brief()}")
            else:
                details = [_first_line(call.excinfo.exconly())]
        elif report.skipped:
            details = [_skip_reason(report)]
        if report.when != "call" and report.failed:
            details = [f"error in {report.when}: " + (details[0] if details else "")]
        for product, action in ops:
            op_outcome = outcome
            if blamed and blamed != f"{product} {action}" and outcome == "failed":
                if blocking:   # its setup needed the blamed operation, which failed
                    self.results.setdefault((product, action), []).append(
                        Result(item.nodeid, _category(item), "skipped", [f"blocked by {blamed}"]))
                continue   # a stateful run blames the operation whose answer was wrong
            self.results.setdefault((product, action), []).append(
                Result(item.nodeid, _category(item), op_outcome, details))
        if blamed and not any(f"{p} {a}" == blamed for p, a in ops):
            product, _, action = blamed.partition(" ")
            self.results.setdefault((product, action), []).append(Result(item.nodeid, _category(item), "failed", details))

    # -- rendering ----------------------------------------------------------------------------------
    @staticmethod
    def verdict(results: list[Result]) -> str:
        if any(r.outcome == "failed" for r in results):
            return "failed"
        if any(r.outcome == "passed" for r in results):
            return "passed"
        return "skipped"

    def markdown(self, catalog=None) -> str:
        keys = set(self.results)
        if catalog is not None:
            keys |= set(catalog.operations)
        rows = sorted(keys)
        verdicts = {k: self.verdict(self.results.get(k, [])) if self.results.get(k) else "not run" for k in rows}
        count = {v: sum(1 for x in verdicts.values() if x == v) for v in ("passed", "failed", "skipped", "not run")}
        lines = ["# fakepai conformance report", "",
                 f"- target: {self.target}",
                 f"- generated: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}",
                 f"- operations: {len(rows)} — {count['passed']} passed, {count['failed']} failed, "
                 f"{count['skipped']} skipped, {count['not run']} not run",
                 f"- requests sent: {self.requests}; answers checked: {self.answers}, of which 429: {self.throttled}"]
        if self.skip_reason:
            lines.append(f"- **run skipped**: {self.skip_reason}")
        for leak in self.leaks:
            lines.append(f"- **not cleaned up**: {leak}")
        cats = list(dict.fromkeys(CATEGORIES.values()))
        lines += ["", "| product | operation | result | " + " | ".join(cats) + " |",
                  "|---|---|---|" + "---|" * len(cats)]
        for key in rows:
            res = self.results.get(key, [])
            cells = []
            for cat in cats:
                sub = [r for r in res if r.category == cat]
                cells.append(self.verdict(sub) if sub else "")
            lines.append(f"| {key[0]} | {key[1]} | **{verdicts[key]}** | " + " | ".join(cells) + " |")
        failed = [k for k in rows if verdicts[k] == "failed"]
        if failed:
            lines += ["", "## Failures", ""]
            for key in failed:
                lines.append(f"### {key[0]} {key[1]}")
                for r in self.results[key]:
                    if r.outcome != "failed":
                        continue
                    lines.append(f"- {r.category} — `{r.nodeid}`")
                    lines.extend(f"  - {_md(d)}" for d in r.details[:25])
                lines.append("")
        skipped = [k for k in rows if verdicts[k] == "skipped"]
        if skipped:
            lines += ["", "## Skipped", ""]
            for key in skipped:
                reasons = sorted({r.details[0] for r in self.results[key] if r.details})
                lines.append(f"- {key[0]} {key[1]}: {'; '.join(reasons) or 'skipped'}")
        return "\n".join(lines) + "\n"

    def as_dict(self, catalog=None) -> dict:
        """The same content, for machines: {target, operations: {"Product Action": {result, tests}}}."""
        keys = set(self.results) | (set(catalog.operations) if catalog is not None else set())
        ops = {}
        for key in sorted(keys):
            res = self.results.get(key, [])
            ops[f"{key[0]} {key[1]}"] = {
                "result": self.verdict(res) if res else "not run",
                "tests": [{"test": r.nodeid, "category": r.category, "outcome": r.outcome, "details": r.details}
                          for r in res]}
        return {"target": self.target, "skipped": self.skip_reason, "leaks": self.leaks,
                "requests": self.requests, "answers": self.answers, "throttled": self.throttled, "operations": ops}

    def write(self, path: str, catalog=None) -> None:
        """Markdown, or JSON when the file name ends in .json."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if path.endswith(".json"):
            import json
            text = json.dumps(self.as_dict(catalog), indent=2, default=str) + "\n"
        else:
            text = self.markdown(catalog)
        Path(path).write_text(text, encoding="utf-8")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:500] if text.strip() else ""


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        reason = longrepr[2]
        return reason[len("Skipped: "):] if reason.startswith("Skipped: ") else reason
    return str(longrepr)
