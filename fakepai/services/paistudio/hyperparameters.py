"""Algorithm definitions (behavior.md §4.8): hyper-parameters, metrics, progress.

`validate_spec` checks an AlgorithmSpec's definitions when an algorithm version is created or
updated (and an inline AlgorithmSpec when a job is created). `apply_to_job` checks a job's
`HyperParameters` against them and fills defaults: a missing required one -> 400
MissingParameter, a wrong type, out of range, not in the enum, too short or long, or not matching
the pattern -> 400 InvalidParameter naming the parameter and the rule. The server-side rules are
[INFERRED] from the definition model (Alibaba's PAI SDK applies the same ones client-side).
"""
from __future__ import annotations

from fakepai.errors import invalid_parameter, missing_parameter
from fakepai.hyperparameter_values import TYPES, violation


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
        # The Range and the DefaultValue are the schema's (HyperParameterRange.request: number text,
        # bounds in order, a Pattern of `format: regex`; HyperParameterDefinition.request: Enum items
        # and DefaultValue of the Type, and DefaultValue inside the Range, its `withinRange` rule).
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
    if not given:                # (most jobs give none: no comprehensions to run)
        return filled
    replaced = {f["Name"] for f in filled}
    kept = [{k: v for k, v in item.items() if k in ("Name", "Value") and v is not None}
            for item in given if item["Name"] not in replaced]
    return kept + filled
