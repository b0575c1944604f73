"""Builds the Starlette app: the control plane under /_fakepai/ and every PAI route."""
from __future__ import annotations

from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Mount, Route

from fakepai.control.routes import routes as control_routes
from fakepai.emulator import Emulator, Settings
from fakepai.services.registry import load_services
from fakepai.wire.pipeline import handle

# Every method reaches the pipeline, so even TRACE gets a JSON InvalidApi.NotFound with a request id.
_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"]


def build_app(settings: Settings | None = None, emulator: Emulator | None = None) -> Starlette:
    emulator = emulator or Emulator(settings)
    load_services()

    @asynccontextmanager
    async def lifespan(app):
        yield
        saved = emulator.save_state()          # --state-file: keep the state for the next start
        if saved:
            print(f"fakepai: state saved to {saved}", flush=True)

    app = Starlette(routes=[Mount("/_fakepai", routes=control_routes), Route("/{path:path}", handle, methods=_METHODS)],
                    lifespan=lifespan)
    app.state.emulator = emulator
    if emulator.settings.demo:
        from fakepai.demo import install_demo
        install_demo(emulator)
    return app
