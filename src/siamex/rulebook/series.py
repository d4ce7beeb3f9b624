"""TFEX series: what is listed on a day, their symbols and last trading days, and which
business day a session's trades clear on (clearing-spec.md 2.3, 4.1 and 4.10).

A series is a product's expiry month (and, for an option, a call or a put at a strike). Its
symbol is the product's root, the month's code, the year's two digits and, for an option, C or
P and the strike in whole price units: S50Z26, GFJ27, S50Z26C950. Which months are listed
follows from the product's expiry-month rule and the SET/TFEX calendar alone, so a listing is
a function of the day: no clock, no state.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import msgspec

from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.rulebook.calendar import (
    OutsideCalendar,
    is_trading_day,
    next_trading_day,
    trading_day_offset,
)
from siamex.rulebook.products import Product, ProductKind, ProductTable, SeriesKind, Session
from siamex.units import US_PER_DAY, InvalidValue, format_hhmm, shown

__all__ = [
    "MONTH_CODES",
    "OutsideSession",
    "Series",
    "SeriesList",
    "clearing_date",
    "expiry_months",
    "last_trading_day",
    "listed_series",
    "make_series",
    "parse_symbol",
    "read_series_file",
    "series_list",
]

MONTH_CODES = "FGHJKMNQUVXZ"
"""The futures month codes, January to December."""

_MAX_SYMBOL = 32
_REST = re.compile(rf"([{MONTH_CODES}])([0-9]{{2}})(?:([CP])([1-9][0-9]{{0,6}}))?\Z")
# the shortest root whose remainder is a month and year (and strike) is the only one: the
# remainder's only other capital is C or P, which is no month code
_SYMBOL = re.compile(rf"([A-Z][A-Z0-9]*?){_REST.pattern}")
_OPTION_KIND = {"C": SeriesKind.CALL, "P": SeriesKind.PUT}


class OutsideSession(ValueError):
    """A trade time outside the session it is said to belong to, or a session on a day
    TFEX does not trade."""


@dataclass(frozen=True, slots=True)
class Series:
    """One listed series; `product` is the product's code, `strike` hundredths (options)."""

    symbol: str
    product: str
    kind: SeriesKind
    year: int
    month: int
    last_trading_day: dt.date
    strike: int | None = None


def last_trading_day(product: Product, year: int, month: int) -> dt.date:
    """The product's last trading day in a month: `last_trading_day_offset` business days
    before the month's last business day, on the SET/TFEX calendar (decision 92)."""
    month_end = dt.date(year, month, month_calendar.monthrange(year, month)[1])
    # a month end that is not a business day counts from the business day before it
    return trading_day_offset(month_end, -product.last_trading_day_offset)


def _following(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def expiry_months(product: Product, day: dt.date) -> tuple[tuple[int, int], ...]:
    """The (year, month)s listed on a day: a month is listed through its last trading day
    and gone the day after, when the next month comes in (decision 92)."""
    rule = product.expiry_months
    year, month = day.year, day.month
    if last_trading_day(product, year, month) < day:
        year, month = _following(year, month)
    months: list[tuple[int, int]] = []
    for _ in range(rule.consecutive):
        months.append((year, month))
        year, month = _following(year, month)
    found = 0
    while found < rule.cycle_count:
        if month in rule.cycle:
            months.append((year, month))
            found += 1
        year, month = _following(year, month)
    return tuple(months)


def make_series(product: Product, year: int, month: int, kind: SeriesKind,
                strike: int | None = None, last_day: dt.date | None = None) -> Series:
    """The series of a product's month (and strike), its symbol written and its last trading
    day computed unless given."""
    symbol = f"{product.root}{MONTH_CODES[month - 1]}{year % 100:02d}"
    if kind is not SeriesKind.FUTURE:
        if strike is None:
            raise ValueError(f"{symbol}: an option series needs a strike")
        symbol += f"{'C' if kind is SeriesKind.CALL else 'P'}{strike // 100}"
    if last_day is None:
        last_day = last_trading_day(product, year, month)
    return Series(symbol, product.code, kind, year, month, last_day, strike)


def _strikes(product: Product, underlying_price: int) -> list[int]:
    """The strike grid around the at-the-money strike, the interval's multiple nearest the
    underlying, halfway rounding up (decision 94)."""
    interval, each_side = product.strike_interval, product.strikes_each_side
    if interval is None or each_side is None:
        raise ValueError(f"{product.code}: an option product needs a strike grid")
    at_the_money = (2 * underlying_price + interval) // (2 * interval) * interval
    grid = (at_the_money + step * interval for step in range(-each_side, each_side + 1))
    return [strike for strike in grid if strike > 0]


def listed_series(product: Product, day: dt.date,
                  underlying_price: int | None = None) -> tuple[Series, ...]:
    """The series of a product listed on a day. An option's strikes centre on the
    underlying's price (hundredths), which it therefore needs."""
    months = expiry_months(product, day)
    if product.kind is ProductKind.FUTURE:
        return tuple(make_series(product, y, m, SeriesKind.FUTURE) for y, m in months)
    if underlying_price is None or underlying_price <= 0:
        raise SiamexError(ErrorCode.SERIES_FILE, (
            f"cannot list the options of {product.code} on {day.isoformat()}: give a price "
            f"above 0 for their underlying {product.underlying}"))
    strikes = _strikes(product, underlying_price)
    return tuple(make_series(product, y, m, kind, strike)
                 for y, m in months for strike in strikes
                 for kind in (SeriesKind.CALL, SeriesKind.PUT))


class SeriesList:
    """The series a day may trade and clear, by symbol, in listing order."""

    __slots__ = ("_by_symbol",)

    def __init__(self, series: Iterable[Series]) -> None:
        self._by_symbol: dict[str, Series] = {}
        for one in series:
            if one.symbol in self._by_symbol:
                raise InvalidValue(f"series {one.symbol} is listed twice")
            self._by_symbol[one.symbol] = one

    def __getitem__(self, symbol: str) -> Series:
        return self._by_symbol[symbol]

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._by_symbol

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_symbol)

    def __len__(self) -> int:
        return len(self._by_symbol)

    @property
    def series(self) -> tuple[Series, ...]:
        """Every series, in listing order."""
        return tuple(self._by_symbol.values())

    def get(self, symbol: str, on: dt.date) -> Series:
        """The series a symbol names, refused when it is not listed or its last trading day
        is before `on`."""
        series = self._by_symbol.get(symbol)
        if series is None:
            raise SiamexError(ErrorCode.UNKNOWN_SERIES, f"no series {shown(symbol)} is listed")
        if series.last_trading_day < on:
            raise SiamexError(ErrorCode.SERIES_EXPIRED, (
                f"series {symbol} expired: its last trading day was "
                f"{series.last_trading_day.isoformat()}"))
        return series


def series_list(products: ProductTable, day: dt.date,
                underlying_prices: Mapping[str, int], *, skip_unpriced: bool = False
                ) -> SeriesList:
    """Every product's series listed on a day; options need their underlying's price,
    keyed by the underlying's name (SET50): without it they are refused, or left out when
    `skip_unpriced` (a listing of the futures alone)."""
    return SeriesList(one for product in products.values()
                      if not (skip_unpriced and product.kind is ProductKind.OPTION
                              and product.underlying not in underlying_prices)
                      for one in listed_series(product, day,
                                               underlying_prices.get(product.underlying)))


def _unknown(symbol: str, why: str) -> SiamexError:
    return SiamexError(ErrorCode.UNKNOWN_SERIES, f"{shown(symbol)} is not a series: {why}")


def parse_symbol(symbol: str, products: ProductTable) -> Series:
    """The series a symbol names, refused UNKNOWN_SERIES unless it is one the product could
    list: its root, a month of its cycle, a strike on its grid, a year in the calendar."""
    match = _SYMBOL.match(symbol) if len(symbol) <= _MAX_SYMBOL else None
    if match is None:
        raise _unknown(symbol, "write the root, month code and 2-digit year (S50Z26), and for "
                       "an option C or P and the strike in whole points (S50Z26C950)")
    root, code, yy, call_put, points = match.groups()
    kind = ProductKind.OPTION if call_put else ProductKind.FUTURE
    product = products.by_root(root, kind)
    if product is None:
        raise _unknown(symbol, f"no {kind} product has the root {root}")
    month = MONTH_CODES.index(code) + 1
    if not product.expiry_months.may_list(month):
        raise _unknown(symbol, f"{product.code} lists no series expiring in month {month}")
    strike = None
    if call_put:
        strike = int(points) * 100
        if strike % (product.strike_interval or 1):
            raise _unknown(symbol, f"the strike is off {product.code}'s strike interval")
    try:
        return make_series(product, 2000 + int(yy), month,
                           _OPTION_KIND[call_put] if call_put else SeriesKind.FUTURE, strike)
    except OutsideCalendar as exc:
        raise _unknown(symbol, str(exc)) from None


class _SeriesRow(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    symbol: str
    last_trading_day: dt.date | None = None


class _SeriesFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    series: list[_SeriesRow]


def _file_series(row: _SeriesRow, products: ProductTable) -> Series:
    """One row's series; an explicit last trading day (a holiday the calendar lacks) must be
    a business day of the expiry month (decision 96)."""
    series = parse_symbol(row.symbol, products)
    day = row.last_trading_day
    if day is None:
        return series
    if (day.year, day.month) != (series.year, series.month) or not is_trading_day(day):
        raise InvalidValue(f"{series.symbol}: last_trading_day {day.isoformat()} must be a "
                           "business day of the expiry month")
    return make_series(products[series.product], series.year, series.month, series.kind,
                       series.strike, day)


def read_series_file(path: Path, products: ProductTable) -> SeriesList:
    """Read a series file ({"series": [{"symbol": "S50Z26"}, ...]}), refused whole with
    SERIES_FILE on any fault."""
    raw = read_input(path)
    try:
        rows = msgspec.json.decode(raw, type=_SeriesFile).series
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise SiamexError(ErrorCode.SERIES_FILE, f"{path}: not a series file: {reason} "
                          "(write {\"series\": [{\"symbol\": \"S50Z26\"}]})") from None
    try:
        return SeriesList(_file_series(row, products) for row in rows)
    except (InvalidValue, OutsideCalendar) as exc:
        raise SiamexError(ErrorCode.SERIES_FILE, f"{path}: {exc}") from None
    except SiamexError as exc:
        raise SiamexError(ErrorCode.SERIES_FILE, f"{path}: {exc.message}") from None


def clearing_date(calendar_day: dt.date, time_us: int, session: Session) -> dt.date:
    """The business day a trade clears on, from the calendar day and time it was made in a
    session. A night session's trades, in its evening or after midnight, clear with the next
    business day (clearing-spec.md 4.10 and 8 question 6; decision 93); a day session's
    clear with its own day."""
    if not 0 <= time_us < US_PER_DAY:
        raise OutsideSession(f"time {time_us} is not a time of day")
    if session.pre_open_start <= time_us <= session.close:
        started = calendar_day
    elif session.is_night and time_us <= session.close - US_PER_DAY:
        started = calendar_day - dt.timedelta(days=1)
    else:
        raise OutsideSession(f"{format_hhmm(time_us)} is outside the {session.name} session "
                             f"{format_hhmm(session.pre_open_start)}-"
                             f"{format_hhmm(session.close % US_PER_DAY)}")
    if not is_trading_day(started):
        raise OutsideSession(f"TFEX has no {session.name} session starting on "
                             f"{started.isoformat()}, not a business day")
    return next_trading_day(started) if session.is_night else started
