"""The Dynamic Price Band around the last price (set-trading-rules.md 6.2; decision T11).

An auto-matched execution at p is allowed iff abs(p - ref) <= pct% of ref. The band's edges
are found on the book's price ladder: the highest price a buyer may reach and the lowest a
seller may, in exact integers.
"""

from __future__ import annotations

from fractions import Fraction

from siamex.trading.book import Book

__all__ = ["Band"]


class Band:
    """The band's percentage, as the integer ratios its two edges need."""

    __slots__ = ("den", "high", "low")

    def __init__(self, pct: Fraction) -> None:
        self.den = 100 * pct.denominator
        self.high = self.den + pct.numerator
        self.low = self.den - pct.numerator

    def buy_edge(self, book: Book, ref: int) -> int:
        """Return the index of the highest ladder price within the band above `ref`."""
        return book.at_most(ref * self.high // self.den)

    def sell_edge(self, book: Book, ref: int) -> int:
        """Return the index of the lowest ladder price within the band below `ref`."""
        return book.at_least(-(-ref * self.low // self.den))
