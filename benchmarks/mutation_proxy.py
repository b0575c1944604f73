"""A mutating proxy in front of the emulator: the broken targets of the mutation campaign.

`MutatingProxy` is ASGI middleware around FakePAI's app. Traffic a mutation does not touch is
handed to the app untouched (the same ASGI messages, so the same bytes on the wire); a request
the mutation selects is read whole, may be rewritten, answered by the proxy itself, or its
answer rewritten, the way a regressed service or emulator would answer.

A `Mutation` is data plus up to three small functions:
* `request(ctx)`           rewrites the request (ctx.query / ctx.json) before it is forwarded;
* `answer(ctx) -> Reply`   answers without forwarding (a write that says yes and does nothing);
* `reply(ctx, reply)`      rewrites the forwarded answer in place;
* `forget=True`            forwards the request as is and, when it succeeds, puts the emulator's
                           state back as it was: the write is validated and answered exactly as
                           before, and has no effect (what a lost write looks like from outside).
`applies(ctx)` narrows which exchanges of the named operations are touched.
"""
from __future__ import annotations

import json
import pickle
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode

from fakepai.catalog import default_catalog

CLASSES = ("schema", "pagination", "errors", "state", "protocol")


def product_of(path: str) -> str:
    if path.startswith("/api/v2/"):
        return "PaiPlugin"
    if path.startswith(("/api/v1/trainingjobs", "/api/v1/algorithms")):
        return "PaiStudio"
    return "pai-dlc"


@dataclass
class Ctx:
    """One exchange as the proxy sees it. `state` is the mutation's own memory across exchanges."""
    product: str
    action: str
    method: str
    path: str
    query: list[tuple[str, str]]
    body: bytes
    state: dict

    @property
    def key(self) -> str:
        return f"{self.product} {self.action}"

    @property
    def params(self) -> dict:
        doc = self.json if isinstance(self.json, dict) else {}
        return {**dict(self.query), **doc}

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @json.setter
    def json(self, doc: Any) -> None:
        self.body = json.dumps(doc).encode()

    def path_ids(self) -> dict:
        op = default_catalog().get(self.product, self.action)
        if op is None:
            return {}
        pattern, values = op.path.split("/"), self.path.split("/")
        return {p[1:-1]: v for p, v in zip(pattern, values) if p.startswith("{")}


@dataclass
class Reply:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @json.setter
    def json(self, doc: Any) -> None:
        self.body = json.dumps(doc).encode()

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.decode().lower() == name.lower():
                return v.decode()
        return None

    def set_header(self, name: str, value: str | None) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.decode().lower() != name.lower()]
        if value is not None:
            self.headers.append((name.lower().encode(), value.encode()))

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Mutation:
    name: str
    cls: str                                   # one of CLASSES
    operations: tuple[str, ...]                # "pai-dlc GetJob"; "*" = every operation
    why: str = ""
    request: Callable[[Ctx], None] | None = None
    answer: Callable[[Ctx], Reply | None] | None = None
    reply: Callable[[Ctx, Reply], None] | None = None
    forget: bool = False
    applies: Callable[[Ctx], bool] = lambda ctx: True
    state: dict = field(default_factory=dict)

    def __post_init__(self):
        assert self.cls in CLASSES, self.cls

    def selects(self, ctx: Ctx) -> bool:
        return ("*" in self.operations or ctx.key in self.operations) and self.applies(ctx)


def json_reply(doc: dict, status: int = 200) -> Reply:
    body = json.dumps(doc).encode()
    rid = doc.get("RequestId") or doc.get("requestId") or doc.get("RequestID")
    headers = [(b"content-type", b"application/json;charset=utf-8")]
    if rid:
        headers.append((b"x-acs-request-id", str(rid).encode()))
    return Reply(status, headers, body)


def says_yes(ctx: Ctx, **fields) -> Reply:
    """A success answer of the right shape for ctx's operation, having done nothing: the request
    id, the path ids the response schema names, the PaiPlugin envelope, and `fields`."""
    op = default_catalog().get(ctx.product, ctx.action)
    props = op.response_schema.get("properties", {})
    rid = str(uuid.uuid4()).upper()
    doc: dict[str, Any] = {k: v for k, v in ctx.path_ids().items() if k in props}
    if op.request_id_field:
        doc[op.request_id_field] = rid
    if op.envelope == "paiplugin":
        data_schema = props.get("Data", {})
        data = "OK" if data_schema.get("type") == "string" else {**ctx.path_ids(), **fields.pop("Data", {})}
        doc.update({"Data": data, "ErrorCode": 0, "ErrorMessage": "OK", "RequestId": rid})
    doc.update(fields)
    reply = json_reply(doc)
    reply.set_header("x-acs-request-id", rid)
    return reply


class MutatingProxy:
    def __init__(self, app, mutation: Mutation | None, emulator=None):
        self.app = app
        self.mutation = mutation
        self.emulator = emulator    # FakePAI.emulator, for `forget`
        self.touched = 0            # exchanges the mutation selected (0 = it never fired)

    async def __call__(self, scope, receive, send):
        m = self.mutation
        if m is None or scope["type"] != "http" or scope["path"].startswith("/_fakepai"):
            return await self.app(scope, receive, send)
        headers = dict((k.decode().lower(), v.decode()) for k, v in scope.get("headers", []))
        action = headers.get("x-acs-action", "")
        product = product_of(scope["path"])
        if not ("*" in m.operations or f"{product} {action}" in m.operations):
            return await self.app(scope, receive, send)
        body = await read_body(receive)
        ctx = Ctx(product, action, scope["method"], scope["path"],
                  parse_qsl(scope["query_string"].decode(), keep_blank_values=True), body, m.state)
        if not m.selects(ctx):
            return await self.app(scope, replay_body(body), send)
        self.touched += 1
        if m.request is not None:
            m.request(ctx)
            scope = {**scope, "query_string": urlencode(ctx.query).encode()}
            scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"] + \
                [(b"content-length", str(len(ctx.body)).encode())]
        reply = m.answer(ctx) if m.answer is not None else None
        if reply is None:
            saved = pickle.dumps(self.emulator.world.accounts) if m.forget else None
            reply = await _capture(self.app, scope, replay_body(ctx.body))
            if saved is not None and reply.ok:
                self.emulator.world.accounts.clear()
                self.emulator.world.accounts.update(pickle.loads(saved))
            if m.reply is not None:
                m.reply(ctx, reply)
        reply.set_header("content-length", str(len(reply.body)))
        await send({"type": "http.response.start", "status": reply.status, "headers": reply.headers})
        await send({"type": "http.response.body", "body": reply.body})


async def read_body(receive) -> bytes:
    """The whole request body from ASGI `receive` (tests/contract_kit/test_kit_can_fail.py uses it too)."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def replay_body(body: bytes):
    """An ASGI `receive` that hands the app `body` once, as if it had not been read yet."""
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


async def _capture(app, scope, receive) -> Reply:
    start: dict = {}
    chunks: list[bytes] = []

    async def send(message):
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return Reply(start.get("status", 500), list(start.get("headers", [])), b"".join(chunks))


def query_set(ctx: Ctx, name: str, value: str | None) -> None:
    ctx.query = [(k, v) for k, v in ctx.query if k != name] + ([(name, value)] if value is not None else [])


# -- building blocks the mutation lists share ------------------------------------------------

def on_success_body(fn: Callable[[Ctx, dict], None]) -> Callable[[Ctx, Reply], None]:
    """A `reply` edit applied to a successful JSON answer's body."""
    def edit(ctx: Ctx, r: Reply) -> None:
        doc = r.json
        if r.ok and isinstance(doc, dict):
            fn(ctx, doc)
            r.json = doc
    return edit


def on_error_body(fn: Callable[[Ctx, Reply, dict], None]) -> Callable[[Ctx, Reply], None]:
    """A `reply` edit applied to an error answer (fn may change r.status too)."""
    def edit(ctx: Ctx, r: Reply) -> None:
        doc = r.json
        if not r.ok and isinstance(doc, dict):
            fn(ctx, r, doc)
            r.json = doc
    return edit


def drop_field(path: str):
    """Drop `A.B` from a successful answer (`A[*].B` through a list)."""
    def fn(ctx: Ctx, doc: dict) -> None:
        nodes = [doc]
        *parents, last = path.split(".")
        for part in parents:
            star = part.endswith("[*]")
            part = part.removesuffix("[*]")
            nxt = []
            for n in nodes:
                child = n.get(part) if isinstance(n, dict) else None
                nxt.extend(child if star and isinstance(child, list) else [child] if child is not None else [])
            nodes = nxt
        for n in nodes:
            if isinstance(n, dict):
                n.pop(last, None)
    return on_success_body(fn)


def content_type(value: str):
    def edit(ctx: Ctx, r: Reply) -> None:
        r.set_header("content-type", value)
    return edit


def throttle_once(header_kept: str | None):
    """Answer the first selected call 429 Throttling.User carrying only `header_kept`."""
    def answer(ctx: Ctx) -> Reply | None:
        if ctx.state.get("done"):
            return None
        ctx.state["done"] = True
        r = json_reply({"RequestId": str(uuid.uuid4()).upper(), "Code": "Throttling.User",
                        "Message": "Request was denied due to user flow control."}, 429)
        if header_kept:
            r.set_header(header_kept, "1" if header_kept == "retry-after" else "1000")
        return r
    return answer
