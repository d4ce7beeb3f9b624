"""The records TFEX collateral keeps in the store beside its postings: the day's withdrawals,
the margin calls debited, and the requests refused (clearing-spec.md 4.8).

Kept as `foundations.state` keeps every record (a msgspec schema and the one function that
names it), in a module of derivatives collateral's own, under names of its own
("derivatives-collateral:..."), so nothing of equities' risk collateral is read or written.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from siamex.clearing.derivatives.runs import Run
from siamex.clearing.foundations.keys import key
from siamex.clearing.foundations.state import Document, Record, Row

__all__ = [
    "CALLS",
    "NAMESPACE",
    "REFUSED",
    "WITHDRAWALS",
    "CallDebit",
    "CollateralAnswer",
    "CollateralOp",
    "Withdrawal",
    "request_id",
]

NAMESPACE = "derivatives-collateral"  # the first component of every key and record name here


class CollateralOp(StrEnum):
    """What a member asks of its TFEX collateral (4.8)."""

    DEPOSIT = "deposit"
    WITHDRAW = "withdraw"
    EXCHANGE = "exchange"


class Withdrawal(Row, frozen=True):
    """A withdrawal accepted against the excess, credited to the member at `credit_at`;
    `quantity` in the asset's unit (satang, hundredths of a currency, shares, bond units)."""

    member: str
    ref: str
    asset: str
    quantity: int
    requested_at: dt.datetime
    credit_at: dt.datetime
    paid: bool


class CallDebit(Record, frozen=True):
    """A margin call at its settlement time and what TCH took from the member's settlement
    bank for it, in satang; recorded with the debit so a rerun returns the same call."""

    member: str
    day: dt.date
    run: Run
    at: dt.datetime
    amount: int
    debited: int

    @property
    def unmet(self) -> int:
        """What the member did not pay: the day's default handling takes it from here (decision
        136)."""
        return self.amount - self.debited


class CollateralAnswer(Row, frozen=True):
    """TCH's answer to one request: accepted with the time it takes effect (a withdrawal's
    credit time, else the request's own), or refused with its code and sentence."""

    ref: str
    member: str
    op: CollateralOp
    accepted: bool
    credit_at: dt.datetime | None = None
    code: str = ""
    message: str = ""


def request_id(member: str, ref: str) -> str:
    """A member's request of a day, by this name in `REFUSED`."""
    return key(member, ref)


def _withdrawals(day: dt.date) -> str:
    return key(NAMESPACE, day, "withdrawals")


def _call(day: dt.date, member: str, run: Run) -> str:
    return key(NAMESPACE, day, member, "call", run.value)


def _refused(day: dt.date) -> str:
    return key(NAMESPACE, day, "refused")


WITHDRAWALS = Document[list[Withdrawal], [dt.date]](list[Withdrawal], _withdrawals)
"""Every member's withdrawals accepted on a day, in the order accepted."""
CALLS = Document[CallDebit, [dt.date, str, Run]](CallDebit, _call)
"""A member's margin call of a run, settled on a day, and its debit."""
REFUSED = Document[dict[str, CollateralAnswer], [dt.date]](dict[str, CollateralAnswer], _refused)
"""The day's requests refused, by `request_id`: refused once and for all, so a rerun of the
day answers them the same (decision 132)."""
