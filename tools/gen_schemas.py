#!/usr/bin/env python3
"""Draft fakepai's ``schemas/`` from the reference operation list and the official SDKs.

Inputs
  * ``operations.json`` — every in-scope operation with its method, path, parameters and the
    request/response field trees as the official SDK models map them. Looked up at
    ``../shared/reference/operations.json`` (beside the checkout) and, failing that, at the copy
    committed in ``tests/data/operations.json``.
  * the installed SDK packages (``alibabacloud_paistudio20220112``, ``alibabacloud_pai_dlc20201203``,
    ``alibabacloud_paiplugin20220112``): request models for the operations whose entry has no
    ``request`` tree (``<Action>Request.__init__`` annotations + the keys ``to_map`` writes),
    the response model of ``GetTensorboard`` (its entry has no ``response`` tree: the SDK body is
    the ``Tensorboard`` model itself), body encodings (``req_body_type`` in ``client.py``) and the
    "shrink" parameters the client serialises to JSON strings.

Output: one JSON Schema (draft 2020-12) document per operation at
``schemas/<Product>/<Version>/<Action>.json`` plus ``schemas/_shared/<Product>.json`` (models used
by more than one operation, or recursive) and ``schemas/_shared/common.json`` (error body, PaiPlugin
envelope). The layout is specified in ``schemas/README.md``.

Usage
  python tools/gen_schemas.py            # draft into a scratch dir, print a unified diff against
                                         # the committed schemas/ (never touches schemas/)
  python tools/gen_schemas.py --check    # same, exit 1 when the drafts differ
  python tools/gen_schemas.py --raw      # drafts without the CURATION data (pure SDK drafts)
  python tools/gen_schemas.py --write    # first run only: write into schemas/ (refuses to
                                         # overwrite existing documents unless --force)

The committed documents are the truth: they are curated from ``reference/behavior.md`` and
DESIGN §3. The curation is recorded below as data (``CURATION``), so a regenerated draft matches
the committed files, and any later hand edit or SDK change shows up in the diff.

Output is deterministic: sorted keys, 2-space indent, trailing newline.
"""
from __future__ import annotations

import argparse
import ast
import copy
import difflib
import importlib
import inspect
import json
import re
import sys
import tempfile
import textwrap
import typing
from pathlib import Path
from typing import Any

# The outcome tag's bounds are the parser's own, imported so the schemas cannot drift from them.
from fakepai.rules import check_declaration
from fakepai.services.dlc.constraint_paths import PATH_PATTERN as CONSTRAINT_PATH
from fakepai.services.dlc.templates import RULES as CONSTRAINT_RULES
from fakepai.outcome_spec import MAX_RESTARTS as MAX_OUTCOME_RESTARTS, MAX_SECONDS as MAX_OUTCOME_SECONDS
from fakepai.services.dlc.lifecycle import SANITY_PHASES as DLC_SANITY_PHASES, lifecycle_for as dlc_lifecycle
from fakepai.services.paistudio.lifecycle import LIFECYCLE as STUDIO_LIFECYCLE
from fakepai.services.dlc.ecs_specs import CATALOGUE as DLC_INSTANCE_TYPES
from fakepai.services.dlc.job_spec import ROLES as DLC_ROLES, WORKER_GROUPS as DLC_WORKER_GROUPS

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS_DIR = ROOT / "schemas"
OPS_SHARED = ROOT.parent / "shared" / "reference" / "operations.json"
OPS_COPY = ROOT / "tests" / "data" / "operations.json"

BASE_URI = "https://fakepai.local/schemas"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

# product -> (SDK package, API version)
PRODUCTS: dict[str, tuple[str, str]] = {
    "PaiStudio": ("alibabacloud_paistudio20220112", "2022-01-12"),
    "pai-dlc": ("alibabacloud_pai_dlc20201203", "2020-12-03"),
    "PaiPlugin": ("alibabacloud_paiplugin20220112", "2022-01-12"),
}

REQUEST_ID_FIELDS = ("RequestId", "RequestID", "requestId")

# Where the installed SDK and operations.json disagree and operations.json is kept (it is the
# reference the tests check against). Anything else that differs is reported as a warning.
KNOWN_SDK_DIFFERENCES = {
    ("pai-dlc", "GetJob", "response"): "RoleSystemEnvs: the SDK says Dict[str, dict], operations.json "
                                       "maps the values as `any`",
}
MUTATING_PREFIXES = ("Create", "Update", "Delete", "Stop", "Start", "Set")
DEFAULT_RATE_LIMIT = 100

# The resource a path id names, for `NotFound.<Resource>`. For operations on a sub-object of a
# job (instances, pods) the resource is the job: the handler reports a missing sub-object itself.
RESOURCE_BY_PATH: list[tuple[str, str, str]] = [
    # (product, path prefix after the PascalCase conversion, resource)
    ("PaiStudio", "/api/v1/trainingjobs/{TrainingJobId}", "TrainingJob"),
    ("PaiStudio", "/api/v1/algorithms/{AlgorithmId}/versions/{AlgorithmVersion}", "AlgorithmVersion"),
    ("PaiStudio", "/api/v1/algorithms/{AlgorithmId}", "Algorithm"),
    ("pai-dlc", "/api/v1/jobs/{JobId}", "Job"),
    ("pai-dlc", "/api/v1/jobtemplates/{TemplateId}", "JobTemplate"),
    ("pai-dlc", "/api/v1/tensorboards/{TensorboardId}", "Tensorboard"),
    ("PaiPlugin", "/api/v2/campaigns/{Id}", "Campaign"),
    ("PaiPlugin", "/api/v2/training/jobs/{Id}", "TrainingJob"),
    ("PaiPlugin", "/api/v2/algorithms/{Id}", "Algorithm"),
]
# CreateAlgorithmVersion creates the version: the id that must exist is the algorithm's.
RESOURCE_OVERRIDES = {("PaiStudio", "CreateAlgorithmVersion"): "Algorithm"}


# ----------------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------------

def pascal(snake: str) -> str:
    """training_job_id -> TrainingJobId, id -> Id."""
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def dump(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def shared_uri(product: str) -> str:
    return f"{BASE_URI}/_shared/{product}.json"


def doc_uri(product: str, version: str, action: str) -> str:
    return f"{BASE_URI}/{product}/{version}/{action}.json"


def warn(msg: str) -> None:
    print(f"gen_schemas: warning: {msg}", file=sys.stderr)


def load_operations() -> list[dict]:
    for candidate in (OPS_SHARED, OPS_COPY):
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8"))
    raise SystemExit(f"operations.json not found at {OPS_SHARED} or {OPS_COPY}")


# ----------------------------------------------------------------------------------------------
# SDK introspection: model classes -> the operations.json tree format
#   {"type": "string"|"integer"|"number"|"boolean"|"any"}
#   {"type": "array", "items": <node>}
#   {"type": "object", "additionalProperties": <node>}                       (maps)
#   {"$model": Name, "type": "object", "properties": {Key: <node>}}          (models)
#   {"$model": Name, "recursive": true}                                      (model already open)
# ----------------------------------------------------------------------------------------------

_SCALARS = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "Any": "any",
            "object": "any"}


def _models_module(product: str):
    return importlib.import_module(PRODUCTS[product][0] + ".models")


def _annotation_str(ann: Any) -> str:
    if isinstance(ann, str):
        return ann
    if ann is typing.Any:
        return "Any"
    origin = typing.get_origin(ann)
    if origin is list:
        return f"List[{_annotation_str(typing.get_args(ann)[0])}]"
    if origin is dict:
        k, v = typing.get_args(ann)
        return f"Dict[{_annotation_str(k)}, {_annotation_str(v)}]"
    if isinstance(ann, type):
        return ann.__name__
    raise ValueError(f"unsupported annotation {ann!r}")


def _split_top(s: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def _to_map_keys(cls: type) -> dict[str, str]:
    """attribute name -> wire key, read from the `if self.x is not None: result['X'] ...` blocks."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls.to_map)))
    keys: dict[str, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.If):
            continue
        t = node.test
        if not (isinstance(t, ast.Compare) and isinstance(t.left, ast.Attribute)
                and isinstance(t.left.value, ast.Name) and t.left.value.id == "self"
                and len(t.ops) == 1 and isinstance(t.ops[0], ast.IsNot)):
            continue
        for sub in node.body:
            found = None
            for n in ast.walk(sub):
                if (isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name)
                        and n.value.id == "result" and isinstance(n.slice, ast.Constant)):
                    found = n.slice.value
                    break
            if found:
                keys[t.left.attr] = found
                break
    return keys


def sdk_model_tree(product: str, name: str, _stack: tuple[str, ...] = ()) -> dict:
    mod = _models_module(product)
    cls = getattr(mod, name)
    if name in _stack:
        return {"$model": name, "recursive": True}
    keys = _to_map_keys(cls)
    params = inspect.signature(cls.__init__).parameters
    props = {}
    for attr, key in keys.items():
        props[key] = _annotation_node(product, _annotation_str(params[attr].annotation),
                                      _stack + (name,))
    return {"$model": name, "type": "object", "properties": props}


def _annotation_node(product: str, ann: str, stack: tuple[str, ...]) -> dict:
    ann = ann.strip()
    if ann.startswith("typing."):
        ann = ann[len("typing."):]
    if ann.startswith("List[") and ann.endswith("]"):
        return {"type": "array", "items": _annotation_node(product, ann[5:-1], stack)}
    if ann.startswith("Dict[") and ann.endswith("]"):
        _k, v = _split_top(ann[5:-1])
        return {"type": "object", "additionalProperties": _annotation_node(product, v, stack)}
    if ann in ("list", "List"):
        return {"type": "array", "items": {"type": "any"}}
    if ann in ("dict", "Dict"):
        return {"type": "object", "additionalProperties": {"type": "any"}}
    if ann in _SCALARS:
        return {"type": _SCALARS[ann]}
    return sdk_model_tree(product, ann.rsplit(".", 1)[-1], stack)


def sdk_request_tree(product: str, action: str) -> dict | None:
    mod = _models_module(product)
    if not hasattr(mod, f"{action}Request"):
        return None
    return sdk_model_tree(product, f"{action}Request")


def sdk_response_tree(product: str, action: str) -> dict | None:
    mod = _models_module(product)
    resp = getattr(mod, f"{action}Response", None)
    if resp is None:
        return None
    ann = _annotation_str(inspect.signature(resp.__init__).parameters["body"].annotation)
    return _annotation_node(product, ann, ())


def sdk_client_facts(product: str) -> dict[str, dict]:
    """action -> {"req_body_type": str, "shrink": [wire keys sent as JSON strings]}"""
    pkg = importlib.import_module(PRODUCTS[product][0])
    src = (Path(pkg.__file__).parent / "client.py").read_text(encoding="utf-8")
    facts: dict[str, dict] = {}
    # split into the synchronous *_with_options methods
    chunks = re.split(r"\n    (?:async )?def ", src)
    for chunk in chunks:
        head = chunk.split("(", 1)[0]
        if not head.endswith("_with_options"):
            continue
        m_action = re.search(r"action\s*=\s*'(\w+)'", chunk)
        m_body = re.search(r"req_body_type\s*=\s*'(\w+)'", chunk)
        if not m_action:
            continue
        shrink = re.findall(r"array_to_string_with_specified_style\(tmp_req\.\w+,\s*'(\w+)',\s*'json'\)",
                            chunk)
        facts.setdefault(m_action.group(1), {
            "req_body_type": m_body.group(1) if m_body else "json",
            "shrink": sorted(set(shrink)),
        })
    return facts


def _canon(tree: dict) -> str:
    return json.dumps(tree, sort_keys=True)


# ----------------------------------------------------------------------------------------------
# model sharing: which $model names go to schemas/_shared/<Product>.json
# ----------------------------------------------------------------------------------------------

def _walk_models(node: dict, visit, is_root: bool = False) -> None:
    if "$model" in node:
        visit(node, is_root)
    for child in node.get("properties", {}).values():
        _walk_models(child, visit)
    if isinstance(node.get("items"), dict):
        _walk_models(node["items"], visit)
    if isinstance(node.get("additionalProperties"), dict):
        _walk_models(node["additionalProperties"], visit)


class Catalog:
    """Per-product model definitions and their use, collected from every operation's trees."""

    def __init__(self) -> None:
        self.trees: dict[tuple[str, str], dict] = {}          # (product, model) -> full tree
        self.users: dict[tuple[str, str], set[str]] = {}      # (product, model) -> actions
        self.recursive: set[tuple[str, str]] = set()

    def add(self, product: str, action: str, tree: dict) -> None:
        def visit(node: dict, _is_root: bool) -> None:
            key = (product, node["$model"])
            self.users.setdefault(key, set()).add(action)
            if node.get("recursive"):
                self.recursive.add(key)
                return
            known = self.trees.get(key)
            if known is None:
                self.trees[key] = node
            elif _canon(known) != _canon(node):
                raise SystemExit(f"{product}: two different models named {node['$model']!r}")
        _walk_models(tree, visit, is_root=True)

    def is_shared(self, product: str, model: str) -> bool:
        key = (product, model)
        return len(self.users.get(key, ())) > 1 or key in self.recursive


class Converter:
    """operations.json trees -> JSON Schema. `side` is "request" (open objects) or "response"
    (objects with named properties are closed). Shared models become absolute `$ref`s:
    `_shared/<Product>.json#/$defs/<Model>` for the (closed) response form and
    `#/$defs/<Model>.request` for the (open) request form."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.needed: set[tuple[str, str, str]] = set()     # (product, model, side)

    @staticmethod
    def def_name(model: str, side: str) -> str:
        return model if side == "response" else f"{model}.request"

    def ref(self, product: str, model: str, side: str) -> dict:
        self.needed.add((product, model, side))
        return {"$ref": f"{shared_uri(product)}#/$defs/{self.def_name(model, side)}"}

    def convert(self, node: dict, product: str, side: str, root: bool = False) -> dict:
        model = node.get("$model")
        if node.get("recursive"):
            return self.ref(product, model, side)
        if model and not root and self.catalog.is_shared(product, model):
            return self.ref(product, model, side)
        return self.body(node, product, side)

    def body(self, node: dict, product: str, side: str) -> dict:
        t = node.get("type")
        if t in (None, "any"):
            return {}
        if t == "array":
            return {"type": "array", "items": self.convert(node["items"], product, side)}
        if t == "object":
            out: dict[str, Any] = {"type": "object"}
            if "properties" in node:
                out["properties"] = {k: self.convert(v, product, side)
                                     for k, v in node["properties"].items()}
                if side == "response":
                    out["additionalProperties"] = False
            if isinstance(node.get("additionalProperties"), dict):
                out["additionalProperties"] = self.convert(node["additionalProperties"], product, side)
            return out
        return {"type": t}

    def shared_defs(self, product: str) -> dict[str, dict]:
        """Definitions for every (model, side) referenced so far, closing over nested refs."""
        done: dict[str, dict] = {}
        while True:
            todo = sorted((m, s) for p, m, s in self.needed
                          if p == product and self.def_name(m, s) not in done)
            if not todo:
                return done
            for model, side in todo:
                tree = self.catalog.trees[(product, model)]
                done[self.def_name(model, side)] = self.body(tree, product, side)


# ----------------------------------------------------------------------------------------------
# documents
# ----------------------------------------------------------------------------------------------

def common_document() -> dict:
    return {
        "$schema": DRAFT,
        "$id": f"{BASE_URI}/_shared/common.json",
        "title": "fakepai common definitions",
        "description": "The error body every DLC / PaiStudio error carries (DESIGN §3, behavior.md §2.2) "
                       "and the PaiPlugin response envelope (behavior.md §1.2, §8).",
        "$defs": {
            "ErrorResponse": {
                "type": "object",
                "description": "Error body: {RequestId, HostId, Code, Message, Recommend}. The SDKs read "
                               "Code, Message and RequestId [SDK-CORE]; HostId and Recommend are the "
                               "usual gateway extras [INFERRED].",
                "properties": {
                    "Code": {"type": "string"},
                    "HostId": {"type": "string"},
                    "Message": {"type": "string"},
                    "Recommend": {"type": "string"},
                    "RequestId": {"type": "string"},
                },
                "required": ["Code", "Message", "RequestId"],
                "additionalProperties": False,
            },
            "PaiPluginEnvelope": {
                "type": "object",
                "description": "PaiPlugin wraps every response: {Data, ErrorCode, ErrorMessage, RequestId}. "
                               "Success: ErrorCode 0, ErrorMessage \"OK\" [SDK-PL; META demos]. Data's "
                               "shape is per operation (see the operation's response schema).",
                "properties": {
                    "Data": {},
                    "ErrorCode": {"$ref": "#/$defs/PaiPluginErrorCode"},
                    "ErrorMessage": {"$ref": "#/$defs/PaiPluginErrorMessage"},
                    "RequestId": {"type": "string"},
                },
                "required": ["RequestId"],
                "additionalProperties": False,
            },
            "PaiPluginError": {
                "type": "object",
                "description": "A PaiPlugin error: the envelope with a non-zero ErrorCode and an "
                               "ErrorMessage (behavior.md §2.3, DESIGN §3), plus the common error "
                               "fields that carry the code to the official SDK's ClientException "
                               "(fakepai/wire/rendering.py).",
                "properties": {
                    "Data": {},
                    "ErrorCode": {"allOf": [{"$ref": "#/$defs/PaiPluginErrorCode"}, {"not": {"const": 0}}]},
                    "ErrorMessage": {"$ref": "#/$defs/PaiPluginErrorMessage"},
                    "RequestId": {"type": "string"},
                    "Code": {"type": "string"},
                    "HostId": {"type": "string"},
                    "Message": {"type": "string"},
                    "Recommend": {"type": "string"},
                },
                "required": ["ErrorCode", "ErrorMessage", "RequestId"],
                "additionalProperties": False,
            },
            "PaiPluginErrorCode": {"type": "integer", "description": "0 on success [SDK-PL]."},
            "PaiPluginErrorMessage": {"type": "string", "description": "\"OK\" on success [SDK-PL]."},
        },
    }


def build(raw: bool = False) -> dict[str, str]:
    """Return {relative path under schemas/: file text} for every generated document."""
    ops = load_operations()
    catalog = Catalog()
    client = {p: sdk_client_facts(p) for p in PRODUCTS}
    prepared = []

    for op in ops:
        product, action = op["product"], op["action"]
        req_tree = op.get("request")
        sdk_req = sdk_request_tree(product, action)
        if req_tree is None:
            req_tree = sdk_req or {"type": "object", "properties": {}}
        elif (sdk_req is not None and _canon(sdk_req) != _canon(req_tree)
              and (product, action, "request") not in KNOWN_SDK_DIFFERENCES):
            warn(f"{product} {action}: SDK request model differs from operations.json")
        resp_tree = op.get("response")
        sdk_resp = sdk_response_tree(product, action)
        if resp_tree is None:
            if sdk_resp is None:
                raise SystemExit(f"{product} {action}: no response model anywhere")
            resp_tree = sdk_resp
        elif (sdk_resp is not None and _canon(sdk_resp) != _canon(resp_tree)
              and (product, action, "response") not in KNOWN_SDK_DIFFERENCES):
            warn(f"{product} {action}: SDK response model differs from operations.json")
        # Only the parameters the client actually sends belong in the request schema.
        sent = set(op["query"]) | set(op["body"])
        missing = sent - set(req_tree.get("properties", {}))
        if missing:
            warn(f"{product} {action}: no type for {sorted(missing)}; left unconstrained")
        catalog.add(product, action, {"type": "object", "properties": {
            k: v for k, v in req_tree.get("properties", {}).items() if k in sent}})
        catalog.add(product, action, resp_tree)
        prepared.append((op, req_tree, resp_tree))

    conv = Converter(catalog)
    out: dict[str, str] = {}
    for op, req_tree, resp_tree in prepared:
        product, version, action = op["product"], op["version"], op["action"]
        facts = client[product].get(action)
        if facts is None:
            raise SystemExit(f"{product} {action}: not found in the SDK client.py")
        doc = operation_document(op, req_tree, resp_tree, facts, conv)
        if not raw:
            apply_curation(doc, product, action)
            apply_response_curation(doc, product, action)
            apply_bounds(doc, product, action)
            apply_rules(doc, product, action)
        out[f"{product}/{version}/{action}.json"] = dump(doc)

    for product in PRODUCTS:
        defs = conv.shared_defs(product)
        shared = {
            "$schema": DRAFT,
            "$id": shared_uri(product),
            "title": f"{product} shared models",
            "description": f"{product} SDK models used by more than one operation (or recursive). "
                           "`<Model>` is the response form (objects closed); `<Model>.request` the "
                           "request form (objects open: unknown parameters are ignored, DESIGN §3).",
            "$defs": defs,
        }
        if not raw:
            apply_shared_curation(shared, product)
            apply_shared_response_curation(shared, product)
            apply_shared_bounds(shared, product)
            apply_shared_rules(shared, product, out)
        out[f"_shared/{product}.json"] = dump(shared)
    out["_shared/common.json"] = dump(common_document())
    return out


def operation_document(op: dict, req_tree: dict, resp_tree: dict, facts: dict,
                       conv: Converter) -> dict:
    product, version, action = op["product"], op["version"], op["action"]
    path_names = [pascal(p) for p in op["path_params"]]
    path = op["path"]
    for snake in op["path_params"]:
        path = path.replace("{" + snake + "}", "{" + pascal(snake) + "}")
    assert re.findall(r"\{(\w+)\}", path) == path_names, (action, path)

    shrink = set(facts["shrink"])
    props: dict[str, dict] = {}
    for name in path_names:
        props[name] = {"type": "string", "x-in": "path"}
    req_props = req_tree.get("properties", {})
    for where, names in (("query", op["query"]), ("body", op["body"])):
        for name in names:
            if name in props:
                raise SystemExit(f"{product} {action}: parameter {name} twice")
            node = req_props.get(name, {"type": "any"})
            schema = conv.convert(node, product, "request")
            if "$ref" in schema and node.get("type") not in (None, "any"):
                # the decoded type beside the $ref, so the wire layer can convert / json-parse the
                # value without resolving the reference
                schema["type"] = node["type"]
            schema["x-in"] = where
            if name in shrink:
                schema["x-json-string"] = True
            props[name] = schema
    request = {"type": "object", "properties": props, "required": list(path_names)}

    response = conv.convert(resp_tree, product, "response", root=True)
    resp_props = response.get("properties", {})
    rid = next((f for f in REQUEST_ID_FIELDS if f in resp_props), None)
    if rid:
        response["required"] = [rid]

    has_body = bool(op["body"])
    if not has_body:
        encoding = "none"
    elif facts["req_body_type"] == "formData":
        encoding = "form"
    else:
        encoding = "json"

    resource = RESOURCE_OVERRIDES.get((product, action))
    if resource is None:
        for prod, prefix, res in RESOURCE_BY_PATH:
            if prod == product and (path == prefix or path.startswith(prefix + "/")):
                resource = res
                break
    xop = {
        "product": product,
        "version": version,
        "action": action,
        "method": op["method"],
        "path": path,
        "pathParams": path_names,
        "bodyEncoding": encoding,
        "rateLimit": DEFAULT_RATE_LIMIT,
        "mutating": action.startswith(MUTATING_PREFIXES),
        "envelope": "paiplugin" if product == "PaiPlugin" else "plain",
        "requestIdField": rid,
    }
    if resource:
        xop["resource"] = resource
    return {
        "$schema": DRAFT,
        "$id": doc_uri(product, version, action),
        "title": f"{product} {version} {action}",
        "description": f"{op['method']} {path}",
        "x-operation": xop,
        "$defs": {"request": request, "response": response},
    }


# ----------------------------------------------------------------------------------------------
# CURATION DATA (hand-written, from reference/behavior.md and DESIGN §3) — applied on top of the
# SDK drafts unless --raw. Every curated parameter carries a description citing its source tag.
# ----------------------------------------------------------------------------------------------

# Sources, as tagged in reference/behavior.md: [SDK-ST]/[SDK-DLC]/[SDK-PL] official SDK models and
# comments ("This parameter is required", "Valid values"), [META] Alibaba OpenAPI metadata, [DOC]
# help pages, [SKILL] Alibaba's CLI notes, [SEED] the seed document, [DESIGN §3] a decision taken in
# DESIGN.md where the reference leaves the behaviour open, [INFERRED] behavior.md's own reading.
#
# Format, per (product, action):
#   "description": one line for the document
#   "rateLimit":   requests/second when the reference names less than 100
#   "maxBodyBytes": request body size limit (400 InvalidParameter.TooLarge above it)
#   "required":    request parameters added to `required` (after the path parameters)
#   "params":      {"Param" or "Param.Nested.Field": keywords merged into that property's schema}
#                  (a dotted path walks `properties`, and `items` of arrays, of inline objects)
#   "request":     extra keywords merged into the request schema itself
# SHARED_CURATION[product][def name] holds the same "required"/"params"/"description" keys, and
# "schema" (keywords merged into the definition itself, as "request" is for an operation), for the
# definitions in schemas/_shared/<Product>.json (request forms only: responses stay SDK-exact).

ORDER_ENUM = ["asc", "desc", "ASC", "DESC"]  # DESIGN §3: `Order` accepted in either case
METRIC_TYPES = ["GpuCoreUsage", "GpuMemoryUsage", "CpuCoreUsage", "MemoryUsage",
                "NetworkInputRate", "NetworkOutputRate", "DiskReadRate", "DiskWriteRate"]
DLC_JOB_TYPES = ["TFJob", "PyTorchJob", "MPIJob", "XGBoostJob", "OneFlowJob", "ElasticBatchJob",
                 "SlurmJob", "RayJob", "DataJuicerJob"]
DLC_JOB_STATUSES = ["Creating", "Queuing", "Bidding", "EnvPreparing", "SanityChecking", "Running", "Restarting",
                    "Stopping", "SucceededReserving", "FailedReserving", "Succeeded", "Failed", "Stopped"]
SANITY_CHECK_PHASES = ["CheckInit", "DeviceCheck", "SingleNodeCommCheck", "TwoNodeCommCheck",
                       "AllNodeCommCheck"]
JOB_RESERVED_POLICIES = ["Always", "OnFailure", "OnSucceed"]
TEMPLATE_RATE_NOTE = ("Rate limit 10/s: the seed names 10 QPS for \"some APIs\" without saying which; "
                      "fakepai applies it to the four job-template writes (documented decision, "
                      "DESIGN §3 throttling).")


def _any_case(*values: str) -> str:
    """A pattern matching `values` in any letter case: ECMA regexes (OpenAPI's dialect) have no inline
    flag for it, so every letter becomes a two-letter class."""
    def letters(value: str) -> str:
        return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in value)
    return "^(" + "|".join(letters(v) for v in values) + ")$"


def _csv_of(*values: str) -> str:
    """A pattern for a comma-separated list of `values` (blanks around items, empty items ignored,
    as the handler's split does)."""
    item = "(" + "|".join(map(re.escape, values)) + ")"
    return rf"^ *{item}? *(, *{item}? *)*$"


def _exactly_any_case(value: str) -> dict:
    """`value` in any letter case and nothing else, in words both dialects read alike: a `$` would
    also admit a trailing newline in Python's re (the binder's), not in ECMA's (OpenAPI's)."""
    return {"type": "string", "pattern": _any_case(value)[:-1], "maxLength": len(value)}


# -- declarations of rules across fields (issue #11): anyOf / not, worded by `x-fakepai-rule` ----
# The binder (fakepai/wire/binding.py) words them: a `not: {required: [A, ...]}` beside a rule is a
# combination the rule forbids, reported at A; an `anyOf` whose branches carry rules reports the
# branch the request came closest to (one per job type); `anyOf: [{not: X}, {required: [B]}, ...]`
# is "X needs B" (MissingParameter B). `{value!r}` in a rule is the refused value, `{Field!r}` a field
# of the object the rule is declared on.

def _dlc_role_rules() -> dict:
    """A role (JobSpecs[].Type) is one of its JobType's [SDK `_job_spec.py`; job_spec.ROLES]; RayJob and
    DataJuicerJob also take worker groups `Worker-<group>`. One anyOf branch per job type, and one for
    a body without a known JobType (a template supplies it; an unknown one is JobType's own error)."""
    def role(job_type: str) -> dict:
        roles = {"enum": list(DLC_ROLES[job_type])}
        if job_type in DLC_WORKER_GROUPS:
            return {"anyOf": [roles, {"pattern": r"^Worker-[\s\S]"}]}
        return roles

    def roles_text(job_type: str) -> str:
        group = " and Worker-<group>" if job_type in DLC_WORKER_GROUPS else ""
        return ", ".join(DLC_ROLES[job_type]) + group

    branches = [{"required": ["JobType"],
                 "properties": {"JobType": {"enum": [job_type]},
                                "JobSpecs": {"items": {"properties": {"Type": role(job_type)}}}},
                 "x-fakepai-rule": f"{{value!r}} is not a role of {job_type} (roles: {roles_text(job_type)})"}
                for job_type in DLC_JOB_TYPES]
    return {"anyOf": branches + [{"not": {"required": ["JobType"], "properties": {"JobType": {"enum": DLC_JOB_TYPES}}}}]}


def _dlc_driver_rules() -> list[dict]:
    """Settings.Driver, when given, is one the job's catalogued GPU instance types support
    [ListEcsSpecs SupportedGPUDrivers; ecs_specs.CATALOGUE]; other instance types take any driver.
    One rule per driver list (JSON Schema's `contains` is not OpenAPI 3.0's: "some role runs on one of
    these types" is written "not every role runs on another type")."""
    by_drivers: dict[tuple, list[str]] = {}
    for spec in DLC_INSTANCE_TYPES:
        if spec.get("SupportedGPUDrivers"):
            by_drivers.setdefault(tuple(spec["SupportedGPUDrivers"]), []).append(spec["InstanceType"])
    return [{"not": {"required": ["Settings", "JobSpecs"],
                     "properties": {
                         "Settings": {"required": ["Driver"],
                                      "properties": {"Driver": {"type": "string", "minLength": 1,
                                                                "not": {"enum": list(drivers)}}}},
                         "JobSpecs": {"not": {"items": {"not": {"required": ["EcsSpec"],
                                                                 "properties": {"EcsSpec": {"enum": types}}}}}}}},
             "x-fakepai-rule": f"{{value!r}} is not supported on the job's GPU instance types {', '.join(types)} "
                               f"(supported: {', '.join(drivers)})"}
            for drivers, types in by_drivers.items()]


def _given(name: str, non_empty: dict | None = None) -> dict:
    """`name` is there and not empty: what a handler's `if body.get(name)` tests."""
    return {"required": [name], "properties": {name: non_empty or {"minLength": 1}}}


_NUMBER_TEXT = r"^[ \t\n\r\f\v]*\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?[ \t\n\r\f\v]*$"
_MEMORY_TEXT = r"^[ \t\n\r\f\v]*[0-9]+(\.[0-9]+)?[ \t\n\r\f\v]*([KMGTkmgt][Ii]?[Bb]?|[Bb])?[ \t\n\r\f\v]*$"


def _empty_or(pattern: str, rule: str) -> dict:
    return {"anyOf": [{"maxLength": 0}, {"pattern": pattern}], "x-fakepai-rule": rule}


def _dlc_job_spec_rules() -> list[dict]:
    """What a CreateJob role needs [SKILL Red Line 1; SDK-DLC JobSpec]: EcsSpec (public resources, an
    instance type) or ResourceConfig (a quota's resources, with ResourceId), not both; its CPU/GPU are
    non-negative numbers and Memory a size such as 16Gi (job_spec.pod_resources reads them; ASCII
    forms only [INFERRED]); SpotDiscountLimit or SpotPriceLimit. UpdateJob's roles (JobSpec.request
    too) only rescale, so these live in CreateJob's schema."""
    has_resources = _given("ResourceConfig", {"minProperties": 1})
    role = {
        "properties": {
            "EcsSpec": _empty_or(r"^(ecs|ml)\.[a-z0-9-]+(\.[a-z0-9-]+)+$",
                                 "{value!r} is not an instance type such as ecs.gn7i-c8g1.2xlarge"),
            "ResourceConfig": {"properties": {
                "CPU": _empty_or(_NUMBER_TEXT, "{value!r} is not a number of CPU cores"),
                "GPU": _empty_or(_NUMBER_TEXT, "{value!r} is not a number of GPUs"),
                "Memory": _empty_or(_MEMORY_TEXT, "{value!r} is not a memory size such as 16Gi")}},
            "SpotSpec": {"not": {"required": ["SpotDiscountLimit", "SpotPriceLimit"]}},
        },
        "not": {"required": ["EcsSpec", "ResourceConfig"],
                "properties": {"EcsSpec": {"minLength": 1}, **has_resources["properties"]}},
        "x-fakepai-rule": "EcsSpec and ResourceConfig are mutually exclusive",
    }
    quota_role = {"anyOf": [has_resources, _given("EcsSpec")]}
    # Without a quota: no ResourceConfig (it needs ResourceId), and without one an EcsSpec ("not not
    # ResourceConfig" is the binder's "X needs EcsSpec" form, so the missing one is named as before).
    public_role = {"anyOf": [{"not": {"not": has_resources}}, _given("EcsSpec")],
                   "not": has_resources,
                   "x-fakepai-rule": "ResourceConfig needs ResourceId (a resource quota); public resources take EcsSpec"}
    return [{"properties": {"JobSpecs": {"items": role}}},
            {"if": _given("ResourceId"),
             "then": {"properties": {"JobSpecs": {"items": quota_role}}},
             "else": {"properties": {"JobSpecs": {"items": public_role}}}}]


def _dlc_job_rules() -> list[dict]:
    """A DataSources item names DataSourceId or Uri; a CustomEnvs item its Key; a UserVpc with VpcId its
    SwitchId and SecurityGroupId [SDK-DLC]."""
    return [{"properties": {
        "DataSources": {"items": {"anyOf": [_given("DataSourceId"), _given("Uri")]}},
        "CustomEnvs": {"items": _given("Key")},
        "UserVpc": {"allOf": [{"anyOf": [{"not": _given("VpcId")}, _given(name)]}
                              for name in ("SwitchId", "SecurityGroupId")]}}}]


_URI_KINDS = ("OSS", "NAS")      # tensorboards.URI_TYPES: a URI's scheme names its storage type


def _uri_kind_rules(uri_field: str) -> list[dict]:
    """A URI's scheme agrees with DataSourceType when both are given (oss:// with OSS, nas:// with NAS,
    either in any case) [SDK-DLC CreateTensorboard.Uri comment]: one forbidden combination per scheme."""
    return [{"not": {"required": [uri_field, "DataSourceType"],
                     "properties": {uri_field: {"type": "string", "pattern": _any_case(kind.lower())[:-1] + "://"},
                                    "DataSourceType": {"type": "string", "minLength": 1,
                                                       "not": _exactly_any_case(kind)}}},
             "x-fakepai-rule": f"{{value!r}} does not match DataSourceType {{DataSourceType!r}} "
                               f"(a {kind.lower()}:// URI is {kind})"}
            for kind in _URI_KINDS]


def _tensorboard_data_source_rules() -> dict:
    """A TensorboardDataSources item: SourceType datasource (the default) or dlcjob, in any case; a
    dlcjob names its Id, a datasource its Id or Uri; a Uri is oss:// or nas:// [SDK-DLC
    TensorboardDataSourceSpec; INFERRED]."""
    dlc_job = {"required": ["SourceType"], "properties": {"SourceType": _exactly_any_case("dlcjob")}}
    return {"properties": {"SourceType": {"pattern": _any_case("datasource", "dlcjob")[:-2] + ")?$"},
                           "Uri": _empty_or(_any_case("oss", "nas")[:-1] + "://",
                                            "{value!r} is not an oss:// or nas:// URI")},
            "anyOf": [_given("Id"), _given("Uri")],
            "allOf": [{"anyOf": [{"not": dlc_job}, _given("Id")]}, *_uri_kind_rules("Uri")]}


_TENSORBOARD_DATA = ("DataSources", "TensorboardDataSources", "DataSourceId", "Uri")


def _tensorboard_source_rules() -> list[dict]:
    """A TensorBoard reads a DLC job (JobId, SourceId, SourceType job) or data sources, not both; one
    of a PaiStudio TrainingJob (SourceType=TrainingJob, any case) reads Uri or data sources, names the
    job in SourceId and has no JobId [SKILL e80d822 §1.3; PAISDK pai/tensorboard.py]."""
    training_job = {"required": ["SourceType"], "properties": {"SourceType": _exactly_any_case("TrainingJob")}}
    a_job = {"anyOf": [{"required": ["JobId"]}, {"required": ["SourceId"]},
                       {"required": ["SourceType"], "properties": {"SourceType": _exactly_any_case("job")}}]}
    return [
        {"not": {"required": ["JobId", "SourceType"], "properties": training_job["properties"]},
         "x-fakepai-rule": "a TensorBoard of a TrainingJob (SourceType) reads Uri or data sources, not a DLC job"},
        {"anyOf": [{"not": training_job}] + [{"required": [name]} for name in ("Uri",) + _TENSORBOARD_DATA[:3]]},
        {"anyOf": [{"not": training_job}, {"required": ["SourceId"]}]},
        *({"not": {"required": [name], **a_job, "not": training_job},
           "x-fakepai-rule": f"a TensorBoard is created from a job (JobId, SourceId or SourceType job) "
                             f"or from data sources ({name}), not both"}
          for name in _TENSORBOARD_DATA),
    ]


# Hyper-parameter values as text, per Type, in the forms fakepai accepts (hyperparameter_values.number):
# what Python's int() / float() read, narrowed to ASCII blanks and digits, at most 19 digits for an
# integer and, for a float, 15 before the point and exponents up to e+99 / e-999, so the value is
# always finite [INFERRED: Unicode digits, `_` separators and overflowing forms are refused].
_BLANKS = r"[ \t\n\r\f\v]*"
HYPERPARAMETER_TEXT = {
    ("Int", "Integer"): rf"^{_BLANKS}[-+]?[0-9]{{1,19}}{_BLANKS}$",
    ("Float",): rf"^{_BLANKS}[-+]?([0-9]{{1,15}}(\.[0-9]*)?|\.[0-9]+)([eE](-[0-9]{{1,3}}|\+?[0-9]{{1,2}}))?{_BLANKS}$",
    ("Boolean",): rf"^{_BLANKS}([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]){_BLANKS}$",
}


def _hyperparameter_default_rules() -> list[dict]:
    """A non-empty DefaultValue reads as its Type (one forbidden combination per Type)."""
    return [{"not": {"required": ["DefaultValue", "Type"],
                     "properties": {"Type": {"enum": list(types)},
                                    "DefaultValue": {"type": "string", "minLength": 1, "not": {"pattern": text}}}},
             "x-fakepai-rule": "{value!r} is not a valid {Type}"
                               + (" (Type)" if types != ("Boolean",) else ", expected true or false (Type)")}
            for types, text in HYPERPARAMETER_TEXT.items()]


def _hyperparameter_enum_rules() -> list[dict]:
    """Every Range.Enum item of a number Type reads as that Type (one forbidden combination per
    Type: some item not of its text; fakepai/services/paistudio/hyperparameters.py compares them)."""
    return [{"not": {"required": ["Range", "Type"],
                     "properties": {"Type": {"enum": list(types)},
                                    "Range": {"required": ["Enum"], "properties": {
                                        "Enum": {"not": {"items": {"type": "string", "pattern": text}}}}}}},
             "x-fakepai-rule": "an item of {value!r} is not a valid {Type}"}
            for types, text in HYPERPARAMETER_TEXT.items() if types != ("Boolean",)]


# Time parameters are parsed by fakepai.clock.parse_iso, which reads every RFC 3339 date-time
# (either case of T and Z, offsets, any number of fraction digits) [INFERRED]; docs/limits.md.
REQUEST_TIME = {"format": "date-time"}


def _order(source: str, default: str | None = None) -> dict:
    out = {"enum": ORDER_ENUM, "description": f"{source}; accepted in either case [DESIGN §3]"}
    if default is not None:
        out["default"] = default
        out["description"] += f"; default {default}"
    return out


def _page_number(source: str, maximum: int | None = None) -> dict:
    out = {"minimum": 1, "default": 1, "description": f"{source} min 1, default 1"}
    if maximum is not None:
        out["maximum"] = maximum
        out["description"] = f"{source} 1..{maximum}, default 1"
    return out


def _page_size(source: str, default: int, maximum: int) -> dict:
    return {"minimum": 1, "maximum": maximum, "default": default,
            "description": f"{source}; above the maximum: 400 InvalidParameter [DESIGN §3]"}


# Entity lists whose paging the reference does not publish: DESIGN §3 decides PageNumber 1 (min 1),
# PageSize 10 (1..100).
_DESIGN_PAGING = {
    "PageNumber": _page_number("[DESIGN §3] unpublished;"),
    "PageSize": _page_size("[DESIGN §3] unpublished: 1..100, default 10", 10, 100),
}
# PaiStudio logs / events pages [META]: PageNumber default 1 (min 1), PageSize default 100 (1..2000).
_LOG_PAGING = {
    "PageNumber": _page_number("[META]"),
    "PageSize": _page_size("[META] 1..2000, default 100", 100, 2000),
    "StartTime": {"description": "[SDK-ST] ISO 8601 UTC; default: the job's start time"},
    "EndTime": {"description": "[SDK-ST] ISO 8601 UTC; default: now"},
}
# PaiPlugin lists: [SDK-PL] PageNumber from 1, default 1; PageSize default 10; max 100 [DESIGN §3].
_PLUGIN_PAGING = {
    "PageNumber": _page_number("[SDK-PL]"),
    "PageSize": _page_size("[SDK-PL] default 10; max unpublished: 100 [DESIGN §3]", 10, 100),
}
_MAX_EVENTS = {"minimum": 1, "maximum": 10000, "default": 2000,
               "description": "[SDK-DLC] default 2000; [META] max 10000"}
_REQUIRED_SDK = "[SDK \"This parameter is required\"; META required]"


# Not empty and not all blanks (the handler strips, Python's whitespace: the binder and Hypothesis read
# `\S` with Python's re, where it is exactly "not str.isspace()").
_NOT_BLANK = {"pattern": r"\S"}


def _req(extra: str = "") -> dict:
    return {"description": f"required {_REQUIRED_SDK}{extra}"}


CURATION: dict[tuple[str, str], dict] = {
    # ---------------------------------------------------------------- PaiStudio 2022-01-12
    ("PaiStudio", "CreateAlgorithm"): {
        "description": "Creates an algorithm; form-encoded body [SDK-ST].",
        "required": ["AlgorithmName"],
        "params": {"AlgorithmName": {"description": "required: an algorithm is found by its name [INFERRED]"}},
    },
    ("PaiStudio", "CreateAlgorithmVersion"): {
        "description": "Creates a version of an algorithm; form body, AlgorithmSpec as a JSON string "
                       "[SDK-ST]. The response has no RequestId.",
        "params": {"AlgorithmSpec": {"description": "[SDK-ST client.py] sent as a JSON string "
                                                    "(shrink parameter) in the form body"}},
    },
    ("PaiStudio", "CreateTrainingJob"): {
        "description": "Creates a training job from an algorithm (name/version/provider) or a "
                       "temporary AlgorithmSpec [SDK-ST; PAISDK].",
        "required": ["TrainingJobName", "WorkspaceId"],
        "params": {
            "TrainingJobName": {**_req(), **_NOT_BLANK},
            "WorkspaceId": {**_req(), **_NOT_BLANK},
            "Labels[]": {"required": ["Key"]},
            "HyperParameters[]": {"required": ["Name"]},
            "ComputeResource": {"not": {"required": ["EcsSpec", "ResourceId"]},
                                # dependentRequired in OpenAPI 3.0's words: no ResourceId, or an InstanceSpec
                                "anyOf": [{"not": {"required": ["ResourceId"]}}, {"required": ["InstanceSpec"]}],
                                "description": "EcsSpec (public resources) or ResourceId (a quota), not both; "
                                               "a quota needs InstanceSpec [SDK-ST]"},
            "ComputeResource.SpotSpec": {
                "anyOf": [{"not": {"required": ["SpotDiscountLimit"]}}, {"not": {"required": ["SpotStrategy"]}},
                          {"properties": {"SpotStrategy": {"enum": ["SpotWithPriceLimit"]}}}],
                "x-fakepai-rule": "SpotDiscountLimit applies only to SpotStrategy SpotWithPriceLimit [SDK-ST]"},
            "AlgorithmName": {"minLength": 1, "description": "AlgorithmName or AlgorithmSpec, not both [PAISDK; INFERRED]"},
            "InputChannels[]": {"required": ["Name"]},
            "OutputChannels[]": {"required": ["Name"]},
            "ComputeResource.SpotSpec.SpotStrategy": {
                "enum": ["SpotWithPriceLimit", "SpotAsPriceGo"],
                "description": "[SDK-ST] SpotWithPriceLimit | SpotAsPriceGo"},
            "UserVpc.DefaultRoute": {"default": "eth0",
                                     "description": "[SDK-ST] eth0 (PAI VPC, default) or eth1 (user VPC)"},
            "Scheduler.MaxRunningTimeInSeconds": {"description": "[SDK-ST] 0 means no limit"},
            "Scheduler.MaxRunningTimeInMinutes": {"description": "[SDK-ST] 0 means no limit"},
            "Priority": {"description": "[SDK-ST] example 1; range not published for PaiStudio "
                                        "(DLC uses 1..9), so not bounded here"},
        },
        # The algorithm to train: a registered one (AlgorithmName) or a temporary AlgorithmSpec;
        # the PAI SDK refuses both [PAISDK], the server rule is [INFERRED].
        "request": {"anyOf": [{"required": ["AlgorithmName"]}, {"required": ["AlgorithmSpec"]}],
                    "not": {"required": ["AlgorithmSpec", "AlgorithmName"]}},
    },
    ("PaiStudio", "DeleteAlgorithm"): {
        "description": "Deletes an algorithm [SDK-ST]. The response key is lower-case `requestId`.",
    },
    ("PaiStudio", "DeleteAlgorithmVersion"): {
        "description": "Deletes a version of an algorithm [SDK-ST].",
    },
    ("PaiStudio", "DeleteTrainingJob"): {
        "description": "Deletes a training job; only terminal jobs, otherwise 400 InvalidStatus "
                       "[DESIGN §3].",
    },
    ("PaiStudio", "DeleteTrainingJobLabels"): {
        "description": "Deletes labels of a training job by key [SDK-ST].",
        "required": ["Keys"],
        "params": {"Keys": _req("; comma-separated keys, unknown keys ignored [INFERRED], e.g. RootModelID [GO]")},
    },
    ("PaiStudio", "GetAlgorithm"): {
        "description": "Gets an algorithm [SDK-ST].",
    },
    ("PaiStudio", "GetAlgorithmVersion"): {
        "description": "Gets an algorithm version with its AlgorithmSpec [SDK-ST]. The response has "
                       "no RequestId.",
    },
    ("PaiStudio", "GetTrainingJob"): {
        "description": "Gets a training job with its status transitions, instances, metrics and "
                       "progress [SDK-ST].",
    },
    ("PaiStudio", "GetTrainingJobErrorInfo"): {
        "description": "Gets the error information of a failed training job [SDK-ST; META].",
    },
    ("PaiStudio", "GetTrainingJobLatestMetrics"): {
        "description": "Gets the latest value of each training metric of a job [SDK-ST].",
        "params": {"Names": {"description": "[SDK-ST] metric name filter, e.g. loss [SEED]; "
                                            "comma-separated names [INFERRED]"}},
    },
    ("PaiStudio", "ListAlgorithmVersions"): {
        "description": "Lists the versions of an algorithm [SDK-ST].",
        "params": dict(_DESIGN_PAGING),
    },
    ("PaiStudio", "ListAlgorithms"): {
        "description": "Lists algorithms [SDK-ST].",
        "params": dict(_DESIGN_PAGING),
    },
    ("PaiStudio", "ListTrainingJobEvents"): {
        "description": "Lists the events of a training job; TotalCount is a string [SDK-ST; META].",
        "params": dict(_LOG_PAGING),
    },
    ("PaiStudio", "ListTrainingJobInstanceEvents"): {
        "description": "Lists the events of one training-job instance; TotalCount is a string "
                       "[SDK-ST; META].",
        "params": dict(_LOG_PAGING),
    },
    ("PaiStudio", "ListTrainingJobInstanceMetrics"): {
        "description": "Lists resource metrics (GPU, CPU, memory, network, disk) per instance of a "
                       "training job [SDK-ST].",
        "required": ["MetricType"],
        "params": {
            "MetricType": {"enum": METRIC_TYPES, "description": f"required {_REQUIRED_SDK}; [SDK-ST] enum"},
            "TimeStep": {"enum": ["1h", "30m", "5m", "10s"], "description": "[SDK-ST] 1h | 30m | 5m | 10s"},
        },
    },
    ("PaiStudio", "ListTrainingJobLogs"): {
        "description": "Lists the log lines of a training job, stable and append-only pages; "
                       "TotalCount is a string [SDK-ST; META; PAISDK].",
        "params": {**_LOG_PAGING,
                   "WorkerId": {"description": "[SDK-ST] deprecated alias of InstanceId"}},
    },
    ("PaiStudio", "ListTrainingJobMetrics"): {
        "description": "Lists the training-metric time series of a job [SDK-ST; META].",
        "params": {
            "PageNumber": _page_number("[META]"),
            "PageSize": _page_size("[META] 1..100, default 100", 100, 100),
            "Order": _order("[META] ASC | DESC, order of the metrics by time", "DESC"),
            "StartTime": {"description": "[SDK-ST] ISO 8601 UTC; default: the job's start time"},
            "EndTime": {"description": "[SDK-ST] ISO 8601 UTC; default: now"},
        },
    },
    ("PaiStudio", "ListTrainingJobOutputModels"): {
        "description": "Lists the models a training job produced [SDK-ST]. The response has no "
                       "RequestId; its only field is OutputModels.",
    },
    ("PaiStudio", "ListTrainingJobs"): {
        "description": "Lists training jobs with filters, sorting and paging [SDK-ST; META].",
        "params": {
            "PageNumber": _page_number("[META] min 1; default unpublished, [DESIGN §3]"),
            "PageSize": _page_size("[META] unpublished (examples use 10): 1..100, default 10 [DESIGN §3]", 10, 100),
            "SortBy": {"enum": ["GmtModifiedTime", "GmtCreateTime", "TrainingJobName",
                                "AlgorithmName", "Status"],
                       "default": "GmtCreateTime",
                       "description": "[META] enum; default GmtCreateTime [INFERRED]"},
            "Order": _order("[META] desc | asc (examples DESC); default [INFERRED]", "DESC"),
            "Labels": {"description": "[SDK-ST client.py] a JSON string of a map (shrink "
                                      "parameter), e.g. {\"project\": \"sd-s3\"} [GO]; every pair "
                                      "must match [INFERRED]"},
            "StartTime": {"description": "[SDK-ST] creation-time window start; default 7 days ago"},
            "EndTime": {"description": "[SDK-ST] creation-time window end; default now"},
            "TrainingJobName": {"description": "case-insensitive substring match [DESIGN §3]"},
        },
    },
    ("PaiStudio", "StopTrainingJob"): {
        "description": "Stops a training job: a live job becomes Terminated; otherwise 400 "
                       "InvalidStatus [DESIGN §3].",
    },
    ("PaiStudio", "UpdateAlgorithm"): {
        "description": "Updates an algorithm's display name and description; form-encoded body "
                       "[SDK-ST].",
    },
    ("PaiStudio", "UpdateAlgorithmVersion"): {
        "description": "Updates an algorithm version's AlgorithmSpec; form body, AlgorithmSpec as a "
                       "JSON string [SDK-ST]. The response has no RequestId.",
        "params": {"AlgorithmSpec": {"description": "[SDK-ST client.py] sent as a JSON string "
                                                    "(shrink parameter) in the form body"}},
    },
    ("PaiStudio", "UpdateTrainingJobLabels"): {
        "description": "Adds or updates labels of a training job, upsert by Key [SDK-ST; INFERRED].",
        "params": {"Labels[]": {"required": ["Key"]}},
        # [SEED] "Some APIs have additional constraints like maximum request size (e.g., 10KB)"
        # without naming them; labels are small metadata, so this is where we apply it [DESIGN §3].
        "maxBodyBytes": 10240,
    },
    # ---------------------------------------------------------------- pai-dlc 2020-12-03
    ("pai-dlc", "CreateJob"): {
        "description": "Creates a DLC job, optionally from a job template [SDK-DLC; META].",
        # DisplayName, JobType, JobSpecs and UserCommand are required [SDK; META] unless a template
        # supplies them: behavior.md §6.3 [INFERRED] says to relax the check when TemplateId is
        # given (the handler checks the merged job). Hence `else` instead of `required`.
        "request": {
            "if": {"required": ["TemplateId"]},
            "else": {"required": ["DisplayName", "JobType", "JobSpecs", "UserCommand"]},
            # Checked again on a body merged over a template (jobs.create_job).
            "allOf": [_dlc_role_rules(), *_dlc_job_spec_rules(), *_dlc_job_rules(), *_dlc_driver_rules()],
        },
        "params": {
            "DisplayName": {"minLength": 1, "maxLength": 1024,
                            "description": f"required {_REQUIRED_SDK} unless TemplateId is given "
                                           "[INFERRED; behavior.md §6.3]; [META] 1..1024 characters (the SDK "
                                           "comment says <= 256 of [A-Za-z0-9_.-]; not enforced)"},
            "JobType": {"enum": DLC_JOB_TYPES,
                        "description": f"required {_REQUIRED_SDK} unless TemplateId is given "
                                       "[INFERRED; behavior.md §6.3]; case-sensitive [SDK-DLC]"},
            "JobSpecs": {"minItems": 1, "examples": [[{"Type": "Worker", "EcsSpec": "ecs.g6.xlarge"}]],
                         "description": f"required, at least one [SDK; META] unless TemplateId is "
                                        "given [INFERRED; behavior.md §6.3]"},
            "UserCommand": {"minLength": 1,
                            "description": f"required {_REQUIRED_SDK} unless TemplateId is given "
                                           "[INFERRED; behavior.md §6.3]"},
            "Priority": {"minimum": 1, "maximum": 9, "default": 1,
                         "description": "[SDK-DLC] 1 (lowest) .. 9 (highest), default 1"},
            "Accessibility": {"enum": ["PUBLIC", "PRIVATE"],
                              "description": "[SDK-DLC] PUBLIC | PRIVATE (GetJob documents PRIVATE "
                                             "as the default)"},
            "SuccessPolicy": {"enum": ["AllWorkers", "ChiefWorker"], "default": "AllWorkers",
                              "description": "[SDK-DLC] AllWorkers (default) | ChiefWorker; TFJob only"},
            "JobMaxRunningTimeMinutes": {"minimum": 1, "description": "[SDK-DLC; behavior §5.3] >= 1"},
            "WorkspaceId": {"description": "optional; the user's default workspace when missing "
                                           "[SKILL Red Line 4]"},
            "ResourceId": {"description": "[SDK-DLC] empty: public resources; otherwise a quota id"},
            "TemplateId": {"minLength": 1,
                           "description": "[SDK-DLC] create from this job template; unknown: 404 "
                                          "NotFound.JobTemplate [SKILL e80d822]"},
            "TemplateVersion": {"description": "[SDK-DLC] template version; default: the template's "
                                               "DefaultVersion; unknown: NotFound.JobTemplateVersion "
                                               "[SKILL e80d822]"},
            "UserVpc.DefaultRoute": {"enum": ["eth0", "eth1", ""],
                                     "description": "[SDK-DLC] eth0 (PAI VPC) or eth1 (user VPC); empty: the default"},
            "DataSources.MountAccess": {"enum": ["RO", "RW", ""],
                                        "description": "[SDK-DLC] RO (read-only) or RW; empty: the default"},
            "ElasticSpec": {"description": "[SDK-DLC] not supported, ignored"},
            "DebuggerConfigContent": {"description": "[SDK-DLC] not supported, ignored"},
        },
    },
    ("pai-dlc", "CreateJobTemplate"): {
        "description": "Creates a job template (version 1, DefaultVersion 1) [SDK-DLC; SKILL e80d822]. "
                       + TEMPLATE_RATE_NOTE,
        "rateLimit": 10,
        "required": ["TemplateName", "Content", "WorkspaceId"],
        "params": {
            "TemplateName": _req(" [SEED]"),
            "WorkspaceId": _req(" [SEED]"),
            "Content": {"description": f"required {_REQUIRED_SDK} [SEED]; a JSON string of CreateJob "
                                       "fields; invalid JSON or no JobType/JobSpecs: 400 "
                                       "InvalidParameter.Content [SKILL e80d822]"},
            "Constraints": {"description": "[SDK-DLC; SEED] map of field path (no `$.` prefix) to "
                                           "locked | overridable | required; any other value: 400 "
                                           "InvalidParameter.Constraints, checked by the handler "
                                           "[SKILL e80d822]"},
        },
    },
    ("pai-dlc", "CreateTensorboard"): {
        "description": "Creates a TensorBoard from a job (JobId, or SourceType=job + SourceId) or "
                       "from data sources, not both [SDK-DLC; SKILL e80d822].",
        "params": {
            "QuotaId": {"description": "[SDK-DLC] \"required\" only when quota resources are used; "
                                       "not enforced"},
            "MaxRunningTimeMinutes": {"description": "[SDK-DLC] auto-stop after this many minutes "
                                                     "(example 240) [INFERRED]"},
            "SourceType": {"pattern": _any_case("job", "TrainingJob"),
                           "description": "job (a DLC job) or TrainingJob (a PaiStudio job, with SourceId and Uri) "
                                          "[SDK-DLC; PAISDK pai/tensorboard.py], in any case [INFERRED]"},
            "Accessibility": {"pattern": _any_case("PUBLIC", "PRIVATE"),
                              "description": "[SDK-DLC] PUBLIC | PRIVATE, in any case [INFERRED]"},
            "Priority": {"pattern": "^[1-9]$", "description": "[SDK-DLC] a string, 1 (lowest) .. 9 (highest)"},
            **{name: {"minLength": 1} for name in ("JobId", "SourceId", "DataSourceId")},
            **{name: {"minItems": 1} for name in ("DataSources", "TensorboardDataSources")},
            "DataSources.Path": {"pattern": _any_case("oss", "nas")[:-1] + "://",
                                 "description": "an oss:// or nas:// URI (its scheme in any case) [SDK-DLC]"},
            "Uri": {"pattern": _any_case("oss", "nas")[:-1] + "://",
                    "description": "[SDK-DLC] an oss:// or nas:// URI (its scheme in any case)"},
            "DataSourceType": {"pattern": _any_case(*_URI_KINDS)[:-2] + ")?$",
                               "description": "[SDK-DLC] OSS or NAS, in any case [INFERRED]; Uri's scheme agrees"},
            "DataSources[]": {"anyOf": [_given("DataSourceId"), _given("Path")], "allOf": _uri_kind_rules("Path")},
        },
        # A TensorBoard reads a job or data sources [SKILL e80d822 §1.3]: one of them must be named.
        "request": {"anyOf": [{"required": [name]} for name in
                              ("JobId", "SourceId", "DataSources", "TensorboardDataSources", "DataSourceId", "Uri")],
                    "allOf": [*_tensorboard_source_rules(), *_uri_kind_rules("Uri")]},
    },
    ("pai-dlc", "DeleteJob"): {
        "description": "Deletes a completed or stopped job; otherwise 400 InvalidStatus [META; "
                       "DESIGN §3].",
    },
    ("pai-dlc", "DeleteJobTemplate"): {
        "description": "Deletes a job template not in use by a job [DOC deletejobtemplate]. "
                       + TEMPLATE_RATE_NOTE,
        "rateLimit": 10,
    },
    ("pai-dlc", "DeleteTensorboard"): {
        "description": "Deletes a stopped TensorBoard [META].",
    },
    ("pai-dlc", "GetJob"): {
        "description": "Gets a DLC job with pods, status history and replica statuses [SDK-DLC].",
        "params": {"NeedDetail": {"default": True, "description": "[SDK-DLC; META] default true"}},
    },
    ("pai-dlc", "GetJobEvents"): {
        "description": "Gets the events of a DLC job [SDK-DLC; META].",
        "params": {
            "MaxEventsNum": dict(_MAX_EVENTS),
            "StartTime": {"description": "[SDK-DLC] UTC; default 7 days ago"},
            "EndTime": {"description": "[SDK-DLC] UTC; default now"},
        },
    },
    ("pai-dlc", "GetJobMetrics"): {
        "description": "Gets resource metrics of a DLC job's pods [SDK-DLC; META].",
        "required": ["MetricType"],
        "params": {
            "MetricType": {"enum": METRIC_TYPES, "description": f"required {_REQUIRED_SDK}; [SDK-DLC] enum"},
            "TimeStep": {"default": "5m",
                         "description": "[SDK-DLC] default 5 minutes, format like 5m [GO]"},
            "StartTime": {"description": "[SDK-DLC] UTC; default one hour ago"},
            "EndTime": {"description": "[SDK-DLC] UTC; default now"},
        },
    },
    ("pai-dlc", "GetJobSanityCheckResult"): {
        "description": "Gets the phase results of the n-th sanity check of a job; the response key "
                       "is `RequestID` [SDK-DLC].",
        "required": ["SanityCheckNumber"],
        "params": {
            "SanityCheckNumber": {"minimum": 1,
                                  "description": f"required {_REQUIRED_SDK}; the n-th check run, >= 1 "
                                                 "[behavior §5.1]"},
            "SanityCheckPhase": {"enum": SANITY_CHECK_PHASES,
                                 "description": "[SDK-DLC] phases, in order"},
        },
    },
    ("pai-dlc", "GetJobTemplate"): {
        "description": "Gets a job template: its default version, one version, or all [SDK-DLC].",
        "params": {
            "Version": {"pattern": "^(all|[0-9]+)$",
                        "description": "[SDK-DLC; SEED] omitted: the default version; a number: that "
                                       "version; `all`: every version"},
        },
    },
    ("pai-dlc", "GetPodEvents"): {
        "description": "Gets the events of one pod of a DLC job [SDK-DLC; META].",
        "params": {
            "MaxEventsNum": dict(_MAX_EVENTS),
            "PodUid": {"description": "[SDK-DLC] a specific (possibly historical) pod incarnation"},
        },
    },
    ("pai-dlc", "GetPodLogs"): {
        "description": "Gets the log lines of one pod of a DLC job [SDK-DLC; META].",
        "params": {
            "MaxLines": {"default": 2000, "description": "[SDK-DLC] default 2000"},
            "StartTime": {"description": "[SDK-DLC] UTC; default 7 days ago"},
            "EndTime": {"description": "[SDK-DLC] UTC; default now"},
            "PodUid": {"description": "[SDK-DLC] a specific (possibly historical) pod incarnation"},
            "Containers": {"description": "[SDK-DLC] comma-separated container names"},
        },
    },
    ("pai-dlc", "GetTensorboard"): {
        "description": "Gets a TensorBoard; the body is the Tensorboard model itself, RequestId "
                       "included [SDK-DLC].",
        "params": {"JodId": {"description": "[SDK-DLC] sic: the spec's spelling of JobId"}},
    },
    ("pai-dlc", "ListEcsSpecs"): {
        "description": "Lists the ECS instance types available for DLC jobs [SDK-DLC].",
        "params": {
            "PageNumber": _page_number("[SDK-DLC] min 1; default unpublished, [DESIGN §3]"),
            "PageSize": _page_size("[DESIGN §3] unpublished: 1..100, default 10", 10, 100),
            "SortBy": {"enum": ["CPU", "GPU", "Memory", "GmtCreateTime", "Cpu", "Gpu"],
                       "description": "[SDK-DLC] CPU | GPU | Memory | GmtCreateTime; also the response field "
                                      "spellings Cpu | Gpu, which alipai sends (SortBy=Gpu) [PAISDK pai/api/job.py]. "
                                      "Not case-insensitive: lower case is rejected [SKILL e80d822 SKILL.md 7.9]"},
            "Order": _order("[SDK-DLC] desc | asc"),
            "AcceleratorType": {"pattern": _any_case("CPU", "GPU"),
                                "description": "[SDK-DLC] CPU | GPU, in any case [INFERRED]"},
            "ResourceType": {"pattern": _any_case("ECS", "Lingjun", "ACS"),
                             "description": "[SDK-DLC] ECS | Lingjun | ACS, in any case [INFERRED]"},
        },
    },
    ("pai-dlc", "ListJobSanityCheckResults"): {
        "description": "Lists every sanity-check run of a job, one inner list per run; the "
                       "response key is `RequestID` [SDK-DLC; META].",
        "params": {"Order": _order("[SDK-DLC] desc | asc")},
    },
    ("pai-dlc", "ListJobTemplates"): {
        "description": "Lists the job templates of a workspace [SDK-DLC; DOC listjobtemplates].",
        "required": ["WorkspaceId"],
        "params": {
            "WorkspaceId": _req(),
            **_DESIGN_PAGING,
            "SortBy": {"default": "GmtCreateTime", "enum": ["GmtCreateTime", "GmtModifyTime", "LastUsedTime", "TemplateName"],
                       "description": "[DOC listjobtemplates] default GmtCreateTime; the sort keys are the "
                                      "template's time and name fields [INFERRED]"},
            "Order": _order("[DOC listjobtemplates] asc | desc", "desc"),
            "TemplateName": {"description": "[DOC] fuzzy match; case-insensitive substring [DESIGN §3]"},
            "Description": {"description": "[DOC] fuzzy match"},
            "TemplateId": {"description": "[DOC] exact match"},
        },
    },
    ("pai-dlc", "ListJobs"): {
        "description": "Lists DLC jobs with filters, sorting and paging [SDK-DLC; META].",
        "params": {
            "PageNumber": _page_number("[META]", 1000),
            "PageSize": _page_size("[META] 1..100, default 10", 10, 100),
            "Order": _order("[META] desc (default) | asc", "desc"),
            "SortBy": {"enum": ["DisplayName", "JobType", "Status", "GmtCreateTime", "GmtFinishTime"],
                       "description": "[META; SDK-DLC] enum; default GmtCreateTime [INFERRED]"},
            "PaymentType": {"enum": ["PrePaid", "Spot", "PostPaid"],
                            "description": "[SDK-DLC; META] PrePaid | Spot | PostPaid"},
            "Accessibility": {"enum": ["PUBLIC", "PRIVATE"], "description": "[SDK-DLC] PUBLIC | PRIVATE"},
            "ShowOwn": {"default": True, "description": "[META] default true: only the caller's jobs"},
            "Status": {"maxLength": 200, "pattern": _csv_of(*DLC_JOB_STATUSES, "Dequeued"),
                       "description": "[META] maxLength 200; exact, several statuses comma-separated "
                                      "[INFERRED]; `Dequeued` (the older SDK's 14th value) accepted, never shown"},
            "TimeRangeField": {"enum": ["GmtCreateTime", "GmtSubmittedTime", "GmtRunningTime", "GmtFinishTime",
                                        "GmtModifiedTime"],
                               "description": "[META] the time field StartTime/EndTime filter; default GmtCreateTime"},
            "NumericRangeField": {"enum": ["RequestCPU", "RequestGPU", "RequestMemory", "Priority", "Duration"],
                                  "description": "[META] the field NumericRangeMin/Max filter; needed with them "
                                                 "(x-fakepai-rules `requires`)"},
            "EnableAssignNode": {"pattern": _any_case("true", "false"),
                                 "description": "[META] a string, true | false in any case [INFERRED]"},
            "Tags": {"description": "[SDK-DLC client.py] a JSON string of a map (shrink parameter); "
                                    "every pair must match [DESIGN §3]"},
            "StartTime": {"description": "[META] creation-time window start (see TimeRangeField); "
                                         "default 7 days ago"},
            "EndTime": {"description": "[META] window end; default now"},
            "DisplayName": {"description": "[META] case-insensitive substring match"},
            "JobId": {"description": "[META] exact, case-insensitive; wins over JobIds"},
            "JobIds": {"description": "[META] comma-separated job ids"},
            "FromAllWorkspaces": {"description": "[META] requires ShowOwn=true"},
        },
    },
    ("pai-dlc", "ListTensorboards"): {
        "description": "Lists TensorBoards with filters, sorting and paging [SDK-DLC; META].",
        "params": {
            "PageNumber": _page_number("[META]", 1000),
            "PageSize": _page_size("[META] 1..100, default 10", 10, 100),
            "SortBy": {"enum": ["DisplayName", "GmtCreateTime"],
                       "description": "[SDK-DLC; META] DisplayName | GmtCreateTime"},
            "Order": _order("[SDK-DLC] desc | asc"),
            "ShowOwn": {"default": True, "description": "[META] default true"},
            "PaymentType": {"enum": ["Free", "Postpaid"], "description": "[SDK-DLC] Free | Postpaid"},
            "Accessibility": {"enum": ["PUBLIC", "PRIVATE"], "description": "[SDK-DLC] PUBLIC | PRIVATE"},
            "Status": {"description": "[SDK-DLC] Creating, Running, Stopped, Succeeded, Failed; "
                                      "matched case-insensitively [DESIGN §3]"},
            "StartTime": {"description": "[META] creation-time window start; default 7 days ago"},
            "EndTime": {"description": "[META] window end; default now"},
        },
    },
    ("pai-dlc", "SetJobTemplateDefaultVersion"): {
        "description": "Sets the default version of a job template; unknown version: "
                       "NotFound.JobTemplateVersion [SKILL e80d822]. " + TEMPLATE_RATE_NOTE,
        "rateLimit": 10,
        "required": ["Version"],
        "params": {"Version": _req()},
    },
    ("pai-dlc", "StartTensorboard"): {
        "description": "Starts (restarts) a stopped TensorBoard [SDK-DLC].",
    },
    ("pai-dlc", "StopJob"): {
        "description": "Stops a DLC job (Stopping, then Stopped); a job that cannot be stopped: 400 "
                       "InvalidStatus \"Job can't be stopped, because it is <Status>\" [DOC; DESIGN §3].",
    },
    ("pai-dlc", "StopTensorboard"): {
        "description": "Stops a running TensorBoard [SDK-DLC].",
    },
    ("pai-dlc", "UpdateJob"): {
        "description": "Updates a DLC job's priority, visibility, description, command or elastic "
                       "specs [SDK-DLC; SKILL].",
        "params": {
            "Priority": {"minimum": 1, "maximum": 9,
                         "description": "[SDK-DLC] 1..9; applied only while queued and for quota "
                                        "jobs [DOC; SKILL]"},
            "Accessibility": {"enum": ["PUBLIC", "PRIVATE"],
                              "description": "[SDK-DLC] can only be widened (PRIVATE -> PUBLIC)"},
        },
    },
    ("pai-dlc", "UpdateJobTemplate"): {
        "description": "Updates a job template's metadata, or creates a new version when Content is "
                       "given [SDK-DLC; DOC updatejobtemplate]. " + TEMPLATE_RATE_NOTE,
        "rateLimit": 10,
        "params": {
            "version": {"description": "[SDK-DLC] \"Invalid field\": accepted and ignored"},
            "Constraints": {"description": "[SDK-DLC] only together with Content; otherwise 400 "
                                           "InvalidParameter.Constraints, checked by the handler "
                                           "[SKILL e80d822]"},
            "SetAsDefault": {"description": "[SDK-DLC] with Content: make the new version the default"},
        },
    },
    ("pai-dlc", "UpdateTensorboard"): {
        "description": "Updates a TensorBoard; parameters travel in the query [SDK-DLC].",
    },
    # ---------------------------------------------------------------- PaiPlugin 2022-01-12
    ("PaiPlugin", "CreateCampaign"): {
        "description": "Creates a marketing campaign (PaiPlugin envelope) [SDK-PL].",
        "required": ["Name"],
        "params": {"Name": {"description": "required: a campaign without a name cannot be found by "
                                           "ListCampaigns' Name filter [INFERRED]"}},
    },
    ("PaiPlugin", "CreateTrainingJob"): {
        "description": "Creates a PaiPlugin recall-algorithm training job (PaiPlugin envelope) [SDK-PL].",
        "required": ["Algorithm"],
        "params": {"UserConfig": {"description": "[SDK-PL] a JSON string, kept as a string"},
                   "Algorithm": {"description": "required: a job without an algorithm has nothing to train "
                                                "[INFERRED]; unknown: 404 NotFound.Algorithm"},
                   "DataPath": {"pattern": "^(oss|https?)://",
                                "description": "an OSS or HTTP(S) URL (oss://bucket/path/) [INFERRED]"}},
    },
    ("PaiPlugin", "DeleteCampaign"): {
        "description": "Deletes a campaign (PaiPlugin envelope) [SDK-PL].",
    },
    ("PaiPlugin", "DeleteTrainingJob"): {
        "description": "Deletes a PaiPlugin training job; Data is \"OK\" (PaiPlugin envelope) [SDK-PL].",
    },
    ("PaiPlugin", "GetAlgorithm"): {
        "description": "Gets a PaiPlugin algorithm (PaiPlugin envelope) [SDK-PL].",
    },
    ("PaiPlugin", "GetCampaign"): {
        "description": "Gets a campaign (PaiPlugin envelope) [SDK-PL].",
    },
    ("PaiPlugin", "GetTrainingJob"): {
        "description": "Gets a PaiPlugin training job; Status is an integer 0..4 (PaiPlugin envelope) "
                       "[SDK-PL].",
    },
    ("PaiPlugin", "ListAlgorithms"): {
        "description": "Lists PaiPlugin algorithms (PaiPlugin envelope) [SDK-PL].",
        "params": dict(_PLUGIN_PAGING),
    },
    ("PaiPlugin", "ListCampaigns"): {
        "description": "Lists campaigns (PaiPlugin envelope) [SDK-PL].",
        "params": dict(_PLUGIN_PAGING),
    },
    ("PaiPlugin", "ListTrainingJobs"): {
        "description": "Lists PaiPlugin training jobs (PaiPlugin envelope) [SDK-PL].",
        "params": {
            **_PLUGIN_PAGING,
            "Status": {"enum": [0, 1, 2, 3, 4],
                       "description": "[SDK-PL; SEED] 0 queued, 1 submitted, 2 running, 3 succeeded, "
                                      "4 failed"},
        },
    },
    ("PaiPlugin", "UpdateCampaign"): {
        "description": "Updates a campaign's name and remark (PaiPlugin envelope) [SDK-PL].",
        "params": {"Name": {"minLength": 1, "description": "not empty when given [INFERRED]"}},
    },
}

_JOB_RESERVED_POLICY = {"JobReservedPolicy": {"enum": JOB_RESERVED_POLICIES,
                                              "description": "[META components] Always | OnFailure | "
                                                             "OnSucceed"}}
_SDK_ST_REQUIRED = "[SDK-ST \"This parameter is required\"]"

SHARED_CURATION: dict[str, dict[str, dict]] = {
    "PaiStudio": {
        "AlgorithmSpec.request": {
            "required": ["Command", "Image", "JobType"],
            "params": {
                "JobType": {"description": f"required {_SDK_ST_REQUIRED}; [META] lists TFJob | "
                                           "PyTorchJob | XGBoostJob | ElasticBatchJob (not enforced: "
                                           "a component enum, not an API constraint)"},
                "Command": {"description": f"required {_SDK_ST_REQUIRED}"},
                "Image": {"description": f"required {_SDK_ST_REQUIRED}"},
            },
        },
        "AlgorithmSpecComputeResource.request": {"required": ["Policy"]},
        "AlgorithmSpecComputeResourcePolicy.request": {
            "required": ["Value", "Version"],
            "params": {"Version": {"description": f"required {_SDK_ST_REQUIRED}; e.g. V1"},
                       "Value": {"description": f"required {_SDK_ST_REQUIRED}; a JSON-array string"}},
        },
        "HyperParameterDefinition.request": {
            "schema": {"allOf": _hyperparameter_default_rules() + _hyperparameter_enum_rules()},
            "required": ["Name", "Type"],
            "params": {"Type": {"enum": ["Int", "Integer", "Float", "String", "Boolean", "Channel"],
                                "description": f"required {_SDK_ST_REQUIRED}; Int, Float, String, "
                                               "Boolean, Channel [PAISDK] or Integer [GO]: accept any of them"}},
        },
        "MetricDefinition.request": {
            "required": ["Name", "Regex"],
            "params": {"Regex": {"description": f"required {_SDK_ST_REQUIRED}; [SEED]; its first "
                                               "capture group is the value"}},
        },
        "Channel.request": {"required": ["Name"]},
        "ConditionExpression.request": {"required": ["Key", "Operator", "Values"]},
        "JobSettings.request": {"params": dict(_JOB_RESERVED_POLICY)},
    },
    "pai-dlc": {
        "JobSettings.request": {"params": dict(_JOB_RESERVED_POLICY)},
        "TensorboardDataSourceSpec.request": {"schema": _tensorboard_data_source_rules()},
        "JobSpec.request": {"required": ["Type"],
                            "params": {"Type": {"description": "required: the role (Worker, PS, ...) [SDK-DLC; INFERRED]"}}},
    },
    "PaiPlugin": {},
}


# ----------------------------------------------------------------------------------------------
# RESPONSE CURATION (issue 13) — what an answer always carries, and the format of its times.
# Applied to `$defs.response` of each document and to the response forms (no `.request` suffix) of
# schemas/_shared models; the request-side CURATION above is separate and untouched by it.
# ----------------------------------------------------------------------------------------------

# behavior.md §1.3: DLC and PaiStudio times are UTC ISO-8601 ("2021-01-12T14:35:01Z"; PaiStudio's
# docs say "yyyy-MM-ddTHH:mmZ", so seconds are optional), sanity-check items carry an offset and
# microseconds ("2023-11-30T16:47:30.343005+08:00"); PaiPlugin times are "2020-01-01 12:00:00" (UTC+8).
ISO_8601_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})$"
PAIPLUGIN_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"
TIME_FORMATS = {
    "PaiStudio": {"pattern": ISO_8601_TIME, "examples": ["2021-01-12T14:35:01Z"],
                  "description": "UTC ISO-8601 [SDK/GO/META; behavior.md §1.3]"},
    "pai-dlc": {"pattern": ISO_8601_TIME, "examples": ["2021-01-12T14:35:01Z"],
                "description": "ISO-8601, UTC or with an offset [SDK/GO/META demo; behavior.md §1.3]"},
    "PaiPlugin": {"pattern": PAIPLUGIN_TIME, "examples": ["2020-01-01 12:00:00"],
                  "description": "yyyy-MM-dd HH:mm:ss, UTC+8 [SDK-PL comments; META demo; behavior.md §1.3]"},
}
# String fields that hold a point in time (DLC's Metric.Time is an integer epoch and stays as is).
TIME_FIELD = re.compile(r"^(Gmt[A-Za-z]*Time|LastUsedTime|StartTime|EndTime|OccurTime|Timestamp|Time|"
                        r"CreatedTime|UpdatedTime|StartedAt|FinishedAt)$")

# The fields every success answer of an operation carries, by dotted path into the response
# ("" = the body; `A.B` walks properties and array items). Sources: the envelope and list shapes
# of behavior.md §1.2, §8, §9 (TotalCount, the echoed paging fields), the ids creates return
# [SDK models; behavior.md §4, §5, §6, §7, §8]; that ids, names, statuses and creation times are always set on
# a resource is [INFERRED] (the SDK models mark nothing required; alipai and the DLC CLI read them
# without a fallback).
_PLUGIN_ENVELOPE = ["Data", "ErrorCode", "ErrorMessage", "RequestId"]
_PLUGIN_PAGE = ["PageNumber", "PageSize", "TotalCount"]
_PLUGIN_CAMPAIGN = ["Id", "Name", "CreatedTime", "UpdatedTime"]
_PLUGIN_JOB = ["Id", "Name", "Status", "CampaignId", "Algorithm", "CreatedTime", "UpdatedTime"]
_STUDIO_JOB = ["TrainingJobId", "TrainingJobName", "Status", "WorkspaceId", "GmtCreateTime", "StatusTransitions"]
_STUDIO_ALGORITHM = ["AlgorithmId", "AlgorithmName", "GmtCreateTime"]
_STUDIO_VERSION = ["AlgorithmId", "AlgorithmVersion", "GmtCreateTime"]
_DLC_JOB = ["JobId", "DisplayName", "JobType", "Status", "WorkspaceId", "GmtCreateTime", "StatusHistory"]
_DLC_TEMPLATE = ["TemplateId", "TemplateName", "DefaultVersion", "WorkspaceId", "GmtCreateTime"]
RESPONSE_REQUIRED: dict[tuple[str, str], dict[str, list[str]]] = {
    ("PaiPlugin", "CreateCampaign"): {"Data": _PLUGIN_CAMPAIGN},
    ("PaiPlugin", "GetCampaign"): {"Data": _PLUGIN_CAMPAIGN},
    ("PaiPlugin", "UpdateCampaign"): {"Data": _PLUGIN_CAMPAIGN},
    ("PaiPlugin", "ListCampaigns"): {"Data": ["Campaigns", *_PLUGIN_PAGE], "Data.Campaigns": _PLUGIN_CAMPAIGN},
    ("PaiPlugin", "CreateTrainingJob"): {"Data": _PLUGIN_JOB},
    ("PaiPlugin", "GetTrainingJob"): {"Data": _PLUGIN_JOB},
    ("PaiPlugin", "ListTrainingJobs"): {"Data": ["TrainingJobs", *_PLUGIN_PAGE], "Data.TrainingJobs": _PLUGIN_JOB},
    ("PaiPlugin", "GetAlgorithm"): {"Data": ["Id", "Name"]},
    ("PaiPlugin", "ListAlgorithms"): {"Data": ["Algorithms", *_PLUGIN_PAGE], "Data.Algorithms": ["Id", "Name"]},
    ("PaiStudio", "CreateTrainingJob"): {"": ["TrainingJobId"]},
    ("PaiStudio", "GetTrainingJob"): {"": _STUDIO_JOB, "StatusTransitions": ["Status", "StartTime"]},
    ("PaiStudio", "ListTrainingJobs"): {"": ["TotalCount", "TrainingJobs"], "TrainingJobs": _STUDIO_JOB,
                                        "TrainingJobs.StatusTransitions": ["Status", "StartTime"]},
    ("PaiStudio", "CreateAlgorithm"): {"": ["AlgorithmId"]},
    ("PaiStudio", "UpdateAlgorithm"): {"": ["AlgorithmId"]},
    ("PaiStudio", "GetAlgorithm"): {"": _STUDIO_ALGORITHM},
    ("PaiStudio", "ListAlgorithms"): {"": ["TotalCount", "Algorithms"], "Algorithms": _STUDIO_ALGORITHM},
    ("PaiStudio", "CreateAlgorithmVersion"): {"": ["AlgorithmId", "AlgorithmVersion"]},
    ("PaiStudio", "UpdateAlgorithmVersion"): {"": ["AlgorithmId", "AlgorithmVersion"]},
    ("PaiStudio", "GetAlgorithmVersion"): {"": _STUDIO_VERSION},
    ("PaiStudio", "ListAlgorithmVersions"): {"": ["TotalCount", "AlgorithmVersions"], "AlgorithmVersions": _STUDIO_VERSION},
    ("PaiStudio", "ListTrainingJobLogs"): {"": ["TotalCount", "Logs"]},
    ("PaiStudio", "ListTrainingJobEvents"): {"": ["TotalCount", "Events"]},
    ("PaiStudio", "ListTrainingJobInstanceEvents"): {"": ["TotalCount", "Events"]},
    ("PaiStudio", "ListTrainingJobMetrics"): {"": ["TotalCount", "Metrics"], "Metrics": ["Name", "Value", "Timestamp"]},
    ("PaiStudio", "GetTrainingJobLatestMetrics"): {"": ["Metrics"], "Metrics": ["Name", "Value", "Timestamp"]},
    ("PaiStudio", "ListTrainingJobInstanceMetrics"): {"": ["InstanceMetrics"]},
    ("PaiStudio", "ListTrainingJobOutputModels"): {"": ["OutputModels"]},
    ("pai-dlc", "CreateJob"): {"": ["JobId"]},
    ("pai-dlc", "UpdateJob"): {"": ["JobId"]},
    ("pai-dlc", "StopJob"): {"": ["JobId"]},
    ("pai-dlc", "DeleteJob"): {"": ["JobId"]},
    ("pai-dlc", "GetJob"): {"": _DLC_JOB, "Pods": ["PodId", "Status", "Type"]},
    ("pai-dlc", "ListJobs"): {"": ["TotalCount", "Jobs"], "Jobs": _DLC_JOB},
    ("pai-dlc", "GetJobEvents"): {"": ["JobId", "Events"]},
    ("pai-dlc", "GetPodEvents"): {"": ["JobId", "PodId", "Events"]},
    ("pai-dlc", "GetPodLogs"): {"": ["JobId", "PodId", "Logs"]},
    ("pai-dlc", "GetJobMetrics"): {"": ["JobId", "PodMetrics"]},
    ("pai-dlc", "ListJobSanityCheckResults"): {"": ["TotalCount", "SanityCheckResults"]},
    ("pai-dlc", "GetJobSanityCheckResult"): {"": ["JobId", "SanityCheckResult"]},
    ("pai-dlc", "ListEcsSpecs"): {"": ["TotalCount", "EcsSpecs"], "EcsSpecs": ["InstanceType", "Cpu", "Memory", "Gpu"]},
    ("pai-dlc", "CreateJobTemplate"): {"": _DLC_TEMPLATE + ["Version"]},
    ("pai-dlc", "GetJobTemplate"): {"": _DLC_TEMPLATE + ["Versions"], "Versions": ["Version", "Content", "GmtCreateTime"]},
    ("pai-dlc", "ListJobTemplates"): {"": ["TotalCount", "PageNumber", "PageSize", "JobTemplates"],
                                      "JobTemplates": _DLC_TEMPLATE},
    ("pai-dlc", "UpdateJobTemplate"): {"": ["VersionCreated", "DefaultVersion"]},
    ("pai-dlc", "SetJobTemplateDefaultVersion"): {"": ["DefaultVersion"]},
    ("pai-dlc", "DeleteJobTemplate"): {"": ["TemplateId"]},
    ("pai-dlc", "CreateTensorboard"): {"": ["TensorboardId"]},
    ("pai-dlc", "UpdateTensorboard"): {"": ["TensorboardId"]},
    ("pai-dlc", "StartTensorboard"): {"": ["TensorboardId"]},
    ("pai-dlc", "StopTensorboard"): {"": ["TensorboardId"]},
    ("pai-dlc", "DeleteTensorboard"): {"": ["TensorboardId"]},
    ("pai-dlc", "ListTensorboards"): {"": ["TotalCount", "Tensorboards"]},
    ("pai-dlc", "GetTensorboard"): {"": ["TensorboardId", "DisplayName", "Status", "GmtCreateTime"]},
}
# The same for the response forms of shared models.
SHARED_RESPONSE_REQUIRED: dict[str, dict[str, list[str]]] = {
    "pai-dlc": {"StatusTransitionItem": ["Status", "StartTime"], "PodItem": ["PodId", "Status", "Type"],
                "Tensorboard": ["TensorboardId", "DisplayName", "Status", "GmtCreateTime"]},
}


# Response status vocabularies (issue #14: the schema is the single source of what a status field
# may say). Each status a response carries is an `enum` here; tests/project/test_schema_constants.py
# holds the services' status constants to these, and Schemathesis' response conformance check and
# the contract kit hold every answer to them.
STUDIO_JOB_STATUSES = ["Creating", "Created", "Initializing", "Submitted", "Running", "Succeed", "Failed",
                       "Terminated", "CreateFailed", "InitializeFailed"]
STUDIO_INSTANCE_STATUSES = ["Pending", "Running", "Succeeded", "Failed", "Stopped"]
DLC_POD_STATUSES = ["Pending", "Running", "Succeeded", "Failed", "Unknown"]
DLC_POD_SUB_STATUSES = ["Normal", "Evicted"]
DLC_RESTART_STATUSES = ["Restarting", "Succeeded", "Failed"]
DLC_SANITY_CHECK_STATUSES = ["Running", "Succeeded", "Failed", "Stopped"]
TENSORBOARD_STATUSES = ["Creating", "Running", "Stopped", "Succeeded", "Failed"]
PLUGIN_JOB_STATUSES = [0, 1, 2, 3, 4]
_STATUS = {
    "studio-job": {"enum": STUDIO_JOB_STATUSES, "description": "[PAISDK TrainingJobStatus; behavior.md §4.4]"},
    "studio-instance": {"enum": STUDIO_INSTANCE_STATUSES,
                        "description": "[GO example Succeeded]; the rest, the job's status per instance, [INFERRED]"},
    "dlc-job": {"enum": DLC_JOB_STATUSES, "description": "[SDK-DLC; behavior.md §5.2] the 13 statuses"},
    "dlc-pod": {"enum": DLC_POD_STATUSES, "description": "[SDK-DLC Pods; behavior.md §5.2]"},
    "dlc-pod-sub": {"enum": DLC_POD_SUB_STATUSES, "description": "[SDK-DLC Pods; behavior.md §5.2]"},
    "dlc-restart": {"enum": DLC_RESTART_STATUSES, "description": "[INFERRED] (the reference names the field only; "
                                                                 "behavior.md §5.2)"},
    "dlc-sanity": {"enum": DLC_SANITY_CHECK_STATUSES,
                   "description": "[SDK/META example Succeeded]; Running, Failed, Stopped [INFERRED] (behavior.md §5.9)"},
    "dlc-sanity-phase": {"enum": SANITY_CHECK_PHASES, "description": "[SDK] the five phases, in order (behavior.md §5.9)"},
    "tensorboard": {"enum": TENSORBOARD_STATUSES, "description": "[SDK _list_tensorboards_request.py; behavior.md §7]"},
    "plugin-job": {"enum": PLUGIN_JOB_STATUSES, "description": "[SDK-PL] 0 queued, 1 submitted, 2 running, "
                                                               "3 succeeded, 4 failed (behavior.md §8)"},
}
# (product, action) -> {dotted path into the response: vocabulary}; shared models below.
RESPONSE_STATUS: dict[tuple[str, str], dict[str, str]] = {
    ("PaiStudio", "GetTrainingJob"): {"Status": "studio-job", "StatusTransitions.Status": "studio-job",
                                      "Instances.Status": "studio-instance"},
    ("PaiStudio", "ListTrainingJobs"): {"TrainingJobs.Status": "studio-job",
                                        "TrainingJobs.StatusTransitions.Status": "studio-job"},
    ("pai-dlc", "GetJob"): {"Status": "dlc-job", "Pods.Status": "dlc-pod", "Pods.SubStatus": "dlc-pod-sub",
                            "Pods.HistoryPods.Status": "dlc-pod", "Pods.HistoryPods.SubStatus": "dlc-pod-sub",
                            "RestartRecord.RestartStatus": "dlc-restart"},
    ("pai-dlc", "ListJobs"): {"Jobs.Status": "dlc-job"},
    ("pai-dlc", "GetTensorboard"): {"Status": "tensorboard"},
    ("PaiPlugin", "CreateTrainingJob"): {"Data.Status": "plugin-job"},
    ("PaiPlugin", "GetTrainingJob"): {"Data.Status": "plugin-job"},
    ("PaiPlugin", "ListTrainingJobs"): {"Data.TrainingJobs.Status": "plugin-job"},
}
SHARED_RESPONSE_STATUS: dict[str, dict[str, dict[str, str]]] = {
    "pai-dlc": {"StatusTransitionItem": {"Status": "dlc-job"},
                "PodItem": {"Status": "dlc-pod", "SubStatus": "dlc-pod-sub"},
                "SanityCheckResultItem": {"Status": "dlc-sanity", "Phase": "dlc-sanity-phase"},
                "Tensorboard": {"Status": "tensorboard"}},
}


def _status_enums(node: dict, fields: dict[str, str], where: str) -> None:
    for dotted, vocabulary in fields.items():
        target = _walk_to(node, dotted, where)
        if "$ref" in target or "enum" in target:
            raise SystemExit(f"response statuses: {where}: {dotted} is a $ref or has an enum already")
        target.update(copy.deepcopy(_STATUS[vocabulary]))


def _require(node: dict, names: list[str], where: str) -> None:
    props = node.get("properties", {})
    unknown = [n for n in names if n not in props]
    if unknown:
        raise SystemExit(f"response curation: {where}: {unknown} are not properties")
    req = node.setdefault("required", [])
    req.extend(n for n in names if n not in req)


def _time_formats(node: Any, product: str) -> None:
    """Give every string time field (TIME_FIELD) its product's format, through the whole tree."""
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            if TIME_FIELD.match(name) and isinstance(prop, dict) and prop.get("type") == "string":
                prop.update(copy.deepcopy(TIME_FORMATS[product]))
        for value in node.values():
            _time_formats(value, product)
    elif isinstance(node, list):
        for value in node:
            _time_formats(value, product)


def apply_response_curation(doc: dict, product: str, action: str) -> None:
    response = doc["$defs"]["response"]
    if doc["x-operation"]["envelope"] == "paiplugin":
        _require(response, _PLUGIN_ENVELOPE, f"{product} {action}")
    for dotted, names in RESPONSE_REQUIRED.get((product, action), {}).items():
        node = _walk_to(response, dotted, f"{product} {action} response") if dotted else response
        while node.get("type") == "array":
            node = node["items"]
        _require(node, names, f"{product} {action} response {dotted or '$'}")
    _status_enums(response, RESPONSE_STATUS.get((product, action), {}), f"{product} {action} response")
    _time_formats(response, product)


def apply_shared_response_curation(doc: dict, product: str) -> None:
    defs = doc["$defs"]
    for name, names in SHARED_RESPONSE_REQUIRED.get(product, {}).items():
        _require(defs[name], names, f"_shared/{product} {name}")
    for name, fields in SHARED_RESPONSE_STATUS.get(product, {}).items():
        _status_enums(defs[name], fields, f"_shared/{product} {name}")
    for name, schema in defs.items():
        if not name.endswith(".request"):
            _time_formats(schema, product)


# ----------------------------------------------------------------------------------------------
# REQUEST BOUNDS (issue #11 §1: no request may buy unbounded work) — kept apart from CURATION so
# each can change without touching the other. Every integer, string, list and map a request can
# carry gets a maximum, declared in the request schema so the binder, the OpenAPI document and the
# contract kit all enforce / know the same bound (400 InvalidParameter naming the field and the
# bound). Applied to request schemas only ($defs.request and the shared `<Model>.request` forms),
# after CURATION. docs/limits.md lists every bound with its source.
#
#   BOUNDS[(product, action)] / SHARED_BOUNDS[product][def name]: {"Param.Nested": keywords}, same
#   dotted paths as CURATION's "params"; a "description" is appended to the curated one.
#   Then the defaults fill in what is still open: int64 range for integers, a maxLength for
#   strings (by where the parameter travels), maxItems for lists, maxProperties for maps, and
#   minLength 1 for required strings (an empty required string is as good as a missing one).
# ----------------------------------------------------------------------------------------------

INT64_MIN, INT64_MAX = -2**63, 2**63 - 1     # what the real gateway parses integers into (Java long)
# A request's line and headers are at most serving.MAX_HEAD_BYTES (64 KiB); a query's declared maxima
# must fit in them with room for the headers (tests/operations/test_query_maxima.py), and a
# character can take 12 bytes there (a code point above U+FFFF: 4 UTF-8 bytes, each %XX). ListJobs
# has 37 query parameters, 27 of them free strings: at 1024 characters each they were ~330 KB.
DEFAULT_MAX_LENGTH = {"path": 128, "query": 128, "body": 65536}   # [INFERRED] ids, names, filters
DATE_TIME_MAX_LENGTH = 64                     # [INFERRED] an RFC 3339 date-time with a long fraction
DEFAULT_MAX_ITEMS = 1000                      # [INFERRED]
DEFAULT_MAX_PROPERTIES = 1000                 # [INFERRED]
MAX_PODS_PER_ROLE = 1000                      # [INFERRED] (was job_spec.MAX_PODS)
MAX_PODS_PER_JOB = 1000                       # [INFERRED] all roles together
MAX_ROLES = 16                                # [INFERRED] TFJob has 5 roles; Ray worker groups
MAX_INSTANCES = 1000                          # [INFERRED] PaiStudio EcsCount / InstanceCount
TEN_YEARS_MINUTES = 10 * 365 * 24 * 60        # [INFERRED] any duration a job or reservation lasts


def _count(maximum: int, what: str, minimum: int = 1) -> dict:
    return {"minimum": minimum, "maximum": maximum,
            "description": f"{minimum}..{maximum} {what} [INFERRED: undocumented; bounded work per read]"}


def _minutes(minimum: int = 0) -> dict:
    return {"minimum": minimum, "maximum": TEN_YEARS_MINUTES,
            "description": f"{minimum}..{TEN_YEARS_MINUTES} minutes (ten years) [INFERRED]"}


# Cross-field bounds JSON Schema cannot state (a sum, a product, a count over a job's life), as
# `x-fakepai-*` keywords on the property they concern: the OpenAPI publishes them and the handlers
# read them from the schema (services/dlc/job_spec.py `declared`); docs/limits.md.
MAX_POD_RESTARTS = 1000                       # [INFERRED] pods x restarts: a restart is a new life per pod
MAX_SCALED_OUT_PODS = 1000                    # [INFERRED] scaled-out pods keep their lives in the plan
_JOB_PODS = {"x-fakepai-maxTotalPodCount": MAX_PODS_PER_JOB, "x-fakepai-maxPodRestarts": MAX_POD_RESTARTS}
_JOB_PODS_TEXT = (f"at most {MAX_PODS_PER_JOB} pods in all (x-fakepai-maxTotalPodCount), and pods x restarts "
                  f"at most {MAX_POD_RESTARTS} (x-fakepai-maxPodRestarts; restarts come from the outcome tag "
                  "or the control plane) [INFERRED: every GetJob lists every life of every pod]")
# The outcome tag's grammar (fakepai/outcome_spec.py `Outcome.from_tag`) and its bounds, which the
# parser enforces (400 InvalidParameter naming the tag); the numbers are the parser's own.
# The keyword is enforced by the binder (fakepai/rules.py, x-fakepai-outcome) with the parser
# itself, and carries the product's phases: PaiStudio's all; pai-dlc's every job may go through
# (Bidding for Lingjun spot jobs, SanityChecking and its sub-phases with the sanity check: that
# this job goes through its phase stays the handler's check, against the job's own settings).
_OUTCOME_BOUNDS = {"maxRestarts": MAX_OUTCOME_RESTARTS, "maxFaultTimes": MAX_OUTCOME_RESTARTS,
                   "maxSeconds": int(MAX_OUTCOME_SECONDS)}
_DLC_OUTCOME = {**_OUTCOME_BOUNDS, "restartable": True,
                "phases": dlc_lifecycle(sanity=True, bidding=True).statuses() + list(DLC_SANITY_PHASES)}
_STUDIO_OUTCOME = {**_OUTCOME_BOUNDS, "restartable": False, "phases": STUDIO_LIFECYCLE.statuses()}
_OUTCOME_GRAMMAR = (f"`<result>[:<phase>][@<seconds>][+restarts=<count> | +restarts=<s>s,<s>s...]` or the control "
                    f"plane's JSON spec; result succeed | fail | hang | timeout; seconds 0..{int(MAX_OUTCOME_SECONDS)}; "
                    f"restarts 0..{MAX_OUTCOME_RESTARTS}, or at most {MAX_OUTCOME_RESTARTS} fault times in "
                    f"0..{int(MAX_OUTCOME_SECONDS)} seconds of running (x-fakepai-outcome) [fakepai convention]")
_OUTCOME_TAG = {"type": "string", "x-fakepai-outcome": _DLC_OUTCOME,
                "description": "fakepai's scripted outcome: " + _OUTCOME_GRAMMAR}

MAX_TENSORBOARD_SOURCES = 100               # [INFERRED] data sources of one TensorBoard
_OSS_KEY = {"maxLength": 1023, "description": "at most 1023 characters, an OSS object key's limit [DOC]"}

_TEMPLATE_CONTENT = {"minLength": 0, "maxLength": 262144, "description": "at most 256 KiB [INFERRED]"}

# A map filter in the query (JSON text): its keys and values are label / tag strings. Alibaba
# Cloud tags allow keys and values of 128 characters [DOC tag limits]; a filter names a few pairs,
# and 8 pairs of 64 + 64 characters (12 KB at 12 bytes a character) fit in the request head with
# ListJobs' other 36 parameters. `propertyNames` (the key's length) is published in the OpenAPI
# 3.0 document as `x-fakepai-propertyNames`: 3.0 has no keyword for it.
MAX_QUERY_MAP_PAIRS = 8                       # [INFERRED]
MAX_QUERY_MAP_TEXT = 64                       # [INFERRED] per key and per value
_QUERY_MAP = {"maxProperties": MAX_QUERY_MAP_PAIRS, "propertyNames": {"maxLength": MAX_QUERY_MAP_TEXT},
              "additionalProperties": {"type": "string", "maxLength": MAX_QUERY_MAP_TEXT},
              "description": f"at most {MAX_QUERY_MAP_PAIRS} pairs, keys and values of at most "
                             f"{MAX_QUERY_MAP_TEXT} characters [INFERRED: the query fits the 64 KiB request head]"}

# Longer than a query string's 128: a token (the seed's GetJobSanityCheckResult Token, a JWT, is
# 233 characters) and comma-separated lists of names or ids.
_TOKEN = {"maxLength": 1024, "description": "at most 1024 characters [INFERRED: a JWT; the seed's is 233]"}
_NAME_LIST = {"maxLength": 1024, "description": "at most 1024 characters [INFERRED: a comma-separated list]"}
_ID_LIST = {"maxLength": 256, "description": "at most 256 characters, ~14 ids [INFERRED: with ListJobs' other "
                                             "parameters, the query fits the 64 KiB request head]"}

BOUNDS: dict[tuple[str, str], dict] = {
    ("PaiStudio", "ListTrainingJobs"): {"Labels": _QUERY_MAP},
    ("PaiStudio", "DeleteTrainingJobLabels"): {"Keys": _NAME_LIST},
    ("PaiStudio", "GetTrainingJobLatestMetrics"): {"Names": _NAME_LIST},
    ("pai-dlc", "ListJobs"): {"Tags": _QUERY_MAP, "JobIds": _ID_LIST, "ResourceIds": _ID_LIST},
    ("pai-dlc", "ListEcsSpecs"): {"InstanceTypes": _NAME_LIST},
    ("pai-dlc", "GetJobSanityCheckResult"): {"Token": _TOKEN},
    ("pai-dlc", "GetJobMetrics"): {"Token": _TOKEN},
    ("pai-dlc", "GetTensorboard"): {"Token": _TOKEN},
    ("PaiStudio", "CreateTrainingJob"): {
        "Labels": {"x-fakepai-outcome": _STUDIO_OUTCOME,
                   "description": "a label `fakepai.outcome` scripts how the job ends: " + _OUTCOME_GRAMMAR},
        "ComputeResource.EcsCount": _count(MAX_INSTANCES, "instances; every read lists one per instance"),
        "ComputeResource.InstanceCount": _count(MAX_INSTANCES, "instances; every read lists one per instance"),
        "ComputeResource.SpotSpec.SpotDiscountLimit": {
            "minimum": 0, "maximum": 1, "description": "a discount: 0..1 [INFERRED]"},
        "Scheduler.MaxRunningTimeInSeconds": {
            "minimum": 0, "maximum": TEN_YEARS_MINUTES * 60, "description": "0..ten years [INFERRED]"},
        "Scheduler.MaxRunningTimeInMinutes": _minutes(),
    },
    ("pai-dlc", "CreateJob"): {
        "JobSpecs": {"minItems": 1, "maxItems": MAX_ROLES, **_JOB_PODS,
                     "description": f"1..{MAX_ROLES} roles; {_JOB_PODS_TEXT}"},
        "JobMaxRunningTimeMinutes": _minutes(1),
        "Envs": {"properties": {name: _OUTCOME_TAG for name in ("FAKEPAI_OUTCOME", "fakepai.outcome")}},
    },
    ("pai-dlc", "UpdateJob"): {
        "JobSpecs": {"maxItems": MAX_ROLES, **_JOB_PODS, "x-fakepai-maxScaledOutPods": MAX_SCALED_OUT_PODS,
                     "description": f"at most {MAX_ROLES} roles; {_JOB_PODS_TEXT}; at most {MAX_SCALED_OUT_PODS} "
                                    "pods scaled out over the job's life, which keep their lives "
                                    "(x-fakepai-maxScaledOutPods) [INFERRED]"},
    },
    ("pai-dlc", "CreateTensorboard"): {
        # The top-level SummaryPath is copied into every DataSources item (SummaryPath and
        # FullSummaryPath), so their product is what a read answers: 1000 items x 64 KiB made a
        # 116 KB request answer 131 MB on every read. A path is an OSS object key [DOC: 1..1023
        # bytes]; 100 sources is [INFERRED].
        "SummaryPath": _OSS_KEY, "SummaryRelativePath": _OSS_KEY,
        "DataSources": {"maxItems": MAX_TENSORBOARD_SOURCES,
                        "description": f"at most {MAX_TENSORBOARD_SOURCES} [INFERRED: each carries SummaryPath]"},
        "TensorboardDataSources": {"maxItems": MAX_TENSORBOARD_SOURCES,
                                   "description": f"at most {MAX_TENSORBOARD_SOURCES} [INFERRED]"},
        "Cpu": _count(1024, "vCPU"),
        "Memory": _count(8192, "GiB"),
        "MaxRunningTimeMinutes": _minutes(1),
    },
    ("pai-dlc", "UpdateTensorboard"): {"MaxRunningTimeMinutes": _minutes(1)},
    # An empty template Content is the handler's 400 InvalidParameter.Content (like any content
    # that is not a CreateJob body), not MissingParameter; a whole CreateJob body fits in 256 KiB.
    ("pai-dlc", "CreateJobTemplate"): {"Content": _TEMPLATE_CONTENT},
    ("pai-dlc", "UpdateJobTemplate"): {"Content": _TEMPLATE_CONTENT},
    # A log line answers ~100 bytes: 10,000 lines are ~1 MB (100,000 were 10 MB, over a read's
    # 2 MB budget); the same maximum as MaxEventsNum's [META].
    ("pai-dlc", "GetPodLogs"): {
        "MaxLines": {"minimum": 1, "maximum": 10000,
                     "description": "1..10000 lines [INFERRED: as MaxEventsNum, META]; the SDK default is 2000"}},
}

# Regular expressions are compiled where a job is created and again on its first read (its log
# lines are written to fit them: fakepai/sim/regex_values.py), at ~1.3 us per character: 1000
# metric regexes of 6 KiB (a 6 MB CreateTrainingJob body) took 8 s to create and 13 s for the
# first GetTrainingJob (benchmarks/bench_maximal_body.py). A metric regex is one log-line pattern;
# SageMaker, whose MetricDefinitions PAI's mirror, documents at most 40 of at most 500 characters.
MAX_REGEX_LENGTH = 1024                       # [INFERRED] twice SageMaker's 500
MAX_METRIC_DEFINITIONS = 100                  # [INFERRED] SageMaker's 40, with room
MAX_PATTERN_LENGTH = 256                      # [INFERRED] a hyper-parameter value's pattern
MAX_METRIC_NAME = 255                         # [INFERRED] SageMaker's MetricDefinition Name
# `format: regex`: a pattern Python's re compiles (the binder asserts it, docs/limits.md).
_REGEX = {"maxLength": MAX_REGEX_LENGTH, "format": "regex",
          "description": f"a regular expression (Python's re) of at most {MAX_REGEX_LENGTH} characters "
                         "[INFERRED: compiled on create and read]"}

SHARED_BOUNDS: dict[str, dict[str, dict]] = {
    "PaiStudio": {
        "JobSettings.request": {"JobReservedMinutes": _minutes()},
        "AlgorithmSpec.request": {"MetricDefinitions": {
            "maxItems": MAX_METRIC_DEFINITIONS,
            "description": f"at most {MAX_METRIC_DEFINITIONS} [INFERRED: each regex is compiled on create and read]"}},
        # A metric's Name is in each of its points: a page of ListTrainingJobMetrics is 100 of
        # them (a 16 KiB name answered 1.6 MB; found by test_maxima's one-field-at-a-time case).
        "MetricDefinition.request": {"Regex": _REGEX, "Name": {
            "maxLength": MAX_METRIC_NAME,
            "description": f"at most {MAX_METRIC_NAME} characters [INFERRED: SageMaker's; each point carries it]"}},
        "AlgorithmSpecProgressDefinitionsOverallProgress.request": {"Regex": _REGEX},
        "AlgorithmSpecProgressDefinitionsRemainingTime.request": {"Regex": _REGEX},
        "HyperParameterRange.request": {"Pattern": {
            "maxLength": MAX_PATTERN_LENGTH, "format": "regex",
            "description": f"a regular expression (Python's re) of at most {MAX_PATTERN_LENGTH} characters "
                           "[INFERRED: compiled per hyper-parameter]"}},
    },
    "pai-dlc": {
        "JobSpec.request": {"PodCount": _count(MAX_PODS_PER_ROLE, "pods of this role")},
        "JobSettings.request": {
            "Tags": {"properties": {"fakepai.outcome": _OUTCOME_TAG}},
            "JobReservedMinutes": _minutes(),
            "TerminationGracePeriodSeconds": {"minimum": 0, "maximum": 86400,
                                              "description": "0..86400 seconds [INFERRED]"},
            "ElasticSpotJobMaxRestartTimes": {"minimum": 0, "maximum": 1000,
                                              "description": "0..1000 [INFERRED]"},
        },
        "JobElasticSpec.request": {name: {"minimum": 0, "maximum": MAX_PODS_PER_JOB,
                                          "description": f"0..{MAX_PODS_PER_JOB} [INFERRED]"}
                                   for name in ("EDPMaxParallelism", "EDPMinParallelism", "MaxParallelism",
                                                "MinParallelism", "PSMaxParallelism", "PSMinParallelism")},
        "AutoScalingSpec.request": {name: {"minimum": 0, "maximum": MAX_PODS_PER_JOB,
                                           "description": f"0..{MAX_PODS_PER_JOB} [INFERRED]"}
                                    for name in ("MaxReplicas", "MinReplicas")},
        "ServiceSpec.request": {"DefaultPort": {"minimum": 1, "maximum": 65535, "description": "a TCP port"},
                                "ExtraPorts": {"maxItems": 64, "items": {"minimum": 1, "maximum": 65535},
                                               "description": "at most 64 TCP ports [INFERRED]"}},
        "SystemDisk.request": {"Size": _count(65536, "GiB")},
    },
    "PaiPlugin": {},
}


def _patch_bounds(schema: dict, bounds: dict, where: str) -> None:
    for dotted, keywords in bounds.items():
        target = _walk_to(schema, dotted, where)
        if "$ref" in target:
            raise SystemExit(f"bounds: {where}: {dotted} is a $ref; bound the shared definition")
        for key, value in keywords.items():
            if key == "items":                   # bounds of a list's items: {"items": {...}}
                target["items"].update(copy.deepcopy(value))
            elif key == "description" and target.get("description"):
                target["description"] = f"{target['description']}; {value}"
            else:
                target[key] = copy.deepcopy(value)


def _types_of(node: dict) -> set:
    t = node.get("type")
    return {t} if isinstance(t, str) else set(t or ())


def _default_bounds(node: dict, where_in: str, required: bool = False) -> None:
    """Fill in the default maxima (and required strings' minLength) everywhere below `node`."""
    if "$ref" in node:
        return                                   # the shared definition is bounded on its own
    types = _types_of(node)
    if "integer" in types and "enum" not in node:
        node.setdefault("minimum", INT64_MIN)
        node.setdefault("maximum", INT64_MAX)
    if "string" in types and "enum" not in node:
        node.setdefault("maxLength", DATE_TIME_MAX_LENGTH if node.get("format") == "date-time"
                        else DEFAULT_MAX_LENGTH[where_in])
        if required:
            node.setdefault("minLength", 1)
    if "array" in types:
        node.setdefault("maxItems", DEFAULT_MAX_ITEMS)
        if isinstance(node.get("items"), dict):
            _default_bounds(node["items"], "body")
    if "object" in types:
        props = node.get("properties") or {}
        needed = set(node.get("required", ()))
        for name, sub in props.items():
            _default_bounds(sub, sub.get("x-in", where_in), name in needed)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            node.setdefault("maxProperties", DEFAULT_MAX_PROPERTIES)
            _default_bounds(extra, "body")
        elif not props:
            node.setdefault("maxProperties", DEFAULT_MAX_PROPERTIES)


def apply_bounds(doc: dict, product: str, action: str) -> None:
    request = doc["$defs"]["request"]
    _patch_bounds(request, BOUNDS.get((product, action), {}), f"{product} {action}")
    _default_bounds(request, "query")


def apply_shared_bounds(doc: dict, product: str) -> None:
    for name, bounds in SHARED_BOUNDS.get(product, {}).items():
        _patch_bounds(doc["$defs"][name], bounds, f"_shared/{product} {name}")
    for name, sub in doc["$defs"].items():
        if name.endswith(".request"):
            _default_bounds(sub, "body")


# ----------------------------------------------------------------------------------------------
# CROSS-FIELD RULES (issue #11: a schema-valid request is never refused) — what JSON Schema cannot
# state, declared as fakepai's own keywords (fakepai/rules.py: the binder enforces them, the OpenAPI
# carries them, request generators satisfy them); docs/limits.md "Declared cross-field rules".
#   RULES[(product, action)] / SHARED_RULES[product][def name]: `x-fakepai-rules` of the request
#     schema (or the shared definition); each rule with its source tag.
#   RULE_PARAMS / SHARED_RULE_PARAMS: keywords the rules need on single fields (the text form of a
#     number compared, `x-fakepai-jsonText`), same dotted paths as CURATION's "params".
# Applied last, after BOUNDS.
# ----------------------------------------------------------------------------------------------

# A time window read by a telemetry handler (fakepai/state/paging.py time_window): reversed is 400.
# Lists read theirs as a creation-time filter, where a reversed window matches nothing (no rule).
_WINDOW = [{"rule": "notAfter", "fields": ["StartTime", "EndTime"], "as": "date-time",
            "source": "[INFERRED] a window that ends before it starts names no time"}]
# Numbers as text, as float() reads them (fakepai/services/paistudio/hyperparameters.py); empty is absent.
NUMBER_TEXT = r"^([-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?)?$"
_JSON_OBJECT = {"type": "object", "maxProperties": DEFAULT_MAX_PROPERTIES}
TEMPLATE_CONTENT_DEF = "JobTemplateContent.request"
_TEMPLATE_CONTENT_TEXT = {
    "x-fakepai-jsonText": {"schema": {"$ref": f"{BASE_URI}/_shared/pai-dlc.json#/$defs/{TEMPLATE_CONTENT_DEF}"},
                           "code": "InvalidParameter.Content"},
    "description": "checked as declared by x-fakepai-jsonText (JobTemplateContent.request: CreateJob's fields, "
                   "JobType and JobSpecs required)"}

RULES: dict[tuple[str, str], list[dict]] = {
    **{("PaiStudio", action): _WINDOW for action in (
        "ListTrainingJobLogs", "ListTrainingJobEvents", "ListTrainingJobInstanceEvents",
        "ListTrainingJobMetrics", "ListTrainingJobInstanceMetrics")},
    **{("pai-dlc", action): _WINDOW for action in ("GetJobEvents", "GetPodEvents", "GetPodLogs", "GetJobMetrics")},
    ("pai-dlc", "ListJobs"): [
        *({"rule": "requires", "field": bound, "needs": "NumericRangeField",
           "source": "[META] NumericRangeMin/Max bound the field NumericRangeField names"}
          for bound in ("NumericRangeMin", "NumericRangeMax")),
        {"rule": "notTogether", "values": {"FromAllWorkspaces": True, "ShowOwn": False},
         "source": "[META] FromAllWorkspaces requires ShowOwn=true"}],
    ("pai-dlc", "CreateJob"): [
        {"rule": "uniqueBy", "list": "JobSpecs", "key": "Type",
         "source": "[INFERRED] one JobSpec per role: a role's pods are one PodCount"}],
    ("pai-dlc", "CreateTensorboard"): [
        {"rule": "sameAs", "fields": ["SourceId", "JobId"],
         "source": "[INFERRED] both name the TensorBoard's job (SourceType job): given both, one job"}],
    ("PaiStudio", "CreateTrainingJob"): [
        {"rule": "fitsDefinitions", "list": "HyperParameters", "key": "Name", "value": "Value",
         "of": "AlgorithmSpec.HyperParameters",
         "source": "[INFERRED] a job's value reads as its definition's Type, inside its Range "
                   "(an inline AlgorithmSpec; a named algorithm's is stored state)"},
        {"rule": "covers", "list": "HyperParameters", "key": "Name", "value": "Value",
         "of": "AlgorithmSpec.HyperParameters", "when": "Required", "unless": "DefaultValue",
         "source": "[PAISDK] a Required hyper-parameter with no DefaultValue needs the job's value "
                   "(an inline AlgorithmSpec; a named algorithm's is stored state)"}],
}
# Constraints: field path -> locked | overridable | required (keys need `propertyNames`, which
# OpenAPI 3.0 lacks, and the refusal has its own code).
_CONSTRAINTS = {"x-fakepai-rules": [
    {"rule": "keys", "pattern": CONSTRAINT_PATH, "values": list(CONSTRAINT_RULES), "code": "InvalidParameter.Constraints",
     "source": "[SKILL e80d822] keys are field paths (an optional `$.` prefix), values locked | overridable | required"}]}
RULE_PARAMS: dict[tuple[str, str], dict] = {
    ("pai-dlc", "CreateJobTemplate"): {"Content": _TEMPLATE_CONTENT_TEXT, "Constraints": _CONSTRAINTS},
    ("pai-dlc", "UpdateJobTemplate"): {"Content": _TEMPLATE_CONTENT_TEXT, "Constraints": _CONSTRAINTS},
    ("pai-dlc", "CreateTensorboard"): {"Options": {
        "x-fakepai-jsonText": {"schema": _JSON_OBJECT, "allowEmpty": True},
        "description": "JSON text of an object, \"the extended field of custom dataset in JSON format\" [SDK comment]; "
                       "empty is absent (x-fakepai-jsonText)"}},
}
_UNIQUE_NAMES = "[INFERRED] a job's hyper-parameters and metrics are looked up by name"
SHARED_RULES: dict[str, dict[str, list[dict]]] = {
    "PaiStudio": {
        "AlgorithmSpec.request": [
            {"rule": "uniqueBy", "list": "HyperParameters", "key": "Name", "source": _UNIQUE_NAMES},
            {"rule": "uniqueBy", "list": "MetricDefinitions", "key": "Name", "source": _UNIQUE_NAMES}],
        "HyperParameterDefinition.request": [
            {"rule": "withinRange", "value": "DefaultValue",
             "source": "[INFERRED] a default is a value: it fits the Range a job's value must fit "
                       "(the definition model [SDK-ST]; the PAI SDK checks values client-side [PAISDK])"}],
        "HyperParameterRange.request": [
            {"rule": "notAfter", "fields": ["Minimum", "Maximum"], "as": "number",
             "source": "[INFERRED] an empty range admits no value"},
            {"rule": "notAfter", "fields": ["MinLength", "MaxLength"], "as": "integer",
             "source": "[INFERRED] an empty range admits no value"}],
    },
}
_NUMBER_TEXT = {"pattern": NUMBER_TEXT,
                "description": "a number written as text (empty: no bound) [PAISDK: float() of it]"}
SHARED_RULE_PARAMS: dict[str, dict[str, dict]] = {
    "PaiStudio": {"HyperParameterRange.request": {
        "Minimum": _NUMBER_TEXT, "Maximum": _NUMBER_TEXT,
        "MinLength": {"minimum": 0, "description": "a length: 0 or more [INFERRED]"},
        "MaxLength": {"minimum": 0, "description": "a length: 0 or more [INFERRED]"}}},
}


def _declare_rules(schema: dict, rules: list[dict], params: dict, where: str) -> None:
    for rule in rules + [r for keywords in params.values() for r in keywords.get("x-fakepai-rules", [])]:
        check_declaration(rule)
    if rules:
        schema["x-fakepai-rules"] = copy.deepcopy(rules)
    for dotted, keywords in params.items():
        target = _walk_to(schema, dotted, where)
        target.update({k: copy.deepcopy(v) for k, v in keywords.items() if k != "description"})
        if keywords.get("description"):
            target["description"] = "; ".join(filter(None, [target.get("description"), keywords["description"]]))


def apply_rules(doc: dict, product: str, action: str) -> None:
    _declare_rules(doc["$defs"]["request"], RULES.get((product, action), []),
                   RULE_PARAMS.get((product, action), {}), f"{product} {action}")


def apply_shared_rules(doc: dict, product: str, operations: dict[str, str]) -> None:
    defs = doc["$defs"]
    for name in set(SHARED_RULES.get(product, {})) | set(SHARED_RULE_PARAMS.get(product, {})):
        _declare_rules(defs[name], SHARED_RULES.get(product, {}).get(name, []),
                       SHARED_RULE_PARAMS.get(product, {}).get(name, {}), f"_shared/{product} {name}")
    if product == "pai-dlc":
        defs[TEMPLATE_CONTENT_DEF] = template_content(json.loads(operations["pai-dlc/2020-12-03/CreateJob.json"]))


def template_content(create_job: dict) -> dict:
    """What a job template's Content holds: CreateJob's body fields and their rules, JobType and
    JobSpecs required (the rest may come at CreateJob time) [SKILL e80d822; behavior.md §6.3]."""
    request = create_job["$defs"]["request"]
    props = {name: {k: v for k, v in spec.items() if k != "x-in"} for name, spec in request["properties"].items()}
    out = {"type": "object", "properties": props, "required": ["JobType", "JobSpecs"],
           "description": "A job template's Content: a CreateJob body; JobType and JobSpecs required "
                          "[SKILL e80d822]"}
    if request.get("x-fakepai-rules"):
        out["x-fakepai-rules"] = copy.deepcopy(request["x-fakepai-rules"])
    return out


def _walk_to(schema: dict, dotted: str, where: str) -> dict:
    node = schema
    for part in dotted.split("."):
        while node.get("type") == "array":
            node = node["items"]
        props = node.get("properties")
        if props is None or part not in props:
            raise SystemExit(f"curation: {where}: no property {dotted!r} (at {part!r})")
        node = props[part]
    return node


def _patch(schema: dict, patch: dict, where: str) -> None:
    for dotted, keywords in patch.get("params", {}).items():
        # `List[]`: the list's items (required fields of each item).
        target = _walk_to(schema, dotted.removesuffix("[]"), where)
        if dotted.endswith("[]"):
            target = target["items"]
        if "$ref" in target and set(keywords) - {"description"}:
            raise SystemExit(f"curation: {where}: {dotted} is a $ref; curate the shared definition")
        target.update(copy.deepcopy(keywords))
    if patch.get("required"):
        props = schema.get("properties", {})
        for name in patch["required"]:
            if name not in props:
                raise SystemExit(f"curation: {where}: required {name!r} is not a property")
        req = schema.setdefault("required", [])
        req.extend(n for n in patch["required"] if n not in req)


def apply_curation(doc: dict, product: str, action: str) -> None:
    for name in ("StartTime", "EndTime"):          # every time window the handlers parse (parse_iso)
        spec = doc["$defs"]["request"].get("properties", {}).get(name)
        if spec is not None and spec.get("type") == "string":
            spec.update(REQUEST_TIME)
    cur = CURATION.get((product, action))
    if cur is None:
        return
    xop = doc["x-operation"]
    if "description" in cur:
        doc["description"] = cur["description"]
    if "rateLimit" in cur:
        xop["rateLimit"] = cur["rateLimit"]
    if "maxBodyBytes" in cur:
        xop["maxBodyBytes"] = cur["maxBodyBytes"]
    request = doc["$defs"]["request"]
    _patch(request, cur, f"{product} {action}")
    request.update(copy.deepcopy(cur.get("request", {})))


def apply_shared_curation(doc: dict, product: str) -> None:
    defs = doc["$defs"]
    for name, cur in SHARED_CURATION.get(product, {}).items():
        if name not in defs:
            raise SystemExit(f"curation: _shared/{product}.json has no definition {name!r}")
        _patch(defs[name], cur, f"_shared/{product} {name}")
        for key, value in copy.deepcopy(cur.get("schema", {})).items():     # keywords of the definition itself
            if key == "properties":                                           # merged into its properties
                for prop, keywords in value.items():
                    _walk_to(defs[name], prop, f"_shared/{product} {name}").update(keywords)
            else:
                defs[name][key] = value


# ----------------------------------------------------------------------------------------------
# command line
# ----------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true",
                    help="write into schemas/ (first run only; see --force)")
    ap.add_argument("--force", action="store_true",
                    help="with --write: overwrite existing (curated!) documents")
    ap.add_argument("--raw", action="store_true", help="skip the CURATION data")
    ap.add_argument("--check", action="store_true", help="exit 1 when the drafts differ")
    ap.add_argument("--out", type=Path, help="scratch directory for the drafts (default: a temp dir)")
    args = ap.parse_args(argv)

    files = build(raw=args.raw)

    if args.write:
        existing = [rel for rel in files if (SCHEMAS_DIR / rel).exists()]
        if existing and not args.force:
            print(f"refusing to overwrite {len(existing)} committed document(s) "
                  f"(e.g. {existing[0]}); use the diff, or --force", file=sys.stderr)
            return 2
        for rel, text in files.items():
            target = SCHEMAS_DIR / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        print(f"wrote {len(files)} documents into {SCHEMAS_DIR}")
        return 0

    scratch = args.out or Path(tempfile.mkdtemp(prefix="fakepai-schemas-"))
    for rel, text in files.items():
        target = scratch / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    committed = {str(p.relative_to(SCHEMAS_DIR)): p.read_text(encoding="utf-8")
                 for p in SCHEMAS_DIR.rglob("*.json")}
    changed = 0
    for rel in sorted(set(files) | set(committed)):
        old = committed.get(rel, "").splitlines(keepends=True)
        new = files.get(rel, "").splitlines(keepends=True)
        if old != new:
            changed += 1
            sys.stdout.writelines(difflib.unified_diff(
                old, new, fromfile=f"schemas/{rel}" if rel in committed else "/dev/null",
                tofile=f"draft/{rel}" if rel in files else "/dev/null"))
    print(f"# drafts in {scratch}: {len(files)} documents, {changed} differ from schemas/",
          file=sys.stderr)
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
