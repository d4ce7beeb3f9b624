"""A broker's client margin levels as rulebook data: multiples of the TCH margin rate per client
type and the deadlines of a margin call (clearing-spec.md 4.6).

These are broker rules, not TCH rules: each broker sets its own multiples and deadlines, so
they are a table a broker's file replaces whole (as a product table is, decision 91), never
code. The bundled table (data/client-levels.toml) is the TFEX/FI Club convention [W-18],
[W-19] and the example deadlines of [W-20]. Multiples are exact fractions; the levels they
make are rounded where they are applied (siamex.clearing.derivatives.client_levels).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from pathlib import Path

import msgspec

from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.rulebook.table_files import decode_table
from siamex.rulebook.values import decimal, hhmm
from siamex.units import InvalidValue, format_time_of_day, shown

__all__ = [
    "GENERAL",
    "INSTITUTIONAL",
    "CallDeadlines",
    "ClientLevelTable",
    "LevelMultipliers",
    "default_client_levels",
    "load_client_levels",
    "read_client_levels",
]

BUNDLED = "client-levels.toml"
GENERAL = "general"
INSTITUTIONAL = "institutional"

_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}\Z")
_MAX_MULTIPLE = 10
_MAX_DAYS = 5


@dataclass(frozen=True, slots=True)
class LevelMultipliers:
    """One client type's multiples of the TCH rate: initial (IM), maintenance (MM) and
    force-close (FM) margin; `force_close` None when the type has no force-close level."""

    initial: Fraction
    maintenance: Fraction
    force_close: Fraction | None


@dataclass(frozen=True, slots=True)
class CallDeadlines:
    """When a margin call made on a TFEX business day T falls due: met by `call_by` on the
    `call_days`-th business day after T, else closed out by `force_close_by` on the
    `force_close_days`-th. Times are microseconds after midnight."""

    call_days: int
    call_by: int
    force_close_days: int
    force_close_by: int


@dataclass(frozen=True, slots=True)
class ClientLevelTable:
    """A broker's levels: the multiples per client type and its call deadlines."""

    multipliers: Mapping[str, LevelMultipliers]
    deadlines: CallDeadlines

    def for_type(self, client_type: str) -> LevelMultipliers:
        """The multiples of one client type; a type the table lacks is MARGIN_FILE."""
        found = self.multipliers.get(client_type)
        if found is None:
            raise SiamexError(ErrorCode.MARGIN_FILE,
                              f"no client levels for the client type {shown(client_type)}; "
                              f"the table has {', '.join(sorted(self.multipliers))}")
        return found


class _TypeRow(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    initial: str | int
    maintenance: str | int
    force_close: str | int | None = None


class _DeadlineRow(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    call_days: int
    call_by: str
    force_close_days: int
    force_close_by: str


class _LevelFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    deadlines: _DeadlineRow
    client_type: list[_TypeRow]


def _multiple(value: str | int, what: str) -> Fraction:
    found = decimal(str(value))
    if found is None or not 0 < found <= _MAX_MULTIPLE:
        raise InvalidValue(f"{what} must be a multiple above 0 and at most {_MAX_MULTIPLE}, "
                           f"written like \"1.75\", got {shown(value)}")
    return found


def _multipliers(row: _TypeRow) -> LevelMultipliers:
    if _NAME.match(row.name) is None:
        raise InvalidValue(f"client type {shown(row.name)} must be 1-32 small letters, digits, "
                           "'_' or '-', starting with a letter")
    initial = _multiple(row.initial, f"{row.name}: initial")
    maintenance = _multiple(row.maintenance, f"{row.name}: maintenance")
    force_close = (None if row.force_close is None
                   else _multiple(row.force_close, f"{row.name}: force_close"))
    # 4.6: the call is made below MM and asks for IM, the close-out is below both
    if maintenance > initial or (force_close is not None and force_close > maintenance):
        raise InvalidValue(f"{row.name}: the multiples must run initial >= maintenance >= "
                           "force_close")
    return LevelMultipliers(initial, maintenance, force_close)


def _days(value: int, what: str) -> int:
    if not 0 <= value <= _MAX_DAYS:
        raise InvalidValue(f"{what} must be 0 to {_MAX_DAYS} business days, got {shown(value)}")
    return value


def _deadlines(row: _DeadlineRow) -> CallDeadlines:
    deadlines = CallDeadlines(
        _days(row.call_days, "deadlines.call_days"), hhmm(row.call_by, "deadlines.call_by"),
        _days(row.force_close_days, "deadlines.force_close_days"),
        hhmm(row.force_close_by, "deadlines.force_close_by"))
    if ((deadlines.force_close_days, deadlines.force_close_by)
            <= (deadlines.call_days, deadlines.call_by)):
        raise InvalidValue(
            "deadlines: the force close (day "
            f"{deadlines.force_close_days}, {format_time_of_day(deadlines.force_close_by)[:5]}) "
            f"must come after the call's deadline (day {deadlines.call_days}, "
            f"{format_time_of_day(deadlines.call_by)[:5]})")
    return deadlines


def read_client_levels(raw: bytes, where: str) -> ClientLevelTable:
    """Read a client level table's TOML text, refused whole with MARGIN_FILE on any fault."""
    parsed = decode_table(raw, _LevelFile, ErrorCode.MARGIN_FILE, where, "client level table",
                          "multiples are text like \"1.75\" or whole numbers, never floats")
    try:
        if not parsed.client_type:
            raise InvalidValue("list at least one [[client_type]]")
        multipliers: dict[str, LevelMultipliers] = {}
        for row in parsed.client_type:
            if row.name in multipliers:
                raise InvalidValue(f"client type {shown(row.name)} is listed twice")
            multipliers[row.name] = _multipliers(row)
        return ClientLevelTable(multipliers, _deadlines(parsed.deadlines))
    except InvalidValue as exc:
        raise SiamexError(ErrorCode.MARGIN_FILE, f"{where}: {exc}") from None


def load_client_levels(path: Path) -> ClientLevelTable:
    """Read a broker's client level table; it replaces the bundled one whole."""
    return read_client_levels(read_input(path), str(path))


@lru_cache(maxsize=1)
def default_client_levels() -> ClientLevelTable:
    """The bundled client level table, read once."""
    raw = resources.files("siamex.rulebook.data").joinpath(BUNDLED).read_bytes()
    return read_client_levels(raw, BUNDLED)
