"""Run a scenario through the sequencer and engine, yielding every event in output order.

Each day starts with its `StartDay`, runs its actions in batches (journalled and committed
before their events are released: group commit), and ends by advancing the engine to the end of
the off-hour session, so the closing auction and the expiry of Day orders always happen.

A run with a journal that already holds records resumes it (decision 66): the records must be
the scenario's first commands, and the run re-runs them to rebuild the state and print their
events, appending only the commands after them, so that it ends exactly as a run that was
never interrupted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from siamex.errors import ErrorCode, SiamexError
from siamex.journal.log import CorruptJournal, JournalWriter, Record, recover
from siamex.journal.sequencer import Handler, Sequencer
from siamex.scenario.actions import EdgeReject
from siamex.scenario.loader import DayPlan, Scenario
from siamex.trading.commands import AdvanceTime, Command
from siamex.trading.engine import Engine
from siamex.trading.events import Event, Rejected
from siamex.trading.listing import carried_close, main_symbol

__all__ = ["BATCH", "DayHandler", "day_commands", "open_journal", "run_scenario",
           "scenario_commands"]

BATCH = 1024


class DayHandler(Handler, Protocol):
    """What a scenario runs on: a `Handler` that tells the day it has traded and the closes it
    carries, which the next day's plan is checked against."""

    @property
    def date(self) -> dt.date | None: ...

    @property
    def closes(self) -> dict[str, int]: ...


def _check_day(engine: DayHandler, day: DayPlan) -> None:
    if engine.date is not None and day.start.date <= engine.date.isoformat():
        raise SiamexError(ErrorCode.STATE_FILE, (
            f"the engine has already traded {engine.date.isoformat()}; "
            f"{day.start.date} must come later"))
    for spec in day.start.instruments:
        if spec.prev_close is None and spec.ipo_price is None and carried_close(
                spec, day.start.instruments, engine.closes) is None:
            main = main_symbol(spec)
            of = f" for its main security {main}" if main != spec.symbol else ""
            raise SiamexError(ErrorCode.SCENARIO_FIELD, (
                f"{spec.symbol}: no prev_close given{of} and none carried from an earlier day"))


def day_commands(day: DayPlan) -> Iterator[tuple[Command, EdgeReject | None]]:
    """Yield a day's commands in order, each with the edge rejection it carries (if any).

    An action refused at the edge becomes a time advance, so that its rejection is printed after
    everything scheduled before it; the day ends with an advance to the end of the off-hour
    session.
    """
    yield day.start, None
    last = day.end
    for item in day.items:
        yield (item.command if item.command is not None else AdvanceTime(item.ts)), item.reject
        last = max(last, item.ts)
    yield AdvanceTime(last), None


def scenario_commands(scenario: Scenario) -> list[Command]:
    """Return every command a scenario sends to the engine, in order."""
    return [command for day in scenario.days for command, _ in day_commands(day)]


def open_journal(path: Path, scenario: Scenario, *, sync: bool = True) -> JournalWriter:
    """Open the journal of a run of `scenario`: a new one, or the one an interrupted run of it
    left, cut back to its last commit. Any other journal is refused before a byte of it
    changes: a corrupt one, or one whose records are not this scenario's first commands."""
    try:
        found = recover(path)
        _check_prefix(path, found.records, scenario_commands(scenario))
        return JournalWriter(path, sync=sync, recovered=found)
    except CorruptJournal as exc:
        raise SiamexError(exc.code, f"{path}: {exc}; nothing was changed") from None
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"cannot write the journal {path}: "
                          f"{exc.strerror}") from None


def _check_prefix(path: Path, records: list[Record], commands: list[Command]) -> None:
    """Refuse a journal that is not the start of this scenario's run (decision 66)."""
    if len(records) > len(commands):
        raise SiamexError(ErrorCode.JOURNAL_MISMATCH, (
            f"{path} holds {len(records)} commands, more than the {len(commands)} of this "
            "scenario: it is the journal of another run; delete it to start over"))
    for seq, (record, command) in enumerate(zip(records, commands, strict=False), 1):
        if record.seq != seq or record.command != command:
            raise SiamexError(ErrorCode.JOURNAL_MISMATCH, (
                f"{path}: record {seq} ({_described(record.command)}, seq {record.seq}) is "
                f"not this scenario's command {seq} ({_described(command)}): it is the "
                "journal of another run; delete it to start over"))


def _described(command: Command) -> str:
    return f"{type(command).__name__} at {command.ts}"


def _batches(day: DayPlan) -> Iterator[list[tuple[Command, EdgeReject | None]]]:
    batch: list[tuple[Command, EdgeReject | None]] = []
    for pair in day_commands(day):
        batch.append(pair)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def run_scenario(scenario: Scenario, engine: DayHandler | None = None,
                 journal: JournalWriter | None = None) -> Iterator[Event]:
    """Yield the events of every day of a scenario, in the order they are to be printed."""
    host: DayHandler = engine if engine is not None else Engine()
    sequencer = Sequencer(host, journal)
    for day in scenario.days:
        _check_day(host, day)
        for batch in _batches(day):
            results = sequencer.submit([command for command, _ in batch])
            for (command, reject), (_, events) in zip(batch, results, strict=True):
                yield from events
                if reject is not None:
                    yield Rejected(command.ts, reject.id, reject.reason, reject.text)
