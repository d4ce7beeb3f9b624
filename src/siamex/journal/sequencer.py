"""The sequencer: stamps each command with its sequence number, journals it, then runs it.

Commands are appended to the journal before the engine's events for them are released, and a
batch is made durable with one commit (group commit). With a clock, the sequencer stamps the
time itself, never letting it run backwards; without one, each command keeps the time it came
with (scenario replay), which must not run backwards either.

A command whose sequence number the journal already holds is run but not appended again: a
scenario resumed after a crash starts its engine afresh and runs the journalled commands again
to rebuild the state, its caller having checked that they are the same (decision 66).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

import msgspec

from siamex.journal.log import JournalWriter
from siamex.trading.commands import Command
from siamex.trading.events import Event

__all__ = ["Handler", "Sequencer"]


class Handler(Protocol):
    """What the sequencer feeds: an engine, or anything that answers a command with its
    events the same way."""

    @property
    def now(self) -> int: ...

    def handle(self, command: Command) -> list[Event]: ...


class Sequencer:
    """Feeds commands to an engine in one total order, journalling them first."""

    def __init__(self, engine: Handler, journal: JournalWriter | None = None,
                 clock: Callable[[], int] | None = None, *, seq: int = 0) -> None:
        """`seq` is the number of the last command `engine` has run (a restart that rebuilt
        it from the journal passes the journal's last)."""
        self.engine = engine
        self.journal = journal
        self.clock = clock
        self.seq = seq
        self.last_ts = engine.now

    def _stamp(self, command: Command) -> Command:
        if self.clock is not None:
            ts = max(self.clock(), self.last_ts)
            command = msgspec.structs.replace(command, ts=ts)
        elif command.ts < self.last_ts:
            raise ValueError(f"command time {command.ts} runs before {self.last_ts}")
        self.last_ts = command.ts
        return command

    def submit(self, commands: Iterable[Command]) -> list[tuple[Command, list[Event]]]:
        """Sequence, journal and commit a batch, then run it; return each command's events."""
        stamped: list[Command] = []
        journal = self.journal
        for command in commands:
            command = self._stamp(command)
            self.seq += 1
            if journal is not None and self.seq > journal.last_seq:
                journal.append(self.seq, command)
            stamped.append(command)
        if journal is not None:
            journal.commit()
        handle = self.engine.handle
        return [(command, handle(command)) for command in stamped]
