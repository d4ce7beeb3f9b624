"""The feed of `siamex serve`, end to end: members trade over FIX (simplefix), consumers follow
over TCP, one from the start and one joining late from a snapshot, and a restart after kill -9
numbers every message as before."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from siamex.cli import main
from siamex.feed.client import FeedClient
from tests.gateway.live import Member, Server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "data")
    yield running
    running.kill()


def _until(clients: list[FeedClient], done: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the feed did not get there in time"
        for client in clients:
            client.poll(0.02)


Levels = tuple[list[tuple[int, int]], list[tuple[int, int]]]


def _bids_and_offers(client: FeedClient) -> Levels | None:
    """PTT's bids and offers (price, shares) as the consumer holds them; None before its
    directory message arrived."""
    locate = next((n for n, s in client.book.symbols.items() if s == "PTT"), None)
    if locate is None:
        return None
    return ([(price, shares) for _, price, shares in client.book.side(locate, "M", "B")],
            [(price, shares) for _, price, shares in client.book.side(locate, "M", "S")])


def _trade(server: Server) -> None:
    seller = Member(server.fix)
    buyer = Member(server.fix, "M02ORS1", "m02ors1", "m02-fix-secret-change-me")
    seller.logon()
    buyer.logon()
    seller.order("S1", "2", 300, "32.25")
    seller.report("S1", "0")
    buyer.order("B1", "1", 100, "32.25", trader="M02T1")
    buyer.report("B1", "F")
    buyer.order("B2", "1", 200, "32.00", trader="M02T1")
    buyer.report("B2", "0")


def test_a_consumer_from_the_start_and_one_from_a_snapshot_hold_the_same_book(
        server: Server) -> None:
    early = FeedClient(*server.feed, sequence=1)
    _trade(server)
    late = FeedClient(*server.feed, sequence=0)
    expected = ([(3200, 200)], [(3225, 200)])
    _until([early, late], lambda: _bids_and_offers(early) == expected
           and _bids_and_offers(late) == expected)
    assert late.received < early.received  # the late one had the book from its snapshot
    early.close()
    late.close()


def test_the_login_answer_and_the_packets_are_framed_as_documented(server: Server) -> None:
    _trade(server)
    sock = socket.create_connection(server.feed, timeout=10)
    body = b"L" + b" " * 6 + b" " * 10 + b" " * 10 + b"1".rjust(20)
    sock.sendall(struct.pack(">H", len(body)) + body)
    data = b""
    while len(data) < 33:
        data += sock.recv(4096)
    length, kind = struct.unpack(">Hc", data[:3])
    assert (length, kind, data[3:13], data[13:33].strip()) == (31, b"A", b"SIAMEX    ", b"1")
    data = data[33:]
    while len(data) < 3:
        data += sock.recv(4096)
    length, kind = struct.unpack(">Hc", data[:3])
    while len(data) < 2 + length:
        data += sock.recv(4096)
    assert kind == b"S" and data[3:4] == b"S"  # the first message: the system event
    sock.close()


def test_after_kill_9_the_feed_numbers_every_message_as_before(tmp_path: Path) -> None:
    first = Server(tmp_path / "data")
    try:
        _trade(first)
        before = FeedClient(*first.feed, sequence=1, keep=True)
        _until([before], lambda: _bids_and_offers(before) == ([(3200, 200)], [(3225, 200)]))
        kept = before.kept
        assert kept is not None and len(kept) > 10
        before.close()
    finally:
        first.kill()
    second = Server(tmp_path / "data")
    try:
        after = FeedClient(*second.feed, sequence=1, keep=True)
        _until([after], lambda: after.kept is not None and len(after.kept) >= len(kept))
        assert after.kept is not None and after.kept[:len(kept)] == kept
        after.close()
    finally:
        second.kill()


def test_siamex_feed_prints_each_books_best_bid_and_offer(server: Server) -> None:
    _trade(server)
    host, port = server.feed
    result = CliRunner().invoke(main, ["feed", f"{host}:{port}", "--seconds", "1"])
    assert result.exit_code == 0, result.output
    ptt = next(line for line in result.output.splitlines() if "PTT " in line)
    assert "200" in ptt and "32.00" in ptt and "32.25" in ptt


@pytest.mark.parametrize("address", ["localhost", "localhost:http", ":9879", "h:0"])
def test_siamex_feed_refuses_an_address_that_is_not_host_and_port(address: str) -> None:
    result = CliRunner().invoke(main, ["feed", address])
    assert result.exit_code != 0 and "INVALID_PARAMETER" in result.output


def test_siamex_feed_says_when_nothing_listens(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(main, ["feed", f"127.0.0.1:{port}", "--seconds", "0.1"])
    assert result.exit_code != 0 and "FEED_CONNECTION" in result.output


@pytest.mark.parametrize("garbage", [
    b"\x00\x00",  # a packet of no length
    b"\xff\xffS",  # longer than any packet may be
    b"\x00\x01X",  # a type a consumer does not send
    b"\x00\x05Lnope",  # a login of the wrong length
    b"\x00\x2fL" + b" " * 26 + b"not a number".rjust(20),  # a sequence that is no number
])
def test_garbage_on_the_feed_port_closes_that_connection_only(server: Server,
                                                             garbage: bytes) -> None:
    follower = FeedClient(*server.feed, sequence=1)
    with socket.create_connection(server.feed, timeout=10) as sock:
        sock.sendall(garbage)
        assert sock.recv(100) == b""  # closed, nothing answered
    _trade(server)
    _until([follower], lambda: _bids_and_offers(follower) == ([(3200, 200)], [(3225, 200)]))
    follower.close()


def test_a_login_to_another_session_is_rejected(server: Server) -> None:
    with socket.create_connection(server.feed, timeout=10) as sock:
        body = b"L" + b" " * 16 + b"OTHER".ljust(10) + b"1".rjust(20)
        sock.sendall(struct.pack(">H", len(body)) + body)
        assert sock.recv(100) == b"\x00\x02JS"
