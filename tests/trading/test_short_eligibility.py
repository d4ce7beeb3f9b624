"""Short-sale eligibility from its criteria (set-trading-rules.md 8.1, decisions 139-142), the
regimes that ban short sales for all or for all but market makers (6.4, decisions 143-144), and
both fixed for the day and kept by a snapshot (decision 145); the example day runs them all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import msgspec
import pytest

from siamex.rulebook.parameters import Rulebook
from siamex.scenario.loader import load_scenario
from siamex.scenario.runner import run_scenario, scenario_commands
from siamex.trading.commands import Command, InstrumentSpec, StartDay
from siamex.trading.engine import Engine
from siamex.trading.events import Accepted, Amended, Rejected
from siamex.trading.rejects import Reject
from siamex.trading.short_eligibility import meets_criteria, short_eligible
from siamex.trading.snapshot import dump, load, state_hash
from tests.trading.harness import Session, of_type, reasons, stock, trades

_SIZE: dict[str, Any] = {"market_cap": 7_500_000_001, "turnover_bp": 200, "free_float_bp": 2000}
"""A stock outside the index that just clears every minimum: 1 baht above 7,500 million,
exactly 2% turnover, exactly 20% free float."""


def _eligible(rules: dict[str, Any] | None = None, **spec: Any) -> bool:
    return short_eligible(Rulebook(rules or {}), InstrumentSpec("XYZ", 1000, **spec))


# -- the criteria, at their boundaries ----------------------------------------------------------

def test_a_stock_just_above_every_minimum_is_eligible() -> None:
    assert _eligible(**_SIZE)


def test_a_market_cap_of_exactly_7500_million_is_not_above_it() -> None:
    assert not _eligible(**{**_SIZE, "market_cap": 7_500_000_000})


def test_turnover_of_exactly_two_percent_passes_one_hundredth_less_fails() -> None:
    assert _eligible(**{**_SIZE, "turnover_bp": 200})
    assert not _eligible(**{**_SIZE, "turnover_bp": 199})


def test_free_float_of_exactly_twenty_percent_passes_one_hundredth_less_fails() -> None:
    assert _eligible(**{**_SIZE, "free_float_bp": 2000})
    assert not _eligible(**{**_SIZE, "free_float_bp": 1999})


@pytest.mark.parametrize("missing", ["market_cap", "turnover_bp", "free_float_bp"])
def test_a_figure_not_given_fails_its_criterion(missing: str) -> None:
    assert not _eligible(**{**_SIZE, missing: None})


def test_a_member_of_the_index_is_eligible_without_any_listing_data() -> None:
    assert _eligible(index_member=("SET", "SET100"))


def test_a_member_of_another_index_only_is_not() -> None:
    assert not _eligible(index_member=("SET", "SET50"))
    assert _eligible({"short_eligible_index": "SET50"}, index_member=("SET", "SET50"))


def test_the_exchange_list_keeps_what_the_criteria_miss() -> None:
    assert _eligible(kind="etf", short_eligible=True)
    assert _eligible({"short_eligibility_criteria": False}, short_eligible=True)


def test_the_criteria_judge_stocks_only() -> None:
    assert not _eligible(kind="etf", **_SIZE)
    assert not _eligible(kind="dr", index_member=("SET100",))
    assert meets_criteria(Rulebook({}), InstrumentSpec("XYZ-F", 1000, board="foreign", **_SIZE))


def test_with_the_criteria_off_only_the_exchange_list_counts() -> None:
    off = {"short_eligibility_criteria": False}
    assert not _eligible(off, index_member=("SET100",))
    assert not _eligible(off, **_SIZE)


@pytest.mark.parametrize(("minimum", "missing"), [
    ("short_eligible_min_market_cap", "market_cap"),
    ("short_eligible_min_turnover_pct", "turnover_bp"),
    ("short_eligible_min_free_float_pct", "free_float_bp"),
])
def test_a_minimum_of_zero_asks_nothing(minimum: str, missing: str) -> None:
    assert _eligible({minimum: 0}, **{**_SIZE, missing: None})
    assert _eligible({minimum: 0}, **{**_SIZE, missing: 0})


def test_a_fractional_minimum_is_compared_exactly() -> None:
    rules = {"short_eligible_min_turnover_pct": "2.005"}  # 200.5 hundredths of a percent
    assert not _eligible(rules, **{**_SIZE, "turnover_bp": 200})
    assert _eligible(rules, **{**_SIZE, "turnover_bp": 201})


def test_a_start_day_journalled_before_the_listing_data_still_decodes() -> None:
    before = msgspec.msgpack.encode(
        ["start_day", 0, "2026-12-03", 0, {}, [{"symbol": "AOT", "prev_close": 6400}]])
    start = msgspec.msgpack.decode(before, type=Command)
    assert isinstance(start, StartDay)
    spec = start.instruments[0]
    assert (spec.market_cap, spec.turnover_bp, spec.free_float_bp) == (None, None, None)


# -- in the engine: computed when the day lists the security ---------------------------------

def _listed(*specs: InstrumentSpec, rules: dict[str, Any] | None = None) -> Session:
    s = Session(*specs, rules=rules, indices=(("SET100", "2150.00"),))
    s.advance("10:00")
    return s


def _short(s: Session, at: str, symbol: str, price: str, qty: int = 100,
           account: str = "A1") -> list[str]:
    return reasons(s.new(at, f"x{at}", "sell", qty, price, symbol=symbol, short=True,
                         account=account))


def test_the_engine_lists_eligibility_from_the_day_s_listing_data() -> None:
    s = _listed(stock("ABOVE", **_SIZE),
                stock("EQUAL", **{**_SIZE, "market_cap": 7_500_000_000}),
                stock("LOW", **{**_SIZE, "turnover_bp": 199}),
                stock("IDX", index_member=("SET100",)))
    assert _short(s, "10:01", "ABOVE", "64.25") == []
    assert _short(s, "10:02", "EQUAL", "64.25") == ["SHORT_SALE_NOT_ELIGIBLE"]
    assert _short(s, "10:03", "LOW", "64.25") == ["SHORT_SALE_NOT_ELIGIBLE"]
    assert _short(s, "10:04", "IDX", "64.25") == []


def test_a_later_day_judges_the_figures_it_is_given() -> None:
    s = _listed(stock("GROW", **{**_SIZE, "market_cap": 7_000_000_000}))
    assert _short(s, "10:01", "GROW", "64.25") == ["SHORT_SALE_NOT_ELIGIBLE"]
    s.advance("17:00")
    nxt = Session(stock("GROW", None, **_SIZE), date=dt.date(2026, 11, 23), engine=s.engine)
    nxt.advance("10:00")
    assert _short(nxt, "10:01", "GROW", "64.25") == []


# -- the ban regimes (6.4) -------------------------------------------------------------------

def _ban(regime: str, *specs: InstrumentSpec) -> Session:
    """A day under a ban regime; AOT (eligible, market maker MM1) last traded at 64.00."""
    aot = stock("AOT", short_eligible=True, listed_shares=1_000_000,
                market_maker_accounts=("MM1",))
    s = _listed(aot, *specs, rules={"short_sale_ban": regime})
    s.new("10:01", "b0", "buy", 100, "64.00", member="M9", account="Z1")
    sold = s.new("10:02", "s0", "sell", 100, "64.00", member="M8", account="Y1")
    assert trades(sold) == [("64.00", 100, "b0", "s0")]
    return s


def test_no_ban_is_the_default_and_changes_nothing() -> None:
    s = _ban("none")
    assert _short(s, "10:10", "AOT", "64.25") == []


def test_a_ban_for_all_refuses_every_short_sale_market_makers_too() -> None:
    s = _ban("all")
    assert _short(s, "10:10", "AOT", "64.25") == ["SHORT_SALE_BANNED"]
    assert _short(s, "10:11", "AOT", "64.00", account="MM1") == ["SHORT_SALE_BANNED"]


def test_a_ban_leaves_ordinary_sales_alone() -> None:
    s = _ban("all")
    assert reasons(s.new("10:10", "long", "sell", 100, "64.00")) == []


def test_a_ban_except_market_makers_refuses_everyone_else() -> None:
    s = _ban("except_market_makers")
    refused = of_type(s.new("10:10", "x1", "sell", 100, "64.25", short=True), Rejected)
    assert [(r.reason, r.text) for r in refused] == [(
        Reject.SHORT_SALE_BANNED,
        "short sales of AOT are banned except by its market makers today")]


def test_a_market_maker_may_still_sell_short_exempt_from_the_price_test() -> None:
    s = _ban("except_market_makers")
    assert _short(s, "10:10", "AOT", "63.75", account="MM1") == []


def test_a_market_maker_of_another_security_is_not_one_of_this_one() -> None:
    s = _ban("except_market_makers",
             stock("SCC", short_eligible=True, market_maker_accounts=("MM2",)))
    assert _short(s, "10:10", "AOT", "64.25", account="MM2") == ["SHORT_SALE_BANNED"]


def test_a_market_maker_keeps_the_eligibility_rule_and_the_cap() -> None:
    s = _ban("except_market_makers", stock("NOSH", market_maker_accounts=("MM1",)))
    assert _short(s, "10:10", "NOSH", "64.25", account="MM1") == ["SHORT_SALE_NOT_ELIGIBLE"]
    assert _short(s, "10:11", "AOT", "64.25", 100_000, account="MM1") == []
    assert _short(s, "10:12", "AOT", "64.25", 100, account="MM1") == ["SHORT_SALE_LIMIT"]


def test_the_ban_is_checked_before_eligibility_so_it_reads_as_a_ban() -> None:
    s = _ban("except_market_makers", stock("NOSH"))
    assert _short(s, "10:10", "NOSH", "64.25") == ["SHORT_SALE_BANNED"]


def _carried_short(regime: str) -> Session:
    """A GTC short sale of 1,000 at 70.00 accepted yesterday, today under `regime`."""
    first = Session(stock("AOT", short_eligible=True, listed_shares=1_000_000))
    first.advance("10:00")
    assert reasons(first.new("10:01", "g1", "sell", 1000, "70.00", short=True,
                             validity="gtc")) == []
    first.advance("17:00")
    s = Session(stock("AOT", None, short_eligible=True, listed_shares=1_000_000),
                rules={"short_sale_ban": regime}, date=dt.date(2026, 11, 23),
                engine=first.engine)
    s.advance("10:00")
    return s


def test_under_a_ban_a_resting_short_sale_stays_and_may_be_cut_or_repriced() -> None:
    s = _carried_short("all")
    assert s.book() == [("g1", 1000, 1000)]
    assert reasons(s.amend("10:01", "g1", qty=500)) == []
    assert reasons(s.amend("10:02", "g1", price="69.00")) == []
    assert reasons(s.amend("10:03", "g1", price="64.00")) == ["SHORT_SALE_PRICE"]


def test_under_a_ban_a_resting_short_sale_may_not_grow() -> None:
    s = _carried_short("all")
    assert reasons(s.amend("10:01", "g1", qty=1100)) == ["SHORT_SALE_BANNED"]
    assert s.book() == [("g1", 1000, 1000)]
    assert s.engine.instruments["AOT"].short_exposure == 1000


def test_a_restored_engine_keeps_the_day_s_ban() -> None:
    s = _ban("except_market_makers")
    restored = load(dump(s.engine))
    assert state_hash(restored) == state_hash(s.engine)
    s.engine = restored
    assert _short(s, "10:10", "AOT", "64.25") == ["SHORT_SALE_BANNED"]
    assert _short(s, "10:11", "AOT", "63.75", account="MM1") == []


# -- the example day (examples/measures/short-eligibility.json) ------------------------------

_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "measures" / "short-eligibility.json"


def _example_decisions(**overrides: Any) -> dict[str, list[str]]:
    """Each order id of the example with what became of its orders and amends, in order."""
    out: dict[str, list[str]] = {}
    for event in run_scenario(load_scenario(_EXAMPLE, overrides)):
        if isinstance(event, Rejected):
            out.setdefault(event.id, []).append(event.reason.value)
        elif isinstance(event, Accepted | Amended):
            out.setdefault(event.id, []).append(type(event).__name__.lower())
    return out


def test_the_example_shows_eligibility_at_its_boundaries_and_the_ban() -> None:
    assert _example_decisions() == {
        # day 1: the criteria
        "d1-big": ["accepted"],  # SET100, no listing data
        "d1-atcap": ["SHORT_SALE_NOT_ELIGIBLE"],  # 7,500,000,000: not above
        "d1-above": ["accepted"],  # 7,500,000,001, turnover 2.00%, free float 20%
        "d1-thin": ["SHORT_SALE_NOT_ELIGIBLE"],  # turnover 1.99%
        "d1-tight": ["SHORT_SALE_NOT_ELIGIBLE"],  # free float 19.99%
        "d1-nodata": ["SHORT_SALE_NOT_ELIGIBLE"],
        "d1-tetf": ["accepted"],  # the exchange's list
        "d1-mm-big": ["accepted"],  # at the previous close: exempt from the uptick test
        "d1-mm-atcap": ["SHORT_SALE_NOT_ELIGIBLE"],
        "d1-gtc": ["accepted", "SHORT_SALE_BANNED", "amended"],  # day 2: grow refused, cut ok
        # day 2: banned except for market makers
        "d2-big": ["SHORT_SALE_BANNED"],
        "d2-nodata": ["SHORT_SALE_BANNED"],
        "d2-mm-big": ["accepted"],
        "d2-mm-atcap": ["SHORT_SALE_NOT_ELIGIBLE"],
        "d2-long": ["accepted"],
    }


def test_the_example_with_a_ban_for_all_refuses_every_short_sale() -> None:
    decisions = _example_decisions(short_sale_ban="all")
    assert decisions.pop("d2-long") == ["accepted"]
    assert decisions.pop("d1-gtc") == ["SHORT_SALE_BANNED", "UNKNOWN_ORDER", "UNKNOWN_ORDER"]
    assert set(map(tuple, decisions.values())) == {("SHORT_SALE_BANNED",)}


def test_the_example_restored_from_a_snapshot_at_any_point_goes_on_exactly() -> None:
    commands = scenario_commands(load_scenario(_EXAMPLE))
    whole = Engine()
    expected = [event for command in commands for event in whole.handle(command)]
    for cut in range(len(commands)):
        first = Engine()
        head = [event for command in commands[:cut] for event in first.handle(command)]
        restored = load(dump(first))
        tail = [event for command in commands[cut:] for event in restored.handle(command)]
        assert head + tail == expected, cut
        assert state_hash(restored) == state_hash(whole)
