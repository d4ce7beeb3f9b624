"""The 16 what-if scenarios of the scanning risk (clearing-spec.md 4.5 [W-15], 7.2 CME SPAN).

Fixed in code, as SPAN fixes them: the table only says how far the two extreme scenarios move
and how much of their loss counts. Scenario k moves the underlying's price by `price` scan
ranges and its implied volatility by `volatility` volatility scans; `cover` is the share of
the value change a risk array holds for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

__all__ = ["SCENARIO_COUNT", "Scenario", "scenarios"]

SCENARIO_COUNT = 16


@dataclass(frozen=True, slots=True)
class Scenario:
    """One scenario: a price move in scan ranges, a volatility move (+1 up, -1 down, 0 none)
    and the share of its value change counted."""

    price: Fraction
    volatility: int
    cover: Fraction


def scenarios(extreme_multiple: Fraction, extreme_cover_pct: Fraction) -> tuple[Scenario, ...]:
    """The 16 scenarios in SPAN's order: price unchanged, up 1/3, down 1/3, up 2/3, down 2/3,
    up 3/3, down 3/3, each volatility up then down; then the extreme moves up and down with
    volatility unchanged, counted at `extreme_cover_pct` (7.2)."""
    whole = Fraction(1)
    moves = (Fraction(0), Fraction(1, 3), Fraction(-1, 3), Fraction(2, 3), Fraction(-2, 3),
             whole, -whole)
    regular = tuple(Scenario(move, volatility, whole) for move in moves for volatility in (1, -1))
    cover = extreme_cover_pct / 100
    return (*regular, Scenario(extreme_multiple, 0, cover), Scenario(-extreme_multiple, 0, cover))
