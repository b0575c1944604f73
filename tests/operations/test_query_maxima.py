"""Every operation's declared query maxima fit the request head (issue #11 §1-2; docs/limits.md).

The request line and headers are at most `serving.MAX_HEAD_BYTES` (64 KiB, else 431 or 400
before the app sees the request). A request the schema calls valid must never meet that bound, so
for each operation of the catalog, the longest query its declared maxima allow, URL-encoded at the
worst (a code point above U+FFFF is 4 UTF-8 bytes, each sent as %XX: 12 bytes a character), plus
HEAD_RESERVE for the request line's path and the headers an SDK sends (~1.5 KB signed), must fit.
A parameter without a declared bound (a string without maxLength, a map whose keys or values are
free) has no longest form and fails the check, naming the parameter.
"""
from __future__ import annotations

import json
import math
from urllib.parse import urlencode

import pytest

from fakepai.catalog import Operation, default_catalog
from fakepai.serving import MAX_HEAD_BYTES

CATALOG = default_catalog()
HEAD_RESERVE = 8 * 1024          # request line (method, path, version) and headers
QUERY_BYTES = MAX_HEAD_BYTES - HEAD_RESERVE
BYTES_PER_CHAR = 12              # "\U0001F600" -> %F0%9F%98%80
PUNCTUATION = 3                  # a JSON quote, colon, comma or brace, URL-encoded


def _resolve(spec: dict) -> dict:
    return CATALOG.definition(spec["$ref"]) if "$ref" in spec else spec


def worst_bytes(spec: dict) -> float:
    """The longest URL-encoded value the declaration allows (math.inf when it is unbounded)."""
    spec = _resolve(spec)
    if "enum" in spec:
        return max(len(urlencode({"": v if isinstance(v, str) else json.dumps(v)})) - 1 for v in spec["enum"])
    types = spec.get("type")
    types = {types} if isinstance(types, str) else set(types or ())
    if "string" in types:
        return spec.get("maxLength", math.inf) * BYTES_PER_CHAR
    if "integer" in types:
        return max(len(str(spec.get("minimum", -math.inf))), len(str(spec.get("maximum", math.inf))))
    if "number" in types:
        return len(repr(-1.7976931348623157e308))
    if "boolean" in types:
        return len("false")
    if "object" in types:        # JSON text: {"key":"value",...}
        values = spec.get("additionalProperties")
        if spec.get("properties") or not isinstance(values, dict):
            return math.inf      # no query parameter is a fixed object today; declare one to count it
        key = _resolve(spec.get("propertyNames") or {}).get("maxLength", math.inf) * BYTES_PER_CHAR
        pair = key + worst_bytes(values) + 4 * PUNCTUATION
        return 2 * PUNCTUATION + spec.get("maxProperties", math.inf) * pair
    if "array" in types:
        items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
        return 2 * PUNCTUATION + spec.get("maxItems", math.inf) * (worst_bytes(items) + PUNCTUATION)
    return math.inf              # a free value


def query_params(op: Operation) -> dict:
    """The parameters sent in the request line: path and query ones, and all of a GET/DELETE's."""
    return {name: spec for name, spec in op.params.items()
            if spec.get("x-in") in ("query", "path") or op.method in ("GET", "DELETE")}


def worst_query(op: Operation) -> tuple[float, list]:
    sizes = sorted(((len(name) + 2 + worst_bytes(spec), name) for name, spec in query_params(op).items()), reverse=True)
    return sum(size for size, _ in sizes), sizes


OPERATIONS = sorted(CATALOG.operations)


@pytest.mark.parametrize("product,action", OPERATIONS, ids=[f"{p}-{a}" for p, a in OPERATIONS])
def test_the_declared_query_maxima_fit_the_request_head(product, action):
    total, sizes = worst_query(CATALOG.get(product, action))
    assert total <= QUERY_BYTES, (f"{product} {action}: its declared query maxima take {total} bytes URL-encoded "
                                  f"(at most {QUERY_BYTES}); the largest: {sizes[:4]}")


def test_the_check_fails_on_a_query_that_cannot_fit():
    """What ListJobs' Tags declared before: 1000 pairs of 64 KiB values, keys unbounded."""
    tags = {"type": "object", "maxProperties": 1000, "additionalProperties": {"type": "string", "maxLength": 65536}}
    assert worst_bytes(tags) == math.inf
    tags["propertyNames"] = {"maxLength": 64}
    assert worst_bytes(tags) > QUERY_BYTES
    assert worst_bytes({"type": "string"}) == math.inf and worst_bytes({}) == math.inf


def _longest(name: str, spec: dict):
    """A value at the declared maxima, as long as URL-encoding can make it (astral characters)."""
    spec = _resolve(spec)
    if "enum" in spec:
        return max(spec["enum"], key=lambda v: len(str(v)))
    kind = spec.get("type")
    if kind == "string" and spec.get("format") == "date-time":
        return "2026-01-01T00:00:00." + "0" * (spec["maxLength"] - 21) + "Z"
    if kind == "string" and "pattern" not in spec:
        return "\U0001F600" * spec["maxLength"]
    if kind == "integer":
        return spec["minimum"] if name != "PageNumber" else 1
    if kind == "boolean":
        return "false"
    if kind == "object":
        size = spec["propertyNames"]["maxLength"]
        return json.dumps({f"{i}".ljust(size, "\U0001F600"): "\U0001F600" * spec["additionalProperties"]["maxLength"]
                           for i in range(spec["maxProperties"])}, ensure_ascii=False)
    return None


@pytest.mark.parametrize("product,action", [("pai-dlc", "ListJobs"), ("PaiStudio", "ListTrainingJobs")])
def test_the_longest_query_reaches_the_operation(product, action, fakepai, gw):
    """On the wire: every parameter at its declared maxima at once, at 12 bytes a character, is
    read by the operation (an answer in its own words), not refused for the head's size."""
    op = CATALOG.get(product, action)
    params = {name: value for name, spec in query_params(op).items()
              if (value := _longest(name, spec)) is not None}
    url = f"/api/{product}/{op.version}/{action}"
    head = len(f"GET {url}?{urlencode(params)} HTTP/1.1\r\n")
    assert head >= 0.8 * worst_query(op)[0], head      # near the longest the declarations allow
    got = gw.get(url, params=params)
    assert got.status_code == 200, got.text[:300]


@pytest.mark.parametrize("tags,words", [
    ({"k" * 65: "v"}, "a key has 65 characters; at most 64"),
    ({"k": "v" * 65}, "has 65 characters; at most 64"),
    ({f"k{i}": "v" for i in range(9)}, "has 9 entries; at most 8"),
])
def test_a_query_map_past_its_declared_maxima_is_refused(fakepai, gw, tags, words):
    got = gw.get("/api/pai-dlc/2020-12-03/ListJobs", params={"Tags": json.dumps(tags)})
    assert got.status_code == 400 and got.json()["Code"] == "InvalidParameter", got.text
    assert words in got.json()["Message"], got.json()
