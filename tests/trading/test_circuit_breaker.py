"""The market-wide circuit breaker: the SET Index falling 8%, 15%, 20% from its previous close
halts trading 30, 30, 60 minutes, each level once a day; the last 10 minutes are a pre-open;
a halt outlasting the session ends with it (6.1, T9, T10)."""

from __future__ import annotations

from typing import Any

from siamex.rulebook.parameters import DEFAULT_RULEBOOK
from siamex.trading.circuit_breaker import breaker_floors, level_reached
from siamex.trading.events import AuctionResult, PhaseChanged, StatusChanged
from siamex.units import parse_price
from tests.trading.harness import Session, of_type, reasons, stock

LEVELS = DEFAULT_RULEBOOK.circuit_breaker_levels


def test_the_circuit_breaker_vectors(vectors: dict[str, Any]) -> None:
    for case in vectors["circuit_breaker"]:
        prev, edge = parse_price(case["prev_index"]), parse_price(case["trigger_at_or_below"])
        floors = breaker_floors(LEVELS, prev)
        assert level_reached(floors, edge) == case["level"]
        assert level_reached(floors, edge + 1) == case["level"] - 1
        assert LEVELS[case["level"] - 1][1] == case["halt_minutes"]


def _market(**rules: Any) -> Session:
    """One index member worth the whole SET Index of 1,500.00 at its close of 100.00, and a
    security with a foreign underlying."""
    s = Session(stock("BIG", "100.00", listed_shares=1_000_000, index_member=("SET",)),
                stock("SMALL", "10.00"), stock("DRX", "10.00", foreign_underlying=True),
                indices=[("SET", "1500.00")], rules=dict(rules))
    s.advance("10:00")
    return s


def _trade(s: Session, at: str, price: str) -> list[Any]:
    s.new(at, f"s{at}", "sell", 100, price, symbol="BIG", member="M2", account="B1")
    return s.new(at, f"b{at}", "buy", 100, price, symbol="BIG")


def test_an_index_exactly_eight_percent_down_halts_the_market() -> None:
    s = _market(dynamic_price_band_pct=0)
    events = _trade(s, "10:30", "92.00")
    assert [(e.symbol, e.what, e.value) for e in of_type(events, StatusChanged)] == [
        ("*", "circuit_breaker", "1")]
    assert s.phase("BIG") == s.phase("SMALL") == "HALTED"
    assert s.phase("DRX") == "OPEN_1"
    assert reasons(s.new("10:31", "n1", "buy", 100, "10.00", symbol="SMALL")) == ["HALTED"]


def test_an_index_just_above_minus_eight_percent_does_not_halt() -> None:
    s = _market(dynamic_price_band_pct=0)
    assert not of_type(_trade(s, "10:30", "92.50"), StatusChanged)
    assert s.phase("SMALL") == "OPEN_1"


def test_the_last_ten_minutes_of_the_halt_are_a_pre_open_then_an_auction() -> None:
    s = _market(dynamic_price_band_pct=0)
    _trade(s, "10:30", "92.00")
    s.advance("10:49:59")
    assert s.phase("SMALL") == "HALTED"
    s.advance("10:50")
    assert s.phase("SMALL") == "PRE_OPEN"
    events = s.advance("11:00")
    assert {a.symbol for a in of_type(events, AuctionResult)} == {"BIG", "SMALL"}
    assert s.phase("SMALL") == "OPEN_1"


def test_each_level_triggers_once_and_a_deeper_fall_triggers_the_next() -> None:
    s = _market(dynamic_price_band_pct=0)
    _trade(s, "10:30", "92.00")
    s.advance("11:00")
    assert not of_type(_trade(s, "11:01", "91.00"), StatusChanged)
    events = _trade(s, "11:02", "85.00")
    assert [e.value for e in of_type(events, StatusChanged)] == ["2"]


def test_a_halt_that_would_outlast_the_session_ends_at_its_end_vector_34() -> None:
    s = _market(dynamic_price_band_pct=0)
    _trade(s, "12:10", "92.00")
    events = s.advance("12:30")
    assert not of_type(events, AuctionResult)
    assert [(e.symbol, e.phase.value) for e in of_type(events, PhaseChanged)] == [
        ("*", "INTERMISSION")]
    s.advance("14:00")
    assert s.phase("SMALL") == "OPEN_2"


def test_the_breaker_does_not_cut_a_longer_auto_pause_short() -> None:
    s = Session(stock("BIG", "100.00", listed_shares=1_000_000, index_member=("SET",)),
                stock("PAUS", "10.00", listed_shares=1_000_000), indices=[("SET", "1500.00")],
                rules={"dynamic_price_band_pct": 0})
    s.advance("10:00")
    s.new("10:05", "p1", "sell", 150_100, "10.50", symbol="PAUS", member="M2", account="B1")
    assert s.phase("PAUS") == "PAUSED"
    _trade(s, "10:10", "92.00")
    assert s.phase("PAUS") == "PAUSED"
    s.advance("10:41")
    assert (s.phase("BIG"), s.phase("PAUS")) == ("OPEN_1", "PAUSED")
    s.advance("10:45")
    assert s.phase("PAUS") == "PRE_OPEN"


def test_an_empty_level_list_turns_the_breaker_off() -> None:
    s = _market(dynamic_price_band_pct=0, circuit_breaker_levels=[])
    assert not of_type(_trade(s, "10:30", "80.00"), StatusChanged)


def test_the_day_says_until_when_the_breaker_halts() -> None:
    s = _market(dynamic_price_band_pct=0)
    assert s.engine.day.breaker_until() is None
    _trade(s, "10:30", "92.00")
    assert s.engine.day.breaker_until() == s.ts("11:00")
    s.advance("10:50")
    assert s.engine.day.breaker_until() == s.ts("11:00")  # its pre-open: still its halt
    s.advance("11:00")
    assert s.engine.day.breaker_until() is None
    assert s.engine.day.breaker_level == 1  # the level reached stays: each once a day


def test_a_breaker_halt_outlasting_the_session_ends_with_it() -> None:
    s = _market(dynamic_price_band_pct=0)
    _trade(s, "12:10", "92.00")
    assert s.engine.day.breaker_until() == s.ts("12:30")
