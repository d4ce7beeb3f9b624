"""The feed's session layer over TCP, in the manner of Nasdaq's SoupBinTCP 4.1: packets of a
2-byte big-endian length (of what follows), a 1-byte type and a payload.

From the consumer: `L` login (username 6, password 10, session 10, requested sequence number
20: ASCII, left-aligned and space-padded, the number right-aligned), `R` heartbeat, `O` logout.
From the exchange: `A` login accepted (session 10, the number of the next sequenced message
20), `J` login rejected (reason: `A` not authorised, `S` no such session), `S` one sequenced
feed message, `H` heartbeat, `Z` end of session; and, siamex's addition, `N` one message of a
snapshot, unsequenced, sent between `A` and the first `S` to a consumer that asked for
sequence number 0 (the snapshot, then the messages after it).

SoupBinTCP's 6 and 10 bytes do not hold the registry's usernames and passwords (up to 64
characters), so a login may also be siamex's longer form, told apart by its length: username
64, password 64, session 10, sequence 20. `login` writes the short form when the credentials
fit it.
"""

from __future__ import annotations

import struct
from typing import Final

__all__ = ["LOGIN", "LONG_LOGIN", "MAX_PACKET", "Packet", "PacketError", "Unpacker", "login",
           "packet", "parse_login"]

MAX_PACKET: Final = 1024
"""The longest packet either side accepts: every feed message is far shorter."""
LOGIN: Final = struct.Struct(">6s10s10s20s")
LONG_LOGIN: Final = struct.Struct(">64s64s10s20s")
"""siamex's login for credentials longer than SoupBinTCP's fields."""
_LENGTH: Final = struct.Struct(">H")

Packet = tuple[bytes, bytes]
"""A packet's type (one byte) and payload."""


class PacketError(ValueError):
    """Bytes that break the framing (a length of zero or over MAX_PACKET): the peer is closed."""


def packet(kind: bytes, payload: bytes = b"") -> bytes:
    """Frame one packet."""
    return _LENGTH.pack(len(payload) + 1) + kind + payload


def login(username: str, password: str, session: str, sequence: int) -> bytes:
    """A login request's packet; ValueError for a credential over 64 ASCII characters, which
    the packet would cut short."""
    name, word = username.encode("ascii"), password.encode("ascii")
    if max(len(name), len(word)) > 64:
        raise ValueError("a feed login's username and password are at most 64 characters")
    short = len(name) <= 6 and len(word) <= 10
    form, name_width, word_width = (LOGIN, 6, 10) if short else (LONG_LOGIN, 64, 64)
    return packet(b"L", form.pack(name.ljust(name_width), word.ljust(word_width),
                                  session.encode("ascii").ljust(10),
                                  str(sequence).encode("ascii").rjust(20)))


def parse_login(payload: bytes) -> tuple[str, str, str, int] | None:
    """Read a login request's payload (either form): username, password, session, sequence;
    None if it is not one (wrong length, not ASCII, a sequence that is not a number)."""
    form = {LOGIN.size: LOGIN, LONG_LOGIN.size: LONG_LOGIN}.get(len(payload))
    if form is None:
        return None
    try:
        fields = [f.decode("ascii").strip(" ") for f in form.unpack(payload)]
    except UnicodeDecodeError:
        return None
    sequence = fields[3] or "0"
    if not (sequence.isdigit() and sequence.isascii()):
        return None
    return fields[0], fields[1], fields[2], int(sequence)


class Unpacker:
    """Cuts a byte stream into packets."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Packet]:
        """Take bytes; return the whole packets they complete. PacketError on a bad length."""
        buffer = self._buffer
        buffer += data
        out: list[Packet] = []
        at = 0
        while len(buffer) - at >= 2:
            (length,) = _LENGTH.unpack_from(buffer, at)
            if length == 0 or length > MAX_PACKET:
                raise PacketError(f"a packet of {length} bytes")
            if len(buffer) - at - 2 < length:
                break
            body = bytes(buffer[at + 2:at + 2 + length])
            out.append((body[:1], body[1:]))
            at += 2 + length
        del buffer[:at]
        return out
