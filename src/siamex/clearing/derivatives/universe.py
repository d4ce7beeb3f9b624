"""The series a derivatives clearing day touches, with their contract terms as arrays.

Why one place: the trades, the carried positions, the changes and the day's prices each name
series by symbol, and marking wants their terms (multiplier, futures or option, strike, expiry)
as arrays indexed the same way as its positions. Every symbol is read back to its product
through the rulebook (`rulebook.series.parse_symbol`), or found in the series file given, so
a series nobody listed, or one already expired, is refused at the edge with its code
(clearing-spec.md 2.3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

from siamex.clearing.derivatives.marking import Kind
from siamex.clearing.derivatives.positions import Bools, Int8s, Int64s
from siamex.clearing.derivatives.settlement_prices import SeriesTerms
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.products import Product, ProductKind, ProductTable, SeriesKind
from siamex.rulebook.series import Series, SeriesList, expiry_months, parse_symbol

__all__ = ["Universe", "check_listed", "series_named"]

_KIND = {SeriesKind.FUTURE: Kind.FUT, SeriesKind.CALL: Kind.CALL, SeriesKind.PUT: Kind.PUT}


def check_listed(symbol: str, on: dt.date, products: ProductTable,
                 listed: SeriesList | None = None) -> Series:
    """The series a symbol names, refused when it is not listed on `on` (`UNKNOWN_SERIES`:
    not in the series file given, or its month not listed by its product's rule) or it
    expired before (`SERIES_EXPIRED`)."""
    if listed is not None:
        return listed.get(symbol, on)
    series = parse_symbol(symbol, products)
    if series.last_trading_day < on:
        raise SiamexError(ErrorCode.SERIES_EXPIRED,
                          f"series {symbol} expired on {series.last_trading_day}")
    product = products[series.product]
    if (series.year, series.month) not in expiry_months(product, on):
        raise SiamexError(ErrorCode.UNKNOWN_SERIES,
                          f"series {symbol} is not listed on {on}: {product.code} lists "
                          f"{', '.join(f'{y}-{m:02d}' for y, m in expiry_months(product, on))}")
    return series


def series_named(symbol: str, products: ProductTable, listed: SeriesList | None) -> Series:
    """A series by its symbol: from the series file when it lists it, else read back to its
    product by the rulebook."""
    if listed is not None and symbol in listed:
        return listed[symbol]
    return parse_symbol(symbol, products)


class Universe:
    """The day's series in symbol order: `index` gives a symbol's position in every array."""

    def __init__(self, symbols: Iterable[str], on: dt.date, products: ProductTable,
                 listed: SeriesList | None = None) -> None:
        self.symbols: tuple[str, ...] = tuple(sorted(set(symbols)))
        self.index = {symbol: i for i, symbol in enumerate(self.symbols)}
        self.series: tuple[Series, ...] = tuple(series_named(s, products, listed)
                                                for s in self.symbols)
        self.products: tuple[Product, ...] = tuple(products[s.product] for s in self.series)
        self.on = on
        self.multiplier: Int64s = np.array([p.multiplier for p in self.products], np.int64)
        self.futures: Bools = np.array([p.kind is ProductKind.FUTURE for p in self.products],
                                       np.bool_)
        self.kind: Int8s = np.array([_KIND[s.kind] for s in self.series], np.int8)
        self.strike: Int64s = np.array([s.strike or 0 for s in self.series], np.int64)
        # 4.1: a series expires at its last trading day's end, settled at its final price
        self.expiring: Bools = np.array([s.last_trading_day == on for s in self.series],
                                        np.bool_)

    def __len__(self) -> int:
        return len(self.symbols)

    def terms(self) -> dict[str, SeriesTerms]:
        """What the daily settlement price rule needs of each series."""
        return {symbol: SeriesTerms(product.code, series.last_trading_day,
                                    product.kind is ProductKind.FUTURE, product.tick)
                for symbol, series, product in zip(self.symbols, self.series, self.products,
                                                   strict=True)}

    def expired(self) -> list[str]:
        """The symbols whose series expire today."""
        return [s for s, expiring in zip(self.symbols, self.expiring.tolist(), strict=True)
                if expiring]
