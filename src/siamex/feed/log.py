"""The feed's sequenced messages inside `siamex serve`: a sink of the service.

Every command's events become feed messages (siamex.feed.publisher), numbered from 1 in the
order the journal runs the commands. The journal's replay after a restart publishes them again
exactly, so a message's number names the same message before and after a crash and a consumer
resumes where it stopped. The messages live in memory for the server's life (a day's flow is
a few hundred megabytes at most); `readers` are told after each batch that more are there.
"""

from __future__ import annotations

from collections.abc import Callable

from siamex.feed.messages import FeedMessage, encode
from siamex.feed.publisher import Publisher
from siamex.gateway.clock import BANGKOK_OFFSET_NS
from siamex.gateway.exchange import Outcome, ServiceCommand
from siamex.gateway.service import Service

__all__ = ["FeedLog"]


class FeedLog:
    """The feed's messages, in sequence; `messages[n - 1]` is message number n."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.publisher = Publisher(service.exchange.engine)
        self.messages: list[bytes] = []
        self.readers: list[Callable[[], None]] = []

    def attach(self) -> None:
        """Follow the service: every command's outcome, and a flush after each batch. Attach
        before the journal's replay, so that the replay publishes the messages again."""
        self.service.sinks.append(self._sink)
        self.service.flushes.append(self._flush)

    def _sink(self, seq: int, command: ServiceCommand, outcome: Outcome,
              replaying: bool) -> None:
        if outcome.events:
            self.messages.extend(encode(m) for m in self.publisher.publish(outcome.events))

    def _flush(self) -> None:
        for reader in self.readers:
            reader()

    def snapshot(self) -> tuple[int, list[FeedMessage]]:
        """The number of the last message so far, and the messages that rebuild the books as
        they stand after it (call between batches, as everything on the event loop is)."""
        now = self.service.clock.now_ns() - BANGKOK_OFFSET_NS
        return len(self.messages), self.publisher.snapshot(now)
