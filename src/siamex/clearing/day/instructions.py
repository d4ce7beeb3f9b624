"""A clearing day's instructions: the market data and the members' requests a run acts on.

Why a file of its own: the trade file says what was traded; what happens to it afterwards
(corrections and gross choices, collateral deposits and withdrawals, lending and buy-in offers,
fund contributions, repayments) and the day's market data (closing prices, risk rates, stress
losses) come from the members and from TCH's market data, and a run must be repeatable from
its inputs alone. The file is read whole and checked whole: any fault refuses it with
`error[INSTRUCTIONS_FILE]` naming the entry, before anything is posted. docs/clearing.md
"Day instructions" lists the fields.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from siamex.clearing.default.declaration import Repayment
from siamex.clearing.default.fund import Contribution
from siamex.clearing.equities.book_changes import BookChange, BookOperation
from siamex.clearing.equities.novation import Side
from siamex.clearing.equities.psms import (
    Entrant,
    Instruction,
    InstructionType,
    Operation,
    PsmsRequest,
    PsmsSide,
)
from siamex.clearing.equities.remedies import (
    BuyInOffer,
    HumanError,
    LendingOffer,
    LoanReturn,
    RemedyInstructions,
)
from siamex.clearing.equities.trades import BoardType
from siamex.clearing.foundations.files import read_json
from siamex.clearing.foundations.ledger import THB
from siamex.clearing.foundations.limits import MAX_SHARES
from siamex.clearing.foundations.members import AccountType, InvestorType, MemberRegistry
from siamex.clearing.foundations.money import InvalidAmount, parse_baht
from siamex.clearing.risk.collateral import CollateralOperation, CollateralQuote, CollateralRequest
from siamex.clearing.risk.measures import AssetKind
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.values import decimal
from siamex.units import InvalidValue, parse_date, parse_datetime, parse_price, shown

__all__ = ["NO_INSTRUCTIONS", "DayInstructions", "instructions_from_json", "load_instructions"]

T = TypeVar("T")
E = TypeVar("E", bound=Enum)


@dataclass(frozen=True)
class DayInstructions:
    """Everything a run takes besides its trades; empty by default."""

    prices: Mapping[str, int] = field(default_factory=dict)
    risk_pct: Mapping[str, Fraction] = field(default_factory=dict)
    stress_losses: Mapping[str, int] = field(default_factory=dict)
    sbl_fee_pct: Fraction = Fraction(0)
    book: tuple[BookChange, ...] = ()
    lending_offers: tuple[LendingOffer, ...] = ()
    buy_in_offers: tuple[BuyInOffer, ...] = ()
    human_errors: tuple[HumanError, ...] = ()
    collateral: tuple[CollateralRequest, ...] = ()
    collateral_quotes: Mapping[str, CollateralQuote] = field(default_factory=dict)
    contributions: tuple[Contribution, ...] = ()
    set_fund: tuple[int, int] | None = None
    repayments: tuple[Repayment, ...] = ()
    month_end: str | None = None
    psms: tuple[PsmsRequest, ...] = ()
    loan_returns: tuple[LoanReturn, ...] = ()

    @property
    def remedies(self) -> RemedyInstructions:
        """What the fails' remedies read of the day (equities.fails takes no more)."""
        return RemedyInstructions(self.lending_offers, self.buy_in_offers, self.human_errors,
                                  self.loan_returns, self.sbl_fee_pct, self.collateral_quotes)


NO_INSTRUCTIONS = DayInstructions()
_BOOK_OPS = {op.value for op in BookOperation}
_COLLATERAL_OPS = [op.value for op in CollateralOperation]
_FIELDS: Mapping[str, set[str]] = {
    "book": {"op", "trade_id", "side", "value", "at"},
    "lending_offers": {"lender", "security", "qty", "account_type"},
    "buy_in_offers": {"seller", "security", "qty", "price", "account_type"},
    "human_errors": {"member", "security"},
    "collateral": {"member", "op", "asset", "qty", "at", "ref"},
    "contributions": {"member", "amount", "ref"},
    "repayments": {"member", "default_date"},
    "loan_returns": {"borrower", "security", "lender", "at"},
    "psms": {"op", "at", "id", "ids", "other", "new_id", "member", "agent", "entered_by",
             "client_ref", "type", "side", "symbol", "board", "quantity", "amount",
             "trade_date", "settlement_date", "to_board"},
}
_PSMS_FIELDS = {
    "create": {"op", "at", "id", "member", "agent", "entered_by", "client_ref", "type", "side",
               "symbol", "board", "quantity", "amount", "trade_date", "settlement_date",
               "to_board"},
    "edit": {"op", "at", "id", "quantity", "amount", "client_ref"},
    "merge": {"op", "at", "ids", "new_id"},
    "cancel": {"op", "at", "id"},
    "match": {"op", "at", "id", "other"},
    "dematch": {"op", "at", "id"},
}
_TOP = {"description", "prices", "risk_pct", "stress_losses", "sbl_fee_pct", "collateral_quotes",
        "set_fund", "month_end", *_FIELDS}
_MONTH = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])")


class _Reader:
    """Reads one instructions document, naming the entry in every refusal."""

    def __init__(self, registry: MemberRegistry) -> None:
        self.registry = registry

    @staticmethod
    def refuse(where: str, why: str) -> SiamexError:
        return SiamexError(ErrorCode.INSTRUCTIONS_FILE, f"{where}: {why}")

    def member(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or self.registry.member(value) is None:
            raise self.refuse(where, f"unknown member {shown(value)}")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.refuse(where, "must be a non-empty string")
        return value

    def shares(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.refuse(where, "must be a whole number of shares above zero, got "
                              f"{shown(value)}")
        if value > MAX_SHARES:  # decision 71: what a 64-bit store column holds, with headroom
            raise self.refuse(where, f"must be at most {MAX_SHARES:,} shares, got {shown(value)}")
        return value

    def baht(self, value: Any, where: str, positive: bool = True) -> int:
        try:
            amount = parse_baht(value)
        except InvalidAmount as exc:
            raise self.refuse(where, f"{exc} (amounts are THB strings such as \"1000.00\")"
                              ) from None
        if amount < 0 or (positive and amount == 0):
            least = "above zero" if positive else "zero or more"
            raise self.refuse(where, f"must be {least}, got {shown(value)}")
        return amount

    def price(self, value: Any, where: str) -> int:
        try:
            satang = parse_price(value)
        except InvalidValue as exc:
            raise self.refuse(where, str(exc)) from None
        if satang <= 0:
            raise self.refuse(where, "a price must be above zero")
        return satang

    def percent(self, value: Any, where: str) -> Fraction:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.refuse(where, "must be a percentage such as \"6.58\"")
        pct = decimal(value if isinstance(value, str) else str(value))
        if pct is None:
            raise self.refuse(where, f"must be a percentage, got {shown(value)}")
        if not 0 <= pct <= 100:
            raise self.refuse(where, f"must be between 0 and 100 percent, got {shown(value)}")
        return pct

    def at(self, value: Any, where: str) -> dt.datetime:
        try:
            return parse_datetime(value)
        except InvalidValue:
            raise self.refuse(where, "must be a Bangkok date and time such as "
                              f"\"2021-04-09T10:00:00\", got {shown(value)}") from None

    def date(self, value: Any, where: str) -> dt.date:
        try:
            return parse_date(value)
        except InvalidValue:
            raise self.refuse(where, f"must be a date such as \"2021-04-09\", got {shown(value)}"
                              ) from None

    def choice(self, kind: type[E], value: Any, where: str) -> E:
        try:
            return kind(value)
        except ValueError:
            choices = ", ".join(str(e.value) for e in kind)
            raise self.refuse(where, f"must be one of {choices}, got {shown(value)}") from None

    def mapping(self, data: Mapping[str, Any], name: str,
                read: Callable[[Any, str], T], key: Callable[[Any, str], str]) -> dict[str, T]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise self.refuse(name, "must be an object")
        return {key(k, f"{name}.{k}"): read(v, f"{name}.{k}") for k, v in value.items()}

    def entries(self, data: Mapping[str, Any], name: str,
                read: Callable[[Mapping[str, Any], str], T]) -> tuple[T, ...]:
        value = data.get(name, [])
        if not isinstance(value, list):
            raise self.refuse(name, "must be a list")
        out = []
        for number, entry in enumerate(value, 1):
            where = f"{name}[{number}]"
            if not isinstance(entry, dict):
                raise self.refuse(where, "must be an object")
            unknown = sorted(set(entry) - _FIELDS[name])
            if unknown:
                raise self.refuse(where, f"unknown field {', '.join(unknown)}")
            out.append(read(entry, where))
        return tuple(out)

    def book_change(self, e: Mapping[str, Any], where: str) -> BookChange:
        text = e.get("op")
        if not isinstance(text, str) or text not in _BOOK_OPS:  # a list or object is unhashable
            raise self.refuse(where, f"`op` must be one of {', '.join(sorted(_BOOK_OPS))}, "
                              f"got {shown(text)}")
        op = BookOperation(text)
        side = None if op.whole_trade else self.choice(Side, e.get("side"), f"{where}.side")
        value = ("" if op is BookOperation.GROSS_CONFIRM
                 else self.text(e.get("value"), f"{where}.value"))
        checks: Mapping[BookOperation, Callable[[Any, str], object]] = {
            BookOperation.INVESTOR_TYPE: lambda v, w: self.choice(InvestorType, v, w),
            BookOperation.BOARD: lambda v, w: self.choice(BoardType, v, w),
            BookOperation.GIVE_UP: self.member, BookOperation.GROSS: self.date}
        if op in checks:
            checks[op](value, f"{where}.value")
        return BookChange(op, self.text(e.get("trade_id"), f"{where}.trade_id"), side, value,
                          self.at(e.get("at"), f"{where}.at"))

    def lending_offer(self, e: Mapping[str, Any], where: str) -> LendingOffer:
        return LendingOffer(self.member(e.get("lender"), f"{where}.lender"),
                            self.text(e.get("security"), f"{where}.security"),
                            self.shares(e.get("qty"), f"{where}.qty"),
                            self.choice(AccountType, e.get("account_type", "portfolio"),
                                        f"{where}.account_type"))

    def buy_in_offer(self, e: Mapping[str, Any], where: str) -> BuyInOffer:
        return BuyInOffer(self.member(e.get("seller"), f"{where}.seller"),
                          self.text(e.get("security"), f"{where}.security"),
                          self.shares(e.get("qty"), f"{where}.qty"),
                          self.price(e.get("price"), f"{where}.price"),
                          self.choice(AccountType, e.get("account_type", "portfolio"),
                                      f"{where}.account_type"))

    def human_error(self, e: Mapping[str, Any], where: str) -> HumanError:
        return HumanError(self.member(e.get("member"), f"{where}.member"),
                          self.text(e.get("security"), f"{where}.security"))

    def collateral_request(self, e: Mapping[str, Any], where: str) -> CollateralRequest:
        op = e.get("op")
        if op not in _COLLATERAL_OPS:
            raise self.refuse(f"{where}.op", f"must be {' or '.join(_COLLATERAL_OPS)}, "
                              f"got {shown(op)}")
        asset = self.text(e.get("asset"), f"{where}.asset")
        qty = (self.baht(e.get("qty"), f"{where}.qty") if asset == THB
               else self.shares(e.get("qty"), f"{where}.qty"))
        return CollateralRequest(self.member(e.get("member"), f"{where}.member"),
                                 CollateralOperation(op), asset,
                                 qty, self.at(e.get("at"), f"{where}.at"),
                                 self.text(e.get("ref"), f"{where}.ref"))

    def contribution(self, e: Mapping[str, Any], where: str) -> Contribution:
        return Contribution(self.member(e.get("member"), f"{where}.member"),
                            self.baht(e.get("amount"), f"{where}.amount"),
                            self.text(e.get("ref"), f"{where}.ref"))

    def psms(self, e: Mapping[str, Any], where: str) -> PsmsRequest:
        text = e.get("op")
        if not isinstance(text, str) or text not in _PSMS_FIELDS:
            raise self.refuse(f"{where}.op", f"must be one of {', '.join(_PSMS_FIELDS)}, "
                              f"got {shown(text)}")
        op = Operation(text)
        extra = sorted(set(e) - _PSMS_FIELDS[op])
        if extra:
            raise self.refuse(where, f"a {op} takes no {', '.join(extra)}")
        at = self.at(e.get("at"), f"{where}.at")
        if op is Operation.CREATE:
            return PsmsRequest(op, at, instruction=self.psms_instruction(e, where))
        if op is Operation.MERGE:
            ids = e.get("ids")
            if not isinstance(ids, list) or len(ids) < 2:
                raise self.refuse(f"{where}.ids", "a merge takes two or more instruction ids")
            return PsmsRequest(op, at, tuple(self.text(i, f"{where}.ids") for i in ids),
                               new_id=self.text(e.get("new_id"), f"{where}.new_id"))
        ids = (self.text(e.get("id"), f"{where}.id"),)
        if op is Operation.MATCH:
            ids += (self.text(e.get("other"), f"{where}.other"),)
        changes: dict[str, int | str] = {}
        if op is Operation.EDIT:
            if "quantity" in e:
                changes["quantity"] = self.shares(e["quantity"], f"{where}.quantity")
            if "amount" in e:
                changes["amount"] = self.baht(e["amount"], f"{where}.amount", positive=False)
            if "client_ref" in e:
                changes["client_ref"] = self.text(e["client_ref"], f"{where}.client_ref")
            if not changes:
                raise self.refuse(where, "an edit changes quantity, amount or client_ref")
        return PsmsRequest(op, at, ids, changes=changes)

    def psms_instruction(self, e: Mapping[str, Any], where: str) -> Instruction:
        to_board = e.get("to_board")
        return Instruction(
            id=self.text(e.get("id"), f"{where}.id"),
            member=self.member(e.get("member"), f"{where}.member"),
            agent=self.member(e.get("agent"), f"{where}.agent"),
            entered_by=self.choice(Entrant, e.get("entered_by"), f"{where}.entered_by"),
            client_ref=self.text(e.get("client_ref"), f"{where}.client_ref"),
            type=self.choice(InstructionType, e.get("type"), f"{where}.type"),
            side=self.choice(PsmsSide, e.get("side"), f"{where}.side"),
            symbol=self.text(e.get("symbol"), f"{where}.symbol"),
            board_type=self.choice(BoardType, e.get("board", "local"), f"{where}.board"),
            quantity=self.shares(e.get("quantity"), f"{where}.quantity"),
            amount=self.baht(e.get("amount"), f"{where}.amount", positive=False),
            trade_date=self.date(e.get("trade_date"), f"{where}.trade_date"),
            settlement_date=self.date(e.get("settlement_date"), f"{where}.settlement_date"),
            to_board=None if to_board is None else self.choice(BoardType, to_board,
                                                               f"{where}.to_board"))

    def loan_return(self, e: Mapping[str, Any], where: str) -> LoanReturn:
        lender = e.get("lender")
        return LoanReturn(self.member(e.get("borrower"), f"{where}.borrower"),
                          self.text(e.get("security"), f"{where}.security"),
                          self.at(e.get("at"), f"{where}.at"),
                          None if lender is None else self.member(lender, f"{where}.lender"))

    def repayment(self, e: Mapping[str, Any], where: str) -> Repayment:
        return Repayment(self.member(e.get("member"), f"{where}.member"),
                         self.date(e.get("default_date"), f"{where}.default_date"))

    def quote(self, value: Any, where: str) -> CollateralQuote:
        fields = {"kind", "price", "haircut_pct", "issuer_group"}
        if not isinstance(value, dict) or set(value) - fields:
            raise self.refuse(where, f"must be an object with {', '.join(sorted(fields))}")
        kind = self.choice(AssetKind, value.get("kind"), f"{where}.kind")
        if kind is AssetKind.CASH_THB:
            raise self.refuse(f"{where}.kind", "THB cash needs no quote")
        group = value.get("issuer_group")
        if group is not None and not isinstance(group, str):
            raise self.refuse(f"{where}.issuer_group", "must be a string")
        return CollateralQuote(kind, self.price(value.get("price"), f"{where}.price"),
                               self.percent(value.get("haircut_pct", 0), f"{where}.haircut_pct"),
                               group)

    def set_fund(self, value: Any) -> tuple[int, int] | None:
        if value is None:
            return None
        if not isinstance(value, dict) or set(value) != {"tranche_2", "reserve_fund"}:
            raise self.refuse("set_fund", "must be an object with tranche_2 and reserve_fund")
        return (self.baht(value["tranche_2"], "set_fund.tranche_2", positive=False),
                self.baht(value["reserve_fund"], "set_fund.reserve_fund", positive=False))


def instructions_from_json(data: Any, registry: MemberRegistry) -> DayInstructions:
    """Read parsed day instructions, refusing the whole file at its first fault."""
    if not isinstance(data, dict):
        raise SiamexError(ErrorCode.INSTRUCTIONS_FILE, "day instructions are a JSON object")
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise SiamexError(ErrorCode.INSTRUCTIONS_FILE, f"unknown field {', '.join(unknown)}")
    r = _Reader(registry)
    instructions = DayInstructions(
        prices=r.mapping(data, "prices", r.price, r.text),
        risk_pct=r.mapping(data, "risk_pct", r.percent, r.text),
        stress_losses=r.mapping(data, "stress_losses",
                                lambda v, w: r.baht(v, w, positive=False), r.member),
        sbl_fee_pct=r.percent(data.get("sbl_fee_pct", 0), "sbl_fee_pct"),
        book=r.entries(data, "book", r.book_change),
        lending_offers=r.entries(data, "lending_offers", r.lending_offer),
        buy_in_offers=r.entries(data, "buy_in_offers", r.buy_in_offer),
        human_errors=r.entries(data, "human_errors", r.human_error),
        collateral=r.entries(data, "collateral", r.collateral_request),
        collateral_quotes=r.mapping(data, "collateral_quotes", r.quote, r.text),
        contributions=r.entries(data, "contributions", r.contribution),
        set_fund=r.set_fund(data.get("set_fund")),
        repayments=r.entries(data, "repayments", r.repayment),
        month_end=_month(data.get("month_end")),
        psms=r.entries(data, "psms", r.psms),
        loan_returns=r.entries(data, "loan_returns", r.loan_return),
    )
    _unique("contributions", [(c.member, c.ref) for c in instructions.contributions])
    _unique("collateral", [(c.member, c.op, c.ref) for c in instructions.collateral])
    return instructions


def _month(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _MONTH.fullmatch(value):
        raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                          f"month_end: must be a month such as \"2021-03\", got {shown(value)}")
    return value


def _unique(name: str, keys: list[tuple[str, ...]]) -> None:
    """Refuse a request given twice: a ref names one request of a member (and operation)."""
    seen: set[tuple[str, ...]] = set()
    for number, key in enumerate(keys, 1):
        if key in seen:
            raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                              f"{name}[{number}]: {' '.join(key)} is given twice")
        seen.add(key)


def load_instructions(path: Path, registry: MemberRegistry) -> DayInstructions:
    """Read a day-instructions file (docs/clearing.md, "Day instructions")."""
    data = read_json(path, ErrorCode.INSTRUCTIONS_FILE)  # money as a JSON number is refused
    try:
        return instructions_from_json(data, registry)
    except SiamexError as exc:
        raise SiamexError(exc.code, f"{path}: {exc.message}") from None
