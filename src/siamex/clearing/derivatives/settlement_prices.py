"""The daily settlement prices of TFEX series, which variation margin marks to (4.4).

[S004] marks every position to its series' daily settlement price but does not say how the
price is set; this method is derived (clearing-spec.md 4.4), in order of precedence:

    GIVEN     a price TCH sets for the series that day. It is TCH's decision, so it is taken
              as it is, not clamped.
    TRADED    the volume-weighted average of the series' trades in the last `window_us`
              (15 minutes, `derivatives_settlement_window`) up to the day session's close, or
              its last trade of the day when none fell in that window, rounded half up to the
              tick: the market's price at the close, not an early print.
    SPREAD    an untraded futures series keeps its spread to the nearest traded futures
              series of its product (the closest last trading day, the earlier on a tie): its
              previous price plus that series' change, so calendar spreads are not marked
              into a loss that no trade showed.
    PREVIOUS  an untraded option, or a futures series with no traded neighbour that has a
              previous price, keeps its previous price.

A price the method derives is clamped into the day's price limits when they are given. Only
the day session's trades count: a trade after `close_us` is ignored. A series with no
previous price that neither traded nor was given one cannot be priced: it is refused with
SERIES_FILE, as its first settlement price must come with its listing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from itertools import chain
from typing import NamedTuple

from siamex.clearing.foundations.money import round_half_up
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES
from siamex.errors import ErrorCode, SiamexError
from siamex.units import US_PER_SECOND

__all__ = [
    "DEFAULT_WINDOW_US",
    "DayTrade",
    "PriceBasis",
    "SeriesTerms",
    "SettlementPrice",
    "daily_settlement_prices",
]

# the parameter's default (clearing-spec.md 4.4, derived: 15 minutes), in microseconds
DEFAULT_WINDOW_US = DEFAULT_CLEARING_RULES.derivatives_settlement_window * 60 * US_PER_SECOND


class PriceBasis(StrEnum):
    """Where a daily settlement price came from."""

    GIVEN = "given"
    TRADED = "traded"
    SPREAD = "spread"
    PREVIOUS = "previous"


@dataclass(frozen=True, slots=True)
class SeriesTerms:
    """What pricing needs of a series: its product and last trading day (to find the
    nearest month), whether it is a future, and its tick in hundredths."""

    product: str
    expiry: dt.date
    future: bool
    tick: int


class DayTrade(NamedTuple):
    """One trade of a series: microseconds after midnight, contracts, price in hundredths."""

    time_us: int
    qty: int
    price: int


@dataclass(frozen=True, slots=True)
class SettlementPrice:
    """A series' daily settlement price in hundredths, and how it was set."""

    price: int
    basis: PriceBasis


def _traded(trades: Sequence[DayTrade], close_us: int, window_us: int, tick: int) -> int:
    late = [t for t in trades if t.time_us >= close_us - window_us]
    if not late:
        # stable sort: of trades at one instant, the last one given is the last trade
        return sorted(trades, key=lambda t: t.time_us)[-1].price
    average = Fraction(sum(t.qty * t.price for t in late), sum(t.qty for t in late))
    return round_half_up(average / tick) * tick  # half up to the tick (derived)


def _nearest(name: str, series: Mapping[str, SeriesTerms], traded: set[str],
             previous: Mapping[str, int]) -> str | None:
    """The traded futures series of the same product with the closest last trading day, the
    earlier on a tie; it needs a previous price to have a change to pass on."""
    terms = series[name]
    candidates = [other for other in traded
                  if series[other].future and series[other].product == terms.product
                  and other in previous]
    if not candidates:
        return None
    return min(candidates, key=lambda other: (abs((series[other].expiry - terms.expiry).days),
                                              series[other].expiry, other))


def daily_settlement_prices(
    series: Mapping[str, SeriesTerms],
    day_trades: Mapping[str, Sequence[DayTrade]],
    previous: Mapping[str, int],
    *,
    close_us: int,
    given: Mapping[str, int] | None = None,
    limits: Mapping[str, tuple[int, int]] | None = None,
    window_us: int = DEFAULT_WINDOW_US,
) -> dict[str, SettlementPrice]:
    """Set the day's settlement price of every series in `series`.

    `previous` holds the previous business day's settlement prices; `limits` the day's
    (ceiling, floor) per series; prices in hundredths of the product's price unit.
    """
    given = given or {}
    for name in chain(day_trades, previous, given):
        if name not in series:
            raise SiamexError(ErrorCode.UNKNOWN_SERIES, f"no series {name} is listed")

    def clamp(name: str, price: int) -> int:
        if limits is None or name not in limits:
            return price
        ceiling, floor = limits[name]
        return min(max(price, floor), ceiling)

    prices: dict[str, SettlementPrice] = {}
    traded: set[str] = set()
    for name, terms in sorted(series.items()):
        trades = [t for t in day_trades.get(name, ()) if t.time_us <= close_us]
        if trades:
            traded.add(name)
        if name in given:
            prices[name] = SettlementPrice(given[name], PriceBasis.GIVEN)
        elif trades:
            price = _traded(trades, close_us, window_us, terms.tick)
            prices[name] = SettlementPrice(clamp(name, price), PriceBasis.TRADED)
    for name, terms in sorted(series.items()):
        if name in prices:
            continue
        if name not in previous:
            raise SiamexError(ErrorCode.SERIES_FILE,
                              f"series {name} has no previous settlement price and neither "
                              f"traded nor was given one today: give it a settlement price")
        nearest = _nearest(name, series, traded, previous) if terms.future else None
        if nearest is None:
            prices[name] = SettlementPrice(clamp(name, previous[name]), PriceBasis.PREVIOUS)
        else:
            change = prices[nearest].price - previous[nearest]
            prices[name] = SettlementPrice(clamp(name, previous[name] + change),
                                           PriceBasis.SPREAD)
    return dict(sorted(prices.items()))
