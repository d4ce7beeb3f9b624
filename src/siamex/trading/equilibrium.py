"""SET's auction equilibrium price, found by walking the book from the touch (2.2; T1-T3).

The rule (decisions T1-T3): over the candidate prices, every valid tick from one tick below the
floor to one tick above the ceiling, take the greatest executable volume; then the least absolute
imbalance; then, if every remaining imbalance is on the buy side, the highest price, if every one
is on the sell side, the lowest; otherwise (all zero, or mixed signs) the price closest to the
reference, an exact tie going to the higher price. ATO/ATC orders take any price.

Scanning every candidate costs a few hundred steps per book change, too slow for an indicative
price published after every pre-open order. With B(e) the buy volume at or above candidate e and
S(e) the sell volume at or below it, the imbalance I = B - S never rises with the price. So with
c the lowest candidate where I <= 0, the executable volume min(B, S) equals S below c and B from
c on: it rises to c and falls after it, and the winners sit at c - 1 or c, spread over the
stretches next to them where no order rests. Finding c walks the candidates from the touch to
the crossing, one tick at a time (a few integer steps each once compiled), and the stretches are
looked up only when the tie-breaks need them. tests/trading/test_equilibrium.py checks this walk
against a plain scan of every candidate.
"""

from __future__ import annotations

from bisect import bisect_left

from siamex.trading.auction import NO_CROSS, Equilibrium
from siamex.trading.book import Book, Level

__all__ = ["book_equilibrium"]


class _Walk:
    """Level quantities of one book in candidate coordinates (ladder index + offset)."""

    __slots__ = ("asks", "best_ask", "best_bid", "bids", "off", "size")

    def __init__(self, book: Book, offset: int) -> None:
        self.bids = book.bids
        self.asks = book.asks
        self.best_bid = book.best_bid
        self.best_ask = book.best_ask
        self.off = offset
        self.size = book.size

    @staticmethod
    def _qty(levels: list[Level | None], k: int) -> int:
        level = levels[k]
        return level.qty if level is not None else 0

    def bid(self, e: int) -> int:
        k = e - self.off
        return self._qty(self.bids, k) if 0 <= k <= self.best_bid else 0

    def ask(self, e: int) -> int:
        k = e - self.off
        return self._qty(self.asks, k) if self.best_ask <= k < self.size else 0

    def lowest_bid_from(self, e: int) -> int | None:
        """The lowest candidate at or above e holding bids."""
        for k in range(max(e - self.off, 0), self.best_bid + 1):
            if self._qty(self.bids, k):
                return k + self.off
        return None

    def highest_bid_to(self, e: int) -> int | None:
        """The highest candidate at or below e holding bids."""
        for k in range(min(e - self.off, self.best_bid), -1, -1):
            if self._qty(self.bids, k):
                return k + self.off
        return None

    def lowest_ask_from(self, e: int) -> int | None:
        """The lowest candidate at or above e holding offers."""
        for k in range(max(e - self.off, self.best_ask), self.size):
            if self._qty(self.asks, k):
                return k + self.off
        return None

    def highest_ask_to(self, e: int) -> int | None:
        """The highest candidate at or below e holding offers."""
        for k in range(min(e - self.off, self.size - 1), self.best_ask - 1, -1):
            if self._qty(self.asks, k):
                return k + self.off
        return None

    def buy_volume(self, e: int, market: int) -> int:
        """B(e): market buys plus every bid at or above candidate e."""
        total = market
        for k in range(self.best_bid, max(e - self.off, 0) - 1, -1):
            total += self._qty(self.bids, k)
        return total



def _walk_down(walk: _Walk, start: int, buys: int, market_sell: int) -> tuple[int, int, int]:
    """Find c at or below `start`, where B(start) = buys <= S and S = market_sell below `start`.

    Going down, B only grows; c is the lowest candidate whose neighbour below has B past the
    market sells, or 0 when none has. Returns c, B(c) and B(c - 1).
    """
    e = start
    top = walk.best_bid + walk.off  # no bid rests above this candidate
    while True:
        if e == 0:
            return 0, buys, buys
        below = buys + walk.bid(e - 1)
        if below > market_sell:
            return e, buys, below
        if e - 1 > top:
            e = max(top + 1, 0)  # no bid between: B stays as it is down to the best bid
        else:
            buys, e = below, e - 1


def _find_crossing(walk: _Walk, count: int, market_buy: int,
                   market_sell: int) -> tuple[int, int, int, int, int]:
    """Return c, the lowest candidate where the imbalance is at most zero (count if none),
    with B(c), S(c), B(c - 1) and S(c - 1) (values outside the candidates are unused).

    The walk goes one candidate at a time: B(e + 1) = B(e) - bids at e and S(e + 1) = S(e) +
    offers at e + 1, a few integer steps per tick once compiled.
    """
    if walk.best_ask >= walk.size:  # no offers: S is the market sells everywhere
        top = market_buy + walk.bid(count - 1)
        if top > market_sell:
            return count, 0, 0, top, market_sell
        c, at, below = _walk_down(walk, count - 1, top, market_sell)
        return c, at, market_sell, below, market_sell
    e = walk.best_ask + walk.off
    buys = walk.buy_volume(e, market_buy)
    sells = market_sell + walk.ask(e)
    if buys <= sells:
        c, at, below = _walk_down(walk, e, buys, market_sell)
        return c, at, sells if c == e else market_sell, below, market_sell
    top = walk.best_bid + walk.off
    while True:
        step = e + 1
        if step >= count:
            return count, 0, 0, buys, sells
        new_buys = buys - walk.bid(e) if e <= top else buys
        new_sells = sells + walk.ask(step)
        if new_buys <= new_sells:
            return step, new_buys, new_sells, buys, sells
        e, buys, sells = step, new_buys, new_sells


def _closest(candidates: list[int], lo: int, hi: int, reference: int) -> int:
    """Return the candidate in [lo, hi] closest to the reference, an exact tie going higher."""
    j = bisect_left(candidates, reference, lo, hi + 1)
    if j > hi:
        return hi
    if j == lo:
        return lo
    below, above = candidates[j - 1], candidates[j]
    return j if above - reference <= reference - below else j - 1


def book_equilibrium(book: Book, candidates: list[int], offset: int, market_buy: int,
                     market_sell: int, reference: int) -> Equilibrium:
    """Compute the auction result of a book whose candidate prices are `candidates`.

    `offset` is the position of the book's lowest price (the floor) among the candidates.
    """
    walk = _Walk(book, offset)
    if (not market_buy and walk.best_bid < 0) or (not market_sell and walk.best_ask >= walk.size):
        return NO_CROSS
    count = len(candidates)
    c, buys, sells, buys_below, sells_below = _find_crossing(walk, count, market_buy,
                                                             market_sell)
    left_volume = sells_below if c >= 1 else -1
    right_volume = buys if c < count else -1
    left_imbalance = buys_below - sells_below
    right_imbalance = buys - sells
    volume = max(left_volume, right_volume)
    if volume <= 0:
        return NO_CROSS
    left = left_volume == volume
    right = right_volume == volume
    if left and right:  # rule 2: the least absolute imbalance
        if left_imbalance < -right_imbalance:
            right = False
        elif -right_imbalance < left_imbalance:
            left = False
    if not right:  # every imbalance on the buy side: the highest price
        return Equilibrium(candidates[c - 1], volume, left_imbalance)
    if not left and right_imbalance < 0:  # every imbalance on the sell side: the lowest
        return Equilibrium(candidates[c], volume, right_imbalance)
    next_bid = walk.lowest_bid_from(c)
    next_ask = walk.lowest_ask_from(c + 1)
    hi = min(count - 1, next_bid if next_bid is not None else count,
             next_ask - 1 if next_ask is not None else count)
    lo = c
    if left:
        prev_ask = walk.highest_ask_to(c - 1)
        prev_bid = walk.highest_bid_to(c - 2)
        lo = max(0, prev_ask if prev_ask is not None else 0,
                 prev_bid + 1 if prev_bid is not None else 0)
    e = _closest(candidates, lo, hi, reference)
    return Equilibrium(candidates[e], volume, left_imbalance if e < c else right_imbalance)
