"""Trim a value to what an operation's response schema declares.

Resources are stored as the caller sent them (request models are open: the real gateway ignores
unknown keys), while response models are closed (`additionalProperties: false`) and differ per
operation: DLC GetJob's `DataSources[]` carry DataSourceId/MountPath/Uri, ListJobs' only
DataSourceId/MountPath; PaiStudio's list items lack half of GetTrainingJob's fields. Rather than a
hand-written copy per operation, one view is built and projected onto each operation's response
schema, so the schemas stay the single source of truth (DESIGN §5).

Each response schema is compiled once into nested projector functions ($refs resolved up front),
so a request pays only for walking its own data.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from referencing import Resource
from referencing.jsonschema import DRAFT202012

from fakepai.catalog import default_catalog

Projector = Callable[[Any], Any]
_DROP = object()      # additionalProperties: false — unknown keys are left out


def _compile(schema, resolver, memo: dict[int, Projector | None]) -> Projector | None:
    """A function trimming values to `schema`, or None where values pass through unchanged."""
    while isinstance(schema, dict) and "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        schema, resolver = resolved.contents, resolved.resolver
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
    props: dict[str, Projector | None] = {}
    parts: dict[str, Any] = {}

    def project(value):
        if isinstance(value, dict):
            extra = parts["extra"]
            out = {}
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

    memo[key] = project          # before compiling children: schemas may be recursive (PodItem)
    for name, sub_schema in (declared or {}).items():
        props[name] = _compile(sub_schema, resolver, memo)
    parts["extra"] = _DROP if extra_schema is False else (
        _compile(extra_schema, resolver, memo) if isinstance(extra_schema, dict) else None)
    parts["items"] = _compile(items_schema, resolver, memo) if isinstance(items_schema, dict) else None
    return project


@lru_cache(maxsize=None)
def _projector(product: str, action: str) -> Projector:
    op = default_catalog().get(product, action)
    schema = op.response_schema
    # The schema itself is the root, so local `#/$defs/...` refs resolve as in the validator.
    root = Resource.from_contents(schema, default_specification=DRAFT202012)
    return _compile(schema, op.registry.resolver_with_root(root), {}) or (lambda value: value)


def to_response(action: str, body: dict, product: str = "pai-dlc") -> dict:
    """`body` trimmed to the `action` response schema (of pai-dlc unless `product` says otherwise)."""
    return _projector(product, action)(body)
