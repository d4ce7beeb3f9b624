"""Thai business days from exchange_calendars' XBKK calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from siamex.rulebook.calendar import (
    OutsideCalendar,
    is_trading_day,
    next_trading_day,
    trading_day_offset,
)


def test_weekends_and_set_holidays_do_not_trade() -> None:
    assert is_trading_day(dt.date(2026, 11, 20))
    assert not is_trading_day(dt.date(2026, 11, 21))  # Saturday
    assert not is_trading_day(dt.date(2026, 12, 7))  # King Bhumibol's birthday, observed
    assert not is_trading_day(dt.date(2026, 12, 10))  # Constitution Day


def test_t_plus_two_skips_holidays() -> None:
    assert trading_day_offset(dt.date(2026, 12, 4), 2) == dt.date(2026, 12, 9)
    assert next_trading_day(dt.date(2026, 12, 4)) == dt.date(2026, 12, 8)


def test_a_date_outside_the_built_span_is_refused() -> None:
    with pytest.raises(OutsideCalendar):
        is_trading_day(dt.date(2040, 1, 2))
