"""One board's order book: price levels indexed by their position on the day's price ladder.

The daily ceiling and floor bound every valid price to a few hundred ticks, so each side is a list
of levels indexed by tick number with the best level's index kept beside it: adding, cancelling
and matching an order are O(1) (DESIGN.md, hints from the field). Each level is a doubly linked
queue of orders in time priority. ATO and ATC orders have no price; they wait in their own
queues in time order until the auction (decision T4).
"""

from __future__ import annotations

from collections.abc import Iterator

from siamex.trading.enums import Side
from siamex.trading.order import Order

__all__ = ["Book", "Level"]


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

    __slots__ = ("asks", "ato_buy_qty", "ato_buys", "ato_sell_qty", "ato_sells", "best_ask",
                 "best_bid", "bids", "index", "prices", "size")

    def __init__(self, prices: list[int]) -> None:
        self.prices = prices
        self.index = {price: i for i, price in enumerate(prices)}
        self.size = len(prices)
        self.bids: list[Level | None] = [None] * self.size
        self.asks: list[Level | None] = [None] * self.size
        self.best_bid = -1
        self.best_ask = self.size
        self.ato_buys: dict[int, Order] = {}
        self.ato_sells: dict[int, Order] = {}
        self.ato_buy_qty = 0
        self.ato_sell_qty = 0

    def add(self, order: Order) -> None:
        """Rest a priced order at the back of its level."""
        idx = order.idx
        if order.side is Side.BUY:
            level = self.bids[idx]
            if level is None:
                level = self.bids[idx] = Level()
            if idx > self.best_bid:
                self.best_bid = idx
        else:
            level = self.asks[idx]
            if level is None:
                level = self.asks[idx] = Level()
            if idx < self.best_ask:
                self.best_ask = idx
        level.append(order)
        level.qty += order.remaining

    def remove(self, order: Order) -> None:
        """Take a priced order out of the book with all its remaining quantity."""
        idx = order.idx
        if order.side is Side.BUY:
            level = self.bids[idx]
            assert level is not None
            level.unlink(order)
            level.qty -= order.remaining
            if level.count == 0 and idx == self.best_bid:
                self._retreat_bid()
        else:
            level = self.asks[idx]
            assert level is not None
            level.unlink(order)
            level.qty -= order.remaining
            if level.count == 0 and idx == self.best_ask:
                self._retreat_ask()

    def reduce(self, order: Order, qty: int) -> None:
        """Lower a resting order's remaining quantity in place, keeping its priority."""
        level = (self.bids if order.side is Side.BUY else self.asks)[order.idx]
        assert level is not None
        level.qty -= qty
        order.remaining -= qty
        if order.visible > order.remaining:
            order.visible = order.remaining

    def fill(self, order: Order, qty: int) -> None:
        """Execute part of a resting order; an exhausted iceberg slice refills at the back."""
        order.filled += qty
        if qty < order.visible:
            order.visible -= qty
            order.remaining -= qty
            level = (self.bids if order.side is Side.BUY else self.asks)[order.idx]
            assert level is not None
            level.qty -= qty
            return
        if qty == order.remaining:
            self.remove(order)
            order.remaining = 0
            order.visible = 0
            return
        level = (self.bids if order.side is Side.BUY else self.asks)[order.idx]
        assert level is not None
        order.remaining -= qty
        order.visible = min(order.published, order.remaining)
        level.qty -= qty
        level.unlink(order)
        level.append(order)

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
        return self.ato_buys if side is Side.BUY else self.ato_sells

    def enqueue(self, order: Order) -> None:
        """Put an ATO/ATC order at the back of its side's auction queue."""
        if order.side is Side.BUY:
            self.ato_buys[order.no] = order
            self.ato_buy_qty += order.remaining
        else:
            self.ato_sells[order.no] = order
            self.ato_sell_qty += order.remaining

    def dequeue(self, order: Order) -> None:
        """Take an ATO/ATC order out of its queue with all its remaining quantity."""
        if order.side is Side.BUY:
            del self.ato_buys[order.no]
            self.ato_buy_qty -= order.remaining
        else:
            del self.ato_sells[order.no]
            self.ato_sell_qty -= order.remaining

    def reduce_queued(self, order: Order, qty: int) -> None:
        """Lower a queued ATO/ATC order's remaining quantity, keeping its place."""
        order.remaining -= qty
        order.visible = order.remaining
        if order.side is Side.BUY:
            self.ato_buy_qty -= qty
        else:
            self.ato_sell_qty -= qty

    def levels(self, side: Side) -> Iterator[tuple[int, Level]]:
        """Yield a side's non-empty levels from the best price outwards."""
        if side is Side.BUY:
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
