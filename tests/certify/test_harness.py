"""The member's harness against an in-memory twin of the certification API (httpx's
MockTransport): it waits out `preparing` reading the member's session, does each step's acts
in order, answers the ask from the settled member, says done at the step's URL-encoded id with
the body the contract names, records the verdicts and returns the report; an act the member
cannot do still ends in done, for the exchange to judge."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.certify.fix_client import SessionError
from tests.certify.harness import run_certification

TOKEN = "certify-m01"
REPORT = {"format": "siamex-certify-report/1", "summary": {"passed": 2, "failed": 0}}


class FakeMember:
    """Records what the harness asked of it, in order."""

    def __init__(self, failing: str = "") -> None:
        self.calls: list[str] = []
        self.failing = failing

    def act(self, act: dict[str, Any]) -> None:
        self.calls.append(f"act {act['do']}")
        if act["do"] == self.failing:
            raise SessionError(f"cannot {act['do']}")

    def answer(self, ask: dict[str, Any]) -> str:
        self.calls.append(f"answer {ask['what']}")
        return "filled"

    def settle(self, quiet: float = 0.25) -> None:
        self.calls.append("settle")

    def pump(self, timeout: float) -> None:
        if not self.calls or self.calls[-1] != "pump":
            self.calls.append("pump")


class FakeCertify:
    """The exchange's side: a list of step states walked as the member says done."""

    def __init__(self, steps: list[dict[str, Any]]) -> None:
        self.steps = steps
        self.done: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        path = request.url.raw_path.decode()
        current = self.steps[0]
        if request.method == "GET" and path == "/v1/certify/step":
            if current["state"] == "preparing":
                self.steps.pop(0)
            return httpx.Response(200, json=current)
        if request.method == "GET" and path == "/v1/certify/report":
            return httpx.Response(200, json=REPORT)
        escaped = str(current.get("id", "")).replace("/", "%2F")
        if request.method == "POST" and path == f"/v1/certify/step/{escaped}/done":
            self.done.append((current["id"], json.loads(request.content)))
            self.steps.pop(0)
            return httpx.Response(200, json={"id": current["id"], "verdict": "pass", "why": []})
        return httpx.Response(404, json={"error": {"code": "UNKNOWN_STEP"}})


def _ready(id: str, act: list[dict[str, Any]], ask: dict[str, Any] | None) -> dict[str, Any]:
    return {"state": "ready", "id": id, "case": id.split("/")[0], "title": "t", "step": 1,
            "steps": 2, "instruct": "i", "act": act, "ask": ask, "within_s": 5}


def _run(member: FakeMember, steps: list[dict[str, Any]]
         ) -> tuple[dict[str, Any], FakeCertify, list[dict[str, Any]]]:
    api = FakeCertify(steps)
    verdicts: list[dict[str, Any]] = []
    report = run_certification("http://certify.test", TOKEN, member, 10.0, verdicts,
                               httpx.MockTransport(api))
    return report, api, verdicts


def _without_pumps(calls: list[str]) -> list[str]:
    """The calls but the reads while a verdict is awaited, which a quick answer may skip."""
    return [call for call in calls if call != "pump"]


def test_the_harness_walks_the_steps_and_returns_the_report() -> None:
    member = FakeMember()
    steps = [{"state": "preparing"},
             _ready("limit-day/1", [{"do": "logon"}, {"do": "order", "ref": "A"}], None),
             {"state": "preparing"},
             _ready("limit-day/2", [], {"what": "status", "ref": "A"}),
             {"state": "finished", "passed": 2, "failed": 0, "report": "/v1/certify/report"}]
    report, api, verdicts = _run(member, steps)
    assert report == REPORT
    assert api.done == [("limit-day/1", {}), ("limit-day/2", {"answer": "filled"})]
    assert [v["verdict"] for v in verdicts] == ["pass", "pass"]
    assert member.calls[0] == "pump"  # read while the exchange prepares
    assert _without_pumps(member.calls) == ["act logon", "act order", "settle",
                                            "answer status"]


def test_an_act_the_member_cannot_do_still_ends_the_step() -> None:
    member = FakeMember(failing="reconnect")
    steps = [_ready("reconnect/1", [{"do": "reconnect"}, {"do": "cancel", "ref": "A"}],
                    {"what": "status", "ref": "A"}),
             {"state": "finished", "passed": 0, "failed": 1, "report": "/v1/certify/report"}]
    _, api, _ = _run(member, steps)
    assert api.done == [("reconnect/1", {"answer": "filled"})]
    assert _without_pumps(member.calls) == ["act reconnect", "settle", "answer status"]
