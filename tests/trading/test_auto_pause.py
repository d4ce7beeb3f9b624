"""Auto Pause: bids or offers over 15% of listed shares pause a security for 40 minutes, then a
20-minute pre-open and an auction; once a day (6.3, T12)."""

from __future__ import annotations

from siamex.trading.events import AuctionResult, PhaseChanged, StatusChanged
from tests.trading.harness import Session, of_type, reasons, stock, trades


def _day(**rules: object) -> Session:
    s = Session(stock("X", "10.00", listed_shares=100_000_000), rules=dict(rules))
    s.advance("10:00")
    s.new("10:01", "a1", "sell", 10_000_000, "10.50", symbol="X", member="M2", account="B1")
    return s


def test_offers_of_exactly_fifteen_percent_do_not_pause_vector_36() -> None:
    s = _day()
    s.new("10:02", "a2", "sell", 5_000_000, "10.60", symbol="X", member="M2", account="B1")
    assert s.phase("X") == "OPEN_1"


def test_offers_over_fifteen_percent_pause_then_pre_open_then_auction() -> None:
    s = _day()
    events = s.new("10:02", "a2", "sell", 5_000_100, "10.60", symbol="X", member="M2",
                   account="B1")
    assert [(e.what, e.value) for e in of_type(events, StatusChanged)] == [
        ("auto_pause", "offer")]
    assert s.phase("X") == "PAUSED"
    assert reasons(s.new("10:10", "n1", "buy", 100, "10.50", symbol="X")) == ["HALTED"]
    assert not reasons(s.amend("10:11", "a2", qty=5_000_000))
    assert [e.phase.value for e in of_type(s.advance("10:42"), PhaseChanged)] == ["PRE_OPEN"]
    s.new("10:50", "b1", "buy", 1000, "10.50", symbol="X")
    events = s.advance("11:02")
    assert [a.session for a in of_type(events, AuctionResult)] == ["resume"]
    assert trades(events) == [("10.50", 1000, "b1", "a1")]
    assert s.phase("X") == "OPEN_1"


def test_a_second_breach_the_same_day_does_not_pause_again() -> None:
    s = _day()
    s.new("10:02", "a2", "sell", 5_000_100, "10.60", symbol="X", member="M2", account="B1")
    s.advance("11:02")
    s.new("11:03", "a3", "sell", 1_000_000, "10.70", symbol="X", member="M2", account="B1")
    assert s.phase("X") == "OPEN_1"


def test_a_pause_that_would_outlast_the_session_ends_with_it() -> None:
    s = Session(stock("X", "10.00", listed_shares=100_000_000))
    s.advance("12:00")
    s.new("12:01", "a1", "sell", 10_000_000, "10.50", symbol="X", member="M2", account="B1")
    s.new("12:02", "a2", "sell", 5_000_100, "10.50", symbol="X", member="M2", account="B1")
    assert s.phase("X") == "PAUSED"
    s.advance("12:30")
    assert s.phase("X") == "INTERMISSION"


def test_zero_turns_auto_pause_off() -> None:
    s = _day(auto_pause_pct=0)
    s.new("10:02", "a2", "sell", 9_000_000, "10.60", symbol="X", member="M2", account="B1")
    assert s.phase("X") == "OPEN_1"


def test_offers_entered_in_a_price_band_pre_open_still_pause() -> None:
    s = _day()
    s.new("10:02", "b1", "buy", 100, "8.50", symbol="X")
    s.new("10:03", "a2", "sell", 100, "8.50", symbol="X", member="M2", account="B1")
    assert s.phase("X") == "PRE_OPEN"
    events = s.new("10:04", "a3", "sell", 5_000_100, "10.60", symbol="X", member="M2",
                   account="B1")
    assert [e.what for e in of_type(events, StatusChanged)] == ["auto_pause"]
    assert s.phase("X") == "PAUSED"
