"""Open the ledger store a setting names: SQLite by default, PostgreSQL when given a URL."""

from __future__ import annotations

from pathlib import Path

from siamex.clearing.foundations.store import LedgerStore, MemoryStore

__all__ = ["open_store"]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store(target: str | Path) -> LedgerStore:
    """Open `postgresql://...` in PostgreSQL, ":memory:" in memory, anything else as a file."""
    if isinstance(target, str) and target.startswith(_POSTGRES_SCHEMES):
        # Imported here so the embedded default never loads the PostgreSQL driver.
        from siamex.clearing.foundations.store_postgres import PostgresStore

        return PostgresStore(target)
    if target == ":memory:":
        return MemoryStore()
    from siamex.clearing.foundations.store_sqlite import SqliteStore

    return SqliteStore(target)
