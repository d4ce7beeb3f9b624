"""A small exchange for the gateway's tests: the sample configuration on the sample universe,
one trading day open in its morning session, and helpers to send orders as a trader would."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import msgspec

from siamex.gateway.config import SAMPLE, parse_config
from siamex.gateway.entry import OrderCancel, OrderEntry, OrderReplace
from siamex.gateway.exchange import Exchange, Outcome, ServiceCommand
from siamex.gateway.genesis import genesis, member_specs
from siamex.gateway.universe import load_universe
from siamex.trading.commands import AdvanceTime
from siamex.trading.enums import OrderType, Side, Validity
from siamex.units import day_start, parse_time_of_day

DAY = dt.date(2026, 12, 1)
CONFIG = parse_config(SAMPLE.replace('comp_id = "SIAMEX"',
                                     'comp_id = "SIAMEX"\npassword_iterations = 1000'))
MORNING = day_start(DAY) + parse_time_of_day("10:30")


class Market:
    """An exchange fed commands in sequence, the clock `step` microseconds further each time
    (by default longer than the minimum resting time)."""

    def __init__(self, step: int = 300_000, universe: Path | None = None) -> None:
        self.step = step
        self.exchange = Exchange()
        self.seq = 0
        self.ts = day_start(DAY)
        self.sent: list[tuple[int, ServiceCommand]] = []
        self._ids = itertools.count(1)
        for command in genesis(CONFIG):
            self.run(command)
        listed = load_universe(universe, DAY)
        self.run(listed.start(DAY, self.ts, first=True, members=member_specs(CONFIG)))
        self.run(AdvanceTime(MORNING))

    def run(self, command: ServiceCommand) -> Outcome:
        self.ts = max(self.ts + self.step, command.ts)
        if isinstance(command, OrderEntry | OrderReplace | OrderCancel):
            command = msgspec.structs.replace(command, ts=self.ts, ns=self.ts * 1000)
        else:
            command = msgspec.structs.replace(command, ts=self.ts)
        self.seq += 1
        self.sent.append((self.seq, command))
        return self.exchange.handle(self.seq, command)

    def clordid(self) -> str:
        return f"C{next(self._ids)}"

    def order(self, side: Side, qty: int, price: str | None, *, trader: str = "M01T1",
              ors: str = "M01-ORS1", account: str = "C0001", symbol: str = "PTT",
              clordid: str | None = None, type: OrderType = OrderType.LIMIT,
              validity: Validity = Validity.DAY) -> Outcome:
        satang = None if price is None else int(price.replace(".", ""))
        return self.run(OrderEntry(0, 0, "fix", ors, trader, clordid or self.clordid(), account,
                                   symbol, side, qty, type, satang, validity))

    def replace(self, orig: str, qty: int | None, price: str | None, *, trader: str = "M01T1",
                ors: str = "M01-ORS1", clordid: str | None = None) -> Outcome:
        satang = None if price is None else int(price.replace(".", ""))
        return self.run(OrderReplace(0, 0, "fix", ors, trader, clordid or self.clordid(), orig,
                                     qty, satang))

    def cancel(self, orig: str, *, trader: str = "M01T1", ors: str = "M01-ORS1",
               clordid: str | None = None) -> Outcome:
        return self.run(OrderCancel(0, 0, "fix", ors, trader, clordid or self.clordid(), orig))
