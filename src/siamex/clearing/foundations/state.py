"""The clearing house's state besides its postings: every record the store keeps, with its
schema and its one key.

Why one module: the store holds, beside the ledger, small named records (the open fails and
loans, a step's decision taken at a cut-off, each trade date's obligations, the day's report
so far). Written as free JSON under names built where they were used, one record was encoded
two ways and one name built by two functions. Here each kind of record is a `Document`: a
msgspec schema and the one function that names it; nothing else reads or writes a record.

A record is decoded strictly (a field missing or of the wrong type refuses the store with
`CLEARING_STATE`, naming the record) and encoded deterministically (dict keys sorted), so a
step that writes the same record again writes the same text, which `UnitOfWork` then skips.
Dates are ISO text, enums their values, amounts integer satang. `entry` gives a record as
(name, text) for a commit that also posts (`LedgerStore.commit`), so a step's postings and its
records land together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, Generic, Literal, ParamSpec, TypeVar

import msgspec

from siamex.clearing.foundations.keys import account_parts, key
from siamex.clearing.foundations.ledger import Account
from siamex.clearing.foundations.members import AccountType
from siamex.clearing.foundations.store import LedgerStore
from siamex.errors import ErrorCode, SiamexError

__all__ = [
    "BOUGHT_IN",
    "COLLATERAL_CALL",
    "COLLATERAL_MEASURED",
    "COLLATERAL_REFUSED",
    "COLLATERAL_WITHDRAWALS",
    "COVER",
    "DECLARED_DEFAULTS",
    "DEFAULT_DECISION",
    "DERIVATIVES_APPROVALS",
    "DERIVATIVES_DAY",
    "DERIVATIVES_DAYS",
    "DERIVATIVES_FILLS",
    "DERIVATIVES_INTRADAY",
    "DERIVATIVES_MARGIN",
    "DERIVATIVES_POSITIONS",
    "DERIVATIVES_PRICES",
    "DVP_SETTLED",
    "FAILS",
    "FEES",
    "GROSS",
    "GROSS_DATES",
    "GROSS_DECIDED",
    "GROSS_OF",
    "HUMAN_ERRORS",
    "IN_LIEU",
    "IN_LIEU_PAID",
    "LOANS",
    "MARKED",
    "MATURITY",
    "OPENING_ISSUED",
    "OUTCOME",
    "PSMS_ANSWERS",
    "PSMS_BOOK",
    "PSMS_DECIDED",
    "SETTLED",
    "SETTLEMENT_STEP",
    "TRADE_DATE",
    "TRADE_DATES",
    "WITHHELD",
    "AccountSeriesRow",
    "BookedFillRow",
    "BreachRow",
    "BuyInRow",
    "CallRow",
    "CashRow",
    "ChangeRow",
    "CollateralAnswerRow",
    "CollateralCall",
    "CollateralMeasured",
    "CollateralWithdrawal",
    "Decision",
    "DeclaredDefault",
    "DefaultDecision",
    "DefaultRef",
    "DerivativesDay",
    "Document",
    "DvpDecision",
    "DvpName",
    "EventRow",
    "FailRecord",
    "FailStatus",
    "FineEvent",
    "FineRow",
    "GrossItemRow",
    "GrossRef",
    "IntradayRound",
    "Loan",
    "LoanEntry",
    "LoanStatus",
    "MarginRow",
    "MarginRun",
    "MemberCashRow",
    "Outcome",
    "PaymentShortfall",
    "PendingRow",
    "PositionHeld",
    "PositionRow",
    "PriceRow",
    "PsmsAnswerRow",
    "PsmsDayRecord",
    "PsmsInstructionRecord",
    "PsmsPairRow",
    "Record",
    "Row",
    "SettlementPhase",
    "SettlementPriceRow",
    "TradeDate",
    "TradeSideRow",
    "ValueRow",
    "WaterfallUses",
    "collateral_refusal_id",
    "fail_id",
    "fail_parts",
    "human_error_year",
]

T = TypeVar("T")
P = ParamSpec("P")
_ENCODER = msgspec.json.Encoder(order="deterministic")


class Record(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A stored record read as an object (a JSON object of named fields)."""


class Row(msgspec.Struct, frozen=True, array_like=True):
    """A stored record read as a row (a JSON array, its fields in order): for long lists."""


class Document(Generic[T, P]):
    """One kind of stored record: its schema and the function that names each one."""

    def __init__(self, schema: Any, name: Callable[P, str]) -> None:
        self._decoder: msgspec.json.Decoder[T] = msgspec.json.Decoder(schema)
        self.name = name

    def get(self, store: LedgerStore, /, *args: P.args, **kwargs: P.kwargs) -> T | None:
        """The record so named in `store`; None when there is none."""
        name = self.name(*args, **kwargs)
        text = store.get_document(name)
        if text is None:
            return None
        try:
            return self._decoder.decode(text)
        except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
            raise SiamexError(ErrorCode.CLEARING_STATE,
                              f"the record {name} cannot be read: {exc}") from None

    def exists(self, store: LedgerStore, /, *args: P.args, **kwargs: P.kwargs) -> bool:
        """Whether the record so named is in `store`, without reading it."""
        return store.get_document(self.name(*args, **kwargs)) is not None

    def put(self, store: LedgerStore, value: T, /, *args: P.args, **kwargs: P.kwargs) -> None:
        """Store (or replace) the record so named."""
        store.put_document(*self.entry(value, *args, **kwargs))

    def entry(self, value: T, /, *args: P.args, **kwargs: P.kwargs) -> tuple[str, str]:
        """The record as (name, text), for a commit that also posts."""
        return self.name(*args, **kwargs), _ENCODER.encode(value).decode()


# ---- equities: fails, loans and their remedies (equities.fails, equities.remedies) ----------

class FailStatus(Enum):
    """Where a recorded delivery fail stands: open, or how it was cured (3.6)."""

    OPEN = "open"
    COVERED = "covered"
    BOUGHT_IN = "bought_in"
    IN_LIEU = "in_lieu"


class LoanStatus(Enum):
    """Where a covered-fail loan stands: open, or how it closed (3.6)."""

    OPEN = "open"
    RENEWED = "renewed"
    PENALTY = "penalty"
    RETURNED = "returned"


def fail_parts(sd: dt.date, member: str, account_type: AccountType,
               security: str) -> tuple[str, ...]:
    """The key components that name a delivery fail: its date, account and security; every
    remedy's postings and records of the fail start with them."""
    return str(sd), member, account_type.value, security


def fail_id(sd: dt.date, member: str, account_type: AccountType, security: str) -> str:
    """A delivery fail's name among the open fails (`FAILS`)."""
    return key(*fail_parts(sd, member, account_type, security))


class FineRow(Row, frozen=True):
    """A fine given when a fail was cured: its type and amount."""

    type: str
    amount: int


class FailRecord(Record, frozen=True):
    """A delivery fail as carried from day to day, with the close of its settlement date
    (the value basis of its fine, decision C5)."""

    sd: dt.date
    member: str
    account_type: AccountType = msgspec.field(name="type")
    security: str
    qty: int
    value: int
    close: int
    status: FailStatus
    human_error: bool
    error_count: int | None = None
    cured_on: dt.date | None = None
    fines: list[FineRow] | None = None
    tried_on: dt.date | None = None

    @property
    def id(self) -> str:
        """The fail's name among the open fails."""
        return fail_id(self.sd, self.member, self.account_type, self.security)


class Loan(Record, frozen=True):
    """Shares TCH borrowed from one lender and lent to a failing member's account (3.6)."""

    start: dt.date
    due: dt.date
    borrower: str
    account_type: AccountType = msgspec.field(name="type")
    security: str
    lender: str
    lender_account_type: AccountType = msgspec.field(name="lender_type")
    qty: int

    @property
    def parts(self) -> tuple[str, ...]:
        """The key components every posting and record of this loan starts with."""
        return ("sbl", str(self.start), self.borrower, self.account_type.value, self.security,
                self.lender, self.lender_account_type.value)

    @property
    def key(self) -> str:
        """The loan's name: among the open loans (`LOANS`), and its postings' prefix."""
        return key(*self.parts)

    def posting(self, *what: str) -> str:
        """The key of one of the loan's postings or records (`lend`, `mtm`, ...)."""
        return key(*self.parts, *what)


class LoanEntry(Loan, frozen=True):
    """A loan as carried from day to day: where it stands, and the early-return requests
    refused (decision 67: refused once for all)."""

    status: LoanStatus
    refused: list[dt.datetime] = msgspec.field(default_factory=list)


class Decision(Record, Generic[T], frozen=True):
    """What a remedy step decided, recorded with its postings so a rerun reads it back rather
    than deciding again against balances the step has moved."""

    result: T


class BuyInRow(Row, frozen=True):
    """A buy-in done: its day, quantity, cost and the cost above the fail's value."""

    day: dt.date
    qty: int
    cost: int
    cost_difference: int


def _fails() -> str:
    return "clearing:fails"


def _loans() -> str:
    return "clearing:loans"


def _human_errors() -> str:
    return "clearing:human-errors"


def human_error_year(year: int, member: str) -> str:
    """A member's human-error events of one calendar year, by this name in `HUMAN_ERRORS`."""
    return key(year, member)


def _withheld(sd: dt.date, day: dt.date, cash: Account) -> str:
    return key("remedy", sd, "withhold", str(day), *account_parts(cash))


def _cover(sd: dt.date, member: str, account_type: AccountType, security: str) -> str:
    return key("sbl", "cover", *fail_parts(sd, member, account_type, security))


def _marked(loan: Loan, day: dt.date, session: str) -> str:
    return loan.posting("mtm", str(day), session)


def _maturity(loan: Loan) -> str:
    return loan.posting("maturity")


def _bought_in(sd: dt.date, member: str, account_type: AccountType, security: str) -> str:
    return key("remedy", sd, "buyin", *fail_parts(sd, member, account_type, security))


def _in_lieu_paid(sd: dt.date, member: str, account_type: AccountType, security: str) -> str:
    return key("remedy", sd, "in-lieu-paid", *fail_parts(sd, member, account_type, security))


def _in_lieu(sd: dt.date, security: str) -> str:
    return key("remedy", sd, "in-lieu", security)


FAILS = Document[dict[str, FailRecord], []](dict[str, FailRecord], _fails)
"""The delivery fails recorded, open and cured, by `fail_id`."""
LOANS = Document[dict[str, LoanEntry], []](dict[str, LoanEntry], _loans)
"""The covered-fail loans, open and closed, by `Loan.key`."""
HUMAN_ERRORS = Document[dict[str, list[dt.date]], []](dict[str, list[dt.date]], _human_errors)
"""Each member's human-error fail events of a year (`human_error_year`), by settlement date."""
WITHHELD = Document[Decision[int], [dt.date, dt.date, Account]](Decision[int], _withheld)
"""The receivable withheld from a defaulter's cash account on a day, for a settlement date."""
COVER = Document[Decision[list[Loan]], [dt.date, str, AccountType, str]](
    Decision[list[Loan]], _cover)
"""The loans that covered a fail (none: it was not covered)."""
MARKED = Document[Decision[int], [Loan, dt.date, str]](Decision[int], _marked)
"""A loan's collateral moved at one mark to market."""
MATURITY = Document[Decision[int | Loan], [Loan]](Decision[int | Loan], _maturity)
"""A loan at its due date: the new loan of a re-borrow, else the penalty paid (0: returned)."""
BOUGHT_IN = Document[Decision[BuyInRow], [dt.date, str, AccountType, str]](
    Decision[BuyInRow], _bought_in)
"""A fail's buy-in."""
IN_LIEU_PAID = Document[Decision[dict[str, int]], [dt.date, str, AccountType, str]](
    Decision[dict[str, int]], _in_lieu_paid)
"""The cash in lieu a fail's waiting receivers were paid, by member."""
IN_LIEU = Document[dict[str, dict[str, int]], [dt.date, str]](dict[str, dict[str, int]], _in_lieu)
"""The shares of a security paid in cash instead, by fail (`fail_id`) and receiver account
(`keys.account_parts` as one key): those receivers are owed them no more."""




# ---- equities: DvP decisions, settlement steps, PSMS, opening holdings ----------------------

_Whole = Annotated[int, msgspec.Meta(ge=0)]
_Positive = Annotated[int, msgspec.Meta(gt=0)]  # a ledger posting moves a non-zero amount

DvpName = Literal["gross", "psms"]
"""The kinds of trade-for-trade settlement (equities.dvp), each the first key component of its
postings and records."""
SettlementPhase = Literal["securities", "cash"]
"""The two steps of a net settlement round (equities.settlement)."""


class GrossItemRow(Row, frozen=True):
    """A gross trade as its settlement keeps it (`equities.gross.GrossItem`): a row, for the
    lists of a date's gross trades."""

    trade_id: str
    settlement_date: dt.date
    security: str
    qty: _Positive
    value: _Positive
    seller: str
    seller_account_type: AccountType
    buyer: str
    buyer_account_type: AccountType


class PsmsInstructionRecord(Record, frozen=True):
    """A PSMS instruction with every field, its pair and merge links included, so that a book
    is restored without replaying requests. Its enums are kept by value as text and read back
    by `equities.psms_book`, which knows them (this layer does not)."""

    id: str
    member: str
    agent: str
    entered_by: str
    client_ref: str
    type: str
    side: str
    symbol: str
    board_type: str
    quantity: int
    amount: int
    trade_date: dt.date
    settlement_date: dt.date
    to_board: str | None
    status: str
    matched_with: str | None
    merged_into: str | None


class PsmsPairRow(Row, frozen=True):
    """A matched clearing-to-custodian pair: the member's instruction, then the agent's."""

    member_side: PsmsInstructionRecord
    agent_side: PsmsInstructionRecord


class DvpDecision(Row, Generic[T], frozen=True):
    """An item as its cut-off decided it: what its deliverer and its payer lacked (0 each when
    it settled). Kept so that a repeated call reports the cut-off's fails, not a decision taken
    again against later balances."""

    item: T
    delivery_short: _Whole
    payment_short: _Whole


class PsmsAnswerRow(Row, frozen=True):
    """A PSMS request's answer: the clearing member of the instruction it names, whether it
    was accepted, and the rule that refused it ("" when accepted)."""

    member: str
    accepted: bool
    reason: str


class PsmsDayRecord(Record, frozen=True):
    """What a run date's PSMS requests did: the answers in the requests' order, the book they
    left and the settlement dates then due, so that the day repeated answers the same."""

    answers: list[PsmsAnswerRow]
    book: list[PsmsInstructionRecord]
    settled: list[dt.date]


def _gross_decided(day: dt.date) -> str:
    return key("gross", day, "decided")


def _psms_decided(day: dt.date) -> str:
    return key("psms", day, "decided")


def _dvp_settled(kind: DvpName, day: dt.date) -> str:
    return key(kind, day, "settled")


def _settlement_step(day: dt.date, round_no: int, phase: SettlementPhase) -> str:
    return key("settle", day, f"r{round_no}", phase)


def _psms_book() -> str:
    return key("psms", "book")


def _psms_answers(day: dt.date) -> str:
    return key("psms", day, "answers")


def _opening_issued() -> str:
    return key("clearing", "opening")


GROSS_DECIDED = Document[list[DvpDecision[GrossItemRow]], [dt.date]](
    list[DvpDecision[GrossItemRow]], _gross_decided)
"""A date's gross trades as decided at its 12:30 cut-off, in the order they settled."""
PSMS_DECIDED = Document[list[DvpDecision[PsmsPairRow]], [dt.date]](
    list[DvpDecision[PsmsPairRow]], _psms_decided)
"""A date's PSMS pairs as decided at its 14:00 cut-off, in the order they settled."""
DVP_SETTLED = Document[dt.datetime, [DvpName, dt.date]](dt.datetime, _dvp_settled)
"""When a kind of trade-for-trade settlement of a date ran its cut-off: it is done."""
SETTLEMENT_STEP = Document[dt.datetime, [dt.date, int, SettlementPhase]](
    dt.datetime, _settlement_step)
"""When a step of a net settlement round ran: it is done, and the next one may run."""
PSMS_BOOK = Document[list[PsmsInstructionRecord], []](list[PsmsInstructionRecord], _psms_book)
"""The PSMS book: every instruction, in creation order."""
PSMS_ANSWERS = Document[PsmsDayRecord, [dt.date]](PsmsDayRecord, _psms_answers)
"""A run date's PSMS answers, with the book they left and the dates they settle."""
OPENING_ISSUED = Document[dt.date, []](dt.date, _opening_issued)
"""The date the opening holdings were issued on, under keys of that date (the first run)."""


# ---- equities: the day's trade dates, gross items, fees and outcome (day.run) ---------------

class ValueRow(Row, frozen=True):
    """A member's signed trade value in one account type and security (3.5 CE)."""

    member: str
    account_type: AccountType
    security: str
    value: int


class PositionRow(Row, frozen=True):
    """A member's net securities obligation in one account type and security."""

    member: str
    account_type: AccountType
    security: str
    net_qty: int


class CashRow(Row, frozen=True):
    """A member's net cash obligation (per account type only under decision C2)."""

    member: str
    account_type: AccountType | None
    net_amount: int


class TradeDate(Record, frozen=True):
    """A trade date's net obligations, trade values and last prices, kept so that a later
    run settles the date without reading its trades again."""

    settlement_date: dt.date
    values: list[ValueRow]
    securities: list[PositionRow]
    cash: list[CashRow]
    prices: dict[str, int]


class GrossRef(Row, frozen=True):
    """A gross trade a trade date recorded: its chosen settlement date and trade id."""

    settlement_date: dt.date
    trade_id: str


class EventRow(Row, frozen=True):
    """A remedy event of the day's report (`equities.fails.RemedyEvent`)."""

    day: dt.date
    kind: str
    member: str
    security: str
    qty: int
    amount: int
    detail: str


class FineEvent(Row, frozen=True):
    """A fine owed by a member for one security's fail, for the caller to bill (3.8).

    `days_late` counts business days from the settlement date to the cure; `failed_value` is
    the short quantity at the settlement date's close (decision C5), on which a fail of another
    cause is fined; `error_count` is a human error's number in the member's calendar year
    (0 for another cause).
    """
    member: str
    type: str
    amount: int
    security: str
    settlement_date: dt.date
    days_late: int
    failed_value: int
    error_count: int = 0


class DefaultRef(Row, frozen=True):
    """A default declared in the day: its member, day and reference (`default.declaration`
    keeps the default itself)."""

    member: str
    day: dt.date
    ref: str


class PaymentShortfall(Row, frozen=True):
    """A payment still open after round 2 (3.6): what the member owed, what its cash account
    held when TCH declared the default, and the default declared for the rest; satang."""
    settlement_date: dt.date
    member: str
    account_type: AccountType | None
    due: int
    available: int
    declared: int


class Outcome(Record, frozen=True):
    """A day's report of its remedies so far: each step adds its share in its own commit, so
    a run resumed or repeated reports the day as it first ran (decisions 58, 67)."""

    events: list[EventRow] = msgspec.field(default_factory=list)
    fines: list[FineEvent] = msgspec.field(default_factory=list)
    defaults: list[DefaultRef] = msgspec.field(default_factory=list)
    payment_fails: list[PaymentShortfall] = msgspec.field(default_factory=list)


def _trade_dates() -> str:
    return "clearing:days"


def _trade_date(day: dt.date) -> str:
    return key("clearing", "day", day)


def _settled(sd: dt.date) -> str:
    return key("clearing", "settled", sd)


def _gross_dates() -> str:
    return "clearing:gross-dates"


def _gross(sd: dt.date) -> str:
    return key("clearing", "gross", sd)


def _gross_of(day: dt.date) -> str:
    return key("clearing", "gross-of", day)


def _fees(day: dt.date) -> str:
    return key("clearing", "fees", day)


def _outcome(day: dt.date) -> str:
    return key("clearing", "outcome", day)


TRADE_DATES = Document[list[dt.date], []](list[dt.date], _trade_dates)
"""The trade dates whose obligations the store keeps (`TRADE_DATE`), in order."""
TRADE_DATE = Document[TradeDate, [dt.date]](TradeDate, _trade_date)
"""One trade date's obligations."""
SETTLED = Document[dt.date, [dt.date]](dt.date, _settled)
"""The run date that settled a settlement date."""
GROSS_DATES = Document[list[dt.date], []](list[dt.date], _gross_dates)
"""The settlement dates with gross trades (`GROSS`)."""
GROSS = Document[list[GrossItemRow], [dt.date]](list[GrossItemRow], _gross)
"""The gross trades due on a settlement date, by trade id, as the trade dates chose them."""
GROSS_OF = Document[list[GrossRef], [dt.date]](list[GrossRef], _gross_of)
"""The gross trades a trade date recorded."""
FEES = Document[dict[str, int], [dt.date]](dict[str, int], _fees)
"""A trade date's clearing fees per member, for the month's bill."""
OUTCOME = Document[Outcome, [dt.date]](Outcome, _outcome)
"""A run date's remedies, fines, defaults and payment fails, as recorded step by step."""




# ---- derivatives: positions, prices, bookings, approvals and the day (clearing.derivatives) --

class PositionHeld(Row, frozen=True):
    """An account's open contracts in one series at a day's end (4.2)."""

    account: str
    series: str
    long: int
    short: int


class SettlementPriceRow(Row, frozen=True):
    """A series' settlement price of a day, in hundredths, and how it was set (4.4)."""

    price: int
    basis: str


class BookedFillRow(Row, frozen=True):
    """One side of a trade as booked now (after any amendment or give-up), read while its
    change window is open (T to T+3, 4.3)."""

    trade_id: str
    side: int
    member: str
    account: str
    investor_type: str
    series: str
    qty: int
    price: int
    flag: str


class IntradayRound(Record, frozen=True):
    """The 12:00 round of a day (4.4): the marks used and what each account and member
    settled."""

    prices: dict[str, int]
    accounts: dict[str, int]
    members: dict[str, int]


class AccountSeriesRow(Row, frozen=True):
    """An account's day in one series: its position after the day, the contracts it bought
    and sold (trades and changes), and its cash in satang."""

    account: str
    member: str
    series: str
    long: int
    short: int
    bought: int
    sold: int
    vm_carry: int
    vm_new: int
    premium: int
    final: int


class MemberCashRow(Row, frozen=True):
    """A member's derivatives cash of a day: the intraday round (settled 12:00 that day) and
    the end-of-day run (settled 09:00 the next business day); positive is paid to it."""

    member: str
    intraday: int
    eod: int


class ChangeRow(Row, frozen=True):
    """A post-trade change or match-out asked for, and TCH's answer."""

    kind: str
    ref: str
    accepted: bool
    code: str = ""
    message: str = ""


class PriceRow(Row, frozen=True):
    """A series' settlement price of the day beside the one before."""

    series: str
    price: int
    basis: str
    previous: int | None


class BreachRow(Row, frozen=True):
    """An account over a position limit at the day's end (net contracts)."""

    member: str
    account: str
    series: str
    net: int
    limit: int


class PendingRow(Row, frozen=True):
    """A configuration an account asked for that TCH has not approved yet (4.2)."""

    member: str
    account: str
    approval: str


class TradeSideRow(Row, frozen=True):
    """One side of a day's trade as booked at the day's end, as the report lists it."""

    trade_id: str
    member: str
    account: str
    series: str
    side: str
    qty: int
    price: int
    flag: str


class MarginRow(Row, frozen=True):
    """A portfolio's TCH margin requirement of a run by component (4.5), in satang: the
    accounts margined together, and a gross account's side when margined gross."""

    member: str
    portfolio: str
    accounts: list[str]
    scan: int
    intermonth: int
    delivery: int
    nov: int
    somc: int
    icsc_credit: int
    concentration: int
    super_margin: int
    uncovered: int
    unsettled_mtm: int
    total: int


class CallRow(Row, frozen=True):
    """A member's margin call of a run (4.4, 4.10): its requirement, the collateral it held
    after haircut at the calculation, the call, when it is due and whether it was met."""

    member: str
    run: str
    requirement: int
    collateral: int
    call: int
    due: dt.date
    due_time: int
    met: bool


class MarginRun(Record, frozen=True):
    """One margin run of a day: when it was calculated, the products under super margin
    (4.7), each portfolio's requirement and each member's call."""

    run: str
    calculated: int
    super_products: list[str]
    rows: list[MarginRow]
    calls: list[CallRow]


class CollateralAnswerRow(Row, frozen=True):
    """A member's collateral request of the day and TCH's answer (4.8)."""

    ref: str
    member: str
    op: str
    at: int
    accepted: bool
    credited: int | None = None
    code: str = ""
    message: str = ""


class DerivativesDay(Record, frozen=True):
    """A derivatives clearing day as reported, kept so a rerun reports it unchanged."""

    date: dt.date
    settles: dt.date
    intraday_time: int  # when the intraday round settles on `date`, microseconds of the day
    eod_time: int  # when the end-of-day run settles on `settles`
    trades: int
    prices: list[PriceRow]
    rows: list[AccountSeriesRow]
    cash: list[MemberCashRow]
    changes: list[ChangeRow]
    expired: list[str]
    breaches: list[BreachRow]
    pending: list[PendingRow]
    booked: list[TradeSideRow]
    margin: list[MarginRun] = []
    collateral: list[CollateralAnswerRow] = []


def _deriv_days() -> str:
    return "derivatives:days"


def _deriv_positions(day: dt.date) -> str:
    return key("derivatives", "positions", day)


def _deriv_prices(day: dt.date) -> str:
    return key("derivatives", "prices", day)


def _deriv_fills(day: dt.date) -> str:
    return key("derivatives", "fills", day)


def _deriv_approvals() -> str:
    return "derivatives:approvals"


def _deriv_intraday(day: dt.date) -> str:
    return key("derivatives", "intraday", day)


def _deriv_day(day: dt.date) -> str:
    return key("derivatives", "day", day)


def _deriv_margin(day: dt.date, run: str) -> str:
    return key("derivatives", "margin", day, run)


DERIVATIVES_DAYS = Document[list[dt.date], []](list[dt.date], _deriv_days)
"""The dates cleared to their end, in order: the last is where positions carry from."""
DERIVATIVES_POSITIONS = Document[list[PositionHeld], [dt.date]](
    list[PositionHeld], _deriv_positions)
"""Every open position at a cleared date's end."""
DERIVATIVES_PRICES = Document[dict[str, SettlementPriceRow], [dt.date]](
    dict[str, SettlementPriceRow], _deriv_prices)
"""Every series' settlement price of a cleared date (the final price for those expiring)."""
DERIVATIVES_FILLS = Document[list[BookedFillRow], [dt.date]](list[BookedFillRow], _deriv_fills)
"""A clearing date's trades as booked now, for the changes of the following days."""
DERIVATIVES_APPROVALS = Document[dict[str, list[str]], []](dict[str, list[str]],
                                                           _deriv_approvals)
"""The configurations TCH has approved, by account."""
DERIVATIVES_INTRADAY = Document[IntradayRound, [dt.date]](IntradayRound, _deriv_intraday)
"""A date's intraday round, once settled."""
DERIVATIVES_DAY = Document[DerivativesDay, [dt.date]](DerivativesDay, _deriv_day)
"""A cleared date's report."""
DERIVATIVES_MARGIN = Document[MarginRun, [dt.date, str]](MarginRun, _deriv_margin)
"""A date's margin run once calculated (the intraday one is kept from its calculation time,
so a rerun calls what was called then)."""


# ---- risk collateral and default management ------------------------------------------------

class CollateralWithdrawal(Record, frozen=True):
    """A risk-collateral withdrawal accepted against the excess, to be paid at `pay_at` (3.4):
    accepted requests are kept so that a later one sees what is already on its way out."""

    ref: str
    asset: str
    quantity: int
    requested_at: dt.datetime
    pay_at: dt.datetime
    paid: bool  # no default: a Record omits a field at its default, and every row states it


class CollateralCall(Record, frozen=True):
    """The day's call and what TCH debited from the member's cash for it (3.5), recorded with
    the debit so a re-run returns it rather than a call recomputed on what the debit added."""

    member: str
    day: dt.date
    required: int
    held: int
    call: int
    debited: int


class CollateralMeasured(Record, frozen=True):
    """The clearing house's financial resources and each member's collateral held after
    haircut, as first measured at the start of the day: a re-run reads them back rather than
    measuring balances the day's own steps have moved."""

    financial_resources: int
    held: dict[str, int]


class WaterfallUses(Record, frozen=True):
    """What each layer of the waterfall gave, in the layers' order (3.7); each field is named
    by its layer's value (`default.waterfall.Layer`), so a record lacking a layer refuses."""

    defaulter_collateral: int
    defaulter_contribution: int
    set_tranche_1: int
    non_defaulter_contributions: int
    set_tranche_2: int
    reserve_fund: int


class DefaultDecision(Record, frozen=True):
    """How a default's loss was absorbed, decided once and recorded with the waterfall's
    postings: a re-run posts from it rather than deciding against balances already used."""

    loss: int
    uses: WaterfallUses
    shares: dict[str, int]
    uncovered: int


class DeclaredDefault(Row, frozen=True):
    """One default declared for a member: its day and the ref telling apart two on a day."""

    day: dt.date
    ref: str


def collateral_refusal_id(member: str, op: str, ref: str) -> str:
    """A member's collateral request, by this name in `COLLATERAL_REFUSED`."""
    return key(member, op, ref)


def _collateral_withdrawals(day: dt.date, member: str) -> str:
    return key("risk-collateral", day, member, "withdrawals")


def _collateral_call(day: dt.date, member: str) -> str:
    return key("risk-collateral", day, member, "call")


def _collateral_refused(day: dt.date) -> str:
    return key("collateral-day", day, "refused")


def _collateral_measured(day: dt.date) -> str:
    return key("collateral-day", day, "measured")


def _default_decision(member: str, day: dt.date, ref: str) -> str:
    return key("default", day, member, *((ref,) if ref else ()))


def _declared_defaults(member: str) -> str:
    return key("defaults", member)


COLLATERAL_WITHDRAWALS = Document[list[CollateralWithdrawal], [dt.date, str]](
    list[CollateralWithdrawal], _collateral_withdrawals)
"""A member's risk-collateral withdrawals accepted on a day, in the order accepted."""
COLLATERAL_CALL = Document[CollateralCall, [dt.date, str]](CollateralCall, _collateral_call)
"""A member's call of the day and its debit."""
COLLATERAL_REFUSED = Document[dict[str, str], [dt.date]](dict[str, str], _collateral_refused)
"""The day's collateral requests refused, with the reason, by `collateral_refusal_id`: refused
once and for all, so a re-run answers them the same."""
COLLATERAL_MEASURED = Document[CollateralMeasured, [dt.date]](
    CollateralMeasured, _collateral_measured)
"""The start of the day's resources and collateral held."""
DEFAULT_DECISION = Document[DefaultDecision, [str, dt.date, str]](
    DefaultDecision, _default_decision)
"""A member's default on a day (by its ref, "" for the only one): the waterfall's decision."""
DECLARED_DEFAULTS = Document[list[DeclaredDefault], [str]](
    list[DeclaredDefault], _declared_defaults)
"""Every default declared for a member, in the order declared."""
