"""DvP settlement of one settlement date's net obligations (BIS model 3, clearing-spec.md 3.3).

Why it is shaped this way: the ledger is the only state. Every movement is a `Transaction` with
a key that names the date, round, step and account (`settle:2021-04-12:r1:deliver:B:securities:
client:X`, built by `keys.key`), so a step run twice posts nothing twice; what a round
delivered, paid, credited and failed is read back from those keys, never kept elsewhere. A
small record per step (`state.SETTLEMENT_STEP`, `settle:2021-04-12:r1:securities`) says
that its cut-off has been processed, so a step already done is not re-decided against later
balances; it is committed with the step's postings, so a crash leaves a step wholly done or
not begun.

A day runs in four steps, each at or after its cut-off (passed in: there is no clock here):
round 1 securities (13:30), round 1 cash (14:00), round 2 securities (15:15), round 2 cash
(15:45). Choices, documented in docs/clearing.md "Settlement":

- A net deliverer delivers its whole obligation or nothing, from its depository account of the
  obligation's account type only; otherwise it is a delivery fail until a later round.
- A net payer pays in full or not at all; otherwise it is a payment fail.
- After the cash step, TCH credits what it has received: securities receivers in the order
  (member, account type), each in full while TCH holds enough, the next one in part; the rest
  stays owed to a later round. A member whose payment failed is not credited securities (DvP).
- Cash receivers are paid only once every payer of the date has paid, and a member with an
  open delivery fail has its cash receivable withheld (3.6).
- A fail is valued at the shortfall times the settlement price the caller gives per security.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from siamex.clearing.equities.netting import CashObligation, NetPositions, SecuritiesObligation
from siamex.clearing.foundations.accounts import BANK, TSD, cash_account, holdings_account
from siamex.clearing.foundations.keys import account_parts, key, parts, prefix
from siamex.clearing.foundations.ledger import (
    CASH,
    DEPOSITORY,
    SECURITIES,
    TCH,
    THB,
    Account,
    Outcome,
    Transaction,
    transfer,
)
from siamex.clearing.foundations.members import AccountType
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import SETTLEMENT_STEP, SettlementPhase
from siamex.clearing.foundations.store import LedgerStore
from siamex.clearing.foundations.unit_of_work import UnitOfWork
from siamex.units import format_hhmm, micros_of_day, wall_clock

__all__ = [
    "DEFAULT_ROUND",
    "DeliveryFail",
    "Movement",
    "PaymentFail",
    "SettlementResult",
    "StepRefused",
    "check_cutoff",
    "issue",
    "pay_and_credit",
    "settle_after_default",
    "settle_date",
    "settle_round",
    "settlement_result",
    "take_securities",
]

_ROUNDS = (1, 2)
DEFAULT_ROUND = 3  # a payment made good after round 2 with the default waterfall's money
_DELIVER, _PAY, _CREDIT, _PAYOUT = "deliver", "pay", "credit", "payout"
_TCH_CASH = Account(TCH, CASH, None, THB)


class StepRefused(ValueError):
    """A settlement step asked for before its cut-off or before the step it follows."""


@dataclass(frozen=True, slots=True)
class Movement:
    """One settlement posting seen from the member: `qty` of `asset` into or out of its
    account (shares, or satang for THB); always positive."""

    member: str
    account_type: AccountType | None
    asset: str
    qty: int


@dataclass(frozen=True, slots=True)
class DeliveryFail:
    """A net deliverer's shares not at TCH by a securities cut-off; `value` in satang."""

    member: str
    account_type: AccountType
    security: str
    qty_short: int
    value: int


@dataclass(frozen=True, slots=True)
class PaymentFail:
    """A net payer's cash not at TCH by a cash cut-off, in satang."""

    member: str
    amount_short: int
    account_type: AccountType | None = None


@dataclass(frozen=True)
class SettlementResult:
    """What one round of one settlement date moved, and the fails open at its cut-offs."""

    settlement_date: dt.date
    round_no: int
    delivered: tuple[Movement, ...]
    paid: tuple[Movement, ...]
    credited: tuple[Movement, ...]
    delivery_fails: tuple[DeliveryFail, ...]
    payment_fails: tuple[PaymentFail, ...]


def _tch_account(asset: str) -> Account:
    return _TCH_CASH if asset == THB else Account(TCH, SECURITIES, None, asset)


def issue(store: LedgerStore, business_date: dt.date, holdings: Mapping[Account, int],
          key_prefix: str = "issue") -> list[Outcome]:
    """Bring holdings in from outside (opening balances, deposits), since the ledger lets
    value enter only from a depository account: securities from TSD, cash from BANK."""
    txs = sorted((
        Transaction(key(key_prefix, business_date, *account_parts(account)), business_date,
                    "opening balance",
                    transfer(Account(BANK if account.asset == THB else TSD, DEPOSITORY, None,
                                     account.asset), account, qty))
        for account, qty in holdings.items() if qty), key=lambda tx: tx.key)
    return store.append_all(txs)


def _key(day: dt.date, round_no: int, kind: str, account: Account) -> str:
    return key("settle", day, f"r{round_no}", kind, *account_parts(account))


class _Posted:
    """The settlement postings of one date, by round, step and member account.

    Totals are indexed once when read back: every obligation asks for its own account's total,
    and a scan of every posting per question made a day's settlement quadratic.
    """

    def __init__(self, rows: tuple[tuple[int, str, Account, int], ...]) -> None:
        self.rows = rows
        self._by_account: dict[tuple[str, Account], list[int]] = {}
        self._by_asset: dict[tuple[str, str], int] = {}
        for round_no, kind, account, qty in rows:
            per_round = self._by_account.setdefault((kind, account), [0] * (DEFAULT_ROUND + 1))
            per_round[round_no] += qty
            self._by_asset[kind, account.asset] = self._by_asset.get((kind, account.asset), 0) + qty

    def total(self, kind: str, account: Account, up_to: int = DEFAULT_ROUND) -> int:
        per_round = self._by_account.get((kind, account))
        return sum(per_round[: up_to + 1]) if per_round is not None else 0

    def asset_total(self, kind: str, asset: str) -> int:
        return self._by_asset.get((kind, asset), 0)

    def movements(self, kind: str, round_no: int) -> tuple[Movement, ...]:
        return tuple(
            Movement(a.owner, a.account_type,
                     a.asset, q)
            for r, k, a, q in self.rows if k == kind and r == round_no
        )


def _posted(store: LedgerStore, day: dt.date) -> _Posted:
    """Read back what settlement of `day` has posted: the keys say the step, the member's leg
    says the account and quantity."""
    rows = []
    for posting, account, amount in store.keyed_legs(prefix("settle", day), TCH):
        _, _, round_part, kind = parts(posting)[:4]  # each posting has one member leg
        rows.append((int(round_part[1:]), kind, account, abs(amount)))
    return _Posted(tuple(rows))


def _deliverers(positions: NetPositions, day: dt.date) -> list[SecuritiesObligation]:
    return [s for s in positions.securities if s.settlement_date == day and s.net_qty < 0]


def _receivers(positions: NetPositions, day: dt.date) -> list[SecuritiesObligation]:
    return sorted((s for s in positions.securities if s.settlement_date == day and s.net_qty > 0),
                  key=lambda s: (s.security, s.member, s.account_type.value))


def _cash(positions: NetPositions, day: dt.date, paying: bool) -> list[CashObligation]:
    return [c for c in positions.cash
            if c.settlement_date == day and (c.net_amount < 0) == paying and c.net_amount]


def _open_delivery(posted: _Posted, s: SecuritiesObligation, up_to: int = DEFAULT_ROUND) -> int:
    account = holdings_account(s.member, s.account_type, s.security)
    return -s.net_qty - posted.total(_DELIVER, account, up_to)


def _open_payment(posted: _Posted, c: CashObligation, up_to: int = DEFAULT_ROUND) -> int:
    return -c.net_amount - posted.total(_PAY, cash_account(c.member, c.account_type), up_to)


def _cutoffs(rules: ClearingRules, round_no: int) -> tuple[int, int]:
    """A round's securities and cash cut-offs (3.3, 3.4)."""
    if round_no == 1:
        return rules.round_1_securities, rules.round_1_cash
    return rules.round_2_securities, rules.round_2_cash


def check_cutoff(what: str, day: dt.date, at: dt.datetime, cutoff: int) -> None:
    """Refuse a step asked for on another day or before its cut-off: there is no clock here,
    each step is told its time."""
    if at.date() != day or micros_of_day(at) < cutoff:
        raise StepRefused(f"{what} runs at {format_hhmm(cutoff)} on {day}, not at "
                          f"{at.isoformat()}")


def _begin(store: LedgerStore, day: dt.date, round_no: int, phase: SettlementPhase,
           at: dt.datetime, cutoff: int) -> bool:
    """Refuse a step before its cut-off or out of order; say whether it still has to run."""
    if round_no not in _ROUNDS:
        raise StepRefused(f"there is no settlement round {round_no}")
    check_cutoff(f"round {round_no} {phase}", day, at, cutoff)
    steps: list[tuple[int, SettlementPhase]] = [(r, p) for r in _ROUNDS
                                                 for p in ("securities", "cash")]
    before = steps[steps.index((round_no, phase)) - 1] if (round_no, phase) != steps[0] else None
    if before is not None and not SETTLEMENT_STEP.exists(store, day, *before):
        raise StepRefused(f"round {before[0]} {before[1]} of {day} has not run")
    return not SETTLEMENT_STEP.exists(store, day, round_no, phase)


def take_securities(store: LedgerStore, positions: NetPositions, day: dt.date, round_no: int,
                    at: dt.datetime, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> None:
    """Move each net deliverer's shares to TCH if its account holds them all at the cut-off."""
    cutoff = _cutoffs(rules, round_no)[0]
    if not _begin(store, day, round_no, "securities", at, cutoff):
        return
    posted, balances = _posted(store, day), store.balances()
    txs = []
    for s in _deliverers(positions, day):
        qty = _open_delivery(posted, s)
        # 3.1: only the obligation's own account type; 3.3: all of |N| by the cut-off or a fail.
        account = holdings_account(s.member, s.account_type, s.security)
        if qty > 0 and balances.get(account, 0) >= qty:
            txs.append(Transaction(_key(day, round_no, _DELIVER, account), day,
                                   "net delivery to TCH", transfer(account, _tch_account(
                                       s.security), qty)))
    store.commit(txs, dict([SETTLEMENT_STEP.entry(at, day, round_no, "securities")]))


def pay_and_credit(store: LedgerStore, positions: NetPositions, day: dt.date, round_no: int,
                   at: dt.datetime, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> None:
    """Collect the net payers' cash, then credit receivers from what TCH received (3.3)."""
    cutoff = _cutoffs(rules, round_no)[1]
    if not _begin(store, day, round_no, "cash", at, cutoff):
        return
    with UnitOfWork(store) as step:
        _collect_and_credit(step, positions, day, round_no)
        SETTLEMENT_STEP.put(step, at, day, round_no, "cash")


def _collect_and_credit(store: LedgerStore, positions: NetPositions, day: dt.date,
                        round_no: int) -> None:
    """Take the payments that can be made, then credit what TCH then holds (3.3 steps 2-3)."""
    store.append_all(_payments(store, positions, day, round_no))
    posted = _posted(store, day)
    store.append_all([*_securities_credits(posted, positions, day, round_no),
                      *_cash_credits(posted, positions, day, round_no)])


def _payments(store: LedgerStore, positions: NetPositions, day: dt.date,
              round_no: int) -> list[Transaction]:
    posted, balances = _posted(store, day), store.balances()
    txs = []
    for c in _cash(positions, day, paying=True):
        amount, account = _open_payment(posted, c), cash_account(c.member, c.account_type)
        if amount > 0 and balances.get(account, 0) >= amount:  # 3.3 step 2: |C| or a fail
            txs.append(Transaction(_key(day, round_no, _PAY, account), day, "net payment to TCH",
                                   transfer(account, _TCH_CASH, amount)))
    return txs


def _securities_credits(posted: _Posted, positions: NetPositions, day: dt.date,
                        round_no: int) -> list[Transaction]:
    """Credit receivers in (member, account type) order from what TCH holds for the date."""
    unpaid = {c.member for c in _cash(positions, day, paying=True) if _open_payment(posted, c)}
    pool: dict[str, int] = {}
    txs = []
    for s in _receivers(positions, day):
        if s.member in unpaid:  # 3.3 DvP: no securities to a member that has not paid
            continue
        account = holdings_account(s.member, s.account_type, s.security)
        if s.security not in pool:
            pool[s.security] = (posted.asset_total(_DELIVER, s.security)
                                - posted.asset_total(_CREDIT, s.security))
        qty = min(s.net_qty - posted.total(_CREDIT, account), pool[s.security])
        if qty > 0:
            pool[s.security] -= qty
            txs.append(Transaction(_key(day, round_no, _CREDIT, account), day,
                                   "net receipt from TCH",
                                   transfer(_tch_account(s.security), account, qty)))
    return txs


def _cash_credits(posted: _Posted, positions: NetPositions, day: dt.date,
                  round_no: int) -> list[Transaction]:
    """Pay net receivers once every payer has paid, withholding from open delivery fails."""
    if any(_open_payment(posted, c) for c in _cash(positions, day, paying=True)):
        return []  # 3.3 step 3: receivers are paid once cash settlement is complete
    failing = {s.member for s in _deliverers(positions, day) if _open_delivery(posted, s)}
    txs = []
    for c in _cash(positions, day, paying=False):
        account = cash_account(c.member, c.account_type)
        amount = c.net_amount - posted.total(_PAYOUT, account)
        if c.member not in failing and amount > 0:  # 3.6: a failing deliverer's cash is withheld
            txs.append(Transaction(_key(day, round_no, _PAYOUT, account), day,
                                   "net cash from TCH", transfer(_TCH_CASH, account, amount)))
    return txs


def settlement_result(store: LedgerStore, positions: NetPositions, day: dt.date, round_no: int,
                      prices: Mapping[str, int]) -> SettlementResult:
    """Read a round's movements and the fails open after it back from the ledger; a fail is
    valued at `prices[security]` satang a share."""
    posted = _posted(store, day)
    delivery_fails = tuple(
        DeliveryFail(s.member, s.account_type, s.security, short, short * prices[s.security])
        for s in _deliverers(positions, day)
        if (short := _open_delivery(posted, s, round_no))
    )
    payment_fails = tuple(PaymentFail(c.member, short, c.account_type)
                          for c in _cash(positions, day, paying=True)
                          if (short := _open_payment(posted, c, round_no)))
    return SettlementResult(day, round_no, posted.movements(_DELIVER, round_no),
                            posted.movements(_PAY, round_no),
                            posted.movements(_CREDIT, round_no)
                            + posted.movements(_PAYOUT, round_no),
                            delivery_fails, payment_fails)


def settle_round(store: LedgerStore, positions: NetPositions, day: dt.date, round_no: int,
                 prices: Mapping[str, int],
                 rules: ClearingRules = DEFAULT_CLEARING_RULES) -> SettlementResult:
    """Run both steps of a round, each at its own cut-off on `day`."""
    sec_cutoff, cash_cutoff = _cutoffs(rules, round_no)
    take_securities(store, positions, day, round_no,
                    wall_clock(day, sec_cutoff), rules)
    pay_and_credit(store, positions, day, round_no,
                   wall_clock(day, cash_cutoff), rules)
    return settlement_result(store, positions, day, round_no, prices)


def settle_after_default(store: LedgerStore, positions: NetPositions, day: dt.date,
                         at: dt.datetime, prices: Mapping[str, int],
                         rules: ClearingRules = DEFAULT_CLEARING_RULES) -> SettlementResult:
    """Collect the payments still open after round 2 that the payers can now make (the
    waterfall has paid into a defaulter's cash), then credit what that unblocks.

    Round 3 in the keys (`settle:{day}:r3:...`): it is not a round of the timetable but the
    default management that follows a payment fail (3.6), so it runs after round 2's cash.
    """
    if at.date() != day or micros_of_day(at) < rules.round_2_cash:
        raise StepRefused(f"payments after a default are taken after round 2 on {day}, "
                          f"not at {at.isoformat()}")
    if not SETTLEMENT_STEP.exists(store, day, 2, "cash"):
        raise StepRefused(f"round 2 cash of {day} has not run")
    with UnitOfWork(store) as step:
        _collect_and_credit(step, positions, day, DEFAULT_ROUND)
    return settlement_result(store, positions, day, DEFAULT_ROUND, prices)


def settle_date(store: LedgerStore, positions: NetPositions, day: dt.date,
                prices: Mapping[str, int], rules: ClearingRules = DEFAULT_CLEARING_RULES,
                ) -> tuple[SettlementResult, SettlementResult]:
    """Run rounds 1 and 2 of a settlement date; steps already done are skipped."""
    return (settle_round(store, positions, day, 1, prices, rules),
            settle_round(store, positions, day, 2, prices, rules))

