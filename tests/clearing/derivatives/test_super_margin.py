"""The super-margin window (4.7): E12 run by run and placement by placement, a domestic
product, a one-day holiday, a closure over a weekend, and a foreign market shut as well."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from siamex.clearing.derivatives.runs import Run
from siamex.clearing.derivatives.super_margin import (
    closure_after,
    is_super,
    placement_run_date,
    super_margin_products,
    super_placement_products,
)
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.foreign_calendars import (
    ForeignCalendars,
    default_foreign_calendars,
    read_foreign_calendars,
)
from siamex.rulebook.products import DEFAULT_PRODUCTS

CALENDARS = default_foreign_calendars()
GF = DEFAULT_PRODUCTS["GF"]
S50 = DEFAULT_PRODUCTS["S50"]
FOREIGN = frozenset({"GF", "GF10", "USD"})


def day(month: int, dom: int, year: int = 2021) -> dt.date:
    return dt.date(year, month, dom)


def comex_shut(*days: str) -> ForeignCalendars:
    holidays = ", ".join(f'"{d}"' for d in days)
    return read_foreign_calendars(
        f'[[calendar]]\nname = "COMEX"\nweekend = ["sat", "sun"]\nholidays = [{holidays}]\n'
        '[follows]\nGOLD965 = "COMEX"\n'.encode(), "calendars.toml")


def test_e12_runs_before_the_songkran_closure() -> None:
    # holidays Tue 13 - Thu 15 Apr 2021, H = 13-04, a gold futures position
    assert not is_super(GF, day(4, 9), Run.INTRADAY, CALENDARS)
    assert not is_super(GF, day(4, 9), Run.EOD, CALENDARS)
    assert is_super(GF, day(4, 12), Run.INTRADAY, CALENDARS)
    assert is_super(GF, day(4, 12), Run.EOD, CALENDARS)
    assert not is_super(GF, day(4, 16), Run.INTRADAY, CALENDARS)
    assert not is_super(GF, day(4, 16), Run.EOD, CALENDARS)


def test_e12_placements() -> None:
    # 12-04 12:00, the first super placement; 16-04 09:00, the last; 16-04 12:00, normal
    assert super_placement_products(day(4, 12), Run.INTRADAY, DEFAULT_PRODUCTS,
                                    CALENDARS) == FOREIGN
    assert super_placement_products(day(4, 12), Run.EOD, DEFAULT_PRODUCTS,
                                    CALENDARS) == frozenset()
    assert placement_run_date(day(4, 16), Run.EOD) == day(4, 12)
    assert super_placement_products(day(4, 16), Run.EOD, DEFAULT_PRODUCTS,
                                    CALENDARS) == FOREIGN
    assert super_placement_products(day(4, 16), Run.INTRADAY, DEFAULT_PRODUCTS,
                                    CALENDARS) == frozenset()


def test_e12_s50_is_normal_throughout() -> None:
    for run_date in (day(4, 9), day(4, 12), day(4, 16)):
        for run in Run:
            assert not is_super(S50, run_date, run, CALENDARS)


def test_super_products_are_the_foreign_ones() -> None:
    assert super_margin_products(day(4, 12), Run.EOD, DEFAULT_PRODUCTS, CALENDARS) == FOREIGN
    assert super_margin_products(day(4, 9), Run.EOD, DEFAULT_PRODUCTS, CALENDARS) == frozenset()


def test_a_one_day_holiday_is_normal() -> None:
    assert closure_after(day(4, 5)) == (day(4, 6),)  # Chakri Day, Tue 6 Apr 2021
    assert super_margin_products(day(4, 5), Run.EOD, DEFAULT_PRODUCTS, CALENDARS) == frozenset()


def test_a_weekend_alone_is_normal() -> None:
    assert closure_after(day(4, 9)) == (day(4, 10), day(4, 11))
    assert closure_after(day(4, 7)) == ()


def test_a_closure_over_a_weekend_counts_its_weekdays() -> None:
    # Thu 21 Oct 2021: Fri 22 Oct and Mon 25 Oct shut, with the weekend between
    assert closure_after(day(10, 21)) == tuple(day(10, d) for d in range(22, 26))
    assert is_super(GF, day(10, 21), Run.EOD, CALENDARS)


def test_a_foreign_market_shut_throughout_the_closure_is_normal() -> None:
    shut = comex_shut("2021-04-13", "2021-04-14", "2021-04-15")
    assert not is_super(GF, day(4, 12), Run.EOD, shut)


def test_a_foreign_market_open_one_day_of_the_closure_is_super() -> None:
    shut = comex_shut("2021-04-13", "2021-04-15")
    assert is_super(GF, day(4, 12), Run.EOD, shut)


def test_a_foreign_product_no_calendar_names_follows_every_weekday() -> None:
    silver = replace(GF, code="SVF", underlying="SILVER")
    assert is_super(silver, day(4, 12), Run.INTRADAY, CALENDARS)
    domestic = replace(silver, foreign_underlying=False)
    assert not is_super(domestic, day(4, 12), Run.INTRADAY, CALENDARS)


def test_a_run_on_a_day_tfex_is_shut_is_refused() -> None:
    with pytest.raises(SiamexError) as caught:
        super_margin_products(day(4, 13), Run.EOD, DEFAULT_PRODUCTS, CALENDARS)
    assert caught.value.code is ErrorCode.NOT_TRADING_DAY
    with pytest.raises(SiamexError):
        placement_run_date(day(4, 17), Run.EOD)
