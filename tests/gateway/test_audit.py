"""The audit trail, in memory and in SQLite: the same behaviour from each; exports per member and
Bangkok day as CSV and JSON with prices as decimal strings; append-only and atomic batches."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec
import pytest

from siamex.gateway import audit as audit_module
from siamex.gateway.audit import (
    AuditEvent,
    AuditLog,
    AuditRecord,
    Channel,
    MemoryAuditLog,
    SqliteAuditLog,
    bangkok_date,
    bangkok_time,
)
from siamex.trading.enums import Side

S = 1_000_000_000
# 2026-11-24 10:00:00 in Bangkok is 03:00:00 UTC.
OPEN = int(dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC).timestamp()) * S
DAY = dt.date(2026, 11, 24)


def _record(time_ns: int, event: AuditEvent, *, member: str = "M1", cl_ord_id: str = "c1",
            **fields: object) -> AuditRecord:
    base: dict[str, object] = {"seq": 1, "trader": "T1", "ors": "O1", "channel": Channel.FIX,
                               "account": "C1", "symbol": "PTT", "side": Side.BUY,
                               "qty": 1_000, "price": 3_425}
    return AuditRecord(time_ns=time_ns, member=member, cl_ord_id=cl_ord_id, event=event,
                       **{**base, **fields})


DAY_RECORDS = [
    _record(OPEN + 5, AuditEvent.ACCEPTED, order_no=17),
    _record(OPEN, AuditEvent.RECEIVED),
    _record(OPEN + 5, AuditEvent.FILLED, order_no=17, fill_qty=400, fill_price=3_400,
            text='part, "first" fill'),
    _record(OPEN + 9, AuditEvent.REJECTED, seq=3, cl_ord_id="c2", code="CREDIT_LIMIT",
            price=None, channel=Channel.HTTP, side=Side.SELL, text="credit limit of member M1"),
    _record(OPEN + 7, AuditEvent.AMENDED, seq=2, cl_ord_id="c3", orig_cl_ord_id="c1",
            order_no=17, qty=600),
]
OTHERS = [
    _record(OPEN + 1, AuditEvent.RECEIVED, member="M2"),
    _record(OPEN - 10 * 3_600 * S - 1, AuditEvent.RECEIVED, cl_ord_id="yesterday"),
]


@pytest.fixture(params=["memory", "sqlite"])
def open_log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], AuditLog]]:
    """An opener of the same audit trail: in memory, or a SQLite file reopened each time."""
    opened: list[AuditLog] = []
    memory = MemoryAuditLog()

    def opener() -> AuditLog:
        log = memory if request.param == "memory" else SqliteAuditLog(tmp_path / "audit.db")
        opened.append(log)
        return log

    yield opener
    for log in opened:
        log.close()


def test_the_public_names_are_the_record_the_logs_and_the_bangkok_clock() -> None:
    assert set(audit_module.__all__) == {"AuditEvent", "AuditLog", "AuditRecord", "Channel",
                                         "MemoryAuditLog", "SqliteAuditLog", "bangkok_date",
                                         "bangkok_instant", "bangkok_time"}


def test_an_engine_time_is_the_same_instant_in_bangkok() -> None:
    # the engine counts Bangkok wall-clock microseconds; 10:30:01.000002 of 1 December 2026
    engine_us = (dt.datetime(2026, 12, 1, 10, 30, 1, 2) - dt.datetime(1970, 1, 1)) // (
        dt.timedelta(microseconds=1))
    assert audit_module.bangkok_instant(engine_us) == "2026-12-01T10:30:01.000002000+07:00"


def test_the_day_of_a_record_is_its_bangkok_date() -> None:
    midnight = int(dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC).timestamp()) * S
    assert bangkok_date(midnight - 1) == dt.date(2026, 11, 23)
    assert bangkok_date(midnight) == DAY
    assert bangkok_time(midnight - 1) == "2026-11-23T23:59:59.999999999+07:00"
    assert bangkok_time(OPEN + 5) == "2026-11-24T10:00:00.000000005+07:00"


def test_a_member_reads_its_own_records_of_a_day_in_time_order(
        open_log: Callable[[], AuditLog]) -> None:
    log = open_log()
    log.append_many(DAY_RECORDS[:3])
    log.append_many(OTHERS)
    log.append_many(DAY_RECORDS[3:])
    got = open_log().records("M1", DAY)
    assert [(r.time_ns - OPEN, r.event) for r in got] == [
        (0, AuditEvent.RECEIVED), (5, AuditEvent.ACCEPTED), (5, AuditEvent.FILLED),
        (7, AuditEvent.AMENDED), (9, AuditEvent.REJECTED)]
    assert sorted(got, key=lambda r: r.time_ns) == got and set(got) == set(DAY_RECORDS)
    assert open_log().records("M2", DAY) == [OTHERS[0]]
    assert open_log().records("M1", DAY - dt.timedelta(days=1)) == [OTHERS[1]]
    assert open_log().records("M3", DAY) == []


def test_the_csv_export_writes_prices_as_decimals_and_absent_values_empty(
        open_log: Callable[[], AuditLog]) -> None:
    log = open_log()
    log.append_many(DAY_RECORDS + OTHERS)
    t = OPEN // S * S
    assert log.export_csv("M1", DAY) == (
        "time_ns,time,seq,member,trader,ors,channel,account,cl_ord_id,orig_cl_ord_id,order_no,"
        "symbol,side,event,code,qty,price,fill_qty,fill_price,text\n"
        f"{t},2026-11-24T10:00:00.000000000+07:00,1,M1,T1,O1,fix,C1,c1,,,PTT,buy,received,,"
        "1000,34.25,,,\n"
        f"{t + 5},2026-11-24T10:00:00.000000005+07:00,1,M1,T1,O1,fix,C1,c1,,17,PTT,buy,"
        "accepted,,1000,34.25,,,\n"
        f"{t + 5},2026-11-24T10:00:00.000000005+07:00,1,M1,T1,O1,fix,C1,c1,,17,PTT,buy,"
        'filled,,1000,34.25,400,34.00,"part, ""first"" fill"\n'
        f"{t + 7},2026-11-24T10:00:00.000000007+07:00,2,M1,T1,O1,fix,C1,c3,c1,17,PTT,buy,"
        "amended,,600,34.25,,,\n"
        f"{t + 9},2026-11-24T10:00:00.000000009+07:00,3,M1,T1,O1,http,C1,c2,,,PTT,sell,"
        "rejected,CREDIT_LIMIT,1000,,,,credit limit of member M1\n")


def test_the_json_export_writes_prices_as_decimal_strings_never_floats(
        open_log: Callable[[], AuditLog]) -> None:
    log = open_log()
    log.append_many(DAY_RECORDS)
    exported = log.export_json("M1", DAY)
    assert isinstance(exported, bytes)
    rows = json.loads(exported, parse_float=lambda text: pytest.fail(f"a float: {text}"))
    fill = rows[2]
    assert fill == {
        "time_ns": OPEN + 5, "time": "2026-11-24T10:00:00.000000005+07:00", "seq": 1,
        "member": "M1",
        "trader": "T1", "ors": "O1", "channel": "fix", "account": "C1", "cl_ord_id": "c1",
        "orig_cl_ord_id": None, "order_no": 17, "symbol": "PTT", "side": "buy",
        "event": "filled", "code": None, "qty": 1_000, "price": "34.25", "fill_qty": 400,
        "fill_price": "34.00", "text": 'part, "first" fill'}
    assert rows[4]["price"] is None
    assert open_log().export_json("M9", DAY) == b"[]"


def test_the_last_sequence_number_is_the_largest_kept(
        open_log: Callable[[], AuditLog]) -> None:
    assert open_log().last_seq() == 0
    open_log().append_many(DAY_RECORDS)
    assert open_log().last_seq() == 3
    open_log().append(_record(OPEN + 20, AuditEvent.RECEIVED, seq=9, member="M2"))
    assert open_log().last_seq() == 9


def test_a_request_for_an_order_nobody_may_see_is_kept_without_its_side(
        open_log: Callable[[], AuditLog]) -> None:
    unknown = _record(OPEN, AuditEvent.REJECTED, account="", symbol="", side=None, qty=0,
                      price=None, code="NOT_OWNER")
    open_log().append(unknown)
    assert open_log().records("M1", DAY) == [unknown]
    assert ",,,rejected,NOT_OWNER,0,,,," in open_log().export_csv("M1", DAY)


def test_a_batch_with_a_record_that_cannot_be_kept_keeps_nothing(
        open_log: Callable[[], AuditLog]) -> None:
    log = open_log()
    log.append(DAY_RECORDS[0])
    for bad in (_record(OPEN + 1, AuditEvent.RECEIVED, qty=2**63),
                _record(OPEN + 1, AuditEvent.RECEIVED, text="\ud800")):
        with pytest.raises(ValueError):
            log.append_many([DAY_RECORDS[1], bad])
    assert open_log().records("M1", DAY) == DAY_RECORDS[:1]


def test_the_sqlite_trail_is_append_only_and_indexed_by_member_and_day(tmp_path: Path) -> None:
    log = SqliteAuditLog(tmp_path / "audit.db")
    log.append_many(DAY_RECORDS)
    log.close()
    conn = sqlite3.connect(tmp_path / "audit.db")
    for statement in ("UPDATE audit_records SET qty = 1", "DELETE FROM audit_records"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(statement)
    plan = conn.execute("EXPLAIN QUERY PLAN SELECT * FROM audit_records "
                        "WHERE member = 'M1' AND day = '2026-11-24'").fetchall()
    assert any("audit_member_day" in str(step) for step in plan)
    assert conn.execute("SELECT count(*) FROM audit_records").fetchone() == (5,)
    conn.close()


def test_a_record_round_trips_through_the_journal_encoding() -> None:
    record = DAY_RECORDS[2]
    assert msgspec.msgpack.decode(msgspec.msgpack.encode(record), type=AuditRecord) == record
