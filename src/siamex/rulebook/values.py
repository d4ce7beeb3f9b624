"""Reading rule values as users write them (numbers, percentages, times, choices, lists) into
their exact core form, and writing them back, for the trading and the clearing rulebooks.

Every reader takes the value and the parameter's name, so its error names what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from siamex.units import InvalidValue, format_price, parse_price, parse_time_of_day

__all__ = [
    "choice",
    "decimal",
    "flag",
    "integer",
    "names",
    "percent",
    "positive_integer",
    "price",
    "show_plain",
    "show_price",
    "show_time",
    "time_of_day",
    "whole_number",
]


_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def decimal(text: str) -> Fraction | None:
    """A plain decimal ("12.5", "-3") exactly, else None: Fraction alone would also build
    "1e999999999", which takes hours."""
    return Fraction(text) if _DECIMAL.fullmatch(text) else None


def integer(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidValue(f"{name} must be an integer")
    try:
        return int(value)
    except ValueError:
        raise InvalidValue(f"{name} must be an integer, got {value!r}") from None


def positive_integer(value: Any, name: str) -> int:
    number = integer(value, name)
    if number <= 0:
        raise InvalidValue(f"{name} must be positive, got {number}")
    return number


def whole_number(value: Any, name: str) -> int:
    number = integer(value, name)
    if number < 0:
        raise InvalidValue(f"{name} must not be negative, got {number}")
    return number


def percent(value: Any, name: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidValue(f"{name} must be a percentage such as 30 or \"12.5\"")
    pct = decimal(str(value))
    if pct is None:
        raise InvalidValue(f"{name} must be a percentage, got {value!r}")
    if pct < 0 or pct > 1000:
        raise InvalidValue(f"{name} must be between 0 and 1000 percent, got {value!r}")
    return pct


def price(value: Any, name: str) -> int:
    try:
        return parse_price(value)
    except InvalidValue as exc:
        raise InvalidValue(f"{name}: {exc}") from None


def time_of_day(value: Any, name: str) -> int:
    try:
        return parse_time_of_day(value)
    except InvalidValue as exc:
        raise InvalidValue(f"{name}: {exc}") from None


def flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidValue(f"{name} must be true or false")


def choice(*choices: str) -> Callable[[Any, str], str]:
    """Return a reader that takes one of `choices`."""

    def parse(value: Any, name: str) -> str:
        if value not in choices:
            raise InvalidValue(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        return str(value)

    return parse


def names(value: Any, name: str) -> frozenset[str]:
    """Read a list of names (instrument kinds, signs) into a set."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidValue(f"{name} must be a list of names")
    return frozenset(value)


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
