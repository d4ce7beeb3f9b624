"""The browsers' market-data protocol: the JSON a client sends and receives over the WebSocket
(docs/market-data-web.md has every message with an example; this module is what writes them).

Prices, values and index values are decimal strings ("32.25"), never JSON numbers, so that no
float ever holds one; quantities, counts and sequence numbers are integers; times are Bangkok
ISO times to the nanosecond. A price the feed gives as 0 ("no price") is null.
"""

from __future__ import annotations

import functools
from typing import Final

import msgspec

from siamex.feed.depth import Level
from siamex.feed.messages import (
    AuctionCross,
    DaySummary,
    Directory,
    FeedMessage,
    IndexValue,
    Indicative,
    Phase,
    Status,
    SystemEvent,
    Trade,
)
from siamex.feed.view import MARKET, Best, Change, Day, MarketView, Security
from siamex.gateway.audit import bangkok_time
from siamex.units import format_price

__all__ = ["BOARDS", "ERRORS", "MAX_REQUEST", "ProtocolError", "Request", "TradeOut", "error",
           "parse", "render", "snapshot", "trade_out", "unsubscribed"]

MAX_REQUEST: Final = 1024
"""The largest request in bytes, as the TCP feed's largest packet (docs/itch.md)."""
BOARDS: Final = ("M", "O")
"""The boards a security channel shows the depth of: main and odd lot (docs/itch.md codes;
docs/market-data-web.md W5)."""
_SECURITY: Final = "security:"

ERRORS: Final = {
    "TOO_LARGE": f"a request is at most {MAX_REQUEST:,} bytes",
    "NOT_JSON": "a request is a JSON object in a text frame",
    "BAD_REQUEST": 'a request is {"op": ..., "channel": ...}, two strings and nothing else',
    "UNKNOWN_OP": 'op is "subscribe" or "unsubscribe"',
    "UNKNOWN_CHANNEL": 'a channel is "market" or "security:" and a symbol',
    "UNKNOWN_SECURITY": "a security channel names a security the feed has listed",
    "ALREADY_SUBSCRIBED": "a connection subscribes to a channel once",
    "NOT_SUBSCRIBED": "a connection unsubscribes only from a channel it subscribed to",
}
"""Every error code a client may receive, with the rule it enforces."""


class ProtocolError(ValueError):
    """A request the protocol refuses: its code (a key of ERRORS) and what was wrong."""

    def __init__(self, code: str, text: str) -> None:
        assert code in ERRORS
        super().__init__(text)
        self.code = code
        self.text = text


class Request(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A client's request: subscribe to or unsubscribe from one channel."""

    op: str
    channel: str


def parse(data: str | bytes, view: MarketView) -> Request:
    """Check a request received as text (str) or binary (bytes) against the protocol and the
    channels the view has; ProtocolError says why it is refused."""
    if isinstance(data, bytes):
        raise ProtocolError("NOT_JSON", "a binary frame: send requests as text")
    raw = data.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_REQUEST:
        raise ProtocolError("TOO_LARGE", f"a request of {len(raw):,} bytes")
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise ProtocolError("NOT_JSON", f"not JSON: {exc}") from None
    try:
        request = msgspec.convert(value, Request)
    except msgspec.ValidationError as exc:
        raise ProtocolError("BAD_REQUEST", str(exc)) from None
    if request.op not in ("subscribe", "unsubscribe"):
        raise ProtocolError("UNKNOWN_OP", f"no op {request.op[:40]!r}")
    channel = request.channel
    if channel != MARKET and not channel.startswith(_SECURITY):
        raise ProtocolError("UNKNOWN_CHANNEL", f"no channel {channel[:40]!r}")
    if channel not in view.seqs:
        raise ProtocolError("UNKNOWN_SECURITY",
                            f"no security {channel.removeprefix(_SECURITY)[:40]!r}")
    return request


# -- what a client receives ------------------------------------------------------------------

LevelOut = tuple[str | None, int, int]
"""A price level: price (null: the orders without a price, ATO, ATC and market), shares,
orders."""


class _Out(msgspec.Struct, frozen=True, gc=False, tag_field="type"):
    pass


class Limits(msgspec.Struct, frozen=True, gc=False):
    board_lot: int
    prev_close: str | None
    ceiling: str | None
    floor: str | None


class StatusOut(msgspec.Struct, frozen=True, gc=False):
    what: str
    value: str
    on: bool
    until: str | None
    time: str


class TradeOut(msgspec.Struct, frozen=True, gc=False):
    trade_no: int
    board: str
    aggressor: str | None
    price: str
    quantity: int
    time: str


class Stats(msgspec.Struct, frozen=True, gc=False):
    open: str | None
    high: str | None
    low: str | None
    last: str | None
    volume: int
    value: str
    trades: int


class IndicativeOut(msgspec.Struct, frozen=True, gc=False):
    price: str | None
    quantity: int
    imbalance: int
    time: str


class AuctionOut(msgspec.Struct, frozen=True, gc=False):
    session: str
    price: str | None
    quantity: int
    imbalance: int
    time: str


class SummaryOut(msgspec.Struct, frozen=True, gc=False):
    open: str | None
    high: str | None
    low: str | None
    close: str | None
    volume: int
    value: str
    trades: int
    time: str


class IndexOut(msgspec.Struct, frozen=True, gc=False):
    value: str
    time: str


class SecurityOut(msgspec.Struct, frozen=True, gc=False):
    symbol: str
    limits: Limits
    phase: str | None
    statuses: list[StatusOut]
    last: TradeOut | None
    stats: Stats
    indicative: IndicativeOut | None
    auction: AuctionOut | None
    summary: SummaryOut | None


class BestOut(msgspec.Struct, frozen=True, gc=False):
    bid: LevelOut | None
    ask: LevelOut | None


class MarketSecurityOut(SecurityOut, frozen=True, gc=False):
    """A security as the market channel shows it: no book, its best bid and offer instead
    (the security channel's `security` has no `best`: its book holds it)."""

    best: BestOut


class MarketOut(msgspec.Struct, frozen=True, gc=False):
    event: str | None
    phase: str | None
    statuses: list[StatusOut]
    indices: dict[str, IndexOut]
    securities: dict[str, MarketSecurityOut]


class SecuritySnapshot(_Out, frozen=True, gc=False, tag="snapshot"):
    channel: str
    seq: int
    feed: int
    reason: str
    security: SecurityOut
    book: dict[str, dict[str, list[LevelOut]]]


class MarketSnapshot(_Out, frozen=True, gc=False, tag="snapshot"):
    channel: str
    seq: int
    feed: int
    reason: str
    market: MarketOut


class _Update(_Out, frozen=True, gc=False):
    channel: str
    seq: int
    feed: int
    time: str


class DepthUpdate(_Update, frozen=True, gc=False, tag="depth"):
    symbol: str
    board: str
    side: str
    levels: list[LevelOut]


class BestUpdate(_Update, frozen=True, gc=False, tag="best"):
    symbol: str
    best: BestOut


class LimitsUpdate(_Update, frozen=True, gc=False, tag="limits"):
    symbol: str
    limits: Limits


class PhaseUpdate(_Update, frozen=True, gc=False, tag="phase"):
    symbol: str | None
    phase: str


class StatusUpdate(_Update, frozen=True, gc=False, tag="status"):
    symbol: str | None
    status: StatusOut


class TradeUpdate(_Update, frozen=True, gc=False, tag="trade"):
    symbol: str
    trade: TradeOut
    stats: Stats


class IndicativeUpdate(_Update, frozen=True, gc=False, tag="indicative"):
    symbol: str
    indicative: IndicativeOut


class AuctionUpdate(_Update, frozen=True, gc=False, tag="auction"):
    symbol: str
    auction: AuctionOut


class SummaryUpdate(_Update, frozen=True, gc=False, tag="summary"):
    symbol: str
    summary: SummaryOut


class IndexUpdate(_Update, frozen=True, gc=False, tag="index"):
    name: str
    index: IndexOut


class SystemUpdate(_Update, frozen=True, gc=False, tag="system"):
    event: str


class Unsubscribed(_Out, frozen=True, gc=False, tag="unsubscribed"):
    channel: str


class Error(_Out, frozen=True, gc=False, tag="error"):
    code: str
    text: str


_ENCODER: Final = msgspec.json.Encoder()
_time: Final = functools.lru_cache(maxsize=1024)(bangkok_time)
"""A feed time as Bangkok ISO text: a command's messages share their time, and a message is
written for each channel that shows it."""


def _text(message: _Out) -> str:
    return _ENCODER.encode(message).decode("utf-8")


def _price(satang: int) -> str | None:
    return format_price(satang) if satang else None


def _limits(directory: Directory) -> Limits:
    return Limits(directory.board_lot, _price(directory.prev_close), _price(directory.ceiling),
                  _price(directory.floor))


def _status(status: Status) -> StatusOut:
    return StatusOut(status.what, status.value, status.on == "Y",
                     _time(status.until) if status.until else None,
                     _time(status.ts))


def trade_out(trade: Trade) -> TradeOut:
    """A trade as every message and answer shows it."""
    return TradeOut(trade.trade_no, trade.board,
                    trade.aggressor if trade.aggressor != " " else None,
                    format_price(trade.price), trade.shares, _time(trade.ts))


def _stats(day: Day) -> Stats:
    return Stats(_price(day.open), _price(day.high), _price(day.low), _price(day.last),
                 day.volume, format_price(day.value), day.trades)


def _indicative(message: Indicative) -> IndicativeOut:
    return IndicativeOut(_price(message.price), message.shares, message.imbalance,
                         _time(message.ts))


def _auction(message: AuctionCross) -> AuctionOut:
    return AuctionOut(message.session, _price(message.price), message.shares,
                      message.imbalance, _time(message.ts))


def _summary(message: DaySummary) -> SummaryOut:
    return SummaryOut(_price(message.open), _price(message.high), _price(message.low),
                      _price(message.close), message.volume, format_price(message.value),
                      message.trades, _time(message.ts))


def _level(level: Level) -> LevelOut:
    price, shares, orders = level
    return _price(price), shares, orders


def _levels(levels: list[Level]) -> list[LevelOut]:
    return [_level(level) for level in levels]


def _best(best: Best) -> BestOut:
    bid, ask = best
    return BestOut(_level(bid) if bid is not None else None,
                   _level(ask) if ask is not None else None)


def render(change: Change, channel: str, seq: int) -> str:
    """One update of `channel`, as JSON text."""
    head = (channel, seq, change.number)
    message: FeedMessage = change.message
    time = _time(message.ts)
    security = change.security
    # a market-wide phase is every security's: on a security's channel, it names it
    symbol = security.directory.symbol if security is not None \
        else None if channel == MARKET else channel.removeprefix(_SECURITY)
    out: _Out
    if change.depth is not None:
        assert symbol is not None
        if channel == MARKET:  # the market channel hears of a depth change as its `best`
            assert change.best is not None
            out = BestUpdate(*head, time, symbol, _best(change.best))
        else:
            (_, board, side), levels = change.depth
            out = DepthUpdate(*head, time, symbol, board, side, _levels(levels))
    elif isinstance(message, Status):
        out = StatusUpdate(*head, time, symbol, _status(message))
    elif isinstance(message, SystemEvent):
        out = SystemUpdate(*head, time, message.event)
    elif isinstance(message, Phase):
        out = PhaseUpdate(*head, time, symbol, message.phase)
    elif isinstance(message, IndexValue):
        out = IndexUpdate(*head, time, message.name,
                          IndexOut(format_price(message.value), time))
    else:
        assert symbol is not None
        out = _security_update(change, head, time, symbol)
    return _text(out)


def _security_update(change: Change, head: tuple[str, int, int], time: str,
                     symbol: str) -> _Out:
    message = change.message
    if isinstance(message, Trade):
        assert change.day is not None
        return TradeUpdate(*head, time, symbol, trade_out(message), _stats(change.day))
    if isinstance(message, Indicative):
        return IndicativeUpdate(*head, time, symbol, _indicative(message))
    if isinstance(message, AuctionCross):
        return AuctionUpdate(*head, time, symbol, _auction(message))
    if isinstance(message, DaySummary):
        return SummaryUpdate(*head, time, symbol, _summary(message))
    assert isinstance(message, Directory), message
    return LimitsUpdate(*head, time, symbol, _limits(message))


def _market_security(security: Security) -> MarketSecurityOut:
    out = _security(security)
    return MarketSecurityOut(out.symbol, out.limits, out.phase, out.statuses, out.last,
                             out.stats, out.indicative, out.auction, out.summary,
                             _best(security.best))


def _security(security: Security) -> SecurityOut:
    return SecurityOut(
        security.directory.symbol, _limits(security.directory), security.phase,
        [_status(s) for s in security.statuses],
        trade_out(security.last) if security.last is not None else None, _stats(security.day),
        _indicative(security.indicative) if security.indicative is not None else None,
        _auction(security.auction) if security.auction is not None else None,
        _summary(security.summary) if security.summary is not None else None)


def snapshot(view: MarketView, channel: str, reason: str) -> tuple[str, int]:
    """A channel's snapshot as JSON text, and its `seq` (the last update it includes)."""
    seq = view.seqs[channel]
    out: _Out
    if channel == MARKET:
        market = view.market
        out = MarketSnapshot(channel, seq, view.number, reason, MarketOut(
            market.event, market.phase, [_status(s) for s in market.statuses],
            {name: IndexOut(format_price(i.value), _time(i.ts))
             for name, i in market.indices.items()},
            {s.directory.symbol: _market_security(s) for s in view.securities.values()}))
    else:
        security = view.symbols[channel.removeprefix(_SECURITY)]
        locate = security.directory.locate
        book = {board: {side: _levels(view.depth.levels((locate, board, side)))
                        for side in ("B", "S")} for board in BOARDS}
        out = SecuritySnapshot(channel, seq, view.number, reason, _security(security), book)
    return _text(out), seq


def unsubscribed(channel: str) -> str:
    """The answer to an unsubscribe: nothing more of the channel follows it."""
    return _text(Unsubscribed(channel))


def error(refused: ProtocolError) -> str:
    """The answer to a refused request."""
    return _text(Error(refused.code, refused.text))
