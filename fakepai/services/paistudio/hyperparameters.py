"""Algorithm definitions (behavior.md §4.8): hyper-parameters, metrics, progress.

`validate_spec` checks an AlgorithmSpec's definitions when an algorithm version is created or
updated (and an inline AlgorithmSpec when a job is created). `apply_to_job` checks a job's
`HyperParameters` against them and fills defaults: a missing required one -> 400
MissingParameter, a wrong type, out of range, not in the enum, too short or long, or not matching
the pattern -> 400 InvalidParameter naming the parameter and the rule. The server-side rules are
[INFERRED] from the definition model (Alibaba's PAI SDK applies the same ones client-side).
"""
from __future__ import annotations

import math
import re

from fakepai.errors import invalid_parameter, missing_parameter

# `Int`, `Float`, `String`, `Boolean`, `Channel` [PAISDK estimator.py]; `Integer` in the [GO] example.
TYPES = {"Int": "int", "Integer": "int", "Float": "float", "String": "str", "Boolean": "bool", "Channel": "str"}
_INT = re.compile(r"[-+]?\d+")


def _number(text: str, kind: str) -> float | None:
    """`text` as a number of `kind` (int/float), or None if it is not one."""
    text = text.strip()
    if kind == "int":
        try:        # a value too long for int() or too large for a float is not one fakepai can compare
            return float(int(text)) if _INT.fullmatch(text) else None
        except (ValueError, OverflowError):
            return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def violation(definition: dict, value: str) -> str | None:
    """Why `value` breaks `definition` (the rule, for the error message), or None if it fits."""
    return _type_violation(definition, value) or _range_violation(definition, value)


def _type_violation(definition: dict, value: str) -> str | None:
    """Why `value` does not read as its definition's Type. A DefaultValue's form is declared in the
    schema (HyperParameterDefinition.request, narrower: docs/limits.md); a job's value is checked here."""
    kind = TYPES.get(definition.get("Type"), "str")
    if kind in ("int", "float") and _number(value, kind) is None:
        return f"{value!r} is not a valid {definition.get('Type')} (Type)"
    if kind == "bool" and value.strip().lower() not in ("true", "false"):
        return f"{value!r} is not a valid Boolean, expected true or false (Type)"
    return None


def _range_violation(definition: dict, value: str) -> str | None:
    """Why `value`, of its Type, breaks the definition's Range."""
    kind = TYPES.get(definition.get("Type"), "str")
    rng = definition.get("Range") or {}
    number = _number(value, kind) if kind in ("int", "float") else None
    enum = rng.get("Enum") or []
    if enum:
        same = (lambda e: _number(str(e), kind) == number) if number is not None else (lambda e: str(e) == value)
        if not any(same(e) for e in enum):
            return f"{value!r} is not one of {', '.join(map(str, enum))} (Range.Enum)"
    if number is not None:
        if rng.get("Minimum") not in (None, ""):
            low = float(rng["Minimum"])
            if number < low or (rng.get("ExclusiveMinimum") and number == low):
                rule = "Range.Minimum with ExclusiveMinimum" if rng.get("ExclusiveMinimum") else "Range.Minimum"
                return f"{value!r} is below the minimum {rng['Minimum']} ({rule})"
        if rng.get("Maximum") not in (None, ""):
            high = float(rng["Maximum"])
            if number > high or (rng.get("ExclusiveMaximum") and number == high):
                rule = "Range.Maximum with ExclusiveMaximum" if rng.get("ExclusiveMaximum") else "Range.Maximum"
                return f"{value!r} is above the maximum {rng['Maximum']} ({rule})"
    if rng.get("MinLength") is not None and len(value) < rng["MinLength"]:
        return f"{value!r} is shorter than {rng['MinLength']} characters (Range.MinLength)"
    if rng.get("MaxLength") is not None and len(value) > rng["MaxLength"]:
        return f"{value!r} is longer than {rng['MaxLength']} characters (Range.MaxLength)"
    if rng.get("Pattern") and not re.fullmatch(rng["Pattern"], value):
        # The whole value must match [INFERRED: Java's String.matches semantics].
        return f"{value!r} does not match the pattern {rng['Pattern']!r} (Range.Pattern)"
    return None


def validate_spec(spec: dict, where: str = "AlgorithmSpec") -> None:
    """Check an AlgorithmSpec's HyperParameters, MetricDefinitions and ProgressDefinitions."""
    # Names are unique within HyperParameters and within MetricDefinitions: the schema's `uniqueBy`
    # rules (AlgorithmSpec.request; fakepai/rules.py).
    for i, definition in enumerate(spec.get("HyperParameters") or []):
        path = f"{where}.HyperParameters[{i}]"
        name = definition.get("Name")
        if not name:
            raise missing_parameter(f"{path}.Name")
        if not definition.get("Type"):
            raise missing_parameter(f"{path}.Type")
        if definition["Type"] not in TYPES:
            raise invalid_parameter(f"{path}.Type", f"{definition['Type']!r} is not one of {', '.join(TYPES)}")
        # The Range is the schema's (HyperParameterRange.request: number text, bounds in order, a
        # Pattern of `format: regex`; Enum items of the Type: HyperParameterDefinition.request).
        default = definition.get("DefaultValue")
        if default not in (None, ""):
            why = _range_violation(definition, default)     # that it reads as its Type is the schema's
            if why:
                raise invalid_parameter(f"{path}.DefaultValue", why)
    for i, metric in enumerate(spec.get("MetricDefinitions") or []):
        path = f"{where}.MetricDefinitions[{i}]"
        for key in ("Name", "Regex"):           # each Regex compiles: the schema's `format: regex`
            if not metric.get(key):
                raise missing_parameter(f"{path}.{key}")


def apply_to_job(spec: dict, given: list[dict] | None) -> list[dict]:
    """The job's HyperParameters checked against `spec`'s definitions, with defaults filled.

    Values for names the algorithm does not define pass through unchecked [INFERRED, as the
    gateway ignores what it does not know]. An empty DefaultValue fills nothing (Alibaba's SDK
    skips empty Int/Float defaults).
    """
    given = list(given or [])
    values: dict[str, str] = {}
    for item in given:                                  # each with a Name: the schema's
        values[item["Name"]] = item.get("Value")
    filled = []
    for definition in spec.get("HyperParameters") or []:
        name = definition.get("Name")
        value = values.get(name)
        if value is None or value == "":
            default = definition.get("DefaultValue")
            if default not in (None, ""):
                filled.append({"Name": name, "Value": str(default)})
            elif definition.get("Required"):
                raise missing_parameter(f"HyperParameters.{name}")
            continue
        why = violation(definition, str(value))
        if why:
            raise invalid_parameter(f"HyperParameters.{name}", why)
    replaced = {f["Name"] for f in filled}
    kept = [{k: v for k, v in item.items() if k in ("Name", "Value") and v is not None}
            for item in given if item["Name"] not in replaced]
    return kept + filled
