"""Only a torn tail is dropped: damage anywhere before it is corruption (decision 65).

A crash can leave unfinished only the last block, cut short at any byte; the tests cut a
multi-block journal at every byte and damage it at every byte, and hypothesis overwrites runs
of bytes in each kind of place: the magic, a block header, a record's checksum, its length, its
payload, and the seam between two blocks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.journal.log import MAGIC, CorruptJournal, JournalWriter, Recovered, recover
from siamex.scenario.loader import load_scenario
from siamex.scenario.runner import scenario_commands
from siamex.trading.commands import Command
from tests.journal.layout import BlockSpan, layout

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "multi-day.json"
EVERY = 4


def _write(path: Path, commands: list[Command]) -> None:
    with JournalWriter(path, sync=False) as journal:
        for seq, command in enumerate(commands, 1):
            journal.append(seq, command)
            if seq % EVERY == 0:
                journal.commit()


@pytest.fixture(scope="module")
def commands() -> list[Command]:
    return scenario_commands(load_scenario(EXAMPLE))


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory, commands: list[Command]) -> bytes:
    path = tmp_path_factory.mktemp("journal") / "j"
    _write(path, commands)
    return path.read_bytes()


def _recover(path: Path, data: bytes) -> Recovered:
    path.write_bytes(data)
    return recover(path)


def _committed(blocks: list[BlockSpan], cut: int) -> int:
    return sum(len(block.records) for block in blocks if block.end <= cut)


def test_the_journal_has_several_blocks(journal: bytes) -> None:
    assert len(layout(journal)) >= 4


def test_a_cut_at_any_byte_drops_only_the_block_it_tears(
        tmp_path: Path, journal: bytes, commands: list[Command]) -> None:
    path = tmp_path / "j"
    blocks = layout(journal)
    for cut in range(len(journal) + 1):
        found = _recover(path, journal[:cut])
        kept = _committed(blocks, cut)
        assert [r.command for r in found.records] == commands[:kept], cut
        whole = [block.end for block in blocks if block.end <= cut]
        assert found.end == (whole[-1] if whole else len(MAGIC) if cut >= len(MAGIC) else 0)


def test_appending_after_any_cut_writes_the_journal_again_byte_for_byte(
        tmp_path: Path, journal: bytes, commands: list[Command]) -> None:
    path = tmp_path / "j"
    blocks = layout(journal)
    for cut in range(len(journal) + 1):
        path.write_bytes(journal[:cut])
        with JournalWriter(path, sync=False) as writer:
            for seq in range(_committed(blocks, cut) + 1, len(commands) + 1):
                writer.append(seq, commands[seq - 1])
                if seq % EVERY == 0:
                    writer.commit()
        assert path.read_bytes() == journal, cut


def test_a_damaged_byte_is_corruption_unless_it_is_in_the_last_record(
        tmp_path: Path, journal: bytes, commands: list[Command]) -> None:
    path = tmp_path / "j"
    blocks = layout(journal)
    last = blocks[-1].records[-1]
    for at in range(len(journal)):
        damaged = bytearray(journal)
        damaged[at] ^= 0xFF
        if at < last.start:
            with pytest.raises(CorruptJournal):
                _recover(path, bytes(damaged))
        else:  # nothing checked follows: a torn tail, and its whole block goes
            found = _recover(path, bytes(damaged))
            assert len(found.records) == len(commands) - len(blocks[-1].records)


def _places(blocks: list[BlockSpan]) -> dict[str, list[tuple[int, int]]]:
    """Each kind of place in the journal, as spans [start, end)."""
    records = [record for block in blocks for record in block.records]
    return {
        "magic": [(0, len(MAGIC))],
        "block header": [(block.start, block.start + 16) for block in blocks],
        "record checksum": [(record.start, record.start + 4) for record in records],
        "record length": [(record.start + 4, record.payload) for record in records],
        "payload": [(record.payload, record.end) for record in records],
        "between blocks": [(block.end - 3, block.end + 3) for block in blocks[:-1]],
    }


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), kind=st.sampled_from(["magic", "block header", "record checksum",
                                              "record length", "payload", "between blocks"]))
def test_bytes_overwritten_anywhere_before_the_last_record_are_corruption(
        tmp_path: Path, journal: bytes, data: st.DataObject, kind: str) -> None:
    blocks = layout(journal)
    last = blocks[-1].records[-1].start
    spans = [(start, min(end, last)) for start, end in _places(blocks)[kind] if start < last]
    start, end = data.draw(st.sampled_from(spans), label="span")
    at = data.draw(st.integers(start, end - 1), label="at")
    size = data.draw(st.integers(1, min(12, last - at)), label="size")
    new = data.draw(st.binary(min_size=size, max_size=size)
                    .filter(lambda run: run != journal[at:at + size]), label="bytes")
    with pytest.raises(CorruptJournal):
        _recover(tmp_path / "j", journal[:at] + new + journal[at + size:])
