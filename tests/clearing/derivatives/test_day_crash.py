"""`siamex derivatives run` killed with SIGKILL right after each durable write of its SQLite
store, then run again: two derivatives days, each an intraday calculation, an intraday round,
the end-of-day run and the day's commit (decisions 108, 137), the second with collateral
requests answered and withdrawals refused, end as an uninterrupted run does, with the same
reports printed, the same ledger (every transaction, leg and balance) and the same positions,
prices, bookings and day records.

As tests/clearing/day/test_run_killed.py does for equities, the fault is injected from outside
the product by kill_after_commit.py, which wraps the store's commit to count each write and
kill the running child after the Nth, then calls `siamex.cli.main`. For every N from 1 to the
number of writes of the two days (all of them), a child starts from the store as it was before
the day of write N and is killed after it; a second child runs that day again and the day after
it.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

from ..crashing import run_jobs, store_contents

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "derivatives"
DAYS = 2


def _scenario(folder: Path) -> list[tuple[Path, Path]]:
    """The example's first two days, the second given an intraday round too."""
    second = json.loads((EXAMPLES / "next-day.json").read_text())
    second["intraday_prices"] = {"S50M21": "970.0"}
    (folder / "next-day.json").write_text(json.dumps(second))
    return [(EXAMPLES / "normal-day-trades.csv", EXAMPLES / "normal-day.json"),
            (EXAMPLES / "next-day-trades.csv", folder / "next-day.json")]


def _runs(days: range, store: Path, scenario: list[tuple[Path, Path]]) -> list[dict[str, Any]]:
    """The CLI runs of `days` against `store`, each printing its JSON report beside it."""
    return [{"report": str(store.parent / f"day-{number + 1}.json"), "args": [
        "derivatives", "run", "--accounts", str(EXAMPLES / "accounts.json"),
        "--trades", str(scenario[number][0]), "--instructions", str(scenario[number][1]),
        "--store", str(store), "--json"]} for number in days]


def _job(store: Path, copy_from: Path | None, kill_after: int, days: range,
         scenario: list[tuple[Path, Path]]) -> dict[str, Any]:
    return {"store": str(store), "copy_from": None if copy_from is None else str(copy_from),
            "kill_after": kill_after, "runs": _runs(days, store, scenario)}


def test_killed_after_any_write_a_rerun_ends_as_an_uninterrupted_run(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path)
    # The uninterrupted run, a day per child; after-N.db is the store after day N.
    after = [tmp_path / f"after-{number + 1}.db" for number in range(DAYS)]
    whole = run_jobs(tmp_path, [
        _job(after[number], after[number - 1] if number else None, 0,
             range(number, number + 1), scenario) for number in range(DAYS)])
    assert [job["exit"] for job in whole] == [0] * DAYS
    writes = [job["counts"][0] for job in whole]
    # each day: the intraday calculation, the round, the end-of-day run, the day; the second
    # also writes each of its five collateral requests' answer (three accepted, two refused)
    assert writes == [4, 9]
    uninterrupted = [(tmp_path / f"day-{n + 1}.json").read_text() for n in range(DAYS)]
    assert all(json.loads(report)["cash"] for report in uninterrupted)
    expected = store_contents(after[-1])
    documents = [name for name, _ in expected["clearing_documents"]]
    assert {"derivatives:day:2021-04-08", "derivatives:day:2021-04-09",
            "derivatives:intraday:2021-04-09", "derivatives:positions:2021-04-09",
            "derivatives:prices:2021-04-09"} <= set(documents), documents

    # Killed after write N of its day, then that day and the rest run again.
    jobs: list[dict[str, Any]] = []
    cases: list[tuple[int, Path]] = []
    for number, day_writes in enumerate(writes):
        for n in range(1, day_writes + 1):
            folder = tmp_path / f"kill-{len(cases) + 1}"
            folder.mkdir()
            store = folder / "derivatives.db"
            start = after[number - 1] if number else None
            jobs += [_job(store, start, n, range(number, number + 1), scenario),
                     _job(store, None, 0, range(number, DAYS), scenario)]
            cases.append((number, store))
    ended = run_jobs(tmp_path, jobs)
    assert len(cases) == sum(writes)
    for case, (number, store) in enumerate(cases):
        killed, rerun = ended[2 * case], ended[2 * case + 1]
        assert killed["exit"] == -signal.SIGKILL, (case + 1, killed)
        assert rerun["exit"] == 0, (case + 1, rerun)
        for day in range(number, DAYS):
            report = store.parent / f"day-{day + 1}.json"
            assert report.read_text() == uninterrupted[day], (case + 1, report.name)
        assert store_contents(store) == expected, case + 1
