"""JSON text from callers (request bodies, JSON-string parameters, outcome tags, control-plane
bodies): every way it can be bad is a `json.JSONDecodeError` (a ValueError), so handlers answer
400, never 500. NaN, Infinity and numbers too large for a float are refused too: no response
could carry them (JSON has no such values).

`json.loads` itself raises RecursionError for text nested ~1,000 levels deep, and anything that
walks a parsed document recursively (schema validation, deepcopy, projection) can do the same a
little below that; PAI's own documents are a handful of levels deep, so fakepai refuses anything
deeper than MAX_DEPTH up front.

`dumps` renders every JSON body fakepai answers with: orjson, with what it refuses (an integer
beyond 64 bits, a lone surrogate escape) pre-rendered, so whatever `loads` accepted can be echoed.
"""
from __future__ import annotations

import json
import math
from typing import Any

import orjson

MAX_DEPTH = 64


def loads(text: str | bytes) -> Any:
    doc = text if isinstance(text, str) else ""
    try:
        if not isinstance(text, str):      # as json.loads reads bytes
            text = bytes(text).decode(json.detect_encoding(text), "surrogatepass")
        if text.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        value = _DECODER.decode(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", doc, 0) from None
    except ValueError as e:          # e.g. an integer of more than 4,300 digits, invalid UTF-8
        raise json.JSONDecodeError(str(e), doc, 0) from None
    # Nesting needs an opening bracket per level: text with few cannot be too deep (most bodies).
    if text.count("{") + text.count("[") > MAX_DEPTH and _deeper_than(value, MAX_DEPTH):
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", doc, 0)
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for a number")
    return value


# One decoder for every call (json.loads with hooks would build one per call).
_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite_float)


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


def copy(value: Any) -> Any:
    """A deep copy of a JSON value (dicts, lists and scalars, as `loads` and the binder give):
    plain dicts and lists all the way down, several times faster than copy.deepcopy, which goes
    the slow way for dict subclasses such as the binder's Params. Shared or cyclic structure is
    not preserved: JSON values have none."""
    if isinstance(value, dict):
        return {k: copy(v) if isinstance(v, (dict, list)) else v for k, v in value.items()}   # (a scalar: no call)
    if isinstance(value, list):
        return [copy(v) if isinstance(v, (dict, list)) else v for v in value]
    return value


def dumps(value: Any) -> bytes:
    """JSON bytes for a response body. A free JSON value (an unknown field, a map of user data) may
    hold any integer JSON can spell, or a lone surrogate escape (`"\\ud800"`), and comes back as it
    was sent, as moto or LocalStack would echo it [INFERRED]. orjson renders everything else, and
    these too once they are pre-rendered as fragments (it writes an `orjson.Fragment` as is,
    which is also how response projection hands it finished job views)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return orjson.dumps(_fragments_for_the_rest(value))


def _fragments_for_the_rest(value: Any) -> Any:
    """`value` with what orjson refuses pre-rendered by the stdlib (only on the rare slow path)."""
    if isinstance(value, dict):
        if not all(_utf8(key) for key in value):          # a key cannot be a fragment: the object is
            return orjson.Fragment(b"{" + b",".join(json.dumps(str(key)).encode() + b":" + dumps(item)
                                                    for key, item in value.items()) + b"}")
        return {key: _fragments_for_the_rest(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_fragments_for_the_rest(item) for item in value]
    if isinstance(value, str) and not _utf8(value):
        return orjson.Fragment(json.dumps(value))
    if isinstance(value, int) and not isinstance(value, bool) and not -2**63 <= value < 2**64:
        return orjson.Fragment(str(value))
    return value


def _utf8(text: Any) -> bool:
    if not isinstance(text, str):
        return True
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False
