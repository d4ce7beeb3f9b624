"""The clearing house's one interface to persistence, and its in-memory twin.

The rest of the clearing house sees only `LedgerStore`: commit postings and small named state
documents (JSON text such as "clearing:fails") together, all of them or none, each posting once
per key; read the postings back, the balances they derive, and the documents. A step of the
clearing day stages what it writes in a `unit_of_work.UnitOfWork` and commits it once, so a
crash leaves a step wholly done or not begun; postings a rerun repeats come back
`ALREADY_APPLIED`, so nothing settles twice. Keys and document names are built by `keys.key`.

`MemoryStore` is what most tests use; SQLite (store_sqlite) is the default on disk and
PostgreSQL (store_postgres) the shared one. All three keep the same semantics, which
tests/clearing/test_store.py checks against each.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from itertools import groupby
from operator import itemgetter
from types import TracebackType

from siamex.clearing.foundations.ledger import (
    Account,
    AccountType,
    ConflictingTransaction,
    Ledger,
    Leg,
    Outcome,
    Transaction,
    validate,
)

__all__ = ["LedgerStore", "LegRow", "MemoryStore", "account_from_row", "sort_out",
           "transactions_from_rows"]

# The SQL stores keep a leg as one row: the transaction's key, business date and reason, then
# the account (its type '' for none) and the amount.
LegRow = tuple[str, dt.date, str, str, str, str, str, int]
_ACCOUNT_TYPES: dict[str, AccountType | None] = {"": None, **{t.value: t for t in AccountType}}


# The SQL stores' one schema, read the same way: every leg with its transaction (for the two
# SQL stores only, so not in __all__).
FROM_LEGS = " FROM ledger_transactions t JOIN ledger_legs l ON l.seq = t.seq "
SELECT_LEGS = ("SELECT t.key, t.business_date, t.reason, l.owner, l.purpose, l.account_type,"
               " l.asset, l.amount" + FROM_LEGS)


class LedgerStore(ABC):
    """Where the ledger and the clearing state persist."""

    @abstractmethod
    def commit(self, transactions: Sequence[Transaction] = (),
               documents: Mapping[str, str] | None = None) -> list[Outcome]:
        """Persist postings and state documents in one transaction: all of them, or none.

        A key already stored with the same content is `ALREADY_APPLIED`; with other content
        it raises `ConflictingTransaction` and nothing of the commit is kept. An invalid or
        unbalanced transaction raises likewise (ledger.validate). A document is stored or
        replaced by name. Returns each transaction's outcome, in order.
        """

    def append(self, tx: Transaction) -> Outcome:
        """Persist one transaction with all its legs, or nothing; once per key."""
        return self.commit((tx,))[0]

    def append_all(self, transactions: Sequence[Transaction]) -> list[Outcome]:
        """Persist a batch of postings atomically (`commit` without documents)."""
        return self.commit(transactions)

    def put_document(self, name: str, text: str) -> None:
        """Store (or replace) one state document (`commit` without postings)."""
        self.commit((), {name: text})

    @abstractmethod
    def stored(self, keys: Collection[str]) -> dict[str, Transaction]:
        """Return the stored transactions of these keys, by key (a key not stored is
        absent): what a commit checks a repeated posting against."""

    @abstractmethod
    def transactions(self, since: dt.date | None = None) -> list[Transaction]:
        """Return the stored transactions in append order, those from `since` on if given."""

    @abstractmethod
    def keyed(self, prefix: str) -> list[Transaction]:
        """Return the stored transactions whose key starts with `prefix`, in append order:
        what one step of one day posted, read without reading the whole ledger."""

    def posted(self, key: str) -> Transaction | None:
        """The transaction stored under exactly `key`, if any: whether a step already ran."""
        return self.stored((key,)).get(key)

    @abstractmethod
    def keyed_legs(self, prefix: str, owner_not: str) -> list[tuple[str, Account, int]]:
        """Return (key, account, amount) of every leg, of an owner other than `owner_not`, of
        the transactions whose key starts with `prefix`, in append order: what settlement reads
        back after each step, without building whole transactions."""

    @abstractmethod
    def balances(self) -> dict[Account, int]:
        """Return every non-zero balance, derived from the stored legs."""

    @abstractmethod
    def get_document(self, name: str) -> str | None:
        """Return the state document of that name, None if there is none."""

    @abstractmethod
    def close(self) -> None:
        """Release the store's connection."""

    def __enter__(self) -> LedgerStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def sort_out(transactions: Sequence[Transaction],
             known: Callable[[str], Transaction | None]) -> tuple[dict[str, Transaction],
                                                                   list[Outcome]]:
    """Check a commit's postings against those already `known`, before anything is applied:
    the new ones (validated) by key, and each posting's outcome. A key known with other content
    raises `ConflictingTransaction`, refusing the whole commit."""
    new: dict[str, Transaction] = {}
    outcomes: list[Outcome] = []
    for tx in transactions:
        prior = known(tx.key) or new.get(tx.key)
        if prior is None:
            validate(tx)
            new[tx.key] = tx
            outcomes.append(Outcome.APPLIED)
        elif prior == tx:
            outcomes.append(Outcome.ALREADY_APPLIED)
        else:
            raise ConflictingTransaction(f"{tx.key}: already stored with other content")
    return new, outcomes


class MemoryStore(LedgerStore):
    """A store that lives as long as the process: the twin the tests use."""

    def __init__(self) -> None:
        self._ledger = Ledger()
        self._documents: dict[str, str] = {}

    def commit(self, transactions: Sequence[Transaction] = (),
               documents: Mapping[str, str] | None = None) -> list[Outcome]:
        # Check the whole commit before applying any of it, which is what makes it atomic.
        staged, outcomes = sort_out(transactions, self._ledger.get)
        for tx in staged.values():
            self._ledger.apply_validated(tx)
        self._documents.update(documents or {})
        return outcomes

    def stored(self, keys: Collection[str]) -> dict[str, Transaction]:
        return {key: tx for key in keys if (tx := self._ledger.get(key)) is not None}

    def transactions(self, since: dt.date | None = None) -> list[Transaction]:
        return [tx for tx in self._ledger.transactions()
                if since is None or tx.business_date >= since]

    def keyed(self, prefix: str) -> list[Transaction]:
        return [tx for tx in self._ledger.transactions() if tx.key.startswith(prefix)]

    def keyed_legs(self, prefix: str, owner_not: str) -> list[tuple[str, Account, int]]:
        return [(tx.key, account, amount) for tx in self.keyed(prefix)
                for account, amount in tx.legs if account.owner != owner_not]

    def balances(self) -> dict[Account, int]:
        return self._ledger.balances()

    def get_document(self, name: str) -> str | None:
        return self._documents.get(name)

    def close(self) -> None:
        """Nothing to release: the memory goes with the object."""


def account_from_row(owner: str, purpose: str, account_type: str, asset: str) -> Account:
    """Read an account as the SQL stores keep it (account type '' for none)."""
    return Account(owner, purpose, _ACCOUNT_TYPES[account_type], asset)


def transactions_from_rows(rows: Iterable[LegRow]) -> list[Transaction]:
    """Group leg rows, ordered by transaction then leg, back into transactions."""
    result: list[Transaction] = []
    for _, group in groupby(rows, itemgetter(0)):
        leg_rows = list(group)
        key, business_date, reason = leg_rows[0][:3]
        legs = tuple(Leg(account_from_row(*row[3:7]), row[7]) for row in leg_rows)
        result.append(Transaction(key, business_date, reason, legs))
    return result
