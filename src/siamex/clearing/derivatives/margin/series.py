"""What the margin calculator knows of a series: its terms, its prices and its time to expiry
on the run's day (clearing-spec.md 2.3, 4.5).

A `MarginSeries` is built once per run from the rulebook's series and the day's prices, so the
calculator itself never reads a product table or a calendar: everything it margins with is
in these values. A series that cannot be margined is refused here with MARGIN_FILE, naming it
(decision 119).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from siamex.clearing.derivatives.universe import Universe
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.margin import MarginTable, default_margin_table
from siamex.rulebook.products import MarketGroup, ProductTable, SeriesKind
from siamex.rulebook.series import Series, SeriesList

__all__ = ["MarginSeries", "margin_series"]


@dataclass(frozen=True, slots=True)
class MarginSeries:
    """One series as the calculator margins it; prices in hundredths of the price unit.

    `scan_multiplier` is the multiplier of the futures product whose scan range the series
    takes (its own for a future, `scan_from`'s for an option), since a range per contract
    is a move of the underlying's price only through it. `underlying_price` is needed for an
    option; for a future it is the reference of a percentage rate when given (decision 114).
    """

    symbol: str
    product: str
    underlying: str
    market: MarketGroup
    kind: SeriesKind
    strike: int | None
    multiplier: int
    price: int
    underlying_price: int | None
    days_to_expiry: int
    delivery_month: bool
    expiry_month: tuple[int, int]
    scan_multiplier: int

    @property
    def is_option(self) -> bool:
        """Whether the series is a call or a put."""
        return self.kind is not SeriesKind.FUTURE


def _refused(message: str) -> SiamexError:
    return SiamexError(ErrorCode.MARGIN_FILE, message)


def _listed(listed: Universe | SeriesList | Iterable[Series]) -> tuple[Series, ...]:
    if isinstance(listed, Universe | SeriesList):
        return listed.series
    return tuple(listed)


def _scan_multiplier(series: Series, products: ProductTable, table: MarginTable) -> int:
    product = products[series.product]
    row = table.product(product.code)
    if row is None:
        raise _refused(f"cannot margin {series.symbol}: the margin table has no row for "
                       f"{product.code}")
    if row.scan_from is None:
        return product.multiplier
    source = products.get(row.scan_from)
    if source is None:
        raise _refused(f"cannot margin {series.symbol}: its scan_from {row.scan_from} is not "
                       "in the product table")
    return source.multiplier


def margin_series(listed: Universe | SeriesList | Iterable[Series], prices: Mapping[str, int],
                  underlying_prices: Mapping[str, int], on: dt.date, products: ProductTable,
                  table: MarginTable | None = None) -> tuple[MarginSeries, ...]:
    """The series to margin on `on`, each with its settlement price (by symbol) and its
    underlying's price (by underlying name, e.g. SET50), in the order given.

    Refused with MARGIN_FILE: a series without a settlement price, an option without its
    underlying's price, a series already expired, a product the margin table (the bundled
    one unless given) has no row for.
    """
    table = default_margin_table() if table is None else table
    margined: list[MarginSeries] = []
    for series in _listed(listed):
        product = products[series.product]
        if series.last_trading_day < on:
            raise _refused(f"cannot margin {series.symbol}: it expired on "
                           f"{series.last_trading_day.isoformat()}")
        price = prices.get(series.symbol)
        if price is None:
            raise _refused(f"cannot margin {series.symbol}: it has no settlement price")
        underlying_price = underlying_prices.get(product.underlying)
        if series.kind is not SeriesKind.FUTURE and underlying_price is None:
            raise _refused(f"cannot margin {series.symbol}: give a price for its underlying "
                           f"{product.underlying}")
        expiry = series.last_trading_day
        margined.append(MarginSeries(
            symbol=series.symbol, product=product.code, underlying=product.underlying,
            market=product.market_group, kind=series.kind, strike=series.strike,
            multiplier=product.multiplier, price=price, underlying_price=underlying_price,
            days_to_expiry=(expiry - on).days,
            delivery_month=(expiry.year, expiry.month) == (on.year, on.month),
            expiry_month=(series.year, series.month),
            scan_multiplier=_scan_multiplier(series, products, table)))
    return tuple(margined)
