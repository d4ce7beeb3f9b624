"""Market data for browsers in `siamex serve`, end to end: members trade over FIX (simplefix),
browsers follow over WebSocket with the `websockets` library and rebuild PTT's ten levels from
a snapshot and its updates, equal to the book an ITCH consumer rebuilds from the TCP feed; a
late subscriber and one that disconnects and comes back get a snapshot and go on with no gap."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from siamex.feed.client import FeedClient
from siamex.units import format_price
from tests.feed.web_client import Client
from tests.gateway.live import Member, Server

PTT = "security:PTT"
TIMEOUT = 10.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "data")
    yield running
    running.kill()


class _Browser:
    """A browser's connection, its channels rebuilt by the reference client."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.client = Client()

    def send(self, request: object) -> None:
        self.ws.send(request if isinstance(request, str | bytes) else json.dumps(request))

    def poll(self, seconds: float) -> None:
        """Apply what arrives within `seconds`."""
        try:
            self.client.receive(str(self.ws.recv(timeout=seconds)))
        except TimeoutError:
            return

    def next(self) -> dict[str, object]:
        """The next message, whatever it is."""
        return self.client.receive(str(self.ws.recv(timeout=TIMEOUT)))

    def levels(self, side: str) -> list[tuple[str | None, int, int]] | None:
        channel = self.client.channels.get(PTT)
        return channel.levels("M", side) if channel is not None else None


@contextlib.contextmanager
def _browser(server: Server, *channels: str) -> Iterator[_Browser]:
    """A browser connected to the server's WebSocket and subscribed to `channels`."""
    url = server.http.replace("http://", "ws://") + "/v1/market-data"
    with connect(url, proxy=None, open_timeout=TIMEOUT) as ws:
        browser = _Browser(ws)
        for channel in channels:
            browser.send({"op": "subscribe", "channel": channel})
        yield browser


class _Members:
    """A seller (M01) and a buyer (M02) logged on over FIX."""

    def __init__(self, server: Server) -> None:
        self.seller = Member(server.fix)
        self.buyer = Member(server.fix, "M02ORS1", "m02ors1", "m02-fix-secret-change-me")
        self.seller.logon()
        self.buyer.logon()
        self.n = 0

    def sell(self, qty: int, price: str, expect: str = "0") -> None:
        self.n += 1
        self.seller.order(f"S{self.n}", "2", qty, price)
        self.seller.report(f"S{self.n}", expect)

    def buy(self, qty: int, price: str, expect: str = "0") -> None:
        self.n += 1
        self.buyer.order(f"B{self.n}", "1", qty, price, trader="M02T1")
        self.buyer.report(f"B{self.n}", expect)


def _itch_levels(feed: FeedClient, side: str) -> list[tuple[str | None, int, int]] | None:
    """PTT's main-board levels as the ITCH consumer holds them."""
    locate = next((n for n, s in feed.book.symbols.items() if s == "PTT"), None)
    if locate is None:
        return None
    return [(format_price(p), shares, orders) for p, shares, orders in
            feed.book.depth(locate, side, 10)]


def _until(done: Callable[[], bool], browsers: Sequence[_Browser],
           feeds: Sequence[FeedClient] = ()) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not done():
        assert time.monotonic() < deadline, (
            "the market data did not get there in time: "
            f"browsers {[(b.levels('B'), b.levels('S')) for b in browsers]}, "
            f"ITCH {[(_itch_levels(f, 'B'), _itch_levels(f, 'S')) for f in feeds]}")
        for browser in browsers:
            browser.poll(0.02)
        for feed in feeds:
            feed.poll(0.02)


def _same_as_itch(browser: _Browser, feed: FeedClient) -> bool:
    return all(browser.levels(side) == _itch_levels(feed, side) is not None
               for side in ("B", "S"))


def _book(members: _Members) -> None:
    """Twelve offers and twelve bids over more than ten prices a side, and a trade."""
    for step in range(12):
        members.sell(100 * (step + 1), format_price(3225 + 25 * step))
        members.buy(100, format_price(3200 - 25 * step))
    members.buy(100, "32.25", expect="F")  # takes a whole level: the eleventh comes into view


def test_a_browser_holds_the_ten_levels_the_itch_feed_shows(server: Server) -> None:
    feed = FeedClient(*server.feed, sequence=0)
    with _browser(server, PTT, "market") as browser:
        members = _Members(server)
        _book(members)
        expected_offers = [(format_price(3250 + 25 * step), 100 * (step + 2), 1)
                           for step in range(10)]
        _until(lambda: browser.levels("S") == expected_offers and _same_as_itch(browser, feed),
               [browser], [feed])
        bids = browser.levels("B")
        assert bids is not None and len(bids) == 10 and bids[0] == ("32.00", 100, 1)
        market = browser.client.channels["market"].state["market"]
        assert market["securities"]["PTT"]["last"]["price"] == "32.25"
        assert market["securities"]["PTT"]["stats"]["volume"] == 100
        assert browser.client.kinds["snapshot"] == 2 and browser.client.kinds["trade"] == 2
    feed.close()


def test_the_market_channels_best_and_the_day_so_far_are_served(server: Server) -> None:
    with _browser(server, PTT, "market") as browser:
        members = _Members(server)
        _book(members)
        _until(lambda: _best_shown(browser), [browser])
    day = httpx.get(f"{server.http}/v1/market-data/intraday/PTT", timeout=TIMEOUT).json()
    [trade] = day["trades"]
    assert (trade["price"], trade["quantity"], trade["board"]) == ("32.25", 100, "M")
    [bar] = day["bars"]
    assert (bar["open"], bar["close"], bar["volume"], bar["value"]) == (
        "32.25", "32.25", 100, "3225.00")
    assert bar["time"] == trade["time"][:17] + "00.000000000+07:00"
    assert day["reports"] == []
    indices = httpx.get(f"{server.http}/v1/market-data/intraday", timeout=TIMEOUT).json()
    assert {"SET", "SET50"} <= set(indices["indices"])
    missing = httpx.get(f"{server.http}/v1/market-data/intraday/NOPE", timeout=TIMEOUT)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
    paths = httpx.get(f"{server.http}/v1/openapi.json", timeout=TIMEOUT).json()["paths"]
    assert {"/v1/market-data/intraday", "/v1/market-data/intraday/{symbol}"} <= set(paths)


def _best_shown(browser: _Browser) -> bool:
    """Whether the market channel's best for PTT is the first level of each side of PTT's
    book, once the trade took the best offer."""
    market = browser.client.channels.get("market")
    bids, offers = browser.levels("B"), browser.levels("S")
    if market is None or not bids or not offers:
        return False
    best = market.state["market"]["securities"]["PTT"]["best"]
    return best == {"bid": list(bids[0]), "ask": list(offers[0])} and offers[0][0] == "32.50"


def test_a_late_subscriber_and_one_that_comes_back_go_on_with_no_gap(server: Server) -> None:
    members = _Members(server)
    with _browser(server, PTT) as first:
        members.sell(100, "32.50")
        _until(lambda: first.levels("S") == [("32.50", 100, 1)], [first])
    with _browser(server, PTT) as late:
        _book(members)
        with _browser(server, PTT) as back:
            members.sell(500, "32.50")
            members.buy(600, "32.50", expect="F")  # 600 of the 800 at 32.50 (32.25 is gone)
            feed = FeedClient(*server.feed, sequence=0)
            browsers = [late, back]
            _until(lambda: all(_same_as_itch(b, feed) for b in browsers)
                   and _best(late) == _best(back) == ("32.50", 200, 1), browsers, [feed])
            for browser in browsers:  # one snapshot each, every update since in sequence
                channel = browser.client.channels[PTT]
                assert channel.snapshots == 1 and channel.seq > 0
            feed.close()


def _best(browser: _Browser) -> tuple[str | None, int, int] | None:
    offers = browser.levels("S")
    return offers[0] if offers else None


def test_a_bad_request_gets_its_error_and_the_connection_goes_on(server: Server) -> None:
    with _browser(server) as browser:
        for request, code in [("not json", "NOT_JSON"), (b"\x00binary", "NOT_JSON"),
                              ({"op": "subscribe", "channel": "security:NOPE"},
                               "UNKNOWN_SECURITY"),
                              ({"op": "watch", "channel": "market"}, "UNKNOWN_OP"),
                              ("x" * 5000, "TOO_LARGE")]:
            browser.send(request)
            answer = browser.next()
            assert (answer["type"], answer["code"]) == ("error", code)
        browser.send({"op": "subscribe", "channel": "market"})
        assert browser.next()["type"] == "snapshot"


def test_a_flood_of_bad_requests_is_closed_with_1008(server: Server) -> None:
    with _browser(server) as browser:
        with contextlib.suppress(ConnectionClosed):
            for _ in range(40):
                browser.send("{")
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                browser.next()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        assert len(browser.client.answers) == 16
    with _browser(server, "market") as follower:  # the server goes on
        assert follower.next()["type"] == "snapshot"


def test_the_server_stops_on_sigterm_with_browsers_connected(server: Server) -> None:
    with _browser(server, PTT, "market") as browser:
        browser.next()
        assert server.stop() == 0
        with pytest.raises(ConnectionClosed):
            while True:
                browser.next()


def test_after_kill_9_a_channel_has_the_numbers_it_had(tmp_path: Path) -> None:
    first = Server(tmp_path / "data")
    try:
        members = _Members(first)
        _book(members)
        with _browser(first, PTT) as browser:
            before = browser.next()
    finally:
        first.kill()
    second = Server(tmp_path / "data")
    try:
        with _browser(second, PTT) as browser:
            after = browser.next()
    finally:
        second.kill()
    assert (after["seq"], after["book"], after["security"]) == (
        before["seq"], before["book"], before["security"])
