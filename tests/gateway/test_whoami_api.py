"""`GET /v1/whoami`: a token's holder learns what the token already names, and nothing of
anyone else's."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from starlette.applications import Starlette

from siamex.gateway.config import SAMPLE, parse_config
from siamex.gateway.http import ERROR_HANDLERS
from siamex.gateway.tokens import Tokens
from siamex.gateway.whoami_api import whoami_routes


def _off_the_loop(call: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
    """Run the call on a thread of its own: a browser driver may hold this thread's loop."""
    async def run() -> httpx.Response:
        return await call()
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()



class _Client:
    """The endpoint called in process, through httpx's ASGI transport."""

    def __init__(self, tokens: Tokens) -> None:
        app = Starlette(routes=whoami_routes(tokens), exception_handlers=ERROR_HANDLERS)
        self.transport = httpx.ASGITransport(app=app)

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        async def call() -> httpx.Response:
            async with httpx.AsyncClient(transport=self.transport,
                                         base_url="http://exchange") as client:
                return await client.get(path, headers=headers)
        return _off_the_loop(call)


def _client() -> tuple[_Client, Tokens]:
    tokens = Tokens(parse_config(SAMPLE))
    return _Client(tokens), tokens


def _ask(client: _Client, token: str) -> tuple[int, dict[str, object]]:
    answer = client.get("/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code, answer.json()


def test_each_kind_of_token_is_told_its_role_and_member() -> None:
    client, tokens = _client()
    assert _ask(client, "operator-secret-change-me") == (200, {
        "role": "operator", "member": None, "trader": None, "ors": None})
    assert _ask(client, "m02-risk-secret-change-me") == (200, {
        "role": "risk_officer", "member": "M02", "trader": None, "ors": None})
    session = tokens.issue("M01", "M01T1", "M01-ORS1")
    assert _ask(client, session) == (200, {
        "role": "trader", "member": "M01", "trader": "M01T1", "ors": "M01-ORS1"})


def test_no_token_or_an_unknown_one_is_401_in_the_one_error_shape() -> None:
    client, tokens = _client()
    assert client.get("/v1/whoami").status_code == 401
    status, body = _ask(client, "m01-risk-secret-change-me-not")
    assert status == 401 and body["error"]["code"] == "UNAUTHORIZED"  # type: ignore[index]
    session = tokens.issue("M01", "M01T1", "M01-ORS1")
    tokens.revoke(session)
    assert _ask(client, session)[0] == 401
