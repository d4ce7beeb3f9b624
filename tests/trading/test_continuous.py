"""Continuous matching, order types and validities (set-trading-rules.md 2.1, 4.1-4.2)."""

from __future__ import annotations

from siamex.trading.commands import MemberSpec
from siamex.trading.events import Accepted, Cancelled
from tests.trading.harness import Session, of_type, reasons, stock, trades


def opened(*args: object, **kwargs: object) -> Session:
    session = Session(*args, **kwargs)  # type: ignore[arg-type]
    session.advance("10:00")
    return session


def cancels(events: list[object]) -> list[tuple[str, int, str | None]]:
    return [(c.id, c.qty, c.reason.value if c.reason else None)
            for c in of_type(events, Cancelled)]  # type: ignore[arg-type]


def test_price_then_time_priority_at_the_resting_price() -> None:
    s = opened()
    s.new("10:01", "s1", "sell", 300, "64.25")
    s.new("10:02", "s2", "sell", 300, "64.00")
    s.new("10:03", "s3", "sell", 300, "64.00")
    events = s.new("10:04", "b1", "buy", 700, "64.25")
    assert trades(events) == [("64.00", 300, "b1", "s2"), ("64.00", 300, "b1", "s3"),
                              ("64.25", 100, "b1", "s1")]
    assert s.book(side="sell") == [("s1", 200, 200)]


def test_vector_19_market_to_limit_rests_its_remainder_at_its_price() -> None:
    s = opened(stock("AOT", "50.00"))
    s.new("10:01", "t1", "sell", 300, "50.00")
    s.new("10:02", "t2", "sell", 200, "50.00")
    s.new("10:03", "far", "sell", 1000, "50.25")
    events = s.new("10:04", "mtl", "buy", 800, type="mp_mtl")
    assert trades(events) == [("50.00", 300, "mtl", "t1"), ("50.00", 200, "mtl", "t2")]
    assert s.engine.orders["mtl"].price == 5000
    assert s.engine.orders["mtl"].remaining == 300
    assert s.book(side="buy") == [("mtl", 300, 300)]


def test_vector_19_market_order_sweeps_and_cancels_nothing_left() -> None:
    s = opened(stock("AOT", "50.00"))
    s.new("10:01", "t1", "sell", 300, "50.00")
    s.new("10:02", "t2", "sell", 200, "50.00")
    s.new("10:03", "far", "sell", 1000, "50.25")
    events = s.new("10:04", "mkt", "buy", 800, type="mp_mkt")
    assert trades(events)[-1] == ("50.25", 300, "mkt", "far")
    assert not cancels(events)
    events = s.new("10:05", "mkt2", "buy", 1000, type="mp_mkt")
    assert cancels(events) == [("mkt2", 300, "FAK_REMAINDER")]


def test_market_orders_against_an_empty_side_are_cancelled() -> None:
    s = opened(stock("AOT", "50.00"))
    for kind in ("mp_mkt", "mp_mtl"):
        events = s.new("10:01", kind, "buy", 100, type=kind)
        assert of_type(events, Accepted)
        assert cancels(events) == [(kind, 100, "NO_OPPOSITE_ORDER")]


def test_vector_20_fill_or_kill_and_fill_and_kill() -> None:
    s = opened(stock("AOT", "50.00"))
    s.new("10:01", "ask", "sell", 600, "50.00")
    events = s.new("10:02", "fok", "buy", 1000, "50.00", validity="fok")
    assert not trades(events)
    assert cancels(events) == [("fok", 1000, "FOK_UNFILLED")]
    assert s.book() == [("ask", 600, 600)]
    events = s.new("10:03", "fak", "buy", 1000, "50.00", validity="fak")
    assert trades(events) == [("50.00", 600, "fak", "ask")]
    assert cancels(events) == [("fak", 400, "FAK_REMAINDER")]


def test_a_fill_or_kill_that_fits_across_levels_fills() -> None:
    s = opened(stock("AOT", "50.00"))
    s.new("10:01", "a1", "sell", 600, "50.00")
    s.new("10:02", "a2", "sell", 400, "50.25")
    events = s.new("10:03", "fok", "buy", 1000, "50.25", validity="fok")
    assert [t[1] for t in trades(events)] == [600, 400]


def test_vector_21_amend_down_keeps_priority_and_up_loses_it() -> None:
    s = opened(stock("X", "20.00"))
    s.new("10:01", "first", "buy", 1000, "20.00", symbol="X")
    s.new("10:02", "second", "buy", 1000, "20.00", symbol="X")
    s.amend("10:03", "first", qty=600)
    assert s.book("X", "buy") == [("first", 600, 600), ("second", 1000, 1000)]
    s.amend("10:04", "first", qty=1200)
    assert s.book("X", "buy") == [("second", 1000, 1000), ("first", 1200, 1200)]


def test_a_new_price_loses_priority_and_can_trade_at_once() -> None:
    s = opened()
    s.new("10:01", "bid", "buy", 500, "63.75")
    s.new("10:02", "ask", "sell", 500, "64.25")
    events = s.amend("10:03", "bid", price="64.25")
    assert trades(events) == [("64.25", 500, "bid", "ask")]


def test_amend_of_a_partly_filled_order_counts_the_filled_quantity() -> None:
    s = opened()
    s.new("10:01", "bid", "buy", 1000, "64.00")
    s.new("10:02", "ask", "sell", 400, "64.00")
    assert reasons(s.amend("10:03", "bid", qty=400)) == ["AMEND_NOT_ALLOWED"]
    s.amend("10:04", "bid", qty=500)
    assert s.book(side="buy") == [("bid", 100, 100)]


def test_an_iceberg_shows_its_slice_and_refills_at_the_back() -> None:
    s = opened()
    s.new("10:01", "ice", "sell", 1000, "64.00", published_qty=300)
    s.new("10:02", "plain", "sell", 200, "64.00")
    assert s.book() == [("ice", 1000, 300), ("plain", 200, 200)]
    events = s.new("10:03", "b", "buy", 600, "64.00")
    assert trades(events) == [("64.00", 300, "b", "ice"), ("64.00", 200, "b", "plain"),
                              ("64.00", 100, "b", "ice")]
    assert s.book() == [("ice", 600, 200)]


def test_an_iceberg_taken_whole_by_one_order_leaves_the_book_once() -> None:
    s = opened()
    s.new("10:01", "ice", "sell", 500, "64.00", published_qty=200)
    events = s.new("10:02", "b", "buy", 500, "64.00")
    assert trades(events) == [("64.00", 200, "b", "ice"), ("64.00", 200, "b", "ice"),
                              ("64.00", 100, "b", "ice")]
    assert s.book() == [] and "ice" not in s.engine.orders
    assert not reasons(s.new("10:03", "ice", "sell", 100, "64.00"))  # a finished id is free


def test_vector_23_board_lot_and_maximum_size() -> None:
    s = opened()
    assert reasons(s.new("10:01", "a", "buy", 150, "64.00")) == ["BOARD_LOT"]
    assert reasons(s.new("10:02", "b", "buy", 10_000_100, "64.00")) == ["MAX_ORDER_QTY"]
    assert not reasons(s.new("10:03", "c", "buy", 10_000_000, "64.00"))


def test_a_fifty_share_board_lot() -> None:
    s = opened(stock("DELTA", "520.00", board_lot=50))
    assert not reasons(s.new("10:01", "a", "buy", 150, "520.00", symbol="DELTA"))
    assert reasons(s.new("10:02", "b", "buy", 175, "520.00", symbol="DELTA")) == ["BOARD_LOT"]


def test_the_odd_lot_board_is_its_own_book_and_sets_no_main_price() -> None:
    s = opened()
    s.new("10:01", "odd-sell", "sell", 40, "64.00")
    s.new("10:02", "main-buy", "buy", 100, "64.00")
    events = s.new("10:03", "odd-buy", "buy", 60, "64.25")
    assert trades(events) == [("64.00", 40, "odd-buy", "odd-sell")]
    assert s.engine.instruments["AOT"].last_price == 0
    assert s.book(side="buy") == [("main-buy", 100, 100)]


def test_odd_lots_trade_only_in_the_continuous_sessions_and_only_as_limits() -> None:
    s = Session()
    s.advance("09:30")
    assert reasons(s.new("09:31", "o1", "buy", 50, "64.00")) == ["MARKET_CLOSED"]
    s.advance("10:00")
    assert reasons(s.new("10:01", "o2", "buy", 50, type="mp_mkt")) == ["ORDER_TYPE_NOT_ALLOWED"]


def test_self_match_prevention_cancels_the_incoming_remainder_when_on() -> None:
    s = opened(members=[MemberSpec("M1", self_match_prevention=True)])
    s.new("10:01", "other", "sell", 100, "64.00", member="M2", account="B")
    s.new("10:02", "own", "sell", 100, "64.00", member="M1", account="A1")
    events = s.new("10:03", "b", "buy", 500, "64.00", member="M1", account="A1")
    assert trades(events) == [("64.00", 100, "b", "other")]
    assert cancels(events) == [("b", 400, "SELF_MATCH")]
    assert s.book() == [("own", 100, 100)]


def test_self_match_prevention_is_off_by_default() -> None:
    s = opened()
    s.new("10:01", "own", "sell", 100, "64.00")
    assert trades(s.new("10:02", "b", "buy", 100, "64.00")) == [("64.00", 100, "b", "own")]


def test_a_cancel_takes_the_remainder_out_of_the_book() -> None:
    s = opened()
    s.new("10:01", "a", "sell", 300, "64.00")
    assert cancels(s.cancel("10:02", "a")) == [("a", 300, None)]
    assert s.book() == []
    assert reasons(s.cancel("10:03", "a")) == ["UNKNOWN_ORDER"]


def test_trades_carry_both_sides_members_and_accounts() -> None:
    s = opened()
    s.new("10:01", "a", "sell", 100, "64.00", member="M2", account="B9")
    trade = s.new("10:02", "b", "buy", 100, "64.00", member="M1", account="A1")[-1]
    assert (trade.buy_member, trade.buy_account, trade.sell_member, trade.sell_account,
            trade.aggressor) == ("M1", "A1", "M2", "B9", "buy")  # type: ignore[union-attr]
