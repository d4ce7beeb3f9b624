"""The day so far over HTTP: a security's minute bars (main board, auctions included), its last
100 trades on any board and its trade reports, and each index's last value a minute; both
start afresh where the day does; an unknown symbol is a 404 in the web API's error shape; the
routes are public and in the OpenAPI document."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import msgspec
import pytest
from starlette.applications import Starlette

from siamex.feed.messages import (
    AddOrder,
    Directory,
    FeedMessage,
    IndexValue,
    OrderDelete,
    SystemEvent,
    Trade,
    encode,
)
from siamex.feed.web_intraday import INTRADAY_PATH, IndicesOut, IntradayOut, intraday_routes
from siamex.feed.web_session import Hub
from siamex.gateway.http import ERROR_HANDLERS
from siamex.gateway.operations_openapi import openapi_route

_T = 1_796_094_000_000_000_000  # 2026-12-01 10:00:00 in Bangkok
_S = 1_000_000_000
_DAY = 86_400 * _S


def _at(seconds: int) -> str:
    """The protocol's time of 10:00 plus `seconds` (under an hour) on 2026-12-01."""
    minutes, second = divmod(seconds, 60)
    return f"2026-12-01T10:{minutes:02d}:{second:02d}.000000000+07:00"


class _Feed:
    """A hub fed by hand, its routes served in memory with the web API's error handlers."""

    def __init__(self) -> None:
        self.hub = Hub()
        self.log: list[bytes] = []
        self.publish(SystemEvent(0, _T, "S"), Directory(1, _T, "PTT", 100, 3200, 4150, 2250),
                     Directory(2, _T, "SCB", 100, 10000, 13000, 7000))
        routes = intraday_routes(self.hub.view, lambda: self.hub.failed)
        self.app = Starlette(routes=[*routes, openapi_route("/v1/openapi.json")],
                             exception_handlers=ERROR_HANDLERS)

    def publish(self, *messages: FeedMessage) -> None:
        self.log.extend(encode(m) for m in messages)
        self.hub.follow(self.log)

    def get(self, path: str) -> httpx.Response:
        async def fetch() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.get(path)
        return asyncio.run(fetch())

    def security(self, symbol: str = "PTT") -> dict[str, Any]:
        response = self.get(f"{INTRADAY_PATH}/{symbol}")
        assert response.status_code == 200, response.text
        msgspec.json.decode(response.content, type=IntradayOut)  # the documented shape
        body: dict[str, Any] = response.json()
        return body

    def indices(self) -> dict[str, Any]:
        response = self.get(INTRADAY_PATH)
        assert response.status_code == 200, response.text
        msgspec.json.decode(response.content, type=IndicesOut)
        body: dict[str, Any] = response.json()
        return body


def _trade(no: int, seconds: int, price: int, shares: int = 100, board: str = "M",
           aggressor: str = "B", locate: int = 1) -> Trade:
    return Trade(locate, _T + seconds * _S, no, board, aggressor, shares, price)


def test_bars_are_the_main_boards_trades_by_bangkok_minute() -> None:
    feed = _Feed()
    feed.publish(_trade(1, 0, 3200, 300, aggressor=" "),  # the opening auction counts
                 _trade(2, 30, 3250), _trade(3, 45, 3175, 200),
                 _trade(4, 59, 3225, 50, board="O"),  # the odd lot: not in a bar
                 _trade(5, 60, 3300),  # the next minute starts on its first nanosecond
                 _trade(6, 150, 3275, 400),  # a minute with no trade is no bar
                 _trade(7, 155, 3280, 2_000_000, board="B"),  # a report: not in a bar
                 _trade(8, 10, 11000, locate=2))
    assert feed.security()["bars"] == [
        {"time": _at(0), "open": "32.00", "high": "32.50", "low": "31.75", "close": "31.75",
         "volume": 600, "value": "19200.00"},
        {"time": _at(60), "open": "33.00", "high": "33.00", "low": "33.00", "close": "33.00",
         "volume": 100, "value": "3300.00"},
        {"time": _at(120), "open": "32.75", "high": "32.75", "low": "32.75", "close": "32.75",
         "volume": 400, "value": "13100.00"}]
    view = feed.hub.view.symbols["PTT"]
    bars = view.intraday.bars  # the bars add up to the day's figures
    assert (sum(b.volume for b in bars), sum(b.value for b in bars)) == (
        view.day.volume, view.day.value)
    assert [b["time"] for b in feed.security("SCB")["bars"]] == [_at(0)]


def test_trades_are_the_last_hundred_on_any_board_newest_first() -> None:
    feed = _Feed()
    feed.publish(*(_trade(no, no, 3200 + no % 4 * 25, board="MOM"[no % 3])
                   for no in range(1, 151)))
    trades = feed.security()["trades"]
    assert [t["trade_no"] for t in trades] == list(range(150, 50, -1))
    assert trades[0] == {"trade_no": 150, "board": "M", "aggressor": "B", "price": "32.50",
                         "quantity": 100, "time": _at(150)}
    auction = _trade(151, 200, 3200, aggressor=" ")
    feed.publish(auction)
    assert feed.security()["trades"][0]["aggressor"] is None


def test_reports_are_every_trade_report_of_the_day_by_board() -> None:
    feed = _Feed()
    feed.publish(_trade(1, 0, 3200, 1_000_000, board="B", aggressor=" "),
                 *(_trade(no, no, 3200) for no in range(2, 200)),  # pushes it out of trades
                 _trade(200, 300, 3200, 500, board="F", aggressor=" "),
                 _trade(201, 301, 3200, 300, board="X", aggressor=" "),
                 _trade(202, 302, 3200, 50, board="O"))
    body = feed.security()
    assert [(r["trade_no"], r["board"], r["quantity"]) for r in body["reports"]] == [
        (1, "B", 1_000_000), (200, "F", 500), (201, "X", 300)]
    assert 1 not in {t["trade_no"] for t in body["trades"]}


def test_a_securitys_day_starts_with_its_directory_and_the_indices_with_the_market() -> None:
    feed = _Feed()
    feed.publish(_trade(1, 0, 3200), _trade(2, 1, 3200, board="B"), _trade(3, 2, 11000, locate=2),
                 IndexValue(0, _T, "SET", 125_012))
    feed.publish(Directory(1, _T + _DAY, "PTT", 100, 3200, 4150, 2250))  # PTT's next day
    assert feed.security() == {"symbol": "PTT", "bars": [], "trades": [], "reports": []}
    assert len(feed.security("SCB")["bars"]) == 1  # SCB's day has not started again
    assert feed.indices()["indices"]["SET"] != []
    feed.publish(SystemEvent(0, _T + _DAY, "S"))  # the market's next day
    assert feed.indices() == {"indices": {}}
    feed.publish(IndexValue(0, _T + _DAY, "SET", 125_500))
    assert feed.indices() == {"indices": {"SET": [
        {"time": "2026-12-02T10:00:00.000000000+07:00", "value": "1255.00"}]}}


def test_index_points_are_the_last_value_of_each_minute() -> None:
    feed = _Feed()
    assert feed.indices() == {"indices": {}}
    feed.publish(IndexValue(0, _T, "SET", 125_000), IndexValue(0, _T, "SET50", 82_000),
                 IndexValue(0, _T + 20 * _S, "SET", 125_012),
                 IndexValue(0, _T + 59 * _S, "SET", 124_950),  # the minute's last
                 IndexValue(0, _T + 61 * _S, "SET", 125_100),
                 IndexValue(0, _T + 185 * _S, "SET50", 82_105))
    assert feed.indices() == {"indices": {
        "SET": [{"time": _at(0), "value": "1249.50"}, {"time": _at(60), "value": "1251.00"}],
        "SET50": [{"time": _at(0), "value": "820.00"}, {"time": _at(180), "value": "821.05"}]}}


@pytest.mark.parametrize("symbol", ["NOPE", "ptt", "PTT-R", "%20", "x" * 300])
def test_an_unknown_symbol_is_a_404_in_the_error_shape(symbol: str) -> None:
    response = _Feed().get(f"{INTRADAY_PATH}/{symbol}")
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == "NOT_FOUND"
    assert len(body["error"]["text"]) < 80


def test_after_a_fault_of_the_view_the_day_so_far_is_refused_with_503(
        capsys: pytest.CaptureFixture[str]) -> None:
    feed = _Feed()
    feed.publish(AddOrder(1, _T, 1, "B", "M", "L", 100, 3200), _trade(1, 0, 3200))
    assert feed.security()["trades"] != []
    feed.publish(OrderDelete(1, _T, 99))  # no such order: the view stops (W12)
    assert "FeedBookError" in capsys.readouterr().err
    for path in (INTRADAY_PATH, f"{INTRADAY_PATH}/PTT"):
        response = feed.get(path)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "MARKET_DATA_STOPPED"


def test_the_openapi_document_lists_the_routes_as_public() -> None:
    document = _Feed().get("/v1/openapi.json").json()
    security = document["paths"][INTRADAY_PATH + "/{symbol}"]["get"]
    indices = document["paths"][INTRADAY_PATH]["get"]
    for operation in (security, indices):
        assert operation["security"] == []
        assert "401" not in operation["responses"] and "403" not in operation["responses"]
        assert "503" in operation["responses"]
    assert set(security["responses"]) == {"200", "404", "503"}
    assert security["parameters"] == [{"name": "symbol", "in": "path", "required": True,
                                       "schema": {"type": "string"}}]
    schema = security["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["symbol", "bars", "trades", "reports"]
    assert set(schema["properties"]["bars"]["items"]["properties"]) == {
        "time", "open", "high", "low", "close", "volume", "value"}
    assert "$ref" not in str(schema)  # inline: the document's components stay the web API's
