"""One clearing day, end to end: trades in, novated and netted, opening holdings issued
(`holdings`), every settlement date due on the run's date settled, the day's other steps run,
and a structured report out.

Why it is shaped this way: the store is the only state between runs. A run keeps each trade
date's net obligations and settlement prices in a document (`clearing:day:{T}`, listed in
`clearing:days`), so that a later run against the same store settles a date whose trades it
never read; it marks a settled date with the run date that settled it (`clearing:settled:{SD}`),
and settlement itself posts under idempotent keys, so nothing moves twice.

Each step of the day commits once (decision 69), its postings with every document it changes
and its share of the day's report (`clearing:outcome:{day}`), in a `UnitOfWork`: a crash
leaves each step done or not begun, and a rerun of the day runs the steps not done and reports
the day as an uninterrupted run would have (decisions 58, 67).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import astuple, dataclass, replace

import msgspec

from siamex.clearing.billing.fees import clearing_fee
from siamex.clearing.billing.month_end import month_end
from siamex.clearing.day.collateral import CollateralSteps, check_contributions, check_quotes
from siamex.clearing.day.instructions import NO_INSTRUCTIONS, DayInstructions
from siamex.clearing.default.declaration import (
    RepaymentRefused,
    declared_defaults,
    recorded_default,
    repay_default,
)
from siamex.clearing.equities.book_changes import BookChange, apply_change, concerned
from siamex.clearing.equities.dvp import is_settled
from siamex.clearing.equities.fails import (
    PaymentShortfall,
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
    gross_items,
    item_from_row,
    item_row,
    settle_gross,
)
from siamex.clearing.equities.holdings import Holding, arriving, issue_opening
from siamex.clearing.equities.netting import (
    CashObligation,
    NetPositions,
    SecuritiesObligation,
    net,
)
from siamex.clearing.equities.novation import Leg, NovationBook, SettlementMode, Side, novate
from siamex.clearing.equities.obligations import Obligation, obligations
from siamex.clearing.equities.psms_day import month_fees, psms_day
from siamex.clearing.equities.remedies import FineEvent
from siamex.clearing.equities.settlement import (
    settle_date,
)
from siamex.clearing.equities.trades import TradeBatch
from siamex.clearing.foundations.members import AccountType, MemberRegistry
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import (
    FEES,
    GROSS,
    GROSS_DATES,
    GROSS_OF,
    OUTCOME,
    SETTLED,
    TRADE_DATE,
    TRADE_DATES,
    CashRow,
    DefaultRef,
    EventRow,
    FineEventRow,
    GrossRef,
    Outcome,
    PositionRow,
    ShortfallRow,
    TradeDate,
    ValueRow,
)
from siamex.clearing.foundations.store import LedgerStore
from siamex.clearing.foundations.unit_of_work import UnitOfWork
from siamex.clearing.reports.day_report import (
    BookAnswer,
    DayReport,
    OrderFee,
    SettledDate,
    TradeSide,
)
from siamex.clearing.risk.exposures import Exposure
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.calendar import OutsideCalendar, is_trading_day
from siamex.units import wall_clock

__all__ = ["clear_day"]

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


def _values(legs: Iterable[Leg]) -> dict[tuple[str, str, str, dt.date], int]:
    """Each member's signed trade value per account type, security and settlement date in the
    net: what the early-warning measure compares with today's prices (3.5 CE)."""
    values: dict[tuple[str, str, str, dt.date], int] = {}
    for leg in legs:
        if leg.mode is SettlementMode.NET:
            key = (leg.member, leg.account_type.value, leg.security, leg.settlement_date)
            values[key] = values.get(key, 0) + (leg.value if leg.side is Side.BUY else -leg.value)
    return values


def _fees(sides: Iterable[TradeSide], rules: ClearingRules) -> list[OrderFee]:
    """3.8: the fee is per order and member side, on all the order's fills (a trade without an
    order id counts as its own order)."""
    values: dict[tuple[str, str, str, str], int] = {}
    for s in sides:
        key = (s.member, s.side, s.trading_member, s.order_id)
        values[key] = values.get(key, 0) + s.value
    return [OrderFee(*key, value, clearing_fee(value, rules))
            for key, value in sorted(values.items())]


def _trade_date(positions: NetPositions, sd: dt.date, prices: Mapping[str, int],
                values: Mapping[tuple[str, str, str, dt.date], int]) -> TradeDate:
    return TradeDate(
        sd,
        [ValueRow(m, AccountType(t), k, v) for (m, t, k, d), v in sorted(values.items())
         if d == sd],
        [PositionRow(s.member, s.account_type, s.security, s.net_qty)
         for s in positions.securities if s.settlement_date == sd],
        [CashRow(c.member, c.account_type, c.net_amount)
         for c in positions.cash if c.settlement_date == sd],
        dict(sorted(prices.items())))


def _positions(record: TradeDate) -> NetPositions:
    sd = record.settlement_date
    return NetPositions(
        tuple(SecuritiesObligation(s.member, s.account_type, s.security, sd, s.net_qty)
              for s in record.securities),
        tuple(CashObligation(c.member, sd, c.net_amount, c.account_type) for c in record.cash),
        ())


def _exposures(record: TradeDate) -> list[Exposure]:
    """A trade date's pending positions with their trade values, for the risk measures."""
    rows: dict[tuple[str, str, str], list[int]] = {}
    for s in record.securities:
        rows.setdefault((s.member, s.account_type.value, s.security), [0, 0])[0] = s.net_qty
    for v in record.values:
        rows.setdefault((v.member, v.account_type.value, v.security), [0, 0])[1] = v.value
    return [Exposure(m, t, k, q, v) for (m, t, k), (q, v) in sorted(rows.items())]


@dataclass(frozen=True)
class _StoredDay:
    """A trade date as stored: its obligations and last prices, and the record its exposures
    are read from."""

    trade_date: dt.date
    settlement_date: dt.date
    positions: NetPositions
    prices: dict[str, int]
    record: TradeDate


def _stored(store: LedgerStore) -> list[_StoredDay]:
    """Every stored trade date, in order, read once for the run's steps."""
    days = []
    for day in TRADE_DATES.get(store) or []:
        record = TRADE_DATE.get(store, day)
        assert record is not None  # written with the list
        days.append(_StoredDay(day, record.settlement_date, _positions(record),
                               record.prices, record))
    return days


def _trade_dates(batch: TradeBatch, legs: Iterable[Leg], positions: NetPositions,
                 values: Mapping[tuple[str, str, str, dt.date], int]
                 ) -> dict[dt.date, TradeDate]:
    """Each trade date's obligations, prices and trade values, as stored."""
    prices: dict[dt.date, dict[str, int]] = {}
    for leg in legs:  # a security's last traded price of the day, on each leg's board
        prices.setdefault(leg.trade_date, {})[leg.security] = leg.price
    return {day: _trade_date(positions, batch.settlement_dates[i], prices[day], values)
            for i, day in enumerate(batch.dates) if day in prices}


def _check_days(store: LedgerStore, batch: TradeBatch,
                documents: Mapping[dt.date, TradeDate]) -> None:
    """Refuse to change the obligations of a trade date whose settlement date has settled."""
    for day, record in documents.items():
        old = TRADE_DATE.get(store, day)
        sd = batch.settlement_dates[batch.dates.index(day)]
        if old not in (None, record) and SETTLED.exists(store, sd):
            raise SiamexError(ErrorCode.CLEARING_STATE,
                              f"the trades of {day} differ from those cleared before, and their "
                              f"settlement date {sd} has settled")


def _record_days(store: LedgerStore, documents: Mapping[dt.date, TradeDate]) -> None:
    """Keep each trade date's obligations (checked by `_check_days`)."""
    for day, record in documents.items():
        TRADE_DATE.put(store, record, day)
    TRADE_DATES.put(store, sorted(set(TRADE_DATES.get(store) or []) | set(documents)))


def _due(days: Iterable[_StoredDay]) -> dict[dt.date, tuple[list[NetPositions],
                                                          dict[str, int]]]:
    """Every stored settlement date with its trade dates' obligations and prices."""
    due: dict[dt.date, tuple[list[NetPositions], dict[str, int]]] = {}
    for day in days:
        parts, merged = due.setdefault(day.settlement_date, ([], {}))
        parts.append(day.positions)
        merged.update(day.prices)  # days are listed in order: the latest trade date's price wins
    return due


def _combined(parts: list[NetPositions]) -> NetPositions:
    """Add the obligations of several trade dates that settle on one date."""
    securities: dict[tuple[str, AccountType, str, dt.date], int] = {}
    cash: dict[tuple[str, dt.date, AccountType | None], int] = {}
    for p in parts:
        for s in p.securities:
            key = (s.member, s.account_type, s.security, s.settlement_date)
            securities[key] = securities.get(key, 0) + s.net_qty
        for c in p.cash:
            ckey = (c.member, c.settlement_date, c.account_type)
            cash[ckey] = cash.get(ckey, 0) + c.net_amount
    return NetPositions(
        tuple(sorted((SecuritiesObligation(*k, q) for k, q in securities.items() if q),
                     key=lambda s: (s.member, s.account_type.value, s.security))),
        tuple(sorted((CashObligation(m, d, v, t) for (m, d, t), v in cash.items() if v),
                     key=lambda c: (c.member, "" if c.account_type is None
                                    else c.account_type.value))),
        ())


def _run_date(batch: TradeBatch, on: dt.date | None) -> dt.date:
    traded = [day for i, day in enumerate(batch.dates) if (batch.trade_date == i).any()]
    if on is None:
        if not traded:
            raise SiamexError(ErrorCode.TRADE_FILE, "no trades, and no run date given")
        return max(batch.settlement_dates[batch.dates.index(day)] for day in traded)
    try:
        trading = is_trading_day(on)
    except OutsideCalendar as exc:
        raise SiamexError(ErrorCode.NOT_TRADING_DAY, str(exc)) from None
    if not trading:
        raise SiamexError(ErrorCode.NOT_TRADING_DAY, f"{on} is not an SET trading day")
    if traded and on < max(traded):
        raise SiamexError(ErrorCode.TRADE_FILE, f"the trades are dated after the run date {on}")
    return on


def _pending(store: LedgerStore, days: Iterable[_StoredDay],
             run_date: dt.date) -> tuple[list[Exposure], dict[str, list[int]]]:
    """What is pending at the start of the run date: the obligations of earlier trade dates
    whose settlement date has not settled, with each member's net cash per date (3.5)."""
    exposures: list[Exposure] = []
    cash: dict[str, list[int]] = {}
    for day in days:
        if day.trade_date >= run_date or day.settlement_date < run_date:
            continue
        settled_on = SETTLED.get(store, day.settlement_date)
        if settled_on is not None and settled_on < run_date:
            continue  # a run repeated measures what was pending when it first ran
        exposures += _exposures(day.record)
        for c in day.positions.cash:
            cash.setdefault(c.member, []).append(c.net_amount)
    return exposures, cash


def _latest_prices(days: Iterable[_StoredDay], before: dt.date | None = None) -> dict[str, int]:
    """Each security's last traded price over the stored trade dates (those before `before`
    if given), the latest winning."""
    prices: dict[str, int] = {}
    for day in days:
        if before is None or day.trade_date < before:
            prices.update(day.prices)
    return prices


def _close(days: list[_StoredDay], run_date: dt.date, instructions: DayInstructions,
           sd: dt.date, security: str) -> int:
    """A security's close on a settlement date: the day instructions' `prices` when the
    date is the run date and they give one, else the last price traded on or before the date
    in the stored trade files (decisions C5, 77)."""
    if sd == run_date and security in instructions.prices:
        return instructions.prices[security]
    return next(day.prices[security] for day in reversed(days)
                if day.trade_date <= sd and security in day.prices)


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


def _check(instructions: DayInstructions, run_date: dt.date) -> None:
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


def _gross_of(store: LedgerStore, day: dt.date) -> list[tuple[dt.date, str]]:
    """The gross trades a trade date recorded, as (settlement date, trade id)."""
    return [(ref.settlement_date, ref.trade_id) for ref in GROSS_OF.get(store, day) or []]


def _gross_by_trade_date(batch: TradeBatch,
                         items: Iterable[GrossItem]) -> dict[dt.date, list[GrossItem]]:
    dates = {trade.trade_id: trade.trade_date for trade in batch}
    by_date: dict[dt.date, list[GrossItem]] = {day: [] for day in dates.values()}
    for item in items:
        by_date[dates[item.trade_id]].append(item)
    return by_date


def _check_gross(store: LedgerStore, by_date: Mapping[dt.date, list[GrossItem]]) -> None:
    """Refuse to take back or change a gross trade whose date has settled gross."""
    for day, items in by_date.items():
        new = {(item.settlement_date, item.trade_id) for item in items}
        for sd, trade_id in set(_gross_of(store, day)) ^ new:
            if is_settled(store, "gross", sd):
                raise SiamexError(ErrorCode.CLEARING_STATE,
                                  f"gross trade {trade_id} of {day} settled on {sd}: the trades "
                                  "of that date cannot change it now")


def _record_gross(store: LedgerStore, by_date: Mapping[dt.date, list[GrossItem]]) -> None:
    """Keep each trade date's gross trades under their chosen settlement dates, replacing what
    the date recorded before: a trade file given again with other book changes is the day."""
    touched: set[dt.date] = set()
    for day, items in by_date.items():
        for sd, trade_id in _gross_of(store, day):
            rows = [r for r in GROSS.get(store, sd) or [] if r.trade_id != trade_id]
            GROSS.put(store, rows, sd)
        for item in items:
            rows = [r for r in GROSS.get(store, item.settlement_date) or []
                    if r.trade_id != item.trade_id]
            rows.append(item_row(item))
            GROSS.put(store, sorted(rows, key=lambda r: r.trade_id), item.settlement_date)
            touched.add(item.settlement_date)
        GROSS_OF.put(store, [GrossRef(item.settlement_date, item.trade_id) for item in items],
                     day)
    GROSS_DATES.put(store, sorted(set(GROSS_DATES.get(store) or []) | touched))


def _settle_gross(store: LedgerStore, run_date: dt.date,
                  rules: ClearingRules) -> list[GrossResult]:
    """Settle every stored gross date up to the run date at its 12:30 cut-off (3.4)."""
    results = []
    for sd in GROSS_DATES.get(store) or []:
        if sd <= run_date:
            items = [item_from_row(r) for r in GROSS.get(store, sd) or []]
            results.append(settle_gross(store, items, sd, wall_clock(sd, rules.gross_cutoff_sd),
                                        rules))
    return results


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


def _month_totals(store: LedgerStore, days: Iterable[_StoredDay],
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


def _read_outcome(store: LedgerStore, day: dt.date) -> RemedyOutcome:
    """The day's remedies as recorded so far (the defaults as their references)."""
    record = OUTCOME.get(store, day) or Outcome()
    return RemedyOutcome(
        tuple(RemedyEvent(e.day, Remedy(e.kind), e.member, e.security, e.qty, e.amount,
                          e.detail) for e in record.events),
        tuple(FineEvent(*msgspec.structs.astuple(f)) for f in record.fines),
        (),
        tuple(PaymentShortfall(*msgspec.structs.astuple(p)) for p in record.payment_fails))


def _remember(store: LedgerStore, run_date: dt.date, now: RemedyOutcome) -> None:
    """Add what a step did to the day's record, in the step's own commit: a run repeated, or
    resumed after a crash, finds the steps done and decides nothing, yet reports the day as it
    first ran (decisions 58, 67). An event a step repeats is recorded once; a fine is new
    whenever a step gives one, since only the commit that cures a fail fines it."""
    day = OUTCOME.get(store, run_date) or Outcome()
    events = [EventRow(*astuple(e)) for e in now.events]
    defaults = [DefaultRef(d.member, d.day, d.ref) for d in now.defaults]
    shortfalls = [ShortfallRow(*astuple(p)) for p in now.payment_fails]
    OUTCOME.put(store, Outcome(
        [*day.events, *(e for e in events if e not in day.events)],
        [*day.fines, *(FineEventRow(*astuple(f)) for f in now.fines)],
        [*day.defaults, *(d for d in defaults if d not in day.defaults)],
        [*day.payment_fails, *(p for p in shortfalls if p not in day.payment_fails)]),
        run_date)


def _remembered(store: LedgerStore, run_date: dt.date) -> RemedyOutcome:
    """The day's remedies, fines, defaults and payment fails, as recorded step by step."""
    day = _read_outcome(store, run_date)
    refs = (OUTCOME.get(store, run_date) or Outcome()).defaults
    reports = [recorded_default(store, d.member, d.day, d.ref) for d in refs]
    return replace(day, defaults=tuple(report for report in reports if report is not None))


def clear_day(registry: MemberRegistry, batch: TradeBatch, holdings: Iterable[Holding],
              store: LedgerStore, on: dt.date | None = None,
              rules: ClearingRules = DEFAULT_CLEARING_RULES,
              instructions: DayInstructions | None = None) -> DayReport:
    """Clear a trade file and run the clearing day `on` (default: the trades' T+2).

    In the timetable's order: the day's book changes and netting, the fund and risk-collateral
    steps with the 11:00 call, loans due, settlement of every date due (every stored one up to
    `on` not settled yet, and those of this file's trades; a date settled by an earlier day's
    run is reported `already_settled`, its results read back unchanged), then the fails'
    remedies and the repayments. Whatever refuses the run is refused before the first
    posting; one request the rules refuse (a book change, a collateral or PSMS request) is
    answered alone in the report, and the day goes on (decision 79). Each step is one
    commit, so a run resumed after a crash ends as an uninterrupted one; a run repeated
    reports the day as it first ran (decisions 58, 67).

    The fund and risk-collateral steps run only with day instructions (`instructions` given,
    even empty): the measures need the day's market data and the fund's resources, and a run
    of trades alone clears and settles them, its report saying the measures were not taken.
    """
    run_date = _run_date(batch, on)
    measured = instructions is not None
    instructions = instructions or NO_INSTRUCTIONS
    _check(instructions, run_date)
    book = novate(batch, rules)
    answers = tuple(_answer(book, change) for change in instructions.book)
    positions = net(book)
    legs = book.legs()
    sides = _sides(legs, batch)
    fees = _fees(sides, rules)
    own_dates = {s.settlement_date for s in sides}
    documents = _trade_dates(batch, legs, positions, _values(legs))
    gross = _gross_by_trade_date(batch, gross_items(book))
    holdings = list(holdings)
    _check_days(store, batch, documents)
    _check_gross(store, gross)
    if measured:
        check_contributions(store, run_date, instructions, arriving(store, holdings))
        check_quotes(store, instructions)
    with UnitOfWork(store) as step:  # the day's trades, and the holdings the first day brings
        issue_opening(step, holdings, min((s.trade_date for s in sides), default=run_date))
        _record_days(step, documents)
        _record_gross(step, gross)
        _record_fees(step, fees, sides)
    days = _stored(store)
    prices = {**_latest_prices(days), **instructions.prices}
    exposures, net_cash = _pending(store, days, run_date)
    steps = CollateralSteps(store, registry, run_date, instructions, rules) if measured else None
    if steps is not None:  # measured at the start of the day: the day's trades come later
        steps.morning(exposures, net_cash,
                      {**_latest_prices(days, before=run_date), **instructions.prices})
    due = _due(days)

    def positions_of(sd: dt.date) -> NetPositions:
        return _combined(due[sd][0])

    def price_of(security: str) -> int:
        return prices[security]

    def close_of(sd: dt.date, security: str) -> int:
        return _close(days, run_date, instructions, sd, security)

    with UnitOfWork(store) as step:
        _remember(step, run_date, before_settlement(
            step, run_date, instructions.remedies, positions_of,
                                                    price_of, rules))
    settled_gross = _settle_gross(store, run_date, rules)
    psms = psms_day(store, registry, run_date, instructions.psms, rules)
    settled, pending, newly = [], [], []
    for sd, (parts, sd_prices) in sorted(due.items()):
        if sd > run_date:
            pending.append(sd)
            continue
        settled_on = SETTLED.get(store, sd)
        # decision 67: a date this run date settled is reported as settled now, every time
        earlier = settled_on is not None and settled_on != run_date
        if earlier and sd not in own_dates:
            continue  # settled by an earlier day's run: not this day's to report
        combined = _combined(parts)
        rounds = settle_date(store, combined, sd, sd_prices, rules)
        if settled_on is None:
            newly.append((sd, rounds[1]))
        settled.append(SettledDate(sd, earlier, combined, rounds))
    with UnitOfWork(store) as step:
        _remember(step, run_date, after_settlement(step, run_date, instructions.remedies, newly,
                                                   positions_of, price_of,
                                                   lambda sd: due[sd][1], close_of, rules))
        for sd, _ in newly:
            SETTLED.put(step, run_date, sd)
    collateral = None if steps is None else steps.afternoon()
    with UnitOfWork(store) as step:
        _remember(step, run_date, RemedyOutcome(tuple(_repay(step, run_date, instructions,
                                                              rules))))
    month = None
    if instructions.month_end is not None:
        with UnitOfWork(store) as step:
            settled_value, clearing_fees, fines = _month_totals(step, days,
                                                                instructions.month_end)
            month = month_end(step, registry, instructions.month_end, settled_value,
                              clearing_fees, month_fees(step, registry, instructions.month_end,
                                                        rules), fines, rules)
    balances = {a: q for a, q in store.balances().items() if registry.member(a.owner) is not None}
    return DayReport(run_date, tuple(sorted({s.trade_date for s in sides})), tuple(sides),
                     positions, tuple(fees), tuple(settled), tuple(pending),
                     balances, collateral, _remembered(store, run_date), tuple(settled_gross),
                     month, psms, _due_today(store, run_date, settled, positions_of),
                     open_loans(store), answers)
