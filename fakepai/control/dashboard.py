"""GET /_fakepai/ — a one-page HTML view of the emulator: clock, accounts and what they hold,
faults and how often they fired, recent requests. Server-rendered, refreshes itself; no JS."""
from __future__ import annotations

from dataclasses import asdict
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse

from fakepai.emulator import Emulator


def _resources(namespace) -> dict[str, int]:
    """Sizes of a store's collections (its dict attributes), e.g. {"jobs": 3}."""
    return {name: len(value) for name, value in vars(namespace).items()
            if isinstance(value, dict) and not name.startswith("_")}


def _table(headers: list[str], rows: list[list], empty: str) -> str:
    if not rows:
        return f"<p class=empty>{escape(empty)}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(emulator: Emulator) -> str:
    clock = emulator.clock.snapshot()
    accounts = []
    for account_id, state in sorted(emulator.world.accounts.items()):
        for ns in state._namespaces.values():
            for name, count in _resources(ns).items():
                accounts.append([account_id, type(ns).__name__, name, count])
    faults = [[f["id"], f["product"] or "*", f["action"] or "*", f["status"] or "", f["code"] or "",
               f["latency_ms"], f["times"] if f["times"] is not None else "∞", f["fired"]]
              for f in (asdict(x) for x in emulator.faults.list())]
    recent = [[r["time"], r["account"] or "", r["product"] or "", r["action"] or "", r["method"], r["path"],
               r["status"], r["error_code"] or "", r["latency_ms"]]
              for r in reversed(emulator.requests.query(limit=50))]
    s = emulator.settings
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>fakepai</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 2em; color: #1d2430; }}
h1 {{ margin: 0 0 .2em; }} h2 {{ margin-top: 1.6em; font-size: 1.1em; }}
.meta span {{ display: inline-block; margin-right: 1.5em; }}
table {{ border-collapse: collapse; }} td, th {{ padding: 3px 10px; border-bottom: 1px solid #dde; text-align: left; }}
th {{ background: #f2f4f8; }} td {{ white-space: nowrap; }} .empty {{ color: #778; }}
</style></head><body>
<h1>fakepai</h1>
<div class=meta><span>virtual time <b>{escape(clock["now"])}</b></span><span>speed <b>{clock["speed"]}</b></span>
<span>auth <b>{escape(s.auth)}</b></span><span>rate limit <b>{"on" if emulator.throttler.enabled else "off"}</b></span>
<span>operations <b>{len(emulator.catalog.operations)}</b></span></div>
<h2>Accounts</h2>{_table(["account", "store", "collection", "items"], accounts, "No account has called yet.")}
<h2>Faults</h2>{_table(["id", "product", "action", "status", "code", "latency ms", "times", "fired"], faults, "No faults injected.")}
<h2>Recent requests</h2>{_table(["time", "account", "product", "action", "method", "path", "status", "error", "ms"], recent, "No requests yet.")}
</body></html>"""


async def dashboard(request: Request) -> HTMLResponse:
    return HTMLResponse(render(request.app.state.emulator))
