"""Continuous matching: price then time, at the resting order's price (set-trading-rules.md 2.1).

An incoming order walks the opposite side from its best level up to a limit level, meeting each
resting order's visible quantity in queue order; an iceberg whose slice runs out refills at the
back of its level and can be met again in the same walk (decision T17). With self-match
prevention on, the walk stops at the first resting order of the same member and account, and
the caller cancels the incoming remainder (decision T23).
"""

from __future__ import annotations

from typing import Final

from siamex.trading.book import Book
from siamex.trading.enums import Side
from siamex.trading.order import Order

__all__ = ["Fill", "available", "sweep"]

_BUY: Final = Side.BUY

Fill = tuple[Order, int, int]
"""A resting order, the quantity it gave and the price (satang) it traded at."""


def sweep(book: Book, incoming: Order, limit: int, smp: bool) -> tuple[list[Fill], bool]:
    """Match an incoming order up to a limit price; return its fills and whether SMP stopped it.

    For a buy, `limit` is the highest offer price it may take; for a sell, the lowest bid price.
    The incoming order's `remaining` and `filled` are updated; resting orders leave the book as
    they fill.
    """
    fills: list[Fill] = []
    buying = incoming.side is _BUY
    remaining = incoming.remaining
    member, account = incoming.member, incoming.account
    while remaining:
        price = book.best_ask if buying else book.best_bid
        if (price > limit) if buying else (price < limit):
            break
        level = book.ask_levels[-1] if buying else book.bid_levels[-1]
        resting = level.head
        while resting is not None and remaining:
            if smp and resting.member == member and resting.account == account:
                incoming.remaining = remaining
                incoming.filled = incoming.qty - remaining
                return fills, True
            qty = resting.visible if resting.visible < remaining else remaining
            following = resting.next
            book.fill(resting, qty)
            fills.append((resting, qty, price))
            remaining -= qty
            resting = following if following is not None else level.head
    incoming.remaining = remaining
    incoming.filled = incoming.qty - remaining
    return fills, False


def available(book: Book, incoming: Order, limit: int, smp: bool) -> int:
    """Return how much of an incoming order could trade now, for the fill-or-kill test.

    Hidden iceberg quantity counts, since the walk meets each refill in turn. With self-match
    prevention on, the walk ends at the first own resting order, and refills queue behind it,
    so at that level only the visible slices ahead of it count.
    """
    want = incoming.remaining
    buying = incoming.side is _BUY
    total = 0
    levels = book.ask_levels if buying else book.bid_levels
    for k in range(len(levels) - 1, -1, -1):  # from the best outwards
        level = levels[k]
        price = level.price
        if (price > limit) if buying else (price < limit):
            break
        if smp:
            ahead = 0
            for resting in level:
                if resting.member == incoming.member and resting.account == incoming.account:
                    return total + ahead
                ahead += resting.visible
        total += level.qty
        if total >= want:
            return total
    return total
