"""The exchange's clock for `siamex serve`: Bangkok time, real, accelerated or on another date.

The engine reads no clock (pillar 1); the server's sequencer stamps each command with this
clock's reading. A clock starts at an origin (Bangkok wall time now, or a chosen date and time
of day) and runs at `speed` times real time from a monotonic source, so a change of the
machine's wall clock never moves it. It never runs backwards: a restart resumes no earlier than
the last time the journal holds (the caller passes it as `floor`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from siamex.units import day_start

__all__ = ["BANGKOK_OFFSET_NS", "ExchangeClock", "bangkok_now_ns"]

BANGKOK_OFFSET_NS = 7 * 3600 * 1_000_000_000
"""Bangkok is UTC+7 all year (no daylight saving), so its wall time is a fixed offset."""


def bangkok_now_ns() -> int:
    """Return Bangkok wall-clock time now, in nanoseconds since 1970-01-01 00:00 local."""
    return time.time_ns() + BANGKOK_OFFSET_NS


class ExchangeClock:
    """Bangkok time in nanoseconds, from an origin, at `speed` times real time."""

    def __init__(self, origin_ns: int, speed: int = 1, *, floor: int = 0,
                 source: Callable[[], int] = time.monotonic_ns) -> None:
        if speed < 1:
            raise ValueError("the clock's speed is a whole number of at least 1")
        self.origin_ns = max(origin_ns, floor)
        self.speed = speed
        self._source = source
        self._started = source()
        self._last = self.origin_ns

    @classmethod
    def starting(cls, day: dt.date | None, time_of_day_us: int | None, speed: int, *,
                 floor: int = 0, source: Callable[[], int] = time.monotonic_ns
                 ) -> ExchangeClock:
        """Start on `day` at `time_of_day_us` (each defaults to Bangkok's now)."""
        now = bangkok_now_ns()
        if day is None and time_of_day_us is None:
            origin = now
        else:
            today_us = now // 1000
            base = day_start(day) if day is not None else today_us - today_us % 86_400_000_000
            of_day = time_of_day_us if time_of_day_us is not None else today_us % 86_400_000_000
            origin = (base + of_day) * 1000
        return cls(origin, speed, floor=floor, source=source)

    def not_before(self, ns: int) -> None:
        """Never read earlier than `ns` (a restart's journal ends there)."""
        if ns > self._last:
            self.origin_ns += ns - self._last
            self._last = ns

    def skip_to(self, ns: int) -> None:
        """Jump ahead to `ns` and run on from there (a demo skips the night and the lunch
        break); a time already past is no jump: the clock never runs backwards."""
        self.now_ns()
        self.not_before(ns)

    def now_ns(self) -> int:
        """Return the exchange's time now (never earlier than a reading before it)."""
        reading = self.origin_ns + (self._source() - self._started) * self.speed
        if reading > self._last:
            self._last = reading
        return self._last

    def real_ns_until(self, at_ns: int) -> int:
        """Return the real nanoseconds until the exchange's time reaches `at_ns` (0 if past)."""
        return max(0, (at_ns - self.now_ns()) // self.speed)
