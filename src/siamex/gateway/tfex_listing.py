"""A TFEX universe's series made afresh for each day from the product rules (docs/serve.md).

A series expires; a universe file that names series would stop opening days once its nearest
month is past. A universe may therefore give, in place of `instruments`, a `listing`: which
products to list, how many of their nearest expiry months, and an illustrative previous
settlement price. Each trading day the server lists what the product rules list that day
(siamex.rulebook.series: expiry months from the calendar, option strikes around the
underlying), so the bundled TFEX sample never goes stale.

A row of the listing:

- a futures product: `{"product": "S50", "months": 2, "price": "821.0"}`, every listed month
  at `price` (the price unit's decimal, as in a scenario);
- an options product: `{"product": "S50OPT", "months": 1, "strikes_each_side": 2,
  "time_value": "12.0"}`, the at-the-money strike and `strikes_each_side` on each side (at
  most the product's own grid), calls and puts, each at its intrinsic value against the
  universe's `underlyings` price plus `time_value`, rounded up to the tick.

The day's first listing takes these prices; a series the engine has traded through a day
since carries the engine's own settlement (as a scenario's later days do).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

import msgspec

from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.products import Product, ProductKind, ProductTable, SeriesKind
from siamex.rulebook.series import Series, expiry_months, listed_series
from siamex.units import InvalidValue, format_price, parse_price

__all__ = ["Listing", "read_listing"]

_MAX_MONTHS = 12


class _Row(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A listing's row as the file writes it."""

    product: str
    months: int = 1
    price: str | None = None
    strikes_each_side: int | None = None
    time_value: str | None = None


@dataclasses.dataclass(frozen=True)
class _Product:
    """One row, read: the product (an option's narrowed to the row's strikes), its months,
    and `price`: the futures' previous settlement, or the options' time value."""

    product: Product
    months: int
    price: int


def _fail(text: str) -> SiamexError:
    return SiamexError(ErrorCode.SCENARIO_FIELD, f"universe: listing: {text}")


def _positive(code: str, key: str, text: Any) -> int:
    """A positive price in a row (`code`: its product) or in the underlyings."""
    if text is None:
        raise _fail(f"{code}: {key} is required")
    try:
        value = parse_price(text)
    except InvalidValue as exc:
        raise _fail(f"{code}: {key}: {exc}") from None
    if value <= 0:
        raise _fail(f"{code}: {key} must be positive")
    return value


def _read_row(row: _Row, products: ProductTable, underlyings: Mapping[str, int]) -> _Product:
    """A row checked against the product table: a known product, a sensible month count, the
    price its kind needs and none of the other kind's fields."""
    product = products.get(row.product)
    if product is None:
        raise _fail(f"no product {row.product!r} in the product table "
                    f"({', '.join(products)})")
    if not 1 <= row.months <= _MAX_MONTHS:
        raise _fail(f"{product.code}: months is 1 to {_MAX_MONTHS}")
    if product.kind is ProductKind.FUTURE:
        if row.strikes_each_side is not None or row.time_value is not None:
            raise _fail(f"{product.code}: a futures product takes price, not "
                        "strikes_each_side or time_value")
        return _Product(product, row.months, _positive(product.code, "price", row.price))
    if row.price is not None:
        raise _fail(f"{product.code}: an options product takes time_value, not price")
    if product.underlying not in underlyings:
        raise _fail(f"{product.code}: options need underlyings.{product.underlying}")
    grid = product.strikes_each_side or 0
    each_side = 1 if row.strikes_each_side is None else row.strikes_each_side
    if not 0 <= each_side <= grid:
        raise _fail(f"{product.code}: strikes_each_side is 0 to {grid}")
    narrowed = dataclasses.replace(product, strikes_each_side=each_side)
    return _Product(narrowed, row.months, _positive(product.code, "time_value",
                                                    row.time_value))


def _option_price(series: Series, underlying: int, time_value: int, tick: int) -> int:
    """Intrinsic value plus the time value, rounded up to the tick: illustrative, positive."""
    assert series.strike is not None
    intrinsic = underlying - series.strike if series.kind is SeriesKind.CALL \
        else series.strike - underlying
    value = max(intrinsic, 0) + time_value
    return -(-value // tick) * tick


class Listing:
    """The rows of a universe's listing; `instruments(day)` the series they list that day."""

    def __init__(self, rows: tuple[_Product, ...], underlyings: Mapping[str, int]) -> None:
        self.rows = rows
        self.underlyings = dict(underlyings)

    def _series(self, row: _Product, day: dt.date) -> list[tuple[Series, int]]:
        product = row.product
        months = set(expiry_months(product, day)[:row.months])
        underlying = self.underlyings.get(product.underlying)
        listed = [s for s in listed_series(product, day, underlying)
                  if (s.year, s.month) in months]
        if product.kind is ProductKind.FUTURE:
            return [(s, row.price) for s in listed]
        assert underlying is not None
        return [(s, _option_price(s, underlying, row.price, product.tick)) for s in listed]

    def instruments(self, day: dt.date, carried: Collection[str] = ()) -> list[dict[str, Any]]:
        """The day's series as a scenario's instruments; a series in `carried` (the engine
        holds its settlement) without a price, so that the engine's own is taken."""
        out: list[dict[str, Any]] = []
        for row in self.rows:
            for series, price in self._series(row, day):
                item: dict[str, Any] = {"symbol": series.symbol}
                if series.symbol not in carried:
                    item["prev_close"] = format_price(price)
                out.append(item)
        return out


def _underlyings(raw: Any) -> dict[str, int]:
    """The universe's underlying prices, which the options' strikes and prices centre on (the
    scenario loader refuses a malformed `underlyings` itself, with its own words)."""
    if not isinstance(raw, dict):
        return {}
    return {str(name): _positive("underlyings", str(name), text)
            for name, text in raw.items()}


def read_listing(raw: Any, underlyings: Any, products: ProductTable) -> Listing:
    """Read a universe's `listing`, refused SCENARIO_FIELD with what is wrong."""
    try:
        rows = msgspec.convert(raw, tuple[_Row, ...])
    except msgspec.ValidationError as exc:
        raise _fail(str(exc)) from None
    if not rows:
        raise _fail("list at least one product")
    codes = [row.product for row in rows]
    twice = sorted({code for code in codes if codes.count(code) > 1})
    if twice:
        raise _fail(f"{', '.join(twice)} listed twice")
    prices = _underlyings(underlyings)
    return Listing(tuple(_read_row(row, products, prices) for row in rows), prices)
