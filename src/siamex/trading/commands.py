"""Commands: everything that changes the engine's state, as immutable typed messages.

Each carries `ts`, the Bangkok wall-clock time in microseconds that the sequencer stamped on it
(pillar 1: the engine reads no clock). Commands are what the journal stores, tagged by class so
that a journal decodes back into the same objects.
"""

from __future__ import annotations

import msgspec

from siamex.trading.enums import OrderType, Side, Validity

__all__ = [
    "AccountSpec",
    "AdvanceTime",
    "AmendOrder",
    "AmendOrderFields",
    "CancelOrder",
    "CancelOrderFields",
    "Command",
    "ConfirmTradeReport",
    "Halt",
    "IndexSpec",
    "InstrumentSpec",
    "MemberSpec",
    "NewOrder",
    "NewOrderFields",
    "Resume",
    "SetSign",
    "SetSurveillanceLevel",
    "StartDay",
    "TradeReport",
]


class InstrumentSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A security's reference data for one day. `prev_close` None: carry the engine's last close.

    A foreign-board (-F) security's `prev_close` is its reference price, the previous close of
    its main-board security `main` (set-trading-rules.md 3.3); without one the engine takes it
    from that security (siamex.trading.listing.carried_close).

    The listing data the short-sale eligibility criteria read (set-trading-rules.md 8.1,
    siamex.trading.short_eligibility) are integers, None when not given: `market_cap` the
    3-month average market capitalisation in whole baht, `turnover_bp` the 12-month average
    monthly turnover and `free_float_bp` the free float, both in hundredths of a percent
    (decision 139). They default to None, so journals written before them still decode.
    """

    symbol: str
    prev_close: int | None = None
    kind: str = "stock"
    board: str = "main"
    board_lot: int | None = None
    listed_shares: int = 0
    ipo_price: int | None = None
    short_eligible: bool = False
    short_outstanding: int = 0
    signs: tuple[str, ...] = ()
    surveillance_level: int = 0
    surveillance_pause: bool = False
    index_member: tuple[str, ...] = ()
    market_maker_accounts: tuple[str, ...] = ()
    foreign_underlying: bool = False
    hft_permitted: bool = False
    prior_close: int | None = None
    main: str | None = None
    market_cap: int | None = None
    turnover_bp: int | None = None
    free_float_bp: int | None = None


class IndexSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An index of the day: its name and previous close (hundredths of a point)."""

    name: str
    prev_close: int


class AccountSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A trading account flagged as high-frequency, and whether it is registered (9)."""

    account: str
    hft: bool = True
    hft_registered: bool = False


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

    `market` "tfex" lists TFEX series instead of securities (docs/derivatives-trading.md):
    their ticks, limits and sessions come from the product table, and `underlyings` gives the
    previous settlement price of each option underlying (SET50: hundredths of a point).
    """

    ts: int
    date: str
    seed: int = 0
    rules: dict[str, object] = {}
    instruments: tuple[InstrumentSpec, ...] = ()
    members: tuple[MemberSpec, ...] = ()
    auction_times: dict[str, int] = {}
    indices: tuple[IndexSpec, ...] = ()
    accounts: tuple[AccountSpec, ...] = ()
    market: str = "set"
    underlyings: dict[str, int] = {}


class AdvanceTime(_Command, tag="advance", frozen=True, gc=False, array_like=True,
                  omit_defaults=True):
    """Move the engine's time forward so that scheduled phases and auctions happen."""

    ts: int


class NewOrder(_Command, tag="new", frozen=True, gc=False, array_like=True,
               omit_defaults=True):
    """Enter an order. `price` is in satang and only for limit orders.

    `smp_id`, a client or group identifier in the member's own namespace, keeps the order from
    trading with a resting order of the same member carrying the same one (docs/decisions.md 82).
    `position_effect`, "open" or "close", is a derivatives order's flag (FIX PositionEffect);
    an equity order carries none.
    """

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
    smp_id: str | None = None
    position_effect: str | None = None


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
    """Cancel an order's remaining quantity. `kill`: a kill switch's cancel, which no
    minimum resting time delays (set-trading-rules.md 10.5: cancel at once; decision 86)."""

    ts: int
    id: str
    member: str | None = None
    kill: bool = False


class Halt(_Command, tag="halt", frozen=True, gc=False, array_like=True, omit_defaults=True):
    """Post a halting sign on a security: `H` (trading halt) or `SP` (suspension) (7.1).

    `id` is only a label for the rejection an invalid operation earns.
    """

    ts: int
    symbol: str
    sign: str = "H"
    id: str = ""


class Resume(_Command, tag="resume", frozen=True, gc=False, array_like=True,
             omit_defaults=True):
    """Lift an H or SP sign; trading resumes through a pre-open (decision T9)."""

    ts: int
    symbol: str
    id: str = ""


class SetSign(_Command, tag="set_sign", frozen=True, gc=False, array_like=True,
              omit_defaults=True):
    """Post (`on`) or remove an information or cash-balance sign (NP, XD, CB ...) (7.1)."""

    ts: int
    symbol: str
    sign: str
    on: bool = True
    id: str = ""


class SetSurveillanceLevel(_Command, tag="set_surveillance_level", frozen=True, gc=False,
                           array_like=True, omit_defaults=True):
    """Put a security under a market-surveillance level 0-3 (7.2, T21, T22).

    `pause` starts level 3's one-day pause now; without it a level 3 trades as auction-only.
    """

    ts: int
    symbol: str
    level: int
    pause: bool = False
    id: str = ""


class TradeReport(_Command, tag="trade_report", frozen=True, gc=False, array_like=True,
                  omit_defaults=True):
    """A put-through reported by the selling member (2.3, 5, T20).

    `board` ("main" or "foreign"), when given, must be the security's own board; the engine
    classifies a main-board report as off-hour or big lot by its size.
    When the buying member is the same firm the trade is made at once; otherwise it waits for
    the buyer's `ConfirmTradeReport` with the same id.
    """

    ts: int
    id: str
    symbol: str
    qty: int
    price: int
    sell_member: str
    sell_account: str
    buy_member: str
    buy_account: str
    board: str = ""


class ConfirmTradeReport(_Command, tag="trade_report_confirm", frozen=True, gc=False,
                         array_like=True, omit_defaults=True):
    """The buying member's confirmation of a two-firm trade report."""

    ts: int
    id: str
    member: str | None = None


Command = (
    StartDay | AdvanceTime | NewOrder | AmendOrder | CancelOrder | Halt | Resume | SetSign
    | SetSurveillanceLevel | TradeReport | ConfirmTradeReport
)

# The fields of the order commands in declaration order, as msgspec.structs.astuple returns
# them. The compiled engine reads a command once through this tuple: one C call instead of a
# dozen generic attribute lookups. tests/trading/test_commands.py keeps them in step.
NewOrderFields = tuple[int, str, str, str, str, Side, int, OrderType, int | None, Validity,
                       str | None, int | None, bool, bool, bool, str | None, str | None,
                       str | None]
AmendOrderFields = tuple[int, str, str | None, int | None, int | None, OrderType | None,
                         Side | None]
CancelOrderFields = tuple[int, str, str | None, bool]
