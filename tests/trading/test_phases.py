"""The trading phases and what each accepts (set-trading-rules.md 1; decision T7)."""

from __future__ import annotations

import pytest

from siamex.trading.engine import Engine
from siamex.trading.enums import Phase
from siamex.trading.events import PhaseChanged
from siamex.trading.phases import ACCEPTS, TRANSITIONS
from tests.trading.harness import Session, of_type, reasons


def test_the_day_walks_through_every_phase_in_order() -> None:
    s = Session()
    events = s.advance("17:00")
    assert [(e.symbol, e.phase.value) for e in of_type(events, PhaseChanged)] == [
        ("*", "PRE_OPEN_1"), ("AOT", "OPEN_1"), ("*", "INTERMISSION"), ("*", "PRE_OPEN_2"),
        ("AOT", "OPEN_2"), ("*", "PRE_CLOSE"), ("AOT", "OFF_HOUR"), ("*", "CLOSED")]


def test_the_transition_table_is_one_cycle_through_every_scheduled_phase() -> None:
    phase, seen = Phase.CLOSED, []
    for _ in TRANSITIONS:
        seen.append(phase)
        phase = TRANSITIONS[phase][1]
    overlays = {Phase.HALTED, Phase.PAUSED, Phase.NO_MATCHING, Phase.PRE_OPEN}
    assert phase is Phase.CLOSED and set(seen) == set(Phase) - overlays
    assert set(ACCEPTS) == set(Phase)


@pytest.mark.parametrize(("at", "expected"), [
    ("09:29:59.999", "MARKET_CLOSED"),
    ("12:30", "MARKET_CLOSED"),
    ("16:40:00.001", "MARKET_CLOSED"),
    ("17:00", "MARKET_CLOSED"),
])
def test_no_new_orders_outside_the_order_taking_phases(at: str, expected: str) -> None:
    s = Session()
    assert reasons(s.new(at, "x", "buy", 100, "64.00")) == [expected]


def test_a_phase_boundary_belongs_to_the_phase_it_opens() -> None:
    s = Session()
    assert not reasons(s.new("09:30", "x", "buy", 100, "64.00"))
    assert not reasons(s.new("10:00", "y", "buy", 100, "64.00", validity="fak"))


def test_the_intermission_takes_cancels_but_not_amends() -> None:
    s = Session()
    s.new("10:01", "x", "buy", 100, "64.00")
    s.advance("12:30")
    assert reasons(s.amend("12:31", "x", qty=200)) == ["MARKET_CLOSED"]
    assert not reasons(s.cancel("12:32", "x"))


def test_fak_fok_and_market_orders_wait_for_the_continuous_session() -> None:
    s = Session()
    s.advance("09:30")
    for validity in ("fak", "fok"):
        assert reasons(s.new("09:31", validity, "buy", 100, "64.00", validity=validity)) == [
            "ORDER_TYPE_NOT_ALLOWED"]
    for kind in ("mp_mkt", "mp_mtl"):
        assert reasons(s.new("09:31", kind, "buy", 100, type=kind)) == ["ORDER_TYPE_NOT_ALLOWED"]


def test_an_order_before_any_trading_day_is_refused() -> None:
    from siamex.trading.commands import NewOrder
    from siamex.trading.enums import Side

    events = Engine().handle(NewOrder(0, "x", "M1", "A1", "AOT", Side.BUY, 100, price=6400))
    assert reasons(events) == ["MARKET_CLOSED"]
