"""The Dynamic Price Band around the last price (set-trading-rules.md 6.2; decision T11).

An auto-matched execution at p is allowed iff abs(p - ref) <= pct% of ref, compared in exact
integers: p * 100 * d lies between ref * (100 * d - n) and ref * (100 * d + n) for pct = n / d.
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["Band"]


class Band:
    """The band's percentage, as the integer ratios its two edges need."""

    __slots__ = ("den", "high", "low")

    def __init__(self, pct: Fraction) -> None:
        self.den = 100 * pct.denominator
        self.high = self.den + pct.numerator
        self.low = self.den - pct.numerator

    def allows(self, ref: int, price: int) -> bool:
        """Tell whether an execution at `price` lies within the band around `ref`."""
        scaled = price * self.den
        return ref * self.low <= scaled <= ref * self.high
