"""The market-wide circuit breaker's levels (set-trading-rules.md 6.1; decision T10).

A level is reached when the index is at or below its previous close less the level's
percentage (vector 32: from 1,500.00, level 1 at 1,380.00 exactly). The day's trigger values
are worked out once, in integers, so that each index move is only compared with them.
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["breaker_floors", "level_reached"]


def breaker_floors(levels: tuple[tuple[Fraction, int], ...], prev_close: int) -> list[int]:
    """Return, per level, the highest index value (hundredths) that reaches it."""
    floors: list[int] = []
    for fall, _ in levels:
        scale = 100 * fall.denominator
        floors.append(prev_close * (scale - fall.numerator) // scale)
    return floors


def level_reached(floors: list[int], value: int) -> int:
    """Return the deepest level (1, 2, ...) an index value reaches, or 0 for none."""
    reached = 0
    for level, floor in enumerate(floors, 1):
        if value <= floor:
            reached = level
    return reached
