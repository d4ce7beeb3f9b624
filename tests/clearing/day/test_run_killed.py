"""`siamex clearing run` killed with SIGKILL right after each durable write of its SQLite store,
then run again: the four days of examples/clearing/default end as an uninterrupted run does,
with the same reports printed, the same ledger (every transaction, leg and balance) and the same
state documents (issue 9, "Crash safety of the clearing store").

The fault is injected from outside the product by kill_after_commit.py, which wraps the store's
commit to count each write and kill the running child after the Nth, then calls
`siamex.cli.main`. For every N from 1 to the number of writes of the four days (all of them, no
sample), a child starts from the store as it was before the day of write N and is killed after
it; a second child runs that day again and the days after it.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from ..crashing import run_jobs, store_contents

SCENARIO = Path(__file__).resolve().parents[3] / "examples" / "clearing" / "default"
DAYS = (("2021-03-03", "1-trades.csv"), ("2021-03-04", "no-trades.csv"),
        ("2021-03-05", "no-trades.csv"), ("2021-03-08", "no-trades.csv"))


def _runs(days: range, store: Path, folder: Path) -> list[dict[str, Any]]:
    """The CLI runs of `days` against `store`, each printing its JSON report to `folder`."""
    runs = []
    for number in days:
        day, trades = DAYS[number]
        runs.append({"report": str(folder / f"day-{number + 1}.json"), "args": [
            "clearing", "run", "--members", str(SCENARIO / "members.json"),
            "--trades", str(SCENARIO / trades), "--holdings", str(SCENARIO / "holdings.json"),
            "--store", str(store), "--date", day,
            "--instructions", str(SCENARIO / f"{number + 1}-instructions.json"), "--json"]})
    return runs


def _job(store: Path, copy_from: Path | None, kill_after: int, days: range) -> dict[str, Any]:
    return {"store": str(store), "copy_from": None if copy_from is None else str(copy_from),
            "kill_after": kill_after, "runs": _runs(days, store, store.parent)}


def test_killed_after_any_write_a_rerun_ends_as_an_uninterrupted_run(tmp_path: Path) -> None:
    # The uninterrupted run, a day per child; after-N.db is the store after day N.
    after = [tmp_path / f"after-{number + 1}.db" for number in range(len(DAYS))]
    whole = run_jobs(tmp_path, [
        _job(after[number], after[number - 1] if number else None, 0,
             range(number, number + 1)) for number in range(len(DAYS))])
    assert [job["exit"] for job in whole] == [0] * len(DAYS)
    writes = [job["counts"][0] for job in whole]
    assert all(writes), writes
    uninterrupted = [(tmp_path / f"day-{n + 1}.json").read_text() for n in range(len(DAYS))]
    expected = store_contents(after[-1])

    # Killed after write N of its day, then that day and the rest run again.
    jobs, cases = [], []
    for number, day_writes in enumerate(writes):
        for n in range(1, day_writes + 1):
            folder = tmp_path / f"kill-{len(cases) + 1}"
            folder.mkdir()
            store = folder / "clearing.db"
            start = after[number - 1] if number else None
            jobs += [_job(store, start, n, range(number, number + 1)),
                     _job(store, None, 0, range(number, len(DAYS)))]
            cases.append((number, store))
    ended = run_jobs(tmp_path, jobs)
    assert len(cases) == sum(writes)
    for case, (number, store) in enumerate(cases):
        killed, rerun = ended[2 * case], ended[2 * case + 1]
        assert killed["exit"] == -signal.SIGKILL, (case + 1, killed)
        assert rerun["exit"] == 0, (case + 1, rerun)
        for day in range(number, len(DAYS)):
            report = store.parent / f"day-{day + 1}.json"
            assert report.read_text() == uninterrupted[day], (case + 1, report.name)
        assert store_contents(store) == expected, case + 1
