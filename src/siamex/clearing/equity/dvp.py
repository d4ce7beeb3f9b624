"""Trade-for-trade DvP through TCH, shared by gross settlement and PSMS settlement.

Both settle one exchange at a time, outside the net (clearing-spec.md 3.1, 3.2): all of the
shares against all of the cash, or nothing. Each movement goes through TCH's own accounts, so
TCH ends flat, and each is keyed `{prefix}:{deliver|pay|credit|payout}`, so the exchange is
posted once and can be recognised in the ledger afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from siamex.clearing.ledger import CASH, SECURITIES, TCH, THB, Account, Transaction, transfer
from siamex.errors import ErrorCode, SiamexError

__all__ = ["Exchange", "is_posted", "postings", "shortfalls"]

_TCH_CASH = Account(TCH, CASH, None, THB)


@dataclass(frozen=True, slots=True)
class Exchange:
    """Shares from one account against cash from another; `what` names it in the reasons."""

    prefix: str
    day: dt.date
    what: str
    security: str
    qty: int
    amount: int
    deliverer_shares: Account
    receiver_shares: Account
    payer_cash: Account
    payee_cash: Account


def postings(x: Exchange) -> list[Transaction]:
    """The movements of a settled exchange; one of amount 0 moves only the shares."""
    tch_shares = Account(TCH, SECURITIES, None, x.security)
    txs = [Transaction(f"{x.prefix}:deliver", x.day, f"{x.what} delivery to TCH",
                       transfer(x.deliverer_shares, tch_shares, x.qty))]
    if x.amount:
        txs.append(Transaction(f"{x.prefix}:pay", x.day, f"{x.what} payment to TCH",
                               transfer(x.payer_cash, _TCH_CASH, x.amount)))
    txs.append(Transaction(f"{x.prefix}:credit", x.day, f"{x.what} receipt from TCH",
                           transfer(tch_shares, x.receiver_shares, x.qty)))
    if x.amount:
        txs.append(Transaction(f"{x.prefix}:payout", x.day, f"{x.what} cash from TCH",
                               transfer(_TCH_CASH, x.payee_cash, x.amount)))
    return txs


def shortfalls(running: dict[Account, int], x: Exchange) -> tuple[int, int]:
    """What the deliverer and the payer lack; when neither lacks anything, the exchange is
    applied to `running`, so that it funds the exchanges decided after it."""
    delivery = max(0, x.qty - running.get(x.deliverer_shares, 0))
    payment = max(0, x.amount - running.get(x.payer_cash, 0))
    if not delivery and not payment:  # 3.1: all of the shares and all of the cash, or nothing
        for tx in postings(x):
            for account, amount in tx.legs:
                running[account] = running.get(account, 0) + amount
    return delivery, payment


def is_posted(posted: Mapping[str, Transaction], x: Exchange, name: str) -> bool:
    """Whether an exchange's postings are all in the ledger; refuse a part or other terms."""
    expected = postings(x)
    found = [posted.get(tx.key) for tx in expected]
    if all(tx is None for tx in found):
        return False
    if found != expected:
        raise SiamexError(ErrorCode.CLEARING_STATE,
                          f"the ledger holds postings of {name} that do not match it (part of "
                          "them, or other terms or rules)")
    return True
