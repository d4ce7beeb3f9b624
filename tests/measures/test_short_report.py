"""The published short report: the exchange's columns, THB values, percentages to two decimals
rounded half up, and one form for the file, the API and the feed."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path

import pytest

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.short_report import (
    COLUMNS,
    ShortRow,
    percent_text,
    short_report_csv,
    short_report_json,
    write_short_report,
)

ROWS = [ShortRow("2026-12-03", "AOT", 1_000, 6_400_000, 400, 600, 800, Fraction(600 * 100, 800),
                 True),
        ShortRow("2026-12-03", "PTT", 0, 0, 0, 100, 0, None, False)]


@pytest.mark.parametrize(("pct", "shown"), [
    (Fraction(1, 8), "0.13"),  # 0.125: half up, not to even
    (Fraction(3, 8), "0.38"),
    (Fraction(1, 3), "0.33"),
    (Fraction(2, 3), "0.67"),
    (Fraction(999, 100), "9.99"),
    (Fraction(99_999, 10_000), "10.00"),
    (Fraction(0), "0.00"),
    (Fraction(100), "100.00"),
])
def test_a_percentage_is_shown_to_two_decimals_rounded_half_up(pct: Fraction, shown: str) -> None:
    assert percent_text(pct) == shown


def test_a_row_s_json_form_gives_thb_and_the_percentage_as_text() -> None:
    assert ROWS[0].as_json() == {
        "date": "2026-12-03", "symbol": "AOT", "short_volume": 1_000, "short_value": "64000.00",
        "bought_back_volume": 400, "outstanding_volume": 600, "listed_shares": 800,
        "outstanding_pct": "75.00", "at_cap": True}
    assert ROWS[1].as_json()["outstanding_pct"] is None
    assert tuple(ROWS[0].as_json()) == COLUMNS


def test_the_csv_has_the_columns_and_leaves_an_unknown_percentage_empty() -> None:
    lines = list(csv.reader(io.StringIO(short_report_csv(ROWS))))
    assert lines == [list(COLUMNS),
                     ["2026-12-03", "AOT", "1000", "64000.00", "400", "600", "800", "75.00",
                      "true"],
                     ["2026-12-03", "PTT", "0", "0.00", "0", "100", "0", "", "false"]]


def test_the_json_file_is_the_rows_json_forms() -> None:
    assert json.loads(short_report_json(ROWS)) == [row.as_json() for row in ROWS]


def test_the_file_s_form_follows_its_suffix(tmp_path: Path) -> None:
    write_short_report(ROWS, tmp_path / "shorts.json")
    write_short_report(ROWS, tmp_path / "shorts.csv")
    assert json.loads((tmp_path / "shorts.json").read_text())[0]["symbol"] == "AOT"
    assert (tmp_path / "shorts.csv").read_text().startswith(",".join(COLUMNS) + "\n")


def test_a_report_that_cannot_be_written_is_an_error_with_a_code(tmp_path: Path) -> None:
    with pytest.raises(SiamexError) as refused:
        write_short_report(ROWS, tmp_path / "no-such-folder" / "shorts.csv")
    assert refused.value.code is ErrorCode.FILE_NOT_FOUND
