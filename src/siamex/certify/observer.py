"""The exchange's eye on a certification: every FIX message that crosses the acceptor, both
ways, cut into frames per connection and direction and kept in the order they crossed, with
the machine's UTC time.

It watches the bytes on the wire, not the session layer's view of them, so a message the
session refuses (a Logon with the wrong numbers, an order the member should never have sent)
is evidence too. A Password (554) or NewPassword (925) is masked before anything is kept.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final, Literal

from siamex.certify.judge import Seen
from siamex.certify.record import Observed
from siamex.gateway.fix.codec import Framer, Garbled

__all__ = ["Observer", "utc_text"]

_PASSWORD: Final = re.compile(rb"(\x01(?:554|925)=)[^\x01]*")
"""Password (554) and NewPassword (925): never kept."""


def utc_text(ns: int) -> str:
    """A UTC time in ns as the report writes it: ISO 8601 to the microsecond."""
    moment = datetime.fromtimestamp(ns // 1_000_000_000, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ns // 1000 % 1_000_000:06d}Z"


class Observer:
    """The messages seen so far, in the order they crossed: `seen` for the judge and
    `records` for the report, one for one."""

    def __init__(self, clock: Callable[[], int] = time.time_ns) -> None:
        self._clock = clock
        self._framers: dict[tuple[int, str], Framer] = {}
        self.seen: list[Seen] = []
        self.records: list[Observed] = []

    def tap(self, connection: int, direction: Literal["in", "out"], data: bytes) -> None:
        """Take bytes as they cross (siamex.gateway.fix.acceptor.Tap)."""
        framer = self._framers.setdefault((connection, direction), Framer())
        now = self._clock()
        for frame in framer.feed(data):
            if isinstance(frame, Garbled):
                self._keep(now, direction, "?", {}, f"(garbled: {frame.reason})")
                continue
            masked = _PASSWORD.sub(rb"\g<1>***", frame)
            text = masked.decode("latin-1")
            fields: dict[str, str] = {}
            for part in text.split("\x01")[:-1]:
                tag, _, value = part.partition("=")
                fields.setdefault(tag, value)
            self._keep(now, direction, fields.get("35", "?"), fields, text.replace("\x01", "|"))

    def _keep(self, now: int, direction: Literal["in", "out"], msg_type: str,
              fields: dict[str, str], text: str) -> None:
        self.seen.append(Seen(direction, msg_type, fields))
        self.records.append(Observed(time=utc_text(now), dir=direction, msg_type=msg_type,
                                     fix=text))
