"""The clearing house run by the service at each trading day's close: the day's drop copy
cleared through `siamex clearing run`'s own library path, settled on T+2 by the run of that
day, exactly once even when a run is killed after any write of its store."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from siamex.clearing.foundations.ledger import Outcome, Transaction
from siamex.clearing.foundations.store_sqlite import SqliteStore
from siamex.cli import main as cli
from siamex.errors import ErrorCode, SiamexError
from siamex.gateway.clearing_link import ClearingLink
from siamex.gateway.config import ClearingConfig, parse_config
from siamex.gateway.day_clearing import (
    CLEARING,
    STORE,
    ClosedDay,
    DayClearing,
    RunState,
    clear_closed_day,
)
from siamex.gateway.drop_copy_log import DROP_COPY
from siamex.gateway.universe import load_universe
from siamex.trading.enums import Side
from siamex.units import day_start, format_price, parse_time_of_day
from tests.gateway.live import CONFIG
from tests.gateway.market import DAY
from tests.gateway.serving import EARLY, Live

DAYS = (DAY, dt.date(2026, 12, 2), dt.date(2026, 12, 3))
TIMEOUT = 60.0


async def _close(live: Live, day: dt.date) -> None:
    """Move the clock to 17:30 of `day` and run the clock's commands due: the day opens if it
    has not, and closes."""
    live.time.ns = (day_start(day) + parse_time_of_day("17:30")) * 1000 - EARLY
    while (command := live.service.due()) is not None:
        await live.service.submit(command)


def _wait(clearing: DayClearing, day: dt.date) -> None:
    """Poll until the day's run is done (or fail after the timeout)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        runs = {run.date: run for run in clearing.runs()}
        if day in runs and runs[day].state is RunState.DONE:
            return
        assert day not in runs or runs[day].state is not RunState.FAILED, runs[day]
        assert time.monotonic() < deadline, runs
        time.sleep(0.01)


def _report(folder: Path, day: dt.date) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / CLEARING / str(day) / "report.json").read_text())
    return data


def _instructions(folder: Path, day: dt.date) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (folder / CLEARING / str(day) / "instructions.json").read_text())
    return data


class _Days:
    """Three trading days of the sample served in-process: M01 sells 300 PTT to M02 on the
    first; the clearing runs at each close. `closed` keeps what each close handed on, and
    `closes` the engine's closes as each close was handed on."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(exist_ok=True)
        self.closed: list[ClosedDay] = []
        self.closes: list[dict[str, int]] = []

    def run(self, *, copies: Mapping[dt.date, Path] | None = None) -> None:
        """Serve the three days; copy the store to `copies[day]` ahead of the close of `day`
        (of a later day than the first: there is no store before it)."""
        async def main() -> None:
            live = Live(self.folder)
            link = ClearingLink(live.service, self.folder, ClearingConfig())

            def closing(day: ClosedDay) -> None:
                self.closed.append(day)
                self.closes.append(dict(live.service.exchange.engine.closes))
                link.clearing.submit(day)
            link.sink.on_close = closing
            live.start()
            await live.open_day()
            await live.order(Side.SELL, 300, "32.25", "S1")
            await live.order(Side.BUY, 300, "32.25", "B1", trader="M02T1", ors="M02-ORS1")
            for n, day in enumerate(DAYS):
                if copies and day in copies:
                    _wait(link.clearing, DAYS[n - 1])
                    shutil.copy(self.folder / CLEARING / STORE, copies[day])
                await _close(live, day)
            await live.stop()
            for day in DAYS:
                _wait(link.clearing, day)
            link.close()
        asyncio.run(main())


def test_the_days_trades_clear_at_its_close_and_settle_on_t_plus_2(tmp_path: Path) -> None:
    days = _Days(tmp_path)
    days.run()
    assert [d.date for d in days.closed] == list(DAYS)
    first = _report(tmp_path, DAY)
    assert (first["trade_dates"], first["pending_settlement_dates"]) == (
        ["2026-12-01"], ["2026-12-03"])
    sold = first["members"]["M01"]["trades"]
    assert [(t["side"], t["security"], t["account"], t["qty"], t["price"]) for t in sold] == [
        ("sell", "PTT", "C0001", 300, "32.25")]
    assert first["members"]["M01"]["status"] == "pending"
    last = _report(tmp_path, DAYS[-1])
    assert last["settlement_dates"] == [{"settlement_date": "2026-12-03",
                                         "already_settled": False, "settled_in_full": True}]
    for member, moves in (("M01", {("deliver", "PTT", 300), ("collect", "THB", "9675.00")}),
                          ("M02", {("receive", "PTT", 300), ("pay", "THB", "9675.00")})):
        statement = last["members"][member]
        assert statement["status"] == "settled"
        assert {(o["direction"], o["asset"], o["due"]) for o in statement["obligations"]} == moves
        assert all(o["done"] == o["due"] and o["status"] == "settled"
                   for o in statement["obligations"])
    balances = {(b["asset"], b["account_type"]): b["quantity"]
                for b in last["members"]["M02"]["balances"]}
    assert balances["PTT", "client"] == 10_000_300
    assert balances["THB", ""] == "999990325.00"


def test_each_run_measures_risk_at_the_engines_closes(tmp_path: Path) -> None:
    days = _Days(tmp_path)
    days.run()
    prices = [_instructions(tmp_path, day)["prices"] for day in DAYS]
    # the day's close as the engine closed it: PTT traded at 32.25
    assert prices[0]["PTT"] == "32.25" and days.closes[0]["PTT"] == 3225
    assert all(prices[n] == {s: format_price(c) for s, c in days.closes[n].items()}
               for n in range(len(DAYS)))
    # a security that did not trade: its previous close (the universe's, then PTT's of day 1)
    assert prices[0]["AOT"] == prices[2]["AOT"] == "38.50"
    assert prices[1]["PTT"] == prices[2]["PTT"] == "32.25"
    assert set(prices[0]) == {i["symbol"] for i in load_universe(None, DAY).data["instruments"]}
    # SET's resources once: the store's first run brings them, the later runs find them
    assert _instructions(tmp_path, DAY)["set_fund"] == {"tranche_2": "140000000.00",
                                                        "reserve_fund": "2000000000.00"}
    assert all("set_fund" not in _instructions(tmp_path, day) for day in DAYS[1:])
    reports = [_report(tmp_path, day) for day in DAYS]
    assert all(r["risk_measured"] and r["financial_resources"] == "2200000000.00"
               for r in reports)
    # day 1 has nothing pending at its start; days 2 and 3 have day 1's trades
    for report, pfe in zip(reports, ("0.00", "636.62", "636.62"), strict=True):
        for member in ("M01", "M02"):
            [risk] = report["members"][member]["risk"]
            assert (risk["pfe"], risk["tolerance"], risk["required"], risk["held"],
                    risk["call"]) == (pfe, "50000000.00", "0.00", "0.00", "0.00")
    [sold] = reports[1]["members"]["M01"]["risk"]
    assert (sold["csv"], sold["stress_loss"]) == ("9675.00", "2902.50")


def test_siamex_clearing_run_on_a_days_files_gives_the_days_report(tmp_path: Path) -> None:
    before = tmp_path / "before.sqlite"
    _Days(tmp_path / "data").run(copies={DAYS[-1]: before})
    files = tmp_path / "data" / CLEARING / str(DAYS[-1])
    result = CliRunner().invoke(cli, [
        "clearing", "run", "--members", str(files / "members.json"),
        "--trades", str(files / "trades.json"), "--holdings", str(files / "holdings.json"),
        "--instructions", str(files / "instructions.json"),
        "--store", str(before), "--date", str(DAYS[-1]), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == _report(tmp_path / "data", DAYS[-1])


def _contents(store: Path) -> dict[str, Any]:
    """Everything a clearing store holds: transactions and legs in order, documents."""
    db = sqlite3.connect(store)
    try:
        return {table: db.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
                for table, order in (("ledger_transactions", "seq"),
                                     ("ledger_legs", "seq, position"),
                                     ("clearing_documents", "name"))}
    finally:
        db.close()


def _killed_after(writes: int, folder: Path, drop_copy: Path, day: ClosedDay) -> bool:
    """Run a day's clearing in a child killed right after its store's `writes`-th commit;
    tell whether it was killed (False: the run made fewer writes and ended)."""
    child = os.fork()
    if child == 0:
        commit = SqliteStore.commit
        counted = [0]

        def counting(self: SqliteStore, transactions: Sequence[Transaction] = (),
                     documents: Mapping[str, str] | None = None) -> list[Outcome]:
            outcomes = commit(self, transactions, documents)
            if transactions or documents:
                counted[0] += 1
                if counted[0] == writes:
                    os.kill(os.getpid(), signal.SIGKILL)
            return outcomes
        SqliteStore.commit = counting  # type: ignore[method-assign]
        try:
            clear_closed_day(folder, drop_copy, day, ClearingConfig())
        finally:
            os._exit(0)
    _, status = os.waitpid(child, 0)
    if os.WIFEXITED(status):
        return False
    assert os.WTERMSIG(status) == signal.SIGKILL
    return True


@pytest.mark.parametrize(("n", "least"), [(0, 4), (2, 8)])
def test_a_run_killed_after_any_write_is_run_again_at_start_and_ends_as_uninterrupted(
        tmp_path: Path, n: int, least: int) -> None:
    """Killed on the first day (its trades, SET's resources with the measures, ...) and on
    the last (its settlement's four steps and those around them)."""
    data, before, after = (tmp_path / "data", tmp_path / "before.sqlite",
                           tmp_path / "after.sqlite")
    days = _Days(data)
    days.run(copies={**({DAYS[n]: before} if n else {}),
                     **({DAYS[n + 1]: after} if n + 1 < len(DAYS) else {})})
    day = days.closed[n]
    files = {name: (data / CLEARING / str(day.date) / name).read_bytes()
             for name in ("instructions.json", "report.json")}
    expected = _contents(after if after.exists() else data / CLEARING / STORE)
    drop_copy = data / DROP_COPY
    writes = 0
    while True:
        folder = tmp_path / f"killed-{writes + 1}"
        folder.mkdir()
        if n:
            shutil.copy(before, folder / STORE)
        if not _killed_after(writes + 1, folder, drop_copy, day):
            break
        writes += 1
        assert not (folder / str(day.date) / "report.json").exists()
        clearing = DayClearing(folder, drop_copy, ClearingConfig())
        clearing.submit(day)  # as a restart's replay hands on the closed day: no report yet
        _wait(clearing, day.date)
        clearing.close()
        for name, data_bytes in files.items():
            assert (folder / str(day.date) / name).read_bytes() == data_bytes, (writes, name)
        assert _contents(folder / STORE) == expected, writes
    assert writes >= least


def test_a_day_with_a_report_is_not_run_again(tmp_path: Path) -> None:
    days = _Days(tmp_path)
    days.run()
    store = _contents(tmp_path / CLEARING / STORE)
    clearing = DayClearing(tmp_path / CLEARING, tmp_path / DROP_COPY, ClearingConfig())
    for day in days.closed:
        clearing.submit(day)
    assert {run.state for run in clearing.runs()} == {RunState.DONE}
    clearing.close()
    assert _contents(tmp_path / CLEARING / STORE) == store


def test_the_clearing_section_funds_every_member_generously_by_default() -> None:
    config = parse_config(CONFIG).clearing
    assert (config.holdings, config.opening_cash, config.opening_shares) == (
        None, 100_000_000_000, 10_000_000)
    custom = parse_config('[clearing]\nholdings = "h.json"\nopening_shares = 5\n').clearing
    assert (custom.holdings, custom.opening_cash, custom.opening_shares) == (
        "h.json", 100_000_000_000, 5)
    for wrong in ('opening_cash = 5', 'opening_shares = "5"', 'holding = "h.json"'):
        with pytest.raises(SiamexError) as refused:
            parse_config(f"[clearing]\n{wrong}\n")
        assert refused.value.code is ErrorCode.CONFIG_FILE
