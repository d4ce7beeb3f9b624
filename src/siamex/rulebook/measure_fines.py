"""The base fines of the 2024 measures' breaches as rulebook data (S-14MEASURES).

S-14MEASURES triples the penalties of members breaching the short-sale and program-trading
rules, but the base amounts it triples are not published, so they are a TOML table a user
replaces whole, never code: one base fine per breach kind, in THB per refused order. The
multiple is the rulebook parameter `measure_fine_multiple`. A table must price every kind, so
a day's breaches can always be fined (docs/disclosures.md, "Fines").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from importlib import resources
from pathlib import Path

import msgspec

from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.rulebook.table_files import decode_table
from siamex.rulebook.values import read_price
from siamex.units import InvalidValue, shown

__all__ = [
    "BUNDLED_FINES",
    "MAX_BASE_FINE",
    "Breach",
    "FineTable",
    "default_measure_fines",
    "load_measure_fines",
    "read_measure_fines",
]

BUNDLED_FINES = "measure-fines.toml"

MAX_BASE_FINE = 10**10
"""The largest base fine a table may give, in satang (100,000,000 THB)."""
_MAX_TEXT = 32


class Breach(Enum):
    """A breach of a 2024 measure a member is fined for, and the rule it breaches."""

    NAKED_SHORT_SALE = "naked_short_sale"
    UNCOVERED_SALE = "uncovered_sale"
    SHORT_SALE_SCREENED = "short_sale_screened"
    PROGRAM_SCREENED = "program_screened"
    HFT_NOT_REGISTERED = "hft_not_registered"
    HFT_NOT_PERMITTED = "hft_not_permitted"

    @property
    def rule(self) -> str:
        """"short_sale" or "program_trading": the two rules whose penalties are tripled."""
        return "program_trading" if self in _PROGRAM_TRADING else "short_sale"


_PROGRAM_TRADING = frozenset({Breach.PROGRAM_SCREENED, Breach.HFT_NOT_REGISTERED,
                              Breach.HFT_NOT_PERMITTED})


@dataclass(frozen=True, slots=True)
class FineTable:
    """The base fine of every breach kind, in satang per refused order."""

    base: tuple[tuple[Breach, int], ...]

    def base_fine(self, breach: Breach) -> int:
        """A breach's base fine in satang (every table prices every breach)."""
        return next(amount for kind, amount in self.base if kind is breach)


class _FinesFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    base_fine: dict[str, str | int]


def _amount(value: str | int, what: str) -> int:
    """THB as a whole number or decimal text with at most two decimals, in satang."""
    if isinstance(value, bool) or len(str(value)) > _MAX_TEXT:
        raise InvalidValue(f"{what} must be an amount in THB such as 50000 or \"12.50\", got "
                           f"{shown(value)}")
    return read_price(str(value), what, 0, MAX_BASE_FINE)


def _table(data: _FinesFile) -> FineTable:
    kinds = {breach.value: breach for breach in Breach}
    unknown = [name for name in data.base_fine if name not in kinds]
    if unknown:
        raise InvalidValue(f"base_fine: {shown(unknown[0])} is no breach; the breaches are "
                           f"{', '.join(kinds)}")
    missing = [name for name in kinds if name not in data.base_fine]
    if missing:
        raise InvalidValue(f"base_fine: give a fine for every breach; {', '.join(missing)} "
                           "missing")
    return FineTable(tuple((breach, _amount(data.base_fine[breach.value],
                                            f"base_fine.{breach.value}"))
                           for breach in Breach))


def read_measure_fines(raw: bytes, where: str) -> FineTable:
    """Read a fines table's TOML text, refused whole with FINES_FILE on any fault."""
    data = decode_table(raw, _FinesFile, ErrorCode.FINES_FILE, where, "fines table",
                        "amounts are THB as whole numbers or text like \"12.50\", never floats")
    try:
        return _table(data)
    except InvalidValue as exc:
        raise SiamexError(ErrorCode.FINES_FILE, f"{where}: {exc}") from None


def load_measure_fines(path: Path) -> FineTable:
    """Read a user's fines table; it replaces the bundled one whole."""
    return read_measure_fines(read_input(path), str(path))


@lru_cache(maxsize=1)
def default_measure_fines() -> FineTable:
    """The bundled fines table, read once."""
    raw = resources.files("siamex.rulebook.data").joinpath(BUNDLED_FINES).read_bytes()
    return read_measure_fines(raw, BUNDLED_FINES)

