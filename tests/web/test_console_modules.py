"""The console's own rules, run in the browser that runs them: exact numbers (satang in BigInt,
the percent change rounded half away from zero), the colours of a price, and the signs and
circuit breaker read from a day's statuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, expect

import siamex.web
from tests.gateway.live import Server
from tests.web.console import tab

STATIC = Path(siamex.web.__file__).parent / "static"
_CALL = """async ([module, name, args]) => {
  const loaded = await import(`/console/js/${module}.js`);
  const value = loaded[name](...args);
  return JSON.parse(JSON.stringify(value, (key, v) => typeof v === "bigint" ? `${v}n` : v));
}"""


def _call(page: Any, module: str, name: str, *args: Any) -> Any:
    return page.evaluate(_CALL, [module, name, list(args)])


def test_numbers_stay_exact(server: Server, browser: Browser) -> None:
    page = tab(browser, server)
    assert _call(page, "format", "satang", "32.25") == "3225n"
    assert _call(page, "format", "satang", "-1,234.5") == "-123450n"
    assert _call(page, "format", "satang", "7") == "700n"
    assert _call(page, "format", "satang", None) is None
    assert _call(page, "format", "baht", "1234567.50") == "1,234,567.50"
    assert _call(page, "format", "baht", "-1000.00") == "-1,000.00"
    assert _call(page, "format", "shares", 1234500) == "1,234,500"
    assert _call(page, "format", "average", "6450.00", 200) == "32.25"
    # 0.25 / 32.00 = 0.78125% is 0.78; exact halves go away from zero: 0.005% and -49.995%
    assert _call(page, "format", "change", "32.25", "32.00") == {
        "change": "+0.25", "percent": "+0.78", "direction": "up"}
    assert _call(page, "format", "change", "31.75", "32.00") == {
        "change": "-0.25", "percent": "-0.78", "direction": "down"}
    assert _call(page, "format", "change", "200.01", "200.00")["percent"] == "+0.01"
    assert _call(page, "format", "change", "100.01", "200.00")["percent"] == "-50.00"
    assert _call(page, "format", "change", "2.01", "2.00")["percent"] == "+0.50"
    assert _call(page, "format", "change", "32.00", "32.00") == {
        "change": "0.00", "percent": "0.00", "direction": "same"}
    assert _call(page, "format", "change", None, "32.00") is None
    assert [_call(page, "format", "isPrice", text) for text in
            ("32.25", "32", "0.01", "0", "-1", "1.234", "abc", "", "1e3")] == [
        True, True, True, False, False, False, False, False, False]
    assert [_call(page, "format", "isQuantity", text) for text in
            ("100", "0", "-100", "1.5", "", "12345678901234")] == [
        True, False, False, False, False, False]


def test_a_price_is_coloured_against_the_limits_then_the_prior_close(
        server: Server, browser: Browser) -> None:
    page = tab(browser, server)
    limits = {"prev_close": "32.00", "ceiling": "41.50", "floor": "22.50"}
    assert [_call(page, "format", "priceClass", price, limits) for price in
            ("41.50", "22.50", "32.25", "31.75", "32.00", None)] == [
        "ceiling", "floor", "up", "down", "same", ""]


def test_signs_and_the_breaker_come_from_the_days_statuses(
        server: Server, browser: Browser) -> None:
    page = tab(browser, server)

    def status(what: str, value: str, on: bool = True, until: str | None = None,
               time: str = "2026-12-01T10:00:00.000000000+07:00") -> dict[str, Any]:
        return {"what": what, "value": value, "on": on, "until": until, "time": time}

    now = "2026-12-01T10:10:00.000000000+07:00"
    later = "2026-12-01T10:20:00.000000000+07:00"
    statuses = [status("sign", "XD"), status("halt", "H"), status("sign", "NP"),
                status("sign", "NP", on=False), status("surveillance_level", "2"),
                status("dynamic_price_band", "35.00", until=later),
                status("auto_pause", "bid", until="2026-12-01T10:05:00.000000000+07:00")]
    shown = _call(page, "signs", "badges", statuses, now)
    assert [badge["text"] for badge in shown] == ["H", "XD", "L2", "DPB"]
    resumed = _call(page, "signs", "badges", [*statuses, status("resume", "H")], now)
    assert [badge["text"] for badge in resumed] == ["XD", "L2", "DPB"]
    breaker = status("circuit_breaker", "1", until=later)
    assert _call(page, "signs", "breakerOn", [breaker], now)["value"] == "1"
    assert _call(page, "signs", "breakerOn", [breaker], later) is None
    assert _call(page, "signs", "breakerOn", [], now) is None


def test_the_page_refuses_what_the_api_would_and_lifts_a_pause_below_level_3(
        server: Server, browser: Browser) -> None:
    page = tab(browser, server)
    # an order's price as siamex.gateway.trading_bodies takes it: no leading zero, 12 digits
    assert [_call(page, "format", "isPrice", text) for text in
            ("0.5", "01.50", "00.5", "123456789012.50", "1234567890123")] == [
        True, False, False, True, False]
    # a limit's baht as siamex.gateway.operations_bodies takes it: 0 is a limit, 14 digits
    assert [_call(page, "format", "isMoney", text) for text in
            ("0", "0.00", "50000000000.00", "12345678901234.99", "01", "-1", "1.234")] == [
        True, True, True, True, False, False, False]
    paused = [{"what": "surveillance_level", "value": "3", "on": True, "until": None,
               "time": "2026-12-01T10:00:00.000000000+07:00"},
              {"what": "surveillance_pause", "value": "P", "on": True, "until": None,
               "time": "2026-12-01T10:00:00.000000000+07:00"}]
    lowered = {**paused[0], "value": "2"}
    assert [b["text"] for b in _call(page, "signs", "badges", paused, "")] == ["P", "L3"]
    assert [b["text"] for b in _call(page, "signs", "badges", [*paused, lowered], "")] == [
        "L2"]


def test_every_module_of_the_console_loads(server: Server, browser: Browser) -> None:
    page = tab(browser, server)
    modules = sorted(path.stem for path in STATIC.glob("js/*.js"))
    failed = page.evaluate("""async (names) => {
      const failed = [];
      for (const name of names) {
        try {
          await import(`/console/js/${name}.js`);
        } catch (error) {
          failed.push(`${name}: ${error}`);
        }
      }
      return failed;
    }""", modules)
    assert len(modules) > 10 and failed == []


def test_an_unknown_security_is_said_so_and_the_feed_asked_once(
        server: Server, browser: Browser) -> None:
    page = tab(browser, server)
    frames: list[str] = []
    page.on("websocket", lambda socket: socket.on(
        "framesent", lambda payload: frames.append(str(payload))))
    page.reload()
    page.goto(f"{server.http}/#/security/NOPE")
    problem = page.locator("p.result[data-kind='error']")
    expect(problem).to_contain_text("UNKNOWN_SECURITY")
    page.goto(f"{server.http}/#/watch")
    expect(page.locator("#watch tbody tr").first).to_be_visible()
    assert sum("security:NOPE" in frame for frame in frames) == 1
