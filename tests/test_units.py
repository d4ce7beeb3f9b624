"""The edge's text forms: dates and moments exactly as the formats document them."""

from __future__ import annotations

import datetime as dt

import pytest

from siamex.units import InvalidValue, is_text, parse_date, parse_datetime, shown


def test_a_date_is_read_from_yyyy_mm_dd() -> None:
    assert parse_date("2026-11-20") == dt.date(2026, 11, 20)


@pytest.mark.parametrize("text", ["20261120", "2026-W47-5", "2026-324", "2026-11-20T10:00",
                                  "2026-1-5", "\uff12\uff10\uff12\uff16-11-20", "2026-02-30",
                                  " 2026-11-20"])
def test_any_other_date_form_is_refused(text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_date(text)


def test_a_moment_is_a_date_and_a_time_of_day() -> None:
    assert parse_datetime("2021-04-12T09:30") == dt.datetime(2021, 4, 12, 9, 30)
    assert parse_datetime("2021-04-12T09:30:01.5") == dt.datetime(2021, 4, 12, 9, 30, 1, 500000)


@pytest.mark.parametrize("text", ["2021-04-12T09:30:00+07:00", "2021-04-12 09:30:00",
                                  "20210412T093000", "2021-04-12T24:00", "2021-04-12"])
def test_any_other_moment_form_is_refused(text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_datetime(text)


def test_text_is_unicode_scalar_values_only() -> None:
    assert is_text("PTT ไทย") and not is_text("PTT\ud800")


def test_a_refused_value_is_shown_cut_short() -> None:
    assert shown("9" * 5000) == "'" + "9" * 36 + "..."
    assert shown("PTT") == "'PTT'"
