"""What every HTTP endpoint of `siamex serve` shares: one error shape, bounded bodies.

Errors are one JSON shape, `{"error": {"code", "text"}}`, for every status, a missing route
too; a refusal of an order adds what the exchange said of it beside the error. A body over
64 KiB (or the larger limit its endpoint names) is refused before it is read whole.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Final

import msgspec
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from siamex.gateway.operations_bodies import BadRequest
from siamex.gateway.tokens import Caller, Tokens

__all__ = ["ERROR_HANDLERS", "MAX_BODY", "Endpoint", "Refused", "bearer_caller", "json_response",
           "read_body", "routes"]

Endpoint = tuple[str, Callable[[Request], Awaitable[Response]], str]
"""A path, its handler and its method."""

MAX_BODY: Final = 64 * 1024
"""The largest request body read, in bytes; an order, a registry change or a limit is far
smaller."""
_STATUS_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
                 405: "METHOD_NOT_ALLOWED", 413: "TOO_LARGE"}


class Refused(Exception):
    """A request refused before anything was submitted, or a command the exchange refused;
    `extra` goes beside the error in the answer."""

    def __init__(self, status: int, text: str, code: str | None = None,
                 extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(text)
        self.status = status
        self.code = code or _STATUS_CODES[status]
        self.text = text
        self.extra = dict(extra or {})


def bearer_caller(tokens: Tokens, request: Request) -> Caller:
    """Who the request's bearer token belongs to, or 401: each endpoint then checks the role."""
    found = tokens.find(request.headers.get("authorization", ""))
    if found is None:
        raise Refused(401, "give a valid token: Authorization: Bearer <token>")
    return found


def json_response(data: object, status: int = 200) -> Response:
    """Answer with JSON encoded by msgspec (exact integers, no float ever made)."""
    return Response(msgspec.json.encode(data), status, media_type="application/json")


def _error(status: int, code: str, text: str, extra: Mapping[str, Any] | None = None
           ) -> Response:
    return json_response({"error": {"code": code, "text": text}, **(extra or {})}, status)


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """Read a request body of at most `limit` bytes (413 beyond, before reading it all)."""
    length = request.headers.get("content-length", "")
    # ASCII first: "²".isdigit() holds, yet int("²") raises
    if length.isascii() and length.isdigit() and int(length) > limit:
        raise Refused(413, f"a request body is at most {limit:,} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Refused(413, f"a request body is at most {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _refused(request: Request, exc: Exception) -> Response:
    if isinstance(exc, Refused):
        return _error(exc.status, exc.code, exc.text, exc.extra)
    if isinstance(exc, BadRequest):
        return _error(400, "BAD_REQUEST", str(exc))
    assert isinstance(exc, HTTPException)
    code = _STATUS_CODES.get(exc.status_code, f"HTTP_{exc.status_code}")
    return _error(exc.status_code, code, str(exc.detail))


ERROR_HANDLERS: Final = {Refused: _refused, BadRequest: _refused, HTTPException: _refused}
"""The Starlette exception handlers that give every error its one shape."""


def routes(endpoints: Iterable[Endpoint]) -> list[BaseRoute]:
    """The Starlette routes of a table of endpoints."""
    return [Route(path, endpoint, methods=[method]) for path, endpoint, method in endpoints]
