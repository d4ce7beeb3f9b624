"""The audit trail: every order record the gateway saw, kept and exported per member and day.

Members must keep their order records (set-trading-rules.md 10, order-record retention) and the
exchange keeps its own: each order received, accepted, refused, amended, cancelled or filled is
one `AuditRecord`. The trail has one narrow interface, `AuditLog`, with a SQLite store for the
running gateway and an in-memory twin for the tests; one behaviour test runs against both.

Decisions:

- A record's time is the exchange's clock in nanoseconds since 1970-01-01 UTC (the precision
  of SET's ITCH feed); its day is the Bangkok date, UTC+7 (Thailand keeps no summer time), so
  a member's export for a day holds that day's trading whatever the server's zone.
- Records are exported in time order, records of the same nanosecond in the order appended.
- Prices are decimal strings with two decimals ("12.50") in both exports and never a float.
- `append_many` keeps all of its records or none, and the SQLite table refuses updates and
  deletes: the trail is append-only.
- Each record carries `seq`, the journal sequence number of the command it comes from: the
  trail is derived from the journal, and `last_seq` tells a restarted gateway where to resume
  (siamex.gateway.audit_sink).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Any

import msgspec

from siamex.trading.enums import Side
from siamex.units import format_price, is_text

__all__ = ["AuditEvent", "AuditLog", "AuditRecord", "Channel", "MemoryAuditLog",
           "SqliteAuditLog", "bangkok_date", "bangkok_instant", "bangkok_time"]

_NS_PER_SECOND = 1_000_000_000
_NS_PER_DAY = 86_400 * _NS_PER_SECOND
_BANGKOK = 7 * 3_600 * _NS_PER_SECOND  # UTC+7
_EPOCH = dt.datetime(1970, 1, 1)
_INT64 = range(-(2**63), 2**63)  # what a SQLite integer holds


class Channel(Enum):
    """How an order reached the gateway."""

    FIX = "fix"
    HTTP = "http"


class AuditEvent(Enum):
    """What happened to the order."""

    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    AMENDED = "amended"
    CANCELLED = "cancelled"
    FILLED = "filled"


class AuditRecord(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One order record. Prices are satang, quantities shares, `time_ns` UTC nanoseconds.

    `seq` is the journal sequence number of the command the record comes from; `code` the
    refusal or cancel reason; `fill_qty` and `fill_price` belong to fills; `order_no` is the
    exchange's order number once it has one. A request naming an order the exchange cannot
    show the requester has no account, symbol or side (empty, None).
    """

    time_ns: int
    seq: int
    member: str
    trader: str
    ors: str
    channel: Channel
    account: str
    cl_ord_id: str
    orig_cl_ord_id: str | None = None
    order_no: int | None = None
    symbol: str
    side: Side | None
    event: AuditEvent
    code: str | None = None
    qty: int
    price: int | None = None
    fill_qty: int | None = None
    fill_price: int | None = None
    text: str = ""


_FIELDS: tuple[str, ...] = AuditRecord.__struct_fields__
_ENUMS_AT = tuple(at + 1 for at, name in enumerate(_FIELDS) if name in ("channel", "side", "event"))
"""Where a SQLite row (the day, then the fields) holds an enum, stored as its value."""
_PRICES = frozenset({"price", "fill_price"})
_COLUMNS = ("time_ns", "time", *_FIELDS[1:])
"""The export's columns: the record's fields, with its Bangkok time after `time_ns`."""


def bangkok_date(time_ns: int) -> dt.date:
    """Return the Bangkok date (UTC+7) of an exchange time."""
    return (_EPOCH + dt.timedelta(days=(time_ns + _BANGKOK) // _NS_PER_DAY)).date()


def bangkok_time(time_ns: int) -> str:
    """Write an exchange time as Bangkok ISO time to the nanosecond."""
    seconds, ns = divmod(time_ns + _BANGKOK, _NS_PER_SECOND)
    return f"{(_EPOCH + dt.timedelta(seconds=seconds)).isoformat()}.{ns:09d}+07:00"


def bangkok_instant(ts: int) -> str:
    """Write an engine time (Bangkok wall-clock microseconds) as Bangkok ISO time."""
    return bangkok_time(ts * 1000 - _BANGKOK)


def _check(record: AuditRecord) -> None:
    """Refuse a record a store cannot keep exactly (ValueError), before anything is written."""
    for name in _FIELDS:
        value = getattr(record, name)
        if isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
            raise ValueError(f"{name} {value} does not fit a 64-bit integer")
        if isinstance(value, str) and not is_text(value):
            raise ValueError(f"{name} is not text that UTF-8 can hold")


def _row(record: AuditRecord) -> dict[str, Any]:
    """Flatten a record into export values: its Bangkok time added, prices as decimals."""
    data: dict[str, Any] = msgspec.to_builtins(record)
    row = {"time_ns": record.time_ns, "time": bangkok_time(record.time_ns)}
    for name in _FIELDS[1:]:
        value = data.get(name)
        row[name] = format_price(value) if name in _PRICES and value is not None else value
    return row


class AuditLog(ABC):
    """Where order records are kept: appended in batches, read per member and Bangkok day."""

    @abstractmethod
    def append_many(self, records: Sequence[AuditRecord]) -> None:
        """Keep all of these records, in one transaction, or none of them (ValueError)."""

    def append(self, record: AuditRecord) -> None:
        """Keep one record."""
        self.append_many((record,))

    @abstractmethod
    def records(self, member: str, day: dt.date) -> list[AuditRecord]:
        """Return a member's records of a Bangkok day in time order (ties: as appended)."""

    @abstractmethod
    def last_seq(self) -> int:
        """Return the largest journal sequence number of a kept record (0 for none)."""

    def export_csv(self, member: str, day: dt.date) -> str:
        """Return a member's records of a day as CSV with a header row."""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(_row(r) for r in self.records(member, day))
        return out.getvalue()

    def export_json(self, member: str, day: dt.date) -> bytes:
        """Return a member's records of a day as a JSON array of objects (null for none)."""
        return msgspec.json.encode([_row(r) for r in self.records(member, day)])

    @abstractmethod
    def close(self) -> None:
        """Release what the log holds open."""


class MemoryAuditLog(AuditLog):
    """The audit trail in a list: the tests' twin of the SQLite store."""

    def __init__(self) -> None:
        self._records: list[AuditRecord] = []

    def append_many(self, records: Sequence[AuditRecord]) -> None:
        for record in records:
            _check(record)
        self._records.extend(records)

    def records(self, member: str, day: dt.date) -> list[AuditRecord]:
        found = [r for r in self._records
                 if r.member == member and bangkok_date(r.time_ns) == day]
        return sorted(found, key=lambda r: r.time_ns)  # a stable sort keeps appended order

    def last_seq(self) -> int:
        return max((r.seq for r in self._records), default=0)

    def close(self) -> None:
        """Hold nothing open: the records stay for the next reader, as a file's would."""


_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS audit_records (
    row INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    {", ".join(_FIELDS)}
);
CREATE INDEX IF NOT EXISTS audit_member_day ON audit_records (member, day);
CREATE INDEX IF NOT EXISTS audit_seq ON audit_records (seq);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_records
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_records
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"""
_INSERT = (f"INSERT INTO audit_records (day, {', '.join(_FIELDS)}) "
           f"VALUES (?, {', '.join('?' for _ in _FIELDS)})")
_SELECT = (f"SELECT {', '.join(_FIELDS)} FROM audit_records "
           "WHERE member = ? AND day = ? ORDER BY time_ns, row")
_LAST_SEQ = "SELECT coalesce(max(seq), 0) FROM audit_records"


class SqliteAuditLog(AuditLog):
    """The audit trail in one SQLite table, indexed by member and Bangkok day."""

    def __init__(self, path: str | Path) -> None:
        self._conn = sqlite3.connect(path)
        # The trail is derived from the journal, which a restart replays into it from the last
        # seq kept: its commits need no fsync of their own, only WAL's protection from damage.
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        with self._conn:
            self._conn.executescript(_SCHEMA)
        self._days: dict[int, str] = {}

    def append_many(self, records: Sequence[AuditRecord]) -> None:
        rows = [self._values(record) for record in records]
        try:
            with self._conn:  # one transaction: committed whole, or rolled back
                self._conn.executemany(_INSERT, rows)
        except (OverflowError, UnicodeEncodeError) as exc:
            # SQLite refuses what _check refuses (an integer beyond 64 bits, text UTF-8
            # cannot hold) as it binds: the check costs nothing on the hot path
            raise ValueError(f"a record the trail cannot keep exactly: {exc}") from None

    def _values(self, record: AuditRecord) -> list[object]:
        """The row of a record: its Bangkok day first, then its fields, enums as values."""
        days = (record.time_ns + _BANGKOK) // _NS_PER_DAY
        day = self._days.get(days)
        if day is None:
            day = self._days[days] = bangkok_date(record.time_ns).isoformat()
        row: list[object] = [day, *msgspec.structs.astuple(record)]
        for at in _ENUMS_AT:
            value = row[at]
            if value is not None:
                row[at] = value.value  # type: ignore[attr-defined]
        return row

    def records(self, member: str, day: dt.date) -> list[AuditRecord]:
        rows = self._conn.execute(_SELECT, (member, day.isoformat())).fetchall()
        return [msgspec.convert(dict(zip(_FIELDS, row, strict=True)), AuditRecord)
                for row in rows]

    def last_seq(self) -> int:
        (seq,) = self._conn.execute(_LAST_SEQ).fetchone()
        return int(seq)

    def close(self) -> None:
        self._conn.close()

