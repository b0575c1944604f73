"""The control plane under /_fakepai/ (DESIGN §2): never a PAI path, no auth, JSON in and out."""
from __future__ import annotations

from dataclasses import asdict

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fakepai.clock import parse_iso
from fakepai.emulator import Emulator
from fakepai.sim import outcomes


def _json(body, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _bad(message: str, status: int = 400) -> Response:
    return _json({"error": message}, status)


async def _body(request: Request) -> dict:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValueError("body must be JSON")
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def _emu(request: Request) -> Emulator:
    return request.app.state.emulator


async def health(request: Request) -> Response:
    emu = _emu(request)
    return _json({"status": "ok", "auth": emu.settings.auth, "rateLimit": emu.throttler.enabled,
                  "clock": emu.clock.snapshot(), "accounts": len(emu.world.accounts),
                  "operations": len(emu.catalog.operations)})


async def reset(request: Request) -> Response:
    _emu(request).reset()
    return _json({"status": "reset"})


async def clock(request: Request) -> Response:
    emu = _emu(request)
    if request.method == "PUT":
        try:
            data = await _body(request)
            now = data.get("now")
            speed = data.get("speed")
            emu.clock.set(now=parse_iso(now) if isinstance(now, str) else now,
                          speed=float(speed) if speed is not None else None)
        except (ValueError, TypeError) as e:
            return _bad(f"invalid clock setting: {e}")
    return _json(emu.clock.snapshot())


async def advance(request: Request) -> Response:
    emu = _emu(request)
    try:
        seconds = float((await _body(request)).get("seconds", 0))
        emu.clock.advance(seconds)
    except (ValueError, TypeError) as e:
        return _bad(f"invalid advance: {e}")
    return _json(emu.clock.snapshot())


async def requests_log(request: Request) -> Response:
    emu = _emu(request)
    q = request.query_params
    try:
        status = int(q["status"]) if "status" in q else None
        limit = int(q["limit"]) if "limit" in q else None
    except ValueError:
        return _bad("status and limit must be integers")
    return _json({"requests": emu.requests.query(action=q.get("action"), status=status, limit=limit)})


_FAULT_FIELDS = {"action", "product", "account", "match", "status", "code", "message", "latency_ms",
                 "times", "probability", "retry_after_ms"}


async def faults(request: Request) -> Response:
    emu = _emu(request)
    if request.method == "POST":
        try:
            data = await _body(request)
        except ValueError as e:
            return _bad(str(e))
        unknown = set(data) - _FAULT_FIELDS
        if unknown:
            return _bad(f"unknown fault fields: {sorted(unknown)}")
        if not data.get("status") and not data.get("latency_ms"):
            return _bad("a fault needs a status (error) or latency_ms")
        fault = emu.faults.add(**data)
        return _json(asdict(fault), 201)
    if request.method == "DELETE":
        emu.faults.clear()
        return _json({"faults": []})
    return _json({"faults": [asdict(f) for f in emu.faults.list()]})


async def job_outcome(request: Request) -> Response:
    emu = _emu(request)
    job_id = request.path_params["job_id"]
    try:
        spec = await _body(request)
        found = outcomes.apply(emu, job_id, spec)
    except ValueError as e:
        return _bad(str(e))
    if not found:
        return _bad(f"no job {job_id}", 404)
    return _json({"jobId": job_id, "outcome": spec})


routes = [
    Route("/_fakepai/health", health, methods=["GET"]),
    Route("/_fakepai/reset", reset, methods=["POST"]),
    Route("/_fakepai/clock", clock, methods=["GET", "PUT"]),
    Route("/_fakepai/clock/advance", advance, methods=["POST"]),
    Route("/_fakepai/requests", requests_log, methods=["GET"]),
    Route("/_fakepai/faults", faults, methods=["GET", "POST", "DELETE"]),
    Route("/_fakepai/jobs/{job_id}/outcome", job_outcome, methods=["PUT"]),
]
