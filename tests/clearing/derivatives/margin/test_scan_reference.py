"""The package's scanning risk against an independent one written here in plain Python: loops
over the 16 scenarios, exact fractions for futures, its own Black-76 (statistics.NormalDist)
and its own implied-volatility search for options, no NumPy and nothing shared with the
package but the inputs (clearing-spec.md 4.5, 7.2)."""

from __future__ import annotations

import math
from fractions import Fraction
from statistics import NormalDist

import pytest

from siamex.clearing.derivatives.margin import MarginSeries, portfolio_margin, risk_arrays
from siamex.rulebook.margin import MarginTable

from .runs import BUNDLED, TABLE_2015, series

SYMBOLS = ("S50F26", "S50H26", "S50M26", "S50H26C900", "S50H26P900", "S50H26C1000",
           "S50H26P850", "S50F26C900", "S50F26P875", "S50M26C950", "S50F26C1025", "GFG26",
           "GFJ26", "GF10G26", "GF10H26", "USDH26", "ADVANCH26", "KBANKM26")
PORTFOLIOS = (
    {"S50H26": 3, "S50H26C1000": -10, "S50H26P850": -10},
    {"S50F26C900": 5, "S50F26P875": -7, "S50M26C950": 2, "S50M26": -1},
    {"S50H26C900": -4, "S50H26P900": -4, "S50F26C1025": 20, "GFG26": 2, "GF10H26": -7},
    {"GFJ26": -1, "GF10G26": 3, "USDH26": 50, "ADVANCH26": -9, "KBANKM26": 4},
    {"S50F26": 1, "S50H26": -2, "S50M26": 1, "S50F26C900": -1, "S50H26P900": 1},
)
_N = NormalDist()
_MOVES = [(Fraction(0), 1), (Fraction(0), -1), (Fraction(1, 3), 1), (Fraction(1, 3), -1),
          (Fraction(-1, 3), 1), (Fraction(-1, 3), -1), (Fraction(2, 3), 1),
          (Fraction(2, 3), -1), (Fraction(-2, 3), 1), (Fraction(-2, 3), -1), (Fraction(1), 1),
          (Fraction(1), -1), (Fraction(-1), 1), (Fraction(-1), -1)]


def half_up(value: Fraction) -> int:
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def black(call: bool, forward: float, strike: float, sigma: float, years: float) -> float:
    if years == 0:
        return max(forward - strike, 0.0) if call else max(strike - forward, 0.0)
    if forward <= 0:
        return 0.0 if call else strike
    d1 = (math.log(forward / strike) + sigma * sigma * years / 2) / (sigma * math.sqrt(years))
    d2 = d1 - sigma * math.sqrt(years)
    if call:
        return forward * _N.cdf(d1) - strike * _N.cdf(d2)
    return strike * _N.cdf(-d2) - forward * _N.cdf(-d1)


def implied(call: bool, price: float, forward: float, strike: float, years: float) -> float:
    low, high = 0.0001, 5.0
    if price <= black(call, forward, strike, low, years):
        return low
    for _ in range(100):
        middle = (low + high) / 2
        if black(call, forward, strike, middle, years) < price:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def outright(code: str, all_series: list[MarginSeries], table: MarginTable) -> int:
    row = next(r for r in table.products if r.code == code)
    if row.scan_range is not None:
        return row.scan_range
    scanned = [s for s in all_series if s.product == code
               or (table.product(s.product) or row).scan_from == code]
    reference = scanned[0].underlying_price
    if reference is None:
        reference = min((s.expiry_month, s.symbol, s.price) for s in scanned
                        if s.product == code)[2]
    exact = Fraction(row.rate_pct or 0) * reference * scanned[0].scan_multiplier / 100
    return math.ceil(exact / table.rounding_unit) * table.rounding_unit


def changes(one: MarginSeries, all_series: list[MarginSeries],
            table: MarginTable) -> list[int]:
    """One contract's value change in the 16 scenarios, cover applied, in satang."""
    row = table.product(one.product)
    assert row is not None
    scan_code = row.scan_from or one.product
    scan = outright(scan_code, all_series, table)
    extreme = [(table.extreme_multiple, 0), (-table.extreme_multiple, 0)]
    cover = [Fraction(1)] * 14 + [table.extreme_cover_pct / 100] * 2
    if one.kind.value == "FUT":
        multipliers = [s.multiplier for s in all_series
                       if s.underlying == one.underlying and s.kind.value == "FUT"]
        weight = one.multiplier // math.gcd(*multipliers)
        return [weight * half_up(move * share * scan / weight)
                for (move, _), share in zip(_MOVES + extreme, cover, strict=True)]
    call = one.kind.value == "CALL"
    years = one.days_to_expiry / 365
    forward, strike = float(one.underlying_price or 0), float(one.strike or 0)
    sigma = implied(call, float(one.price), forward, strike, years) if years else 0.0001
    start = black(call, forward, strike, sigma, years)
    result = []
    for (move, vol), share in zip(_MOVES + extreme, cover, strict=True):
        moved = float((one.underlying_price or 0) + move * Fraction(scan, one.scan_multiplier))
        shifted = max(sigma + vol * float(row.volatility_scan or 0), 0.0001)
        change = (black(call, moved, strike, shifted, years) - start) * one.multiplier
        result.append(half_up(Fraction(change) * share))
    return result


def reference_scan(positions: dict[str, int], all_series: list[MarginSeries],
                   table: MarginTable) -> dict[str, int]:
    by_symbol = {s.symbol: s for s in all_series}
    underlyings = sorted({by_symbol[symbol].underlying for symbol in positions})
    scan = {}
    for underlying in underlyings:
        worst = 0
        for k in range(16):
            loss = 0
            for symbol, qty in positions.items():
                one = by_symbol[symbol]
                if one.underlying == underlying:
                    loss -= qty * changes(one, all_series, table)[k]
            worst = max(worst, loss)
        scan[underlying] = worst
    return scan


@pytest.mark.parametrize("table", [TABLE_2015, BUNDLED], ids=["2015", "bundled"])
@pytest.mark.parametrize("positions", PORTFOLIOS)
def test_the_scanning_risk_matches_a_plain_python_one(table: MarginTable,
                                                      positions: dict[str, int]) -> None:
    all_series = list(series(SYMBOLS, table=table))
    margin = portfolio_margin(positions, risk_arrays(all_series, table), table)
    found = {u.underlying: u.scan for u in margin.underlyings}
    assert found == reference_scan(positions, all_series, table)
    assert all(scan > 0 for scan in found.values())
