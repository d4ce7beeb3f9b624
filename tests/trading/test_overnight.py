"""Orders from one day to the next, on hand-built books: Day orders expire at the close, GTC
and GTD orders are carried in their time order unless they cannot stay (4.2, T18)."""

from __future__ import annotations

import datetime as dt

from siamex.trading.enums import OrderType, Side, Validity
from siamex.trading.events import Cancelled, Event
from siamex.trading.instrument import Instrument
from siamex.trading.order import Order
from siamex.trading.overnight import carry_in, carry_out, expire_day_orders
from tests.trading.books import instrument, rest

TODAY = dt.date(2026, 11, 23)


def _long_lived(inst: Instrument, no: int, side: Side, price: int, last_day: dt.date) -> Order:
    order = Order(no=no, id=f"g{no}", member="M1", account="A1", symbol=inst.symbol, side=side,
                  type=OrderType.LIMIT, validity=Validity.GTD, price=price, qty=100,
                  remaining=100, visible=100, expire_day=last_day.toordinal())
    inst.book.add(order)
    return order


def _cancelled(events: list[Event]) -> list[tuple[str, str | None]]:
    return [(e.id, e.reason.value if e.reason else None)
            for e in events if isinstance(e, Cancelled)]


def test_the_close_cancels_the_day_orders_and_keeps_the_long_lived_ones() -> None:
    inst = instrument(1000)
    day_order = rest(inst, 1, Side.BUY, 990, 100)
    kept = _long_lived(inst, 2, Side.BUY, 980, TODAY)
    live = {day_order.id: day_order, kept.id: kept}
    out: list[Event] = []
    live = expire_day_orders({inst.symbol: inst}, live, 1, out)
    assert _cancelled(out) == [("o1", "EXPIRED")]
    assert live == {"g2": kept}
    assert list(inst.book.orders(Side.BUY)) == [kept]


def test_carried_orders_re_enter_in_priority_order_unless_they_cannot_stay() -> None:
    yesterday = instrument(1000)
    orders = [_long_lived(yesterday, 1, Side.SELL, 1010, TODAY),
              _long_lived(yesterday, 2, Side.BUY, 990, TODAY),
              _long_lived(yesterday, 3, Side.BUY, 995, TODAY - dt.timedelta(days=1)),
              _long_lived(yesterday, 4, Side.BUY, 1400, TODAY)]
    carried = carry_out({yesterday.symbol: yesterday})
    assert [o.id for o in carried] == ["g4", "g3", "g2", "g1"]
    today = instrument(1000)
    live: dict[str, Order] = {}
    out: list[Event] = []
    carry_in(carried, {today.symbol: today}, live, TODAY, 1, out)
    assert _cancelled(out) == [("g4", "PRICE_LIMIT"), ("g3", "EXPIRED")]
    assert list(today.book.orders(Side.BUY)) == [orders[1]]
    assert list(today.book.orders(Side.SELL)) == [orders[0]]
    assert sorted(live) == ["g1", "g2"]


def test_an_order_of_a_security_no_longer_listed_is_cancelled() -> None:
    yesterday = instrument(1000)
    _long_lived(yesterday, 1, Side.BUY, 990, TODAY)
    out: list[Event] = []
    carry_in(carry_out({yesterday.symbol: yesterday}), {}, {}, TODAY, 1, out)
    assert _cancelled(out) == [("g1", "DELISTED")]
