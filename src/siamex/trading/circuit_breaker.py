"""The market-wide circuit breaker's levels (set-trading-rules.md 6.1; decision T10)."""

from __future__ import annotations

from fractions import Fraction

__all__ = ["breaker_level"]


def breaker_level(levels: tuple[tuple[Fraction, int], ...], prev_close: int, value: int) -> int:
    """Return the deepest level (1, 2, ...) the index has fallen to, or 0 for none.

    A level is reached when the index is at or below its previous close less the level's
    percentage (vector 32: from 1,500.00, level 1 at 1,380.00 exactly); compared in integers.
    """
    reached = 0
    for level, (fall, _) in enumerate(levels, 1):
        scale = 100 * fall.denominator
        if value * scale <= prev_close * (scale - fall.numerator):
            reached = level
    return reached
