"""The Thai exchange's business days, from exchange_calendars' XBKK calendar.

The calendar is built over fixed bounds: exchange_calendars otherwise sizes it around today's
date, which would make the answer depend on when the program runs. It is loaded on first use
because importing it (pandas) takes about two seconds.
"""

from __future__ import annotations

import datetime as dt
import warnings
from bisect import bisect_right
from functools import lru_cache

__all__ = ["CALENDAR_FIRST", "CALENDAR_LAST", "OutsideCalendar", "is_trading_day",
           "next_trading_day", "trading_day_offset"]

CALENDAR_FIRST = dt.date(2006, 1, 1)
CALENDAR_LAST = dt.date(2035, 12, 31)


class OutsideCalendar(ValueError):
    """A date outside the span the calendar is built for."""


@lru_cache(maxsize=1)
def _sessions() -> tuple[list[dt.date], frozenset[dt.date]]:
    """Every XBKK trading day in the span, read once (pandas' own warnings silenced)."""
    import exchange_calendars

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        calendar = exchange_calendars.get_calendar(
            "XBKK", start=CALENDAR_FIRST.isoformat(), end=CALENDAR_LAST.isoformat()
        )
        days = [session.date() for session in calendar.sessions]
    return days, frozenset(days)


def _check(day: dt.date) -> None:
    if not CALENDAR_FIRST <= day <= CALENDAR_LAST:
        raise OutsideCalendar(
            f"{day.isoformat()} is outside the calendar's span "
            f"{CALENDAR_FIRST.isoformat()}..{CALENDAR_LAST.isoformat()}"
        )


def is_trading_day(day: dt.date) -> bool:
    """Tell whether SET trades on a date (a weekday that is not an SET holiday)."""
    _check(day)
    return day in _sessions()[1]


def next_trading_day(day: dt.date) -> dt.date:
    """Return the first trading day after a date."""
    return trading_day_offset(day, 1)


def trading_day_offset(day: dt.date, count: int) -> dt.date:
    """Return the trading day `count` sessions after a date (T+2 is count=2).

    A date that is not a trading day counts from the trading day before it.
    """
    _check(day)
    days, _ = _sessions()
    position = bisect_right(days, day) - 1 + count
    if not 0 <= position < len(days):
        raise OutsideCalendar(f"{count} trading days from {day.isoformat()} leaves the calendar")
    return days[position]
