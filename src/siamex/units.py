"""Exact conversions between the edge's text and the core's integers.

The core holds prices as integer satang (0.01 THB), quantities as integer shares and times as
integer microseconds of Bangkok wall-clock time since 1970-01-01 00:00 (no time zone arithmetic:
the exchange runs on one clock). Text is parsed and formatted only here, so no binary float ever
touches a price.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = [
    "PRICE_DIGITS",
    "US_PER_DAY",
    "US_PER_MS",
    "US_PER_SECOND",
    "InvalidValue",
    "average_price",
    "date_of",
    "day_start",
    "format_date",
    "format_hhmm",
    "format_price",
    "format_time_of_day",
    "is_text",
    "micros_of_day",
    "parse_date",
    "parse_datetime",
    "parse_price",
    "parse_time_of_day",
    "shown",
    "time_of_day",
    "wall_clock",
]

US_PER_MS = 1_000
US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND
_EPOCH = dt.date(1970, 1, 1)

_PRICE = re.compile(r"^([0-9]+)(?:\.([0-9]{1,9}))?\Z")  # ASCII digits only
PRICE_DIGITS = 12
"""Whole-baht digits of the largest price a file may give: 999,999,999,999.99 THB, so that an
order can reach the ceiling of any listed price (docs/decisions.md 74)."""
_TIME = re.compile(r"^([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?\Z")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")  # fromisoformat alone takes 20261120


class InvalidValue(ValueError):
    """A value at an edge that cannot be read; the message names the field's problem."""


def parse_price(text: str, whole_digits: int = PRICE_DIGITS) -> int:
    """Read a decimal price string into satang; a price finer than one satang is refused.

    A file's prices have at most PRICE_DIGITS whole digits; siamex's own output, which holds
    prices derived from them (a ceiling 30% above the largest price), is read with more.
    """
    if not isinstance(text, str):
        raise InvalidValue(f"must be a decimal string, got {type(text).__name__}")
    m = _PRICE.match(text)
    if m is None:
        raise InvalidValue(f"{shown(text)} is not a decimal number like '64.25'")
    whole, frac = m.group(1), (m.group(2) or "")
    if len(whole) > whole_digits:
        raise InvalidValue(f"{shown(text)} has more than {whole_digits} digits of baht")
    frac = frac.rstrip("0")
    if len(frac) > 2:
        raise InvalidValue(f"{text!r} is finer than 0.01 THB")
    return int(whole) * 100 + int(frac.ljust(2, "0"))


def format_price(satang: int) -> str:
    """Write satang as the two-decimal string the scenario output uses."""
    sign = "-" if satang < 0 else ""
    whole, frac = divmod(abs(satang), 100)
    return f"{sign}{whole}.{frac:02d}"


def parse_time_of_day(text: str, latest_hour: int = 23) -> int:
    """Read 'HH:MM[:SS[.ffffff]]' into microseconds after midnight; a clock that runs on past
    midnight (a TFEX night session's, to 27:00) allows hours up to `latest_hour`."""
    if not isinstance(text, str):
        raise InvalidValue(f"time must be a string 'HH:MM:SS[.fff]', got {type(text).__name__}")
    m = _TIME.match(text)
    if m is None:
        raise InvalidValue(f"time {shown(text)} is not 'HH:MM:SS[.fff]'")
    hours, minutes, seconds = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if hours > latest_hour or minutes > 59 or seconds > 59:
        raise InvalidValue(f"time {text!r} is not a time of day")
    micros = int((m.group(4) or "").ljust(6, "0"))
    return ((hours * 60 + minutes) * 60 + seconds) * US_PER_SECOND + micros


def format_time_of_day(ts: int) -> str:
    """Write the time-of-day part of a timestamp as 'HH:MM:SS.ffffff'."""
    seconds, micros = divmod(ts % US_PER_DAY, US_PER_SECOND)
    minutes, sec = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours:02d}:{minute:02d}:{sec:02d}.{micros:06d}"


def parse_date(text: str) -> dt.date:
    """Read a date written 'YYYY-MM-DD', the one form the file formats document."""
    if not isinstance(text, str):
        raise InvalidValue(f"date must be a string 'YYYY-MM-DD', got {type(text).__name__}")
    if _DATE.match(text) is None:
        raise InvalidValue(f"date {shown(text)} is not 'YYYY-MM-DD'")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"date {text!r} is not a calendar date") from None


def parse_datetime(text: str) -> dt.datetime:
    """Read a naive Bangkok date and time 'YYYY-MM-DDTHH:MM[:SS[.ffffff]]'."""
    if not isinstance(text, str):
        raise InvalidValue(f"must be a string 'YYYY-MM-DDTHH:MM:SS', got {type(text).__name__}")
    day, sep, clock = text.partition("T")
    if not sep:
        raise InvalidValue(f"{shown(text)} is not 'YYYY-MM-DDTHH:MM:SS'")
    return wall_clock(parse_date(day), parse_time_of_day(clock))


def is_text(text: str) -> bool:
    """Whether a string is Unicode scalar values only, so that it can be written as UTF-8 (a
    lone surrogate from a JSON escape or an undecodable argument cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(value: object, limit: int = 40) -> str:
    """The repr of a value for an error message, cut short: a refused input may be megabytes."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_date(day: dt.date) -> str:
    """Write a date as ISO text."""
    return day.isoformat()


def day_start(day: dt.date) -> int:
    """Return the timestamp of midnight at the start of a day."""
    return (day - _EPOCH).days * US_PER_DAY


def date_of(ts: int) -> dt.date:
    """Return the calendar day a timestamp falls on."""
    return _EPOCH + dt.timedelta(days=ts // US_PER_DAY)


def time_of_day(ts: int) -> int:
    """Return the microseconds after midnight of a timestamp."""
    return ts % US_PER_DAY


def micros_of_day(at: dt.datetime) -> int:
    """Return the microseconds after midnight of a naive Bangkok wall-clock time, the form
    every cut-off of the rules is kept in."""
    return ((at.hour * 60 + at.minute) * 60 + at.second) * US_PER_SECOND + at.microsecond


def format_hhmm(micros: int) -> str:
    """A cut-off as people write it: "13:30"."""
    return format_time_of_day(micros)[:5]


def wall_clock(day: dt.date, micros: int) -> dt.datetime:
    """The naive Bangkok datetime `micros` after midnight of `day`: a cut-off on a date."""
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(microseconds=micros)


def average_price(value: int, volume: int) -> int | None:
    """Return the volume-weighted average price in satang, rounded half up (decision T20).

    `value` is the sum of price (satang) times shares; None when nothing traded.
    """
    if not volume:
        return None
    return (2 * value + volume) // (2 * volume)
