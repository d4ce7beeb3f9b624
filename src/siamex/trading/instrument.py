"""A security's state for the trading day: reference data, limits, books, phase and statistics."""

from __future__ import annotations

from siamex.rulebook.limits import PriceLimits
from siamex.rulebook.schedule import AuctionInstants
from siamex.rulebook.ticks import TickScale
from siamex.trading.book import Book
from siamex.trading.enums import Phase
from siamex.trading.equilibrium import Grid
from siamex.trading.index import Index
from siamex.trading.phases import ACCEPTS, CONTINUOUS_PHASES, Accepts

__all__ = ["Instrument", "Step", "Timetable"]

Step = tuple[Phase, str, str]
"""A scheduled step of a security with its own timetable: the phase it enters, the auction it
runs first ("" for none), and the session whose trading day it ends ("" for none): its
statistics close and its Day orders expire."""

Timetable = dict[tuple[int, Phase], Step]
"""A security's own schedule, keyed by the step's due time and the phase it leaves."""


class Instrument:
    """One security on one day.

    `grid` holds the auction's candidate prices, every valid tick from one tick below the floor
    to one tick above the ceiling (decision T1); when they lie in one row of the tick table its
    `tick` also makes the price check an integer test.
    Statistics cover the main board's auto-matched trades, auctions included (T19, T20).

    `session` is where the day's schedule stands for the security; `phase` is what applies,
    which differs while it is held (siamex.trading.day): `stop` names a stop (SP, H, P),
    `halt` a temporary hold (CB, AUTO_PAUSE, DPB, RESUME) whose current step is `step_phase`
    and whose next step is due at `step_due` (0: when the session ends).
    The market-integrity fields are set by siamex.trading.listing from the day's reference data;
    `short_ban` is the day's `short_sale_ban` regime (6.4), kept here for the short-sale check.
    `timetable` is empty for a security that follows the SET schedule; a TFEX series follows
    its product's sessions (siamex.trading.series_listing), and its `multiplier` is its
    contract's THB per point (1 for a security: a share's price is its value).
    """

    __slots__ = (
        "accepts",
        "auction_only",
        "board",
        "book",
        "cash_only",
        "ceiling",
        "dpb",
        "first_day",
        "floor",
        "foreign_underlying",
        "grid",
        "halt",
        "hft_ok",
        "high",
        "index_price",
        "indices",
        "instants",
        "ipo_price",
        "kind",
        "last_price",
        "listed_shares",
        "lot",
        "low",
        "market_makers",
        "max_qty",
        "multiplier",
        "odd",
        "open",
        "pause_day",
        "pause_threshold",
        "paused_today",
        "phase",
        "prev_close",
        "scale",
        "session",
        "short_ban",
        "short_cap",
        "short_eligible",
        "short_exposure",
        "signs",
        "step_due",
        "step_phase",
        "stop",
        "surveillance_level",
        "symbol",
        "timetable",
        "trades",
        "uptick",
        "value",
        "volume",
    )

    def __init__(
        self,
        symbol: str,
        kind: str,
        board: str,
        lot: int,
        listed_shares: int,
        scale: TickScale,
        limits: PriceLimits,
        prev_close: int | None,
        ipo_price: int | None,
        instants: AuctionInstants,
        allowance: int,
        odd_lot_board: bool,
        max_qty: int,
    ) -> None:
        self.symbol = symbol
        self.max_qty = max_qty
        self.kind = kind
        self.board = board
        self.lot = lot
        self.listed_shares = listed_shares
        self.scale = scale
        self.ceiling = limits.ceiling
        self.floor = limits.floor
        self.prev_close = prev_close
        self.ipo_price = ipo_price
        self.first_day = prev_close is None
        self.instants = instants
        self.book = Book()
        self.odd: Book | None = Book() if odd_lot_board else None
        low = limits.floor
        for _ in range(allowance):
            below = scale.next_down(low)
            if below <= 0:
                break
            low = below
        high = limits.ceiling
        for _ in range(allowance):
            high = scale.next_up(high)
        self.grid = Grid(scale, low, high)
        self.phase = Phase.CLOSED
        self.session = Phase.CLOSED
        self.accepts: Accepts = ACCEPTS[Phase.CLOSED]
        self.halt = ""
        self.step_due = 0
        self.step_phase = Phase.CLOSED
        self.stop = ""
        self.pause_day = False
        self.signs: frozenset[str] = frozenset()
        self.surveillance_level = 0
        self.auction_only = False
        self.cash_only = False
        self.short_eligible = False
        self.short_ban = "none"
        self.short_exposure = 0
        self.short_cap = 0
        self.uptick = True
        self.market_makers: frozenset[str] = frozenset()
        self.dpb = False
        self.pause_threshold = 0
        self.paused_today = False
        self.foreign_underlying = False
        self.hft_ok = False
        self.multiplier = 1
        self.timetable: Timetable = {}
        self.indices: list[Index] = []
        self.index_price = 0
        self.last_price = 0
        self.open = 0
        self.high = 0
        self.low = 0
        self.volume = 0
        self.value = 0
        self.trades = 0

    def enter(self, phase: Phase) -> None:
        """Move to a phase, and to what it accepts."""
        self.phase = phase
        self.accepts = ACCEPTS[phase]

    def scheduled_phase(self) -> Phase:
        """Return the phase the schedule gives: an auction-only security has no continuous
        sessions, only periods without matching between its auctions (T22)."""
        if self.auction_only and self.session in CONTINUOUS_PHASES:
            return Phase.NO_MATCHING
        return self.session

    def priced(self, price: int) -> bool:
        """Tell whether a price is one the day trades at: on the tick grid (3.2), within the
        floor and ceiling (3.3)."""
        if price < self.floor or price > self.ceiling:
            return False
        tick = self.grid.tick
        if tick:
            return not price % tick
        return self.scale.is_valid(price)

    def reference(self) -> int:
        """Return the auction reference price (decision T3)."""
        if self.last_price:
            return self.last_price
        if self.prev_close is not None:
            return self.prev_close
        assert self.ipo_price is not None
        return self.ipo_price

    def reset_statistics(self) -> None:
        """Start a new trading day's statistics; the last price stays the auctions' reference
        (a TFEX series' night session opens the next trading day, decision 111)."""
        self.open = self.high = self.low = 0
        self.volume = self.value = self.trades = 0

    def record_trade(self, price: int, qty: int) -> None:
        """Count a main-board auto-matched trade in the day's statistics."""
        if not self.open:
            self.open = self.high = self.low = price
        elif price > self.high:
            self.high = price
        elif price < self.low:
            self.low = price
        self.last_price = price
        self.volume += qty
        self.value += price * qty
        self.trades += 1
