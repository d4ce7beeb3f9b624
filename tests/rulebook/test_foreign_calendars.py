"""Foreign markets' calendars as rulebook data (4.7): the bundled COMEX and FX calendars, which
calendar a product follows, a user's file, and every fault refused with CALENDAR_FILE."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.foreign_calendars import (
    EVERY_WEEKDAY,
    default_foreign_calendars,
    load_foreign_calendars,
    read_foreign_calendars,
)
from siamex.rulebook.products import DEFAULT_PRODUCTS

CALENDARS = default_foreign_calendars()
USER = b"""
[[calendar]]
name = "TOCOM"
weekend = ["sat", "sun"]
holidays = ["2021-04-29"]

[follows]
RSS3 = "TOCOM"
"""


def refused(text: str) -> str:
    with pytest.raises(SiamexError) as caught:
        read_foreign_calendars(text.encode(), "calendars.toml")
    assert caught.value.code is ErrorCode.CALENDAR_FILE
    return caught.value.message


def easter(year: int) -> dt.date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def test_gold_follows_comex_and_usd_the_fx_market() -> None:
    assert CALENDARS.for_product(DEFAULT_PRODUCTS["GF"]).name == "COMEX"
    assert CALENDARS.for_product(DEFAULT_PRODUCTS["GF10"]).name == "COMEX"
    assert CALENDARS.for_product(DEFAULT_PRODUCTS["USD"]).name == "FX"


def test_a_product_no_file_names_follows_every_weekday() -> None:
    silver = replace(DEFAULT_PRODUCTS["GF"], code="SVF", underlying="SILVER")
    assert CALENDARS.for_product(silver) is EVERY_WEEKDAY
    assert EVERY_WEEKDAY.is_open(dt.date(2021, 12, 24))
    assert not EVERY_WEEKDAY.is_open(dt.date(2021, 12, 25))


def test_a_product_code_wins_over_its_underlying() -> None:
    text = USER.decode().replace("[follows]", '[[calendar]]\nname = "LBMA"\nweekend = ["sat", '
                                 '"sun"]\n\n[follows]\nGF = "TOCOM"\nGOLD965 = "LBMA"')
    calendars = read_foreign_calendars(text.encode(), "calendars.toml")
    assert calendars.for_product(DEFAULT_PRODUCTS["GF"]).name == "TOCOM"
    assert calendars.for_product(DEFAULT_PRODUCTS["GF10"]).name == "LBMA"


def test_comex_is_open_through_songkran_2021_and_shut_on_its_holidays() -> None:
    comex = CALENDARS.calendars["COMEX"]
    assert all(comex.is_open(dt.date(2021, 4, day)) for day in (13, 14, 15))
    assert not comex.is_open(dt.date(2021, 4, 2))  # Good Friday
    assert not comex.is_open(dt.date(2021, 12, 24))  # Christmas, observed
    assert not comex.is_open(dt.date(2021, 4, 10))  # a Saturday


def test_comex_good_fridays_are_two_days_before_easter() -> None:
    comex = CALENDARS.calendars["COMEX"]
    for year in range(2021, 2028):
        assert easter(year) - dt.timedelta(days=2) in comex.holidays
    assert all(day.weekday() < 5 for day in comex.holidays)


def test_fx_closes_on_new_year_and_christmas_weekdays_only() -> None:
    fx = CALENDARS.calendars["FX"]
    assert not fx.is_open(dt.date(2024, 12, 25))
    assert fx.is_open(dt.date(2022, 12, 26))
    assert all(day.weekday() < 5 and (day.month, day.day) in ((1, 1), (12, 25))
               for day in fx.holidays)


def test_a_users_file_replaces_the_bundled_one(tmp_path: Path) -> None:
    path = tmp_path / "calendars.toml"
    path.write_bytes(USER)
    calendars = load_foreign_calendars(path)
    assert set(calendars.calendars) == {"TOCOM"}
    assert not calendars.calendars["TOCOM"].is_open(dt.date(2021, 4, 29))
    assert calendars.for_product(DEFAULT_PRODUCTS["GF"]) is EVERY_WEEKDAY


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(SiamexError) as caught:
        load_foreign_calendars(tmp_path / "absent.toml")
    assert caught.value.code is ErrorCode.FILE_NOT_FOUND


def test_follows_must_name_a_listed_calendar() -> None:
    assert "does not list" in refused(USER.decode().replace('RSS3 = "TOCOM"', 'RSS3 = "SGX"'))


def test_a_bad_follower_is_refused() -> None:
    assert "not a product code" in refused(USER.decode().replace("RSS3 =", '"rss 3" ='))


def test_a_bad_holiday_is_refused() -> None:
    assert "holidays" in refused(USER.decode().replace("2021-04-29", "2021-02-30"))
    assert "listed twice" in refused(USER.decode().replace('["2021-04-29"]',
                                                           '["2021-04-29", "2021-04-29"]'))


def test_a_bad_weekend_is_refused() -> None:
    assert "weekend days are" in refused(USER.decode().replace('"sat"', '"saturday"'))
    assert "leaves a business day" in refused(USER.decode().replace(
        '["sat", "sun"]', '["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'))
    assert "leaves a business day" in refused(USER.decode().replace('"sat"', '"sun"'))


def test_a_bad_or_repeated_calendar_name_is_refused() -> None:
    assert "capital letter" in refused(USER.decode().replace('"TOCOM"', '"tocom"', 1))
    text = USER.decode()
    block = text[text.index("[[calendar]]"):text.index("[follows]")]
    assert "listed twice" in refused(block + block + text[text.index("[follows]"):])


def test_an_unknown_field_is_refused() -> None:
    assert "not a foreign calendar file" in refused(
        USER.decode().replace('name = "TOCOM"', 'name = "TOCOM"\ntimezone = "Asia/Tokyo"'))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.binary(max_size=200))
def test_garbage_is_refused_with_calendar_file(raw: bytes) -> None:
    with pytest.raises(SiamexError) as caught:
        read_foreign_calendars(raw, "calendars.toml")
    assert caught.value.code is ErrorCode.CALENDAR_FILE
