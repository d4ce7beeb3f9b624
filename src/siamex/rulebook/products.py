"""TFEX products as rulebook data: the contract terms that listing, limits and clearing read
(clearing-spec.md 2.3 and 4.1).

A product's terms are a row of a TOML table, not code, so that a term the public rules leave
open can be changed without touching a rule. The bundled table (data/products.toml) carries
the terms the spec sources and labels what it had to infer (docs/derivatives-products.md); a
user's file in the same form replaces it whole. Prices are integers in hundredths of the
product's price unit (index points, THB, THB per USD), so `price * multiplier` is satang and
no rule ever computes with a float.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from pathlib import Path

import msgspec

from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.rulebook.table_files import decode_table
from siamex.rulebook.values import hhmm, percent
from siamex.units import US_PER_DAY, InvalidValue, is_text, parse_price, shown

__all__ = [
    "DEFAULT_PRODUCTS",
    "GOLD_BAHT_WEIGHT_GRAMS",
    "GOLD_PURITY_RATIO",
    "TROY_OUNCE_GRAMS",
    "ExpiryMonths",
    "FinalSettlement",
    "MarketGroup",
    "Product",
    "ProductKind",
    "ProductTable",
    "SeriesKind",
    "Session",
    "SessionName",
    "default_products",
    "gold_reference_price",
    "load_products",
    "read_products",
]

BUNDLED = "products.toml"

# derived: the gold formula's factors, exactly (clearing-spec.md 4.1)
GOLD_BAHT_WEIGHT_GRAMS = Fraction("15.244")
TROY_OUNCE_GRAMS = Fraction("31.1034768")
GOLD_PURITY_RATIO = Fraction("0.965") / Fraction("0.995")  # Thai 96.5% gold / 99.5% reference

_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,15}\Z")
_ROOT = re.compile(r"[A-Z][A-Z0-9]{0,9}\Z")
_UNDERLYING = re.compile(r"[A-Z0-9][A-Z0-9&._-]{0,15}\Z")
_NAME_LENGTH = 80
_MAX_MULTIPLIER = 1_000  # decision 101: marking's int64 sums
_MAX_OFFSET = 10
_MAX_STRIKES_EACH_SIDE = 50
_MAX_POSITION_LIMIT = 1_000_000_000
_limit_pct = percent(0, 100)


class ProductKind(StrEnum):
    """What a product's series are: futures, or calls and puts."""

    FUTURE = "future"
    OPTION = "option"


class SeriesKind(StrEnum):
    """The kind of one series (clearing-spec.md 2.3)."""

    FUTURE = "FUT"
    CALL = "CALL"
    PUT = "PUT"


class MarketGroup(StrEnum):
    """The markets margin is floored in, one per group (clearing-spec.md 2.3, 4.5)."""

    EQUITY_INDEX = "equity_index"
    METAL = "metal"
    SINGLE_STOCK = "single_stock"
    CURRENCY = "currency"
    INTEREST_RATE = "interest_rate"
    AGRI = "agri"
    ENERGY = "energy"


class FinalSettlement(StrEnum):
    """How an expiring series' final settlement price is found (clearing-spec.md 4.1)."""

    INDEX_TRIMMED_AVERAGE = "index_trimmed_average"
    """SET50: the average of the index's values over the last 15 minutes plus its close,
    the 3 highest and 3 lowest dropped [W-8]."""
    UNDERLYING_TRIMMED_AVERAGE = "underlying_trimmed_average"
    """Single-stock futures: the same rule on the underlying share's prices (derived)."""
    REFERENCE_RATE = "reference_rate"
    """USD: the 11:00 THB/USD reference rate [W-11]."""
    GOLD_FORMULA = "gold_formula"
    """Gold: a reference price in USD per troy ounce times THB per USD, converted to THB per
    baht-weight of 96.5% gold (`gold_reference_price`; derived)."""
    OPTION_INTRINSIC = "option_intrinsic"
    """Options: cash at intrinsic value against the underlying's final settlement price,
    in-the-money series exercised automatically ([W-8] European; automatic exercise [I])."""


class SessionName(StrEnum):
    """A session's name; a product with the midday break lists a morning and an afternoon."""

    DAY = "day"
    MORNING = "morning"
    AFTERNOON = "afternoon"
    NIGHT = "night"


@dataclass(frozen=True, slots=True)
class Session:
    """One trading session. Times are microseconds after midnight of the calendar day the
    session starts on, so a night session's close runs past 24:00 (03:00 is 27:00)."""

    name: SessionName
    pre_open_start: int
    open: int
    close: int

    @property
    def is_night(self) -> bool:
        """Whether the session's trades clear on the next business day (decision 93)."""
        return self.name is SessionName.NIGHT


@dataclass(frozen=True, slots=True)
class ExpiryMonths:
    """The months listed at once: the `consecutive` nearest calendar months, then the next
    `cycle_count` months of `cycle` after them (S50: 3 and the next 3 of Mar/Jun/Sep/Dec)."""

    consecutive: int
    cycle: tuple[int, ...]
    cycle_count: int

    def may_list(self, month: int) -> bool:
        """Whether a series of this calendar month can ever be listed."""
        return self.consecutive > 0 or month in self.cycle


@dataclass(frozen=True, slots=True)
class Product:
    """A TFEX product's contract terms; prices in hundredths of its price unit.

    `multiplier` is THB per one price unit, `price_limit_pct` a percentage of the previous
    settlement (of the underlying's, for options), `last_trading_day_offset` the business
    days before the expiry month's last business day, `cut_off` the time trading stops on
    that day.
    """

    code: str
    root: str
    name: str
    kind: ProductKind
    market_group: MarketGroup
    underlying: str
    multiplier: int
    tick: int
    price_limit_pct: Fraction
    sessions: tuple[Session, ...]
    expiry_months: ExpiryMonths
    last_trading_day_offset: int
    cut_off: int
    final_settlement: FinalSettlement
    foreign_underlying: bool
    strike_interval: int | None = None
    strikes_each_side: int | None = None
    position_limit: int | None = None


class ProductTable(Mapping[str, Product]):
    """The products by code, in their table's order; `by_root` finds a symbol's product."""

    __slots__ = ("_by_code", "_by_root")

    def __init__(self, products: Iterable[Product]) -> None:
        self._by_code: dict[str, Product] = {}
        self._by_root: dict[tuple[str, ProductKind], Product] = {}
        for product in products:
            if product.code in self._by_code:
                raise InvalidValue(f"product {product.code} is listed twice")
            if (product.root, product.kind) in self._by_root:
                raise InvalidValue(f"products {self._by_root[product.root, product.kind].code} "
                                   f"and {product.code} share the root {product.root} and the "
                                   f"kind {product.kind}: a symbol could not tell them apart")
            self._by_code[product.code] = product
            self._by_root[product.root, product.kind] = product

    def __getitem__(self, code: str) -> Product:
        return self._by_code[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_code)

    def __len__(self) -> int:
        return len(self._by_code)

    def by_root(self, root: str, kind: ProductKind) -> Product | None:
        """The product whose series symbols start with `root`, of a kind, if any."""
        return self._by_root.get((root, kind))


def gold_reference_price(usd_per_troy_ounce: Fraction, thb_per_usd: Fraction) -> Fraction:
    """The THB price of one baht-weight of 96.5% gold, exactly, from a reference gold price
    (USD per troy ounce of 99.5% gold) and a THB/USD rate. Rounding to the tick is the final
    settlement's to choose. derived (4.1)."""
    thb_per_ounce = usd_per_troy_ounce * thb_per_usd
    return thb_per_ounce * GOLD_BAHT_WEIGHT_GRAMS / TROY_OUNCE_GRAMS * GOLD_PURITY_RATIO


class _SessionRow(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: SessionName
    pre_open: str
    open: str
    close: str


class _ProductRow(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: str
    root: str
    name: str
    kind: ProductKind
    market_group: MarketGroup
    underlying: str
    multiplier: int
    tick: str | int
    price_limit_pct: str | int
    sessions: list[_SessionRow]
    consecutive_months: int
    cycle_months: list[int] = []
    cycle_count: int = 0
    last_trading_day_offset: int
    cut_off: str
    final_settlement: FinalSettlement
    foreign_underlying: bool
    strike_interval: str | int | None = None
    strikes_each_side: int | None = None
    position_limit: int | None = None
    physical: bool = False


class _ProductFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    product: list[_ProductRow]


def _text(value: str, pattern: re.Pattern[str], what: str, looks: str) -> str:
    if pattern.match(value) is None:
        raise InvalidValue(f"{what} {shown(value)} must be {looks}")
    return value


def _price(value: str | int, what: str) -> int:
    """A positive price in hundredths; one finer than 0.01 is refused (prices have at most 2
    decimals, as the engine's)."""
    try:
        hundredths = parse_price(str(value))
    except InvalidValue as exc:
        raise InvalidValue(f"{what}: {exc}") from None
    if hundredths <= 0:
        raise InvalidValue(f"{what} must be above 0")
    return hundredths


def _bounded(value: int, least: int, most: int, what: str) -> int:
    if not least <= value <= most:
        raise InvalidValue(f"{what} must be {least:,} to {most:,}, got {shown(value)}")
    return value


def _sessions(rows: list[_SessionRow], code: str) -> tuple[Session, ...]:
    if not rows:
        raise InvalidValue(f"{code}: list at least one session")
    sessions: list[Session] = []
    for row in rows:
        where = f"{code}: the {row.name} session"
        pre_open = hhmm(row.pre_open, f"{where}'s pre_open")
        opens = hhmm(row.open, f"{where}'s open")
        close = hhmm(row.close, f"{where}'s close")
        if row.name is SessionName.NIGHT and close <= opens:
            close += US_PER_DAY  # a night session crosses midnight (clearing-spec.md 4.10)
        if not pre_open <= opens < close:
            raise InvalidValue(f"{where} must run pre_open <= open < close (only a night "
                               "session may close after midnight)")
        if sessions and (sessions[-1].is_night or pre_open < sessions[-1].close):
            raise InvalidValue(f"{where} must start after the session before it closes, the "
                               "night session last")
        sessions.append(Session(row.name, pre_open, opens, close))
    if len({s.name for s in sessions}) != len(sessions):
        raise InvalidValue(f"{code}: a session name is listed twice")
    return tuple(sessions)


def _expiry(row: _ProductRow) -> ExpiryMonths:
    consecutive = _bounded(row.consecutive_months, 0, 12, f"{row.code}: consecutive_months")
    count = _bounded(row.cycle_count, 0, 12, f"{row.code}: cycle_count")
    cycle = tuple(row.cycle_months)
    if any(not 1 <= m <= 12 for m in cycle) or list(cycle) != sorted(set(cycle)):
        raise InvalidValue(f"{row.code}: cycle_months must be months 1 to 12, rising, each once")
    if count and not cycle:
        raise InvalidValue(f"{row.code}: cycle_count needs cycle_months")
    if consecutive + count == 0:
        raise InvalidValue(f"{row.code}: list at least one month (consecutive_months or "
                           "cycle_count)")
    return ExpiryMonths(consecutive, cycle, count)


def _strikes(row: _ProductRow, tick: int) -> tuple[int | None, int | None]:
    """Options need a strike grid, futures must not have one. Strikes are whole price units
    because a symbol writes them so (S50Z26C950)."""
    given = row.strike_interval is not None or row.strikes_each_side is not None
    if row.kind is ProductKind.FUTURE:
        if given:
            raise InvalidValue(f"{row.code}: a future has no strike_interval or "
                               "strikes_each_side")
        return None, None
    if row.strike_interval is None or row.strikes_each_side is None:
        raise InvalidValue(f"{row.code}: an option needs strike_interval and strikes_each_side")
    interval = _price(row.strike_interval, f"{row.code}: strike_interval")
    if interval % 100 or interval % tick:
        raise InvalidValue(f"{row.code}: strike_interval must be a whole number of price units "
                           "and of ticks")
    each_side = _bounded(row.strikes_each_side, 0, _MAX_STRIKES_EACH_SIDE,
                         f"{row.code}: strikes_each_side")
    return interval, each_side


def _product(row: _ProductRow) -> Product:
    code = _text(row.code, _CODE, "product code", "1-16 capital letters, digits or '-'")
    root = _text(row.root, _ROOT, f"{code}: root", "a capital letter then up to 9 capital "
                 "letters or digits")
    underlying = _text(row.underlying, _UNDERLYING, f"{code}: underlying",
                       "1-16 capital letters, digits or '&._-'")
    if not row.name.strip() or len(row.name) > _NAME_LENGTH or not is_text(row.name):
        raise InvalidValue(f"{code}: name must be text of 1 to {_NAME_LENGTH} characters")
    multiplier = _bounded(row.multiplier, 1, _MAX_MULTIPLIER, f"{code}: multiplier")
    tick = _price(row.tick, f"{code}: tick")
    pct = _limit_pct(row.price_limit_pct, f"{code}: price_limit_pct")
    if pct <= 0:
        raise InvalidValue(f"{code}: price_limit_pct must be above 0")
    sessions = _sessions(row.sessions, code)
    cut_off = hhmm(row.cut_off, f"{code}: cut_off")
    if not any(s.open < cut_off <= s.close for s in sessions if not s.is_night):
        raise InvalidValue(f"{code}: cut_off must fall within a day-time session")
    is_option = row.kind is ProductKind.OPTION
    if is_option != (row.final_settlement is FinalSettlement.OPTION_INTRINSIC):
        raise InvalidValue(f"{code}: option_intrinsic final settlement is for options, and "
                           "only for them")
    strike_interval, strikes_each_side = _strikes(row, tick)
    if row.physical:  # README: physical delivery (Gold-D) is not modelled
        raise InvalidValue(f"{code}: physical delivery is not modelled; only cash-settled "
                           "products")
    position_limit = row.position_limit
    if position_limit is not None:
        _bounded(position_limit, 1, _MAX_POSITION_LIMIT, f"{code}: position_limit")
    return Product(
        code=code, root=root, name=row.name, kind=row.kind, market_group=row.market_group,
        underlying=underlying, multiplier=multiplier, tick=tick, price_limit_pct=pct,
        sessions=sessions, expiry_months=_expiry(row),
        last_trading_day_offset=_bounded(row.last_trading_day_offset, 0, _MAX_OFFSET,
                                         f"{code}: last_trading_day_offset"),
        cut_off=cut_off, final_settlement=row.final_settlement,
        foreign_underlying=row.foreign_underlying, strike_interval=strike_interval,
        strikes_each_side=strikes_each_side, position_limit=position_limit)


def read_products(raw: bytes, where: str) -> ProductTable:
    """Read a product table's TOML text, refused whole with PRODUCT_FILE on any fault so a
    half-read table never lists series."""
    rows = decode_table(raw, _ProductFile, ErrorCode.PRODUCT_FILE, where, "product table",
                        "prices are text like \"0.1\" or whole numbers, never floats").product
    if not rows:
        raise SiamexError(ErrorCode.PRODUCT_FILE, f"{where}: list at least one [[product]]")
    try:
        return ProductTable(_product(row) for row in rows)
    except InvalidValue as exc:
        raise SiamexError(ErrorCode.PRODUCT_FILE, f"{where}: {exc}") from None


def load_products(path: Path) -> ProductTable:
    """Read a user's product table; it replaces the bundled one whole (decision 91)."""
    raw = read_input(path)
    return read_products(raw, str(path))


@lru_cache(maxsize=1)
def default_products() -> ProductTable:
    """The bundled product table, read once."""
    raw = resources.files("siamex.rulebook.data").joinpath(BUNDLED).read_bytes()
    return read_products(raw, BUNDLED)


DEFAULT_PRODUCTS = default_products()
