"""The engine's memory holds the live orders, never the orders already finished."""

from __future__ import annotations

import tracemalloc

from tests.trading.harness import Session, stock


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
