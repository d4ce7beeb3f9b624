"""A pre-open on the console: the security page shows the price the opening auction would
match at and its volume; and, meanwhile, the desks' other controls: a risk officer's limit set
on the page refusing the next order over it, and an operator's surveillance level shown on the
market watch."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.gateway.live import Server
from tests.web.console import (
    M01_RISK,
    OPERATOR,
    log_in_token,
    log_in_trader,
    place,
    serve_demo,
    tab,
)


@pytest.fixture(scope="module")
def preopen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo from 09:32, ten times faster: the first pre-open lasts two minutes or more."""
    running = serve_demo(tmp_path_factory.mktemp("preopen") / "data", "--start", "09:32",
                         "--speed", "10")
    yield running
    assert running.stop() == 0


def test_the_security_page_shows_the_indicative_auction_price(preopen: Server,
                                                              browser: Browser) -> None:
    buyer = tab(browser, preopen)
    log_in_trader(buyer, "m01ors1", "m01-fix-secret-change-me", "M01T1")
    seller = tab(browser, preopen)
    log_in_trader(seller, "m02ors1", "m02-fix-secret-change-me", "M02T1")
    assert "Accepted" in place(buyer, "buy", "TTB", "5000", "1.90")
    assert "Accepted" in place(seller, "sell", "TTB", "3000", "1.80")
    page = tab(browser, preopen, "#/security/TTB")
    expect(page.locator("#security-phase")).to_contain_text("PRE_OPEN_1")
    indicative = page.locator("#indicative")
    expect(indicative).to_contain_text(re.compile(r"1\.(80|90)"))
    expect(indicative).to_contain_text("3,000")
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_limit_set_on_the_risk_desk_refuses_the_next_order_over_it(
        preopen: Server, browser: Browser) -> None:
    risk = tab(browser, preopen)
    log_in_token(risk, M01_RISK)
    risk.goto(f"{preopen.http}/#/risk")
    trader = risk.locator("#scopes tr[data-scope='trader:M01T2']")
    volume = trader.locator("input").nth(2)
    volume.fill("500")
    trader.locator(".set-limits").click()
    expect(risk.locator("#risk-result")).to_contain_text("trader M01T2")
    expect(risk.locator("#scopes tr[data-scope='trader:M01T2'] input").nth(2)).to_have_value(
        "500")
    desk = tab(browser, preopen)
    log_in_trader(desk, "m01ors1", "m01-fix-secret-change-me", "M01T2")
    refused = place(desk, "buy", "TTB", "600", "1.85", account="C0002")
    assert refused.startswith("MAX_ORDER_VOLUME"), refused
    assert "Accepted" in place(desk, "buy", "TTB", "500", "1.85", account="C0002")
    volume = risk.locator("#scopes tr[data-scope='trader:M01T2'] input").nth(2)
    volume.fill("1.5")
    risk.locator("#scopes tr[data-scope='trader:M01T2'] .set-limits").click()
    expect(risk.locator("#risk-result .code")).to_have_text("BAD_REQUEST")
    assert risk.errors == [] and desk.errors == []  # type: ignore[attr-defined]


def test_a_surveillance_level_set_by_the_operator_shows_on_the_market_watch(
        preopen: Server, browser: Browser) -> None:
    operator = tab(browser, preopen)
    log_in_token(operator, OPERATOR)
    operator.goto(f"{preopen.http}/#/operator")
    operator.fill("#control-symbol", "CPN")
    operator.select_option("#control-level", "2")
    operator.click("#control-level-apply")
    expect(operator.locator("#operator-result")).to_contain_text("CPN")
    watch = tab(browser, preopen)
    expect(watch.locator("#watch tr[data-symbol='CPN'] td[data-key='signs']")).to_have_text("L2")
    operator.select_option("#control-level", "1")
    operator.check("#control-pause")
    operator.click("#control-level-apply")
    expect(operator.locator("#operator-result .code")).to_have_text("INVALID")
    assert operator.errors == [] and watch.errors == []  # type: ignore[attr-defined]
