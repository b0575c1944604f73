"""The OpenAPI 3.0.3 document, generated from schemas/ (DESIGN §5): one operation per schema, at its
native ROA path, with parameters in their locations, a request body per `bodyEncoding`, the 200
response schema and the error schema as the default response. Shared definitions become
components; every `$ref` is rewritten to point at them.

Why 3.0 and not 3.1: the schemas are JSON Schema 2020-12, in which `3.0` is an integer, while
fakepai refuses a float where an integer belongs (issue #11, docs/limits.md). OpenAPI 3.1 adopts
2020-12, so OpenAPI tools send `3.0` for an integer (Schemathesis does, for every JSON body) and
would count the refusal as a schema-valid request rejected. OpenAPI 3.0's Schema Object is the
older dialect, where an integer is written without a fraction, which is what fakepai enforces.
The few 2020-12 keywords the schemas use are written in their 3.0 equivalents (`_Refs.rewrite`):
`examples` -> `example`, `const` -> a one-value `enum`, `type: [T, "null"]` -> `nullable`, a `$ref`
with siblings -> `allOf`, `propertyNames` -> the extension `x-fakepai-propertyNames` (3.0 has no
keyword for a map key's bounds; the binder enforces it), and CreateJob's `if`/`else` -> `anyOf` (`if A else B` holds exactly when
A or B holds). Dropped: `$schema`, `$id` and `$defs` (the definitions become components and every
`$ref` points there) and the binder's own `x-in`/`x-json-string` (they become the parameter's
location and its `content`/`encoding`). A keyword 3.0 cannot write fails the validity test.
Kept as they are: the declared cross-field rules (`x-fakepai-rules`, `x-fakepai-jsonText`;
fakepai/rules.py), the request's own on the operation object.

Behind `fakepai openapi` and GET /_fakepai/openapi.json, so Schemathesis and other OpenAPI tools
can drive the emulator.
"""
from __future__ import annotations

import copy
from urllib.parse import urldefrag, urljoin

from fakepai import rules
from fakepai.catalog import Catalog, Operation, default_catalog

COMMON_ID = "https://fakepai.local/schemas/_shared/common.json"
_SCHEMAS_BASE = "https://fakepai.local/schemas/"
# Keywords that only make sense inside a standalone schema document, or only to fakepai's binder.
_DROP = {"$schema", "$id", "x-in", "x-json-string"}


def _prefix(doc_id: str, doc: dict) -> str:
    """Component-name prefix of a schema document: `pai-dlc` for a shared file, `PaiStudio.GetTrainingJob`
    for an operation's own definitions."""
    meta = doc.get("x-operation")
    if meta:
        return f"{meta['product']}.{meta['action']}"
    name = doc_id[len(_SCHEMAS_BASE):] if doc_id.startswith(_SCHEMAS_BASE) else doc_id
    return name.removeprefix("_shared/").removesuffix(".json").replace("/", ".")


class _Refs:
    """Rewrites JSON Schema `$ref`s (absolute or document-local) to `#/components/schemas/...`."""

    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = prefixes  # document $id -> component prefix

    def component(self, uri: str) -> str:
        doc, fragment = urldefrag(uri)
        prefix = self.prefixes.get(doc)
        if prefix is None or not fragment.startswith("/$defs/"):
            raise ValueError(f"cannot place $ref {uri!r} in components")
        name, _, rest = fragment[len("/$defs/"):].partition("/")
        return f"#/components/schemas/{prefix}.{name}" + (f"/{rest}" if rest else "")

    def rewrite(self, node, base: str):
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key in _DROP or key == "$defs":
                    continue
                if key == "$ref" and isinstance(value, str):
                    out[key] = self.component(urljoin(base, value))
                elif key in ("properties", "patternProperties", "dependentSchemas"):
                    # Property names are data, not keywords: never drop one called like a keyword.
                    out[key] = {k: self.rewrite(v, base) for k, v in value.items()}
                else:
                    out[key] = self.rewrite(value, base)
            return _as_oas30(out)
        if isinstance(node, list):
            return [self.rewrite(v, base) for v in node]
        return node


def _as_oas30(schema: dict) -> dict:
    """One schema node's 2020-12 keywords in their OpenAPI 3.0 Schema Object form."""
    if "examples" in schema:
        examples = schema.pop("examples")
        if examples:
            schema["example"] = examples[0]
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    if "propertyNames" in schema:                # 3.0 cannot bound a map's keys: published, enforced by the binder,
        schema[rules.PROPERTY_NAMES] = schema.pop("propertyNames")   # kept by generators (rules.satisfy)
    if isinstance(schema.get("type"), list):     # 3.0: one type per schema, `nullable` admits null
        types = schema.pop("type")
        named = [t for t in types if t != "null"]
        if len(named) != 1:
            raise ValueError(f"OpenAPI 3.0 has no form for the type list {types!r}")
        schema["type"] = named[0]
        if "null" in types:
            schema["nullable"] = True
    if "if" in schema:                           # 3.0 has no conditionals (a nested one: CreateJob's quota rule)
        condition, then, otherwise = (schema.pop(k, None) for k in ("if", "then", "else"))
        schema["allOf"] = [*schema.get("allOf", []), _if_as_any_of(condition, then, otherwise)]
    if "$ref" in schema and len(schema) > 1:     # 3.0 ignores a $ref's siblings: keep them with allOf
        schema = {"allOf": [{"$ref": schema.pop("$ref")}], **schema}
    return schema


# Request-level keywords that hold for the whole body as they are in OpenAPI 3.0 (`anyOf` is not
# one while a conditional is there: that becomes an anyOf of its own, so CreateJob's other rules sit
# in `allOf`).
_COMBINATORS = ("oneOf", "anyOf", "not", "allOf")


def _conditional_as_any_of(request: dict, rewrite) -> dict:
    """CreateJob's `if`/`then`/`else` as an `anyOf` (OpenAPI 3.0 has no conditionals): exactly the
    bodies that satisfy (if and then) or (not if and else); without `then`, that is `if` or `else`."""
    if "if" not in request:
        return {}
    return _if_as_any_of(*(rewrite(request[k]) if k in request else None for k in ("if", "then", "else")))


def _if_as_any_of(condition: dict, then: dict | None, otherwise: dict | None) -> dict:
    first = {"allOf": [condition, then]} if then is not None else condition
    if otherwise is None:
        return {"anyOf": [first, {"not": condition}]}
    second = otherwise if then is None else {"allOf": [{"not": condition}, otherwise]}
    return {"anyOf": [first, second]}


def build_openapi(catalog: Catalog | None = None, server_url: str | None = None) -> dict:
    catalog = catalog or default_catalog()
    docs = [d for d in catalog.documents if "$id" in d]
    refs = _Refs({d["$id"]: _prefix(d["$id"], d) for d in docs})

    components: dict[str, dict] = {}
    for doc in docs:
        prefix = refs.prefixes[doc["$id"]]
        for name, schema in doc.get("$defs", {}).items():
            if doc.get("x-operation") and name in ("request", "response"):
                continue  # an operation's request/response become its parameters and responses
            components[f"{prefix}.{name}"] = refs.rewrite(schema, doc["$id"])

    paths: dict[str, dict] = {}
    for op in sorted(catalog.operations.values(), key=lambda o: (o.path, o.method)):
        methods = paths.setdefault(op.path, {})
        if op.method.lower() in methods:
            raise ValueError(f"two operations at {op.method} {op.path}")
        methods[op.method.lower()] = _operation(op, refs)

    versions = ", ".join(f"{p} {v}" for p, v in sorted(catalog.versions().items()))
    document = {
        "openapi": "3.0.3",
        "info": {
            "title": "fakepai — Alibaba Cloud PAI training-job APIs",
            "version": __import__("fakepai").__version__,
            "description": f"Generated from fakepai's schemas/ ({versions}). Native ROA paths; every operation "
                           "is also reachable at /api/{Product}/{Version}/{Action} (x-fakepai-gateway).",
        },
        "servers": [{"url": server_url or "http://127.0.0.1:8642"}],
        "security": [{"bearer": []}, {"acs": []}],
        "tags": [{"name": p} for p in sorted(catalog.versions())],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <key> (the seed's form)"},
                "acs": {"type": "apiKey", "in": "header", "name": "Authorization",
                        "description": "ACS3-HMAC-SHA256 or `acs <AK>:<signature>`, as the official SDKs sign"},
            },
        },
    }
    return document


def _operation(op: Operation, refs: _Refs) -> dict:
    base = op.document["$id"]
    request = op.document["$defs"]["request"]
    required = set(request.get("required", []))
    parameters, body_props, body_required, json_text_fields = [], {}, [], []
    for name, spec in request.get("properties", {}).items():
        where = spec.get("x-in", "body")
        schema = refs.rewrite(spec, base)
        if where in ("path", "query"):
            param = {"name": name, "in": where, "required": where == "path" or name in required}
            if spec.get("description"):
                param["description"] = spec["description"]
            if spec.get("x-json-string"):
                # A "shrink" parameter: the value is JSON text (DESIGN §3).
                param["content"] = {"application/json": {"schema": schema}}
            else:
                param["schema"] = schema
            parameters.append(param)
        else:
            if spec.get("x-json-string") and op.body_encoding == "form":
                # A "shrink" form field: its value is JSON text. OpenAPI says so with the inner
                # schema and an Encoding Object `contentType: application/json`, as `content` does
                # for the query parameters above; a `string` with `contentMediaType` would be an
                # annotation only, admitting any text. (In a JSON body the value is the object itself.)
                json_text_fields.append(name)
            body_props[name] = schema
            if name in required:
                body_required.append(name)

    out: dict = {
        "operationId": f"{op.product}.{op.action}",
        "summary": f"{op.product} {op.version} {op.action}",
        "tags": [op.product],
        "x-fakepai-gateway": f"/api/{op.product}/{op.version}/{op.action}",
        "parameters": parameters,
        "responses": {
            "200": {"description": "Success", "content": {"application/json": {"schema": _response_schema(op, refs)}}},
            "default": {"description": "Error (Code, Message, RequestId)",
                        "content": {"application/json": {"schema": {"$ref": refs.component(_error_ref(op))}}}},
        },
    }
    if op.document.get("description"):
        out["description"] = op.document["description"]
    if request.get(rules.RULES):
        # Rules over the request's parameters, wherever each travels (query, path or body): on the
        # operation, as the parameters are (fakepai/rules.py; nested objects carry theirs in place).
        out[rules.RULES] = copy.deepcopy(request[rules.RULES])
    if body_props and op.body_encoding != "none":
        media = "application/x-www-form-urlencoded" if op.body_encoding == "form" else "application/json"
        body_schema = {"type": "object", "properties": body_props}
        if body_required:
            body_schema["required"] = body_required
        # Conditional requirements (CreateJob: the job fields unless TemplateId) and alternatives
        # (CreateTrainingJob: AlgorithmName or AlgorithmSpec, not both) name body fields.
        body_schema.update(_conditional_as_any_of(request, lambda schema: refs.rewrite(schema, base)))
        body_schema.update({key: refs.rewrite(request[key], base) for key in _COMBINATORS if key in request})
        needs_body = bool(body_required) or bool({"if", *_COMBINATORS} & set(request))   # they ask for fields
        media_object: dict = {"schema": body_schema}
        if json_text_fields:
            media_object["encoding"] = {name: {"contentType": "application/json"} for name in json_text_fields}
        out["requestBody"] = {"required": needs_body, "content": {media: media_object}}
    return out


def _response_schema(op: Operation, refs: _Refs) -> dict:
    return refs.rewrite(copy.deepcopy(op.document["$defs"]["response"]), op.document["$id"])


def _error_ref(op: Operation) -> str:
    return COMMON_ID + ("#/$defs/PaiPluginError" if op.envelope == "paiplugin" else "#/$defs/ErrorResponse")
