"""The whole market end to end (issue 11): a generated flow traded at once through FIX (member
M01) and the web API (member M02) on a real `siamex serve` (tests/market_flow.py), followed by
two consumers of the ITCH-style feed (`FeedClient`) and two of the WebSocket feed (the
`websockets` library and the stdlib reference client, tests/feed/web_client.py); one of each
leaves mid-run and rejoins, the ITCH one from its next sequence number, the WebSocket one with
fresh snapshots.

The engine's books live in the server's process, so the test gets them honestly: once every
consumer has seen a last marker order, it takes the server's state hash, stops the server and
rebuilds the exchange from its journal, command by command, with a publisher beside it. The
replay is the server's exchange (same hash at the server's sequence number), and:

- the feed messages the consumers received are byte for byte the ones the replay publishes,
  and the one that rejoined received each of them exactly once;
- after every command, the book rebuilt from the received messages holds the engine's orders,
  in priority, with their visible shares; and each WebSocket connection's ten levels a side, its
  messages applied up to that command's last feed number (each carries it as `feed`), are the
  engine's book aggregated, from the connection's snapshot to the last message it received;
- each live ITCH consumer's book is the one replayed from the messages it received, and the
  consumers that came back end with the same books as those that stayed.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from siamex.feed.book import FeedBook, Resting
from siamex.feed.client import FeedClient
from siamex.feed.messages import decode, encode
from siamex.feed.publisher import Publisher
from siamex.gateway.entry import OrderEntry
from siamex.gateway.exchange import Exchange
from siamex.gateway.journaled import DECODER
from siamex.gateway.service import JOURNAL
from siamex.journal.log import read_journal
from siamex.trading import events as ev
from siamex.trading.book import Book
from siamex.trading.engine import Engine
from siamex.trading.enums import Side
from siamex.units import format_price
from tests.feed.web_client import Client
from tests.gateway.live import Server
from tests.market_flow import SYMBOLS, FixTrader, WebTrader, flow

SEED: Final = 20261201
ACTIONS: Final = 240
"""Requests per member: orders, amends and cancels."""
MARKER: Final = "SCC"
"""A security nobody trades until the end: its one bid tells a consumer it has seen it all."""
CHANNELS: Final = [f"security:{symbol}" for symbol in (*SYMBOLS, MARKER)]
LEVELS: Final = 10
"""Price levels a side the WebSocket shows (docs/market-data-web.md)."""
OPERATOR: Final = {"Authorization": "Bearer operator-secret-change-me"}
DEADLINE_S: Final = 45.0
AWAY: Final = 20
"""Requests answered, at least, while the two rejoining consumers are away."""

Level = tuple[str | None, int, int]


# -- the run: two members trading, four consumers following ----------------------------------

class Run:
    """What the threads share: when to leave and rejoin, when the marker is in, and whether
    one of them failed."""

    def __init__(self) -> None:
        self.leave = threading.Event()
        self.left = {"itch": threading.Event(), "web": threading.Event()}
        self.rejoin = threading.Event()
        self.marked = threading.Event()
        self.abort = threading.Event()
        self.deadline = time.monotonic() + DEADLINE_S
        self._all_left_at: int | None = None

    def going(self) -> None:
        """Stop a consumer that waited past the deadline, or whose run failed elsewhere."""
        if self.abort.is_set():
            raise Aborted("another thread of the run failed")
        assert time.monotonic() < self.deadline, "the consumers did not get there in time"

    def wait(self, event: threading.Event) -> None:
        """Wait until the event is set (a consumer told to rejoin)."""
        while not event.wait(0.05):
            self.going()

    def step(self, answered: int) -> None:
        """Leave after a third of a member's requests; rejoin after two thirds, once both
        consumers have left and at least `AWAY` more requests have been answered."""
        if answered == ACTIONS // 3:
            self.leave.set()
        if self._all_left_at is None and all(e.is_set() for e in self.left.values()):
            self._all_left_at = answered
        if self._all_left_at is not None and answered >= max(2 * ACTIONS // 3,
                                                             self._all_left_at + AWAY):
            self.rejoin.set()


class Aborted(AssertionError):
    """A thread stopped because another one failed: that one's error is the one to report."""


def _guarded(run: Run, task: Callable[[], Any]) -> Callable[[], Any]:
    def guarded() -> Any:
        try:
            return task()
        except BaseException:
            run.abort.set()
            raise
    return guarded


def results(tasks: list[concurrent.futures.Future[Any]]) -> list[Any]:
    """The tasks' results; else the error of the first that failed on its own."""
    concurrent.futures.wait(tasks, DEADLINE_S)
    errors = [e for t in tasks if t.done() and (e := t.exception()) is not None]
    causes = [e for e in errors if not isinstance(e, Aborted)] or errors
    if causes:
        raise causes[0]
    return [task.result(0) for task in tasks]


def _itch_marked(client: FeedClient) -> bool:
    locate = next((n for n, s in client.book.symbols.items() if s == MARKER), None)
    return locate is not None and bool(client.book.side(locate, "M", "B"))


def follow_itch(run: Run, client: FeedClient, until: Callable[[], bool]) -> None:
    """Read the feed until `until()` holds."""
    while not until():
        run.going()
        client.poll(0.05)


def itch_rejoining(run: Run, first: FeedClient, host: str, port: int) -> FeedClient:
    """Follow; log out when told to leave; log on again from the next sequence number when
    told to rejoin, with the book held, and follow to the marker."""
    follow_itch(run, first, run.leave.is_set)
    first.close()
    run.left["itch"].set()
    run.wait(run.rejoin)
    second = FeedClient(host, port, sequence=first.next_seq, keep=True)
    second.book = first.book  # the same consumer: it goes on with the book it held
    follow_itch(run, second, lambda: run.marked.is_set() and _itch_marked(second))
    return second


@dataclass
class WebTrace:
    """One WebSocket connection: every text it received, in order, and the reference client's
    channels rebuilt from them as they arrived (it raises on a `seq` out of sequence)."""

    ws: ClientConnection
    texts: list[str] = field(default_factory=list)
    client: Client = field(default_factory=Client)


def web_url(server: Server) -> str:
    return server.http.replace("http://", "ws://") + "/v1/market-data"


def subscribed(ws: ClientConnection) -> WebTrace:
    """The connection, subscribed to every channel of the run."""
    for channel in CHANNELS:
        ws.send(json.dumps({"op": "subscribe", "channel": channel}))
    return WebTrace(ws)


def _web_marked(trace: WebTrace) -> bool:
    channel = trace.client.channels.get(f"security:{MARKER}")
    return channel is not None and bool(channel.book["M"]["B"])


def follow_web(run: Run, trace: WebTrace, until: Callable[[], bool]) -> None:
    """Receive until `until()` holds."""
    while not until():
        run.going()
        try:
            text = str(trace.ws.recv(timeout=0.05))
        except TimeoutError:
            continue
        trace.texts.append(text)
        trace.client.receive(text)


def web_rejoining(run: Run, first: WebTrace, server: Server) -> WebTrace:
    """Follow; disconnect when told to leave; connect and subscribe again when told to rejoin
    (a fresh snapshot of each channel) and follow to the marker."""
    follow_web(run, first, run.leave.is_set)
    first.ws.close()
    run.left["web"].set()
    run.wait(run.rejoin)
    with connect(web_url(server), proxy=None) as ws:
        second = subscribed(ws)
        follow_web(run, second, lambda: run.marked.is_set() and _web_marked(second))
    return second


def _open(server: Server) -> None:
    """Wait until every security trades continuously (the day opens at the clock's first
    tick)."""
    deadline = time.monotonic() + DEADLINE_S
    with httpx.Client(base_url=server.http, timeout=10, trust_env=False) as http:
        while True:
            phases = http.get("/v1/status", headers=OPERATOR).json()["phases"]
            if set(phases) == {"OPEN_1"}:
                return
            assert time.monotonic() < deadline, phases
            time.sleep(0.05)


@dataclass
class Traded:
    """What the live run leaves to check."""

    itch: FeedClient
    itch_away: FeedClient
    itch_back: FeedClient
    web: WebTrace
    web_away: WebTrace
    web_back: WebTrace
    tallies: dict[str, Counter[str]]
    state: tuple[int, str]
    """The server's sequence number and state hash once every consumer had the marker."""
    marker: int
    """The sequence number of the marker order's command."""


def trade(server: Server) -> Traded:
    """Trade both flows at once with the four consumers following; then the marker, and the
    server's state once every consumer has seen it."""
    _open(server)
    run = Run()
    rng = random.Random(SEED)
    fix_flow = flow(rng, "F", ("C0001", "C0002", "P0001"), ACTIONS)
    web_flow = flow(rng, "W", ("C0001",), ACTIONS)
    with contextlib.ExitStack() as stack:
        itch = FeedClient(*server.feed, sequence=1, keep=True)
        stack.callback(itch.close)
        itch_away = FeedClient(*server.feed, sequence=1, keep=True)
        stack.callback(itch_away.close)
        web = subscribed(stack.enter_context(connect(web_url(server), proxy=None)))
        web_away = subscribed(stack.enter_context(connect(web_url(server), proxy=None)))
        fix_trader = FixTrader(server)
        stack.callback(fix_trader.close)
        web_trader = WebTrader(server)
        stack.callback(web_trader.close)
        pool = stack.enter_context(concurrent.futures.ThreadPoolExecutor(6))
        stack.callback(run.abort.set)  # on the way out, no thread waits for anything more
        tasks = [pool.submit(_guarded(run, task)) for task in (
            lambda: fix_trader.run(fix_flow, run.step),
            lambda: web_trader.run(web_flow, lambda answered: None),
            lambda: follow_itch(run, itch, lambda: run.marked.is_set() and _itch_marked(itch)),
            lambda: itch_rejoining(run, itch_away, *server.feed),
            lambda: follow_web(run, web, lambda: run.marked.is_set() and _web_marked(web)),
            lambda: web_rejoining(run, web_away, server))]
        results(tasks[:2])
        if run.abort.is_set():  # a consumer failed while the members traded
            results(tasks)
        assert run.rejoin.is_set(), "the consumers did not leave in time to come back"
        marker = web_trader.post("/v1/orders", {
            "clordid": "MARK", "account": "C0001", "symbol": MARKER, "side": "buy",
            "qty": 100, "price": "210.00"})
        assert marker.status_code == 200, marker.text
        run.marked.set()
        _, _, _, itch_back, _, web_back = results(tasks)
        stack.callback(itch_back.close)
        state = web_trader.http.get("/v1/state", headers=OPERATOR).json()
    return Traded(itch, itch_away, itch_back, web, web_away, web_back,
                  {"fix": fix_trader.tally, "web": web_trader.tally},
                  (state["seq"], state["state_hash"]), marker.json()["seq"])


# -- the engine's books, and the consumers' -------------------------------------------------

_SIDES: Final = ((Side.BUY, "B"), (Side.SELL, "S"))


def _boards(engine: Engine, symbol: str) -> Iterator[tuple[str, Book]]:
    inst = engine.instruments[symbol]
    yield "M", inst.book
    if inst.odd is not None:
        yield "O", inst.odd


def itch_differences(engine: Engine, locates: dict[str, int], feed: FeedBook) -> list[str]:
    """Where the consumer's book is not the engine's: every order, in priority, shown."""
    found = []
    for symbol in (*SYMBOLS, MARKER):
        if symbol not in engine.instruments:  # before the day's listing
            continue
        locate = locates[symbol]
        if feed.symbols.get(locate) != symbol:
            found.append(f"{symbol}: locate {locate} is {feed.symbols.get(locate)}")
        for board, book in _boards(engine, symbol):
            for side, code in _SIDES:
                orders: list[Resting] = [(o.no, o.price, o.visible) for o in book.orders(side)]
                if orders != feed.side(locate, board, code):
                    found.append(f"{symbol} {board} {code}: engine {orders}, feed "
                                 f"{feed.side(locate, board, code)}")
                queued = [(o.no, 0, o.visible) for o in book.queue(side).values()]
                if queued != feed.queue(locate, board, code):
                    found.append(f"{symbol} {board} {code} queue")
    return found


def same_books(held: FeedBook, replayed: FeedBook, locates: dict[str, int]) -> list[str]:
    """Where a live consumer's book differs from the one replayed from the same messages."""
    found = [] if held.symbols == replayed.symbols else ["the securities differ"]
    for symbol, locate in locates.items():
        for board in ("M", "O"):
            for code in ("B", "S"):
                if (held.side(locate, board, code) != replayed.side(locate, board, code)
                        or held.queue(locate, board, code)
                        != replayed.queue(locate, board, code)):
                    found.append(f"{symbol} {board} {code}")
    return found


def engine_levels(book: Book, side: Side) -> list[Level]:
    """A side as a screen shows it: the orders without a price as one level first, then the
    ten best prices with their visible shares and orders."""
    queued = list(book.queue(side).values())
    head: list[Level] = [(None, sum(o.visible for o in queued), len(queued))] if queued else []
    priced: list[tuple[int, int, int]] = []
    for order in book.orders(side):
        if priced and priced[-1][0] == order.price:
            price, shares, count = priced[-1]
            priced[-1] = (price, shares + order.visible, count + 1)
        elif len(priced) == LEVELS:
            break
        else:
            priced.append((order.price, order.visible, 1))
    return head + [(format_price(p), shares, count) for p, shares, count in priced]


class ItchReplay:
    """The messages the ITCH consumer received, checked one by one against those the replay
    published and applied to a new book; where a live consumer stopped reading, its book is
    checked against this one."""

    def __init__(self, received: list[bytes], live: list[tuple[str, int, FeedBook]]) -> None:
        self.received = received
        self.live = live
        self.book = FeedBook()
        self.applied = 0
        self.kinds: Counter[str] = Counter()

    def advance(self, published: list[bytes], locates: dict[str, int]) -> list[str]:
        """Apply the received messages the replay has published so far."""
        found = []
        while self.applied < min(len(published), len(self.received)):
            n = self.applied
            if published[n] != self.received[n]:
                return [f"feed message {n + 1}: published {decode(published[n])}, "
                        f"received {decode(self.received[n])}"]
            message = decode(self.received[n])
            self.kinds[type(message).__name__] += 1
            self.book.apply(message)
            self.applied += 1
            found += [f"{name}: {d}" for name, count, book in self.live
                      if count == self.applied for d in same_books(book, self.book, locates)]
        return found


class WebReplay:
    """A connection's texts applied afresh, up to a feed number at a time, and compared with the
    engine at each command it covers: from its channels' snapshots to the last message it
    received (it had every message up to that one's feed number: they come in feed order)."""

    def __init__(self, name: str, trace: WebTrace) -> None:
        self.name = name
        self.texts = trace.texts
        self.feeds = [json.loads(text).get("feed", 0) for text in trace.texts]
        assert self.feeds == sorted(self.feeds), f"{name}: not in feed order"
        self.last = self.feeds[-1] if self.feeds else 0
        self.client = Client()
        self.at = 0
        self.compared = 0

    def differences(self, engine: Engine, number: int) -> list[str]:
        """Apply the messages up to feed message `number`; where a channel (once its snapshot
        is in) differs from the engine's book."""
        if number > self.last:
            return []
        while self.at < len(self.texts) and self.feeds[self.at] <= number:
            self.client.receive(self.texts[self.at])
            self.at += 1
        found = []
        for name, channel in self.client.channels.items():
            symbol = name.removeprefix("security:")
            self.compared += 1
            for board, book in _boards(engine, symbol):
                for side, code in _SIDES:
                    if channel.levels(board, code) != engine_levels(book, side):
                        found.append(f"{self.name} {symbol} {board} {code}: "
                                     f"{channel.levels(board, code)} != "
                                     f"{engine_levels(book, side)}")
        return found


@dataclass
class Checked:
    """What the replay found, and what it went through."""

    problems: list[str]
    commands: int
    marker_feed: int
    """The number of the marker order's feed message."""
    deepest: int
    """The most prices a side of a book held after a command."""
    tape: Counter[str]
    """Trades by the channels their two orders came in by."""
    locates: dict[str, int]
    """The feed's locate code of each security."""


def replay(folder: Path, traded: Traded, itch: ItchReplay, webs: list[WebReplay]) -> Checked:
    """Run the server's journal through a new exchange and publisher, checking the consumers'
    books after every command that published no more than they received."""
    exchange = Exchange()
    publisher = Publisher(exchange.engine)
    published: list[bytes] = []
    channels: dict[str, str] = {}
    checked = Checked([], 0, 0, 0, Counter(), publisher.locates)
    hashed = False
    for record in read_journal(folder / JOURNAL, DECODER):
        outcome = exchange.handle(record.seq, record.command)
        if isinstance(record.command, OrderEntry):
            channels[str(record.seq)] = record.command.channel
        for event in outcome.events:
            if isinstance(event, ev.Trade):
                pair = sorted((channels[event.buy_id], channels[event.sell_id]))
                checked.tape["-".join(pair)] += 1
        if outcome.events:
            published.extend(encode(m) for m in publisher.publish(outcome.events))
        if record.seq == traded.marker:
            checked.marker_feed = len(published)
        if record.seq == traded.state[0]:
            assert exchange.state_hash() == traded.state[1]  # the replay is the server's state
            hashed = True
        if checked.problems or len(published) > len(itch.received):
            continue  # failed already, or past what the consumers read (after the marker)
        checked.commands += 1
        found = itch.advance(published, publisher.locates)
        found += itch_differences(exchange.engine, publisher.locates, itch.book)
        for web in webs:
            found += web.differences(exchange.engine, len(published))
        checked.problems += [f"after command {record.seq}: {d}" for d in found]
        checked.deepest = max(checked.deepest, *(
            len(book.levels(side)) for symbol in SYMBOLS if symbol in exchange.engine.instruments
            for _, book in _boards(exchange.engine, symbol) for side, _ in _SIDES), 0)
    checked.problems += itch.advance(published, publisher.locates)
    assert hashed, f"the journal ends before the server's sequence number {traded.state[0]}"
    return checked


def _snapshot_seqs(trace: WebTrace) -> dict[str, int]:
    """Each channel's `seq` in the first snapshot the connection received of it."""
    seqs: dict[str, int] = {}
    for message in map(json.loads, trace.texts):
        if message["type"] == "snapshot":
            seqs.setdefault(message["channel"], message["seq"])
    return seqs


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "data")
    yield running
    if running.process.poll() is None:
        running.kill()


def test_a_day_over_fix_and_the_web_api_is_the_engines_on_both_feeds_after_every_command(
        server: Server) -> None:
    traded = trade(server)
    assert server.stop() == 0
    received, away, back = traded.itch.kept, traded.itch_away.kept, traded.itch_back.kept
    assert received is not None and away is not None and back is not None
    rejoined = away + back
    assert rejoined == received[:len(rejoined)]  # every message once, none missed
    assert traded.itch_back.next_seq == len(rejoined) + 1 and 0 < len(away) < len(rejoined)
    before = {name: channel.seq for name, channel in traded.web_away.client.channels.items()}
    after = _snapshot_seqs(traded.web_back)
    assert set(before) == set(after) == set(CHANNELS)
    assert all(after[c] >= before[c] for c in CHANNELS)  # nothing applied twice
    assert any(after[c] > before[c] for c in CHANNELS)  # and what it missed, in the snapshot

    itch = ItchReplay(received, [("the consumer", len(received), traded.itch.book),
                                 ("the one that rejoined", len(rejoined),
                                  traded.itch_back.book)])
    webs = [WebReplay("web", traded.web), WebReplay("web before leaving", traded.web_away),
            WebReplay("web after rejoining", traded.web_back)]
    checked = replay(server.folder, traded, itch, webs)
    assert checked.problems == []
    assert itch.applied == len(received) >= len(rejoined) >= checked.marker_feed > 0
    assert webs[0].last >= checked.marker_feed and webs[2].last >= checked.marker_feed
    assert all(web.compared for web in webs)
    # Nothing changes a book after the marker: those who stayed and those who came back end
    # with the same books.
    assert same_books(traded.itch_back.book, traded.itch.book, checked.locates) == []
    assert ({c: traded.web.client.channels[c].book for c in CHANNELS}
            == {c: traded.web_back.client.channels[c].book for c in CHANNELS})

    # The flow did what it is for: both channels traded, with each other too; amends and
    # cancels went through; books went deeper than the ten levels shown; every kind of order
    # message was on the feed.
    for tally in traded.tallies.values():
        assert tally["new done"] > 100 and tally["amend done"] and tally["cancel done"], tally
    assert checked.tape["fix-http"] > 10 and checked.tape.total() > 100, checked.tape
    assert checked.deepest > LEVELS
    assert {"AddOrder", "OrderExecuted", "OrderCancel", "OrderDelete", "OrderReplace",
            "Trade"} <= set(itch.kinds)
