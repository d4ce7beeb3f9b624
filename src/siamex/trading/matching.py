"""Continuous matching: price then time, at the resting order's price (set-trading-rules.md 2.1).

An incoming order walks the opposite side from its best level up to a limit level, meeting each
resting order's visible quantity in queue order; an iceberg whose slice runs out refills at the
back of its level and can be met again in the same walk (decision T17). With self-match
prevention, a resting order the incoming order must not trade with (`SelfMatch.hits`) either
stops the walk, and the caller cancels the incoming remainder, or leaves the book and the walk
goes on, or both, as the rulebook's `self_match_action` says (docs/decisions.md 82).

Under the Dynamic Price Band (decision T11) the walk goes level by level, each execution moving
the band's reference to its price, and stops before a level outside the band.
"""

from __future__ import annotations

from typing import Final

from siamex.trading.book import NO_ASK, NO_BID, Book
from siamex.trading.enums import Side
from siamex.trading.order import Level, Order
from siamex.trading.price_band import Band

__all__ = ["Fill", "SelfMatch", "available", "band_reach", "banded_sweep", "sweep"]

_BUY: Final = Side.BUY

Fill = tuple[Order, int, int]
"""A resting order, the quantity it gave and the price (satang) it traded at."""


class SelfMatch:
    """Self-match prevention for one incoming order: which resting orders it must not trade
    with, what then happens, and the resting orders the walk took out of the book.

    A resting order is a self-match when it is of the same member and carries the same
    non-empty `smp_id`, or, when `account` is given (the member's own flag, decision T23), is of
    the same account. Either rule calls for the same action.
    """

    __slots__ = ("account", "cancel_incoming", "cancel_resting", "cancelled", "member", "smp_id")

    def __init__(self, incoming: Order, by_account: bool, action: str) -> None:
        self.member = incoming.member
        self.account = incoming.account if by_account else None
        self.smp_id = incoming.smp_id
        self.cancel_incoming = action != "cancel_resting"
        self.cancel_resting = action != "cancel_incoming"
        self.cancelled: list[Order] = []

    def hits(self, resting: Order) -> bool:
        """Tell whether the incoming order must not trade with this resting order."""
        if resting.member != self.member:
            return False
        return (bool(self.smp_id) and resting.smp_id == self.smp_id) or (
            resting.account == self.account)

    def others(self, level: Level) -> int:
        """Return a level's quantity less that of the resting orders this order must not meet."""
        qty = level.qty
        for resting in level:
            if self.hits(resting):
                qty -= resting.remaining
        return qty


def sweep(book: Book, incoming: Order, limit: int,
          smp: SelfMatch | None) -> tuple[list[Fill], bool]:
    """Match an incoming order up to a limit price; return its fills and whether SMP stopped it.

    For a buy, `limit` is the highest offer price it may take; for a sell, the lowest bid price.
    The incoming order's `remaining` and `filled` are updated; resting orders leave the book as
    they fill, and as self-match prevention cancels them (into `smp.cancelled`).
    """
    fills: list[Fill] = []
    buying = incoming.side is _BUY
    remaining = incoming.remaining
    while remaining:
        price = book.best_ask if buying else book.best_bid
        if (price > limit) if buying else (price < limit):
            break
        level = book.ask_levels[-1] if buying else book.bid_levels[-1]
        resting = level.head
        while resting is not None and remaining:
            following = resting.next
            if smp is not None and smp.hits(resting):
                if smp.cancel_resting:
                    book.remove(resting)
                    smp.cancelled.append(resting)
                if smp.cancel_incoming:
                    incoming.remaining = remaining
                    incoming.filled = incoming.qty - remaining
                    return fills, True
            else:
                qty = resting.visible if resting.visible < remaining else remaining
                book.fill(resting, qty)
                fills.append((resting, qty, price))
                remaining -= qty
            resting = following if following is not None else level.head
    incoming.remaining = remaining
    incoming.filled = incoming.qty - remaining
    return fills, False


def available(book: Book, incoming: Order, limit: int, smp: SelfMatch | None) -> int:
    """Return how much of an incoming order could trade now, for the fill-or-kill test.

    Hidden iceberg quantity counts, since the walk meets each refill in turn. When self-match
    prevention stops the walk at the first resting order it hits, refills queue behind that
    order, so at its level only the visible slices ahead of it count; when it cancels the
    resting orders it hits and goes on, everything but those orders counts.
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
        qty = level.qty
        if smp is not None:
            if smp.cancel_incoming:
                ahead = 0
                for resting in level:
                    if smp.hits(resting):
                        return total + ahead
                    ahead += resting.visible
            else:
                qty = smp.others(level)
        total += qty
        if total >= want:
            return total
    return total


def band_reach(book: Book, incoming: Order, limit: int, ref: int, band: Band,
               smp: SelfMatch | None) -> int:
    """Return the furthest price a fill-or-kill order could reach under the band, whose
    reference moves to each level's price as the order takes it (T11); a level that holds
    only orders self-match prevention keeps it from is passed without a trade."""
    buying = incoming.side is _BUY
    reach = NO_BID if buying else NO_ASK
    total = 0
    levels = book.ask_levels if buying else book.bid_levels
    for k in range(len(levels) - 1, -1, -1):  # from the best outwards
        level = levels[k]
        price = level.price
        if ((price > limit) if buying else (price < limit)) or total >= incoming.remaining:
            break
        if not band.allows(ref, price):
            break
        qty = level.qty if smp is None else smp.others(level)
        if qty:
            ref = price
            total += qty
        reach = price
    return reach


def banded_sweep(book: Book, incoming: Order, limit: int, ref: int, band: Band,
                 smp: SelfMatch | None) -> tuple[list[Fill], bool, bool]:
    """Match level by level within the Dynamic Price Band, whose reference moves with each
    execution (T11); also tell whether the next execution would fall outside it, on either
    side (a resting order may lie beyond the band, placed when nothing could trade). The
    band is tested at each level before the walk enters it, even one whose orders
    self-match prevention would all cancel (docs/decisions.md 82)."""
    buying = incoming.side is _BUY
    fills: list[Fill] = []
    while True:
        following = book.best_ask if buying else book.best_bid
        if (following > limit) if buying else (following < limit):
            return fills, False, False
        if not band.allows(ref, following):
            return fills, False, True
        part, self_matched = sweep(book, incoming, following, smp)
        fills += part
        if self_matched or not incoming.remaining:
            return fills, self_matched, False
        if part:
            ref = following
