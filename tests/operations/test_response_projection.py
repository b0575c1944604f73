"""The response projector (fakepai/projection.py): each response schema compiled once into Python
source, applied by the rendering step to every response.

Two kinds of test: the rules on small schemas (unknown keys dropped, None dropped, nested objects
and arrays, maps, recursive schemas, values of another type left alone), and every operation's
real handler result, recorded while the every-operation case runs, put through both the compiled
projector and `reference_projector` below: the generic recursive projector the emulator used
before (services/projection.py), kept here as the statement of the semantics.
"""
from __future__ import annotations

import copy

import orjson
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fakepai import jsontext
from fakepai.catalog import default_catalog
from fakepai.projection import Settled, compile_projector, resolve_refs
from fakepai.wire import pipeline
from tests.operations.every_operation_cases import CASES, World
from tests.helpers import assert_valid_response
from tests.operations.test_every_operation import send

_DROP = object()


def reference_projector(schema: dict, registry: Registry):
    """The former generic projector, verbatim in behaviour: closures walking value and schema."""
    def build(schema, resolver, memo):
        schema, resolver = resolve_refs(schema, resolver)
        if not isinstance(schema, dict):
            return None
        key = id(schema)
        if key in memo:
            return memo[key]
        declared = schema.get("properties")
        extra_schema = schema.get("additionalProperties", True)
        items_schema = schema.get("items")
        if declared is None and extra_schema is True and not isinstance(items_schema, dict):
            memo[key] = None
            return None
        props, parts = {}, {}

        def project(value):
            if isinstance(value, dict):
                extra, out = parts["extra"], {}
                for name, item in value.items():
                    if item is None:
                        continue
                    if name in props:
                        sub = props[name]
                        out[name] = item if sub is None else sub(item)
                    elif extra is _DROP:
                        continue
                    else:
                        out[name] = item if extra is None else extra(item)
                return out
            if isinstance(value, list) and parts["items"] is not None:
                return [parts["items"](item) for item in value]
            return value

        memo[key] = project
        for name, sub_schema in (declared or {}).items():
            props[name] = build(sub_schema, resolver, memo)
        parts["extra"] = _DROP if extra_schema is False else (
            build(extra_schema, resolver, memo) if isinstance(extra_schema, dict) else None)
        parts["items"] = build(items_schema, resolver, memo) if isinstance(items_schema, dict) else None
        return project

    root = Resource.from_contents(schema, default_specification=DRAFT202012)
    return build(schema, registry.resolver_with_root(root), {}) or (lambda value: value)


def both(schema: dict):
    return compile_projector(schema, Registry()), reference_projector(schema, Registry())


LABEL = {"type": "object", "additionalProperties": False,
         "properties": {"Key": {"type": "string"}, "Value": {"type": "string"}}}
SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "Id": {"type": "string"},
        "Count": {"type": "integer"},
        "Tags": {"type": "array", "items": {"type": "string"}},
        "Labels": {"type": "array", "items": {"$ref": "#/$defs/Label"}},
        "Grid": {"type": "array", "items": {"type": "array", "items": {"$ref": "#/$defs/Label"}}},
        "Spec": {"type": "object", "additionalProperties": False,
                 "properties": {"Image": {"type": "string"}, "Label": {"$ref": "#/$defs/Label"}}},
        "Env": {"type": "object", "additionalProperties": {"type": "string"}},
        "ByName": {"type": "object", "additionalProperties": {"$ref": "#/$defs/Label"}},
        "Free": {},
        "Tree": {"$ref": "#/$defs/Node"},
    },
    "$defs": {
        "Label": LABEL,
        "Node": {"type": "object", "additionalProperties": False,
                 "properties": {"Name": {"type": "string"},
                                "Children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}},
    },
}


def test_unknown_keys_and_none_values_are_dropped_at_every_level():
    new, old = both(SCHEMA)
    value = {"Id": "a", "Count": 0, "Extra": 1, "Gone": None, "Tags": ["x", None],
             "Spec": {"Image": "i", "CodeDir": "c", "Label": {"Key": "k", "Value": None, "More": 2}}}
    expected = {"Id": "a", "Count": 0, "Tags": ["x", None], "Spec": {"Image": "i", "Label": {"Key": "k"}}}
    assert new(value) == old(value) == expected


def test_arrays_of_objects_and_arrays_of_arrays_are_projected_item_by_item():
    new, old = both(SCHEMA)
    value = {"Labels": [{"Key": "a", "Value": "1", "X": 0}, {"Key": "b"}],
             "Grid": [[{"Key": "g", "Y": 1}], []]}
    expected = {"Labels": [{"Key": "a", "Value": "1"}, {"Key": "b"}], "Grid": [[{"Key": "g"}], []]}
    assert new(value) == old(value) == expected


def test_maps_keep_every_key_and_project_each_value():
    new, old = both(SCHEMA)
    value = {"Env": {"A": "1", "B": None, "C": "3"},
             "ByName": {"n": {"Key": "k", "Secret": "s"}, "m": None},
             "Free": {"anything": {"goes": [1, None]}}}
    expected = {"Env": {"A": "1", "C": "3"}, "ByName": {"n": {"Key": "k"}},
                "Free": {"anything": {"goes": [1, None]}}}
    assert new(value) == old(value) == expected


def test_a_recursive_schema_is_projected_at_every_depth():
    new, old = both(SCHEMA)
    value = {"Tree": {"Name": "root", "Junk": 1, "Children": [
        {"Name": "a", "Children": [{"Name": "a1", "Junk": 2, "Children": []}]}, {"Name": "b"}]}}
    expected = {"Tree": {"Name": "root", "Children": [
        {"Name": "a", "Children": [{"Name": "a1", "Children": []}]}, {"Name": "b"}]}}
    assert new(value) == old(value) == expected


def test_values_of_another_type_than_the_schema_says_pass_through_untouched():
    new, old = both(SCHEMA)
    value = {"Spec": "not an object", "Labels": "not an array", "Env": 3, "Tree": [1, 2]}
    assert new(value) == old(value) == value


def test_key_order_is_the_values_and_the_input_is_not_changed():
    new, _ = both(SCHEMA)
    value = {"Spec": {"Label": {"Value": "v", "Key": "k"}, "Image": "i"}, "Id": "a", "Junk": 1}
    before = copy.deepcopy(value)
    out = new(value)
    assert list(out) == ["Spec", "Id"] and list(out["Spec"]) == ["Label", "Image"]
    assert list(out["Spec"]["Label"]) == ["Value", "Key"]
    assert value == before
    assert out is not value


def test_a_schema_with_nothing_to_trim_still_gives_a_new_top_level_dict():
    new = compile_projector({"type": "object"}, Registry())
    value = {"a": None, "b": 1}
    out = new(value)
    assert out == value and out is not value


def test_a_settled_view_is_projected_once_and_renders_as_a_plain_one():
    new, old = both(SCHEMA)
    item = Settled({"Key": "k", "Value": "v", "Junk": 1})
    body = Settled({"Id": "a", "Junk": 2, "Labels": [item], "ByName": {"n": item}})
    first, again = new(body), new(body)
    expected = {"Id": "a", "Labels": [{"Key": "k", "Value": "v"}], "ByName": {"n": {"Key": "k", "Value": "v"}}}
    assert orjson.loads(orjson.dumps(first)) == orjson.loads(orjson.dumps(again)) == expected == old(body)
    assert first is not again and first == again          # the top level is the caller's to add to
    first["RequestId"] = "r"
    assert "RequestId" not in new(body)
    # The nested item was projected once, for both places it appears in, and kept.
    (kept,) = item.projections.values()
    assert first["Labels"][0] is kept and first["ByName"]["n"] is kept


# -- every operation's real result, through both projectors ----------------------------------------

def with_noise(value, depth: int = 0):
    """`value` with an unknown key and a None value added to every object in it (maps included:
    there the unknown key is kept if its value fits, so both projectors are compared on it)."""
    if isinstance(value, dict):
        out = {k: with_noise(v, depth + 1) for k, v in value.items()}
        out[f"NotInAnySchema{depth}"] = "x"
        out[f"NoneValue{depth}"] = None
        return out
    if isinstance(value, list):
        return [with_noise(v, depth + 1) for v in value]
    return value


@pytest.mark.parametrize("product,action", sorted(CASES), ids=lambda v: v)
def test_every_operations_result_projects_as_the_generic_projector_did(
        product, action, fakepai, gw, paistudio_client, dlc_client, paiplugin_client, monkeypatch):
    op = default_catalog().get(product, action)
    recorded = []
    real = pipeline.success_response

    def recording(op_, result, rid):
        recorded.append((op_, jsontext.copy(result)))    # plain dicts: a Settled view's kept projections left behind
        return real(op_, result, rid)

    fakepai.freeze_clock()
    world = World(fakepai, paistudio_client, dlc_client, paiplugin_client)
    case = CASES[(product, action)]
    ids = case.setup(world)
    monkeypatch.setattr(pipeline, "success_response", recording)
    response = send(gw, op, case.gw(ids))
    assert response.status_code == 200, response.text
    assert_valid_response(product, action, response.json())
    ((seen, result),) = recorded
    assert (seen.product, seen.action) == (product, action)
    envelope = ({"Data": result, "ErrorCode": 0, "ErrorMessage": "OK", "RequestId": "r"}
                if op.envelope == "paiplugin" else result)
    reference = reference_projector(op.response_schema, op.registry)
    assert op.project(envelope) == reference(envelope)
    noisy = with_noise(envelope)
    assert op.project(noisy) == reference(noisy)
    body = response.json()
    if op.request_id_field:
        body.pop(op.request_id_field)
    if op.envelope != "paiplugin":
        assert body == reference(result)
