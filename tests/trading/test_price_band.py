"""The Dynamic Price Band: an auto-matched execution stays within 10% of the last price; the
execution that would leave it stops matching and starts a two-minute pre-open (6.2, T11)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.trading.events import AuctionResult, Cancelled, PhaseChanged, StatusChanged, Trade
from siamex.units import parse_price
from tests.trading.harness import Session, of_type, stock, trades


def _day(prev: str = "10.00", **rules: Any) -> Session:
    s = Session(stock("X", prev), rules=dict(rules))
    s.advance("10:00")
    return s


def test_vector_35_the_sweep_stops_at_the_band_and_the_security_pre_opens() -> None:
    s = _day()
    s.new("10:01", "a1", "sell", 500, "10.50", symbol="X", member="M2", account="B1")
    s.new("10:02", "a2", "sell", 500, "11.60", symbol="X", member="M2", account="B1")
    events = s.new("10:03", "b1", "buy", 1000, "11.80", symbol="X")
    assert trades(events) == [("10.50", 500, "b1", "a1")]
    assert [(e.what, e.value) for e in of_type(events, StatusChanged)] == [
        ("dynamic_price_band", "11.60")]
    assert s.phase("X") == "PRE_OPEN"
    assert s.book("X", "buy") == [("b1", 500, 500)]
    events = s.advance("10:05:00")
    assert [(a.session, a.price, a.qty) for a in of_type(events, AuctionResult)] == [
        ("resume", parse_price("11.60"), 500)]
    assert [e.phase.value for e in of_type(events, PhaseChanged)] == ["OPEN_1"]


def test_an_execution_exactly_at_the_band_edge_trades() -> None:
    s = _day()
    s.new("10:01", "a1", "sell", 500, "11.00", symbol="X", member="M2", account="B1")
    assert trades(s.new("10:02", "b1", "buy", 500, "11.00", symbol="X")) == [
        ("11.00", 500, "b1", "a1")]
    assert s.phase("X") == "OPEN_1"


def test_one_tick_beyond_the_band_triggers() -> None:
    s = _day()
    s.new("10:01", "a1", "sell", 500, "11.10", symbol="X", member="M2", account="B1")
    events = s.new("10:02", "b1", "buy", 500, "11.10", symbol="X")
    assert trades(events) == []
    assert s.phase("X") == "PRE_OPEN"


def test_the_reference_moves_with_each_execution() -> None:
    s = _day()
    for n, price in enumerate(["10.90", "11.80", "12.90"]):
        s.new(f"10:01:0{n}", f"a{n}", "sell", 100, price, symbol="X", member="M2", account="B1")
    events = s.new("10:02", "b1", "buy", 300, "13.00", symbol="X")
    assert [t[0] for t in trades(events)] == ["10.90", "11.80", "12.90"]


def test_a_market_order_remainder_is_cancelled_at_the_band() -> None:
    s = _day()
    s.new("10:01", "a1", "sell", 100, "10.50", symbol="X", member="M2", account="B1")
    s.new("10:02", "a2", "sell", 100, "12.00", symbol="X", member="M2", account="B1")
    events = s.new("10:03", "m1", "buy", 200, symbol="X", type="mp_mkt")
    assert trades(events) == [("10.50", 100, "m1", "a1")]
    assert [(c.id, c.reason and c.reason.value) for c in of_type(events, Cancelled)] == [
        ("m1", "DYNAMIC_PRICE_BAND")]


def test_a_security_below_one_baht_has_no_band() -> None:
    s = _day("0.95")
    s.new("10:01", "a1", "sell", 100, "1.20", symbol="X", member="M2", account="B1")
    assert trades(s.new("10:02", "b1", "buy", 100, "1.20", symbol="X")) == [
        ("1.20", 100, "b1", "a1")]


def test_zero_turns_the_band_off() -> None:
    s = _day(dynamic_price_band_pct=0)
    s.new("10:01", "a1", "sell", 100, "12.00", symbol="X", member="M2", account="B1")
    assert trades(s.new("10:02", "b1", "buy", 100, "12.00", symbol="X")) == [
        ("12.00", 100, "b1", "a1")]


PRICES = ["9.00", "9.40", "9.80", "10.00", "10.30", "10.60", "11.00", "11.50"]
orders = st.lists(st.tuples(st.sampled_from(["buy", "sell"]), st.sampled_from(PRICES),
                            st.integers(min_value=1, max_value=5)), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(orders)
def test_no_continuous_trade_leaves_the_band_around_the_one_before(
        rows: list[tuple[str, str, int]]) -> None:
    s = _day(dynamic_price_band_pct=5)
    last = parse_price("10.00")
    for n, (side, price, lots) in enumerate(rows):
        events = s.new(f"10:{5 + n // 2:02d}:{(n % 2) * 30:02d}", f"o{n}", side, lots * 100,
                       price, symbol="X", member=f"M{n}", account=f"A{n}")
        events += s.advance(f"10:{5 + n // 2:02d}:{(n % 2) * 30 + 29:02d}")
        for trade in of_type(events, Trade):
            if trade.aggressor != "auction":
                assert abs(trade.price - last) * 100 <= 5 * last, (trade, last)
            last = trade.price
