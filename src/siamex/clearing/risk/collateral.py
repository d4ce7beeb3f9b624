"""A member's risk collateral at TCH, over the ledger: deposits, withdrawals and the 11:00 call.

clearing-spec.md 3.4-3.5 [S002]. What a member pledges sits in accounts of its own with the
purpose `collateral` (`Account(member, "collateral", None, asset)`): TCH holds them, but keeping
the member as owner keeps each member's collateral apart from the others' and from TCH's own SBL
loan collateral (`Account("TCH", "collateral", None, "THB")`). Value is only moved between a
member's accounts (cash `Account(member, "cash", None, "THB")`, holdings in its portfolio
depository account) and these, so the ledger's conservation holds throughout.

Nothing reads a clock: every operation takes the naive Bangkok time it happens at, and every
posting has a key built from the day, the member and the caller's reference, so a day run twice
posts nothing twice. Prices and haircuts are the day's market data, passed in as quotes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from siamex.clearing.foundations.accounts import collateral_account, holdings_account, house_cash
from siamex.clearing.foundations.keys import key
from siamex.clearing.foundations.ledger import (
    COLLATERAL,
    THB,
    Account,
    AccountType,
    ConflictingTransaction,
    Outcome,
    Transaction,
    transfer,
)
from siamex.clearing.foundations.money import format_baht
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import (
    COLLATERAL_CALL,
    COLLATERAL_WITHDRAWALS,
    CollateralCall,
    CollateralWithdrawal,
)
from siamex.clearing.foundations.store import LedgerStore
from siamex.clearing.risk.measures import AssetKind, Pledge, value_after_haircut
from siamex.units import format_hhmm, micros_of_day, wall_clock

__all__ = [
    "CallDebit",
    "CollateralDefault",
    "CollateralOperation",
    "CollateralQuote",
    "CollateralRefused",
    "CollateralRequest",
    "RiskCollateralAccount",
    "Withdrawal",
]


class CollateralRefused(ValueError):
    """A deposit or withdrawal the rules do not allow; the message says which rule, and the
    ledger is unchanged."""


@dataclass(frozen=True, slots=True)
class CollateralQuote:
    """A non-cash asset's terms for the day: its kind, price per unit in satang, haircut in
    percent and, for a listed share, its issuer's group (for the own-group rule)."""

    kind: AssetKind
    price: int
    haircut_pct: Fraction = Fraction(0)
    issuer_group: str | None = None


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """A withdrawal request accepted against the excess, paid at `pay_at`."""

    ref: str
    asset: str
    quantity: int
    requested_at: dt.datetime
    pay_at: dt.datetime
    paid: bool = False


@dataclass(frozen=True, slots=True)
class CollateralDefault:
    """Part of a call the member's cash did not cover at the call deadline."""

    member: str
    day: dt.date
    shortfall: int


@dataclass(frozen=True, slots=True)
class CallDebit:
    """The day's call and what TCH took from the member's cash for it, in satang."""

    member: str
    day: dt.date
    required: int
    held: int
    call: int
    debited: int

    @property
    def default(self) -> CollateralDefault | None:
        """The collateral default this call leaves, None when the debit met it."""
        shortfall = self.call - self.debited
        return CollateralDefault(self.member, self.day, shortfall) if shortfall else None


def _amount(asset: str, quantity: int) -> str:
    return format_baht(quantity) if asset == THB else str(quantity)


def _time_of_day(at: dt.datetime) -> int:
    if at.tzinfo is not None:
        raise ValueError("times are naive Bangkok datetimes")
    return micros_of_day(at)


class RiskCollateralAccount:
    """One member's risk collateral at TCH, read from and posted to a ledger store."""

    def __init__(self, store: LedgerStore, member: str, member_group: str,
                 rules: ClearingRules = DEFAULT_CLEARING_RULES) -> None:
        self.store = store
        self.member = member
        self.member_group = member_group
        self.rules = rules
        self.cash = house_cash(member, rules)

    def account(self, asset: str) -> Account:
        """The TCH-held collateral account of this member for one asset."""
        return collateral_account(self.member, asset)

    def holdings(self, asset: str) -> Account:
        """Where the member's own non-cash assets come from and go back to: its portfolio."""
        return holdings_account(self.member, AccountType.PORTFOLIO, asset)

    def balances(self) -> dict[str, int]:
        """Return the quantity held as collateral per asset (satang for THB)."""
        return {account.asset: amount for account, amount in self.store.balances().items()
                if account.owner == self.member and account.purpose == COLLATERAL}

    def _value(self, asset: str, quantity: int, quotes: Mapping[str, CollateralQuote]) -> int:
        if asset == THB:
            return quantity
        quote = quotes.get(asset)
        if quote is None:
            raise ValueError(f"no quote for {asset}: collateral cannot be valued")
        # 3.5 [S002]: eligibility and haircut, own-group shares refused (collateral.py)
        return value_after_haircut(
            Pledge(quote.kind, quantity * quote.price, quote.haircut_pct, quote.issuer_group),
            self.member_group)

    def held(self, quotes: Mapping[str, CollateralQuote]) -> int:
        """Return the collateral held after haircut, at the day's quotes."""
        return sum(self._value(asset, qty, quotes) for asset, qty in self.balances().items())

    def excess(self, day: dt.date, required: int, quotes: Mapping[str, CollateralQuote]) -> int:
        """Return what may still be withdrawn: held after haircut above the requirement, less
        the withdrawals already accepted and not yet paid."""
        return self.held(quotes) - required - self._pending_value(day, quotes)

    def _pending_value(self, day: dt.date, quotes: Mapping[str, CollateralQuote]) -> int:
        return sum(self._value(w.asset, w.quantity, quotes)
                   for w in self.withdrawals(day) if not w.paid)

    # -- deposits --------------------------------------------------------------------------

    def _key(self, day: dt.date, kind: str, ref: str = "") -> str:
        return key("risk-collateral", day, self.member, kind, *((ref,) if ref else ()))

    def _post(self, tx: Transaction, source: Account, quantity: int) -> Outcome:
        """Post a movement once; a first posting must find the quantity in its source."""
        if self.store.posted(tx.key) is None:
            have = self.store.balances().get(source, 0)
            if quantity > have:
                raise CollateralRefused(
                    f"{tx.key}: {source} holds {have}, less than the {quantity} to move")
        return self.store.append(tx)

    def _in_blackout(self, time_of_day: int) -> bool:
        r = self.rules
        # 3.4 [S002]: non-cash blackout 13:25-14:15 and 15:10-16:15 (start in, end out)
        return (r.risk_noncash_blackout_1_start <= time_of_day < r.risk_noncash_blackout_1_end
                or r.risk_noncash_blackout_2_start <= time_of_day < r.risk_noncash_blackout_2_end)

    def deposit_cash(self, ref: str, amount: int, at: dt.datetime) -> Outcome:
        """Move THB from the member's cash into its collateral; 3.4 sets no window for cash."""
        if amount <= 0:
            raise CollateralRefused(f"a deposit must be positive, got {amount}")
        _time_of_day(at)  # refuses an aware time: the day is Bangkok's
        day = at.date()
        tx = Transaction(self._key(day, "deposit", ref), day, "risk collateral deposit",
                         transfer(self.cash, self.account(THB), amount))
        return self._post(tx, self.cash, amount)

    def deposit(self, ref: str, asset: str, quantity: int, at: dt.datetime,
                quotes: Mapping[str, CollateralQuote], *, called: bool) -> Outcome:
        """Pledge a non-cash asset from the member's portfolio, in its window.

        `called`: the member has a call today, which brings the cut-off forward to 10:00 so the
        pledge counts before the 11:00 debit.
        """
        if asset == THB:
            raise CollateralRefused("cash is deposited with deposit_cash")
        if quantity <= 0:
            raise CollateralRefused(f"a deposit must be positive, got {quantity}")
        time_of_day = _time_of_day(at)
        if self._in_blackout(time_of_day):
            raise CollateralRefused(f"{at:%H:%M} is in a non-cash blackout: no deposit (3.4)")
        # 3.4 [S002]: non-cash deposit <=10:00 if called, otherwise <=19:00
        cutoff = (self.rules.risk_noncash_called_cutoff if called
                  else self.rules.risk_noncash_cutoff)
        if time_of_day > cutoff:
            raise CollateralRefused(
                f"non-cash deposits close at {wall_clock(at.date(), cutoff):%H:%M}"
                f"{' for a called member' if called else ''} (3.4)")
        # 3.5 [S002]: only eligible collateral; raises IneligibleCollateral for own-group shares
        self._value(asset, quantity, quotes)
        day = at.date()
        tx = Transaction(self._key(day, "deposit", ref), day, "risk collateral deposit",
                         transfer(self.holdings(asset), self.account(asset), quantity))
        return self._post(tx, self.holdings(asset), quantity)

    # -- withdrawals -----------------------------------------------------------------------

    def withdrawals(self, day: dt.date) -> list[Withdrawal]:
        """Return the withdrawal requests accepted on a day, in the order accepted."""
        return [Withdrawal(r.ref, r.asset, r.quantity, r.requested_at, r.pay_at, r.paid)
                for r in COLLATERAL_WITHDRAWALS.get(self.store, day, self.member) or []]

    def _save(self, day: dt.date, withdrawals: list[Withdrawal],
              postings: Sequence[Transaction] = ()) -> None:
        """Record the day's withdrawals, with the postings that paid some of them."""
        rows = [CollateralWithdrawal(w.ref, w.asset, w.quantity, w.requested_at, w.pay_at, w.paid)
                for w in withdrawals]
        self.store.commit(postings, dict([COLLATERAL_WITHDRAWALS.entry(rows, day, self.member)]))

    def _pay_time(self, asset: str, at: dt.datetime) -> dt.datetime:
        r = self.rules
        time_of_day = _time_of_day(at)
        if asset == THB:
            # 3.4 [S002]: cash request <=10:00 paid 11:00; 13:15-14:00 paid 15:00
            if time_of_day <= r.risk_cash_withdrawal_am_cutoff:
                return wall_clock(at.date(), r.risk_cash_withdrawal_am_paid)
            if r.risk_cash_withdrawal_pm_open <= time_of_day <= r.risk_cash_withdrawal_pm_cutoff:
                return wall_clock(at.date(), r.risk_cash_withdrawal_pm_paid)
            raise CollateralRefused(
                f"cash withdrawals are requested by {format_hhmm(r.risk_cash_withdrawal_am_cutoff)}"
                f" or {format_hhmm(r.risk_cash_withdrawal_pm_open)}-"
                f"{format_hhmm(r.risk_cash_withdrawal_pm_cutoff)}, not {at:%H:%M} (3.4)")
        # 3.4 [S002]: non-cash request and return <=19:00, never in a blackout
        if self._in_blackout(time_of_day):
            raise CollateralRefused(f"{at:%H:%M} is in a non-cash blackout: no withdrawal (3.4)")
        if time_of_day > r.risk_noncash_cutoff:
            raise CollateralRefused(f"non-cash withdrawals close at "
                                    f"{format_hhmm(r.risk_noncash_cutoff)}, not {at:%H:%M} (3.4)")
        return at

    def request_withdrawal(self, ref: str, asset: str, quantity: int, at: dt.datetime,
                           required: int, quotes: Mapping[str, CollateralQuote]) -> Withdrawal:
        """Accept a withdrawal of no more than the excess over today's `required`, to be paid
        at its payment time; a refusal raises CollateralRefused and records nothing."""
        day = at.date()
        accepted = self.withdrawals(day)
        for prior in accepted:
            if prior.ref == ref:
                if (prior.asset, prior.quantity, prior.requested_at) != (asset, quantity, at):
                    raise ConflictingTransaction(f"withdrawal {ref} was requested otherwise")
                return prior
        if quantity <= 0:
            raise CollateralRefused(f"a withdrawal must be positive, got {quantity}")
        pay_at = self._pay_time(asset, at)
        pending = sum(w.quantity for w in accepted if w.asset == asset and not w.paid)
        available = self.balances().get(asset, 0) - pending
        if quantity > available:
            raise CollateralRefused(
                f"withdrawal {ref}: {_amount(asset, quantity)} {asset} asked, "
                f"{_amount(asset, available)} {asset} held and free")
        value = self._value(asset, quantity, quotes)
        excess = self.excess(day, required, quotes)
        # 3.5: a withdrawal may not bring the collateral held below the requirement
        if value > excess:
            raise CollateralRefused(
                f"withdrawal {ref}: {format_baht(value)} THB after haircut exceeds the excess "
                f"of {format_baht(max(0, excess))} THB over the requirement of "
                f"{format_baht(required)} THB (3.5)")
        withdrawal = Withdrawal(ref, asset, quantity, at, pay_at)
        self._save(day, [*accepted, withdrawal])
        return withdrawal

    def pay_withdrawals(self, at: dt.datetime) -> list[Withdrawal]:
        """Pay every accepted withdrawal of the day that is due by `at`; return those paid.

        Non-cash is not moved during a blackout (3.4); it waits for the next call after it.
        """
        day = at.date()
        time_of_day = _time_of_day(at)
        withdrawals = self.withdrawals(day)
        paid: list[Withdrawal] = []
        postings = []
        for i, w in enumerate(withdrawals):
            if w.paid or w.pay_at > at or (w.asset != THB and self._in_blackout(time_of_day)):
                continue
            destination = self.cash if w.asset == THB else self.holdings(w.asset)
            postings.append(Transaction(
                self._key(day, "withdraw", w.ref), day, "risk collateral withdrawal",
                transfer(self.account(w.asset), destination, w.quantity)))
            withdrawals[i] = Withdrawal(w.ref, w.asset, w.quantity, w.requested_at, w.pay_at,
                                        paid=True)
            paid.append(withdrawals[i])
        if paid:
            self._save(day, withdrawals, postings)
        return paid

    # -- the daily call --------------------------------------------------------------------

    def debit_call(self, at: dt.datetime, required: int,
                   quotes: Mapping[str, CollateralQuote]) -> CallDebit:
        """At the call deadline, take an unmet call from the member's THB cash.

        `required` is the day's RiskCall.required; `held` in the record leaves out accepted
        withdrawals not yet paid, which go out at 11:00 or later. The decision is recorded in
        the commit that posts it, so a re-run returns the same debit rather than a call
        recomputed on the collateral the debit itself added.
        """
        day = at.date()
        deadline = self.rules.collateral_call_deadline
        if _time_of_day(at) < deadline:
            raise CollateralRefused(
                f"the call is not due until {wall_clock(day, deadline):%H:%M} (3.5)")
        record = COLLATERAL_CALL.get(self.store, day, self.member)
        documents: dict[str, str] = {}
        if record is None:
            # decision 63: withdrawals accepted and not yet paid are on their way out
            held = self.held(quotes) - self._pending_value(day, quotes)
            # 3.5: Call = max(0, Required - CollateralHeld after haircut), due 11:00
            call = max(0, required - held)
            # 3.4 [S002]: TCH debits THB cash at 11:00, all of the call or what is there
            debited = min(call, max(0, self.store.balances().get(self.cash, 0)))
            record = CollateralCall(self.member, day, required, held, call, debited)
            documents = dict([COLLATERAL_CALL.entry(record, day, self.member)])
        self.store.commit([Transaction(self._key(day, "call"), day, "risk collateral call",
                                       transfer(self.cash, self.account(THB), record.debited))]
                          if record.debited else [], documents)
        return CallDebit(record.member, day, record.required, record.held, record.call,
                         record.debited)


class CollateralOperation(StrEnum):
    """What a member asks of its risk collateral."""

    DEPOSIT = "deposit"
    WITHDRAW = "withdraw"


@dataclass(frozen=True, slots=True)
class CollateralRequest:
    """A risk-collateral deposit or withdrawal; `qty` in satang for THB, else units."""

    member: str
    op: CollateralOperation
    asset: str
    qty: int
    at: dt.datetime
    ref: str
