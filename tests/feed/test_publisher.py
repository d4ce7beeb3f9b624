"""A consumer that reads only the feed holds the engine's own books after every command: every
order, in priority, with its visible shares, on a generated SET day (icebergs, amends, cancels,
auctions, odd lots, FAK/FOK, market orders)."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

from siamex.bench.workload import generate
from siamex.feed.book import FeedBook, Resting
from siamex.feed.messages import (
    AddOrder,
    AuctionCross,
    IndexValue,
    Indicative,
    OrderCancel,
    OrderDelete,
    OrderExecuted,
    OrderReplace,
    Status,
    SystemEvent,
    Trade,
    decode,
    encode,
)
from siamex.feed.publisher import Publisher
from siamex.scenario.loader import load_scenario
from siamex.scenario.runner import scenario_commands
from siamex.trading.book import Book
from siamex.trading.engine import Engine
from siamex.trading.enums import Side
from siamex.trading.events import Trade as EngineTrade

_SIDES = ((Side.BUY, "B"), (Side.SELL, "S"))
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _engine_side(book: Book, side: Side) -> list[Resting]:
    return [(order.no, order.price, order.visible) for order in book.orders(side)]


def _engine_queue(book: Book, side: Side) -> list[Resting]:
    return [(order.no, 0, order.visible) for order in book.queue(side).values()]


def _differences(engine: Engine, publisher: Publisher, feed: FeedBook) -> list[str]:
    found = []
    for symbol, inst in engine.instruments.items():
        locate = publisher.locates[symbol]
        for board, book in (("M", inst.book), ("O", inst.odd)):
            if book is None:
                continue
            for side, code in _SIDES:
                if _engine_side(book, side) != feed.side(locate, board, code):
                    found.append(f"{symbol} {board} {code}")
                if _engine_queue(book, side) != feed.queue(locate, board, code):
                    found.append(f"{symbol} {board} {code} queue")
    return found


@cache
def _day(securities: int = 12, commands: int = 12_000, seed: int = 7
         ) -> tuple[list[tuple[list[object], list[bytes]]], list[str]]:
    """Run a generated day; per command, its events and its feed messages as bytes."""
    workload = generate(securities=securities, commands=commands, seed=seed)
    engine = Engine()
    publisher = Publisher(engine)
    feed = FeedBook()
    runs: list[tuple[list[object], list[bytes]]] = []
    problems: list[str] = []
    for n, command in enumerate(workload.commands):
        events = engine.handle(command)
        raw = [encode(message) for message in publisher.publish(events)]
        feed.apply_all(decode(data) for data in raw)
        runs.append((list(events), raw))
        if not problems:
            problems = [f"after command {n}: {d}" for d in
                        _differences(engine, publisher, feed)]
    return runs, problems


def test_the_book_rebuilt_from_the_feed_is_the_engines_after_every_command() -> None:
    runs, problems = _day()
    assert problems == []
    kinds = {type(decode(data)) for _, raw in runs for data in raw}
    assert {AddOrder, OrderExecuted, OrderCancel, OrderDelete, OrderReplace} <= kinds
    added = Counter(m.order_no for _, raw in runs for m in map(decode, raw)
                    if isinstance(m, AddOrder))
    assert max(added.values()) > 1  # an iceberg's next visible part was added again


def test_an_auction_filling_an_iceberg_past_its_visible_part_executes_what_was_shown() -> None:
    runs, problems = _day(securities=6, commands=3_000, seed=2)  # such a fill happens in it
    assert problems == []
    trades = {e.trade_no: e.qty for events, _ in runs for e in events
              if isinstance(e, EngineTrade)}
    assert any(m.shares < trades[m.trade_no] for _, raw in runs for m in map(decode, raw)
               if isinstance(m, OrderExecuted))


def test_every_trade_is_on_the_tape_once() -> None:
    runs, _ = _day()
    trades = [e.trade_no for events, _ in runs for e in events if isinstance(e, EngineTrade)]
    tape = [m.trade_no for _, raw in runs for m in map(decode, raw) if isinstance(m, Trade)]
    assert tape == trades and len(trades) > 100


def test_a_consumer_joining_late_from_a_snapshot_holds_the_same_books() -> None:
    workload = generate(securities=6, commands=3_000, seed=11)
    engine = Engine()
    publisher = Publisher(engine)
    whole = FeedBook()
    late: FeedBook | None = None
    joins = {len(workload.commands) // 3, 2 * len(workload.commands) // 3}
    for n, command in enumerate(workload.commands):
        messages = publisher.publish(engine.handle(command))
        whole.apply_all(messages)
        if late is not None:
            late.apply_all(messages)
        if n in joins:
            late = FeedBook()
            late.apply_all(decode(encode(m)) for m in publisher.snapshot(command.ts * 1000))
        if late is not None:
            for locate in publisher.locates.values():
                for board in ("M", "O"):
                    for code in ("B", "S"):
                        assert late.side(locate, board, code) == whole.side(locate, board, code)
                        assert late.queue(locate, board, code) == whole.queue(locate, board, code)
    assert late is not None and late.symbols == whole.symbols


def test_a_late_joiners_snapshot_holds_the_days_statuses_the_pending_indicative_and_indices(
        ) -> None:
    commands = scenario_commands(load_scenario(EXAMPLES / "controls" / "halts-and-signs.json"))
    engine = Engine()
    publisher = Publisher(engine)
    published: list[object] = []
    saw_pending_indicative = False
    for command in commands:
        messages = publisher.publish(engine.handle(command))
        if any(isinstance(m, SystemEvent) and m.event == "S" for m in messages):
            published = []
        published += messages
        snapshot = publisher.snapshot(command.ts * 1000)
        assert [m for m in snapshot if isinstance(m, Status)] == [
            m for m in published if isinstance(m, Status)]
        last_index = {m.name: m for m in published if isinstance(m, IndexValue)}
        assert [m for m in snapshot if isinstance(m, IndexValue)] == list(last_index.values())
        pending = {}
        for m in published:
            if isinstance(m, Indicative):
                pending[m.locate] = m
            elif isinstance(m, AuctionCross):
                pending.pop(m.locate, None)
        assert {m.locate: m for m in snapshot if isinstance(m, Indicative)} == pending
        saw_pending_indicative = saw_pending_indicative or bool(pending)
    assert saw_pending_indicative
    assert any(isinstance(m, Status) for m in published)


def test_orders_carried_into_the_next_day_stay_in_the_consumers_book() -> None:
    commands = scenario_commands(load_scenario(EXAMPLES / "multi-day.json"))
    engine = Engine()
    publisher = Publisher(engine)
    feed = FeedBook()
    days = 0
    for command in commands:
        messages = publisher.publish(engine.handle(command))
        days += sum(isinstance(m, SystemEvent) and m.event == "S" for m in messages)
        feed.apply_all(decode(encode(m)) for m in messages)
        assert _differences(engine, publisher, feed) == []
    assert days == 3
