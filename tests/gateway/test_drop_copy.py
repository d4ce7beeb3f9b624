"""The drop copy fed by the running service: every side of every trade the journal holds, once,
with who traded it as the members were told; derived from the journal, so a restart after a
crash neither loses nor repeats a record."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from siamex.gateway import clearing_link, day_clearing, drop_copy, drop_copy_log, drop_copy_sink
from siamex.gateway.clearing_link import ClearingLink
from siamex.gateway.config import ClearingConfig
from siamex.gateway.drop_copy import DropCopy, clearing_rows
from siamex.gateway.drop_copy_log import DROP_COPY, DropCopyLog
from siamex.gateway.entry import OrderEntry
from siamex.gateway.exchange import Outcome
from siamex.gateway.reports import ExecKind, OrderReport
from siamex.trading.commands import AdvanceTime, ConfirmTradeReport, TradeReport
from siamex.trading.enums import Board, Side
from siamex.units import day_start, parse_time_of_day
from tests.gateway.market import DAY
from tests.gateway.serving import EARLY, Live
from tests.gateway.trades_kept import journal_sides, kept_sides

SEED = 20261201
_TRADERS = (("M01T1", "M01-ORS1", ("C0001", "C0002", "P0001")),
            ("M01T2", "M01-ORS1", ("C0002",)),
            ("M02T1", "M02-ORS1", ("C0001",)))
_SECURITIES = (("PTT", 3225), ("AOT", 3850))

Told = dict[tuple[int, str], tuple[str, str, int | None]]


def test_the_public_names() -> None:
    assert drop_copy.__all__ == ["FIELDS", "DropCopy", "clearing_rows", "fills_of",
                                 "trade_sides"]
    assert drop_copy_log.__all__ == ["DROP_COPY", "DropCopyLog"]
    assert drop_copy_sink.__all__ == ["DropCopySink"]
    assert clearing_link.__all__ == ["ClearingLink"]
    assert day_clearing.__all__ == ["CLEARING", "STORE", "ClosedDay", "DayClearing", "DayRun",
                                    "RunState", "clear_closed_day"]


def _told(outcome: Outcome, told: Told) -> None:
    """Remember the fills a command's execution reports told the members of."""
    for report in outcome.reports:
        if isinstance(report, OrderReport) and report.kind is ExecKind.TRADE:
            assert report.trade_no is not None
            told[report.trade_no, report.side.value] = (report.trader, report.clordid,
                                                        report.order_no)


async def _orders(live: Live, rng: random.Random, count: int, told: Told, prefix: str) -> None:
    """Random limit orders of the sample's three traders around two securities' closes."""
    for n in range(count):
        trader, ors, accounts = rng.choice(_TRADERS)
        symbol, close = rng.choice(_SECURITIES)
        entry = OrderEntry(0, 0, "fix", ors, trader, f"{prefix}{n}", rng.choice(accounts),
                           symbol, rng.choice((Side.BUY, Side.SELL)), 100 * rng.randint(1, 10),
                           price=close + 25 * rng.randint(-3, 3))
        _told((await live.submit(entry))[1], told)


async def _trade_reports(live: Live) -> None:
    """A big lot between the two members (confirmed by the buyer) and one within M01."""
    await live.submit(TradeReport(0, "TR1", "PTT", 100_000, 3225, "M01", "P0001", "M02",
                                  "C0001"))
    await live.submit(ConfirmTradeReport(0, "TR1", "M02"))
    await live.submit(TradeReport(0, "TR2", "AOT", 100_000, 3850, "M01", "C0001", "M01",
                                  "C0002"))


async def _close_day(live: Live) -> None:
    """Move the clock past the day's end (17:00) and advance the engine: the market closes."""
    live.time.ns = (day_start(DAY) + parse_time_of_day("17:30")) * 1000 - EARLY
    await live.service.submit(AdvanceTime(0))


def _records(folder: Path) -> list[DropCopy]:
    log = DropCopyLog(folder / DROP_COPY)
    try:
        return log.after(0, limit=10**6)
    finally:
        log.close()


def test_the_drop_copy_of_a_generated_day_is_the_journals_trades(tmp_path: Path) -> None:
    told: Told = {}

    async def main() -> None:
        live = Live(tmp_path)
        link = ClearingLink(live.service, tmp_path, ClearingConfig())
        live.start()
        await live.open_day()
        await _orders(live, random.Random(SEED), 300, told, "G")
        await _trade_reports(live)
        await _close_day(live)
        await live.stop()
        link.close()
    asyncio.run(main())

    numbers, sides = kept_sides(tmp_path)
    assert sides == journal_sides(tmp_path)
    assert len(sides) > 100
    assert numbers == list(range(1, len(sides) + 1))
    records = _records(tmp_path)
    assert {r.date for r in records} == {"2026-12-01"}
    assert all(r.time.startswith("2026-12-01T") and r.time.endswith("+07:00") for r in records)
    reported = [r for r in records if r.trade_report]
    assert [(r.clordid, r.board, r.trader, r.order_no) for r in reported] == [
        ("TR1", Board.BIG_LOT, "", None)] * 2 + [("TR2", Board.BIG_LOT, "", None)] * 2
    for record in records:
        if not record.trade_report:
            assert (record.trader, record.clordid, record.order_no) == told[
                record.trade_no, record.side.value]
    members: dict[int, list[str]] = {}
    for record in records:
        members.setdefault(record.trade_no, []).append(record.member)
    assert ["M01", "M01"] in members.values()  # a trade within M01: one record per side


def test_a_restart_appends_what_a_crash_kept_from_the_drop_copy_and_nothing_twice(
        tmp_path: Path) -> None:
    told: Told = {}

    async def first_run() -> None:
        live = Live(tmp_path)
        link = ClearingLink(live.service, tmp_path, ClearingConfig())
        live.start()
        await live.open_day()
        await _orders(live, random.Random(SEED), 80, told, "A")
        # the crash comes after the journal's commits and before the drop copy's: the records
        # of every command from here on are journaled and never kept
        live.service.sinks.remove(link.sink)
        live.service.flushes.remove(link.sink.flush)
        await _orders(live, random.Random(SEED + 1), 80, told, "B")
        await live.stop()
        link.close()

    async def restart(more: bool) -> None:
        live = Live(tmp_path)
        link = ClearingLink(live.service, tmp_path, ClearingConfig())
        live.start()
        if more:
            live.advance(3600)
            await _orders(live, random.Random(SEED + 2), 40, told, "C")
        await live.stop()
        link.close()

    asyncio.run(first_run())
    kept = kept_sides(tmp_path)[1]
    assert 0 < len(kept) < len(journal_sides(tmp_path))
    for more in (True, False):  # the second restart finds every record kept
        asyncio.run(restart(more))
        numbers, sides = kept_sides(tmp_path)
        assert sides == journal_sides(tmp_path)
        assert numbers == list(range(1, len(sides) + 1))
        assert sides[:len(kept)] == kept


def test_the_clearing_rows_pair_each_trades_two_sides() -> None:
    def side(n: int, which: Side, member: str, order_no: int | None, clordid: str
             ) -> DropCopy:
        return DropCopy(n=n, seq=9, date="2026-12-01", time="t", trade_no=7, symbol="PTT",
                        side=which, qty=300, price="32.25", member=member, account="C0001",
                        trader="", order_no=order_no, clordid=clordid, board=Board.MAIN,
                        trade_report=False)

    rows = clearing_rows([side(1, Side.BUY, "M02", 12, "B1"), side(2, Side.SELL, "M01", None,
                                                                     "TR9")])
    assert rows == [{"trade_id": "7", "trade_date": "2026-12-01", "symbol": "PTT",
                     "board": "main", "price": "32.25", "qty": 300, "buy_member": "M02",
                     "buy_account": "C0001", "sell_member": "M01", "sell_account": "C0001",
                     "buy_order_id": "#12", "sell_order_id": "TR9"}]
