"""The trading phases of a security and what each accepts (set-trading-rules.md 1, 1.1, 4.1-4.2).

    CLOSED -09:30-> PRE_OPEN_1 -T1 auction-> OPEN_1 -12:30-> INTERMISSION -13:30-> PRE_OPEN_2
    -T2 auction-> OPEN_2 -16:30-> PRE_CLOSE -T3 auction-> OFF_HOUR -17:00-> CLOSED

A pre-open collects limit orders and ATO (pre-close: ATC) for its auction, board lots only; the
continuous phases take limit and market orders, FAK and FOK among them, and run the odd-lot
board; the intermission, the off-hour session and CLOSED take cancels only (decision T7; trade
reports in the off-hour session are not orders).

Over the schedule a security may stand in a phase of its own (set-trading-rules.md 1.1,
overlays): HALTED (H, SP, circuit breaker: cancels only, T8), PAUSED (Auto Pause and the P
sign: amends and cancels, 6.3), NO_MATCHING (the continuous sessions of an auction-only
security: amends and cancels, T22) and PRE_OPEN (the pre-open that ends a halt, a pause or a
Dynamic Price Band trigger: limit orders for the auction that resumes trading, T9).
"""

from __future__ import annotations

from typing import Final, NamedTuple

from siamex.trading.enums import OrderType, Phase
from siamex.trading.rejects import Reject

__all__ = ["ACCEPTS", "CONTINUOUS_PHASES", "TRANSITIONS", "Accepts", "Trigger"]


class Trigger(NamedTuple):
    """A scheduled change: the rulebook time (or auction) that causes it and the auction it runs."""

    at: str
    auction: str | None


class Accepts:
    """What a phase lets members do, and whether orders match at once or wait for an auction.

    Limit orders, and the Day, GTC and GTD validities, go with every phase that takes orders;
    the flags say which other types and validities a phase takes. `refusal` is the code a new
    order earns where the phase takes none.
    """

    __slots__ = (
        "amend",
        "atc",
        "ato",
        "call",
        "continuous",
        "immediate",
        "market",
        "odd_lot",
        "orders",
        "refusal",
    )

    def __init__(self, orders: bool, *, amend: bool = False, ato: bool = False,
                 atc: bool = False, market: bool = False, immediate: bool = False,
                 odd_lot: bool = False, continuous: bool = False, call: bool = False,
                 refusal: Reject = Reject.MARKET_CLOSED) -> None:
        self.refusal = refusal
        self.orders = orders
        self.amend = amend
        self.ato = ato
        self.atc = atc
        self.market = market
        self.immediate = immediate
        self.odd_lot = odd_lot
        self.continuous = continuous
        self.call = call

    def takes(self, kind: OrderType) -> bool:
        """Tell whether the phase takes orders of this type."""
        if kind is _ATO:
            return self.ato
        if kind is _ATC:
            return self.atc
        if kind is _LIMIT:
            return self.orders
        return self.market


_LIMIT: Final = OrderType.LIMIT
_ATO: Final = OrderType.ATO
_ATC: Final = OrderType.ATC
_NOTHING = Accepts(False)
_OPENING = Accepts(True, amend=True, ato=True, call=True)
_CLOSING = Accepts(True, amend=True, atc=True, call=True)
_CONTINUOUS = Accepts(True, amend=True, market=True, immediate=True, odd_lot=True,
                      continuous=True)
_HALTED = Accepts(False, refusal=Reject.HALTED)
_PAUSED = Accepts(False, amend=True, refusal=Reject.HALTED)
_NO_MATCHING = Accepts(False, amend=True, refusal=Reject.NO_MATCHING_PERIOD)
_RESUMING = Accepts(True, amend=True, call=True)

ACCEPTS: dict[Phase, Accepts] = {
    Phase.CLOSED: _NOTHING,
    Phase.PRE_OPEN_1: _OPENING,
    Phase.OPEN_1: _CONTINUOUS,
    Phase.INTERMISSION: _NOTHING,
    Phase.PRE_OPEN_2: _OPENING,
    Phase.OPEN_2: _CONTINUOUS,
    Phase.PRE_CLOSE: _CLOSING,
    Phase.OFF_HOUR: _NOTHING,
    Phase.HALTED: _HALTED,
    Phase.PAUSED: _PAUSED,
    Phase.NO_MATCHING: _NO_MATCHING,
    Phase.PRE_OPEN: _RESUMING,
}

CONTINUOUS_PHASES = frozenset({Phase.OPEN_1, Phase.OPEN_2})
"""The scheduled continuous sessions: a halt that ends in one resumes through a pre-open."""

TRANSITIONS: dict[Phase, tuple[Trigger, Phase]] = {
    Phase.CLOSED: (Trigger("pre_open_1_start", None), Phase.PRE_OPEN_1),
    Phase.PRE_OPEN_1: (Trigger("open1", "open1"), Phase.OPEN_1),
    Phase.OPEN_1: (Trigger("intermission_start", None), Phase.INTERMISSION),
    Phase.INTERMISSION: (Trigger("pre_open_2_start", None), Phase.PRE_OPEN_2),
    Phase.PRE_OPEN_2: (Trigger("open2", "open2"), Phase.OPEN_2),
    Phase.OPEN_2: (Trigger("pre_close_start", None), Phase.PRE_CLOSE),
    Phase.PRE_CLOSE: (Trigger("close", "close"), Phase.OFF_HOUR),
    Phase.OFF_HOUR: (Trigger("off_hour_end", None), Phase.CLOSED),
}
