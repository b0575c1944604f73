"""Values from request schemas: the smallest valid value of a parameter, and hypothesis
strategies for requests that break one rule of the schema (error-contract cases).

Every invalid case starts from a valid request (from recipes.py) and changes one thing, so the
target's answer can only be about that one thing:

* `missing`     — a required parameter left out;
* `wrong-type`  — text where a number/boolean is due, a structure where text is due, broken JSON
                  where a JSON document is due;
* `out-of-range`— below `minimum`, above `maximum`, outside `enum`, longer than `maxLength`,
                  shorter than `minLength`, fewer than `minItems`;
* `unknown-id`  — a path id that names nothing.
"""
from __future__ import annotations

import json
import string
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from fakepai import rules
from fakepai.catalog import Operation


def resolve(op: Operation, spec: dict) -> dict:
    """Follow `$ref`s (absolute through the catalog registry, local through the request schema)."""
    seen = 0
    while isinstance(spec, dict) and "$ref" in spec and seen < 20:
        ref = spec["$ref"]
        if ref.startswith("#/$defs/"):
            target = op.request_schema.get("$defs", {}).get(ref.split("/")[-1], {})
        else:
            target = op.registry.resolver().lookup(ref).contents
        extra = {k: v for k, v in spec.items() if k != "$ref"}
        spec = {**target, **extra}
        seen += 1
    return spec


def _types(spec: dict) -> list[str]:
    t = spec.get("type")
    return [t] if isinstance(t, str) else list(t or [])


def minimal(op: Operation, spec: dict, name: str = "x") -> Any:
    """The smallest value that satisfies `spec` (required properties only)."""
    spec = resolve(op, spec)
    if "default" in spec:
        return spec["default"]
    if "const" in spec:
        return spec["const"]
    if spec.get("enum"):
        return spec["enum"][0]
    if rules.JSON_TEXT in spec:                  # JSON text: of the smallest declared document
        return json.dumps(minimal(op, spec[rules.JSON_TEXT]["schema"], name))
    types = _types(spec) or ["string"]
    t = types[0]
    if t == "object":
        return {k: minimal(op, spec.get("properties", {}).get(k, {}), k) for k in spec.get("required", [])}
    if t == "array":
        n = spec.get("minItems", 0)
        return [minimal(op, spec.get("items", {}), name) for _ in range(n)]
    if t in ("integer", "number"):
        lo = spec.get("minimum", 1)
        hi = spec.get("maximum", lo)
        return int(min(max(lo, 1), hi)) if t == "integer" else float(min(max(lo, 1), hi))
    if t == "boolean":
        return False
    text = f"fakepai-ct-{name}".lower()
    lo, hi = spec.get("minLength", 1), spec.get("maxLength", len(text))
    text = text[:hi]
    return text + "x" * max(0, lo - len(text))


def minimal_params(op: Operation) -> dict:
    """Minimal values for the required, non-path parameters (path ids come from resources), made to
    satisfy the rules the schema declares across fields (fakepai/rules.py, as the binder checks them)."""
    params = {name: minimal(op, op.params.get(name, {}), name)
              for name in op.required if name not in op.path_params}
    return rules.satisfy(op.request_schema, params, lambda ref: resolve(op, {"$ref": ref}))


@dataclass(frozen=True)
class Invalid:
    kind: str            # missing | wrong-type | out-of-range | unknown-id
    param: str
    params: dict         # the full request to send
    note: str

    def describe(self) -> str:
        return f"{self.kind} {self.param}: {self.note}"


def _without(params: dict, name: str) -> dict:
    return {k: v for k, v in params.items() if k != name}


def missing_cases(op: Operation, valid: dict, also_required: tuple[str, ...] = ()) -> list[Invalid]:
    names = list(op.required) + [n for n in also_required if n not in op.required]
    return [Invalid("missing", name, _without(valid, name), "required parameter left out")
            for name in names if name not in op.path_params and name in valid]


def unknown_id_cases(op: Operation, valid: dict, addressed: dict) -> list[Invalid]:
    """Path ids of the resource the request addresses, replaced by ids that name nothing (a path
    value the request itself introduces, such as a new AlgorithmVersion, is not an id to look up)."""
    out = []
    for name in op.path_params:
        if name not in addressed:
            continue
        bogus = f"fakepai-ct-missing-{name.lower()}"
        out.append(Invalid("unknown-id", name, {**valid, name: bogus}, f"{bogus!r} names nothing"))
    return out


_WORD = st.text(alphabet=string.ascii_letters, min_size=1, max_size=12).filter(
    lambda s: s.lower() not in ("true", "false", "nan", "inf", "infinity", "e"))


def _wrong_type(op: Operation, name: str, spec: dict) -> st.SearchStrategy | None:
    """Values of the wrong type for how the parameter travels."""
    types = set(_types(spec))
    in_body = spec.get("x-in") == "body" and op.body_encoding == "json"
    if not types:
        return None
    if types & {"integer", "number"}:
        return _WORD.map(lambda s: f"not-a-number-{s}")
    if "boolean" in types:
        return _WORD.map(lambda s: f"maybe-{s}")
    if types & {"object", "array"}:
        return _WORD.map(lambda s: "{not json " + s)
    if "string" in types and in_body:
        return st.one_of(st.just({"unexpected": "object"}), st.lists(st.integers(0, 9), min_size=1, max_size=3))
    return None


def _out_of_range(op: Operation, name: str, spec: dict) -> list[tuple[str, st.SearchStrategy]]:
    out: list[tuple[str, st.SearchStrategy]] = []
    types = set(_types(spec))
    if "minimum" in spec and types & {"integer", "number"}:
        out.append((f"below minimum {spec['minimum']}", st.integers(int(spec["minimum"]) - 1000, int(spec["minimum"]) - 1)))
    if "maximum" in spec and types & {"integer", "number"}:
        out.append((f"above maximum {spec['maximum']}", st.integers(int(spec["maximum"]) + 1, int(spec["maximum"]) + 10**6)))
    if spec.get("enum") and types <= {"string"}:
        allowed = {str(v).lower() for v in spec["enum"]}
        out.append(("outside enum", _WORD.map(lambda s: f"Not{s}").filter(lambda s: s.lower() not in allowed)))
    if "maxLength" in spec and spec["maxLength"] < 5000:
        n = spec["maxLength"]
        out.append((f"longer than maxLength {n}", st.integers(n + 1, n + 50).map(lambda k: "x" * k)))
    if spec.get("minLength", 0) > 0:
        n = spec["minLength"]
        out.append((f"shorter than minLength {n}", st.integers(0, n - 1).map(lambda k: "x" * k)))
    if spec.get("minItems", 0) > 0:
        out.append((f"fewer than minItems {spec['minItems']}", st.just([])))
    return out


def value_strategies(op: Operation, valid: dict) -> list[tuple[str, str, str, st.SearchStrategy]]:
    """(kind, param, note, strategy of the bad value) for every rule a value can break."""
    out = []
    for name, raw in sorted(op.params.items()):
        if name in op.path_params:
            continue
        spec = resolve(op, raw)
        wrong = _wrong_type(op, name, spec)
        if wrong is not None:
            out.append(("wrong-type", name, f"expected {'/'.join(_types(spec))}", wrong))
        for note, strategy in _out_of_range(op, name, spec):
            out.append(("out-of-range", name, note, strategy))
    return out
