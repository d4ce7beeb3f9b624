"""The circuit breaker on the console: a trade that takes the SET Index down 8% trips it, and
the market watch says so with its level and end (30 minutes on, the serve's clock running at
the wall clock's pace from 10:15), while the operator desk's schedule shows it
tripped."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.gateway.live import CONFIG, Server
from tests.gateway.universes import BREAKER_UNIVERSE
from tests.web.console import OPERATOR, log_in_token, log_in_trader, place, tab


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("breaker")
    universe = folder / "universe.json"
    universe.write_text(json.dumps(BREAKER_UNIVERSE), encoding="utf-8")
    running = Server(folder / "data", CONFIG, "--universe", str(universe))
    yield running
    assert running.stop() == 0


def test_a_fall_of_8_percent_trips_the_breaker_on_every_page(market: Server,
                                                             browser: Browser) -> None:
    watch = tab(browser, market)
    banner = watch.locator(".cb")
    expect(watch.locator("#watch tr[data-symbol='BIG']")).to_be_visible()
    expect(banner).to_be_hidden()
    trader = tab(browser, market)
    log_in_trader(trader, "m01ors1", "m01-fix-secret-change-me", "M01T1")
    assert "Accepted" in place(trader, "sell", "BIG", "100", "92.00", account="P0001")
    assert "filled" in place(trader, "buy", "BIG", "100", "92.00")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Circuit breaker: 1")
    expect(banner).to_contain_text(re.compile(r"until 10:4[5-6]:\d\d"))  # 30 minutes on
    until = banner.inner_text().rsplit(" ", 1)[1]
    expect(watch.locator(".index .value[data-index='SET']")).to_have_text("1,380.00")
    expect(watch.locator("#watch tr[data-symbol='PTT'] td[data-key='phase']")).to_have_text(
        "HALTED")
    operator = tab(browser, market)
    log_in_token(operator, OPERATOR)
    operator.goto(f"{market.http}/#/operator")
    expect(operator.locator("#schedule-breaker")).to_contain_text(until)
    expect(operator.locator("#breaker-levels tbody tr")).to_have_count(3)
    assert watch.errors == [] and trader.errors == [] and operator.errors == []  # type: ignore[attr-defined]
