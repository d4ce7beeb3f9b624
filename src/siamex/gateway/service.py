"""The running exchange: the sequencer, its journal, the clock's commands and the state.

Every command, from a member, an operator, a risk officer or the clock, goes through one
queue. The sequencer takes what has queued, stamps each command with the clock's time and the
next sequence number, appends the batch to the journal and makes it durable with one fsync
(group commit, on a worker thread so the event loop keeps reading), and only then runs the
commands and releases their outcomes: the sinks see each, a flush after the batch sends them
out, and then each command's submitter is told. No acknowledgement leaves before its command is
durable (pillar 2). A restart replays the journal into a new state, identical to the one the crash
ended (same hash), and hands the replayed outcomes to the sinks, which each resume after the
last one they kept (the audit trail, the FIX message stores).

The clock's commands: a trading day opens (StartDay) when the clock enters a business day of
the SET calendar, and the engine is advanced (AdvanceTime) whenever its next scheduled event is
due; nothing is journaled while nothing is due. A TFEX day is not over at midnight: its night
session runs to 03:00 of the next calendar day (`Universe.day_end`), and the next trading day
opens only once it has closed; a server started in that night opens the day whose night
session is on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Final

import msgspec

from siamex.errors import ErrorCode, SiamexError
from siamex.gateway.clock import ExchangeClock
from siamex.gateway.entry import OrderCancel, OrderEntry, OrderReplace, exchange_ns
from siamex.gateway.exchange import Exchange, Outcome, ServiceCommand
from siamex.gateway.journaled import DECODER, ServiceRecord
from siamex.gateway.universe import Universe
from siamex.journal.log import JournalWriter, recover
from siamex.measures.depository import Depository
from siamex.measures.live import open_depository
from siamex.rulebook.calendar import OutsideCalendar, is_trading_day, trading_day_offset
from siamex.trading.commands import AdvanceTime, MemberSpec
from siamex.units import date_of

__all__ = ["JOURNAL", "MAX_BATCH", "Service", "Sink"]

JOURNAL: Final = "exchange.journal"
MAX_BATCH: Final = 4096
"""The most commands one group commit holds: a bound on the latency a burst adds."""

Sink = Callable[[int, ServiceCommand, Outcome, bool], None]
"""Receives each command's outcome in sequence order; the flag is True during recovery."""

Done = Callable[[int, Outcome], None]
"""Called with a command's sequence number and outcome once it is durable and has run."""

_Pending = tuple[ServiceCommand, Done | None]


class Service:
    """The exchange's state behind its journal, fed by one sequencer."""

    def __init__(self, folder: Path, universe: Universe, clock: ExchangeClock, *,
                 members: tuple[MemberSpec, ...] = (), sync: bool = True,
                 depository: Depository | None = None) -> None:
        self.folder = folder
        self.universe = universe
        self.members = members
        self.depository = depository
        """The holdings opened before the first trading day (decision 184)."""
        self.clock = clock
        self.exchange = Exchange()
        self.seq = 0
        self.sinks: list[Sink] = []
        self.flushes: list[Callable[[], None]] = []
        """Called after each batch's outcomes went to the sinks (and after the replay)."""
        found = recover(folder / JOURNAL, DECODER)
        self._records: list[ServiceRecord] = found.records
        self.journal = JournalWriter(folder / JOURNAL, sync=sync, recovered=found)
        self._queue: deque[_Pending] = deque()
        self._queued = asyncio.Event()
        self._last_ns = 0
        self._fsync = concurrent.futures.ThreadPoolExecutor(1, "siamex-fsync")
        self.busy_ns = 0
        """Time spent running commands through the exchange (the benchmark's engine share)."""

    @property
    def fresh(self) -> bool:
        """Whether the journal held nothing when the service opened it."""
        return not self._records and self.seq == 0

    def replay(self) -> None:
        """Rebuild the state from the journal, giving every outcome to the sinks; refuse a
        journal of another market than the universe's (SET days then TFEX days in one
        engine would carry one market's orders into the other's books)."""
        for record in self._records:
            outcome = self.exchange.handle(record.seq, record.command)
            self.seq = record.seq
            self._last_ns = max(self._last_ns, exchange_ns(record.command))
            for sink in self.sinks:
                sink(record.seq, record.command, outcome, True)
        self._records = []
        for flush in self.flushes:
            flush()
        self._check_market()

    def _check_market(self) -> None:
        day = self.exchange.engine.day
        if day.date is not None and day.market != self.universe.market:
            raise SiamexError(ErrorCode.DATA_FOLDER, (
                f"{self.folder} holds a {day.market} market's journal and the universe is of "
                f"the {self.universe.market} market: give another --data folder"))

    def check_depository(self) -> None:
        """Refuse a depository file that cannot open: the journal traded a day without it, or
        the file's balances are of another day than the first the server opens."""
        depository = self.depository
        if depository is None or self.exchange.measures.opened is not None:
            return
        engine = self.exchange.engine
        if engine.date is not None:
            raise SiamexError(ErrorCode.DEPOSITORY_FILE, (
                f"{self.folder} traded {engine.date.isoformat()} without a depository: its "
                "holdings would not follow those days; give another --data folder"))
        first = self._next_trading_day(self.clock.now_ns() // 1000)
        if first is not None:
            depository.check_opens(first.isoformat())

    def _next_trading_day(self, now_us: int) -> dt.date | None:
        """The trading day the clock is in, or the next one (None outside the calendar): a
        date that is no trading day counts from the one before it."""
        day = self._trading_day(now_us)
        if day is not None:
            return day
        try:
            return trading_day_offset(date_of(now_us), 1)
        except OutsideCalendar:
            return None

    def first_ts(self) -> int:
        """The time in nanoseconds the clock must not run before: the journal's last."""
        return self._last_ns

    async def submit(self, command: ServiceCommand) -> tuple[int, Outcome]:
        """Queue a command; return its sequence number and outcome once it is durable."""
        future: asyncio.Future[tuple[int, Outcome]] = \
            asyncio.get_running_loop().create_future()

        def done(seq: int, outcome: Outcome) -> None:
            if not future.done():
                future.set_result((seq, outcome))

        self.enqueue(command, done)
        return await future

    def enqueue(self, command: ServiceCommand, done: Done | None = None) -> None:
        """Queue a command; `done` is called once it is durable and has run. A callback, not a
        task per command: the FIX acceptor queues every order this way."""
        self._queue.append((command, done))
        self._queued.set()

    def post(self, command: ServiceCommand) -> None:
        """Queue a command whose outcome only the sinks need."""
        self.enqueue(command)

    def _stamp(self, command: ServiceCommand) -> ServiceCommand:
        ns = max(self.clock.now_ns(), self._last_ns)
        self._last_ns = ns
        if isinstance(command, OrderEntry | OrderReplace | OrderCancel):
            return msgspec.structs.replace(command, ts=ns // 1000, ns=ns)
        return msgspec.structs.replace(command, ts=ns // 1000)

    async def run(self) -> None:
        """Sequence, journal, commit and run commands until cancelled."""
        loop = asyncio.get_running_loop()
        queue = self._queue
        while True:
            if not queue:
                self._queued.clear()
                await self._queued.wait()
            stamped: list[tuple[int, ServiceCommand, Done | None]] = []
            while queue and len(stamped) < MAX_BATCH:
                command, done = queue.popleft()
                command = self._stamp(command)
                self.seq += 1
                self.journal.append_record(self.seq, ServiceRecord(self.seq, command))
                stamped.append((self.seq, command, done))
            await loop.run_in_executor(self._fsync, self.journal.commit)
            outcomes = []
            for seq, command, _ in stamped:
                began = time.perf_counter_ns()
                outcome = self.exchange.handle(seq, command)
                self.busy_ns += time.perf_counter_ns() - began
                for sink in self.sinks:
                    sink(seq, command, outcome, False)
                outcomes.append(outcome)
            for flush in self.flushes:
                flush()
            for (seq, _, done), outcome in zip(stamped, outcomes, strict=True):
                if done is not None:
                    done(seq, outcome)

    def due(self) -> ServiceCommand | None:
        """The clock's next command, if one is due now: a day's opening or an advance."""
        now_us = self.clock.now_ns() // 1000
        engine = self.exchange.engine
        day = self._trading_day(now_us)
        if day is not None and (engine.date is None or engine.date < day):
            if self.depository is not None and self.exchange.measures.opened is None:
                return open_depository(self.depository)
            return self.universe.start(day, now_us, first=engine.date is None,
                                       members=self.members,
                                       carried=frozenset(engine.day.closes))
        if engine.next_due <= now_us:
            return AdvanceTime(now_us)
        return None

    def _trading_day(self, now_us: int) -> dt.date | None:
        """The trading day the clock is in: the day before's while its night session runs
        (TFEX), else today's if it is a business day; None on a day without trading."""
        today = date_of(now_us)
        if self.universe.market == "tfex":
            before = _business_day_before(today)
            if before is not None and now_us < self.universe.day_end(before):
                return before
        try:
            return today if is_trading_day(today) else None
        except OutsideCalendar:
            return None

    async def tick(self, every: float = 0.05) -> None:
        """Submit the clock's commands as they fall due, until cancelled."""
        while True:
            command = self.due()
            if command is not None:
                await self.submit(command)
                continue
            await asyncio.sleep(every)

    def close(self) -> None:
        """Commit what is pending and close the journal."""
        self.journal.close()
        self._fsync.shutdown()

    @property
    def trading_date(self) -> dt.date | None:
        """The trading day the engine is on."""
        return self.exchange.engine.date


def _business_day_before(day: dt.date) -> dt.date | None:
    """The last business day before `day`, None outside the calendar."""
    try:
        return trading_day_offset(day - dt.timedelta(days=1), 0)
    except OutsideCalendar:
        return None
