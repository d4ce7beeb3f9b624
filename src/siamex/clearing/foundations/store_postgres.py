"""The ledger store in PostgreSQL (psycopg 3): the shared store when the ledger scales out.

The same schema and semantics as the SQLite store. A commit is one SQL transaction: the
transaction rows go in pipelined with `ON CONFLICT (key) DO NOTHING RETURNING seq`, so keys
already stored return nothing, the new legs follow by COPY, then the documents. A client that
dies mid-commit leaves nothing behind, since the server rolls back a transaction whose
connection is gone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import psycopg

from siamex.clearing.foundations.ledger import (
    Account,
    ConflictingTransaction,
    Outcome,
    Transaction,
    validate,
)
from siamex.clearing.foundations.store import (
    FROM_LEGS,
    SELECT_LEGS,
    LedgerStore,
    account_from_row,
    transactions_from_rows,
)

__all__ = ["PostgresStore"]

# Two stores opening one new database at once would race on CREATE TABLE IF NOT EXISTS;
# this advisory lock (an arbitrary constant) makes them take turns.
_SCHEMA_LOCK = 0x5349414D4558

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS ledger_transactions (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        business_date DATE NOT NULL,
        reason TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS ledger_transactions_by_date"
    " ON ledger_transactions (business_date)",
    """CREATE TABLE IF NOT EXISTS ledger_legs (
        seq BIGINT NOT NULL REFERENCES ledger_transactions (seq),
        position INTEGER NOT NULL,
        owner TEXT NOT NULL,
        purpose TEXT NOT NULL,
        account_type TEXT NOT NULL,
        asset TEXT NOT NULL,
        amount BIGINT NOT NULL CHECK (amount <> 0),
        PRIMARY KEY (seq, position)
    )""",
    """CREATE TABLE IF NOT EXISTS clearing_documents (
        name TEXT PRIMARY KEY,
        body TEXT NOT NULL
    )""",
)


LegCopyRow = tuple[int, int, str, str, str, str, int]


class PostgresStore(LedgerStore):
    """A ledger store in a PostgreSQL database, opened from a `postgresql://` URL."""

    def __init__(self, url: str) -> None:
        # Autocommit at the driver: reads stand alone, writes open `transaction()` blocks.
        self._db: psycopg.Connection[tuple[Any, ...]] = psycopg.connect(url, autocommit=True)
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            for statement in _SCHEMA:
                self._db.execute(statement)

    def commit(self, transactions: Sequence[Transaction] = (),
               documents: Mapping[str, str] | None = None) -> list[Outcome]:
        for tx in transactions:
            validate(tx)
        if not transactions and not documents:
            return []
        with self._db.transaction(), self._db.cursor() as cur:
            outcomes = self._append(cur, transactions) if transactions else []
            self._put_documents(cur, documents or {})
        return outcomes

    def _append(self, cur: psycopg.Cursor[tuple[Any, ...]],
                transactions: Sequence[Transaction]) -> list[Outcome]:
        """Insert the new transactions with their legs, inside the caller's SQL transaction."""
        cur.executemany(
            "INSERT INTO ledger_transactions (key, business_date, reason)"
            " VALUES (%s, %s, %s) ON CONFLICT (key) DO NOTHING RETURNING seq",
            [(tx.key, tx.business_date, tx.reason) for tx in transactions],
            returning=True,
        )
        seqs: list[int | None] = []
        while True:
            row = cur.fetchone()
            seqs.append(None if row is None else int(row[0]))
            if not cur.nextset():
                break
        self._insert_legs(cur, [
            (seq, position, account.owner, account.purpose, account.account_type or "",
             account.asset, amount)
            for tx, seq in zip(transactions, seqs, strict=True) if seq is not None
            for position, (account, amount) in enumerate(tx.legs)
        ])
        # Read after the legs are in, so a key repeated within the batch compares against
        # its first occurrence; one query for all, as a resumed day repeats thousands.
        stored = self._stored(cur, [tx.key for tx, seq in zip(transactions, seqs,
                                                               strict=True) if seq is None])
        outcomes: list[Outcome] = []
        for tx, seq in zip(transactions, seqs, strict=True):
            if seq is not None:
                outcomes.append(Outcome.APPLIED)
            elif stored[tx.key] == tx:
                outcomes.append(Outcome.ALREADY_APPLIED)
            else:
                raise ConflictingTransaction(f"{tx.key}: already stored with other content")
        return outcomes

    def _put_documents(self, cur: psycopg.Cursor[tuple[Any, ...]],
                       documents: Mapping[str, str]) -> None:
        cur.executemany(
            "INSERT INTO clearing_documents (name, body) VALUES (%s, %s)"
            " ON CONFLICT (name) DO UPDATE SET body = excluded.body",
            sorted(documents.items()),
        )

    def _insert_legs(self, cur: psycopg.Cursor[tuple[Any, ...]], rows: list[LegCopyRow]) -> None:
        with cur.copy("COPY ledger_legs (seq, position, owner, purpose, account_type, asset,"
                      " amount) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _stored(self, cur: psycopg.Cursor[tuple[Any, ...]],
                keys: list[str]) -> dict[str, Transaction]:
        if not keys:
            return {}
        cur.execute(SELECT_LEGS + "WHERE t.key = ANY(%s) ORDER BY t.seq, l.position", (keys,))
        return {tx.key: tx for tx in transactions_from_rows(cur.fetchall())}

    def stored(self, keys: Collection[str]) -> dict[str, Transaction]:
        with self._db.cursor() as cur:
            return self._stored(cur, list(keys))

    def transactions(self, since: dt.date | None = None) -> list[Transaction]:
        with self._db.cursor() as cur:
            if since is None:
                cur.execute(SELECT_LEGS + "ORDER BY t.seq, l.position")
            else:
                cur.execute(SELECT_LEGS + "WHERE t.business_date >= %s"
                            " ORDER BY t.seq, l.position", (since,))
            return transactions_from_rows(cur.fetchall())

    def keyed(self, prefix: str) -> list[Transaction]:
        with self._db.cursor() as cur:  # starts_with, not LIKE: a key may hold % or _
            cur.execute(SELECT_LEGS + "WHERE starts_with(t.key, %s) ORDER BY t.seq, l.position",
                        (prefix,))
            return transactions_from_rows(cur.fetchall())

    def keyed_legs(self, prefix: str, owner_not: str) -> list[tuple[str, Account, int]]:
        rows = self._db.execute(
            "SELECT t.key, l.owner, l.purpose, l.account_type, l.asset, l.amount" + FROM_LEGS +
            " WHERE starts_with(t.key, %s) AND l.owner <> %s ORDER BY t.seq, l.position",
            (prefix, owner_not)).fetchall()
        return [(key, account_from_row(owner, purpose, kind, asset), int(amount))
                for key, owner, purpose, kind, asset, amount in rows]

    def balances(self) -> dict[Account, int]:
        rows = self._db.execute(
            "SELECT owner, purpose, account_type, asset, SUM(amount)::bigint FROM ledger_legs"
            " GROUP BY owner, purpose, account_type, asset HAVING SUM(amount) <> 0"
        ).fetchall()
        return {account_from_row(owner, purpose, account_type, asset): total
                for owner, purpose, account_type, asset, total in rows}

    def get_document(self, name: str) -> str | None:
        row = self._db.execute("SELECT body FROM clearing_documents WHERE name = %s",
                               (name,)).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        self._db.close()
