"""The gateway's table of live orders: who owns each, and the member's ids for it.

The engine knows an order by one id, unique among live orders (decision 11); the gateway gives
it the journal sequence number of the entry that created it, so ids never clash between members.
A member knows the order by its client order ids: the first, and one more for each accepted
replace or cancel request (FIX ClOrdID chaining). Every id of a live order's chain finds it,
within its member's namespace only (decision 83). An order leaves the table when nothing of it
rests any more (filled, cancelled, expired), and its ids are free again.
"""

from __future__ import annotations

from typing import Any

from siamex.trading.enums import OrderType, Side, Validity

__all__ = ["LiveOrder", "OrderTable"]


class LiveOrder:
    """One resting or just-entered order and what the gateway must say of it."""

    __slots__ = ("account", "clordid", "clordids", "cum_qty", "cum_value", "effect",
                 "engine_id", "member", "order_no", "ors", "price", "qty", "side", "symbol",
                 "trader", "type", "validity")

    def __init__(self, engine_id: str, member: str, ors: str, trader: str, account: str,
                 clordid: str, symbol: str, side: Side, type: OrderType, validity: Validity,
                 qty: int, price: int | None, effect: str | None = None) -> None:
        self.engine_id = engine_id
        self.member = member
        self.ors = ors
        self.trader = trader
        self.account = account
        self.clordid = clordid
        self.clordids = [clordid]
        self.symbol = symbol
        self.side = side
        self.type = type
        self.validity = validity
        self.qty = qty
        self.price = price
        self.order_no: int | None = None
        self.cum_qty = 0
        self.cum_value = 0
        self.effect = effect
        """A derivatives order's position effect, as asked and then as the engine booked it
        ("open" when none was asked); None for an equity order."""

    @property
    def leaves(self) -> int:
        """The quantity still open."""
        return self.qty - self.cum_qty

    def state(self) -> list[Any]:
        """The order as plain values, for the state hash."""
        return [self.engine_id, self.member, self.ors, self.trader, self.account,
                self.clordids, self.symbol, self.side.value, self.type.value,
                self.validity.value, self.qty, self.price, self.order_no, self.cum_qty,
                self.cum_value, self.effect]

    @classmethod
    def from_state(cls, row: list[Any]) -> LiveOrder:
        """Rebuild an order from `state()`."""
        order = cls(row[0], row[1], row[2], row[3], row[4], row[5][-1], row[6], Side(row[7]),
                    OrderType(row[8]), Validity(row[9]), row[10], row[11], row[15])
        order.clordids = list(row[5])
        order.order_no, order.cum_qty, order.cum_value = row[12], row[13], row[14]
        return order


class OrderTable:
    """Live orders by engine id and by (member, client order id)."""

    def __init__(self) -> None:
        self.by_id: dict[str, LiveOrder] = {}
        self.by_clordid: dict[tuple[str, str], LiveOrder] = {}

    def add(self, order: LiveOrder) -> None:
        """Enter a new order under its engine id and first client order id."""
        self.by_id[order.engine_id] = order
        self.by_clordid[order.member, order.clordid] = order

    def find(self, member: str, clordid: str) -> LiveOrder | None:
        """The live order of `member` one of whose client order ids is `clordid`."""
        return self.by_clordid.get((member, clordid))

    def in_use(self, member: str, clordid: str) -> bool:
        """Whether a live order of `member` already answers to `clordid`."""
        return (member, clordid) in self.by_clordid

    def chain(self, order: LiveOrder, clordid: str) -> None:
        """Give the order a new client order id (an accepted replace or cancel request)."""
        order.clordid = clordid
        order.clordids.append(clordid)
        self.by_clordid[order.member, clordid] = order

    def remove(self, order: LiveOrder) -> None:
        """Forget an order that no longer rests, with every id of its chain."""
        del self.by_id[order.engine_id]
        for clordid in order.clordids:
            del self.by_clordid[order.member, clordid]

    def of_member(self, member: str) -> list[LiveOrder]:
        """The member's live orders, oldest first."""
        return [order for order in self.by_id.values() if order.member == member]

    def state(self) -> list[list[Any]]:
        """Every live order as plain values, in entry order."""
        return [order.state() for order in self.by_id.values()]

    @classmethod
    def from_state(cls, rows: list[list[Any]]) -> OrderTable:
        """Rebuild the table from `state()`."""
        table = cls()
        for row in rows:
            order = LiveOrder.from_state(row)
            table.by_id[order.engine_id] = order
            for clordid in order.clordids:
                table.by_clordid[order.member, clordid] = order
        return table
