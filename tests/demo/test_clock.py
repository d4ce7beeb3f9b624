"""The demo's clock: accelerated, from 09:55 of today or, when SET does not trade today, of the
next trading day."""

from __future__ import annotations

import datetime as dt

from siamex.demo.clock import demo_clock
from siamex.gateway.config import ServeConfig
from siamex.units import parse_time_of_day


def _at(day: str, time: str = "14:00") -> int:
    """Bangkok wall time, in nanoseconds since 1970-01-01 00:00 local (the gateway's clock)."""
    midnight = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp()
    return (int(midnight) * 1_000_000 + parse_time_of_day(time)) * 1000


def test_on_a_trading_day_the_demo_starts_at_09_55_of_today() -> None:
    config = demo_clock(ServeConfig(), 20, None, None, now_ns=lambda: _at("2026-12-01"))
    assert (config.speed, config.date, config.start) == (20, "2026-12-01",
                                                         parse_time_of_day("09:55"))


def test_on_a_holiday_weekend_it_starts_on_the_next_trading_day() -> None:
    config = demo_clock(ServeConfig(), 600, None, None, now_ns=lambda: _at("2026-12-05"))
    assert config.date == "2026-12-08"  # Saturday, then the substitute holiday of 5 December


def test_a_day_and_a_start_given_are_kept_and_the_rest_of_the_config_too() -> None:
    base = ServeConfig(fix_port=0)
    config = demo_clock(base, 900, "2026-12-03", "13:00", now_ns=lambda: _at("2026-12-05"))
    assert (config.date, config.start, config.fix_port) == ("2026-12-03",
                                                            parse_time_of_day("13:00"), 0)
