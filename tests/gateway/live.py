"""A `siamex serve` started as a child process on loopback, and a member's FIX engine for it
written with simplefix over a plain socket (independent of siamex's own codec)."""

from __future__ import annotations

import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import simplefix

from siamex.gateway.config import SAMPLE

CONFIG = SAMPLE.replace('comp_id = "SIAMEX"', 'comp_id = "SIAMEX"\npassword_iterations = 1000')
LISTENING = re.compile(rb"listening fix=([0-9.]+):([0-9]+) http=(\S+) ")
FEED = re.compile(rb" feed=([0-9.]+):([0-9]+)")
TIMEOUT = 30.0


def utc_now() -> str:
    now = time.time_ns()
    moment = datetime.fromtimestamp(now // 1_000_000_000, UTC)
    return f"{moment:%Y%m%d-%H:%M:%S}.{now // 1_000_000 % 1000:03d}"


class Server:
    """`siamex serve` in a child process; the ports are read from its first line."""

    def __init__(self, folder: Path, config: str = CONFIG, *extra: str) -> None:
        self.folder = folder
        cfg = folder.parent / f"{folder.name}.toml"
        cfg.write_text(config, encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from siamex.cli import main; main()", "serve",
             "--data", str(folder), "--config", str(cfg), "--date", "2026-12-01",
             "--start", "10:15", "--fix-port", "0", "--http-port", "0", "--feed-port", "0",
             *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self._line()
        found = LISTENING.search(line)
        if found is None:
            self.kill()
            raise AssertionError(f"serve did not start: {line!r} "
                                 f"{self.process.stderr.read() if self.process.stderr else ''!r}")
        self.fix = (found.group(1).decode(), int(found.group(2)))
        self.http = found.group(3).decode()
        feed = FEED.search(line)
        assert feed is not None, line
        self.feed = (feed.group(1).decode(), int(feed.group(2)))

    def _line(self) -> bytes:
        assert self.process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        if not selector.select(TIMEOUT):
            return b"(nothing within the timeout)"
        return self.process.stdout.readline()

    def kill(self) -> None:
        """kill -9: no chance to flush or close anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(TIMEOUT)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(TIMEOUT)


class Member:
    """A member's FIX engine: numbers its messages, reads the exchange's with simplefix."""

    def __init__(self, address: tuple[str, int], sender: str = "M01ORS1",
                 username: str = "m01ors1", password: str = "m01-fix-secret-change-me",
                 seq: int = 1) -> None:
        self.sock = socket.create_connection(address, timeout=TIMEOUT)
        self.sender = sender
        self.username = username
        self.password = password
        self.seq = seq
        self.parser = simplefix.FixParser()
        self.received: list[simplefix.FixMessage] = []

    def send(self, msg_type: str, fields: list[tuple[int, str]], *,
             trader: str | None = None) -> int:
        """Send a message; `trader` goes in the header as SenderSubID (50)."""
        message = simplefix.FixMessage()
        message.append_pair(8, "FIX.4.4")
        message.append_pair(35, msg_type)
        message.append_pair(49, self.sender)
        message.append_pair(56, "SIAMEX")
        message.append_pair(34, str(self.seq))
        message.append_pair(52, utc_now())
        if trader is not None:
            message.append_pair(50, trader)
        for tag, value in fields:
            message.append_pair(tag, value)
        self.sock.sendall(message.encode())
        self.seq += 1
        return self.seq - 1

    def logon(self, *, reset: bool = False) -> simplefix.FixMessage:
        fields = [(98, "0"), (108, "30"), (553, self.username), (554, self.password)]
        if reset:
            fields.append((141, "Y"))
        self.send("A", fields)
        return self.expect(lambda m: m.get(35) in (b"A", b"5"))

    def order(self, clordid: str, side: str, qty: int, price: str | None, *,
              trader: str = "M01T1", account: str = "C0001", symbol: str = "PTT",
              extra: list[tuple[int, str]] | None = None) -> None:
        fields = [(11, clordid), (1, account), (55, symbol), (54, side),
                  (38, str(qty)), (40, "2" if price is not None else "1"), (60, utc_now())]
        if price is not None:
            fields.append((44, price))
        self.send("D", fields + (extra or []), trader=trader)

    def read(self) -> simplefix.FixMessage | None:
        """The next whole message, waiting up to the timeout; None if the peer closed."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self.parser.get_message()
            if message is not None:
                self.received.append(message)
                return message
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            data = self.sock.recv(65536)
            if not data:
                return None
            self.parser.append_buffer(data)

    def expect(self, wanted: object) -> simplefix.FixMessage:
        """Read until a message `wanted(message)` holds for, answering TestRequests."""
        assert callable(wanted)
        while True:
            message = self.read()
            if message is None:
                raise AssertionError("the exchange closed the connection")
            if message.get(35) == b"1":
                self.send("0", [(112, message.get(112).decode())])
            if wanted(message):
                return message

    def report(self, clordid: str, exec_type: str) -> simplefix.FixMessage:
        """The ExecutionReport of `clordid` with this ExecType."""
        return self.expect(lambda m: m.get(35) == b"8" and m.get(11) == clordid.encode()
                           and m.get(150) == exec_type.encode())

    def close(self) -> None:
        self.sock.close()

