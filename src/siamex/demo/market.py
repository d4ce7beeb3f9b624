"""The demo's market: the participants' sessions, their steps, and the days the clock skips to.

The participants trade over the exchange's FIX port like any member. The clock runs
accelerated and skips what nobody needs to watch: the lunch break and the night (a trading
day's close is followed by its clearing run, then the clock jumps to 09:55 of the next business
day). With a number of days, the demo ends once those days traded and their trades settled: it
goes on through the two business days after the last (no trading; their close runs the
clearing house, which settles T+2). Each day's line says what traded and what the clearing
house settled that day (docs/demo.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from typing import Final, TextIO

import msgspec

from siamex.demo.config import DEMO_SYMBOLS, PARTICIPANTS
from siamex.demo.session import DemoSession
from siamex.demo.traders import Fair, make_market, take
from siamex.errors import ErrorCode, SiamexError
from siamex.gateway.clearing_link import ClearingLink
from siamex.gateway.clock import ExchangeClock
from siamex.gateway.day_clearing import RunState
from siamex.gateway.service import Service
from siamex.rulebook.calendar import next_trading_day
from siamex.trading.enums import Phase, Side
from siamex.units import day_start, parse_price, parse_time_of_day

__all__ = ["DemoMarket"]

_ACTIVE: Final = frozenset({Phase.PRE_OPEN_1, Phase.OPEN_1, Phase.PRE_OPEN_2, Phase.OPEN_2,
                            Phase.PRE_CLOSE})
_MORNING: Final = parse_time_of_day("09:55")
_AFTERNOON: Final = parse_time_of_day("14:25")
_AFTER_CLOSE: Final = parse_time_of_day("17:01")
_SETTLEMENT_DAYS: Final = 2  # T+2 (clearing-spec.md, decision C1)


def _at(day: dt.date, time_of_day_us: int) -> int:
    return (day_start(day) + time_of_day_us) * 1000


class DemoMarket:
    """Synthetic participants on one server, and the days they trade."""

    def __init__(self, service: Service, clock: ExchangeClock, link: ClearingLink,
                 address: tuple[str, int], comp_id: str, out: TextIO, *,
                 days: int | None = None, resumed: bool = False, seed: int = 1,
                 pace: float = 0.05) -> None:
        self.service = service
        self.clock = clock
        self.link = link
        self.address = address
        self.comp_id = comp_id
        self.out = out
        self.days = days
        self.resumed = resumed
        """Whether the server resumed a journal: its registry is there already."""
        self.pace = pace
        self.rng = random.Random(seed)
        self.fair = Fair(self.rng)
        self.sessions: list[DemoSession] = []

    async def run(self) -> None:
        """Trade day after day (until `days` traded and settled, if given)."""
        registry = self.service.exchange.registry
        while any(registry.ors(f"{p.member}-ORS1") is None for p in PARTICIPANTS):
            if self.resumed:
                raise SiamexError(ErrorCode.DATA_FOLDER, (
                    "the data folder's registry has no demo participants: it was begun "
                    "without --demo; give --data a new folder"))
            await asyncio.sleep(self.pace)  # the configuration's registry is still being built
        for participant in PARTICIPANTS:
            session = DemoSession(participant, self.comp_id)
            await session.open(*self.address)
            self.sessions.append(session)
        print(f"siamex demo: {len(self.sessions)} participants trading "
              f"{', '.join(DEMO_SYMBOLS)} over FIX, {self.clock.speed} times faster than real "
              "time", file=self.out, flush=True)
        try:
            traded = 0
            while self.days is None or traded < self.days:
                day = await self._trading_day()
                await self._report(day)
                traded += 1
                if self.days is None or traded < self.days:
                    self.clock.skip_to(_at(next_trading_day(day), _MORNING))
                    self.fair.restart()
            for _ in range(_SETTLEMENT_DAYS):
                day = next_trading_day(day)
                self.clock.skip_to(_at(day, _AFTER_CLOSE))
                await self._report(day)
        finally:
            for session in self.sessions:
                await session.close()

    async def _trading_day(self) -> dt.date:
        """Step the participants until the day's market closes; return the day."""
        while True:
            await asyncio.sleep(self.pace)  # the demo's own pace in real time; not the engine
            engine = self.service.exchange.engine
            if engine.date is None:
                continue
            lead = engine.instruments[DEMO_SYMBOLS[0]]
            now = self.clock.now_ns()
            if lead.session in _ACTIVE:
                self._step()
            elif lead.session is Phase.INTERMISSION:
                self.clock.skip_to(_at(engine.date, _AFTERNOON))
            elif lead.session is Phase.CLOSED and now >= _at(engine.date, _AFTER_CLOSE):
                return engine.date
            for session in self.sessions:
                session.heartbeat_due()

    def _step(self) -> None:
        engine = self.service.exchange.engine
        maker, *takers = self.sessions
        for symbol in DEMO_SYMBOLS:
            inst = engine.instruments.get(symbol)
            if inst is None or inst.session not in _ACTIVE:
                continue
            fair = self.fair.step(symbol, inst)
            make_market(maker, symbol, inst, fair, self.rng)
            take(self.rng.choice(takers), symbol, inst, fair, self.rng)

    async def _report(self, day: dt.date) -> None:
        """Wait for the day's clearing run, then print what the day traded and settled."""
        while True:
            run = next((r for r in self.link.clearing.runs() if r.date == day), None)
            if run is not None and run.state in (RunState.DONE, RunState.FAILED):
                break
            await asyncio.sleep(self.pace)
        records = [r for r in self.link.log.day(day.isoformat()) if r.side is Side.BUY]
        volume = sum(r.qty for r in records)
        value = sum(r.qty * parse_price(r.price) for r in records)
        if run.state is RunState.FAILED:
            cleared = f"clearing FAILED: {run.error}"
        else:
            report = msgspec.json.decode(self.link.clearing.report_path(day).read_bytes())
            settled = ["in full" if s["settled_in_full"] else "with fails"
                       for s in report["settlement_dates"]]
            cleared = f"settlement: {', '.join(settled) if settled else 'nothing due'}"
        baht, satang = divmod(value, 100)
        print(f"siamex demo: {day}  trades {len(records):,}  volume {volume:,}  "
              f"value {baht:,}.{satang:02d} THB  {cleared}", file=self.out, flush=True)
