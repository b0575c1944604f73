"""pytest fixtures (entry point `pytest11`): one emulator per session, reset for every test.

    def test_something(fakepai):
        client = Client(Config(endpoint=fakepai.endpoint, protocol="http", ...))

The emulator's settings are chosen per project in the ini file (`fakepai_speed = 0`) or per run on
the command line (`--fakepai-speed 0`), which wins; see `_SETTINGS`.
"""
from __future__ import annotations

import argparse
import importlib

import pytest

from fakepai.cli import parse_phase_seconds, parse_seed, parse_speed
from fakepai.wire.auth import Authenticator, Credentials


def _choice(*allowed: str):
    def convert(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {text!r}")
        return text
    return convert


def _switch(text: str) -> bool:
    return _choice("on", "off")(text) == "on"


# option / ini name -> (FakePAI setting, conversion, help). Throttling is off unless asked for.
_SETTINGS = {
    "speed": ("speed", parse_speed, "virtual clock speed (1 real time, 0 frozen)"),
    "auth": ("auth", _choice("any", "strict", "off"), "any | strict | off (default any)"),
    "credentials": ("credentials_file", str, "JSON file of access keys / bearer tokens (for auth strict)"),
    "rate-limit": ("rate_limit", _switch, "on | off (default off)"),
    "phase-seconds": ("phase_seconds", parse_phase_seconds, "how long job phases last, e.g. Running=5,Queuing=1"),
    "region": ("region", str, "region the emulator reports (default cn-hangzhou)"),
    "seed": ("seed", parse_seed, "seed of generated ids and random faults (default 0)"),
}
_CHOSEN = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fakepai", "fakepai emulator fixtures (also ini options fakepai_<name>)")
    for name, (_, _, help_text) in _SETTINGS.items():
        ini = "fakepai_" + name.replace("-", "_")
        group.addoption(f"--fakepai-{name}", dest=ini, default=None, metavar="VALUE", help=f"{help_text}; beats the ini option {ini}")
        parser.addini(ini, help=f"fakepai fixture: {help_text}", default=None)


def pytest_configure(config: pytest.Config) -> None:
    """Check the chosen settings once, before any test: a bad value is a usage error."""
    chosen = {"rate_limit": False}
    for name, (setting, convert, _) in _SETTINGS.items():
        ini = "fakepai_" + name.replace("-", "_")
        text = config.getoption(ini, None)
        if text is None:
            text = config.getini(ini)
        if text is None or text == "":
            continue
        try:
            chosen[setting] = convert(str(text).strip())
        except (argparse.ArgumentTypeError, ValueError) as e:
            raise pytest.UsageError(f"--fakepai-{name} / {ini}: {e}") from None
    _check_auth(chosen)
    config.stash[_CHOSEN] = chosen


def _check_auth(chosen: dict) -> None:
    """The auth mode and credentials file together, through the emulator's own checks (strict needs
    credentials; the file must load), so a bad pair stops the run once instead of erroring every test."""
    try:
        credentials = Credentials.load(chosen["credentials_file"]) if chosen.get("credentials_file") else None
        Authenticator(chosen.get("auth", "any"), credentials)
    except (OSError, ValueError) as e:
        raise pytest.UsageError(f"--fakepai-auth / --fakepai-credentials: {e}") from None


@pytest.fixture(scope="session")
def fakepai_server(pytestconfig: pytest.Config):
    """The session's emulator (started once, with the project's settings). Prefer `fakepai`."""
    from fakepai.server import FakePAI          # only when used: every pytest session loads this plugin

    with FakePAI(**pytestconfig.stash.get(_CHOSEN, {"rate_limit": False})) as pai:
        yield pai


@pytest.fixture
def fakepai(fakepai_server):
    """A running emulator with empty state, the clock at real time (at the configured speed), no
    faults, and throttling as configured (off by default)."""
    fakepai_server.reset()
    fakepai_server.emulator.throttler.enabled = fakepai_server.settings.rate_limit
    yield fakepai_server


def _sdk_config(pai, access_key_id: str | None = None):
    from alibabacloud_tea_openapi.models import Config     # the official SDKs: not fakepai's dependencies
    from fakepai.server import FIXTURE_ACCESS_KEY

    access_key_id = access_key_id or FIXTURE_ACCESS_KEY

    return Config(access_key_id=access_key_id, access_key_secret="fakepai-test-secret",
                  endpoint=pai.endpoint, protocol="http", region_id=pai.settings.region)


def _sdk_client(pai, module: str, package: str):
    """The official SDK's client for the emulator. A missing SDK is an error, not a skip: a
    skipped test would let a CI run without the SDK go green having tested nothing."""
    try:
        client_mod = importlib.import_module(module)
    except ImportError:
        pytest.fail(f"this fixture needs the official SDK: pip install {package}", pytrace=False)
    return client_mod.Client(_sdk_config(pai))


@pytest.fixture
def paistudio_client(fakepai):
    """The official PaiStudio 2022-01-12 client, pointed at the emulator."""
    return _sdk_client(fakepai, "alibabacloud_paistudio20220112.client", "alibabacloud-paistudio20220112")


@pytest.fixture
def dlc_client(fakepai):
    """The official pai-dlc 2020-12-03 client, pointed at the emulator."""
    return _sdk_client(fakepai, "alibabacloud_pai_dlc20201203.client", "alibabacloud-pai-dlc20201203")


@pytest.fixture
def paiplugin_client(fakepai):
    """The official PaiPlugin 2022-01-12 client, pointed at the emulator."""
    return _sdk_client(fakepai, "alibabacloud_paiplugin20220112.client", "alibabacloud-paiplugin20220112")
