"""The acceptor session against a member built with simplefix, on a manual clock: logon,
heartbeats, sequence numbers and gaps, sequence resets, session-level rejects, the Logout
handshake, and any input at all (resends: test_resend.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.gateway.fix.actions import Deliver, LoggedOn, Write
from siamex.gateway.fix.session import TRANSITIONS, SessionConfig, State
from siamex.gateway.fix.store import memory_stores
from tests.gateway.fix.client import (
    SECOND,
    T0,
    Client,
    Stores,
    logged_on,
    new_session,
    read,
    reject_of,
    summary,
    utc,
    written,
)


def test_the_transitions_table_names_every_state() -> None:
    assert set(TRANSITIONS) == set(State)


# Logon


def test_a_logon_is_answered_and_reported(stores: Stores) -> None:
    session = new_session(stores)
    actions = session.data_received(Client().logon(), T0)
    logon = written(actions)[0]
    assert (logon[35], logon[49], logon[56], logon[34], logon[98], logon[108]) == (
        "A", "SIAMEX", "BROKER1", "1", "0", "30")
    assert logon[52] == utc(T0)
    assert actions[1] == LoggedOn("member 1", "BROKER1", "SIAMEX")
    assert session.state is State.ACTIVE


def test_a_first_message_other_than_logon_closes_unanswered(stores: Stores) -> None:
    session = new_session(stores)
    assert summary(session.data_received(Client().message("0"), T0)) == ["close"]
    assert session.state is State.CLOSED
    assert session.data_received(Client().logon(), T0) == []


def test_a_logon_to_another_comp_id_closes_unanswered(stores: Stores) -> None:
    actions = new_session(stores).data_received(Client(target="OTHER").logon(), T0)
    assert summary(actions) == ["close"]


@pytest.mark.parametrize(("client", "logon_fields", "why"), [
    (Client("NOBODY"), [(98, "0"), (108, "30")], "unknown SenderCompID"),
    (Client("BROKER2"), [(98, "0"), (108, "30"), (553, "trader"), (554, "wrong")], "Password"),
    (Client("BROKER2"), [(98, "0"), (108, "30")], "Password"),
    (Client(), [(98, "0"), (108, "0")], "HeartBtInt"),
    (Client(), [(98, "0"), (108, "301")], "HeartBtInt"),
    (Client(), [(98, "0")], "tag 108 missing"),
    (Client(), [(98, "0"), (108, "x")], "108"),
    (Client(), [(98, "1"), (108, "30")], "EncryptMethod"),
    (Client(), [(98, "0"), (108, "30"), (141, "Y")], "MsgSeqNum 1"),
])
def test_a_refused_logon_gets_a_logout_with_the_reason(
        stores: Stores, client: Client, logon_fields: list[tuple[int, str]], why: str) -> None:
    seq = 2 if (141, "Y") in logon_fields else None
    actions = new_session(stores).data_received(client.logon(logon_fields, seq=seq), T0)
    assert summary(actions) == ["write 5", "close"]
    logout = written(actions)[0]
    assert why in logout[58]
    assert logout[34] == "1"


def test_a_logon_with_a_password_is_accepted(stores: Stores) -> None:
    client = Client("BROKER2")
    actions = new_session(stores).data_received(
        client.logon([(98, "0"), (108, "30"), (553, "trader"), (554, "s3cret")]), T0)
    assert actions[-1] == LoggedOn("member 2", "BROKER2", "SIAMEX")


def test_a_logon_sent_too_long_ago_is_refused(stores: Stores) -> None:
    actions = new_session(stores).data_received(Client().logon(now=T0 - 121 * SECOND), T0)
    assert summary(actions) == ["write 5", "close"]
    assert "SendingTime" in written(actions)[0][58]


def test_no_logon_within_the_timeout_closes(stores: Stores) -> None:
    session = new_session(stores)
    assert session.timer(T0 + 10 * SECOND - 1) == []
    assert summary(session.timer(T0 + 10 * SECOND)) == ["close"]


def test_reset_seq_num_flag_starts_both_sides_at_one(stores: Stores) -> None:
    store = stores("BROKER1", "SIAMEX")
    store.set_next_in(5)
    store.save(6, b"old", ref=3)
    session = new_session(stores)
    actions = session.data_received(Client().logon([(98, "0"), (108, "30"), (141, "Y")]), T0)
    logon = written(actions)[0]
    assert (logon[34], logon[141]) == ("1", "Y")
    assert store.get(1, 10) == []
    session.connection_lost()
    assert (store.next_in(), store.next_out(), store.last_ref()) == (2, 2, 3)


def test_a_logon_below_the_expected_number_is_logged_out(stores: Stores) -> None:
    stores("BROKER1", "SIAMEX").set_next_in(5)
    client = Client()
    client.seq = 3
    actions = new_session(stores).data_received(client.logon(), T0)
    assert summary(actions) == ["write 5", "close"]
    assert written(actions)[0][58] == "MsgSeqNum too low, expecting 5 but received 3"


def test_a_logon_above_the_expected_number_asks_for_the_gap(stores: Stores) -> None:
    stores("BROKER1", "SIAMEX").set_next_in(5)
    client = Client()
    client.seq = 8
    session = new_session(stores)
    actions = session.data_received(client.logon(), T0)
    assert summary(actions) == ["write A", "logged on", "write 2"]
    request = written(actions)[1]
    assert (request[7], request[16]) == ("5", "0")
    assert session.state is State.RESENDING
    fill = client.message("4", [(123, "Y"), (36, "9")], seq=5, header=[
        (49, "BROKER1"), (56, "SIAMEX"), (34, "5"), (43, "Y"), (52, utc(T0))])
    assert session.data_received(fill, T0) == []
    assert session.state is State.ACTIVE
    assert summary(session.data_received(client.order("o1"), T0)) == ["deliver D 9"]


# Heartbeats and test requests


def test_a_quiet_session_sends_heartbeats(stores: Stores) -> None:
    session, client = logged_on(stores)
    session.data_received(client.message("0", now=T0 + 25 * SECOND), T0 + 25 * SECOND)
    assert session.timer(T0 + 30 * SECOND - 1) == []
    assert summary(session.timer(T0 + 30 * SECOND)) == ["write 0"]
    assert session.timer(T0 + 31 * SECOND) == []


def test_silence_brings_a_test_request_then_a_logout(stores: Stores) -> None:
    session, _ = logged_on(stores)
    assert summary(session.timer(T0 + 36 * SECOND - 1)) == ["write 0"]
    actions = session.timer(T0 + 36 * SECOND)
    assert summary(actions) == ["write 1"]
    assert written(actions)[0][112] == "T1"
    assert session.timer(T0 + 66 * SECOND - 1) == []
    actions = session.timer(T0 + 66 * SECOND)
    assert summary(actions) == ["write 5", "close"]
    assert session.state is State.CLOSED


def test_an_answered_test_request_keeps_thenew_session(stores: Stores) -> None:
    session, client = logged_on(stores)
    request = written(session.timer(T0 + 36 * SECOND))[0]
    later = T0 + 40 * SECOND
    session.data_received(client.message("0", [(112, request[112])], now=later), later)
    assert summary(session.timer(T0 + 66 * SECOND)) == ["write 0"]
    assert session.state is State.ACTIVE


def test_a_test_request_is_answered_with_its_id(stores: Stores) -> None:
    session, client = logged_on(stores)
    actions = session.data_received(client.message("1", [(112, "ping")]), T0)
    heartbeat = written(actions)[0]
    assert (heartbeat[35], heartbeat[112], heartbeat[34]) == ("0", "ping", "2")


# Sequence numbers


def test_the_expected_number_is_stored_once_the_session_is_called_again(
        stores: Stores) -> None:
    session, client = logged_on(stores)
    store = stores("BROKER1", "SIAMEX")
    actions = session.data_received(client.order("o1"), T0)
    assert summary(actions) == ["deliver D 2"]
    assert store.next_in() == 2  # the Deliver is not done yet
    session.timer(T0)
    assert store.next_in() == 3


def test_an_app_message_is_delivered_with_its_fields(stores: Stores) -> None:
    session, client = logged_on(stores)
    [deliver] = session.data_received(client.order("o1", extra=[(58, "hello")]), T0)
    assert isinstance(deliver, Deliver)
    message = deliver.msg
    assert (message.msg_type, message.seq, message.poss_dup) == ("D", 2, False)
    assert message.get(11) == "o1"
    assert message.get(58) == "hello"
    assert message.get(49) == "BROKER1"
    assert message.get(9999) is None


@pytest.mark.parametrize("msg_type", ["8", "j", "U7"])
def test_other_application_message_types_are_delivered_too(stores: Stores,
                                                           msg_type: str) -> None:
    session, client = logged_on(stores)
    actions = session.data_received(client.message(msg_type, [(58, "x")]), T0)
    assert summary(actions) == [f"deliver {msg_type} 2"]


def test_a_gap_is_asked_for_and_filled_in_order(stores: Stores) -> None:
    session, client = logged_on(stores)
    first, second, third = (client.order(f"o{n}") for n in (2, 3, 4))
    actions = session.data_received(third, T0)
    assert summary(actions) == ["write 2"]
    assert (written(actions)[0][7], written(actions)[0][16]) == ("2", "0")
    assert session.state is State.RESENDING
    later = T0 + SECOND
    actions = session.data_received(client.resent(first, now=later), later)
    assert summary(actions) == ["deliver D 2"]
    actions = session.data_received(client.resent(second, now=later)
                                    + client.resent(third, now=later), later)
    assert summary(actions) == ["deliver D 3", "deliver D 4"]
    assert [action.msg.poss_dup for action in actions if isinstance(action, Deliver)] == [
        True, False]
    assert session.state is State.ACTIVE


def test_messages_beyond_the_queue_bound_come_again_with_the_resend(stores: Stores) -> None:
    session, client = logged_on(stores, SessionConfig(max_queued_bytes=0))
    first, second = client.order("o2"), client.order("o3")
    assert summary(session.data_received(second, T0)) == ["write 2"]
    assert summary(session.data_received(first, T0)) == ["deliver D 2"]
    assert session.state is State.RESENDING
    assert summary(session.data_received(client.resent(second, now=T0), T0)) == [
        "deliver D 3"]
    assert session.state is State.ACTIVE


def test_a_gap_fill_past_queued_messages_drops_them(stores: Stores) -> None:
    session, client = logged_on(stores)
    client.seq = 4
    assert summary(session.data_received(client.order("o4") + client.order("o5"), T0)) == [
        "write 2"]
    fill = client.message("4", [(123, "Y"), (36, "6")], seq=2, header=[
        (49, "BROKER1"), (56, "SIAMEX"), (34, "2"), (43, "Y"), (52, utc(T0))])
    assert session.data_received(fill, T0) == []
    assert session.state is State.ACTIVE
    client.seq = 6
    assert summary(session.data_received(client.order("o6"), T0)) == ["deliver D 6"]


def test_a_number_too_low_without_poss_dup_logs_out(stores: Stores) -> None:
    session, client = logged_on(stores)
    session.data_received(client.order("o1"), T0)
    actions = session.data_received(client.order("again", seq=2), T0)
    assert summary(actions) == ["write 5", "close"]
    assert written(actions)[0][58] == "MsgSeqNum too low, expecting 3 but received 2"


def test_a_duplicate_below_the_expected_number_is_ignored(stores: Stores) -> None:
    session, client = logged_on(stores)
    order = client.order("o1")
    session.data_received(order, T0)
    assert session.data_received(client.resent(order, now=T0 + SECOND), T0 + SECOND) == []


def test_a_duplicate_without_orig_sending_time_is_rejected(stores: Stores) -> None:
    session, client = logged_on(stores)
    session.data_received(client.order("o1"), T0)
    duplicate = client.message("D", [(11, "o1")], seq=2, header=[
        (49, "BROKER1"), (56, "SIAMEX"), (34, "2"), (43, "Y"), (52, utc(T0))])
    reject = reject_of(session.data_received(duplicate, T0))
    assert (reject[45], reject[371], reject[373]) == ("2", "122", "1")


def test_a_duplicate_sent_before_its_original_is_rejected_and_logged_out(
        stores: Stores) -> None:
    session, client = logged_on(stores)
    session.data_received(client.order("o1"), T0)
    duplicate = client.message("D", [(11, "o1")], seq=2, header=[
        (49, "BROKER1"), (56, "SIAMEX"), (34, "2"), (43, "Y"), (52, utc(T0)),
        (122, utc(T0 + SECOND))])
    actions = session.data_received(duplicate, T0)
    assert summary(actions) == ["write 3", "write 5"]
    assert (reject_of(actions)[371], reject_of(actions)[373]) == ("122", "10")
    assert session.state is State.LOGOUT_SENT


@pytest.mark.parametrize(("orig", "reason"), [(None, "1"), ("yesterday", "6")])
def test_a_possible_duplicate_in_sequence_needs_a_readable_orig_sending_time(
        stores: Stores, orig: str | None, reason: str) -> None:
    session, client = logged_on(stores)
    header = [(49, "BROKER1"), (56, "SIAMEX"), (34, "2"), (43, "Y"), (52, utc(T0))]
    if orig is not None:
        header.append((122, orig))
    reject = reject_of(session.data_received(client.message("0", header=header), T0))
    assert (reject[45], reject[371], reject[373]) == ("2", "122", reason)


def test_a_possible_duplicate_in_sequence_is_delivered_as_one(stores: Stores) -> None:
    session, client = logged_on(stores)
    order = client.resent(client.order("o1"), now=T0)
    [deliver] = session.data_received(order, T0)
    assert isinstance(deliver, Deliver)
    assert deliver.msg.poss_dup


def test_a_missing_msg_seq_num_logs_out(stores: Stores) -> None:
    session, client = logged_on(stores)
    actions = session.data_received(client.message("0", header=[
        (49, "BROKER1"), (56, "SIAMEX"), (52, utc(T0))]), T0)
    assert summary(actions) == ["write 5", "close"]
    assert "MsgSeqNum" in written(actions)[0][58]


def test_a_garbled_message_is_ignored_and_uses_up_no_number(stores: Stores) -> None:
    session, client = logged_on(stores)
    order = client.order("o1")
    garbled = order[:-4] + b"%03d\x01" % ((int(order[-4:-1]) + 1) % 256)
    assert session.data_received(garbled, T0) == []
    assert summary(session.data_received(order, T0)) == ["deliver D 2"]


# Sequence resets


def test_a_gap_fill_moves_the_expected_number(stores: Stores) -> None:
    session, client = logged_on(stores)
    assert session.data_received(client.message("4", [(123, "Y"), (36, "7")]), T0) == []
    client.seq = 7
    assert summary(session.data_received(client.order("o7"), T0)) == ["deliver D 7"]


@pytest.mark.parametrize("new_seq", ["2", "1"])
def test_a_gap_fill_that_does_not_move_forward_is_rejected(stores: Stores,
                                                           new_seq: str) -> None:
    session, client = logged_on(stores)
    reject = reject_of(session.data_received(
        client.message("4", [(123, "Y"), (36, new_seq)]), T0))
    assert (reject[45], reject[371], reject[372], reject[373]) == ("2", "36", "4", "5")
    assert summary(session.data_received(client.order("o3"), T0)) == ["deliver D 3"]


def test_a_reset_sets_the_expected_number_whatever_its_own(stores: Stores) -> None:
    session, client = logged_on(stores)
    assert session.data_received(client.message("4", [(36, "20")], seq=999), T0) == []
    client.seq = 20
    assert summary(session.data_received(client.order("o20"), T0)) == ["deliver D 20"]


def test_a_reset_may_not_lower_the_expected_number(stores: Stores) -> None:
    session, client = logged_on(stores)
    session.data_received(client.order("o2") + client.order("o3"), T0)
    reject = reject_of(session.data_received(client.message("4", [(36, "2")], seq=1), T0))
    assert (reject[371], reject[373]) == ("36", "5")


def test_a_logon_with_reset_in_an_open_session_starts_again(stores: Stores) -> None:
    session, client = logged_on(stores)
    session.data_received(client.order("o2"), T0)
    client.seq = 1
    actions = session.data_received(client.logon([(98, "0"), (108, "30"), (141, "Y")]), T0)
    logon = written(actions)[0]
    assert (logon[35], logon[34], logon[141]) == ("A", "1", "Y")
    assert summary(session.data_received(client.order("o2"), T0)) == ["deliver D 2"]


def test_a_logon_without_reset_in_an_open_session_logs_out(stores: Stores) -> None:
    session, client = logged_on(stores)
    assert summary(session.data_received(client.logon(), T0)) == ["write 5", "close"]


# Session-level rejects


@pytest.mark.parametrize(("header", "tag"), [
    ([(49, "BROKER9"), (56, "SIAMEX"), (34, "2"), (52, utc(T0))], "49"),
    ([(49, "BROKER1"), (56, "ELSEWHERE"), (34, "2"), (52, utc(T0))], "56"),
])
def test_a_wrong_comp_id_is_rejected_then_logged_out(stores: Stores,
                                                     header: list[tuple[int, str]],
                                                     tag: str) -> None:
    session, client = logged_on(stores)
    actions = session.data_received(client.message("0", header=header), T0)
    assert summary(actions) == ["write 3", "write 5"]
    reject = reject_of(actions)
    assert (reject[45], reject[371], reject[373]) == ("2", tag, "9")
    assert session.state is State.LOGOUT_SENT
    assert summary(session.data_received(client.message("5"), T0)) == ["close"]


def test_an_inaccurate_sending_time_is_rejected_then_logged_out(stores: Stores) -> None:
    session, client = logged_on(stores)
    late = T0 + 121 * SECOND
    actions = session.data_received(client.order("o1"), late)
    assert summary(actions) == ["write 3", "write 5"]
    assert (reject_of(actions)[371], reject_of(actions)[373]) == ("52", "10")
    assert session.timer(late + 10 * SECOND - 1) == []
    assert summary(session.timer(late + 10 * SECOND)) == ["close"]


@pytest.mark.parametrize(("data", "reason", "tag", "msg_type"), [
    (b"35=D\x01" + b"11=o\x0155=PTT\x0154=1\x0160=x\x0140=2\x01abc=1\x01", "0", None, "D"),
    (b"35=D\x01" + b"11=o\x0155=PTT\x0154=1\x0160=x\x0140=2\x0158=\x01", "4", "58", "D"),
    (b"35=D\x01" + b"11=o\x0155=PTT\x0154=1\x0160=x\x0140=2\x01453=x\x01", "6", "453", "D"),
    (b"35=D\x01" + b"11=o\x0155=PTT\x0154=1\x0160=x\x0140=2\x0111=p\x01", "13", "11", "D"),
    (b"35=D\x01" + b"11=o\x0155=PTT\x0154=1\x0160=x\x0140=2\x0150=T\x01", "14", "50", "D"),
    (b"35=D\x01" + b"55=PTT\x0154=1\x0160=x\x0140=2\x01", "1", "11", "D"),
    (b"35=ZZ\x01", "11", "35", "ZZ"),
    (b"35=1\x01", "1", "112", "1"),
])
def test_a_faulty_message_gets_a_reject_and_uses_up_its_number(
        stores: Stores, data: bytes, reason: str, tag: str | None, msg_type: str) -> None:
    session, client = logged_on(stores)
    msg_type_at = data.index(b"\x01") + 1
    body = data[:msg_type_at] + b"49=BROKER1\x0156=SIAMEX\x0134=2\x0152=%s\x01" % (
        utc(T0).encode()) + data[msg_type_at:]
    head = b"8=FIX.4.4\x019=%d\x01" % len(body)
    frame = head + body + b"10=%03d\x01" % (sum(head + body) % 256)
    reject = reject_of(session.data_received(frame, T0))
    assert (reject[45], reject.get(371), reject[372], reject[373]) == (
        "2", tag, msg_type, reason)
    assert reject[58]
    client.seq = 3
    assert summary(session.data_received(client.order("o3"), T0)) == ["deliver D 3"]


def test_a_faulty_header_field_is_rejected_for_what_it_is(stores: Stores) -> None:
    session, client = logged_on(stores)
    reject = reject_of(session.data_received(client.message("0", header=[
        (49, "BROKER1"), (56, "SIAMEX"), (34, "2"), (52, utc(T0)), (52, utc(T0))]), T0))
    assert (reject[371], reject[373]) == ("52", "13")


@pytest.mark.parametrize(("sending_time", "reason"), [("yesterday", "6"), (None, "1")])
def test_a_sending_time_missing_or_unreadable_is_rejected(stores: Stores,
                                                          sending_time: str | None,
                                                          reason: str) -> None:
    session, client = logged_on(stores)
    header = [(49, "BROKER1"), (56, "SIAMEX"), (34, "2")]
    if sending_time is not None:
        header.append((52, sending_time))
    reject = reject_of(session.data_received(client.message("0", header=header), T0))
    assert (reject[371], reject[373]) == ("52", reason)
    assert session.state is State.ACTIVE


# Logout


def test_a_logout_is_answered_and_closes(stores: Stores) -> None:
    session, client = logged_on(stores)
    actions = session.data_received(client.message("5", [(58, "bye")]), T0)
    assert summary(actions) == ["write 5", "close"]
    session.connection_lost()
    assert stores("BROKER1", "SIAMEX").next_in() == 3


def test_a_logout_beyond_a_gap_is_answered_too(stores: Stores) -> None:
    session, client = logged_on(stores)
    actions = session.data_received(client.message("5", seq=9), T0)
    assert summary(actions) == ["write 5", "close"]


def test_our_logout_waits_for_the_answer(stores: Stores) -> None:
    session, client = logged_on(stores)
    actions = session.logout("end of day", T0)
    assert written(actions)[0][58] == "end of day"
    assert session.state is State.LOGOUT_SENT
    assert summary(session.data_received(client.order("o2"), T0)) == ["deliver D 2"]
    assert summary(session.data_received(client.message("5"), T0)) == ["close"]
    session.connection_lost()
    assert stores("BROKER1", "SIAMEX").next_in() == 4


def test_our_logout_closes_at_the_timeout(stores: Stores) -> None:
    session, _ = logged_on(stores)
    session.logout("end of day", T0)
    assert session.timer(T0 + 10 * SECOND - 1) == []
    assert summary(session.timer(T0 + 10 * SECOND)) == ["close"]
    assert session.logout("again", T0) == []


# Any input


def test_a_message_split_at_every_byte_acts_the_same(stores: Stores) -> None:
    client = Client()
    stream = client.logon() + client.order("o2") + client.message("1", [(112, "x")])
    whole = summary(new_session(memory_stores()).data_received(stream, T0))
    assert whole == ["write A", "logged on", "deliver D 2", "write 0"]
    for cut in range(len(stream) + 1):
        session = new_session(memory_stores())
        actions = session.data_received(stream[:cut], T0) + session.data_received(
            stream[cut:], T0)
        assert summary(actions) == whole


_BOUND = SessionConfig().max_message_size + SessionConfig().max_queued_bytes + 64


@settings(max_examples=200)
@given(st.lists(st.binary(max_size=2000), max_size=10))
def test_random_bytes_never_raise_nor_pile_up(chunks: list[bytes]) -> None:
    session, _ = logged_on(memory_stores())
    for chunk in chunks:
        session.data_received(chunk, T0)
        session.timer(T0)
        assert session.buffered <= _BOUND


def test_an_endless_stream_of_messages_beyond_a_gap_is_held_to_the_bound() -> None:
    session, client = logged_on(memory_stores(), SessionConfig(max_queued_bytes=10_000))
    client.seq = 5
    for n in range(500):
        session.data_received(client.order(f"o{n}"), T0)
        assert session.buffered <= 10_000


_STREAM = b"".join(Client().order(f"o{n}", seq=n) for n in range(2, 6))


@settings(max_examples=300)
@given(st.lists(st.tuples(st.integers(0, len(_STREAM) - 1), st.integers(0, 2),
                          st.binary(min_size=1, max_size=4)), min_size=1, max_size=5))
def test_mutated_messages_never_raise(edits: list[tuple[int, int, bytes]]) -> None:
    data = bytearray(_STREAM)
    for at, how, chunk in edits:
        if how == 0:
            data[at:at + len(chunk)] = chunk
        elif how == 1:
            data[at:at] = chunk
        else:
            del data[at:at + len(chunk)]
    session, _ = logged_on(memory_stores())
    for action in session.data_received(bytes(data), T0):
        if isinstance(action, Write):
            read(action.data)
    session.timer(T0 + 60 * SECOND)
    assert session.buffered <= _BOUND
