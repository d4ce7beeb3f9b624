"""The day so far, kept for a chart opened mid-day: a security's minute bars, its last trades
and its trade reports, and each index's value minute by minute (docs/market-data-web.md,
"The day so far").

Kept from the feed's messages alone, so it is what an ITCH consumer could count, and
deterministic: a minute is the minute of the message's own time, never a clock's. Memory grows
with the day's minutes, not its trades: one bar a minute that traded, the last `RECENT` trades,
one point a minute per index; only the trade reports are kept whole, and a day has few.
"""

from __future__ import annotations

from collections import deque
from typing import Final

from siamex.feed.messages import IndexValue, Trade

__all__ = ["MINUTE_NS", "RECENT", "REPORT_BOARDS", "Bar", "IndexPoints", "Intraday", "minute"]

MINUTE_NS: Final = 60 * 1_000_000_000
RECENT: Final = 100
"""The trades kept on any board, the last ones."""
REPORT_BOARDS: Final = frozenset({"B", "F", "X"})
"""The boards whose trades are trade reports: big lot, off-hour and foreign
(siamex.trading.trade_reports.report_board; docs/itch.md codes)."""
_MAIN_BOARD: Final = "M"


def minute(ts: int) -> int:
    """The start of a feed time's minute. Bangkok is a whole number of hours from UTC, so the
    UTC minute and the Bangkok minute start together."""
    return ts - ts % MINUTE_NS


class Bar:
    """A minute's main-board trades: open, high, low and close in satang, shares and value in
    satang, counted as the view's `Day` counts the day (decision 5, W6: auctions included)."""

    __slots__ = ("close", "high", "low", "open", "time", "value", "volume")

    def __init__(self, time: int, price: int, shares: int) -> None:
        self.time = time
        self.open = self.high = self.low = self.close = price
        self.volume = shares
        self.value = price * shares

    def add(self, price: int, shares: int) -> None:
        """Count one more trade of the minute."""
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.volume += shares
        self.value += price * shares


class Intraday:
    """A security's day so far; a new one starts with its day (its directory message, W9)."""

    __slots__ = ("bars", "reports", "trades")

    def __init__(self) -> None:
        self.bars: list[Bar] = []
        """Oldest first, one a minute that had a main-board trade."""
        self.trades: deque[Trade] = deque(maxlen=RECENT)
        """The last trades on any board, oldest first."""
        self.reports: list[Trade] = []
        """The day's trade reports, oldest first."""

    def trade(self, trade: Trade) -> None:
        """Count a trade of the security."""
        self.trades.append(trade)
        if trade.board == _MAIN_BOARD:
            at = minute(trade.ts)
            bars = self.bars
            # the feed's times never go back; a trade that did would join the last bar
            if bars and bars[-1].time >= at:
                bars[-1].add(trade.price, trade.shares)
            else:
                bars.append(Bar(at, trade.price, trade.shares))
        elif trade.board in REPORT_BOARDS:
            self.reports.append(trade)


class IndexPoints:
    """Each index's value at the end of every minute it had one, oldest first; a new one starts
    with the market's day (the system event S, W9)."""

    __slots__ = ("points",)

    def __init__(self) -> None:
        self.points: dict[str, list[tuple[int, int]]] = {}
        """By index name: (minute start, value in hundredths of a point)."""

    def add(self, message: IndexValue) -> None:
        """Count an index value: the last of its minute stands for the minute."""
        at = minute(message.ts)
        points = self.points.setdefault(message.name, [])
        if points and points[-1][0] >= at:
            points[-1] = (points[-1][0], message.value)
        else:
            points.append((at, message.value))
