"""A month's end at TCH: the risk-based Clearing Fund contributions and each member's bill.

clearing-spec.md 3.7-3.8. Members pay an initial contribution and a variable, risk-based one
[S002]; the amounts are not published, so the variable one follows the historical anchor
[W-6]: a share of the net settlement value the member settled in the month (0.008%, or 0.012%
and 0.016% for riskier members), by the member's `risk_tier` in the member file. The bill adds
up what the month charged: the monthly membership fee, the clearing fees of the month's
trades, the PSMS items and the fines; like the fees, it is reported for billing, not posted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from siamex.clearing.billing.fees import monthly_fee
from siamex.clearing.default.fund import contribute, contribution_key
from siamex.clearing.foundations.accounts import house_cash
from siamex.clearing.foundations.members import MemberRegistry
from siamex.clearing.foundations.money import percent_of
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.store import LedgerStore

__all__ = ["Bill", "MonthEnd", "month_end"]


@dataclass(frozen=True, slots=True)
class Bill:
    """One member's charges of a month, in satang."""

    member: str
    month: str
    membership: int
    clearing: int
    psms: int
    fines: int

    @property
    def total(self) -> int:
        return self.membership + self.clearing + self.psms + self.fines


@dataclass(frozen=True)
class MonthEnd:
    """The month's variable contributions (posted, or unpaid for want of cash) and bills."""

    month: str
    settled_value: Mapping[str, int]
    contributions: Mapping[str, int]
    unpaid: Mapping[str, int]
    bills: tuple[Bill, ...]


def _month_day(month: str) -> dt.date:
    """The month's last calendar day: the date of its contributions whatever day closes it,
    so that closing a month twice posts them once."""
    first = dt.date.fromisoformat(f"{month}-01")
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _contribute(store: LedgerStore, member: str, amount: int, month: str,
                rules: ClearingRules) -> bool:
    """Post a variable contribution; False when the member's cash does not cover it (3.6: a
    contribution not paid is a default event, reported)."""
    day = _month_day(month)
    done = store.posted(contribution_key(member, day, f"variable:{month}")) is not None
    if not done and store.balances().get(house_cash(member, rules), 0) < amount:
        return False
    contribute(store, member, amount, day, f"variable:{month}", rules)
    return True


def month_end(store: LedgerStore, registry: MemberRegistry, month: str,
              settled_value: Mapping[str, int], clearing_fees: Mapping[str, int],
              psms_fees: Mapping[str, int], fines: Mapping[str, int],
              rules: ClearingRules = DEFAULT_CLEARING_RULES) -> MonthEnd:
    """Post the month's variable contributions (dated the month's last day) and bill every
    member.

    `settled_value` is each member's net settlement value settled in the month (the sum of
    its net cash obligations' absolute values), `clearing_fees`, `psms_fees` and `fines` what
    the month charged it.
    """
    contributions, unpaid = {}, {}
    for member in registry.clearing_members:
        record = registry.member(member)
        assert record is not None
        if not record.clearing_fund:
            continue
        tiers = rules.fund_variable_pct
        # 3.7 [W-6]: a share of the month's net settlement value, by the member's risk
        amount = percent_of(settled_value.get(member, 0),
                            tiers[min(record.risk_tier, len(tiers)) - 1])
        if amount <= 0:
            continue
        if _contribute(store, member, amount, month, rules):
            contributions[member] = amount
        else:
            unpaid[member] = amount
    bills = tuple(
        Bill(m.member_id, month, monthly_fee(m.type, rules), clearing_fees.get(m.member_id, 0),
             psms_fees.get(m.member_id, 0), fines.get(m.member_id, 0))
        for m in sorted(registry.members, key=lambda m: m.member_id))
    return MonthEnd(month, dict(settled_value), contributions, unpaid, bills)
