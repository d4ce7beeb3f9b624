"""The reference member's FIX 4.4 initiator: one session over a plain socket, read with
simplefix, polled (`pump`) rather than threaded, so that whoever drives it decides when the
exchange's messages are read and nothing happens behind its back.

Its sequence numbers outlive a connection (FIX 4.4 Volume 2, message recovery): a reconnect
logs on with the next number, and an exchange's message numbered above the expected one (its
Logon after a disconnection, say) is answered with a ResendRequest from the expected number to
infinity; the resent messages (PossDupFlag 43=Y) and SequenceReset-GapFills fill the gap, and
messages numbered past it wait in order until it is filled. A ResendRequest from the exchange
is answered with one GapFill over the whole range: an order is never sent again after a
disconnection, since a stale order reaching the book is worse than one the trader re-enters.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime

import simplefix

__all__ = ["Fields", "FixClient", "SessionError", "utc_now"]

Fields = list[tuple[int, str]]
HEARTBEAT_S = 30
EXCHANGE = "SIAMEX"


class SessionError(Exception):
    """The session could not do what was asked: refused Logon, no answer, not connected."""


def utc_now() -> str:
    """A FIX UTCTimestamp with milliseconds (FIX times are UTC, whatever the exchange's clock)."""
    now = time.time_ns()
    moment = datetime.fromtimestamp(now // 1_000_000_000, UTC)
    return f"{moment:%Y%m%d-%H:%M:%S}.{now // 1_000_000 % 1000:03d}"


class FixClient:
    """A member's FIX session with the exchange; `on_app` gets each application message once,
    in sequence, resent ones included."""

    def __init__(self, address: tuple[str, int], sender: str, username: str, password: str,
                 on_app: Callable[[simplefix.FixMessage], None]) -> None:
        self.address = address
        self.sender = sender
        self.username = username
        self.password = password
        self.on_app = on_app
        self.next_out = 1
        self.next_in = 1
        self.logged_on = False
        self.log: list[tuple[str, simplefix.FixMessage]] = []
        """Every message sent (`out`) and received (`in`), for the member's own evidence."""
        self._sock: socket.socket | None = None
        self._parser = simplefix.FixParser()
        self._queue: dict[int, simplefix.FixMessage] = {}
        self._resend_to = 0
        self._logout_received = False
        self._logging_out = False
        self._refusal = ""
        self._last_sent = 0.0

    @property
    def connected(self) -> bool:
        return self._sock is not None

    @property
    def recovering(self) -> bool:
        """A ResendRequest is out and the gap it asked for is not filled yet."""
        return self.next_in <= self._resend_to

    def logon(self, timeout: float, *, reset: bool = False) -> None:
        """Connect and log on with the next number (or 1 and ResetSeqNumFlag 141=Y when
        `reset`); return once logged on and any gap the exchange's Logon shows is filled."""
        self.drop()
        if reset:
            self.next_out = self.next_in = 1
            self._queue.clear()
            self._resend_to = 0
        self._sock = socket.create_connection(self.address, timeout=timeout)
        self._parser = simplefix.FixParser()
        self._refusal = ""
        fields: Fields = [(98, "0"), (108, str(HEARTBEAT_S)), (553, self.username),
                          (554, self.password)]
        if reset:
            fields.append((141, "Y"))
        self.send("A", fields)
        if not self.wait(lambda: self.logged_on or bool(self._refusal) or not self.connected,
                         timeout):
            raise SessionError("no answer to the Logon")
        if not self.logged_on:
            raise SessionError(f"Logon refused: {self._refusal or 'connection closed'}")
        if not self.wait(lambda: not self.recovering, timeout):
            raise SessionError(f"the resend up to {self._resend_to} did not arrive")

    def logout(self, timeout: float) -> None:
        """Send Logout, wait for the exchange's, close."""
        self._logout_received = False
        self._logging_out = True
        self.send("5", [])
        answered = self.wait(lambda: self._logout_received or not self.connected, timeout)
        self.drop()
        self._logging_out = False
        if not answered:
            raise SessionError("no answer to the Logout")

    def drop(self) -> None:
        """Close the connection without a Logout, as a network failure would."""
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self.logged_on = False

    def send(self, msg_type: str, fields: Fields, *, trader: str | None = None,
             seq: int | None = None) -> int:
        """Send a message numbered `seq` (a GapFill's) or the next number; `trader` goes in
        the header as SenderSubID (50)."""
        if self._sock is None:
            raise SessionError(f"not connected: cannot send {msg_type}")
        number = self.next_out if seq is None else seq
        message = simplefix.FixMessage()
        for tag, value in [(8, "FIX.4.4"), (35, msg_type), (49, self.sender), (56, EXCHANGE),
                           (34, str(number)), (52, utc_now())]:
            message.append_pair(tag, value)
        if trader is not None:
            message.append_pair(50, trader)
        for tag, value in fields:
            message.append_pair(tag, value)
        self._sock.sendall(message.encode())
        self.log.append(("out", message))
        self._last_sent = time.monotonic()
        if seq is None:
            self.next_out += 1
        return number

    def wait(self, done: Callable[[], bool], timeout: float) -> bool:
        """Read the exchange's messages until `done()` holds; False at the timeout."""
        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            if left <= 0 or not self.connected:
                return done()
            self.pump(min(left, 0.05))
        return True

    def pump(self, timeout: float) -> None:
        """Read what arrives within `timeout` and act on every whole message; send a
        Heartbeat when nothing went out for the heartbeat interval."""
        sock = self._sock
        if sock is None:
            return
        if self.logged_on and time.monotonic() - self._last_sent >= HEARTBEAT_S:
            self.send("0", [])
        readable, _, _ = select.select([sock], [], [], max(timeout, 0.0))
        if readable:
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                self.drop()
                return
            self._parser.append_buffer(data)
        while self._sock is not None:
            message = self._parser.get_message()
            if message is None:
                return
            self.log.append(("in", message))
            self._received(message)

    def _received(self, message: simplefix.FixMessage) -> None:
        """Judge a message by its number; three act whatever it is (Volume 2): a
        ResendRequest, a Logout and a SequenceReset in Reset mode."""
        msg_type = _text(message, 35)
        seq = int(_text(message, 34) or "0")
        if msg_type == "A" and not self.logged_on:
            self._logon_answer(message, seq)
            return
        if msg_type == "2":
            begin = int(_text(message, 7))
            self.send("4", [(43, "Y"), (122, utc_now()), (123, "Y"),
                            (36, str(self.next_out))], seq=begin)
        elif msg_type == "5":
            self._logout_received = True
            if not self.logged_on:
                self._refusal = self._refusal or _text(message, 58) or "Logout"
            else:
                if seq == self.next_in:
                    self.next_in += 1
                if not self._logging_out:
                    self.send("5", [])
            self.drop()
            return
        elif msg_type == "4" and _text(message, 123) != "Y":
            self.next_in = int(_text(message, 36))
            return
        if seq > self.next_in:
            self._queue[seq] = message
            self._request_resend(seq)
        elif seq == self.next_in:
            self._in_sequence(message)
            while self.next_in in self._queue:
                self._in_sequence(self._queue.pop(self.next_in))
        elif _text(message, 43) != "Y":
            self.send("5", [(58, f"MsgSeqNum {seq} too low, expecting {self.next_in}")])
            self.drop()

    def _logon_answer(self, message: simplefix.FixMessage, seq: int) -> None:
        self.logged_on = True
        if _text(message, 141) == "Y":
            self.next_in = 1
        if seq < self.next_in:
            self._refusal = f"the exchange's Logon is numbered {seq}, expecting {self.next_in}"
            self.drop()
        elif seq == self.next_in:
            self.next_in += 1
        else:
            self._request_resend(seq)  # the Logon itself comes back as a GapFill

    def _request_resend(self, seen: int) -> None:
        if not self.recovering:
            self.send("2", [(7, str(self.next_in)), (16, "0")])
        self._resend_to = max(self._resend_to, seen)

    def _in_sequence(self, message: simplefix.FixMessage) -> None:
        msg_type = _text(message, 35)
        self.next_in += 1
        if msg_type == "4":
            self.next_in = max(self.next_in, int(_text(message, 36)))
        elif msg_type == "1":
            self.send("0", [(112, _text(message, 112))])
        elif msg_type not in ("0", "2", "3", "5", "A"):
            self.on_app(message)


def _text(message: simplefix.FixMessage, tag: int) -> str:
    value = message.get(tag)
    return value.decode() if isinstance(value, bytes) else ""
