"""`siamex replay`'s run: a scenario's events written as JSON Lines numbered from 1, summarized,
or both, with every command journaled first when a journal is named (docs/cli.md).

The lines go to the output file when one is named (and the run is summarized as well), else
to standard output unless only the summary is wanted; the same scenario always writes the same
bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from siamex.scenario.loader import Scenario
from siamex.scenario.output import event_line
from siamex.scenario.runner import DayHandler, open_journal, run_scenario
from siamex.scenario.summary import DaySummary, summarize
from siamex.trading.events import Event

__all__ = ["replay_scenario"]


def _numbered(events: Iterator[Event], out: BinaryIO) -> Iterator[Event]:
    """Write each event as its line while passing it on, so one run both writes and
    summarizes."""
    for seq, event in enumerate(events, 1):
        out.write(event_line(seq, event))
        out.write(b"\n")
        yield event


def replay_scenario(plan: Scenario, engine: DayHandler, *, journal: Path | None,
                    output: Path | None, summary: bool, stdout: BinaryIO) -> list[DaySummary]:
    """Run `plan` on `engine`, journaled in `journal` (resumed if an interrupted run left it),
    writing its lines to `output` or `stdout`; return the days' summary when there is one."""
    writer = open_journal(journal, plan) if journal else None
    try:
        events = run_scenario(plan, engine, writer)
        if output is not None:
            with output.open("wb") as handle:
                return summarize(_numbered(events, handle))
        if summary:
            return summarize(events)
        for _ in _numbered(events, stdout):
            pass
        stdout.flush()
        return []
    finally:
        if writer is not None:
            writer.close()
