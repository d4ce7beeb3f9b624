"""The feed benchmark: `siamex serve` in a child process, its feed followed by N consumers
over loopback while one FIX session offers resting orders on a fixed schedule.

Every order rests and is the only order of the day, so the feed adds exactly one AddOrder for
each, in the order they were sent: the k-th AddOrder a consumer reads is order k, and its
latency runs from when order k was due to be sent to when the consumer read it. Two consumers
(the first and the last to log on) read and time every message; the others read and discard
bytes, as the load they put on the server is the same. Messages per second is what the timed
consumer received over the run.

With `websocket`, the consumers follow the browsers' WebSocket instead, subscribed to every
security the orders are for: each order changes the quantity of a level in the ten shown (all
of one side rest at one price), so the k-th depth update a consumer reads is order k's.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

import websockets

from siamex.bench.gateway import SYMBOLS, logged_on, offer, quantiles_us, serving
from siamex.feed.soup import Unpacker, login

__all__ = ["FeedFigures", "measure_feed", "median_feed"]


@dataclass
class FeedFigures:
    """One run: consumers, orders offered per second, messages per second a consumer received,
    and order-to-feed latency in microseconds."""

    subscribers: int
    offered: int
    messages_per_s: float
    p50_us: float
    p99_us: float
    p999_us: float


class _Consumer:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 timed: bool) -> None:
        self.reader = reader
        self.writer = writer  # held: a StreamWriter collected closes its connection
        self.timed = timed
        self.adds: list[int] = []
        self.messages = 0

    async def read(self) -> None:
        unpacker = Unpacker()
        while True:
            data = await self.reader.read(1 << 16)
            if not data:
                return
            if not self.timed:
                continue
            now = time.perf_counter_ns()
            for kind, payload in unpacker.feed(data):
                if kind == b"S":
                    self.messages += 1
                    if payload[:1] == b"A":
                        self.adds.append(now)


class _WebConsumer:
    """A browser's view: a WebSocket subscribed to every security the orders are for."""

    def __init__(self, socket: websockets.ClientConnection, timed: bool) -> None:
        self.socket = socket
        self.timed = timed
        self.adds: list[int] = []
        self.messages = 0

    @classmethod
    async def open(cls, url: str, timed: bool) -> _WebConsumer:
        socket = await websockets.connect(url, max_queue=None)
        for symbol in SYMBOLS:
            await socket.send(f'{{"op":"subscribe","channel":"security:{symbol}"}}')
        for _ in SYMBOLS:  # the snapshots
            await socket.recv()
        return cls(socket, timed)

    async def read(self) -> None:
        async for message in self.socket:
            if self.timed:
                self.messages += 1
                if '"type":"depth"' in message:
                    self.adds.append(time.perf_counter_ns())

    def close(self) -> None:
        self.socket.transport.close()


async def _raw_web_consumer(url: str) -> _Consumer:
    """An untimed WebSocket consumer that reads and discards bytes, as the binary feed's
    untimed consumers do: the server's load is the same, the benchmark's own is not a
    WebSocket library decoding every frame. It shakes hands and subscribes by hand (RFC 6455:
    a client's frames are masked; a zero mask leaves the payload as it is)."""
    host, _, port = url.removeprefix("ws://").partition("/")[0].partition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET /v1/market-data HTTP/1.1\r\nHost: {host}:{port}\r\n"
                 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: c2lhbWV4LWJlbmNoLWtleQ==\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n".encode())
    await reader.readuntil(b"\r\n\r\n")
    for symbol in SYMBOLS:
        text = f'{{"op":"subscribe","channel":"security:{symbol}"}}'.encode()
        writer.write(bytes([0x81, 0x80 | len(text)]) + bytes(4) + text)
    return _Consumer(reader, writer, timed=False)


async def _consumers(feed: tuple[str, int] | str, subscribers: int
                     ) -> list[_Consumer | _WebConsumer]:
    """`subscribers` consumers of the binary feed at an address, or of the WebSocket at a URL;
    the first and the last are timed."""
    consumers: list[_Consumer | _WebConsumer] = []
    for n in range(subscribers):
        timed = n in (0, subscribers - 1)
        if isinstance(feed, str):
            consumers.append(await _WebConsumer.open(feed, timed) if timed
                             else await _raw_web_consumer(feed))
        else:
            reader, writer = await asyncio.open_connection(*feed)
            writer.write(login("", "", "", 1))
            consumers.append(_Consumer(reader, writer, timed))
    return consumers


async def _run(fix: tuple[str, int], feed: tuple[str, int] | str, subscribers: int, rate: int,
               seconds: float) -> tuple[list[_Consumer | _WebConsumer], int, float]:
    consumers = await _consumers(feed, subscribers)
    tasks = [asyncio.create_task(c.read()) for c in consumers]
    (session,) = await logged_on(fix, 1)
    before = consumers[0].messages
    began = time.perf_counter()
    start = await offer([session], rate, seconds)
    total = int(rate * seconds)
    deadline = time.monotonic() + 10
    while any(len(c.adds) < total for c in consumers if c.timed) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    per_s = (consumers[0].messages - before) / (time.perf_counter() - began)
    for task in tasks:
        task.cancel()
    for consumer in consumers:
        if isinstance(consumer, _WebConsumer):
            consumer.close()
        else:
            consumer.writer.close()
    session.writer.close()
    return consumers, start, per_s


def measure_feed(subscribers: int, rate: int, seconds: float, *, websocket: bool = False
                 ) -> FeedFigures:
    """Start a server, follow its feed (or its WebSocket) with `subscribers` consumers, offer
    `rate` orders/s."""
    with serving(1) as server:
        feed: tuple[str, int] | str = server.feed
        if websocket:
            feed = server.http.replace("http://", "ws://") + "/v1/market-data"
        consumers, start, per_s = asyncio.run(_run(server.fix, feed, subscribers, rate,
                                                   seconds))
    p50, p99, p999 = quantiles_us([at - (start + int(k * 1e9 / rate)) for c in consumers
                                   if c.timed for k, at in enumerate(c.adds)])
    return FeedFigures(subscribers, rate, per_s, p50, p99, p999)


def median_feed(runs: list[FeedFigures]) -> FeedFigures:
    """The median of each figure over several runs."""
    return FeedFigures(runs[0].subscribers, runs[0].offered,
                       statistics.median(r.messages_per_s for r in runs),
                       statistics.median(r.p50_us for r in runs),
                       statistics.median(r.p99_us for r in runs),
                       statistics.median(r.p999_us for r in runs))
