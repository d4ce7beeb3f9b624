"""The acceptor's taps see every byte each connection reads and writes, once, as it crosses,
even what arrives while a command is waiting to be journaled; `disconnect` drops an ORS's
connection as a network failure would (siamex.gateway.fix.acceptor)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import simplefix

from siamex.gateway.fix.acceptor import FixAcceptor
from siamex.gateway.fix.session import SessionConfig
from tests.gateway.serving import Live

TIMEOUT = 30.0


def message(seq: int, msg_type: str, *fields: tuple[int, str]) -> bytes:
    """A member's message, encoded by simplefix (not siamex's codec)."""
    built = simplefix.FixMessage()
    for tag, value in ((8, "FIX.4.4"), (35, msg_type), (49, "M01ORS1"), (56, "SIAMEX"),
                       (34, str(seq)), (52, f"{datetime.now(UTC):%Y%m%d-%H:%M:%S}"),
                       *fields):
        built.append_pair(tag, value)
    return bytes(built.encode())


def order(seq: int, clordid: str) -> bytes:
    return message(seq, "D", (50, "M01T1"), (11, clordid), (1, "C0001"), (55, "PTT"),
                   (54, "1"), (38, "100"), (40, "2"), (44, "30.00"), (60, "20261201-03:30:00"))


def test_every_byte_is_tapped_once_and_disconnect_drops_the_session(tmp_path: Path) -> None:
    async def scenario() -> None:
        live = Live(tmp_path)
        acceptor = FixAcceptor(live.service, tmp_path / "fix", SessionConfig(comp_id="SIAMEX"))
        tapped: dict[str, bytearray] = {"in": bytearray(), "out": bytearray()}
        acceptor.taps.append(lambda _, way, data: tapped[way].extend(data))
        live.start()
        await live.open_day()
        server = await asyncio.get_running_loop().create_server(
            acceptor.connection, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        logon = message(1, "A", (98, "0"), (108, "30"), (553, "m01ors1"),
                        (554, "m01-fix-secret-change-me"))
        sent = logon + b"".join(order(n, f"B{n}") for n in range(2, 12))  # one write
        writer.write(sent)
        received = bytearray()
        while received.count(b"\x0135=8\x01") < 10:
            received += await asyncio.wait_for(reader.read(65536), TIMEOUT)
        assert bytes(tapped["in"]) == sent
        assert bytes(tapped["out"]) == bytes(received)
        assert acceptor.disconnect("M01-ORS1")
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
        for _ in range(100):
            if not acceptor.disconnect("M01-ORS1"):
                break
            await asyncio.sleep(0.01)
        assert not acceptor.disconnect("M01-ORS1")
        writer.close()
        server.close()
        acceptor.close()
        await live.stop()
    asyncio.run(scenario())
