"""A feed consumer: logs on to `siamex serve`'s feed and keeps every book from its messages
(`siamex feed`, and the tests' consumer)."""

from __future__ import annotations

import contextlib
import socket
import time

from siamex.feed.book import FeedBook
from siamex.feed.messages import decode
from siamex.feed.soup import Unpacker, login, packet

__all__ = ["FeedClient", "FeedClientError"]


class FeedClientError(RuntimeError):
    """The exchange refused the login, ended the session or closed the connection."""


class FeedClient:
    """One consumer's session: `sequence` 0 asks for a snapshot then the messages after it,
    n for the messages from number n (1: the whole journal's). A feed that checks the
    market-data entitlement wants an ORS's `username` and `password`."""

    def __init__(self, host: str, port: int, sequence: int = 0, timeout: float = 10.0, *,
                 keep: bool = False, username: str = "", password: str = "") -> None:
        self.book = FeedBook()
        self.kept: list[bytes] | None = [] if keep else None
        """With `keep`, every sequenced message's bytes, in order."""
        self.next_seq = 0
        self.received = 0
        self.ended = False
        self._unpacker = Unpacker()
        request = login(username, password, "", sequence)
        self._sock = socket.create_connection((host, port), timeout=timeout)
        self._sock.sendall(request)

    def poll(self, seconds: float) -> None:
        """Read and apply what arrives within `seconds` (at least one read)."""
        deadline = time.monotonic() + seconds
        while not self.ended:
            self._sock.settimeout(max(0.001, deadline - time.monotonic()))
            try:
                data = self._sock.recv(1 << 16)
            except TimeoutError:
                return
            if not data:
                raise FeedClientError("the exchange closed the connection")
            for kind, payload in self._unpacker.feed(data):
                self._packet(kind, payload)
            if time.monotonic() >= deadline:
                return

    def wait_for(self, sequence: int, timeout: float = 10.0) -> None:
        """Read until message number `sequence` is applied; FeedClientError at the timeout."""
        deadline = time.monotonic() + timeout
        while self.next_seq <= sequence:
            if time.monotonic() >= deadline:
                raise FeedClientError(f"message {sequence} did not arrive within {timeout} s")
            self.poll(min(0.05, deadline - time.monotonic()))

    def _packet(self, kind: bytes, payload: bytes) -> None:
        if kind == b"A":
            self.next_seq = int(payload[10:].decode("ascii"))
        elif kind == b"J":
            raise FeedClientError(f"login rejected ({payload.decode('ascii', 'replace')})")
        elif kind == b"N":
            self.book.apply(decode(payload))
        elif kind == b"S":
            self.book.apply(decode(payload))
            if self.kept is not None:
                self.kept.append(payload)
            self.next_seq += 1
            self.received += 1
        elif kind == b"H":
            self._sock.sendall(packet(b"R"))
        elif kind == b"Z":
            self.ended = True

    def close(self) -> None:
        """Log out and close."""
        with contextlib.suppress(OSError):  # an exchange that closed first needs no logout
            self._sock.sendall(packet(b"O"))
        self._sock.close()
