"""One board's order book: price levels indexed by their position on the day's price ladder.

The daily ceiling and floor bound every valid price to a few hundred ticks, so each side is a list
of levels indexed by tick number with the best level's index kept beside it: adding, cancelling
and matching an order are O(1) (DESIGN.md, hints from the field). Each level is a doubly linked
queue of orders in time priority. ATO and ATC orders have no price; they wait in their own
queues in time order until the auction (decision T4). Each side keeps the total quantity of
its priced orders, which Auto Pause watches (decision T12).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from siamex.trading.enums import Side, Validity
from siamex.trading.order import Order

__all__ = ["Book", "Level"]

_BUY: Final = Side.BUY
_DAY: Final = Validity.DAY


class Level:
    """The orders resting at one price, in time priority, and their total remaining quantity."""

    __slots__ = ("count", "head", "qty", "tail")

    def __init__(self) -> None:
        self.head: Order | None = None
        self.tail: Order | None = None
        self.qty = 0
        self.count = 0

    def append(self, order: Order) -> None:
        """Queue an order at the back of the level (its quantity is the caller's to count)."""
        tail = self.tail
        order.prev = tail
        order.next = None
        if tail is None:
            self.head = order
        else:
            tail.next = order
        self.tail = order
        self.count += 1

    def unlink(self, order: Order) -> None:
        """Take an order out of the queue (its quantity is the caller's to account for)."""
        prev, nxt = order.prev, order.next
        if prev is None:
            self.head = nxt
        else:
            prev.next = nxt
        if nxt is None:
            self.tail = prev
        else:
            nxt.prev = prev
        order.prev = order.next = None
        self.count -= 1

    def __iter__(self) -> Iterator[Order]:
        order = self.head
        while order is not None:
            yield order
            order = order.next


class Book:
    """Bids and offers of one board over the day's price ladder."""

    __slots__ = ("ask_qty", "asks", "ato_buy_qty", "ato_buys", "ato_sell_qty", "ato_sells",
                 "band_firsts", "band_starts", "band_ticks", "best_ask", "best_bid", "bid_qty",
                 "bids", "prices", "size")

    def __init__(self, prices: list[int]) -> None:
        self.prices = prices
        self.size = len(prices)
        # the ladder is uniform within each tick band: position() is arithmetic, not a lookup
        self.band_starts: list[int] = []
        self.band_firsts: list[int] = []
        self.band_ticks: list[int] = []
        for i in range(len(prices) - 1):
            tick = prices[i + 1] - prices[i]
            if not self.band_ticks or tick != self.band_ticks[-1]:
                self.band_starts.append(prices[i])
                self.band_firsts.append(i)
                self.band_ticks.append(tick)
        self.bids: list[Level | None] = [None] * self.size
        self.asks: list[Level | None] = [None] * self.size
        self.best_bid = -1
        self.best_ask = self.size
        self.ato_buys: dict[int, Order] = {}
        self.ato_sells: dict[int, Order] = {}
        self.ato_buy_qty = 0
        self.ato_sell_qty = 0
        self.bid_qty = 0
        self.ask_qty = 0

    def position(self, price: int) -> int:
        """Return a price's index on the ladder, or -1 when it is off the grid or the ladder."""
        prices = self.prices
        if price < prices[0] or price > prices[-1]:
            return -1
        band = len(self.band_starts) - 1
        while band > 0 and price < self.band_starts[band]:
            band -= 1
        if band < 0:
            return 0
        offset = price - self.band_starts[band]
        tick = self.band_ticks[band]
        if offset % tick:
            return -1
        return self.band_firsts[band] + offset // tick

    def add(self, order: Order) -> None:
        """Rest a priced order at the back of its level."""
        idx = order.idx
        if order.side is _BUY:
            level = self.bids[idx]
            if level is None:
                level = self.bids[idx] = Level()
            if idx > self.best_bid:
                self.best_bid = idx
            self.bid_qty += order.remaining
        else:
            level = self.asks[idx]
            if level is None:
                level = self.asks[idx] = Level()
            if idx < self.best_ask:
                self.best_ask = idx
            self.ask_qty += order.remaining
        level.append(order)
        level.qty += order.remaining

    def remove(self, order: Order) -> None:
        """Take a priced order out of the book with all its remaining quantity."""
        idx = order.idx
        if order.side is _BUY:
            level = self.bids[idx]
            assert level is not None
            level.unlink(order)
            level.qty -= order.remaining
            self.bid_qty -= order.remaining
            if level.count == 0 and idx == self.best_bid:
                self._retreat_bid()
        else:
            level = self.asks[idx]
            assert level is not None
            level.unlink(order)
            level.qty -= order.remaining
            self.ask_qty -= order.remaining
            if level.count == 0 and idx == self.best_ask:
                self._retreat_ask()

    def _take(self, order: Order, qty: int) -> Level:
        """Take quantity off a resting order's level and side totals; return its level."""
        if order.side is _BUY:
            level = self.bids[order.idx]
            self.bid_qty -= qty
        else:
            level = self.asks[order.idx]
            self.ask_qty -= qty
        assert level is not None
        level.qty -= qty
        return level

    def reduce(self, order: Order, qty: int) -> None:
        """Lower a resting order's remaining quantity in place, keeping its priority."""
        self._take(order, qty)
        order.remaining -= qty
        if order.visible > order.remaining:
            order.visible = order.remaining

    def fill(self, order: Order, qty: int) -> None:
        """Execute part of a resting order; an exhausted iceberg slice refills at the back."""
        order.filled += qty
        if qty == order.remaining:
            self.remove(order)
            order.remaining = 0
            order.visible = 0
            return
        level = self._take(order, qty)
        order.remaining -= qty
        if qty < order.visible:
            order.visible -= qty
            return
        order.visible = min(order.published, order.remaining)
        level.unlink(order)
        level.append(order)

    def take_day_orders(self) -> list[Order]:
        """Take every Day order out of the book: ATO/ATC orders still queued (normally none:
        their auction cancels them), then bids, then offers, each in priority order."""
        taken: list[Order] = [*self.ato_buys.values(), *self.ato_sells.values()]
        self.ato_buys.clear()
        self.ato_sells.clear()
        self.ato_buy_qty = self.ato_sell_qty = 0
        for levels in (self.bids, self.asks):
            step = -1 if levels is self.bids else 1
            start = self.best_bid if levels is self.bids else self.best_ask
            stop = -1 if levels is self.bids else self.size
            for i in range(start, stop, step):
                level = levels[i]
                if level is None:
                    continue
                order = level.head
                while order is not None:
                    following = order.next
                    if order.validity is _DAY:
                        level.unlink(order)
                        level.qty -= order.remaining
                        if levels is self.bids:
                            self.bid_qty -= order.remaining
                        else:
                            self.ask_qty -= order.remaining
                        taken.append(order)
                    order = following
        if self.best_bid >= 0 and not self._count(self.bids, self.best_bid):
            self._retreat_bid()
        if self.best_ask < self.size and not self._count(self.asks, self.best_ask):
            self._retreat_ask()
        return taken

    @staticmethod
    def _count(levels: list[Level | None], i: int) -> int:
        level = levels[i]
        return level.count if level is not None else 0

    def _retreat_bid(self) -> None:
        bids = self.bids
        i = self.best_bid - 1
        while i >= 0:
            level = bids[i]
            if level is not None and level.count:
                break
            i -= 1
        self.best_bid = i

    def _retreat_ask(self) -> None:
        asks = self.asks
        i = self.best_ask + 1
        size = self.size
        while i < size:
            level = asks[i]
            if level is not None and level.count:
                break
            i += 1
        self.best_ask = i

    def queue(self, side: Side) -> dict[int, Order]:
        """Return the ATO/ATC queue of a side, keyed by order number in time order."""
        return self.ato_buys if side is _BUY else self.ato_sells

    def enqueue(self, order: Order) -> None:
        """Put an ATO/ATC order at the back of its side's auction queue."""
        if order.side is _BUY:
            self.ato_buys[order.no] = order
            self.ato_buy_qty += order.remaining
        else:
            self.ato_sells[order.no] = order
            self.ato_sell_qty += order.remaining

    def dequeue(self, order: Order) -> None:
        """Take an ATO/ATC order out of its queue with all its remaining quantity."""
        if order.side is _BUY:
            del self.ato_buys[order.no]
            self.ato_buy_qty -= order.remaining
        else:
            del self.ato_sells[order.no]
            self.ato_sell_qty -= order.remaining

    def reduce_queued(self, order: Order, qty: int) -> None:
        """Lower a queued ATO/ATC order's remaining quantity, keeping its place."""
        order.remaining -= qty
        order.visible = order.remaining
        if order.side is _BUY:
            self.ato_buy_qty -= qty
        else:
            self.ato_sell_qty -= qty

    def levels(self, side: Side) -> Iterator[tuple[int, Level]]:
        """Yield a side's non-empty levels from the best price outwards."""
        if side is _BUY:
            for i in range(self.best_bid, -1, -1):
                level = self.bids[i]
                if level is not None and level.count:
                    yield i, level
        else:
            for i in range(self.best_ask, self.size):
                level = self.asks[i]
                if level is not None and level.count:
                    yield i, level

    def orders(self, side: Side) -> Iterator[Order]:
        """Yield a side's priced orders in priority: best price first, then time."""
        for _, level in self.levels(side):
            yield from level

    def is_crossed(self) -> bool:
        """Tell whether the best bid meets or passes the best offer."""
        return self.best_bid >= self.best_ask
