"""What the tests that resume after a crash share: a store that dies at a commit, and the
runner of real child processes killed after a durable write (`kill_after_commit.py`) with
a reading of everything a SQLite store holds, to compare with an uninterrupted run."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from siamex.clearing.foundations.ledger import Outcome, Transaction
from siamex.clearing.foundations.store import MemoryStore
from siamex.clearing.foundations.store_sqlite import SqliteStore

RUNNER = Path(__file__).parent / "kill_after_commit.py"


class Crash(Exception):
    """The process dies."""


class CrashingStore(MemoryStore):
    """Dies at the n-th commit (0 the first), before any of it is stored; -1 never."""

    def __init__(self, writes: int) -> None:
        super().__init__()
        self.writes = writes

    def commit(self, transactions: Sequence[Transaction] = (),
               documents: Mapping[str, str] | None = None) -> list[Outcome]:
        if self.writes == 0:
            raise Crash
        self.writes -= 1
        return super().commit(transactions, documents)


def run_jobs(folder: Path, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the jobs in order through the runner; how each child ended, and its writes."""
    plan, results = folder / "plan.json", folder / "results.json"
    plan.write_text(json.dumps({"jobs": jobs, "results": str(results)}))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")  # the runner's imports, compiled once
    done = subprocess.run([sys.executable, str(RUNNER), str(plan)], env=env, timeout=600,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    ended: list[dict[str, Any]] = json.loads(results.read_text())
    return ended


def store_contents(store: Path) -> dict[str, Any]:
    """Everything a SQLite store holds: transactions and legs in order, balances, documents."""
    db = sqlite3.connect(store)
    try:
        contents: dict[str, Any] = {
            table: db.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            for table, order in (("ledger_transactions", "seq"),
                                 ("ledger_legs", "seq, position"),
                                 ("clearing_documents", "name"))}
    finally:
        db.close()
    with SqliteStore(store) as ledger:
        contents["balances"] = sorted(ledger.balances().items())
    return contents
