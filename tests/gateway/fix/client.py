"""A member's side of a FIX connection, written with simplefix so that the session tests do
not trust siamex's own codec (messages built with simplefix, the server's bytes read with it),
and an acceptor session for it to talk to."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import simplefix

from siamex.gateway.fix.actions import Action, Close, Deliver, LoggedOn, Write
from siamex.gateway.fix.auth import Credential, StaticAuthenticator
from siamex.gateway.fix.session import FixSession, SessionConfig
from siamex.gateway.fix.store import MessageStore

T0 = 1_767_323_045_000_000_000  # 2026-01-02 03:04:05 UTC
SECOND = 1_000_000_000
AUTH = StaticAuthenticator({
    "BROKER1": Credential("member 1"),
    "BROKER2": Credential("member 2", username="trader", password="s3cret"),
})
Stores = Callable[[str, str], MessageStore]


def utc(ns: int) -> str:
    """Format a time as a UTCTimestamp, independently of siamex's codec."""
    moment = datetime.fromtimestamp(ns // SECOND, UTC)
    return f"{moment:%Y%m%d-%H:%M:%S}.{ns // 1_000_000 % 1000:03d}"


class Client:
    """Build the member's messages, numbering them as a FIX engine would."""

    def __init__(self, sender: str = "BROKER1", target: str = "SIAMEX") -> None:
        self.sender = sender
        self.target = target
        self.seq = 1

    def message(self, msg_type: str, fields: Sequence[tuple[int, str]] = (), *,
                now: int = T0, seq: int | None = None,
                header: Sequence[tuple[int, str]] | None = None) -> bytes:
        """A message numbered next (or `seq`, leaving the numbering alone), sent at `now`;
        `header` replaces the whole standard header after MsgType."""
        if seq is None:
            seq = self.seq
            self.seq += 1
        message = simplefix.FixMessage()
        message.append_pair(8, "FIX.4.4")
        message.append_pair(35, msg_type)
        for tag, value in header if header is not None else [
                (49, self.sender), (56, self.target), (34, str(seq)), (52, utc(now))]:
            message.append_pair(tag, value)
        for tag, value in fields:
            message.append_pair(tag, value)
        data: bytes = message.encode()
        return data

    def logon(self, fields: Sequence[tuple[int, str]] = ((98, "0"), (108, "30")), *,
              now: int = T0, seq: int | None = None) -> bytes:
        return self.message("A", fields, now=now, seq=seq)

    def order(self, cl_ord_id: str, *, now: int = T0, seq: int | None = None,
              extra: Sequence[tuple[int, str]] = ()) -> bytes:
        return self.message("D", [(11, cl_ord_id), (55, "PTT"), (54, "1"), (60, utc(now)),
                                  (38, "100"), (40, "2"), (44, "34.25"), *extra],
                            now=now, seq=seq)

    def resent(self, data: bytes, *, now: int) -> bytes:
        """The same message again, as a resend: PossDupFlag=Y, OrigSendingTime its first
        SendingTime, SendingTime `now`."""
        original = read(data)
        message = simplefix.FixMessage()
        for tag, value in original.pairs:
            if tag == b"52":
                message.append_pair(43, "Y")
                message.append_pair(52, utc(now))
                message.append_pair(122, value)
            elif tag not in (b"9", b"10"):
                message.append_pair(tag, value)
        encoded: bytes = message.encode()
        return encoded


def read(data: bytes) -> simplefix.FixMessage:
    """Read one message with simplefix."""
    parser = simplefix.FixParser()
    parser.append_buffer(data)
    message = parser.get_message()
    assert message is not None, data
    return message


def fields(data: bytes) -> dict[int, str]:
    """The first value of each tag of a message."""
    return {int(tag): value.decode() for tag, value in reversed(read(data).pairs)}


def written(actions: Sequence[Action]) -> list[dict[int, str]]:
    """The messages the session wrote, read with simplefix."""
    return [fields(action.data) for action in actions if isinstance(action, Write)]


def summary(actions: Sequence[Action]) -> list[str]:
    """Each action in a word: the MsgType written, the message delivered, or the event."""
    out = []
    for action in actions:
        if isinstance(action, Write):
            out.append(f"write {fields(action.data)[35]}")
        elif isinstance(action, Deliver):
            out.append(f"deliver {action.msg.msg_type} {action.msg.seq}")
        elif isinstance(action, LoggedOn):
            out.append("logged on")
        else:
            assert isinstance(action, Close)
            out.append("close")
    return out


def reject_of(actions: Sequence[Action]) -> dict[int, str]:
    """The one session-level Reject among the messages written."""
    rejects = [message for message in written(actions) if message[35] == "3"]
    assert len(rejects) == 1, summary(actions)
    return rejects[0]


def new_session(stores: Stores, config: SessionConfig | None = None) -> FixSession:
    """A connection opened at T0."""
    return FixSession(config or SessionConfig(), AUTH, stores, T0)


def logged_on(stores: Stores, config: SessionConfig | None = None,
              client: Client | None = None) -> tuple[FixSession, Client]:
    """A connection on which BROKER1 (or `client`) has logged on at T0."""
    session = new_session(stores, config)
    client = client or Client()
    actions = session.data_received(client.logon(), T0)
    assert summary(actions) == ["write A", "logged on"]
    return session, client
