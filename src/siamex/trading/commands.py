"""Commands: everything that changes the engine's state, as immutable typed messages.

Each carries `ts`, the Bangkok wall-clock time in microseconds that the sequencer stamped on it
(pillar 1: the engine reads no clock). Commands are what the journal stores, tagged by class so
that a journal decodes back into the same objects.
"""

from __future__ import annotations

import msgspec

from siamex.trading.enums import OrderType, Side, Validity

__all__ = [
    "AdvanceTime",
    "AmendOrder",
    "AmendOrderFields",
    "CancelOrder",
    "CancelOrderFields",
    "Command",
    "InstrumentSpec",
    "MemberSpec",
    "NewOrder",
    "NewOrderFields",
    "StartDay",
]


class InstrumentSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A security's reference data for one day. `prev_close` None: carry the engine's last close."""

    symbol: str
    prev_close: int | None = None
    kind: str = "stock"
    board: str = "main"
    board_lot: int | None = None
    listed_shares: int = 0
    ipo_price: int | None = None


class MemberSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A member's options for the day."""

    member: str
    self_match_prevention: bool = False


class _Command(msgspec.Struct, frozen=True, tag_field="op", array_like=True, omit_defaults=True):
    """Base of the commands; `op` names each one in the journal.

    The journal stores commands as arrays (the tag, then the fields in order, trailing defaults
    left out): a third of the size of a map and quicker to decode.
    """


class StartDay(_Command, tag="start_day", frozen=True, gc=False, array_like=True,
               omit_defaults=True):
    """Open a trading day: rulebook, securities, members and the auction instants' seed.

    `auction_times` pins auctions ("open1", "open2", "close": microseconds after midnight) for
    every security; the others are drawn per security from `seed` (decision T6).
    """

    ts: int
    date: str
    seed: int = 0
    rules: dict[str, object] = {}
    instruments: tuple[InstrumentSpec, ...] = ()
    members: tuple[MemberSpec, ...] = ()
    auction_times: dict[str, int] = {}


class AdvanceTime(_Command, tag="advance", frozen=True, gc=False, array_like=True,
                  omit_defaults=True):
    """Move the engine's time forward so that scheduled phases and auctions happen."""

    ts: int


class NewOrder(_Command, tag="new", frozen=True, gc=False, array_like=True,
               omit_defaults=True):
    """Enter an order. `price` is in satang and only for limit orders."""

    ts: int
    id: str
    member: str
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
    cash_balance: bool = False
    nvdr: bool = False
    client_type: str | None = None


class AmendOrder(_Command, tag="amend", frozen=True, gc=False, array_like=True,
                 omit_defaults=True):
    """Change an order's quantity (the new total, as FIX OrderQty) and/or price.

    `type` and `side` may be sent to state what the member believes; a difference is refused
    (decision T16). `member`, when given, must own the order.
    """

    ts: int
    id: str
    member: str | None = None
    qty: int | None = None
    price: int | None = None
    type: OrderType | None = None
    side: Side | None = None


class CancelOrder(_Command, tag="cancel", frozen=True, gc=False, array_like=True,
                  omit_defaults=True):
    """Cancel an order's remaining quantity."""

    ts: int
    id: str
    member: str | None = None


Command = StartDay | AdvanceTime | NewOrder | AmendOrder | CancelOrder

# The fields of the order commands in declaration order, as msgspec.structs.astuple returns
# them. The compiled engine reads a command once through this tuple: one C call instead of a
# dozen generic attribute lookups. tests/trading/test_commands.py keeps them in step.
NewOrderFields = tuple[int, str, str, str, str, Side, int, OrderType, int | None, Validity,
                       str | None, int | None, bool, bool, bool, str | None]
AmendOrderFields = tuple[int, str, str | None, int | None, int | None, OrderType | None,
                         Side | None]
CancelOrderFields = tuple[int, str, str | None]
