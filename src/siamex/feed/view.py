"""The market as the browsers' channels show it, kept from the feed's messages alone.

One `MarketView` follows the feed log message by message, for every WebSocket connection at
once (docs/market-data-web.md W2): each security's shown depth (`siamex.feed.depth`), its best
bid and offer on the main board, its limits, phase, statuses, last trade, day figures,
indicative price, auction result, day summary and the day so far by minute
(`siamex.feed.intraday`), and the market's phase, system event, statuses, index values and
their points by minute. It keeps the feed's own message structs as its state, so what a
channel shows is what the ITCH feed said, by construction.

Each message that changes what a channel shows is one update of that channel, numbered: a
channel's `seq` goes up by exactly one per update, from 0 when the channel appears, the same
for every connection and after every restart (the feed's messages are). Which message updates
which channel:

| feed message | security channel | market channel |
|---|---|---|
| AddOrder, OrderExecuted, OrderCancel, OrderDelete, OrderReplace | if depth changed | `best` (*) |
| Directory (a security's day starts) | yes (not its first: the channel starts there) | yes |
| Phase, Trade, Indicative, AuctionCross, DaySummary | yes | yes |
| Phase of locate 0 (every security enters it) | every security's | yes |
| Status | yes (locate 0: no) | yes |
| SystemEvent, IndexValue | | yes |

(*) when it changed the first level of a main-board side (its price, shares or orders): a
market watch shows each security's best bid and offer without following its book.
"""

from __future__ import annotations

from typing import Final

import msgspec

from siamex.feed.depth import Depth, DepthChange, Level, SideKey
from siamex.feed.intraday import IndexPoints, Intraday
from siamex.feed.messages import (
    AddOrder,
    AuctionCross,
    DaySummary,
    Directory,
    FeedMessage,
    IndexValue,
    Indicative,
    OrderCancel,
    OrderDelete,
    OrderExecuted,
    OrderReplace,
    Phase,
    Status,
    SystemEvent,
    Trade,
)

__all__ = ["MARKET", "Best", "Change", "Day", "Market", "MarketView", "Security",
           "security_channel"]

MARKET: Final = "market"
"""The market-wide channel's name."""
_ORDER_MESSAGES: Final = (AddOrder, OrderExecuted, OrderCancel, OrderDelete, OrderReplace)
_MAIN_BOARD: Final = "M"
_START_OF_DAY: Final = "S"

Best = tuple[Level | None, Level | None]
"""A security's best bid and offer on its main board: each side's first shown level (the
unpriced orders' level if any, as the book shows it first), or None for an empty side."""
_NO_BEST: Final[Best] = (None, None)


def security_channel(symbol: str) -> str:
    """The name of a security's channel."""
    return f"security:{symbol}"


class Day(msgspec.Struct, frozen=True, gc=False):
    """A security's day on its main board so far: open, high, low and last price (0: no
    trade yet), shares, value in satang and trades, counted as the engine counts them for the
    close and the day summary (docs/decisions.md 5: main-board trades, auctions included;
    docs/market-data-web.md W6)."""

    open: int = 0
    high: int = 0
    low: int = 0
    last: int = 0
    volume: int = 0
    value: int = 0
    trades: int = 0

    def traded(self, price: int, shares: int) -> Day:
        """The day after one more main-board trade."""
        return Day(self.open or price, max(self.high, price), min(self.low or price, price),
                   price, self.volume + shares, self.value + price * shares, self.trades + 1)


class Security:
    """What a security's channel shows besides its depth: its day, as the feed told it."""

    __slots__ = ("auction", "best", "channel", "day", "directory", "indicative", "intraday",
                 "last", "phase", "statuses", "summary")

    def __init__(self, directory: Directory) -> None:
        self.channel = security_channel(directory.symbol)
        self.phase: str | None = None
        self.best = _NO_BEST
        """Kept across days, as the book is (W9)."""
        self.start(directory)

    def start(self, directory: Directory) -> None:
        """Begin the security's day: its limits, and nothing yet of the day's trading (W9)."""
        self.directory = directory
        self.statuses: list[Status] = []
        self.last: Trade | None = None
        self.day = Day()
        self.indicative: Indicative | None = None
        self.auction: AuctionCross | None = None
        self.summary: DaySummary | None = None
        self.intraday = Intraday()


class Market:
    """What the market channel shows besides its securities."""

    __slots__ = ("event", "indices", "phase", "points", "statuses")

    def __init__(self) -> None:
        self.event: str | None = None
        self.phase: str | None = None
        """The phase the whole market last entered together (a security may be apart)."""
        self.statuses: list[Status] = []
        self.indices: dict[str, IndexValue] = {}
        self.points = IndexPoints()


class Change:
    """One feed message's updates: the message, what it changed, and each channel it updates
    with that channel's new `seq`."""

    __slots__ = ("best", "channels", "day", "depth", "message", "number", "security")

    def __init__(self, number: int, message: FeedMessage, security: Security | None,
                 channels: list[tuple[str, int]], depth: DepthChange | None = None,
                 day: Day | None = None, best: Best | None = None) -> None:
        self.number = number
        self.message = message
        self.security = security
        self.channels = channels
        self.depth = depth
        self.day = day
        self.best = best
        """With `depth`: the new best bid and offer when the message changed them."""


class MarketView:
    """Every channel's state and `seq`, kept from the feed's messages in order."""

    def __init__(self) -> None:
        self.depth = Depth()
        self.market = Market()
        self.securities: dict[int, Security] = {}
        self.symbols: dict[str, Security] = {}
        self.seqs: dict[str, int] = {MARKET: 0}
        """Every channel's last `seq`: the channels a client may subscribe to."""
        self.number = 0
        """The number of the last feed message applied."""

    def apply(self, number: int, message: FeedMessage) -> Change | None:
        """Apply feed message number `number`; its updates, or None if no channel shows it."""
        self.number = number
        kind = type(message)
        if kind in _ORDER_MESSAGES:
            depth = self.depth.apply(message)
            if depth is None:
                return None
            security = self.securities[depth[0][0]]
            best = self._best(security, depth[0])
            return self._change(message, security, market=best is not None, depth=depth,
                                best=best)
        if kind is Trade:
            assert isinstance(message, Trade)
            security = self.securities[message.locate]
            security.last = message
            if message.board == _MAIN_BOARD:
                security.day = security.day.traded(message.price, message.shares)
            security.intraday.trade(message)
            return self._change(message, security, day=security.day)
        if kind is Directory:
            assert isinstance(message, Directory)
            return self._directory(message)
        if message.locate:
            return self._about_security(message, self.securities[message.locate])
        if kind is Phase:
            assert isinstance(message, Phase)
            return self._market_phase(message)
        return self._about_market(message)

    def _best(self, security: Security, key: SideKey) -> Best | None:
        """The security's new best bid and offer if a change of this side moved its first
        main-board level (price, shares or orders), else None."""
        if key[1] != _MAIN_BOARD:
            return None
        first = self.depth.first(key)
        bid, ask = security.best
        if key[2] == "B":
            if first == bid:
                return None
            security.best = (first, ask)
        else:
            if first == ask:
                return None
            security.best = (bid, first)
        return security.best

    def _market_phase(self, message: Phase) -> Change:
        """Every security enters the phase; one held apart is told of right after, by its own
        message (siamex.trading.day's market transition; W10)."""
        self.market.phase = message.phase
        seqs = self.seqs
        channels = []
        for security in self.securities.values():
            security.phase = message.phase
            security.indicative = None
            seq = seqs[security.channel] = seqs[security.channel] + 1
            channels.append((security.channel, seq))
        seqs[MARKET] += 1
        channels.append((MARKET, seqs[MARKET]))
        return Change(self.number, message, None, channels)

    def _directory(self, message: Directory) -> Change:
        security = self.securities.get(message.locate)
        if security is None:  # listed: its channel starts here
            security = self.securities[message.locate] = Security(message)
            self.symbols[message.symbol] = security
            self.seqs[security.channel] = 0
            return self._change(message, security, own=False)
        security.start(message)
        return self._change(message, security)

    def _about_security(self, message: FeedMessage, security: Security) -> Change:
        kind = type(message)
        if kind is Phase:
            assert isinstance(message, Phase)
            security.phase = message.phase
            security.indicative = None  # an indicative price is its pre-open's (W8)
        elif kind is Status:
            assert isinstance(message, Status)
            security.statuses.append(message)  # the day's, in order (W7)
        elif kind is Indicative:
            assert isinstance(message, Indicative)
            security.indicative = message
        elif kind is AuctionCross:
            assert isinstance(message, AuctionCross)
            security.auction = message
            security.indicative = None  # W8
        elif kind is DaySummary:
            assert isinstance(message, DaySummary)
            security.summary = message
        return self._change(message, security)

    def _about_market(self, message: FeedMessage) -> Change:
        market = self.market
        kind = type(message)
        if kind is SystemEvent:
            assert isinstance(message, SystemEvent)
            market.event = message.event
            if message.event == _START_OF_DAY:  # W9
                market.statuses = []
                market.points = IndexPoints()
        elif kind is Status:
            assert isinstance(message, Status)
            market.statuses.append(message)
        elif kind is IndexValue:
            assert isinstance(message, IndexValue)
            market.indices[message.name] = message
            market.points.add(message)
        return self._change(message, None)

    def _change(self, message: FeedMessage, security: Security | None, *, own: bool = True,
                market: bool = True, depth: DepthChange | None = None,
                day: Day | None = None, best: Best | None = None) -> Change:
        """The message's change, on the security's own channel unless not `own`, and on the
        market channel if `market`."""
        seqs = self.seqs
        channels = []
        if security is not None and own:
            seq = seqs[security.channel] = seqs[security.channel] + 1
            channels.append((security.channel, seq))
        if market:
            seq = seqs[MARKET] = seqs[MARKET] + 1
            channels.append((MARKET, seq))
        return Change(self.number, message, security, channels, depth, day, best)
