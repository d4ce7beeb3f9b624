"""What a FIX message is once read, and what can be wrong with it: the codec's and the
session's values. (A module of its own, not compiled: mypyc would drop the options of these
msgspec structs, frozen among them.)"""

from __future__ import annotations

from typing import Final

import msgspec

from siamex.gateway.fix.fields import RejectReason

__all__ = ["MAX_BODY", "Decoded", "FieldError", "FixMessage", "Garbled", "Problem", "SessionConfig"]

MAX_BODY: Final = 64 * 1024
"""The default bound on BodyLength; a longer message is garbled."""


class FieldError(msgspec.Struct, frozen=True):
    """The first problem found inside a frame: the SessionRejectReason it earns and the tag it
    concerns (None when the tag itself is unreadable)."""

    reason: RejectReason
    tag: int | None
    text: str


class FixMessage(msgspec.Struct, frozen=True):
    """A message: its MsgType and every field after it, in order, repeated tags kept
    (BeginString, BodyLength and CheckSum are the frame's, not the message's)."""

    msg_type: str
    fields: tuple[tuple[int, str], ...]

    def get(self, tag: int) -> str | None:
        """Return the first value of a tag, or None."""
        for key, value in self.fields:
            if key == tag:
                return value
        return None


class Decoded(msgspec.Struct, frozen=True):
    """A decoded frame: the message (fields in error left out), the first value of each tag,
    and the first error, if any."""

    message: FixMessage
    values: dict[int, str]
    error: FieldError | None


class Garbled(msgspec.Struct, frozen=True):
    """Bytes the Framer skipped, and why."""

    reason: str
    size: int


class Problem(msgspec.Struct, frozen=True):
    """Why a message in sequence is rejected, and whether the session then logs out."""

    reason: RejectReason
    tag: int | None
    text: str
    logout: bool = False


class SessionConfig(msgspec.Struct, frozen=True):
    """The acceptor's settings; times in whole seconds."""

    comp_id: str = "SIAMEX"
    sending_time_tolerance_s: int = 120
    min_heartbeat_s: int = 1
    max_heartbeat_s: int = 300
    logon_timeout_s: int = 10
    logout_timeout_s: int = 10
    test_request_grace_percent: int = 20
    max_message_size: int = MAX_BODY
    max_queued_bytes: int = 1 << 20
