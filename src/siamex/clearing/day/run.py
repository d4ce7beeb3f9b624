"""One clearing day, end to end: trades in, novated and netted, opening holdings issued
(`holdings`), every settlement date due on the run's date settled, the day's other steps run,
and a structured report out.

Why it is shaped this way: the store is the only state between runs. A run keeps each trade
date's net obligations and settlement prices (`equities.trade_dates`), so that a later run
against the same store settles a date whose trades it never read; it marks a settled date with
the run date that settled it (`state.SETTLED`), and settlement itself posts under idempotent
keys, so nothing moves twice.

The day is the steps of `steps.STEPS`, in the order of the timetable, each one commit
(decision 69) of its postings, its records and its share of the day's report (`outcome`): a
crash leaves each step done or not begun, and a rerun of the day runs the steps not done and
reports the day as an uninterrupted run would have (decisions 58, 67).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from siamex.clearing.day.instructions import NO_INSTRUCTIONS, DayInstructions
from siamex.clearing.day.steps import STEPS, Day, Work, net_trades, report
from siamex.clearing.equities.holdings import Holding
from siamex.clearing.equities.trades import TradeBatch
from siamex.clearing.foundations.members import MemberRegistry
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.store import LedgerStore
from siamex.clearing.reports.day_report import DayReport
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.calendar import OutsideCalendar, is_trading_day

__all__ = ["clear_day"]


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
    day = Day(registry, batch, tuple(holdings), store, _run_date(batch, on), rules,
              instructions or NO_INSTRUCTIONS, instructions is not None)
    netted = net_trades(day)
    work = Work()
    for step in STEPS:
        step.run(day, netted, work)
    return report(day, netted, work)
