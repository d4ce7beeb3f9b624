"""The FIX 4.4 session layer, acceptor side (FIX 4.4 Volume 2: session protocol, message
recovery, session-level Reject), sans-IO: bytes and a clock in, actions out.

    AWAITING_LOGON --Logon accepted--> ACTIVE --MsgSeqNum too high--> RESENDING
          |                              ^  <------ gap filled ---------  |
          |                              +--- Logon with ResetSeqNumFlag -+
          |                 ACTIVE or RESENDING --we send Logout--> LOGOUT_SENT
          +-- not a Logon, refused, timeout --> CLOSED <-- Logout answered, timeout,
                                                          MsgSeqNum too low, connection lost

The first message must be a Logon, or the connection closes unanswered; a Logon for another
TargetCompID closes unanswered too. A refused Logon gets a Logout, with MsgSeqNum 1 and stored
nowhere: the refused party has no session.

Every incoming message is judged at its turn in sequence. A MsgSeqNum above the expected one
sends a ResendRequest from the expected number to infinity (EndSeqNo 0) and queues the message
(up to `max_queued_bytes`, then drops it: the open-ended request brings it again); queued
messages are processed in order as the gap fills (QuickFIX's way). Three messages act at once
whatever their number: a ResendRequest (two sides each waiting for the other's resend would
deadlock), a Logout, and a SequenceReset in Reset mode, which ignores MsgSeqNum. A number below
the expected one closes the session with a Logout, unless PossDupFlag=Y: a duplicate, ignored.

A message in sequence must carry the header's required tags and the session's CompIDs (else a
Reject reason 9 and a Logout), a SendingTime within the tolerance (else reason 10 and a Logout),
an OrigSendingTime no later than its SendingTime when PossDupFlag=Y, a FIX 4.4 MsgType and the
tags FIX requires; else a session-level Reject, and its number is used up. Garbled frames are
dropped unanswered and use up no number.

The expected incoming number is stored at the session's next call (or `connection_lost`): after
the server has run the Deliver actions returned before it, so a crash between the two makes the
member resend the message as a possible duplicate, never loses it. Outgoing messages are stored
before they are written.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Final

from siamex.gateway.fix.actions import (
    Action,
    AppMessage,
    Close,
    Deliver,
    LoggedOn,
    NotLoggedOn,
    Write,
)
from siamex.gateway.fix.auth import Authenticator, LogonDecision, Refused
from siamex.gateway.fix.codec import Decoded, Framer, Garbled, decode, encode, format_utc, parse_utc
from siamex.gateway.fix.fields import (
    ADMIN_MSG_TYPES,
    REQUIRED,
    MsgType,
    RejectReason,
    Tag,
    is_msg_type,
)
from siamex.gateway.fix.message import Problem, SessionConfig
from siamex.gateway.fix.resend import replay
from siamex.gateway.fix.store import MessageStore

__all__ = [
    "TRANSITIONS",
    "Event",
    "FixSession",
    "NotLoggedOn",
    "SessionConfig",
    "State",
    "store_outgoing",
]


class State(Enum):
    __hash__ = object.__hash__

    AWAITING_LOGON = "awaiting_logon"
    ACTIVE = "active"
    RESENDING = "resending"
    LOGOUT_SENT = "logout_sent"
    CLOSED = "closed"


class Event(Enum):
    __hash__ = object.__hash__

    LOGON = "logon"  # a Logon accepted, or a ResetSeqNumFlag Logon answered
    GAP = "gap"  # a MsgSeqNum above the expected one: ResendRequest sent
    GAP_FILLED = "gap_filled"  # every number up to the highest seen has arrived
    LOGOUT = "logout"  # we sent a Logout and wait for the answer
    CLOSE = "close"  # the connection ends


TRANSITIONS: Final[dict[State, dict[Event, State]]] = {
    State.AWAITING_LOGON: {Event.LOGON: State.ACTIVE, Event.CLOSE: State.CLOSED},
    State.ACTIVE: {Event.LOGON: State.ACTIVE, Event.GAP: State.RESENDING,
                   Event.LOGOUT: State.LOGOUT_SENT, Event.CLOSE: State.CLOSED},
    State.RESENDING: {Event.LOGON: State.ACTIVE, Event.GAP_FILLED: State.ACTIVE,
                      Event.LOGOUT: State.LOGOUT_SENT, Event.CLOSE: State.CLOSED},
    State.LOGOUT_SENT: {Event.CLOSE: State.CLOSED},
    State.CLOSED: {Event.CLOSE: State.CLOSED},
}

_LOGGED_ON: Final = frozenset({State.ACTIVE, State.RESENDING})
_SECOND: Final = 1_000_000_000


def store_outgoing(store: MessageStore, sender_comp_id: str, target_comp_id: str, msg_type: str,
                   fields: list[tuple[int, str]], now_ns: int, ref: int | None = None) -> bytes:
    """Number, encode and store an application message from `sender_comp_id` (the exchange);
    return its bytes. A message produced while its member is not connected is stored so, and
    reaches it by resend once it logs on again and finds the gap."""
    if msg_type in ADMIN_MSG_TYPES:
        raise ValueError(f"MsgType {msg_type} is a session message: the session sends those")
    seq = store.next_out()
    raw = encode(msg_type, [(Tag.SENDER_COMP_ID, sender_comp_id),
                            (Tag.TARGET_COMP_ID, target_comp_id), (Tag.MSG_SEQ_NUM, str(seq)),
                            (Tag.SENDING_TIME, format_utc(now_ns)), *fields])
    store.save(seq, raw, ref)
    return raw


class FixSession:
    """One connection's FIX session, acceptor side: feed it bytes, timer ticks and messages
    to send; do the actions it returns, in order."""

    def __init__(self, config: SessionConfig, authenticator: Authenticator,
                 stores: Callable[[str, str], MessageStore], now_ns: int) -> None:
        """`stores` gives the store of a CompID pair (SenderCompID, TargetCompID as the
        member's messages carry them); `now_ns` is when the connection opened."""
        self.config = config
        self.state = State.AWAITING_LOGON
        self._authenticator = authenticator
        self._stores = stores
        self._framer = Framer(config.max_message_size)
        self._store: MessageStore | None = None
        self._their = ""
        self._next_in = self._stored_in = 1
        self._heartbeat_ns = 0
        self._opened_ns = self._last_sent_ns = self._last_received_ns = now_ns
        self._test_request_ns: int | None = None
        self._test_requests = 0
        self._logout_ns = 0
        self._queue: dict[int, tuple[bytes, int]] = {}
        self._queued_bytes = 0
        self._resend_to = 0

    @property
    def buffered(self) -> int:
        """Bytes held for the connection: a frame not yet whole, and messages queued beyond a
        gap; at most `max_message_size` and `max_queued_bytes` and a frame's head."""
        return self._framer.buffered + self._queued_bytes

    def data_received(self, data: bytes, now_ns: int) -> list[Action]:
        """Take bytes from the connection."""
        out: list[Action] = []
        self._persist()
        for item in self._framer.feed(data):
            if self.state is State.CLOSED:
                break
            if isinstance(item, Garbled):
                continue  # Volume 2: a garbled message is ignored, its number not used up
            self._last_received_ns = now_ns
            self._test_request_ns = None
            if self.state is State.AWAITING_LOGON:
                self._logon(decode(item), now_ns, out)
            else:
                self._message(decode(item), item, now_ns, out)
                self._drain(out)
        return out

    def send_app(self, msg_type: str, fields: list[tuple[int, str]], now_ns: int,
                 ref: int | None = None) -> list[Action]:
        """Send an application message: stored, then written; while logging out or after
        the connection closed it is stored only, for a resend in the next session."""
        store = self._store
        if store is None:
            raise NotLoggedOn("no Logon yet: store the message with store_outgoing")
        self._persist()
        raw = store_outgoing(store, self.config.comp_id, self._their, msg_type, fields, now_ns,
                             ref)
        if self.state not in _LOGGED_ON:
            return []
        self._last_sent_ns = now_ns
        return [Write(raw)]

    def reject(self, seq: int, msg_type: str, reason: int, tag: int | None, text: str,
               now_ns: int) -> list[Action]:
        """Send a session-level Reject of a delivered application message whose fields the
        application could not read (Volume 2: Reject also serves such messages)."""
        out: list[Action] = []
        self._persist()
        if self.state in _LOGGED_ON:
            self._reject(seq, msg_type, Problem(RejectReason(reason), tag, text), now_ns, out)
        return out

    def logout(self, text: str, now_ns: int) -> list[Action]:
        """Start the Logout handshake: the session closes on the answer or at the timeout."""
        out: list[Action] = []
        self._persist()
        if self.state in _LOGGED_ON:
            self._start_logout(text, now_ns, out)
        return out

    def timer(self, now_ns: int) -> list[Action]:
        """Check the clock: heartbeats, TestRequests and the Logon and Logout timeouts."""
        out: list[Action] = []
        self._persist()
        config = self.config
        if self.state is State.AWAITING_LOGON:
            if now_ns - self._opened_ns >= config.logon_timeout_s * _SECOND:
                self._close(f"no Logon within {config.logon_timeout_s} s", out)
        elif self.state is State.LOGOUT_SENT:
            if now_ns - self._logout_ns >= config.logout_timeout_s * _SECOND:
                self._close("no answer to our Logout", out)
        elif self.state in _LOGGED_ON:
            interval = self._heartbeat_ns
            grace = interval * (100 + config.test_request_grace_percent) // 100
            if self._test_request_ns is not None:
                if now_ns - self._test_request_ns >= interval:
                    self._send(MsgType.LOGOUT, [(Tag.TEXT, "no answer to TestRequest")],
                               now_ns, out)
                    self._close("no answer to TestRequest", out)
                    return out
            elif now_ns - self._last_received_ns >= grace:
                self._test_requests += 1
                self._send(MsgType.TEST_REQUEST, [(Tag.TEST_REQ_ID, f"T{self._test_requests}")],
                           now_ns, out)
                self._test_request_ns = now_ns
            if now_ns - self._last_sent_ns >= interval:
                self._send(MsgType.HEARTBEAT, [], now_ns, out)
        return out

    def connection_lost(self) -> None:
        """The connection is gone (after a Close, or not): store what was received."""
        self._persist()
        if self.state is not State.CLOSED:
            self._move(Event.CLOSE)

    def _move(self, event: Event) -> None:
        self.state = TRANSITIONS[self.state][event]

    def _persist(self) -> None:
        """Store the expected incoming number, now that the last call's actions are done."""
        if self._store is not None and self._next_in != self._stored_in:
            self._store.set_next_in(self._next_in)
            self._stored_in = self._next_in

    def _logon(self, decoded: Decoded, now_ns: int, out: list[Action]) -> None:
        values = decoded.values
        sender = values.get(Tag.SENDER_COMP_ID)
        if decoded.message.msg_type != MsgType.LOGON:
            self._close("the first message is not a Logon", out)
            return
        if sender is None or values.get(Tag.TARGET_COMP_ID) != self.config.comp_id:
            self._close("a Logon for another TargetCompID, or without SenderCompID", out)
            return
        self._their = sender
        refusal = self._logon_refusal(decoded, now_ns)
        decision: LogonDecision = Refused(refusal) if refusal else self._authenticator.logon(
            sender, self.config.comp_id, values.get(Tag.USERNAME), values.get(Tag.PASSWORD))
        if isinstance(decision, Refused):
            out.append(Write(encode(MsgType.LOGOUT, [*self._header(1, now_ns),
                                                     (Tag.TEXT, decision.text)])))
            self._close(f"Logon refused: {decision.text}", out)
            return
        store = self._store = self._stores(sender, self.config.comp_id)
        seq = int(values[Tag.MSG_SEQ_NUM])
        reset = values.get(Tag.RESET_SEQ_NUM_FLAG) == "Y"
        if reset:
            store.reset()
        self._next_in = self._stored_in = store.next_in()
        if seq < self._next_in:
            self._too_low(seq, now_ns, out)
            return
        self._heartbeat_ns = int(values[Tag.HEART_BT_INT]) * _SECOND
        self._move(Event.LOGON)
        self._send(MsgType.LOGON, self._logon_fields(values, reset), now_ns, out)
        out.append(LoggedOn(decision.identity, sender, self.config.comp_id))
        if seq > self._next_in:
            self._gap(seq, None, now_ns, out)  # the Logon itself is gap-filled by the resend
        else:
            self._next_in = seq + 1

    def _logon_refusal(self, decoded: Decoded, now_ns: int) -> str:
        """Return why a Logon cannot open a session, before credentials are looked at."""
        values = decoded.values
        config = self.config
        problem = self._header_problem(decoded, now_ns) or self._body_problem(decoded)
        if problem is not None:
            return problem.text
        if values[Tag.ENCRYPT_METHOD] != "0":
            return "EncryptMethod(98) must be 0: this exchange does not encrypt"
        interval = int(values[Tag.HEART_BT_INT])
        if not config.min_heartbeat_s <= interval <= config.max_heartbeat_s:
            return (f"HeartBtInt(108) must be {config.min_heartbeat_s} to "
                    f"{config.max_heartbeat_s} s")
        if values.get(Tag.RESET_SEQ_NUM_FLAG) == "Y" and values[Tag.MSG_SEQ_NUM] != "1":
            return "a Logon with ResetSeqNumFlag(141)=Y must have MsgSeqNum 1"
        return ""

    def _logon_fields(self, values: dict[int, str], reset: bool) -> list[tuple[int, str]]:
        fields = [(Tag.ENCRYPT_METHOD, "0"), (Tag.HEART_BT_INT, values[Tag.HEART_BT_INT])]
        if reset:
            fields.append((Tag.RESET_SEQ_NUM_FLAG, "Y"))
        return fields

    def _message(self, decoded: Decoded, frame: bytes | None, now_ns: int,
                 out: list[Action]) -> None:
        """Judge a message of a logged-on session by its MsgSeqNum."""
        values = decoded.values
        msg_type = decoded.message.msg_type
        seq_text = values.get(Tag.MSG_SEQ_NUM)
        if seq_text is None:  # Volume 2: a serious error, only a software change cures it
            self._logout_and_close("MsgSeqNum(34) missing or not a number", now_ns, out)
            return
        seq = int(seq_text)
        if msg_type == MsgType.LOGOUT and self.state is State.LOGOUT_SENT:
            if seq == self._next_in:
                self._next_in = seq + 1
            self._close("Logout answered", out)
            return
        if msg_type == MsgType.SEQUENCE_RESET and values.get(Tag.GAP_FILL_FLAG) != "Y":
            self._checked(decoded, seq, False, now_ns, out)  # Reset mode: MsgSeqNum ignored
            return
        if msg_type == MsgType.LOGON and values.get(Tag.RESET_SEQ_NUM_FLAG) == "Y" \
                and self.state in _LOGGED_ON:
            self._checked(decoded, seq, False, now_ns, out)
            return
        if seq > self._next_in:
            if msg_type == MsgType.LOGOUT:
                self._send(MsgType.LOGOUT, [], now_ns, out)
                self._close("Logout received", out)
                return
            if msg_type == MsgType.RESEND_REQUEST and decoded.error is None \
                    and self.state in _LOGGED_ON:
                self._checked(decoded, seq, False, now_ns, out)
                frame = None
            if self.state in _LOGGED_ON:
                self._gap(seq, frame, now_ns, out)
            return
        if seq < self._next_in:
            if values.get(Tag.POSS_DUP_FLAG) != "Y":
                self._too_low(seq, now_ns, out)
            else:
                problem = self._poss_dup_problem(values, msg_type)
                if problem is not None and self.state in _LOGGED_ON:
                    self._reject(seq, msg_type, problem, now_ns, out)
            return
        self._checked(decoded, seq, True, now_ns, out)

    def _checked(self, decoded: Decoded, seq: int, in_sequence: bool, now_ns: int,
                 out: list[Action]) -> None:
        """Check a message and act on it; `in_sequence`: its number is the expected one, and
        is used up by it."""
        msg_type = decoded.message.msg_type
        problem = self._header_problem(decoded, now_ns) or self._body_problem(decoded)
        if problem is not None:
            if in_sequence:
                self._next_in = seq + 1
            if self.state is not State.LOGOUT_SENT:
                self._reject(seq, msg_type, problem, now_ns, out)
            return
        if in_sequence:
            self._next_in = seq + 1
        values = decoded.values
        if msg_type == MsgType.TEST_REQUEST:
            self._send(MsgType.HEARTBEAT, [(Tag.TEST_REQ_ID, values[Tag.TEST_REQ_ID])],
                       now_ns, out)
        elif msg_type == MsgType.RESEND_REQUEST:
            self._resend(seq, values, now_ns, out)
        elif msg_type == MsgType.SEQUENCE_RESET:
            self._sequence_reset(seq, values, now_ns, out)
        elif msg_type == MsgType.LOGOUT:
            self._send(MsgType.LOGOUT, [], now_ns, out)
            self._close("Logout received", out)
        elif msg_type == MsgType.LOGON:
            self._reset_logon(seq, values, now_ns, out)
        elif msg_type not in ADMIN_MSG_TYPES:
            out.append(Deliver(AppMessage(msg_type, decoded.message.fields, seq,
                                          values.get(Tag.POSS_DUP_FLAG) == "Y")))

    def _header_problem(self, decoded: Decoded, now_ns: int) -> Problem | None:
        """Check what every message's header must carry: CompIDs, SendingTime, MsgSeqNum."""
        values = decoded.values
        error = decoded.error
        if error is not None and error.tag in (Tag.SENDER_COMP_ID, Tag.TARGET_COMP_ID,
                                               Tag.SENDING_TIME, Tag.MSG_SEQ_NUM):
            return Problem(error.reason, error.tag, error.text)
        for tag in (Tag.SENDER_COMP_ID, Tag.TARGET_COMP_ID, Tag.MSG_SEQ_NUM, Tag.SENDING_TIME):
            if tag not in values:
                return Problem(RejectReason.REQUIRED_TAG_MISSING, tag,
                                f"required tag {tag} missing")
        if values[Tag.SENDER_COMP_ID] != self._their:
            return Problem(RejectReason.COMP_ID_PROBLEM, Tag.SENDER_COMP_ID,
                            f"SenderCompID(49) must be {self._their}", logout=True)
        if values[Tag.TARGET_COMP_ID] != self.config.comp_id:
            return Problem(RejectReason.COMP_ID_PROBLEM, Tag.TARGET_COMP_ID,
                            f"TargetCompID(56) must be {self.config.comp_id}", logout=True)
        sent = parse_utc(values[Tag.SENDING_TIME])
        if sent is None:
            return Problem(RejectReason.INCORRECT_DATA_FORMAT, Tag.SENDING_TIME,
                            "SendingTime(52) is not a UTCTimestamp")
        if abs(sent - now_ns) > self.config.sending_time_tolerance_s * _SECOND:
            return Problem(RejectReason.SENDING_TIME_ACCURACY, Tag.SENDING_TIME,
                            "SendingTime accuracy problem", logout=True)
        return None

    def _body_problem(self, decoded: Decoded) -> Problem | None:
        """Check the rest: the codec's findings, the MsgType, PossDup's OrigSendingTime and
        the tags FIX 4.4 requires of the MsgType."""
        if decoded.error is not None:
            return Problem(decoded.error.reason, decoded.error.tag, decoded.error.text)
        msg_type = decoded.message.msg_type
        if not is_msg_type(msg_type):
            return Problem(RejectReason.INVALID_MSG_TYPE, Tag.MSG_TYPE,
                            f"invalid MsgType {msg_type}")
        values = decoded.values
        if values.get(Tag.POSS_DUP_FLAG) == "Y":
            problem = self._poss_dup_problem(values, msg_type)
            if problem is not None:
                return problem
        for tag in REQUIRED.get(msg_type, ()):
            if tag not in values:
                return Problem(RejectReason.REQUIRED_TAG_MISSING, tag,
                                f"required tag {tag} missing")
        return None

    def _poss_dup_problem(self, values: dict[int, str], msg_type: str) -> Problem | None:
        """Check a possible duplicate's OrigSendingTime (Volume 2; a SequenceReset needs none)."""
        if msg_type == MsgType.SEQUENCE_RESET:
            return None
        original = values.get(Tag.ORIG_SENDING_TIME)
        if original is None:
            return Problem(RejectReason.REQUIRED_TAG_MISSING, Tag.ORIG_SENDING_TIME,
                            "OrigSendingTime(122) required with PossDupFlag=Y")
        first = parse_utc(original)
        sent = parse_utc(values.get(Tag.SENDING_TIME, ""))
        if first is None:
            return Problem(RejectReason.INCORRECT_DATA_FORMAT, Tag.ORIG_SENDING_TIME,
                            "OrigSendingTime(122) is not a UTCTimestamp")
        if sent is not None and first > sent:
            return Problem(RejectReason.SENDING_TIME_ACCURACY, Tag.ORIG_SENDING_TIME,
                            "OrigSendingTime(122) is after SendingTime(52)", logout=True)
        return None

    def _reject(self, seq: int, msg_type: str, problem: Problem, now_ns: int,
                out: list[Action]) -> None:
        fields = [(Tag.REF_SEQ_NUM, str(seq))]
        if problem.tag is not None:
            fields.append((Tag.REF_TAG_ID, str(problem.tag)))
        if msg_type:
            fields.append((Tag.REF_MSG_TYPE, msg_type))
        fields += [(Tag.SESSION_REJECT_REASON, str(int(problem.reason))),
                   (Tag.TEXT, problem.text)]
        self._send(MsgType.REJECT, fields, now_ns, out)
        if problem.logout:
            self._start_logout(problem.text, now_ns, out)

    def _resend(self, seq: int, values: dict[int, str], now_ns: int, out: list[Action]) -> None:
        store = self._store
        assert store is not None
        begin, end = int(values[Tag.BEGIN_SEQ_NO]), int(values[Tag.END_SEQ_NO])
        last = store.next_out() - 1
        if begin < 1 or begin > last or 0 < end < begin:
            self._reject(seq, MsgType.RESEND_REQUEST, Problem(
                RejectReason.VALUE_INCORRECT, Tag.BEGIN_SEQ_NO if end == 0 or end >= begin
                else Tag.END_SEQ_NO,
                f"BeginSeqNo {begin} to EndSeqNo {end} is not a range of 1 to {last}"),
                now_ns, out)
            return
        end = last if end == 0 else min(end, last)  # EndSeqNo 0: everything sent
        for frame in replay(store.get(begin, end), begin, end, self.config.comp_id,
                            self._their, now_ns):
            out.append(Write(frame))
        self._last_sent_ns = now_ns

    def _sequence_reset(self, seq: int, values: dict[int, str], now_ns: int,
                        out: list[Action]) -> None:
        """GapFill mode moves past the numbers it covers; Reset mode sets the expected number.
        Neither may lower it (Volume 2: Reject, value incorrect)."""
        new_seq = int(values[Tag.NEW_SEQ_NO])
        floor = seq + 1 if values.get(Tag.GAP_FILL_FLAG) == "Y" else self._next_in
        if new_seq < floor:
            self._reject(seq, MsgType.SEQUENCE_RESET, Problem(
                RejectReason.VALUE_INCORRECT, Tag.NEW_SEQ_NO,
                f"NewSeqNo {new_seq} would lower the expected MsgSeqNum {floor}"), now_ns, out)
            return
        self._next_in = new_seq

    def _reset_logon(self, seq: int, values: dict[int, str], now_ns: int,
                     out: list[Action]) -> None:
        """Answer a Logon that resets both sequences in an open session; any other Logon
        in one is a protocol error."""
        store = self._store
        assert store is not None
        if values.get(Tag.RESET_SEQ_NUM_FLAG) != "Y" or seq != 1:
            self._logout_and_close("a Logon in an open session must reset, as MsgSeqNum 1",
                                   now_ns, out)
            return
        store.reset()
        self._stored_in = 1
        self._next_in = 2
        self._queue.clear()
        self._queued_bytes = 0
        self._move(Event.LOGON)
        self._send(MsgType.LOGON, self._logon_fields(values, True), now_ns, out)

    def _gap(self, seq: int, frame: bytes | None, now_ns: int, out: list[Action]) -> None:
        """Queue a message from beyond a gap and ask for the gap (once: the request is
        open-ended)."""
        if frame is not None and seq not in self._queue \
                and self._queued_bytes + len(frame) <= self.config.max_queued_bytes:
            self._queue[seq] = (frame, now_ns)
            self._queued_bytes += len(frame)
        self._resend_to = max(self._resend_to, seq)
        if self.state is State.ACTIVE:
            self._send(MsgType.RESEND_REQUEST, [(Tag.BEGIN_SEQ_NO, str(self._next_in)),
                                                (Tag.END_SEQ_NO, "0")], now_ns, out)
            self._move(Event.GAP)

    def _drain(self, out: list[Action]) -> None:
        """Process the queued messages the expected number has reached, then see whether the
        gap is filled."""
        queue = self._queue
        while queue and self.state is not State.CLOSED:
            for seq in [seq for seq in queue if seq < self._next_in]:
                self._queued_bytes -= len(queue.pop(seq)[0])
            entry = queue.pop(self._next_in, None)
            if entry is None:
                break
            frame, received_ns = entry
            self._queued_bytes -= len(frame)
            self._message(decode(frame), frame, received_ns, out)
        if self.state is State.RESENDING and self._next_in > self._resend_to:
            self._move(Event.GAP_FILLED)

    def _too_low(self, seq: int, now_ns: int, out: list[Action]) -> None:
        self._logout_and_close(f"MsgSeqNum too low, expecting {self._next_in} but received "
                               f"{seq}", now_ns, out)

    def _start_logout(self, text: str, now_ns: int, out: list[Action]) -> None:
        self._send(MsgType.LOGOUT, [(Tag.TEXT, text)], now_ns, out)
        self._logout_ns = now_ns
        self._move(Event.LOGOUT)

    def _logout_and_close(self, text: str, now_ns: int, out: list[Action]) -> None:
        self._send(MsgType.LOGOUT, [(Tag.TEXT, text)], now_ns, out)
        self._close(text, out)

    def _close(self, reason: str, out: list[Action]) -> None:
        out.append(Close(reason))
        self._move(Event.CLOSE)

    def _header(self, seq: int, now_ns: int) -> list[tuple[int, str]]:
        return [(Tag.SENDER_COMP_ID, self.config.comp_id), (Tag.TARGET_COMP_ID, self._their),
                (Tag.MSG_SEQ_NUM, str(seq)), (Tag.SENDING_TIME, format_utc(now_ns))]

    def _send(self, msg_type: str, fields: list[tuple[int, str]], now_ns: int,
              out: list[Action]) -> None:
        """Send a session message: numbered and counted in the store, never stored (a resend
        gap-fills over it)."""
        store = self._store
        assert store is not None
        seq = store.next_out()
        store.set_next_out(seq + 1)
        out.append(Write(encode(msg_type, [*self._header(seq, now_ns), *fields])))
        self._last_sent_ns = now_ns
