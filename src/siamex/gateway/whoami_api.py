"""Who a bearer token belongs to, asked by the token's holder (docs/web-api.md).

The console asks it when a risk officer or an operator logs on with the token the exchange
gave them, to know which desk to show and for which member; a member's own program may ask it
the same way. It tells the holder only what the token already names.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from siamex.gateway.http import Endpoint, bearer_caller, json_response, routes
from siamex.gateway.operations_openapi import operation
from siamex.gateway.tokens import Caller, Tokens

__all__ = ["role_of", "whoami_routes"]


def role_of(caller: Caller) -> str:
    """The caller's role: "operator", "risk_officer" or "trader"."""
    if caller.operator:
        return "operator"
    return "trader" if caller.is_trader else "risk_officer"


class _Whoami:
    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens

    @operation("Who this token belongs to", ok="Caller")
    async def whoami(self, request: Request) -> Response:
        """The token's role (operator, risk_officer or trader), its member (none for an
        operator), and for a trader's session its trader ID and order-routing system."""
        caller = bearer_caller(self.tokens, request)
        return json_response({"role": role_of(caller), "member": caller.member,
                              "trader": caller.trader, "ors": caller.ors})


def whoami_routes(tokens: Tokens) -> list[BaseRoute]:
    """`GET /v1/whoami`."""
    endpoints: list[Endpoint] = [("/v1/whoami", _Whoami(tokens).whoami, "GET")]
    return routes(endpoints)
