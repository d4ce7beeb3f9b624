"""A trading day without an engine: its order flow only records what the day asks of it."""

from __future__ import annotations

from siamex.trading.commands import InstrumentSpec, StartDay
from siamex.trading.day import TradingDay
from siamex.trading.events import Event
from siamex.trading.instrument import Instrument
from siamex.units import day_start, parse_time_of_day
from tests.trading.harness import DATE

BASE = day_start(DATE)
TIMES = {"open1": "10:00", "open2": "14:00", "close": "16:40"}


class RecordingFlow:
    """An order flow without orders: it notes each auction and the close it is asked for, as
    (time of day, symbol, session)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def uncross(self, inst: Instrument, ts: int, session: str, out: list[Event]) -> None:
        self.calls.append((at(ts), inst.symbol, session))

    def close_market(self, ts: int, out: list[Event]) -> None:
        self.calls.append((at(ts), "*", "close_market"))


def ts(time_of_day: str) -> int:
    return BASE + parse_time_of_day(time_of_day)


def at(ts: int) -> str:
    """The time of day of an instant, to the minute."""
    minutes = (ts - BASE) // 60_000_000
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def bare_day(*specs: InstrumentSpec) -> tuple[TradingDay, RecordingFlow]:
    """A day with its securities listed (AOT at 64.00 by default) at 09:00, and its flow."""
    day = TradingDay()
    start = StartDay(ts("09:00"), DATE.isoformat(), 1, {},
                     specs or (InstrumentSpec("AOT", 6400),), (),
                     {k: parse_time_of_day(v) for k, v in TIMES.items()})
    out: list[Event] = []
    day.list_securities(start, out)
    day.start_schedule(start, out)
    return day, RecordingFlow()
