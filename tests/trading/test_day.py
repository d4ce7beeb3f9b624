"""Order validity over the day and from day to day (set-trading-rules.md 4.2; decision T18)."""

from __future__ import annotations

import datetime as dt

from siamex.trading.commands import InstrumentSpec
from siamex.trading.events import Cancelled
from tests.trading.bare_day import bare_day, ts
from tests.trading.harness import Session, of_type, reasons, stock


def _cancelled(events: list[object]) -> list[tuple[str, str | None]]:
    return [(c.id, c.reason.value if c.reason else None)
            for c in of_type(events, Cancelled)]  # type: ignore[arg-type]


def test_day_orders_expire_when_the_day_ends_and_long_lived_ones_stay() -> None:
    s = Session()
    s.new("10:01", "day", "buy", 100, "63.00")
    s.new("10:02", "gtc", "buy", 100, "63.00", validity="gtc")
    s.new("10:03", "odd", "buy", 10, "63.00")
    assert _cancelled(s.advance("17:00")) == [("day", "EXPIRED"), ("odd", "EXPIRED")]
    assert s.book(side="buy") == [("gtc", 100, 100)]


def _next_day(s: Session, date: dt.date, prev_close: str = "64.00") -> Session:
    return Session(stock("AOT", prev_close), date=date, engine=s.engine)


def test_gtc_orders_re_enter_the_next_pre_open_in_their_time_order() -> None:
    s = Session()
    s.new("10:01", "first", "buy", 100, "63.00", validity="gtc")
    s.new("10:02", "second", "buy", 100, "63.00", validity="gtd", expire_date="2026-11-23")
    s.new("10:03", "third", "buy", 100, "63.50", validity="gtc")
    s.advance("17:00")
    nxt = _next_day(s, dt.date(2026, 11, 23))
    assert nxt.book(side="buy") == [("third", 100, 100), ("first", 100, 100),
                                    ("second", 100, 100)]
    assert not reasons(nxt.cancel("09:00", "first"))


def test_a_carried_order_outside_the_new_limits_is_cancelled() -> None:
    s = Session()
    s.new("10:01", "high", "sell", 100, "80.00", validity="gtc")
    s.advance("17:00")
    nxt = _next_day(s, dt.date(2026, 11, 23), prev_close="60.00")
    assert _cancelled(nxt.events) == [("high", "PRICE_LIMIT")]


def test_gtd_orders_expire_after_their_date_and_gtc_after_thirty_days() -> None:
    s = Session()
    s.new("10:01", "gtd", "buy", 100, "63.00", validity="gtd", expire_date="2026-11-20")
    s.new("10:02", "gtc", "buy", 100, "63.00", validity="gtc")
    s.advance("17:00")
    nxt = _next_day(s, dt.date(2026, 11, 23))
    assert _cancelled(nxt.events) == [("gtd", "EXPIRED")]
    nxt.advance("17:00")
    later = _next_day(nxt, dt.date(2026, 12, 21))
    assert _cancelled(later.events) == [("gtc", "EXPIRED")]


def test_a_carried_order_of_a_security_not_listed_any_more_is_cancelled() -> None:
    s = Session()
    s.new("10:01", "gtc", "buy", 100, "63.00", validity="gtc")
    s.advance("17:00")
    nxt = Session(stock("PTT", "33.50"), date=dt.date(2026, 11, 23), engine=s.engine)
    assert _cancelled(nxt.events) == [("gtc", "DELISTED")]


def test_the_next_day_limits_come_from_the_close_when_no_previous_close_is_given() -> None:
    from siamex.trading.commands import InstrumentSpec

    s = Session()
    s.advance("10:00")
    s.new("10:01", "a", "sell", 100, "70.00")
    s.new("10:02", "b", "buy", 100, "70.00")
    s.advance("17:00")
    nxt = Session(InstrumentSpec("AOT"), date=dt.date(2026, 11, 23), engine=s.engine)
    inst = nxt.engine.instruments["AOT"]
    assert (inst.prev_close, inst.ceiling, inst.floor) == (7000, 9100, 4900)


def test_a_first_trading_day_uses_the_ipo_rule() -> None:
    from siamex.trading.commands import InstrumentSpec

    s = Session(InstrumentSpec("OR", ipo_price=1800))
    inst = s.engine.instruments["OR"]
    assert (inst.ceiling, inst.floor, inst.reference()) == (5400, 1, 1800)


def test_a_gtd_date_is_written_yyyy_mm_dd_only() -> None:
    s = Session()
    for n, day in enumerate(("20261120", "2026-W47-5", "2026-324")):
        events = s.new(f"10:0{n}", f"gtd{n}", "buy", 100, "63.00", validity="gtd",
                       expire_date=day)
        assert reasons(events) == ["INVALID"]


def test_the_day_asks_its_order_flow_for_each_auction_and_for_the_close() -> None:
    day, flow = bare_day(InstrumentSpec("AOT", 6400), InstrumentSpec("PTT", 3300))
    day.advance(ts("17:00"), flow, [])
    assert flow.calls == [
        ("10:00", "AOT", "open1"), ("10:00", "PTT", "open1"),
        ("14:00", "AOT", "open2"), ("14:00", "PTT", "open2"),
        ("16:40", "AOT", "close"), ("16:40", "PTT", "close"),
        ("17:00", "*", "close_market")]
    assert sorted(day.closes.items()) == [("AOT", 6400), ("PTT", 3300)]
