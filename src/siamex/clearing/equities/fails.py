"""The fails of a clearing run, carried from day to day and remedied on their days.

clearing-spec.md 3.6, 3.4, 3.8. `remedies` holds each remedy as a step; this module decides
which step is due on a run date and keeps the open fails and loans in the store (documents
`clearing:fails` and `clearing:loans`), so that a run on a later day takes up what an earlier
run left open, and a run repeated finds every step already recorded. The steps before
settlement, and those after it, are each one commit (`UnitOfWork`): a fail is never recorded
covered without its loan, nor a loan without its postings.

On a run date D, in timetable order:

- before settlement (`before_settlement`): loans due on D are returned, re-borrowed or closed
  with the lender's penalty (return by 11:30); the others are marked to market at D's price.
- after settlement (`after_settlement`):
  1. a payment fail of a date settled on D: the defaulter's cash falls short, so TCH declares
     its default for the rest and applies the waterfall; the payment is then made and the
     credits it held back follow (`settlement.settle_after_default`);
  2. a delivery fail of a date settled on D: the defaulter's receivable is withheld and TCH
     tries to cover it with a loan from the day's lending offers (borrow at end of day);
  3. a fail of the business day before D not covered: the receivable of D is withheld too, and
     TCH buys the shares in from the day's buy-in offers (next-day buy-in); when the defaulter
     cannot pay, its default covers the rest through the waterfall and the buy-in completes;
     when nobody sells, the receivers are paid cash in lieu;
  4. each fail cured on D is fined (3.8): a fail of another cause on its short quantity at
     the settlement date's close (decision C5), a human error by the number in the member's
     year of the fail event it belongs to, per security (decision 76).

Buy-ins run after D's settlement rather than at 13:25: the receivable TCH withholds on D is
paid out by settlement, and the buy-in should be able to use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import msgspec
from msgspec.structs import replace

from siamex.clearing.default.declaration import (
    DefaultReport,
    declare_default,
    enforce_collateral,
    recorded_default,
)
from siamex.clearing.equities.netting import NetPositions
from siamex.clearing.equities.remedies import (
    BuyInOffer,
    RemedyInstructions,
    buy_in,
    buy_in_date,
    cash_in_lieu,
    cash_in_lieu_shortfall,
    collateral_held,
    cover_fail,
    fail_fines,
    loan_fee,
    mark_to_market,
    mature_loan,
    return_loan,
    withheld_account,
    withhold,
)
from siamex.clearing.equities.sbl import collateral_adjustment, lender_penalty
from siamex.clearing.equities.settlement import (
    DeliveryFail,
    PaymentFail,
    SettlementResult,
    settle_after_default,
)
from siamex.clearing.foundations.accounts import cash_account, holdings_account, member_cash
from siamex.clearing.foundations.keys import key
from siamex.clearing.foundations.ledger import Account
from siamex.clearing.foundations.money import format_baht, percent_of
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import (
    FAILS,
    HUMAN_ERRORS,
    LOANS,
    FailRecord,
    FailStatus,
    FineEvent,
    FineRow,
    Loan,
    LoanEntry,
    LoanStatus,
    PaymentShortfall,
    fail_id,
    human_error_year,
)
from siamex.clearing.foundations.store import LedgerStore
from siamex.clearing.foundations.unit_of_work import UnitOfWork
from siamex.rulebook.calendar import trading_day_offset
from siamex.units import micros_of_day, wall_clock

__all__ = [
    "OpenLoan",
    "Remedy",
    "RemedyEvent",
    "RemedyOutcome",
    "after_settlement",
    "before_settlement",
    "fail_states",
    "month_fines",
    "open_fail_dates",
    "open_loans",
]

PositionsOf = Callable[[dt.date], NetPositions]
CloseOf = Callable[[dt.date, str], int]


class Remedy(StrEnum):
    """What a remedy step did about a fail, a loan or a default (the report's `kind`)."""

    BUY_IN = "buy_in"
    BUY_IN_FAILED = "buy_in_failed"
    CASH_IN_LIEU = "cash_in_lieu"
    COLLATERAL_ENFORCED = "collateral_enforced"
    DEFAULT = "default"
    DELIVERY_FAIL = "delivery_fail"
    FINE = "fine"
    IN_LIEU_FAILED = "in_lieu_failed"
    LOAN_COLLATERAL_SHORT = "loan_collateral_short"
    LOAN_MARKED = "loan_marked"
    LOAN_OPENED = "loan_opened"
    LOAN_PENALTY = "loan_penalty"
    LOAN_RENEWED = "loan_renewed"
    LOAN_RETURN_REFUSED = "loan_return_refused"
    LOAN_RETURNED = "loan_returned"
    PAID_AFTER_DEFAULT = "paid_after_default"
    PAYMENT_FAIL = "payment_fail"
    REPAYMENT = "repayment"
    REPAYMENT_REFUSED = "repayment_refused"


@dataclass(frozen=True, slots=True)
class RemedyEvent:
    """One thing a run did about a fail or a loan, for the report; amounts in satang."""

    day: dt.date
    kind: Remedy
    member: str
    security: str
    qty: int
    amount: int
    detail: str


@dataclass(frozen=True)
class RemedyOutcome:
    """What a run's remedy steps did: events, fines to bill, defaults declared and the
    payment fails they answered."""

    events: tuple[RemedyEvent, ...] = ()
    fines: tuple[FineEvent, ...] = ()
    defaults: tuple[DefaultReport, ...] = ()
    payment_fails: tuple[PaymentShortfall, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenLoan:
    """A covered-fail loan open in the store: the cash collateral TCH holds for it and the
    borrowing fee the borrower paid the lender, in satang."""

    loan: Loan
    collateral: int
    fee: int


def _fail_of(record: FailRecord) -> tuple[dt.date, DeliveryFail]:
    return record.sd, DeliveryFail(record.member, record.account_type, record.security,
                                   record.qty, record.value)


def _fails(store: LedgerStore) -> dict[str, FailRecord]:
    return FAILS.get(store) or {}


def _loans(store: LedgerStore) -> dict[str, LoanEntry]:
    return LOANS.get(store) or {}


def _entry(loan: Loan, status: LoanStatus) -> LoanEntry:
    """A loan as the open loans carry it."""
    return LoanEntry(**msgspec.structs.asdict(loan), status=status)


def month_fines(store: LedgerStore, month: str) -> dict[str, int]:
    """Each member's fines for the fails cured in a month ("YYYY-MM"), in satang."""
    totals: dict[str, int] = {}
    for record in _fails(store).values():
        if record.cured_on is not None and str(record.cured_on)[:7] == month and record.fines:
            totals[record.member] = (totals.get(record.member, 0)
                                     + sum(fine.amount for fine in record.fines))
    return totals


def fail_states(store: LedgerStore, day: dt.date) -> dict[str, str]:
    """Each recorded delivery fail's state at the end of `day`, by `fail_id`: `open`, or how
    it was cured by then (`covered`, `bought_in`, `in_lieu`)."""
    states = {}
    for fid, record in _fails(store).items():
        cured = record.cured_on is not None and record.cured_on <= day
        states[fid] = record.status.value if cured else FailStatus.OPEN.value
    return states


def open_fail_dates(store: LedgerStore, day: dt.date) -> list[dt.date]:
    """The settlement dates before `day` with a delivery fail still open at its start."""
    dates = set()
    for record in _fails(store).values():
        if record.sd < day and (record.cured_on is None or record.cured_on >= day):
            dates.add(record.sd)
    return sorted(dates)


def open_loans(store: LedgerStore) -> tuple[OpenLoan, ...]:
    """The covered-fail loans open in the store, by their keys, with the collateral held and
    the fee paid."""
    loans = [row for _, row in sorted(_loans(store).items()) if row.status is LoanStatus.OPEN]
    return tuple(OpenLoan(loan, collateral_held(store, loan), loan_fee(store, loan))
                 for loan in loans)


class _Run:
    """One run date's remedy steps over the store, collecting what they did."""

    def __init__(self, store: LedgerStore, day: dt.date, instructions: RemedyInstructions,
                 positions_of: PositionsOf, price_of: Callable[[str], int],
                 rules: ClearingRules) -> None:
        self.store, self.day, self.instructions = store, day, instructions
        self.positions_of, self.price_of, self.rules = positions_of, price_of, rules
        self.events: list[RemedyEvent] = []
        self.fines: list[FineEvent] = []
        self.defaults: list[DefaultReport] = []
        self.shortfalls: list[PaymentShortfall] = []
        self.fails = _fails(store)
        self.loans = _loans(store)

    def save(self) -> None:
        """Record the open fails and loans together: a loan is never recorded without the
        fail it covers, nor a fail covered without its loan."""
        self.store.commit((), dict([FAILS.entry(self.fails), LOANS.entry(self.loans)]))

    def event(self, kind: Remedy, member: str, security: str, qty: int, amount: int,
              detail: str = "") -> None:
        self.events.append(RemedyEvent(self.day, kind, member, security, qty, amount, detail))

    def outcome(self) -> RemedyOutcome:
        return RemedyOutcome(tuple(self.events), tuple(self.fines), tuple(self.defaults),
                             tuple(self.shortfalls))

    def default(self, member: str, loss: int, ref: str, payee: Account) -> None:
        prices = {k: q.price for k, q in self.instructions.collateral_quotes.items()}
        # 3.6: enforce the risk collateral, whatever it is, before the fund is used
        for asset, amount in enforce_collateral(self.store, member, self.day, prices).items():
            self.event(Remedy.COLLATERAL_ENFORCED, member, asset, 0, amount,
                       "sold at the day's quote")
        report = declare_default(self.store, member, loss, self.day, payee, self.rules, ref)
        self.defaults.append(report)
        self.event(Remedy.DEFAULT, member, "", 0, loss, f"{ref}: waterfall applied")

    # ---- loans ----------------------------------------------------------------------------

    def mature(self) -> None:
        for name, loan in sorted(self.loans.items()):
            if loan.status is not LoanStatus.OPEN or loan.due > self.day:
                continue
            result = mature_loan(self.store, loan, self.day, self.price_of(loan.security),
                                 self.instructions.lending_offers, self.rules)
            if isinstance(result, Loan):
                self.loans[name] = replace(loan, status=LoanStatus.RENEWED)
                self.loans[result.key] = _entry(result, LoanStatus.OPEN)
                self.event(Remedy.LOAN_RENEWED, loan.borrower, loan.security, loan.qty, 0,
                           f"re-borrowed from {result.lender} until {result.due}")
            elif result:
                self.loans[name] = replace(loan, status=LoanStatus.PENALTY)
                self.event(Remedy.LOAN_PENALTY, loan.borrower, loan.security, loan.qty, result,
                           f"lender {loan.lender} paid the penalty")
                due = lender_penalty(loan.qty, self.price_of(loan.security), self.rules)
                if result < due:  # 3.6, 3.7: TCH guarantees the lender; the borrower defaults
                    self.default(loan.borrower, due - result,
                                 key("loan", loan.start, loan.security, loan.lender),
                                 member_cash(loan.lender, loan.lender_account_type, self.rules))
            else:
                self.loans[name] = replace(loan, status=LoanStatus.RETURNED)
                self.event(Remedy.LOAN_RETURNED, loan.borrower, loan.security, loan.qty, 0,
                           f"returned to {loan.lender}")

    def early_returns(self, before: bool) -> None:
        """The day's early returns in the windows before (or after) settlement (3.4)."""
        cutoff = self.rules.round_1_securities
        for r in self.instructions.loan_returns:
            moment = micros_of_day(r.at)
            if (moment <= cutoff) != before:
                continue
            if not any(a <= moment <= b for a, b in self.rules.sbl_early_return_windows):
                self.event(Remedy.LOAN_RETURN_REFUSED, r.borrower, r.security, 0, 0,
                           f"{r.at.time().isoformat()} is outside the early-return windows "
                           "(3.4)")
                continue
            for name, loan in sorted(self.loans.items()):
                if (loan.status is not LoanStatus.OPEN or loan.borrower != r.borrower
                        or loan.security != r.security or r.lender not in (None, loan.lender)
                        or r.at in loan.refused):  # decision 67: refused once for all
                    continue
                if return_loan(self.store, loan, self.day, self.rules):
                    self.loans[name] = replace(loan, status=LoanStatus.RETURNED)
                    self.event(Remedy.LOAN_RETURNED, loan.borrower, loan.security, loan.qty, 0,
                               f"early, to {loan.lender}")
                else:
                    self.loans[name] = replace(loan, refused=[*loan.refused, r.at])
                    self.event(Remedy.LOAN_RETURN_REFUSED, loan.borrower, loan.security, loan.qty,
                               0, "the borrower does not hold the shares")

    def mark(self) -> None:
        for loan in self.loans.values():
            if loan.status is LoanStatus.OPEN and loan.start < self.day:
                price = self.price_of(loan.security)
                move = mark_to_market(self.store, loan, self.day, price, "end", self.rules)
                # the top-up due before the mark, read after it: a rerun finds the mark made
                needed = collateral_adjustment(loan.qty, price,
                                               collateral_held(self.store, loan) - move,
                                               self.rules)
                if move:
                    self.event(Remedy.LOAN_MARKED, loan.borrower, loan.security, loan.qty, move,
                               "collateral topped up" if move > 0 else "excess returned")
                if needed > move:  # 3.6: a collateral default; the penalty is guaranteed
                    self.event(Remedy.LOAN_COLLATERAL_SHORT, loan.borrower, loan.security, loan.qty,
                               needed - move, "the borrower's cash did not cover the top-up")

    # ---- payment fails --------------------------------------------------------------------

    def payment_fails(self, sd: dt.date, fails: Sequence[PaymentFail],
                      prices: Mapping[str, int]) -> None:
        if not fails:
            return
        balances = self.store.balances()
        for fail in fails:
            payee = cash_account(fail.member, fail.account_type)
            self.event(Remedy.PAYMENT_FAIL, fail.member, "", 0, fail.amount_short,
                       f"settlement date {sd}")
            kind = () if fail.account_type is None else (fail.account_type.value,)
            ref = key("payment", sd, *kind)
            # a run resumed after the default was declared takes its recorded loss
            declared = recorded_default(self.store, fail.member, self.day, ref)
            available = (fail.amount_short - declared.waterfall.loss if declared is not None
                         else balances.get(payee, 0))
            loss = fail.amount_short - available
            self.shortfalls.append(PaymentShortfall(sd, fail.member, fail.account_type,
                                                    fail.amount_short, available, max(loss, 0)))
            if loss > 0:  # 3.6: a payment default is met from collateral and the Clearing Fund
                self.default(fail.member, loss, ref, payee)
        # on the settlement date after round 2's cash, even when this run catches up a past one
        late = settle_after_default(self.store, self.positions_of(sd), sd,
                                    wall_clock(sd, self.rules.round_2_cash), prices, self.rules)
        for paid in late.paid:
            self.event(Remedy.PAID_AFTER_DEFAULT, paid.member, "", 0, paid.qty, f"for {sd}")

    # ---- delivery fails -------------------------------------------------------------------

    def new_fail(self, sd: dt.date, fail: DeliveryFail, close: int) -> str | None:
        """Record a fail with the settlement date's close of its security (the value basis
        of its fine, decision C5) and withhold the receivable; None when an earlier run
        recorded it."""
        fid = fail_id(sd, fail.member, fail.account_type, fail.security)
        if fid in self.fails:
            return None
        human = any(h.member == fail.member and h.security == fail.security
                    for h in self.instructions.human_errors)
        self.fails[fid] = FailRecord(
            sd=sd, member=fail.member, account_type=fail.account_type, security=fail.security,
            qty=fail.qty_short, value=fail.value, close=close, status=FailStatus.OPEN,
            human_error=human,
            error_count=self.human_error_number(sd, fail.member) if human else None)
        positions = self.positions_of(sd)
        held = withhold(self.store, fail, sd, sd, positions, self.rules)
        self.event(Remedy.DELIVERY_FAIL, fail.member, fail.security, fail.qty_short, fail.value,
                   f"receivable withheld: {format_baht(held)}")
        return fid

    def cover(self, sd: dt.date, fail: DeliveryFail, fid: str) -> None:
        offers = [o for o in self.instructions.lending_offers if o.security == fail.security]
        if not offers:
            return
        price = self.price_of(fail.security)
        fee = percent_of(fail.qty_short * price, self.instructions.sbl_fee_pct)
        loans = cover_fail(self.store, fail, sd, offers, price, fee, self.positions_of(sd),
                           self.rules, keep_withheld=self.others_open(fid))
        for loan in loans:
            self.loans[loan.key] = _entry(loan, LoanStatus.OPEN)
            self.event(Remedy.LOAN_OPENED, fail.member, fail.security, loan.qty, 0,
                       f"from {loan.lender}, due {loan.due}")
        if loans:
            self.cured(fid, FailStatus.COVERED)

    def others_open(self, fid: str) -> bool:
        """Whether the fail's member has another fail open, which its withheld cash must
        still fund (3.6)."""
        member = self.fails[fid].member
        return any(other != fid and r.member == member and r.status is FailStatus.OPEN
                   for other, r in self.fails.items())

    def cured(self, fid: str, status: FailStatus) -> None:
        record = self.fails[fid]
        sd, fail = _fail_of(record)
        count = record.error_count
        fines = fail_fines(fail, sd, self.day, record.close, count, self.rules)
        if count is not None and self.fined_in_event(fid):
            fines = ()  # decision 76: an event's security is fined once, whatever its accounts
        # kept with the fail, saved with it: a month's bill reads them back (month_fines)
        self.fails[fid] = replace(record, status=status, cured_on=self.day,
                                  fines=[FineRow(f.type, f.amount) for f in fines])
        for fine in fines:
            self.fines.append(fine)
            self.event(Remedy.FINE, fine.member, fail.security, fail.qty_short, fine.amount,
                       fine.type)

    def human_error_number(self, sd: dt.date, member: str) -> int:
        """The number of the member's human-error fail event of `sd` among its human errors
        of the calendar year (3.8). Its human-error fails of one settlement date are one
        event, counted once however many securities it covers (decision 76); events are
        numbered as they are recorded, settlement date by settlement date."""
        events = HUMAN_ERRORS.get(self.store) or {}
        seen = events.setdefault(human_error_year(sd.year, member), [])
        if sd not in seen:
            seen.append(sd)
            HUMAN_ERRORS.put(self.store, events)
        return seen.index(sd) + 1

    def fined_in_event(self, fid: str) -> bool:
        """Whether another fail of the same human-error event and security (the member's
        other account type) has been fined already."""
        record = self.fails[fid]
        return any(other != fid and r.error_count is not None and r.fines
                   and (r.sd, r.member, r.security) == (record.sd, record.member, record.security)
                   for other, r in self.fails.items())

    def _seller(self, fail: DeliveryFail) -> BuyInOffer | None:
        balances = self.store.balances()
        for offer in self.instructions.buy_in_offers:
            account = holdings_account(offer.seller, offer.account_type, offer.security)
            if (offer.security == fail.security and offer.qty >= fail.qty_short
                    and offer.seller != fail.member and balances.get(account, 0)
                    >= fail.qty_short):
                return offer
        return None

    def buy_in(self, fid: str) -> None:
        sd, fail = _fail_of(self.fails[fid])
        positions = self.positions_of(sd)
        if self.day == trading_day_offset(sd, 1):  # 3.6: the next day's receivable only
            withhold(self.store, fail, sd, self.day, positions, self.rules)
        offer = self._seller(fail)
        if offer is None:
            self.in_lieu(fid, sd, fail, positions)
            return
        seller = holdings_account(offer.seller, offer.account_type, offer.security)
        keep = self.others_open(fid)
        done = buy_in(self.store, fail, sd, self.day, seller, offer.price, positions, self.rules,
                      keep)
        if done is None:
            balances = self.store.balances()
            payee = member_cash(fail.member, fail.account_type, self.rules)
            short = (fail.qty_short * offer.price - balances.get(withheld_account(fail.member), 0)
                     - balances.get(payee, 0))
            # 3.6: the defaulter bears the buy-in; what it cannot pay, the waterfall covers
            self.default(fail.member, short, key("buy-in", sd, fail.security), payee)
            done = buy_in(self.store, fail, sd, self.day, seller, offer.price, positions,
                          self.rules, keep)
        if done is None:
            self.tried(fid)
            self.event(Remedy.BUY_IN_FAILED, fail.member, fail.security, fail.qty_short, 0,
                       "the waterfall did not cover the cost")
            return
        self.event(Remedy.BUY_IN, fail.member, fail.security, done.qty, done.cost,
                   f"from {offer.seller} at {format_baht(offer.price)}; cost above the "
                   f"fail's value {format_baht(done.cost_difference)}")
        self.cured(fid, FailStatus.BOUGHT_IN)

    def in_lieu(self, fid: str, sd: dt.date, fail: DeliveryFail,
                positions: NetPositions) -> None:
        short = cash_in_lieu_shortfall(self.store, fail, sd, positions, self.rules)
        if short:
            self.default(fail.member, short, key("in-lieu", sd, fail.security),
                         member_cash(fail.member, fail.account_type, self.rules))
        try:
            paid = cash_in_lieu(self.store, fail, sd, self.day, positions, self.rules,
                                self.others_open(fid))
        except ValueError as exc:
            self.tried(fid)
            self.event(Remedy.IN_LIEU_FAILED, fail.member, fail.security, fail.qty_short, 0,
                       str(exc))
            return
        self.event(Remedy.CASH_IN_LIEU, fail.member, fail.security, fail.qty_short,
                   sum(paid.values()), "no seller for the buy-in")
        self.cured(fid, FailStatus.IN_LIEU)

    def tried(self, fid: str) -> None:
        """Record that the fail's buy-in failed today: a rerun of the day does not try it again
        against balances the day's later steps have moved (decision 67); a later day does."""
        self.fails[fid] = replace(self.fails[fid], tried_on=self.day)

    def due_buy_ins(self) -> None:
        for fid, record in sorted(self.fails.items()):
            sd, _ = _fail_of(record)
            if (record.status is FailStatus.OPEN
                    and buy_in_date(sd, trading_day_offset) <= self.day
                    and record.tried_on != self.day):
                self.buy_in(fid)


def before_settlement(store: LedgerStore, day: dt.date, instructions: RemedyInstructions,
                      positions_of: PositionsOf, price_of: Callable[[str], int],
                      rules: ClearingRules = DEFAULT_CLEARING_RULES) -> RemedyOutcome:
    """The steps due before D's settlement: loans due on D (3.4: return by 11:30), and the
    start-of-day mark to market of the others at D's price (one price a day, so the end-of-day
    mark would move nothing more)."""
    with UnitOfWork(store) as step:
        run = _Run(step, day, instructions, positions_of, price_of, rules)
        run.mature()
        run.early_returns(before=True)
        run.mark()
        run.save()
    return run.outcome()


def after_settlement(store: LedgerStore, day: dt.date, instructions: RemedyInstructions,
                     settled: Sequence[tuple[dt.date, SettlementResult]],
                     positions_of: PositionsOf, price_of: Callable[[str], int],
                     prices_of: Callable[[dt.date], Mapping[str, int]], close_of: CloseOf,
                     rules: ClearingRules = DEFAULT_CLEARING_RULES) -> RemedyOutcome:
    """The steps due after D's settlement; `settled` holds each date settled on D with its
    round 2 result (the fails open at the last cut-off), `close_of(sd, security)` the close
    of a settlement date, which values a fail's fine (decision C5)."""
    with UnitOfWork(store) as step:
        run = _Run(step, day, instructions, positions_of, price_of, rules)
        for sd, round_2 in settled:
            run.payment_fails(sd, round_2.payment_fails, prices_of(sd))
        new = [(sd, fail, run.new_fail(sd, fail, close_of(sd, fail.security)))
               for sd, round_2 in settled for fail in round_2.delivery_fails]
        for sd, fail, fid in new:  # every new fail known first, so none releases others' cash
            if fid is not None:
                run.cover(sd, fail, fid)
        run.due_buy_ins()
        run.early_returns(before=False)
        run.save()
    return run.outcome()

