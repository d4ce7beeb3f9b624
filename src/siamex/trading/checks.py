"""The exchange-side checks on an order or an amend, each returning the reject it earns.

Order of checks (the first failure is reported): the message itself, then the phase, then the
order type and validity, then size, then price. Each check cites its rule.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from siamex.rulebook.parameters import Rulebook
from siamex.trading.enums import OrderType, Side, Validity
from siamex.trading.instrument import Instrument
from siamex.trading.order import Order
from siamex.trading.rejects import Reject
from siamex.units import format_price, parse_date

__all__ = ["Failure", "check_amend", "check_hft", "check_new", "check_order",
           "check_position_effect", "check_price", "check_short", "check_short_amend",
           "expire_day"]

Failure = tuple[Reject, str]

_ODD_LOT_VALIDITIES: Final = frozenset({Validity.DAY, Validity.FAK, Validity.FOK})
_RESTING_VALIDITIES: Final = frozenset({Validity.DAY, Validity.GTC, Validity.GTD})
_ATO: Final = OrderType.ATO
_ATC: Final = OrderType.ATC
_FAK: Final = Validity.FAK
_FOK: Final = Validity.FOK
_LIMIT: Final = OrderType.LIMIT
_MP_MKT: Final = OrderType.MP_MKT
_DAY: Final = Validity.DAY
_GTC: Final = Validity.GTC
_GTD: Final = Validity.GTD
_INVALID: Final = Reject.INVALID
_MARKET_CLOSED: Final = Reject.MARKET_CLOSED
_BUY_SIDE: Final = Side.BUY
_NO_BAN: Final = "none"
_BAN_ALL: Final = "all"


def check_price(inst: Instrument, price: int, odd_lot: bool) -> Failure | None:
    """Check a limit price: on the tick grid (3.2), within ceiling and floor (3.3)."""
    if inst.priced(price):
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
    if qty > inst.max_qty:  # 3.1, T24
        return Reject.MAX_ORDER_QTY, f"quantity {qty} exceeds the maximum {inst.max_qty}"
    return None


def expire_day(rules: Rulebook, today: dt.date, validity: Validity,
               expire_date: str | None) -> tuple[int, Failure | None]:
    """Return the last day (as a date ordinal) a GTC/GTD order lives, or its failure (T18)."""
    last = today + dt.timedelta(days=rules.max_order_days)
    if validity is _GTC:
        return last.toordinal(), None
    if expire_date is None:
        return 0, (_INVALID, "a GTD order needs expire_date")
    try:
        until = parse_date(expire_date)  # decision 73: YYYY-MM-DD only
    except ValueError:
        return 0, (_INVALID, f"expire_date {expire_date!r} is not YYYY-MM-DD")
    if not today <= until <= last:
        return 0, (_INVALID, (
            f"expire_date {until.isoformat()} must lie from {today.isoformat()} to "
            f"{last.isoformat()} ({rules.max_order_days} days)"
        ))
    return until.toordinal(), None


def check_new(rules: Rulebook, inst: Instrument, qty: int, kind: OrderType, validity: Validity,
              price: int | None, expire_date: str | None,
              published: int | None) -> Failure | None:
    """Check a new order against the phase, type, size and price rules."""
    if qty <= 0:
        return _INVALID, f"quantity must be positive, got {qty}"
    if (kind is _LIMIT) != (price is not None):
        return _INVALID, ("a limit order needs a price" if kind is _LIMIT
                          else f"an {kind.value} order takes no price")
    if (validity is _GTD) != (expire_date is not None):
        return _INVALID, "expire_date goes with a GTD order, and only with one"
    accepts = inst.accepts
    if not accepts.orders:  # 1, T7, T8, T22
        return accepts.refusal, f"{inst.symbol} takes no new orders in {inst.phase.value}"
    odd_lot = qty < inst.lot
    if odd_lot:  # T19
        if inst.odd is None:
            return Reject.BOARD_LOT, f"{inst.symbol} has no odd-lot board (kind {inst.kind})"
        if not accepts.odd_lot:
            return _MARKET_CLOSED, "the odd-lot board trades in the continuous sessions only"
        if kind is not _LIMIT or validity not in _ODD_LOT_VALIDITIES:
            return Reject.ORDER_TYPE_NOT_ALLOWED, "odd-lot orders are limit Day, FAK or FOK only"
        if published is not None:
            return Reject.ORDER_TYPE_NOT_ALLOWED, "an odd-lot order cannot be an iceberg"
    if kind is not _LIMIT and not accepts.takes(kind):  # 4.1: ATO/ATC in their pre-opens only
        return Reject.ORDER_TYPE_NOT_ALLOWED, (
            f"{kind.value} orders are not accepted in {inst.phase.value}"
        )
    if (validity is _FAK or validity is _FOK) and not accepts.immediate:  # 4.2
        return Reject.ORDER_TYPE_NOT_ALLOWED, (
            f"{validity.value} orders are not accepted in {inst.phase.value}"
        )
    if (kind is _ATO or kind is _ATC) and validity is not _DAY:
        return Reject.ORDER_TYPE_NOT_ALLOWED, f"{kind.value} orders are Day orders"
    if kind is _MP_MKT and validity not in _ODD_LOT_VALIDITIES:
        return Reject.ORDER_TYPE_NOT_ALLOWED, "an MP-MKT order never rests: Day, FAK or FOK"
    failure = _check_size(rules, inst, qty, odd_lot)
    if failure is not None:
        return failure
    if published is not None:
        failure = _check_iceberg(rules, inst, qty, kind, validity, published)
        if failure is not None:
            return failure
    if price is not None:
        return check_price(inst, price, odd_lot)
    return None


def check_order(rules: Rulebook, inst: Instrument, hft_accounts: dict[str, bool], account: str,
                side: Side, qty: int, kind: OrderType, validity: Validity, price: int | None,
                expire_date: str | None, published: int | None, short: bool,
                cash_balance: bool) -> Failure | None:
    """Check a new order (`check_new`), then what its account may do: buy a cash-balance
    security (T21), trade as a high-frequency account (9), sell short (8, T13, T14)."""
    failure = check_new(rules, inst, qty, kind, validity, price, expire_date, published)
    if failure is not None:
        return failure
    if side is _BUY_SIDE and inst.cash_only and not cash_balance:  # T21
        return Reject.CASH_BALANCE_REQUIRED, (
            f"{inst.symbol} is bought only for cash-balance accounts")
    if hft_accounts:
        failure = check_hft(rules, inst, hft_accounts.get(account), side)
        if failure is not None:
            return failure
    if short:
        if side is _BUY_SIDE:  # 8.2: buying to cover is no short sale and has no price test
            return _INVALID, "only a sell order can be a short sale"
        return check_short(inst, account, kind, price, qty)
    return None


def _check_iceberg(rules: Rulebook, inst: Instrument, qty: int, kind: OrderType,
                   validity: Validity, published: int) -> Failure | None:
    if kind is not _LIMIT or validity not in _RESTING_VALIDITIES:
        return Reject.ORDER_TYPE_NOT_ALLOWED, "an iceberg is a limit Day, GTC or GTD order"
    smallest = rules.iceberg_min_published_lots * inst.lot
    if published % inst.lot or published < smallest:  # T17
        return Reject.BOARD_LOT, (
            f"published quantity {published} must be whole board lots of {inst.lot}, "
            f"at least {smallest}"
        )
    if published >= qty:
        return _INVALID, "published quantity must be less than the order quantity"
    return None


def check_position_effect(derivatives: bool, effect: str | None, short: bool) -> Failure | None:
    """Refuse an open/close flag on an equity order, and on a derivatives order a flag other
    than open or close, or the short-sale flag: a derivatives sell opens a short position, it
    borrows nothing (decision 110)."""
    if not derivatives:
        return _INVALID, "position_effect is a derivatives order's flag; an equity order has none"
    if effect is not None and effect != "open" and effect != "close":
        return _INVALID, f"position_effect must be open or close, got {effect!r}"
    if short:
        return _INVALID, ("a derivatives order takes no short-sale flag: a sell opens a short "
                          "position")
    return None


def check_amend(rules: Rulebook, inst: Instrument, order: Order, qty: int | None,
                price: int | None, kind: OrderType | None, side: Side | None) -> Failure | None:
    """Check an amend: allowed in the phase, no change of type or side, new size and price (T16)."""
    accepts = inst.accepts
    if not accepts.amend:  # T7, T8
        return accepts.refusal, f"{inst.symbol} takes no amends in {inst.phase.value}"
    if order.odd_lot and not accepts.odd_lot:  # T19
        return _MARKET_CLOSED, f"the odd-lot board takes no amends in {inst.phase.value}"
    if qty is None and price is None:
        return _INVALID, "an amend needs a new qty or price"
    if (kind is not None and kind is not order.type) or (
            side is not None and side is not order.side):  # 4.4, T16
        return Reject.AMEND_NOT_ALLOWED, "an amend cannot change the order type or side"
    if price is not None and order.type is not _LIMIT:
        return Reject.AMEND_NOT_ALLOWED, f"an {order.type.value} order has no price to amend"
    if qty is not None:
        if qty <= 0:
            return _INVALID, f"quantity must be positive, got {qty}"
        if qty <= order.filled:
            return Reject.AMEND_NOT_ALLOWED, (
                f"new quantity {qty} must exceed the {order.filled} already filled"
            )
        if order.odd_lot and qty >= inst.lot:
            return Reject.BOARD_LOT, f"an odd-lot order stays below the board lot {inst.lot}"
        failure = _check_size(rules, inst, qty, order.odd_lot)
        if failure is not None:
            return failure
    if price is not None:
        return check_price(inst, price, order.odd_lot)
    return None


def check_short(inst: Instrument, account: str, kind: OrderType, price: int | None, qty: int,
                *, price_test: bool = True) -> Failure | None:
    """Check a short sale: the day's ban, eligibility, a limit price, the price test and the
    cap (6.4, 8, T13, T14). The ban comes first, so that a banned sale reads as banned.

    `qty` is what the order adds to the day's short sales (an amend's increase): an amend that
    adds nothing is no new short sale, and a ban lets it through (decision 144).
    """
    ban = inst.short_ban
    if ban != _NO_BAN and qty and (ban == _BAN_ALL or account not in inst.market_makers):
        # 6.4 (S-APR2025): banned for all, or for all but the security's market makers, who
        # keep every other rule and their price-test exemption (decision 143)
        who = "" if ban == _BAN_ALL else " except by its market makers"
        return Reject.SHORT_SALE_BANNED, f"short sales of {inst.symbol} are banned{who} today"
    if not inst.short_eligible:  # T14, 8.1 (siamex.trading.short_eligibility)
        return Reject.SHORT_SALE_NOT_ELIGIBLE, f"{inst.symbol} is not eligible for short sales"
    if kind is not _LIMIT or price is None:  # T13
        return Reject.ORDER_TYPE_NOT_ALLOWED, "a short sale must be a limit order"
    if price_test and account not in inst.market_makers:  # T13: market makers are exempt
        last = inst.reference()
        if price < last or (inst.uptick and price == last):
            rule = "above" if inst.uptick else "at or above"
            return Reject.SHORT_SALE_PRICE, (
                f"a short sale of {inst.symbol} must be priced {rule} the last price "
                f"{format_price(last)}")
    if qty and inst.short_exposure + qty > inst.short_cap:  # T14
        return Reject.SHORT_SALE_LIMIT, (
            f"short sales of {inst.symbol} would exceed {inst.short_cap} shares outstanding")
    return None


def check_short_amend(inst: Instrument, order: Order, qty: int | None,
                      price: int | None) -> Failure | None:
    """Check a short sale again when an amend gives it a new price or a larger size (6.4,
    T13, T14)."""
    more = (qty - order.qty) if qty is not None and qty > order.qty else 0
    return check_short(inst, order.account, order.type,
                       price if price is not None else order.price, more,
                       price_test=price is not None)


def check_hft(rules: Rulebook, inst: Instrument, registered: bool | None,
              side: Side) -> Failure | None:
    """Check a high-frequency account: registered, and buying only the permitted universe (9).

    `registered` is None for an account that is not high-frequency.
    """
    if registered is None:
        return None
    if not registered:
        return Reject.HFT_NOT_REGISTERED, "a high-frequency account must be registered with SET"
    if side is _BUY_SIDE and rules.hft_universe_rule and not inst.hft_ok:
        return Reject.HFT_NOT_PERMITTED, (
            f"a high-frequency account may not buy {inst.symbol}: outside the permitted universe")
    return None
