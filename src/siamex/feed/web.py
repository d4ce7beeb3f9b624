"""Market data for browsers in `siamex serve`: a WebSocket at `/v1/market-data` on the HTTP
port (docs/market-data-web.md), following the same feed log as the ITCH feed's TCP server, and
the day so far over HTTP beside it (siamex.feed.web_intraday), from the same view.

This module is the adapter only: each connection is a `siamex.feed.web_session.Session` fed the
client's frames, and one task sends what the session queues, at the pace the client reads. It
does not read the next request while the queue is full, so a client that sends faster than
it reads waits for its answers. Public market data, as the TCP feed is: no token
(docs/market-data-web.md W1).
"""

from __future__ import annotations

import asyncio
from typing import Final

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from siamex.feed.log import FeedLog
from siamex.feed.web_intraday import intraday_routes
from siamex.feed.web_session import Hub, Session

__all__ = ["PATH", "market_data_routes"]

PATH: Final = "/v1/market-data"
_CLOSING_S: Final = 5.0  # how long a connection being closed may take to read what is queued
_GONE: Final = (WebSocketDisconnect, OSError, RuntimeError)
"""How a send fails when the client has gone (uvicorn raises RuntimeError for a send that
crosses the client's close)."""


def market_data_routes(log: FeedLog) -> list[BaseRoute]:
    """The WebSocket route, its hub caught up with the log so far and following it, and the
    day-so-far routes over the hub's view."""
    hub = Hub()
    hub.follow(log.messages)
    log.readers.append(lambda: hub.follow(log.messages))

    async def market_data(websocket: WebSocket) -> None:
        await websocket.accept()
        ready = asyncio.Event()
        room = asyncio.Event()
        session = hub.connect(ready.set)
        receiver = asyncio.create_task(_receive(websocket, session, room))
        sender = asyncio.create_task(_send(websocket, session, ready, room))
        try:
            done, _ = await asyncio.wait((receiver, sender),
                                         return_when=asyncio.FIRST_COMPLETED)
            if sender not in done and session.close is not None:
                ready.set()
                done, _ = await asyncio.wait((sender,), timeout=_CLOSING_S)
            for task in done:
                error = task.exception()
                if error is not None and not isinstance(error, _GONE):
                    raise error
        finally:
            session.leave()
            for task in (receiver, sender):
                task.cancel()
            await asyncio.gather(receiver, sender, return_exceptions=True)

    return [WebSocketRoute(PATH, market_data), *intraday_routes(hub.view, lambda: hub.failed)]


async def _receive(websocket: WebSocket, session: Session, room: asyncio.Event) -> None:
    """Answer the client's requests until it disconnects or must be closed."""
    while session.close is None:
        while session.full():
            room.clear()
            await room.wait()
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        session.receive(text if text is not None else message.get("bytes") or b"")


async def _send(websocket: WebSocket, session: Session, ready: asyncio.Event,
                room: asyncio.Event) -> None:
    """Send what the session queues, in order; close the connection when it says so."""
    while True:
        await ready.wait()
        ready.clear()
        while session.outbox:
            _, text = session.outbox.popleft()
            await websocket.send_text(text)
            room.set()
        if session.close is not None:
            code, reason = session.close
            await websocket.close(code, reason)
            return
