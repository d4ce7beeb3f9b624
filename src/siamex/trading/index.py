"""A market-capitalisation weighted index (set-trading-rules.md 12).

The value is the previous close times today's market value over the base market value, where
the base is the members' market value at their previous closes: so yesterday's close reproduces
the given index close, and only price moves change the index. Market values are exact integers
(listed shares times satang); the value is rounded half up to hundredths of a point.

Most trades move the market value less than one hundredth of a point is worth, so the index
keeps the range of market values that round to its current value and recomputes (with numbers
too wide for a machine word) only when a move leaves it.
"""

from __future__ import annotations

__all__ = ["Index"]


class Index:
    """One index of the day: its members' market value now and at the base."""

    __slots__ = ("base", "cap", "high", "low", "name", "prev_close", "value")

    def __init__(self, name: str, prev_close: int) -> None:
        self.name = name
        self.prev_close = prev_close
        self.base = 0
        self.cap = 0
        self.value = prev_close
        self.low = 0
        self.high = 0

    def add_member(self, shares: int, price: int) -> None:
        """Count a member at its base price (its previous close)."""
        self.base += shares * price
        self.cap += shares * price
        self._bounds()

    def move(self, delta: int) -> bool:
        """Apply a change of market value; tell whether the rounded value changed."""
        cap = self.cap + delta
        self.cap = cap
        if self.low <= cap < self.high or not self.base:
            return False
        base = self.base
        self.value = (2 * self.prev_close * cap + base) // (2 * base)
        self._bounds()
        return True

    def _bounds(self) -> None:
        """Find the market values that round to the current value: v is the value while
        2 base v - base <= 2 close cap < 2 base (v + 1) - base."""
        base, twice_close = self.base, 2 * self.prev_close
        self.low = -(-(2 * base * self.value - base) // twice_close)
        self.high = -(-(2 * base * (self.value + 1) - base) // twice_close)
