"""The audit trail fed by the running service: every order request and what became of it, in
UTC with the order's channel; derived from the journal, so a restart neither loses nor repeats
a record."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from siamex.gateway import audit_sink
from siamex.gateway.audit import AuditEvent, AuditLog, AuditRecord, MemoryAuditLog, SqliteAuditLog
from siamex.gateway.audit_sink import AuditSink
from siamex.gateway.risk_commands import RiskKill, ScopeKind
from siamex.trading.enums import Side
from tests.gateway.market import DAY
from tests.gateway.serving import Live

AUDIT = "audit.db"


async def _trade_a_morning(live: Live) -> None:
    """Orders of both members: a fill, an amend, a cancel, refusals and a kill switch."""
    await live.order(Side.BUY, 100, "31.00", "A1")
    await live.order(Side.SELL, 300, "31.00", "B1", trader="M02T1", ors="M02-ORS1",
                     channel="http")
    await live.order(Side.BUY, 100, "30.50", "A2")
    await live.replace("A2", "A3", 200)
    await live.cancel("A3", "A4")
    await live.order(Side.BUY, 2_000_000, "1.00", "A5")  # over M01's 1,000,000 shares
    await live.cancel("B1", "A6")  # M02's order: M01 may not know it exists
    await live.submit(RiskKill(0, ScopeKind.MEMBER, "M02"))


def _events(records: list[AuditRecord]) -> list[tuple[str, AuditEvent, str | None]]:
    return [(r.cl_ord_id, r.event, r.code) for r in records]


def _run(folder: Path, log: AuditLog, *, trade: bool = True) -> None:
    """Open the service on `folder` with the sink attached, replay, and trade if asked."""
    async def main() -> None:
        live = Live(folder)
        AuditSink(log, live.service.exchange).attach(live.service)
        live.start()
        if trade:
            await live.open_day()
            await _trade_a_morning(live)
        await live.stop()
    asyncio.run(main())


def test_the_public_name_is_the_sink() -> None:
    assert audit_sink.__all__ == ["AuditSink"]


def test_every_request_and_what_became_of_it_is_recorded(tmp_path: Path) -> None:
    log = MemoryAuditLog()
    _run(tmp_path, log)
    m01 = log.records("M01", DAY)
    assert _events(m01) == [
        ("A1", AuditEvent.RECEIVED, None), ("A1", AuditEvent.ACCEPTED, None),
        ("A1", AuditEvent.FILLED, None),
        ("A2", AuditEvent.RECEIVED, None), ("A2", AuditEvent.ACCEPTED, None),
        ("A3", AuditEvent.RECEIVED, None), ("A3", AuditEvent.AMENDED, None),
        ("A4", AuditEvent.RECEIVED, None), ("A4", AuditEvent.CANCELLED, None),
        ("A5", AuditEvent.RECEIVED, None), ("A5", AuditEvent.REJECTED, "MAX_ORDER_VOLUME"),
        ("A6", AuditEvent.RECEIVED, None), ("A6", AuditEvent.REJECTED, "NOT_OWNER")]
    fill = m01[2]
    assert (fill.fill_qty, fill.fill_price, fill.channel.value, fill.account) == (
        100, 3100, "fix", "C0001")
    amended = m01[6]
    assert (amended.orig_cl_ord_id, amended.qty, amended.price, amended.side) == (
        "A2", 200, 3050, Side.BUY)
    received_cancel = m01[7]
    assert (received_cancel.account, received_cancel.symbol, received_cancel.order_no) == (
        "C0001", "PTT", amended.order_no)
    for unseen in m01[-2:]:  # the refusal shows nothing of M02's order
        assert (unseen.account, unseen.symbol, unseen.side, unseen.order_no) == (
            "", "", None, None)
    m02 = log.records("M02", DAY)
    assert _events(m02) == [
        ("B1", AuditEvent.RECEIVED, None), ("B1", AuditEvent.ACCEPTED, None),
        ("B1", AuditEvent.FILLED, None), ("B1", AuditEvent.CANCELLED, "KILL_SWITCH")]
    killed = m02[-1]
    assert killed.channel.value == "http"  # the kill switch cancels an order entered by HTTP
    assert killed.seq > m01[-1].seq


def test_record_times_are_utc_nanoseconds_of_the_commands(tmp_path: Path) -> None:
    log = MemoryAuditLog()
    _run(tmp_path, log)
    first = log.records("M01", DAY)[0]
    # The clock reached 10:30 Bangkok, and the first order came one second later: 03:30:01 UTC.
    assert first.time_ns % (86_400 * 10**9) == (3 * 3600 + 30 * 60 + 1) * 10**9


def test_a_replay_keeps_each_record_once(tmp_path: Path) -> None:
    log = SqliteAuditLog(tmp_path / AUDIT)
    _run(tmp_path, log)
    kept = log.records("M01", DAY) + log.records("M02", DAY)
    for _ in range(2):
        _run(tmp_path, log, trade=False)
    assert log.records("M01", DAY) + log.records("M02", DAY) == kept
    log.close()
    conn = sqlite3.connect(tmp_path / AUDIT)
    assert conn.execute("SELECT count(*) FROM audit_records").fetchone() == (len(kept),)
    conn.close()


def test_records_lost_between_the_journal_and_the_trail_are_written_at_restart(
        tmp_path: Path) -> None:
    log = SqliteAuditLog(tmp_path / AUDIT)

    async def crash_after_the_journal() -> None:
        live = Live(tmp_path)
        sink = AuditSink(log, live.service.exchange)
        sink.attach(live.service)
        live.start()
        await live.open_day()
        await live.order(Side.BUY, 100, "30.00", "A0")
        live.service.sinks.remove(sink)  # the process dies after each commit, before the trail
        live.service.flushes.remove(sink.flush)
        await _trade_a_morning(live)
        await live.stop()

    asyncio.run(crash_after_the_journal())
    assert _events(log.records("M01", DAY)) == [("A0", AuditEvent.RECEIVED, None),
                                                ("A0", AuditEvent.ACCEPTED, None)]
    _run(tmp_path, log, trade=False)
    reference = MemoryAuditLog()
    _run(tmp_path, reference, trade=False)
    for member in ("M01", "M02"):
        assert log.records(member, DAY) == reference.records(member, DAY)
    assert log.last_seq() == reference.last_seq()
    assert len(log.records("M02", DAY)) == 4
    log.close()
