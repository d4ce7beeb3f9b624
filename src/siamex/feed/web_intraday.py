"""The day so far over HTTP, for a browser's chart opened mid-day: a security's minute bars,
last trades and trade reports, and the indices' points by minute (docs/market-data-web.md,
"The day so far"), from the same view of the feed as the WebSocket channels.

Public market data, as the channels are: no token (W1). The answers' JSON follows the
channels' conventions (prices as decimal strings, Bangkok times to the nanosecond) and its
OpenAPI schemas are derived from the structs written here, so the document cannot drift from
the answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from siamex.feed.intraday import Bar, IndexPoints, Intraday
from siamex.feed.view import MarketView
from siamex.feed.web_protocol import TradeOut, trade_out
from siamex.gateway.audit import bangkok_time
from siamex.gateway.http import Endpoint, Refused, json_response, routes
from siamex.gateway.operations_openapi import operation
from siamex.units import format_price, shown

__all__ = ["INTRADAY_PATH", "IndicesOut", "IntradayOut", "index_points", "intraday",
           "intraday_routes"]

INTRADAY_PATH: Final = "/v1/market-data/intraday"


class BarOut(msgspec.Struct, frozen=True, gc=False):
    time: str
    open: str
    high: str
    low: str
    close: str
    volume: int
    value: str


class IntradayOut(msgspec.Struct, frozen=True, gc=False):
    symbol: str
    bars: list[BarOut]
    trades: list[TradeOut]
    reports: list[TradeOut]


class PointOut(msgspec.Struct, frozen=True, gc=False):
    time: str
    value: str


class IndicesOut(msgspec.Struct, frozen=True, gc=False):
    indices: dict[str, list[PointOut]]


def _bar(bar: Bar) -> BarOut:
    return BarOut(bangkok_time(bar.time), format_price(bar.open), format_price(bar.high),
                  format_price(bar.low), format_price(bar.close), bar.volume,
                  format_price(bar.value))


def intraday(symbol: str, day: Intraday) -> IntradayOut:
    """A security's day so far: bars and reports oldest first, the last trades newest first."""
    return IntradayOut(symbol, [_bar(bar) for bar in day.bars],
                       [trade_out(trade) for trade in reversed(day.trades)],
                       [trade_out(trade) for trade in day.reports])


def index_points(points: IndexPoints) -> IndicesOut:
    """Every index's points of the day, oldest first."""
    return IndicesOut({name: [PointOut(bangkok_time(at), format_price(value))
                              for at, value in series]
                       for name, series in points.points.items()})


def _inline(node: Any, components: dict[str, Any]) -> Any:
    """A schema with every `$ref` to a component replaced by the component itself (the
    structs here hold no cycle)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            return _inline(components[ref.rsplit("/", 1)[1]], components)
        return {key: _inline(value, components) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, components) for value in node]
    return node


_SCHEMAS, _COMPONENTS = msgspec.json.schema_components(
    [IntradayOut, IndicesOut], ref_template="#/components/schemas/{name}")
_SECURITY_SCHEMA, _INDICES_SCHEMA = (_inline(schema, _COMPONENTS) for schema in _SCHEMAS)
_STOPPED: Final = (503, "MARKET_DATA_STOPPED",
                   "the market data stopped on an internal error (docs/market-data-web.md W12)")


class _Endpoints:
    """The day-so-far endpoints over the WebSocket's view of the feed."""

    def __init__(self, view: MarketView, stopped: Callable[[], bool]) -> None:
        self.view = view
        self.stopped = stopped

    def _check(self) -> None:
        """Refuse while the view has failed: its state is not the feed's any more (W12)."""
        if self.stopped():
            status, code, text = _STOPPED
            raise Refused(status, text, code)

    @operation("A security's day so far: minute bars, last trades, trade reports",
               ok=_SECURITY_SCHEMA, params=(("symbol", "path"),), more=(503,), public=True)
    async def security(self, request: Request) -> Response:
        """`bars`: one a Bangkok minute that had main-board trades, oldest first, counted as
        the day's figures are (auctions included); `trades`: the last 100 trades on any
        board, newest first; `reports`: the day's trade reports (big lot, off-hour, foreign
        board), oldest first (docs/market-data-web.md, "The day so far")."""
        self._check()
        symbol: str = request.path_params["symbol"]
        security = self.view.symbols.get(symbol)
        if security is None:
            raise Refused(404, f"no security {shown(symbol)}")
        return json_response(intraday(symbol, security.intraday))

    @operation("The indices' day so far: one point a minute", ok=_INDICES_SCHEMA,
               more=(503,), public=True)
    async def indices(self, request: Request) -> Response:
        """By index, the last value of every minute that had one, oldest first
        (docs/market-data-web.md, "The day so far")."""
        self._check()
        return json_response(index_points(self.view.market.points))


def intraday_routes(view: MarketView, stopped: Callable[[], bool] = lambda: False
                    ) -> list[BaseRoute]:
    """The day-so-far endpoints over a view; `stopped` tells when the view has failed."""
    api = _Endpoints(view, stopped)
    endpoints: list[Endpoint] = [
        (INTRADAY_PATH, api.indices, "GET"),
        (INTRADAY_PATH + "/{symbol}", api.security, "GET"),
    ]
    return routes(endpoints)
