"""Final settlement prices of expiring TFEX series, and what an option pays at them (4.1).

Each is exact until one explicit rounding, half up, to the unit the product is priced in:
prices are integers in hundredths of that unit (index points, THB per USD, THB per
baht-weight), like every price in the clearing house.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from siamex.clearing.foundations.money import round_half_up
from siamex.rulebook.products import SeriesKind, gold_reference_price

__all__ = [
    "TooFewValues",
    "gold_final_price",
    "option_intrinsic",
    "reference_rate_final_price",
    "set50_final_price",
]

_DROPPED = 3  # clearing-spec.md 4.1 [W-8]: the 3 highest and the 3 lowest values


class TooFewValues(ValueError):
    """Too few index values to drop the extremes and still have one to average."""


def _half_up_to(value: Fraction, tick: int) -> int:
    return round_half_up(value / tick) * tick


def set50_final_price(values: Sequence[int], close: int) -> int:
    """Return the SET50 futures and options final settlement price in hundredths of a point.

    The values of the last 15 minutes and the close are pooled, the 3 highest and 3 lowest
    dropped and the rest averaged, so one print at the end cannot move the price; the average
    is rounded half up to the hundredth the index is published in (derived).
    """
    pooled = sorted([*values, close])
    if len(pooled) <= 2 * _DROPPED:
        raise TooFewValues(f"{len(pooled)} values with the close: at least {2 * _DROPPED + 1} "
                           f"are needed to drop the {_DROPPED} highest and lowest")
    kept = pooled[_DROPPED:-_DROPPED]
    return round_half_up(Fraction(sum(kept), len(kept)))


def reference_rate_final_price(rate: Fraction | str, tick: int = 1) -> int:
    """Return the USD futures final settlement price in hundredths of a THB: the 11:00
    reference rate (THB per USD, [W-11]) rounded half up to the contract's 0.01 THB tick."""
    return _half_up_to(Fraction(rate) * 100, tick)


def gold_final_price(gold_usd_per_oz: Fraction | str, thb_per_usd: Fraction | str,
                     tick: int) -> int:
    """Return a gold futures final settlement price in hundredths of a THB per baht-weight.

    Derived: the spot price of 99.5% gold (USD per troy ounce) in THB, per baht-weight
    (15.244 g) of 96.5% gold, rounded half up to the tick (10 THB is 1,000 hundredths).
    """
    per_baht_weight = gold_reference_price(Fraction(gold_usd_per_oz), Fraction(thb_per_usd))
    return _half_up_to(per_baht_weight * 100, tick)


def option_intrinsic(kind: SeriesKind, strike: int, final_price: int) -> int:
    """Return what one option contract pays at expiry, in hundredths of the price unit (times
    the multiplier it is satang): European, cash settled against the final price [W-8]."""
    if kind is SeriesKind.CALL:
        return max(0, final_price - strike)
    return max(0, strike - final_price)
