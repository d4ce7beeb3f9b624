"""Risk arrays: each series' value change per contract in the 16 scenarios, in satang, and the
per-contract charges, computed once per run (clearing-spec.md 4.5, 7.2 CME SPAN).

Why once per series: every portfolio holding a series reuses its array, so a run over a
million portfolios does the pricing work of a few dozen series and only integer sums after.
Futures are exact: a move of a third of the scan range is rounded half up to the satang.
Options are revalued by Black-76 (black76.py, the one use of floats), each change rounded
half up to the satang (decision 115). The extreme scenarios' arrays hold the covered share
of the change already, so a scenario's loss is a plain sum over positions.

Arrays are in rank order: the series sorted by market, underlying, product, expiry month,
kind and strike, so that after positions are sorted by (portfolio, rank) every grouping the
requirement needs (risk class, underlying, market) is a run of adjacent rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from siamex.clearing.derivatives.margin.black76 import (
    VOLATILITY_FLOOR,
    implied_volatility,
    option_value,
)
from siamex.clearing.derivatives.margin.scenarios import SCENARIO_COUNT, Scenario, scenarios
from siamex.clearing.derivatives.margin.series import MarginSeries
from siamex.clearing.derivatives.positions import Bools, Int64s
from siamex.clearing.foundations.money import round_half_up
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.margin import MarginTable, ProductMargin
from siamex.rulebook.products import MarketGroup, SeriesKind

__all__ = ["DAYS_PER_YEAR", "RiskArrays", "risk_arrays"]

DAYS_PER_YEAR = 365
"""Black-76's year: calendar days to expiry over 365 (decision 115)."""

_MARKETS = tuple(MarketGroup)
_KIND_ORDER = {SeriesKind.FUTURE: 0, SeriesKind.CALL: 1, SeriesKind.PUT: 2}
# the scenarios a price risk is read from: up a whole range (vol up, down), down a range
_UP, _DOWN = (10, 11), (12, 13)


@dataclass(frozen=True, eq=False)
class RiskArrays:
    """Everything the requirement needs per series, per underlying and per product.

    Per series, by rank (`rank[i]` is the rank of the caller's series i): `scenario` (16 rows
    of value changes per long contract), `worst_long` / `worst_short` (one contract's worst
    scenario loss), `price_risk` (the change for a whole scan range up, the ICSC exposure),
    `option_value`, `delivery`, `somc` (charges per contract), `weight` (base contracts per
    future, 0 for options), `month`, `risk_class` (futures of one product share one array,
    so share a class), `product` and `underlying` (indices). Per underlying: `markets`,
    `spread` (per base-contract pair), `netted_months` (several futures products, whose
    months net together), `reference` (the ICSC ratio's contract). Per product:
    `concentration_contracts` (0: none) and `concentration_charge`.
    """

    series: tuple[MarginSeries, ...]
    table: MarginTable
    rank: Int64s
    symbols: tuple[str, ...]
    scenario: Int64s
    worst_long: Int64s
    worst_short: Int64s
    price_risk: Int64s
    option_value: Int64s
    delivery: Int64s
    somc: Int64s
    weight: Int64s
    month: Int64s
    risk_class: Int64s
    product: Int64s
    underlying: Int64s
    products: tuple[str, ...]
    underlyings: tuple[str, ...]
    markets: tuple[MarketGroup, ...]
    spread: Int64s
    netted_months: Bools
    reference: Int64s
    concentration_contracts: Int64s
    concentration_charge: Int64s
    outright: Mapping[str, int]
    largest: int

    def __len__(self) -> int:
        return len(self.series)


def _refused(message: str) -> SiamexError:
    return SiamexError(ErrorCode.MARGIN_FILE, message)


def _row(table: MarginTable, series: MarginSeries) -> ProductMargin:
    row = table.product(series.product)
    if row is None:
        raise _refused(f"cannot margin {series.symbol}: the margin table has no row for "
                       f"{series.product}")
    if row.is_option != series.is_option:
        raise _refused(f"cannot margin {series.symbol}: the margin row of {series.product} "
                       f"is {'an option' if row.is_option else 'a future'}'s")
    return row


def _check(series: MarginSeries) -> None:
    """Refuse terms no margin can be computed from (the calculator's own edge; decision
    119)."""
    if series.multiplier < 1 or series.scan_multiplier < 1 or series.days_to_expiry < 0:
        raise _refused(f"cannot margin {series.symbol}: its multiplier and days to expiry "
                       "must be positive")
    if not series.is_option:
        if series.price <= 0:
            raise _refused(f"cannot margin {series.symbol}: its settlement price must be "
                           "above 0")
        return
    if series.price < 0 or not series.strike or series.strike < 0:
        raise _refused(f"cannot margin {series.symbol}: an option needs a price of 0 or "
                       "more and a strike above 0")
    if series.underlying_price is None or series.underlying_price <= 0:
        raise _refused(f"cannot margin {series.symbol}: give a price above 0 for its "
                       f"underlying {series.underlying}")


def _scan_product(series: MarginSeries, row: ProductMargin) -> str:
    return row.scan_from if row.scan_from is not None else series.product


def _reference(scan: str, underlying: str, given: int | None,
               series: Sequence[MarginSeries]) -> int:
    """The price a percentage rate applies to: the underlying's when given, else the
    settlement price of the product's nearest-expiry future margined (decision 114)."""
    if given is not None:
        return given
    futures = sorted((s.expiry_month, s.symbol, s.price) for s in series
                     if s.product == scan and not s.is_option)
    if not futures:
        raise _refused(f"cannot margin {scan}: give a price for its underlying {underlying}")
    return futures[0][2]


def _outrights(series: Sequence[MarginSeries], rows: Sequence[ProductMargin],
               table: MarginTable) -> dict[str, int]:
    """The outright per contract of every scan product: its `scan_range`, or its `rate_pct`
    of the reference price times its multiplier rounded up to the rounding unit (4.5)."""
    multiplier: dict[str, int] = {}
    underlying_price: dict[str, int | None] = {}
    for one, row in zip(series, rows, strict=True):
        scan = _scan_product(one, row)
        if multiplier.setdefault(scan, one.scan_multiplier) != one.scan_multiplier:
            raise _refused(f"cannot margin {one.symbol}: {scan}'s multiplier differs between "
                           "the series scanned with it")
        if underlying_price.setdefault(one.underlying, one.underlying_price) \
                != one.underlying_price:
            raise _refused(f"cannot margin {one.symbol}: the series of {one.underlying} "
                           "carry different underlying prices")
    outright: dict[str, int] = {}
    for one, row in zip(series, rows, strict=True):
        scan = _scan_product(one, row)
        if scan in outright:
            continue
        source = table.product(scan)
        if source is None or source.is_option:
            raise _refused(f"cannot margin {one.symbol}: {scan} has no futures margin row")
        if source.scan_range is not None:
            outright[scan] = source.scan_range
            continue
        rate = source.rate_pct if source.rate_pct is not None else Fraction(0)
        price = _reference(scan, one.underlying, underlying_price[one.underlying], series)
        value = rate * price * multiplier[scan] / 100
        unit = table.rounding_unit
        outright[scan] = math.ceil(value / unit) * unit
    return outright


def _future_array(outright: int, weight: int, cases: Sequence[Scenario]) -> list[int]:
    """A future's changes, each rounded half up to the satang per base contract, so that a
    GF (5 base contracts) moves exactly as five GF10 do (decision 114)."""
    return [weight * round_half_up(case.price * case.cover * outright / weight)
            for case in cases]


def _option_array(series: MarginSeries, row: ProductMargin, outright: int, rate: float,
                  cases: Sequence[Scenario]) -> list[int]:
    """Revalue the option in every scenario from the implied volatility of its settlement
    price; each change times the multiplier, covered, is rounded half up to the satang."""
    call = series.kind is SeriesKind.CALL
    years = series.days_to_expiry / DAYS_PER_YEAR
    price = series.underlying_price or 0  # _check refused an option without one
    underlying, strike = float(price), float(series.strike or 0)
    volatility = (implied_volatility(call, float(series.price), underlying, strike, years, rate)
                  if years > 0 else VOLATILITY_FLOOR)
    scan = float(row.volatility_scan or 0)
    base = option_value(call, underlying, strike, volatility, years, rate)
    move = Fraction(outright, series.scan_multiplier)  # the range in hundredths of the price
    changes = []
    for case in cases:
        moved = float(price + case.price * move)
        shifted = max(volatility + case.volatility * scan, VOLATILITY_FLOOR)
        change = (option_value(call, moved, strike, shifted, years, rate) - base) \
            * series.multiplier
        changes.append(round_half_up(Fraction(change) * case.cover))
    return changes


def _rank_key(series: MarginSeries) -> tuple[int, str, str, tuple[int, int], int, int, str]:
    return (_MARKETS.index(series.market), series.underlying, series.product,
            series.expiry_month, _KIND_ORDER[series.kind], series.strike or 0, series.symbol)


def _percent_of(amount: int, pct: Fraction) -> int:
    return round_half_up(pct * amount / 100)


def risk_arrays(series: Sequence[MarginSeries], table: MarginTable) -> RiskArrays:
    """Build the run's risk arrays and charges; refused with MARGIN_FILE, naming the series or
    product, when something cannot be margined."""
    symbols = [s.symbol for s in series]
    if len(set(symbols)) != len(symbols):
        raise _refused("a series is given twice")
    for one in series:
        _check(one)
    rows = [_row(table, one) for one in series]
    outright = _outrights(series, rows, table)
    order = sorted(range(len(series)), key=lambda i: _rank_key(series[i]))
    ranked = [series[i] for i in order]
    ranked_rows = [rows[i] for i in order]
    scans = [_scan_product(s, r) for s, r in zip(ranked, ranked_rows, strict=True)]
    underlyings = tuple(dict.fromkeys(s.underlying for s in ranked))
    products = tuple(dict.fromkeys(s.product for s in ranked))
    months = sorted({s.expiry_month for s in ranked})
    base = {u: math.gcd(*(s.multiplier for s in ranked if s.underlying == u
                          and not s.is_option)) for u in underlyings}
    weight = [0 if s.is_option else s.multiplier // base[s.underlying] for s in ranked]
    cases = scenarios(table.extreme_multiple, table.extreme_cover_pct)
    rate = float(table.interest_rate)
    arrays = [_option_array(s, r, outright[scan], rate, cases) if s.is_option
              else _future_array(outright[scan], w, cases)
              for s, r, scan, w in zip(ranked, ranked_rows, scans, weight, strict=True)]
    scenario = np.array(arrays, np.int64).reshape(len(series), SCENARIO_COUNT).T.copy()
    classes: dict[tuple[bool, str], int] = {}
    risk_class = [classes.setdefault((s.is_option, s.symbol if s.is_option else s.product),
                                     len(classes)) for s in ranked]

    spread, netted, reference = [], [], []
    for u in underlyings:
        futures = {(s.product, w): r for s, r, w in zip(ranked, ranked_rows, weight, strict=True)
                   if s.underlying == u and not s.is_option}
        spread.append(max((round_half_up(r.spread_pct * outright[p] / (100 * w))
                           for (p, w), r in futures.items()), default=0))
        netted.append(len(futures) > 1)
        scanned = {scan for s, scan in zip(ranked, scans, strict=True) if s.underlying == u}
        first = next(row.code for row in table.products if row.code in scanned)
        reference.append(outright[first])

    by_product = {s.product: (r, scan) for s, r, scan in zip(ranked, ranked_rows, scans,
                                                               strict=True)}
    threshold = [by_product[p][0].concentration_contracts or 0 for p in products]
    concentration = [_percent_of(outright[by_product[p][1]], by_product[p][0].concentration_pct)
                     if by_product[p][0].concentration_contracts else 0 for p in products]

    delivery = [_percent_of(outright[scan], r.delivery_pct)
                if s.delivery_month and not s.is_option else 0
                for s, r, scan in zip(ranked, ranked_rows, scans, strict=True)]
    somc = [(r.somc if r.somc is not None
             else _percent_of((s.underlying_price or 0) * s.multiplier, r.somc_pct or Fraction(0)))
            if s.is_option else 0 for s, r in zip(ranked, ranked_rows, strict=True)]
    price_risk = [round_half_up(Fraction(a[_UP[0]] + a[_UP[1]] - a[_DOWN[0]] - a[_DOWN[1]], 4))
                  for a in arrays]
    values = [s.price * s.multiplier if s.is_option else 0 for s in ranked]
    rank = np.empty(len(series), np.int64)
    rank[np.array(order, np.int64)] = np.arange(len(series), dtype=np.int64)
    widest = max(weight, default=0) * max(spread, default=0)
    largest = max((abs(v) for block in (*arrays, price_risk, values, delivery, somc,
                                        concentration, [widest]) for v in block), default=0)
    market_of = {s.underlying: s.market for s in ranked}
    _check_credits(table, market_of)
    return RiskArrays(
        series=tuple(series), table=table, rank=rank, symbols=tuple(s.symbol for s in ranked),
        scenario=scenario, worst_long=(-scenario).max(axis=0),
        worst_short=scenario.max(axis=0),
        price_risk=_ints(price_risk), option_value=_ints(values), delivery=_ints(delivery),
        somc=_ints(somc), weight=_ints(weight),
        month=_ints([months.index(s.expiry_month) for s in ranked]),
        risk_class=_ints(risk_class),
        product=_ints([products.index(s.product) for s in ranked]),
        underlying=_ints([underlyings.index(s.underlying) for s in ranked]),
        products=products, underlyings=underlyings,
        markets=tuple(market_of[u] for u in underlyings), spread=_ints(spread),
        netted_months=np.array(netted, np.bool_), reference=_ints(reference),
        concentration_contracts=_ints(threshold), concentration_charge=_ints(concentration),
        outright=outright, largest=largest)


def _check_credits(table: MarginTable, market_of: Mapping[str, MarketGroup]) -> None:
    """A credit's underlyings, when margined, must trade in its market (decision 117)."""
    for credit in table.icsc:
        for name in (credit.a, credit.b):
            if name in market_of and market_of[name] is not credit.market:
                raise _refused(f"icsc {credit.a}/{credit.b} is in {credit.market}, but "
                               f"{name} trades in {market_of[name]}")


def _ints(values: Sequence[int]) -> Int64s:
    return np.array(values, np.int64)
