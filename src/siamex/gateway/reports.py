"""What the exchange tells a member about its orders, before any protocol dresses it.

The FIX application maps each report to an ExecutionReport or OrderCancelReject (docs/fix.md);
the web API (issue 11) to JSON. A report is addressed to an order-routing system (`ors`): the
one a request came through for its answer, the one the order was entered through for what
happens to it later (fills, expiry, a kill switch).
"""

from __future__ import annotations

from enum import Enum

import msgspec

from siamex.trading.enums import OrderType, Side, Validity

__all__ = ["ExecKind", "OrderReport", "OrderStatus", "Report", "RequestRejected", "average_price"]


class ExecKind(Enum):
    """What happened (FIX ExecType)."""

    NEW = "new"
    REJECTED = "rejected"
    TRADE = "trade"
    REPLACED = "replaced"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    STATUS = "status"


class OrderStatus(Enum):
    """Where the order stands after it (FIX OrdStatus)."""

    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REJECTED = "rejected"


class OrderReport(msgspec.Struct, frozen=True):
    """An order's state after something happened to it (or a refused new order).

    `order_no` is the exchange's order number (None for an order refused before the book);
    `qty` the order's total, `cum_qty` and `cum_value` (satang-shares) what traded so far,
    `leaves` what rests; `last_qty`/`last_price`/`trade_no` the fill of a TRADE report;
    `code` the refusal or cancel reason; `position_effect` a derivatives order's "open" or
    "close" (the one the engine booked, which is "open" when the order named none), None for
    an equity order.
    """

    ns: int
    ors: str
    member: str
    trader: str
    account: str
    kind: ExecKind
    status: OrderStatus
    clordid: str
    orig_clordid: str | None
    order_no: int | None
    symbol: str
    side: Side
    type: OrderType
    validity: Validity
    qty: int
    price: int | None
    cum_qty: int
    cum_value: int
    leaves: int
    last_qty: int = 0
    last_price: int | None = None
    trade_no: int | None = None
    code: str | None = None
    text: str = ""
    position_effect: str | None = None


class RequestRejected(msgspec.Struct, frozen=True):
    """A cancel or replace request refused (FIX OrderCancelReject); `status` is the order's
    status when it is known to the requester, None when the order is unknown or not theirs."""

    ns: int
    ors: str
    member: str
    trader: str
    clordid: str
    orig_clordid: str
    order_no: int | None
    status: OrderStatus | None
    replace: bool
    code: str
    text: str


Report = OrderReport | RequestRejected


def average_price(cum_value: int, cum_qty: int) -> str:
    """The average price of the fills so far in baht, exact to 0.0001 satang (truncated): the
    one form FIX's AvgPx and the web API both show ("0" before the first fill)."""
    if not cum_qty:
        return "0"
    whole, rest = divmod(cum_value * 10_000 // cum_qty, 1_000_000)
    return f"{whole}.{rest:06d}".rstrip("0").rstrip(".")
