"""Client order ids are unique among live orders (decision 11), and the engine's memory holds
the live orders, never the orders already finished."""

from __future__ import annotations

import datetime as dt
import tracemalloc

from siamex.trading.commands import TradeReport
from siamex.units import parse_price
from tests.trading.harness import Session, reasons, stock


def _trade_and_cancel(s: Session, first: int, count: int) -> None:
    """Orders that all finish: a buy filled by a sell, and an order cancelled."""
    for n in range(first, first + count):
        at = f"10:{n // 60_000 % 60:02d}:{n // 1000 % 60:02d}.{n % 1000:03d}"
        s.new(at, f"b{n}", "buy", 100, "64.00")
        s.new(at, f"s{n}", "sell", 100, "64.00", member="M2", account="A2")
        s.new(at, f"c{n}", "buy", 100, "63.00")
        s.cancel(at, f"c{n}")


def test_finished_orders_leave_nothing_behind() -> None:
    s = Session(stock(), rules={"min_resting_time_ms": 0})
    s.advance("10:00")
    _trade_and_cancel(s, 0, 2_000)  # every kind of object the flow makes, made once
    s.log.clear()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        _trade_and_cancel(s, 2_000, 20_000)
        s.log.clear()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not s.engine.orders
    assert after - before < 64 * 1024  # 60,000 orders gone; an id kept each would be ~5 MB


def test_an_id_is_refused_while_its_order_lives_and_free_once_it_is_gone() -> None:
    s = Session(stock(), rules={"min_resting_time_ms": 0})
    s.advance("10:00")
    s.new("10:01", "a", "buy", 100, "63.00")
    assert reasons(s.new("10:02", "a", "sell", 100, "65.00")) == ["DUPLICATE_ID"]
    s.cancel("10:03", "a")
    assert not reasons(s.new("10:04", "a", "buy", 100, "63.00"))  # cancelled: free again


def test_a_day_order_expired_at_the_close_frees_its_id_but_a_carried_gtc_order_keeps_its() -> None:
    s = Session(stock())
    s.advance("10:00")
    s.new("10:01", "day", "buy", 100, "63.00")
    s.new("10:02", "gtc", "buy", 100, "62.00", validity="gtc")
    s.advance("17:00")
    later = Session(stock(prev_close=None), date=dt.date(2026, 11, 23), engine=s.engine)
    later.advance("10:00")
    assert not reasons(later.new("10:01", "day", "sell", 100, "65.00"))
    assert reasons(later.new("10:02", "gtc", "sell", 100, "65.00")) == ["DUPLICATE_ID"]


def test_a_trade_report_waiting_for_its_buyer_holds_its_id() -> None:
    s = Session(stock())
    s.advance("10:00")
    s.op(TradeReport, "10:30", "r1", "AOT", 1_000_000, parse_price("64.00"), "M1", "A1", "M2",
         "B1")
    assert reasons(s.new("10:31", "r1", "buy", 100, "63.00")) == ["DUPLICATE_ID"]
