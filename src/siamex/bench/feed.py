"""The feed benchmark: `siamex serve` in a child process, its feed followed by N consumers
over loopback while one FIX session offers resting orders on a fixed schedule.

Every order rests and is the only order of the day, so the feed adds exactly one AddOrder for
each, in the order they were sent: the k-th AddOrder a consumer reads is order k, and its
latency runs from when order k was due to be sent to when the consumer read it. Two consumers
(the first and the last to log on) read and time every message; the others read and discard
bytes, as the load they put on the server is the same. Messages per second is what the timed
consumer received over the run.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

from siamex.bench.gateway import logged_on, offer, quantiles_us, serving
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


async def _run(fix: tuple[str, int], feed: tuple[str, int], subscribers: int, rate: int,
               seconds: float) -> tuple[list[_Consumer], int, float]:
    consumers = []
    for n in range(subscribers):
        reader, writer = await asyncio.open_connection(*feed)
        writer.write(login("", "", "", 1))
        consumers.append(_Consumer(reader, writer, n in (0, subscribers - 1)))
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
        consumer.writer.close()
    session.writer.close()
    return consumers, start, per_s


def measure_feed(subscribers: int, rate: int, seconds: float) -> FeedFigures:
    """Start a server, follow its feed with `subscribers` consumers, offer `rate` orders/s."""
    with serving(1) as server:
        consumers, start, per_s = asyncio.run(_run(server.fix, server.feed, subscribers, rate,
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
