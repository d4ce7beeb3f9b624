"""Each member's net obligations of a settlement date, due against done by a run date.

What a clearing operator works from on a settlement day: every obligation due (a member's
net delivery or receipt of a security per account type, its net payment or receipt of cash),
what was done about it, and where it stands. Why it is read back from the store rather than
kept by the run: settlement and the remedies post under keys that name the date, step and
account (settlement.py, remedies.py), and the fails' states are recorded (`fails.py`), so a
run repeated or resumed after a crash reads the same answer (decision 67). Postings and
cures after the run date are left out: a day's report says where things stood that day.

Statuses (decision 78):

| direction | status | meaning |
|---|---|---|
| deliver | settled | delivered in round 1 or 2 |
| deliver | failed | a delivery fail still open: it waits for a loan or the buy-in |
| deliver | covered, bought_in | TCH delivered it with a loan, or bought the shares in (3.6) |
| deliver | cash_in_lieu | the buy-in found no seller; the receivers were paid cash instead |
| receive | settled | credited in full, in the rounds or by a remedy |
| receive | waiting | shares still owed: a loan, the buy-in, or the member's own payment (DvP) |
| receive | cash_in_lieu | paid cash for the shares not delivered |
| pay | settled | paid in round 1 or 2 |
| pay | paid_after_default | paid after round 2 with the default waterfall's money (3.6) |
| pay | failed | still unpaid |
| collect | settled | paid out in full |
| collect | withheld | kept at TCH while the member's own delivery fail is open (3.6) |
| collect | applied | withheld for the member's fail, since cured: spent on its remedy |
| collect | waiting | not paid out yet: a payer of the date has not paid |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from siamex.clearing.equities.netting import NetPositions
from siamex.clearing.equities.remedies import in_lieu_shares
from siamex.clearing.equities.settlement import DEFAULT_ROUND
from siamex.clearing.foundations.accounts import cash_account, holdings_account
from siamex.clearing.foundations.keys import parts, prefix
from siamex.clearing.foundations.ledger import TCH, THB, Account
from siamex.clearing.foundations.members import AccountType
from siamex.clearing.foundations.state import fail_id
from siamex.clearing.foundations.store import LedgerStore

__all__ = ["MET", "Obligation", "obligations"]

MET = frozenset({"settled", "covered", "bought_in", "cash_in_lieu", "paid_after_default",
                 "applied"})
_CURED = {"covered": "covered", "bought_in": "bought_in", "in_lieu": "cash_in_lieu"}


@dataclass(frozen=True, slots=True)
class Obligation:
    """One net obligation and how far it was met: shares, or satang for THB."""

    member: str
    settlement_date: dt.date
    account_type: AccountType | None
    asset: str
    direction: str  # deliver, receive (securities); pay, collect (cash)
    due: int
    done: int
    status: str

    @property
    def met(self) -> bool:
        """Whether nothing more is owed on it (settled, or made good by a remedy)."""
        return self.status in MET


class _Done:
    """What settlement and the remedies moved for one settlement date, per member account."""

    def __init__(self, store: LedgerStore, sd: dt.date, day: dt.date) -> None:
        self.settled: dict[tuple[str, Account], int] = {}
        self.after_default: dict[Account, int] = {}
        for posting, account, amount in store.keyed_legs(prefix("settle", sd), TCH):
            _, _, round_part, kind = parts(posting)[:4]
            self.settled[kind, account] = self.settled.get((kind, account), 0) + abs(amount)
            if kind == "pay" and round_part == f"r{DEFAULT_ROUND}":
                self.after_default[account] = self.after_default.get(account, 0) + abs(amount)
        self.credited: dict[Account, int] = {}
        for tx in store.keyed(prefix("remedy", sd, "credit")):
            if tx.business_date <= day:
                for account, amount in tx.legs:
                    if account.owner != TCH:
                        self.credited[account] = self.credited.get(account, 0) + amount

    def total(self, kind: str, account: Account) -> int:
        return self.settled.get((kind, account), 0)


def _in_lieu(store: LedgerStore, sd: dt.date, security: str,
             states: Mapping[str, str]) -> dict[Account, int]:
    """The shares each receiver was paid cash in lieu of by the end of the day: those of the
    fails cured in lieu by then."""
    totals: dict[Account, int] = {}
    for fid, allocation in in_lieu_shares(store, sd, security).items():
        if states.get(fid) == "in_lieu":
            for account, qty in allocation.items():
                totals[account] = totals.get(account, 0) + qty
    return totals


def obligations(store: LedgerStore, positions: NetPositions, sd: dt.date, day: dt.date,
                states: Mapping[str, str]) -> list[Obligation]:
    """Every net obligation of `sd` in `positions`, due against done at the end of `day`;
    `states` are the fails' states then (`fails.fail_states`). Securities first, by member,
    account type and security; then cash, by member."""
    done = _Done(store, sd, day)
    rows: list[Obligation] = []
    failed: dict[str, bool] = {}  # member -> whether a delivery fail of the date is open
    lieu: dict[str, dict[Account, int]] = {}
    for s in sorted(positions.securities, key=lambda s: (s.member, s.account_type.value,
                                                         s.security)):
        if s.settlement_date != sd or not s.net_qty:
            continue
        account = holdings_account(s.member, s.account_type, s.security)
        if s.net_qty < 0:
            due, delivered = -s.net_qty, done.total("deliver", account)
            status = "settled"
            if delivered < due:
                state = states.get(fail_id(sd, s.member, s.account_type, s.security), "open")
                status = _CURED.get(state, "failed")
                failed[s.member] = failed.get(s.member, False) or status == "failed"
            covered = status in ("covered", "bought_in")  # TCH received the shares (3.6)
            rows.append(Obligation(s.member, sd, s.account_type, s.security, "deliver", due,
                                   due if covered else delivered, status))
            continue
        credited = done.total("credit", account) + done.credited.get(account, 0)
        paid_for = lieu.setdefault(s.security, _in_lieu(store, sd, s.security, states))
        status = ("settled" if credited >= s.net_qty
                  else "cash_in_lieu" if paid_for.get(account, 0)
                  and credited + paid_for[account] >= s.net_qty else "waiting")
        rows.append(Obligation(s.member, sd, s.account_type, s.security, "receive", s.net_qty,
                               credited, status))
    for c in sorted(positions.cash, key=lambda c: (c.member, "" if c.account_type is None
                                                   else c.account_type.value)):
        if c.settlement_date != sd or not c.net_amount:
            continue
        account = cash_account(c.member, c.account_type)
        if c.net_amount < 0:
            due, paid = -c.net_amount, done.total("pay", account)
            status = ("failed" if paid < due else "paid_after_default"
                      if done.after_default.get(account, 0) else "settled")
            rows.append(Obligation(c.member, sd, c.account_type, THB, "pay", due, paid, status))
            continue
        paid_out = done.total("payout", account)
        status = ("settled" if paid_out >= c.net_amount else "waiting" if c.member not in failed
                  else "withheld" if failed[c.member] else "applied")
        rows.append(Obligation(c.member, sd, c.account_type, THB, "collect", c.net_amount,
                               paid_out, status))
    return rows
