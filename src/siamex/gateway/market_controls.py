"""The operator's market controls and the day's schedule over `siamex serve`'s web API
(docs/operations.md).

An operator halts, suspends and resumes a security, posts and removes its signs and sets its
surveillance level (set-trading-rules.md 7.1, 7.2): each control is the engine's own command
(Halt, Resume, SetSign, SetSurveillanceLevel), journaled like an order and answered once
durable, with what it did to the security or the engine's refusal. Anyone holding a token reads
the schedule: the day's sessions, the market's phase and the circuit breaker
(siamex.gateway.market_schedule).

Decisions:

- The checks run in the order: token (401), role (403 FORBIDDEN: a risk officer's or a
  trader's token), body size (413), body (400); only then is the control journaled. A control
  the engine refuses (its `Rejected`) is 409 with the engine's code and text, as an order's
  refusal is: journaled, changing nothing.
- The answer's `events` are the status and phase changes of the security (and of the whole
  market, `*`) in the control's sequenced step: its own, after any the schedule had due by its
  time. A control cancels no order (a halt leaves the book as it is, T8).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from siamex.gateway.audit import bangkok_instant
from siamex.gateway.http import Endpoint, Refused, bearer_caller, json_response, read_body, routes
from siamex.gateway.market_schedule import schedule_json
from siamex.gateway.operations_bodies import CONTROL_BODY, control_command, decode
from siamex.gateway.operations_openapi import operation
from siamex.gateway.service import Service
from siamex.gateway.tokens import Tokens
from siamex.trading.events import Event, PhaseChanged, Rejected, StatusChanged

__all__ = ["control_events", "market_routes"]


def control_events(events: list[Event], symbol: str) -> list[dict[str, Any]]:
    """The status and phase changes of `symbol` and of the whole market among a step's
    events, in order, as JSON (a status as the feed's WebSocket shows one)."""
    shown: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, StatusChanged) and event.symbol in (symbol, "*"):
            until = event.until
            shown.append({"type": "status", "time": bangkok_instant(event.ts),
                          "symbol": event.symbol, "what": event.what, "value": event.value,
                          "on": event.on,
                          "until": bangkok_instant(until) if until is not None else None})
        elif isinstance(event, PhaseChanged) and event.symbol in (symbol, "*"):
            shown.append({"type": "phase", "time": bangkok_instant(event.ts),
                          "symbol": event.symbol, "phase": event.phase.value})
    return shown


class _Market:
    """The endpoints over one service and the server's tokens."""

    def __init__(self, service: Service, tokens: Tokens) -> None:
        self.service = service
        self.tokens = tokens

    @operation("Halt, resume, sign or put a security under surveillance", body="controls",
               ok="Controlled", operator=True, refusable=True)
    async def control(self, request: Request) -> Response:
        """Submit one market control, named by `op`: `halt` (H or SP), `resume`, `set_sign`
        or `set_surveillance_level` (7.1, 7.2); the answer lists the security's status and
        phase changes, or the engine's refusal (409)."""
        if not bearer_caller(self.tokens, request).operator:
            raise Refused(403, "only an operator may do this")
        body = decode(await read_body(request), CONTROL_BODY)
        seq, outcome = await self.service.submit(control_command(body))
        for event in outcome.events:
            if isinstance(event, Rejected):
                raise Refused(409, event.text, event.reason.value)
        return json_response({"seq": seq, "events": control_events(outcome.events,
                                                                   body.symbol)})

    @operation("The day's sessions, the market's phase and the circuit breaker",
               ok="Schedule")
    async def schedule(self, request: Request) -> Response:
        """The trading date, its sessions in order with their Bangkok start times (from the
        day's rulebook), the market's phase and the circuit breaker's state; anyone holding
        a token may read it, a trader too."""
        bearer_caller(self.tokens, request)
        service = self.service
        return json_response(schedule_json(service.exchange.engine, service.universe.rules,
                                           service.universe.market))


def market_routes(service: Service, tokens: Tokens) -> list[BaseRoute]:
    """The market controls' and the schedule's endpoints over a service."""
    api = _Market(service, tokens)
    endpoints: list[Endpoint] = [
        ("/v1/market/controls", api.control, "POST"),
        ("/v1/market/schedule", api.schedule, "GET"),
    ]
    return routes(endpoints)
