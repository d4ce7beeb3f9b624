"""A scenario run with a journal: resumed from its last commit after a crash, ending exactly as
a run that was never interrupted; any other journal refused and left as it was (decisions 65,
66)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from siamex.cli import main
from tests.journal.layout import layout

ROOT = Path(__file__).resolve().parents[2]
MULTI_DAY = ROOT / "examples" / "multi-day.json"
NORMAL_DAY = ROOT / "examples" / "normal-day.json"
TFEX_DAYS = ROOT / "examples" / "derivatives" / "trading-days.json"


@dataclass(frozen=True)
class Run:
    code: int
    out: bytes
    err: str
    state: bytes | None


def _replay(journal: Path, *args: str, scenario: Path = MULTI_DAY) -> Run:
    state = journal.parent / "state.json"
    state.unlink(missing_ok=True)
    result = CliRunner().invoke(main, ["replay", str(scenario), "--journal", str(journal),
                                       "--save-state", str(state), *args])
    return Run(result.exit_code, result.stdout_bytes, result.stderr,
               state.read_bytes() if state.exists() else None)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, bytes]:
    """The uninterrupted run and the journal it leaves."""
    journal = tmp_path_factory.mktemp("reference") / "day.journal"
    run = _replay(journal)
    assert run.code == 0 and run.state is not None
    return run, journal.read_bytes()


def _cuts(journal: bytes) -> list[int]:
    """Where a crash may leave the journal: after its creation, after each commit, and inside
    each block (a torn tail)."""
    blocks = layout(journal)
    return [8, *[block.end for block in blocks], *[block.start + 9 for block in blocks],
            *[block.records[0].end + 3 for block in blocks]]


def test_a_run_resumed_after_any_crash_ends_as_the_uninterrupted_run(
        tmp_path: Path, reference: tuple[Run, bytes]) -> None:
    whole, full = reference
    journal = tmp_path / "day.journal"
    for cut in _cuts(full):
        journal.write_bytes(full[:cut])
        run = _replay(journal)
        assert run == whole, cut
        assert journal.read_bytes() == full, cut


def test_a_resumed_run_summarises_the_whole_run(
        tmp_path: Path, reference: tuple[Run, bytes]) -> None:
    _, full = reference
    journal = tmp_path / "day.journal"
    whole = _replay(journal, "--summary")
    journal.write_bytes(full[:layout(full)[1].end])
    assert _replay(journal, "--summary") == whole
    assert journal.read_bytes() == full


def test_a_tfex_run_resumed_after_any_crash_ends_as_the_uninterrupted_run(
        tmp_path: Path) -> None:
    journal = tmp_path / "tfex.journal"
    whole = _replay(journal, scenario=TFEX_DAYS)
    assert whole.code == 0 and b'"buy_effect"' in whole.out
    full = journal.read_bytes()
    for cut in _cuts(full):
        journal.write_bytes(full[:cut])
        assert _replay(journal, scenario=TFEX_DAYS) == whole, cut
        assert journal.read_bytes() == full, cut


def test_a_complete_journal_reproduces_the_run_and_stays_as_it_is(
        tmp_path: Path, reference: tuple[Run, bytes]) -> None:
    whole, full = reference
    journal = tmp_path / "day.journal"
    journal.write_bytes(full)
    assert _replay(journal) == whole
    assert journal.read_bytes() == full


def _refused(journal: Path, code: str, *args: str, scenario: Path = MULTI_DAY) -> None:
    before = journal.read_bytes()
    run = _replay(journal, *args, scenario=scenario)
    assert run.code == 2 and run.err.startswith(f"error[{code}]"), run.err
    assert run.out == b"" and run.state is None
    assert journal.read_bytes() == before


def test_the_journal_of_another_scenario_is_refused_and_left_as_it_was(
        tmp_path: Path, reference: tuple[Run, bytes]) -> None:
    _, full = reference
    journal = tmp_path / "day.journal"
    journal.write_bytes(full[:layout(full)[0].end])
    _refused(journal, "JOURNAL_MISMATCH", scenario=NORMAL_DAY)


def test_a_journal_run_under_other_rules_is_refused(
        tmp_path: Path, reference: tuple[Run, bytes]) -> None:
    _, full = reference
    journal = tmp_path / "day.journal"
    journal.write_bytes(full[:layout(full)[0].end])
    _refused(journal, "JOURNAL_MISMATCH", "--set", "price_limit_pct=20")


def test_a_journal_longer_than_the_scenario_is_refused(
        tmp_path: Path, reference: tuple[Run, bytes]) -> None:
    _, full = reference
    first_day = json.loads(MULTI_DAY.read_text())
    first_day["days"] = first_day["days"][:1]
    scenario = tmp_path / "first-day.json"
    scenario.write_text(json.dumps(first_day))
    journal = tmp_path / "day.journal"
    journal.write_bytes(full)
    _refused(journal, "JOURNAL_MISMATCH", scenario=scenario)


def _damaged(full: bytes, at: int) -> bytes:
    data = bytearray(full)
    data[at] ^= 0x10
    return bytes(data)


def _damage_places(full: bytes) -> dict[str, int]:
    first, second = layout(full)[:2]
    record = first.records[1]
    return {"block header": second.start + 5, "record checksum": record.start + 1,
            "record length": record.start + 4, "payload": record.payload + 7,
            "between blocks": first.end - 1}


@pytest.mark.parametrize("place", ["block header", "record checksum", "record length",
                                   "payload", "between blocks"])
def test_a_journal_damaged_before_its_last_block_is_refused_by_both_commands(
        tmp_path: Path, reference: tuple[Run, bytes], place: str) -> None:
    _, full = reference
    journal = tmp_path / "day.journal"
    journal.write_bytes(_damaged(full, _damage_places(full)[place]))
    _refused(journal, "JOURNAL_CORRUPT")
    result = CliRunner().invoke(main, ["journal", "replay", str(journal)])
    assert result.exit_code == 2 and result.stderr.startswith("error[JOURNAL_CORRUPT]")
    assert result.stdout == ""


def test_a_format_1_journal_is_refused_as_another_version(tmp_path: Path) -> None:
    journal = tmp_path / "day.journal"
    journal.write_bytes(b"SIAMEXJ1" + bytes(40))
    _refused(journal, "JOURNAL_VERSION")
    result = CliRunner().invoke(main, ["journal", "replay", str(journal)])
    assert result.exit_code == 2 and result.stderr.startswith("error[JOURNAL_VERSION]")


def test_a_journal_that_cannot_be_written_is_an_error_with_a_code(tmp_path: Path) -> None:
    run = _replay(tmp_path / "no-such-folder" / "day.journal")
    assert run.code == 2 and run.err.startswith("error[FILE_NOT_FOUND]"), run.err
    assert run.out == b""
