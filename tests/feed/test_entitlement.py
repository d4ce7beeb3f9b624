"""The feed's market-data entitlement: with it, only an ORS's username and password whose member
holds the entitlement are admitted, the rest refused with `J` reason `A`; a withdrawal cuts the
member's consumers off at the next batch; without it, the feed is public as before. Then the
same through `siamex serve`, the operator withdrawing M01's entitlement."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from siamex.errors import ErrorCode, SiamexError
from siamex.feed.client import FeedClient, FeedClientError
from siamex.feed.entitlement import registry_admission
from siamex.feed.messages import FeedMessage, SystemEvent, encode
from siamex.feed.server import Admission, FeedServer
from siamex.feed.soup import Packet, Unpacker, login
from siamex.gateway.config import SAMPLE, parse_config
from siamex.gateway.ors_lifecycle import OrsEvent, OrsState
from siamex.gateway.registry import Registry
from siamex.gateway.registry_changes import (
    RegAddMember,
    RegAddOrs,
    RegOrsEvent,
    RegSetMarketData,
    credentials_change,
)
from tests.gateway.live import CONFIG, Server

FAST = 1_000  # PBKDF2 rounds in tests: the smallest the registry takes
TIMEOUT = 10.0
OPERATOR = {"Authorization": "Bearer operator-secret-change-me"}
# (ORS, member, username, password, approved, member entitled)
SYSTEMS = [("O1", "M1", "m1ors1", "m1-feed-secret-longer-than-ten", True, True),
           ("O2", "M2", "m2", "pw2", True, False),
           ("O3", "M1", "m1new", "pw3", False, True),
           ("O4", "M3", "m3", "pw4", True, True)]


def _registry() -> Registry:
    registry = Registry()
    for ors, member, username, password, approved, entitled in SYSTEMS:
        if registry.member(member) is None:
            registry.apply(RegAddMember(1, member, f"Member {member}"))
            registry.apply(RegSetMarketData(1, member, entitled))
        registry.apply(RegAddOrs(1, ors, member))
        registry.apply(RegOrsEvent(1, ors, OrsEvent.RECORD_TEST))
        if approved:
            registry.apply(RegOrsEvent(1, ors, OrsEvent.APPROVE))
        registry.apply(credentials_change(1, ors, username=username, password=password,
                                          iterations=FAST))
    return registry


class _Log:
    """What the server reads of a feed log; `publish` is a batch that adds one message."""

    def __init__(self) -> None:
        self.messages = [encode(SystemEvent(0, 1, "O"))]
        self.readers: list[Callable[[], None]] = []

    def snapshot(self) -> tuple[int, list[FeedMessage]]:
        return len(self.messages), []

    def publish(self) -> None:
        self.messages.append(encode(SystemEvent(0, len(self.messages) + 1, "S")))
        for reader in self.readers:
            reader()


class _Feed:
    """A feed server on loopback over `_Log`; each consumer logs on from message 1."""

    def __init__(self, admit: Admission | None) -> None:
        self.log = _Log()
        self.server = FeedServer(self.log, admit)  # type: ignore[arg-type]

    async def __aenter__(self) -> _Feed:
        loop = asyncio.get_running_loop()
        self.listener = await loop.create_server(self.server.connection, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        self.server.close()
        self.listener.close()

    async def consumer(self, username: str, password: str, session: str = "") -> _Consumer:
        port = self.listener.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(login(username, password, session, 1))
        return _Consumer(reader, writer)


class _Consumer:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.unpacker = Unpacker()
        self.packets: list[Packet] = []
        self.closed = False

    async def expect(self, *kinds: bytes) -> None:
        """Read until these packets came (heartbeats aside) or the exchange closed."""
        while self.kinds() != list(kinds) and not self.closed:
            await self._read()

    async def end(self) -> None:
        """Read until the exchange closes the connection."""
        while not self.closed:
            await self._read()

    async def _read(self) -> None:
        data = await asyncio.wait_for(self.reader.read(1 << 16), TIMEOUT)
        self.closed = not data
        self.packets += self.unpacker.feed(data)

    def kinds(self) -> list[bytes]:
        return [kind for kind, _ in self.packets if kind != b"H"]


def _admission(registry: Registry) -> Admission:
    service = SimpleNamespace(exchange=SimpleNamespace(registry=registry))
    return registry_admission(service)  # type: ignore[arg-type]


def _run(admit: Admission | None, scenario: Callable[[_Feed], Awaitable[None]]) -> None:
    async def main() -> None:
        async with _Feed(admit) as feed:
            await asyncio.wait_for(scenario(feed), 30)
    asyncio.run(main())


def _state(registry: Registry, ors: str) -> OrsState | None:
    found = registry.ors(ors)
    return None if found is None else found.state


def test_a_right_login_is_admitted_and_receives_the_messages() -> None:
    async def scenario(feed: _Feed) -> None:
        consumer = await feed.consumer("m1ors1", "m1-feed-secret-longer-than-ten")
        await consumer.expect(b"A", b"S")
        feed.log.publish()
        await consumer.expect(b"A", b"S", b"S")
        assert not consumer.closed
    _run(_admission(_registry()), scenario)


@pytest.mark.parametrize(("username", "password"), [
    ("m1ors1", "wrong-password"),  # a wrong password
    ("nobody", "pw"),  # an unknown username
    ("", ""),  # no credentials at all
    ("m1new", "pw3"),  # an ORS not approved
    ("m2", "pw2"),  # a member without the entitlement
])
def test_a_login_not_entitled_is_refused_with_reason_a(username: str, password: str) -> None:
    registry = _registry()

    async def scenario(feed: _Feed) -> None:
        consumer = await feed.consumer(username, password)
        await consumer.end()
        assert consumer.packets == [(b"J", b"A")]
    _run(_admission(registry), scenario)


def test_the_credentials_are_checked_before_the_session() -> None:
    async def scenario(feed: _Feed) -> None:
        stranger = await feed.consumer("nobody", "pw", "OTHER")
        member = await feed.consumer("m3", "pw4", "OTHER")
        for consumer in (stranger, member):
            await consumer.end()
        assert (stranger.packets, member.packets) == ([(b"J", b"A")], [(b"J", b"S")])
    _run(_admission(_registry()), scenario)


def test_a_feed_login_is_not_the_systems_first_logon() -> None:
    registry = _registry()

    async def scenario(feed: _Feed) -> None:
        consumer = await feed.consumer("m3", "pw4")
        await consumer.expect(b"A", b"S")
    _run(_admission(registry), scenario)
    assert _state(registry, "O4") is OrsState.APPROVED


def test_a_withdrawn_entitlement_cuts_the_members_consumers_off_at_the_next_batch() -> None:
    registry = _registry()

    async def scenario(feed: _Feed) -> None:
        m1 = await feed.consumer("m1ors1", "m1-feed-secret-longer-than-ten")
        m3 = await feed.consumer("m3", "pw4")
        for consumer in (m1, m3):
            await consumer.expect(b"A", b"S")
        registry.apply(RegSetMarketData(2, "M1", False))
        feed.log.publish()
        await m1.end()
        await m3.expect(b"A", b"S", b"S")
        assert m1.kinds() == [b"A", b"S"]  # cut off before the batch, no Z: the session goes on
        assert not m3.closed
        again = await feed.consumer("m1ors1", "m1-feed-secret-longer-than-ten")
        await again.end()
        assert again.packets == [(b"J", b"A")]
    _run(_admission(registry), scenario)


def test_without_the_switch_any_login_is_admitted() -> None:
    async def scenario(feed: _Feed) -> None:
        consumer = await feed.consumer("anyone", "anything")
        await consumer.expect(b"A", b"S")
        feed.log.publish()
        await consumer.expect(b"A", b"S", b"S")
        assert not consumer.closed
    _run(None, scenario)


def test_the_switch_is_off_by_default_and_must_be_true_or_false() -> None:
    assert not parse_config(SAMPLE).feed_entitlement
    assert parse_config("[exchange]\nfeed_entitlement = true\n").feed_entitlement
    with pytest.raises(SiamexError, match="feed_entitlement must be true or false") as refused:
        parse_config('[exchange]\nfeed_entitlement = "yes"\n')
    assert refused.value.code is ErrorCode.CONFIG_FILE


# Through `siamex serve`

ENTITLED = CONFIG.replace("password_iterations = 1000",
                          "password_iterations = 1000\nfeed_entitlement = true")
M01 = {"username": "m01ors1", "password": "m01-fix-secret-change-me"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "data", ENTITLED)
    yield running
    running.kill()


def _reads(client: FeedClient) -> None:
    """Read until the snapshot named the securities."""
    deadline = time.monotonic() + TIMEOUT
    while not client.book.symbols:
        assert time.monotonic() < deadline, "the snapshot did not arrive in time"
        client.poll(0.05)


def _answer(client: FeedClient) -> str:
    """Follow until the exchange refuses or closes: what the consumer was told."""
    try:
        client.poll(TIMEOUT)
    except FeedClientError as exc:
        return str(exc)
    finally:
        client.close()
    return "still reading"


def test_serve_refuses_m01s_next_login_once_the_operator_withdraws_its_entitlement(
        server: Server) -> None:
    refused = "login rejected (A)"
    assert _answer(FeedClient(*server.feed)) == refused
    reading = FeedClient(*server.feed, **M01)
    _reads(reading)
    answer = httpx.post(f"{server.http}/v1/registry", headers=OPERATOR, timeout=30, json={
        "op": "reg_set_market_data", "member": "M01", "entitled": False})
    assert answer.status_code == 200, answer.text
    assert _answer(reading) == "the exchange closed the connection"
    assert _answer(FeedClient(*server.feed, **M01)) == refused
    m02 = FeedClient(*server.feed, username="m02ors1", password="m02-fix-secret-change-me")
    _reads(m02)
    m02.close()
