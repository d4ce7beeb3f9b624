"""Run `siamex clearing run` days in child processes, each killed by SIGKILL right after its
Nth durable commit of the SQLite store: the fault injected at the store boundary, from outside
the product.

    python kill_after_commit.py PLAN

PLAN is a JSON file: {"jobs": [job, ...], "results": path}. A job is
{"store": path, "copy_from": path or null, "kill_after": N (0: never),
 "runs": [{"args": [...], "report": path}]}: this process copies `copy_from` (a closed store)
to `store`, then forks a child that wraps `SqliteStore.commit` to count every commit that
writes and kill itself after the Nth, and calls `siamex.cli.main` with each run's arguments,
writing what it prints to the run's report file. The jobs run one after another; `results`
receives, per job, how the child ended and how many writes each of its runs made.

Forked from this process, which has imported the command's modules and read the calendar
once, a child starts in milliseconds: the test can kill a run after every write of a four-day
scenario in seconds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import os
import select
import shutil
import signal
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from siamex.clearing.foundations.ledger import Outcome, Transaction
from siamex.clearing.foundations.store_sqlite import SqliteStore
from siamex.cli import main
from siamex.rulebook.calendar import is_trading_day

_TIMEOUT = 120  # seconds a child may take before it is killed as hung


def _inject(kill_after: int, counted: list[int]) -> None:
    """Count every commit that writes, per run, and die at once after the `kill_after`-th."""
    commit = SqliteStore.commit

    def counting(self: SqliteStore, transactions: Sequence[Transaction] = (),
                 documents: Mapping[str, str] | None = None) -> list[Outcome]:
        outcomes = commit(self, transactions, documents)
        if transactions or documents:
            counted[-1] += 1
            if sum(counted) == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
        return outcomes

    SqliteStore.commit = counting  # type: ignore[method-assign]


def _child(job: Mapping[str, Any], counts: Path) -> None:
    counted: list[int] = []
    _inject(job["kill_after"], counted)
    for run in job["runs"]:
        counted.append(0)
        with Path(run["report"]).open("w", encoding="utf-8") as out, \
                contextlib.redirect_stdout(out):
            main(run["args"], standalone_mode=False)
    counts.write_text(json.dumps(counted))


def _copy(source: Path, store: Path) -> None:
    """Copy a closed SQLite store, with any file beside it (a write-ahead log)."""
    for part in source.parent.glob(source.name + "*"):
        shutil.copy(part, store.parent / (store.name + part.name[len(source.name):]))


def _wait(pid: int) -> int:
    """Wait for the child, polling with a timeout; its wait status."""
    handle = os.pidfd_open(pid)
    try:
        if not select.select([handle], [], [], _TIMEOUT)[0]:
            os.kill(pid, signal.SIGKILL)
            raise TimeoutError(f"child {pid} still running after {_TIMEOUT} s")
        return os.waitpid(pid, 0)[1]
    finally:
        os.close(handle)


def _job(job: Mapping[str, Any]) -> dict[str, Any]:
    store = Path(job["store"])
    if job["copy_from"] is not None:
        _copy(Path(job["copy_from"]), store)
    counts = store.with_name(store.name + ".counts")
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            _child(job, counts)
        except BaseException:  # the child reports and ends here, never returning to the loop
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    status = _wait(pid)
    return {"exit": os.waitstatus_to_exitcode(status),
            "counts": json.loads(counts.read_text()) if counts.exists() else None}


def _warm() -> None:
    """Import what `siamex clearing run` imports when it runs, and read the calendar, so that
    no child does it again."""
    for module in ("equities", "equities.holdings", "day.instructions", "foundations.members",
                   "reports.member_report", "day.run", "foundations.store_open",
                   "derivatives.files", "derivatives.report"):
        importlib.import_module(f"siamex.clearing.{module}")
    is_trading_day(dt.date(2021, 3, 3))


def run(plan: Mapping[str, Any]) -> None:
    _warm()
    Path(plan["results"]).write_text(json.dumps([_job(job) for job in plan["jobs"]]))


if __name__ == "__main__":
    run(json.loads(Path(sys.argv[1]).read_text()))
