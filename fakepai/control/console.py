"""The web console's server side: its page and static files, and the JSON it reads.

The console shows what the API returns by calling the operations themselves, in process: a
read-only operation is bound, run (`Emulator.invoke`) and rendered exactly as the wire pipeline
does it, as one account seeing every workspace, without authentication, throttling, faults, the request log or usage metering (looking
at the console bills nobody [INFERRED]). Everything that changes state goes through the
control-plane endpoints users script against (routes.py), which the page calls with fetch().

    GET /_fakepai/                                   the page (static/index.html)
    GET /_fakepai/static/{file}                      its script and style sheet
    GET /_fakepai/console/overview                   clock, accounts and their workspaces, counts
    GET /_fakepai/console/call/{account}/{product}/{action}?Param=value...
                                                     a read-only operation's response, as the API
    GET /_fakepai/console/plan/{account}/{job_id}    a job's planned phases and scripted outcome
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from fakepai import jsontext
from fakepai.errors import PaiError
from fakepai.ids import request_id as new_request_id
from fakepai.services.dlc.job_store import DlcJobStore
from fakepai.services.dlc.templates import JobTemplateStore
from fakepai.services.dlc.tensorboards import TensorboardStore
from fakepai.services.paiplugin.models import PluginStore
from fakepai.services.paistudio.algorithms import AlgorithmStore
from fakepai.services.paistudio.store import TrainingJobStore
from fakepai.usage import CURRENCY
from fakepai.wire.binding import bind
from fakepai.wire.rendering import error_response, success_response

_STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".html": "text/html; charset=utf-8"}


def _static(name: str) -> bytes | None:
    """A file of fakepai/control/static/, read through importlib.resources (works from a wheel)."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    resource = files("fakepai.control").joinpath("static", name)
    return resource.read_bytes() if resource.is_file() else None


async def page(request: Request) -> Response:
    return HTMLResponse(_static("index.html"), headers={"Cache-Control": "no-store"})


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    media_type = next((t for ext, t in _STATIC_TYPES.items() if name.endswith(ext)), None)
    content = _static(name) if media_type else None
    if content is None:
        return _error(404, f"no console file {name!r}")
    return Response(content, media_type=media_type, headers={"Cache-Control": "no-cache"})


def _error(status: int, message: str) -> Response:
    return Response(jsontext.dumps({"error": message}), status_code=status, media_type="application/json")


# --------------------------------------------------------------------------- what each account holds

@dataclass(frozen=True)
class _Collection:
    """Where one kind of resource lives: `store_of(account)` -> {id: record} (None if never used),
    and each record's workspace (None for resources outside workspaces: PaiPlugin's)."""
    name: str
    store_of: Callable[[Any], dict | None]
    workspace: Callable[[Any], str | None]


def _collections() -> list[_Collection]:
    def of(cls, attr):
        return lambda account: getattr(account.peek(cls), attr, None)

    return [
        _Collection("trainingJobs", of(TrainingJobStore, "jobs"), lambda job: job.workspace_id),
        _Collection("dlcJobs", of(DlcJobStore, "jobs"), lambda record: record.workspace_id),
        _Collection("jobTemplates", of(JobTemplateStore, "templates"), lambda tpl: tpl.workspace_id),
        _Collection("tensorboards", of(TensorboardStore, "boards"), lambda tb: tb.fields.get("WorkspaceId")),
        _Collection("algorithms", of(AlgorithmStore, "algorithms"), lambda algo: algo.workspace_id),
        _Collection("pluginJobs", of(PluginStore, "jobs"), lambda job: None),
        _Collection("campaigns", of(PluginStore, "campaigns"), lambda campaign: None),
    ]


def account_summary(account) -> dict:
    """Counts per collection and the workspaces the account's resources are in (one pass over
    the records: a few milliseconds for ten thousand jobs, once per poll)."""
    counts, workspaces = {}, set()
    for collection in _collections():
        items = collection.store_of(account) or {}
        counts[collection.name] = len(items)
        workspaces.update(w for w in map(collection.workspace, items.values()) if w)
    return {"account": account.account_id, "counts": counts, "workspaces": sorted(workspaces)}


async def overview(request: Request) -> Response:
    emu = request.app.state.emulator
    usage = emu.usage.report(emu.clock.now())
    body = {"clock": emu.clock.snapshot(), "demo": emu.settings.demo,
            "accounts": [account_summary(a) for _, a in sorted(emu.world.accounts.items())],
            "faults": len(emu.faults.list()), "requests": len(emu.requests),
            "usage": {"month": usage["month"], "requests": usage["requests"], "cost": usage["cost"],
                      "currency": CURRENCY}}
    return Response(jsontext.dumps(body), media_type="application/json")


# --------------------------------------------------------------------------- operations, in process

async def call(request: Request) -> Response:
    """A read-only operation's response for one account, exactly as the API renders it (success
    body with its request id and envelope, or the error body and status)."""
    emu = request.app.state.emulator
    account_id, product, action = (request.path_params[k] for k in ("account", "product", "action"))
    op = emu.catalog.get(product, action)
    if op is None:
        return _error(404, f"no operation {product} {action}")
    if op.mutating:
        return _error(400, f"{action} changes state: the console only reads (steer with the control-plane endpoints)")
    if account_id not in emu.world.accounts:
        return _error(404, f"no account {account_id!r}")
    rid = new_request_id()
    try:
        params = bind(op, {}, list(request.query_params.multi_items()), "", b"")
        result = emu.invoke(op, account_id, params, request_id=rid)
        return success_response(op, result, rid)
    except PaiError as e:
        return error_response(e, rid, op.product, emu.settings.region, op.envelope)


# --------------------------------------------------------------------------- a job's plan

def _plan_sources() -> list[tuple[type, str, Callable[[Any], Any], Callable[[Any], Any]]]:
    """(store class, collection, record -> timeline, record -> scripted outcome or None)."""
    return [
        (TrainingJobStore, "jobs", lambda job: job.timeline, lambda job: job.outcome),
        (DlcJobStore, "jobs", lambda record: record.plan.timeline, lambda record: record.plan.outcome),
        (PluginStore, "jobs", lambda job: job.timeline, lambda job: None),
        (TensorboardStore, "boards", lambda tb: tb.timeline, lambda tb: tb.outcome),
    ]


def job_plan(account, job_id: str, now: float) -> dict | None:
    """The job's whole plan: phases passed and to come (what its scripted outcome leads to)."""
    for store_cls, collection, timeline_of, outcome_of in _plan_sources():
        record = getattr(account.peek(store_cls), collection, {}).get(job_id)
        if record is None:
            continue
        phases = [p for p in timeline_of(record).phases if math.isfinite(p.start)]
        out = []
        for i, phase in enumerate(phases):
            end = phases[i + 1].start if i + 1 < len(phases) else None
            out.append({"status": phase.status, "start": phase.start, "end": end,
                        "reasonCode": phase.reason_code, "reasonMessage": phase.reason_message,
                        "reached": phase.start <= now})
        outcome = outcome_of(record)
        scripted = None
        if outcome is not None:
            scripted = {"result": outcome.result, "after": outcome.after, "phase": outcome.phase,
                        "reasonCode": outcome.reason_code,
                        "restarts": list(outcome.restarts) if isinstance(outcome.restarts, tuple) else outcome.restarts}
        return {"jobId": job_id, "now": now, "phases": out, "outcome": scripted}
    return None


async def plan(request: Request) -> Response:
    emu = request.app.state.emulator
    account = emu.world.accounts.get(request.path_params["account"])
    found = job_plan(account, request.path_params["job_id"], emu.clock.now()) if account else None
    if found is None:
        return _error(404, f"no job {request.path_params['job_id']!r} in account {request.path_params['account']!r}")
    return Response(jsontext.dumps(found), media_type="application/json")
