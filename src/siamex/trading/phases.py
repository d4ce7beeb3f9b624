"""The trading phases of a security and what each accepts (set-trading-rules.md 1, 1.1, 4.1-4.2).

    CLOSED -09:30-> PRE_OPEN_1 -T1 auction-> OPEN_1 -12:30-> INTERMISSION -13:30-> PRE_OPEN_2
    -T2 auction-> OPEN_2 -16:30-> PRE_CLOSE -T3 auction-> OFF_HOUR -17:00-> CLOSED

A pre-open collects limit orders and ATO (pre-close: ATC) for its auction, board lots only; the
continuous phases take limit and market orders, FAK and FOK among them, and run the odd-lot
board; the intermission, the off-hour session and CLOSED take cancels only (decision T7; trade
reports in the off-hour session are not orders).
"""

from __future__ import annotations

from typing import NamedTuple

from siamex.trading.enums import OrderType, Phase, Validity

__all__ = ["ACCEPTS", "TRANSITIONS", "Accepts", "Trigger"]


class Trigger(NamedTuple):
    """A scheduled change: the rulebook time (or auction) that causes it and the auction it runs."""

    at: str
    auction: str | None


class Accepts:
    """What a phase lets members do, and whether orders match at once or wait for an auction."""

    __slots__ = ("amend", "call", "continuous", "odd_lot", "orders", "types", "validities")

    def __init__(self, orders: bool, types: frozenset[OrderType],
                 validities: frozenset[Validity], *, odd_lot: bool, amend: bool,
                 continuous: bool = False, call: bool = False) -> None:
        self.orders = orders
        self.types = types
        self.validities = validities
        self.odd_lot = odd_lot
        self.amend = amend
        self.continuous = continuous
        self.call = call


_DAYLONG = frozenset({Validity.DAY, Validity.GTC, Validity.GTD})
_ALL_VALIDITIES = frozenset(Validity)
_NOTHING = Accepts(False, frozenset(), frozenset(), odd_lot=False, amend=False)
_OPENING = Accepts(True, frozenset({OrderType.LIMIT, OrderType.ATO}), _DAYLONG, odd_lot=False,
                   amend=True, call=True)
_CLOSING = Accepts(True, frozenset({OrderType.LIMIT, OrderType.ATC}), _DAYLONG, odd_lot=False,
                   amend=True, call=True)
_CONTINUOUS = Accepts(True, frozenset({OrderType.LIMIT, OrderType.MP_MKT, OrderType.MP_MTL}),
                      _ALL_VALIDITIES, odd_lot=True, amend=True, continuous=True)

ACCEPTS: dict[Phase, Accepts] = {
    Phase.CLOSED: _NOTHING,
    Phase.PRE_OPEN_1: _OPENING,
    Phase.OPEN_1: _CONTINUOUS,
    Phase.INTERMISSION: _NOTHING,
    Phase.PRE_OPEN_2: _OPENING,
    Phase.OPEN_2: _CONTINUOUS,
    Phase.PRE_CLOSE: _CLOSING,
    Phase.OFF_HOUR: _NOTHING,
}

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
