"""The Thai exchange's business days, from exchange_calendars' XBKK calendar.

The calendar is built over fixed bounds: exchange_calendars otherwise sizes it around today's
date, which would make the answer depend on when the program runs. It is loaded on first use
because importing it (pandas) takes about two seconds.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

__all__ = ["CALENDAR_FIRST", "CALENDAR_LAST", "OutsideCalendar", "is_trading_day",
           "next_trading_day", "trading_day_offset"]

CALENDAR_FIRST = dt.date(2006, 1, 1)
CALENDAR_LAST = dt.date(2035, 12, 31)


class OutsideCalendar(ValueError):
    """A date outside the span the calendar is built for."""


@lru_cache(maxsize=1)
def _xbkk() -> Any:
    import exchange_calendars

    return exchange_calendars.get_calendar(
        "XBKK", start=CALENDAR_FIRST.isoformat(), end=CALENDAR_LAST.isoformat()
    )


def _check(day: dt.date) -> None:
    if not CALENDAR_FIRST <= day <= CALENDAR_LAST:
        raise OutsideCalendar(
            f"{day.isoformat()} is outside the calendar's span "
            f"{CALENDAR_FIRST.isoformat()}..{CALENDAR_LAST.isoformat()}"
        )


def is_trading_day(day: dt.date) -> bool:
    """Tell whether SET trades on a date (a weekday that is not an SET holiday)."""
    _check(day)
    return bool(_xbkk().is_session(day.isoformat()))


def next_trading_day(day: dt.date) -> dt.date:
    """Return the first trading day after a date."""
    return trading_day_offset(day, 1)


def trading_day_offset(day: dt.date, count: int) -> dt.date:
    """Return the trading day `count` sessions after a trading day (T+2 is count=2)."""
    _check(day)
    session = _xbkk().session_offset(day.isoformat(), count) if is_trading_day(day) else (
        _xbkk().session_offset(_xbkk().date_to_session(day.isoformat(), direction="previous"),
                               count))
    result: dt.date = session.date()
    _check(result)
    return result
