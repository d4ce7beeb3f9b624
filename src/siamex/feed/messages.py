"""The market-data feed's messages and their binary layouts, in the manner of Nasdaq's ITCH 5.0
(which SET CONNECT's feed follows): fixed-width, big-endian, one ASCII letter naming each type.

Every message begins with the same 11 bytes: its type (1 byte), the security's locate code
(u16, given by its directory message; 0 for the whole market) and the exchange's time (u64,
nanoseconds since 1970-01-01 UTC, the precision of SET's feed). Prices are satang and
quantities shares, as unsigned 64-bit integers; 0 stands for "no price" where a field says so.
Text is ASCII, space-padded on the right to its width. docs/itch.md has the layouts as tables;
`LAYOUTS` below is what encodes and decodes them, and a test keeps the two in step.

Where siamex departs from Nasdaq's ITCH, by choice: a timestamp of 8 bytes instead of 6 (no
midnight to count from across a night session); an execution always carries its price (an
auction executes at the auction price, not the order's); a replace keeps the order's number
(SET keeps it across an amend) and sends it to the back of its new level.
"""

from __future__ import annotations

import struct
from typing import Any, Final, cast

import msgspec

__all__ = [
    "HEADER",
    "LAYOUTS",
    "AddOrder",
    "AuctionCross",
    "DaySummary",
    "Directory",
    "FeedMessage",
    "FeedMessageError",
    "IndexValue",
    "Indicative",
    "OrderCancel",
    "OrderDelete",
    "OrderExecuted",
    "OrderReplace",
    "Phase",
    "Status",
    "SystemEvent",
    "Trade",
    "decode",
    "encode",
    "size",
]

HEADER: Final = ">cHQ"
"""Type, locate, timestamp: the 11 bytes every message starts with."""


class FeedMessageError(ValueError):
    """Bytes that are no feed message, or a message whose fields do not fit its layout."""


class _Message(msgspec.Struct, frozen=True, gc=False):
    locate: int
    ts: int


class SystemEvent(_Message, frozen=True, gc=False):
    """The feed's day: O start of messages, S start of the trading day, E end of the trading
    day, C end of messages (nothing follows)."""

    event: str


class Directory(_Message, frozen=True, gc=False):
    """A security of the day, before any other message of it: its locate code, board lot and
    the day's price limits (0: no previous close)."""

    symbol: str
    board_lot: int
    prev_close: int
    ceiling: int
    floor: int


class Phase(_Message, frozen=True, gc=False):
    """The security's trading phase changed (PRE_OPEN_1, OPEN_1, HALTED, PAUSED...)."""

    phase: str


class Status(_Message, frozen=True, gc=False):
    """A status turned on or off: a halt, a suspension, a sign (H, SP, NP, NR, XD, C...), a
    surveillance level, a pause, a price band, the circuit breaker (locate 0). `until` is when
    it ends, if known (0: not known)."""

    what: str
    value: str
    on: str
    until: int


class AddOrder(_Message, frozen=True, gc=False):
    """An order now rests: its visible shares at its price (price type L), or queued in a
    pre-open without one (O: ATO, C: ATC, M: MP-MKT, T: MP-MTL; price 0)."""

    order_no: int
    side: str
    board: str
    price_type: str
    shares: int
    price: int


class OrderExecuted(_Message, frozen=True, gc=False):
    """A resting order traded this many shares at this price in trade `trade_no`."""

    order_no: int
    shares: int
    trade_no: int
    price: int


class OrderCancel(_Message, frozen=True, gc=False):
    """A resting order's visible shares were reduced by this many; it keeps its place."""

    order_no: int
    shares: int


class OrderDelete(_Message, frozen=True, gc=False):
    """A resting order left the book: cancelled, expired or its last visible shares taken
    out by something other than an execution."""

    order_no: int


class OrderReplace(_Message, frozen=True, gc=False):
    """A resting order now shows these shares at this price, behind every order already
    there (an amend that lost priority, or an iceberg's next visible part)."""

    order_no: int
    shares: int
    price: int


class Trade(_Message, frozen=True, gc=False):
    """A trade for the tape: every trade once, whatever the book messages said (count trades
    and volume from these). The aggressor is B or S, or a space in an auction; trades on the
    big-lot board are trade reports."""

    trade_no: int
    board: str
    aggressor: str
    shares: int
    price: int


class Indicative(_Message, frozen=True, gc=False):
    """During a pre-open: the price the auction would match at now (0: none), the shares it
    would match, and the imbalance left (positive: buys, negative: sells)."""

    price: int
    shares: int
    imbalance: int


class AuctionCross(_Message, frozen=True, gc=False):
    """An auction's result: its session (ATO, ATC...), price (0: no match), shares matched and
    the imbalance left."""

    session: str
    price: int
    shares: int
    imbalance: int


class IndexValue(_Message, frozen=True, gc=False):
    """An index's value in hundredths of a point (locate 0)."""

    name: str
    value: int


class DaySummary(_Message, frozen=True, gc=False):
    """A security's day at the close: open, high, low and close (0: no trade), volume, value
    in satang and number of trades."""

    open: int
    high: int
    low: int
    close: int
    volume: int
    value: int
    trades: int


FeedMessage = (SystemEvent | Directory | Phase | Status | AddOrder | OrderExecuted | OrderCancel
               | OrderDelete | OrderReplace | Trade | Indicative | AuctionCross | IndexValue
               | DaySummary)

LAYOUTS: Final[dict[type[_Message], tuple[bytes, str]]] = {
    SystemEvent: (b"S", "c"),
    Directory: (b"R", "20sIQQQ"),
    Phase: (b"H", "12s"),
    Status: (b"V", "20s12scQ"),
    AddOrder: (b"A", "QcccQQ"),
    OrderExecuted: (b"E", "QQQQ"),
    OrderCancel: (b"X", "QQ"),
    OrderDelete: (b"D", "Q"),
    OrderReplace: (b"U", "QQQ"),
    Trade: (b"P", "QccQQ"),
    Indicative: (b"I", "QQq"),
    AuctionCross: (b"Q", "8sQQq"),
    IndexValue: (b"N", "12sQ"),
    DaySummary: (b"W", "QQQQQQQ"),
}
"""Each message's type letter and the struct format of its fields after the header."""


class _Codec:
    """One message type's packing: its struct, and where its text fields are and how wide."""

    __slots__ = ("cls", "kind", "layout", "texts")

    def __init__(self, cls: type[_Message], kind: bytes, body: str) -> None:
        self.cls = cls
        self.kind = kind
        self.layout = struct.Struct(HEADER + body)
        codes = _split(body)
        # packed values: type, locate, timestamp, then the body's fields from index 3
        self.texts = {at + 3: _width(code) for at, code in enumerate(codes)
                      if code.endswith(("s", "c"))}
        if len(codes) + 2 != len(cls.__struct_fields__):
            raise AssertionError(f"{cls.__name__}: the layout and the fields disagree")


def _split(body: str) -> list[str]:
    """Cut a struct format into its fields: '20sIQ' into ['20s', 'I', 'Q']."""
    codes: list[str] = []
    digits = ""
    for char in body:
        if char.isdigit():
            digits += char
        else:
            codes.append(digits + char)
            digits = ""
    return codes


def _width(code: str) -> int:
    return int(code[:-1]) if code.endswith("s") else 1


_BY_CLASS: Final = {cls: _Codec(cls, kind, body) for cls, (kind, body) in LAYOUTS.items()}
_BY_KIND: Final = {codec.kind: codec for codec in _BY_CLASS.values()}


def _text(message: _Message, value: object, width: int) -> bytes:
    """A text field's bytes: ASCII, one character for a code, else at most `width` with no
    trailing space (the padding would swallow it)."""
    if not isinstance(value, str) or not value.isascii() or len(value) > width \
            or (width == 1 and len(value) != 1) or (width > 1 and value.endswith(" ")):
        raise FeedMessageError(
            f"{type(message).__name__}: {value!r} is not ASCII text of "
            f"{'one character' if width == 1 else f'at most {width} with no trailing space'}")
    return value.encode("ascii").ljust(width)


def encode(message: FeedMessage) -> bytes:
    """Pack a message; FeedMessageError if a field does not fit (text too long or not ASCII,
    a number out of its range)."""
    codec = _BY_CLASS[type(message)]
    values: list[object] = [codec.kind, *msgspec.structs.astuple(message)]
    for at, width in codec.texts.items():
        values[at] = _text(message, values[at], width)
    try:
        return codec.layout.pack(*values)
    except struct.error as exc:
        raise FeedMessageError(f"{type(message).__name__}: {exc}") from None


def decode(data: bytes) -> FeedMessage:
    """Unpack one whole message; FeedMessageError for an unknown type or a wrong length."""
    codec = _BY_KIND.get(data[:1])
    if codec is None:
        raise FeedMessageError(f"unknown message type {data[:1]!r}")
    if len(data) != codec.layout.size:
        raise FeedMessageError(f"a {codec.cls.__name__} message is {codec.layout.size} bytes, "
                               f"not {len(data)}")
    values: list[object] = list(codec.layout.unpack(data))
    for at, width in codec.texts.items():
        raw = values[at]
        assert isinstance(raw, bytes)
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            raise FeedMessageError(f"{codec.cls.__name__}: text that is not ASCII") from None
        values[at] = text if width == 1 else text.rstrip(" ")
    build: Any = codec.cls  # the layout gave each field its type
    return cast(FeedMessage, build(*values[1:]))


def size(kind: bytes) -> int | None:
    """The length of a message of this type letter, or None for no such type: what a reader
    of a stream needs before it has the whole message."""
    codec = _BY_KIND.get(kind)
    return codec.layout.size if codec is not None else None
