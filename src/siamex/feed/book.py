"""A consumer's books, rebuilt from the feed's messages alone: what a member's system, a data
vendor or `siamex feed` holds. Orders rest by security, board and side: priced ones at their
price in arrival order, the others (ATO, ATC, market orders in a pre-open) in one queue per side.
"""

from __future__ import annotations

from collections.abc import Iterable

from siamex.feed.messages import (
    AddOrder,
    Directory,
    FeedMessage,
    OrderCancel,
    OrderDelete,
    OrderExecuted,
    OrderReplace,
)

__all__ = ["FeedBook", "FeedBookError", "Resting"]

Resting = tuple[int, int, int]
"""An order as a book shows it: its number, price (0 for none) and visible shares."""


class FeedBookError(ValueError):
    """A message about an order the book does not hold, or a duplicate: a gap in the feed."""


class _Order:
    __slots__ = ("board", "locate", "no", "price", "priced", "shares", "side")

    def __init__(self, message: AddOrder) -> None:
        self.no = message.order_no
        self.locate = message.locate
        self.side = message.side
        self.board = message.board
        self.priced = message.price_type == "L"
        self.price = message.price
        self.shares = message.shares


class FeedBook:
    """Every security's book, kept from the feed's messages."""

    def __init__(self) -> None:
        self.symbols: dict[int, str] = {}
        self._orders: dict[int, _Order] = {}
        # (locate, board, side) -> price (0: the unpriced queue) -> order numbers in arrival
        self._levels: dict[tuple[int, str, str], dict[int, dict[int, None]]] = {}

    def apply_all(self, messages: Iterable[FeedMessage]) -> None:
        """Apply messages in order."""
        for message in messages:
            self.apply(message)

    def apply(self, message: FeedMessage) -> None:
        """Apply one message; FeedBookError if it names an order the book cannot have."""
        kind = type(message)
        if kind is AddOrder:
            assert isinstance(message, AddOrder)
            if message.order_no in self._orders:
                raise FeedBookError(f"order {message.order_no} added twice")
            self._rest(_Order(message))
        elif kind is OrderExecuted:
            assert isinstance(message, OrderExecuted)
            self._take(message.order_no, message.shares)
        elif kind is OrderCancel:
            assert isinstance(message, OrderCancel)
            self._take(message.order_no, message.shares)
        elif kind is OrderDelete:
            assert isinstance(message, OrderDelete)
            self._remove(self._order(message.order_no))
        elif kind is OrderReplace:
            assert isinstance(message, OrderReplace)
            order = self._order(message.order_no)
            self._remove(order)
            order.price = message.price
            order.shares = message.shares
            self._rest(order)
        elif kind is Directory:
            assert isinstance(message, Directory)
            self.symbols[message.locate] = message.symbol

    def _order(self, no: int) -> _Order:
        order = self._orders.get(no)
        if order is None:
            raise FeedBookError(f"no order {no} in the book")
        return order

    def _queue(self, order: _Order) -> dict[int, None]:
        sides = self._levels.setdefault((order.locate, order.board, order.side), {})
        return sides.setdefault(order.price if order.priced else 0, {})

    def _rest(self, order: _Order) -> None:
        self._orders[order.no] = order
        self._queue(order)[order.no] = None

    def _remove(self, order: _Order) -> None:
        del self._orders[order.no]
        key = (order.locate, order.board, order.side)
        price = order.price if order.priced else 0
        level = self._levels[key][price]
        del level[order.no]
        if not level:
            del self._levels[key][price]

    def _take(self, no: int, shares: int) -> None:
        order = self._order(no)
        if shares > order.shares:
            raise FeedBookError(f"order {no} shows {order.shares} shares, not {shares}")
        order.shares -= shares
        if not order.shares:
            self._remove(order)

    def side(self, locate: int, board: str, side: str) -> list[Resting]:
        """A side's priced orders, best price first and then by arrival."""
        levels = self._levels.get((locate, board, side), {})
        prices = sorted((p for p in levels if p), reverse=side == "B")
        return [(no, price, self._orders[no].shares) for price in prices for no in levels[price]]

    def queue(self, locate: int, board: str, side: str) -> list[Resting]:
        """A side's unpriced orders (ATO, ATC, market) in arrival order."""
        level = self._levels.get((locate, board, side), {}).get(0, {})
        return [(no, 0, self._orders[no].shares) for no in level]

    def depth(self, locate: int, side: str, levels: int = 10) -> list[tuple[int, int, int]]:
        """The main board's best `levels` prices of a side: price, shares, orders."""
        out: list[tuple[int, int, int]] = []
        for _, price, shares in self.side(locate, "M", side):
            if out and out[-1][0] == price:
                out[-1] = (price, out[-1][1] + shares, out[-1][2] + 1)
            elif len(out) == levels:
                break
            else:
                out.append((price, shares, 1))
        return out
