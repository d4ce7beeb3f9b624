"""The browsers' market-data connections, without sockets: the hub that follows the feed and
each connection's subscriptions and queue of messages to send (docs/market-data-web.md).

A connection's rules, in the order they apply:

- A request is answered at once: a subscribe by the channel's snapshot, an unsubscribe by
  `unsubscribed`, a refused request by `error` (and nothing changes). The `MAX_ERRORS`th
  refused request closes the connection with `CLOSE_ERRORS` after its error.
- After its snapshot, a channel's updates follow in `seq` order with no gap: each one's `seq`
  is the last one's plus one.
- A connection that holds `QUEUE_LIMIT` messages not yet sent is behind: its channels'
  updates are no longer queued, and after the feed's batch the channels' updates still
  queued are dropped and replaced by a fresh snapshot of each channel (reason `resync`), so a
  client never misses an update without a snapshot telling it so. Its other messages (answers
  and errors) stay queued (docs/market-data-web.md W11).
- A fault of siamex in the view (a feed message it cannot apply) stops the browsers' market
  data, said loudly: every connection is closed with `CLOSE_FAULT`, and so is every new one,
  while the exchange and its binary feed go on.
"""

from __future__ import annotations

import sys
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from typing import Final

from siamex.feed.messages import decode
from siamex.feed.view import MarketView
from siamex.feed.web_protocol import ProtocolError, error, parse, render, snapshot, unsubscribed

__all__ = ["CLOSE_ERRORS", "CLOSE_FAULT", "MAX_ERRORS", "QUEUE_LIMIT", "Hub", "Session"]

QUEUE_LIMIT: Final = 4096
"""Messages a connection may have waiting to be sent before it is resynchronised."""
MAX_ERRORS: Final = 16
"""Refused requests a connection may send; the last closes it (a client in a loop of garbage)."""
CLOSE_ERRORS: Final = (1008, "too many refused requests")
"""The close code and reason for it: 1008, policy violation (RFC 6455 7.4.1)."""
CLOSE_FAULT: Final = (1011, "the market data stopped on an internal error")
"""The close code and reason when the view fails: 1011, internal error (RFC 6455 7.4.1)."""


class Hub:
    """The view of one feed and the connections that follow it."""

    def __init__(self, view: MarketView | None = None) -> None:
        self.view = view if view is not None else MarketView()
        self.sessions: set[Session] = set()
        self.listeners: dict[str, set[Session]] = {}
        self.behind: set[Session] = set()
        self.failed = False

    def follow(self, messages: Sequence[bytes]) -> None:
        """Apply the messages the view has not seen (`messages[n - 1]` is number n) and queue
        each update for the connections subscribed to its channel; on a fault, stop."""
        if self.failed:
            return
        try:
            self._follow(messages)
        except Exception:  # a fault of siamex: said loudly, the exchange goes on
            traceback.print_exc(file=sys.stderr)
            self.failed = True
            for session in list(self.sessions):
                session.stop(CLOSE_FAULT)

    def _follow(self, messages: Sequence[bytes]) -> None:
        view = self.view
        listeners = self.listeners
        for number in range(view.number + 1, len(messages) + 1):
            change = view.apply(number, decode(messages[number - 1]))
            if change is None:
                continue
            for channel, seq in change.channels:
                sessions = listeners.get(channel)
                if sessions:
                    text = render(change, channel, seq)
                    for session in sessions:
                        session.deliver(channel, seq, text)
        behind, self.behind = self.behind, set()
        for session in behind:
            session.resync()

    def connect(self, wake: Callable[[], None] = lambda: None) -> Session:
        """A new connection; `wake` is called whenever it has messages to send."""
        session = Session(self, wake)
        self.sessions.add(session)
        if self.failed:
            session.stop(CLOSE_FAULT)
        return session


class Session:
    """One connection: its channels, the `seq` last queued on each, and what waits to be sent
    (each with its channel, or None for an answer that belongs to no channel's sequence)."""

    def __init__(self, hub: Hub, wake: Callable[[], None], limit: int = QUEUE_LIMIT) -> None:
        self.hub = hub
        self.wake = wake
        self.limit = limit
        self.outbox: deque[tuple[str | None, str]] = deque()
        self.seqs: dict[str, int] = {}
        self.errors = 0
        self.close: tuple[int, str] | None = None
        """Set when the connection is to be closed, after what is queued: code and reason."""
        self.behind = False

    def receive(self, data: str | bytes) -> None:
        """Answer one request, received as text (str) or binary (bytes)."""
        if self.close is not None:
            return
        try:
            request = parse(data, self.hub.view)
            if request.op == "subscribe":
                self._subscribe(request.channel)
            else:
                self._unsubscribe(request.channel)
        except ProtocolError as refused:
            self.errors += 1
            self._queue(None, error(refused))
            if self.errors >= MAX_ERRORS:
                self.stop(CLOSE_ERRORS)

    def _subscribe(self, channel: str) -> None:
        if channel in self.seqs:
            raise ProtocolError("ALREADY_SUBSCRIBED", f"already subscribed to {channel}")
        text, seq = snapshot(self.hub.view, channel, "subscribe")
        self.seqs[channel] = seq
        self.hub.listeners.setdefault(channel, set()).add(self)
        self._queue(channel, text)

    def _unsubscribe(self, channel: str) -> None:
        if channel not in self.seqs:
            raise ProtocolError("NOT_SUBSCRIBED", f"not subscribed to {channel}")
        del self.seqs[channel]
        self.hub.listeners[channel].discard(self)
        self.outbox = deque(item for item in self.outbox if item[0] != channel)
        self._queue(None, unsubscribed(channel))

    def full(self) -> bool:
        """Whether the queue is at its limit: read no request until it is not."""
        return len(self.outbox) >= self.limit

    def deliver(self, channel: str, seq: int, text: str) -> None:
        """Queue an update of a subscribed channel, unless the connection is behind."""
        if self.behind:
            return  # the resync's snapshot will hold it
        if self.full():
            self.behind = True
            self.hub.behind.add(self)
            return
        assert seq == self.seqs[channel] + 1, (channel, seq, self.seqs[channel])
        self.seqs[channel] = seq
        self._queue(channel, text)

    def resync(self) -> None:
        """Replace every queued update with a fresh snapshot of each channel."""
        self.outbox = deque(item for item in self.outbox if item[0] is None)
        self.behind = False
        for channel in self.seqs:
            text, self.seqs[channel] = snapshot(self.hub.view, channel, "resync")
            self._queue(channel, text)

    def stop(self, close: tuple[int, str]) -> None:
        """Close the connection after what is queued, with this code and reason."""
        self.close = close
        self.wake()

    def leave(self) -> None:
        """Forget the connection (closed): it follows no channel any more."""
        for channel in self.seqs:
            self.hub.listeners[channel].discard(self)
        self.seqs = {}
        self.hub.behind.discard(self)
        self.hub.sessions.discard(self)

    def _queue(self, channel: str | None, text: str) -> None:
        self.outbox.append((channel, text))
        self.wake()
