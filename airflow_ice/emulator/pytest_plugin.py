"""pytest fixtures running a local ICE emulator.

* ``ice_emulator``: a fresh :class:`~airflow_ice.emulator.server.IceEmulator` per test.
  Options via a marker: ``@pytest.mark.ice_emulator(job_seconds=0.2, security_token="tok")``.
* ``ice_connection``: the same, with ``AIRFLOW_CONN_ICE_DEFAULT`` pointing at it.

Opt-in (installing the package does not load it): ``pytest_plugins = ["airflow_ice.emulator.pytest_plugin"]``
in the root ``conftest.py``, or ``pytest -p airflow_ice.emulator.pytest_plugin``. The emulator is
imported inside the fixtures so that loading this plugin costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from airflow_ice.emulator.server import IceEmulator

MARKER = "ice_emulator"


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``ice_emulator`` marker."""
    config.addinivalue_line(
        "markers", f"{MARKER}(**kwargs): IceEmulator keyword arguments for the ice_emulator fixture"
    )


@pytest.fixture
def ice_emulator(request: pytest.FixtureRequest) -> Iterator[IceEmulator]:
    """A running ICE emulator on a free loopback port, stopped after the test."""
    from airflow_ice.emulator.server import IceEmulator

    marker = request.node.get_closest_marker(MARKER)
    options = dict(marker.kwargs) if marker else {}
    with IceEmulator(**options) as emulator:
        yield emulator


@pytest.fixture
def ice_connection(ice_emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch) -> IceEmulator:
    """The ``ice_emulator``, with the ``ice_default`` Airflow connection pointing at it."""
    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", ice_emulator.connection_json())
    return ice_emulator
