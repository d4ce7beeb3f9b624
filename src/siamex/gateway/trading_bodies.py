"""The web API's trading bodies: JSON in, the same entry commands FIX makes; reports out.

A trader's order over HTTP becomes the `OrderEntry`, `OrderReplace` or `OrderCancel` that a FIX
NewOrderSingle, OrderCancelReplaceRequest or OrderCancelRequest becomes (siamex.gateway.fix.
orders), with `channel` "http", so the registry, the pre-trade risk checks and the engine judge
it exactly as they judge FIX, and refuse it with the same codes. What the JSON cannot hold wrong
is checked here, as FIX's field checks are (docs/web-api.md): ids of 1-64 printable ASCII
characters, whole positive quantities, prices as decimal strings (never a JSON number, which
would be a float), a price for limit orders only and an expiry date for GTD only, and a
position effect that is "open" or "close" (whether the order may carry one, a TFEX series'
and not a share's, is the engine's rule, refused as over FIX).
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

import msgspec

from siamex.gateway.entry import OrderCancel, OrderEntry, OrderReplace
from siamex.gateway.operations_bodies import BadRequest
from siamex.gateway.reports import OrderReport, RequestRejected, average_price
from siamex.trading.enums import OrderType, Side, Validity
from siamex.units import InvalidValue, format_price, parse_date, parse_price

__all__ = ["AmendBody", "CancelBody", "LogonBody", "OrderBody", "amend_command",
           "cancel_command", "entry_command", "order_json", "rejected_json"]

_Id = Annotated[str, msgspec.Meta(pattern=r"^[\x21-\x7e]{1,64}$",
                                  description="1-64 printable ASCII characters, no spaces")]
_Qty = Annotated[int, msgspec.Meta(ge=1, le=10**15 - 1, description="shares, whole")]
_Price = Annotated[str, msgspec.Meta(
    pattern=r"^([1-9][0-9]{0,11}(\.[0-9]{1,2})?|0\.(0[1-9]|[1-9][0-9]?))$", examples=["12.50"],
    description="baht as a decimal string, positive, at most 2 places")]
_Date = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                                    examples=["2026-12-31"], description="YYYY-MM-DD")]
_Text = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
_Effect = Annotated[Literal["open", "close"], msgspec.Meta(
    description="a TFEX order's position effect (FIX PositionEffect 77); none: open")]
_PRICED: Final = frozenset({OrderType.LIMIT})


class LogonBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A trader logs on through an order-routing system's HTTP credentials."""

    username: _Text
    password: _Text
    trader: _Id


class OrderBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new order, field for field a FIX NewOrderSingle (docs/fix.md)."""

    clordid: _Id
    account: _Id
    symbol: _Id
    side: Side
    qty: _Qty
    type: OrderType = OrderType.LIMIT
    price: _Price | None = None
    validity: Validity = Validity.DAY
    expire_date: _Date | None = None
    published_qty: _Qty | None = None
    short: bool = False
    nvdr: bool = False
    cash_balance: bool = False
    client_type: _Id | None = None
    smp_id: _Id | None = None
    position_effect: _Effect | None = None


class AmendBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A change of a live order's total quantity and/or price: `orig_clordid` names the order
    by any id of its chain, `clordid` is the request's own new id (FIX ClOrdID chaining)."""

    orig_clordid: _Id
    clordid: _Id
    qty: _Qty | None = None
    price: _Price | None = None


class CancelBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A cancel of a live order's remainder, named as an amend names it."""

    orig_clordid: _Id
    clordid: _Id


def _price(text: str) -> int:
    try:
        price = parse_price(text)
    except InvalidValue as exc:
        raise BadRequest(f"price: {exc}") from None
    if price <= 0:
        raise BadRequest("price: must be positive")
    return price


def entry_command(body: OrderBody, ors: str, trader: str) -> OrderEntry:
    """The entry a FIX NewOrderSingle with these fields would be (the sequencer stamps the
    time)."""
    if body.type in _PRICED and body.price is None:
        raise BadRequest("price: a limit order needs one")
    if body.type not in _PRICED and body.price is not None:
        raise BadRequest("price: for limit orders only")
    if (body.validity is Validity.GTD) != (body.expire_date is not None):
        raise BadRequest("expire_date: given for GTD orders, and for them only")
    if body.expire_date is not None:
        try:
            parse_date(body.expire_date)
        except InvalidValue as exc:
            raise BadRequest(f"expire_date: {exc}") from None
    return OrderEntry(0, 0, "http", ors, trader, body.clordid, body.account, body.symbol,
                      body.side, body.qty, body.type,
                      _price(body.price) if body.price is not None else None, body.validity,
                      body.expire_date, body.published_qty, body.short, body.nvdr,
                      body.cash_balance, body.client_type, body.smp_id,
                      position_effect=body.position_effect)


def amend_command(body: AmendBody, ors: str, trader: str) -> OrderReplace:
    """The request a FIX OrderCancelReplaceRequest would be."""
    if body.qty is None and body.price is None:
        raise BadRequest("give qty, price or both")
    price = _price(body.price) if body.price is not None else None
    return OrderReplace(0, 0, "http", ors, trader, body.clordid, body.orig_clordid, body.qty,
                        price)


def cancel_command(body: CancelBody, ors: str, trader: str) -> OrderCancel:
    """The request a FIX OrderCancelRequest would be."""
    return OrderCancel(0, 0, "http", ors, trader, body.clordid, body.orig_clordid)


def _baht(satang: int | None) -> str | None:
    return None if satang is None else format_price(satang)


def order_json(report: OrderReport) -> dict[str, Any]:
    """An order's state after a report, as the web API shows it: prices in baht as decimal
    strings, `avg_price` as FIX's AvgPx, no float anywhere."""
    return {"time_ns": report.ns, "kind": report.kind.value, "status": report.status.value,
            "clordid": report.clordid, "orig_clordid": report.orig_clordid,
            "order_no": report.order_no, "trader": report.trader, "account": report.account,
            "symbol": report.symbol, "side": report.side.value, "type": report.type.value,
            "validity": report.validity.value, "qty": report.qty,
            "price": _baht(report.price), "cum_qty": report.cum_qty,
            "avg_price": average_price(report.cum_value, report.cum_qty), "leaves": report.leaves,
            "last_qty": report.last_qty, "last_price": _baht(report.last_price),
            "trade_no": report.trade_no, "code": report.code, "text": report.text,
            "position_effect": report.position_effect}


def rejected_json(report: RequestRejected) -> dict[str, Any]:
    """A refused amend or cancel: the order it named, as far as the requester may know it."""
    return {"time_ns": report.ns, "clordid": report.clordid,
            "orig_clordid": report.orig_clordid, "order_no": report.order_no,
            "status": report.status.value if report.status is not None else None,
            "replace": report.replace, "code": report.code, "text": report.text}
