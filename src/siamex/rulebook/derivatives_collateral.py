"""TFEX collateral at TCH as rulebook data: what is eligible, the haircut each kind takes, and
when a withdrawal is credited (clearing-spec.md 4.8).

The spec fixes the kinds of asset and the cash windows [S004] but assumes its haircuts (E14),
and says nothing of which foreign currencies or of non-cash windows. Those are rows of a TOML
table (data/derivatives-collateral.toml), labelled there, so an exchange's own figures replace
them without touching a rule; a user's file in the same form replaces the bundled one whole.
Which shares are eligible is not in the table: it follows from the product table, a share being
eligible while a single-stock future on it is listed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from pathlib import Path

import msgspec

from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.rulebook.products import MarketGroup, ProductKind, ProductTable
from siamex.rulebook.table_files import decode_table
from siamex.rulebook.values import hhmm, percent
from siamex.units import InvalidValue, shown

__all__ = [
    "ASSET_CODE",
    "DEFAULT_COLLATERAL_TERMS",
    "AssetKind",
    "CollateralTerms",
    "Window",
    "default_collateral_terms",
    "load_collateral_terms",
    "read_collateral_terms",
    "ssf_underlyings",
]

BUNDLED = "derivatives-collateral.toml"

ASSET_CODE = re.compile(r"[A-Z0-9][A-Z0-9&._-]{0,15}\Z")
"""A collateral asset's code: "THB", a currency, a share's symbol or a bond's code."""
_CURRENCY = re.compile(r"[A-Z]{3}\Z")
_THB = "THB"
_haircut = percent(0, 100)


class AssetKind(StrEnum):
    """What TFEX collateral may be (4.8 [S004])."""

    CASH_THB = "cash_thb"
    CASH_FCY = "cash_fcy"
    SSF_SHARE = "ssf_share"
    THAI_GOVT_BOND = "thai_govt_bond"
    BOT_BOND = "bot_bond"

    @property
    def is_cash(self) -> bool:
        """Whether the kind is cash, which the cash windows apply to."""
        return self in (AssetKind.CASH_THB, AssetKind.CASH_FCY)


@dataclass(frozen=True, slots=True)
class Window:
    """A withdrawal window: a request up to `request_by` is credited at `credit_at`
    (microseconds after midnight)."""

    request_by: int
    credit_at: int


@dataclass(frozen=True, slots=True)
class CollateralTerms:
    """The eligible currencies, the haircuts (percent) by kind and by asset, and the windows."""

    currencies: frozenset[str]
    haircuts: Mapping[AssetKind, Fraction]
    asset_haircuts: Mapping[str, Fraction]
    cash_windows: tuple[Window, ...]
    non_cash_windows: tuple[Window, ...]

    def haircut(self, kind: AssetKind, asset: str) -> Fraction:
        """The asset's own haircut where the table sets one, else its kind's."""
        return self.asset_haircuts.get(asset, self.haircuts[kind])

    def window(self, cash: bool, time_of_day: int) -> Window | None:
        """The first window a withdrawal requested at `time_of_day` falls in; None after the
        last, when the request is refused (4.8, decision 129)."""
        windows = self.cash_windows if cash else self.non_cash_windows
        return next((w for w in windows if time_of_day <= w.request_by), None)


def ssf_underlyings(products: ProductTable) -> frozenset[str]:
    """The shares eligible as collateral: those a single-stock future is listed on (4.8)."""
    return frozenset(p.underlying for p in products.values()
                     if p.kind is ProductKind.FUTURE and p.market_group is MarketGroup.SINGLE_STOCK)


class _WindowRow(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    request_by: str
    credit_at: str


class _TermsFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    currencies: list[str]
    haircut_pct: dict[str, str | int]
    cash_window: list[_WindowRow]
    non_cash_window: list[_WindowRow]
    asset_haircut_pct: dict[str, str | int] = {}


def _windows(rows: list[_WindowRow], what: str) -> tuple[Window, ...]:
    if not rows:
        raise InvalidValue(f"{what}: list at least one window")
    windows: list[Window] = []
    for number, row in enumerate(rows, 1):
        where = f"{what}[{number}]"
        window = Window(hhmm(row.request_by, f"{where}.request_by"),
                        hhmm(row.credit_at, f"{where}.credit_at"))
        if window.credit_at < window.request_by:
            raise InvalidValue(f"{where}: credit_at must not be before request_by")
        if windows and not (window.request_by > windows[-1].request_by
                            and window.credit_at >= windows[-1].credit_at):
            raise InvalidValue(f"{where}: windows must follow one another, each later than the "
                               "one before")
        windows.append(window)
    return tuple(windows)


def _currencies(codes: list[str]) -> frozenset[str]:
    for code in codes:
        if not isinstance(code, str) or _CURRENCY.match(code) is None or code == _THB:
            raise InvalidValue(f"currencies: {shown(code)} is not a foreign currency's three "
                               "capital letters")
    if len(set(codes)) != len(codes):
        raise InvalidValue("currencies: a currency is listed twice")
    return frozenset(codes)


def _terms(parsed: _TermsFile) -> CollateralTerms:
    kinds = {kind.value for kind in AssetKind}
    unknown = sorted(set(parsed.haircut_pct) - kinds)
    missing = sorted(kinds - set(parsed.haircut_pct))
    if unknown or missing:
        raise InvalidValue(f"haircut_pct must give exactly {', '.join(sorted(kinds))}"
                           f"{'; unknown: ' + ', '.join(unknown) if unknown else ''}"
                           f"{'; missing: ' + ', '.join(missing) if missing else ''}")
    haircuts = {AssetKind(kind): _haircut(value, f"haircut_pct.{kind}")
                for kind, value in sorted(parsed.haircut_pct.items())}
    asset_haircuts = {}
    for asset, value in sorted(parsed.asset_haircut_pct.items()):
        if ASSET_CODE.match(asset) is None:
            raise InvalidValue(f"asset_haircut_pct: {shown(asset)} is not an asset code (1-16 "
                               "capital letters, digits or '&._-')")
        asset_haircuts[asset] = _haircut(value, f"asset_haircut_pct.{asset}")
    return CollateralTerms(_currencies(parsed.currencies), haircuts, asset_haircuts,
                           _windows(parsed.cash_window, "cash_window"),
                           _windows(parsed.non_cash_window, "non_cash_window"))


def read_collateral_terms(raw: bytes, where: str) -> CollateralTerms:
    """Read a collateral table's TOML text, refused whole with COLLATERAL_FILE on any fault."""
    parsed = decode_table(raw, _TermsFile, ErrorCode.COLLATERAL_FILE, where, "collateral table",
                          "percentages are numbers or text like \"12.5\", never floats")
    try:
        return _terms(parsed)
    except InvalidValue as exc:
        raise SiamexError(ErrorCode.COLLATERAL_FILE, f"{where}: {exc}") from None


def load_collateral_terms(path: Path) -> CollateralTerms:
    """Read a user's collateral table; it replaces the bundled one whole."""
    return read_collateral_terms(read_input(path), str(path))


@lru_cache(maxsize=1)
def default_collateral_terms() -> CollateralTerms:
    """The bundled collateral table, read once."""
    raw = resources.files("siamex.rulebook.data").joinpath(BUNDLED).read_bytes()
    return read_collateral_terms(raw, BUNDLED)


DEFAULT_COLLATERAL_TERMS = default_collateral_terms()
