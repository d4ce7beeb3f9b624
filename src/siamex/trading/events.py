"""Events: what the engine reports, as immutable typed messages in sequence order.

Prices are satang, quantities shares, `ts` microseconds (see siamex.units). The scenario
output (siamex.scenario.output) turns them into the JSON lines of scenario-format.md.
"""

from __future__ import annotations

import msgspec

from siamex.trading.enums import Board, OrderType, Phase, Side, Validity
from siamex.trading.rejects import CancelReason, Reject

__all__ = [
    "Accepted",
    "Amended",
    "AuctionResult",
    "Cancelled",
    "DayClose",
    "DayStarted",
    "Event",
    "IndexValue",
    "Indicative",
    "PhaseChanged",
    "PriceLimitsSet",
    "Rejected",
    "StatusChanged",
    "Trade",
    "TradeReportPending",
]


class DayStarted(msgspec.Struct, frozen=True, gc=False):
    """`market` is "set" for a day of securities, "tfex" for a day of TFEX series."""

    ts: int
    date: str
    market: str = "set"


class PriceLimitsSet(msgspec.Struct, frozen=True, gc=False):
    ts: int
    symbol: str
    ceiling: int
    floor: int
    prev_close: int | None


class PhaseChanged(msgspec.Struct, frozen=True, gc=False):
    """`symbol` is "*" when every security changes phase together."""

    ts: int
    symbol: str
    phase: Phase


class Accepted(msgspec.Struct, frozen=True, gc=False):
    """`effect` is a derivatives order's open/close flag, "" for an equity order."""

    ts: int
    id: str
    order_no: int
    symbol: str
    side: Side
    type: OrderType
    validity: Validity
    board: Board
    qty: int
    price: int | None
    member: str
    account: str
    effect: str = ""


class Rejected(msgspec.Struct, frozen=True, gc=False):
    ts: int
    id: str
    reason: Reject
    text: str


class Amended(msgspec.Struct, frozen=True, gc=False):
    ts: int
    id: str
    order_no: int
    symbol: str
    qty: int
    remaining: int
    price: int | None
    priority_kept: bool


class Cancelled(msgspec.Struct, frozen=True, gc=False):
    """`reason` is None for a cancel the member asked for."""

    ts: int
    id: str
    order_no: int
    symbol: str
    qty: int
    reason: CancelReason | None


class Trade(msgspec.Struct, frozen=True, gc=False):
    """`aggressor` is "buy", "sell", "auction" or "trade_report" (whose `board` then tells
    the off-hour, big-lot or foreign board, so clearing can tell it from auto-matched trades).
    `buy_effect` and `sell_effect` are a derivatives trade's open/close flags ("" for equities)."""

    ts: int
    trade_no: int
    symbol: str
    board: Board
    price: int
    qty: int
    aggressor: str
    buy_id: str
    sell_id: str
    buy_order_no: int
    sell_order_no: int
    buy_member: str
    buy_account: str
    sell_member: str
    sell_account: str
    buy_effect: str = ""
    sell_effect: str = ""


class AuctionResult(msgspec.Struct, frozen=True, gc=False):
    """The uncross of a call auction; `price` None when nothing crosses."""

    ts: int
    symbol: str
    session: str
    price: int | None
    qty: int
    imbalance: int
    reference: int


class Indicative(msgspec.Struct, frozen=True, gc=False):
    """The indicative equilibrium price while a pre-open runs (ITCH 'Z'); None: no cross."""

    ts: int
    symbol: str
    price: int | None
    qty: int
    imbalance: int


class DayClose(msgspec.Struct, frozen=True, gc=False):
    """The day's statistics of a security's main board after the closing auction.

    `close` and `average` are None when it did not trade; `value` is in satang-shares
    (price in satang times shares), so the average is exact until it is rounded for display.
    A TFEX series reports one for its day session and one for its night session, which opens
    the next trading day (`session` "day" or "night"; "" for a security).
    """

    ts: int
    symbol: str
    open: int | None
    high: int | None
    low: int | None
    close: int | None
    volume: int
    value: int
    trades: int
    session: str = ""


class StatusChanged(msgspec.Struct, frozen=True, gc=False):
    """A change of a security's (or, `symbol` "*", the market's) trading status.

    `what` names it: `sign` (`value` the sign, `on` posted or removed), `halt`, `suspend`,
    `resume`, `circuit_breaker` (`value` the level), `dynamic_price_band` (`value` the price
    that would have traded), `auto_pause` (`value` the side), `surveillance_level`,
    `surveillance_pause`. `until` is when the halt or pause is due to end, if known.
    """

    ts: int
    symbol: str
    what: str
    value: str | None = None
    on: bool = True
    until: int | None = None


class IndexValue(msgspec.Struct, frozen=True, gc=False):
    """An index value (hundredths of a point) after the trades of one command or auction."""

    ts: int
    name: str
    value: int


class TradeReportPending(msgspec.Struct, frozen=True, gc=False):
    """A two-firm trade report waiting for the buying member's confirmation."""

    ts: int
    id: str
    symbol: str
    board: Board
    qty: int
    price: int
    sell_member: str
    buy_member: str


Event = (
    DayStarted | PriceLimitsSet | PhaseChanged | Accepted | Rejected | Amended | Cancelled
    | Trade | AuctionResult | Indicative | DayClose | StatusChanged | IndexValue
    | TradeReportPending
)
