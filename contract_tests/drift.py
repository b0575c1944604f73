"""`fakepai drift DIR_A DIR_B`: compare two `--pai-record` recordings (say live and fake) field by
field, and list every divergence by operation and JSON path.

Exchanges pair up by file (test, operation, n-th call of it in that test). Within a pair the
status and the sanitised bodies are compared: a field only one side has, a different type, a
different value, a list of a different length. A baseline file lists accepted divergences — as
LocalStack's snapshot parity does with its skip-paths — so a run fails only on new ones:

    {"accepted": [{"operation": "pai-dlc GetJob", "path": "$.Pods[*].PodUid", "kind": "value",
                   "why": "pod uids are random on both sides"}]}

`path` may use `[*]` for any index and `*` as a glob; `operation` and `kind` may be "*".
"""
from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Divergence:
    operation: str
    test: str
    path: str
    kind: str          # status | only-in-a | only-in-b | type | value | length | exchange-only-in-a/b
    a: Any
    b: Any

    def line(self) -> str:
        return f"{self.operation}  {self.path}  {self.kind}: {_short(self.a)} != {_short(self.b)}  [{self.test}]"


def _short(v: Any) -> str:
    text = json.dumps(v, ensure_ascii=False, sort_keys=True) if not isinstance(v, str) else repr(v)
    return text if len(text) <= 80 else text[:79] + "…"


def _type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def compare_docs(a: Any, b: Any, path: str = "$") -> list[tuple[str, str, Any, Any]]:
    """(path, kind, a, b) for every difference between two JSON documents."""
    ta, tb = _type(a), _type(b)
    if ta != tb and not {ta, tb} <= {"integer", "number"}:
        return [(path, "type", ta, tb)]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            p = f"{path}.{k}"
            if k not in b:
                out.append((p, "only-in-a", a[k], None))
            elif k not in a:
                out.append((p, "only-in-b", None, b[k]))
            else:
                out.extend(compare_docs(a[k], b[k], p))
        return out
    if isinstance(a, list):
        out = [(path, "length", len(a), len(b))] if len(a) != len(b) else []
        for i, (x, y) in enumerate(zip(a, b)):
            out.extend(compare_docs(x, y, f"{path}[{i}]"))
        return out
    return [] if a == b else [(path, "value", a, b)]


def load_recording(directory: str | Path) -> dict[str, dict]:
    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(f"no recording at {root}")
    return {str(p.relative_to(root)): json.loads(p.read_text(encoding="utf-8")) for p in sorted(root.rglob("*.json"))}


def compare_recordings(dir_a: str | Path, dir_b: str | Path) -> list[Divergence]:
    a, b = load_recording(dir_a), load_recording(dir_b)
    out: list[Divergence] = []
    for key in sorted(set(a) | set(b)):
        ea, eb = a.get(key), b.get(key)
        ref = ea or eb
        op, test = ref.get("operation", key), ref.get("test", "")
        if eb is None:
            out.append(Divergence(op, test, "$", "exchange-only-in-a", key, None))
            continue
        if ea is None:
            out.append(Divergence(op, test, "$", "exchange-only-in-b", None, key))
            continue
        ra, rb = ea.get("response", {}), eb.get("response", {})
        if ra.get("status") != rb.get("status"):
            out.append(Divergence(op, test, "status", "status", ra.get("status"), rb.get("status")))
        for path, kind, va, vb in compare_docs(ra.get("body"), rb.get("body")):
            out.append(Divergence(op, test, path, kind, va, vb))
    return out


_INDEX = re.compile(r"\[\d+\]")


def _generic(path: str) -> str:
    return _INDEX.sub("[*]", path)


def load_baseline(path: str | Path | None) -> list[dict]:
    if not path or not Path(path).exists():
        return []
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return list(data.get("accepted", []))


def accepted(d: Divergence, baseline: list[dict]) -> bool:
    generic = _generic(d.path)
    for rule in baseline:
        if not fnmatch.fnmatchcase(d.operation, rule.get("operation", "*")):
            continue
        if not fnmatch.fnmatchcase(d.kind, rule.get("kind", "*")):
            continue
        if _path_pattern(rule.get("path", "*")).fullmatch(generic):
            return True
    return False


def _path_pattern(pattern: str) -> re.Pattern:
    """`[*]` is any index (kept literal, as divergence paths are generalised the same way); any
    other `*` is a glob."""
    rx = re.escape(_generic(pattern)).replace(r"\[\*\]", "\x00").replace(r"\*", ".*").replace("\x00", r"\[\*\]")
    return re.compile(rx)


def baseline_from(divergences: list[Divergence]) -> dict:
    """Accept every current divergence (one rule per operation/path/kind), to be curated by hand."""
    seen = {}
    for d in divergences:
        key = (d.operation, _generic(d.path), d.kind)
        seen.setdefault(key, {"operation": key[0], "path": key[1], "kind": key[2], "why": "TODO: explain"})
    return {"accepted": list(seen.values())}


def render(divergences: list[Divergence], baseline: list[dict]) -> tuple[str, int]:
    new = [d for d in divergences if not accepted(d, baseline)]
    known = len(divergences) - len(new)
    lines = []
    by_op: dict[str, list[Divergence]] = {}
    for d in new:
        by_op.setdefault(d.operation, []).append(d)
    for op in sorted(by_op):
        lines.append(f"{op}:")
        for d in by_op[op]:
            lines.append(f"  {d.path}  {d.kind}: {_short(d.a)} != {_short(d.b)}   [{d.test}]")
    lines.append(f"{len(new)} divergence(s), {known} accepted by the baseline")
    return "\n".join(lines) + "\n", len(new)


def main(dir_a: str, dir_b: str, baseline: str | None = None, write_baseline: str | None = None,
         as_json: bool = False) -> int:
    divergences = compare_recordings(dir_a, dir_b)
    if write_baseline:
        Path(write_baseline).write_text(json.dumps(baseline_from(divergences), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {write_baseline} ({len(divergences)} divergence(s) accepted; curate the 'why' fields)")
        return 0
    rules = load_baseline(baseline)
    if as_json:
        new = [asdict(d) for d in divergences if not accepted(d, rules)]
        print(json.dumps({"divergences": new, "accepted": len(divergences) - len(new)}, indent=2, default=str))
        return 1 if new else 0
    text, count = render(divergences, rules)
    print(text, end="")
    return 1 if count else 0
