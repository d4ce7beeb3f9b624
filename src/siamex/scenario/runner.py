"""Run a scenario through the sequencer and engine, yielding every event in output order.

Each day starts with its `StartDay`, runs its actions in batches (journalled and committed
before their events are released: group commit), and ends by advancing the engine to the end of
the off-hour session, so the closing auction and the expiry of Day orders always happen. An
action refused at the edge still advances the engine's time, so its rejection lands after
everything scheduled before it.
"""

from __future__ import annotations

from collections.abc import Iterator

from siamex.errors import ErrorCode, SiamexError
from siamex.journal.log import JournalWriter
from siamex.journal.sequencer import Sequencer
from siamex.scenario.loader import DayPlan, Item, Scenario
from siamex.trading.commands import AdvanceTime, Command
from siamex.trading.engine import Engine
from siamex.trading.events import Event, Rejected

__all__ = ["BATCH", "run_scenario"]

BATCH = 1024


def _check_day(engine: Engine, day: DayPlan) -> None:
    if engine.date is not None and day.start.date <= engine.date.isoformat():
        raise SiamexError(ErrorCode.STATE_FILE, (
            f"the engine has already traded {engine.date.isoformat()}; "
            f"{day.start.date} must come later"))
    for spec in day.start.instruments:
        if spec.prev_close is None and spec.ipo_price is None and spec.symbol not in (
                engine.closes):
            raise SiamexError(ErrorCode.SCENARIO_FIELD, (
                f"{spec.symbol}: no prev_close given and none carried from an earlier day"))


def _batch(sequencer: Sequencer, items: tuple[Item, ...] | list[Item]) -> Iterator[Event]:
    commands: list[Command] = [item.command if item.command is not None else AdvanceTime(item.ts)
                               for item in items]
    for item, (_, events) in zip(items, sequencer.submit(commands), strict=True):
        yield from events
        if item.reject is not None:
            reject = item.reject
            yield Rejected(item.ts, reject.id, reject.reason, reject.text)


def run_scenario(scenario: Scenario, engine: Engine | None = None,
                 journal: JournalWriter | None = None) -> Iterator[Event]:
    """Yield the events of every day of a scenario, in the order they are to be printed."""
    engine = engine if engine is not None else Engine()
    sequencer = Sequencer(engine, journal)
    for day in scenario.days:
        _check_day(engine, day)
        yield from sequencer.submit([day.start])[0][1]
        for start in range(0, len(day.items), BATCH):
            yield from _batch(sequencer, day.items[start:start + BATCH])
        if day.end > engine.now:
            yield from sequencer.submit([AdvanceTime(day.end)])[0][1]
