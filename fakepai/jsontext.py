"""JSON text from callers (request bodies, JSON-string parameters, outcome tags): every way it can
be bad is a `json.JSONDecodeError` (a ValueError), so handlers answer 400, never 500.

`json.loads` itself raises RecursionError for text nested ~1,000 levels deep, and anything that
walks a parsed document recursively (schema validation, deepcopy, projection) can do the same a
little below that; PAI's own documents are a handful of levels deep, so fakepai refuses anything
deeper than MAX_DEPTH up front.
"""
from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


def loads(text: str | bytes) -> Any:
    doc = text if isinstance(text, str) else ""
    try:
        value = json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", doc, 0) from None
    if _deeper_than(value, MAX_DEPTH):
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", doc, 0)
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
