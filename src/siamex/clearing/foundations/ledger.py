"""The clearing house's double-entry ledger: every movement is a balanced posting.

Rules this module keeps (issue: "balances are derived, never edited"):

- An `Account` is keyed by owner (a member id or "TCH"), purpose (cash, securities, ...),
  account type (portfolio or client, kept apart as [S002] requires; None where the rule nets
  per member, such as cash, §3.2) and asset ("THB", or a symbol with its board, "PTT-F").
- A `Transaction` is legs of integer quantities (shares, or satang for THB) that sum to zero per
  asset, so value is only ever moved, never made. The one way an asset enters the clearing
  house is a leg from a `depository` account, the outside world's side of a movement: TSD
  issuing book-entry securities (opening balances, deposits), a settlement bank bringing cash.
  Such an account runs negative by exactly what it has put in; every other account is a holding.
- Each transaction carries an idempotency key ("settle:2026-11-24:round1:M1:PTT"). Applying a
  key a second time changes nothing, so a day run twice, or resumed after a crash, settles
  nothing twice; the same key with different legs is a bug and is refused.

Kept to tuples and dicts of ints: a benchmark applies millions of postings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from enum import Enum, StrEnum
from typing import NamedTuple

__all__ = [
    "CASH",
    "CLEARING_FUND",
    "COLLATERAL",
    "DEPOSITORY",
    "SECURITIES",
    "TCH",
    "THB",
    "Account",
    "AccountType",
    "ConflictingTransaction",
    "InvalidTransaction",
    "Ledger",
    "Leg",
    "Outcome",
    "Transaction",
    "UnbalancedTransaction",
    "transfer",
    "validate",
]

TCH = "TCH"
THB = "THB"

# Purposes are open-ended strings (each clearing module may add its own, e.g. SBL collateral);
# these are the ones every module shares.
CASH = "cash"
SECURITIES = "securities"
COLLATERAL = "collateral"
CLEARING_FUND = "clearing_fund"
DEPOSITORY = "depository"


class AccountType(StrEnum):
    """The two depository account types that TCH settles separately [S002] §3.1."""

    PORTFOLIO = "portfolio"
    CLIENT = "client"


_ACCOUNT_TYPES = frozenset({None, AccountType.PORTFOLIO, AccountType.CLIENT})


class Account(NamedTuple):
    """One account: whose, what for, which type, holding which asset."""

    owner: str
    purpose: str
    account_type: AccountType | None
    asset: str

    @property
    def is_depository(self) -> bool:
        """Whether this is an outside source, the only kind of account allowed below zero."""
        return self.purpose == DEPOSITORY


class Leg(NamedTuple):
    """A signed quantity of the account's asset: positive in, negative out."""

    account: Account
    amount: int


class Transaction(NamedTuple):
    """One balanced posting, applied once per idempotency key."""

    key: str
    business_date: dt.date
    reason: str
    legs: tuple[Leg, ...]


class Outcome(Enum):
    """What applying or appending a transaction did."""

    APPLIED = "applied"
    ALREADY_APPLIED = "already applied"


class InvalidTransaction(ValueError):
    """A transaction that no ledger may hold: no key, no legs, a zero or non-integer amount."""


class UnbalancedTransaction(InvalidTransaction):
    """A transaction whose legs do not sum to zero for some asset: it would create value."""


class ConflictingTransaction(ValueError):
    """A transaction whose key was already applied with different content."""


def transfer(source: Account, destination: Account, quantity: int) -> tuple[Leg, Leg]:
    """Return the two legs that move `quantity` from one account to another."""
    return Leg(source, -quantity), Leg(destination, quantity)


def validate(tx: Transaction) -> None:
    """Refuse a transaction that is malformed or does not balance per asset."""
    if not isinstance(tx.key, str) or not tx.key:
        raise InvalidTransaction(f"a transaction needs an idempotency key, got {tx.key!r}")
    # datetime is a date too; a business date has no time of day.
    if type(tx.business_date) is not dt.date:
        raise InvalidTransaction(f"{tx.key}: the business date must be a date")
    if not isinstance(tx.reason, str):
        raise InvalidTransaction(f"{tx.key}: the reason must be text")
    legs = tx.legs
    if type(legs) is not tuple or len(legs) < 2:
        raise InvalidTransaction(f"{tx.key}: the legs must be a tuple of at least two")
    totals: dict[str, int] = {}
    for account, amount in legs:
        if type(account) is not Account or account.account_type not in _ACCOUNT_TYPES:
            raise InvalidTransaction(f"{tx.key}: {account!r} is not an account")
        if type(amount) is not int or amount == 0:
            raise InvalidTransaction(f"{tx.key}: amount {amount!r} is not a non-zero integer")
        totals[account.asset] = totals.get(account.asset, 0) + amount
    for asset, total in totals.items():
        if total:
            raise UnbalancedTransaction(f"{tx.key}: the legs in {asset} sum to {total}, not 0")


class Ledger:
    """Balances derived from the transactions applied, in the order applied."""

    __slots__ = ("_applied", "_balances")

    def __init__(self) -> None:
        self._applied: dict[str, Transaction] = {}
        self._balances: dict[Account, int] = {}

    @classmethod
    def from_transactions(cls, transactions: Iterable[Transaction]) -> Ledger:
        """Rebuild a ledger from stored transactions (a replay)."""
        ledger = cls()
        for tx in transactions:
            ledger.apply(tx)
        return ledger

    def apply(self, tx: Transaction) -> Outcome:
        """Post a transaction once; its key seen before with the same content is a no-op."""
        prior = self._applied.get(tx.key)
        if prior is not None:
            if prior == tx:
                return Outcome.ALREADY_APPLIED
            raise ConflictingTransaction(f"{tx.key}: already applied with other content")
        validate(tx)
        self.apply_validated(tx)
        return Outcome.APPLIED

    def apply_validated(self, tx: Transaction) -> None:
        """Post a new transaction the caller has validated, as a store does a whole batch
        before applying any of it."""
        balances = self._balances
        for account, amount in tx.legs:
            balances[account] = balances.get(account, 0) + amount
        self._applied[tx.key] = tx

    def get(self, key: str) -> Transaction | None:
        """Return the transaction applied under a key, if any."""
        return self._applied.get(key)

    def __len__(self) -> int:
        return len(self._applied)

    def transactions(self) -> Iterator[Transaction]:
        """Iterate the applied transactions in the order they were applied."""
        return iter(self._applied.values())

    def balance(self, account: Account) -> int:
        """Return an account's balance (zero for an account never posted to)."""
        return self._balances.get(account, 0)

    def balances(self, *, owner: str | None = None, asset: str | None = None) -> dict[Account, int]:
        """Return the non-zero balances, optionally of one owner and/or one asset."""
        return {
            account: amount
            for account, amount in self._balances.items()
            if amount
            and (owner is None or account.owner == owner)
            and (asset is None or account.asset == asset)
        }

    def check_invariants(self) -> list[str]:
        """Describe every broken invariant; an empty list means the ledger is sound.

        Every asset sums to zero over all accounts (nothing created outside a depository), and
        no account but a depository is below zero (nobody holds minus shares or minus cash; a
        settlement engine that delivers what a member lacks has a bug, since that is a fail).
        """
        problems: list[str] = []
        totals: dict[str, int] = {}
        for account, amount in self._balances.items():
            totals[account.asset] = totals.get(account.asset, 0) + amount
            if amount < 0 and not account.is_depository:
                problems.append(f"{account} holds {amount}, below zero")
        problems.extend(
            f"{asset} sums to {total} over all accounts, not 0"
            for asset, total in totals.items()
            if total
        )
        return problems
