"""A month of each member's derivatives activity, read from the clearing store, for the
clearing fund contribution (clearing-spec.md 4.9): the end-of-day margin requirement and the
contracts cleared on every day cleared in the month."""

from __future__ import annotations

import datetime as dt

from siamex.clearing.derivatives.fund_contribution import MemberActivity
from siamex.clearing.derivatives.runs import Run
from siamex.clearing.foundations.state import (
    DERIVATIVES_DAYS,
    DERIVATIVES_FILLS,
    DERIVATIVES_MARGIN,
)
from siamex.clearing.foundations.store import LedgerStore

__all__ = ["month_activity"]


def month_activity(store: LedgerStore, month: dt.date) -> dict[str, MemberActivity]:
    """Each member's end-of-day requirement and contracts (bought plus sold, as booked now)
    per day of `month` the store has cleared."""
    requirements: dict[str, dict[dt.date, int]] = {}
    contracts: dict[str, dict[dt.date, int]] = {}
    for day in DERIVATIVES_DAYS.get(store) or []:
        if (day.year, day.month) != (month.year, month.month):
            continue
        run = DERIVATIVES_MARGIN.get(store, day, Run.EOD.value)
        for row in [] if run is None else run.rows:
            days = requirements.setdefault(row.member, {})
            days[day] = days.get(day, 0) + row.total
        for fill in DERIVATIVES_FILLS.get(store, day) or []:
            days = contracts.setdefault(fill.member, {})
            days[day] = days.get(day, 0) + fill.qty
    return {member: MemberActivity(requirements.get(member, {}), contracts.get(member, {}))
            for member in sorted(set(requirements) | set(contracts))}
