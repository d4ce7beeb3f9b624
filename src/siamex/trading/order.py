"""A resting or incoming order, mutable, and the price level whose queue it rests in.

`visible` is the part a counterparty meets first: the whole remainder for an ordinary order, the
published slice for an iceberg (decision T17). `smp_id` is its self-match prevention identifier,
"" for none; `effect` a derivatives order's open/close flag, "" for an equity order.
`prev`/`next` link the order into its level's time-priority queue and `level` names that
level; all three are cleared when it leaves the book. `holding` is its account's balance when
the engine keeps holdings (siamex.trading.holdings), None otherwise. The two classes live
together because each points at the other.

An order's fields are declared here once: `ORDER_FIELDS` names them in the order of the
constructor's parameters (a test keeps the two equal). The slots, and the rows in which a
snapshot records an order, follow it; the engine builds an order by keyword.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from siamex.trading.balance import Balance
from siamex.trading.enums import OrderType, Side, Validity

__all__ = ["ORDER_FIELDS", "Level", "Order"]

ORDER_FIELDS: Final = ("no", "id", "member", "account", "symbol", "side", "type", "validity",
                       "price", "qty", "remaining", "visible", "published", "filled", "odd_lot",
                       "accepted_at", "expire_day", "short", "smp_id", "effect")
"""An order's own fields, without its place in a queue (`prev`, `next`, `level`) or its
account's balance (`holding`)."""


class Order:
    """An order of the engine; `price` 0 stands for an ATO/ATC or market order without one.

    A plain typed class so that mypyc compiles it to a C struct: the matching loops read and
    write these fields millions of times.
    """

    __slots__ = (*ORDER_FIELDS, "holding", "level", "next", "prev")

    def __init__(
        self,
        no: int,
        id: str,
        member: str,
        account: str,
        symbol: str,
        side: Side,
        type: OrderType,
        validity: Validity,
        price: int,
        qty: int,
        remaining: int,
        visible: int,
        published: int = 0,
        filled: int = 0,
        odd_lot: bool = False,
        accepted_at: int = 0,
        expire_day: int = 0,
        short: bool = False,
        smp_id: str = "",
        effect: str = "",
    ) -> None:
        self.no = no
        self.id = id
        self.member = member
        self.account = account
        self.symbol = symbol
        self.side = side
        self.type = type
        self.validity = validity
        self.price = price
        self.qty = qty
        self.remaining = remaining
        self.visible = visible
        self.published = published
        self.filled = filled
        self.odd_lot = odd_lot
        self.accepted_at = accepted_at
        self.expire_day = expire_day
        self.short = short
        self.smp_id = smp_id
        self.effect = effect
        self.prev: Order | None = None
        self.next: Order | None = None
        self.level: Level | None = None
        self.holding: Balance | None = None

    def __repr__(self) -> str:
        return (f"Order({self.no}, {self.id!r}, {self.side.value}, {self.type.value}, "
                f"price={self.price}, remaining={self.remaining}/{self.qty})")


class Level:
    """The orders resting at one price, in time priority, and their total remaining quantity."""

    __slots__ = ("count", "head", "price", "qty", "tail")

    def __init__(self, price: int) -> None:
        self.price = price
        self.head: Order | None = None
        self.tail: Order | None = None
        self.qty = 0
        self.count = 0

    def append(self, order: Order) -> None:
        """Queue an order at the back of the level (its quantity is the caller's to count)."""
        tail = self.tail
        order.prev = tail
        order.next = None
        order.level = self
        if tail is None:
            self.head = order
        else:
            tail.next = order
        self.tail = order
        self.count += 1

    def unlink(self, order: Order) -> None:
        """Take an order out of the queue (its quantity is the caller's to account for)."""
        prev, nxt = order.prev, order.next
        if prev is None:
            self.head = nxt
        else:
            prev.next = nxt
        if nxt is None:
            self.tail = prev
        else:
            nxt.prev = prev
        order.prev = order.next = None
        order.level = None
        self.count -= 1

    def __iter__(self) -> Iterator[Order]:
        order = self.head
        while order is not None:
            yield order
            order = order.next
