"""The operator's market controls and the day's schedule over a running service: a halt
refusing new orders until resumed, a sign in the feed's status messages, surveillance levels,
each refusal of the engine (409 with its code), bad bodies refused with nothing journaled (a
hypothesis test posts generated bodies: never a 500), who may do what, and the schedule before
and after a day opens, under another rulebook, with the circuit breaker tripped, and on TFEX."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.feed.log import FeedLog
from siamex.feed.messages import Status, decode
from siamex.gateway.audit import MemoryAuditLog
from siamex.gateway.market_schedule import clock_time
from siamex.gateway.operations import operations_app
from siamex.gateway.operations_bodies import HaltBody, ResumeBody, SignBody, SurveillanceBody
from siamex.gateway.tokens import Tokens
from siamex.gateway.universe import Universe, bundled_universe, load_universe
from siamex.trading.commands import AdvanceTime
from siamex.trading.enums import Side
from tests.gateway.answers import error_of
from tests.gateway.market import CONFIG, DAY
from tests.gateway.serving import Live
from tests.gateway.universes import BREAKER_UNIVERSE

OPERATOR = {"Authorization": "Bearer operator-secret-change-me"}
M01 = {"Authorization": "Bearer m01-risk-secret-change-me"}
CONTROLS = "/v1/market/controls"
SCHEDULE = "/v1/market/schedule"
Client = httpx.AsyncClient


class Desk:
    """The endpoint over a live service, with its feed and a trader's token."""

    def __init__(self, live: Live, client: Client, feed: FeedLog, trader: dict[str, str]
                 ) -> None:
        self.live = live
        self.client = client
        self.feed = feed
        self.trader = trader

    async def control(self, body: object, headers: dict[str, str] = OPERATOR
                      ) -> httpx.Response:
        return await self.client.post(CONTROLS, json=body, headers=headers)

    async def schedule(self, headers: dict[str, str] = OPERATOR) -> dict[str, Any]:
        response = await self.client.get(SCHEDULE, headers=headers)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def phase(self, symbol: str = "PTT") -> str:
        return self.live.service.exchange.engine.instruments[symbol].phase.value

    def fingerprint(self) -> tuple[int, str]:
        return self.live.service.seq, self.live.service.exchange.state_hash()


Scenario = Callable[[Desk], Awaitable[None]]


def _serve(folder: Path, scenario: Scenario, *, open_day: bool = True,
           universe: Universe | None = None) -> None:
    """Run a scenario against the endpoint of a fresh service in its own event loop."""
    folder.mkdir(parents=True, exist_ok=True)

    async def main() -> None:
        live = Live(folder, universe)
        feed = FeedLog(live.service)
        feed.attach()
        tokens = Tokens(CONFIG)
        trader = {"Authorization": f"Bearer {tokens.issue('M01', 'M01T1', 'M01-ORS1')}"}
        app = operations_app(live.service, CONFIG, MemoryAuditLog(), tokens)
        live.start()
        await (live.open_day() if open_day else live.genesis())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await asyncio.wait_for(scenario(Desk(live, client, feed, trader)), 60)
        await live.stop()
    asyncio.run(main())


def test_a_halt_refuses_new_orders_until_the_security_resumes(tmp_path: Path) -> None:
    async def scenario(desk: Desk) -> None:
        await desk.live.order(Side.BUY, 100, "31.00", "A1")
        halted = await desk.control({"op": "halt", "symbol": "PTT"})
        answer = halted.json()
        assert answer["seq"] == desk.live.service.seq
        assert [(e["type"], e["symbol"], e.get("what"), e.get("value"), e.get("phase"))
                for e in answer["events"]] == [("status", "PTT", "halt", "H", None),
                                              ("phase", "PTT", None, None, "HALTED")]
        assert answer["events"][0]["time"] == "2026-12-01T10:30:01.000000000+07:00"
        refused = await desk.live.order(Side.BUY, 100, "31.00", "A2")
        assert [r.code for r in refused.reports] == ["HALTED"]
        assert len(desk.live.service.exchange.orders.of_member("M01")) == 1  # T8: kept
        resumed = await desk.control({"op": "resume", "symbol": "PTT"})
        assert [(e["type"], e.get("what"), e.get("phase")) for e in resumed.json()["events"]
                ] == [("status", "resume", None), ("phase", None, "PRE_OPEN")]  # T9
        accepted = await desk.live.order(Side.BUY, 100, "31.00", "A3")
        assert [r.kind.value for r in accepted.reports] == ["new"]
        suspended = await desk.control({"op": "halt", "symbol": "AOT", "sign": "SP"})
        assert suspended.json()["events"][0]["what"] == "suspend"
        assert desk.phase("AOT") == "HALTED"
    _serve(tmp_path, scenario)


def _signs(feed: FeedLog) -> list[tuple[str, str]]:
    """The sign statuses the feed published: (sign, on)."""
    found = []
    for raw in feed.messages:
        message = decode(raw)
        if isinstance(message, Status) and message.what == "sign":
            found.append((message.value, message.on))
    return found


def test_a_sign_is_posted_and_removed_and_the_feed_shows_both(tmp_path: Path) -> None:
    async def scenario(desk: Desk) -> None:
        before = _signs(desk.feed)
        posted = await desk.control({"op": "set_sign", "symbol": "PTT", "sign": "XD"})
        assert [(e["what"], e["value"], e["on"]) for e in posted.json()["events"]] == [
            ("sign", "XD", True)]
        assert "XD" in desk.live.service.exchange.engine.instruments["PTT"].signs
        removed = await desk.control({"op": "set_sign", "symbol": "PTT", "sign": "XD",
                                      "on": False})
        assert [(e["what"], e["on"]) for e in removed.json()["events"]] == [("sign", False)]
        assert "XD" not in desk.live.service.exchange.engine.instruments["PTT"].signs
        assert _signs(desk.feed)[len(before):] == [("XD", "Y"), ("XD", "N")]
        assert desk.phase() == "OPEN_1"  # an information sign stops no trading
    _serve(tmp_path, scenario)


def test_surveillance_levels_take_effect_at_once(tmp_path: Path) -> None:
    async def scenario(desk: Desk) -> None:
        level = await desk.control({"op": "set_surveillance_level", "symbol": "PTT",
                                    "level": 2})
        assert [(e["type"], e.get("value"), e.get("phase")) for e in level.json()["events"]
                ] == [("status", "2", None), ("phase", None, "NO_MATCHING")]  # T22
        paused = await desk.control({"op": "set_surveillance_level", "symbol": "AOT",
                                     "level": 3, "pause": True})
        assert [e.get("what") for e in paused.json()["events"]] == [
            "surveillance_level", "surveillance_pause", None]
        assert desk.phase("AOT") == "PAUSED"
        lifted = await desk.control({"op": "set_surveillance_level", "symbol": "PTT",
                                     "level": 0})
        assert lifted.status_code == 200 and desk.phase() == "PRE_OPEN"  # T9
    _serve(tmp_path, scenario)


REFUSED = [
    ({"op": "halt", "symbol": "NOPE"}, "UNKNOWN_SYMBOL"),
    ({"op": "resume", "symbol": "PTT"}, "INVALID"),  # not halted
    ({"op": "set_sign", "symbol": "PTT", "sign": "ZZ"}, "INVALID"),  # a sign it does not know
    ({"op": "set_sign", "symbol": "PTT", "sign": "H"}, "INVALID"),  # H stops: halt it
    ({"op": "set_sign", "symbol": "NOPE", "sign": "XD"}, "UNKNOWN_SYMBOL"),
    ({"op": "set_surveillance_level", "symbol": "PTT", "level": 2, "pause": True},
     "INVALID"),  # only level 3 pauses
]


def test_each_refusal_of_the_engine_is_a_409_with_its_code(tmp_path: Path) -> None:
    async def scenario(desk: Desk) -> None:
        for body, code in REFUSED:
            seq = desk.live.service.seq
            response = await desk.control(body)
            assert error_of(response) == (409, code), body
            assert desk.live.service.seq == seq + 1  # journaled, as a refused order is
        instrument = desk.live.service.exchange.engine.instruments["PTT"]
        assert (instrument.signs, instrument.surveillance_level, desk.phase()) == (
            frozenset(), 0, "OPEN_1")
    _serve(tmp_path, scenario)


def test_a_control_before_the_first_day_is_refused_market_closed(tmp_path: Path) -> None:
    async def scenario(desk: Desk) -> None:
        response = await desk.control({"op": "halt", "symbol": "PTT"})
        assert error_of(response) == (409, "MARKET_CLOSED")
    _serve(tmp_path, scenario, open_day=False)


BAD_BODIES = [
    b"not json", b"[]", b"{}", b'"halt"', b'{"op": "delist", "symbol": "PTT"}',
    b'{"op": "halt"}',  # no symbol
    b'{"op": "halt", "symbol": "PTT", "ts": 5}',  # the time is stamped
    b'{"op": "halt", "symbol": "PTT", "id": "x"}',
    b'{"op": "halt", "symbol": "PTT", "sign": "P"}',  # a halt posts H or SP
    b'{"op": "halt", "symbol": 7}',
    b'{"op": "halt", "symbol": "\\ud800"}',
    b'{"op": "set_sign", "symbol": "PTT"}',  # no sign
    b'{"op": "set_sign", "symbol": "PTT", "sign": "XD", "on": "yes"}',
    b'{"op": "set_surveillance_level", "symbol": "PTT", "level": 4}',
    b'{"op": "set_surveillance_level", "symbol": "PTT", "level": -1}',
    b'{"op": "set_surveillance_level", "symbol": "PTT", "level": 1' + b"0" * 30 + b"}",
    b'{"op": "set_surveillance_level", "symbol": "PTT", "level": 2.0}',
    b'{"op": "resume", "symbol": "PTT", "sign": "H"}',
]


def test_bad_bodies_are_refused_and_nothing_is_journaled(tmp_path: Path) -> None:
    async def scenario(desk: Desk) -> None:
        before = desk.fingerprint()
        for body in BAD_BODIES:
            response = await desk.client.post(CONTROLS, content=body, headers=OPERATOR)
            assert error_of(response) == (400, "BAD_REQUEST"), body
        assert desk.fingerprint() == before
    _serve(tmp_path, scenario)


def test_only_an_operator_controls_and_any_token_reads_the_schedule(tmp_path: Path) -> None:
    async def scenario(desk: Desk) -> None:
        before = desk.fingerprint()
        body = {"op": "halt", "symbol": "PTT"}
        assert error_of(await desk.control(body, M01)) == (403, "FORBIDDEN")
        assert error_of(await desk.control(body, desk.trader)) == (403, "FORBIDDEN")
        for headers in ({}, {"Authorization": "Bearer nope"}):
            assert error_of(await desk.control(body, headers)) == (401, "UNAUTHORIZED")
            response = await desk.client.get(SCHEDULE, headers=headers)
            assert error_of(response) == (401, "UNAUTHORIZED")
        assert desk.fingerprint() == before
        answers = [await desk.schedule(headers) for headers in (OPERATOR, M01, desk.trader)]
        assert answers[0] == answers[1] == answers[2]
    _serve(tmp_path, scenario)


SET_DAY = [("PRE_OPEN_1", "09:30:00", None), ("OPEN_1", "09:55:00", "10:00:00"),
           ("INTERMISSION", "12:30:00", None), ("PRE_OPEN_2", "13:30:00", None),
           ("OPEN_2", "13:55:00", "14:00:00"), ("PRE_CLOSE", "16:30:00", None),
           ("OFF_HOUR", "16:35:00", "16:40:00"), ("CLOSED", "17:00:00", None)]


def _sessions(schedule: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [(s["phase"], s["start"], s["start_by"]) for s in schedule["sessions"]]


def test_the_schedule_before_the_first_day_is_the_rulebooks(tmp_path: Path) -> None:
    async def scenario(desk: Desk) -> None:
        schedule = await desk.schedule()
        assert (schedule["market"], schedule["date"], schedule["phase"]) == (
            "set", None, "CLOSED")
        assert _sessions(schedule) == SET_DAY
        breaker = schedule["circuit_breaker"]
        assert (breaker["armed"], breaker["value"], breaker["level"], breaker["tripped"]) == (
            False, None, 0, False)
        assert [(b["fall"], b["minutes"], b["trigger"]) for b in breaker["levels"]] == [
            ("8.00%", 30, None), ("15.00%", 30, None), ("20.00%", 60, None)]
    _serve(tmp_path, scenario, open_day=False)


def test_the_schedule_of_an_open_day(tmp_path: Path) -> None:
    async def scenario(desk: Desk) -> None:
        schedule = await desk.schedule()
        assert (schedule["date"], schedule["phase"]) == ("2026-12-01", "OPEN_1")
        assert _sessions(schedule) == SET_DAY
        assert all(s["products"] is None for s in schedule["sessions"])
        breaker = schedule["circuit_breaker"]
        assert (breaker["index"], breaker["armed"], breaker["level"], breaker["tripped"],
                breaker["until"]) == ("SET", True, 0, False, None)
        assert breaker["value"] == breaker["prev_close"]  # nothing has traded yet
        assert all(b["trigger"] is not None for b in breaker["levels"])
        await desk.control({"op": "halt", "symbol": "PTT"})
        assert (await desk.schedule())["phase"] == "OPEN_1"  # a halt is the security's own
        desk.live.advance(2 * 3600)  # past 12:30: the intermission
        await desk.live.submit(AdvanceTime(0))
        assert (await desk.schedule())["phase"] == "INTERMISSION"
    _serve(tmp_path, scenario)


def test_a_rulebook_with_other_session_times_shows_them(tmp_path: Path) -> None:
    universe = load_universe(None, DAY, {"intermission_start": "12:00",
                                         "pre_close_start": "16:15:30"})

    async def scenario(desk: Desk) -> None:
        schedule = await desk.schedule()
        starts = dict((phase, start) for phase, start, _ in _sessions(schedule))
        assert (starts["INTERMISSION"], starts["PRE_CLOSE"]) == ("12:00:00", "16:15:30")
    _serve(tmp_path / "before", scenario, open_day=False, universe=universe)
    _serve(tmp_path / "open", scenario, universe=universe)


def test_the_schedule_shows_the_circuit_breaker_tripped(tmp_path: Path) -> None:
    universe = Universe(BREAKER_UNIVERSE, {})

    async def scenario(desk: Desk) -> None:
        live = desk.live
        await live.order(Side.SELL, 100, "92.00", "S1", account="P0001", symbol="BIG")
        await live.order(Side.BUY, 100, "92.00", "B1", symbol="BIG")  # the index: -8%
        breaker = (await desk.schedule())["circuit_breaker"]
        assert (breaker["value"], breaker["prev_close"], breaker["level"],
                breaker["tripped"]) == ("1380.00", "1500.00", 1, True)
        assert [b["trigger"] for b in breaker["levels"]] == ["1380.00", "1275.00", "1200.00"]
        assert breaker["until"] == "2026-12-01T11:00:02.000000000+07:00"  # 30 minutes
        assert desk.phase("PTT") == "HALTED"
        refused = await desk.control({"op": "resume", "symbol": "PTT"})
        assert error_of(refused) == (409, "INVALID")  # the breaker's halt is no operator's
    _serve(tmp_path, scenario, universe=universe)


def test_a_tfex_schedule_names_the_products_of_each_step(tmp_path: Path) -> None:
    with bundled_universe("tfex") as path:
        universe = load_universe(path, DAY)

    async def scenario(desk: Desk) -> None:
        schedule = await desk.schedule()
        assert (schedule["market"], schedule["date"]) == ("tfex", "2026-12-01")
        steps = {(s["phase"], s["start"]): s["products"] for s in schedule["sessions"]}
        assert "S50" in steps["PRE_OPEN_1", "09:15:00"]
        night_close = [products for (phase, start), products in steps.items()
                       if phase == "CLOSED" and start == "27:00:00"]
        assert night_close and "GF10" in night_close[0]
        assert all(s["start_by"] is None for s in schedule["sessions"])
        future = next(symbol for symbol in desk.live.service.exchange.engine.instruments
                      if symbol.startswith("S50") and "C" not in symbol[3:])
        halted = await desk.control({"op": "halt", "symbol": future})
        assert halted.status_code == 200 and desk.phase(future) == "HALTED"

    async def before(desk: Desk) -> None:
        schedule = await desk.schedule()
        assert (schedule["market"], schedule["date"], schedule["sessions"]) == (
            "tfex", None, [])
    _serve(tmp_path, scenario, universe=universe)
    _serve(tmp_path / "before", before, open_day=False, universe=universe)


def test_clock_times_run_past_midnight_and_keep_their_microseconds() -> None:
    assert clock_time(9 * 3600 * 10**6) == "09:00:00"
    assert clock_time(27 * 3600 * 10**6) == "27:00:00"
    assert clock_time(16 * 3600 * 10**6 + 1) == "16:00:00.000001"


_SYMBOLS = st.sampled_from(["PTT", "AOT", "NOPE", "", "XD"]) | st.text(max_size=8)
_BODIES = st.one_of(
    st.builds(HaltBody, _SYMBOLS, st.sampled_from(["H", "SP"])),
    st.builds(ResumeBody, _SYMBOLS),
    st.builds(SignBody, _SYMBOLS, st.sampled_from(["XD", "NP", "H", "CB", "zz"]),
              st.booleans()),
    st.builds(SurveillanceBody, _SYMBOLS, st.integers(0, 3), st.booleans()),
).map(msgspec.to_builtins)
_LEAVES = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.text(max_size=8) | st.sampled_from(["PTT", "halt", "resume", "H", "SP"]))
_JUNK = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
_NAMES = st.sampled_from(["op", "symbol", "sign", "on", "level", "pause", "ts", "id"])


def _spoiled(body: dict[str, Any], how: int, key: str, junk: object) -> bytes:
    """A well-shaped body kept, or with a field dropped, added or given a wrong value."""
    body = dict(body)
    if how == 1:
        body.pop(key, None)
    elif how == 2:
        body[key] = junk
    return json.dumps(body).encode()


_REQUESTS = st.lists(st.tuples(
    st.builds(_spoiled, _BODIES, st.integers(0, 3), _NAMES, _JUNK)
    | _JUNK.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=30),
    st.sampled_from([OPERATOR, M01, {}])), min_size=1, max_size=10)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_REQUESTS)
def test_generated_bodies_never_fail_the_server(
        requests: list[tuple[bytes, dict[str, str]]]) -> None:
    async def scenario(desk: Desk) -> None:
        for body, headers in requests:
            before = desk.fingerprint()
            response = await desk.client.post(CONTROLS, content=body, headers=headers)
            assert response.status_code in (200, 400, 401, 403, 409), response.text
            if response.status_code != 200:
                assert set(response.json()) == {"error"}
            if response.status_code in (400, 401, 403):
                assert desk.fingerprint() == before
            else:
                assert desk.live.service.seq == before[0] + 1
    with tempfile.TemporaryDirectory() as folder:
        _serve(Path(folder), scenario)


def test_the_openapi_document_describes_both_endpoints(tmp_path: Path) -> None:
    async def scenario(desk: Desk) -> None:
        document = (await desk.client.get("/v1/openapi.json")).json()
        post = document["paths"][CONTROLS]["post"]
        assert set(post["responses"]) == {"200", "400", "401", "403", "409", "413"}
        mapping = post["requestBody"]["content"]["application/json"]["schema"][
            "discriminator"]["mapping"]
        assert set(mapping) == {"halt", "resume", "set_sign", "set_surveillance_level"}
        assert set(document["paths"][SCHEDULE]["get"]["responses"]) == {"200", "401"}
        schemas = document["components"]["schemas"]
        assert "ts" not in schemas["HaltBody"]["properties"]
        assert schemas["SurveillanceBody"]["properties"]["level"] == {
            "type": "integer", "minimum": 0, "maximum": 3}
    _serve(tmp_path, scenario, open_day=False)
