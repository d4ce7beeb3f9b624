"""The feed server's flow control: a consumer that asks for a long log at once, and reads it
slowly, gets every message once and in order."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from siamex.feed.messages import FeedMessage, SystemEvent, encode
from siamex.feed.server import FeedServer
from siamex.feed.soup import Unpacker, login

MESSAGES = 600_000  # 9 MB: more than any send buffer holds


class _Log:
    """What the server reads of a feed log: its messages, a snapshot, its readers."""

    def __init__(self, messages: list[bytes]) -> None:
        self.messages = messages
        self.readers: list[Callable[[], None]] = []

    def snapshot(self) -> tuple[int, list[FeedMessage]]:
        return len(self.messages), []


async def _follow() -> list[bytes]:
    log = _Log([encode(SystemEvent(0, n, "S")) for n in range(MESSAGES)])
    feed = FeedServer(log)  # type: ignore[arg-type]
    server = await asyncio.get_running_loop().create_server(feed.connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(login("", "", "", 1))
    unpacker, got = Unpacker(), []
    while len(got) < MESSAGES + 1:
        data = await asyncio.wait_for(reader.read(1 << 16), 10)
        assert data, "the server closed the connection"
        got += [payload for kind, payload in unpacker.feed(data) if kind in (b"A", b"S")]
        await asyncio.sleep(0)  # a consumer slower than the server
    writer.close()
    feed.close()
    server.close()
    return got[1:]


def test_a_slow_consumer_of_a_long_log_gets_every_message_once_in_order() -> None:
    got: Any = asyncio.run(_follow())
    assert got == [encode(SystemEvent(0, n, "S")) for n in range(MESSAGES)]
