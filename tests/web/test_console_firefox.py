"""The console in Firefox (Debian's ESR, over WebDriver BiDi): the market watch fills and
updates live, a security's book and ticker show, the labels switch to Thai, and nothing the
page runs logs an error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gateway.live import Server
from tests.web.firefox import Firefox

_ROWS = "document.querySelectorAll('#watch tbody tr').length"
_VOLUME = ("Number(document.querySelector(\"#watch tr[data-symbol='PTT'] td[data-key='volume']\")"
           "?.textContent.replaceAll(',', '') ?? 0)")


@pytest.fixture(scope="module")
def firefox(firefox_installed: str) -> Iterator[Firefox]:
    browser = Firefox()
    yield browser
    browser.close()


def test_the_console_works_in_firefox(server: Server, firefox: Firefox) -> None:
    firefox.go(f"{server.http}/#/watch")
    assert firefox.until(f"{_ROWS} >= 30 && {_ROWS}")
    before = firefox.until(_VOLUME)  # the demo trades PTT
    firefox.until(f"{_VOLUME} > {before}")
    firefox.go(f"{server.http}/#/security/PTT")
    firefox.until("document.querySelectorAll('#ticker-table tbody tr').length > 0")
    firefox.until("document.querySelector('#security-book tbody tr td')?.textContent !== ''")
    firefox.evaluate("document.getElementById('lang').click() || true")
    assert firefox.until("document.querySelector(\"#nav a[href='#/watch']\").textContent") == (
        "ภาพรวมตลาด")
    firefox.evaluate("document.getElementById('lang').click() || true")
    assert firefox.errors == []
