"""schemas/ against the reference operation list and the layout in schemas/README.md.

Every check is a function that returns a list of problems, so the same checks run against the
committed documents (which must have none) and against deliberately broken copies (which must be
caught): see the `test_checker_catches_*` tests at the end.
"""
from __future__ import annotations

import copy
import importlib.util
import json
import re
from functools import lru_cache
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
OPS_SHARED = ROOT.parent / "shared/reference/operations.json"
OPS_COPY = ROOT / "tests" / "data" / "operations.json"
BASE_URI = "https://fakepai.local/schemas"

PRODUCTS = {"PaiStudio": "2022-01-12", "pai-dlc": "2020-12-03", "PaiPlugin": "2022-01-12"}
SHRINK = {("PaiStudio", "ListTrainingJobs", "Labels"), ("pai-dlc", "ListJobs", "Tags"),
          ("PaiStudio", "CreateAlgorithmVersion", "AlgorithmSpec"),
          ("PaiStudio", "UpdateAlgorithmVersion", "AlgorithmSpec")}
FORM_OPS = {("PaiStudio", a) for a in
            ("CreateAlgorithm", "UpdateAlgorithm", "CreateAlgorithmVersion", "UpdateAlgorithmVersion")}
REQUEST_ID_EXCEPTIONS = {
    ("pai-dlc", "GetJobSanityCheckResult"): "RequestID",
    ("pai-dlc", "ListJobSanityCheckResults"): "RequestID",
    ("PaiStudio", "DeleteAlgorithm"): "requestId",
    ("PaiStudio", "ListTrainingJobOutputModels"): None,
    ("PaiStudio", "CreateAlgorithmVersion"): None,
    ("PaiStudio", "GetAlgorithmVersion"): None,
    ("PaiStudio", "UpdateAlgorithmVersion"): None,
}
# operations.json has no response tree for GetTensorboard: the SDK body *is* this model
# (checked against the installed SDK in test_response_fallback_matches_sdk).
RESPONSE_MODEL_FALLBACK = {("pai-dlc", "GetTensorboard"): "Tensorboard"}

X_OPERATION_SCHEMA = {
    "type": "object",
    "required": ["product", "version", "action", "method", "path", "pathParams", "bodyEncoding",
                 "rateLimit", "mutating", "envelope", "requestIdField"],
    "additionalProperties": False,
    "properties": {
        "product": {"enum": list(PRODUCTS)},
        "version": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "action": {"type": "string", "pattern": r"^[A-Z][A-Za-z]+$"},
        "method": {"enum": ["GET", "POST", "PUT", "DELETE"]},
        "path": {"type": "string", "pattern": r"^/api/v[12]/"},
        "pathParams": {"type": "array", "items": {"type": "string", "pattern": r"^[A-Z][A-Za-z]*$"}},
        "bodyEncoding": {"enum": ["none", "json", "form"]},
        "rateLimit": {"type": "integer", "minimum": 1, "maximum": 100},
        "mutating": {"type": "boolean"},
        "envelope": {"enum": ["plain", "paiplugin"]},
        "requestIdField": {"enum": ["RequestId", "RequestID", "requestId", None]},
        "resource": {"type": "string", "pattern": r"^[A-Z][A-Za-z]+$"},
        "maxBodyBytes": {"type": "integer", "minimum": 1},
    },
}


# ------------------------------------------------------------------------------------------
# loading
# ------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _ops_text() -> str:
    src = OPS_SHARED if OPS_SHARED.is_file() else OPS_COPY
    return src.read_text(encoding="utf-8")


def operations() -> list[dict]:
    return json.loads(_ops_text())


@lru_cache(maxsize=None)
def _load_all() -> tuple[dict[str, dict], dict[str, dict]]:
    """({"Product/Version/Action": doc}, {"_shared/name.json": doc})"""
    ops, shared = {}, {}
    for path in sorted(SCHEMAS.rglob("*.json")):
        rel = path.relative_to(SCHEMAS).as_posix()
        doc = json.loads(path.read_text(encoding="utf-8"))
        if rel.startswith("_shared/"):
            shared[rel] = doc
        else:
            ops[rel[: -len(".json")]] = doc
    return ops, shared


def op_docs() -> dict[str, dict]:
    """The committed operation documents (shared, read-only: use copied_docs() to mutate)."""
    return _load_all()[0]


def shared_docs() -> dict[str, dict]:
    return _load_all()[1]


def copied_docs() -> tuple[dict[str, dict], dict[str, dict]]:
    return copy.deepcopy(_load_all()[0]), copy.deepcopy(_load_all()[1])


def key(op: dict) -> str:
    return f"{op['product']}/{op['version']}/{op['action']}"


def pascal(snake: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in snake.split("_"))


def build_registry(docs: list[dict]) -> Registry:
    return Registry().with_resources((d["$id"], DRAFT202012.create_resource(d)) for d in docs)


@lru_cache(maxsize=None)
def registry() -> Registry:
    ops, shared = _load_all()
    return build_registry(list(ops.values()) + list(shared.values()))


def validator(doc_id: str, pointer: str, reg: Registry | None = None) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{doc_id}#{pointer}"}, registry=reg or registry())


OPS = operations()
OP_IDS = [key(op) for op in OPS]


def op_by_key(k: str) -> dict:
    return next(op for op in OPS if key(op) == k)


# ------------------------------------------------------------------------------------------
# checkers (return problems; never assert)
# ------------------------------------------------------------------------------------------

def _resolve(schema: dict, resolver):
    """Follow `$ref` chains; return (schema without the ref hop, resolver for its base)."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        schema, resolver = resolved.contents, resolved.resolver
        if "type" in rest and rest["type"] == schema.get("type"):
            rest.pop("type")    # request parameters repeat the decoded type beside the $ref
        if rest and set(rest) - {"x-in", "x-json-string", "description"}:
            # other keywords beside a $ref would also apply; the documents do not use that
            return {"$ref-siblings": sorted(rest)}, resolver
        seen += 1
        if seen > 20:
            raise RecursionError("$ref loop")
    return schema, resolver


def sdk_tree_problems(tree: dict, schema: dict, resolver, path: str, side: str,
                      depth: int = 0) -> list[str]:
    """The schema has exactly the SDK tree's fields, with the same types, closed objects on the
    response side."""
    problems: list[str] = []
    schema, resolver = _resolve(schema, resolver)
    if "$ref-siblings" in schema:
        return [f"{path}: keywords beside $ref: {schema['$ref-siblings']}"]
    if tree.get("recursive"):
        if schema.get("type") != "object" or "properties" not in schema:
            problems.append(f"{path}: recursive model {tree['$model']} is not an object schema")
        return problems
    t = tree.get("type")
    if t == "any":
        if "type" in schema:
            problems.append(f"{path}: SDK type any, schema says {schema['type']!r}")
        return problems
    if schema.get("type") != t:
        return [f"{path}: SDK type {t!r}, schema type {schema.get('type')!r}"]
    if depth > 40:
        return problems
    if t == "array":
        problems += sdk_tree_problems(tree["items"], schema.get("items", {}), resolver, path + "[]",
                                      side, depth + 1)
    elif t == "object":
        if "properties" in tree:
            props = schema.get("properties", {})
            for name, sub in tree["properties"].items():
                if name not in props:
                    problems.append(f"{path}.{name}: missing from the schema")
                else:
                    problems += sdk_tree_problems(sub, props[name], resolver, f"{path}.{name}",
                                                  side, depth + 1)
            for name in set(props) - set(tree["properties"]):
                problems.append(f"{path}.{name}: in the schema, not in the SDK model")
            if side == "response" and schema.get("additionalProperties") is not False:
                problems.append(f"{path}: response object is not closed")
        if isinstance(tree.get("additionalProperties"), dict):
            ap = schema.get("additionalProperties")
            if not isinstance(ap, dict):
                problems.append(f"{path}: map lost its additionalProperties schema")
            else:
                problems += sdk_tree_problems(tree["additionalProperties"], ap, resolver,
                                              path + "{}", side, depth + 1)
    return problems


# operations.json has no request tree for 20 operations; four of them take parameters (types from
# the SDK request models, as tools/gen_schemas.py reads them). Decoded types, per DESIGN §3.
REQUEST_FALLBACK = {
    ("PaiStudio", "ListTrainingJobs"): {
        "AlgorithmName": "string", "AlgorithmProvider": "string", "EndTime": "string",
        "IsTempAlgo": "boolean", "Labels": "object", "Order": "string", "PageNumber": "integer",
        "PageSize": "integer", "SortBy": "string", "StartTime": "string", "Status": "string",
        "TrainingJobId": "string", "TrainingJobName": "string", "WorkspaceId": "string"},
    ("PaiStudio", "CreateAlgorithmVersion"): {"AlgorithmSpec": "object"},
    ("PaiStudio", "UpdateAlgorithmVersion"): {"AlgorithmSpec": "object"},
}


def request_tree(op: dict) -> dict:
    if "request" in op:
        return op["request"]
    fallback = REQUEST_FALLBACK.get((op["product"], op["action"]))
    if fallback is None and op["product"] == "pai-dlc" and op["action"] == "ListJobs":
        # every ListJobs query parameter is a string except these (SDK ListJobsRequest)
        special = {"FromAllWorkspaces": "boolean", "NumericRangeMax": "integer",
                   "NumericRangeMin": "integer", "PageNumber": "integer", "PageSize": "integer",
                   "ShowOwn": "boolean", "Tags": "object"}
        fallback = {q: special.get(q, "string") for q in op["query"]}
    return {"properties": {k: {"type": t} for k, t in (fallback or {}).items()}}


def response_tree(op: dict) -> dict:
    if "response" in op:
        return op["response"]
    model = RESPONSE_MODEL_FALLBACK[(op["product"], op["action"])]
    found: list[dict] = []

    def walk(n: dict) -> None:
        if n.get("$model") == model and "properties" in n:
            found.append(n)
        for c in n.get("properties", {}).values():
            walk(c)
        for k in ("items", "additionalProperties"):
            if isinstance(n.get(k), dict):
                walk(n[k])

    for other in OPS:
        if other["product"] == op["product"]:
            for side in ("request", "response"):
                if side in other:
                    walk(other[side])
    assert found, f"no {model} model in operations.json"
    return found[0]


def response_problems(op: dict, doc: dict, reg: Registry) -> list[str]:
    resolver = reg.resolver(base_uri=doc["$id"])
    return sdk_tree_problems(response_tree(op), doc["$defs"]["response"], resolver,
                             f"{key(op)} response", "response")


def request_problems(op: dict, doc: dict, reg: Registry) -> list[str]:
    problems = []
    req = doc["$defs"]["request"]
    props = req.get("properties", {})
    resolver = reg.resolver(base_uri=doc["$id"])
    tree_props = request_tree(op).get("properties", {})
    expected: dict[str, str] = {}
    for p in op["path_params"]:
        expected[pascal(p)] = "path"
    for where in ("query", "body"):
        for p in op[where]:
            expected[p] = where
    for name, where in expected.items():
        prop = props.get(name)
        if prop is None:
            problems.append(f"{key(op)} request: {name} ({where}) missing")
            continue
        if prop.get("x-in") != where:
            problems.append(f"{key(op)} request: {name} x-in {prop.get('x-in')!r}, expected {where!r}")
        if where == "path":
            if prop.get("type") != "string":
                problems.append(f"{key(op)} request: path parameter {name} is not a string")
            if name not in req.get("required", []):
                problems.append(f"{key(op)} request: path parameter {name} not required")
        tree_type = tree_props.get(name, {}).get("type", "string" if where == "path" else None)
        if tree_type not in (None, "any") and prop.get("type") != tree_type:
            problems.append(f"{key(op)} request: {name} does not state its decoded type {tree_type}")
        shrink = (op["product"], op["action"], name) in SHRINK
        if bool(prop.get("x-json-string")) != shrink:
            problems.append(f"{key(op)} request: {name} x-json-string should be {shrink}")
        if name in tree_props:
            problems += sdk_tree_problems(tree_props[name], prop, resolver,
                                          f"{key(op)} request.{name}", "request")
    for name in set(props) - set(expected):
        problems.append(f"{key(op)} request: {name} is not a parameter of the operation")
    return problems


def x_operation_problems(op: dict, doc: dict) -> list[str]:
    problems = []
    xop = doc.get("x-operation")
    if not isinstance(xop, dict):
        return [f"{key(op)}: no x-operation"]
    for err in Draft202012Validator(X_OPERATION_SCHEMA).iter_errors(xop):
        problems.append(f"{key(op)} x-operation: {err.message} at {list(err.absolute_path)}")
    if problems:
        return problems
    path = op["path"]
    for snake in op["path_params"]:
        path = path.replace("{" + snake + "}", "{" + pascal(snake) + "}")
    want = {"product": op["product"], "version": op["version"], "action": op["action"],
            "method": op["method"], "path": path, "pathParams": [pascal(p) for p in op["path_params"]],
            "envelope": "paiplugin" if op["product"] == "PaiPlugin" else "plain",
            "mutating": op["action"].startswith(("Create", "Update", "Delete", "Stop", "Start", "Set"))}
    if not op["body"]:
        want["bodyEncoding"] = "none"
    elif (op["product"], op["action"]) in FORM_OPS:
        want["bodyEncoding"] = "form"
    else:
        want["bodyEncoding"] = "json"
    resp_props = response_tree(op)["properties"]
    rid = REQUEST_ID_EXCEPTIONS.get((op["product"], op["action"]), "RequestId")
    want["requestIdField"] = rid
    if rid is not None and rid not in resp_props:
        problems.append(f"{key(op)}: requestIdField {rid} not in the SDK response")
    if rid is None and any(f in resp_props for f in ("RequestId", "RequestID", "requestId")):
        problems.append(f"{key(op)}: the response has a request id but requestIdField is null")
    for field, value in want.items():
        if xop.get(field) != value:
            problems.append(f"{key(op)} x-operation.{field}: {xop.get(field)!r}, expected {value!r}")
    if re.findall(r"\{(\w+)\}", xop["path"]) != xop["pathParams"]:
        problems.append(f"{key(op)}: pathParams not in path order")
    if doc.get("$id") != f"{BASE_URI}/{key(op)}.json":
        problems.append(f"{key(op)}: $id {doc.get('$id')!r}")
    if doc.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
        problems.append(f"{key(op)}: $schema {doc.get('$schema')!r}")
    if not doc.get("title") or not doc.get("description"):
        problems.append(f"{key(op)}: title/description missing")
    if set(doc.get("$defs", {})) != {"request", "response"}:
        problems.append(f"{key(op)}: $defs should hold exactly request and response")
    return problems


def minimal_instance(schema: dict, resolver, depth: int = 0):
    """The smallest instance the schema describes: required properties only, lower bounds."""
    schema, resolver = _resolve(schema, resolver)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    t = schema.get("type")
    if t == "object":
        out = {}
        required = list(schema.get("required", []))
        required += [r for r in schema.get("else", {}).get("required", []) if r not in required]
        for alternative in schema.get("anyOf", [])[:1]:     # alternatives (AlgorithmName | AlgorithmSpec): the first
            required += [r for r in alternative.get("required", []) if r not in required]
        for name in required:
            out[name] = minimal_instance(schema["properties"][name], resolver, depth + 1)
        return out
    if t == "array":
        if schema.get("examples"):
            return schema["examples"][0]     # a list whose items depend on each other (CreateJob's roles)
        n = schema.get("minItems", 0)
        return [minimal_instance(schema["items"], resolver, depth + 1) for _ in range(n)]
    if t == "string":
        if schema.get("pattern") == "^(all|[0-9]+)$":
            return "all"
        if schema.get("pattern") and schema.get("examples"):
            return schema["examples"][0]     # a formatted value (times)
        return "x" * schema.get("minLength", 0)
    if t == "integer":
        return schema.get("minimum", 0)
    if t == "number":
        return schema.get("minimum", 0.0)
    if t == "boolean":
        return False
    return None


def closedness_problems(op: dict, doc: dict, reg: Registry) -> list[str]:
    problems = []
    resp = doc["$defs"]["response"]
    resolver = reg.resolver(base_uri=doc["$id"])
    example = minimal_instance(resp, resolver)
    rid = doc["x-operation"]["requestIdField"]
    if rid is not None:
        example[rid] = "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E"
    v = validator(doc["$id"], "/$defs/response", reg)
    errors = [e.message for e in v.iter_errors(example)]
    if errors:
        problems.append(f"{key(op)}: minimal response {example} rejected: {errors[:3]}")
    if v.is_valid({**example, "XFakepaiUnknownField": 1}):
        problems.append(f"{key(op)}: response accepts an unknown top-level field")
    if rid is not None and v.is_valid({k: x for k, x in example.items() if k != rid}):
        problems.append(f"{key(op)}: response accepted without its {rid}")
    return problems


# ------------------------------------------------------------------------------------------
# tests on the committed documents
# ------------------------------------------------------------------------------------------

def test_operations_copy_is_current():
    assert OPS_COPY.is_file(), "commit tests/data/operations.json"
    if OPS_SHARED.is_file():
        assert OPS_COPY.read_text(encoding="utf-8") == OPS_SHARED.read_text(encoding="utf-8"), \
            "tests/data/operations.json differs from ../shared/reference/operations.json: re-copy it"


def test_one_document_per_operation():
    docs = op_docs()
    want = {key(op) for op in OPS}
    assert len(want) == len(OPS) == 62
    assert sorted(set(docs) - want) == [], "schema documents for unknown operations"
    assert sorted(want - set(docs)) == [], "operations without a schema document"
    for k in docs:
        product, version, _ = k.split("/")
        assert PRODUCTS[product] == version


def test_shared_files():
    shared = shared_docs()
    assert set(shared) == {"_shared/common.json"} | {f"_shared/{p}.json" for p in PRODUCTS}
    for rel, doc in shared.items():
        assert doc["$id"] == f"{BASE_URI}/{rel}"
    common = shared["_shared/common.json"]["$defs"]
    err = common["ErrorResponse"]
    assert sorted(err["properties"]) == ["Code", "HostId", "Message", "Recommend", "RequestId"]
    assert all(p == {"type": "string"} for p in err["properties"].values())
    assert sorted(err["required"]) == ["Code", "Message", "RequestId"]
    assert "PaiPluginEnvelope" in common


def test_error_response_validates():
    v = validator(f"{BASE_URI}/_shared/common.json", "/$defs/ErrorResponse")
    good = {"RequestId": "8C0D4B0C-0000-0000-0000-000000000000", "HostId": "pai-dlc.aliyuncs.com",
            "Code": "InvalidParameter", "Message": "bad", "Recommend": "https://api.aliyun.com/"}
    assert v.is_valid(good)
    assert not v.is_valid({k: x for k, x in good.items() if k != "Code"})
    assert not v.is_valid({**good, "Code": 400})
    pe = validator(f"{BASE_URI}/_shared/common.json", "/$defs/PaiPluginError")
    assert pe.is_valid({"RequestId": "x", "ErrorCode": 400, "ErrorMessage": "bad", "Data": None})
    assert not pe.is_valid({"RequestId": "x", "ErrorCode": 0, "ErrorMessage": "OK"})


@pytest.mark.parametrize("rel", sorted([*op_docs(), *shared_docs()]))
def test_check_schema(rel):
    docs = {**op_docs(), **shared_docs()}
    Draft202012Validator.check_schema(docs[rel])


def test_canonical_formatting():
    """Sorted keys, 2-space indent, trailing newline: what tools/gen_schemas.py writes."""
    for path in SCHEMAS.rglob("*.json"):
        text = path.read_text(encoding="utf-8")
        canon = json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        assert text == canon, f"{path.relative_to(ROOT)} is not canonically formatted"


def _all_refs(node, base: str, out: list[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                out.append((base, v))
            else:
                _all_refs(v, base, out)
    elif isinstance(node, list):
        for v in node:
            _all_refs(v, base, out)


def test_all_refs_resolve():
    refs: list[tuple[str, str]] = []
    for doc in [*op_docs().values(), *shared_docs().values()]:
        _all_refs(doc, doc["$id"], refs)
    assert refs
    reg = registry()
    for base, ref in refs:
        resolved = reg.resolver(base_uri=base).lookup(ref)
        assert isinstance(resolved.contents, dict), (base, ref)
        if ref.startswith("https://"):
            assert ref.startswith(f"{BASE_URI}/_shared/"), f"{base}: ref outside _shared: {ref}"


def test_shared_models_stay_per_product():
    """Same model name in two products (JobSettings, CredentialConfig, ...) never crosses over."""
    for k, doc in op_docs().items():
        product = k.split("/")[0]
        refs: list[tuple[str, str]] = []
        _all_refs(doc, doc["$id"], refs)
        for _, ref in refs:
            assert ref.startswith(f"{BASE_URI}/_shared/{product}.json#"), (k, ref)
    for rel, doc in shared_docs().items():
        refs = []
        _all_refs(doc, doc["$id"], refs)
        for _, ref in refs:
            assert ref.startswith(doc["$id"] + "#") or ref.startswith("#"), (rel, ref)


@pytest.mark.parametrize("k", OP_IDS)
def test_response_covers_sdk_model(k):
    op = op_by_key(k)
    assert response_problems(op, op_docs()[k], registry()) == []


@pytest.mark.parametrize("k", OP_IDS)
def test_request_parameters(k):
    op = op_by_key(k)
    assert request_problems(op, op_docs()[k], registry()) == []


@pytest.mark.parametrize("k", OP_IDS)
def test_x_operation(k):
    op = op_by_key(k)
    assert x_operation_problems(op, op_docs()[k]) == []


@pytest.mark.parametrize("k", OP_IDS)
def test_minimal_response_and_closedness(k):
    op = op_by_key(k)
    assert closedness_problems(op, op_docs()[k], registry()) == []


@pytest.mark.parametrize("k", OP_IDS)
def test_minimal_request_validates_and_unknown_params_pass(k):
    doc = op_docs()[k]
    reg = registry()
    resolver = reg.resolver(base_uri=doc["$id"])
    example = minimal_instance(doc["$defs"]["request"], resolver)
    v = validator(doc["$id"], "/$defs/request", reg)
    assert [e.message for e in v.iter_errors(example)] == []
    # DESIGN §3: unknown parameters are ignored as the real gateway does
    assert v.is_valid({**example, "XFakepaiUnknownParam": "1"})


def test_paiplugin_envelope_responses():
    for k, doc in op_docs().items():
        if not k.startswith("PaiPlugin/"):
            continue
        props = doc["$defs"]["response"]["properties"]
        assert set(props) == {"Data", "ErrorCode", "ErrorMessage", "RequestId"}, k
        assert props["ErrorCode"]["type"] == "integer" and props["ErrorMessage"]["type"] == "string"


def test_fallbacks_match_sdk():
    """The trees used where operations.json has none agree with the installed SDK models."""
    for pkg in ("alibabacloud_pai_dlc20201203", "alibabacloud_paistudio20220112"):
        pytest.importorskip(pkg)
    spec = importlib.util.spec_from_file_location("gen_schemas", ROOT / "tools" / "gen_schemas.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for (product, action), _model in RESPONSE_MODEL_FALLBACK.items():
        op = next(o for o in OPS if o["product"] == product and o["action"] == action)
        assert gen.sdk_response_tree(product, action) == response_tree(op)
    for op in OPS:
        if "request" in op or not (op["query"] or op["body"]):
            continue
        sdk = gen.sdk_request_tree(op["product"], op["action"])["properties"]
        ours = request_tree(op)["properties"]
        assert {k: v["type"] for k, v in ours.items()} == \
            {k: sdk[k]["type"] for k in (*op["query"], *op["body"])}, key(op)


# ------------------------------------------------------------------------------------------
# curated request constraints (behavior.md / DESIGN §3), checked by validation
# ------------------------------------------------------------------------------------------

REQUIRED = {
    "PaiStudio/2022-01-12/CreateTrainingJob": ["TrainingJobName", "WorkspaceId"],
    "pai-dlc/2020-12-03/CreateJobTemplate": ["TemplateName", "Content", "WorkspaceId"],
    "pai-dlc/2020-12-03/ListJobTemplates": ["WorkspaceId"],
    "pai-dlc/2020-12-03/GetJobMetrics": ["MetricType"],
    "PaiStudio/2022-01-12/ListTrainingJobInstanceMetrics": ["MetricType"],
    "pai-dlc/2020-12-03/GetJobSanityCheckResult": ["SanityCheckNumber"],
    "pai-dlc/2020-12-03/SetJobTemplateDefaultVersion": ["Version"],
    "PaiStudio/2022-01-12/DeleteTrainingJobLabels": ["Keys"],
}


def _request_validator(k: str):
    doc = op_docs()[k]
    reg = registry()
    base = minimal_instance(doc["$defs"]["request"], reg.resolver(base_uri=doc["$id"]))
    return validator(doc["$id"], "/$defs/request", reg), base


@pytest.mark.parametrize("k", sorted(REQUIRED))
def test_required_parameters(k):
    v, base = _request_validator(k)
    assert v.is_valid(base)
    for name in REQUIRED[k]:
        missing = {p: x for p, x in base.items() if p != name}
        errors = list(v.iter_errors(missing))
        assert errors and all(e.validator == "required" for e in errors), (k, name)


def test_create_job_required_unless_template():
    v, base = _request_validator("pai-dlc/2020-12-03/CreateJob")
    assert sorted(base) == ["DisplayName", "JobSpecs", "JobType", "UserCommand"]
    assert v.is_valid(base)
    for name in ("DisplayName", "JobType", "JobSpecs", "UserCommand"):
        assert not v.is_valid({p: x for p, x in base.items() if p != name}), name
    assert v.is_valid({"TemplateId": "tplwk80096dw0001"})        # the template supplies them
    assert not v.is_valid({**base, "JobSpecs": []})               # minItems 1
    assert not v.is_valid({**base, "JobType": "pytorchjob"})      # case-sensitive enum
    assert not v.is_valid({**base, "Priority": 10})
    assert v.is_valid({**base, "Priority": 9, "Accessibility": "PUBLIC"})


@pytest.mark.parametrize("k,maximum", [
    ("PaiStudio/2022-01-12/ListTrainingJobs", 100), ("PaiStudio/2022-01-12/ListAlgorithms", 100),
    ("PaiStudio/2022-01-12/ListAlgorithmVersions", 100), ("pai-dlc/2020-12-03/ListJobs", 100),
    ("pai-dlc/2020-12-03/ListTensorboards", 100), ("pai-dlc/2020-12-03/ListJobTemplates", 100),
    ("pai-dlc/2020-12-03/ListEcsSpecs", 100), ("PaiPlugin/2022-01-12/ListTrainingJobs", 100),
    ("PaiPlugin/2022-01-12/ListAlgorithms", 100), ("PaiPlugin/2022-01-12/ListCampaigns", 100),
    ("PaiStudio/2022-01-12/ListTrainingJobLogs", 2000),
    ("PaiStudio/2022-01-12/ListTrainingJobEvents", 2000),
    ("PaiStudio/2022-01-12/ListTrainingJobInstanceEvents", 2000),
    ("PaiStudio/2022-01-12/ListTrainingJobMetrics", 100),
])
def test_page_bounds(k, maximum):
    v, base = _request_validator(k)
    assert v.is_valid({**base, "PageSize": maximum, "PageNumber": 1})
    assert not v.is_valid({**base, "PageSize": maximum + 1})
    assert not v.is_valid({**base, "PageSize": 0})
    assert not v.is_valid({**base, "PageNumber": 0})
    assert not v.is_valid({**base, "PageSize": "10"})   # decoded types: the wire layer converts


def test_dlc_page_number_max_and_defaults():
    for k in ("pai-dlc/2020-12-03/ListJobs", "pai-dlc/2020-12-03/ListTensorboards"):
        v, base = _request_validator(k)
        assert v.is_valid({**base, "PageNumber": 1000})
        assert not v.is_valid({**base, "PageNumber": 1001})
    props = op_docs()["pai-dlc/2020-12-03/ListJobs"]["$defs"]["request"]["properties"]
    assert props["PageSize"]["default"] == 10 and props["ShowOwn"]["default"] is True
    logs = op_docs()["PaiStudio/2022-01-12/ListTrainingJobLogs"]["$defs"]["request"]["properties"]
    assert logs["PageSize"]["default"] == 100
    events = op_docs()["pai-dlc/2020-12-03/GetJobEvents"]["$defs"]["request"]["properties"]
    assert events["MaxEventsNum"] == {**events["MaxEventsNum"], "minimum": 1, "maximum": 10000,
                                      "default": 2000}


def test_enums():
    v, base = _request_validator("PaiStudio/2022-01-12/ListTrainingJobs")
    for order in ("asc", "desc", "ASC", "DESC"):
        assert v.is_valid({**base, "Order": order})
    assert not v.is_valid({**base, "Order": "Ascending"})
    assert not v.is_valid({**base, "SortBy": "Name"})
    v, base = _request_validator("PaiStudio/2022-01-12/ListTrainingJobInstanceMetrics")
    assert v.is_valid({**base, "TimeStep": "10s"})
    assert not v.is_valid({**base, "TimeStep": "1m"})
    assert not v.is_valid({**base, "MetricType": "GpuUsage"})
    v, base = _request_validator("pai-dlc/2020-12-03/GetJobSanityCheckResult")
    assert not v.is_valid({**base, "SanityCheckNumber": 0})
    assert not v.is_valid({**base, "SanityCheckPhase": "Init"})
    v, base = _request_validator("PaiPlugin/2022-01-12/ListTrainingJobs")
    assert v.is_valid({**base, "Status": 4})
    assert not v.is_valid({**base, "Status": 5})
    v, base = _request_validator("pai-dlc/2020-12-03/GetJobTemplate")
    assert v.is_valid({**base, "Version": "3"}) and not v.is_valid({**base, "Version": "latest"})


def test_rate_limits():
    low = {k for k, d in op_docs().items() if d["x-operation"]["rateLimit"] != 100}
    assert low == {f"pai-dlc/2020-12-03/{a}" for a in
                   ("CreateJobTemplate", "UpdateJobTemplate", "DeleteJobTemplate",
                    "SetJobTemplateDefaultVersion")}
    for k in low:
        doc = op_docs()[k]
        assert doc["x-operation"]["rateLimit"] == 10
        assert "some APIs" in doc["description"]


def test_nested_request_forms_are_open_and_curated():
    reg = registry()
    shared = f"{BASE_URI}/_shared/PaiStudio.json"
    metric = validator(shared, "/$defs/MetricDefinition.request", reg)
    assert metric.is_valid({"Name": "loss", "Regex": "loss=(.*)", "Extra": 1})   # open
    assert not metric.is_valid({"Name": "loss"})                                  # Regex required
    closed = validator(shared, "/$defs/MetricDefinition", reg)
    assert not closed.is_valid({"Name": "loss", "Extra": 1})                      # response: closed
    dlc = validator(f"{BASE_URI}/_shared/pai-dlc.json", "/$defs/JobSettings.request", reg)
    assert dlc.is_valid({"JobReservedPolicy": "OnFailure"})
    assert not dlc.is_valid({"JobReservedPolicy": "Never"})


# ------------------------------------------------------------------------------------------
# the checks can fail: broken copies are caught
# ------------------------------------------------------------------------------------------

def _broken_registry(docs: dict[str, dict], shared: dict[str, dict]) -> Registry:
    return build_registry([*docs.values(), *shared.values()])


def test_checker_catches_dropped_response_field():
    docs, shared = copied_docs()
    k = "PaiStudio/2022-01-12/ListTrainingJobLogs"
    del docs[k]["$defs"]["response"]["properties"]["TotalCount"]
    problems = response_problems(op_by_key(k), docs[k], _broken_registry(docs, shared))
    assert any("TotalCount: missing" in p for p in problems), problems


def test_checker_catches_wrong_type_in_shared_model():
    docs, shared = copied_docs()
    # DLC JobItem.RequestGPU is a string, GetJob.RequestGPU a number; break a shared model instead
    shared["_shared/pai-dlc.json"]["$defs"]["PodItem"]["properties"]["PodId"]["type"] = "integer"
    k = "pai-dlc/2020-12-03/ListJobs"
    problems = response_problems(op_by_key(k), docs[k], _broken_registry(docs, shared))
    assert any("PodId: SDK type 'string'" in p for p in problems), problems


def test_checker_catches_open_response_and_extra_field():
    docs, shared = copied_docs()
    k = "PaiStudio/2022-01-12/GetTrainingJob"
    resp = docs[k]["$defs"]["response"]
    del resp["additionalProperties"]
    resp["properties"]["Invented"] = {"type": "string"}
    reg = _broken_registry(docs, shared)
    problems = response_problems(op_by_key(k), docs[k], reg)
    assert any("not closed" in p for p in problems) and any("Invented" in p for p in problems)
    assert any("unknown top-level" in p for p in closedness_problems(op_by_key(k), docs[k], reg))


def test_checker_catches_request_mistakes():
    docs, shared = copied_docs()
    k = "pai-dlc/2020-12-03/ListJobs"
    props = docs[k]["$defs"]["request"]["properties"]
    props["PageSize"]["x-in"] = "body"
    del props["Tags"]["x-json-string"]
    del props["Caller"]
    problems = request_problems(op_by_key(k), docs[k], _broken_registry(docs, shared))
    assert any("PageSize x-in" in p for p in problems)
    assert any("Tags x-json-string" in p for p in problems)
    assert any("Caller (query) missing" in p for p in problems)


def test_checker_catches_x_operation_mistakes():
    docs, _ = copied_docs()
    k = "pai-dlc/2020-12-03/GetJobSanityCheckResult"
    xop = docs[k]["x-operation"]
    xop["requestIdField"] = "RequestId"
    xop["pathParams"] = ["job_id"]
    problems = x_operation_problems(op_by_key(k), docs[k])
    assert problems
    docs[k]["x-operation"] = {**op_docs()[k]["x-operation"], "requestIdField": "RequestId"}
    assert any("requestIdField" in p for p in x_operation_problems(op_by_key(k), docs[k]))
    del docs[k]["x-operation"]["mutating"]
    assert any("mutating" in p for p in x_operation_problems(op_by_key(k), docs[k]))
