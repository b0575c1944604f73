"""Fixtures shared by every test folder (the emulator, its reset and the official SDK clients come
from fakepai's own pytest plugin: `fakepai_server`, `fakepai`, `paistudio_client`, `dlc_client`,
`paiplugin_client`)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def gw(fakepai_server):
    """A gateway-form HTTP client (`FakePAI.http()`: the SDK fixtures' account, so SDK and gateway
    calls see the same resources), shared by a module's tests because making an httpx client costs
    more than most calls. Tests still take `fakepai` for the per-test reset."""
    with fakepai_server.http() as client:
        yield client
