"""The web API's trading endpoints over a running service: a trader logs on through an ORS's
HTTP credentials, enters, amends and cancels orders judged as FIX orders are (same refusal
codes), and sees only what the registry lets it see (decision 83); bad bodies change nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.gateway.audit import AuditEvent, MemoryAuditLog
from siamex.gateway.audit_sink import AuditSink
from siamex.gateway.operations import operations_app
from siamex.gateway.ors_lifecycle import OrsEvent, OrsState
from siamex.gateway.registry_changes import RegOrsEvent
from siamex.gateway.tokens import Tokens
from siamex.gateway.trading_api import trading_routes
from siamex.gateway.universe import Universe, bundled_universe, load_universe
from siamex.trading.enums import Side
from tests.gateway.market import CONFIG, DAY
from tests.gateway.serving import Live

Client = httpx.AsyncClient
Scenario = Callable[[Live, Client, MemoryAuditLog], Awaitable[None]]
M01 = {"username": "m01ors1", "password": "m01-fix-secret-change-me"}
M02 = {"username": "m02ors1", "password": "m02-fix-secret-change-me"}


def _serve(folder: Path, scenario: Scenario, universe: Universe | None = None) -> None:
    """Run a scenario against the web API of a fresh service with its day open (on the
    sample universe unless `universe` is given)."""
    async def main() -> None:
        live = Live(folder, universe)
        log = MemoryAuditLog()
        AuditSink(log, live.service.exchange).attach(live.service)
        tokens = Tokens(CONFIG)
        app = operations_app(live.service, CONFIG, log, tokens,
                             trading_routes(live.service, tokens))
        live.start()
        await live.open_day()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await asyncio.wait_for(scenario(live, client, log), 60)
        await live.stop()
    asyncio.run(main())


async def _logon(client: Client, trader: str, ors: dict[str, str] = M01) -> dict[str, str]:
    response = await client.post("/v1/sessions", json={**ors, "trader": trader})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _order(clordid: str, side: str = "buy", qty: int = 100, price: str | None = "31.00",
           **more: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"clordid": clordid, "account": "C0001", "symbol": "PTT",
                            "side": side, "qty": qty, **more}
    if price is not None:
        body["price"] = price
    return body


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def _fingerprint(live: Live) -> tuple[int, str]:
    return live.service.seq, live.service.exchange.state_hash()


def test_a_trader_logs_on_through_its_ors_and_gets_a_token_naming_both(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, log: MemoryAuditLog) -> None:
        answer = (await client.post("/v1/sessions", json={**M01, "trader": "M01T1"})).json()
        assert {k: answer[k] for k in ("member", "trader", "ors")} == {
            "member": "M01", "trader": "M01T1", "ors": "M01-ORS1"}
        assert len(answer["token"]) >= 40
        ors = live.service.exchange.registry.ors("M01-ORS1")
        assert ors is not None and ors.state is OrsState.IN_USE  # its first use, journaled
    _serve(tmp_path, scenario)


def test_a_logon_is_refused_with_the_registrys_codes(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, log: MemoryAuditLog) -> None:
        await live.submit(RegOrsEvent(0, "M02-ORS1", OrsEvent.CHANGE))  # awaits approval again
        before = _fingerprint(live)
        cases = [({**M01, "password": "wrong", "trader": "M01T1"}, (401, "BAD_CREDENTIALS")),
                 ({"username": "nobody", "password": "x", "trader": "M01T1"},
                  (401, "UNKNOWN_ORS")),
                 ({**M01, "trader": "M02T1"}, (403, "UNKNOWN_TRADER")),  # another member's
                 ({**M01, "trader": "NOBODY"}, (403, "UNKNOWN_TRADER")),
                 ({**M02, "trader": "M02T1"}, (403, "ORS_NOT_APPROVED")),
                 ({**M01, "trader": "M01T1", "extra": 1}, (400, "BAD_REQUEST"))]
        texts = set()
        for body, expected in cases:
            response = await client.post("/v1/sessions", json=body)
            assert _error(response) == expected, body
            if expected[1] == "UNKNOWN_TRADER":
                texts.add(response.json()["error"]["text"].split()[0])
        assert texts == {"no"}  # another member's trader reads as one nobody holds
        assert _fingerprint(live) == before
    _serve(tmp_path, scenario)


def test_an_order_rests_and_its_answer_is_the_order_as_it_stands(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, log: MemoryAuditLog) -> None:
        trader = await _logon(client, "M01T1")
        live.advance(1)
        answer = (await client.post("/v1/orders", json=_order("A1"), headers=trader)).json()
        order = answer["order"]
        assert order["status"] == "new" and order["leaves"] == 100
        assert order["price"] == "31.00" and order["order_no"] is not None
        assert answer["seq"] == live.service.seq
        live_orders = live.service.exchange.orders.of_member("M01")
        assert [o.clordid for o in live_orders] == ["A1"]
        assert log.records("M01", DAY)[0].channel.value == "http"
    _serve(tmp_path, scenario)


def test_an_order_that_crosses_answers_with_its_fills(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, log: MemoryAuditLog) -> None:
        await live.order(Side.SELL, 100, "31.00", "S1", trader="M02T1", ors="M02-ORS1")
        trader = await _logon(client, "M01T1")
        live.advance(1)
        answer = (await client.post("/v1/orders", json=_order("B1", qty=300),
                                    headers=trader)).json()
        assert [r["kind"] for r in answer["reports"]] == ["new", "trade"]
        assert answer["order"]["cum_qty"] == 100 and answer["order"]["leaves"] == 200
        assert answer["order"]["avg_price"] == "31"
        trades = (await client.get("/v1/trades", headers=trader)).json()["trades"]
        assert [(t["clordid"], t["last_qty"], t["last_price"]) for t in trades] == [
            ("B1", 100, "31.00")]  # the seller's side is member M02's, not shown
    _serve(tmp_path, scenario)


def test_a_refused_order_carries_the_same_code_as_over_fix(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, log: MemoryAuditLog) -> None:
        trader = await _logon(client, "M01T2")  # C0002 only
        refusals = [(_order("R1"), "NOT_OWNER"),
                    (_order("R2", price="31.01", account="C0002"), None),
                    (_order("R3", qty=2_000_000, account="C0002"), "MAX_ORDER_VOLUME"),
                    (_order("R4", symbol="NOPE", account="C0002"), None)]
        codes = []
        for body, code in refusals:
            live.advance(1)
            response = await client.post("/v1/orders", json=body, headers=trader)
            assert response.status_code == 409, response.text
            answer = response.json()
            assert answer["order"]["status"] == "rejected"
            assert answer["error"]["code"] == answer["order"]["code"]
            codes.append(answer["error"]["code"])
            if code is not None:
                assert answer["error"]["code"] == code
        fix = await live.order(Side.BUY, 100, "31.01", "F1", trader="M01T2", account="C0002")
        assert codes[1] == fix.reports[0].code  # the tick refusal, as FIX gets it
        assert not live.service.exchange.orders.of_member("M01")
        assert [r.event for r in log.records("M01", DAY)].count(AuditEvent.REJECTED) == 5
    _serve(tmp_path, scenario)


def test_a_trader_amends_and_cancels_its_order(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, log: MemoryAuditLog) -> None:
        trader = await _logon(client, "M01T1")
        live.advance(1)
        await client.post("/v1/orders", json=_order("A1", qty=500), headers=trader)
        live.advance(1)
        amended = (await client.post("/v1/orders/amend", json={
            "orig_clordid": "A1", "clordid": "A2", "qty": 300}, headers=trader)).json()
        assert amended["order"]["kind"] == "replaced" and amended["order"]["qty"] == 300
        live.advance(1)
        cancelled = (await client.post("/v1/orders/cancel", json={
            "orig_clordid": "A1", "clordid": "A3"}, headers=trader)).json()
        assert cancelled["order"]["status"] == "cancelled"
        orders = (await client.get("/v1/orders?clordid=A2", headers=trader)).json()["orders"]
        assert [(o["clordid"], o["status"]) for o in orders] == [("A3", "cancelled")]
        live.advance(1)
        again = await client.post("/v1/orders/cancel", json={
            "orig_clordid": "A3", "clordid": "A4"}, headers=trader)
        assert _error(again) == (409, "NOT_OWNER")  # no longer live: as FIX answers
        assert again.json()["request"]["orig_clordid"] == "A3"
    _serve(tmp_path, scenario)


def test_a_trader_sees_and_touches_only_what_the_registry_lets_it(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, log: MemoryAuditLog) -> None:
        t1, t2 = await _logon(client, "M01T1"), await _logon(client, "M01T2")
        live.advance(1)
        await client.post("/v1/orders", json=_order("A1"), headers=t1)  # C0001
        await live.order(Side.BUY, 100, "30.00", "X1", trader="M02T1", ors="M02-ORS1")
        assert (await client.get("/v1/orders", headers=t2)).json() == {"orders": []}
        assert _error(await client.get("/v1/orders?clordid=A1", headers=t2)) == (
            404, "NOT_FOUND")
        assert _error(await client.get("/v1/orders?clordid=X1", headers=t1)) == (
            404, "NOT_FOUND")  # another member's order is not there
        live.advance(1)
        refused = await client.post("/v1/orders/cancel", json={
            "orig_clordid": "A1", "clordid": "K1"}, headers=t2)
        assert _error(refused) == (409, "NOT_OWNER")
        seen = (await client.get("/v1/orders", headers=t1)).json()["orders"]
        assert [o["clordid"] for o in seen] == ["A1"]
    _serve(tmp_path, scenario)


def test_tokens_are_for_their_own_endpoints_and_end_at_logoff(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, log: MemoryAuditLog) -> None:
        trader = await _logon(client, "M01T1")
        officer = {"Authorization": "Bearer m01-risk-secret-change-me"}
        assert _error(await client.get("/v1/orders", headers=officer)) == (403, "FORBIDDEN")
        assert _error(await client.get("/v1/risk/M01", headers=trader)) == (403, "FORBIDDEN")
        assert _error(await client.get("/v1/orders")) == (401, "UNAUTHORIZED")
        assert (await client.delete("/v1/sessions", headers=trader)).json() == {"ended": True}
        assert _error(await client.get("/v1/orders", headers=trader)) == (401, "UNAUTHORIZED")
    _serve(tmp_path, scenario)


def _tfex() -> Universe:
    with bundled_universe("tfex") as path:
        return load_universe(path, DAY)


def _future(clordid: str, side: str, **more: Any) -> dict[str, Any]:
    """An order for 2 SET50 futures of the bundled TFEX listing, at 821.0 points."""
    return _order(clordid, side, 2, "821.0", symbol="S50Z26", **more)


def test_position_effect_is_taken_echoed_and_defaults_to_open(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, log: MemoryAuditLog) -> None:
        buyer = await _logon(client, "M01T1")
        seller = await _logon(client, "M02T1", M02)
        live.advance(1)
        bought = (await client.post("/v1/orders", json=_future("B1", "buy"),
                                    headers=buyer)).json()
        assert bought["order"]["position_effect"] == "open"  # none named: it opens
        live.advance(1)
        sold = (await client.post("/v1/orders", json=_future(
            "S1", "sell", position_effect="close"), headers=seller)).json()
        assert [(r["kind"], r["position_effect"]) for r in sold["reports"]] == [
            ("new", "close"), ("trade", "close")]
        orders = (await client.get("/v1/orders", headers=buyer)).json()["orders"]
        assert [(o["clordid"], o["status"], o["position_effect"]) for o in orders] == [
            ("B1", "filled", "open")]
        trades = (await client.get("/v1/trades", headers=seller)).json()["trades"]
        assert [t["position_effect"] for t in trades] == ["close"]
    _serve(tmp_path, scenario, _tfex())


def test_a_position_effect_other_than_open_or_close_is_a_bad_request(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, log: MemoryAuditLog) -> None:
        trader = await _logon(client, "M01T1")
        before = _fingerprint(live)
        for value in ("rolled", "OPEN", "", 1, True):
            response = await client.post("/v1/orders", json=_future(
                "X1", "buy", position_effect=value), headers=trader)
            assert _error(response) == (400, "BAD_REQUEST"), value
            assert "position_effect" in response.json()["error"]["text"]
        assert _fingerprint(live) == before
    _serve(tmp_path, scenario, _tfex())


def test_an_equity_order_with_a_position_effect_is_refused_by_the_engine(
        tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, log: MemoryAuditLog) -> None:
        trader = await _logon(client, "M01T1")
        live.advance(1)
        response = await client.post("/v1/orders", json=_order("E1", position_effect="open"),
                                     headers=trader)
        assert _error(response) == (409, "INVALID")
        assert response.json()["order"]["position_effect"] == "open"
        plain = (await client.post("/v1/orders", json=_order("E2"), headers=trader)).json()
        assert plain["order"]["position_effect"] is None
    _serve(tmp_path, scenario)


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
_BODIES = st.one_of(
    _JSON,
    st.fixed_dictionaries({"clordid": st.text(max_size=70), "account": st.text(max_size=6),
                           "symbol": st.sampled_from(["PTT", "AOT", ""]),
                           "side": st.sampled_from(["buy", "sell", "x"]),
                           "qty": st.integers(-5, 10**16)},
                          optional={"price": st.one_of(st.text(max_size=8), st.integers()),
                                    "type": st.sampled_from(["limit", "ato", "mp_mkt", "?"]),
                                    "validity": st.sampled_from(["day", "gtd", "gtc", "?"]),
                                    "expire_date": st.text(max_size=12)}))


def test_a_body_the_api_cannot_read_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, log: MemoryAuditLog) -> None:
        trader = await _logon(client, "M01T1")

        @settings(max_examples=150, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(path=st.sampled_from(["/v1/orders", "/v1/orders/amend", "/v1/orders/cancel"]),
               body=_BODIES)
        def post(path: str, body: Any) -> None:
            before = _fingerprint(live)
            response = asyncio.run_coroutine_threadsafe(
                client.post(path, json=body, headers=trader), loop).result(30)
            assert response.status_code in (200, 400, 409), response.text
            if response.status_code == 400:
                assert _fingerprint(live) == before
        loop = asyncio.get_running_loop()
        await asyncio.to_thread(post)
    _serve(tmp_path, scenario)
