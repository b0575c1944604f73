"""Loads schemas/ into the operation registry: one `Operation` per schema document.

Everything the wire layer knows about an operation (route, parameter locations, body encoding,
rate limit, envelope, request-id key) comes from here; nothing is hard-coded per operation.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fakepai import bounded_regex, rules
from fakepai.projection import Projector, compile_projector

PRODUCTS = {"paistudio": "PaiStudio", "pai-dlc": "pai-dlc", "paiplugin": "PaiPlugin"}
# The body limit of an operation whose schema names none: [INFERRED] 8 MiB, the usual cap of
# Alibaba Cloud's API gateway; PAI's own bodies are a few KB. It also bounds the work a request can
# ask of the parser (fakepai/jsontext.py walks every value).
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024


def _strict_integer(checker, instance) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


# Requests: an integer is a JSON integer. jsonschema counts 3.0 and 1e308 as integers (JSON Schema
# says a number with a zero fractional part is one), but the real gateway parses a Java long and
# refuses a float, and a float such as 1e308 would let a count buy unbounded work (issue #11).
# The cross-field rules the schemas declare (`x-fakepai-rules`, `x-fakepai-jsonText`;
# fakepai/rules.py) are keywords of the same validator.
RequestValidator = validators.extend(
    Draft202012Validator, validators=rules.KEYWORDS,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer))

# Formats the binder asserts: only `regex` (a metric's Regex, a hyper-parameter's Range.Pattern run
# when a job is created and read: fakepai/bounded_regex.py). Python's dialect: `re` compiles it and
# so does the `regex` package they run with; the Schemathesis generator draws patterns Python
# compiles (docs/limits.md).
# `date-time` stays the parser's (fakepai.timestamps reads more than jsonschema's checker would).
REQUEST_FORMATS = FormatChecker(())


@REQUEST_FORMATS.checks("regex", raises=(re.error, bounded_regex.Error, RecursionError, OverflowError))
def _compiles(instance) -> bool:
    if isinstance(instance, str):
        re.compile(instance)                # Python's dialect, and its words for what is wrong
        bounded_regex.compile(instance)     # the compiler the pattern later runs with
    return True


def canonical_product(name: str) -> str | None:
    """Product names match case-insensitively (DESIGN §3)."""
    return PRODUCTS.get(name.lower())


@dataclass
class Operation:
    product: str
    version: str
    action: str
    method: str
    path: str
    path_params: list[str]
    body_encoding: str
    rate_limit: float
    mutating: bool
    envelope: str
    request_id_field: str | None
    resource: str | None
    max_body_bytes: int | None
    request_schema: dict
    response_schema: dict
    document: dict
    registry: Registry = field(repr=False)

    @cached_property
    def key(self) -> tuple[str, str]:
        return (self.product, self.action)

    @cached_property
    def path_regex(self) -> re.Pattern:
        pattern = re.escape(self.path)
        for name in self.path_params:
            pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>[^/]+)")
        return re.compile("^" + pattern + "/?$")

    @cached_property
    def literal_segments(self) -> int:
        """How specific the path is: more literal segments win when two paths match."""
        return sum(1 for seg in self.path.strip("/").split("/") if not seg.startswith("{"))

    @cached_property
    def params(self) -> dict[str, dict]:
        return self.request_schema.get("properties", {})

    @cached_property
    def required(self) -> list[str]:
        return list(self.request_schema.get("required", []))

    def params_in(self, where: str) -> list[str]:
        return [name for name, spec in self.params.items() if spec.get("x-in") == where]

    @cached_property
    def request_validator(self) -> Draft202012Validator:
        return RequestValidator(self.request_schema, registry=self.registry, format_checker=REQUEST_FORMATS)

    @cached_property
    def response_validator(self) -> Draft202012Validator:
        return Draft202012Validator(self.response_schema, registry=self.registry)

    @cached_property
    def project(self) -> Projector:
        """`project(result)`: the result trimmed to the response schema (fakepai/projection.py),
        compiled on first use; the rendering step applies it to every response."""
        return compile_projector(self.response_schema, self.registry)


def schemas_root() -> Traversable:
    """The installed package `fakepai.schemas` (wheel, zip or editable install: read through
    importlib.resources, never as a file-system path), or the checkout's schemas/ when fakepai is
    imported straight from a source tree, where that package does not exist."""
    try:
        return resources.files("fakepai.schemas")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "schemas"


def _json_files(folder: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    """(relative path, file) of every *.json under `folder`, sorted by path."""
    out = []
    for entry in folder.iterdir():
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            out += _json_files(entry, name + "/")
        elif entry.name.endswith(".json"):
            out.append((name, entry))
    return sorted(out, key=lambda item: item[0])


def _load_documents(root: Traversable) -> list[dict]:
    if not root.is_dir():
        return []        # an installation without its schemas: the emulator refuses to start
    return [json.loads(f.read_text(encoding="utf-8")) for _, f in _json_files(root)]


class Catalog:
    def __init__(self, root: Traversable | None = None):
        self.root = root or schemas_root()
        self.documents: list[dict] = _load_documents(self.root)    # every schema document, by path
        self.registry: Registry = Registry().with_resources(
            (doc["$id"], Resource.from_contents(doc, default_specification=DRAFT202012))
            for doc in self.documents
            if "$id" in doc
        )
        self.operations: dict[tuple[str, str], Operation] = {}
        for doc in self.documents:
            meta = doc.get("x-operation")
            if not meta:
                continue
            op = self._operation(doc, meta)
            self.operations[op.key] = op

    def _operation(self, doc: dict, meta: dict) -> Operation:
        defs = doc["$defs"]
        return Operation(
            product=meta["product"],
            version=meta["version"],
            action=meta["action"],
            method=meta["method"].upper(),
            path=meta["path"],
            path_params=list(meta.get("pathParams", [])),
            body_encoding=meta.get("bodyEncoding", "json"),
            rate_limit=float(meta.get("rateLimit", 100)),
            mutating=bool(meta.get("mutating", False)),
            envelope=meta.get("envelope", "plain"),
            request_id_field=meta.get("requestIdField", "RequestId"),
            resource=meta.get("resource"),
            max_body_bytes=meta.get("maxBodyBytes") or DEFAULT_MAX_BODY_BYTES,
            request_schema=_with_base(defs["request"], doc),
            response_schema=_with_base(defs["response"], doc),
            document=doc,
            registry=self.registry,
        )

    def get(self, product: str, action: str) -> Operation | None:
        return self.operations.get((product, action))

    def by_product(self, product: str) -> list[Operation]:
        return [op for op in self.operations.values() if op.product == product]

    def check_names(self, product: str | None = None, action: str | None = None) -> None:
        """ValueError listing the valid names when a steering call names a product or an action
        (case-insensitively, as faults and filters match) that does not exist: a typo must not
        make a fault or a filter silently match nothing."""
        products = sorted({op.product for op in self.operations.values()})
        if product is not None and product.lower() not in {p.lower() for p in products}:
            raise ValueError(f"unknown product {product!r}; known: {', '.join(products)}")
        if action is None:
            return
        actions = sorted({op.action for op in self.operations.values()
                          if product is None or op.product.lower() == product.lower()})
        if action.lower() not in {a.lower() for a in actions}:
            close = difflib.get_close_matches(action, actions, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ValueError(f"unknown action {action!r}{' of ' + product if product else ''}{hint}; "
                             f"known: {', '.join(actions)}")

    def check_parameters(self, product: str | None, action: str | None, names) -> None:
        """ValueError when `names` (a fault's `match`) holds a parameter that no operation the
        fault can match takes: such a fault would never fire."""
        ops = [op for op in self.operations.values()
               if (product is None or op.product.lower() == product.lower())
               and (action is None or op.action.lower() == action.lower())]
        known = {name for op in ops for name in op.params}
        unknown = sorted(set(names) - known)
        if unknown:
            listed = f"; known: {', '.join(sorted(known))}" if action else ""
            raise ValueError(f"match names parameters {unknown} that {action or product or 'no operation'} "
                             f"does not take{listed}")

    def definition(self, uri: str) -> dict:
        """A schema by its absolute URI (`.../_shared/pai-dlc.json#/$defs/JobSpec.request`)."""
        base, _, pointer = uri.partition("#")
        return self.registry.resolver().lookup(f"{base}#{pointer}").contents

    def versions(self) -> dict[str, str]:
        return {op.product: op.version for op in self.operations.values()}


def _with_base(sub: dict, doc: dict) -> dict:
    """A standalone copy of a sub-schema whose refs resolve as they do inside its document.

    Absolute refs go through the registry; local `#/$defs/...` refs need the document's $defs,
    so they are carried along. The $id is left out on purpose: reusing the document's would
    shadow it in the registry.
    """
    out = {k: v for k, v in sub.items() if k != "$id"}
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["$defs"] = {**doc.get("$defs", {}), **sub.get("$defs", {})}
    return out


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return Catalog()
