"""A test harness: one engine, one day, auction instants pinned, prices written as THB text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

from siamex.trading.commands import (
    AccountSpec,
    AdvanceTime,
    AmendOrder,
    CancelOrder,
    Command,
    IndexSpec,
    InstrumentSpec,
    MemberSpec,
    NewOrder,
    StartDay,
)
from siamex.trading.engine import Engine
from siamex.trading.enums import OrderType, Side, Validity
from siamex.trading.events import Event, Rejected, Trade
from siamex.units import day_start, parse_price, parse_time_of_day

E = TypeVar("E")
DATE = dt.date(2026, 11, 20)


def stock(symbol: str = "AOT", prev_close: str | None = "64.00", **kw: Any) -> InstrumentSpec:
    """A security's spec; prev_close None carries the engine's last close."""
    return InstrumentSpec(symbol, parse_price(prev_close) if prev_close else None, **kw)


def of_type(events: Sequence[Event], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]


def trades(events: Sequence[Event]) -> list[tuple[str, int, str, str]]:
    """Each trade as (price text, qty, buy id, sell id)."""
    from siamex.units import format_price

    return [(format_price(t.price), t.qty, t.buy_id, t.sell_id) for t in of_type(events, Trade)]


def reasons(events: Sequence[Event]) -> list[str]:
    return [e.reason.value for e in of_type(events, Rejected)]


class Session:
    """An engine on one trading day; every call returns the events it caused."""

    def __init__(self, *instruments: InstrumentSpec, rules: dict[str, Any] | None = None,
                 members: Sequence[MemberSpec] = (), date: dt.date = DATE,
                 engine: Engine | None = None, indices: Sequence[tuple[str, str]] = (),
                 accounts: Sequence[AccountSpec] = ()) -> None:
        self.engine = engine or Engine()
        self.base = day_start(date)
        self.log: list[Command] = []
        times = {"open1": "10:00", "open2": "14:00", "close": "16:40"}
        self.start = StartDay(
            self.base, date.isoformat(), 1, rules or {}, instruments or (stock(),),
            tuple(members), {k: parse_time_of_day(v) for k, v in times.items()},
            tuple(IndexSpec(name, parse_price(close)) for name, close in indices),
            tuple(accounts))
        self.events = self.run(self.start)

    def ts(self, at: str) -> int:
        return self.base + parse_time_of_day(at)

    def run(self, command: Command) -> list[Event]:
        self.log.append(command)
        return self.engine.handle(command)

    def advance(self, at: str) -> list[Event]:
        return self.run(AdvanceTime(self.ts(at)))

    def new(self, at: str, cid: str, side: str, qty: int, price: str | None = None, *,
            symbol: str = "AOT", type: str = "limit", validity: str = "day",
            member: str = "M1", account: str = "A1", **kw: Any) -> list[Event]:
        return self.run(NewOrder(
            self.ts(at), cid, member, account, symbol, Side(side), qty, OrderType(type),
            parse_price(price) if price is not None else None, Validity(validity), **kw))

    def amend(self, at: str, cid: str, *, qty: int | None = None, price: str | None = None,
              **kw: Any) -> list[Event]:
        return self.run(AmendOrder(self.ts(at), cid, qty=qty,
                                   price=parse_price(price) if price else None, **kw))

    def cancel(self, at: str, cid: str, **kw: Any) -> list[Event]:
        return self.run(CancelOrder(self.ts(at), cid, **kw))

    def op(self, kind: type[Command], at: str, *args: Any, **kw: Any) -> list[Event]:
        """Run any command at a time of day: `op(Halt, "10:30", "AOT")`."""
        return self.run(kind(self.ts(at), *args, **kw))

    def phase(self, symbol: str = "AOT") -> str:
        return self.engine.instruments[symbol].phase.value

    def book(self, symbol: str = "AOT", side: str = "sell") -> list[tuple[str, int, int]]:
        """A side's resting orders in priority: (id, remaining, visible)."""
        inst = self.engine.instruments[symbol]
        return [(o.id, o.remaining, o.visible) for o in inst.book.orders(Side(side))]
