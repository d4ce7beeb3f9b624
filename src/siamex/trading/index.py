"""A market-capitalisation weighted index (set-trading-rules.md 12).

The value is the previous close times today's market value over the base market value, where
the base is the members' market value at their previous closes: so yesterday's close reproduces
the given index close, and only price moves change the index. Market values are exact integers
(listed shares times satang); the value is rounded half up to hundredths of a point.
"""

from __future__ import annotations

__all__ = ["Index"]


class Index:
    """One index of the day: its members' market value now and at the base."""

    __slots__ = ("base", "cap", "name", "prev_close", "value")

    def __init__(self, name: str, prev_close: int) -> None:
        self.name = name
        self.prev_close = prev_close
        self.base = 0
        self.cap = 0
        self.value = prev_close

    def add_member(self, shares: int, price: int) -> None:
        """Count a member at its base price (its previous close)."""
        self.base += shares * price
        self.cap += shares * price

    def move(self, delta: int) -> bool:
        """Apply a change of market value; tell whether the rounded value changed."""
        self.cap += delta
        base = self.base
        value = (2 * self.prev_close * self.cap + base) // (2 * base) if base else self.prev_close
        if value == self.value:
            return False
        self.value = value
        return True
