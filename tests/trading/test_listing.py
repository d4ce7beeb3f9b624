"""A foreign-board (-F) security's limits are +-60% of its main security's previous close (3.3),
on every day of a run, never of the -F board's own close."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from siamex.errors import SiamexError
from siamex.scenario.loader import parse_scenario
from siamex.scenario.runner import run_scenario
from siamex.trading.commands import InstrumentSpec
from siamex.trading.events import PriceLimitsSet
from siamex.units import format_price
from tests.trading.harness import Session, of_type, stock

NEXT_DAY = dt.date(2026, 11, 23)


def _limits(events: list[object], symbol: str) -> tuple[str, str]:
    (limits,) = [e for e in of_type(events, PriceLimitsSet) if e.symbol == symbol]
    return format_price(limits.ceiling), format_price(limits.floor)


def _first_day(foreign: InstrumentSpec) -> Session:
    """X closes at 5.50 on its main board while its -F security closes at 6.00."""
    s = Session(stock("X", "5.00"), foreign)
    s.advance("10:00")
    s.new("10:30", "b", "buy", 100, "5.50", symbol="X")
    s.new("10:31", "s", "sell", 100, "5.50", symbol="X", member="M2", account="A2")
    s.new("10:32", "fb", "buy", 100, "6.00", symbol=foreign.symbol)
    s.new("10:33", "fs", "sell", 100, "6.00", symbol=foreign.symbol, member="M2", account="A2")
    s.advance("17:00")
    return s


def test_the_first_day_takes_the_reference_given() -> None:
    s = Session(stock("X", "5.00"), stock("X-F", "5.00", board="foreign"))
    assert _limits(s.events, "X-F") == ("8.00", "2.00")


def test_a_later_day_takes_the_main_security_close_not_the_foreign_boards_own() -> None:
    s = _first_day(stock("X-F", "5.00", board="foreign"))
    assert (s.engine.closes["X"], s.engine.closes["X-F"]) == (550, 600)
    later = Session(stock("X", None), stock("X-F", None, board="foreign"), date=NEXT_DAY,
                    engine=s.engine)
    assert _limits(later.events, "X") == ("7.15", "3.86")  # the floor rounds up to a tick
    assert _limits(later.events, "X-F") == ("8.80", "2.20")  # 5.50 +-60%, not 6.00's 9.60/2.40


def test_a_main_security_listed_with_a_new_close_sets_the_foreign_reference() -> None:
    s = _first_day(stock("X-F", "5.00", board="foreign"))
    later = Session(stock("X", "5.00"), stock("X-F", None, board="foreign"), date=NEXT_DAY,
                    engine=s.engine)
    assert _limits(later.events, "X-F") == ("8.00", "2.00")


def test_a_foreign_symbol_may_name_its_main_security() -> None:
    s = _first_day(stock("XFOREIGN", "5.00", board="foreign", main="X"))
    later = Session(stock("X", None), stock("XFOREIGN", None, board="foreign", main="X"),
                    date=NEXT_DAY, engine=s.engine)
    assert _limits(later.events, "XFOREIGN") == ("8.80", "2.20")


def test_a_foreign_security_without_its_main_on_a_later_day_names_the_main_it_lacks() -> None:
    day = {"date": "2026-11-20", "instruments": [{"symbol": "X-F", "prev_close": "5.00",
                                                  "board": "foreign"}], "actions": []}
    later = {**day, "date": "2026-11-23",
             "instruments": [{"symbol": "X-F", "board": "foreign"}]}
    scenario = parse_scenario(json.dumps({"days": [day, later]}).encode())
    with pytest.raises(SiamexError, match="X-F: no prev_close given for its main security X"):
        list(run_scenario(scenario))
