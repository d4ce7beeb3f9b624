"""Call auctions: the allocation at the equilibrium price (set-trading-rules.md 2.2; T4).

The price itself is found by siamex.trading.equilibrium. Allocation: ATO/ATC first in time
order, then limit orders by price then time; everything trades at the one price, and the last
order reached may be filled in part.
"""

from __future__ import annotations

from typing import Final

from siamex.trading.book import Book
from siamex.trading.enums import Side
from siamex.trading.order import Order

__all__ = ["NO_CROSS", "Equilibrium", "allocate", "pair"]


class Equilibrium:
    """An auction's price (None: nothing crosses), volume and imbalance (buy minus sell).

    A plain class rather than a NamedTuple: the compiled engine builds one per pre-open order,
    and a NamedTuple's constructor is Python code.
    """

    __slots__ = ("imbalance", "price", "volume")

    def __init__(self, price: int | None, volume: int, imbalance: int) -> None:
        self.price = price
        self.volume = volume
        self.imbalance = imbalance

    def fields(self) -> tuple[int | None, int, int]:
        """Return (price, volume, imbalance)."""
        return self.price, self.volume, self.imbalance

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Equilibrium) and self.same(other)

    def same(self, other: Equilibrium) -> bool:
        """Tell whether another result has the same price, volume and imbalance (compiled: no
        tuples built, as the pre-open compares after every order)."""
        return (self.price == other.price and self.volume == other.volume
                and self.imbalance == other.imbalance)

    def __hash__(self) -> int:
        return hash(self.fields())

    def __repr__(self) -> str:
        return f"Equilibrium(price={self.price}, volume={self.volume}, imbalance={self.imbalance})"


NO_CROSS = Equilibrium(None, 0, 0)
_BUY: Final = Side.BUY
_SELL: Final = Side.SELL


def _side(book: Book, side: Side, price: int, volume: int) -> list[tuple[Order, int]]:
    fills: list[tuple[Order, int]] = []
    left = volume
    for order in book.queue(side).values():
        if not left:
            return fills
        qty = min(order.remaining, left)
        fills.append((order, qty))
        left -= qty
    for level in book.levels(side):
        if not left or (level.price < price if side is _BUY else level.price > price):
            break
        for order in level:
            if not left:
                break
            qty = min(order.remaining, left)
            fills.append((order, qty))
            left -= qty
    return fills


def allocate(book: Book, price: int, volume: int) -> tuple[list[tuple[Order, int]],
                                                           list[tuple[Order, int]]]:
    """Return each side's fills at the auction price in allocation priority (T4)."""
    return _side(book, _BUY, price, volume), _side(book, _SELL, price, volume)


def pair(buys: list[tuple[Order, int]], sells: list[tuple[Order, int]]) -> list[
        tuple[Order, Order, int]]:
    """Match the two sides' fills in priority order into trades (buy, sell, quantity)."""
    trades: list[tuple[Order, Order, int]] = []
    b = s = 0
    buy_left = buys[0][1] if buys else 0
    sell_left = sells[0][1] if sells else 0
    while b < len(buys) and s < len(sells):
        qty = min(buy_left, sell_left)
        trades.append((buys[b][0], sells[s][0], qty))
        buy_left -= qty
        sell_left -= qty
        if not buy_left:
            b += 1
            buy_left = buys[b][1] if b < len(buys) else 0
        if not sell_left:
            s += 1
            sell_left = sells[s][1] if s < len(sells) else 0
    return trades
