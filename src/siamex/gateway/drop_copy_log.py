"""The drop copy kept in the data folder: one SQLite table, appended in batches, read in order.

The table is derived from the journal, like the audit trail (siamex.gateway.audit): every
record carries the journal number of the command that made its trade (`seq`), so a restarted
server knows from `last_seq` where to resume, and a batch's records are committed whole or not
at all. The table is append-only (triggers refuse updates and deletes), and a trade's side can
be in it once (unique trade number and side): a resume that would repeat one fails loudly
instead of keeping a duplicate. `":memory:"` gives the tests an in-memory twin of the same code.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import msgspec

from siamex.gateway.drop_copy import FIELDS, DropCopy

__all__ = ["DROP_COPY", "DropCopyLog"]

DROP_COPY: Final = "dropcopy.sqlite"
"""The drop copy's file in the data folder."""

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS drop_copy (
    n INTEGER PRIMARY KEY,
    {", ".join(FIELDS[1:])},
    UNIQUE (trade_no, side)
);
CREATE INDEX IF NOT EXISTS drop_copy_member ON drop_copy (member, n);
CREATE INDEX IF NOT EXISTS drop_copy_date ON drop_copy (date, n);
CREATE TRIGGER IF NOT EXISTS drop_copy_no_update BEFORE UPDATE ON drop_copy
BEGIN SELECT RAISE(ABORT, 'the drop copy is append-only'); END;
CREATE TRIGGER IF NOT EXISTS drop_copy_no_delete BEFORE DELETE ON drop_copy
BEGIN SELECT RAISE(ABORT, 'the drop copy is append-only'); END;
"""
_COLUMNS = ", ".join(FIELDS)
_INSERT = f"INSERT INTO drop_copy ({_COLUMNS}) VALUES ({', '.join('?' for _ in FIELDS)})"
_AFTER = f"SELECT {_COLUMNS} FROM drop_copy WHERE n > ? ORDER BY n LIMIT ?"
_AFTER_OF = f"SELECT {_COLUMNS} FROM drop_copy WHERE member = ? AND n > ? ORDER BY n LIMIT ?"
_DAY = f"SELECT {_COLUMNS} FROM drop_copy WHERE date = ? ORDER BY n"
_LAST_SEQ = "SELECT coalesce((SELECT seq FROM drop_copy ORDER BY n DESC LIMIT 1), 0)"
"""The journal numbers grow with the records' numbers: the last record has the largest."""
_SIDE = FIELDS.index("side")
_BOARD = FIELDS.index("board")


def _row(record: DropCopy) -> list[object]:
    """A record's row: its fields in order, enums as their values."""
    row: list[object] = list(msgspec.structs.astuple(record))
    row[_SIDE] = record.side.value
    row[_BOARD] = record.board.value
    return row


def _record(row: tuple[object, ...]) -> DropCopy:
    # not strict: SQLite gives the flag back as 0 or 1
    return msgspec.convert(dict(zip(FIELDS, row, strict=True)), DropCopy, strict=False)


class DropCopyLog:
    """The drop copy's records in one SQLite table, numbered by `n`."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        if readonly:  # a reader beside the server's writer (the clearing run's thread)
            self._conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
            return
        self._conn = sqlite3.connect(path)
        # Derived from the journal, which a restart replays into it from the last seq kept:
        # its commits need no fsync of their own, only WAL's protection from damage.
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        with self._conn:
            self._conn.executescript(_SCHEMA)

    def append_many(self, records: Sequence[DropCopy]) -> None:
        """Keep all of these records, in one transaction, or none of them."""
        with self._conn:
            self._conn.executemany(_INSERT, [_row(record) for record in records])

    def last_seq(self) -> int:
        """The journal number of the last command whose records are kept (0 for none)."""
        (seq,) = self._conn.execute(_LAST_SEQ).fetchone()
        return int(seq)

    def after(self, n: int, member: str | None = None, limit: int = 1000) -> list[DropCopy]:
        """Up to `limit` records numbered above `n`, in order; only `member`'s if given."""
        if member is None:
            rows = self._conn.execute(_AFTER, (n, limit)).fetchall()
        else:
            rows = self._conn.execute(_AFTER_OF, (member, n, limit)).fetchall()
        return [_record(row) for row in rows]

    def day(self, date: str) -> list[DropCopy]:
        """Every record of a trading day (YYYY-MM-DD), in order."""
        return [_record(row) for row in self._conn.execute(_DAY, (date,)).fetchall()]

    def close(self) -> None:
        self._conn.close()
