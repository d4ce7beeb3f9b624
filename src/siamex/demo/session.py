"""A synthetic participant's FIX 4.4 session: the initiator's side, as small as a member's
order-routing system can be and still be a real client of the exchange's FIX port.

It logs on with a sequence reset (each demo run starts its sessions anew), numbers and sends
orders, answers TestRequests and sends a Heartbeat when idle, and keeps, from the exchange's
ExecutionReports, which of its orders still rest. It is written with siamex's own codec, which
the exchange's tests check against an independent engine (tests/gateway/fix).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from siamex.demo.config import Participant
from siamex.gateway.fix.codec import Framer, decode, encode, format_utc
from siamex.gateway.fix.message import Garbled

__all__ = ["DemoSession", "Resting"]

_HEARTBEAT_S = 30
_OPEN = frozenset({"0", "1"})  # OrdStatus new, partially filled


class Resting:
    """One of the participant's orders still resting, as its reports tell."""

    __slots__ = ("clordid", "leaves", "price", "side", "symbol")

    def __init__(self, clordid: str, symbol: str, side: str, price: str, leaves: int) -> None:
        self.clordid = clordid
        self.symbol = symbol
        self.side = side
        self.price = price
        self.leaves = leaves


class DemoSession:
    """A logged-on FIX session of one participant."""

    def __init__(self, participant: Participant, target: str) -> None:
        self.participant = participant
        self.target = target
        self.resting: dict[str, Resting] = {}
        self.filled = 0
        self.refused = 0
        self._seq = 1
        self._ids = 0
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._sent_at = time.monotonic()

    async def open(self, host: str, port: int, timeout: float = 30.0) -> None:
        """Connect, log on and wait for the exchange's Logon."""
        self._reader, self._writer = await asyncio.open_connection(host, port)
        p = self.participant
        self._send("A", [(98, "0"), (108, str(_HEARTBEAT_S)), (141, "Y"),
                         (553, p.username), (554, p.password)])
        framer = Framer()
        while True:
            data = await asyncio.wait_for(self._reader.read(65536), timeout)
            if not data:
                raise ConnectionError(f"{p.sender_comp_id}: the exchange closed the connection")
            for frame in framer.feed(data):
                if isinstance(frame, Garbled):
                    continue
                decoded = decode(frame)
                if decoded.message.msg_type == "5":
                    raise ConnectionError(f"{p.sender_comp_id}: logon refused: "
                                          f"{decoded.values.get(58, '')}")
                if decoded.message.msg_type == "A":
                    self._task = asyncio.create_task(self._read(framer))
                    return

    def next_id(self) -> str:
        """A client order id unique in this run of the session."""
        self._ids += 1
        return f"{self.participant.trader}-{self._ids}"

    def order(self, symbol: str, side: str, qty: int, price: str, *, fak: bool = False
              ) -> str:
        """Send a limit order (side "1" buy, "2" sell); return its ClOrdID."""
        clordid = self.next_id()
        self._send("D", [(11, clordid), (1, self.participant.account), (55, symbol),
                         (54, side), (38, str(qty)), (40, "2"), (44, price),
                         (59, "3" if fak else "0"), (60, format_utc(time.time_ns()))],
                   trader=True)
        return clordid

    def cancel(self, resting: Resting) -> None:
        """Ask to cancel a resting order."""
        self._send("F", [(11, self.next_id()), (41, resting.clordid), (55, resting.symbol),
                         (54, resting.side), (60, format_utc(time.time_ns()))], trader=True)

    def heartbeat_due(self) -> None:
        """Send a Heartbeat if nothing went out for the agreed interval."""
        if time.monotonic() - self._sent_at > _HEARTBEAT_S / 2:
            self._send("0", [])

    async def close(self) -> None:
        """Log out and close the connection."""
        if self._writer is not None and not self._writer.is_closing():
            self._send("5", [])
            self._writer.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def _send(self, msg_type: str, fields: Iterable[tuple[int, str]], *,
              trader: bool = False) -> None:
        assert self._writer is not None
        header = [(49, self.participant.sender_comp_id), (56, self.target),
                  (34, str(self._seq)), (52, format_utc(time.time_ns()))]
        if trader:
            header.append((50, self.participant.trader))
        self._writer.write(encode(msg_type, [*header, *fields]))
        self._seq += 1
        self._sent_at = time.monotonic()

    async def _read(self, framer: Framer) -> None:
        assert self._reader is not None
        while data := await self._reader.read(65536):
            for frame in framer.feed(data):
                if not isinstance(frame, Garbled):
                    decoded = decode(frame)
                    self._received(decoded.message.msg_type, decoded.values)

    def _received(self, kind: str, values: dict[int, str]) -> None:
        if kind == "1":
            self._send("0", [(112, values.get(112, "TEST"))])
        elif kind == "8":
            self._report(values)
        elif kind == "9":
            self.refused += 1

    def _report(self, values: dict[int, str]) -> None:
        clordid, status = values.get(11, ""), values.get(39, "")
        orig = values.get(41)
        if orig is not None:
            self.resting.pop(orig, None)
        if values.get(150) == "F":
            self.filled += int(values.get(32, "0"))
        if values.get(150) == "8":
            self.refused += 1
        if status in _OPEN:
            self.resting[clordid] = Resting(clordid, values.get(55, ""), values.get(54, ""),
                                            values.get(44, ""), int(values.get(151, "0")))
        else:
            self.resting.pop(clordid, None)
