"""A resting or incoming order, mutable, kept in its price level's queue.

`visible` is the part a counterparty meets first: the whole remainder for an ordinary order, the
published slice for an iceberg (decision T17). `prev`/`next` link the order into its level's
time-priority queue; they are cleared when it leaves the book.
"""

from __future__ import annotations

import msgspec

from siamex.trading.enums import OrderType, Side, Validity

__all__ = ["Order"]


class Order(msgspec.Struct, gc=False):
    """An order of the engine; `price` 0 stands for an ATO/ATC or market order without one.

    Untracked by the garbage collector (`gc=False`): a book holds hundreds of thousands of live
    orders, and traversing them on every collection would cost a quarter of the engine's time.
    The only references between orders are the queue links, which are cleared when an order
    leaves its level, so no cycle outlives its use.
    """

    no: int
    id: str
    member: str
    account: str
    symbol: str
    side: Side
    type: OrderType
    validity: Validity
    price: int
    qty: int
    remaining: int
    visible: int
    published: int = 0
    filled: int = 0
    idx: int = -1
    odd_lot: bool = False
    accepted_at: int = 0
    expire_day: int = 0
    cash_balance: bool = False
    nvdr: bool = False
    client_type: str | None = None
    prev: Order | None = None
    next: Order | None = None
