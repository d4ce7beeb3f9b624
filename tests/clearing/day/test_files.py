"""A clearing day from its files: read and refused in one place, before the store is
opened, and cleared against the store named (in memory when none is)."""

from __future__ import annotations

from pathlib import Path

import pytest

from siamex.clearing.day.files import DayFiles, clear_files
from siamex.clearing.foundations.store_sqlite import SqliteStore
from siamex.errors import ErrorCode, SiamexError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "clearing"
E1 = DayFiles(EXAMPLES / "members.json", EXAMPLES / "trades.csv", EXAMPLES / "holdings.json")


def test_the_example_day_clears_against_the_store_named(tmp_path: Path) -> None:
    report = clear_files(E1, tmp_path / "clearing.db")
    assert report.settled and not report.pending
    with SqliteStore(tmp_path / "clearing.db") as store:
        stored = store.balances()
    assert report.balances and all(stored[a] == q for a, q in report.balances.items())


def test_a_bad_file_is_refused_before_the_store_is_opened(tmp_path: Path) -> None:
    bad = tmp_path / "members.json"
    bad.write_text("{")
    with pytest.raises(SiamexError) as refused:
        clear_files(DayFiles(bad, E1.trades, E1.holdings), tmp_path / "clearing.db")
    assert refused.value.code is ErrorCode.MEMBER_FILE
    assert not (tmp_path / "clearing.db").exists()
