"""Every operation in the catalogue, through its official SDK client method and through the seed's
gateway URL form (`/api/{Product}/{Version}/{Action}`), each with a minimal valid request whose
prerequisites are made in setup on a frozen clock. For each call: HTTP 200, the body valid against
the operation's response schema, the request id where the schema's `requestIdField` puts it (and
absent when that is null) equal to `x-acs-request-id`, the request logged as that operation reached
by that URL form, and one value showing the operation did its job (tests/operations/every_operation_cases.py).
"""
from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest

from fakepai.catalog import Operation, default_catalog
from tests.operations.every_operation_cases import CASES, Gw, World
from tests.helpers import assert_valid_response

FORMS = ("sdk", "gateway")
REQUEST_ID_KEYS = {"RequestId", "RequestID", "requestId"}
# Both sides, so a schema without a case and a case without a schema each fail a test of their own.
OPERATIONS = sorted(set(default_catalog().operations) | set(CASES))


def test_the_table_covers_exactly_the_catalogue():
    catalogue = default_catalog().operations
    assert sorted(set(catalogue) - set(CASES)) == [], "operations without a case"
    assert sorted(set(CASES) - set(catalogue)) == [], "cases without an operation"
    per_product = {p: sum(1 for (q, _) in CASES if q == p) for p in ("PaiStudio", "pai-dlc", "PaiPlugin")}
    assert per_product == {"PaiStudio": 25, "pai-dlc": 26, "PaiPlugin": 11}


def send(http, op: Operation, req: Gw):
    """`req` as a gateway request: ids as trailing segments or as query/body parameters, the rest
    in the query (GET/DELETE and query-only parameters) or the body (JSON, or form where the
    operation's SDK sends form data)."""
    params = dict(req.params)
    segments = []
    if req.ids == "path":
        for name in req.segments or op.path_params:
            segments.append(str(params.pop(name)) if name in op.path_params else name)
    query, body = {}, {}
    for name, value in params.items():
        where = op.params[name]["x-in"]
        if where == "path":
            where = req.ids
        (body if where == "body" and op.method in ("POST", "PUT") else query)[name] = value
    url = "/".join([f"/api/{op.product}/{op.version}/{op.action}", *(quote(s, safe="") for s in segments)])
    if req.raw_body is not None:
        return http.request(op.method, url, params=query, content=req.raw_body,
                            headers={"Content-Type": "application/json"})
    if body and op.body_encoding == "form":
        form = {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in body.items()}
        return http.request(op.method, url, params=query, content=urlencode(form),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    return http.request(op.method, url, params=query, json=body or None)


@pytest.mark.parametrize("product,action,form", [
    pytest.param(product, action, form, id=f"{product}-{action}-{form}")
    for product, action in OPERATIONS for form in FORMS])
def test_operation(product, action, form, fakepai, gw, paistudio_client, dlc_client, paiplugin_client):
    op = default_catalog().get(product, action)
    case = CASES.get((product, action))
    assert op is not None, f"a case for {product} {action}, which has no schema"
    assert case is not None, f"no case for {product} {action}: add one to tests/operations/every_operation_cases.py"
    fakepai.freeze_clock()
    world = World(fakepai, paistudio_client, dlc_client, paiplugin_client)
    ids = case.setup(world)

    if form == "sdk":
        resp = case.sdk(world, ids)              # raises (ClientException ...) on any error
        status, headers, body = resp.status_code, resp.headers, resp.body.to_map()
    else:
        resp = send(gw, op, case.gw(ids))
        status, headers = resp.status_code, resp.headers
        body = resp.json()
    assert status == 200, body
    assert_valid_response(product, action, body)

    request_id = headers["x-acs-request-id"]
    if op.request_id_field:
        assert body.get(op.request_id_field) == request_id, (op.request_id_field, body)
        assert not (REQUEST_ID_KEYS - {op.request_id_field}) & set(body), body
    else:
        assert not REQUEST_ID_KEYS & set(body), body
    if op.envelope == "paiplugin":
        assert (body["ErrorCode"], body["ErrorMessage"]) == (0, "OK")
    (record,) = [r for r in fakepai.requests if r["request_id"] == request_id]
    assert (record["product"], record["action"], record["status"]) == (product, action, 200)
    assert record["form"] == ("native" if form == "sdk" else "gateway")

    actual, expected = case.check(world, ids, body)
    assert actual == expected
