"""Market-surveillance levels: cash balance from level 1, auction-only trading from level 2 with
no-matching periods between the auctions, and level 3's one-day pause (7.2, T21, T22)."""

from __future__ import annotations

from siamex.trading.commands import SetSurveillanceLevel
from siamex.trading.events import AuctionResult, PhaseChanged
from tests.trading.harness import Session, of_type, reasons, stock, trades


def test_level_one_requires_cash_balance_buys() -> None:
    s = Session(stock(surveillance_level=1))
    s.advance("10:00")
    assert reasons(s.new("10:05", "b1", "buy", 100, "64.00")) == ["CASH_BALANCE_REQUIRED"]
    assert not reasons(s.new("10:06", "b2", "buy", 100, "64.00", cash_balance=True))
    assert s.phase() == "OPEN_1"


def test_level_two_trades_only_in_auctions_vector_37() -> None:
    s = Session(stock(surveillance_level=2))
    s.new("09:45", "b1", "buy", 500, "64.00", cash_balance=True)
    s.new("09:46", "s1", "sell", 300, "64.00", member="M2", account="B1")
    events = s.advance("10:00")
    assert trades(events) == [("64.00", 300, "b1", "s1")]
    assert s.phase() == "NO_MATCHING"
    assert reasons(s.new("10:30", "n1", "buy", 100, "64.00", cash_balance=True)) == [
        "NO_MATCHING_PERIOD"]
    assert not reasons(s.amend("10:30", "b1", qty=400))
    assert not reasons(s.cancel("10:31", "b1"))
    s.advance("16:31")
    assert s.phase() == "PRE_CLOSE"
    assert not reasons(s.new("16:32", "n2", "buy", 100, "64.00", cash_balance=True))


def test_an_amend_in_a_no_matching_period_never_trades() -> None:
    s = Session(stock(surveillance_level=2))
    s.new("09:50", "b1", "buy", 100, "64.00", cash_balance=True)
    s.new("09:51", "s1", "sell", 100, "64.50", member="M2", account="B1")
    s.advance("10:01")
    assert trades(s.amend("10:05", "s1", price="63.75")) == []
    events = s.advance("14:00")
    assert trades(events) == [("64.00", 100, "b1", "s1")]
    assert [a.session for a in of_type(events, AuctionResult)] == ["open2"]


def test_level_three_pauses_the_security_for_the_day() -> None:
    s = Session(stock(surveillance_level=3, surveillance_pause=True))
    assert s.phase() == "PAUSED"
    s.advance("10:00")
    assert s.phase() == "PAUSED"
    assert reasons(s.new("10:05", "b1", "buy", 100, "64.00", cash_balance=True)) == ["HALTED"]
    s.advance("16:45")
    assert s.phase() == "PAUSED"


def test_level_three_after_its_pause_trades_by_auction_only() -> None:
    s = Session(stock(surveillance_level=3, surveillance_pause=False))
    s.advance("10:00")
    assert s.phase() == "NO_MATCHING"


def test_raising_the_level_in_a_session_stops_matching_at_once() -> None:
    s = Session()
    s.advance("10:00")
    events = s.op(SetSurveillanceLevel, "10:30", "AOT", 2)
    assert [(e.symbol, e.phase.value) for e in of_type(events, PhaseChanged)] == [
        ("AOT", "NO_MATCHING")]


def test_lowering_the_level_resumes_continuous_trading_through_a_pre_open() -> None:
    s = Session(stock(surveillance_level=2))
    s.advance("10:30")
    events = s.op(SetSurveillanceLevel, "10:30", "AOT", 0)
    assert [e.phase.value for e in of_type(events, PhaseChanged)] == ["PRE_OPEN"]
    s.advance("10:41")
    assert s.phase() == "OPEN_1"


def test_a_pause_belongs_to_level_three_only() -> None:
    s = Session()
    assert reasons(s.op(SetSurveillanceLevel, "10:30", "AOT", 2, True, "x")) == ["INVALID"]
