"""A day's remedies as the report shows them, recorded step by step (`state.OUTCOME`): each
step adds its share in its own commit, so a run resumed after a crash, or repeated, reports
the day as it first ran (decisions 58, 67)."""

from __future__ import annotations

import datetime as dt
from dataclasses import astuple

from siamex.clearing.default.declaration import recorded_default
from siamex.clearing.equities.fails import Remedy, RemedyEvent, RemedyOutcome
from siamex.clearing.foundations.state import (
    OUTCOME,
    DefaultRef,
    EventRow,
    Outcome,
)
from siamex.clearing.foundations.store import LedgerStore

__all__ = ["remember", "remembered"]


def remember(store: LedgerStore, run_date: dt.date, now: RemedyOutcome) -> None:
    """Add what a step did to the day's record, in the step's own commit: a run repeated, or
    resumed after a crash, finds the steps done and decides nothing, yet reports the day as it
    first ran (decisions 58, 67). An event a step repeats is recorded once; a fine is new
    whenever a step gives one, since only the commit that cures a fail fines it."""
    day = OUTCOME.get(store, run_date) or Outcome()
    events = [EventRow(*astuple(e)) for e in now.events]
    defaults = [DefaultRef(d.member, d.day, d.ref) for d in now.defaults]
    OUTCOME.put(store, Outcome(
        [*day.events, *(e for e in events if e not in day.events)],
        [*day.fines, *now.fines],
        [*day.defaults, *(d for d in defaults if d not in day.defaults)],
        [*day.payment_fails, *(p for p in now.payment_fails if p not in day.payment_fails)]),
        run_date)


def remembered(store: LedgerStore, run_date: dt.date) -> RemedyOutcome:
    """The day's remedies, fines, defaults and payment fails, as recorded step by step."""
    record = OUTCOME.get(store, run_date) or Outcome()
    reports = [recorded_default(store, d.member, d.day, d.ref) for d in record.defaults]
    return RemedyOutcome(
        tuple(RemedyEvent(e.day, Remedy(e.kind), e.member, e.security, e.qty, e.amount,
                          e.detail) for e in record.events),
        tuple(record.fines),
        tuple(report for report in reports if report is not None),
        tuple(record.payment_fails))
