"""Trim a response to what its operation's response schema declares (DESIGN §5).

Resources are stored as the caller sent them (request models are open: the real gateway ignores
unknown keys), while response models are closed (`additionalProperties: false`) and differ per
operation: DLC GetJob's `DataSources[]` carry DataSourceId/MountPath/Uri, ListJobs' only
DataSourceId/MountPath; PaiStudio's list items lack half of GetTrainingJob's fields. So handlers
build one view and the rendering step (fakepai/wire/rendering.py) projects every response onto
its operation's schema, the schemas staying the single source of truth.

The rules: a key the schema does not declare is dropped (unless the object is a map,
`additionalProperties: {schema}`, whose values are projected on that schema); a None value is
dropped (no response schema admits null); arrays are projected item by item; a value whose type
is not the schema's passes through untouched (the response validator is what flags it).

Speed: this runs on every response, so each schema is compiled once, on first use, into Python
source with one function per object/map schema ($refs resolved up front, recursive schemas such as
PodItem call their own function). A closed object becomes one dict comprehension over the value's
keys against a frozenset, plus a fix-up for each property that has a schema of its own; a scalar
property costs nothing beyond the comprehension's membership test.
"""
from __future__ import annotations

from typing import Any, Callable

import orjson
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fakepai import jsontext

Projector = Callable[[Any], Any]


class Settled(dict):
    """A view that will never change again, as its builder promises: a finished job's body, say,
    kept by the service until the job's revision or plan changes. Each projection of it is made
    once and kept on it (keyed by schema node), so reading a finished job again costs a lookup.
    Whatever is inside must not be changed either; the projections share its nested values.

    Kept as the response's top level, a projection is a dict (copied for each response: the
    request id is added to it). Kept inside a response (a list item), it is kept as its JSON text,
    an `orjson.Fragment` that orjson writes out as is: a page of finished jobs is then neither
    projected nor serialised again. Such a projection is only good for serialising."""
    __slots__ = ("projections",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.projections: dict[Callable, Any] = {}


def resolve_refs(schema, resolver):
    """`schema` with its `$ref`s followed, and the resolver its own refs resolve with."""
    while isinstance(schema, dict) and "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        schema, resolver = resolved.contents, resolved.resolver
    return schema, resolver


class _Compiler:
    """Python source for one response schema: `_p0` is the root, `_k<n>` the declared key sets."""

    def __init__(self):
        self.names: dict[int, str | None] = {}    # id(schema) -> function name, None = pass through
        self.lines: list[str] = []
        self.env: dict[str, Any] = {}

    def node(self, schema, resolver) -> str | None:
        """The name of the function projecting values of `schema`, or None where values pass
        through unchanged (scalars, free-form values, arrays of those)."""
        schema, resolver = resolve_refs(schema, resolver)
        if not isinstance(schema, dict):
            return None
        key = id(schema)
        if key in self.names:
            return self.names[key]
        declared = schema.get("properties")
        extra = schema.get("additionalProperties", True)
        items = schema.get("items")
        if declared is None and extra is True:
            if not isinstance(items, dict):
                self.names[key] = None
                return None
            # An array: its projector is its items' (applied to each item by the parent's fix-up).
            name = self.names[key] = f"_p{len(self.names)}"
            sub = self.node(items, resolver)
            if sub is None:
                self.names[key] = None         # an array of scalars: nothing to trim
                return None
            # A list item kept `Settled` (a finished job) is looked up here, without a call (`in` and
            # `[]`, not `.get`: calls per request are what a served page costs, benchmarks/README.md).
            self.lines += [f"def {name}(v):",
                           "    if not isinstance(v, list):",
                           "        return v",
                           f"    return [(i.projections[{sub}] if {sub} in i.projections else {sub}(i))"
                           f" if i.__class__ is Settled else {sub}(i) for i in v]", ""]
            return name
        name = self.names[key] = f"_p{len(self.names)}"   # before the children: schemas may recurse
        props = {prop: self.node(sub, resolver) for prop, sub in (declared or {}).items()}
        extra_fn = self.node(extra, resolver) if isinstance(extra, dict) else None
        keys = f"_k{len(self.env)}"
        self.env[keys] = frozenset(props)
        if extra is False:
            comp = f"{{k: x for k, x in v.items() if x is not None and k in {keys}}}"
        elif extra_fn is None:
            comp = "{k: x for k, x in v.items() if x is not None}"
        elif props:
            comp = f"{{k: x if k in {keys} else {extra_fn}(x) for k, x in v.items() if x is not None}}"
        else:
            comp = f"{{k: {extra_fn}(x) for k, x in v.items() if x is not None}}"
        body = [f"def {name}(v):",
                "    if v.__class__ is not dict:",        # plain dicts, the usual case, go straight on
                "        if v.__class__ is Settled:",
                f"            got = v.projections.get({name})",
                "            if got is None:",
                f"                got = v.projections[{name}] = Fragment(dumps({name}(dict(v))))",
                "            return got",
                "        if not isinstance(v, dict):",
                "            return v",
                f"    out = {comp}"]
        for prop, sub in props.items():
            if sub is not None:
                body += [f"    x = out.get({prop!r})",
                         "    if x is not None:",
                         f"        out[{prop!r}] = {sub}(x)"]
        self.lines += body + ["    return out", ""]
        return name


def compile_projector(schema: dict, registry: Registry) -> Projector:
    """A function returning a value trimmed to `schema` (a catalog `Operation.response_schema`:
    its local `#/$defs/...` refs resolve against itself, absolute ones through `registry`).
    The top level always comes back as a new dict, so a caller may add to it (the request id)."""
    root = Resource.from_contents(schema, default_specification=DRAFT202012)
    compiler = _Compiler()
    top = compiler.node(schema, registry.resolver_with_root(root))
    if top is None:
        def project_free(value):
            return dict(value) if isinstance(value, dict) else value
        project_free.json = lambda value: None      # nothing kept: the caller serialises
        return project_free
    namespace = {"Settled": Settled, "Fragment": orjson.Fragment, "dumps": jsontext.dumps, **compiler.env}
    source = "\n".join(compiler.lines)
    exec(compile(source, "<response projection>", "exec"), namespace)
    project_top = namespace[top]

    def project(value):
        if value.__class__ is not Settled:
            return project_top(value)
        kept = value.projections.get(project)
        if kept is None:
            kept = value.projections[project] = project_top(dict(value))
        return dict(kept)       # the caller adds to it; what was kept stays as it was

    def project_json(value) -> bytes | None:
        """The JSON text of a `Settled` value's projection, made once and kept on it (None for
        any other value): a finished job's GetTrainingJob body is then not serialised again."""
        if value.__class__ is not Settled:
            return None
        text = value.projections.get(project_json)
        if text is None:
            text = value.projections[project_json] = jsontext.dumps(project(value))
        return text

    project.source = source      # for a reader debugging a projection
    project.json = project_json
    return project
