"""A TFEX series' daily ceiling and floor (clearing-spec.md 4.1; rounding by decision 95).

A future's band is a percentage of its own previous settlement price. An option's premium is
small beside its band, so the band is a percentage of the underlying's previous settlement,
added to and taken from the previous premium. Both are rounded inwards to the tick, as the
equity limits are (set-trading-rules.md 3.3, decision T5), and no floor is below one tick.
"""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from siamex.rulebook.products import Product, ProductKind

__all__ = ["SeriesLimits", "price_limits"]


class SeriesLimits(NamedTuple):
    """The day's ceiling and floor of one series, in hundredths of its price unit."""

    ceiling: int
    floor: int


def price_limits(product: Product, prev_settlement: int,
                 underlying_settlement: int | None = None) -> SeriesLimits:
    """Return a series' ceiling and floor from its previous settlement price (an option's:
    its previous premium) and, for an option, the underlying's previous settlement."""
    if product.kind is ProductKind.OPTION:
        if underlying_settlement is None:
            raise ValueError(f"{product.code}: an option's limits need the underlying's "
                             "previous settlement price")
        basis = underlying_settlement  # options: % of the underlying (decision 95)
    else:
        basis = prev_settlement
    width = Fraction(basis) * product.price_limit_pct / 100
    tick = product.tick
    floor = max(tick, -int(-(prev_settlement - width) // tick) * tick)
    ceiling = max(int((prev_settlement + width) // tick) * tick, floor)
    return SeriesLimits(ceiling, floor)
