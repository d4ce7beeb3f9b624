"""A day's TFEX collateral requests and quotes as a file section: the members' deposits,
withdrawals and exchanges, and the market data they are valued at (clearing-spec.md 4.8).

Why Structs a caller can embed: the requests belong to a derivatives clearing day, so the day's
instruction file carries them (`CollateralEntries` as one of its fields); they can also be read
alone (`collateral_from_text`). Quantities and prices are decimal text, so nothing passes
through a float; any fault refuses the whole section with `COLLATERAL_FILE` naming the entry,
before anything is posted. docs/derivatives-collateral.md, "The file", lists the fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, NamedTuple

import msgspec

from siamex.clearing.derivatives.collateral_state import CollateralOp
from siamex.clearing.derivatives.collateral_value import BondQuote, CollateralQuotes
from siamex.clearing.foundations.limits import MAX_AMOUNT
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.derivatives_collateral import ASSET_CODE, AssetKind
from siamex.rulebook.values import percent
from siamex.units import InvalidValue, is_text, parse_price, parse_time_of_day, shown

__all__ = [
    "BondEntry",
    "CollateralEntries",
    "CollateralRequest",
    "DayCollateral",
    "DepositEntry",
    "ExchangeEntry",
    "Lot",
    "LotEntry",
    "QuotesEntry",
    "RequestEntry",
    "WithdrawEntry",
    "collateral_from_entries",
    "collateral_from_text",
]

_CURRENCY = re.compile(r"[A-Z]{3}\Z")
_PRICE = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,6})?\Z")  # THB per unit, to a millionth
_MAX_TEXT = 64
_QUANTITY_DIGITS = 14  # MAX_AMOUNT in hundredths
_haircut = percent(0, 100)


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """An entry of the file: unknown fields refused, so a misspelt request is not ignored."""


class LotEntry(_Strict, frozen=True):
    """An asset and its quantity as decimal text: "350000.00" THB, "10093.73" USD, "21875"
    shares, "100" bond units."""

    asset: str
    quantity: str


class _Request(_Strict, frozen=True, tag_field="op"):
    ref: str
    member: str
    time: str


class DepositEntry(_Request, frozen=True, tag="deposit"):
    """A deposit from the member's own account into its collateral."""

    asset: str
    quantity: str


class WithdrawEntry(_Request, frozen=True, tag="withdraw"):
    """A withdrawal of the excess back to the member's own account."""

    asset: str
    quantity: str


class ExchangeEntry(_Request, frozen=True, tag="exchange"):
    """An exchange: `withdraw` goes back to the member, `deposit` comes in, at once."""

    withdraw: list[LotEntry]
    deposit: list[LotEntry]


RequestEntry = DepositEntry | WithdrawEntry | ExchangeEntry


class BondEntry(_Strict, frozen=True):
    """A bond's kind and its price in THB per unit."""

    kind: Literal["thai_govt_bond", "bot_bond"]
    price: str


class QuotesEntry(_Strict, frozen=True):
    """The day's quotes: THB per unit of each currency, THB per share, the bonds, and
    haircuts (percent) set for the day over the rulebook's."""

    fx_rates: dict[str, str] = {}
    shares: dict[str, str] = {}
    bonds: dict[str, BondEntry] = {}
    haircuts: dict[str, str | int] = {}


class CollateralEntries(_Strict, frozen=True):
    """The collateral section of a derivatives day: its quotes and requests."""

    quotes: QuotesEntry = QuotesEntry()
    requests: list[RequestEntry] = []


class Lot(NamedTuple):
    """An asset and its quantity in hundredths of the unit written (a share is 100): the
    book's unit for cash, whole units times 100 for a security."""

    asset: str
    hundredths: int


@dataclass(frozen=True, slots=True)
class CollateralRequest:
    """One request, checked: `time` in microseconds after midnight of the day; a deposit has
    one lot in `deposit`, a withdrawal one in `withdraw`, an exchange both."""

    ref: str
    member: str
    op: CollateralOp
    time: int
    withdraw: tuple[Lot, ...] = ()
    deposit: tuple[Lot, ...] = ()


@dataclass(frozen=True, slots=True)
class DayCollateral:
    """A day's quotes and requests, the requests in time order (the file's at one time)."""

    quotes: CollateralQuotes
    requests: tuple[CollateralRequest, ...]


def _text(value: str, what: str, most: int = _MAX_TEXT) -> str:
    if not value or len(value) > most or not is_text(value) or value != value.strip():
        raise InvalidValue(f"{what} must be text of 1 to {most} characters, got {shown(value)}")
    return value


def _asset(value: str, what: str) -> str:
    if ASSET_CODE.match(value) is None:
        raise InvalidValue(f"{what} {shown(value)} is not an asset code (1-16 capital letters, "
                           "digits or '&._-')")
    return value


def _lot(entry: LotEntry, what: str) -> Lot:
    asset = _asset(entry.asset, f"{what}.asset")
    try:
        hundredths = parse_price(entry.quantity, _QUANTITY_DIGITS)
    except InvalidValue:
        hundredths = 0
    if not 0 < hundredths <= MAX_AMOUNT:
        raise InvalidValue(f"{what}.quantity must be decimal text above zero with at most two "
                           f"decimals and {_QUANTITY_DIGITS} digits before the point, got "
                           f"{shown(entry.quantity)}")
    return Lot(asset, hundredths)


def _request(entry: RequestEntry, what: str) -> CollateralRequest:
    ref = _text(entry.ref, f"{what}.ref")
    member = _text(entry.member, f"{what}.member")
    try:
        time = parse_time_of_day(entry.time)
    except InvalidValue as exc:
        raise InvalidValue(f"{what}.time: {exc} (write it \"HH:MM\")") from None
    if isinstance(entry, ExchangeEntry):
        out = tuple(_lot(lot, f"{what}.withdraw[{n}]") for n, lot in enumerate(entry.withdraw, 1))
        into = tuple(_lot(lot, f"{what}.deposit[{n}]") for n, lot in enumerate(entry.deposit, 1))
        assets = [lot.asset for lot in (*out, *into)]
        if not out or not into or len(set(assets)) != len(assets):
            raise InvalidValue(f"{what}: an exchange withdraws some assets and deposits others, "
                               "each asset once")
        return CollateralRequest(ref, member, CollateralOp.EXCHANGE, time, out, into)
    lot = _lot(LotEntry(entry.asset, entry.quantity), what)
    if isinstance(entry, DepositEntry):
        return CollateralRequest(ref, member, CollateralOp.DEPOSIT, time, deposit=(lot,))
    return CollateralRequest(ref, member, CollateralOp.WITHDRAW, time, withdraw=(lot,))


def _price(text: str, what: str) -> Fraction:
    if _PRICE.match(text) is None or Fraction(text) <= 0:
        raise InvalidValue(f"{what} must be decimal text above zero with at most 12 digits "
                           f"before the point and 6 after, got {shown(text)}")
    return Fraction(text)


def _quotes(entry: QuotesEntry, where: str) -> CollateralQuotes:
    fx: dict[str, Fraction] = {}
    for currency, rate in sorted(entry.fx_rates.items()):
        if _CURRENCY.match(currency) is None or currency == "THB":
            raise InvalidValue(f"{where}.fx_rates: {shown(currency)} is not a foreign "
                               "currency's three capital letters")
        fx[currency] = _price(rate, f"{where}.fx_rates.{currency}")
    shares = {_asset(share, f"{where}.shares: share"): _price(price, f"{where}.shares.{share}")
              for share, price in sorted(entry.shares.items())}
    bonds = {_asset(bond, f"{where}.bonds: bond"): BondQuote(
        AssetKind(quote.kind), _price(quote.price, f"{where}.bonds.{bond}.price"))
        for bond, quote in sorted(entry.bonds.items())}
    named = [*fx, *shares, *bonds, "THB"]
    if len(set(named)) != len(named):
        raise InvalidValue(f"{where}: an asset is quoted twice, or THB is quoted (it is 1 THB)")
    haircuts = {_asset(asset, f"{where}.haircuts: asset"):
                _haircut(value, f"{where}.haircuts.{asset}")
                for asset, value in sorted(entry.haircuts.items())}
    return CollateralQuotes(fx, shares, bonds, haircuts)


def collateral_from_entries(entries: CollateralEntries,
                            where: str = "collateral") -> DayCollateral:
    """Check a parsed section whole: the quotes, then each request; refs are unique per
    member. The requests come back in time order, the file's at one time."""
    try:
        quotes = _quotes(entries.quotes, f"{where}.quotes")
        requests: list[CollateralRequest] = []
        seen: set[tuple[str, str]] = set()
        for number, entry in enumerate(entries.requests, 1):
            what = f"{where}.requests[{number}]"
            request = _request(entry, what)
            if (request.member, request.ref) in seen:
                raise InvalidValue(f"{what}: {request.member} uses the ref {request.ref} twice")
            seen.add((request.member, request.ref))
            requests.append(request)
    except InvalidValue as exc:
        raise SiamexError(ErrorCode.COLLATERAL_FILE, str(exc)) from None
    return DayCollateral(quotes, tuple(sorted(requests, key=lambda r: r.time)))


def collateral_from_text(text: bytes | str) -> DayCollateral:
    """Read a collateral section on its own (a JSON object of `quotes` and `requests`)."""
    try:
        entries = msgspec.json.decode(text, type=CollateralEntries)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise SiamexError(ErrorCode.COLLATERAL_FILE,
                          f"not a collateral requests file: {exc}") from None
    except RecursionError:
        raise SiamexError(ErrorCode.COLLATERAL_FILE,
                          "not a collateral requests file: nested too deeply") from None
    return collateral_from_entries(entries)

