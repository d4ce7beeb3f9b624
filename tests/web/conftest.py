"""Real browsers for the console's end-to-end tests, and the market they look at.

Debian's Chromium driven by Playwright (whose own browser download does not work on these
machines: the tests pass `executable_path`), and Debian's Firefox ESR driven over WebDriver
BiDi (tests/web/firefox.py); as root on a machine without one, the first test that needs it
installs the package. Where no browser can be had the tests are skipped, saying why; in CI
(CI=true) that is a failure instead. One `siamex serve --demo` serves the session's tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from siamex.bench.console import CHROMIUM, CHROMIUM_FLAGS
from tests.gateway.live import Server
from tests.web.console import OPENED, serve_demo
from tests.web.firefox import FIREFOX


def _install(package: str) -> str | None:
    """Install a Debian package; why not, if it cannot be."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"{package} is missing, and installing it needs root and apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", package]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}"
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true)", pytrace=False)
    pytest.skip(reason)


def _needs(path: str, package: str) -> str:
    """A browser's path, its Debian package installed first if it is missing and can be."""
    if not os.path.exists(path):
        reason = _install(package)
        if reason is not None:
            _unavailable(reason)
    return path


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, installed if it can be."""
    return _needs(CHROMIUM, "chromium")


@pytest.fixture(scope="session")
def playwright(chromium: str) -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium: str) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def firefox_installed() -> str:
    """Debian's Firefox ESR, installed if it can be."""
    return _needs(FIREFOX, "firefox-esr")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`siamex serve --demo` for the console's tests, from 10:15 of 2026-12-01."""
    running = serve_demo(tmp_path_factory.mktemp("console") / "data")
    yield running
    assert running.stop() == 0


@pytest.fixture(autouse=True)
def _close_tabs() -> Iterator[None]:
    """Close the tabs a test opened: their feeds, drop copies and polls end with it."""
    yield
    while OPENED:
        OPENED.pop().close()
