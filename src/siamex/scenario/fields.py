"""Reading typed fields out of the raw JSON objects of a scenario, with sentences for errors."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import Enum
from typing import Any, TypeVar

from siamex.units import InvalidValue, parse_price

__all__ = ["FieldError", "get_bool", "get_enum", "get_int", "get_price", "get_str",
           "no_unknown"]

E = TypeVar("E", bound=Enum)
_INT_BOUND = 1 << 62


class FieldError(ValueError):
    """A field that is missing, of the wrong type or out of its domain; `finer` marks a price
    given to more decimals than the satang, which is a tick-size matter rather than bad input."""

    def __init__(self, message: str, *, finer: bool = False) -> None:
        super().__init__(message)
        self.finer = finer


def no_unknown(raw: Mapping[str, Any], allowed: Collection[str], where: str) -> None:
    """Refuse fields the format does not know, so a typo is not silently ignored."""
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise FieldError(f"{where}: unknown field(s) {', '.join(unknown)}")


def get_str(raw: Mapping[str, Any], key: str, *, required: bool = True,
            default: str | None = None) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise FieldError(f"{key} is required")
        return default
    if not isinstance(value, str) or not value:
        raise FieldError(f"{key} must be a non-empty string")
    return value


def get_int(raw: Mapping[str, Any], key: str, *, required: bool = True,
            default: int | None = None) -> int | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise FieldError(f"{key} is required")
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(f"{key} must be an integer, got {value!r}")
    if not -_INT_BOUND < value < _INT_BOUND:
        raise FieldError(f"{key} is out of range")
    return value


def get_bool(raw: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = raw.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise FieldError(f"{key} must be true or false, got {value!r}")
    return value


def get_price(raw: Mapping[str, Any], key: str, *, required: bool = True) -> int | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise FieldError(f"{key} is required")
        return None
    try:
        return parse_price(value)
    except InvalidValue as exc:
        raise FieldError(f"{key}: {exc}", finer="finer than" in str(exc)) from None


def get_enum(raw: Mapping[str, Any], key: str, kind: type[E], default: E | None = None) -> E:
    value = raw.get(key)
    if value is None:
        if default is None:
            raise FieldError(f"{key} is required")
        return default
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(str(m.value) for m in kind)
        raise FieldError(f"{key} must be one of {choices}, got {value!r}") from None
