"""A derivatives day's margin runs and calls (clearing-spec.md 4.4-4.8, 4.10): the intraday
calculation and the end-of-day run each margin every portfolio, compare each member's
requirement with its collateral after haircut, and call the shortfall.

Why apart from the day's marking: the requirement is pure (positions, prices, parameters),
but the call depends on the collateral held when the run is calculated, which the day's
collateral requests change. So the requirement is worked out with the rest of the day, and
the call is taken, and recorded, at the run's place in the day's time order (day.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from siamex.clearing.derivatives.accounts import AccountBook, Approval
from siamex.clearing.derivatives.margin import (
    MarginPositions,
    margin_requirements,
    margin_series,
    risk_arrays,
)
from siamex.clearing.derivatives.portfolios import Portfolio, portfolios
from siamex.clearing.derivatives.runs import Run
from siamex.clearing.derivatives.super_margin import super_margin_products
from siamex.clearing.derivatives.universe import Universe
from siamex.clearing.foundations.state import CallRow, MarginRow, MarginRun
from siamex.rulebook.derivatives_collateral import CollateralTerms, default_collateral_terms
from siamex.rulebook.foreign_calendars import ForeignCalendars, default_foreign_calendars
from siamex.rulebook.margin import MarginTable, default_margin_table
from siamex.rulebook.products import ProductKind, ProductTable

__all__ = ["MarginTerms", "Requirement", "margin_calls", "requirement", "underlying_prices"]


@dataclass(frozen=True)
class MarginTerms:
    """What TCH margins with besides the day: the margin parameters, the foreign markets'
    calendars (super margin) and the collateral rules."""

    table: MarginTable = field(default_factory=default_margin_table)
    calendars: ForeignCalendars = field(default_factory=default_foreign_calendars)
    collateral: CollateralTerms = field(default_factory=default_collateral_terms)


@dataclass(frozen=True)
class Requirement:
    """A run's requirement, before its call: the products under super margin and each
    portfolio's requirement by component."""

    run: Run
    super_products: list[str]
    rows: list[MarginRow]

    def by_member(self) -> dict[str, int]:
        """Each member's requirement: the sum of its portfolios'."""
        totals: dict[str, int] = {}
        for row in self.rows:
            totals[row.member] = totals.get(row.member, 0) + row.total
        return totals


def underlying_prices(universe: Universe, prices: Mapping[str, int],
                      given: Mapping[str, int], run: Run = Run.EOD) -> dict[str, int]:
    """Each option underlying's price for Black-76 (decision 134): at the end of day the
    day's instruction if given, else the price of the underlying's futures series expiring
    first; in the intraday run that future's mark first, the day's figure being the close's."""
    nearest: dict[str, tuple[dt.date, int]] = {}
    for symbol, series, product in zip(universe.symbols, universe.series, universe.products,
                                       strict=True):
        if product.kind is not ProductKind.FUTURE or symbol not in prices:
            continue
        known = nearest.get(product.underlying)
        if known is None or series.last_trading_day < known[0]:
            nearest[product.underlying] = (series.last_trading_day, prices[symbol])
    futures = {u: price for u, (_, price) in nearest.items()}
    return {**futures, **given} if run is Run.EOD else {**given, **futures}


def _uncovered(groups: Sequence[Portfolio], amounts: Mapping[str, int]) -> list[int]:
    """decision 135: an account's uncovered-risk margin is charged once, on the first
    portfolio (in name order) that holds its positions."""
    charged: set[str] = set()
    column = []
    for group in groups:
        total = 0
        for account in group.accounts:
            if account in amounts and account not in charged:
                charged.add(account)
                total += amounts[account]
        column.append(total)
    return column


def requirement(run: Run, on: dt.date, held: Mapping[tuple[str, str], tuple[int, int]],
                prices: Mapping[str, int], given_underlyings: Mapping[str, int],
                universe: Universe, book: AccountBook,
                approvals: Mapping[str, frozenset[Approval]], products: ProductTable,
                terms: MarginTerms, uncovered: Mapping[str, int]) -> Requirement:
    """Margin every portfolio of a run (4.5) on its positions and prices."""
    supered = super_margin_products(on, run, products, terms.calendars)
    groups = portfolios(held, book, approvals)
    symbols = sorted({s for g in groups for s in g.positions})
    if not symbols:
        return Requirement(run, sorted(supered), [])
    index = {s: i for i, s in enumerate(symbols)}
    series = margin_series([universe.series[universe.index[s]] for s in symbols], prices,
                           underlying_prices(universe, prices, given_underlyings, run), on,
                           products, terms.table)
    rows = [(p, index[s], q) for p, g in enumerate(groups) for s, q in g.positions.items()]
    positions = MarginPositions(*(np.array(column, np.int64) for column in zip(*rows,
                                                                                 strict=True)))
    columns = margin_requirements(
        positions, risk_arrays(series, terms.table), portfolios=len(groups),
        super_products=supered,
        uncovered=np.array(_uncovered(groups, uncovered), np.int64))
    margin = [MarginRow(g.member, g.name, list(g.accounts), *(int(c[i]) for c in (
        columns.scan, columns.intermonth, columns.delivery, columns.nov, columns.somc,
        columns.icsc_credit, columns.concentration, columns.super_margin, columns.uncovered,
        columns.unsettled_mtm, columns.total))) for i, g in enumerate(groups)]
    return Requirement(run, sorted(supered), margin)


def margin_calls(worked: Requirement, calculated: int, held: Mapping[str, int],
                 owed: Mapping[str, int], due: dt.date, due_time: int,
                 unmet: frozenset[tuple[str, Run]]) -> MarginRun:
    """The run's calls (4.4, 4.8): each member's requirement less its collateral after
    haircut when calculated, when short. A member named as not paying fails the settlement
    when it owes something at it, a call or variation margin (`owed`, decision 136)."""
    required = worked.by_member()
    calls = []
    for member in sorted(set(required) | set(held) | set(owed)):
        need, have = required.get(member, 0), held.get(member, 0)
        call = max(0, need - have)
        fails = (member, worked.run) in unmet and (call > 0 or owed.get(member, 0) > 0)
        if need or call or fails:
            calls.append(CallRow(member, worked.run.value, need, have, call, due, due_time,
                                 not fails))
    return MarginRun(worked.run.value, calculated, worked.super_products, worked.rows, calls)
