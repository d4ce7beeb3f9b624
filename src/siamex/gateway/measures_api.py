"""The measures over `siamex serve`'s web API: the availability query and the outstanding
short position report (docs/check-before-sell.md, docs/short-positions.md).

A member asks, before it sends a sell, what its client's account may sell: the question reads
the exchange's holdings as the last journaled command left them and changes nothing, so it is
not journaled. The short position report is what the exchange publishes, to anyone.

Decisions (185):
- Availability is a trader's question about an account it may trade for (the registry's
  rule for seeing orders, decision 83); another account is not found (404), with the text an
  account nobody holds gets. The answer gives both figures, an ordinary sell's and a short
  sale's, whether or not the day's rulebook has check-before-sell on (`check_before_sell`
  says which); an NVDR holding is asked for by its "-R" symbol (decision 149).
- The short position report is the current trading day's, as it stands: the day's short
  sales and buy-backs so far and what is outstanding; before the first day it is empty.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from siamex.gateway.http import Endpoint, Refused, bearer_caller, json_response, routes
from siamex.gateway.operations_openapi import operation
from siamex.gateway.service import Service
from siamex.gateway.tokens import Tokens
from siamex.units import shown

__all__ = ["measures_routes"]


class _Measures:
    """The endpoints over one service and the server's tokens."""

    def __init__(self, service: Service, tokens: Tokens) -> None:
        self.service = service
        self.tokens = tokens

    @operation("What an account may sell now", ok="Availability",
               params=(("account", "path"), ("symbol", "path")))
    async def availability(self, request: Request) -> Response:
        """The shares the account may sell in an ordinary sale (holdings, bought and sold not
        yet settled, sells resting, pledged and lent) and in a short sale (borrowed, less
        short sales not yet settled and resting), as the central check-before-sell counts
        them (docs/check-before-sell.md)."""
        caller = bearer_caller(self.tokens, request)
        if not caller.is_trader:
            raise Refused(403, "only a trader's token may ask what an account may sell")
        assert caller.member is not None and caller.trader is not None
        account: str = request.path_params["account"]
        symbol: str = request.path_params["symbol"]
        exchange = self.service.exchange
        if not exchange.registry.may_see(caller.trader, caller.member, account):
            raise Refused(404, f"no account {shown(account)} of yours")
        measures = exchange.measures
        return json_response({
            "account": account, "symbol": symbol,
            "sell": measures.available(caller.member, account, symbol),
            "short_sell": measures.available(caller.member, account, symbol, short=True),
            "check_before_sell": exchange.engine.rules.check_before_sell})

    @operation("The outstanding short position report", ok="ShortPositions", public=True)
    async def short_positions(self, request: Request) -> Response:
        """Per security, the day's short sales, buy-backs and the short volume outstanding
        with its share of the listed shares and whether it is at the 10% cap (set-trading-
        rules.md 8.3), as the exchange publishes it (docs/short-positions.md)."""
        engine = self.service.exchange.engine
        if engine.date is None:
            return json_response({"date": None, "positions": []})
        listed = {symbol: inst.listed_shares for symbol, inst in engine.instruments.items()}
        rows = self.service.exchange.measures.short_report(engine.date, listed)
        return json_response({"date": engine.date.isoformat(),
                              "positions": [row.as_json() for row in rows]})


def measures_routes(service: Service, tokens: Tokens) -> list[BaseRoute]:
    """The measures' endpoints over a service."""
    api = _Measures(service, tokens)
    endpoints: list[Endpoint] = [
        ("/v1/availability/{account}/{symbol}", api.availability, "GET"),
        ("/v1/short-positions", api.short_positions, "GET"),
    ]
    return routes(endpoints)
