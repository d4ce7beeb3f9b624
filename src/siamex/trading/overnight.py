"""Orders from one trading day to the next (set-trading-rules.md 4.2; decision T18).

Day orders expire when the market closes. GTC and GTD orders leave the books at the start of the
next day and re-enter its books in their time order, unless their last day has passed, their
security is no longer listed, or their price lies outside its new limits.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from siamex.trading.enums import Side, Validity
from siamex.trading.events import Cancelled, Event
from siamex.trading.holdings import release
from siamex.trading.instrument import Instrument
from siamex.trading.order import Order
from siamex.trading.rejects import CancelReason

__all__ = ["carry_in", "carry_out", "expire_day_orders", "expire_series_orders"]

_DAY: Final = Validity.DAY
_EXPIRED: Final = CancelReason.EXPIRED
# Compiled, a Final alias is a C static; the class itself, from a module that stays Python, would
# be a dictionary lookup for each of the thousands of Day orders a close expires.
_CANCELLED: Final = Cancelled


def expire_day_orders(instruments: dict[str, Instrument], live: dict[str, Order], ts: int,
                      out: list[Event]) -> dict[str, Order]:
    """Cancel every Day order left when the day ends; return the live orders that outlive it.

    Only GTC/GTD orders outlive the day, so the index of live orders is rebuilt from them
    rather than emptied one order at a time.
    """
    for inst in instruments.values():
        for book in (inst.book, inst.odd):
            if book is not None:
                for order in book.take_day_orders():
                    release(order)
                    out.append(_CANCELLED(ts, order.id, order.no, order.symbol,
                                          order.remaining, _EXPIRED))
    return {cid: order for cid, order in live.items() if order.validity is not _DAY}


def expire_series_orders(inst: Instrument, live: dict[str, Order], ts: int, last_day: int,
                         out: list[Event]) -> None:
    """Cancel one TFEX series' Day orders as its trading day ends, and its GTC/GTD orders
    whose last day (an ordinal) is `last_day` or before (decision 111); the other series'
    orders live on through their own sessions."""
    book = inst.book
    ended = book.take_day_orders()
    for side in (Side.BUY, Side.SELL):
        for order in list(book.orders(side)):
            if order.expire_day <= last_day:
                book.remove(order)
                ended.append(order)
    for order in ended:
        out.append(_CANCELLED(ts, order.id, order.no, order.symbol, order.remaining, _EXPIRED))
        del live[order.id]


def carry_out(instruments: dict[str, Instrument]) -> list[Order]:
    """Take the GTC/GTD orders out of yesterday's books, in priority order (T18)."""
    carried: list[Order] = []
    for inst in instruments.values():
        for side in (Side.BUY, Side.SELL):
            carried.extend(inst.book.orders(side))
    for order in carried:
        order.prev = order.next = None
    return carried


def carry_in(carried: list[Order], instruments: dict[str, Instrument], live: dict[str, Order],
             day: dt.date, ts: int, out: list[Event]) -> None:
    """Rest the carried orders in today's books, or cancel those that cannot stay (T18); an
    order keeps its balance's link and reservation, or releases it as it goes (decision 152)."""
    today = day.toordinal()
    for order in carried:
        inst = instruments.get(order.symbol)
        reason: CancelReason | None = None
        if inst is None:
            reason = CancelReason.DELISTED
        elif today > order.expire_day:
            reason = CancelReason.EXPIRED
        elif not inst.priced(order.price):
            reason = CancelReason.PRICE_LIMIT
        if reason is not None:
            release(order)
            out.append(Cancelled(ts, order.id, order.no, order.symbol, order.remaining, reason))
            continue
        assert inst is not None
        inst.book.add(order)
        if order.short:
            inst.short_exposure += order.remaining  # T14: still counts against the cap
        live[order.id] = order
