"""Cross-field rules JSON Schema cannot state, declared in the schemas and read from there by
everyone: the binder enforces them (as jsonschema keywords, `KEYWORDS`), the OpenAPI document
carries them, and request generators (the Schemathesis test, the contract kit) make their
requests satisfy them (`satisfy`). One implementation; docs/limits.md, "Declared cross-field rules".

Two keywords:

`x-fakepai-rules` on an object schema: a list of rules over that object's fields,
  {"rule": "notAfter", "fields": [A, B], "as": "date-time" | "number" | "integer"}
      A <= B when both are given (read as times, decimal numbers written as text, or integers);
      else 400 InvalidParameter naming A.
  {"rule": "uniqueBy", "list": L, "key": K}
      the items of list L differ in K; else 400 InvalidParameter naming L[i].K.
  {"rule": "requires", "field": A, "needs": B}
      A given needs B given; else 400 MissingParameter naming B.
  {"rule": "notTogether", "values": {A: a, B: b, ...}}
      not every named field given with its value at once; else 400 InvalidParameter naming A.
  {"rule": "sameAs", "fields": [A, B]}
      A and B, when both given, are equal; else 400 InvalidParameter naming A.
  {"rule": "covers", "list": L, "key": K, "value": V, "of": D, "when": W, "unless": U}
      every item of the list D (a dotted path) whose W is true and that has no U is named (its K)
      by an item of list L (the last of that K) with a V; else 400 MissingParameter naming L.<K>.
  {"rule": "keys", "pattern": P, "values": [V, ...]}
      every key of the object matches P as a whole (Python's re.fullmatch: no dialect's `$`), and
      every value is one of the values (when listed); else 400 InvalidParameter naming the object.
  {"rule": "withinRange", "value": V}
      the object is a hyper-parameter definition (Type, Range): its V, when given, reads inside its
      own Range (fakepai/hyperparameter_values.py: enum, bounds, lengths, pattern); else 400
      InvalidParameter naming V.
  {"rule": "fitsDefinitions", "list": L, "key": K, "value": V, "of": D}
      the item of list L (the last of that K) whose K names a hyper-parameter definition of the list D (a dotted path)
      and has a V gives a V of the definition's Type inside its Range; else 400 InvalidParameter
      naming L.<K>.
  Each rule also carries "source", the tag of the decision (docs/limits.md), and may name the error
  "code" it is refused with. A value that does not read as its kind (a time that does not parse) is
  the business of its own schema, not the rule's.

`x-fakepai-jsonText` on a string schema: the string is JSON text of a document,
  {"schema": <the inner document's schema>, "code": "InvalidParameter.Content" (optional),
   "allowEmpty": true (optional: "" stands for absent)}
  The text must parse and the document validate against "schema" (with these keywords too);
  else 400 `code` (InvalidParameter unless named) naming the string's field and what is wrong.

`x-fakepai-outcome` on a string (a tag or env value) or on a list of labels (the first whose Key is
  `fakepai.outcome`): fakepai's scripted outcome (fakepai/outcome_spec.py, its grammar and bounds),
  {"maxRestarts": N, "maxFaultTimes": N, "maxSeconds": S, "restartable": bool, "phases": [...]}
  The value must read as an outcome (restarts only where restartable) whose phase, if any, is one
  of the phases; else 400 InvalidParameter naming the tag (or the labels) and what is wrong. The
  bounds are the grammar's own, published; the phases are the product's.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterator

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from fakepai import hyperparameter_values, jsontext
from fakepai.outcome_spec import TAG as OUTCOME_TAG, Outcome, unknown_phase
from fakepai.timestamps import parse_iso

RULES = "x-fakepai-rules"
JSON_TEXT = "x-fakepai-jsonText"
OUTCOME = "x-fakepai-outcome"
PROPERTY_NAMES = "x-fakepai-propertyNames"     # `propertyNames` as the OpenAPI 3.0 document publishes it
KINDS = ("notAfter", "uniqueBy", "requires", "notTogether", "sameAs", "covers", "keys", "withinRange",
         "fitsDefinitions")


@dataclass(frozen=True)
class Broken:
    """A broken rule: the error code, the path of the field to name (relative to the object the
    rule is declared on) and why."""
    code: str
    path: tuple
    why: str


def _given(value) -> bool:
    return value is not None and value != ""


def _read(value, kind: str):
    """`value` as a comparable of `kind`, or None when it does not read as one."""
    try:
        if kind == "date-time":
            return parse_iso(str(value)) if isinstance(value, str) else None
        if kind == "integer":
            return value if isinstance(value, int) and not isinstance(value, bool) else None
        number = Decimal(str(value).strip()) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
        return number if number is not None and number.is_finite() else None
    except (ValueError, TypeError, OverflowError, InvalidOperation):
        return None


def _not_after(rule: dict, obj: dict) -> Iterator[Broken]:
    first, second = rule["fields"]
    if not (_given(obj.get(first)) and _given(obj.get(second))):
        return
    low, high = _read(obj[first], rule.get("as", "number")), _read(obj[second], rule.get("as", "number"))
    if low is not None and high is not None and low > high:
        relation = "later than" if rule.get("as") == "date-time" else "greater than"
        yield Broken("InvalidParameter", (first,), f"{first} is {relation} {second} ({first} {obj[first]!r}, "
                                                   f"{second} {obj[second]!r})")


def _unique_by(rule: dict, obj: dict) -> Iterator[Broken]:
    name, key = rule["list"], rule["key"]
    items = obj.get(name)
    if not isinstance(items, list):
        return
    first_at: dict = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not _given(item.get(key)):
            continue
        value = item[key]
        marker = json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else (type(value).__name__, value)
        if marker in first_at:
            yield Broken("InvalidParameter", (name, i, key),
                         f"duplicate {key} {value!r}: {name}[{first_at[marker]}] has it already ({key} is unique in {name})")
            return
        first_at[marker] = i


def _requires(rule: dict, obj: dict) -> Iterator[Broken]:
    if _given(obj.get(rule["field"])) and not _given(obj.get(rule["needs"])):
        yield Broken("MissingParameter", (rule["needs"],), f"{rule['field']} needs {rule['needs']}")


def _same(given, declared) -> bool:
    """`given` is the declared value: of its type, or (a request drawn for the wire, before binding)
    a boolean's query text, read as the binder reads it."""
    if isinstance(declared, bool) and isinstance(given, str):
        return given.strip().lower() == json.dumps(declared)
    return given == declared and type(given) is type(declared)


def _not_together(rule: dict, obj: dict) -> Iterator[Broken]:
    values = rule["values"]
    if all(name in obj and _same(obj[name], value) for name, value in values.items()):
        named = " and ".join(f"{name} {json.dumps(value)}" for name, value in values.items())
        yield Broken("InvalidParameter", (next(iter(values)),), f"{named} do not go together")


def _same_as(rule: dict, obj: dict) -> Iterator[Broken]:
    first, second = rule["fields"]
    if _given(obj.get(first)) and _given(obj.get(second)) and obj[first] != obj[second]:
        yield Broken("InvalidParameter", (first,), f"{first} {obj[first]!r} is not {second} {obj[second]!r}: "
                                                   f"given both, they must be the same")


def _at(obj: dict, dotted: str):
    for name in dotted.split("."):
        obj = obj.get(name) if isinstance(obj, dict) else None
    return obj


def _uncovered(rule: dict, obj: dict) -> list[dict]:
    """The items of `of` that need an item in `list` and have none."""
    needed, given = _at(obj, rule["of"]), obj.get(rule["list"])
    if not isinstance(needed, list):
        return []
    values = {}
    for item in given if isinstance(given, list) else ():
        if isinstance(item, dict) and isinstance(item.get(rule["key"]), str):
            values[item[rule["key"]]] = item.get(rule["value"])     # the last of a name counts
    return [item for item in needed if isinstance(item, dict) and item.get(rule["when"]) is True
            and not _given(item.get(rule["unless"])) and isinstance(item.get(rule["key"]), str)
            and not _given(values.get(item[rule["key"]]))]


def _covers(rule: dict, obj: dict) -> Iterator[Broken]:
    for item in _uncovered(rule, obj)[:1]:
        yield Broken("MissingParameter", (rule["list"], item[rule["key"]]),
                     f"{rule['of']} defines it {rule['when']} with no {rule['unless']}")


def _key_broken(rule: dict, key, value) -> str | None:
    if not isinstance(key, str) or not re.fullmatch(rule["pattern"], key):
        return f"{key!r} is not a key of the form {rule['pattern']}"
    if "values" in rule and value not in rule["values"]:
        return f"the value of {key!r} must be one of {', '.join(map(str, rule['values']))}, got {value!r}"
    return None


def _keys(rule: dict, obj: dict) -> Iterator[Broken]:
    for key, value in obj.items():
        why = _key_broken(rule, key, value)
        if why:
            yield Broken("InvalidParameter", (), why)
            return


def _within_range(rule: dict, obj: dict) -> Iterator[Broken]:
    value = obj.get(rule["value"])
    if isinstance(value, str) and value != "":
        why = hyperparameter_values.range_violation(obj, value)
        if why:
            yield Broken("InvalidParameter", (rule["value"],), why)


def _misfits(rule: dict, obj: dict) -> Iterator[tuple[int, str, str]]:
    """(index, name, why) of each item of `list` whose value breaks the definition it names."""
    definitions = _at(obj, rule["of"])
    given = obj.get(rule["list"])
    if not isinstance(definitions, list) or not isinstance(given, list):
        return
    named = {d[rule["key"]]: d for d in definitions if isinstance(d, dict) and isinstance(d.get(rule["key"]), str)}
    last = {item[rule["key"]]: i for i, item in enumerate(given)        # the last of a name counts
            if isinstance(item, dict) and item.get(rule["key"]) in named}
    for name, i in last.items():
        value = given[i].get(rule["value"])
        if isinstance(value, str) and value != "":
            why = hyperparameter_values.violation(named[name], value)
            if why:
                yield i, name, why


def _fits_definitions(rule: dict, obj: dict) -> Iterator[Broken]:
    for _, name, why in _misfits(rule, obj):
        yield Broken("InvalidParameter", (rule["list"], name), why)
        return


_CHECKS: dict[str, Callable[[dict, dict], Iterator[Broken]]] = {
    "notAfter": _not_after, "uniqueBy": _unique_by, "requires": _requires, "notTogether": _not_together,
    "sameAs": _same_as, "covers": _covers, "keys": _keys, "withinRange": _within_range,
    "fitsDefinitions": _fits_definitions}


def broken(rules: list[dict], obj: dict) -> list[Broken]:
    """Every rule of `rules` that `obj` breaks (none for anything but an object), with the code a
    rule names instead of its kind's."""
    if not isinstance(obj, dict):
        return []
    return [Broken(rule.get("code", b.code), b.path, b.why) for rule in rules for b in _CHECKS[rule["rule"]](rule, obj)]


def check_declaration(rule: dict) -> None:
    """A declaration the binder can enforce (tests/project: every declared rule passes this)."""
    fields = {"notAfter": {"fields"}, "uniqueBy": {"list", "key"}, "requires": {"field", "needs"},
              "notTogether": {"values"}, "sameAs": {"fields"}, "covers": {"list", "key", "value", "of", "when", "unless"},
              "keys": {"pattern"}, "withinRange": {"value"},
              "fitsDefinitions": {"list", "key", "value", "of"}}.get(rule.get("rule"))
    if fields is None:
        raise ValueError(f"unknown rule kind {rule.get('rule')!r} (known: {', '.join(KINDS)})")
    if not fields <= set(rule) or not rule.get("source"):
        raise ValueError(f"{rule['rule']} needs {', '.join(sorted(fields | {'source'}))}: {rule}")
    if rule["rule"] == "notAfter" and (len(rule["fields"]) != 2 or rule.get("as", "number") not in ("date-time", "number", "integer")):
        raise ValueError(f"notAfter compares two fields as date-time, number or integer: {rule}")
    if rule["rule"] == "sameAs" and len(rule["fields"]) != 2:
        raise ValueError(f"sameAs compares two fields: {rule}")


# -- the binder's side: jsonschema keywords ----------------------------------------------------

def _rules_keyword(validator, rules, instance, schema):
    for b in broken(rules, instance):
        error = ValidationError(b.why, path=list(b.path))
        error.broken = b                      # the binder reads the code from here
        yield error


def parse_json_text(declared: dict, text: str) -> tuple[Any, str | None]:
    """(the document, None) or (None, why the text is no JSON text)."""
    try:
        return jsontext.loads(text), None
    except ValueError as e:
        where = f" ({e.msg} at position {e.pos})" if isinstance(e, json.JSONDecodeError) else ""
        return None, f"expected JSON text{where}"


def _json_text_keyword(validator, declared, instance, schema):
    if not isinstance(instance, str) or (instance == "" and declared.get("allowEmpty")):
        return
    document, why = parse_json_text(declared, instance)
    if why is not None:
        yield ValidationError(why)
        return
    inner = list(validator.descend(document, declared["schema"]))
    if inner:
        yield ValidationError("the JSON text does not hold the declared document", context=inner)


def outcome_broken(declared: dict, text: str) -> str | None:
    """Why `text` is no outcome `declared` admits (None when it is one)."""
    try:
        outcome = Outcome.from_tag(text, restartable=declared.get("restartable", False))
    except ValueError as e:
        return str(e)
    phases = declared.get("phases")
    return unknown_phase(outcome.phase, phases) if phases is not None else None


def _outcome_of(instance) -> tuple[str, str] | None:
    """(the outcome text, how to name it in a message) of a tag value or a list of labels."""
    if isinstance(instance, str):
        return instance, ""
    if isinstance(instance, list):
        for label in instance:          # the first label of the key counts, as the simulation reads them
            if isinstance(label, dict) and label.get("Key") == OUTCOME_TAG:
                return str(label.get("Value", "")), f"{OUTCOME_TAG}: "
    return None


def _outcome_keyword(validator, declared, instance, schema):
    found = _outcome_of(instance)
    why = outcome_broken(declared, found[0]) if found else None
    if why:
        yield ValidationError(found[1] + why)


KEYWORDS = {RULES: _rules_keyword, JSON_TEXT: _json_text_keyword, OUTCOME: _outcome_keyword}


# -- the generators' side: make a drawn request satisfy the declarations ------------------------

def _repair(rules: list[dict], obj: dict) -> dict:
    """`obj` changed as little as possible to satisfy `rules`: a reversed pair swapped, a later
    duplicate dropped, a field without the field it needs dropped, the first of two that must be
    the same made the second, an uncovered item's `when` made false, a value outside its range
    dropped."""
    obj = dict(obj)
    for rule in rules:
        kind = rule["rule"]
        if kind == "notAfter" and any(_not_after(rule, obj)):
            first, second = rule["fields"]
            obj[first], obj[second] = obj[second], obj[first]
        elif kind == "uniqueBy" and isinstance(obj.get(rule["list"]), list):
            seen, kept = set(), []
            for item in obj[rule["list"]]:
                value = item.get(rule["key"]) if isinstance(item, dict) else None
                marker = json.dumps(value, sort_keys=True)
                if _given(value) and marker in seen:
                    continue
                seen.add(marker)
                kept.append(item)
            obj[rule["list"]] = kept
        elif kind == "requires" and any(_requires(rule, obj)):
            obj.pop(rule["field"])
        elif kind == "notTogether" and any(_not_together(rule, obj)):
            obj.pop(next(iter(rule["values"])))
        elif kind == "sameAs" and any(_same_as(rule, obj)):
            first, second = rule["fields"]
            obj[first] = obj[second]
        elif kind == "covers":
            for item in _uncovered(rule, obj):
                item[rule["when"]] = False        # `obj` is the generator's own draw: changed in place
        elif kind == "keys":
            obj = {key: value for key, value in obj.items() if _key_broken(rule, key, value) is None}
        elif kind == "withinRange" and any(_within_range(rule, obj)):
            obj.pop(rule["value"])
        elif kind == "fitsDefinitions":
            misfits = {i for i, _, _ in _misfits(rule, obj)}
            if misfits:
                obj[rule["list"]] = [item for i, item in enumerate(obj[rule["list"]]) if i not in misfits]
    return obj


def satisfy(schema: dict, value: Any, resolve: Callable[[str], dict],
            json_text: Callable[[dict, Any], Any] | None = None, _depth: int = 0) -> Any:
    """`value` (drawn from `schema`) made to satisfy every rule declared in `schema` and below it.
    `resolve(ref)` gives the schema a `$ref` names (JSON Schema registry or OpenAPI components);
    `json_text(declared, old)`, when given, makes the JSON text a jsonText string holds (a
    generator draws the inner document there), and the document is then made to satisfy its own
    rules. Branches of anyOf/oneOf are not entered (which one a value takes is not known)."""
    if not isinstance(schema, dict) or _depth > 64:
        return value
    if "$ref" in schema:
        value = satisfy(resolve(schema["$ref"]), value, resolve, json_text, _depth + 1)
    for sub in schema.get("allOf", []):
        value = satisfy(sub, value, resolve, json_text, _depth + 1)
    if isinstance(value, dict):
        names = schema.get("propertyNames", schema.get(PROPERTY_NAMES))
        if isinstance(names, dict):                  # a key the bound refuses goes (its entry with it)
            keys = Draft202012Validator(names)
            value = {k: v for k, v in value.items() if keys.is_valid(k)}
        props = schema.get("properties", {})
        value = {k: satisfy(props[k], v, resolve, json_text, _depth + 1) if k in props else v for k, v in value.items()}
        if schema.get(RULES):
            value = _repair(schema[RULES], value)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        value = [satisfy(schema["items"], v, resolve, json_text, _depth + 1) for v in value]
    elif isinstance(value, str) and JSON_TEXT in schema and json_text is not None:
        declared = schema[JSON_TEXT]
        document = satisfy(declared["schema"], json_text(declared, value), resolve, json_text, _depth + 1)
        value = json.dumps(document)
    if OUTCOME in schema:
        value = _repair_outcome(schema[OUTCOME], value)
    return value


def _repair_outcome(declared: dict, value):
    """An outcome the declaration refuses made the default one: a tag "succeed", a label dropped."""
    found = _outcome_of(value)
    if found is None or outcome_broken(declared, found[0]) is None:
        return value
    if isinstance(value, str):
        return "succeed"
    return [label for label in value if not (isinstance(label, dict) and label.get("Key") == OUTCOME_TAG)]
