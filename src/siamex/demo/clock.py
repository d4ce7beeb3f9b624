"""The demo's clock: accelerated, from 09:55 of today, or of the next trading day when the
exchange does not trade today, so that a demo started at any hour soon sees the market open
(docs/demo.md)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from siamex.gateway.clock import bangkok_now_ns
from siamex.gateway.config import ServeConfig
from siamex.rulebook.calendar import is_trading_day, next_trading_day
from siamex.units import date_of, parse_time_of_day

__all__ = ["demo_clock"]

_START = "09:55"  # the opening auction's earliest instant: the demo opens with it


def demo_clock(config: ServeConfig, speed: int, day: str | None, start: str | None, *,
               now_ns: Callable[[], int] = bangkok_now_ns) -> ServeConfig:
    """Run `config`'s clock `speed` times faster, from `start` (09:55 unless given) of `day`
    (unless given, today in Bangkok or the next trading day; `now_ns` tells Bangkok's time)."""
    today = date_of(now_ns() // 1000)
    first = today if is_trading_day(today) else next_trading_day(today)
    return dataclasses.replace(config, speed=speed, date=day or first.isoformat(),
                               start=parse_time_of_day(start or _START))
