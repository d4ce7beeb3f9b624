"""A bare order book in plain CPython: the baseline the engine benchmark measures against.

Why it exists: a figure of commands per second means little alone on a shared machine. This
book does what any price-time book must and nothing of SET's rules (no phases, auctions, limits,
ticks, bands, pauses, short sales, resting time, ownership or iceberg slices): per security, a
dict of price levels, each a deque of live orders, with the prices of each side in a sorted list
kept by bisect. Cancels are lazy: the order's quantity goes to zero, the level's total falls, and
the matching loop drops it when it reaches it. It takes the engine's own command objects, so both
read the same input, and returns its events as plain tuples (accepted, trade, cancelled), the
least any book must report. It is run in the same process as the engine, the two alternating.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque

from siamex.trading.commands import AmendOrder, CancelOrder, Command, NewOrder
from siamex.trading.enums import Side, Validity

__all__ = ["BareBook"]

BareEvent = tuple[object, ...]
_BUY = Side.BUY
_FAK = Validity.FAK
_FOK = Validity.FOK


class _Side:
    """One side of one security: levels by price and their prices in ascending order."""

    __slots__ = ("levels", "prices", "totals")

    def __init__(self) -> None:
        self.levels: dict[int, deque[list[object]]] = {}
        self.totals: dict[int, int] = {}
        self.prices: list[int] = []

    def add(self, price: int, entry: list[object], qty: int) -> None:
        level = self.levels.get(price)
        if level is None:
            level = self.levels[price] = deque()
            self.totals[price] = 0
            insort(self.prices, price)
        level.append(entry)
        self.totals[price] += qty

    def drop_level(self, price: int) -> None:
        del self.levels[price]
        del self.totals[price]
        prices = self.prices
        del prices[bisect_left(prices, price)]


class BareBook:
    """Every security's bids and offers; `handle(command)` returns its events as tuples."""

    def __init__(self) -> None:
        self.books: dict[str, tuple[_Side, _Side]] = {}  # symbol -> (bids, asks)
        # id -> [id, remaining, price, side, symbol, member]; live orders only
        self.orders: dict[str, list[object]] = {}
        self.trade_no = 0

    def handle(self, command: Command) -> list[BareEvent]:
        kind = type(command)
        if kind is NewOrder:
            return self._new(command)  # type: ignore[arg-type]
        if kind is CancelOrder:
            return self._cancel(command.id)  # type: ignore[union-attr]
        if kind is AmendOrder:
            return self._amend(command)  # type: ignore[arg-type]
        return []

    def _sides(self, symbol: str) -> tuple[_Side, _Side]:
        sides = self.books.get(symbol)
        if sides is None:
            sides = self.books[symbol] = (_Side(), _Side())
        return sides

    def _new(self, cmd: NewOrder) -> list[BareEvent]:
        if cmd.id in self.orders:
            return [("rejected", cmd.id)]
        out: list[BareEvent] = [("accepted", cmd.id)]
        bids, asks = self._sides(cmd.symbol)
        buying = cmd.side is _BUY
        opposite = asks if buying else bids
        price = cmd.price
        qty = cmd.qty
        if cmd.validity is _FOK and self._available(opposite, buying, price) < qty:
            out.append(("cancelled", cmd.id, qty))
            return out
        qty = self._match(cmd, opposite, buying, price, qty, out)
        if qty:
            if price is None or cmd.validity is _FAK or cmd.validity is _FOK:
                out.append(("cancelled", cmd.id, qty))
            else:
                entry: list[object] = [cmd.id, qty, price, cmd.side, cmd.symbol, cmd.member]
                self.orders[cmd.id] = entry
                (bids if buying else asks).add(price, entry, qty)
        return out

    @staticmethod
    def _available(opposite: _Side, buying: bool, limit: int | None) -> int:
        total = 0
        for price in (opposite.prices if buying else reversed(opposite.prices)):
            if limit is not None and (price > limit if buying else price < limit):
                break
            total += opposite.totals[price]
        return total

    def _match(self, cmd: NewOrder, opposite: _Side, buying: bool, limit: int | None, qty: int,
               out: list[BareEvent]) -> int:
        prices = opposite.prices
        orders = self.orders
        while qty and prices:
            price = prices[0] if buying else prices[-1]
            if limit is not None and (price > limit if buying else price < limit):
                break
            level = opposite.levels[price]
            while qty and level:
                entry = level[0]
                resting = entry[1]
                if not resting:
                    level.popleft()
                    continue
                assert isinstance(resting, int)
                fill = resting if resting < qty else qty
                qty -= fill
                entry[1] = resting - fill
                opposite.totals[price] -= fill
                self.trade_no += 1
                out.append(("trade", self.trade_no, cmd.symbol, price, fill,
                            cmd.id if buying else entry[0], entry[0] if buying else cmd.id))
                if fill == resting:
                    level.popleft()
                    del orders[entry[0]]  # type: ignore[arg-type]
            if not opposite.totals[price]:
                opposite.drop_level(price)
        return qty

    def _cancel(self, cid: str) -> list[BareEvent]:
        entry = self.orders.pop(cid, None)
        if entry is None:
            return [("rejected", cid)]
        _, qty, price, side, symbol, _ = entry
        assert isinstance(qty, int) and isinstance(price, int) and isinstance(symbol, str)
        book = self.books[symbol][0 if side is _BUY else 1]
        entry[1] = 0
        book.totals[price] -= qty
        if not book.totals[price]:
            book.drop_level(price)
        return [("cancelled", cid, qty)]

    def _amend(self, cmd: AmendOrder) -> list[BareEvent]:
        """Quantity down in place; anything else loses priority: out and in again."""
        entry = self.orders.get(cmd.id)
        if entry is None:
            return [("rejected", cmd.id)]
        _, qty, price, side, symbol, member = entry
        assert isinstance(qty, int) and isinstance(price, int) and isinstance(symbol, str)
        new_price = cmd.price if cmd.price is not None else price
        new_qty = cmd.qty if cmd.qty is not None else qty
        book = self.books[symbol][0 if side is _BUY else 1]
        if new_price == price and new_qty <= qty:
            entry[1] = new_qty
            book.totals[price] -= qty - new_qty
            if not book.totals[price]:
                book.drop_level(price)
            return [("amended", cmd.id, new_qty)]
        self._cancel(cmd.id)
        renewed = NewOrder(cmd.ts, cmd.id, str(member), "", symbol, side,  # type: ignore[arg-type]
                           new_qty, price=new_price)
        return [("amended", cmd.id, new_qty), *self._new(renewed)[1:]]
