"""Order entry as the gateway journals it: who sent it, through what, and what it asks.

These are the member-facing twins of the engine's NewOrder, AmendOrder and CancelOrder. The
gateway journals them as they arrive (pillar 2), before it checks anything, so that a replay
of the journal refuses and accepts exactly what the live run did. `ts` is the exchange's time in
microseconds, as on every command; `ns` the same instant in nanoseconds, the audit trail's
resolution (ts == ns // 1000). `channel` is "fix" or "http"; `ors` the order-routing system
the trader came through; `clordid` the member's own id of the request; `in_seq` the FIX
MsgSeqNum it came with (0 over HTTP). A derivatives order's `position_effect` ("open" or
"close", FIX PositionEffect 77) comes last, so journals written before it read unchanged.

The journal is what says which FIX messages the exchange has taken: after a crash, an ORS's
expected incoming number is at least one past the last `in_seq` journaled for it since its last
`SessionLogon`, so a message the exchange ran is never asked for again and run twice, whatever
its session store had time to write (decision 87).
"""

from __future__ import annotations

from typing import Protocol

import msgspec

from siamex.trading.enums import OrderType, Side, Validity

__all__ = ["EntryCommand", "OrderCancel", "OrderEntry", "OrderReplace", "SessionLogon",
           "exchange_ns"]


class OrderEntry(msgspec.Struct, tag="gw_new", tag_field="op", frozen=True, array_like=True,
                 omit_defaults=True):
    """A new order from a trader (FIX NewOrderSingle)."""

    ts: int
    ns: int
    channel: str
    ors: str
    trader: str
    clordid: str
    account: str
    symbol: str
    side: Side
    qty: int
    type: OrderType = OrderType.LIMIT
    price: int | None = None
    validity: Validity = Validity.DAY
    expire_date: str | None = None
    published_qty: int | None = None
    short: bool = False
    nvdr: bool = False
    cash_balance: bool = False
    client_type: str | None = None
    smp_id: str | None = None
    in_seq: int = 0
    position_effect: str | None = None


class OrderReplace(msgspec.Struct, tag="gw_replace", tag_field="op", frozen=True,
                   array_like=True, omit_defaults=True):
    """A change of a live order's quantity (the new total) and/or price (FIX
    OrderCancelReplaceRequest); `orig_clordid` names the order by any id of its chain."""

    ts: int
    ns: int
    channel: str
    ors: str
    trader: str
    clordid: str
    orig_clordid: str
    qty: int | None = None
    price: int | None = None
    side: Side | None = None
    type: OrderType | None = None
    in_seq: int = 0


class OrderCancel(msgspec.Struct, tag="gw_cancel", tag_field="op", frozen=True,
                  array_like=True, omit_defaults=True):
    """A cancel of a live order's remainder (FIX OrderCancelRequest)."""

    ts: int
    ns: int
    channel: str
    ors: str
    trader: str
    clordid: str
    orig_clordid: str
    in_seq: int = 0


class SessionLogon(msgspec.Struct, tag="gw_logon", tag_field="op", frozen=True,
                   array_like=True, omit_defaults=True):
    """An ORS logged on over FIX; `next_in` is the MsgSeqNum it will send next (1 after a
    sequence reset), from which its journaled numbers count again."""

    ts: int
    ors: str
    next_in: int


EntryCommand = OrderEntry | OrderReplace | OrderCancel



class _Timed(Protocol):
    @property
    def ts(self) -> int: ...


def exchange_ns(command: _Timed) -> int:
    """A command's exchange time in nanoseconds: an order entry's own, else its `ts`'s."""
    if isinstance(command, OrderEntry | OrderReplace | OrderCancel):
        return command.ns
    return command.ts * 1000
