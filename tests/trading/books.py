"""Building books and instruments by hand for the auction and matching tests."""

from __future__ import annotations

from siamex.rulebook.limits import price_limits
from siamex.rulebook.parameters import DEFAULT_RULEBOOK, Rulebook
from siamex.rulebook.schedule import AuctionInstants
from siamex.rulebook.ticks import TickScale, tick_scale
from siamex.trading.enums import OrderType, Side, Validity
from siamex.trading.instrument import Instrument
from siamex.trading.order import Order


def instrument(prev_close: int, rules: Rulebook = DEFAULT_RULEBOOK, kind: str = "stock",
               allowance: int | None = None) -> Instrument:
    scale = tick_scale(rules, kind)
    limits = price_limits(rules, scale, prev_close)
    return Instrument("TEST", kind, "main", 100, 0, scale, limits, prev_close, None,
                      AuctionInstants(0, 0, 0),
                      rules.auction_tick_allowance if allowance is None else allowance, True,
                      rules.max_order_qty)


def rest(inst: Instrument, no: int, side: Side, price: int | None, qty: int,
         member: str = "M1", account: str = "A1") -> Order:
    """Put an order straight into the main book (price None: an ATO/ATC order)."""
    book = inst.book
    kind = OrderType.LIMIT if price is not None else OrderType.ATO
    order = Order(no, f"o{no}", member, account, inst.symbol, side, kind, Validity.DAY,
                  price or 0, qty, qty, qty)
    if price is None:
        book.enqueue(order)
    else:
        book.add(order)
    return order


def ladder(scale: TickScale, low: int, high: int) -> list[int]:
    """Every valid price from low to high (both valid), one tick at a time: the oracle's grid."""
    prices = [low]
    while prices[-1] < high:
        prices.append(scale.next_up(prices[-1]))
    return prices


def candidates(inst: Instrument) -> list[int]:
    """The auction's candidate prices, every tick of them (decision T1)."""
    return ladder(inst.scale, inst.grid.low, inst.grid.high)
