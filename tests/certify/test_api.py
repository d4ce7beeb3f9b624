"""The certification API a member's harness drives (siamex.certify.api), in process: who may
call it, the step's states, `done` judged and answered, and bad requests refused with codes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
from starlette.applications import Starlette

from siamex.certify.api import certify_routes
from siamex.certify.judge import Judgement
from siamex.certify.market import OPERATOR_TOKEN, market_config
from siamex.certify.script import bundled_script
from siamex.certify.session import Current, Session
from siamex.gateway.http import ERROR_HANDLERS
from siamex.gateway.tokens import Tokens

MEMBER = {"Authorization": "Bearer certify-m01"}


def with_api(test: Callable[[httpx.AsyncClient, Session], Awaitable[None]]) -> None:
    async def run() -> None:
        loaded = bundled_script()
        session = Session(loaded, "automatic")
        tokens = Tokens(market_config(loaded.script, fix_port=0, http_port=0, feed_port=0))
        app = Starlette(routes=certify_routes(session, tokens),
                        exception_handlers=ERROR_HANDLERS)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://certify") as client:
            await test(client, session)
    asyncio.run(run())


def waiting(session: Session) -> Current:
    case = session.script.case[2]
    current = Current(f"{case.id}/1", case, 1, case.step[0],
                      asyncio.get_running_loop().create_future())
    session.current = current
    return current


def error(response: httpx.Response) -> Any:
    return response.json()["error"]["code"]


def test_only_the_candidate_and_operators_may_call_it() -> None:
    async def check(client: httpx.AsyncClient, session: Session) -> None:
        assert (await client.get("/v1/certify/step")).status_code == 401
        other = {"Authorization": "Bearer nobody"}
        assert (await client.get("/v1/certify/step", headers=other)).status_code == 401
        operator = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
        assert (await client.get("/v1/certify/step", headers=operator)).status_code == 200
        script = (await client.get("/v1/certify/script", headers=MEMBER)).json()
        assert script["declare"]["max_order_volume"] == 100000
        assert [case["id"] for case in script["cases"]][:2] == ["logon", "ato"]
    with_api(check)


def test_a_step_is_preparing_then_ready_then_judged_through_done() -> None:
    async def check(client: httpx.AsyncClient, session: Session) -> None:
        assert (await client.get("/v1/certify/step", headers=MEMBER)).json() == \
            {"state": "preparing"}
        current = waiting(session)
        step = (await client.get("/v1/certify/step", headers=MEMBER)).json()
        assert (step["state"], step["id"], step["act"][0]["ref"]) == ("ready", "limit-day/1",
                                                                     "R1")

        async def judged() -> None:
            word = await current.done
            assert word.answer == "new"
            current.verdict.set_result(Judgement("pass", ["seen"]))
        judging = asyncio.create_task(judged())
        done = await client.post("/v1/certify/step/limit-day%2F1/done", headers=MEMBER,
                                 json={"answer": "new"})
        await judging
        assert done.json() == {"id": "limit-day/1", "verdict": "pass", "why": ["seen"]}
        again = await client.post("/v1/certify/step/limit-day/1/done", headers=MEMBER,
                                  json={})
        assert (again.status_code, error(again)) == (404, "UNKNOWN_STEP")
    with_api(check)


def test_a_bad_done_is_refused_and_leaves_the_step_waiting() -> None:
    async def check(client: httpx.AsyncClient, session: Session) -> None:
        current = waiting(session)
        other = await client.post("/v1/certify/step/logon/1/done", headers=MEMBER, json={})
        assert (other.status_code, error(other)) == (404, "UNKNOWN_STEP")
        for body in (b"not json", b'{"answer": 3}', b'{"answr": "new"}', b"[]"):
            bad = await client.post("/v1/certify/step/limit-day/1/done", headers=MEMBER,
                                    content=body)
            assert (bad.status_code, error(bad)) == (400, "BAD_REQUEST"), body
        assert not current.done.done()
    with_api(check)


def test_two_posts_of_one_step_are_judged_once_and_the_other_is_unknown() -> None:
    async def check(client: httpx.AsyncClient, session: Session) -> None:
        current = waiting(session)

        async def judged() -> None:
            await current.done
            current.verdict.set_result(Judgement("pass", []))
        judging = asyncio.create_task(judged())

        async def slowly() -> AsyncIterator[bytes]:
            """The first post's body comes late: the second is read and judged meanwhile."""
            yield b'{"answer": '
            await asyncio.sleep(0.05)
            yield b'"filled"}'
        path = "/v1/certify/step/limit-day/1/done"
        first = asyncio.create_task(client.post(path, headers=MEMBER, content=slowly()))
        await asyncio.sleep(0.01)
        second = await client.post(path, headers=MEMBER, json={"answer": "new"})
        late = await first
        await judging
        assert (second.status_code, late.status_code, error(late)) == (200, 404, "UNKNOWN_STEP")
        assert current.done.result().answer == "new"
    with_api(check)


def test_in_interactive_mode_the_api_takes_no_done() -> None:
    async def check(client: httpx.AsyncClient, session: Session) -> None:
        session.mode = "interactive"
        current = waiting(session)
        refused = await client.post("/v1/certify/step/limit-day/1/done", headers=MEMBER,
                                    json={"answer": "new"})
        assert (refused.status_code, error(refused)) == (404, "UNKNOWN_STEP")
        assert not current.done.done()
    with_api(check)


def test_the_report_is_refused_until_the_session_finished() -> None:
    async def check(client: httpx.AsyncClient, session: Session) -> None:
        early = await client.get("/v1/certify/report", headers=MEMBER)
        assert (early.status_code, error(early)) == (409, "NOT_FINISHED")
    with_api(check)
