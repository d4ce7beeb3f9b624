"""The web API's OpenAPI 3.1 document (operations and trading), built from its routes.

Starlette's SchemaGenerator walks the routes and reads each endpoint's operation from YAML in
its docstring; YAML is no dependency of siamex, so each endpoint carries its operation as data
instead (`@operation`, beside the handler it describes), and the generator reads that. Request
bodies are the JSON Schemas msgspec derives from the body structs themselves
(siamex.gateway.operations_bodies, siamex.gateway.trading_bodies), so the document cannot
drift from what is decoded.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Final, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.schemas import SchemaGenerator

from siamex.gateway.credit_bodies import CreditLineBody
from siamex.gateway.operations_bodies import (
    CONTROL_BODY,
    REGISTRY_BODY,
    KillBody,
    LimitsBody,
    ReportBody,
)
from siamex.gateway.trading_bodies import AmendBody, CancelBody, LogonBody, OrderBody

__all__ = ["openapi_route", "operation"]

_F = TypeVar("_F", bound=Callable[..., Any])
_SCHEMAS = "#/components/schemas/{name}"
_BODY_TYPES: Final[dict[str, Any]] = {
    "registry": REGISTRY_BODY, "limits": LimitsBody, "kill": KillBody, "logon": LogonBody,
    "order": OrderBody, "amend": AmendBody, "cancel": CancelBody, "credit": CreditLineBody,
    "controls": CONTROL_BODY, "report": ReportBody}
_SCHEMA_LIST, _COMPONENTS = msgspec.json.schema_components(list(_BODY_TYPES.values()),
                                                           ref_template=_SCHEMAS)
_BODIES = dict(zip(_BODY_TYPES, _SCHEMA_LIST, strict=True))
_ERRORS: Final = {400: ("BadRequest", "the request is not what the endpoint takes"),
                  401: ("Unauthorized", "no token, a token the exchange does not know, or a "
                                        "logon refused (its code: BAD_CREDENTIALS...)"),
                  403: ("Forbidden", "FORBIDDEN: an endpoint of another role; NOT_OWNER: "
                                     "another member's scope; a trader's logon refused"),
                  404: ("NotFound", "no such member, ORS or order"),
                  409: ("Refused", "the exchange refused the command: the code is the "
                                   "registry's, the risk book's or the engine's, as over FIX "
                                   "(docs/web-api.md); an order's refusal carries `order`, "
                                   "an amend's or cancel's `request`; a test report's own "
                                   "are REPORT_SIGNATURE, REPORT_FAILED and REPORT_ORS"),
                  413: ("TooLarge", "the request body is over 64 KiB (a test report's over "
                                    "8 MiB)"),
                  503: ("Unavailable", "the part of the exchange that answers stopped on an "
                                       "internal error (MARKET_DATA_STOPPED)")}


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": sorted(properties)}


_INT = {"type": "integer"}
_TEXT = {"type": "string"}
_BAHT = {"type": ["string", "null"], "description": "baht as a decimal string"}
_MAYBE_INT = {"type": ["integer", "null"]}
_MAYBE_TEXT = {"type": ["string", "null"]}
_ORDER = _object(
    time_ns=_INT, kind=_TEXT, status=_TEXT, clordid=_TEXT, orig_clordid=_MAYBE_TEXT,
    order_no=_MAYBE_INT, trader=_TEXT, account=_TEXT, symbol=_TEXT, side=_TEXT, type=_TEXT,
    validity=_TEXT, qty=_INT, price=_BAHT, cum_qty=_INT, avg_price=_TEXT, leaves=_INT,
    last_qty=_INT, last_price=_BAHT, trade_no=_MAYBE_INT, code=_MAYBE_TEXT, text=_TEXT,
    position_effect={"enum": ["open", "close", None],
                     "description": "a TFEX order's, as the engine booked it; null for "
                                    "an equity order"})
_PARAMETERS: Final[dict[str, Any]] = {
    "date": {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    "format": {"type": "string", "enum": ["csv", "json"]}}
_ORDERS = {"type": "array", "items": {"$ref": _SCHEMAS.format(name="Order")}}
_MONEY = {"type": "string", "description": "baht as a decimal string"}
_EXPOSURE = _object(account=_TEXT, investor=_TEXT, own_lines=_MONEY, own_collateral=_MONEY,
                    other_members=_INT, other_lines=_MONEY, other_collateral=_MONEY,
                    double_pledged=_INT, own_double_pledged=_INT)
_PLEDGE = _object(member=_TEXT, account=_TEXT, investor=_TEXT, line=_MONEY, value=_MONEY,
                  reported=_TEXT)
_TIME = {"type": "string", "description": "Bangkok ISO time"}
_CLOCK = {"type": "string", "description": "Bangkok time on the trading day's clock, "
                                           "HH:MM:SS (past 24:00 for a TFEX night session)"}
_CONTROL_EVENT = {"oneOf": [
    _object(type={"const": "status"}, time=_TIME, symbol=_TEXT, what=_TEXT, value=_MAYBE_TEXT,
            on={"type": "boolean"}, until={"type": ["string", "null"]}),
    _object(type={"const": "phase"}, time=_TIME, symbol=_TEXT, phase=_TEXT)]}
_SESSION = _object(phase=_TEXT, start=_CLOCK, start_by={
    "type": ["string", "null"], "description": "an auction opens the session for each "
                                               "security at a random instant before this"},
    products={"type": ["array", "null"], "items": _TEXT})
_BREAKER = _object(index=_TEXT, armed={"type": "boolean"}, value=_MAYBE_TEXT,
                   prev_close=_MAYBE_TEXT, level=_INT, tripped={"type": "boolean"},
                   until={"type": ["string", "null"]}, levels={"type": "array", "items": _object(
                       level=_INT, fall=_TEXT, minutes=_INT, trigger=_MAYBE_TEXT)})
_RESULTS: Final[dict[str, Any]] = {
    "Error": _object(error=_object(code=_TEXT, text=_TEXT)),
    "Seq": _object(seq=_INT),
    "Tested": _object(seq=_INT, sha256=_TEXT),
    "Killed": _object(seq=_INT, cancelled=_INT),
    "Status": _object(seq=_INT, trading_date={"type": ["string", "null"], "format": "date"},
                      exchange_time=_TEXT, phases={"type": "object",
                                                   "additionalProperties": _INT},
                      universe=_TEXT, busy_ns=_INT),
    "State": _object(seq=_INT, state_hash=_TEXT),
    "Controlled": _object(seq=_INT, events={"type": "array", "items": _CONTROL_EVENT}),
    "Schedule": _object(market=_TEXT, date={"type": ["string", "null"], "format": "date"},
                        phase=_TEXT, sessions={"type": "array", "items": _SESSION},
                        circuit_breaker=_BREAKER),
    "Registry": _object(members={"type": "array"}, ors={"type": "array"},
                        traders={"type": "array"}),
    "Risk": _object(member=_TEXT, scopes={"type": "array", "items": _object(
        kind=_TEXT, id=_TEXT, kill_switch={"type": "boolean"}, exposure=_TEXT, credit=_BAHT,
        max_value=_BAHT, max_volume={"type": ["integer", "null"]},
        price_band_bp={"type": ["integer", "null"]})}),
    "Session": _object(token=_TEXT, member=_TEXT, trader=_TEXT, ors=_TEXT),
    "Ended": _object(ended={"type": "boolean"}),
    "Order": _ORDER,
    "OrderAnswer": _object(seq=_INT, order={"$ref": _SCHEMAS.format(name="Order")},
                           reports=_ORDERS),
    "Orders": _object(orders=_ORDERS),
    "ClearingDays": _object(days={"type": "array", "items": _object(
        date={"type": "string", "format": "date"}, state=_TEXT, error=_TEXT)}),
    "ClearingReport": {"type": "object", "description": "the clearing house's day report "
                                                        "(docs/clearing.md)"},
    "Trades": _object(trades=_ORDERS),
    "Availability": _object(account=_TEXT, symbol=_TEXT, sell=_INT, short_sell=_INT,
                            check_before_sell={"type": "boolean"}),
    "ShortPositions": _object(date=_MAYBE_TEXT, positions={"type": "array", "items": _object(
        date=_TEXT, symbol=_TEXT, short_volume=_INT, short_value=_TEXT,
        bought_back_volume=_INT, outstanding_volume=_INT, listed_shares=_INT,
        outstanding_pct=_MAYBE_TEXT, at_cap={"type": "boolean"})}),
    "Caller": _object(role={"enum": ["operator", "risk_officer", "trader"]},
                      member=_MAYBE_TEXT, trader=_MAYBE_TEXT, ors=_MAYBE_TEXT),
    "CreditExposure": _EXPOSURE,
    "CreditReported": _object(seq=_INT, exposure={"$ref": _SCHEMAS.format(
        name="CreditExposure")}),
    "DoublePledges": _object(double_pledges={"type": "array", "items": _object(
        kind=_TEXT, asset=_TEXT, pledges={"type": "array", "items": _PLEDGE})}),
}


def operation(summary: str, *, ok: str | dict[str, Any], body: str | None = None,
              operator: bool = False, refusable: bool = False,
              params: tuple[tuple[str, str], ...] = (), optional: tuple[str, ...] = (),
              more: tuple[int, ...] = (), public: bool = False) -> Callable[[_F], _F]:
    """Describe an endpoint: its summary, its 200 result (`ok`, a schema name, "Audit", or a
    schema itself), its body (a key of `_BODY_TYPES`), its parameters (those in `optional` may
    be left out), and the errors that follow from who may call it, with `more` besides; a
    `public` endpoint takes no token, so has no token's errors. The endpoint's docstring
    becomes the description."""
    errors = {401, 403, *more} if operator or body is not None or params else {401, *more}
    if public:  # no token to refuse: a 401 or 403 only where `more` says (a logon's)
        errors -= {401, 403} - set(more)
    if body is not None or any(where == "query" for _, where in params):
        errors.add(400)
    if body is not None:
        errors.add(413)
    if refusable:
        errors.add(409)
    if any(where == "path" for _, where in params):
        errors.add(404)
    if isinstance(ok, dict):
        content = {"application/json": {"schema": ok}}
    elif ok == "Audit":
        content = {"application/json": {"schema": {"type": "array", "items": {
            "type": "object"}}}, "text/csv": {"schema": _TEXT}}
    else:
        content = {"application/json": {"schema": {"$ref": _SCHEMAS.format(name=ok)}}}
    spec: dict[str, Any] = {
        "summary": summary,
        "responses": {"200": {"description": "done", "content": content},
                      **{str(s): {"$ref": f"#/components/responses/{_ERRORS[s][0]}"}
                         for s in sorted(errors)}}}
    if params:
        spec["parameters"] = [{"name": name, "in": where, "required": name not in optional,
                               "schema": _PARAMETERS.get(name, _TEXT)}
                              for name, where in params]
    if public:
        spec["security"] = []
    if body is not None:
        spec["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _BODIES[body]}}}

    def mark(func: _F) -> _F:
        if func.__doc__:
            spec["description"] = inspect.cleandoc(func.__doc__)
        func.openapi = spec  # type: ignore[attr-defined]
        return func
    return mark


class _Generator(SchemaGenerator):
    """Starlette's generator, reading each endpoint's `@operation` instead of YAML."""

    def parse_docstring(self, func_or_method: Callable[..., Any]) -> dict[str, Any]:
        spec: dict[str, Any] = getattr(func_or_method, "openapi", {})
        return spec


def _document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "siamex web API", "version": "1",
                 "description": "Order entry for traders (docs/web-api.md); the registry, "
                                "pre-trade risk, audit trail, market controls and schedule "
                                "of siamex serve (docs/operations.md); the members' credit "
                                "data exchange (docs/credit-data.md)."},
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {**_COMPONENTS, **_RESULTS},
            "responses": {name: {"description": text, "content": {"application/json": {
                "schema": {"$ref": _SCHEMAS.format(name="Error")}}}}
                for name, text in _ERRORS.values()}},
    }


def openapi_route(path: str) -> Route:
    """The route that serves the document of the app's own routes (no token needed)."""
    generator = _Generator(_document())

    async def openapi(request: Request) -> Response:
        schema = generator.get_schema(request.app.routes)
        return Response(msgspec.json.encode(schema), media_type="application/json")
    return Route(path, openapi, methods=["GET"], include_in_schema=False)
