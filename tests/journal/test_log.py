"""The journal: checksummed records, group commit, a torn tail tolerated, corruption refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from siamex.journal.log import MAGIC, CorruptJournal, JournalWriter, read_journal, recover
from siamex.journal.replay import replay, save_snapshot
from siamex.scenario.loader import load_scenario
from siamex.scenario.runner import scenario_commands
from siamex.trading.commands import AdvanceTime, Command
from siamex.trading.engine import Engine
from siamex.trading.snapshot import state_hash

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "normal-day.json"


def _write(path: Path, commands: list[Command], every: int = 7) -> None:
    with JournalWriter(path, sync=False) as journal:
        for seq, command in enumerate(commands, 1):
            journal.append(seq, command)
            if seq % every == 0:
                journal.commit()


def _hash_after(commands: list[Command]) -> str:
    engine = Engine()
    for command in commands:
        engine.handle(command)
    return state_hash(engine)


@pytest.fixture(scope="module")
def commands() -> list[Command]:
    return scenario_commands(load_scenario(EXAMPLE))


def test_records_read_back_as_the_same_commands(tmp_path: Path, commands: list[Command]) -> None:
    path = tmp_path / "j"
    _write(path, commands)
    records = list(read_journal(path))
    assert [r.command for r in records] == commands
    assert [r.seq for r in records] == list(range(1, len(commands) + 1))


def test_nothing_appended_is_on_disk_before_its_commit(tmp_path: Path) -> None:
    path = tmp_path / "j"
    journal = JournalWriter(path, sync=False)
    journal.append(1, AdvanceTime(5))
    assert list(read_journal(path)) == []
    journal.commit()
    assert [r.seq for r in read_journal(path)] == [1]
    journal.close()


def test_replay_after_a_crash_mid_record_reaches_the_uninterrupted_state(
        tmp_path: Path, commands: list[Command]) -> None:
    path = tmp_path / "j"
    _write(path, commands)
    data = path.read_bytes()
    last = list(read_journal(path))[-1]
    cut = len(data) - 3  # the last record loses its tail: a crash in the middle of the write
    path.write_bytes(data[:cut])
    engine, seq = replay(path)
    assert seq == last.seq - 1
    assert state_hash(engine) == _hash_after(commands[:-1])


@pytest.mark.parametrize("keep", [len(MAGIC) + 3, len(MAGIC) + 9])
def test_a_torn_header_or_first_record_leaves_an_empty_journal(
        tmp_path: Path, commands: list[Command], keep: int) -> None:
    path = tmp_path / "j"
    _write(path, commands[:3])
    path.write_bytes(path.read_bytes()[:keep])
    assert recover(path) == ([], len(MAGIC))


def test_recovery_truncates_the_torn_tail_and_appending_goes_on(
        tmp_path: Path, commands: list[Command]) -> None:
    path = tmp_path / "j"
    _write(path, commands[:10])
    path.write_bytes(path.read_bytes()[:-2])
    with JournalWriter(path, sync=False) as journal:
        assert journal.last_seq == 9
        journal.append(10, commands[9])
    assert [r.command for r in read_journal(path)] == commands[:10]


def test_a_bad_checksum_before_the_end_is_corruption(tmp_path: Path,
                                                     commands: list[Command]) -> None:
    path = tmp_path / "j"
    _write(path, commands[:10])
    data = bytearray(path.read_bytes())
    data[len(MAGIC) + 12] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptJournal):
        list(read_journal(path))


def test_a_file_that_is_not_a_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j"
    path.write_bytes(b"hello world")
    with pytest.raises(CorruptJournal):
        recover(path)


def test_a_snapshot_and_the_journal_after_it_rebuild_the_whole_state(
        tmp_path: Path, commands: list[Command]) -> None:
    path, snap = tmp_path / "j", tmp_path / "s"
    _write(path, commands)
    middle = len(commands) // 2
    engine = Engine()
    for command in commands[:middle]:
        engine.handle(command)
    save_snapshot(engine, middle, snap)
    rebuilt, seq = replay(path, snap)
    assert seq == len(commands)
    assert state_hash(rebuilt) == _hash_after(commands)
