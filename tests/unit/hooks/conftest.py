"""The SDK oracle's fixtures (tests/unit/hooks/test_sdk_oracle.py, test_list_oracle.py): a server
that captures every request, and a hook whose connection points at it. Other modules here define
their own ``hook``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_ice.hooks.ice import IceHook
from tests.support.sdk_oracle import CaptureServer


@pytest.fixture
def server() -> Iterator[CaptureServer]:
    with CaptureServer() as running:
        yield running


@pytest.fixture
def hook(server: CaptureServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[IceHook]:
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", server.connection_json())
    with IceHook() as ice_hook:
        yield ice_hook
