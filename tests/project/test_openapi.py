"""The OpenAPI 3.0.3 document generated from schemas/: valid, complete, and faithful to the catalog."""
from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from fakepai.catalog import default_catalog
from fakepai.cli import main
from fakepai.openapi import build_openapi


@pytest.fixture(scope="module")
def document() -> dict:
    return build_openapi()


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _keys(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties":      # property names are data, not keywords
                for schema in value.values():
                    yield from _keys(schema)
                continue
            yield key
            yield from _keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


def _operations(document):
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            yield path, method.upper(), op


def test_valid_openapi_30(document):
    assert document["openapi"] == "3.0.3"
    validate(document)   # openapi-spec-validator, 3.0 rules (raises on any error)


def test_no_json_schema_2020_keyword_left(document):
    """OpenAPI 3.0's Schema Object has no const, examples or conditionals, and ignores a $ref's
    siblings: the document writes each in its 3.0 form (fakepai/openapi.py)."""
    found = []

    def walk(node, path, names_here=False):
        if isinstance(node, dict):
            for key, value in node.items():
                if not names_here and key in ("const", "examples", "if", "then", "else", "$defs", "prefixItems"):
                    found.append(f"{path}/{key}")
                if not names_here and key == "$ref" and len(node) > 1:
                    found.append(f"{path}: $ref with siblings {sorted(node)}")
                walk(value, f"{path}/{key}", names_here=not names_here and key in ("properties", "schemas", "paths"))
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{path}[{i}]")

    walk(document, "")
    assert found == []


def test_a_nullable_type_list_is_written_the_3_0_way():
    """No schema uses `type: [T, "null"]` yet; one that does is published as 3.0's `nullable`, with
    the same values accepted (a type list 3.0 cannot write is an error, never a silent change)."""
    from openapi_schema_validator import OAS30Validator
    from fakepai.openapi import _Refs
    converted = _Refs({}).rewrite({"type": ["string", "null"], "maxLength": 3}, "https://fakepai.local/schemas/x.json")
    assert converted == {"type": "string", "nullable": True, "maxLength": 3}
    accepted = OAS30Validator(converted).is_valid
    assert accepted(None) and accepted("abc") and not accepted("abcd") and not accepted(3)
    with pytest.raises(ValueError, match="type list"):
        _Refs({}).rewrite({"type": ["string", "integer"]}, "https://fakepai.local/schemas/x.json")


def test_create_job_conditional_is_an_equivalent_any_of(document):
    """CreateJob asks for the job fields unless a TemplateId is given: `if {TemplateId} else {...}`
    in the schema, `anyOf` here; a validator of the 3.0 document accepts and refuses the same bodies."""
    import jsonschema
    body = document["paths"]["/api/v1/jobs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    conditional = {"anyOf": body["anyOf"]}
    accepted = lambda value: jsonschema.Draft4Validator(conditional).is_valid(value)
    assert accepted({"TemplateId": "jt-1"})
    assert accepted({"DisplayName": "d", "JobType": "PyTorchJob", "JobSpecs": [], "UserCommand": "c"})
    assert not accepted({"DisplayName": "d", "JobType": "PyTorchJob"})


def test_every_operation_at_its_native_path(document):
    catalog = default_catalog()
    seen = {op["operationId"]: (path, method) for path, method, op in _operations(document)}
    assert len(seen) == len(catalog.operations)
    for op in catalog.operations.values():
        assert seen[f"{op.product}.{op.action}"] == (op.path, op.method)


def test_parameters_keep_their_locations(document):
    catalog = default_catalog()
    for path, method, entry in _operations(document):
        product, action = entry["operationId"].split(".", 1)
        op = catalog.get(product, action)
        by_loc = {}
        for param in entry["parameters"]:
            by_loc.setdefault(param["in"], set()).add(param["name"])
            if param["in"] == "path":
                assert param["required"] is True
            else:
                assert param["required"] == (param["name"] in op.required)
        assert by_loc.get("path", set()) == set(op.path_params)
        assert by_loc.get("query", set()) == set(op.params_in("query"))
        body = op.params_in("body")
        if body and op.body_encoding != "none":
            [(media, content)] = entry["requestBody"]["content"].items()
            assert media == {"json": "application/json", "form": "application/x-www-form-urlencoded"}[op.body_encoding]
            assert set(content["schema"]["properties"]) == set(body)
        else:
            assert "requestBody" not in entry


def test_specific_shapes(document):
    ops = {op["operationId"]: op for _, _, op in _operations(document)}
    form = ops["PaiStudio.CreateAlgorithm"]["requestBody"]["content"]
    assert list(form) == ["application/x-www-form-urlencoded"]
    # "Shrink" parameters travel as JSON text (DESIGN §3).
    labels = next(p for p in ops["PaiStudio.ListTrainingJobs"]["parameters"] if p["name"] == "Labels")
    assert list(labels["content"]) == ["application/json"] and "schema" not in labels
    spec = ops["PaiStudio.CreateAlgorithmVersion"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
    # A form field holding JSON text: the inner schema, with an Encoding Object naming its media type.
    assert spec["encoding"] == {"AlgorithmSpec": {"contentType": "application/json"}}
    assert spec["schema"]["properties"]["AlgorithmSpec"]["allOf"] == [{"$ref": "#/components/schemas/PaiStudio.AlgorithmSpec.request"}]
    plugin = ops["PaiPlugin.ListTrainingJobs"]
    status = next(p for p in plugin["parameters"] if p["name"] == "Status")
    assert status["schema"]["enum"] == [0, 1, 2, 3, 4] and "x-in" not in status["schema"]
    ok = plugin["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(ok["properties"]) == {"Data", "ErrorCode", "ErrorMessage", "RequestId"}
    assert plugin["responses"]["default"]["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/common.PaiPluginError"}
    assert ops["pai-dlc.GetJob"]["responses"]["default"]["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/common.ErrorResponse"}
    assert plugin["x-fakepai-gateway"] == "/api/PaiPlugin/2022-01-12/ListTrainingJobs"


def test_refs_all_point_into_components(document):
    components = document["components"]["schemas"]
    refs = set(_refs(document))
    assert refs, "the shared definitions are referenced"
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.split("/")[3] in components, ref
    assert "pai-dlc.JobSpec" in components and "PaiStudio.AlgorithmSpec.request" in components
    assert not {"$id", "$schema", "$defs", "x-in", "x-json-string"} & set(_keys(document))


def test_served_and_cli_documents(fakepai, tmp_path, capsys):
    with fakepai.http() as http:
        served = http.get("/_fakepai/openapi.json")
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/json")
    assert served.json() == build_openapi(server_url=fakepai.url)
    out = tmp_path / "openapi.json"
    assert main(["openapi", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == build_openapi()
    capsys.readouterr()
