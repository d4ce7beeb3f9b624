"""Properties of the requirement over generated portfolios (hypothesis): it is never negative;
a hedge never needs more than its legs margined alone; adding to a one-way futures book never
lowers its scanning risk; the result depends neither on the order nor on the splitting of the
positions; and many portfolios at once are each what they are margined alone."""

from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.margin import (
    MarginColumns,
    MarginPositions,
    margin_requirements,
    portfolio_margin,
    risk_arrays,
)
from siamex.rulebook.margin import SpreadCredit
from siamex.rulebook.products import MarketGroup

from .runs import TABLE_2015, amended, series

# the 2015 rates with a credit and a floor: concentration and super margin charge gross
# holdings and round their shares, so the hedge property is kept to the maintenance margin
HEDGE_TABLE = replace(
    TABLE_2015,
    icsc=(SpreadCredit(MarketGroup.SINGLE_STOCK, "ADVANC", "KBANK", 1, 1, Fraction(60)),),
    market_floor=((MarketGroup.METAL, 50_000),))
TABLE = amended(amended(HEDGE_TABLE, "S50", concentration_contracts=30,
                        concentration_pct=Fraction(15), delivery_pct=Fraction(40)),
                "GF", super_pct=Fraction(30))
FUTURES = ("S50F26", "S50G26", "S50H26", "S50M26", "GFG26", "GFJ26", "GF10F26", "GF10H26",
           "ADVANCH26", "ADVANCM26", "KBANKH26")
OPTIONS = ("S50H26C900", "S50H26P900", "S50H26C1000", "S50H26P850", "S50F26C900",
           "S50F26P875", "S50F26C1025", "S50M26C950")
SYMBOLS = FUTURES + OPTIONS
ARRAYS = risk_arrays(series(SYMBOLS, table=TABLE), TABLE)
HEDGE_ARRAYS = risk_arrays(ARRAYS.series, HEDGE_TABLE)
INDEX = {one.symbol: i for i, one in enumerate(ARRAYS.series)}
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)

_qty = st.integers(-40, 40).filter(bool)
_portfolio = st.dictionaries(st.sampled_from(SYMBOLS), _qty, min_size=1, max_size=6)
_rows = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(SYMBOLS), _qty), max_size=30)


def _columns(rows: list[tuple[int, str, int]]) -> MarginColumns:
    return margin_requirements(
        MarginPositions(np.array([r[0] for r in rows], np.int64),
                        np.array([INDEX[r[1]] for r in rows], np.int64),
                        np.array([r[2] for r in rows], np.int64)),
        ARRAYS, portfolios=6, super_products={"GF"})


def _total(positions: dict[str, int]) -> int:
    return portfolio_margin(positions, HEDGE_ARRAYS, HEDGE_TABLE).total


@SETTINGS
@given(positions=_portfolio, owed=st.integers(0, 10**9), uncovered=st.integers(0, 10**9))
def test_the_requirement_is_never_negative(positions: dict[str, int], owed: int,
                                           uncovered: int) -> None:
    margin = portfolio_margin(positions, ARRAYS, TABLE, super_products={"GF"},
                              unsettled_mtm=owed, uncovered=uncovered)
    for underlying in margin.underlyings:
        assert min(underlying.scan, underlying.somc, underlying.requirement,
                   underlying.intermonth, underlying.super_margin) >= 0
    assert all(market.requirement >= max(market.floor, 0) for market in margin.markets)
    assert margin.total >= owed + uncovered >= 0


@SETTINGS
@given(near=st.sampled_from(("S50F26", "S50H26", "GFG26", "ADVANCH26", "GF10F26")),
       far=st.sampled_from(("S50M26", "S50G26", "GFJ26", "ADVANCM26", "GF10H26")),
       long=st.integers(1, 40), short=st.integers(1, 40))
def test_a_calendar_spread_never_needs_more_than_its_legs(near: str, far: str, long: int,
                                                          short: int) -> None:
    hedged = {near: long, far: -short}
    assert _total(hedged) <= _total({near: long}) + _total({far: -short})


@SETTINGS
@given(option=st.sampled_from(OPTIONS), future=st.sampled_from(("S50F26", "S50H26", "S50M26")),
       option_qty=_qty, future_qty=_qty)
def test_an_option_against_a_future_never_needs_more_than_its_legs(
        option: str, future: str, option_qty: int, future_qty: int) -> None:
    hedged = {option: option_qty, future: future_qty}
    assert _total(hedged) <= _total({option: option_qty}) + _total({future: future_qty})


@SETTINGS
@given(advanc=_qty, kbank=_qty)
def test_a_credited_pair_never_needs_more_than_its_legs(advanc: int, kbank: int) -> None:
    pair = {"ADVANCH26": advanc, "KBANKH26": kbank}
    assert _total(pair) <= _total({"ADVANCH26": advanc}) + _total({"KBANKH26": kbank})


@SETTINGS
@given(book=st.dictionaries(st.sampled_from(("S50F26", "S50G26", "S50H26", "S50M26")),
                            st.integers(1, 40), min_size=1),
       added=st.sampled_from(("S50F26", "S50G26", "S50H26", "S50M26")),
       more=st.integers(1, 40), short=st.booleans())
def test_adding_to_a_one_way_futures_book_never_lowers_its_scan_risk(
        book: dict[str, int], added: str, more: int, short: bool) -> None:
    sign = -1 if short else 1
    before = {symbol: sign * qty for symbol, qty in book.items()}
    after = {**before, added: before.get(added, 0) + sign * more}
    assert portfolio_margin(after, ARRAYS, TABLE).scan >= \
        portfolio_margin(before, ARRAYS, TABLE).scan


@SETTINGS
@given(rows=_rows, order=st.randoms(use_true_random=False), split=st.integers(0, 29))
def test_the_requirement_ignores_the_order_and_splitting_of_positions(
        rows: list[tuple[int, str, int]], order: random.Random, split: int) -> None:
    shuffled = list(rows)
    order.shuffle(shuffled)
    if shuffled:
        portfolio, symbol, qty = shuffled.pop(split % len(shuffled))
        shuffled += [(portfolio, symbol, qty - 1), (portfolio, symbol, 1)]
    first, second = _columns(rows), _columns(shuffled)
    for name in ("scan", "intermonth", "delivery", "nov", "somc", "icsc_credit",
                 "market_margin", "concentration", "super_margin", "total"):
        assert getattr(first, name).tolist() == getattr(second, name).tolist(), name


@SETTINGS
@given(rows=_rows)
def test_many_portfolios_at_once_are_each_what_they_are_alone(
        rows: list[tuple[int, str, int]]) -> None:
    columns = _columns(rows)
    for portfolio in range(6):
        held: dict[str, int] = {}
        for p, symbol, qty in rows:
            if p == portfolio:
                held[symbol] = held.get(symbol, 0) + qty
        alone = portfolio_margin(held, ARRAYS, TABLE, super_products={"GF"})
        assert columns.breakdown(portfolio) == replace(alone, portfolio=portfolio)
