"""TCH's clearing-level margin parameters as rulebook data (clearing-spec.md 4.5, 7.2).

Rates change at least monthly (4.5, [S004] Q3) and the 2015 table was published in baht, the
current one as a percentage of contract value, so the parameters are a TOML table a user
replaces whole, never code: per product its outright rate (`rate_pct` or a fixed baht
`scan_range`), its spread, delivery-month, short-option, super and concentration charges, and
for the table its rounding unit, extreme scenarios, market floors and inter-commodity credits.
Every value is read exactly (percentages `Fraction`, amounts satang) and checked against a
closed range, so a table that loads is one the calculator can run (docs/margin.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.rulebook.products import MarketGroup, ProductKind, ProductTable, default_products
from siamex.rulebook.table_files import decode_table
from siamex.rulebook.values import Reader, decimal, percent
from siamex.units import InvalidValue, format_price, parse_price, shown

__all__ = [
    "MAX_CONTRACT_CHARGE",
    "MAX_FLOOR",
    "MarginTable",
    "ProductMargin",
    "SpreadCredit",
    "check_margin_table",
    "default_margin_table",
    "load_margin_table",
    "read_margin_table",
]

BUNDLED = "margin.toml"

MAX_CONTRACT_CHARGE = 10**10
"""The largest per-contract amount a table may give, in satang (100,000,000 THB)."""
MAX_FLOOR = 10**14
"""The largest market floor, in satang (1,000,000,000,000 THB)."""
_MAX_CONTRACTS = 10**9  # as positions.MAX_QTY
_MAX_RATIO = 1_000
_MAX_DECIMAL_TEXT = 32

_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,15}\Z")  # as products.toml's codes
_UNDERLYING = re.compile(r"[A-Z0-9][A-Z0-9&._-]{0,15}\Z")
_pct100 = percent(0, 100)
_pct_super = percent(0, 500)


@dataclass(frozen=True, slots=True)
class ProductMargin:
    """One product's margin parameters; amounts in satang, percentages exact.

    A future has exactly one outright rate: `rate_pct` of contract value, or `scan_range` per
    contract. An option has none: it is scanned with `scan_from`'s range (the futures
    product of its underlying) and moves implied volatility by `volatility_scan`.
    """

    code: str
    rate_pct: Fraction | None = None
    scan_range: int | None = None
    scan_from: str | None = None
    spread_pct: Fraction = Fraction(0)
    delivery_pct: Fraction = Fraction(0)
    volatility_scan: Fraction | None = None
    somc: int | None = None
    somc_pct: Fraction | None = None
    super_pct: Fraction = Fraction(0)
    concentration_contracts: int | None = None
    concentration_pct: Fraction = Fraction(0)

    @property
    def is_option(self) -> bool:
        """Whether the row is an option's, scanned with another product's range."""
        return self.scan_from is not None


@dataclass(frozen=True, slots=True)
class SpreadCredit:
    """An inter-commodity spread credit within a market between two underlyings: `ratio_a`
    contracts of a against `ratio_b` of b form one spread, credited `credit_pct` of the scan
    risk the spreads cover (decision 117)."""

    market: MarketGroup
    a: str
    b: str
    ratio_a: int
    ratio_b: int
    credit_pct: Fraction


@dataclass(frozen=True, slots=True)
class MarginTable:
    """The margin parameters of every product, and the table-wide ones (4.5, 7.2).

    `rounding_unit` is satang (an outright from `rate_pct` rounds up to it); the two extreme
    scenarios move `extreme_multiple` scan ranges, counted at `extreme_cover_pct`;
    `interest_rate` is Black-76's annual continuous rate as a decimal fraction.
    """

    products: tuple[ProductMargin, ...]
    rounding_unit: int = 10_000
    extreme_multiple: Fraction = Fraction(2)
    extreme_cover_pct: Fraction = Fraction(35)
    interest_rate: Fraction = Fraction(0)
    market_floor: tuple[tuple[MarketGroup, int], ...] = ()
    icsc: tuple[SpreadCredit, ...] = ()

    def product(self, code: str) -> ProductMargin | None:
        """A product's row, if the table has one."""
        return next((row for row in self.products if row.code == code), None)

    def floor(self, market: MarketGroup) -> int:
        """A market's floor in satang: 0 unless the table sets one."""
        return next((amount for group, amount in self.market_floor if group is market), 0)


class _ProductRow(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: str
    rate_pct: str | int | None = None
    scan_range: str | int | None = None
    scan_from: str | None = None
    spread_pct: str | int | None = None
    delivery_pct: str | int | None = None
    volatility_scan: str | int | None = None
    somc: str | int | None = None
    somc_pct: str | int | None = None
    super_pct: str | int | None = None
    concentration_contracts: int | None = None
    concentration_pct: str | int | None = None


class _CreditRow(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    market: str
    a: str
    b: str
    ratio_a: int
    ratio_b: int
    credit_pct: str | int


class _MarginFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    product: list[_ProductRow]
    rounding_unit: str | int = 100
    extreme_multiple: str | int = 2
    extreme_cover_pct: str | int = 35
    interest_rate: str | int = 0
    market_floor: dict[str, str | int] = {}
    icsc: list[_CreditRow] = []


def _amount(value: str | int, what: str, least: int, most: int) -> int:
    """Baht as whole numbers or decimal text with at most 2 decimals, in satang."""
    if isinstance(value, bool):
        raise InvalidValue(f"{what} must be an amount in THB such as 5000 or \"12.50\"")
    text = str(value)
    valid = f"{format_price(least)} to {format_price(most)} THB"
    if len(text) > _MAX_DECIMAL_TEXT:
        raise InvalidValue(f"{what} must be {valid}, got {shown(value)}")
    try:
        satang = parse_price(text)
    except InvalidValue as exc:
        raise InvalidValue(f"{what}: {exc}") from None
    if not least <= satang <= most:
        raise InvalidValue(f"{what} must be {valid}, got {shown(value)}")
    return satang


def _decimal(value: str | int, what: str, least: Fraction, most: Fraction) -> Fraction:
    """An exact decimal ("0.04", 2) within a closed range."""
    exact = (decimal(str(value)) if not isinstance(value, bool)
             and len(str(value)) <= _MAX_DECIMAL_TEXT else None)
    if exact is None:
        raise InvalidValue(f"{what} must be a decimal number such as \"0.04\", got "
                           f"{shown(value)}")
    if not least <= exact <= most:
        raise InvalidValue(f"{what} must be {least} to {most}, got {shown(value)}")
    return exact


def _pct(value: str | int, what: str, reader: Reader = _pct100) -> Fraction:
    pct: Fraction = reader(value, what)
    return pct


def _count(value: int, what: str, least: int, most: int) -> int:
    if isinstance(value, bool) or not least <= value <= most:
        raise InvalidValue(f"{what} must be {least:,} to {most:,}, got {shown(value)}")
    return value


def _code(value: str, what: str) -> str:
    if _CODE.match(value) is None:
        raise InvalidValue(f"{what} {shown(value)} must be 1-16 capital letters, digits or '-'")
    return value


def _absent(row: _ProductRow, names: tuple[str, ...], why: str) -> None:
    given = [name for name in names if getattr(row, name) is not None]
    if given:
        raise InvalidValue(f"{row.code}: {why} has no {' or '.join(given)}")


def _option_row(row: _ProductRow, code: str, scan_from: str) -> ProductMargin:
    """An option takes its scan range from its underlying's futures (4.5 [W-15], 7.2)."""
    _absent(row, ("rate_pct", "scan_range", "spread_pct", "delivery_pct"),
            "an option (it is scanned with scan_from's range)")
    if row.volatility_scan is None:
        raise InvalidValue(f"{code}: an option needs volatility_scan")
    if row.somc is not None and row.somc_pct is not None:
        raise InvalidValue(f"{code}: give somc or somc_pct, not both")
    return ProductMargin(
        code=code, scan_from=_code(scan_from, f"{code}: scan_from"),
        volatility_scan=_decimal(row.volatility_scan, f"{code}: volatility_scan",
                                 Fraction(0), Fraction(1)),
        somc=(None if row.somc is None
              else _amount(row.somc, f"{code}: somc", 0, MAX_CONTRACT_CHARGE)),
        somc_pct=None if row.somc_pct is None else _pct(row.somc_pct, f"{code}: somc_pct"),
        super_pct=_super(row, code), **_concentration(row, code))


def _future_row(row: _ProductRow, code: str) -> ProductMargin:
    _absent(row, ("volatility_scan", "somc", "somc_pct"), "a future (no scan_from)")
    if (row.rate_pct is None) == (row.scan_range is None):
        raise InvalidValue(f"{code}: give exactly one of rate_pct and scan_range")
    if row.spread_pct is None:
        raise InvalidValue(f"{code}: a future needs spread_pct (25 in the 2015 table)")
    rate = None if row.rate_pct is None else _pct(row.rate_pct, f"{code}: rate_pct")
    if rate is not None and rate <= 0:
        raise InvalidValue(f"{code}: rate_pct must be above 0")
    return ProductMargin(
        code=code, rate_pct=rate,
        scan_range=(None if row.scan_range is None
                    else _amount(row.scan_range, f"{code}: scan_range", 1,
                                 MAX_CONTRACT_CHARGE)),
        spread_pct=_pct(row.spread_pct, f"{code}: spread_pct"),
        delivery_pct=(Fraction(0) if row.delivery_pct is None
                      else _pct(row.delivery_pct, f"{code}: delivery_pct")),
        super_pct=_super(row, code), **_concentration(row, code))


def _super(row: _ProductRow, code: str) -> Fraction:
    return Fraction(0) if row.super_pct is None else _pct(row.super_pct, f"{code}: super_pct",
                                                          _pct_super)


def _concentration(row: _ProductRow, code: str) -> dict[str, Any]:
    if (row.concentration_contracts is None) != (row.concentration_pct is None):
        raise InvalidValue(f"{code}: give concentration_contracts and concentration_pct "
                           "together")
    if row.concentration_contracts is None or row.concentration_pct is None:
        return {}
    return {"concentration_contracts": _count(row.concentration_contracts,
                                              f"{code}: concentration_contracts", 1,
                                              _MAX_CONTRACTS),
            "concentration_pct": _pct(row.concentration_pct, f"{code}: concentration_pct")}


def _product(row: _ProductRow) -> ProductMargin:
    code = _code(row.code, "product code")
    if row.scan_from is not None:
        return _option_row(row, code, row.scan_from)
    return _future_row(row, code)


def _credit(row: _CreditRow, where: str) -> SpreadCredit:
    try:
        market = MarketGroup(row.market)
    except ValueError:
        raise InvalidValue(f"{where}: market must be one of "
                           f"{', '.join(m.value for m in MarketGroup)}, got {shown(row.market)}"
                           ) from None
    for name in (row.a, row.b):
        if _UNDERLYING.match(name) is None:
            raise InvalidValue(f"{where}: underlying {shown(name)} must be 1-16 capital "
                               "letters, digits or '&._-'")
    if row.a == row.b:
        raise InvalidValue(f"{where}: a and b must be two underlyings, got {row.a} twice")
    credit = _pct(row.credit_pct, f"{where}: credit_pct")
    if credit <= 0:
        raise InvalidValue(f"{where}: credit_pct must be above 0")
    return SpreadCredit(market, row.a, row.b,
                        _count(row.ratio_a, f"{where}: ratio_a", 1, _MAX_RATIO),
                        _count(row.ratio_b, f"{where}: ratio_b", 1, _MAX_RATIO), credit)


def _floors(rows: dict[str, str | int]) -> tuple[tuple[MarketGroup, int], ...]:
    floors = []
    for name, value in rows.items():
        try:
            market = MarketGroup(name)
        except ValueError:
            raise InvalidValue(f"market_floor: {shown(name)} is no market; write one of "
                               f"{', '.join(m.value for m in MarketGroup)}") from None
        floors.append((market, _amount(value, f"market_floor.{name}", 0, MAX_FLOOR)))
    return tuple(floors)


def _table(data: _MarginFile) -> MarginTable:
    if not data.product:
        raise InvalidValue("list at least one [[product]]")
    rows = tuple(_product(row) for row in data.product)
    codes = [row.code for row in rows]
    for code in codes:
        if codes.count(code) > 1:
            raise InvalidValue(f"product {code} is listed twice")
    by_code = {row.code: row for row in rows}
    for row in rows:
        target = by_code.get(row.scan_from) if row.scan_from is not None else None
        if row.scan_from is not None and (target is None or target.is_option):
            raise InvalidValue(f"{row.code}: scan_from {row.scan_from} must name a futures "
                               "product of this table")
    credits = tuple(_credit(row, f"icsc row {n}") for n, row in enumerate(data.icsc, 1))
    pairs = [frozenset((c.a, c.b)) for c in credits]
    if len(set(pairs)) != len(pairs):
        raise InvalidValue("icsc: a pair of underlyings is listed twice")
    return MarginTable(
        products=rows,
        rounding_unit=_amount(data.rounding_unit, "rounding_unit", 1, MAX_CONTRACT_CHARGE),
        extreme_multiple=_decimal(data.extreme_multiple, "extreme_multiple", Fraction(1),
                                  Fraction(10)),
        extreme_cover_pct=_pct(data.extreme_cover_pct, "extreme_cover_pct"),
        interest_rate=_decimal(data.interest_rate, "interest_rate", Fraction(-1, 10),
                               Fraction(1)),
        market_floor=_floors(data.market_floor), icsc=credits)


def check_margin_table(table: MarginTable, products: ProductTable) -> None:
    """Refuse (InvalidValue) a table that does not fit a product table: a row for a product
    it lacks, an option row for a future or the other way, an option scanned with another
    underlying's futures, a credit between underlyings its market does not trade."""
    for row in table.products:
        product = products.get(row.code)
        if product is None:
            raise InvalidValue(f"{row.code}: no such product in the product table")
        if row.is_option != (product.kind is ProductKind.OPTION):
            raise InvalidValue(f"{row.code}: scan_from is for options, and options need it")
        if row.scan_from is None:
            continue
        source = products.get(row.scan_from)
        if source is None:
            raise InvalidValue(f"{row.code}: scan_from {row.scan_from} is not a product")
        if source.underlying != product.underlying:
            raise InvalidValue(f"{row.code}: scan_from {source.code} has another underlying "
                               f"({source.underlying}, not {product.underlying})")
    for credit in table.icsc:
        traded = {p.underlying for p in products.values() if p.market_group is credit.market}
        for name in (credit.a, credit.b):
            if name not in traded:
                raise InvalidValue(f"icsc {credit.a}/{credit.b}: no {credit.market} product "
                                   f"has the underlying {name}")


def read_margin_table(raw: bytes, where: str, products: ProductTable | None = None
                      ) -> MarginTable:
    """Read a margin table's TOML text, refused whole with MARGIN_FILE on any fault, and
    checked against a product table when one is given."""
    data = decode_table(raw, _MarginFile, ErrorCode.MARGIN_FILE, where, "margin table",
                        "percentages and amounts are text like \"12.5\" or whole numbers, "
                        "never floats")
    try:
        table = _table(data)
        if products is not None:
            check_margin_table(table, products)
    except InvalidValue as exc:
        raise SiamexError(ErrorCode.MARGIN_FILE, f"{where}: {exc}") from None
    return table


def load_margin_table(path: Path, products: ProductTable | None = None) -> MarginTable:
    """Read a user's margin table; it replaces the bundled one whole (as decision 91)."""
    return read_margin_table(read_input(path), str(path), products)


@lru_cache(maxsize=1)
def default_margin_table() -> MarginTable:
    """The bundled margin table, read once and checked against the bundled products."""
    raw = resources.files("siamex.rulebook.data").joinpath(BUNDLED).read_bytes()
    return read_margin_table(raw, BUNDLED, default_products())
