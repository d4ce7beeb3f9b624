"""A derivatives clearing day's instructions: the day's market data and the members' and
TCH's requests, read whole and checked whole before anything is posted.

Why a file: what was traded is the trade file; the settlement prices TCH sets, the final
settlement inputs of expiring products, the intraday marks, the post-trade changes members
ask for and the approvals TCH gives come from elsewhere, and a run must repeat from its inputs
alone. Prices are decimal text in the product's price unit ("985.0"); any fault refuses the
file with `INSTRUCTIONS_FILE` naming the entry. docs/derivatives.md, "Day instructions", lists
the fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import msgspec

from siamex.clearing.derivatives.accounts import Approval
from siamex.clearing.derivatives.collateral_file import (
    CollateralEntries,
    DayCollateral,
    collateral_from_entries,
)
from siamex.clearing.derivatives.collateral_value import NO_QUOTES
from siamex.clearing.derivatives.fills import MAX_CONTRACTS, MAX_PRICE, Flag
from siamex.clearing.derivatives.runs import Run
from siamex.clearing.foundations.limits import MAX_AMOUNT
from siamex.clearing.foundations.members import InvestorType
from siamex.clearing.foundations.money import InvalidAmount, format_baht, parse_baht
from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.rulebook.values import decimal
from siamex.units import InvalidValue, parse_date, parse_price

__all__ = ["NO_INSTRUCTIONS", "AmendEntry", "BulkEntry", "DerivativesInstructions",
           "FinalInputs", "GiveUpEntry", "MatchOutEntry", "OpeningPosition",
           "TransferEntry", "UnmetCall", "instructions_from_text", "load_instructions"]


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """An entry of the file: unknown fields refused, so a misspelt request is not ignored."""


class OpeningPosition(_Strict, frozen=True):
    """A position carried into the store's first day (long and short contracts)."""

    account: str
    series: str
    long: int = 0
    short: int = 0


class FinalInputs(_Strict, frozen=True):
    """An underlying's final settlement inputs on its expiring series' last trading day
    (4.1): the index or share values of the last 15 minutes and the close; the 11:00
    reference rate; the reference gold price and the THB/USD rate; or the price itself."""

    values: list[str] = []
    close: str | None = None
    rate: str | None = None
    gold_usd: str | None = None
    thb_per_usd: str | None = None
    price: str | None = None


class AmendEntry(_Strict, frozen=True):
    """A trade amendment (4.3): the side's new account, investor type or open/close flag."""

    trade_id: str
    side: str
    account: str | None = None
    investor_type: InvestorType | None = None
    flag: Flag | None = None
    approved: bool = False


class GiveUpEntry(_Strict, frozen=True):
    """A give-up of one side of a trade to another member's account (4.3)."""

    trade_id: str
    side: str
    to_account: str
    approved: bool = False
    agreement_copy: bool = False
    same_beneficiary: bool = False


class TransferEntry(_Strict, frozen=True):
    """A selective position transfer of one series' carried contracts (4.3): `long` of its
    long side and `short` of its short side (a gross account may move both)."""

    series: str
    from_account: str
    to_account: str
    long: int = 0
    short: int = 0
    approved: bool = False
    same_beneficiary: bool = False


class BulkEntry(_Strict, frozen=True):
    """A bulk transfer of every position of an account, within its member (4.3)."""

    from_account: str
    to_account: str
    approved: bool = False
    same_beneficiary: bool = False


class MatchOutEntry(_Strict, frozen=True):
    """A gross account's manual match-out of `qty` long against `qty` short (4.2)."""

    account: str
    series: str
    qty: int


class UnmetCall(_Strict, frozen=True):
    """A member that does not pay a run's settlement (its margin call with the variation
    margin due with it): the call is not met and reaches its default handling (4.4)."""

    member: str
    run: Run


class _ApprovalEntry(_Strict, frozen=True):
    account: str
    approval: Approval


class _File(_Strict, frozen=True):
    date: str | None = None
    description: str = ""
    previous_settlement_prices: dict[str, str] = {}
    opening_positions: list[OpeningPosition] = []
    settlement_prices: dict[str, str] = {}
    intraday_prices: dict[str, str] = {}
    final_settlement: dict[str, FinalInputs] = {}
    approvals: list[_ApprovalEntry] = []
    amendments: list[AmendEntry] = []
    give_ups: list[GiveUpEntry] = []
    transfers: list[TransferEntry] = []
    bulk_transfers: list[BulkEntry] = []
    match_outs: list[MatchOutEntry] = []
    underlying_prices: dict[str, str] = {}
    uncovered_risk: dict[str, str] = {}
    unmet_calls: list[UnmetCall] = []
    collateral: CollateralEntries = CollateralEntries()


@dataclass(frozen=True)
class DerivativesInstructions:
    """The day's instructions, prices already in hundredths of the price unit."""

    date: dt.date | None = None
    previous_settlement_prices: dict[str, int] = field(default_factory=dict)
    opening_positions: tuple[OpeningPosition, ...] = ()
    settlement_prices: dict[str, int] = field(default_factory=dict)
    intraday_prices: dict[str, int] = field(default_factory=dict)
    final_settlement: dict[str, FinalInputs] = field(default_factory=dict)
    approvals: tuple[tuple[str, Approval], ...] = ()
    amendments: tuple[AmendEntry, ...] = ()
    give_ups: tuple[GiveUpEntry, ...] = ()
    transfers: tuple[TransferEntry, ...] = ()
    bulk_transfers: tuple[BulkEntry, ...] = ()
    match_outs: tuple[MatchOutEntry, ...] = ()
    underlying_prices: dict[str, int] = field(default_factory=dict)
    uncovered_risk: dict[str, int] = field(default_factory=dict)
    unmet_calls: frozenset[tuple[str, Run]] = frozenset()
    collateral: DayCollateral = field(default_factory=lambda: DayCollateral(NO_QUOTES, ()))


NO_INSTRUCTIONS = DerivativesInstructions()


def _refuse(message: str) -> SiamexError:
    return SiamexError(ErrorCode.INSTRUCTIONS_FILE, message)


def _prices(entries: dict[str, str], where: str) -> dict[str, int]:
    prices = {}
    for series, text in sorted(entries.items()):
        try:
            prices[series] = parse_price(text)
        except InvalidValue as exc:
            raise _refuse(f"{where}[{series}]: {exc}") from None
        if not 0 < prices[series] <= MAX_PRICE:  # decision 101, as a trade's price
            raise _refuse(f"{where}[{series}]: a price must be above zero and at most "
                          f"{MAX_PRICE // 100:,}")
    return prices


def _quantity(value: int, where: str, least: int = 1) -> None:
    if not least <= value <= MAX_CONTRACTS:  # decision 101: what marking's int64 sums hold
        raise _refuse(f"{where}: a quantity must be {least} to {MAX_CONTRACTS:,} contracts")


def _decimal(text: str | None, where: str) -> None:
    if text is not None and (decimal(text) is None or Fraction(text) <= 0):
        raise _refuse(f"{where}: {text!r} is not a decimal number above zero")


def _amounts(entries: dict[str, str], where: str) -> dict[str, int]:
    amounts = {}
    for name, text in sorted(entries.items()):
        try:
            amounts[name] = parse_baht(text)
        except InvalidAmount as exc:
            raise _refuse(f"{where}[{name}]: {exc}") from None
        if amounts[name] < 0:
            raise _refuse(f"{where}[{name}]: an amount must not be negative")
    if sum(amounts.values()) > MAX_AMOUNT:  # decision 71: one portfolio may carry them all
        raise _refuse(f"{where}: the amounts add up to more than {format_baht(MAX_AMOUNT)} THB")
    return amounts


def _check_final(underlying: str, inputs: FinalInputs) -> None:
    where = f"final_settlement[{underlying}]"
    for name, text in (("close", inputs.close), ("rate", inputs.rate),
                       ("gold_usd", inputs.gold_usd), ("thb_per_usd", inputs.thb_per_usd),
                       ("price", inputs.price)):
        _decimal(text, f"{where}.{name}")
    for number, text in enumerate(inputs.values, 1):
        _decimal(text, f"{where}.values[{number}]")


def _checked(parsed: _File) -> DerivativesInstructions:
    try:
        day = None if parsed.date is None else parse_date(parsed.date)
    except InvalidValue as exc:
        raise _refuse(f"date: {exc}") from None
    for number, p in enumerate(parsed.opening_positions, 1):
        _quantity(p.long, f"opening_positions[{number}].long", 0)
        _quantity(p.short, f"opening_positions[{number}].short", 0)
    for number, t in enumerate(parsed.transfers, 1):
        _quantity(t.long, f"transfers[{number}].long", 0)
        _quantity(t.short, f"transfers[{number}].short", 0)
    for number, m in enumerate(parsed.match_outs, 1):
        _quantity(m.qty, f"match_outs[{number}].qty")
    sides = [("amendments", n, e.side) for n, e in enumerate(parsed.amendments, 1)]
    sides += [("give_ups", n, e.side) for n, e in enumerate(parsed.give_ups, 1)]
    for name, number, side in sides:
        if side not in ("buy", "sell"):
            raise _refuse(f"{name}[{number}].side must be buy or sell")
    for underlying, inputs in sorted(parsed.final_settlement.items()):
        _check_final(underlying, inputs)
    return DerivativesInstructions(
        day, _prices(parsed.previous_settlement_prices, "previous_settlement_prices"),
        tuple(parsed.opening_positions), _prices(parsed.settlement_prices, "settlement_prices"),
        _prices(parsed.intraday_prices, "intraday_prices"), dict(parsed.final_settlement),
        tuple((a.account, a.approval) for a in parsed.approvals), tuple(parsed.amendments),
        tuple(parsed.give_ups), tuple(parsed.transfers), tuple(parsed.bulk_transfers),
        tuple(parsed.match_outs), _prices(parsed.underlying_prices, "underlying_prices"),
        _amounts(parsed.uncovered_risk, "uncovered_risk"),
        frozenset((u.member, u.run) for u in parsed.unmet_calls),
        collateral_from_entries(parsed.collateral))


def instructions_from_text(text: bytes | str) -> DerivativesInstructions:
    """Read the instructions from the file's text, refused whole at the first fault."""
    try:
        parsed = msgspec.json.decode(text, type=_File)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise _refuse(f"not a derivatives instructions file: {exc}") from None
    except RecursionError:
        raise _refuse("not a derivatives instructions file: nested too deeply") from None
    return _checked(parsed)


def load_instructions(path: Path) -> DerivativesInstructions:
    """Read an instructions file; every fault is a SiamexError naming the file and entry."""
    raw = read_input(path)
    try:
        return instructions_from_text(raw)
    except SiamexError as exc:
        raise SiamexError(exc.code, f"{path}: {exc.message}") from None
