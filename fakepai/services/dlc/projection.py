"""Trim a value to what a response schema declares.

A DLC job is stored as the caller sent it (request models are open: unknown keys are ignored by the
real gateway), while response models are closed (`additionalProperties: false`) and differ per
operation: GetJob's `DataSources[]` carry DataSourceId/MountPath/Uri, ListJobs' only
DataSourceId/MountPath; `CodeSource.IsSharedMountPath` exists only in requests. Rather than one
hand-written copy per operation, one job view is built and projected onto each operation's
response schema, so the schemas stay the single source of truth (DESIGN §5).
"""
from __future__ import annotations

from functools import lru_cache

from referencing import Resource
from referencing.jsonschema import DRAFT202012

from fakepai.catalog import default_catalog


# id(schema holding a $ref) -> (that schema, target contents, target resolver). Schemas are loaded
# once and never change, and a lookup costs far more than the projection itself (a ListJobs page
# resolves a few hundred refs).
_REFS: dict[int, tuple] = {}


def _deref(schema: dict, resolver):
    hit = _REFS.get(id(schema))
    if hit is None or hit[0] is not schema:
        resolved = resolver.lookup(schema["$ref"])
        hit = _REFS[id(schema)] = (schema, resolved.contents, resolved.resolver)
    return hit[1], hit[2]


def project(value, schema: dict, resolver):
    if not isinstance(schema, dict):
        return value
    if "$ref" in schema:
        contents, target = _deref(schema, resolver)
        return project(value, contents, target)
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties", True)
        out = {}
        for key, item in value.items():
            if item is None:
                continue
            if props is not None and key in props:
                out[key] = project(item, props[key], resolver)
            elif extra is False:
                continue
            elif isinstance(extra, dict):
                out[key] = project(item, extra, resolver)
            else:
                out[key] = item
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [project(item, schema["items"], resolver) for item in value]
    return value


@lru_cache(maxsize=None)
def _response(action: str, product: str = "pai-dlc"):
    op = default_catalog().get(product, action)
    schema = op.response_schema
    # The schema itself is the root, so local `#/$defs/...` refs resolve as in the validator.
    root = Resource.from_contents(schema, default_specification=DRAFT202012)
    return schema, op.registry.resolver_with_root(root)


def to_response(action: str, body: dict, product: str = "pai-dlc") -> dict:
    """`body` trimmed to the `action` response schema (of pai-dlc unless `product` says otherwise)."""
    schema, resolver = _response(action, product)
    return project(body, schema, resolver)


def property_schema(action: str, *path: str) -> tuple[dict, object]:
    """The sub-schema at `path` (property names; `[]` steps into array items) of a response."""
    schema, resolver = _response(action)
    for step in path:
        while "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            schema, resolver = resolved.contents, resolved.resolver
        schema = schema["items"] if step == "[]" else schema["properties"][step]
    return schema, resolver
