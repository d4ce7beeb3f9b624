"""The market channel's best bid and offer: the first level of each main-board side as the
security channel's book shows it, in the snapshot and as a `best` update whenever a feed
message changes it (price, shares or orders), and only then."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.feed.messages import (
    AddOrder,
    Directory,
    FeedMessage,
    OrderCancel,
    OrderDelete,
    OrderExecuted,
    OrderReplace,
    encode,
)
from siamex.feed.web_protocol import snapshot
from siamex.feed.web_session import Hub, Session
from tests.feed.web_client import Client, parse

_T = 1_796_094_000_000_000_000  # 2026-12-01 10:00 in Bangkok
_SYMBOLS = ("PTT", "SCB")


class _Market:
    """A hub fed message by message, one connection on the market channel and every
    security's, and the reference client rebuilding them."""

    def __init__(self) -> None:
        self.hub = Hub()
        self.log: list[bytes] = []
        self.session = Session(self.hub, lambda: None, limit=1 << 20)
        self.client = Client()
        self.publish(*(Directory(n, _T, symbol, 100, 3200, 4150, 2250)
                       for n, symbol in enumerate(_SYMBOLS, 1)))
        for channel in ("market", *(f"security:{s}" for s in _SYMBOLS)):
            self.session.receive(json.dumps({"op": "subscribe", "channel": channel}))
        self.read()

    def publish(self, *messages: FeedMessage) -> list[dict[str, Any]]:
        """Apply messages; what the connection received, in order."""
        self.log.extend(encode(m) for m in messages)
        self.hub.follow(self.log)
        return self.read()

    def read(self) -> list[dict[str, Any]]:
        texts = [text for _, text in self.session.outbox]
        self.session.outbox.clear()
        return [self.client.receive(text) for text in texts]

    def best(self, symbol: str) -> Any:
        return self.client.channels["market"].state["market"]["securities"][symbol]["best"]

    def first_levels(self, symbol: str) -> dict[str, Any]:
        """The first level of each main-board side as the security channel's client holds
        them, in the form of `best`."""
        channel = self.client.channels[f"security:{symbol}"]
        return {key: list(levels[0]) if levels else None
                for key, levels in (("bid", channel.levels("M", "B")),
                                    ("ask", channel.levels("M", "S")))}


def _market_updates(received: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    return [(m["type"], m.get("best")) for m in received if m["channel"] == "market"]


def test_the_best_bid_and_offer_follow_the_first_levels_and_nothing_below() -> None:
    market = _Market()
    assert market.best("PTT") == {"bid": None, "ask": None}
    received = market.publish(AddOrder(1, _T, 1, "B", "M", "L", 500, 3200))  # a bid arrives
    assert _market_updates(received) == [
        ("best", {"bid": ["32.00", 500, 1], "ask": None})]
    update = received[-1]
    assert (update["symbol"], update["time"], update["feed"]) == (
        "PTT", "2026-12-01T10:00:00.000000000+07:00", len(market.log))
    received = market.publish(AddOrder(1, _T, 2, "B", "M", "L", 100, 3225))  # a better one
    assert _market_updates(received) == [
        ("best", {"bid": ["32.25", 100, 1], "ask": None})]
    received = market.publish(AddOrder(1, _T, 3, "B", "M", "L", 300, 3100),  # below the top
                              OrderCancel(1, _T, 3, 100),  # a cancel below the top
                              OrderReplace(1, _T, 1, 400, 3200),  # a move below the top
                              AddOrder(1, _T, 4, "B", "O", "L", 50, 3300),  # the odd lot
                              AddOrder(2, _T, 5, "S", "M", "L", 100, 11000))  # SCB's
    assert _market_updates(received) == [("best", {"bid": None, "ask": ["110.00", 100, 1]})]
    assert [m["symbol"] for m in received if m["type"] == "best"] == ["SCB"]
    assert len([m for m in received if m["type"] == "depth"]) == 5
    received = market.publish(AddOrder(1, _T, 6, "B", "M", "L", 200, 3225))  # joins the top
    assert _market_updates(received) == [("best", {"bid": ["32.25", 300, 2], "ask": None})]
    received = market.publish(OrderExecuted(1, _T, 2, 100, 1, 3225),  # fills the top order
                              OrderExecuted(1, _T, 6, 200, 2, 3225))  # and the level
    assert _market_updates(received) == [
        ("best", {"bid": ["32.25", 200, 1], "ask": None}),
        ("best", {"bid": ["32.00", 400, 1], "ask": None})]
    received = market.publish(AddOrder(1, _T, 7, "B", "M", "O", 1000, 0))  # an ATO first
    assert _market_updates(received) == [("best", {"bid": [None, 1000, 1], "ask": None})]
    received = market.publish(OrderDelete(1, _T, 7), OrderDelete(1, _T, 1),
                              OrderDelete(1, _T, 3))
    assert _market_updates(received) == [
        ("best", {"bid": ["32.00", 400, 1], "ask": None}),
        ("best", {"bid": ["31.00", 200, 1], "ask": None}),
        ("best", {"bid": None, "ask": None})]
    for symbol in _SYMBOLS:
        assert market.best(symbol) == market.first_levels(symbol)


def test_the_snapshot_holds_best_and_the_security_channel_is_unchanged() -> None:
    market = _Market()
    market.publish(AddOrder(1, _T, 1, "B", "M", "L", 500, 3200),
                   AddOrder(1, _T, 2, "S", "M", "L", 200, 3225))
    fresh = parse(snapshot(market.hub.view, "market", "check")[0])
    assert fresh["market"]["securities"]["PTT"]["best"] == {
        "bid": ["32.00", 500, 1], "ask": ["32.25", 200, 1]}
    assert fresh["market"]["securities"]["SCB"]["best"] == {"bid": None, "ask": None}
    security = parse(snapshot(market.hub.view, "security:PTT", "check")[0])
    assert "best" not in security["security"]
    assert market.client.channels["market"].same_as(fresh)


def test_a_new_day_keeps_the_best_as_it_keeps_the_book() -> None:
    market = _Market()
    market.publish(AddOrder(1, _T, 1, "B", "M", "L", 500, 3200))
    received = market.publish(Directory(1, _T + 86_400 * 10**9, "PTT", 100, 3300, 4275, 2325))
    assert [m["type"] for m in received] == ["limits", "limits"]
    assert market.best("PTT") == {"bid": ["32.00", 500, 1], "ask": None}
    assert market.client.channels["market"].same_as(
        parse(snapshot(market.hub.view, "market", "check")[0]))


# -- generated streams --------------------------------------------------------------------

_STEP = st.tuples(
    st.sampled_from(["add", "add", "add", "execute", "cancel", "delete", "replace"]),
    st.integers(0, 63),  # which security, or which live order
    st.sampled_from(["B", "S"]),
    st.sampled_from(["M", "M", "M", "O"]),
    st.sampled_from(["L", "L", "L", "L", "O", "C"]),
    st.integers(1, 6),  # a price step
    st.integers(1, 5),  # shares, in hundreds
)


class _Stream:
    """Turns generated steps into a valid stream: only live orders are executed, cancelled,
    deleted or moved, never for more than they show."""

    def __init__(self) -> None:
        self.live: dict[int, list[int]] = {}  # order no -> [locate, shares, priced]
        self.next_no = 1

    def message(self, step: tuple[str, int, str, str, str, int, int]) -> FeedMessage | None:
        kind, pick, side, board, price_type, tick, lots = step
        if kind == "add" or not self.live:
            no = self.next_no
            self.next_no += 1
            locate = pick % len(_SYMBOLS) + 1
            price = 3000 + 25 * tick if price_type == "L" else 0
            self.live[no] = [locate, 100 * lots, int(price_type == "L")]
            return AddOrder(locate, _T, no, side, board, price_type, 100 * lots, price)
        no = sorted(self.live)[pick % len(self.live)]
        locate, shares, priced = self.live[no]
        if kind in ("execute", "cancel"):
            taken = min(shares, 100 * lots)
            if taken == shares:
                del self.live[no]
            else:
                self.live[no][1] -= taken
            if kind == "execute":
                return OrderExecuted(locate, _T, no, taken, no, 3000 + 25 * tick)
            return OrderCancel(locate, _T, no, taken)
        if kind == "delete":
            del self.live[no]
            return OrderDelete(locate, _T, no)
        self.live[no][1] = 100 * lots
        return OrderReplace(locate, _T, no, 100 * lots, 3000 + 25 * tick if priced else 0)


@settings(max_examples=200, deadline=None)
@given(st.lists(_STEP, min_size=1, max_size=120))
def test_the_markets_best_always_equals_the_security_channels_first_levels(
        steps: list[tuple[str, int, str, str, str, int, int]]) -> None:
    market = _Market()
    stream = _Stream()
    for step in steps:
        message = stream.message(step)
        assert message is not None
        before = {symbol: market.best(symbol) for symbol in _SYMBOLS}
        received = market.publish(message)
        for update in received:
            if update["type"] == "best":  # only when the first levels changed
                assert update["best"] != before[update["symbol"]]
        for symbol in _SYMBOLS:
            assert market.best(symbol) == market.first_levels(symbol)
    fresh = parse(snapshot(market.hub.view, "market", "check")[0])
    assert market.client.channels["market"].same_as(fresh)
