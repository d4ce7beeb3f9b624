"""TFEX collateral at TCH over the ledger: deposits, withdrawals of the excess, exchanges and the
margin-call debit (clearing-spec.md 4.8, 4.4).

What a member pledges against its derivatives margin sits in accounts of its own with the
purpose `derivatives_collateral` (`Account(member, "derivatives_collateral", None, asset)`),
never the equities' `collateral`: a member's equities risk collateral never covers its
derivatives margin, nor the reverse. Value comes in from, and goes back to, the member's own
accounts outside the clearing house (`member_source`): its settlement bank for THB
(`foundations.accounts.member_bank`), its foreign-currency account for a currency, its TSD
account for a security (decision 131). So the ledger's conservation holds throughout.

A `CollateralBook` is one business day of it, valued at that day's quotes. Nothing reads a
clock: every operation takes the naive Bangkok time it happens at. Every posting has a key built
from the day, the member and the caller's reference, and a withdrawal is recorded once by its
reference, so a day run twice posts nothing twice. A refusal raises SiamexError with its code
before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from siamex.clearing.derivatives.collateral_state import (
    CALLS,
    NAMESPACE,
    WITHDRAWALS,
    CallDebit,
    Withdrawal,
)
from siamex.clearing.derivatives.collateral_value import (
    NO_QUOTES,
    CollateralQuotes,
    CollateralValuer,
)
from siamex.clearing.derivatives.runs import Run
from siamex.clearing.foundations.accounts import member_bank
from siamex.clearing.foundations.keys import key
from siamex.clearing.foundations.ledger import (
    DEPOSITORY,
    THB,
    Account,
    ConflictingTransaction,
    Leg,
    Outcome,
    Transaction,
    transfer,
)
from siamex.clearing.foundations.money import format_baht
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.store import LedgerStore
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.derivatives_collateral import (
    DEFAULT_COLLATERAL_TERMS,
    CollateralTerms,
    ssf_underlyings,
)
from siamex.rulebook.products import DEFAULT_PRODUCTS, ProductTable
from siamex.units import format_hhmm, micros_of_day, wall_clock

__all__ = [
    "DERIVATIVES_COLLATERAL",
    "CollateralBook",
    "derivatives_collateral_account",
    "member_source",
]

DERIVATIVES_COLLATERAL = "derivatives_collateral"


def derivatives_collateral_account(member: str, asset: str) -> Account:
    """A member's TFEX collateral of one asset, held at TCH, apart from its equities
    collateral (4.8)."""
    return Account(member, DERIVATIVES_COLLATERAL, None, asset)


def member_source(member: str, asset: str) -> Account:
    """The member's own account outside the clearing house that an asset comes from and goes
    back to (decision 131): for THB its settlement bank (`member_bank`), for a currency its
    currency account, for a security its TSD account."""
    return member_bank(member) if asset == THB else Account(member, DEPOSITORY, None, asset)


def _quantity(value: int, what: str) -> None:
    if type(value) is not int or value <= 0:
        raise SiamexError(ErrorCode.COLLATERAL_FILE, f"{what}: a quantity must be a whole "
                          f"number above zero, got {value!r}")


class CollateralBook:
    """Every member's TFEX collateral on one business day, valued at the day's quotes."""

    def __init__(self, store: LedgerStore, day: dt.date, quotes: CollateralQuotes = NO_QUOTES,
                 terms: CollateralTerms = DEFAULT_COLLATERAL_TERMS,
                 products: ProductTable = DEFAULT_PRODUCTS,
                 rules: ClearingRules = DEFAULT_CLEARING_RULES) -> None:
        self.store = store
        self.day = day
        self.terms = terms
        self.rules = rules
        self.valuer = CollateralValuer(quotes, ssf_underlyings(products), terms)

    # -- what is held ------------------------------------------------------------------

    def balances(self, member: str) -> dict[str, int]:
        """The quantity of each asset the member holds at TCH, in the asset's unit."""
        return {account.asset: qty for account, qty in self.store.balances().items()
                if account.owner == member and account.purpose == DERIVATIVES_COLLATERAL}

    def members(self) -> list[str]:
        """The members holding TFEX collateral, in order."""
        return sorted({account.owner for account, qty in self.store.balances().items()
                       if account.purpose == DERIVATIVES_COLLATERAL and qty})

    def withdrawals(self) -> list[Withdrawal]:
        """The day's withdrawals accepted, every member's, in the order accepted."""
        return WITHDRAWALS.get(self.store, self.day) or []

    def free(self, member: str) -> dict[str, int]:
        """What the member holds less its withdrawals accepted and not yet paid: what still
        counts as collateral (4.8)."""
        free = self.balances(member)
        for w in self.withdrawals():
            if w.member == member and not w.paid:
                free[w.asset] = free.get(w.asset, 0) - w.quantity
        return {asset: qty for asset, qty in free.items() if qty}

    def held(self, member: str) -> int:
        """The member's collateral after haircut, in satang, less what is on its way out."""
        return self.valuer.value(member, self.free(member))

    def excess(self, member: str, required: int) -> int:
        """What the member may withdraw, in satang after haircut: held less the requirement;
        below zero it is the shortfall (4.8)."""
        # 4.8: Excess = sum value x (1 - h) - Requirement, less accepted withdrawals not paid
        return self.held(member) - required

    def check_quotes(self) -> None:
        """Refuse the day's quotes (COLLATERAL_FILE) when a member holds an asset they do
        not price: every valuation needs it, so it is the day's data at fault, not a
        member's request."""
        for member in self.members():
            for asset in sorted(self.balances(member)):
                self.valuer.held(member, asset)

    def _amount(self, asset: str, quantity: int) -> str:
        """A quantity as people write it: cash to two decimals, securities whole."""
        return f"{format_baht(quantity) if self.valuer.is_cash(asset) else quantity} {asset}"

    def _check_day(self, at: dt.datetime) -> int:
        if at.tzinfo is not None or at.date() != self.day:
            raise ValueError(f"{at} is not a naive Bangkok time on {self.day}")
        return micros_of_day(at)

    def _key(self, member: str, what: str, ref: str) -> str:
        return key(NAMESPACE, self.day, member, what, ref)

    # -- deposits ----------------------------------------------------------------------

    def deposit(self, ref: str, member: str, asset: str, quantity: int,
                at: dt.datetime) -> Outcome:
        """Take an eligible asset from the member's own account into its collateral. A
        deposit only adds cover, so it has no window (decision 129)."""
        self._check_day(at)
        _quantity(quantity, f"deposit {ref}")
        tx = Transaction(self._key(member, "deposit", ref), self.day,
                         "derivatives collateral deposit",
                         transfer(member_source(member, asset),
                                  derivatives_collateral_account(member, asset), quantity))
        if self.store.posted(tx.key) is None:
            # 4.8: only eligible collateral
            self.valuer.eligible(asset)
        return self.store.append(tx)

    # -- withdrawals -------------------------------------------------------------------

    def withdraw(self, ref: str, member: str, asset: str, quantity: int, at: dt.datetime,
                 required: int) -> Withdrawal:
        """Accept a withdrawal of no more than the excess over `required`, credited at its
        window's time; a refusal raises SiamexError and records nothing."""
        time_of_day = self._check_day(at)
        accepted = self.withdrawals()
        for prior in accepted:
            if prior.member == member and prior.ref == ref:
                if (prior.asset, prior.quantity, prior.requested_at) != (asset, quantity, at):
                    raise ConflictingTransaction(f"withdrawal {ref} of {member} was requested "
                                                 "otherwise")
                return prior
        _quantity(quantity, f"withdrawal {ref}")
        cash = self.valuer.is_cash(asset)
        # 4.8 [S004]: cash by 10:00 credited 10:30, by 12:00 credited 13:15; decision 129
        window = self.terms.window(cash, time_of_day)
        if window is None:
            last = (self.terms.cash_windows if cash else self.terms.non_cash_windows)[-1]
            raise SiamexError(ErrorCode.WITHDRAWAL_WINDOW,
                              f"withdrawal {ref}: {'cash' if cash else 'non-cash'} withdrawals "
                              f"are requested by {format_hhmm(last.request_by)}, not "
                              f"{at:%H:%M}; ask again in the next business day's first window "
                              "(4.8, decision 129)")
        free = self.free(member)
        self._check_free(f"withdrawal {ref}", member, free, {asset: quantity})
        before = self.valuer.value(member, free)
        after = self.valuer.value(member, {**free, asset: free[asset] - quantity})
        # 4.8: withdraw only the excess; decision 128: valued at what it takes off the holding
        if after < required and after < before:
            raise SiamexError(ErrorCode.EXCESS_EXCEEDED,
                              f"withdrawal {ref}: {self._amount(asset, quantity)} counts "
                              f"{format_baht(before - after)} THB after haircut, above the "
                              f"excess of {format_baht(max(0, before - required))} THB over "
                              f"the requirement of {format_baht(required)} THB (4.8)")
        withdrawal = Withdrawal(member, ref, asset, quantity, at,
                                wall_clock(self.day, window.credit_at), paid=False)
        WITHDRAWALS.put(self.store, [*accepted, withdrawal], self.day)
        return withdrawal

    def _check_free(self, what: str, member: str, free: Mapping[str, int],
                    out: Mapping[str, int]) -> None:
        for asset, quantity in sorted(out.items()):
            have = max(0, free.get(asset, 0))
            if quantity > have:
                raise SiamexError(ErrorCode.INSUFFICIENT_COLLATERAL,
                                  f"{what}: {self._amount(asset, quantity)} asked, {member} holds "
                                  f"{self._amount(asset, have)} free of withdrawals under way")

    def cancel_withdrawals(self, member: str) -> list[Withdrawal]:
        """Drop a defaulting member's withdrawals not yet paid, so that what the default's
        waterfall takes first is not also paid back to it (decision 136); return those
        dropped. A rerun finds none left."""
        withdrawals = self.withdrawals()
        dropped = [w for w in withdrawals if w.member == member and not w.paid]
        if dropped:
            kept = [w for w in withdrawals if w not in dropped]
            WITHDRAWALS.put(self.store, kept, self.day)
        return dropped

    def pay_withdrawals(self, at: dt.datetime) -> list[Withdrawal]:
        """Credit every accepted withdrawal due by `at` to the member's own account, in one
        commit with the record; return those paid. A rerun finds them paid."""
        self._check_day(at)
        withdrawals = self.withdrawals()
        paid: list[Withdrawal] = []
        postings: list[Transaction] = []
        for i, w in enumerate(withdrawals):
            if w.paid or w.credit_at > at:
                continue
            postings.append(Transaction(
                self._key(w.member, "withdraw", w.ref), self.day,
                "derivatives collateral withdrawal",
                transfer(derivatives_collateral_account(w.member, w.asset),
                         member_source(w.member, w.asset), w.quantity)))
            withdrawals[i] = Withdrawal(w.member, w.ref, w.asset, w.quantity, w.requested_at,
                                        w.credit_at, paid=True)
            paid.append(withdrawals[i])
        if paid:
            self.store.commit(postings, dict([WITHDRAWALS.entry(withdrawals, self.day)]))
        return paid

    # -- exchange ----------------------------------------------------------------------

    def exchange(self, ref: str, member: str, withdraw: Mapping[str, int],
                 deposit: Mapping[str, int], at: dt.datetime, required: int, *,
                 call_outstanding: bool) -> Outcome:
        """Swap collateral for collateral worth no less after haircut, both legs in one
        posting at once (4.8, E14); `call_outstanding`: an intraday call is unmet, so the
        collateral after the exchange must also cover `required`."""
        self._check_day(at)
        what = f"exchange {ref}"
        for asset, quantity in (*withdraw.items(), *deposit.items()):
            _quantity(quantity, f"{what} of {asset}")
        if not withdraw or not deposit or set(withdraw) & set(deposit):
            raise SiamexError(ErrorCode.COLLATERAL_FILE,
                              f"{what}: an exchange withdraws some assets and deposits others")
        legs: list[Leg] = []
        for asset, quantity in sorted(withdraw.items()):
            legs += transfer(derivatives_collateral_account(member, asset),
                             member_source(member, asset), quantity)
        for asset, quantity in sorted(deposit.items()):
            legs += transfer(member_source(member, asset),
                             derivatives_collateral_account(member, asset), quantity)
        tx = Transaction(self._key(member, "exchange", ref), self.day,
                         "derivatives collateral exchange", tuple(legs))
        if self.store.posted(tx.key) is not None:
            return self.store.append(tx)
        for asset in sorted(deposit):
            self.valuer.eligible(asset)  # 4.8: only eligible collateral comes in
        free = self.free(member)
        self._check_free(what, member, free, withdraw)
        before = self.valuer.value(member, free)
        kept = {a: q - withdraw.get(a, 0) for a, q in free.items()}
        between = self.valuer.value(member, kept)
        after = self.valuer.value(member, {a: kept.get(a, 0) + deposit.get(a, 0)
                                           for a in {*kept, *deposit}})
        # 4.8: sum_in value x (1 - h) >= sum_out value x (1 - h); decision 130
        if after < before:
            raise SiamexError(ErrorCode.EXCHANGE_VALUE,
                              f"{what}: what comes in counts {format_baht(after - between)} THB "
                              f"after haircut, less than the {format_baht(before - between)} THB "
                              "going out (4.8)")
        # 4.8: with an intraday call outstanding, the member must first be above the requirement
        if call_outstanding and after < required:
            raise SiamexError(ErrorCode.CALL_OUTSTANDING,
                              f"{what}: an intraday call is outstanding and the collateral after "
                              f"the exchange, {format_baht(after)} THB, is below the requirement "
                              f"of {format_baht(required)} THB: deposit first (4.8, decision 130)")
        return self.store.append(tx)

    # -- margin calls ------------------------------------------------------------------

    def call_time(self, run: Run) -> dt.datetime:
        """When a run's call is settled on the book's day (4.10): 09:00 for the end-of-day
        run's, 12:00 for the intraday round's."""
        r = self.rules
        micros = (r.derivatives_eod_settlement if run is Run.EOD
                  else r.derivatives_intraday_settlement)
        return wall_clock(self.day, micros)

    def debit_call(self, member: str, run: Run, amount: int, *, paid: bool) -> CallDebit:
        """Take a margin call from the member's settlement bank into its THB collateral at the
        run's settlement time, or, when the caller says the member did not pay, record the
        call unmet and post nothing (decision 131). Decided once: a rerun returns the record."""
        record, postings, documents = self.call_entries(member, run, amount, paid=paid)
        self.store.commit(postings, documents)
        return record

    def call_entries(self, member: str, run: Run, amount: int, *, paid: bool
                     ) -> tuple[CallDebit, list[Transaction], dict[str, str]]:
        """What `debit_call` commits, for a caller that commits it with the rest of its
        settlement in one transaction: the record, its posting and the record's document
        (none when already decided)."""
        if type(amount) is not int or amount < 0:
            raise ValueError(f"a call is a whole number of satang, not below zero: {amount!r}")
        record = CALLS.get(self.store, self.day, member, run)
        documents: dict[str, str] = {}
        if record is None:
            record = CallDebit(member, self.day, run, self.call_time(run), amount,
                               amount if paid else 0)
            if amount:
                documents = dict([CALLS.entry(record, self.day, member, run)])
        postings = [Transaction(key(NAMESPACE, self.day, member, "call", run.value), self.day,
                                "derivatives margin call",
                                transfer(member_source(member, THB),
                                         derivatives_collateral_account(member, THB),
                                         record.debited))] if record.debited else []
        return record, postings, documents
