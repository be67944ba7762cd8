"""Test environment: an isolated AIRFLOW_HOME, set before anything imports Airflow."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings

# The emulator's fixtures (ice_emulator, ice_connection) are opt-in, as for users (docs/emulator.md);
# pytester runs pytest in a subprocess to check that (tests/unit/emulator/test_pytest_plugin.py). The
# suite's shared fixtures (emulated_ice, held_ice, job_clock, misbehaving_ice, clean_credentials) come
# from tests/support for every test module, without importing them. Loaded after this module has set
# the environment below.
pytest_plugins = [
    "airflow_ice.emulator.pytest_plugin",
    "pytester",
    "tests.support.dags",
    "tests.support.misbehaving_ice",
    "tests.support.credentials",
]


def _private_airflow_home() -> str:
    home = tempfile.mkdtemp(prefix="airflow-ice-tests-")
    atexit.register(shutil.rmtree, home, True)
    return home


# Airflow reads these at import time; keep tests away from ~/airflow and any real deployment.
# Every pytest process (each xdist worker too) gets its own home and sqlite DB: workers sharing
# one would create and write the same DB at once. Removed when the process exits.
os.environ["AIRFLOW_HOME"] = _private_airflow_home()
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
# Every emulator our tests start reads each parameter only from where the official SDK sends it
# (query or body), so a placement regression in our client fails a test (see
# airflow_ice/emulator/placement.py); users' emulators merge query and body unless they ask.
os.environ["ICE_EMULATOR_STRICT_PLACEMENT"] = "1"

# Property tests draw the same examples on every run (each test's seed comes from its own code), so a
# rare input cannot fail one CI run and pass the next, and no example database carries failures from
# one run into the next; the wall-clock deadline and "too slow" health check are off, as a loaded
# machine is slow. Loaded for every run, not only when CI is set: .ci/run does not set it, and `make
# test` should decide the same everywhere. For fresh random examples: pytest --hypothesis-profile=default.
settings.register_profile(
    "airflow_ice",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("airflow_ice")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "real_expected_durations: keep the job families' expected minimum durations"
    )


@pytest.fixture(autouse=True)
def _no_expected_durations(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Emulated jobs last a second, not a real job's minutes: without this, every operator test
    would wait a family's expected minimum (15 s for Cover) before its first poll. Tests of that
    wait are marked ``real_expected_durations`` or set ``expected_duration`` themselves."""
    if request.node.get_closest_marker("real_expected_durations"):
        return
    import importlib
    from collections.abc import MutableMapping

    from airflow_ice.families import all_families

    for key in all_families():
        module = importlib.import_module(f"airflow_ice.families.{key}")
        figures = module.EXPECTED_SECONDS
        if isinstance(figures, MutableMapping):
            for name in figures:
                monkeypatch.setitem(figures, name, 0.0)
        else:
            monkeypatch.setattr(module, "EXPECTED_SECONDS", 0.0)


@pytest.fixture(autouse=True)
def _unpaced_actions() -> None:
    """Every test starts with the process's actions unpaced: a pace slowed by one test's scripted
    throttling would slow the next test that calls the same emulator (its tests pass their own
    :class:`~airflow_ice.client.adaptive_rate.AdaptiveRates` on a held clock)."""
    from airflow_ice.client.adaptive_rate import ADAPTIVE_RATES

    ADAPTIVE_RATES.clear()
