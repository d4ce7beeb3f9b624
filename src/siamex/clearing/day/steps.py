"""The clearing day's steps, in the order of the timetable, each one commit (decision 69).

Why a table: the day is a sequence of steps at their cut-offs (clearing-spec.md 3.4), and a
run resumed after a crash runs the same steps again, each finding itself done or not begun
(decisions 58, 67). Listed in `STEPS`, each step is a function of the day's inputs (`Day`),
its trades netted (`Netted`, worked out before anything is stored) and what the steps before
it did (`Work`), which it adds to; `clear_day` runs them in turn and reports the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from siamex.clearing.billing.fees import clearing_fee
from siamex.clearing.billing.month_end import MonthEnd, month_end
from siamex.clearing.day.collateral import CollateralSteps, check_contributions, check_quotes
from siamex.clearing.day.instructions import DayInstructions
from siamex.clearing.day.outcome import remember, remembered
from siamex.clearing.default.declaration import (
    RepaymentRefused,
    declared_defaults,
    repay_default,
)
from siamex.clearing.equities.book_changes import BookChange, apply_change, concerned
from siamex.clearing.equities.fails import (
    Remedy,
    RemedyEvent,
    RemedyOutcome,
    after_settlement,
    before_settlement,
    fail_states,
    month_fines,
    open_fail_dates,
    open_loans,
)
from siamex.clearing.equities.gross import (
    GrossItem,
    GrossResult,
    check_gross,
    gross_by_trade_date,
    gross_items,
    record_gross,
    settle_gross_due,
)
from siamex.clearing.equities.holdings import Holding, arriving, issue_opening
from siamex.clearing.equities.netting import (
    NetPositions,
    net,
)
from siamex.clearing.equities.novation import Leg, NovationBook, Side, novate
from siamex.clearing.equities.obligations import Obligation, obligations
from siamex.clearing.equities.psms_day import PsmsDay, month_fees, psms_day
from siamex.clearing.equities.settlement import (
    SettlementResult,
    settle_date,
)
from siamex.clearing.equities.trade_dates import (
    StoredDay,
    check_trade_dates,
    close_price,
    combined,
    due_by_settlement_date,
    latest_prices,
    pending,
    record_trade_dates,
    stored_days,
    trade_date_records,
    trade_values,
)
from siamex.clearing.equities.trades import TradeBatch
from siamex.clearing.foundations.members import MemberRegistry
from siamex.clearing.foundations.parameters import ClearingRules
from siamex.clearing.foundations.state import (
    FEES,
    SETTLED,
    TradeDate,
)
from siamex.clearing.foundations.store import LedgerStore
from siamex.clearing.foundations.unit_of_work import UnitOfWork
from siamex.clearing.reports.day_report import (
    BookAnswer,
    CollateralDay,
    DayReport,
    OrderFee,
    SettledDate,
    TradeSide,
)
from siamex.errors import ErrorCode, SiamexError

__all__ = ["STEPS", "Day", "Netted", "Step", "Work", "net_trades", "report"]


def _sides(legs: Iterable[Leg], batch: TradeBatch) -> list[TradeSide]:
    """Each trade's buy and sell side after the day's book changes, owed by the account's
    clearing member (a trade without an order id counts as its own order)."""
    orders = {t.trade_id: {Side.BUY: t.buy_order_id, Side.SELL: t.sell_order_id} for t in batch}
    return [TradeSide(leg.member, leg.trade_id, leg.trade_date, leg.settlement_date,
                      leg.security, leg.side.value, leg.account.member, leg.account.account,
                      leg.account_type, orders[leg.trade_id][leg.side] or leg.trade_id,
                      leg.qty, leg.price)
            for leg in legs]


def _answer(book: NovationBook, change: BookChange) -> BookAnswer:
    """Apply a book change, or answer its refusal alone: one member's late or invalid
    request does not stop the day (decision 79)."""
    try:
        apply_change(book, change)
    except SiamexError as exc:
        return BookAnswer(change, concerned(book, change), False, exc.code.value, exc.message)
    return BookAnswer(change, concerned(book, change), True)


def _fees(sides: Iterable[TradeSide], rules: ClearingRules) -> list[OrderFee]:
    """3.8: the fee is per order and member side, on all the order's fills (a trade without an
    order id counts as its own order)."""
    values: dict[tuple[str, str, str, str], int] = {}
    for s in sides:
        key = (s.member, s.side, s.trading_member, s.order_id)
        values[key] = values.get(key, 0) + s.value
    return [OrderFee(*key, value, clearing_fee(value, rules))
            for key, value in sorted(values.items())]


def _due_today(store: LedgerStore, run_date: dt.date, settled: Iterable[SettledDate],
               positions_of: Callable[[dt.date], NetPositions]) -> tuple[Obligation, ...]:
    """Every net obligation due on the run date, against what was done by its end: those of
    the dates it settled (not those an earlier day's run settled, which were due then), and
    those of earlier dates with a fail open at its start that were not met by then (decision
    78)."""
    states = fail_states(store, run_date)
    now = [s for s in settled if not s.already_settled]
    rows = [row for s in now for row in obligations(store, s.positions, s.settlement_date,
                                                   run_date, states)]
    dates = {s.settlement_date for s in now}
    yesterday = run_date - dt.timedelta(days=1)
    before = fail_states(store, yesterday)
    for sd in open_fail_dates(store, run_date):
        if sd in dates:
            continue
        open_then = {(o.member, o.account_type, o.asset, o.direction)
                     for o in obligations(store, positions_of(sd), sd, yesterday, before)
                     if not o.met}
        rows += [o for o in obligations(store, positions_of(sd), sd, run_date, states)
                 if (o.member, o.account_type, o.asset, o.direction) in open_then]
    return tuple(rows)


def check_dates(instructions: DayInstructions, run_date: dt.date) -> None:
    """Refuse instructions dated for another run before anything is posted."""
    for r in instructions.collateral:
        if r.at.date() != run_date:
            raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                              f"collateral request {r.ref} is dated {r.at.date()}, not the run "
                              f"date {run_date}")
    moments = [q.at for q in instructions.psms] + [q.at for q in instructions.loan_returns]
    for number, at in enumerate(moments, 1):
        if at.date() != run_date:
            raise SiamexError(ErrorCode.INSTRUCTIONS_FILE,
                              f"request {number} of psms and loan_returns is dated "
                              f"{at.date()}, not the run date {run_date}")


def _repay(store: LedgerStore, run_date: dt.date, instructions: DayInstructions,
           rules: ClearingRules) -> list[RemedyEvent]:
    """Each repayment asked for: every default of the member declared on the date."""
    events = []
    refused, repaid = Remedy.REPAYMENT_REFUSED, Remedy.REPAYMENT
    for p in instructions.repayments:
        refs = [r for d, r in declared_defaults(store, p.member) if d == p.default_date]
        if not refs:
            events.append(RemedyEvent(run_date, refused, p.member, "", 0, 0,
                                      f"no default of {p.member} was declared on "
                                      f"{p.default_date}"))
        for ref in refs:
            try:
                paid = repay_default(store, p.member, p.default_date, run_date, rules, ref)
            except RepaymentRefused as exc:
                events.append(RemedyEvent(run_date, refused, p.member, "", 0, 0, str(exc)))
                continue
            events.append(RemedyEvent(run_date, repaid, p.member, "", 0, paid,
                                      f"default of {p.default_date} {ref}".strip()))
    return events


def _record_fees(store: LedgerStore, fees: Iterable[OrderFee],
                 sides: Iterable[TradeSide]) -> None:
    """Keep each trade date's clearing fees, for the month's bill."""
    dates = {(s.member, s.side, s.trading_member, s.order_id): s.trade_date for s in sides}
    by_date: dict[dt.date, dict[str, int]] = {}
    for f in fees:
        per_member = by_date.setdefault(dates[f.member, f.side, f.trading_member, f.order_id], {})
        per_member[f.member] = per_member.get(f.member, 0) + f.fee
    for day, totals in by_date.items():
        FEES.put(store, totals, day)


def _month_totals(store: LedgerStore, days: Iterable[StoredDay],
                  month: str) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Each member's net settlement value settled, clearing fees and fines of a month."""
    settled: dict[str, int] = {}
    fees: dict[str, int] = {}
    for day in days:
        if (str(day.settlement_date)[:7] == month
                and SETTLED.exists(store, day.settlement_date)):
            for c in day.positions.cash:
                settled[c.member] = settled.get(c.member, 0) + abs(c.net_amount)
        if str(day.trade_date)[:7] == month:
            for member, fee in (FEES.get(store, day.trade_date) or {}).items():
                fees[member] = fees.get(member, 0) + fee
    return settled, fees, month_fines(store, month)


@dataclass(frozen=True)
class Day:
    """What a run is given: the members, the trade file, the opening holdings, the store,
    the run date, the rules and the day's instructions (`measured`: the risk steps run only
    when instructions were given, even empty)."""

    registry: MemberRegistry
    batch: TradeBatch
    holdings: tuple[Holding, ...]
    store: LedgerStore
    run_date: dt.date
    rules: ClearingRules
    instructions: DayInstructions
    measured: bool


@dataclass(frozen=True)
class Netted:
    """The day's trades novated, changed by the day's book changes and netted: nothing of it
    stored yet."""

    book: NovationBook
    answers: tuple[BookAnswer, ...]
    positions: NetPositions
    sides: tuple[TradeSide, ...]
    fees: tuple[OrderFee, ...]
    trade_dates: Mapping[dt.date, TradeDate]
    gross: Mapping[dt.date, list[GrossItem]]

    @property
    def own_dates(self) -> set[dt.date]:
        """The settlement dates of this file's trades."""
        return {s.settlement_date for s in self.sides}


@dataclass
class Work:
    """What the day's steps have done so far, each adding its part."""

    days: list[StoredDay] = field(default_factory=list)
    prices: dict[str, int] = field(default_factory=dict)
    due: dict[dt.date, tuple[list[NetPositions], dict[str, int]]] = field(default_factory=dict)
    collateral_steps: CollateralSteps | None = None
    gross: list[GrossResult] = field(default_factory=list)
    psms: PsmsDay | None = None
    settled: list[SettledDate] = field(default_factory=list)
    pending: list[dt.date] = field(default_factory=list)
    newly: list[tuple[dt.date, SettlementResult]] = field(default_factory=list)
    collateral: CollateralDay | None = None
    month: MonthEnd | None = None

    def positions_of(self, sd: dt.date) -> NetPositions:
        """A settlement date's obligations, over every trade date stored."""
        return combined(self.due[sd][0])

    def price_of(self, security: str) -> int:
        """A security's price today: the day's close if given, else the last traded."""
        return self.prices[security]


def net_trades(day: Day) -> Netted:
    """Novate the day's trades, apply its book changes (each answered alone, decision 79) and
    net them; refuse, before anything is stored, what the store cannot take."""
    check_dates(day.instructions, day.run_date)
    book = novate(day.batch, day.rules)
    answers = tuple(_answer(book, change) for change in day.instructions.book)
    positions = net(book)
    legs = book.legs()
    sides = _sides(legs, day.batch)
    netted = Netted(book, answers, positions, tuple(sides), tuple(_fees(sides, day.rules)),
                    trade_date_records(day.batch, legs, positions, trade_values(legs)),
                    gross_by_trade_date(day.batch, gross_items(book)))
    check_trade_dates(day.store, day.batch, netted.trade_dates)
    check_gross(day.store, netted.gross)
    if day.measured:
        check_contributions(day.store, day.run_date, day.instructions,
                            arriving(day.store, day.holdings))
        check_quotes(day.store, day.instructions)
    return netted


def record_trades(day: Day, netted: Netted, work: Work) -> None:
    """The day's trades kept, and the holdings the store's first day brings, in one commit."""
    with UnitOfWork(day.store) as step:
        issue_opening(step, day.holdings,
                      min((s.trade_date for s in netted.sides), default=day.run_date))
        record_trade_dates(step, netted.trade_dates)
        record_gross(step, netted.gross)
        _record_fees(step, netted.fees, netted.sides)
    work.days = stored_days(day.store)
    work.prices = {**latest_prices(work.days), **day.instructions.prices}
    work.due = due_by_settlement_date(work.days)


def morning_collateral(day: Day, netted: Netted, work: Work) -> None:
    """3.4-3.5: the fund, the measures taken on what was pending at the start of the day (the
    day's trades come later), the morning's requests around the 11:00 call."""
    if not day.measured:
        return
    exposures, net_cash = pending(day.store, work.days, day.run_date)
    work.collateral_steps = CollateralSteps(day.store, day.registry, day.run_date,
                                            day.instructions, day.rules)
    work.collateral_steps.morning(exposures, net_cash,
                                  {**latest_prices(work.days, before=day.run_date),
                                   **day.instructions.prices})


def loans_due(day: Day, netted: Netted, work: Work) -> None:
    """3.4: loans due returned by 11:30, the early returns of the morning, the marks."""
    with UnitOfWork(day.store) as step:
        remember(step, day.run_date, before_settlement(
            step, day.run_date, day.instructions.remedies, work.positions_of, work.price_of,
            day.rules))


def gross_settlement(day: Day, netted: Netted, work: Work) -> None:
    """3.4: every gross date due settled at its 12:30 cut-off."""
    work.gross = settle_gross_due(day.store, day.run_date, day.rules)


def pre_settlement_matching(day: Day, netted: Netted, work: Work) -> None:
    """3.2: the day's PSMS requests, and the matched pairs due settled."""
    work.psms = psms_day(day.store, day.registry, day.run_date, day.instructions.psms,
                         day.rules)


def net_settlement(day: Day, netted: Netted, work: Work) -> None:
    """3.3: every settlement date due by the run date, round by round (a date an earlier
    day's run settled is this day's to report only when this file's trades settle on it)."""
    own_dates = netted.own_dates
    for sd, (parts, sd_prices) in sorted(work.due.items()):
        if sd > day.run_date:
            work.pending.append(sd)
            continue
        settled_on = SETTLED.get(day.store, sd)
        # decision 67: a date this run date settled is reported as settled now, every time
        earlier = settled_on is not None and settled_on != day.run_date
        if earlier and sd not in own_dates:
            continue
        positions = combined(parts)
        rounds = settle_date(day.store, positions, sd, sd_prices, day.rules)
        if settled_on is None:
            work.newly.append((sd, rounds[1]))
        work.settled.append(SettledDate(sd, earlier, positions, rounds))


def remedies(day: Day, netted: Netted, work: Work) -> None:
    """3.6: the payment and delivery fails of the dates settled, and their remedies; the
    dates marked settled in the same commit."""

    def close_of(sd: dt.date, security: str) -> int:
        return close_price(work.days, day.run_date, day.instructions.prices, sd, security)

    with UnitOfWork(day.store) as step:
        remember(step, day.run_date, after_settlement(
            step, day.run_date, day.instructions.remedies, work.newly, work.positions_of,
            work.price_of, lambda sd: work.due[sd][1], close_of, day.rules))
        for sd, _ in work.newly:
            SETTLED.put(step, day.run_date, sd)


def afternoon_collateral(day: Day, netted: Netted, work: Work) -> None:
    """3.4: the afternoon's collateral requests, and every withdrawal paid by the day's end."""
    if work.collateral_steps is not None:
        work.collateral = work.collateral_steps.afternoon()


def repayments(day: Day, netted: Netted, work: Work) -> None:
    """3.7: each defaulter's repayment of the fund it used, asked for in the instructions."""
    with UnitOfWork(day.store) as step:
        remember(step, day.run_date,
                 RemedyOutcome(tuple(_repay(step, day.run_date, day.instructions, day.rules))))


def month_end_step(day: Day, netted: Netted, work: Work) -> None:
    """3.7-3.8: at a month's end, the risk-based fund contributions and each member's bill."""
    month = day.instructions.month_end
    if month is None:
        return
    with UnitOfWork(day.store) as step:
        settled_value, clearing_fees, fines = _month_totals(step, work.days, month)
        work.month = month_end(step, day.registry, month, settled_value, clearing_fees,
                               month_fees(step, day.registry, month, day.rules), fines,
                               day.rules)


class Step(NamedTuple):
    """A step of the day: its name, when it runs, and what it does."""

    name: str
    when: str
    run: Callable[[Day, Netted, Work], None]


STEPS: tuple[Step, ...] = (
    Step("the day's trades", "after T's close", record_trades),
    Step("morning collateral", "by 11:00, the call", morning_collateral),
    Step("loans due", "by 11:30", loans_due),
    Step("gross settlement", "12:30", gross_settlement),
    Step("pre-settlement matching", "its cut-offs, settled at 14:00", pre_settlement_matching),
    Step("net settlement", "13:30, 14:00, 15:15, 15:45", net_settlement),
    Step("remedies", "after round 2", remedies),
    Step("afternoon collateral", "by the day's end", afternoon_collateral),
    Step("repayments", "the day's end", repayments),
    Step("month end", "a month's last run", month_end_step),
)
"""The day's steps in the order of the timetable (clearing-spec.md 3.4)."""


def report(day: Day, netted: Netted, work: Work) -> DayReport:
    """What the day did, per the steps' work and the store after them."""
    store, run_date = day.store, day.run_date
    balances = {a: q for a, q in store.balances().items()
                if day.registry.member(a.owner) is not None}
    return DayReport(run_date, tuple(sorted({s.trade_date for s in netted.sides})),
                     netted.sides, netted.positions, netted.fees, tuple(work.settled),
                     tuple(work.pending), balances, work.collateral,
                     remembered(store, run_date), tuple(work.gross), work.month, work.psms,
                     _due_today(store, run_date, work.settled, work.positions_of),
                     open_loans(store), netted.answers)
