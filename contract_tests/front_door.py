"""Checks made before any contract test runs (`fakepai conformance` and the kit's pytest plugin):
the kit's dependencies are installed and the target is one the kit can test. Each failure is one
line that says what to do, instead of a run in which every test fails the same way.

Imports nothing beyond the core dependencies, so it can say which extra is missing.
"""
from __future__ import annotations

import importlib.util
import os
from urllib.parse import urlsplit

import httpx

from contract_tests.target import LIVE_CREDENTIALS_MISSING, credential_from_env

KIT_EXTRA = "pip install 'fakepai[conformance]'"
KIT_MODULES = ("pytest", "hypothesis")     # what the kit imports beyond fakepai's own dependencies
PROBE_TIMEOUT = 3.0                        # seconds per probe: a dead target is reported quickly


class FrontDoorError(Exception):
    """The one line to print; nothing has run."""


def missing_dependency() -> str | None:
    missing = [m for m in KIT_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        return f"the contract kit needs {' and '.join(missing)}: {KIT_EXTRA}"
    return None


def check_target(spec: str, *, allow_skip: bool = False, env: dict[str, str] | None = None) -> None:
    """FrontDoorError unless `spec` (fake | live | URL) can be tested."""
    env = os.environ if env is None else env
    if spec == "fake":
        return
    if spec == "live":
        if not allow_skip and not (credential_from_env(env) and env.get("PAI_WORKSPACE_ID")):
            raise FrontDoorError(f"{LIVE_CREDENTIALS_MISSING} (or pass --pai-allow-skip to skip every test)")
        return
    parts = urlsplit(spec)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FrontDoorError(f"the target must be 'fake', 'live' or an http(s) URL, got {spec!r}")
    base = f"{parts.scheme}://{parts.netloc}"
    _probe(base)


def _probe(base: str) -> None:
    """A fakepai emulator answers GET /_fakepai/health with status ok; a PAI endpoint answers an
    unknown path with PAI's JSON error (a Code and a RequestId). Anything else is not a target."""
    try:
        with httpx.Client(timeout=PROBE_TIMEOUT) as http:
            health = http.get(f"{base}/_fakepai/health")
            if health.status_code == 200 and _json(health).get("status") == "ok":
                return
            root = http.get(f"{base}/")
    except httpx.ConnectError:
        raise FrontDoorError(f"nothing is listening at {base}") from None
    except httpx.TimeoutException:
        raise FrontDoorError(f"{base} did not answer within {PROBE_TIMEOUT:g} s") from None
    except httpx.HTTPError as e:
        raise FrontDoorError(f"cannot reach {base}: {e.__class__.__name__}") from None
    body = _json(root)
    if {"Code", "RequestId"} <= body.keys() or {"code", "requestId"} <= body.keys():
        return
    raise FrontDoorError(f"{base} is neither a fakepai emulator nor a PAI endpoint "
                         f"(GET /_fakepai/health answered HTTP {health.status_code})")


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
