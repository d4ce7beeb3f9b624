"""A clearing day's report types: what each step did, gathered into the day's report that
every member's statement (`member_report`) is cut from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from siamex.clearing.billing.month_end import MonthEnd
from siamex.clearing.equities.book_changes import BookChange
from siamex.clearing.equities.fails import OpenLoan, RemedyOutcome
from siamex.clearing.equities.gross import GrossResult
from siamex.clearing.equities.netting import NetPositions
from siamex.clearing.equities.obligations import Obligation
from siamex.clearing.equities.psms_day import PsmsDay
from siamex.clearing.equities.settlement import SettlementResult
from siamex.clearing.foundations.ledger import Account
from siamex.clearing.foundations.members import AccountType
from siamex.clearing.risk.collateral import CallDebit, CollateralRequest
from siamex.clearing.risk.exposures import MemberRisk

__all__ = ["BookAnswer", "CollateralDay", "DayReport", "OrderFee", "RequestResult", "SettledDate",
           "TradeSide"]


@dataclass(frozen=True, slots=True)
class TradeSide:
    """One side of a trade as its clearing member sees it; price and value in satang."""

    member: str
    trade_id: str
    trade_date: dt.date
    settlement_date: dt.date
    security: str
    side: str
    trading_member: str
    account: str
    account_type: AccountType
    order_id: str
    qty: int
    price: int

    @property
    def value(self) -> int:
        """The side's traded value in satang."""
        return self.qty * self.price


@dataclass(frozen=True, slots=True)
class OrderFee:
    """The clearing fee of one order on one side, charged to the order's clearing member."""

    member: str
    side: str
    trading_member: str
    order_id: str
    traded_value: int
    fee: int


@dataclass(frozen=True)
class SettledDate:
    """A settlement date settled by the run (or found settled already), with its rounds."""

    settlement_date: dt.date
    already_settled: bool
    positions: NetPositions
    rounds: tuple[SettlementResult, SettlementResult]


@dataclass(frozen=True, slots=True)
class BookAnswer:
    """A book change of the day and its answer (decision 79): `members` are the clearing
    members it concerns (its side's, both for a gross item; none for an unknown trade),
    `code` and `reason` the rule a refused change broke."""

    change: BookChange
    members: tuple[str, ...]
    accepted: bool
    code: str = ""
    reason: str = ""


@dataclass(frozen=True)
class DayReport:
    """What one run cleared and settled; `balances` are the members' holdings after it,
    `obligations` every net obligation due on the day against what was done (those of the
    dates it settled, and of earlier dates still open at its start), `loans` the covered-fail
    loans open after it, `book` the answers to the day's book changes."""

    run_date: dt.date
    trade_dates: tuple[dt.date, ...]
    trades: tuple[TradeSide, ...]
    positions: NetPositions
    fees: tuple[OrderFee, ...]
    settled: tuple[SettledDate, ...]
    pending: tuple[dt.date, ...]
    balances: Mapping[Account, int]
    collateral: CollateralDay | None = None
    remedies: RemedyOutcome = field(default_factory=RemedyOutcome)
    gross: tuple[GrossResult, ...] = ()
    month: MonthEnd | None = None
    psms: PsmsDay | None = None
    obligations: tuple[Obligation, ...] = ()
    loans: tuple[OpenLoan, ...] = ()
    book: tuple[BookAnswer, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestResult:
    """A collateral request and its answer; `reason` says the rule when refused."""

    request: CollateralRequest
    accepted: bool
    reason: str = ""


@dataclass(frozen=True)
class CollateralDay:
    """The day's measures per member, the requests' answers, the call debits and each
    member's collateral after haircut at the end of the steps (satang)."""

    financial_resources: int
    risk: Mapping[str, MemberRisk]
    requests: tuple[RequestResult, ...]
    debits: Mapping[str, CallDebit]
    held: Mapping[str, int]
