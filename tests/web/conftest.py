"""A real browser for the console's end-to-end tests: Debian's Chromium driven by Playwright.

Playwright's own browser download does not work on these machines, so the tests drive the
distribution's Chromium through `executable_path`; as root on a machine without it, the first
test that needs it installs Debian's `chromium` package. Where no browser can be had the
console tests are skipped, saying why; in CI (CI=true) that is a failure instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from siamex.bench.console import CHROMIUM, CHROMIUM_FLAGS


def _install() -> str | None:
    """Install Debian's Chromium; why not, if it cannot be."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"{CHROMIUM} is missing, and installing it needs root and apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}"
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, installed if it can be."""
    if not os.path.exists(CHROMIUM):
        reason = _install()
        if reason is not None:
            _unavailable(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright(chromium: str) -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium: str) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
    yield launched
    launched.close()
