"""What a FIX session asks of its server: the actions its calls return, in the order to do them.

A server runs them in order: Write sends bytes, Deliver hands a message to the application,
LoggedOn binds the connection to a member, Close ends the connection (after the Writes before
it). Each is a frozen struct, so a test compares them as values. NotLoggedOn is the one thing
a session refuses its server: a message to send before there is a session to send it in.
"""

from __future__ import annotations

import msgspec

__all__ = ["Action", "AppMessage", "Close", "Deliver", "LoggedOn", "NotLoggedOn", "Write"]


class AppMessage(msgspec.Struct, frozen=True):
    """An application message received in sequence: its MsgType, every field after MsgType in
    order (the header's included: SenderSubID, OnBehalfOfCompID and the like are the
    application's to read), its MsgSeqNum and whether it came as a possible duplicate."""

    msg_type: str
    fields: tuple[tuple[int, str], ...]
    seq: int
    poss_dup: bool

    def get(self, tag: int) -> str | None:
        """Return the first value of a tag, or None."""
        for key, value in self.fields:
            if key == tag:
                return value
        return None


class Write(msgspec.Struct, frozen=True):
    """Send these bytes to the counterparty."""

    data: bytes


class Deliver(msgspec.Struct, frozen=True):
    """Hand an application message to the application."""

    msg: AppMessage


class LoggedOn(msgspec.Struct, frozen=True):
    """The counterparty logged on: `identity` is what the Authenticator accepted; the CompIDs
    are as its messages carry them (SenderCompID its own, TargetCompID the exchange's)."""

    identity: object
    sender_comp_id: str
    target_comp_id: str


class Close(msgspec.Struct, frozen=True):
    """Close the connection, and why (for the log, not for the counterparty)."""

    reason: str


Action = Write | Deliver | LoggedOn | Close


class NotLoggedOn(RuntimeError):
    """send_app on a session that never logged on: it has no store to keep the message in.
    (Here, not in the session's module, which is compiled: mypyc compiles no RuntimeError.)"""
