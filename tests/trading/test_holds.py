"""Holds stack: a stop (H, SP, P) sits over a temporary hold (circuit breaker, Auto Pause,
price band, resumption pre-open), whose steps run on underneath; lifting the stop returns to
what is left of the hold, and an auction that triggers a hold does not undo it (day.py)."""

from __future__ import annotations

from siamex.trading.commands import Halt, Resume, SetSurveillanceLevel
from siamex.trading.events import AuctionResult, Trade
from tests.trading.harness import Session, of_type, reasons, stock


def _market() -> Session:
    s = Session(stock("AOT", "64.00", listed_shares=1_000_000, index_member=("SET",)),
                stock("PTT", "30.00", listed_shares=1_000_000), indices=[("SET", "1500.00")])
    s.advance("10:00")
    return s


def test_a_breaker_triggered_by_a_resumption_auction_halts_its_own_security_too() -> None:
    s = _market()
    s.op(Halt, "10:30", "AOT")
    s.op(Resume, "10:31", "AOT")
    s.new("10:32", "b1", "buy", 100, "58.75")
    s.new("10:32", "s1", "sell", 100, "58.75", member="M2", account="B1")
    events = s.advance("10:42")
    assert [t.price for t in of_type(events, Trade)] == [5875]
    assert (s.phase("AOT"), s.phase("PTT")) == ("HALTED", "HALTED")
    assert reasons(s.new("10:43", "b2", "buy", 100, "58.75")) == ["HALTED"]


def test_an_operator_halt_over_a_pause_day_gives_back_the_pause() -> None:
    s = Session(stock(surveillance_level=3, surveillance_pause=True))
    s.advance("10:00")
    s.op(Halt, "10:30", "AOT")
    s.op(Resume, "11:00", "AOT")
    assert s.phase() == "PAUSED"
    events = s.advance("16:45")
    assert not of_type(events, AuctionResult)


def test_lowering_the_level_under_an_operator_halt_keeps_the_halt() -> None:
    s = Session(stock(surveillance_level=3, surveillance_pause=True))
    s.advance("10:00")
    s.op(Halt, "10:30", "AOT")
    s.op(SetSurveillanceLevel, "10:40", "AOT", 1)
    assert s.phase() == "HALTED"
    assert not reasons(s.op(Resume, "10:50", "AOT"))
    assert s.phase() == "PRE_OPEN"


def test_a_halt_during_an_auto_pause_gives_back_the_rest_of_the_pause() -> None:
    s = Session(stock("X", "10.00", listed_shares=10_000_000))
    s.advance("10:00")
    s.new("10:30", "b1", "buy", 1_500_100, "10.00", symbol="X")
    assert s.phase("X") == "PAUSED"
    s.op(Halt, "10:35", "X")
    s.op(Resume, "10:36", "X")
    assert s.phase("X") == "PAUSED"
    s.advance("11:10")
    assert s.phase("X") == "PRE_OPEN"
    events = s.advance("11:30")
    assert [a.session for a in of_type(events, AuctionResult)] == ["resume"]


def test_a_security_resumed_during_the_breaker_halt_stays_halted_with_the_market() -> None:
    s = _market()
    s.op(Halt, "10:20", "PTT")
    s.new("10:30", "s1", "sell", 100, "58.75", member="M2", account="B1")
    s.new("10:30", "b1", "buy", 100, "58.75")
    s.op(Resume, "10:31", "PTT")
    s.advance("10:42")
    assert s.phase("PTT") == "HALTED"
    s.advance("10:50")
    assert s.phase("PTT") == "PRE_OPEN"


def test_an_auction_only_security_sits_out_the_breaker_without_an_auction_of_its_own() -> None:
    s = Session(stock("AOT", "64.00", listed_shares=1_000_000, index_member=("SET",)),
                stock("LVL2", "30.00", surveillance_level=2), indices=[("SET", "1500.00")])
    s.advance("10:00")
    s.new("10:30", "s1", "sell", 100, "58.75", member="M2", account="B1")
    s.new("10:30", "b1", "buy", 100, "58.75")
    assert s.phase("LVL2") == "HALTED"
    events = s.advance("11:00")
    assert s.phase("LVL2") == "NO_MATCHING"
    assert [a.symbol for a in of_type(events, AuctionResult)] == ["AOT"]


def test_a_pause_in_the_pre_close_runs_over_the_closing_auction() -> None:
    s = Session(stock("X", "10.00", listed_shares=10_000_000))
    s.advance("16:31")
    s.new("16:31", "s1", "sell", 100, "10.00", symbol="X", member="M2", account="B1")
    s.new("16:32", "b1", "buy", 1_500_100, "10.00", symbol="X")
    assert s.phase("X") == "PAUSED"
    events = s.advance("16:45")
    assert not of_type(events, AuctionResult)
    assert not of_type(events, Trade)
    assert s.phase("X") == "OFF_HOUR"
