"""The feed's TCP server in `siamex serve`: each consumer logs on, receives the messages from
the number it asked for (or a snapshot then the messages after it) and then every new message
as the sequencer's batches publish it.

A consumer that asks for a number past the end starts at the end. Messages go out while the
connection's send buffer has room (asyncio's flow control): a consumer that reads slowly, or
asks for a whole day at once, falls behind and catches up as it reads, and the server holds
nothing for it beyond its place in the log. The exchange sends a heartbeat after a second
without data, and drops a consumer silent for `SILENCE_S` seconds (SoupBinTCP's 15).

Who may read is the `admit` given (siamex.feed.entitlement: the registry's market-data
entitlement, with `[exchange] feed_entitlement`); without one the feed is public and a login's
username and password are not read. A login it refuses gets `J` with reason `A`. What it admits
comes with a standing, asked after each batch: a consumer that lost it is cut off before the
batch reaches it (docs/itch.md, decisions).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Final

from siamex.feed.log import FeedLog
from siamex.feed.messages import encode
from siamex.feed.soup import PacketError, Unpacker, packet, parse_login

__all__ = ["SESSION", "SILENCE_S", "Admission", "FeedServer", "Standing"]

SESSION: Final = "SIAMEX"
"""The one session: the journal's, numbered across the days it holds."""
SILENCE_S: Final = 15
_CHUNK: Final = 4096  # messages per write while catching up
_HEARTBEAT_S: Final = 1
_SECOND: Final = 1_000_000_000

Standing = Callable[[], bool]
"""Whether an admitted consumer may still read the feed."""
Admission = Callable[[str, str], Standing | None]
"""Check a login's username and password: None refuses it, else the consumer's standing."""


class FeedServer:
    """The consumers of one feed log; `admit` None: a public feed."""

    def __init__(self, log: FeedLog, admit: Admission | None = None) -> None:
        self.log = log
        self.admit = admit
        self._consumers: set[_Consumer] = set()
        log.readers.append(self.send_new)

    def connection(self) -> asyncio.Protocol:
        """A protocol for one new TCP connection."""
        return _Consumer(self)

    def joined(self, consumer: _Consumer) -> None:
        self._consumers.add(consumer)

    def left(self, consumer: _Consumer) -> None:
        self._consumers.discard(consumer)

    def send_new(self) -> None:
        """Send every logged-on consumer what the log gained, once it is seen to still stand."""
        for consumer in list(self._consumers):
            consumer.batch()

    def tick(self) -> None:
        """Heartbeats to idle consumers; silent ones dropped."""
        now = time.monotonic_ns()
        for consumer in list(self._consumers):
            consumer.timer(now)

    def close(self) -> None:
        """End every session and close its connection."""
        for consumer in list(self._consumers):
            consumer.end()


class _Consumer(asyncio.Protocol):
    def __init__(self, server: FeedServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.unpacker = Unpacker()
        self.next_seq = 0  # 0: not logged on
        self.standing: Standing | None = None
        self.paused = False
        self.heard = self.sent = time.monotonic_ns()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.joined(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.left(self)
        self.transport = None

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self.catch_up()

    def data_received(self, data: bytes) -> None:
        self.heard = time.monotonic_ns()
        try:
            packets = self.unpacker.feed(data)
        except PacketError:
            self._close()
            return
        for kind, payload in packets:
            if kind == b"L" and not self.next_seq:
                self._login(payload)
            elif kind == b"O":
                self.end()
            elif kind != b"R":  # a client heartbeat needs nothing; anything else is an error
                self._close()
            if self.transport is None:
                return

    def _login(self, payload: bytes) -> None:
        found = parse_login(payload)
        if found is None:
            self._close()
            return
        username, password, session, sequence = found
        admit = self.server.admit
        if admit is not None:
            self.standing = admit(username, password)
            if self.standing is None:
                self._refuse(b"A")  # SoupBinTCP 4.1, Login Rejected: A, not authorized
                return
        if session not in ("", SESSION):
            self._refuse(b"S")
            return
        log = self.server.log
        if sequence == 0:
            last, snapshot = log.snapshot()
            self.next_seq = last + 1
            self._accepted()
            self._write(b"".join(packet(b"N", encode(m)) for m in snapshot))
        else:
            self.next_seq = min(sequence, len(log.messages) + 1)
            self._accepted()
        self.catch_up()

    def _refuse(self, reason: bytes) -> None:
        self._write(packet(b"J", reason))
        self._close()

    def _accepted(self) -> None:
        self._write(packet(b"A", SESSION.encode("ascii").ljust(10)
                           + str(self.next_seq).encode("ascii").rjust(20)))

    def batch(self) -> None:
        """After a batch: close a consumer that lost its standing (no `Z`: the session goes on
        for the others), else send it what it lacks."""
        if self.standing is not None and not self.standing():
            self._close()
        else:
            self.catch_up()

    def catch_up(self) -> None:
        """Send the sequenced messages from the next one this consumer lacks."""
        messages = self.server.log.messages
        while self.next_seq and self.transport is not None and not self.paused \
                and self.next_seq <= len(messages):
            chunk = messages[self.next_seq - 1:self.next_seq - 1 + _CHUNK]
            self.next_seq += len(chunk)
            self._write(b"".join(packet(b"S", m) for m in chunk))

    def timer(self, now: int) -> None:
        if now - self.heard >= SILENCE_S * _SECOND:
            self._close()
        elif self.next_seq and now - self.sent >= _HEARTBEAT_S * _SECOND:
            self._write(packet(b"H"))

    def end(self) -> None:
        """End the session: `Z`, then close."""
        if self.next_seq:
            self._write(packet(b"Z"))
        self._close()

    def _write(self, data: bytes) -> None:
        transport = self.transport
        if transport is None or not data:
            return
        transport.write(data)
        self.sent = time.monotonic_ns()

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None
        self.server.left(self)
