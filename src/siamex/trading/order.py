"""A resting or incoming order, mutable, kept in its price level's queue.

`visible` is the part a counterparty meets first: the whole remainder for an ordinary order, the
published slice for an iceberg (decision T17). `prev`/`next` link the order into its level's
time-priority queue; they are cleared when it leaves the book.
"""

from __future__ import annotations

from siamex.trading.enums import OrderType, Side, Validity

__all__ = ["Order"]


class Order:
    """An order of the engine; `price` 0 stands for an ATO/ATC or market order without one.

    A plain typed class so that mypyc compiles it to a C struct: the matching loops read and
    write these fields millions of times.
    """

    __slots__ = ("accepted_at", "account", "cash_balance", "client_type", "expire_day", "filled",
                 "id", "idx", "member", "next", "no", "nvdr", "odd_lot", "prev", "price",
                 "published", "qty", "remaining", "short", "side", "symbol", "type", "validity",
                 "visible")

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
        idx: int = -1,
        odd_lot: bool = False,
        accepted_at: int = 0,
        expire_day: int = 0,
        cash_balance: bool = False,
        nvdr: bool = False,
        client_type: str | None = None,
        short: bool = False,
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
        self.idx = idx
        self.odd_lot = odd_lot
        self.accepted_at = accepted_at
        self.expire_day = expire_day
        self.cash_balance = cash_balance
        self.nvdr = nvdr
        self.client_type = client_type
        self.short = short
        self.prev: Order | None = None
        self.next: Order | None = None

    def __repr__(self) -> str:
        return (f"Order({self.no}, {self.id!r}, {self.side.value}, {self.type.value}, "
                f"price={self.price}, remaining={self.remaining}/{self.qty})")
