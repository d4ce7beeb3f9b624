"""The trading day's schedule and its random auction instants (set-trading-rules.md 1; T6)."""

from __future__ import annotations

import datetime as dt
import random
from typing import NamedTuple

from siamex.rulebook.parameters import Rulebook
from siamex.units import US_PER_MS

__all__ = ["AuctionInstants", "draw_auction_instants"]


class AuctionInstants(NamedTuple):
    """When one security's three call auctions uncross, in microseconds after midnight."""

    open1: int
    open2: int
    close: int


def _draw(rng: random.Random, start: int, end: int) -> int:
    return start + rng.randrange((end - start) // US_PER_MS) * US_PER_MS


def draw_auction_instants(rules: Rulebook, seed: int, day: dt.date, symbol: str) -> AuctionInstants:
    """Draw one security's auction instants, uniform at millisecond resolution in each window.

    The generator is seeded by (seed, date, symbol) alone (T6), so a security's instants do not
    depend on which other securities trade that day, and a replay draws the same ones.
    """
    rng = random.Random(f"{seed}|{day.isoformat()}|{symbol}")
    return AuctionInstants(
        _draw(rng, rules.open_1_window_start, rules.open_1_window_end),
        _draw(rng, rules.open_2_window_start, rules.open_2_window_end),
        _draw(rng, rules.close_window_start, rules.close_window_end),
    )
