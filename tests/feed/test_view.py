"""The browsers' channels show the engine's market after every command of a generated SET day:
each side's ten best levels and its unpriced orders on both boards, the trades, the phases,
the statuses and the day's figures; and a client that applies a snapshot and then the updates,
from the start or joining late, holds exactly what a fresh snapshot holds."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from siamex.bench.workload import generate
from siamex.feed.depth import LEVELS, Depth
from siamex.feed.messages import AddOrder, OrderDelete, encode
from siamex.feed.publisher import Publisher
from siamex.feed.view import MARKET, MarketView
from siamex.feed.web_protocol import snapshot
from siamex.feed.web_session import Hub, Session
from siamex.scenario.loader import load_scenario
from siamex.scenario.runner import scenario_commands
from siamex.trading import events as ev
from siamex.trading.book import Book
from siamex.trading.commands import Command
from siamex.trading.engine import Engine
from siamex.trading.enums import Board, Side
from siamex.units import format_price
from tests.feed.web_client import Client

_SIDES = ((Side.BUY, "B"), (Side.SELL, "S"))
_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_SCENARIOS = sorted(path for path in (*_EXAMPLES.glob("*.json"), *_EXAMPLES.glob("controls/*.json"))
                    if path.name != "bad-input.json")
_BOARDS = {Board.MAIN: "M", Board.ODD_LOT: "O", Board.OFF_HOUR: "F", Board.BIG_LOT: "B",
           Board.FOREIGN: "X"}
Shown = list[tuple[int, int, int]]


def engine_levels(book: Book, side: Side, count: int = LEVELS) -> Shown:
    """A side of the engine's own book aggregated: its unpriced orders as price 0, then its
    best `count` prices with their visible shares and orders."""
    queue = list(book.queue(side).values())
    shown = [(0, sum(o.visible for o in queue), len(queue))] if queue else []
    priced: Shown = []
    for order in book.orders(side):
        if priced and priced[-1][0] == order.price:
            price, shares, orders = priced[-1]
            priced[-1] = (price, shares + order.visible, orders + 1)
        elif len(priced) == count:
            break
        else:
            priced.append((order.price, order.visible, 1))
    return shown + priced


def _as_text(levels: Shown) -> list[tuple[str | None, int, int]]:
    return [(format_price(p) if p else None, shares, orders) for p, shares, orders in levels]


@dataclass
class _Follower:
    """A connection subscribed to every channel as it appears, and its client."""

    session: Session
    client: Client = field(default_factory=Client)

    def subscribe_new(self, view: MarketView) -> None:
        for channel in view.seqs:
            if channel not in self.session.seqs:
                self.session.receive(json.dumps({"op": "subscribe", "channel": channel}))

    def read(self) -> None:
        while self.session.outbox:
            self.client.receive(self.session.outbox.popleft()[1])

    def differences(self, view: MarketView) -> list[str]:
        return [channel for channel in view.seqs
                if not self.client.channels[channel].same_as(
                    json.loads(snapshot(view, channel, "check")[0]))]


@dataclass
class _Day:
    problems: list[str]
    early: _Follower
    late: _Follower
    view: MarketView
    engine_trades: list[tuple[int, str, str, str, int]]
    engine_statuses: Counter[str]


def _compare(engine: Engine, publisher: Publisher, view: MarketView, client: Client,
             locates: set[int] | None) -> list[str]:
    """What the view and the client show differently from the engine, of the securities at
    `locates` (None: all)."""
    found = []
    for symbol, inst in engine.instruments.items():
        security = view.securities[publisher.locates[symbol]]
        if locates is not None and security.directory.locate not in locates:
            continue
        if security.phase is not None and security.phase != inst.phase.value:
            found.append(f"{symbol} phase {security.phase} != {inst.phase.value}")
        day = security.day
        if (day.open, day.high, day.low, day.last, day.volume, day.value, day.trades) != (
                inst.open, inst.high, inst.low, inst.last_price, inst.volume, inst.value,
                inst.trades):
            found.append(f"{symbol} day {day}")
        channel = client.channels[security.channel]
        for board, book in (("M", inst.book), ("O", inst.odd)):
            for side, code in _SIDES:
                expected = engine_levels(book, side) if book is not None else []
                if view.depth.levels((security.directory.locate, board, code)) != expected:
                    found.append(f"{symbol} {board} {code}: the view's depth")
                if channel.levels(board, code) != _as_text(expected):
                    found.append(f"{symbol} {board} {code}: the client's depth")
    return found


def _reader(hub: Hub) -> Session:
    """A connection that reads after every command, so is never behind: at 17:00 the day's
    orders leave every book at once (a depth and a best update for each one deleted at the
    top), more than QUEUE_LIMIT updates in one batch."""
    session = hub.connect()
    session.limit = 1 << 20
    return session


def _run(commands: Sequence[Command], join: int, every: int) -> _Day:
    """Run commands through the engine, the publisher and the hub; one connection follows
    from the start, another joins after command `join`; the first is compared with fresh
    snapshots every `every` commands."""
    engine = Engine()
    publisher = Publisher(engine)
    hub = Hub()
    log: list[bytes] = []
    early = _Follower(_reader(hub))
    early.subscribe_new(hub.view)
    late: _Follower | None = None
    problems: list[str] = []
    trades: list[tuple[int, str, str, str, int]] = []
    statuses: Counter[str] = Counter()
    for n, command in enumerate(commands):
        events = engine.handle(command)
        for event in events:
            if isinstance(event, ev.Trade):
                trades.append((event.trade_no, event.symbol, _BOARDS[event.board],
                               format_price(event.price), event.qty))
            elif isinstance(event, ev.StatusChanged):
                statuses[event.symbol] += 1
        messages = publisher.publish(events)
        log.extend(encode(message) for message in messages)
        hub.follow(log)
        if n == join:
            late = _Follower(_reader(hub))
        for follower in (early, late):
            if follower is not None:
                follower.subscribe_new(hub.view)
                follower.read()
        if not problems:  # a command changes only the securities its messages name
            touched = None if n % 250 == 0 or any(not m.locate for m in messages) \
                else {m.locate for m in messages}
            problems = [f"after command {n}: {d}" for d in
                        _compare(engine, publisher, hub.view, early.client, touched)]
        if not problems and n % every == 0:
            problems = [f"after command {n}: {d}" for d in early.differences(hub.view)]
    assert late is not None
    return _Day(problems, early, late, hub.view, trades, statuses)


@cache
def _day() -> _Day:
    """A generated day; the late connection joins a third of the way in."""
    commands = generate(securities=12, commands=12_000, seed=7).commands
    return _run(commands, len(commands) // 3, 1000)


@cache
def _scenario(path: Path) -> tuple[_Day, int]:
    """An example scenario's days, and how many days it has."""
    scenario = load_scenario(path)
    commands = scenario_commands(scenario)
    return _run(commands, len(commands) // 2, 1), len(scenario.days)


def test_the_depth_phases_and_day_figures_are_the_engines_after_every_command() -> None:
    day = _day()
    assert day.problems == []
    assert len(day.view.securities) == 12


def test_a_client_from_the_start_and_one_joining_late_hold_what_a_snapshot_holds() -> None:
    day = _day()
    assert day.early.differences(day.view) == []
    assert day.late.differences(day.view) == []
    channel = day.early.client.channels[MARKET]
    assert channel.snapshots == 1 and channel.seq == day.view.seqs[MARKET] > 1000


def test_every_trade_reaches_the_market_channel_once_as_the_engine_made_it() -> None:
    day = _day()
    market = day.early.client.channels[MARKET]
    assert len(day.engine_trades) > 100
    shown = [(t["trade_no"], s["symbol"], t["board"], t["price"], t["quantity"])
             for s in market.state["market"]["securities"].values()
             for t in ([s["last"]] if s["last"] else [])]
    assert set(shown) <= set(day.engine_trades)
    counted = {s["symbol"]: s["stats"]["trades"]
               for s in market.state["market"]["securities"].values()}
    expected = Counter(symbol for _, symbol, board, _, _ in day.engine_trades if board == "M")
    assert counted == {symbol: expected[symbol] for symbol in counted}


@pytest.mark.parametrize("path", _SCENARIOS, ids=lambda path: path.stem)
def test_every_example_scenario_shows_the_engines_market_after_every_command(
        path: Path) -> None:
    day, days = _scenario(path)
    assert day.problems == []
    assert day.early.differences(day.view) == []
    assert day.late.differences(day.view) == []
    client = day.early.client
    market = client.channels[MARKET].state["market"]
    if days == 1:  # a new day starts the statuses afresh
        assert {symbol: len(s["statuses"]) for symbol, s in market["securities"].items()
                if s["statuses"]} == {symbol: n for symbol, n in day.engine_statuses.items()
                                      if symbol != "*"}
        assert len(market["statuses"]) == day.engine_statuses["*"]


def test_the_scenarios_send_every_kind_of_update() -> None:
    kinds: Counter[str] = Counter()
    for path in _SCENARIOS:
        kinds += _scenario(path)[0].early.client.kinds
    assert set(kinds) == {"snapshot", "depth", "best", "trade", "phase", "status",
                          "indicative", "auction", "summary", "limits", "index", "system"}


def test_a_change_below_the_ten_levels_updates_no_channel() -> None:
    depth = Depth(count=2)
    changes = [depth.apply(AddOrder(1, 0, no, "B", "M", "L", 100, price))
               for no, price in ((1, 1000), (2, 990), (3, 980))]
    assert changes[2] is None
    assert depth.apply(OrderDelete(1, 0, 1)) == ((1, "M", "B"), [(1000, 0, 0), (980, 100, 1)])
    assert depth.levels((1, "M", "B")) == [(990, 100, 1), (980, 100, 1)]
