"""Market by price from the feed's market by order: each side's best price levels, aggregated.

A browser shows a book as its best ten prices a side, each with its shares and its number of
orders, not as the orders behind them (docs/market-data-web.md, "Security channel"). `Depth`
keeps, from the same messages as `siamex.feed.book.FeedBook`, every level of every side
(security, board, side) and answers each message with the levels of the shown window that it
changed: a level inside the window changed, entered or left it (shares 0), or the level below
the window moved into it. Applying those changes to the window as it was gives the window as
it is, exactly (docs/market-data-web.md W3).

Orders waiting without a price for an auction (ATO, ATC, market orders in a pre-open) are one
level of price 0 at the head of the side, outside the count of priced levels, as SET's
screens show ATO and ATC above the best bid and offer (W4).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Final

from siamex.feed.book import FeedBookError
from siamex.feed.messages import (
    AddOrder,
    FeedMessage,
    OrderCancel,
    OrderDelete,
    OrderExecuted,
    OrderReplace,
)

__all__ = ["LEVELS", "Depth", "DepthChange", "Level", "SideKey"]

LEVELS: Final = 10
"""Priced levels shown per side: SET's ten (issue 11)."""

Level = tuple[int, int, int]
"""A level as shown: price in satang (0: the unpriced orders), shares, orders."""

SideKey = tuple[int, str, str]
"""A book side: the security's locate code, the board (`M`, `O`) and the side (`B`, `S`)."""

DepthChange = tuple[SideKey, list[Level]]
"""The side a message changed, and its shown levels that differ (shares 0: gone)."""


class _Order:
    __slots__ = ("price", "shares", "side")

    def __init__(self, side: _Side, price: int, shares: int) -> None:
        self.side = side
        self.price = price
        self.shares = shares


class _Side:
    """One side's levels: price -> [shares, orders], the priced ones ranked best first, and
    how many of them are shown. `add` and `take` answer with the shown levels they changed."""

    __slots__ = ("bid", "count", "key", "levels", "ranks")

    def __init__(self, key: SideKey, count: int) -> None:
        self.key = key
        self.count = count
        self.bid = key[2] == "B"
        self.levels: dict[int, list[int]] = {}
        self.ranks: list[int] = []  # -price for bids, price for offers: ascending is best first

    def _rank(self, price: int) -> int:
        return -price if self.bid else price

    def _level(self, rank: int) -> Level:
        price = -rank if self.bid else rank
        shares, orders = self.levels[price]
        return price, shares, orders

    def add(self, price: int, shares: int) -> list[Level] | None:
        """Add an order's shares at a price (0: unpriced)."""
        level = self.levels.get(price)
        if level is not None:
            level[0] += shares
            level[1] += 1
            return self._changed(price, level)
        self.levels[price] = [shares, 1]
        if not price:
            return [(0, shares, 1)]
        ranks = self.ranks
        at = bisect_left(ranks, self._rank(price))
        ranks.insert(at, self._rank(price))
        if at >= self.count:
            return None
        shown = [(price, shares, 1)]
        if len(ranks) > self.count:  # the last shown level is pushed out
            shown.append((self._level(ranks[self.count])[0], 0, 0))
        return shown

    def take(self, price: int, shares: int, leaves: bool) -> list[Level] | None:
        """Take `shares` off the level; `leaves` when the order leaves the book with them."""
        level = self.levels[price]
        level[0] -= shares
        if leaves:
            level[1] -= 1
        if level[1]:
            return self._changed(price, level)
        del self.levels[price]
        if not price:
            return [(0, 0, 0)]
        ranks = self.ranks
        at = bisect_left(ranks, self._rank(price))
        del ranks[at]
        if at >= self.count:
            return None
        shown = [(price, 0, 0)]
        if len(ranks) >= self.count:  # the first level below comes into view
            shown.append(self._level(ranks[self.count - 1]))
        return shown

    def _changed(self, price: int, level: list[int]) -> list[Level] | None:
        """A level that stays: shown if unpriced or among the best `count`."""
        if price and bisect_left(self.ranks, self._rank(price)) >= self.count:
            return None
        return [(price, level[0], level[1])]

    def first(self) -> Level | None:
        """The first shown level: the unpriced one if any, else the best price; None if empty."""
        head = self.levels.get(0)
        if head is not None:
            return 0, head[0], head[1]
        return self._level(self.ranks[0]) if self.ranks else None

    def window(self) -> list[Level]:
        """The shown levels: the unpriced one if any, then the best `count` prices."""
        head = self.levels.get(0)
        shown = [(0, head[0], head[1])] if head is not None else []
        return shown + [self._level(rank) for rank in self.ranks[:self.count]]


class Depth:
    """Every side's price levels, kept from the feed's order messages."""

    def __init__(self, count: int = LEVELS) -> None:
        self.count = count
        self._orders: dict[int, _Order] = {}
        self._sides: dict[SideKey, _Side] = {}

    def apply(self, message: FeedMessage) -> DepthChange | None:
        """Apply one message; the shown levels it changed, or None (not an order message, or
        a change below the window). FeedBookError for an order the book cannot have."""
        kind = type(message)
        if kind is AddOrder:
            assert isinstance(message, AddOrder)
            if message.order_no in self._orders:
                raise FeedBookError(f"order {message.order_no} added twice")
            side = self._side((message.locate, message.board, message.side))
            price = message.price if message.price_type == "L" else 0
            self._orders[message.order_no] = _Order(side, price, message.shares)
            return self._change(side, side.add(price, message.shares))
        if kind is OrderExecuted or kind is OrderCancel:
            assert isinstance(message, OrderExecuted | OrderCancel)
            order = self._order(message.order_no)
            if message.shares > order.shares:
                raise FeedBookError(f"order {message.order_no} shows {order.shares} shares, "
                                    f"not {message.shares}")
            order.shares -= message.shares
            if not order.shares:
                del self._orders[message.order_no]
            return self._change(order.side,
                                order.side.take(order.price, message.shares, not order.shares))
        if kind is OrderDelete:
            assert isinstance(message, OrderDelete)
            order = self._order(message.order_no)
            del self._orders[message.order_no]
            return self._change(order.side, order.side.take(order.price, order.shares, True))
        if kind is OrderReplace:
            assert isinstance(message, OrderReplace)
            return self._replace(message)
        return None

    def _replace(self, message: OrderReplace) -> DepthChange | None:
        """Move an order: its levels before and after, compared (a level pushed out by the
        removal may come back with the addition)."""
        order = self._order(message.order_no)
        side = order.side
        before = {price: (shares, orders) for price, shares, orders in side.window()}
        side.take(order.price, order.shares, True)
        if order.price:  # an unpriced order stays in the unpriced queue, as FeedBook has it
            order.price = message.price
        order.shares = message.shares
        side.add(order.price, order.shares)
        after = {price: (shares, orders) for price, shares, orders in side.window()}
        shown = [(price, shares, orders) for price, (shares, orders) in after.items()
                 if before.get(price) != (shares, orders)]
        shown += [(price, 0, 0) for price in before if price not in after]
        return self._change(side, shown)

    def levels(self, key: SideKey) -> list[Level]:
        """A side's shown levels: the unpriced one first if any, then the best prices."""
        side = self._sides.get(key)
        return side.window() if side is not None else []

    def first(self, key: SideKey) -> Level | None:
        """A side's first shown level (the head of `levels`), or None when it is empty."""
        side = self._sides.get(key)
        return side.first() if side is not None else None

    def _side(self, key: SideKey) -> _Side:
        side = self._sides.get(key)
        if side is None:
            side = self._sides[key] = _Side(key, self.count)
        return side

    def _order(self, no: int) -> _Order:
        order = self._orders.get(no)
        if order is None:
            raise FeedBookError(f"no order {no} in the book")
        return order

    @staticmethod
    def _change(side: _Side, shown: list[Level] | None) -> DepthChange | None:
        return (side.key, shown) if shown else None
