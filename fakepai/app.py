"""Builds the Starlette app: the control plane under /_fakepai/ and every PAI route."""
from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from fakepai.control.routes import routes as control_routes
from fakepai.emulator import Emulator, Settings
from fakepai.services.registry import load_services
from fakepai.wire.pipeline import handle

# Every method reaches the pipeline, so even TRACE gets a JSON InvalidApi.NotFound with a request id.
_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"]


def build_app(settings: Settings | None = None, emulator: Emulator | None = None) -> Starlette:
    emulator = emulator or Emulator(settings)
    load_services()
    app = Starlette(routes=[*control_routes, Route("/{path:path}", handle, methods=_METHODS)])
    app.state.emulator = emulator
    if emulator.settings.demo:
        from fakepai.demo import install_demo
        install_demo(emulator)
    return app
