"""One portfolio's margin, underlying by underlying and market by market, for reports
(clearing-spec.md 4.5).

Amounts are satang. How the figures add up: each underlying's `requirement` is
max(scan + intermonth + delivery - nov, somc); each market's is max(floor, the sum of its
underlyings' requirements - icsc_credit); the portfolio's `total` is the sum of its markets'
plus unsettled futures MTM, concentration, super and uncovered-risk margin. The portfolio's
scan, intermonth, delivery, nov and somc are its underlyings' sums, shown for reading: the
max per underlying is why they do not add up to the total.
"""

from __future__ import annotations

from dataclasses import dataclass

from siamex.rulebook.products import MarketGroup

__all__ = ["MarginBreakdown", "MarketMargin", "UnderlyingMargin"]


@dataclass(frozen=True, slots=True)
class UnderlyingMargin:
    """One underlying's requirement and its parts: never below its short-option minimum,
    so never below 0; a long option's value offsets risk in its own underlying only."""

    underlying: str
    market: MarketGroup
    scan: int
    intermonth: int
    delivery: int
    nov: int
    somc: int
    requirement: int
    concentration: int
    super_margin: int


@dataclass(frozen=True, slots=True)
class MarketMargin:
    """One market's requirement: its underlyings' sum less the inter-commodity credit, at
    least its floor."""

    market: MarketGroup
    underlyings: int
    icsc_credit: int
    floor: int
    requirement: int


@dataclass(frozen=True, slots=True)
class MarginBreakdown:
    """A portfolio's clearing-level margin requirement (MR_total) and how it was reached."""

    portfolio: int
    underlyings: tuple[UnderlyingMargin, ...]
    markets: tuple[MarketMargin, ...]
    scan: int
    intermonth: int
    delivery: int
    nov: int
    somc: int
    icsc_credit: int
    market_margin: int
    concentration: int
    super_margin: int
    uncovered: int
    unsettled_mtm: int
    total: int
