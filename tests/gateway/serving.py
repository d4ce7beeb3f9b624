"""A running service for the gateway's tests: the sample configuration and universe behind a
journal in a folder, its clock moved by hand, one trading day opened in its morning session.

Each test runs its own event loop (`asyncio.run`); `Live` starts the sequencer as a task in it
and stops it, so that a test can reopen the same folder as a restart would.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from siamex.gateway.clock import ExchangeClock
from siamex.gateway.entry import OrderCancel, OrderEntry, OrderReplace
from siamex.gateway.exchange import Outcome, ServiceCommand
from siamex.gateway.genesis import genesis, member_specs
from siamex.gateway.service import Service
from siamex.gateway.universe import Universe, load_universe
from siamex.trading.commands import AdvanceTime
from siamex.trading.enums import Side
from siamex.units import day_start, parse_time_of_day
from tests.gateway.market import CONFIG, DAY

SECOND = 1_000_000_000
EARLY = (day_start(DAY) + parse_time_of_day("08:00")) * 1000
"""Bangkok 08:00 of the test day, in nanoseconds: the clock's origin."""
MORNING = (day_start(DAY) + parse_time_of_day("10:30")) * 1000


class ManualTime:
    """A monotonic source the test moves: the clock reads it instead of the machine's."""

    def __init__(self) -> None:
        self.ns = 0

    def __call__(self) -> int:
        return self.ns


class Live:
    """A service over `folder` (on the sample universe unless `universe` is given);
    `start()` replays the journal and runs the sequencer."""

    def __init__(self, folder: Path, universe: Universe | None = None) -> None:
        self.time = ManualTime()
        self.clock = ExchangeClock(EARLY, 1, source=self.time)
        self.universe = universe if universe is not None else load_universe(None, DAY)
        self.service = Service(folder, self.universe, self.clock,
                               members=member_specs(CONFIG), sync=False)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Replay the journal to the sinks attached so far, then take commands."""
        self.service.replay()
        self._task = asyncio.get_running_loop().create_task(self.service.run())

    async def stop(self) -> None:
        """Stop the sequencer and close the journal, as a shutdown would."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.service.close()

    def advance(self, seconds: float) -> None:
        """Move the exchange's clock forward."""
        self.time.ns += int(seconds * SECOND)

    async def submit(self, command: ServiceCommand) -> tuple[int, Outcome]:
        """Submit a command one second after the last, past the minimum resting time."""
        self.advance(1)
        return await self.service.submit(command)

    async def genesis(self) -> None:
        """Build the configuration's registry and limits."""
        for command in genesis(CONFIG):
            await self.service.submit(command)

    async def open_day(self) -> None:
        """Build the configuration's registry and limits, open the day, reach 10:30."""
        await self.genesis()
        await self.service.submit(self.universe.start(DAY, 0, first=True,
                                                      members=member_specs(CONFIG)))
        self.time.ns = MORNING - EARLY
        await self.service.submit(AdvanceTime(0))

    async def order(self, side: Side, qty: int, price: str, clordid: str, *,
                    trader: str = "M01T1", ors: str = "M01-ORS1", account: str = "C0001",
                    channel: str = "fix", symbol: str = "PTT") -> Outcome:
        """Enter a limit order; `price` in baht."""
        entry = OrderEntry(0, 0, channel, ors, trader, clordid, account, symbol, side, qty,
                           price=int(price.replace(".", "")))
        return (await self.submit(entry))[1]

    async def replace(self, orig: str, clordid: str, qty: int | None, *,
                      trader: str = "M01T1", ors: str = "M01-ORS1") -> Outcome:
        """Change a live order's total quantity."""
        return (await self.submit(OrderReplace(0, 0, "fix", ors, trader, clordid, orig,
                                               qty)))[1]

    async def cancel(self, orig: str, clordid: str, *, trader: str = "M01T1",
                     ors: str = "M01-ORS1") -> Outcome:
        """Cancel a live order's remainder."""
        return (await self.submit(OrderCancel(0, 0, "fix", ors, trader, clordid, orig)))[1]

