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
                "description": "A PaiPlugin error: the envelope with a non-zero ErrorCode and an "
                               "ErrorMessage (behavior.md §2.3, DESIGN §3).",
                "allOf": [{"$ref": "#/$defs/PaiPluginEnvelope"}],
                "properties": {"ErrorCode": {"not": {"const": 0}}},
                "required": ["ErrorCode", "ErrorMessage", "RequestId"],
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
        elif sdk_req is not None and _canon(_strip_recursion(sdk_req)) != _canon(_strip_recursion(req_tree)):
            warn(f"{product} {action}: SDK request model differs from operations.json")
        resp_tree = op.get("response")
        sdk_resp = sdk_response_tree(product, action)
        if resp_tree is None:
            if sdk_resp is None:
                raise SystemExit(f"{product} {action}: no response model anywhere")
            resp_tree = sdk_resp
        elif sdk_resp is not None and _canon(_strip_recursion(sdk_resp)) != _canon(_strip_recursion(resp_tree)):
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
        out[f"_shared/{product}.json"] = dump(shared)
    out["_shared/common.json"] = dump(common_document())
    return out


def _strip_recursion(tree: dict) -> dict:
    return tree  # both sources mark recursion the same way ({"$model", "recursive": true})


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

CURATION: dict[tuple[str, str], dict] = {}
SHARED_CURATION: dict[str, dict] = {}


def apply_curation(doc: dict, product: str, action: str) -> None:
    return None


def apply_shared_curation(doc: dict, product: str) -> None:
    return None


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
