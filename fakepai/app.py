"""Builds the ASGI app: every PAI path straight into the wire pipeline, and the control plane
under /_fakepai/ (plus the lifespan) served by Starlette."""
from __future__ import annotations

import sys
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.exceptions import HTTPException
from starlette.routing import Mount

from fakepai.control.guard import ControlGuard
from fakepai.control.routes import routes as control_routes
from fakepai.emulator import Emulator, Settings
from fakepai.errors import PaiError
from fakepai.ids import request_id as new_request_id
from fakepai.serving import head_too_large
from fakepai.wire import pipeline
from fakepai.wire.rendering import error_response

CONTROL_PREFIX = "/_fakepai"
# At shutdown, requests still in flight get this long, then are cancelled, so that an injected
# delay (up to 10 min) never holds the process or the state save hostage. Pass it to uvicorn.
SHUTDOWN_GRACE_SECONDS = 3


class FakePAIApp:
    """The ASGI entry point. PAI requests skip Starlette's router and Request objects (the
    pipeline reads the ASGI scope itself); everything else is the Starlette control-plane app."""

    def __init__(self, emulator: Emulator, control: Starlette):
        self.emulator = emulator
        self.control = control

    @property
    def state(self):
        return self.control.state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and (problem := head_too_large(scope)):
            await error_response(problem, new_request_id(), None)(scope, receive, send)
            return
        # Every method on every other path reaches the pipeline: even TRACE gets a JSON
        # InvalidApi.NotFound with a request id.
        if scope["type"] == "http" and not scope["path"].startswith(CONTROL_PREFIX + "/"):
            await pipeline.serve(self.emulator, scope, receive, send)
        else:
            await self.control(scope, receive, send)


async def _control_error(request, exc: HTTPException):
    """Starlette's own 404/405 (unknown control path, wrong method) in PAI's error shape."""
    code = {404: "InvalidApi.NotFound", 405: "MethodNotAllowed"}.get(exc.status_code, "InvalidRequest")
    message = f"{request.method} {request.url.path}: {exc.detail}"
    return error_response(PaiError(exc.status_code, code, message, headers=dict(exc.headers or {})),
                          new_request_id(), None)


def build_app(settings: Settings | None = None, emulator: Emulator | None = None) -> FakePAIApp:
    emulator = emulator or Emulator(settings)

    @asynccontextmanager
    async def lifespan(app):
        yield
        try:
            saved = await emulator.journal.close()   # --state-file: a last compaction, so a start replays nothing
        except OSError as e:
            # `fakepai serve` exits non-zero on this: say where it went wrong (the journal still holds every write).
            control.state.save_error = f"fakepai: could not save the state to {emulator.settings.state_file}: {e.strerror or e}"
            print(control.state.save_error, file=sys.stderr, flush=True)
            return
        if saved:
            print(f"fakepai: state saved to {saved}", flush=True)

    control = Starlette(routes=[Mount(CONTROL_PREFIX, routes=control_routes)], lifespan=lifespan,
                        middleware=[Middleware(ControlGuard, emulator=emulator)],
                        exception_handlers={HTTPException: _control_error})
    control.state.emulator = emulator
    control.state.save_error = None
    return FakePAIApp(emulator, control)
