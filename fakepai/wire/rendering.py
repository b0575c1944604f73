"""Response bodies and headers: success bodies, error bodies, request ids (DESIGN §3)."""
from __future__ import annotations

from urllib.parse import quote

import orjson
from starlette.responses import Response

from fakepai import jsontext
from fakepai.catalog import Operation
from fakepai.errors import PaiError
from fakepai.projection import Settled

_HOSTS = {"PaiStudio": "pai.{region}.aliyuncs.com", "pai-dlc": "pai-dlc.{region}.aliyuncs.com", "PaiPlugin": "paiplugin.{region}.aliyuncs.com"}


class JsonResponse(Response):
    """A Starlette Response of JSON bytes whose raw headers are built here, in the order and form
    `Response(..., headers=...)` would give them (request id, the extra headers, length, type),
    without its generic header handling: every response pays for this."""
    media_type = "application/json;charset=utf-8"
    _TYPE = (b"content-type", media_type.encode("latin-1"))

    def __init__(self, body: bytes, status: int, request_id: str, extra_headers: dict[str, str] | None = None):
        self.status_code = status
        self.background = None
        self.body = body
        raw = [(b"x-acs-request-id", request_id.encode("latin-1"))]
        if extra_headers:
            raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra_headers.items()]
            names = {name for name, _ in raw}
            if b"content-length" not in names:
                raw.append((b"content-length", b"%d" % len(body)))
            if b"content-type" not in names:
                raw.append(self._TYPE)
        else:
            raw += [(b"content-length", b"%d" % len(body)), self._TYPE]
        self.raw_headers = raw


def json_response(body, status: int, request_id: str, extra_headers: dict[str, str] | None = None) -> Response:
    return JsonResponse(jsontext.dumps(body), status, request_id, extra_headers)


def success_response(op: Operation, result, request_id: str) -> Response:
    """200 with `success_body`. A result kept `Settled` (a finished job's view) has its projection's
    JSON text kept too: the request id, which `success_body` adds last, is written after it."""
    field = op.request_id_field
    if field and result.__class__ is Settled and op.envelope != "paiplugin":   # (no other result has text kept)
        # The text up to the request id's value, kept beside the text itself (a kept view never
        # changes: projection.py), so a request only appends its id; searching ~3 KB of text for
        # the key cost ~1 us a request. False: the text has the key already (never a key twice; a
        # nested one too: rare, and safe), or no text is kept.
        slot = (op.project.json, field)
        head = result.projections.get(slot)
        if head is None:
            text = op.project.json(result)
            key = b'"%s":' % field.encode()
            head = result.projections[slot] = (False if text is None or key in text
                                              else text[:-1] + (b"," if len(text) > 2 else b"") + key)
        if head is not False:
            return JsonResponse(b"".join((head, orjson.dumps(request_id), b"}")), 200, request_id)
    return JsonResponse(jsontext.dumps(success_body(op, result, request_id)), 200, request_id)   # json_response's


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
