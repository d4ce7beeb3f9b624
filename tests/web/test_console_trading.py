"""A day on the console, end to end, in a real browser against `siamex serve --demo`: the live
market, an operator approving a member's order-routing system, two traders in two tabs trading
with each other, the trade in the ticker and the chart, and a risk officer's kill switch
cancelling every resting order of the member."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from siamex.gateway import data
from tests.gateway.live import Server
from tests.web.console import (
    M01_RISK,
    OPERATOR,
    log_in_token,
    log_in_trader,
    place,
    snap,
    tab,
)

SAMPLE_UNIVERSE = Path(data.__file__).parent / "sample-universe.json"


_VOLUMES = """() => [...document.querySelectorAll("#watch td[data-key='volume']")]
                     .map((cell) => Number(cell.textContent.replaceAll(",", "")))"""


def _apply_for_a_web_ors(server: Server) -> None:
    """M02 registers a second order-routing system and a trader on it, and has run the
    exchange's test script on it: what is left is the exchange's approval of both."""
    for change in ({"op": "reg_add_ors", "ors": "M02-ORS2", "member": "M02"},
                   {"op": "reg_set_ors_credentials", "ors": "M02-ORS2", "username": "m02ors2",
                    "password": "m02-web-secret"},
                   {"op": "reg_ors_event", "ors": "M02-ORS2", "event": "record_test"},
                   {"op": "reg_add_trader", "trader": "M02T2", "member": "M02",
                    "ors": ["M02-ORS2"]}):
        answer = httpx.post(f"{server.http}/v1/registry", json=change, timeout=10,
                            headers={"Authorization": f"Bearer {OPERATOR}"})
        assert answer.status_code == 200, answer.text


def _row(page: Page, symbol: str) -> dict[str, str]:
    row = page.locator(f"#watch tr[data-symbol='{symbol}']")
    row.wait_for()
    return {key: row.locator(f"td[data-key='{key}']").inner_text()
            for key in ("last", "bid", "offer", "volume", "ceiling", "floor", "phase")}


def test_the_market_watch_shows_every_security_live(server: Server, browser: Browser) -> None:
    page = tab(browser, server)
    listed = len(json.loads(SAMPLE_UNIVERSE.read_text())["instruments"])
    expect(page.locator("#watch tbody tr")).to_have_count(listed, timeout=20_000)
    ptt = _row(page, "PTT")
    assert re.fullmatch(r"\d+\.\d{2}", ptt["ceiling"]) and re.fullmatch(r"\d+\.\d{2}", ptt["floor"])
    # the demo's participants trade PTT: its volume goes up while the page watches
    expect(page.locator("#watch tr[data-symbol='PTT'] td[data-key='volume']")).not_to_have_text(
        "0", timeout=30_000)
    first = int(_row(page, "PTT")["volume"].replace(",", ""))
    page.wait_for_function(
        "first => Number(document.querySelector(\"#watch tr[data-symbol='PTT'] "
        "td[data-key='volume']\").textContent.replaceAll(',', '')) > first", arg=first,
        timeout=30_000)
    page.fill("#watch-filter", "KB")
    expect(page.locator("#watch tbody tr")).to_have_count(1)
    page.fill("#watch-filter", "")
    page.click("#watch th[data-key='volume'] button")
    header = page.locator("#watch th[data-key='volume']")
    expect(header).to_have_attribute("aria-sort", "descending")
    volumes = page.evaluate(_VOLUMES)  # at one instant: all_inner_texts reads cell by cell
    assert volumes == sorted(volumes, reverse=True)
    index = page.locator(".index .value[data-index='SET']")
    expect(index).to_have_text(re.compile(r"[\d,]+\.\d{2}"))
    page.click("#watch th[data-key='symbol'] button")
    snap(page, "market-watch")
    page.goto(f"{server.http}/#/security/PTT")
    expect(page.locator("#ticker-table tbody tr").nth(9)).to_be_visible(timeout=30_000)
    expect(page.locator("#security-chart")).to_have_attribute("data-points", re.compile("[1-9]"))
    assert page.errors == []  # type: ignore[attr-defined]


def test_bad_input_shows_the_code_and_sentence_and_sends_nothing_invalid(
        server: Server, browser: Browser) -> None:
    page = tab(browser, server)
    log_in_trader(page, "m01ors1", "m01-fix-secret-change-me", "M01T1")
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url)
            if request.method == "POST" and "/v1/orders" in request.url else None)
    for qty, price, why in (("", "", "account"), ("-100", "150.00", "qty"),
                            ("100", "abc", "price"), ("1.5", "150.00", "qty"),
                            ("100", "-150.00", "price"), ("100", "150.001", "price")):
        account = "" if why == "account" else "C0001"
        shown = place(page, "buy", "BBL", qty, price, account=account)
        assert shown.startswith("BAD_REQUEST") and why in shown, shown
    assert sent == []
    for qty, price, code in (("100", "150.10", "TICK_SIZE"),
                             ("2000000", "150.00", "MAX_ORDER_VOLUME"),
                             ("100", "999.00", None)):
        shown = place(page, "buy", "BBL", qty, price)
        assert re.match(r"[A-Z_]+ ", shown) and "Accepted" not in shown, shown
        if code is not None:
            assert shown.startswith(code), shown
    assert len(sent) == 3
    other = tab(browser, server)
    log_in_trader(other, "m02ors1", "m02-fix-secret-change-me", "M02T1")
    place(other, "sell", "BBL", "100", "190.00")
    theirs = other.locator("#orders tbody tr").first.get_attribute("data-clordid")
    assert theirs
    page.fill("#change-orig", theirs)
    page.click("#change-cancel")
    refusal = page.locator("#change-result")
    expect(refusal.locator(".code")).to_have_text(re.compile("NOT_OWNER|NOT_FOUND"))
    for qty, price, why in (("", "", "qty"), ("abc", "", "qty"), ("", "1.234", "price")):
        page.fill("#change-orig", theirs)
        page.fill("#change-qty", qty)
        page.fill("#change-price", price)
        page.click("#change-amend")
        expect(refusal).to_contain_text(f"Not sent: {why}")
        expect(refusal.locator(".code")).to_have_text("BAD_REQUEST")
    assert sent == [url for url in sent if url.endswith(("/v1/orders", "/v1/orders/cancel"))]
    other.fill("#change-orig", theirs)
    other.click("#change-cancel")
    expect(other.locator("#change-result")).to_contain_text("cancelled")
    assert page.errors == [] and other.errors == []  # type: ignore[attr-defined]


def test_a_day_of_trading_on_the_console(server: Server, browser: Browser) -> None:
    _apply_for_a_web_ors(server)
    operator = tab(browser, server)
    log_in_token(operator, OPERATOR)
    operator.goto(f"{server.http}/#/operator")
    ors = operator.locator("#ors-table tr[data-ors='M02-ORS2']")
    expect(ors).to_have_attribute("data-state", "tested")
    ors.locator(".ors-approve").click()
    expect(ors).to_have_attribute("data-state", "approved")
    trader = operator.locator("#traders-table tr[data-trader='M02T2']")
    expect(trader.locator(".trader-approved")).to_have_text("✘")
    trader.locator(".trader-approval").click()
    expect(trader.locator(".trader-approved")).to_have_text("✔")

    buyer = tab(browser, server)
    log_in_trader(buyer, "m01ors1", "m01-fix-secret-change-me", "M01T1")
    answer = place(buyer, "buy", "BBL", "300", "150.00")
    assert "Accepted" in answer and "new" in answer, answer
    watcher = tab(browser, server, "#/security/BBL")
    book = watcher.locator("#security-book table").first
    expect(book.locator("tbody tr").first).to_contain_text("150.00")
    expect(book.locator("tbody tr").first).to_contain_text("300")

    seller = tab(browser, server)
    log_in_trader(seller, "m02ors2", "m02-web-secret", "M02T2")
    answer = place(seller, "sell", "BBL", "100", "150.00")
    assert "Accepted" in answer and "filled" in answer, answer
    ticker = watcher.locator("#ticker-table tbody tr").first
    expect(ticker).to_contain_text("150.00")
    expect(ticker).to_contain_text("100")
    expect(watcher.locator("#security-chart")).to_have_attribute("data-points", re.compile("[1-9]"))
    expect(watcher.locator("#security-last")).to_have_text("150.00")

    buyer.goto(f"{server.http}/#/desk")
    order = buyer.locator("#orders tbody tr").first
    expect(order).to_have_attribute("data-status", "partially_filled")
    expect(buyer.locator("#trades tbody tr").first).to_contain_text("150.00")
    place(buyer, "buy", "BBL", "100", "149.50")
    place(buyer, "buy", "BBL", "100", "149.00")
    expect(buyer.locator("#orders tbody tr[data-status='new']")).to_have_count(2)
    snap(buyer, "member-desk")

    risk = tab(browser, server)
    log_in_token(risk, M01_RISK)
    risk.goto(f"{server.http}/#/risk")
    member = risk.locator("#scopes tr[data-scope='member:']")
    member.locator(".kill-on").click()
    expect(risk.locator("#kill-dialog")).to_be_visible()
    snap(risk, "risk-desk-kill-switch")
    risk.click("#kill-confirm")
    expect(risk.locator("#risk-result")).to_have_attribute("data-cancelled", "3")
    expect(member.locator(".kill-off")).to_be_visible()
    expect(buyer.locator("#orders tbody tr[data-status='new']")).to_have_count(0, timeout=10_000)
    expect(buyer.locator("#orders tbody tr[data-status='partially_filled']")).to_have_count(0)
    refused = place(buyer, "buy", "BBL", "100", "149.00")
    assert "KILL_SWITCH" in refused, refused
    expect(risk.locator("#audit-date")).to_have_value("2026-12-01")
    risk.click("#audit-load")
    risk.fill("#audit-event", "cancelled")
    killed = risk.locator("#audit tbody tr")
    expect(killed).to_have_count(3)
    expect(killed.first).to_contain_text("KILL_SWITCH")
    with risk.expect_download() as download:
        risk.click("#audit-csv")
    trail = download.value.path().read_text().splitlines()
    assert trail[0].startswith("time_ns,time,seq,member,trader")
    assert sum(",cancelled,KILL_SWITCH," in line for line in trail) == 3
    for page in (operator, buyer, watcher, seller, risk):
        assert page.errors == []  # type: ignore[attr-defined]


def test_the_operator_halts_and_resumes_a_security_and_reads_the_schedule(
        server: Server, browser: Browser) -> None:
    operator = tab(browser, server)
    log_in_token(operator, OPERATOR)
    operator.goto(f"{server.http}/#/operator")
    expect(operator.locator("#schedule-table tbody tr").first).to_contain_text("PRE_OPEN_1")
    expect(operator.locator("#schedule")).to_contain_text("2026-12-01")
    watch = tab(browser, server)
    signs = watch.locator("#watch tr[data-symbol='TTB'] td[data-key='signs']")
    signs.wait_for()
    operator.fill("#control-symbol", "TTB")
    operator.click("#control-halt")
    expect(operator.locator("#operator-result")).to_contain_text("TTB")
    expect(signs).to_have_text("H")
    operator.click("#control-resume")
    expect(signs).to_have_text("")
    operator.click("#control-resume")
    expect(operator.locator("#operator-result .code")).to_have_text("INVALID")
    operator.select_option("#control-sign", "XD")
    operator.click("#control-sign-on")
    expect(signs).to_have_text("XD")
    operator.fill("#control-symbol", "NOPE")
    operator.click("#control-resume")
    expect(operator.locator("#operator-result .code")).to_have_text("UNKNOWN_SYMBOL")
    snap(operator, "operator-desk")
    assert operator.errors == [] and watch.errors == []  # type: ignore[attr-defined]


def test_the_console_speaks_thai_and_works_from_the_keyboard(
        server: Server, browser: Browser) -> None:
    page = tab(browser, server)
    page.click("#lang")
    expect(page.locator("#nav a[href='#/watch']")).to_have_text("ภาพรวมตลาด")
    expect(page.locator("#watch th[data-key='last']")).to_have_text("ล่าสุด")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    page.reload()
    expect(page.locator("#nav a[href='#/desk']")).to_have_text("ส่งคำสั่งซื้อขาย")
    snap(page, "market-watch-thai")
    page.click("#lang")
    log_in_trader(page, "m02ors1", "m02-fix-secret-change-me", "M02T1")  # M01 is killed
    page.goto(f"{server.http}/#/desk")
    page.focus("#order-account")
    for text in ("C0001", "TTB"):
        page.keyboard.type(text)
        page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the order type stays limit
    page.keyboard.type("1.50")
    page.keyboard.press("Tab")
    page.keyboard.type("1000")
    page.keyboard.press("Enter")  # a form's Enter is its first submit button: buy
    result = page.locator("#order-result")
    expect(result).to_contain_text("Accepted")
    expect(result).to_contain_text("buy 1,000 TTB @ 1.50")
    page.goto(f"{server.http}/#/security/PTT")  # late in the session: the day has a shape
    expect(page.locator("#ticker-table tbody tr").nth(9)).to_be_visible()
    snap(page, "security")
    assert page.errors == []  # type: ignore[attr-defined]
