"""The web API's trading endpoints: a trader logs on, enters, amends and cancels orders, and
reads its orders and trades of the day (docs/web-api.md).

A trader logs on with an order-routing system's HTTP credentials (its username and password in
the registry) and its own trader ID, and gets a token that names the three. Every request with
that token is journaled and judged as a FIX message through that ORS would be: the same
registry checks, pre-trade risk checks and engine, the same refusal codes (decision 83 for who
may touch which order). An answer is given once the command is durable, as an ExecutionReport
is sent once stored.

Decisions:

- A request's checks run in the order: token (401), role (403 FORBIDDEN), body size (413), body
  (400); only then is it journaled. A 400 changes nothing; an order the exchange refuses (409,
  with the refusal code and the order as the exchange saw it) is journaled and in the audit
  trail, as a refused FIX order is, and changes no book.
- A logon refused for its credentials is 401 with the registry's code (UNKNOWN_ORS,
  BAD_CREDENTIALS), for its ORS or trader 403 (ORS_NOT_APPROVED, UNKNOWN_TRADER,
  TRADER_NOT_APPROVED, TRADER_NOT_ON_ORS); a trader of another member is UNKNOWN_TRADER, with
  the text a trader ID nobody holds gets.
- An order not the trader's to see (another member's, or an account it may not use) is not
  found (404), with the text an order nobody entered gets.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from siamex.gateway.exchange import Outcome
from siamex.gateway.http import Endpoint, Refused, bearer_caller, json_response, read_body, routes
from siamex.gateway.operations_bodies import decode
from siamex.gateway.operations_openapi import operation
from siamex.gateway.ors_lifecycle import OrsEvent
from siamex.gateway.refusals import RefusalCode
from siamex.gateway.registry_changes import RegOrsEvent
from siamex.gateway.reports import ExecKind, OrderReport, RequestRejected
from siamex.gateway.service import Service
from siamex.gateway.tokens import Caller, Tokens
from siamex.gateway.trading_bodies import (
    AmendBody,
    CancelBody,
    LogonBody,
    OrderBody,
    amend_command,
    cancel_command,
    entry_command,
    order_json,
    rejected_json,
)
from siamex.gateway.trading_view import TradingView
from siamex.units import shown

__all__ = ["trading_routes"]



class _Trading:
    """The endpoints, over one service, the server's tokens and the day's orders."""

    def __init__(self, service: Service, tokens: Tokens, view: TradingView) -> None:
        self.service = service
        self.tokens = tokens
        self.view = view

    def _trader(self, request: Request) -> Caller:
        found = bearer_caller(self.tokens, request)
        if not found.is_trader:
            raise Refused(403, "only a trader's token may do this: log on at /v1/sessions")
        return found

    def _visible(self, caller: Caller, report: OrderReport) -> bool:
        assert caller.member is not None and caller.trader is not None
        return report.member == caller.member and self.service.exchange.registry.may_see(
            caller.trader, caller.member, report.account)

    # -- sessions -----------------------------------------------------------------------------

    @operation("Log a trader on; the answer's token is for every trading endpoint",
               ok="Session", body="logon", public=True, more=(401, 403))
    async def logon(self, request: Request) -> Response:
        """Log on through an ORS's HTTP credentials (username and password) as one of its
        traders. The token lasts until the server stops or the trader logs off."""
        body = decode(await read_body(request), LogonBody)
        registry = self.service.exchange.registry
        decision = await asyncio.to_thread(registry.logon, None, body.username, body.password)
        if decision.refusal is not None:
            status = 403 if decision.refusal.code is RefusalCode.ORS_NOT_APPROVED else 401
            raise Refused(status, decision.refusal.text, decision.refusal.code.value)
        assert decision.ors is not None and decision.member is not None
        trader = registry.trader(body.trader)
        if trader is None or trader.member != decision.member:
            raise Refused(403, f"no trader {shown(body.trader)}",
                          RefusalCode.UNKNOWN_TRADER.value)
        if not trader.approved:
            raise Refused(403, f"trader {trader.id} is not approved",
                          RefusalCode.TRADER_NOT_APPROVED.value)
        if decision.ors not in trader.ors:
            raise Refused(403, f"trader {trader.id} is not registered on ORS {decision.ors}",
                          RefusalCode.TRADER_NOT_ON_ORS.value)
        if decision.first_logon:  # the ORS's first use is a command (ors_lifecycle)
            await self.service.submit(RegOrsEvent(0, decision.ors, OrsEvent.FIRST_LOGON))
        token = self.tokens.issue(decision.member, trader.id, decision.ors)
        return json_response({"token": token, "member": decision.member, "trader": trader.id,
                              "ors": decision.ors})

    @operation("Log the trader off: its token ends", ok="Ended", more=(403,))
    async def logoff(self, request: Request) -> Response:
        """End the session of the token given; the trader's orders stay as they are."""
        self._trader(request)
        _, _, token = request.headers["authorization"].partition(" ")
        return json_response({"ended": self.tokens.revoke(token.strip())})

    # -- orders -------------------------------------------------------------------------------

    @operation("Enter an order", body="order", ok="OrderAnswer", refusable=True)
    async def enter(self, request: Request) -> Response:
        """Enter a new order, field for field a FIX NewOrderSingle. The answer is the order as
        it stands once the exchange has run it (filled at once, resting, or refused) and every
        report about it that the entry caused."""
        caller = self._trader(request)
        body = decode(await read_body(request), OrderBody)
        assert caller.ors is not None and caller.trader is not None
        seq, outcome = await self.service.submit(
            entry_command(body, caller.ors, caller.trader))
        reports = _answers(outcome, caller, body.clordid)
        first = reports[0]
        if first.kind is ExecKind.REJECTED:
            raise Refused(409, first.text, first.code,
                          {"seq": seq, "order": order_json(first)})
        return json_response({"seq": seq, "order": order_json(reports[-1]),
                              "reports": [order_json(r) for r in reports]})

    @operation("Amend a live order's quantity or price", body="amend", ok="OrderAnswer",
               refusable=True)
    async def amend(self, request: Request) -> Response:
        """Change a live order's total quantity and/or price, as a FIX
        OrderCancelReplaceRequest; a price change loses the order's time priority."""
        caller = self._trader(request)
        body = decode(await read_body(request), AmendBody)
        assert caller.ors is not None and caller.trader is not None
        return await self._request(caller, amend_command(body, caller.ors, caller.trader),
                                   body.clordid)

    @operation("Cancel a live order", body="cancel", ok="OrderAnswer", refusable=True)
    async def cancel(self, request: Request) -> Response:
        """Cancel what rests of a live order, as a FIX OrderCancelRequest."""
        caller = self._trader(request)
        body = decode(await read_body(request), CancelBody)
        assert caller.ors is not None and caller.trader is not None
        return await self._request(caller, cancel_command(body, caller.ors, caller.trader),
                                   body.clordid)

    async def _request(self, caller: Caller, command: Any, clordid: str) -> Response:
        seq, outcome = await self.service.submit(command)
        for report in outcome.reports:
            if (isinstance(report, RequestRejected) and report.ors == caller.ors
                    and report.clordid == clordid):
                raise Refused(409, report.text, report.code,
                              {"seq": seq, "request": rejected_json(report)})
        reports = _answers(outcome, caller, clordid)
        return json_response({"seq": seq, "order": order_json(reports[-1]),
                              "reports": [order_json(r) for r in reports]})

    @operation("The trader's orders of the day", ok="Orders",
               params=(("clordid", "query"),), optional=("clordid",), more=(404,))
    async def orders(self, request: Request) -> Response:
        """Every order of the day the trader may see (its member's, of the accounts it may
        use) and every live one carried from an earlier day, each as it stands now; with
        `clordid`, the one order that id names."""
        caller = self._trader(request)
        query = request.query_params
        if set(query) - {"clordid"} or len(query.getlist("clordid")) > 1:
            raise Refused(400, "give clordid once, or nothing")
        assert caller.member is not None
        clordid = query.get("clordid")
        if clordid is None:
            found = self.view.orders(caller.member)
        else:
            one = self.view.order(caller.member, clordid)
            found = [one] if one is not None else []
        shown_orders = [order_json(o) for o in found if self._visible(caller, o)]
        if clordid is not None and not shown_orders:
            raise Refused(404, f"no order of yours has ClOrdID {shown(clordid)}")
        return json_response({"orders": shown_orders})

    @operation("The trader's trades of the day", ok="Trades", more=(403,))
    async def trades(self, request: Request) -> Response:
        """Every fill of the day of the orders the trader may see, in time order."""
        caller = self._trader(request)
        assert caller.member is not None
        return json_response({"trades": [order_json(r) for r in self.view.trades(caller.member)
                                         if self._visible(caller, r)]})


def _answers(outcome: Outcome, caller: Caller, clordid: str) -> list[OrderReport]:
    """The reports about the order a request named: the one the request caused, then those
    of the same order (its fills) that followed in the same command."""
    reports: list[OrderReport] = []
    order_no: int | None = None
    for report in outcome.reports:
        if not isinstance(report, OrderReport) or report.ors != caller.ors:
            continue
        if not reports and report.clordid == clordid and report.trader == caller.trader:
            reports.append(report)
            order_no = report.order_no
        elif reports and order_no is not None and report.order_no == order_no:
            reports.append(report)
    return reports


def trading_routes(service: Service, tokens: Tokens) -> list[BaseRoute]:
    """The trading endpoints over a service; they follow its commands from now on (build them
    before the journal's replay, so the day's orders are there after a restart)."""
    view = TradingView()
    service.sinks.append(view)
    api = _Trading(service, tokens, view)
    endpoints: list[Endpoint] = [
        ("/v1/sessions", api.logon, "POST"),
        ("/v1/sessions", api.logoff, "DELETE"),
        ("/v1/orders", api.enter, "POST"),
        ("/v1/orders/amend", api.amend, "POST"),
        ("/v1/orders/cancel", api.cancel, "POST"),
        ("/v1/orders", api.orders, "GET"),
        ("/v1/trades", api.trades, "GET"),
    ]
    return routes(endpoints)
