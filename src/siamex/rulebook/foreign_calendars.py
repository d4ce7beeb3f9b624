"""Foreign markets' business days as rulebook data, for the super-margin window
(clearing-spec.md 4.7).

Super margin applies only while the foreign market of a product's underlying is open and TFEX
is not, so the clearing house needs those markets' calendars. They are data, not code: each
exchange publishes its own, and a user's file in the bundled form (data/foreign-calendars.toml)
replaces the bundled one whole. A calendar is its weekend and a holiday list; `follows` names
the calendar a product follows, by product code or by underlying.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import msgspec

from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.rulebook.products import Product
from siamex.rulebook.table_files import decode_table
from siamex.units import InvalidValue, parse_date, shown

__all__ = [
    "EVERY_WEEKDAY",
    "WEEKDAY_NAMES",
    "ForeignCalendar",
    "ForeignCalendars",
    "default_foreign_calendars",
    "load_foreign_calendars",
    "read_foreign_calendars",
]

BUNDLED = "foreign-calendars.toml"
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""A weekend's days as the file writes them, in `date.weekday()` order."""

_NAME = re.compile(r"[A-Z][A-Z0-9_-]{0,15}\Z")
_FOLLOWER = re.compile(r"[A-Z0-9][A-Z0-9&._-]{0,15}\Z")  # a product code or an underlying
_MAX_HOLIDAYS = 5_000


@dataclass(frozen=True, slots=True)
class ForeignCalendar:
    """A foreign market's business days: every day but its weekend (`date.weekday()`
    numbers) and its holidays."""

    name: str
    weekend: frozenset[int]
    holidays: frozenset[dt.date]

    def is_open(self, day: dt.date) -> bool:
        """Whether the market does business on a date."""
        return day.weekday() not in self.weekend and day not in self.holidays


EVERY_WEEKDAY = ForeignCalendar("WEEKDAYS", frozenset({5, 6}), frozenset())
"""The calendar of a foreign product no file names: open every weekday (decision 125)."""


@dataclass(frozen=True, slots=True)
class ForeignCalendars:
    """The calendars by name and which one each product code or underlying follows."""

    calendars: Mapping[str, ForeignCalendar]
    follows: Mapping[str, str]

    def for_product(self, product: Product) -> ForeignCalendar:
        """The calendar a product follows: its code's, else its underlying's, else a market
        open every weekday, so a foreign product no file names is never spared super margin
        (decision 125)."""
        name = self.follows.get(product.code, self.follows.get(product.underlying))
        return EVERY_WEEKDAY if name is None else self.calendars[name]


class _CalendarRow(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    weekend: list[str]
    holidays: list[str] = []


class _CalendarFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    calendar: list[_CalendarRow]
    follows: dict[str, str] = {}


def _calendar(row: _CalendarRow) -> ForeignCalendar:
    if _NAME.match(row.name) is None:
        raise InvalidValue(f"calendar name {shown(row.name)} must be a capital letter then up "
                           "to 15 capital letters, digits, '_' or '-'")
    if any(day not in WEEKDAY_NAMES for day in row.weekend):
        raise InvalidValue(f"{row.name}: weekend days are {', '.join(WEEKDAY_NAMES)}")
    weekend = frozenset(WEEKDAY_NAMES.index(day) for day in row.weekend)
    if len(weekend) != len(row.weekend) or len(weekend) == len(WEEKDAY_NAMES):
        raise InvalidValue(f"{row.name}: the weekend lists each day once and leaves a "
                           "business day")
    if len(row.holidays) > _MAX_HOLIDAYS:
        raise InvalidValue(f"{row.name}: at most {_MAX_HOLIDAYS:,} holidays")
    holidays: set[dt.date] = set()
    for text in row.holidays:
        try:
            day = parse_date(text)
        except InvalidValue as exc:
            raise InvalidValue(f"{row.name}: holidays: {exc}") from None
        if day in holidays:
            raise InvalidValue(f"{row.name}: the holiday {text} is listed twice")
        holidays.add(day)
    return ForeignCalendar(row.name, weekend, frozenset(holidays))


def _follows(follows: dict[str, str], calendars: Mapping[str, ForeignCalendar]
             ) -> dict[str, str]:
    for follower, name in follows.items():
        if _FOLLOWER.match(follower) is None:
            raise InvalidValue(f"follows: {shown(follower)} is not a product code or an "
                               "underlying")
        if name not in calendars:
            raise InvalidValue(f"follows: {follower} names the calendar {shown(name)}, which "
                               "the file does not list")
    return dict(follows)


def read_foreign_calendars(raw: bytes, where: str) -> ForeignCalendars:
    """Read a foreign calendar file's TOML text, refused whole with CALENDAR_FILE on any
    fault."""
    parsed = decode_table(raw, _CalendarFile, ErrorCode.CALENDAR_FILE, where,
                          "foreign calendar file")
    try:
        calendars: dict[str, ForeignCalendar] = {}
        for row in parsed.calendar:
            if row.name in calendars:
                raise InvalidValue(f"calendar {shown(row.name)} is listed twice")
            calendars[row.name] = _calendar(row)
        return ForeignCalendars(calendars, _follows(parsed.follows, calendars))
    except InvalidValue as exc:
        raise SiamexError(ErrorCode.CALENDAR_FILE, f"{where}: {exc}") from None


def load_foreign_calendars(path: Path) -> ForeignCalendars:
    """Read a user's foreign calendars; they replace the bundled ones whole."""
    return read_foreign_calendars(read_input(path), str(path))


@lru_cache(maxsize=1)
def default_foreign_calendars() -> ForeignCalendars:
    """The bundled foreign calendars, read once."""
    raw = resources.files("siamex.rulebook.data").joinpath(BUNDLED).read_bytes()
    return read_foreign_calendars(raw, BUNDLED)
