"""The operations endpoint over a running service: who may do what, each endpoint's answer, the
kill switch cancelling resting orders, the audit export, and bad input refused with nothing
submitted (a hypothesis test posts random bodies: never a 500, a 400 changes no state)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.gateway import operations
from siamex.gateway.audit import MemoryAuditLog
from siamex.gateway.audit_sink import AuditSink
from siamex.gateway.http import MAX_BODY
from siamex.gateway.operations import operations_app
from siamex.gateway.operations_bodies import REGISTRY_BODY, KillBody, LimitsBody
from siamex.gateway.risk import Scope
from siamex.gateway.risk_commands import ScopeKind
from siamex.trading.enums import Side
from tests.gateway.answers import error_of
from tests.gateway.market import CONFIG
from tests.gateway.serving import Live

OPERATOR = {"Authorization": "Bearer operator-secret-change-me"}
M01 = {"Authorization": "Bearer m01-risk-secret-change-me"}
M02 = {"Authorization": "Bearer m02-risk-secret-change-me"}
Client = httpx.AsyncClient
Scenario = Callable[[Live, Client], Awaitable[None]]


def _serve(folder: Path, scenario: Scenario, *, open_day: bool = True) -> None:
    """Run a scenario against the endpoint of a fresh service in its own event loop."""
    async def main() -> None:
        live = Live(folder)
        log = MemoryAuditLog()
        AuditSink(log, live.service.exchange).attach(live.service)
        app = operations_app(live.service, CONFIG, log)
        live.start()
        await (live.open_day() if open_day else live.genesis())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await asyncio.wait_for(scenario(live, client), 60)
        await live.stop()
    asyncio.run(main())


def _fingerprint(live: Live) -> tuple[int, str]:
    return live.service.seq, live.service.exchange.state_hash()


def test_the_public_name_is_the_app() -> None:
    assert operations.__all__ == ["operations_app"]


ENDPOINTS = [("GET", "/v1/status", None), ("GET", "/v1/state", None),
             ("GET", "/v1/registry", None),
             ("POST", "/v1/registry", {"op": "reg_add_member", "member": "M09", "name": "N"}),
             ("POST", "/v1/risk/limits", {"kind": "member", "member": "M01"}),
             ("POST", "/v1/risk/kill-switch", {"kind": "member", "member": "M01", "on": True}),
             ("GET", "/v1/risk/M01", None),
             ("GET", "/v1/audit?member=M01&date=2026-12-01", None),
             ("POST", "/v1/market/controls", {"op": "halt", "symbol": "PTT"}),
             ("GET", "/v1/market/schedule", None),
             ("POST", "/v1/ors/M02-ORS1/test-report", {"format": "siamex-certify-report/1"})]


def test_every_endpoint_refuses_a_missing_or_unknown_token(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client) -> None:
        before = _fingerprint(live)
        for method, url, body in ENDPOINTS:
            headers: dict[str, str | bytes]
            for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Bearer "},
                            {"Authorization": "Basic operator-secret-change-me"},
                            {"Authorization": "operator-secret-change-me"},
                            {"Authorization": "Bearer operator-secret-change-m\u00e9".encode()}):
                response = await client.request(method, url, json=body, headers=headers)
                assert error_of(response) == (401, "UNAUTHORIZED"), (url, headers)
        assert _fingerprint(live) == before
    _serve(tmp_path, scenario)


def test_a_risk_officer_may_not_use_the_operators_endpoints(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client) -> None:
        for method, url, body in ENDPOINTS[1:4]:
            response = await client.request(method, url, json=body, headers=M01)
            assert error_of(response) == (403, "FORBIDDEN")
        assert live.service.exchange.registry.member("M09") is None
    _serve(tmp_path, scenario)


def test_the_status_shows_the_day_the_time_the_phases_and_the_universe(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client) -> None:
        for headers in (OPERATOR, M01):
            status = (await client.get("/v1/status", headers=headers)).json()
            assert status["seq"] == live.service.seq
            assert status["trading_date"] == "2026-12-01"
            assert status["exchange_time"] == "2026-12-01T10:30:00.000000000+07:00"
            instruments = live.service.exchange.engine.instruments
            assert status["phases"] == {"OPEN_1": len(instruments)}
            assert status["universe"].startswith("SAMPLE DATA")
    _serve(tmp_path, scenario)


def test_the_state_is_its_hash_at_the_last_applied_sequence_number(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client) -> None:
        state = (await client.get("/v1/state", headers=OPERATOR)).json()
        assert state == {"seq": live.service.seq,
                         "state_hash": live.service.exchange.state_hash()}
    _serve(tmp_path, scenario)


def test_an_operator_changes_the_registry_through_the_journal(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client) -> None:
        trader = {"op": "reg_add_trader", "trader": "M01T9", "member": "M01",
                  "ors": ["M01-ORS1"], "accounts": ["C0001"]}
        response = await client.post("/v1/registry", json=trader, headers=OPERATOR)
        assert response.json() == {"seq": live.service.seq}
        again = await client.post("/v1/registry", json=trader, headers=OPERATOR)
        assert error_of(again) == (409, "DUPLICATE")
        credentials = {"op": "reg_set_ors_credentials", "ors": "M01-ORS1",
                       "sender_comp_id": "M01ORS1", "username": "m01new", "password": "s3cret"}
        assert (await client.post("/v1/registry", json=credentials,
                                  headers=OPERATOR)).status_code == 200
        registry = live.service.exchange.registry
        assert registry.logon("M01ORS1", "m01new", "s3cret").accepted
        ors_now = registry.ors("M01-ORS1")
        assert ors_now is not None and ors_now.iterations == CONFIG.password_iterations
        shown = (await client.get("/v1/registry", headers=OPERATOR)).json()
        assert {t["id"] for t in shown["traders"]} >= {"M01T9"}
        ors = {o["id"]: o for o in shown["ors"]}["M01-ORS1"]
        assert ors["has_password"] is True and ors["username"] == "m01new"
        assert not {"salt", "password_hash", "iterations"} & set(ors)
    _serve(tmp_path, scenario, open_day=False)


BAD_REGISTRY_BODIES = [
    b"not json", b"[]", b'"reg_add_member"', b"{}", b'{"op": "reg_delete_everything"}',
    b'{"op": "reg_add_member", "member": "M09"}',  # no name
    b'{"op": "reg_add_member", "member": "M09", "name": "N", "ts": 5}',  # the time is stamped
    b'{"op": "reg_add_member", "member": "M09", "name": 7}',
    b'{"op": "reg_add_member", "member": "M09", "name": "\\ud800"}',  # a lone surrogate
    b'{"op": "reg_add_member", "member": "M09", "name": "\xed\xa0\x80"}',  # and its bytes
    b'{"op": "reg_add_member", "member": "M09", "name": 1' + b"0" * 400 + b"}",
    b'{"op": "reg_set_ors_credentials", "ors": "M01-ORS1", "password_hash": "AAAA"}',
    b"[" * 50_000 + b"]" * 10_000,
]


def test_bad_registry_bodies_are_refused_and_nothing_is_submitted(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client) -> None:
        before = _fingerprint(live)
        for body in BAD_REGISTRY_BODIES:
            response = await client.post("/v1/registry", content=body, headers=OPERATOR)
            assert error_of(response) == (400, "BAD_REQUEST"), body[:80]
            assert len(response.json()["error"]["text"]) <= 300
        assert _fingerprint(live) == before
    _serve(tmp_path, scenario, open_day=False)


def test_a_body_over_64_kib_is_refused_with_or_without_its_length(tmp_path: Path) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(MAX_BODY // 1024 + 1):
            yield b" " * 1024

    async def scenario(live: Live, client: Client) -> None:
        before = _fingerprint(live)
        big = b'{"kind": "member", "member": "M01"' + b" " * MAX_BODY + b"}"
        response = await client.post("/v1/risk/limits", content=big, headers=OPERATOR)
        assert error_of(response) == (413, "TOO_LARGE")
        streamed = await client.post("/v1/risk/limits", content=chunks(), headers=OPERATOR)
        assert error_of(streamed) == (413, "TOO_LARGE")
        odd_length = await client.post("/v1/risk/limits", content=b"{}",
                                       headers={**OPERATOR, "Content-Length": b"\xb2"})
        assert error_of(odd_length) == (400, "BAD_REQUEST")  # "²" is no length: the body is read
        assert _fingerprint(live) == before
    _serve(tmp_path, scenario, open_day=False)


def test_a_risk_officer_sets_its_own_members_limits_only(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client) -> None:
        limits = {"kind": "trader", "member": "M01", "id": "M01T1", "credit": "1000000.50",
                  "max_value": "250000", "max_volume": 1000, "price_band_bp": 500}
        response = await client.post("/v1/risk/limits", json=limits, headers=M01)
        assert response.json() == {"seq": live.service.seq}
        book = live.service.exchange.risk
        got = book.limits(Scope(ScopeKind.TRADER, "M01", "M01T1"))
        assert (got.credit, got.max_value, got.max_volume, got.price_band_bp) == (
            100_000_050, 25_000_000, 1000, 500)
        before = _fingerprint(live)
        other = await client.post("/v1/risk/limits", json={**limits, "member": "M02"},
                                  headers=M01)
        assert error_of(other) == (403, "NOT_OWNER")
        for bad in ({**limits, "credit": "1.234"}, {**limits, "credit": 5},
                    {**limits, "max_volume": 2**64}, {**limits, "max_volume": -1},
                    {**limits, "kind": "desk"}, {**limits, "member": None}, {"kind": "member"},
                    {**limits, "credit": "1" * 15}):
            response = await client.post("/v1/risk/limits", json=bad, headers=M01)
            assert error_of(response) == (400, "BAD_REQUEST"), bad
        assert _fingerprint(live) == before
        refused = await client.post("/v1/risk/limits", headers=M01,
                                    json={"kind": "ors", "member": "M01", "credit": "1.00"})
        assert error_of(refused) == (409, "INVALID")  # an ORS scope needs its id
        by_operator = await client.post("/v1/risk/limits", headers=OPERATOR,
                                        json={"kind": "member", "member": "M02"})
        assert by_operator.status_code == 200
        assert book.limits(Scope(ScopeKind.MEMBER, "M02")).credit is None  # all lifted
        shown = (await client.get("/v1/risk/M01", headers=M01)).json()
        scopes = {(s["kind"], s["id"]): s for s in shown["scopes"]}
        assert scopes["trader", "M01T1"]["credit"] == "1000000.50"
        assert scopes["member", ""]["credit"] == "50000000.00"
        assert set(scopes) >= {("ors", "M01-ORS1"), ("account", "P0001"), ("trader", "M01T2")}
        assert error_of(await client.get("/v1/risk/M02", headers=M01)) == (403, "NOT_OWNER")
        assert error_of(await client.get("/v1/risk/M09", headers=OPERATOR)) == (404, "NOT_FOUND")
    _serve(tmp_path, scenario)


async def _enter_orders(live: Live) -> None:
    for n, price in enumerate(("31.00", "31.25", "31.50")):
        await live.order(Side.BUY, 100, price, f"A{n}")
    await live.order(Side.BUY, 100, "31.00", "B0", trader="M02T1", ors="M02-ORS1",
                     channel="http")


def test_the_kill_switch_cancels_the_scopes_resting_orders(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client) -> None:
        await _enter_orders(live)
        kill = {"kind": "member", "member": "M01", "on": True}
        assert error_of(await client.post("/v1/risk/kill-switch", json=kill, headers=M02)) == (
            403, "NOT_OWNER")
        response = await client.post("/v1/risk/kill-switch", json=kill, headers=M01)
        assert response.json() == {"seq": live.service.seq, "cancelled": 3}
        exchange = live.service.exchange
        assert not exchange.orders.of_member("M01") and len(exchange.orders.of_member("M02")) == 1
        refused = await live.order(Side.BUY, 100, "31.00", "A9")
        assert [r.code for r in refused.reports] == ["KILL_SWITCH"]
        shown = (await client.get("/v1/risk/M01", headers=M01)).json()
        member = next(s for s in shown["scopes"] if s["kind"] == "member")
        assert member["kill_switch"] is True and member["exposure"] == "0.00"
        off = await client.post("/v1/risk/kill-switch", json={**kill, "on": False},
                                headers=OPERATOR)
        assert off.json() == {"seq": live.service.seq, "cancelled": 0}
        assert error_of(await client.post("/v1/risk/kill-switch", headers=M01, json={
            "kind": "account", "member": "M01", "id": "C0001", "on": True})) == (409, "INVALID")
        assert error_of(await client.post("/v1/risk/kill-switch", headers=M01, json={
            "kind": "member", "member": "M01"})) == (400, "BAD_REQUEST")  # on is required
    _serve(tmp_path, scenario)


def test_the_audit_exports_a_members_day_as_csv_or_json(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client) -> None:
        await _enter_orders(live)
        await client.post("/v1/risk/kill-switch", headers=M01,
                          json={"kind": "member", "member": "M01", "on": True})
        url = "/v1/audit?member=M01&date=2026-12-01"
        exported = await client.get(url + "&format=csv", headers=M01)
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [(r["cl_ord_id"], r["event"], r["code"]) for r in rows] == [
            (f"A{n}", event, "") for n in range(3) for event in ("received", "accepted")] + [
            (f"A{n}", "cancelled", "KILL_SWITCH") for n in range(3)]
        assert rows[1]["price"] == "31.00" and rows[0]["time"].startswith("2026-12-01T10:30")
        as_json = await client.get(url, headers=OPERATOR)
        assert as_json.headers["content-type"] == "application/json"
        records = json.loads(as_json.content, parse_float=lambda text: pytest.fail(text))
        assert [(r["cl_ord_id"], r["event"]) for r in records] == [
            (r["cl_ord_id"], r["event"]) for r in rows]
        m02 = (await client.get("/v1/audit?member=M02&date=2026-12-01", headers=M02)).json()
        assert [(r["channel"], r["event"]) for r in m02] == [("http", "received"),
                                                             ("http", "accepted")]
        assert (await client.get("/v1/audit?member=M01&date=2026-12-02",
                                 headers=M01)).json() == []
        assert error_of(await client.get("/v1/audit?member=M02&date=2026-12-01",
                                       headers=M01)) == (403, "NOT_OWNER")
        for query in ("member=M01", "date=2026-12-01", "member=M01&date=2026-13-01",
                      "member=M01&date=2026-12-01&format=xml", "member=M01&date=1.12.2026",
                      "member=M01&date=2026-12-01&x=1", "member=M01&member=M02&date=2026-12-01"):
            response = await client.get(f"/v1/audit?{query}", headers=OPERATOR)
            assert error_of(response) == (400, "BAD_REQUEST"), query
    _serve(tmp_path, scenario)


def test_errors_outside_the_routes_are_json_too(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client) -> None:
        assert error_of(await client.get("/v1/nothing", headers=OPERATOR)) == (404, "NOT_FOUND")
        assert error_of(await client.delete("/v1/status", headers=OPERATOR)) == (
            405, "METHOD_NOT_ALLOWED")
    _serve(tmp_path, scenario, open_day=False)


def test_the_openapi_document_describes_every_endpoint(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client) -> None:
        document = (await client.get("/v1/openapi.json")).json()
        assert document["openapi"].startswith("3.")
        described = {(method.upper(), path) for path, ops in document["paths"].items()
                     for method in ops}
        assert described == {(method, url.partition("?")[0].replace("M01", "{member}")
                              .replace("M02-ORS1", "{ors}")) for method, url, _ in ENDPOINTS}
        post = document["paths"]["/v1/registry"]["post"]
        assert {"200", "400", "401", "403", "409", "413"} == set(post["responses"])
        mapping = post["requestBody"]["content"]["application/json"]["schema"][
            "discriminator"]["mapping"]
        assert {"reg_add_trader", "reg_set_ors_credentials"} <= set(mapping)
        credentials = document["components"]["schemas"]["OrsCredentialsBody"]
        assert "password" in credentials["properties"]
        assert "password_hash" not in credentials["properties"]
    _serve(tmp_path, scenario, open_day=False)


_URLS = ["/v1/registry", "/v1/risk/limits", "/v1/risk/kill-switch"]
_NAMES = ["op", "ts", "kind", "member", "id", "on", "credit", "max_volume", "ors", "password"]
_LEAVES = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.text(max_size=12) | st.sampled_from(["M01", "M02", "member", "12.50", ""]))
_VALUES = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
_OBJECTS = st.dictionaries(st.sampled_from(_NAMES) | st.text(max_size=6), _VALUES, max_size=8)


def _typed(url: str, kind: Any) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """Bodies of the right shape for `url`, with an own or another member's scope."""
    def as_member(body: dict[str, Any], member: str | None) -> dict[str, Any]:
        return {**body, "member": member} if member and "member" in body else body
    return st.builds(as_member, st.from_type(kind).map(msgspec.to_builtins),
                     st.sampled_from([None, "M01", "M02"])).map(lambda body: (url, body))


def _spoiled(pair: tuple[str, dict[str, Any]], how: int, at: int, key: str,
             junk: object) -> tuple[str, bytes]:
    """A well-shaped body kept, or with a field dropped, added or given a wrong value."""
    url, body = pair[0], dict(pair[1])
    names = sorted(body)
    if how == 1 and names:
        del body[names[at % len(names)]]
    elif how == 2:
        body[key] = junk
    elif how == 3 and names:
        body[names[at % len(names)]] = junk
    return url, json.dumps(body).encode()


_WELL_SHAPED = st.one_of(_typed(_URLS[0], REGISTRY_BODY), _typed(_URLS[1], LimitsBody),
                         _typed(_URLS[2], KillBody))
_REQUEST = st.one_of(
    st.builds(_spoiled, _WELL_SHAPED, st.integers(0, 5), st.integers(0, 9),
              st.sampled_from(_NAMES) | st.text(max_size=4), _VALUES),
    st.tuples(st.sampled_from(_URLS), _OBJECTS.map(lambda o: json.dumps(o).encode())
              | _VALUES.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=40)))
_REQUESTS = st.lists(st.tuples(_REQUEST, st.sampled_from([OPERATOR, M01, M02, {}])),
                     min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_REQUESTS)
def test_random_bodies_never_fail_the_server_and_a_refusal_changes_nothing(
        requests: list[tuple[tuple[str, bytes], dict[str, str]]]) -> None:
    async def scenario(live: Live, client: Client) -> None:
        for (url, body), headers in requests:
            before = _fingerprint(live)
            response = await client.post(url, content=body, headers=headers)
            assert response.status_code in (200, 400, 401, 403, 409, 413), response.text
            payload: Any = response.json()
            if response.status_code != 200:
                assert set(payload) == {"error"}
            if response.status_code in (400, 401, 403, 413):
                assert _fingerprint(live) == before
    with tempfile.TemporaryDirectory() as folder:
        _serve(Path(folder), scenario, open_day=False)


def test_every_endpoint_is_documented(tmp_path: Path) -> None:
    documented = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()

    async def scenario(live: Live, client: Client) -> None:
        document = (await client.get("/v1/openapi.json")).json()
        for path, ops in document["paths"].items():
            for method in ops:
                assert f"`{method.upper()} {path}" in documented, (method, path)
    _serve(tmp_path, scenario, open_day=False)
