"""The ledger store in a SQLite file: the embedded default (design pillar 5).

One SQL transaction per commit, postings and documents together, so a crash at any instant
leaves each commit wholly written or not at all; WAL mode so readers do not block the writer;
`synchronous=FULL` because a settled transaction must survive a power cut, not only a crashed
process; a UNIQUE idempotency key, so a second append of a key can never add its legs twice.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from siamex.clearing.foundations.ledger import (
    Account,
    ConflictingTransaction,
    Leg,
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

__all__ = ["SqliteStore"]

_SCHEMA = """
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS ledger_transactions (
    seq INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    business_date TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_transactions_by_date ON ledger_transactions (business_date);
CREATE TABLE IF NOT EXISTS ledger_legs (
    seq INTEGER NOT NULL REFERENCES ledger_transactions (seq),
    position INTEGER NOT NULL,
    owner TEXT NOT NULL,
    purpose TEXT NOT NULL,
    account_type TEXT NOT NULL,
    asset TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount <> 0),
    PRIMARY KEY (seq, position)
);
CREATE TABLE IF NOT EXISTS clearing_documents (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
COMMIT;
"""

# Keys looked up per query: well under SQLite's limit on bound parameters (999 before 3.32).
_KEYS_PER_QUERY = 500


class SqliteStore(LedgerStore):
    """A ledger store in one SQLite file, created with its schema on first open."""

    def __init__(self, path: str | Path) -> None:
        # Autocommit at the driver; every write below opens its own SQL transaction.
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def commit(self, transactions: Sequence[Transaction] = (),
               documents: Mapping[str, str] | None = None) -> list[Outcome]:
        for tx in transactions:
            validate(tx)
        if not transactions and not documents:
            return []
        cur = self._db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            outcomes = [self._append(cur, tx) for tx in transactions]
            self._put_documents(cur, documents or {})
            cur.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                cur.execute("ROLLBACK")
            raise
        return outcomes

    def _append(self, cur: sqlite3.Cursor, tx: Transaction) -> Outcome:
        cur.execute(
            "INSERT INTO ledger_transactions (key, business_date, reason) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO NOTHING",
            (tx.key, tx.business_date.isoformat(), tx.reason),
        )
        if cur.rowcount == 1:
            assert cur.lastrowid is not None  # set by the insert that just happened
            self._insert_legs(cur, cur.lastrowid, tx.legs)
            return Outcome.APPLIED
        if self._stored(cur, tx.key) == [tx]:
            return Outcome.ALREADY_APPLIED
        raise ConflictingTransaction(f"{tx.key}: already stored with other content")

    def _insert_legs(self, cur: sqlite3.Cursor, seq: int, legs: tuple[Leg, ...]) -> None:
        cur.executemany(
            "INSERT INTO ledger_legs (seq, position, owner, purpose, account_type, asset, amount)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(seq, position, account.owner, account.purpose, account.account_type or "",
              account.asset, amount)
             for position, (account, amount) in enumerate(legs)],
        )

    def _put_documents(self, cur: sqlite3.Cursor, documents: Mapping[str, str]) -> None:
        cur.executemany(
            "INSERT INTO clearing_documents (name, body) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET body = excluded.body",
            sorted(documents.items()),
        )

    def _stored(self, cur: sqlite3.Cursor, key: str) -> list[Transaction]:
        cur.execute(SELECT_LEGS + "WHERE t.key = ? ORDER BY l.position", (key,))
        return transactions_from_rows(_dated(cur))

    def stored(self, keys: Collection[str]) -> dict[str, Transaction]:
        found: dict[str, Transaction] = {}
        wanted = sorted(keys)
        cur = self._db.cursor()
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            chunk = wanted[start:start + _KEYS_PER_QUERY]
            cur.execute(SELECT_LEGS + f"WHERE t.key IN ({', '.join('?' * len(chunk))})"
                        " ORDER BY t.seq, l.position", chunk)
            found.update((tx.key, tx) for tx in transactions_from_rows(_dated(cur)))
        return found

    def transactions(self, since: dt.date | None = None) -> list[Transaction]:
        cur = self._db.cursor()
        if since is None:
            cur.execute(SELECT_LEGS + "ORDER BY t.seq, l.position")
        else:
            cur.execute(SELECT_LEGS + "WHERE t.business_date >= ? ORDER BY t.seq, l.position",
                        (since.isoformat(),))
        return transactions_from_rows(_dated(cur))

    def keyed(self, prefix: str) -> list[Transaction]:
        # A range on the unique key's index: keys compare as UTF-8 bytes (BINARY collation),
        # and U+10FFFF is the last code point, so every key with the prefix is below the end.
        cur = self._db.cursor()
        cur.execute(SELECT_LEGS + "WHERE t.key >= ? AND t.key < ? ORDER BY t.seq, l.position",
                    (prefix, prefix + "\U0010ffff"))
        return transactions_from_rows(_dated(cur))

    def keyed_legs(self, prefix: str, owner_not: str) -> list[tuple[str, Account, int]]:
        rows = self._db.execute(
            "SELECT t.key, l.owner, l.purpose, l.account_type, l.asset, l.amount" + FROM_LEGS +
            " WHERE t.key >= ? AND t.key < ? AND l.owner <> ? ORDER BY t.seq, l.position",
            (prefix, prefix + "\U0010ffff", owner_not))
        return [(key, account_from_row(owner, purpose, kind, asset), amount)
                for key, owner, purpose, kind, asset, amount in rows]

    def balances(self) -> dict[Account, int]:
        rows = self._db.execute(
            "SELECT owner, purpose, account_type, asset, SUM(amount) FROM ledger_legs "
            "GROUP BY owner, purpose, account_type, asset HAVING SUM(amount) <> 0"
        )
        return {account_from_row(owner, purpose, account_type, asset): total
                for owner, purpose, account_type, asset, total in rows}

    def get_document(self, name: str) -> str | None:
        row = self._db.execute("SELECT body FROM clearing_documents WHERE name = ?",
                               (name,)).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        self._db.close()


def _dated(rows: sqlite3.Cursor) -> Iterator[Any]:
    """Turn the ISO text SQLite keeps a business date in back into a date."""
    for key, business_date, *rest in rows:
        yield (key, dt.date.fromisoformat(business_date), *rest)
