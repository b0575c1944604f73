"""What the kit talks to: the in-process fake, any running emulator (a URL), or live PAI.

A `Target` knows the base URL per product, the credential to present, the workspace and region,
and whether the target is an emulator whose control plane (`/_fakepai/`) the kit may use to move
its clock. It never prints a secret: `describe()` names the credential kind, never its value.
"""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

PRODUCTS = ("PaiStudio", "pai-dlc", "PaiPlugin")

# Live endpoints per product (behavior.md §1.1; DESIGN §2): HTTPS on the regional host.
LIVE_HOSTS = {
    "PaiStudio": "pai.{region}.aliyuncs.com",
    "pai-dlc": "pai-dlc.{region}.aliyuncs.com",
    "PaiPlugin": "paiplugin.{region}.aliyuncs.com",
}

LIVE_CREDENTIALS_MISSING = (
    "live target needs credentials: set DASHSCOPE_API_KEY (bearer token) or "
    "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (optionally "
    "ALIBABA_CLOUD_SECURITY_TOKEN), and PAI_WORKSPACE_ID"
)


@dataclass(frozen=True)
class Credential:
    """A bearer token or an AccessKey pair. `repr` never shows a secret."""

    kind: str                                   # "bearer" | "ak"
    key_id: str = ""                            # AK id (not secret); empty for bearer
    secret: str = field(default="", repr=False)  # bearer token or AK secret
    security_token: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        if self.kind == "bearer":
            return "bearer token"
        sts = " + STS token" if self.security_token else ""
        return f"AccessKey {self.key_id[:4]}…{sts} (ACS3-HMAC-SHA256)"


def credential_from_env(env: dict[str, str] | None = None, prefix: str = "") -> Credential | None:
    """DASHSCOPE_API_KEY wins (the seed's bearer form), then the ALIBABA_CLOUD_* AccessKey pair."""
    env = os.environ if env is None else env
    token = env.get(f"{prefix}DASHSCOPE_API_KEY")
    if token:
        return Credential("bearer", secret=token)
    ak, sk = env.get(f"{prefix}ALIBABA_CLOUD_ACCESS_KEY_ID"), env.get(f"{prefix}ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    if ak and sk:
        return Credential("ak", key_id=ak, secret=sk, security_token=env.get(f"{prefix}ALIBABA_CLOUD_SECURITY_TOKEN") or None)
    return None


@dataclass
class Target:
    kind: str                        # "fake" | "url" | "live"
    base_urls: dict[str, str]        # product -> "http(s)://host[:port]"
    credential: Credential | None
    workspace_id: str
    region: str
    run_id: str
    control_url: str | None = None   # the emulator's base URL when /_fakepai/ answers
    emulator: object | None = None   # the in-process FakePAI (fake only)
    skip_reason: str | None = None   # why nothing can run (live without credentials)
    admin_token: str | None = field(default=None, repr=False)   # the emulator's --admin-token, if any
    _control_http: httpx.Client | None = field(default=None, repr=False)

    @property
    def is_live(self) -> bool:
        return self.kind == "live"

    @property
    def is_emulator(self) -> bool:
        return self.control_url is not None

    def describe(self) -> str:
        where = self.base_urls.get("PaiStudio") if self.kind != "live" else ", ".join(self.base_urls.values())
        cred = self.credential.describe() if self.credential else "no credential"
        return f"{self.kind} ({where}; {cred}; workspace {self.workspace_id}; region {self.region}; run {self.run_id})"

    # -- emulator control plane (only when is_emulator) ----------------------------------------
    def control(self, method: str, path: str, json: dict | None = None) -> dict:
        if not self.control_url:
            raise RuntimeError("not an emulator target: no control plane")
        if self._control_http is None:
            headers = {"x-fakepai-admin-token": self.admin_token} if self.admin_token else {}
            self._control_http = httpx.Client(timeout=30, headers=headers)
        r = self._control_http.request(method, f"{self.control_url}/_fakepai/{path}", json=json)
        r.raise_for_status()
        return r.json()

    def advance(self, seconds: float) -> None:
        self.control("POST", "clock/advance", {"seconds": seconds})

    def clock(self) -> dict:
        return self.control("GET", "clock")

    def set_clock_speed(self, speed: float) -> None:
        self.control("PUT", "clock", {"speed": speed})

    def close(self) -> None:
        if self._control_http is not None:
            self._control_http.close()
            self._control_http = None
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None


def new_run_id() -> str:
    """Short, sortable, unique: names every resource the kit creates (`fakepai-ct-<run id>-…`)."""
    return time.strftime("%m%d%H%M", time.gmtime()) + secrets.token_hex(2)


def _probe_control_plane(base: str) -> str | None:
    try:
        r = httpx.get(f"{base}/_fakepai/health", timeout=5)
        if r.status_code == 200 and r.json().get("status") == "ok":
            return base
    except (httpx.HTTPError, ValueError):
        pass
    return None


def make_target(spec: str, *, region: str | None = None, workspace: str | None = None,
                run_id: str | None = None, env: dict[str, str] | None = None,
                endpoints: dict[str, str] | None = None) -> Target:
    """`endpoints` overrides a live product's host (`{"PaiStudio": "pai.cn-hangzhou.data.aliyun.com"}`,
    the host the official SDK's endpoint map names for that region)."""
    env = os.environ if env is None else env
    run_id = run_id or new_run_id()
    region = region or env.get("PAI_REGION") or "cn-hangzhou"
    if spec == "fake":
        return _fake_target(region, workspace or "fakepai-ct-ws", run_id)
    if spec == "live":
        cred = credential_from_env(env)
        ws = workspace or env.get("PAI_WORKSPACE_ID") or ""
        hosts = {**{p: h.format(region=region) for p, h in LIVE_HOSTS.items()}, **(endpoints or {})}
        urls = {p: h if "://" in h else "https://" + h for p, h in hosts.items()}
        skip = None if cred and ws else LIVE_CREDENTIALS_MISSING
        return Target("live", urls, cred, ws, region, run_id, skip_reason=skip)
    parts = urlsplit(spec)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--pai-target must be 'fake', 'live' or an http(s) URL, got {spec!r}")
    base = f"{parts.scheme}://{parts.netloc}"
    # A URL target never receives the live credentials from the environment (a token sent to an
    # arbitrary host would leak); it gets FAKEPAI_CT_* credentials if set, else a per-run token
    # that selects a fresh, isolated account on an emulator in --auth any mode.
    cred = credential_from_env(env, prefix="FAKEPAI_CT_") or Credential("bearer", secret=f"fakepai-ct-{run_id}")
    return Target("url", {p: base for p in PRODUCTS}, cred, workspace or "fakepai-ct-ws", region, run_id,
                  control_url=_probe_control_plane(base), admin_token=env.get("FAKEPAI_ADMIN_TOKEN") or None)


def _fake_target(region: str, workspace: str, run_id: str) -> Target:
    """An in-process emulator in strict auth mode: every request the kit sends is signed and the
    signature is verified, so the signer that live mode relies on is exercised on every call."""
    from fakepai.server import FakePAI

    key_id, secret = f"fakepai-ct-{run_id}", secrets.token_hex(16)
    pai = FakePAI(auth="strict", region=region, rate_limit=False,
                  credentials={"accessKeys": [{"accessKeyId": key_id, "accessKeySecret": secret}]})
    pai.start()
    return Target("fake", {p: pai.url for p in PRODUCTS}, Credential("ak", key_id=key_id, secret=secret),
                  workspace, region, run_id, control_url=pai.url, emulator=pai)
