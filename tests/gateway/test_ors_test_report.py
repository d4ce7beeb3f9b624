"""`POST /v1/ors/{ors}/test-report`: a passing certification report, signed with the exchange's
own certification key, moves an applied or changed ORS to tested through the journal; a report
unsigned, altered, under another key, failed, of another ORS, or for an ORS whose state
forbids it is refused with its code and changes nothing (docs/operations.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import msgspec

from siamex.certify.record import (
    REPORT_FORMAT,
    CaseRecord,
    MemberRecord,
    Observed,
    Report,
    ScriptRecord,
    StepRecord,
    Summary,
)
from siamex.certify.report import report_json, signed
from siamex.gateway.audit import MemoryAuditLog
from siamex.gateway.certify_script import script_sha256
from siamex.gateway.operations import operations_app
from siamex.gateway.operations_bodies import MAX_REPORT
from siamex.gateway.ors_lifecycle import OrsState
from siamex.gateway.report_signature import KEY_FILE, canonical, certify_key, digest
from tests.gateway.answers import error_of
from tests.gateway.market import CONFIG
from tests.gateway.serving import Live

OPERATOR = {"Authorization": "Bearer operator-secret-change-me"}
M02 = {"Authorization": "Bearer m02-risk-secret-change-me"}
OTHER_KEY = bytes(range(32))
Client = httpx.AsyncClient
Scenario = Callable[[Live, Client, bytes], Awaitable[None]]


def _serve(folder: Path, scenario: Scenario) -> None:
    """Run a scenario against the endpoint over a fresh service, with the server's key."""
    async def main() -> None:
        live = Live(folder)
        app = operations_app(live.service, CONFIG, MemoryAuditLog())
        key = certify_key(folder / KEY_FILE, create=False)  # made when the app was built
        live.start()
        await live.genesis()
        added = {"op": "reg_add_ors", "ors": "M02-ORS2", "member": "M02"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.post("/v1/registry", json=added,
                                      headers=OPERATOR)).status_code == 200
            await asyncio.wait_for(scenario(live, client, key), 60)
        await live.stop()
    asyncio.run(main())


def _case(id: str, verdict: str, messages: int = 2) -> CaseRecord:
    seen = [Observed(time=f"2026-12-01T03:30:00.{n:06d}Z", dir="in" if n % 2 else "out",
                     msg_type="D", fix=f"8=FIX.4.4|35=D|34={n}|11=A{n}|55=TEST1|54=1|38=100|")
            for n in range(messages)]
    step = StepRecord(id=f"{id}/1", exchange=[], instruct="Buy 100 TEST1 at 10.00",
                      act=[{"do": "order", "ref": "A"}], ask=None, answer=None,
                      expected_answer=None, started="t0", judged="t1",
                      verdict=verdict,  # type: ignore[arg-type]
                      why=[], messages=seen)
    return CaseRecord(id=id, title=id, rule="10", verdict=verdict,  # type: ignore[arg-type]
                      steps=[step])


def _report(ors: str = "M02-ORS2", member: str = "M02", *, failed: bool = False,
            messages: int = 2, script: str | None = None) -> Report:
    cases = [_case("logon", "pass", messages), _case("tick", "fail" if failed else "pass")]
    failing = [c.id for c in cases if c.verdict == "fail"]
    return Report(format=REPORT_FORMAT, siamex="0", mode="automatic",
                  script=ScriptRecord(format="siamex-certify/1", name="set-ors-1", version="1",
                                      sha256=script or script_sha256()),
                  member=MemberRecord(member=member, ors=ors, sender_comp_id="M02ORS2"),
                  started="s", finished="f",
                  summary=Summary(cases=2, passed=2 - len(failing), failed=len(failing),
                                  failed_cases=failing),
                  cases=cases)


def _post(client: Client, ors: str, body: bytes, headers: dict[str, str] = OPERATOR
          ) -> Awaitable[httpx.Response]:
    return client.post(f"/v1/ors/{ors}/test-report", content=body, headers=headers)


def _state(live: Live, ors: str) -> OrsState:
    found = live.service.exchange.registry.ors(ors)
    assert found is not None
    return found.state


def _fingerprint(live: Live) -> tuple[int, str]:
    return live.service.seq, live.service.exchange.state_hash()


def test_a_passing_signed_report_makes_an_applied_ors_tested(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, key: bytes) -> None:
        body = report_json(signed(_report(), key))
        document: dict[str, Any] = msgspec.json.decode(body)
        assert _state(live, "M02-ORS2") is OrsState.APPLIED
        answer = await _post(client, "M02-ORS2", body)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"seq": live.service.seq, "sha256": digest(document)}
        shown = (await client.get("/v1/registry", headers=OPERATOR)).json()
        ors = {o["id"]: o for o in shown["ors"]}["M02-ORS2"]
        assert ors["state"] == "tested"
        assert ors["note"] == f"certification report sha256:{digest(document)}"
        again = await _post(client, "M02-ORS2", canonical(document))  # spacing is no matter
        assert error_of(again) == (409, "BAD_TRANSITION")  # tested already
    _serve(tmp_path, scenario)


def test_a_changed_ors_is_tested_again_on_a_new_report(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, key: bytes) -> None:
        body = report_json(signed(_report("M01-ORS1", "M01"), key))
        before = _state(live, "M01-ORS1")
        refused = await _post(client, "M01-ORS1", body)
        assert error_of(refused) == (409, "BAD_TRANSITION")  # approved: no test to record
        assert _state(live, "M01-ORS1") is before is OrsState.APPROVED
        change = {"op": "reg_ors_event", "ors": "M01-ORS1", "event": "change"}
        assert (await client.post("/v1/registry", json=change,
                                   headers=OPERATOR)).status_code == 200
        assert (await _post(client, "M01-ORS1", body)).status_code == 200
        assert _state(live, "M01-ORS1") is OrsState.TESTED
    _serve(tmp_path, scenario)


def _altered(body: bytes) -> bytes:
    edited = body.replace(b'"fix": "8=FIX.4.4|35=D|34=1|', b'"fix": "8=FIX.4.4|35=D|34=9|', 1)
    assert edited != body
    return edited


def test_refused_reports_change_nothing(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, key: bytes) -> None:
        before = _fingerprint(live)
        passing = report_json(signed(_report(), key))
        refusals = [
            ("M02-ORS2", report_json(_report()), "REPORT_SIGNATURE"),
            ("M02-ORS2", _altered(passing), "REPORT_SIGNATURE"),
            ("M02-ORS2", report_json(signed(_report(), OTHER_KEY)), "REPORT_SIGNATURE"),
            ("M02-ORS2", report_json(signed(_report(failed=True), key)), "REPORT_FAILED"),
            ("M02-ORS2", report_json(signed(_report(script="0" * 64), key)), "REPORT_SCRIPT"),
            ("M02-ORS1", passing, "REPORT_ORS"),
            ("M02-ORS2", report_json(signed(_report("M02-ORS2", "M01"), key)), "REPORT_ORS"),
        ]
        for ors, body, code in refusals:
            answer = await _post(client, ors, body)
            assert error_of(answer) == (409, code), (ors, answer.text)
        assert _fingerprint(live) == before
        assert _state(live, "M02-ORS2") is OrsState.APPLIED
    _serve(tmp_path, scenario)


def test_a_report_that_passes_in_name_only_is_refused(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, key: bytes) -> None:
        before = _fingerprint(live)
        report = _report(failed=True)
        for lying in (msgspec.structs.replace(report, summary=Summary(
                          cases=2, passed=2, failed=0, failed_cases=[])),
                      msgspec.structs.replace(report, cases=[], summary=Summary(
                          cases=0, passed=0, failed=0, failed_cases=[]))):
            answer = await _post(client, "M02-ORS2", report_json(signed(lying, key)))
            assert error_of(answer) == (409, "REPORT_FAILED")
        assert _fingerprint(live) == before
    _serve(tmp_path, scenario)


def test_access_size_and_shape_are_checked_first(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, key: bytes) -> None:
        before = _fingerprint(live)
        passing = report_json(signed(_report(), key))
        assert error_of(await _post(client, "M02-ORS2", passing, {})) == (401, "UNAUTHORIZED")
        assert error_of(await _post(client, "M02-ORS2", passing, M02)) == (403, "FORBIDDEN")
        huge = b'{"format": "' + b" " * MAX_REPORT + b'"}'
        assert error_of(await _post(client, "M02-ORS2", huge)) == (413, "TOO_LARGE")
        for bad in (b"not json", b"[]", b"{}", b'{"format": "siamex-certify-report/2"}',
                    passing.replace(b'"member": "M02"', b'"member": 2', 1)):
            assert error_of(await _post(client, "M02-ORS2", bad)) == (400, "BAD_REQUEST"), bad
        assert error_of(await _post(client, "M09-ORS1", passing)) == (404, "NOT_FOUND")
        assert _fingerprint(live) == before
    _serve(tmp_path, scenario)


def test_a_whole_sessions_report_over_64_kib_is_taken(tmp_path: Path) -> None:
    async def scenario(live: Live, client: Client, key: bytes) -> None:
        body = report_json(signed(_report(messages=3000), key))
        assert 64 * 1024 < len(body) < MAX_REPORT
        answer = await _post(client, "M02-ORS2", body)
        assert answer.status_code == 200, answer.text
        assert _state(live, "M02-ORS2") is OrsState.TESTED
    _serve(tmp_path, scenario)


def test_a_restarted_server_keeps_its_key(tmp_path: Path) -> None:
    keys: list[bytes] = []

    async def scenario(live: Live, client: Client, key: bytes) -> None:
        keys.append(key)
    (tmp_path / "a").mkdir()
    _serve(tmp_path / "a", scenario)
    live = Live(tmp_path / "a")
    operations_app(live.service, CONFIG, MemoryAuditLog())
    live.service.close()
    assert certify_key(tmp_path / "a" / KEY_FILE, create=False) == keys[0]
