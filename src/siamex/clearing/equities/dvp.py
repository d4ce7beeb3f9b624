"""Trade-for-trade DvP through TCH, shared by gross settlement and PSMS settlement.

Both settle one exchange at a time, outside the net (clearing-spec.md 3.1, 3.2): all of the
shares against all of the cash, or nothing. Each movement goes through TCH's own accounts, so
TCH ends flat, and each is keyed by the exchange's key components and its step (`deliver`,
`pay`, `credit`, `payout`), so the exchange is posted once and can be recognised in the ledger
afterwards.

`settle_once` runs one date's exchanges at their cut-off, as settlement.py runs a round: the
ledger is the only state. The decision (what each item lacked, `state.GROSS_DECIDED` or
`state.PSMS_DECIDED`), the postings and the mark that the step is done (`state.DVP_SETTLED`)
are one commit, so a crash leaves the date settled or untouched. A repeated call reports the
recorded decision (the cut-off's fails, not a decision against later balances). Items given
after the cut-off must be the recorded ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from siamex.clearing.foundations.keys import key, prefix
from siamex.clearing.foundations.ledger import (
    CASH,
    SECURITIES,
    TCH,
    THB,
    Account,
    Transaction,
    transfer,
)
from siamex.clearing.foundations.state import DVP_SETTLED, Document, DvpDecision, DvpName
from siamex.clearing.foundations.store import LedgerStore
from siamex.errors import ErrorCode, SiamexError

__all__ = ["Decided", "Exchange", "Kind", "is_settled", "settle_once"]

T = TypeVar("T")
R = TypeVar("R")

_TCH_CASH = Account(TCH, CASH, None, THB)


@dataclass(frozen=True, slots=True)
class Exchange:
    """Shares from one account against cash from another; `what` names it in the reasons,
    `parts` are the key components its postings start with."""

    parts: tuple[str, ...]
    day: dt.date
    what: str
    security: str
    qty: int
    amount: int
    deliverer_shares: Account
    receiver_shares: Account
    payer_cash: Account
    payee_cash: Account


def _postings(x: Exchange) -> list[Transaction]:
    """The movements of a settled exchange; one of amount 0 moves only the shares."""
    tch_shares = Account(TCH, SECURITIES, None, x.security)
    txs = [Transaction(key(*x.parts, "deliver"), x.day, f"{x.what} delivery to TCH",
                       transfer(x.deliverer_shares, tch_shares, x.qty))]
    if x.amount:
        txs.append(Transaction(key(*x.parts, "pay"), x.day, f"{x.what} payment to TCH",
                               transfer(x.payer_cash, _TCH_CASH, x.amount)))
    txs.append(Transaction(key(*x.parts, "credit"), x.day, f"{x.what} receipt from TCH",
                           transfer(tch_shares, x.receiver_shares, x.qty)))
    if x.amount:
        txs.append(Transaction(key(*x.parts, "payout"), x.day, f"{x.what} cash from TCH",
                               transfer(_TCH_CASH, x.payee_cash, x.amount)))
    return txs


def _shortfalls(running: dict[Account, int], x: Exchange) -> tuple[int, int]:
    """What the deliverer and the payer lack; when neither lacks anything, the exchange is
    applied to `running`, so that it funds the exchanges decided after it."""
    delivery = max(0, x.qty - running.get(x.deliverer_shares, 0))
    payment = max(0, x.amount - running.get(x.payer_cash, 0))
    if not delivery and not payment:  # 3.1: all of the shares and all of the cash, or nothing
        for tx in _postings(x):
            for account, amount in tx.legs:
                running[account] = running.get(account, 0) + amount
    return delivery, payment


def _is_posted(posted: Mapping[str, Transaction], x: Exchange, name: str) -> bool:
    """Whether an exchange's postings are all in the ledger; refuse a part or other terms."""
    expected = _postings(x)
    found = [posted.get(tx.key) for tx in expected]
    if all(tx is None for tx in found):
        return False
    if found != expected:
        raise SiamexError(ErrorCode.CLEARING_STATE,
                          f"the ledger holds postings of {name} that do not match it (part of "
                          "them, or other terms or rules)")
    return True


@dataclass(frozen=True, slots=True)
class Decided(Generic[T]):
    """An item as its cut-off decided it: what the deliverer and the payer lacked."""

    item: T
    delivery_short: int
    payment_short: int

    @property
    def settles(self) -> bool:
        return not self.delivery_short and not self.payment_short


@dataclass(frozen=True)
class Kind(Generic[T, R]):
    """One kind of trade-for-trade settlement: the first component of its keys, the record of
    its decisions, how its items are named and exchanged, and each item as that record keeps
    it (`record`) and reads it back (`restore`, a ValueError for one it cannot be)."""

    name: DvpName
    decided: Document[list[DvpDecision[R]], [dt.date]]
    ident: Callable[[T], str]
    label: Callable[[T], str]
    exchange: Callable[[T], Exchange]
    record: Callable[[T], R]
    restore: Callable[[R], T]


def is_settled(store: LedgerStore, name: DvpName, day: dt.date) -> bool:
    """Whether the `name` kind of settlement (gross, psms) of `day` has run its cut-off."""
    return DVP_SETTLED.exists(store, name, day)


def _posted(store: LedgerStore, kind: Kind[T, R], day: dt.date) -> dict[str, Transaction]:
    return {tx.key: tx for tx in store.keyed(prefix(kind.name, day))}


def _read(store: LedgerStore, kind: Kind[T, R], day: dt.date) -> list[Decided[T]] | None:
    rows = kind.decided.get(store, day)
    if rows is None:
        return None
    try:
        return [Decided(kind.restore(row.item), row.delivery_short, row.payment_short)
                for row in rows]
    except ValueError as error:
        raise SiamexError(ErrorCode.CLEARING_STATE,
                          f"the {kind.name} decision of {day} cannot be read: {error}"
                          ) from error


def _rows(kind: Kind[T, R], decision: Sequence[Decided[T]]) -> list[DvpDecision[R]]:
    return [DvpDecision(kind.record(d.item), d.delivery_short, d.payment_short)
            for d in decision]


def _check_recorded(kind: Kind[T, R], day: dt.date, due: Sequence[T],
                    decision: Sequence[Decided[T]]) -> None:
    """Refuse items of `day` other than the ones decided at the cut-off."""
    now = {kind.ident(item): item for item in due}
    recorded = {kind.ident(d.item): d.item for d in decision}
    if now != recorded:
        changed = sorted(key for key in now.keys() | recorded.keys()
                         if now.get(key) != recorded.get(key))
        raise SiamexError(ErrorCode.CLEARING_STATE,
                          f"{kind.name} settlement of {day} was decided with other items than "
                          f"given now ({', '.join(changed)}); they cannot be added or changed "
                          "after the cut-off")


def settle_once(store: LedgerStore, kind: Kind[T, R], day: dt.date, at: dt.datetime,
                due: Sequence[T]) -> list[Decided[T]]:
    """Settle `due` (one date's items, in the order they take the balances) at its cut-off
    `at`; return each item as decided, the ledger agreeing."""
    done = DVP_SETTLED.exists(store, kind.name, day)
    decision = _read(store, kind, day)
    if decision is None:
        if done:
            raise SiamexError(ErrorCode.CLEARING_STATE,
                              f"{kind.name} settlement of {day} is recorded as done, but its "
                              "decision document is missing")
        running = dict(store.balances())
        decision = [Decided(item, *_shortfalls(running, kind.exchange(item))) for item in due]
        store.commit([tx for d in decision if d.settles
                      for tx in _postings(kind.exchange(d.item))],
                     dict([kind.decided.entry(_rows(kind, decision), day),
                           DVP_SETTLED.entry(at, kind.name, day)]))
    _check_recorded(kind, day, due, decision)
    posted = _posted(store, kind, day)
    for d in decision:
        if _is_posted(posted, kind.exchange(d.item), kind.label(d.item)) != d.settles:
            raise SiamexError(ErrorCode.CLEARING_STATE,
                              f"{kind.label(d.item)}: the ledger and the decision of {day} "
                              "disagree on whether it settled")
    return decision
