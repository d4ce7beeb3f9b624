"""A browser connection's rules without sockets: each request answered once, a refused one
with its code and nothing changed, a flood of them closed; a connection that falls behind
gets fresh snapshots instead of a gap; an unsubscribe ends its channel."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.feed.messages import (
    AddOrder,
    Directory,
    FeedMessage,
    OrderDelete,
    Phase,
    SystemEvent,
    Trade,
    encode,
)
from siamex.feed.web_protocol import ERRORS, MAX_REQUEST, snapshot
from siamex.feed.web_session import CLOSE_ERRORS, CLOSE_FAULT, MAX_ERRORS, Hub, Session
from tests.feed.web_client import Client, parse

_T = 1_795_000_000_000_000_000
_DOCS = Path(__file__).resolve().parents[2] / "docs" / "market-data-web.md"


def _hub() -> tuple[Hub, list[bytes]]:
    """A hub that has followed a small market: PTT with a bid, SCB with nothing."""
    log = [encode(m) for m in (
        SystemEvent(0, _T, "S"),
        Directory(1, _T, "PTT", 100, 3200, 4150, 2250),
        Directory(2, _T, "SCB", 100, 10000, 13000, 7000),
        Phase(0, _T, "OPEN_1"),
        AddOrder(1, _T, 1, "B", "M", "L", 500, 3200),
    )]
    hub = Hub()
    hub.follow(log)
    return hub, log


def _publish(hub: Hub, log: list[bytes], *messages: FeedMessage) -> None:
    log.extend(encode(m) for m in messages)
    hub.follow(log)


def _request(op: str, channel: str) -> str:
    return json.dumps({"op": op, "channel": channel})


def _answers(session: Session) -> list[dict[str, Any]]:
    found = [parse(text) for _, text in session.outbox]
    session.outbox.clear()
    return found


@pytest.mark.parametrize(("request_", "code"), [
    (b'{"op": "subscribe", "channel": "market"}', "NOT_JSON"),
    ("{", "NOT_JSON"),
    ('{"op": "subscribe", "channel": "market"} x', "NOT_JSON"),
    (" " * (MAX_REQUEST + 1), "TOO_LARGE"),
    ("[]", "BAD_REQUEST"),
    ('{"op": "subscribe"}', "BAD_REQUEST"),
    ('{"op": "subscribe", "channel": 5}', "BAD_REQUEST"),
    ('{"op": "subscribe", "channel": "market", "id": 1}', "BAD_REQUEST"),
    (_request("sub", "market"), "UNKNOWN_OP"),
    (_request("subscribe", "trades"), "UNKNOWN_CHANNEL"),
    (_request("subscribe", "security:NOPE"), "UNKNOWN_SECURITY"),
    (_request("subscribe", "security:"), "UNKNOWN_SECURITY"),
    (_request("unsubscribe", "market"), "NOT_SUBSCRIBED"),
])
def test_a_refused_request_is_answered_with_its_code_and_changes_nothing(
        request_: str | bytes, code: str) -> None:
    hub, _ = _hub()
    session = hub.connect()
    session.receive(request_)
    [answer] = _answers(session)
    assert (answer["type"], answer["code"]) == ("error", code)
    assert session.seqs == {} and not any(hub.listeners.values())


def test_a_second_subscribe_to_a_channel_is_refused() -> None:
    hub, _ = _hub()
    session = hub.connect()
    session.receive(_request("subscribe", "market"))
    session.receive(_request("subscribe", "market"))
    snapshot_, refused = _answers(session)
    assert snapshot_["type"] == "snapshot" and refused["code"] == "ALREADY_SUBSCRIBED"


def test_every_error_code_is_documented() -> None:
    documented = set(re.findall(r"\| `([A-Z_]+)` \|", _DOCS.read_text(encoding="utf-8")))
    assert set(ERRORS) <= documented


def test_the_snapshot_shows_the_ten_levels_as_decimal_strings() -> None:
    hub, _ = _hub()
    session = hub.connect()
    session.receive(_request("subscribe", "security:PTT"))
    [snap] = _answers(session)
    assert snap["book"]["M"] == {"B": [["32.00", 500, 1]], "S": []}
    assert (snap["seq"], snap["feed"], snap["security"]["phase"]) == (2, 5, "OPEN_1")
    assert snap["security"]["limits"] == {"board_lot": 100, "prev_close": "32.00",
                                          "ceiling": "41.50", "floor": "22.50"}


_REQUESTS = st.fixed_dictionaries(
    {"op": st.sampled_from(["subscribe", "unsubscribe", "Subscribe", "", None, 1]),
     "channel": st.sampled_from(["market", "security:PTT", "security:SCB", "security:NOPE",
                                 "security:", "PTT", "", [], None])},
    optional={"extra": st.integers()})
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)
_INPUTS = st.one_of(
    st.binary(max_size=64),
    st.text(max_size=64),
    st.text(min_size=MAX_REQUEST - 8, max_size=MAX_REQUEST + 8),
    _JSON.map(json.dumps),
    _REQUESTS.map(json.dumps),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_INPUTS, max_size=40))
def test_any_input_is_answered_once_and_only_a_valid_request_changes_anything(
        inputs: list[str | bytes]) -> None:
    hub, _ = _hub()
    session = hub.connect()
    subscribed: set[str] = set()  # the reference model: what the client should follow
    view_seqs = dict(hub.view.seqs)
    errors = 0
    for data in inputs:
        session.receive(data)
        answers = _answers(session)
        if errors >= MAX_ERRORS:
            assert answers == []  # closed: nothing is answered any more
            continue
        [answer] = answers
        if answer["type"] == "error":
            errors += 1
            assert answer["code"] in ERRORS
        elif answer["type"] == "snapshot":
            assert answer["channel"] not in subscribed
            subscribed.add(answer["channel"])
        else:
            assert answer == {"type": "unsubscribed", "channel": answer["channel"]}
            subscribed.remove(answer["channel"])
        assert set(session.seqs) == subscribed
        assert {c for c, sessions in hub.listeners.items() if session in sessions} == subscribed
        assert hub.view.seqs == view_seqs
    assert (session.close == CLOSE_ERRORS) == (errors >= MAX_ERRORS)


def test_a_connection_that_falls_behind_gets_fresh_snapshots_never_a_gap() -> None:
    hub, log = _hub()
    session = Session(hub, lambda: None, limit=4)
    client = Client()
    session.receive(_request("subscribe", "security:PTT"))
    session.receive(_request("subscribe", "market"))
    session.receive(_request("subscribe", "nothing"))  # an answer that is kept
    for _, text in list(session.outbox)[:2]:
        client.receive(text)  # it read its two snapshots, not the error
    session.outbox.popleft()
    session.outbox.popleft()
    _publish(hub, log, *(AddOrder(1, _T, no, "S", "M", "L", 100, 3200 + 25 * no)
                         for no in range(2, 12)))
    kinds = [(channel, parse(text)["type"]) for channel, text in session.outbox]
    assert kinds == [(None, "error"), ("security:PTT", "snapshot"), ("market", "snapshot")]
    for _, text in session.outbox:
        client.receive(text)
    for channel in ("security:PTT", "market"):
        fresh = parse(snapshot(hub.view, channel, "check")[0])
        assert client.channels[channel].same_as(fresh)
        assert client.channels[channel].snapshots == 2
    assert parse(session.outbox[1][1])["reason"] == "resync"
    session.outbox.clear()
    _publish(hub, log, OrderDelete(1, _T, 2))  # the best offer: a depth and a best update
    for channel, text in session.outbox:
        client.receive(text)  # the updates go on from the resync's seq, with no gap
        assert parse(text)["seq"] == hub.view.seqs[str(channel)]
    assert [channel for channel, _ in session.outbox] == ["security:PTT", "market"]


def test_after_an_unsubscribe_nothing_more_of_the_channel_arrives() -> None:
    hub, log = _hub()
    session = hub.connect()
    session.receive(_request("subscribe", "security:PTT"))
    session.receive(_request("subscribe", "market"))
    _publish(hub, log, Trade(1, _T, 1, "M", "B", 100, 3200), OrderDelete(1, _T, 1))
    session.receive(_request("unsubscribe", "security:PTT"))
    types = [(channel, parse(text)["type"]) for channel, text in session.outbox]
    assert types == [("market", "snapshot"), ("market", "trade"), ("market", "best"),
                     (None, "unsubscribed")]
    session.outbox.clear()
    _publish(hub, log, AddOrder(1, _T, 9, "B", "M", "L", 100, 3100), Phase(1, _T, "HALTED"))
    assert [parse(text)["type"] for _, text in session.outbox] == ["best", "phase"]
    session.leave()
    assert not any(hub.listeners.values())


def test_a_flood_of_refused_requests_closes_the_connection() -> None:
    hub, _ = _hub()
    session = hub.connect()
    for _ in range(MAX_ERRORS + 3):
        session.receive("garbage")
    assert session.close == CLOSE_ERRORS
    assert [parse(text)["code"] for _, text in session.outbox] == ["NOT_JSON"] * MAX_ERRORS


def test_a_fault_in_the_view_closes_every_connection_and_the_feed_goes_on(
        capsys: pytest.CaptureFixture[str]) -> None:
    hub, log = _hub()
    session = hub.connect()
    session.receive(_request("subscribe", "market"))
    _publish(hub, log, OrderDelete(1, _T, 99))  # no such order: the view cannot apply it
    assert "FeedBookError" in capsys.readouterr().err
    assert session.close == CLOSE_FAULT
    assert hub.connect().close == CLOSE_FAULT
    _publish(hub, log, Phase(1, _T, "HALTED"))  # followed no more, and no second fault
    assert capsys.readouterr().err == ""
