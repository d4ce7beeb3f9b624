"""Daily ceiling and floor (set-trading-rules.md 3.3; rounding by decision T5)."""

from __future__ import annotations

from fractions import Fraction

from siamex.rulebook.parameters import Rulebook
from siamex.rulebook.ticks import TickScale

__all__ = ["PriceLimits", "price_limits"]


class PriceLimits:
    """The day's ceiling and floor of one instrument, in satang."""

    __slots__ = ("ceiling", "floor")

    def __init__(self, ceiling: int, floor: int) -> None:
        self.ceiling = ceiling
        self.floor = floor

    def __repr__(self) -> str:
        return f"PriceLimits(ceiling={self.ceiling}, floor={self.floor})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, PriceLimits) and self.ceiling == other.ceiling
                and self.floor == other.floor)

    def __hash__(self) -> int:
        return hash((self.ceiling, self.floor))


def price_limits(
    rules: Rulebook,
    scale: TickScale,
    prev_close: int,
    *,
    board: str = "main",
    ipo_price: int | None = None,
) -> PriceLimits:
    """Return the ceiling and floor for the day.

    A first trading day (an IPO price and no previous close) uses the IPO rule; otherwise the
    band is a percentage of the previous close, the ceiling rounded down and the floor rounded
    up, never closer than one tick to the previous close, the floor never below min_price (T5).
    """
    if ipo_price is not None:
        ceiling = scale.round_down(ipo_price * rules.first_day_ceiling_multiple)
        return PriceLimits(ceiling, rules.first_day_floor)
    pct = rules.foreign_price_limit_pct if board == "foreign" else rules.price_limit_pct
    width = Fraction(prev_close) * pct / 100
    ceiling = max(scale.round_down(prev_close + width), scale.next_up(prev_close))
    low = prev_close - width
    floor = min(scale.round_up(low), scale.next_down(prev_close)) if low > 0 else 0
    return PriceLimits(ceiling, max(floor, rules.min_price))
