"""A hyper-parameter value against its definition: read as its Type, inside its Range.

One implementation for everyone who asks: the binder's `withinRange` rule (a definition's
DefaultValue, fakepai/rules.py) and the job's values (services/paistudio/hyperparameters.py). The
rules are [INFERRED] from the definition model (Alibaba's PAI SDK applies the same ones
client-side); behavior.md §4.8. A Range whose own fields are malformed is not judged here: its
schema refuses it (HyperParameterRange.request).
"""
from __future__ import annotations

import math
import re

from fakepai import bounded_regex

# `Int`, `Float`, `String`, `Boolean`, `Channel` [PAISDK estimator.py]; `Integer` in the [GO] example.
TYPES = {"Int": "int", "Integer": "int", "Float": "float", "String": "str", "Boolean": "bool", "Channel": "str"}
_INT = re.compile(r"[-+]?\d+")


def number(text: str, kind: str) -> float | None:
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
    return type_violation(definition, value) or range_violation(definition, value)


def type_violation(definition: dict, value: str) -> str | None:
    """Why `value` does not read as its definition's Type. A DefaultValue's form is declared in the
    schema (HyperParameterDefinition.request, narrower: docs/limits.md); a job's value is checked here."""
    kind = TYPES.get(definition.get("Type"), "str")
    if kind in ("int", "float") and number(value, kind) is None:
        return f"{value!r} is not a valid {definition.get('Type')} (Type)"
    if kind == "bool" and value.strip().lower() not in ("true", "false"):
        return f"{value!r} is not a valid Boolean, expected true or false (Type)"
    return None


def _bound(text) -> float | None:
    """A Range bound (number text; empty: no bound)."""
    return number(str(text), "float") if text not in (None, "") else None


def range_violation(definition: dict, value: str) -> str | None:
    """Why `value`, of its Type, breaks the definition's Range."""
    kind = TYPES.get(definition.get("Type"), "str")
    rng = definition.get("Range") if isinstance(definition.get("Range"), dict) else {}
    value_number = number(value, kind) if kind in ("int", "float") else None
    enum = rng.get("Enum") if isinstance(rng.get("Enum"), list) else []
    if enum:
        if value_number is not None:
            found = any(number(str(e), kind) == value_number for e in enum)
        else:
            found = any(str(e) == value for e in enum)
        if not found:
            return f"{value!r} is not one of {', '.join(map(str, enum))} (Range.Enum)"
    if value_number is not None:
        low, high = _bound(rng.get("Minimum")), _bound(rng.get("Maximum"))
        if low is not None and (value_number < low or (rng.get("ExclusiveMinimum") and value_number == low)):
            rule = "Range.Minimum with ExclusiveMinimum" if rng.get("ExclusiveMinimum") else "Range.Minimum"
            return f"{value!r} is below the minimum {rng['Minimum']} ({rule})"
        if high is not None and (value_number > high or (rng.get("ExclusiveMaximum") and value_number == high)):
            rule = "Range.Maximum with ExclusiveMaximum" if rng.get("ExclusiveMaximum") else "Range.Maximum"
            return f"{value!r} is above the maximum {rng['Maximum']} ({rule})"
    if isinstance(rng.get("MinLength"), int) and len(value) < rng["MinLength"]:
        return f"{value!r} is shorter than {rng['MinLength']} characters (Range.MinLength)"
    if isinstance(rng.get("MaxLength"), int) and len(value) > rng["MaxLength"]:
        return f"{value!r} is longer than {rng['MaxLength']} characters (Range.MaxLength)"
    if rng.get("Pattern") and isinstance(rng["Pattern"], str):
        return _pattern_violation(rng["Pattern"], value)
    return None


def _pattern_violation(pattern: str, value: str) -> str | None:
    # The whole value must match [INFERRED: Java's String.matches semantics].
    try:
        if bounded_regex.fullmatch(pattern, value):
            return None
    except (bounded_regex.Error, RecursionError, OverflowError):
        return None                     # not a pattern: its `format: regex` refuses it
    except bounded_regex.TooCostly:
        return (f"matching {value!r} against the pattern {pattern!r} (Range.Pattern) takes more than "
                f"{bounded_regex.MATCH_SECONDS * 1000:.0f} ms of work: simplify the pattern (nested repetition)")
    return f"{value!r} does not match the pattern {pattern!r} (Range.Pattern)"
