"""The control plane under /_fakepai/ (DESIGN §2): never a PAI path, no PAI auth (control/guard.py
guards it: forgery, admin token), JSON in and out."""
from __future__ import annotations

import json
import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fakepai import jsontext
from fakepai.control import console
from fakepai.coverage import coverage_report
from fakepai.emulator import Emulator
from fakepai.ids import request_id
from fakepai.openapi import build_openapi
from fakepai.services.dlc.tensorboards import app_page
from fakepai.timestamps import parse_iso
from fakepai.wire.requestlog import parse_status


def _json(body, status: int = 200) -> Response:
    return Response(jsontext.dumps(body), status_code=status, media_type="application/json")


# The control plane answers errors in PAI's own shape, so one error reader serves both planes.
_CODES = {400: "InvalidParameter", 404: "NotFound", 409: "Conflict", 500: "InternalError"}


def _bad(message: str, status: int = 400) -> Response:
    return _json({"Code": _CODES.get(status, "InvalidParameter"), "Message": message, "RequestId": request_id()}, status)


async def _body(request: Request) -> dict:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = jsontext.loads(raw)
    except json.JSONDecodeError as e:
        raise ValueError(f"body must be JSON ({e.msg})")
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def _only_known(given, known: tuple[str, ...], what: str) -> None:
    """A misspelt key would otherwise be ignored and the call do nothing: a typo is an error."""
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; known: {', '.join(known)}")


REQUEST_FILTERS = ("action", "product", "status", "code", "account", "limit")


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


async def snapshot(request: Request) -> Response:
    emu = _emu(request)
    try:
        saved = await emu.save_state()
    except OSError as e:
        return _bad(f"could not write the state file {emu.settings.state_file}: {e.strerror or e}", 500)
    if saved is None:
        return _bad("no state file: start with --state-file PATH", 409)
    return _json({"saved": saved})


async def clock(request: Request) -> Response:
    emu = _emu(request)
    if request.method == "PUT":
        try:
            data = await _body(request)
            _only_known(data, ("now", "speed"), "clock fields")
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
        data = await _body(request)
        _only_known(data, ("seconds",), "fields")
        if "seconds" not in data:
            raise ValueError("seconds is required")
        emu.clock.advance(float(data["seconds"]))
    except (ValueError, TypeError) as e:
        return _bad(f"invalid advance: {e}")
    return _json(emu.clock.snapshot())


async def requests_log(request: Request) -> Response:
    emu = _emu(request)
    q = request.query_params
    try:
        _only_known(q.keys(), REQUEST_FILTERS, "filters")
    except ValueError as e:
        return _bad(str(e))
    try:
        status = parse_status(q["status"]) if "status" in q else None
        limit = int(q["limit"]) if "limit" in q else None
    except ValueError:
        return _bad("status must be an integer or a class such as 5xx; limit an integer")
    try:
        emu.catalog.check_names(q.get("product"), q.get("action"))
    except ValueError as e:
        return _bad(str(e))
    if limit is not None and limit < 1:
        return _bad("limit must be at least 1")
    records = emu.requests.query(action=q.get("action"), status=status, limit=limit,
                                 product=q.get("product"), error_code=q.get("code"), account=q.get("account"))
    return _json({"size": emu.requests.size, "requests": records})


async def faults(request: Request) -> Response:
    emu = _emu(request)
    if request.method == "POST":
        try:
            fault = emu.faults.add(**await _body(request))
        except ValueError as e:
            return _bad(f"invalid fault: {e}")
        return _json(fault.to_dict(), 201)
    if request.method == "DELETE":
        emu.faults.clear()
        return _json({"faults": []})
    return _json({"faults": [f.to_dict() for f in emu.faults.list()]})


async def fault_by_id(request: Request) -> Response:
    emu = _emu(request)
    try:
        fault_id = int(request.path_params["fault_id"])
    except ValueError:
        return _bad("fault ids are integers")
    fault = emu.faults.get(fault_id)
    if fault is None:
        return _bad(f"no fault {fault_id}", 404)
    if request.method == "DELETE":
        emu.faults.remove(fault_id)
    return _json(fault.to_dict())


async def usage(request: Request) -> Response:
    """The bill so far: requests per account, product and operation in a month of the virtual
    clock (`?month=YYYY-MM`, the current one by default; `?account=`), priced (fakepai/usage.py)."""
    emu = _emu(request)
    month = request.query_params.get("month")
    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        return _bad("month must be YYYY-MM")
    return _json(emu.usage.report(emu.clock.now(), month=month, account=request.query_params.get("account")))


async def coverage(request: Request) -> Response:
    return _json(coverage_report(_emu(request).catalog))


async def openapi_json(request: Request) -> Response:
    return _json(build_openapi(_emu(request).catalog, server_url=str(request.base_url).rstrip("/")))


async def job_outcome(request: Request) -> Response:
    emu = _emu(request)
    job_id = request.path_params["job_id"]
    try:
        spec = await _body(request)
        found = emu.set_outcome(job_id, spec)
    except ValueError as e:
        return _bad(str(e))
    if not found:
        return _bad(f"no job {job_id}", 404)
    return _json({"jobId": job_id, "outcome": spec})


async def tensorboard_app(request: Request) -> Response:
    status, page = app_page(_emu(request), request.path_params["tb_id"])
    return Response(page, status_code=status, media_type="text/html")


# Mounted under /_fakepai (one prefix check keeps the PAI routes' dispatch cheap).
routes = [
    Route("/", console.page, methods=["GET"]),
    Route("/static/{name}", console.static, methods=["GET"]),
    Route("/console/overview", console.overview, methods=["GET"]),
    Route("/console/call/{account}/{product}/{action}", console.call, methods=["GET"]),
    Route("/console/plan/{account}/{job_id}", console.plan, methods=["GET"]),
    Route("/usage", usage, methods=["GET"]),
    Route("/health", health, methods=["GET"]),
    Route("/reset", reset, methods=["POST"]),
    Route("/snapshot", snapshot, methods=["POST"]),
    Route("/clock", clock, methods=["GET", "PUT"]),
    Route("/clock/advance", advance, methods=["POST"]),
    Route("/requests", requests_log, methods=["GET"]),
    Route("/faults", faults, methods=["GET", "POST", "DELETE"]),
    Route("/faults/{fault_id}", fault_by_id, methods=["GET", "DELETE"]),
    Route("/coverage", coverage, methods=["GET"]),
    Route("/openapi.json", openapi_json, methods=["GET"]),
    Route("/jobs/{job_id}/outcome", job_outcome, methods=["PUT"]),
    # TensorboardUrl (services/dlc/tensorboards.py APP_PATH), and any page below it.
    Route("/tensorboards/{tb_id}/{rest:path}", tensorboard_app, methods=["GET"]),
    Route("/tensorboards/{tb_id}", tensorboard_app, methods=["GET"]),
]
