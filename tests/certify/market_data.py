"""What the reference member reads besides its FIX session: its drop copy over the WebSocket
`/v1/drop-copy` (docs/drop-copy.md) and the last trade price from the ITCH-style feed
(docs/itch.md), each written from the documents alone, independent of siamex's own readers.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import time
from decimal import Decimal
from typing import Any, Final

from websockets.sync.client import connect

__all__ = ["REFUSED", "DropCopy", "feed_last_price"]

REFUSED: Final = "refused"
NO_TRADE: Final = "none"
_LENGTH: Final = struct.Struct(">H")
_SHORT: Final = (6, 10)  # docs/itch.md: a login's username and password widths, SoupBinTCP's
_LONG: Final = (64, 64)  # ... and siamex's longer form, for the registry's credentials
_LOCATE: Final = struct.Struct(">H")
_PRICE: Final = struct.Struct(">Q")


class DropCopy:
    """The member's copy of its own trades, one record per side, as the exchange numbered
    them; it resumes from the last number it holds, as docs/drop-copy.md says to."""

    def __init__(self, http_base: str, token: str) -> None:
        self.url = http_base.replace("http://", "ws://", 1) + "/v1/drop-copy"
        self.token = token
        self.records: list[dict[str, Any]] = []

    def catch_up(self, quiet: float, timeout: float) -> None:
        """Read the records not yet held until none arrives for `quiet` seconds: the stream
        has no end of catch-up, and a trade's record is kept before its fill is reported."""
        start = self.records[-1]["n"] + 1 if self.records else 1
        headers = {"Authorization": f"Bearer {self.token}"}
        deadline = time.monotonic() + timeout
        with connect(f"{self.url}?from={start}", additional_headers=headers, proxy=None,
                     open_timeout=timeout) as stream:
            while time.monotonic() < deadline:
                try:
                    text = stream.recv(timeout=quiet)
                except TimeoutError:
                    return
                self.records.append(json.loads(text))

    @property
    def last_trade_no(self) -> str:
        return str(self.records[-1]["trade_no"]) if self.records else NO_TRADE


def feed_last_price(address: tuple[str, int], username: str, password: str, symbol: str,
                    timeout: float) -> str:
    """Log on to the feed from its first message and return `symbol`'s last main-board trade
    price ("7.50"), "none" without one, or "refused" when the login is refused (`J`, or the
    connection closed before `A`). The feed is read until its first heartbeat: the exchange
    sends one after a second without data, so by then every message so far has come."""
    locates: dict[int, str] = {}
    last = NO_TRADE
    name, word = username.encode("ascii"), password.encode("ascii")
    widths = _SHORT if len(name) <= _SHORT[0] and len(word) <= _SHORT[1] else _LONG
    login = b"".join((name.ljust(widths[0]), word.ljust(widths[1]), b"SIAMEX".ljust(10),
                      b"1".rjust(20)))
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(_LENGTH.pack(len(login) + 1) + b"L" + login)
        packets = _Packets(sock, time.monotonic() + timeout)
        kind, _ = packets.next()
        if kind != b"A":
            return REFUSED
        while True:
            kind, payload = packets.next()
            if kind in (b"H", b"Z", b""):
                break
            if kind != b"S":
                continue
            (locate,) = _LOCATE.unpack_from(payload, 1)
            if payload[:1] == b"R":
                locates[locate] = payload[11:31].decode("ascii").rstrip(" ")
            elif payload[:1] == b"P" and payload[19:20] == b"M" \
                    and locates.get(locate) == symbol:
                (satang,) = _PRICE.unpack_from(payload, 29)
                last = f"{Decimal(satang) / 100:.2f}"
        if kind != b"":
            sock.sendall(_LENGTH.pack(1) + b"O")
    return last


class _Packets:
    """SoupBinTCP-like packets off a socket: a 2-byte length, a type byte, a payload."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.buffer = b""

    def next(self) -> tuple[bytes, bytes]:
        """The next packet's type and payload; (b"", b"") when closed or at the deadline."""
        while True:
            if len(self.buffer) >= 2:
                (length,) = _LENGTH.unpack_from(self.buffer)
                if len(self.buffer) >= 2 + length:
                    packet = self.buffer[2:2 + length]
                    self.buffer = self.buffer[2 + length:]
                    return packet[:1], packet[1:]
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return b"", b""
            data = self.sock.recv(65536)
            if not data:
                return b"", b""
            self.buffer += data
