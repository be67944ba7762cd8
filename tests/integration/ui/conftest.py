"""Browser tests of the provider in a real Airflow UI.

They take a minute and need Chromium, so the default run (``pytest`` / ``make test``) does not
collect them; they run when asked for by path:

    .venv/bin/python -m pytest tests/integration/ui -q

One Airflow (temporary AIRFLOW_HOME, sqlite, ``airflow api-server``) and one ICE emulator serve
the whole session. Screenshots and server logs go to ``test-artifacts/ui/``.
"""

from __future__ import annotations

import shutil
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.integration.ui.airflow_stack import REPO_ROOT, AirflowHome, ApiServer
from tests.integration.ui.browser import (
    NetworkGuard,
    Screenshots,
    chromium_context,
    ensure_chromium,
    ensure_playwright,
)

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

    from airflow_ice.emulator import IceEmulator

UI_TESTS = Path(__file__).resolve().parent
ARTIFACTS = REPO_ROOT / "test-artifacts" / "ui"


def _requested(config: pytest.Config) -> bool:
    """Whether the command line names this folder or something in it."""
    for arg in config.args:
        path = (config.invocation_params.dir / arg.split("::", 1)[0]).resolve()
        if path == UI_TESTS or UI_TESTS in path.parents:
            return True
    return False


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Leave the UI tests out unless the command line asks for them."""
    return None if _requested(config) else True


def pytest_configure(config: pytest.Config) -> None:
    """Install Playwright and Chromium before the UI tests are imported (only when they run)."""
    if _requested(config):
        ensure_playwright()
        ensure_chromium()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``test-artifacts/ui/``, emptied at the start of the session."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def screenshots(artifacts: Path) -> Screenshots:
    """Numbered screenshots of every step, kept as artifacts."""
    return Screenshots(artifacts)


@pytest.fixture(scope="session")
def ui_emulator() -> Iterator[IceEmulator]:
    """The ICE emulator the UI's connection and the example DAG talk to; jobs take 0.3 s."""
    from airflow_ice.emulator import IceEmulator

    with IceEmulator(job_seconds=0.3) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def airflow_home() -> Iterator[AirflowHome]:
    """A temporary AIRFLOW_HOME with a migrated sqlite DB, removed at the end."""
    home = AirflowHome.create()
    try:
        home.migrate()
        yield home
    finally:
        shutil.rmtree(home.path, ignore_errors=True)


@pytest.fixture(scope="session")
def api_server(airflow_home: AirflowHome, artifacts: Path) -> Iterator[ApiServer]:
    """``airflow api-server`` for the home, stopped (with its workers) at the end."""
    server = ApiServer(airflow_home, artifacts / "api-server.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def network_guard(artifacts: Path) -> Iterator[NetworkGuard]:
    """What the browser tried to reach outside loopback; written to an artifact at the end."""
    guard = NetworkGuard()
    yield guard
    lines = [f"stubbed {url}" for url in guard.opened_stubs] + [f"refused {url}" for url in guard.refused]
    (artifacts / "non-loopback-requests.txt").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="session")
def browser(network_guard: NetworkGuard) -> Iterator[BrowserContext]:
    """Headless Chromium (fresh profile) for the session."""
    with chromium_context(network_guard) as context:
        yield context


@pytest.fixture
def page(browser: BrowserContext, screenshots: Screenshots, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A new tab, closed after the test; a screenshot is kept when the test fails."""
    tab = browser.new_page()
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not tab.is_closed():
        screenshots.take(tab, f"FAILED-{request.node.name}")
    for other in browser.pages:
        other.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item, for the failure screenshot."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
