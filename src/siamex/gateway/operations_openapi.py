"""The operations endpoint's OpenAPI 3.1 document, built from its routes.

Starlette's SchemaGenerator walks the routes and reads each endpoint's operation from YAML in
its docstring; YAML is no dependency of siamex, so each endpoint carries its operation as data
instead (`@operation`, beside the handler it describes), and the generator reads that. Request
bodies are the JSON Schemas msgspec derives from the body structs themselves
(siamex.gateway.operations_bodies), so the document cannot drift from what is decoded.
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

from siamex.gateway.operations_bodies import schema_components

__all__ = ["openapi_route", "operation"]

_F = TypeVar("_F", bound=Callable[..., Any])
_SCHEMAS = "#/components/schemas/{name}"
_BODIES, _COMPONENTS = schema_components(_SCHEMAS)
_ERRORS: Final = {400: ("BadRequest", "the request is not what the endpoint takes"),
                  401: ("Unauthorized", "no token, or a token the exchange does not know"),
                  403: ("Forbidden", "FORBIDDEN: an operator's endpoint; NOT_OWNER: another "
                                     "member's scope"),
                  404: ("NotFound", "no such member"),
                  409: ("Refused", "the registry or the risk book refused the command; the "
                                   "code is a siamex.gateway.refusals.RefusalCode"),
                  413: ("TooLarge", "the request body is over 64 KiB")}


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": sorted(properties)}


_INT = {"type": "integer"}
_TEXT = {"type": "string"}
_BAHT = {"type": ["string", "null"], "description": "baht as a decimal string"}
_RESULTS: Final[dict[str, Any]] = {
    "Error": _object(error=_object(code=_TEXT, text=_TEXT)),
    "Seq": _object(seq=_INT),
    "Killed": _object(seq=_INT, cancelled=_INT),
    "Status": _object(seq=_INT, trading_date={"type": ["string", "null"], "format": "date"},
                      exchange_time=_TEXT, phases={"type": "object",
                                                   "additionalProperties": _INT},
                      universe=_TEXT, busy_ns=_INT),
    "State": _object(seq=_INT, state_hash=_TEXT),
    "Registry": _object(members={"type": "array"}, ors={"type": "array"},
                        traders={"type": "array"}),
    "Risk": _object(member=_TEXT, scopes={"type": "array", "items": _object(
        kind=_TEXT, id=_TEXT, kill_switch={"type": "boolean"}, exposure=_TEXT, credit=_BAHT,
        max_value=_BAHT, max_volume={"type": ["integer", "null"]},
        price_band_bp={"type": ["integer", "null"]})}),
}


def operation(summary: str, *, ok: str, body: str | None = None, operator: bool = False,
              refusable: bool = False,
              params: tuple[tuple[str, str], ...] = ()) -> Callable[[_F], _F]:
    """Describe an endpoint: its summary, its 200 result (`ok`, a schema name or "Audit"), its
    body (a key of `schema_components`), and the errors that follow from who may call it; the
    endpoint's docstring becomes the description."""
    errors = {401, 403} if operator or body is not None or params else {401}
    if body is not None or any(where == "query" for _, where in params):
        errors.add(400)
    if body is not None:
        errors.add(413)
    if refusable:
        errors.add(409)
    if any(where == "path" for _, where in params):
        errors.add(404)
    if ok == "Audit":
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
        spec["parameters"] = [{"name": name, "in": where, "required": name != "format",
                               "schema": _TEXT} for name, where in params]
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
        "info": {"title": "siamex operations", "version": "1",
                 "description": "The registry, pre-trade risk and audit trail of siamex serve "
                                "(docs/operations.md)."},
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
