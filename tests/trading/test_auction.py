"""Call auctions through the engine: allocation, cancellation, indicative price, the close."""

from __future__ import annotations

from siamex.trading.events import AuctionResult, Cancelled, DayClose, Indicative, PhaseChanged
from siamex.units import format_price
from tests.trading.harness import Session, of_type, reasons, stock, trades


def test_vector_18_demand_locked_at_the_ceiling_opens_one_tick_above_it() -> None:
    s = Session(stock("X", "10.00"))
    s.advance("09:30")
    s.new("09:31", "ato", "buy", 5000, symbol="X", type="ato")
    s.new("09:32", "ask", "sell", 1000, "13.00", symbol="X")
    events = s.advance("10:00")
    (auction,) = of_type(events, AuctionResult)
    assert (format_price(auction.price or 0), auction.qty) == ("13.10", 1000)
    assert trades(events) == [("13.10", 1000, "ato", "ask")]
    unfilled = of_type(events, Cancelled)
    assert [(c.id, c.qty, c.reason.value if c.reason else None) for c in unfilled] == [
        ("ato", 4000, "AUCTION_UNFILLED")]


def test_vector_17_market_orders_alone_open_at_the_reference() -> None:
    s = Session(stock("X", "25.00"))
    s.advance("09:30")
    s.new("09:31", "b", "buy", 1000, symbol="X", type="ato")
    s.new("09:32", "a", "sell", 1000, symbol="X", type="ato")
    assert trades(s.advance("10:00")) == [("25.00", 1000, "b", "a")]


def test_allocation_serves_ato_first_then_price_then_time_and_leaves_limits_resting() -> None:
    s = Session(stock("X", "10.00"))
    s.advance("09:30")
    s.new("09:31", "b-limit-early", "buy", 500, "10.10", symbol="X")
    s.new("09:32", "b-ato", "buy", 500, symbol="X", type="ato")
    s.new("09:33", "b-better", "buy", 500, "10.20", symbol="X")
    s.new("09:34", "b-limit-late", "buy", 500, "10.10", symbol="X")
    s.new("09:35", "s1", "sell", 1200, "10.00", symbol="X")
    events = s.advance("10:00")
    assert trades(events) == [("10.10", 500, "b-ato", "s1"), ("10.10", 500, "b-better", "s1"),
                              ("10.10", 200, "b-limit-early", "s1")]
    assert s.book("X", "buy") == [("b-limit-early", 300, 300), ("b-limit-late", 500, 500)]
    assert s.engine.instruments["X"].phase.value == "OPEN_1"


def test_the_indicative_price_follows_the_pre_open_book() -> None:
    s = Session(stock("X", "10.00"))
    s.advance("09:30")
    assert not of_type(s.new("09:31", "b", "buy", 1000, "10.10", symbol="X"), Indicative)
    (first,) = of_type(s.new("09:32", "a", "sell", 400, "10.00", symbol="X"), Indicative)
    assert (first.price, first.qty, first.imbalance) == (1010, 400, 600)
    (second,) = of_type(s.amend("09:33", "a", qty=1000), Indicative)
    assert (second.price, second.qty, second.imbalance) == (1000, 1000, 0)  # nearest 10.00
    assert not of_type(s.new("09:34", "far", "buy", 100, "9.00", symbol="X"), Indicative)
    (gone,) = of_type(s.cancel("09:35", "a"), Indicative)
    assert (gone.price, gone.qty) == (None, 0)


def test_ato_orders_are_taken_only_in_the_pre_opens_and_atc_only_in_the_pre_close() -> None:
    s = Session()
    s.advance("09:30")
    assert reasons(s.new("09:31", "atc", "buy", 100, type="atc")) == ["ORDER_TYPE_NOT_ALLOWED"]
    assert not reasons(s.new("09:32", "ato", "buy", 100, type="ato"))
    s.advance("16:30")
    assert reasons(s.new("16:31", "ato2", "buy", 100, type="ato")) == ["ORDER_TYPE_NOT_ALLOWED"]
    assert not reasons(s.new("16:32", "atc2", "buy", 100, type="atc"))


def test_the_afternoon_auction_uses_the_last_price_as_its_reference() -> None:
    s = Session(stock("X", "10.00"))
    s.advance("10:00")
    s.new("10:01", "a", "sell", 100, "10.50", symbol="X")
    s.new("10:02", "b", "buy", 100, "10.50", symbol="X")
    s.advance("13:30")
    s.new("13:31", "b2", "buy", 1000, "10.60", symbol="X")
    s.new("13:32", "a2", "sell", 1000, "10.20", symbol="X")
    (auction,) = of_type(s.advance("14:00"), AuctionResult)
    assert (auction.reference, auction.price) == (1050, 1050)


def test_the_closing_auction_sets_the_close_and_the_day_average() -> None:
    s = Session(stock("X", "10.00"))
    s.advance("10:00")
    s.new("10:01", "a", "sell", 300, "10.10", symbol="X")
    s.new("10:02", "b", "buy", 300, "10.10", symbol="X")
    s.advance("16:30")
    s.new("16:31", "c", "buy", 100, "10.20", symbol="X")
    s.new("16:32", "d", "sell", 100, type="atc", symbol="X")
    events = s.advance("16:40")
    (close,) = of_type(events, DayClose)
    # zero imbalance at every price up to 10.20: the one closest to the last price, 10.10
    assert (close.close, close.volume, close.value) == (1010, 400, 400 * 1010)
    assert [p.phase.value for p in of_type(events, PhaseChanged)] == ["OFF_HOUR"]
    assert s.engine.closes["X"] == 1010


def test_a_day_without_trades_closes_with_no_price_and_keeps_the_previous_close() -> None:
    s = Session(stock("X", "10.00"))
    (close,) = of_type(s.advance("17:00"), DayClose)
    assert close.close is None and close.volume == 0
    assert s.engine.closes["X"] == 1000
