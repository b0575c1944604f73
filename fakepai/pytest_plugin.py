"""pytest fixtures (entry point `pytest11`): one emulator per session, reset for every test.

    def test_something(fakepai):
        client = Client(Config(endpoint=fakepai.endpoint, protocol="http", ...))
"""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def fakepai_server():
    """The session's emulator (started once). Prefer the function-scoped `fakepai`."""
    from fakepai.server import FakePAI

    with FakePAI(rate_limit=False) as pai:
        yield pai


@pytest.fixture
def fakepai(fakepai_server):
    """A running emulator with empty state, a frozen-free clock at real time, no faults."""
    fakepai_server.reset()
    fakepai_server.emulator.throttler.enabled = False
    yield fakepai_server


def _sdk_config(pai, access_key_id: str | None = None):
    from alibabacloud_tea_openapi.models import Config
    from fakepai.server import FIXTURE_ACCESS_KEY

    access_key_id = access_key_id or FIXTURE_ACCESS_KEY

    return Config(access_key_id=access_key_id, access_key_secret="fakepai-test-secret",
                  endpoint=pai.endpoint, protocol="http", region_id=pai.settings.region)


@pytest.fixture
def paistudio_client(fakepai):
    """The official PaiStudio 2022-01-12 client, pointed at the emulator."""
    client_mod = pytest.importorskip("alibabacloud_paistudio20220112.client",
                                     reason="install alibabacloud-paistudio20220112 for this fixture")
    return client_mod.Client(_sdk_config(fakepai))


@pytest.fixture
def dlc_client(fakepai):
    """The official pai-dlc 2020-12-03 client, pointed at the emulator."""
    client_mod = pytest.importorskip("alibabacloud_pai_dlc20201203.client",
                                     reason="install alibabacloud-pai-dlc20201203 for this fixture")
    return client_mod.Client(_sdk_config(fakepai))


@pytest.fixture
def paiplugin_client(fakepai):
    """The official PaiPlugin 2022-01-12 client, pointed at the emulator."""
    client_mod = pytest.importorskip("alibabacloud_paiplugin20220112.client",
                                     reason="install alibabacloud-paiplugin20220112 for this fixture")
    return client_mod.Client(_sdk_config(fakepai))
