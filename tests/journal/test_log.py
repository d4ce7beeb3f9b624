"""The journal: one checked block per group commit, a torn tail cut, anything else refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from siamex.journal.log import (
    MAGIC,
    CorruptJournal,
    JournalVersion,
    JournalWriter,
    read_journal,
    recover,
)
from siamex.journal.replay import replay, save_snapshot
from siamex.scenario.loader import load_scenario
from siamex.scenario.runner import scenario_commands
from siamex.trading.commands import AdvanceTime, Command
from siamex.trading.engine import Engine
from siamex.trading.snapshot import state_hash
from tests.journal.layout import layout

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


def test_each_commit_is_one_block_with_every_length_under_a_checksum(
        tmp_path: Path, commands: list[Command]) -> None:
    path = tmp_path / "j"
    _write(path, commands[:17], every=7)
    blocks = layout(path.read_bytes())  # checks the header's and each record's checksum
    assert [len(block.records) for block in blocks] == [7, 7, 3]


def test_nothing_appended_is_on_disk_before_its_commit(tmp_path: Path) -> None:
    path = tmp_path / "j"
    journal = JournalWriter(path, sync=False)
    journal.append(1, AdvanceTime(5))
    assert path.read_bytes() == MAGIC
    journal.commit()
    assert [r.seq for r in read_journal(path)] == [1]
    journal.close()


def test_replay_after_a_crash_mid_block_reaches_the_state_of_the_commits_before_it(
        tmp_path: Path, commands: list[Command]) -> None:
    path = tmp_path / "j"
    _write(path, commands, every=7)
    data = path.read_bytes()
    last = layout(data)[-1]
    path.write_bytes(data[:last.records[0].end + 3])  # the last block is cut in its 2nd record
    engine, seq = replay(path)
    committed = len(commands) - len(last.records)
    assert seq == committed
    assert state_hash(engine) == _hash_after(commands[:committed])


@pytest.mark.parametrize("keep", range(len(MAGIC)))
def test_a_journal_cut_inside_its_magic_is_empty_and_written_anew(
        tmp_path: Path, commands: list[Command], keep: int) -> None:
    path = tmp_path / "j"
    path.write_bytes(MAGIC[:keep])
    found = recover(path)
    assert (found.records, found.end) == ([], 0)
    _write(path, commands[:3])
    assert [r.command for r in read_journal(path)] == commands[:3]


def test_recovery_cuts_the_torn_block_and_appending_goes_on(
        tmp_path: Path, commands: list[Command]) -> None:
    path = tmp_path / "j"
    _write(path, commands[:10], every=4)
    path.write_bytes(path.read_bytes()[:-2])  # the block of records 9 and 10 is torn
    with JournalWriter(path, sync=False) as journal:
        assert journal.last_seq == 8
        journal.append(9, commands[8])
        journal.append(10, commands[9])
    assert [r.command for r in read_journal(path)] == commands[:10]


def test_recovery_reads_only_and_a_corrupt_journal_is_never_cut(
        tmp_path: Path, commands: list[Command]) -> None:
    path = tmp_path / "j"
    _write(path, commands[:10], every=4)
    data = bytearray(path.read_bytes())
    data[layout(bytes(data))[0].records[1].payload] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptJournal):
        recover(path)
    with pytest.raises(CorruptJournal):
        JournalWriter(path, sync=False)
    assert path.read_bytes() == data


def test_a_file_that_is_not_a_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j"
    path.write_bytes(b"hello world")
    with pytest.raises(CorruptJournal):
        recover(path)


def test_a_format_1_journal_is_refused_as_another_version(tmp_path: Path) -> None:
    path = tmp_path / "j"
    path.write_bytes(b"SIAMEXJ1" + bytes(20))
    with pytest.raises(JournalVersion, match="format-1"):
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
