"""SET's auction equilibrium price, found by walking the book's levels from the touch (2.2; T1-T3).

The rule (decisions T1-T3): over the candidate prices, every valid tick from one tick below the
floor to one tick above the ceiling, take the greatest executable volume; then the least absolute
imbalance; then, if every remaining imbalance is on the buy side, the highest price, if every one
is on the sell side, the lowest; otherwise (all zero, or mixed signs) the price closest to the
reference, an exact tie going to the higher price. ATO/ATC orders take any price.

Scanning every candidate costs a step per tick of the day's range, too slow for an indicative
price published after every pre-open order, and unbounded when the range is wide. With B(e) the
buy volume at or above candidate e and S(e) the sell volume at or below it, the imbalance
I = B - S never rises with the price, and it changes only at a breakpoint: an offer's price
(S grows there) or the tick above a bid's price (B falls there). So with c the lowest candidate
where I <= 0, the executable volume min(B, S) equals S below c and B from c on: it rises to c and
falls after it, and the winners sit at c's lower neighbour or at c, spread over the stretches
next to them where no order rests. Finding c walks the breakpoints from the touch to the
crossing, level by level, never tick by tick; the stretches are found by bisection only when the
tie-breaks need them. tests/trading/test_equilibrium.py checks this walk against a plain scan of
every candidate.
"""

from __future__ import annotations

from siamex.rulebook.ticks import TickScale
from siamex.trading.auction import NO_CROSS, Equilibrium
from siamex.trading.book import NO_ASK, NO_BID, Book, first_at_or_above

__all__ = ["Grid", "book_equilibrium"]


class Grid:
    """The candidate prices of an auction: every tick of `scale` from `low` to `high` (T1).

    `tick` is the one tick of the whole range when it lies in one row of the tick table (0 when
    it spans rows): then a step along the grid is an addition, not a look-up in the table.
    """

    __slots__ = ("high", "low", "scale", "tick")

    def __init__(self, scale: TickScale, low: int, high: int) -> None:
        self.scale = scale
        self.low = low
        self.high = high
        self.tick = scale.uniform_tick(low, high)

    def up(self, price: int) -> int:
        """The candidate one tick above a valid price."""
        tick = self.tick
        return price + tick if tick else self.scale.next_up(price)

    def down(self, price: int) -> int:
        """The candidate one tick below a valid price above the lowest."""
        tick = self.tick
        return price - tick if tick else self.scale.next_down(price)

    def closest(self, lo: int, hi: int, reference: int) -> int:
        """The candidate in [lo, hi] closest to the reference, an exact tie going higher."""
        if reference <= lo:
            return lo
        if reference >= hi:
            return hi
        tick = self.tick
        if tick:
            below = reference // tick * tick
            above = below if below == reference else below + tick
        else:
            below = self.scale.round_down(reference)
            above = self.scale.round_up(reference)
        return above if above - reference <= reference - below else below


def _walk_down(book: Book, grid: Grid, start: int, buys: int,
               market_sell: int) -> tuple[int, int, int]:
    """Find c at or below `start`, where B(start) = buys <= S and S = market_sell below `start`.

    Going down, B only grows, at each bid's price; c is the lowest candidate whose neighbour
    below has B past the market sells, or the lowest candidate when none has. The walk jumps
    from bid to bid over the ticks between, where B stays as it is. Returns c, B(c) and B(c - 1).
    """
    levels = book.bid_levels
    i = first_at_or_above(levels, start) - 1  # the highest bid below `start`
    e = start
    low = grid.low
    while e > low:
        under = grid.down(e)
        bid_under = i >= 0 and levels[i].price == under
        below = buys + levels[i].qty if bid_under else buys
        if below > market_sell:
            return e, buys, below
        if bid_under:
            buys = below
            i -= 1
            e = under
        else:
            e = grid.up(levels[i].price) if i >= 0 else low
    return low, buys, buys


def _find_crossing(book: Book, grid: Grid, market_buy: int,
                   market_sell: int) -> tuple[int, int, int, int, int]:
    """Return c, the lowest candidate where the imbalance is at most zero (the tick above `high`
    if none), with B(c), S(c), B(c - 1) and S(c - 1) (values outside the candidates unused)."""
    bid_levels = book.bid_levels
    high = grid.high
    if book.best_ask == NO_ASK:  # no offers: S is the market sells everywhere
        top = market_buy + (bid_levels[-1].qty if book.best_bid == high else 0)
        if top > market_sell:
            return grid.up(high), 0, 0, top, market_sell
        c, at, below = _walk_down(book, grid, high, top, market_sell)
        return c, at, market_sell, below, market_sell
    ask_levels = book.ask_levels
    e = book.best_ask
    i = first_at_or_above(bid_levels, e)
    buys = market_buy
    for k in range(i, len(bid_levels)):
        buys += bid_levels[k].qty
    sells = market_sell + ask_levels[-1].qty
    if buys <= sells:
        c, at, below = _walk_down(book, grid, e, buys, market_sell)
        return c, at, sells if c == e else market_sell, below, market_sell
    j = len(ask_levels) - 2  # offers are kept from the highest: the next one up is to the left
    bid_break = grid.up(bid_levels[i].price) if i < len(bid_levels) else NO_ASK
    while True:
        ask_break = ask_levels[j].price if j >= 0 else NO_ASK
        step = bid_break if bid_break < ask_break else ask_break
        if step > high:
            return grid.up(high), 0, 0, buys, sells
        new_buys = buys
        new_sells = sells
        if bid_break == step:
            new_buys -= bid_levels[i].qty
            i += 1
            bid_break = grid.up(bid_levels[i].price) if i < len(bid_levels) else NO_ASK
        if ask_break == step:
            new_sells += ask_levels[j].qty
            j -= 1
        if new_buys <= new_sells:
            return step, new_buys, new_sells, buys, sells
        buys, sells = new_buys, new_sells


def book_equilibrium(book: Book, grid: Grid, market_buy: int, market_sell: int,
                     reference: int) -> Equilibrium:
    """Compute the auction result of a book over the candidate prices of `grid`."""
    if not market_buy and not market_sell and book.best_bid < book.best_ask:
        return NO_CROSS  # limit orders alone, and no bid meets an offer: nothing can trade
    if (not market_buy and book.best_bid == NO_BID) or (
            not market_sell and book.best_ask == NO_ASK):
        return NO_CROSS
    c, buys, sells, buys_below, sells_below = _find_crossing(book, grid, market_buy,
                                                             market_sell)
    low = grid.low
    high = grid.high
    left_volume = sells_below if c > low else -1
    right_volume = buys if c <= high else -1
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
        return Equilibrium(grid.down(c), volume, left_imbalance)
    if not left and right_imbalance < 0:  # every imbalance on the sell side: the lowest
        return Equilibrium(c, volume, right_imbalance)
    hi = high
    next_bid = book.lowest_bid_from(c)
    if next_bid is not None and next_bid < hi:
        hi = next_bid
    next_ask = book.lowest_ask_above(c)
    if next_ask is not None and grid.down(next_ask) < hi:
        hi = grid.down(next_ask)
    lo = c
    if left:
        lo = low
        under = grid.down(c)
        prev_ask = book.highest_ask_to(under)
        if prev_ask is not None and prev_ask > lo:
            lo = prev_ask
        prev_bid = book.highest_bid_below(under)
        if prev_bid is not None and grid.up(prev_bid) > lo:
            lo = grid.up(prev_bid)
    e = grid.closest(lo, hi, reference)
    return Equilibrium(e, volume, left_imbalance if e < c else right_imbalance)
