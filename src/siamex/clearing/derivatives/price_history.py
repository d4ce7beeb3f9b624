"""The daily price histories the margin rate review calibrates on (clearing-spec.md 4.5), read
all or nothing.

A history is a UTF-8 CSV file, header `date,product,price`: one closing price a business day
per futures product, the series a rate is set for (docs/margin-rates.md, decision 122). Rows
may come in any order; a product may miss days (a return then spans the gap); a product twice
on one date, a price that is not positive or finer than 0.01, or a product the product table
lacks, refuses the whole file with PRICE_HISTORY_FILE naming the line: a rate calibrated on
half a file would look as sound as one calibrated on all of it.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from siamex.clearing.derivatives.fills import MAX_PRICE
from siamex.clearing.foundations.files import csv_rows
from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.rulebook.products import Product, ProductKind
from siamex.units import InvalidValue, format_price, parse_date, parse_price, shown

__all__ = ["PRICE_HISTORY_COLUMNS", "PriceHistory", "ProductHistory", "price_history_from_csv",
           "read_price_history"]

PRICE_HISTORY_COLUMNS = ("date", "product", "price")
_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,15}\Z")  # a product code, as the product table's


@dataclass(frozen=True, slots=True)
class ProductHistory:
    """One product's prices in hundredths of its price unit, by rising date."""

    product: str
    dates: tuple[dt.date, ...]
    prices: tuple[int, ...]

    def up_to(self, day: dt.date) -> ProductHistory:
        """The prices of `day` and before."""
        end = bisect_right(self.dates, day)
        return ProductHistory(self.product, self.dates[:end], self.prices[:end])


@dataclass(frozen=True, slots=True)
class PriceHistory:
    """Every product's history, by product code; `dates` are the file's dates, rising."""

    products: tuple[ProductHistory, ...]
    dates: tuple[dt.date, ...]

    def product(self, code: str) -> ProductHistory | None:
        """A product's history, if the file has one."""
        return next((h for h in self.products if h.product == code), None)

    def month_start(self, day: dt.date) -> dt.date:
        """The first date of the history in `day`'s month: its monthly review day (4.5,
        decision 121), as the history's dates are the business days it covers. `day` must be
        a date of the history."""
        return next(d for d in self.dates if (d.year, d.month) == (day.year, day.month))

    def review_before(self, day: dt.date) -> dt.date | None:
        """The last monthly review day before `day`, whose rates are in force on it."""
        first = self.month_start(day)
        if first < day:
            return first
        earlier = self.dates[:self.dates.index(first)]
        return self.month_start(earlier[-1]) if earlier else None


def _check_product(code: str, products: Mapping[str, Product] | None) -> None:
    if _CODE.match(code) is None:
        raise ValueError(f"product {shown(code)} must be 1-16 capital letters, digits or '-'")
    if products is None:
        return
    product = products.get(code)
    if product is None:
        raise ValueError(f"product {code} is not in the product table")
    if product.kind is not ProductKind.FUTURE:  # decision 122: options scan their underlying
        raise ValueError(f"{code} is an option product: rate the future on its underlying "
                         f"{product.underlying}, whose rate its options are scanned with")


def _row(values: list[str], products: Mapping[str, Product] | None
         ) -> tuple[dt.date, str, int]:
    date_text, code, price_text = values
    try:
        day = parse_date(date_text)
        price = parse_price(price_text)
    except InvalidValue as exc:
        raise ValueError(str(exc)) from None
    _check_product(code, products)
    if not 0 < price <= MAX_PRICE:  # decision 101's bound on a derivatives price
        raise ValueError(f"price must be above zero and at most {format_price(MAX_PRICE)}")
    return day, code, price


def _lines(text: str) -> Iterator[tuple[int, list[str]]]:
    return csv_rows(csv.reader(text.splitlines()), PRICE_HISTORY_COLUMNS,
                    ErrorCode.PRICE_HISTORY_FILE)


def _histories(rows: Iterable[tuple[dt.date, str, int]]) -> PriceHistory:
    by_product: dict[str, list[tuple[dt.date, int]]] = {}
    for day, code, price in rows:
        by_product.setdefault(code, []).append((day, price))
    products = []
    for code in sorted(by_product):
        ordered = sorted(by_product[code])
        products.append(ProductHistory(code, tuple(d for d, _ in ordered),
                                       tuple(p for _, p in ordered)))
    dates = sorted({day for h in products for day in h.dates})
    return PriceHistory(tuple(products), tuple(dates))


def price_history_from_csv(text: str, products: Mapping[str, Product] | None = None
                           ) -> PriceHistory:
    """Read a history's CSV text, refused whole at the first bad line. With `products`, each
    product must be a futures product of that table."""
    rows: list[tuple[dt.date, str, int]] = []
    first_line: dict[tuple[dt.date, str], int] = {}
    try:
        for line, values in _lines(text):
            try:
                day, code, price = _row(values, products)
            except ValueError as exc:
                raise SiamexError(ErrorCode.PRICE_HISTORY_FILE, f"line {line}: {exc}") from None
            if (day, code) in first_line:
                raise SiamexError(ErrorCode.PRICE_HISTORY_FILE,
                                  f"line {line}: {code} on {day} is also on line "
                                  f"{first_line[day, code]}")
            first_line[day, code] = line
            rows.append((day, code, price))
    except csv.Error as exc:
        raise SiamexError(ErrorCode.PRICE_HISTORY_FILE, f"not CSV: {exc}") from None
    if not rows:
        raise SiamexError(ErrorCode.PRICE_HISTORY_FILE, "no prices after the header")
    return _histories(rows)


def read_price_history(path: Path, products: Mapping[str, Product] | None = None
                       ) -> PriceHistory:
    """Read a price history file; every fault is a SiamexError naming the file and line."""
    raw = read_input(path)
    try:
        text = raw.decode("utf-8-sig")  # a spreadsheet's byte-order mark is not a fault
    except UnicodeDecodeError:
        raise SiamexError(ErrorCode.PRICE_HISTORY_FILE, f"{path}: not UTF-8 text") from None
    try:
        return price_history_from_csv(text, products)
    except SiamexError as exc:
        raise SiamexError(exc.code, f"{path}: {exc.message}") from None
