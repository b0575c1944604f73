"""Request parameters -> the typed dict a handler receives, validated against the schema.

Values arrive as query strings, JSON bodies, form bodies or path segments (DESIGN §3). Query and
form values are strings and are converted by the parameter's schema type; "shrink" parameters
(`x-json-string`) are JSON text and are parsed. Unknown parameters are ignored, as the real
gateway does. Missing required -> 400 MissingParameter; wrong type/enum/range, or a JSON null the
schema does not admit -> 400 InvalidParameter, each naming the parameter.
"""
from __future__ import annotations

import math
import re
from typing import NamedTuple
from urllib.parse import parse_qsl

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from fakepai import jsontext, rules
from fakepai.catalog import Operation
from fakepai.errors import PaiError, invalid_parameter, missing_parameter, parameter_path


class Params(dict):
    """The bound parameters, with `supplied`: the names the caller actually sent (before schema
    defaults were filled in), for handlers where "absent" and "the default" differ (templates)."""

    supplied: frozenset = frozenset()


def bind(op: Operation, path_values: dict[str, str], query: list[tuple[str, str]], content_type: str, body: bytes) -> Params:
    # (Written for few calls: every request comes through here. Calls per request, benchmarks/README.md.)
    params = Params()
    specs = op.params
    # Lowest precedence first: body, then query, then path (a path segment is what the URL names).
    for name, value in (_body_params(op, content_type, body).items() if body else ()):
        if name in specs:
            spec = specs[name]
            if value is None and "null" not in _types(spec):
                raise _null_refused(name, spec)
            # A JSON string for a plain string parameter, or any other JSON value, is taken as is
            # (what `_from_json` would give, without calling it).
            cls = value.__class__
            params[name] = (_from_json(name, spec, value) if cls is _FormText or (cls is str and spec.get("type") != "string")
                            else value)
    for name, value in query:
        if name in specs:
            params[name] = _from_text(name, specs[name], value)
    params.update(path_values)
    if None in params.values():                  # a null the schema admits, blank JSON text: absent
        params = Params((k, v) for k, v in params.items() if v is not None)
    if not _passes_simple_checks(op, params):    # `validate`, inline
        _check_fully(op, params)
    params.supplied = frozenset(params)
    defaults = _DEFAULTS[op.key] if op.key in _DEFAULTS else _defaults(op)
    for name, default in defaults:
        if name not in params:
            params[name] = default
    return params


_DEFAULTS: dict[tuple[str, str], tuple[tuple[str, object], ...]] = {}


def _defaults(op: Operation) -> tuple[tuple[str, object], ...]:
    """(name, default) of the parameters whose schema has a default (a few of a dozen or more),
    kept in `_DEFAULTS` (which `bind` reads first)."""
    found = _DEFAULTS[op.key] = tuple((name, spec["default"]) for name, spec in op.params.items() if "default" in spec)
    return found


def _body_params(op: Operation, content_type: str, body: bytes) -> dict:
    if not body or not body.strip():
        return {}
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise PaiError(400, "InvalidParameter", "The request body is not valid UTF-8.")
        # Form values are text, like query values: mark them so they get the same conversion.
        return {k: _FormText(v) for k, v in pairs}
    try:
        data = jsontext.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise PaiError(400, "InvalidParameter", "The request body is not a valid JSON object.")
    if not isinstance(data, dict):
        raise PaiError(400, "InvalidParameter", "The request body must be a JSON object.")
    return data


def _null_refused(name: str, spec: dict) -> PaiError:
    """A JSON null for a parameter whose schema does not admit null is invalid input, not absence:
    no official client sends one (Tea models and the Go SDK leave an unset field out), and the
    schema refuses it (docs/limits.md, "JSON null")."""
    return invalid_parameter(name, f"expected {spec.get('type', 'a value')}, got null (leave an unset parameter out)")


class _FormText(str):
    """A form-encoded value: a string on the wire whatever the parameter's type."""


def _types(spec: dict) -> set[str]:
    t = spec.get("type")
    if t is None:
        return set()
    return {t} if isinstance(t, str) else set(t)


def _from_json(name: str, spec: dict, value):
    if value.__class__ is _FormText:             # (never subclassed; no call: calls per request, benchmarks/README.md)
        return _from_text(name, spec, str(value))
    # A JSON body may still carry a shrink parameter as text (a plain string parameter cannot).
    if isinstance(value, str) and spec.get("type") != "string" and _types(spec) & {"object", "array"}:
        return _parse_json_text(name, value)
    return value


def _from_text(name: str, spec: dict, text: str):
    t = spec.get("type")
    types = {t} if t.__class__ is str else _types(spec)      # (the usual case, without a call)
    if not types or "string" in types:
        return text
    if types & {"object", "array"}:
        return _parse_json_text(name, text)
    if "integer" in types:
        try:
            return int(text.strip())
        except ValueError:
            raise invalid_parameter(name, f"expected an integer, got {text!r}")
    if "number" in types:
        try:
            value = float(text.strip())
        except ValueError:
            raise invalid_parameter(name, f"expected a number, got {text!r}")
        if not math.isfinite(value):      # "nan", "inf", 1e400: no response could carry them
            raise invalid_parameter(name, f"expected a finite number, got {text!r}")
        return value
    if "boolean" in types:
        lowered = text.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        raise invalid_parameter(name, f"expected true or false, got {text!r}")
    return text


def _parse_json_text(name: str, text: str):
    if text.strip() == "":
        return None
    try:
        return jsontext.loads(text)
    except ValueError:
        raise invalid_parameter(name, "expected a JSON document")


# -- validation -------------------------------------------------------------------------------
# Most requests carry a few flat parameters (ids, page numbers, names). Those are checked by a
# small compiled checker first; anything it cannot vouch for (nested values, conditionals, or any
# violation at all) goes through jsonschema, which also words every error message.

_SIMPLE_KEYWORDS = {"type", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "default",
                    "description", "x-in", "x-json-string", "title", "examples"}
_SIMPLE_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,)}
_ROOT_KEYWORDS = {"type", "properties", "required", "$defs", "$schema", "description", "title",
                  "additionalProperties", rules.RULES}
_CHECKERS: dict[tuple[str, str], dict | None] = {}


def _simple_checkers(op: Operation) -> dict | None:
    """Per-parameter checkers when the request schema is flat enough to check by hand, else None.
    The root may also say which names go together (`anyOf`/`oneOf`/`not` made of `required`
    lists alone): those are checked under the key `_PRESENCE`."""
    key = op.key
    if key not in _CHECKERS:
        schema = op.request_schema
        presence = {word: _required_sets(schema[word] if word != "not" else [schema[word]])
                    for word in _PRESENCE_KEYWORDS if word in schema}
        if set(schema) - _ROOT_KEYWORDS - set(presence) or None in presence.values():
            _CHECKERS[key] = None
        else:
            _CHECKERS[key] = {name: _checker(spec) for name, spec in schema.get("properties", {}).items()}
            if presence:
                _CHECKERS[key][_PRESENCE] = presence
    return _CHECKERS[key]


_PRESENCE_KEYWORDS = ("anyOf", "oneOf", "not")
_PRESENCE = object()        # a key no parameter name can be


def _required_sets(branches) -> list[frozenset] | None:
    """The names each branch requires, when every branch is `{"required": [...]}` alone."""
    if isinstance(branches, list) and branches and all(isinstance(b, dict) and set(b) == {"required"} for b in branches):
        return [frozenset(b["required"]) for b in branches]
    return None


def _presence_holds(presence: dict, names) -> bool:
    """`anyOf`: some branch's names are all sent; `oneOf`: exactly one such branch; `not`: not all
    of its names are sent (JSON Schema's meaning of those keywords over `required` lists)."""
    for word, sets in presence.items():
        met = 0
        for required in sets:                    # (a loop, not sum() over a generator: calls per request)
            if required <= names:
                met += 1
        if (word == "anyOf" and not met) or (word == "oneOf" and met != 1) or (word == "not" and met):
            return False
    return True


class _Bounds(NamedTuple):
    """What a flat parameter's schema allows: its Python types, whether a bool is one of them,
    enum, minimum/maximum, min/maxLength, pattern (None where the schema says nothing)."""
    types: tuple[type, ...]
    is_bool: bool
    enum: list | None
    low: float | None
    high: float | None
    min_len: int | None
    max_len: int | None
    pattern: re.Pattern | None


def _checker(spec: dict) -> _Bounds | None:
    if not isinstance(spec.get("type"), str) or spec["type"] not in _SIMPLE_TYPES or set(spec) - _SIMPLE_KEYWORDS:
        return None                              # nested or unusual: leave it to jsonschema
    return _Bounds(_SIMPLE_TYPES[spec["type"]], spec["type"] == "boolean", spec.get("enum"), spec.get("minimum"),
                   spec.get("maximum"), spec.get("minLength"), spec.get("maxLength"),
                   re.compile(spec["pattern"]) if "pattern" in spec else None)


def _passes_simple_checks(op: Operation, params: dict) -> bool:
    checkers = _CHECKERS[op.key] if op.key in _CHECKERS else _simple_checkers(op)
    if checkers is None:
        return False
    for name in op.required:
        if name not in params:
            return False
    presence = checkers.get(_PRESENCE)
    if presence is not None and not _presence_holds(presence, params.keys()):
        return False
    for name, value in params.items():
        bounds = checkers.get(name, _UNCHECKED)
        if bounds is _UNCHECKED:
            continue                             # unknown parameters are ignored
        if bounds is None:
            return False
        # Each value against its bounds here, not in a function per parameter (calls per request,
        # benchmarks/README.md). bool is a subclass of int that no other class subclasses.
        types, is_bool, enum, low, high, min_len, max_len, pattern = bounds
        if (not isinstance(value, types) or (not is_bool and value.__class__ is bool)
                or (enum is not None and value not in enum)
                or (low is not None and value < low) or (high is not None and value > high)
                or (min_len is not None and len(value) < min_len) or (max_len is not None and len(value) > max_len)
                or (pattern is not None and pattern.search(value) is None)):
            return False
    declared = op.request_schema.get(rules.RULES)      # rules across the flat parameters (time windows)
    return not declared or not rules.broken(declared, params)


_UNCHECKED = object()


def validate(op: Operation, params: dict) -> None:
    """`params` against the operation's request schema, refused as a request would be: 400
    MissingParameter / InvalidParameter naming the parameter. Binding calls it; so does a handler
    whose request is completed from stored state (CreateJob merged over a job template)."""
    if not _passes_simple_checks(op, params):
        _check_fully(op, params)


def _check_fully(op: Operation, params: dict) -> None:
    """`validate` by jsonschema, for what the simple checks could not vouch for."""
    errors = sorted(op.request_validator.iter_errors(params), key=_error_rank)
    if not errors:
        return
    err = errors[0]
    if err.validator in (rules.RULES, rules.JSON_TEXT, rules.OUTCOME):
        raise _declared_rule_error(err)
    if err.validator == "required":
        missing = _missing_name(err)
        raise missing_parameter(parameter_path(list(err.absolute_path) + [missing]))
    if _blank(err) and (len(err.absolute_path) > 1 or err.absolute_path[0] in op.required):
        # An empty (or, where the schema says `\S`, blank) required string is missing (nested
        # minLengths come from `required` only); an optional one that must not be empty is invalid.
        raise missing_parameter(parameter_path(err.absolute_path))
    needed = _dependent_required(err)
    if needed:                                   # anyOf [not <condition>, required B, ...]: the condition needs B
        raise missing_parameter(parameter_path(list(err.absolute_path) + [" or ".join(needed)]))
    alternatives = _required_alternatives(err)
    if alternatives:                             # anyOf/oneOf of `required` branches: none given
        raise missing_parameter(parameter_path(list(err.absolute_path) + [" or ".join(alternatives)]))
    if err.validator == "not" and set(err.validator_value) == {"required"}:
        names = err.validator_value["required"]   # `not: {required: [A, B]}`: A and B exclude each other
        raise invalid_parameter(parameter_path(list(err.absolute_path) + [names[0]]),
                                f"{' and '.join(names)} are mutually exclusive")
    forbidden = _forbidden_combination(err)
    if forbidden:
        raise invalid_parameter(parameter_path(forbidden[0]), forbidden[1])
    chosen = _closest_branch(err)
    if chosen:
        failure, rule = chosen
        raise invalid_parameter(parameter_path(failure.absolute_path), _worded(rule, failure.instance, {}))
    raise invalid_parameter(parameter_path(err.absolute_path) or "request", _describe(err))


def _declared_rule_error(err: ValidationError) -> PaiError:
    """A declared cross-field rule broken (fakepai/rules.py): a rule over an object's fields names
    the field and the rule; JSON text that is not the declared document names the string's field,
    with the declared code, and what is wrong inside (the first error, ranked as above)."""
    where = parameter_path(err.absolute_path)
    if err.validator == rules.RULES:
        broken = err.broken
        if broken.code == "MissingParameter":
            return missing_parameter(where, broken.why)
        return invalid_parameter(where, broken.why, code=broken.code)
    code = err.validator_value.get("code", "InvalidParameter")
    if not err.context:
        return invalid_parameter(where, err.message, code=code)
    inner = sorted(err.context, key=_error_rank)[0]
    inside = parameter_path(inner.relative_path)
    if inner.validator == "required":
        why = f"{parameter_path(list(inner.relative_path) + [_missing_name(inner)])} is missing"
    elif inner.validator == rules.RULES:
        why = f"{parameter_path(list(inner.relative_path))}: {inner.broken.why}"
    else:
        why = f"{inside or 'the document'}: {_describe(inner)}"
    return invalid_parameter(where, f"the JSON text it holds is not valid: {why}", code=code)


def _error_rank(err: ValidationError):
    # Report a missing top-level parameter before anything else, then the shallowest error, a
    # wrong type first (a float where an integer belongs is that, whatever its value), then two
    # fields that exclude each other (before what one of them would need). A rule chosen among
    # `anyOf` branches counts where it is reported (a job role: JobSpecs[i].Type), not where it sits.
    chosen, forbidden = _closest_branch(err), _forbidden_combination(err)
    depth = len(chosen[0].absolute_path) if chosen else len(forbidden[0]) if forbidden else len(err.absolute_path)
    return (0 if err.validator == "required" and not err.absolute_path else 1, depth,
            err.validator != "type", err.validator != "not", str(err.message))


def _blank(err: ValidationError) -> bool:
    return ((err.validator == "minLength" and err.instance == "")
            or (err.validator == "pattern" and err.validator_value == r"\S" and isinstance(err.instance, str)))


def _dependent_required(err: ValidationError) -> list[str]:
    """B of an `anyOf: [{not: <condition>}, {required: [B]}, ...]` (the condition needs B, or one of
    the Bs) that failed: `{not: {required: [A]}}` is OpenAPI 3.0's dependentRequired."""
    branches = err.validator_value if err.validator == "anyOf" else None
    if not branches or len(branches) < 2 or set(branches[0]) != {"not"} or not _each_requires_one(branches[1:]):
        return []
    return [b["required"][0] for b in branches[1:]]


def _each_requires_one(branches: list) -> bool:
    """Every branch requires one field (and may say more of it: `minLength`, a non-empty ResourceConfig)."""
    return all(isinstance(b, dict) and len(b.get("required", ())) == 1 for b in branches)


def _forbidden_combination(err: ValidationError) -> tuple[list, str] | None:
    """(parameter, why) of a `not: {required: [A, ...], ...}` with an `x-fakepai-rule` beside it: a
    combination of fields the rule forbids (a TrainingJob TensorBoard with a JobId, an oss:// URI with
    DataSourceType NAS), reported at A (and into A while the schema there `require`s more: Settings.Driver;
    and into a list to its first item that `not: {items: ...}` forbids: Range.Enum[1])."""
    rule = err.schema.get("x-fakepai-rule") if err.validator == "not" and isinstance(err.schema, dict) else None
    if not rule or not isinstance(err.validator_value, dict) or not err.validator_value.get("required"):
        return None
    fields = err.instance
    path, schema, value = list(err.absolute_path), err.validator_value, err.instance
    while isinstance(schema, dict) and schema.get("required") and isinstance(value, dict):
        name = schema["required"][0]
        path.append(name)
        schema, value = schema.get("properties", {}).get(name), value.get(name)
    items = (schema.get("not") or {}).get("items") if isinstance(schema, dict) else None
    if isinstance(items, dict) and isinstance(value, list):    # `not: {items: S}`: the first item not S
        check = Draft202012Validator(items)
        index = next((i for i, item in enumerate(value) if not check.is_valid(item)), None)
        if index is not None:
            path.append(index)
            value = value[index]
    return path, _worded(rule, value, fields)



def _closest_branch(err: ValidationError) -> tuple[ValidationError, str] | None:
    """For an `anyOf` whose branches each carry an `x-fakepai-rule` (one branch per job type), the
    branch the request came closest to (its first failure deepest: its discriminating field, JobType,
    held) with that branch's deepest failure and rule. None for any other error."""
    if err.validator != "anyOf" or "x-fakepai-rule" in err.schema or not err.context:
        return None
    failures: dict[int, list[ValidationError]] = {}
    for failure in err.context:
        failures.setdefault(failure.relative_schema_path[0], []).append(failure)
    branch = max(failures, key=lambda i: min(len(f.absolute_path) for f in failures[i]))
    rule = err.validator_value[branch].get("x-fakepai-rule")
    if rule is None:
        return None
    return max(failures[branch], key=lambda f: len(f.absolute_path)), rule


_PLACEHOLDER = re.compile(r"\{(\w+)(!r)?\}")


def _worded(rule: str, value, fields) -> str:
    """An `x-fakepai-rule` with `{value!r}` (the refused value) and `{Field}` / `{Field!r}` (a field of
    the object the rule is declared on) filled in; any other brace stays as written."""
    def fill(m: re.Match) -> str:
        if m[1] == "value":
            found = value
        elif isinstance(fields, dict) and m[1] in fields:
            found = fields[m[1]]
        else:
            return m[0]
        return repr(found) if m[2] else str(found)
    return _PLACEHOLDER.sub(fill, rule)


def _required_alternatives(err: ValidationError) -> list[str]:
    """The names of an `anyOf`/`oneOf` whose every branch requires one name, when none matched."""
    if err.validator not in ("anyOf", "oneOf") or not err.context or "x-fakepai-rule" in err.schema:
        return []
    branches = err.validator_value
    if not _each_requires_one(branches):
        return []
    return [b["required"][0] for b in branches]


def _missing_name(err: ValidationError) -> str:
    # jsonschema's message is "'X' is a required property".
    msg = err.message
    if msg.startswith("'") and "'" in msg[1:]:
        return msg[1:msg.index("'", 1)]
    return msg


def _describe(err: ValidationError) -> str:
    if "propertyNames" in err.schema_path:       # the bound is on a map's key, not on the map
        return f"a key {_describe_value(err)}"
    return _describe_value(err)


def _describe_value(err: ValidationError) -> str:
    v = err.validator
    if v == "enum":       # an empty string allowed by the enum is shown as ''
        return f"{err.instance!r} is not one of {', '.join(str(e) if e != '' else repr(e) for e in err.validator_value)}"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{err.instance!r} is out of range ({v} {err.validator_value})"
    if v in ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"):
        unit = {"Length": "characters", "Items": "items", "Properties": "entries"}[v[3:]]
        bound = "at least" if v.startswith("min") else "at most"
        return f"has {len(err.instance)} {unit}; {bound} {err.validator_value} allowed ({v})"
    if v == "type":
        return f"expected {err.validator_value}, got {'null' if err.instance is None else type(err.instance).__name__}"
    if v == "format" and err.validator_value == "regex":     # worded as the handlers word it
        return f"not a valid regular expression: {err.cause}"
    if v in ("anyOf", "oneOf", "not") and "x-fakepai-rule" in err.schema:
        return _worded(err.schema["x-fakepai-rule"], err.instance, err.instance)   # worded by its schema
    return err.message
