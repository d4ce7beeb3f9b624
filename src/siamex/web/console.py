"""The web console's files, served by `siamex serve` itself (issue 16; docs/console.md).

The console is static: an HTML page, a style sheet and JavaScript modules that call the web API
and follow the WebSocket feeds like any member's program would, so that what a person sees on
it is what the API says. Nothing is fetched from the network at run time: the charting library
(TradingView Lightweight Charts, Apache 2.0) is vendored beside the modules, and no build step
is needed to serve them.

Decisions:

- `GET /` is the console, so the address `siamex serve` prints opens it; its files are under
  `/console/`, every API path under `/v1/`, so the two never meet.
- Every answer of the console carries a Content-Security-Policy that lets the page load only
  the server's own scripts, styles and connections (WebSockets included): a text the exchange
  or a member sent is set as text by the page, and even a slip that let it through as markup
  could not load or run anything. Inline styles are allowed: the charting library sizes and
  places its canvases with them, and a style runs nothing.
- Files are revalidated on every load (`Cache-Control: no-cache`), so a newer server is never
  shown with an older page.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Final

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONSOLE_HEADERS", "console_routes"]

_STATIC: Final = str(files("siamex.web") / "static")
CONSOLE_HEADERS: Final = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}
"""The headers of every console file."""


class _Headed:
    """An ASGI app whose answers carry the console's headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def headed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.decode("latin-1").lower() not in CONSOLE_HEADERS]
                headers += [(k.encode("latin-1"), v.encode("latin-1"))
                            for k, v in CONSOLE_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, headed)


async def _index(request: Request) -> Response:
    """The console's page."""
    return FileResponse(f"{_STATIC}/index.html", headers=CONSOLE_HEADERS)


def console_routes() -> list[BaseRoute]:
    """The console: its page at `/` and its files under `/console/`."""
    return [Route("/", _index, methods=["GET", "HEAD"]),
            Mount("/console", app=_Headed(StaticFiles(directory=_STATIC)), name="console")]
