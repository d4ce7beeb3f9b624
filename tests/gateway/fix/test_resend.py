"""Resends, through the session: stored application messages again as possible duplicates,
gap fills over the rest, after a reconnect and after a restart; messages sent while the member
is away kept for the next session."""

from __future__ import annotations

from pathlib import Path

import pytest

from siamex.gateway.fix.actions import Write
from siamex.gateway.fix.session import FixSession, NotLoggedOn, SessionConfig, State, store_outgoing
from siamex.gateway.fix.store import FileStore, MemoryStore
from tests.gateway.fix.client import (
    AUTH,
    SECOND,
    T0,
    Stores,
    fields,
    logged_on,
    new_session,
    reject_of,
    summary,
    utc,
    written,
)


def _sent(session: FixSession, count: int, now: int = T0, first_ref: int = 100) -> list[bytes]:
    out = []
    for n in range(count):
        [write] = session.send_app("8", [(37, f"x{n}"), (150, "0")], now, ref=first_ref + n)
        assert isinstance(write, Write)
        out.append(write.data)
    return out


def _check_resent(frames: list[dict[int, str]], originals: list[bytes], now: int) -> None:
    for frame, original in zip(frames, originals, strict=True):
        first = fields(original)
        assert frame[43] == "Y"
        assert frame[122] == first[52]
        assert frame[52] == utc(now)
        assert {k: v for k, v in frame.items() if k not in (9, 10, 43, 52, 122)} == {
            k: v for k, v in first.items() if k not in (9, 10, 52)}


def test_a_resend_request_replays_app_messages_and_gap_fills_the_rest(stores: Stores) -> None:
    session, client = logged_on(stores)  # our Logon is 1
    sent = _sent(session, 2)  # 2, 3
    session.timer(T0 + 30 * SECOND)  # a Heartbeat: 4
    session.data_received(client.message("1", [(112, "x")]), T0 + 30 * SECOND)  # 5 answers it
    sent += _sent(session, 1, T0 + 30 * SECOND, first_ref=102)  # 6
    later = T0 + 31 * SECOND
    frames = written(session.data_received(
        client.message("2", [(7, "1"), (16, "0")], now=later), later))
    assert [(f[35], f[34], f.get(36)) for f in frames] == [
        ("4", "1", "2"), ("8", "2", None), ("8", "3", None), ("4", "4", "6"), ("8", "6", None)]
    assert all(f[43] == "Y" for f in frames)
    assert frames[0][123] == "Y"
    _check_resent([frames[1], frames[2], frames[4]], sent, later)
    assert stores("BROKER1", "SIAMEX").last_ref() == 102


def test_a_resend_request_with_an_end_replays_that_range_only(stores: Stores) -> None:
    session, client = logged_on(stores)
    sent = _sent(session, 3)
    frames = written(session.data_received(client.message("2", [(7, "3"), (16, "3")]), T0))
    assert [f[34] for f in frames] == ["3"]
    _check_resent(frames, sent[1:2], T0)


def test_a_resend_request_ending_at_a_session_message_gap_fills_to_the_end(
        stores: Stores) -> None:
    session, client = logged_on(stores)
    _sent(session, 1)
    session.timer(T0 + 30 * SECOND)
    later = T0 + 30 * SECOND
    frames = written(session.data_received(
        client.message("2", [(7, "3"), (16, "3")], now=later), later))
    assert [(f[35], f[34], f[36]) for f in frames] == [("4", "3", "4")]


@pytest.mark.parametrize(("begin", "end", "tag"), [("5", "0", "7"), ("0", "0", "7"),
                                                   ("2", "1", "16")])
def test_a_resend_request_outside_what_was_sent_is_rejected(
        stores: Stores, begin: str, end: str, tag: str) -> None:
    session, client = logged_on(stores)
    _sent(session, 2)
    reject = reject_of(session.data_received(client.message("2", [(7, begin), (16, end)]), T0))
    assert (reject[371], reject[373]) == (tag, "5")


def test_a_resend_request_beyond_a_gap_is_answered_at_once(stores: Stores) -> None:
    session, client = logged_on(stores)
    _sent(session, 1)
    actions = session.data_received(client.message("2", [(7, "2"), (16, "0")], seq=3), T0)
    assert summary(actions) == ["write 8", "write 2"]
    assert session.state is State.RESENDING


def test_a_reconnect_resends_from_the_same_store(stores: Stores) -> None:
    session, client = logged_on(stores)
    sent = _sent(session, 2)
    session.connection_lost()
    assert session.state is State.CLOSED
    again = new_session(stores)
    actions = again.data_received(client.logon(), T0 + SECOND)
    assert written(actions)[0][34] == "4"
    frames = written(again.data_received(
        client.message("2", [(7, "2"), (16, "0")], now=T0 + SECOND), T0 + SECOND))
    assert [f[34] for f in frames] == ["2", "3", "4"]
    _check_resent(frames[:2], sent, T0 + SECOND)


def test_a_restart_resends_from_the_file_store(tmp_path: Path) -> None:
    def file_stores(sender: str, target: str) -> FileStore:
        return FileStore(tmp_path, sender, target)

    session, client = logged_on(file_stores)
    sent = _sent(session, 2)
    session.data_received(client.order("o2"), T0)
    session.connection_lost()
    restarted = FixSession(SessionConfig(), AUTH, file_stores, T0 + SECOND)
    later = T0 + 2 * SECOND
    actions = restarted.data_received(client.logon(now=later), later)
    assert summary(actions) == ["write A", "logged on"]
    frames = written(restarted.data_received(
        client.message("2", [(7, "1"), (16, "0")], now=later), later))
    assert [f[34] for f in frames] == ["1", "2", "3", "4"]
    _check_resent(frames[1:3], sent, later)
    assert FileStore(tmp_path, "BROKER1", "SIAMEX").last_ref() == 101


def test_messages_sent_while_away_are_stored_for_the_nextnew_session(stores: Stores) -> None:
    session, _ = logged_on(stores)
    session.logout("end of day", T0)
    assert session.send_app("8", [(37, "late")], T0) == []
    session.connection_lost()
    assert session.send_app("8", [(37, "later")], T0) == []
    store = stores("BROKER1", "SIAMEX")
    store_outgoing(store, "SIAMEX", "BROKER1", "8", [(37, "offline")], T0)
    assert [fields(raw)[37] for _, raw in store.get(1, 10)] == ["late", "later", "offline"]


def test_sending_before_a_logon_or_a_session_message_is_refused(stores: Stores) -> None:
    with pytest.raises(NotLoggedOn):
        new_session(stores).send_app("8", [(37, "x")], T0)
    with pytest.raises(ValueError, match="session message"):
        store_outgoing(MemoryStore(), "SIAMEX", "B", "0", [], T0)
