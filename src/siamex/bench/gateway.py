"""The gateway benchmark: `siamex serve` in a child process, loaded over loopback FIX by an
open-loop generator; orders acknowledged per second and order-to-acknowledgement latency.

Open loop: each session sends its orders on a fixed schedule whatever the answers, and an
order's latency runs from when it was due to be sent to when its acknowledgement (the
ExecutionReport New or Rejected) is read, so a server that falls behind shows it in full
(no coordinated omission). The orders rest and never cross (buys below, sells above the
previous close), so the engine's work per order is an accepted order on a growing book.

The generator is plain Python on the same machine: it formats messages from a template and
reads only ClOrdID and ExecType from the answers, but it shares the cores with the server, so
the figures are the pair's, on loopback. The server journals with fsync (group commit), as it
does in use. The engine's share is the time the server spent running commands through the
exchange (registry, risk, engine), from its status, over the run's wall time.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import httpx

__all__ = ["GatewayFigures", "Listening", "gateway_config", "limit_order_body", "logged_on",
           "measure_gateway", "median_figures", "offer", "order_message", "quantiles_us",
           "serving"]

_LISTENING: Final = re.compile(rb"listening fix=([0-9.]+):([0-9]+) http=(\S+) ")
_FEED: Final = re.compile(rb" feed=([0-9.]+):([0-9]+)")
_SYMBOLS: Final = (("PTT", "31.00", "33.50"), ("AOT", "37.50", "39.50"),
                   ("KBANK", "155.00", "162.00"), ("CPALL", "49.50", "51.00"))
SYMBOLS: Final = tuple(symbol for symbol, _, _ in _SYMBOLS)
"""The securities the benchmark's orders are for."""
_TOKEN: Final = "bench-operator"


def gateway_config(sessions: int) -> str:
    """A configuration with one member, ORS and trader per session, and no limits."""
    lines = ["[exchange]", 'comp_id = "SIAMEX"', "password_iterations = 1000",
             "[operators]", f'tokens = ["{_TOKEN}"]']
    for n in range(1, sessions + 1):
        lines += ["[[members]]", f'id = "G{n:02d}"', f'accounts = [{{ id = "A{n:02d}" }}]',
                  "[[ors]]", f'id = "G{n:02d}-ORS"', f'member = "G{n:02d}"',
                  f'sender_comp_id = "G{n:02d}ORS"',
                  "[[traders]]", f'id = "G{n:02d}T"', f'member = "G{n:02d}"',
                  f'ors = ["G{n:02d}-ORS"]']
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Listening:
    """Where a benchmark's server listens."""

    fix: tuple[str, int]
    http: str
    feed: tuple[str, int]


@dataclass
class GatewayFigures:
    """One run: what was offered, what was acknowledged, the latencies in microseconds."""

    sessions: int
    offered: int
    acked_per_s: float
    p50_us: float
    p99_us: float
    p999_us: float
    engine_share: float


def _utc() -> str:
    now = time.time_ns()
    moment = datetime.fromtimestamp(now // 1_000_000_000, UTC)
    return f"{moment:%Y%m%d-%H:%M:%S}.{now // 1_000_000 % 1000:03d}"


def _frame(body: str) -> bytes:
    head = f"8=FIX.4.4\x019={len(body)}\x01"
    data = (head + body).encode()
    return data + b"10=%03d\x01" % (sum(data) % 256)


def _names(n: int) -> tuple[str, str, str]:
    """Session n's SenderCompID, trader and account, as `gateway_config` names them."""
    return f"G{n:02d}ORS", f"G{n:02d}T", f"A{n:02d}"


def limit_order_body(n: int, clordid: str, symbol: str, side: str, qty: int, price: str) -> str:
    """The body after the header of session n's limit order (`side` FIX's: 1 buy, 2 sell)."""
    _, trader, account = _names(n)
    return (f"50={trader}\x0111={clordid}\x011={account}\x0155={symbol}\x0154={side}"
            f"\x0138={qty}\x0140=2\x0144={price}\x0160={_utc()}\x01")


def _order_body(n: int, k: int) -> tuple[str, str]:
    """Session n's k-th order: its ClOrdID and the body after the header. The orders rest and
    never cross: buys below, sells above the previous close."""
    symbol, bid, ask = _SYMBOLS[k % len(_SYMBOLS)]
    side, price = ("1", bid) if k % 2 else ("2", ask)
    clordid = f"{_names(n)[0]}-{k}"
    return clordid, limit_order_body(n, clordid, symbol, side, 100, price)


def _message(n: int, seq: int, msg_type: str, body: str) -> bytes:
    head = f"35={msg_type}\x0149={_names(n)[0]}\x0156=SIAMEX\x0134={seq}\x0152={_utc()}\x01"
    return _frame(head + body)


def order_message(n: int, seq: int, k: int | None) -> bytes:
    """Session n's message numbered `seq`: its Logon (k None) or its k-th order."""
    if k is None:
        return _message(n, seq, "A", "98=0\x01108=30\x01141=Y\x01")
    return _message(n, seq, "D", _order_body(n, k)[1])


class _Session:
    """One member's connection: sends on schedule, matches acknowledgements to sends."""

    def __init__(self, n: int, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.n = n
        self.reader = reader
        self.writer = writer
        self.seq = 1
        self.due: dict[bytes, int] = {}
        self.latencies: list[int] = []

    async def logon(self) -> None:
        self.writer.write(order_message(self.n, self.seq, None))
        self.seq += 1
        await self.reader.readuntil(b"\x0110=")

    def order(self, k: int, due: int) -> bytes:
        clordid, body = _order_body(self.n, k)
        return self.message(clordid, body, due)

    def message(self, clordid: str, body: str, due: int) -> bytes:
        """The next NewOrderSingle with this body, its acknowledgement awaited from `due`."""
        self.due[clordid.encode()] = due
        self.seq += 1
        return _message(self.n, self.seq - 1, "D", body)

    async def read(self) -> None:
        buffer = b""
        while True:
            data = await self.reader.read(1 << 16)
            if not data:
                return
            now = time.perf_counter_ns()
            buffer += data
            last = buffer.rfind(b"\x0110=")  # the last CheckSum: whole messages end there
            end = buffer.find(b"\x01", last + 4) + 1 if last >= 0 else 0
            if end <= 0:
                end = max(last, 0)
            done, buffer = buffer[:end], buffer[end:]
            for match in re.finditer(rb"\x0111=([^\x01]+)\x01(?:[^\x01]*\x01)*?150=([08])",
                                     done):
                due = self.due.pop(match.group(1), None)
                if due is not None:
                    self.latencies.append(now - due)


async def logged_on(address: tuple[str, int], sessions: int) -> list[_Session]:
    opened = []
    for n in range(1, sessions + 1):
        reader, writer = await asyncio.open_connection(*address)
        session = _Session(n, reader, writer)
        await session.logon()
        opened.append(session)
    return opened


async def offer(opened: list[_Session], per_session: float, seconds: float) -> int:
    """Send every session's orders on schedule, whatever the answers (open loop); return the
    schedule's start (perf_counter ns): order k of each session is due k / per_session s
    after it."""
    start = time.perf_counter_ns()
    total = int(per_session * seconds)
    sent = 0
    while sent < total:
        elapsed = time.perf_counter_ns() - start
        due_count = min(total, int(elapsed * per_session / 1e9) + 1)
        for k in range(sent, due_count):
            due = start + int(k * 1e9 / per_session)
            for session in opened:
                session.writer.write(session.order(k, due))
        sent = due_count
        await asyncio.sleep(0.0005)
    return start


async def _load(address: tuple[str, int], sessions: int, rate: int, seconds: float
                ) -> list[_Session]:
    opened = await logged_on(address, sessions)
    readers = [asyncio.create_task(s.read()) for s in opened]
    await offer(opened, rate / sessions, seconds)
    deadline = time.monotonic() + 10
    while any(s.due for s in opened) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    for session in opened:
        session.writer.close()
    for task in readers:
        task.cancel()
    return opened


def _status(http: str) -> dict[str, int]:
    answer = httpx.get(f"{http}/v1/status", headers={"Authorization": f"Bearer {_TOKEN}"},
                       timeout=30).json()
    return {"busy_ns": int(answer["busy_ns"]), "commands": int(answer["seq"])}


@contextmanager
def serving(sessions: int, *extra: str) -> Iterator[Listening]:
    """`siamex serve` in a child process on a temporary folder, one member per session;
    `extra` are more options of the command (a universe)."""
    with tempfile.TemporaryDirectory(prefix="siamex-bench-") as tmp:
        config = Path(tmp) / "bench.toml"
        config.write_text(gateway_config(sessions), encoding="utf-8")
        server = subprocess.Popen(
            [sys.executable, "-c", "from siamex.cli import main; main()", "serve", "--data",
             str(Path(tmp) / "data"), "--config", str(config), "--date", "2026-12-01",
             "--start", "10:15", "--fix-port", "0", "--http-port", "0", "--feed-port", "0",
             *extra],
            stdout=subprocess.PIPE)
        try:
            assert server.stdout is not None
            line = server.stdout.readline()
            found, feed = _LISTENING.search(line), _FEED.search(line)
            if found is None or feed is None:
                raise RuntimeError("siamex serve did not start")
            yield Listening((found.group(1).decode(), int(found.group(2))),
                            found.group(3).decode(),
                            (feed.group(1).decode(), int(feed.group(2))))
        finally:
            server.terminate()
            server.wait(30)


def measure_gateway(sessions: int, rate: int, seconds: float) -> GatewayFigures:
    """Start a server, offer `rate` orders/s over `sessions` FIX sessions, and measure."""
    with serving(sessions) as server:
        before = _status(server.http)
        started = time.perf_counter()
        opened = asyncio.run(_load(server.fix, sessions, rate, seconds))
        wall = time.perf_counter() - started
        after = _status(server.http)
    latencies = [x for s in opened for x in s.latencies]
    p50, p99, p999 = quantiles_us(latencies)
    return GatewayFigures(sessions, rate, len(latencies) / wall, p50, p99, p999,
                          (after["busy_ns"] - before["busy_ns"]) / 1e9 / wall)


def quantiles_us(latencies_ns: list[int]) -> tuple[float, float, float]:
    """p50, p99 and p99.9 of latencies in nanoseconds, in microseconds (NaN for none)."""
    ordered = sorted(latencies_ns)
    count = len(ordered)

    def quantile(q: float) -> float:
        return ordered[min(count - 1, int(q * count))] / 1000 if count else float("nan")

    return quantile(0.5), quantile(0.99), quantile(0.999)


def median_figures(runs: list[GatewayFigures]) -> GatewayFigures:
    """The median of each figure over several runs."""
    return GatewayFigures(
        runs[0].sessions, runs[0].offered,
        statistics.median(r.acked_per_s for r in runs),
        statistics.median(r.p50_us for r in runs), statistics.median(r.p99_us for r in runs),
        statistics.median(r.p999_us for r in runs),
        statistics.median(r.engine_share for r in runs))
