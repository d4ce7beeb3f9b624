"""One step of the clearing day as one commit: what the step writes is staged, then committed
to the store in a single transaction when the step ends.

Why: a step posts and then records what it did in state documents (the open fails and loans,
the day's outcome, a decision taken at a cut-off). Written one by one, a crash between two of
those writes left a store that a rerun read wrongly: the opening holdings recorded as issued
but never posted, a fail recorded as covered but its loan not recorded. Staged here and
committed once, a step is in the store wholly or not at all, and a rerun finds it done or
runs it again from the start.

`UnitOfWork(store)` is itself a `LedgerStore`, so the steps need no second interface: reads
see the store with the staged writes on top (a step reads back what it has just posted), and
writes are checked as the store would check them (a key already stored with the same content
is `ALREADY_APPLIED`, with other content `ConflictingTransaction`) but kept until the `with`
block ends. It ends in one `commit` of the new postings, in the order staged, and of the
documents whose text changed; a block that raises commits nothing. A unit of work opened on
another one commits into it, as a part of the larger step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from types import TracebackType

from siamex.clearing.foundations.ledger import (
    Account,
    Ledger,
    Outcome,
    Transaction,
)
from siamex.clearing.foundations.store import LedgerStore, sort_out

__all__ = ["UnitOfWork"]


class UnitOfWork(LedgerStore):
    """A store's writes held back until the step ends, then committed at once."""

    def __init__(self, store: LedgerStore) -> None:
        self._store = store
        self._staged = Ledger()
        self._documents: dict[str, str] = {}
        self._ended = False

    def commit(self, transactions: Sequence[Transaction] = (),
               documents: Mapping[str, str] | None = None) -> list[Outcome]:
        """Stage postings and documents; refuse the whole call as the store would."""
        if self._ended:
            raise RuntimeError("this unit of work has ended: open a new one")
        stored = self._store.stored({tx.key for tx in transactions
                                     if self._staged.get(tx.key) is None})
        new, outcomes = sort_out(transactions,
                                 lambda key: self._staged.get(key) or stored.get(key))
        for tx in new.values():
            self._staged.apply_validated(tx)
        self._documents.update(documents or {})
        return outcomes

    def stored(self, keys: Collection[str]) -> dict[str, Transaction]:
        found = {key: tx for key in keys if (tx := self._staged.get(key)) is not None}
        return {**self._store.stored([key for key in keys if key not in found]), **found}

    def transactions(self, since: dt.date | None = None) -> list[Transaction]:
        return [*self._store.transactions(since),
                *(tx for tx in self._staged.transactions()
                  if since is None or tx.business_date >= since)]

    def keyed(self, prefix: str) -> list[Transaction]:
        return [*self._store.keyed(prefix),
                *(tx for tx in self._staged.transactions() if tx.key.startswith(prefix))]

    def keyed_legs(self, prefix: str, owner_not: str) -> list[tuple[str, Account, int]]:
        return [*self._store.keyed_legs(prefix, owner_not),
                *((tx.key, account, amount) for tx in self._staged.transactions()
                  if tx.key.startswith(prefix)
                  for account, amount in tx.legs if account.owner != owner_not)]

    def balances(self) -> dict[Account, int]:
        balances = self._store.balances()
        for account, amount in self._staged.balances().items():
            balances[account] = balances.get(account, 0) + amount
        return {account: amount for account, amount in balances.items() if amount}

    def get_document(self, name: str) -> str | None:
        if name in self._documents:
            return self._documents[name]
        return self._store.get_document(name)

    def close(self) -> None:
        """Drop what is staged without committing it."""
        self._ended = True
        self._staged = Ledger()
        self._documents = {}

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self._end()
        finally:
            self.close()

    def _end(self) -> None:
        """Commit the new postings and the documents whose text changed, if any."""
        transactions = list(self._staged.transactions())
        documents = {name: text for name, text in self._documents.items()
                     if self._store.get_document(name) != text}
        if transactions or documents:
            self._store.commit(transactions, documents)
