"""One board's order book: the price levels in use, in price order, with each side's best.

Each side keeps the levels that hold orders in a list ordered from its worst price to its best
(bids ascending, offers descending), so its memory follows the levels in use, never the width of
the day's price range (a very high price, a first trading day or a widened limit makes that
range millions of ticks; DESIGN.md, hints from the field). A side's best level is the end of its
list and every resting order knows its level: adding to an existing level, matching and
cancelling are O(1), and a level away from the touch is found by a binary search of the list (a
few compiled integer steps, cheaper than hashing the price). Opening or emptying a level away
from the touch also shifts the levels beyond it in the list: a memory move, negligible for the
hundreds of levels a book holds, quadratic only when a book opens hundreds of thousands of
distinct prices one below the other. An emptied level is kept for the next new price, so the
book allocates levels only as its depth grows. Each level is a doubly linked queue of orders in
time priority. ATO and ATC orders have no price; they wait in their own queues in time order
until the auction (decision T4). Each side keeps the total quantity of its priced orders, which
Auto Pause watches (decision T12).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from siamex.trading.enums import Side, Validity
from siamex.trading.order import Level, Order

__all__ = ["NO_ASK", "NO_BID", "Book", "Level", "first_at_or_above", "first_at_or_below"]

NO_BID: Final = 0
"""The best bid of a side without bids: below every price."""
NO_ASK: Final = 1_152_921_504_606_846_976
"""The best offer of a side without offers: above every price (2**60, written as a literal so
that compiled modules inline it instead of looking it up)."""

_BUY: Final = Side.BUY
_SELL: Final = Side.SELL
_DAY: Final = Validity.DAY


def first_at_or_above(levels: list[Level], price: int) -> int:
    """Return the index of the first level priced at or above `price` in an ascending list."""
    lo = 0
    hi = len(levels)
    while lo < hi:
        mid = (lo + hi) >> 1
        if levels[mid].price < price:
            lo = mid + 1
        else:
            hi = mid
    return lo


def first_at_or_below(levels: list[Level], price: int) -> int:
    """Return the index of the first level priced at or below `price` in a descending list."""
    lo = 0
    hi = len(levels)
    while lo < hi:
        mid = (lo + hi) >> 1
        if levels[mid].price > price:
            lo = mid + 1
        else:
            hi = mid
    return lo


class Book:
    """Bids and offers of one board: the levels in use in price order, the best of each side.

    `bid_levels` holds the levels with bids in ascending price order and `ask_levels` those with
    offers in descending order: each side's best level is its last. `best_bid` is NO_BID and
    `best_ask` NO_ASK when a side is empty, so a limit compares with them without a test for
    emptiness. `spare` keeps emptied levels for reuse.
    """

    __slots__ = ("ask_levels", "ask_qty", "ato_buy_qty", "ato_buys", "ato_sell_qty",
                 "ato_sells", "best_ask", "best_bid", "bid_levels", "bid_qty", "spare")

    def __init__(self) -> None:
        self.bid_levels: list[Level] = []
        self.ask_levels: list[Level] = []
        self.spare: list[Level] = []
        self.best_bid = NO_BID
        self.best_ask = NO_ASK
        self.ato_buys: dict[int, Order] = {}
        self.ato_sells: dict[int, Order] = {}
        self.ato_buy_qty = 0
        self.ato_sell_qty = 0
        self.bid_qty = 0
        self.ask_qty = 0

    def add(self, order: Order) -> None:
        """Rest a priced order at the back of its level."""
        price = order.price
        if order.side is _BUY:
            level = self._bid_level(price)
            self.bid_qty += order.remaining
        else:
            level = self._ask_level(price)
            self.ask_qty += order.remaining
        level.append(order)
        level.qty += order.remaining

    def _level(self, price: int) -> Level:
        """An empty level for a new price: a spare one when there is one."""
        spare = self.spare
        if spare:
            level = spare.pop()
            level.price = price
            return level
        return Level(price)

    def _bid_level(self, price: int) -> Level:
        """The bid level at a price, opened if there is none."""
        levels = self.bid_levels
        if price == self.best_bid:
            return levels[-1]
        if price > self.best_bid:
            self.best_bid = price
            level = self._level(price)
            levels.append(level)
            return level
        i = first_at_or_above(levels, price)
        if levels[i].price == price:
            return levels[i]
        level = self._level(price)
        levels.insert(i, level)
        return level

    def _ask_level(self, price: int) -> Level:
        """The offer level at a price, opened if there is none."""
        levels = self.ask_levels
        if price == self.best_ask:
            return levels[-1]
        if price < self.best_ask:
            self.best_ask = price
            level = self._level(price)
            levels.append(level)
            return level
        i = first_at_or_below(levels, price)
        if levels[i].price == price:
            return levels[i]
        level = self._level(price)
        levels.insert(i, level)
        return level

    def remove(self, order: Order) -> None:
        """Take a priced order out of the book with all its remaining quantity."""
        level = order.level
        assert level is not None
        level.unlink(order)
        level.qty -= order.remaining
        if order.side is _BUY:
            self.bid_qty -= order.remaining
            if not level.count:
                self._drop_bid(level)
        else:
            self.ask_qty -= order.remaining
            if not level.count:
                self._drop_ask(level)

    def _drop_bid(self, level: Level) -> None:
        """Forget an emptied bid level, and find the next best when it was the best."""
        levels = self.bid_levels
        if level.price == self.best_bid:
            levels.pop()
            self.best_bid = levels[-1].price if levels else NO_BID
        else:
            del levels[first_at_or_above(levels, level.price)]
        self.spare.append(level)

    def _drop_ask(self, level: Level) -> None:
        """Forget an emptied offer level, and find the next best when it was the best."""
        levels = self.ask_levels
        if level.price == self.best_ask:
            levels.pop()
            self.best_ask = levels[-1].price if levels else NO_ASK
        else:
            del levels[first_at_or_below(levels, level.price)]
        self.spare.append(level)

    def _take(self, order: Order, qty: int) -> Level:
        """Take quantity off a resting order's level and side totals; return its level."""
        level = order.level
        assert level is not None
        if order.side is _BUY:
            self.bid_qty -= qty
        else:
            self.ask_qty -= qty
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
        for side in (_BUY, _SELL):
            for level in self.levels(side):
                order = level.head
                while order is not None:
                    following = order.next
                    if order.validity is _DAY:
                        taken.append(order)
                        self.remove(order)
                    order = following
        return taken

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

    def levels(self, side: Side) -> list[Level]:
        """Return a side's levels from the best price outwards (a new list: the book may change
        while the caller walks it)."""
        return self.bid_levels[::-1] if side is _BUY else self.ask_levels[::-1]

    def orders(self, side: Side) -> Iterator[Order]:
        """Yield a side's priced orders in priority: best price first, then time."""
        for level in self.levels(side):
            yield from level

    def lowest_bid_from(self, price: int) -> int | None:
        """The lowest bid price at or above `price`, if any."""
        levels = self.bid_levels
        i = first_at_or_above(levels, price)
        return levels[i].price if i < len(levels) else None

    def highest_bid_below(self, price: int) -> int | None:
        """The highest bid price strictly below `price`, if any."""
        levels = self.bid_levels
        i = first_at_or_above(levels, price)
        return levels[i - 1].price if i else None

    def lowest_ask_above(self, price: int) -> int | None:
        """The lowest offer price strictly above `price`, if any."""
        levels = self.ask_levels
        i = first_at_or_below(levels, price)
        return levels[i - 1].price if i else None

    def highest_ask_to(self, price: int) -> int | None:
        """The highest offer price at or below `price`, if any."""
        levels = self.ask_levels
        i = first_at_or_below(levels, price)
        return levels[i].price if i < len(levels) else None

    def is_crossed(self) -> bool:
        """Tell whether the best bid meets or passes the best offer."""
        return self.best_bid >= self.best_ask
