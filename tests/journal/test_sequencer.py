"""The sequencer stamps sequence numbers and time, journals, commits, then runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from siamex.journal.log import JournalWriter, read_journal
from siamex.journal.replay import replay
from siamex.journal.sequencer import Sequencer
from siamex.trading.commands import AdvanceTime
from siamex.trading.engine import Engine


def test_commands_are_numbered_and_journalled_before_they_run(tmp_path: Path) -> None:
    path = tmp_path / "j"
    with JournalWriter(path, sync=False) as journal:
        sequencer = Sequencer(Engine(), journal)
        sequencer.submit([AdvanceTime(10), AdvanceTime(20)])
        assert [r.seq for r in read_journal(path)] == [1, 2]
        sequencer.submit([AdvanceTime(30)])
    assert [r.command.ts for r in read_journal(path)] == [10, 20, 30]


def test_a_clock_stamps_the_time_and_never_runs_backwards() -> None:
    readings = iter([100, 90, 120])
    sequencer = Sequencer(Engine(), clock=lambda: next(readings))
    stamped = [c.ts for c, _ in sequencer.submit([AdvanceTime(0), AdvanceTime(0),
                                                   AdvanceTime(0)])]
    assert stamped == [100, 100, 120]


def test_without_a_clock_a_command_from_the_past_is_refused() -> None:
    sequencer = Sequencer(Engine())
    sequencer.submit([AdvanceTime(50)])
    with pytest.raises(ValueError):
        sequencer.submit([AdvanceTime(40)])


def test_sequence_numbers_continue_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "j"
    with JournalWriter(path, sync=False) as journal:
        Sequencer(Engine(), journal).submit([AdvanceTime(1), AdvanceTime(2)])
    with JournalWriter(path, sync=False) as journal:
        engine, last = replay(path)
        Sequencer(engine, journal, seq=last).submit([AdvanceTime(3)])
    assert [r.seq for r in read_journal(path)] == [1, 2, 3]


def test_commands_the_journal_already_holds_are_run_again_but_not_appended(
        tmp_path: Path) -> None:
    path = tmp_path / "j"
    with JournalWriter(path, sync=False) as journal:
        Sequencer(Engine(), journal).submit([AdvanceTime(1), AdvanceTime(2)])
    engine = Engine()
    with JournalWriter(path, sync=False) as journal:
        sequencer = Sequencer(engine, journal)
        sequencer.submit([AdvanceTime(1)])
        sequencer.submit([AdvanceTime(2), AdvanceTime(3)])
    assert [(r.seq, r.command.ts) for r in read_journal(path)] == [(1, 1), (2, 2), (3, 3)]
    assert engine.now == 3
