"""Trade reports (put-through): big lots from 1,000,000 shares or 3,000,000 THB during the day
within the limits; ordinary off-hour reports after the close at the close or the average
price; the foreign board within +-60%; one firm trades at once, two firms on the buyer's
confirmation; nothing after 17:00 (2.3, 5, T20)."""

from __future__ import annotations

from typing import Any

from siamex.trading.commands import ConfirmTradeReport, Halt, TradeReport
from siamex.trading.events import Cancelled, Trade, TradeReportPending
from siamex.units import parse_price
from tests.trading.harness import Session, of_type, reasons, stock


def _report(s: Session, at: str, cid: str, qty: int, price: str, symbol: str = "X",
            buyer: str = "M1", **kw: Any) -> list[Any]:
    return s.op(TradeReport, at, cid, symbol, qty, parse_price(price), "M1", "A1", buyer, "B1",
                **kw)


def _boards(events: list[Any]) -> list[tuple[str, int, str, str]]:
    return [(t.board.value, t.qty, t.aggressor, t.buy_member) for t in of_type(events, Trade)]


def _day() -> Session:
    s = Session(stock("X", "5.00"), stock("X-F", "5.00", board="foreign"))
    s.advance("10:00")
    return s


def test_a_report_of_exactly_three_million_baht_is_a_big_lot_vector_30() -> None:
    s = _day()
    assert _boards(_report(s, "10:30", "r1", 600_000, "5.00")) == [
        ("big_lot", 600_000, "trade_report", "M1")]


def test_a_smaller_report_before_the_close_is_refused() -> None:
    s = _day()
    assert reasons(_report(s, "10:30", "r1", 599_900, "5.00")) == ["TRADE_REPORT_SIZE"]


def test_a_million_shares_is_a_big_lot_whatever_its_value() -> None:
    s = _day()
    assert _boards(_report(s, "10:30", "r1", 1_000_000, "4.00")) == [
        ("big_lot", 1_000_000, "trade_report", "M1")]


def test_a_big_lot_must_lie_within_the_day_limits() -> None:
    s = _day()
    assert reasons(_report(s, "10:30", "r1", 1_000_000, "6.55")) == ["TRADE_REPORT_PRICE"]
    assert not reasons(_report(s, "10:31", "r2", 1_000_000, "6.50"))


def test_the_price_need_not_be_on_the_tick_grid() -> None:
    s = _day()
    assert not reasons(_report(s, "10:30", "r1", 1_000_000, "5.01"))


def test_an_off_hour_report_uses_the_close_or_the_average_vector_29() -> None:
    s = _day()
    s.new("10:01", "s1", "sell", 200, "5.00", symbol="X", member="M2", account="B1")
    s.new("10:02", "b1", "buy", 100, "5.00", symbol="X")
    s.new("10:03", "b2", "buy", 100, "5.00", symbol="X")
    s.new("10:04", "s2", "sell", 100, "5.10", symbol="X", member="M2", account="B1")
    s.new("10:05", "b3", "buy", 100, "5.10", symbol="X")
    s.advance("16:41")
    # close 5.10; average (2 x 500 + 510) / 3 = 503.33 satang, rounded to 5.03
    assert reasons(_report(s, "16:45", "r1", 100, "5.00")) == ["TRADE_REPORT_PRICE"]
    assert _boards(_report(s, "16:46", "r2", 100, "5.10")) == [
        ("off_hour", 100, "trade_report", "M1")]
    assert not reasons(_report(s, "16:47", "r3", 100, "5.03"))


def test_with_no_trade_today_an_off_hour_report_uses_the_previous_close_vector_31() -> None:
    s = _day()
    s.advance("16:41")
    assert not reasons(_report(s, "16:45", "r1", 100, "5.00"))
    assert reasons(_report(s, "16:46", "r2", 100, "5.05")) == ["TRADE_REPORT_PRICE"]


def test_no_report_is_taken_from_17_00_vector_28() -> None:
    s = _day()
    assert reasons(_report(s, "17:00", "r1", 1_000_000, "5.00")) == ["MARKET_CLOSED"]
    assert reasons(_report(s, "17:05", "r2", 1_000_000, "5.00")) == ["MARKET_CLOSED"]


def test_the_foreign_board_takes_reports_within_sixty_percent() -> None:
    s = _day()
    assert _boards(_report(s, "10:30", "f1", 100, "8.00", symbol="X-F")) == [
        ("foreign", 100, "trade_report", "M1")]
    assert reasons(_report(s, "10:31", "f2", 100, "8.05", symbol="X-F")) == [
        "TRADE_REPORT_PRICE"]


def test_a_two_firm_report_trades_when_the_buyer_confirms() -> None:
    s = _day()
    events = _report(s, "10:30", "r1", 1_000_000, "5.00", buyer="M2")
    assert [(p.id, p.board.value) for p in of_type(events, TradeReportPending)] == [
        ("r1", "big_lot")]
    assert not of_type(events, Trade)
    assert reasons(s.op(ConfirmTradeReport, "10:31", "r1", "M3")) == ["NOT_OWNER"]
    assert _boards(s.op(ConfirmTradeReport, "10:32", "r1", "M2")) == [
        ("big_lot", 1_000_000, "trade_report", "M2")]
    assert reasons(s.op(ConfirmTradeReport, "10:33", "r1", "M2")) == ["UNKNOWN_ORDER"]


def test_an_unconfirmed_report_is_cancelled_at_17_00() -> None:
    s = _day()
    _report(s, "10:30", "r1", 1_000_000, "5.00", buyer="M2")
    events = s.advance("17:00")
    assert [(c.id, c.reason and c.reason.value) for c in of_type(events, Cancelled)] == [
        ("r1", "TRADE_REPORT_UNCONFIRMED")]


def test_report_trades_stay_out_of_the_day_statistics() -> None:
    s = _day()
    _report(s, "10:30", "r1", 1_000_000, "5.50")
    inst = s.engine.instruments["X"]
    assert (inst.volume, inst.last_price) == (0, 0)


def test_a_halted_security_takes_no_reports() -> None:
    s = _day()
    s.op(Halt, "10:20", "X")
    assert reasons(_report(s, "10:30", "r1", 1_000_000, "5.00")) == ["HALTED"]


def test_a_board_that_is_not_the_securitys_own_is_refused() -> None:
    s = _day()
    assert reasons(_report(s, "10:30", "r1", 1_000_000, "5.00", board="foreign")) == ["INVALID"]


def test_report_ids_share_the_order_id_space() -> None:
    s = _day()
    s.new("10:01", "o1", "buy", 100, "5.00", symbol="X")
    assert reasons(_report(s, "10:30", "o1", 1_000_000, "5.00")) == ["DUPLICATE_ID"]
