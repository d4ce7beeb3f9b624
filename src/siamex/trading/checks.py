"""The exchange-side checks on an order or an amend, each returning the reject it earns.

Order of checks (the first failure is reported): the message itself, then the phase, then the
order type and validity, then size, then price. Each check cites its rule.
"""

from __future__ import annotations

import datetime as dt

from siamex.rulebook.parameters import Rulebook
from siamex.trading.commands import AmendOrder, NewOrder
from siamex.trading.enums import OrderType, Validity
from siamex.trading.instrument import Instrument
from siamex.trading.order import Order
from siamex.trading.rejects import Reject
from siamex.units import format_price

__all__ = ["Failure", "check_amend", "check_new", "check_price", "expire_day"]

Failure = tuple[Reject, str]

_ODD_LOT_VALIDITIES = frozenset({Validity.DAY, Validity.FAK, Validity.FOK})
_RESTING_VALIDITIES = frozenset({Validity.DAY, Validity.GTC, Validity.GTD})
_IMMEDIATE_TYPES = frozenset({OrderType.MP_MKT})
_AUCTION_TYPES = frozenset({OrderType.ATO, OrderType.ATC})


def check_price(inst: Instrument, price: int, odd_lot: bool) -> Failure | None:
    """Check a limit price: on the tick grid (3.2), within ceiling and floor (3.3)."""
    book = inst.odd if odd_lot and inst.odd is not None else inst.book
    if price in book.index:
        return None
    if not inst.scale.is_valid(price):
        tick = inst.scale.tick_at(max(price, 1))
        return Reject.TICK_SIZE, (
            f"price {format_price(price)} is not a multiple of the {format_price(tick)} tick"
        )
    return Reject.PRICE_LIMIT, (
        f"price {format_price(price)} is outside the floor {format_price(inst.floor)} and "
        f"ceiling {format_price(inst.ceiling)}"
    )


def _check_size(rules: Rulebook, inst: Instrument, qty: int, odd_lot: bool) -> Failure | None:
    if odd_lot:
        return None
    if qty % inst.lot:  # 3.1: a main-board order is whole board lots
        return Reject.BOARD_LOT, (
            f"quantity {qty} is neither an odd lot (below {inst.lot}) nor a multiple of the "
            f"board lot {inst.lot}"
        )
    if qty > rules.max_order_qty:  # 3.1, T24
        return Reject.MAX_ORDER_QTY, f"quantity {qty} exceeds the maximum {rules.max_order_qty}"
    return None


def expire_day(rules: Rulebook, today: dt.date, cmd: NewOrder) -> tuple[int, Failure | None]:
    """Return the last day (as a date ordinal) a GTC/GTD order lives, or its failure (T18)."""
    last = today + dt.timedelta(days=rules.max_order_days)
    if cmd.validity is Validity.GTC:
        return last.toordinal(), None
    if cmd.expire_date is None:
        return 0, (Reject.INVALID, "a GTD order needs expire_date")
    try:
        until = dt.date.fromisoformat(cmd.expire_date)
    except ValueError:
        return 0, (Reject.INVALID, f"expire_date {cmd.expire_date!r} is not YYYY-MM-DD")
    if not today <= until <= last:
        return 0, (Reject.INVALID, (
            f"expire_date {until.isoformat()} must lie from {today.isoformat()} to "
            f"{last.isoformat()} ({rules.max_order_days} days)"
        ))
    return until.toordinal(), None


def check_new(rules: Rulebook, inst: Instrument, cmd: NewOrder) -> Failure | None:
    """Check a new order against the phase, type, size and price rules."""
    qty, kind = cmd.qty, cmd.type
    if qty <= 0:
        return Reject.INVALID, f"quantity must be positive, got {qty}"
    if (kind is OrderType.LIMIT) != (cmd.price is not None):
        return Reject.INVALID, ("a limit order needs a price" if kind is OrderType.LIMIT
                                else f"an {kind.value} order takes no price")
    if (cmd.validity is Validity.GTD) != (cmd.expire_date is not None):
        return Reject.INVALID, "expire_date goes with a GTD order, and only with one"
    accepts = inst.accepts
    if not accepts.orders:  # 1, T7
        return Reject.MARKET_CLOSED, f"{inst.symbol} takes no new orders in {inst.phase.value}"
    odd_lot = qty < inst.lot
    if odd_lot:  # T19
        if inst.odd is None:
            return Reject.BOARD_LOT, f"{inst.symbol} has no odd-lot board (kind {inst.kind})"
        if not accepts.odd_lot:
            return Reject.MARKET_CLOSED, "the odd-lot board trades in the continuous sessions only"
        if kind is not OrderType.LIMIT or cmd.validity not in _ODD_LOT_VALIDITIES:
            return Reject.ORDER_TYPE_NOT_ALLOWED, "odd-lot orders are limit Day, FAK or FOK only"
        if cmd.published_qty is not None:
            return Reject.ORDER_TYPE_NOT_ALLOWED, "an odd-lot order cannot be an iceberg"
    if kind not in accepts.types:  # 4.1: ATO in the pre-opens, ATC in the pre-close only
        return Reject.ORDER_TYPE_NOT_ALLOWED, (
            f"{kind.value} orders are not accepted in {inst.phase.value}"
        )
    if cmd.validity not in accepts.validities:  # 4.2: FAK/FOK in the continuous sessions only
        return Reject.ORDER_TYPE_NOT_ALLOWED, (
            f"{cmd.validity.value} orders are not accepted in {inst.phase.value}"
        )
    if kind in _AUCTION_TYPES and cmd.validity is not Validity.DAY:
        return Reject.ORDER_TYPE_NOT_ALLOWED, f"{kind.value} orders are Day orders"
    if kind in _IMMEDIATE_TYPES and cmd.validity not in _ODD_LOT_VALIDITIES:
        return Reject.ORDER_TYPE_NOT_ALLOWED, "an MP-MKT order never rests: Day, FAK or FOK"
    failure = _check_size(rules, inst, qty, odd_lot)
    if failure is not None:
        return failure
    if cmd.published_qty is not None:
        failure = _check_iceberg(rules, inst, cmd)
        if failure is not None:
            return failure
    if cmd.price is not None:
        return check_price(inst, cmd.price, odd_lot)
    return None


def _check_iceberg(rules: Rulebook, inst: Instrument, cmd: NewOrder) -> Failure | None:
    published = cmd.published_qty
    assert published is not None
    if cmd.type is not OrderType.LIMIT or cmd.validity not in _RESTING_VALIDITIES:
        return Reject.ORDER_TYPE_NOT_ALLOWED, "an iceberg is a limit Day, GTC or GTD order"
    smallest = rules.iceberg_min_published_lots * inst.lot
    if published % inst.lot or published < smallest:  # T17
        return Reject.BOARD_LOT, (
            f"published quantity {published} must be whole board lots of {inst.lot}, "
            f"at least {smallest}"
        )
    if published >= cmd.qty:
        return Reject.INVALID, "published quantity must be less than the order quantity"
    return None


def check_amend(rules: Rulebook, inst: Instrument, order: Order, cmd: AmendOrder) -> Failure | None:
    """Check an amend: allowed in the phase, no change of type or side, new size and price (T16)."""
    accepts = inst.accepts
    if not accepts.amend or (order.odd_lot and not accepts.odd_lot):  # T7
        return Reject.MARKET_CLOSED, f"{inst.symbol} takes no amends in {inst.phase.value}"
    if cmd.qty is None and cmd.price is None:
        return Reject.INVALID, "an amend needs a new qty or price"
    if (cmd.type is not None and cmd.type is not order.type) or (
            cmd.side is not None and cmd.side is not order.side):  # 4.4, T16
        return Reject.AMEND_NOT_ALLOWED, "an amend cannot change the order type or side"
    if cmd.price is not None and order.type is not OrderType.LIMIT:
        return Reject.AMEND_NOT_ALLOWED, f"an {order.type.value} order has no price to amend"
    if cmd.qty is not None:
        if cmd.qty <= 0:
            return Reject.INVALID, f"quantity must be positive, got {cmd.qty}"
        if cmd.qty <= order.filled:
            return Reject.AMEND_NOT_ALLOWED, (
                f"new quantity {cmd.qty} must exceed the {order.filled} already filled"
            )
        if order.odd_lot and cmd.qty >= inst.lot:
            return Reject.BOARD_LOT, f"an odd-lot order stays below the board lot {inst.lot}"
        failure = _check_size(rules, inst, cmd.qty, order.odd_lot)
        if failure is not None:
            return failure
    if cmd.price is not None:
        return check_price(inst, cmd.price, order.odd_lot)
    return None
