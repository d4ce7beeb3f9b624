"""The certification API: a member's test harness reads each step and says when it is done,
so the member's own CI can run certification on every release (docs/certify.md, "Automatic
mode").

Only the candidate member's token (or an operator's) may call it. A step's `done` answers once
the step is judged, with the verdict, so the harness learns at once which case it failed.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from siamex.certify.record import Report
from siamex.certify.session import Session, StepDone
from siamex.gateway.http import Endpoint, Refused, bearer_caller, json_response, read_body, routes
from siamex.gateway.operations_openapi import operation
from siamex.gateway.tokens import Tokens

__all__ = ["certify_routes"]

_OBJECT: dict[str, Any] = {"type": "object"}


class _DoneBody(msgspec.Struct, forbid_unknown_fields=True):
    answer: str | None = None


class _Certify:
    def __init__(self, session: Session, tokens: Tokens) -> None:
        self.session = session
        self.tokens = tokens

    def _check(self, request: Request) -> None:
        caller = bearer_caller(self.tokens, request)
        if not caller.operator and caller.member != self.session.script.member.id:
            raise Refused(403, "certification is the candidate member's and the operators'")

    @operation("The certification script: the member, its declared limits, the securities",
               ok=_OBJECT, more=(403,))
    async def script(self, request: Request) -> Response:
        """What a member's system must be set to before the run, and the cases it will be
        taken through."""
        self._check(request)
        script = self.session.script
        return json_response({
            "format": script.format, "name": script.name, "version": script.version,
            "member": script.member, "declare": script.declare,
            "securities": script.securities,
            "cases": [{"id": case.id, "title": case.title, "rule": case.rule}
                      for case in script.case]})

    @operation("The step the member's system is on", ok=_OBJECT, more=(403,))
    async def step(self, request: Request) -> Response:
        """`ready` with the step to do, `preparing` while the exchange sets a step up or
        judges one (ask again), or `finished` with the summary."""
        self._check(request)
        session = self.session
        report = session.report
        if report is not None:
            return json_response({"state": "finished", "passed": report.summary.passed,
                                  "failed": report.summary.failed,
                                  "report": "/v1/certify/report"})
        current = session.current
        if current is None or current.done.done():
            return json_response({"state": "preparing"})
        return json_response(current.public())

    @operation("Say a step is done, with what the member's system shows", ok=_OBJECT,
               params=(("id", "path"),), more=(403, 413))
    async def done(self, request: Request) -> Response:
        """Answers once the step is judged (up to its `within_s`), with the verdict and why."""
        self._check(request)
        try:
            body = msgspec.json.decode(await read_body(request) or b"{}", type=_DoneBody)
        except msgspec.DecodeError as exc:
            raise Refused(400, f"the body is {{\"answer\": \"...\"}} or {{}}: {exc}") from None
        # No await from this check to set_result: two posts of one step cannot both pass it.
        current = self.session.current
        step_id = request.path_params["id"]
        if self.session.mode != "automatic":
            raise Refused(404, "in interactive mode the operator says at the terminal that a "
                               "step is done", "UNKNOWN_STEP")
        if current is None or current.id != step_id or current.done.done():
            raise Refused(404, f"{step_id!r} is not the step waiting to be done",
                          "UNKNOWN_STEP")
        current.done.set_result(StepDone(body.answer))
        judgement = await current.verdict
        return json_response({"id": current.id, "verdict": judgement.verdict,
                              "why": judgement.why})

    @operation("The signed report, once the session finished", ok=_OBJECT, more=(403, 409))
    async def report(self, request: Request) -> Response:
        """The report as `report.json` holds it (docs/certify.md, "The report")."""
        self._check(request)
        report: Report | None = self.session.report
        if report is None:
            raise Refused(409, "the session has not finished", "NOT_FINISHED")
        self.session.report_read.set()
        return json_response(report)


def certify_routes(session: Session, tokens: Tokens) -> list[BaseRoute]:
    """`/v1/certify/...`: the script, the step, done, the report."""
    api = _Certify(session, tokens)
    endpoints: list[Endpoint] = [
        ("/v1/certify/script", api.script, "GET"),
        ("/v1/certify/step", api.step, "GET"),
        ("/v1/certify/step/{id:path}/done", api.done, "POST"),
        ("/v1/certify/report", api.report, "GET"),
    ]
    return routes(endpoints)
