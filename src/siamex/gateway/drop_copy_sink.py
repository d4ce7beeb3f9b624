"""The drop copy fed by the sequencer, and the close of each trading day it sees.

The service hands each command's outcome to its sinks in sequence order, live and during the
start-up replay of the journal (siamex.gateway.service). This sink makes of every trade the
engine reports (auto-matched, auction or trade report) its two drop-copy records, numbered in
journal order, and keeps them in the drop copy's table, one transaction per batch, before the
batch's acknowledgements leave. During the replay it skips the commands whose records the table
holds already (`DropCopyLog.last_seq`) and appends the rest, so that after a crash at any instant
the drop copy holds exactly the journal's trades: none lost, none twice. The numbers are the
same before and after a crash, since the replay numbers the records as the first run did; a
subscriber resumes by them.

A trading day closes when the market enters CLOSED (siamex.trading.day); the sink hands the day,
with the registry's members, the securities and their closes as they stand then, to `on_close`
after the batch's records are kept, so the clearing run finds every trade of the day in the
table. A TFEX day has no such close (each series ends its day on its own timetable) and is
handed to no one: the equities clearing house does not clear derivatives (docs/serve.md).
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from siamex.gateway.day_clearing import ClosedDay
from siamex.gateway.drop_copy import DropCopy, fills_of, trade_sides
from siamex.gateway.drop_copy_log import DropCopyLog
from siamex.gateway.exchange import Exchange, Outcome, ServiceCommand
from siamex.gateway.registry import Member
from siamex.gateway.service import Service
from siamex.trading.enums import Phase
from siamex.trading.events import DayStarted, PhaseChanged, Trade
from siamex.units import parse_date

__all__ = ["DropCopySink"]


class DropCopySink:
    """A service sink that keeps the drop copy and reports each day's close.

    `readers` are told after each batch that added records. Attach before the replay.
    """

    def __init__(self, log: DropCopyLog, exchange: Exchange,
                 on_close: Callable[[ClosedDay], None]) -> None:
        self.log = log
        self.exchange = exchange
        self.on_close = on_close
        self.readers: list[Callable[[], None]] = []
        self._kept = log.last_seq()
        self._n = 0
        self._date = ""
        self._pending: list[DropCopy] = []
        self._closed: list[ClosedDay] = []

    def attach(self, service: Service) -> None:
        """Follow a service: every command's outcome, and a flush after each batch."""
        service.sinks.append(self)
        service.flushes.append(self.flush)

    def __call__(self, seq: int, command: ServiceCommand, outcome: Outcome,
                 replaying: bool) -> None:
        fills = None
        for event in outcome.events:
            kind = type(event)
            if kind is Trade:
                assert isinstance(event, Trade)
                if fills is None:
                    fills = fills_of(outcome.reports)
                sides = trade_sides(self._n + 1, seq, self._date, event, fills)
                self._n += 2
                if not (replaying and seq <= self._kept):
                    self._pending += sides
            elif kind is DayStarted:
                assert isinstance(event, DayStarted)
                self._date = event.date
            elif kind is PhaseChanged:
                assert isinstance(event, PhaseChanged)
                if event.symbol == "*" and event.phase is Phase.CLOSED:
                    self._closed.append(self._closing())

    def _closing(self) -> ClosedDay:
        """The day that closes, with the members, securities and closes the clearing run needs,
        taken now: the replay hands on its closed days only at its end."""
        members = self.exchange.registry.snapshot()["members"]
        engine = self.exchange.engine
        securities = tuple(sorted(engine.instruments))
        closes = engine.closes
        return ClosedDay(parse_date(self._date), tuple(msgspec.convert(members, list[Member])),
                         securities, {s: closes[s] for s in securities if s in closes})

    def flush(self) -> None:
        """Keep the records of the batch in one transaction, tell the readers, then hand on
        the days that closed in it."""
        if self._pending:
            records, self._pending = self._pending, []
            self.log.append_many(records)
            for reader in self.readers:
                reader()
        closed, self._closed = self._closed, []
        for day in closed:
            self.on_close(day)
