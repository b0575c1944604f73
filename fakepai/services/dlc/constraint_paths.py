"""Job-template constraint paths: `JobSpecs[0].Image`, `Settings.Tags`, `UserCommand`.

behavior.md §6.3: keys are dot-separated field names with `[i]` list indices (the real server parses
them with Go's `jsonpath.ParsePathSegment`). The skill docs write them without a `$.` prefix, the
SDK calls them JSONPath, so a `$.` prefix is accepted too and means the same field; the key is
stored as the caller wrote it (docs/clients.md). A parsed path is a tuple of
field names (str) and indices (int); the helpers below read, write and remove the leaf it names
inside a JSON document (dicts and lists).
"""
from __future__ import annotations

import re
from typing import Any

from fakepai.errors import parameter_path as format_path   # the inverse of parse_path below

Path = tuple[str | int, ...]

# A field name as CreateJob spells them (`_ResourcePaymentType` appears in the seed's Content).
NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
# A whole path, as the template schemas' `keys` rule declares Constraints keys (tools/gen_schemas.py).
PATH_PATTERN = rf"(\$\.)?{NAME}(\[[0-9]+\])*(\.{NAME}(\[[0-9]+\])*)*"
_NAME = re.compile(NAME)
_INDEX = re.compile(r"\[(\d+)\]")


class PathError(ValueError):
    """The text is not a constraint path; the message says why."""


def parse_path(text: str) -> Path:
    """`"JobSpecs[0].Image"` -> `("JobSpecs", 0, "Image")`; raises PathError on anything else."""
    if not isinstance(text, str) or not text:
        raise PathError("a path is a non-empty string")
    if text.startswith("$."):
        text = text[2:]                      # JSONPath's root: `$.JobSpecs[0].Image` = `JobSpecs[0].Image`
    out: list[str | int] = []
    for segment in text.split("."):
        name = _NAME.match(segment)
        if not name:
            raise PathError(f"segment {segment!r} does not start with a field name")
        out.append(segment[:name.end()])
        rest = segment[name.end():]
        while rest:
            index = _INDEX.match(rest)
            if not index:
                raise PathError(f"unexpected {rest!r} in segment {segment!r} (indices are written [0])")
            out.append(int(index.group(1)))
            rest = rest[index.end():]
    return tuple(out)


def get_path(doc: Any, path: Path) -> tuple[bool, Any]:
    """(found, value). A JSON null counts as absent: a template with `null` gives no value."""
    node = doc
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return False, None
            node = node[part]
        else:
            if not isinstance(node, dict) or part not in node:
                return False, None
            node = node[part]
    return node is not None, node


def set_path(doc: dict, path: Path, value: Any) -> None:
    """Write `value` at `path`, creating the containers on the way.

    A list shorter than an index is padded with empty objects and a non-container in the way is
    replaced: the constraint names a leaf, and the leaf must end up holding `value` whatever the
    caller sent around it ([INFERRED]: the real server's behaviour for short lists is unknown).
    """
    node: Any = doc
    for i, part in enumerate(path[:-1]):
        nxt = path[i + 1]
        fresh: Any = [] if isinstance(nxt, int) else {}
        if isinstance(part, int):
            while len(node) <= part:
                node.append({})
            if not isinstance(node[part], (list if isinstance(nxt, int) else dict)):
                node[part] = fresh
            node = node[part]
        else:
            if not isinstance(node.get(part), (list if isinstance(nxt, int) else dict)):
                node[part] = fresh
            node = node[part]
    last = path[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append({})
    node[last] = value


def delete_path(doc: Any, path: Path) -> None:
    """Remove the leaf at `path` if it is there (list elements are set to null, not shifted)."""
    node = doc
    for part in path[:-1]:
        found, node = get_path(node, (part,))
        if not found:
            return
    last = path[-1]
    if isinstance(last, int):
        if isinstance(node, list) and last < len(node):
            node[last] = None
    elif isinstance(node, dict):
        node.pop(last, None)
