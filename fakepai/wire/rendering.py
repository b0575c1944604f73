"""Response bodies and headers: success bodies, error bodies, request ids (DESIGN §3)."""
from __future__ import annotations

from urllib.parse import quote

import orjson
from starlette.responses import Response

from fakepai.catalog import Operation
from fakepai.errors import PaiError

_HOSTS = {"PaiStudio": "pai.{region}.aliyuncs.com", "pai-dlc": "pai-dlc.{region}.aliyuncs.com", "PaiPlugin": "paiplugin.{region}.aliyuncs.com"}


def json_response(body, status: int, request_id: str, extra_headers: dict[str, str] | None = None) -> Response:
    headers = {"x-acs-request-id": request_id}
    if extra_headers:
        headers.update(extra_headers)
    return Response(orjson.dumps(body), status_code=status, media_type="application/json;charset=utf-8", headers=headers)


def success_body(op: Operation, result, request_id: str):
    """The handler's result projected onto the operation's response schema (the one place every
    response is trimmed: fakepai/projection.py), with the request id under the schema's key, and
    PaiPlugin's envelope."""
    if op.envelope == "paiplugin":
        return op.project({"Data": result, "ErrorCode": 0, "ErrorMessage": "OK", "RequestId": request_id})
    body = op.project(result) if result is not None else {}
    if op.request_id_field:
        body[op.request_id_field] = request_id
    return body


def error_body(err: PaiError, request_id: str, product: str | None, region: str = "cn-hangzhou", envelope: str = "plain") -> dict:
    host = _HOSTS.get(product or "", "pai.{region}.aliyuncs.com").format(region=region)
    body = {
        "RequestId": request_id,
        "HostId": host,
        "Code": err.code,
        "Message": err.message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={quote(err.code)}&product={quote(product or 'PAI')}",
    }
    if envelope == "paiplugin":
        # PaiPlugin reports errors inside its envelope (behavior.md §2.3); Code/Message stay too so
        # the official SDK's ClientException carries the code.
        body.update({"Data": None, "ErrorCode": err.status, "ErrorMessage": err.message})
    return body


def error_response(err: PaiError, request_id: str, product: str | None, region: str = "cn-hangzhou", envelope: str = "plain") -> Response:
    return json_response(error_body(err, request_id, product, region, envelope), err.status, request_id, err.headers)
