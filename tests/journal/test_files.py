"""State files and journals named on the command line: read back to the same state, and any
fault a stable code, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from siamex.errors import ErrorCode, SiamexError
from siamex.journal.files import load_state, rebuild, write_state
from siamex.journal.log import JournalWriter
from siamex.journal.replay import save_snapshot
from siamex.scenario.loader import load_scenario
from siamex.scenario.runner import scenario_commands
from siamex.trading.engine import Engine
from siamex.trading.snapshot import state_hash

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "normal-day.json"


def _day(journal: Path) -> Engine:
    engine = Engine()
    with JournalWriter(journal, sync=False) as writer:
        for seq, command in enumerate(scenario_commands(load_scenario(EXAMPLE)), 1):
            writer.append(seq, command)
            engine.handle(command)
    return engine


def test_a_written_state_loads_back_to_the_same_state(tmp_path: Path) -> None:
    engine = _day(tmp_path / "day.journal")
    write_state(engine, tmp_path / "state.json")
    assert state_hash(load_state(tmp_path / "state.json")) == state_hash(engine)


@pytest.mark.parametrize("content", [b"[" * 100_000, b'{"a": "\xe9"}', b'{"version": 2}',
                                     b"[1, 2]", b""])
def test_a_state_file_siamex_did_not_write_is_refused_whole(tmp_path: Path,
                                                            content: bytes) -> None:
    (tmp_path / "state.json").write_bytes(content)
    with pytest.raises(SiamexError) as exc:
        load_state(tmp_path / "state.json")
    assert exc.value.code is ErrorCode.STATE_FILE


def test_a_missing_state_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(SiamexError) as exc:
        load_state(tmp_path / "state.json")
    assert exc.value.code is ErrorCode.FILE_NOT_FOUND


def test_a_journal_rebuilds_the_engine_with_or_without_a_snapshot(tmp_path: Path) -> None:
    engine = _day(tmp_path / "day.journal")
    rebuilt, last = rebuild(tmp_path / "day.journal", None)
    assert state_hash(rebuilt) == state_hash(engine) and last > 1
    save_snapshot(engine, last, tmp_path / "snap.json")
    from_snapshot, after = rebuild(tmp_path / "day.journal", tmp_path / "snap.json")
    assert state_hash(from_snapshot) == state_hash(engine) and after == last


def _refused(journal: Path, snapshot: Path | None) -> ErrorCode:
    with pytest.raises(SiamexError) as exc:
        rebuild(journal, snapshot)
    return exc.value.code


def test_a_missing_or_damaged_journal_and_a_foreign_snapshot_are_refused(tmp_path: Path) -> None:
    journal = tmp_path / "day.journal"
    _day(journal)
    (tmp_path / "snap.json").write_bytes(b'{"seq": 1, "state": {"version": 2}}')
    (tmp_path / "bad.journal").write_bytes(b"not a journal at all")
    assert _refused(tmp_path / "missing.journal", None) is ErrorCode.FILE_NOT_FOUND
    assert _refused(journal, tmp_path / "missing.json") is ErrorCode.FILE_NOT_FOUND
    assert _refused(journal, tmp_path / "snap.json") is ErrorCode.STATE_FILE
    assert _refused(tmp_path / "bad.journal", None) is ErrorCode.JOURNAL_CORRUPT
