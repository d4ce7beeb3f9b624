"""Tick sizes, valid prices and rounding to a valid price (set-trading-rules.md 3.2).

Every row of the tick table starts at a multiple of its own tick and of the tick below it, so
rounding with the tick found at a price always lands on a valid price.
"""

from __future__ import annotations

from bisect import bisect_right
from fractions import Fraction

from siamex.rulebook.parameters import Rulebook

__all__ = [
    "TickScale",
    "tick_scale",
]


class TickScale:
    """The tick schedule that applies to one instrument kind."""

    __slots__ = ("_starts", "_ticks")

    def __init__(self, table: tuple[tuple[int, int], ...]) -> None:
        self._starts = [start for start, _ in table]
        self._ticks = [tick for _, tick in table]

    def tick_at(self, price: int) -> int:
        """Return the tick that applies at a price (looked up at that price, 3.2).

        The table has a handful of rows: a walk down them beats a bisection. Prices are whole
        satang here, so the compiled engine passes them as machine words.
        """
        starts = self._starts
        row = len(starts) - 1
        while row > 0 and price < starts[row]:
            row -= 1
        return self._ticks[row]

    def uniform_tick(self, low: int, high: int) -> int:
        """Return the tick of the one row of the table that holds every price from low to
        high, or 0 when they span rows."""
        row = bisect_right(self._starts, low)
        return self._ticks[row - 1] if bisect_right(self._starts, high) == row else 0

    def is_valid(self, price: int) -> bool:
        """Tell whether a positive price in satang lies on the tick grid."""
        return price > 0 and price % self.tick_at(price) == 0

    def round_down(self, price: int | Fraction) -> int:
        """Return the highest valid price at or below a (possibly fractional) price."""
        if isinstance(price, int):
            tick = self.tick_at(price)
            return price // tick * tick
        # a row starts at a whole number of satang: a positive fraction is in its floor's row
        tick = self.tick_at(int(price))
        return int(price // tick) * tick

    def round_up(self, price: int | Fraction) -> int:
        """Return the lowest valid price at or above a (possibly fractional) price."""
        if isinstance(price, int):
            tick = self.tick_at(price)
            return -(-price // tick) * tick
        tick = self.tick_at(int(price))
        return -int(-price // tick) * tick

    def next_up(self, price: int) -> int:
        """Return the valid price one tick above a valid price."""
        return price + self.tick_at(price)

    def next_down(self, price: int) -> int:
        """Return the valid price one tick below a valid price (0 when there is none)."""
        if price <= self._ticks[0]:
            return 0
        below = price - 1
        tick = self.tick_at(below)
        return below // tick * tick


def tick_scale(rules: Rulebook, kind: str) -> TickScale:
    """Return the tick schedule of an instrument kind: flat for ETFs and unit trusts (3.2)."""
    if kind in rules.flat_tick_kinds:
        return TickScale(((0, rules.flat_tick),))
    return TickScale(rules.tick_table)
