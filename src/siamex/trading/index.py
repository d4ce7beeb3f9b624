"""A market-capitalisation weighted index (set-trading-rules.md 12).

The value is the previous close times today's market value over the base market value, where
the base is the members' market value at their previous closes: so yesterday's close reproduces
the given index close, and only price moves change the index. Market values are exact integers
(listed shares times satang); the value is rounded half up to hundredths of a point.

The product of a close and a market value does not fit a machine word, and the index moves on
every trade of a member, so it is not recomputed each time. The index keeps the range of market
values [low, high) that round to its current value v: low(v) = ceil((2v - 1) base / 2 close).
It holds (2v - 1) base as quotient and remainder of 2 close, and steps v by whole values with
small integers only.
"""

from __future__ import annotations

__all__ = ["Index"]


class Index:
    """One index of the day: its members' market value now and at the base."""

    __slots__ = ("base", "cap", "high", "low", "name", "prev_close", "quotient", "remainder",
                 "step_quotient", "step_remainder", "value")

    def __init__(self, name: str, prev_close: int) -> None:
        self.name = name
        self.prev_close = prev_close
        self.base = 0
        self.cap = 0
        self.value = prev_close
        self.low = self.high = 0
        self.quotient = self.remainder = 0
        self.step_quotient = self.step_remainder = 0

    def add_member(self, shares: int, price: int) -> None:
        """Count a member at its base price (its previous close)."""
        self.base += shares * price
        self.cap += shares * price
        twice_close = 2 * self.prev_close
        self.quotient, self.remainder = divmod((2 * self.value - 1) * self.base, twice_close)
        self.step_quotient, self.step_remainder = divmod(2 * self.base, twice_close)
        self._bounds()

    def move(self, delta: int) -> bool:
        """Apply a change of market value; tell whether the rounded value changed."""
        cap = self.cap + delta
        self.cap = cap
        if self.low <= cap < self.high or not self.base:
            return False
        span = max(1, self.high - self.low)
        if cap >= self.high:
            self._shift(1 + (cap - self.high) // span)
        else:
            self._shift(-1 - (self.low - 1 - cap) // span)
        while cap >= self.high:
            self._shift(1)
        while cap < self.low:
            self._shift(-1)
        return True

    def restore(self, quotient: int, remainder: int, step_quotient: int,
                step_remainder: int) -> None:
        """Take back the kept range of a snapshot."""
        self.quotient, self.remainder = quotient, remainder
        self.step_quotient, self.step_remainder = step_quotient, step_remainder
        self._bounds()

    def _shift(self, steps: int) -> None:
        """Move the value by whole hundredths, and its range with it."""
        self.value += steps
        carry, self.remainder = divmod(self.remainder + steps * self.step_remainder,
                                       2 * self.prev_close)
        self.quotient += steps * self.step_quotient + carry
        self._bounds()

    def _bounds(self) -> None:
        self.low = self.quotient + (1 if self.remainder else 0)
        carry, rest = divmod(self.remainder + self.step_remainder, 2 * self.prev_close)
        self.high = self.quotient + self.step_quotient + carry + (1 if rest else 0)
