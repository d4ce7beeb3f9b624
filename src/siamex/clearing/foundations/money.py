"""Exact money for the clearing house: integer satang, decimal text at the edges.

Amounts reach billions of baht (the SET Reserve Fund is 2,000,000,000 THB), so the text form
takes whole baht up to the clearing house's largest amount (`limits.MAX_AMOUNT`, decision 71).
A share of an amount is rounded half up to the satang (decision C3), the one rounding rule of
the clearing house unless a rule says otherwise.
"""

from __future__ import annotations

import re
from fractions import Fraction

from siamex.clearing.foundations.limits import MAX_AMOUNT
from siamex.units import format_price as format_baht  # satang as a two-decimal THB string
from siamex.units import shown

__all__ = ["InvalidAmount", "format_baht", "parse_baht", "percent_of", "round_half_up"]

_AMOUNT = re.compile(r"^(-?)([0-9]{1,30})(?:\.([0-9]{1,2}))?\Z")  # ASCII digits only


class InvalidAmount(ValueError):
    """An amount at an edge that cannot be read."""


def parse_baht(text: str) -> int:
    """Read a decimal THB amount ("1234.50", "-3", "60000000") into satang."""
    if not isinstance(text, str):
        raise InvalidAmount(f"an amount is a decimal string, got {type(text).__name__}")
    m = _AMOUNT.match(text.replace(",", ""))
    if m is None:
        raise InvalidAmount(f"{shown(text)} is not an amount in THB with at most two decimals")
    sign, whole, frac = m.groups()
    satang = int(whole) * 100 + int((frac or "").ljust(2, "0"))
    if satang > MAX_AMOUNT:  # decision 71: what a 64-bit store column holds, with headroom
        raise InvalidAmount(f"{shown(text)} is beyond the largest amount, "
                            f"{format_baht(MAX_AMOUNT)} THB")
    return -satang if sign else satang


def round_half_up(value: Fraction) -> int:
    """Round an exact amount to the nearest satang, halves away from zero (decision C3)."""
    magnitude = (abs(value.numerator) * 2 + value.denominator) // (2 * value.denominator)
    return magnitude if value >= 0 else -magnitude


def percent_of(satang: int, pct: Fraction) -> int:
    """Return `pct` percent of an amount, rounded half up to the satang."""
    return round_half_up(Fraction(satang) * pct / 100)
