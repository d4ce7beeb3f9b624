"""Reading rule values as users write them (numbers, percentages, times, choices, lists) into
their exact core form, and writing them back, for the trading and the clearing rulebooks.

Every reader is a `Reader`: it takes the value and the parameter's name, so its error names
what to fix, and it carries the valid range it checks, which the generated references print.
Every range is closed and bounded (decision 70): a value the machine could not run, or no
exchange would set, is refused when it is read, not when a book or a table is built from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from siamex.units import InvalidValue, format_price, is_text, parse_price, parse_time_of_day, shown

__all__ = [
    "Reader",
    "accepts",
    "choice",
    "decimal",
    "flag",
    "hhmm",
    "integer",
    "name_text",
    "names",
    "percent",
    "price",
    "read_price",
    "show_plain",
    "show_price",
    "show_time",
    "time_of_day",
]

_DECIMAL = re.compile(r"-?[0-9]{1,30}(?:\.[0-9]{1,30})?")
_INTEGER = re.compile(r"-?[0-9]+")
_MAX_DIGITS = 30
MAX_NAMES = 32  # names in a list parameter (decision 70)
MAX_NAME_LENGTH = 32  # characters of one name


@dataclass(frozen=True, slots=True)
class Reader:
    """A parameter's reader and, in words, the values it accepts."""

    read: Callable[[Any, str], Any]
    valid: str

    def __call__(self, value: Any, name: str) -> Any:
        return self.read(value, name)


def accepts(valid: str) -> Callable[[Callable[[Any, str], Any]], Reader]:
    """Make a table reader a `Reader` accepting `valid`."""

    def wrap(read: Callable[[Any, str], Any]) -> Reader:
        return Reader(read, valid)

    return wrap


def decimal(text: str) -> Fraction | None:
    """A plain decimal ("12.5", "-3") of at most 30 digits each side exactly, else None:
    Fraction alone would also build "1e999999999", which takes hours."""
    return Fraction(text) if _DECIMAL.fullmatch(text) else None


def integer(least: int, most: int) -> Reader:
    """A whole number from `least` to `most`."""
    valid = f"{least:,} to {most:,}"

    def read(value: Any, name: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidValue(f"{name} must be a whole number {valid}")
        if isinstance(value, str) and not _INTEGER.fullmatch(value):
            raise InvalidValue(f"{name} must be a whole number {valid}, got {shown(value)}")
        # the length first: int() of thousands of digits is refused, and slow before that
        too_long = isinstance(value, str) and len(value) > _MAX_DIGITS
        if too_long or not least <= int(value) <= most:
            raise InvalidValue(f"{name} must be {valid}, got {shown(value)}")
        return int(value)

    return Reader(read, valid)


def percent(least: int, most: int) -> Reader:
    """A percentage from `least` to `most`, exactly: 30, "12.5"."""
    valid = f"{least:,} to {most:,} %"

    def read(value: Any, name: str) -> Fraction:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidValue(f"{name} must be a percentage such as 30 or \"12.5\"")
        pct = decimal(str(value)) if isinstance(value, str) or -10**30 < value < 10**30 else None
        if pct is None:
            raise InvalidValue(f"{name} must be a percentage, got {shown(value)}")
        if not least <= pct <= most:
            raise InvalidValue(f"{name} must be {valid}, got {shown(value)}")
        return pct

    return Reader(read, valid)


def read_price(value: Any, name: str, least: int, most: int) -> int:
    """A price in satang from `least` to `most` satang, for the table readers."""
    try:
        satang = parse_price(value)
    except InvalidValue as exc:
        raise InvalidValue(f"{name}: {exc}") from None
    if not least <= satang <= most:
        raise InvalidValue(f"{name} must be {format_price(least)} to {format_price(most)} THB, "
                           f"got {shown(value)}")
    return satang


def price(least: str, most: str) -> Reader:
    """A price in THB from `least` to `most` ("0.01", "1.00")."""
    low, high = parse_price(least), parse_price(most)
    return Reader(lambda value, name: read_price(value, name, low, high),
                  f"{format_price(low)} to {format_price(high)} THB")


def _time_of_day(value: Any, name: str) -> int:
    try:
        return parse_time_of_day(value)
    except InvalidValue as exc:
        raise InvalidValue(f"{name}: {exc}") from None


time_of_day = Reader(_time_of_day, "00:00 to 23:59:59.999999")


def hhmm(text: str, what: str) -> int:
    """Read a rulebook table's time of day, the error naming the field and the form."""
    try:
        return parse_time_of_day(text)
    except InvalidValue as exc:
        raise InvalidValue(f"{what}: {exc} (write it \"HH:MM\")") from None


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidValue(f"{name} must be true or false")


flag = Reader(_flag, "true or false")


def choice(*choices: str) -> Reader:
    """A reader that takes one of `choices`."""

    def read(value: Any, name: str) -> str:
        if not isinstance(value, str) or value not in choices:
            raise InvalidValue(f"{name} must be one of {', '.join(choices)}, got {shown(value)}")
        return value

    return Reader(read, "one of " + ", ".join(choices))


def name_text(value: Any, name: str) -> str:
    """One name (an index, a kind, a sign): short, non-empty, plain text."""
    if (not isinstance(value, str) or not value or len(value) > MAX_NAME_LENGTH
            or not is_text(value)):
        raise InvalidValue(f"{name}: a name is text of 1 to {MAX_NAME_LENGTH} characters, "
                           f"got {shown(value)}")
    return value


def _names(value: Any, name: str) -> frozenset[str]:
    if not isinstance(value, list | tuple) or len(value) > MAX_NAMES:
        raise InvalidValue(f"{name} must be a list of at most {MAX_NAMES} names")
    return frozenset(name_text(v, name) for v in value)


names = Reader(_names, f"a list of 0 to {MAX_NAMES} names of 1 to {MAX_NAME_LENGTH} characters")


def show_time(value: Any) -> str:
    minutes = value // 60_000_000
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def show_price(value: Any) -> str:
    return format_price(value)


def show_plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    return str(value)
