"""The clearing pages after a day the clearing house cleared: the operator reads any member's
statement, a risk officer only its own member's, each table downloadable as CSV, and the
member's collateral against its requirement as a chart."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.gateway.live import Server
from tests.web.console import M01_RISK, OPERATOR, log_in_token, serve_demo, snap, tab


def _trade(server: Server, username: str, password: str, trader: str, side: str) -> None:
    """Half of a trade between M01 and M02 in BBL, which the demo's members leave alone."""
    session = httpx.post(f"{server.http}/v1/sessions", timeout=10, json={
        "username": username, "password": password, "trader": trader}).json()
    answer = httpx.post(f"{server.http}/v1/orders", timeout=10,
                        headers={"Authorization": f"Bearer {session['token']}"},
                        json={"clordid": f"{trader}-1", "account": "C0001", "symbol": "BBL",
                              "side": side, "qty": 100, "price": "150.00"})
    assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def cleared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo from 16:20, two minutes a second: its day closes and is cleared at once."""
    running = serve_demo(tmp_path_factory.mktemp("clearing") / "data",
                         "--start", "16:20", "--speed", "120")
    _trade(running, "m01ors1", "m01-fix-secret-change-me", "M01T1", "buy")
    _trade(running, "m02ors1", "m02-fix-secret-change-me", "M02T1", "sell")
    deadline = time.monotonic() + 120
    while True:
        days = httpx.get(f"{running.http}/v1/clearing/days", timeout=10,
                         headers={"Authorization": f"Bearer {OPERATOR}"}).json()["days"]
        if any(day["state"] == "done" for day in days):
            break
        assert time.monotonic() < deadline, f"no day cleared within two minutes: {days}"
        time.sleep(0.5)
    yield running
    assert running.stop() == 0


def test_the_operator_reads_a_members_statement_of_a_cleared_day(
        cleared: Server, browser: Browser) -> None:
    page = tab(browser, cleared)
    log_in_token(page, OPERATOR)
    page.goto(f"{cleared.http}/#/clearing")
    expect(page.locator("#clearing-days tr[data-date='2026-12-01']")).to_contain_text("done")
    page.select_option("#clearing-member", "M11")
    expect(page.locator("#clearing-title")).to_have_text("2026-12-01 · M11")
    securities = page.locator("[data-table='securities']")
    expect(securities.locator("tbody tr").first).to_be_visible()
    expect(page.locator("[data-table='risk'] tbody tr")).to_have_count(1)
    expect(page.locator("#clearing-chart")).to_have_attribute("data-points", "1")
    snap(page, "clearing")
    with page.expect_download() as download:
        securities.locator("button.csv").click()
    lines = download.value.path().read_text().splitlines()
    assert lines[0].startswith("settlement_date,account_type,security,net_qty")
    assert len(lines) == 1 + securities.locator("tbody tr").count()
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_risk_officer_sees_only_its_own_member(cleared: Server, browser: Browser) -> None:
    page = tab(browser, cleared)
    log_in_token(page, M01_RISK)
    page.goto(f"{cleared.http}/#/clearing")
    expect(page.locator("#clearing-title")).to_have_text("2026-12-01 · M01")
    assert page.locator("#clearing-member option").all_inner_texts() == ["M01"]
    trades = page.locator("[data-table='trades'] tbody tr")
    expect(trades).to_have_count(1)
    expect(trades).to_contain_text("BBL")
    assert page.errors == []  # type: ignore[attr-defined]
