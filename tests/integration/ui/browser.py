"""Headless Chromium for the UI tests (no tests here): the OS package driven by Playwright,
installed when missing, kept on loopback, with numbered screenshots as artifacts.

Playwright never downloads a browser here (``playwright install`` is not used): it drives
Debian's ``/usr/bin/chromium``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Route

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PLAYWRIGHT_REQUIREMENT = "playwright>=1.45"
VIEWPORT = {"width": 1280, "height": 1000}
TIMEOUT_MS = 30_000
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def ensure_chromium() -> str:
    """Debian's Chromium, installed with apt-get when missing; returns its path."""
    if not os.path.exists(CHROMIUM):
        if shutil.which("apt-get") is None:
            raise RuntimeError(f"{CHROMIUM} is missing and there is no apt-get to install it")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    return CHROMIUM


def ensure_playwright() -> None:
    """The ``playwright`` Python package (a test-only dependency), pip-installed when missing."""
    if importlib.util.find_spec("playwright") is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", PLAYWRIGHT_REQUIREMENT], check=True
        )
        importlib.invalidate_caches()


@dataclass
class NetworkGuard:
    """Keeps the browser on loopback: other requests are answered by a local stub when their URL
    is one a test expects to open (an ICE output URL), and refused otherwise.

    :param stubbed_urls: URLs answered with a stub page instead of going out.
    :param opened_stubs: stubbed URLs the browser asked for, in order.
    :param refused: other non-loopback URLs the browser asked for.
    """

    stubbed_urls: set[str] = field(default_factory=set)
    opened_stubs: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def handle(self, route: Route) -> None:
        """Playwright route handler for every request of the context."""
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if host in LOOPBACK_HOSTS or url.startswith(("data:", "blob:")):
            route.continue_()
        elif url in self.stubbed_urls:
            self.opened_stubs.append(url)
            route.fulfill(
                status=200,
                content_type="text/html",
                body=f"<html><head><title>ICE output (stub)</title></head><body>"
                f"<h1>Stub of an ICE output</h1><p id='url'>{url}</p></body></html>",
            )
        else:
            self.refused.append(url)
            route.abort("blockedbyclient")


@contextmanager
def chromium_context(guard: NetworkGuard) -> Iterator[BrowserContext]:
    """A fresh headless Chromium profile (new user data dir) whose traffic goes through GUARD."""
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions: a loaded machine renders a page in more than expect's 5 s.
    expect.set_options(timeout=TIMEOUT_MS)
    executable = ensure_chromium()
    with tempfile.TemporaryDirectory(prefix="airflow-ice-chromium-") as profile, sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,  # type: ignore[arg-type]
        )
        try:
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", guard.handle)
            yield context
        finally:
            context.close()


class Screenshots:
    """Numbered full-page screenshots in one folder, in the order they were taken.

    :param folder: where they go (created).
    """

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.taken: list[Path] = []

    def take(self, page: Page, name: str, *, full_page: bool = True) -> Path:
        """Save ``NN-name.png`` of the page."""
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        # Transitions (toasts sliding in) are run to their end, so the picture shows the final state.
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        self.taken.append(path)
        return path
