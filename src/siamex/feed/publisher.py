"""The engine's events of each command, as the feed's market-by-order messages.

The publisher keeps, for every live order it has heard of, what the feed has shown of it (its
visible shares and price, or nothing yet) and what the engine's events say of its remaining
quantity, and turns each command's events into messages so that a consumer's book equals the
engine's after every command. What the events leave open (whether an order came to rest, an
iceberg's published size) it reads from the engine's live orders after the command, which is
why it follows one engine and is called after each of its commands, never before.

- A new order is added (`A`) only once the command has run and it rests: an aggressor's trades
  are on the tape (`P`) and as executions of the orders it met (`E`), never its own.
- An execution takes shares off the visible part; a visible part executed whole leaves the
  book, and an iceberg with more behind it is added again at the back of its level (as the
  engine's book refills it), with the same order number.
- An amend that keeps priority reduces the order in place (`X`); one that loses it takes the
  order out and, once the command has run, replaces it at the back of its new level (`U`) or
  deletes it (`D`) if it traded away or was cancelled.
- A cancel, an expiry, an unfilled auction order's end: a delete (`D`).
"""

from __future__ import annotations

from typing import Final

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
from siamex.gateway.clock import BANGKOK_OFFSET_NS
from siamex.trading import events as ev
from siamex.trading.engine import Engine
from siamex.trading.enums import Board, OrderType, Side
from siamex.trading.order import Order

__all__ = ["Publisher"]

_NS: Final = 1000  # the engine's times are microseconds; the feed's nanoseconds


def _utc(us: int) -> int:
    """The feed's time of an engine time (Bangkok's): UTC nanoseconds."""
    return us * _NS - BANGKOK_OFFSET_NS
_SIDE: Final = {Side.BUY: "B", Side.SELL: "S"}
_BOARD: Final = {Board.MAIN: "M", Board.ODD_LOT: "O", Board.OFF_HOUR: "F", Board.BIG_LOT: "B",
                 Board.FOREIGN: "X"}
_PRICE_TYPE: Final = {OrderType.LIMIT: "L", OrderType.ATO: "O", OrderType.ATC: "C",
                      OrderType.MP_MKT: "M", OrderType.MP_MTL: "T"}
_AGGRESSOR: Final = {"buy": "B", "sell": "S"}


class _Live:
    """What the publisher knows of one live order."""

    __slots__ = ("locate", "no", "remaining", "shown", "visible", "was_shown")

    def __init__(self, no: int, locate: int, remaining: int) -> None:
        self.no = no
        self.locate = locate
        self.remaining = remaining
        self.visible = 0
        self.shown = False
        self.was_shown = False


class Publisher:
    """Turns one engine's events, command by command, into feed messages."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.locates: dict[str, int] = {}
        self._live: dict[str, _Live] = {}
        self._pending: dict[str, None] = {}  # orders to show or hide after the command, in order
        self._out: list[FeedMessage] = []
        self._statuses: list[Status] = []  # the day's, in order, for a late joiner
        self._indicative: dict[int, Indicative] = {}  # the auctions still to come
        self._indices: dict[str, IndexValue] = {}

    def publish(self, events: list[ev.Event]) -> list[FeedMessage]:
        """Return the messages of one command's events (call after the engine ran it)."""
        self._out = []
        for event in events:
            self._event(event)
        self._settle(_utc(events[-1].ts) if events else 0)
        return self._out

    def _locate(self, symbol: str) -> int:
        return self.locates.get(symbol, 0)

    # -- events ---------------------------------------------------------------------------

    def _event(self, event: ev.Event) -> None:
        kind = type(event)
        ts = _utc(event.ts)
        if kind is ev.Trade:
            assert isinstance(event, ev.Trade)
            self._trade(event, ts)
        elif kind is ev.Accepted:
            assert isinstance(event, ev.Accepted)
            self._live[event.id] = _Live(event.order_no, self._locate(event.symbol), event.qty)
            self._pending[event.id] = None
        elif kind is ev.Cancelled:
            assert isinstance(event, ev.Cancelled)
            self._cancelled(event, ts)
        elif kind is ev.Amended:
            assert isinstance(event, ev.Amended)
            self._amended(event, ts)
        else:
            self._market(event, ts)

    def _trade(self, trade: ev.Trade, ts: int) -> None:
        locate = self._locate(trade.symbol)
        self._out.append(Trade(locate, ts, trade.trade_no, _BOARD[trade.board],
                               _AGGRESSOR.get(trade.aggressor, " "), trade.qty, trade.price))
        for engine_id in (trade.buy_id, trade.sell_id):
            live = self._live.get(engine_id)
            if live is None:
                continue
            live.remaining -= trade.qty
            if live.shown:
                # An auction may fill an iceberg past its visible part: the feed executes what
                # it showed, and the refill shows what is left (docs/itch.md).
                shown = min(trade.qty, live.visible)
                self._out.append(OrderExecuted(locate, ts, live.no, shown, trade.trade_no,
                                               trade.price))
                live.visible -= shown
                if live.visible <= 0:
                    live.shown = False  # its visible part is gone: the consumer drops it
                    self._refill(engine_id, live)

    def _refill(self, engine_id: str, live: _Live) -> None:
        """An order whose visible part traded away: gone, or an iceberg refilled at the back."""
        self._pending.pop(engine_id, None)
        if live.remaining <= 0:
            del self._live[engine_id]
        else:
            self._pending[engine_id] = None

    def _cancelled(self, event: ev.Cancelled, ts: int) -> None:
        live = self._live.pop(event.id, None)
        self._pending.pop(event.id, None)
        if live is not None and (live.shown or live.was_shown):
            self._out.append(OrderDelete(live.locate, ts, live.no))

    def _amended(self, event: ev.Amended, ts: int) -> None:
        live = self._live.get(event.id)
        if live is None:
            return
        live.remaining = event.remaining
        if event.priority_kept:
            if live.shown and event.remaining < live.visible:
                self._out.append(OrderCancel(live.locate, ts, live.no,
                                             live.visible - event.remaining))
                live.visible = event.remaining
            return
        live.was_shown = live.was_shown or live.shown
        live.shown = False
        self._pending.pop(event.id, None)
        self._pending[event.id] = None

    def _settle(self, ts: int) -> None:
        """After the command: show the orders that came to rest, as the engine holds them."""
        pending, self._pending = self._pending, {}
        for engine_id in pending:
            live = self._live.get(engine_id)
            if live is None:
                continue
            order = self.engine.orders.get(engine_id)
            if order is None:
                del self._live[engine_id]
                if live.was_shown:
                    self._out.append(OrderDelete(live.locate, ts, live.no))
                continue
            self._show(live, order, ts)

    def _show(self, live: _Live, order: Order, ts: int) -> None:
        if live.was_shown:
            self._out.append(OrderReplace(live.locate, ts, live.no, order.visible, order.price))
        else:
            self._out.append(AddOrder(
                live.locate, ts, live.no, _SIDE[order.side], "O" if order.odd_lot else "M",
                _PRICE_TYPE[order.type], order.visible, order.price))
        live.shown = True
        live.was_shown = False
        live.visible = order.visible
        live.remaining = order.remaining

    # -- a late joiner's start ------------------------------------------------------------

    def snapshot(self, ts: int) -> list[FeedMessage]:
        """Messages stamped `ts` (UTC nanoseconds) that rebuild, on an empty book, what the
        feed has shown so far: every security's directory and phase, the day's status changes
        in order (as first published), the indicative price of each auction still to come, the
        last value of each index, then every resting order in priority (a consumer joining late
        applies them, then the messages published after them)."""
        out: list[FeedMessage] = []
        engine = self.engine
        for symbol, locate in self.locates.items():
            inst = engine.instruments.get(symbol)
            if inst is None:  # listed on an earlier day only
                continue
            out.append(Directory(locate, ts, symbol, inst.lot, inst.prev_close or 0,
                                 inst.ceiling, inst.floor))
            out.append(Phase(locate, ts, inst.phase.value))
            for board, book in (("M", inst.book), ("O", inst.odd)):
                if book is None:
                    continue
                for side in (Side.BUY, Side.SELL):
                    for order in (*book.orders(side), *book.queue(side).values()):
                        out.append(AddOrder(locate, ts, order.no, _SIDE[side], board,
                                            _PRICE_TYPE[order.type], order.visible,
                                            order.price))
        out[len(out):] = [*self._statuses, *self._indicative.values(), *self._indices.values()]
        return out

    # -- the market around the orders -----------------------------------------------------

    def _market(self, event: ev.Event, ts: int) -> None:
        kind = type(event)
        out = self._out
        if kind is ev.DayStarted:
            out.append(SystemEvent(0, ts, "S"))
            self._statuses.clear()
            self._indicative.clear()
        elif kind is ev.PriceLimitsSet:
            assert isinstance(event, ev.PriceLimitsSet)
            if event.symbol not in self.locates:
                self.locates[event.symbol] = len(self.locates) + 1
            inst = self.engine.instruments[event.symbol]
            out.append(Directory(self.locates[event.symbol], ts, event.symbol, inst.lot,
                                 event.prev_close or 0, event.ceiling, event.floor))
        elif kind is ev.PhaseChanged:
            assert isinstance(event, ev.PhaseChanged)
            out.append(Phase(self._locate(event.symbol), ts, event.phase.value))
        elif kind is ev.StatusChanged:
            assert isinstance(event, ev.StatusChanged)
            status = Status(self._locate(event.symbol), ts, event.what, event.value or "",
                            "Y" if event.on else "N", _utc(event.until) if event.until else 0)
            out.append(status)
            self._statuses.append(status)
        elif kind is ev.Indicative:
            assert isinstance(event, ev.Indicative)
            indicative = Indicative(self._locate(event.symbol), ts, event.price or 0,
                                    event.qty, event.imbalance)
            out.append(indicative)
            self._indicative[indicative.locate] = indicative
        elif kind is ev.AuctionResult:
            assert isinstance(event, ev.AuctionResult)
            out.append(AuctionCross(self._locate(event.symbol), ts, event.session,
                                    event.price or 0, event.qty, event.imbalance))
            self._indicative.pop(self._locate(event.symbol), None)
        elif kind is ev.IndexValue:
            assert isinstance(event, ev.IndexValue)
            index = IndexValue(0, ts, event.name, event.value)
            out.append(index)
            self._indices[event.name] = index
        elif kind is ev.DayClose:
            assert isinstance(event, ev.DayClose)
            out.append(DaySummary(self._locate(event.symbol), ts, event.open or 0,
                                  event.high or 0, event.low or 0, event.close or 0,
                                  event.volume, event.value, event.trades))
