"""The operations endpoint of `siamex serve`: JSON over HTTP for the exchange's operators and
the members' risk officers (docs/operations.md).

An operator changes the registry, reads the state, halts and signs securities
(siamex.gateway.market_controls) and may do all a risk officer may; a member's
risk officer sets the limits and kill switches of its own member's scopes and exports its own
member's audit trail (set-trading-rules.md 10: parameter control by the member). Every change
is a command submitted to the service, journaled like any other (pillar 2), and answered once
durable: 200 with its sequence number, or 409 with the refusal code of the registry or the risk
book. The handlers are thin: bodies are read by siamex.gateway.operations_bodies, the state is
read from the service's exchange.

Decisions:

- Authentication is a bearer token from the configuration (siamex.gateway.tokens); a trader's
  session token is for the trading endpoints only (siamex.gateway.trading_api).
- A request's checks run in the order: token (401), role (403 FORBIDDEN), body size (413),
  body (400), the scope's member (403 NOT_OWNER); only then is anything submitted, so a refused
  request changes nothing.
- Errors are one JSON shape for every status (siamex.gateway.http).
- The sequence number shown beside the state is the last command applied to it (a sink of the
  service keeps it): the sequencer counts a batch before its commit and applies it after.
- A certification report is taken as an ORS's `record_test` only when signed with the data
  folder's `certify.key`, which the endpoint reads, or makes, when it is built at startup, so
  that the exchange has a key to give its certification runs (docs/certify.md, "The report").
  Its own refusals (REPORT_SIGNATURE, REPORT_SCRIPT, REPORT_FAILED, REPORT_ORS) come before
  anything is submitted; the lifecycle's refusal is the registry's, as for `reg_ors_event`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from siamex.gateway.audit import AuditLog, bangkok_time
from siamex.gateway.certify_script import script_sha256
from siamex.gateway.clock import BANGKOK_OFFSET_NS
from siamex.gateway.config import ServeConfig
from siamex.gateway.exchange import Outcome, ServiceCommand
from siamex.gateway.http import (
    ERROR_HANDLERS,
    Endpoint,
    Refused,
    bearer_caller,
    json_response,
    read_body,
)
from siamex.gateway.http import routes as http_routes
from siamex.gateway.market_controls import market_routes
from siamex.gateway.operations_bodies import (
    MAX_REPORT,
    REGISTRY_BODY,
    KillBody,
    LimitsBody,
    OrsCredentialsBody,
    ReportBody,
    decode,
    kill_command,
    limits_command,
    registry_command,
    report_body,
)
from siamex.gateway.operations_openapi import openapi_route, operation
from siamex.gateway.ors_lifecycle import OrsEvent
from siamex.gateway.registry_changes import RegOrsEvent
from siamex.gateway.report_signature import KEY_FILE, certify_key, check_signature, digest
from siamex.gateway.reports import ExecKind, OrderReport
from siamex.gateway.risk import Scope
from siamex.gateway.risk_commands import ScopeKind
from siamex.gateway.service import Service
from siamex.gateway.tokens import Caller, Tokens
from siamex.units import InvalidValue, format_price, parse_date, shown

__all__ = ["operations_app"]

_FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
_KINDS = {kind: n for n, kind in enumerate(ScopeKind)}


class _Applied:
    """A service sink that keeps the sequence number of the last command applied."""

    def __init__(self, seq: int) -> None:
        self.seq = seq

    def __call__(self, seq: int, command: ServiceCommand, outcome: Outcome,
                 replaying: bool) -> None:
        self.seq = seq


class _Operations:
    """The endpoints, over one service, its configuration and its audit trail."""

    def __init__(self, service: Service, config: ServeConfig, audit: AuditLog,
                 tokens: Tokens) -> None:
        self.service = service
        self.config = config
        self.audit = audit
        self.applied = _Applied(service.seq)
        service.sinks.append(self.applied)
        self.tokens = tokens
        self.certify_key = certify_key(service.folder / KEY_FILE, create=True)

    # -- access -------------------------------------------------------------------------------

    def _caller(self, request: Request, *, operator: bool = False) -> Caller:
        found = bearer_caller(self.tokens, request)
        if operator and not found.operator:
            raise Refused(403, "only an operator may do this")
        if found.is_trader:
            raise Refused(403, "a trader's token is for the trading endpoints (/v1/orders)")
        return found

    async def _submit(self, command: ServiceCommand) -> tuple[int, Outcome]:
        seq, outcome = await self.service.submit(command)
        if outcome.refusal is not None:
            raise Refused(409, outcome.refusal.text, outcome.refusal.code.value)
        return seq, outcome

    # -- endpoints ----------------------------------------------------------------------------

    @operation("Where the exchange stands", ok="Status")
    async def status(self, request: Request) -> Response:
        """The trading date, the exchange's Bangkok time, how many securities are in each
        phase and the universe's description: what anyone holding a token may see."""
        self._caller(request)
        engine = self.service.exchange.engine
        date = self.service.trading_date
        phases = Counter(inst.phase.value for inst in engine.instruments.values())
        return json_response({"seq": self.applied.seq,
                      "trading_date": date.isoformat() if date is not None else None,
                      "exchange_time": bangkok_time(self.service.clock.now_ns()
                                                    - BANGKOK_OFFSET_NS),
                      "phases": dict(sorted(phases.items())),
                      "universe": self.service.universe.description,
                      "busy_ns": self.service.busy_ns})

    @operation("The state's hash at a sequence number", ok="State", operator=True)
    async def state(self, request: Request) -> Response:
        """The SHA-256 of the whole state and the sequence number it is at: two exchanges
        at the same number with the same hash are the same (a replay is checked this way)."""
        self._caller(request, operator=True)
        return json_response({"seq": self.applied.seq,
                      "state_hash": self.service.exchange.state_hash()})

    @operation("The registry: members, ORSs, traders", ok="Registry", operator=True)
    async def registry(self, request: Request) -> Response:
        """Every member, ORS and trader; an ORS shows whether it has a password, never the
        password's hash or salt."""
        self._caller(request, operator=True)
        data: dict[str, Any] = self.service.exchange.registry.snapshot()
        for ors in data["ors"]:  # a password's hash and salt never leave the exchange
            ors["has_password"] = bool(ors.pop("password_hash"))
            del ors["salt"], ors["iterations"]
        return json_response(data)

    @operation("Change the registry", body="registry", ok="Seq", operator=True, refusable=True)
    async def change_registry(self, request: Request) -> Response:
        """Submit one registry change, named by `op`, with the change's fields but `ts`;
        credentials take a plaintext `password`, hashed before the journal."""
        self._caller(request, operator=True)
        body = decode(await read_body(request), REGISTRY_BODY)
        iterations = self.config.password_iterations
        if isinstance(body, OrsCredentialsBody):  # PBKDF2 takes its time off the event loop
            command = await asyncio.to_thread(registry_command, body, iterations)
        else:
            command = registry_command(body, iterations)
        seq, _ = await self._submit(command)
        return json_response({"seq": seq})

    @operation("Take a passing certification report as an ORS's test", body="report",
               ok="Tested", operator=True, refusable=True, params=(("ors", "path"),))
    async def test_report(self, request: Request) -> Response:
        """Move the ORS from applied or changed to tested (`record_test`) on the report of a
        certification run that every case passed, signed with this exchange's certification
        key (set-trading-rules.md 10); the answer names the report by the SHA-256 of its
        canonical JSON, which the journaled event's note keeps."""
        self._caller(request, operator=True)
        document, report = report_body(await read_body(request, MAX_REPORT))
        ors = request.path_params["ors"]
        registered = self.service.exchange.registry.ors(ors)
        if registered is None:
            raise Refused(404, f"no ORS {shown(ors)}")
        why = check_signature(document, self.certify_key)
        if why is not None:
            raise Refused(409, why, "REPORT_SIGNATURE")
        if report.script.sha256 != script_sha256():  # decision 201
            raise Refused(409, (
                f"the report is of the script {shown(report.script.name)} "
                f"{shown(report.script.version)}, not the exchange's certification script "
                f"(sha256 {script_sha256()})"), "REPORT_SCRIPT")
        _passed(report)
        if (report.member.ors, report.member.member) != (ors, registered.member):
            raise Refused(409, (
                f"the report is of ORS {shown(report.member.ors)} of member "
                f"{shown(report.member.member)}, not of {ors} of {registered.member}"),
                "REPORT_ORS")
        sha256 = digest(document)
        seq, _ = await self._submit(RegOrsEvent(0, ors, OrsEvent.RECORD_TEST,
                                                f"certification report sha256:{sha256}"))
        return json_response({"seq": seq, "sha256": sha256})

    @operation("Set every limit of a scope", body="limits", ok="Seq", refusable=True)
    async def set_limits(self, request: Request) -> Response:
        """Replace every limit of a scope; a limit left out or null is no limit (10.1-10.4).
        Money is in baht as a decimal string."""
        caller = self._caller(request)
        body = decode(await read_body(request), LimitsBody)
        command = limits_command(body)
        _may_act_for(caller, body.member)
        seq, _ = await self._submit(command)
        return json_response({"seq": seq})

    @operation("Turn a kill switch on or off", body="kill", ok="Killed", refusable=True)
    async def kill_switch(self, request: Request) -> Response:
        """Turn a member's, an ORS's or a trader's kill switch on, cancelling its resting
        orders in the same step, or off (10.5); the answer counts the orders cancelled."""
        caller = self._caller(request)
        body = decode(await read_body(request), KillBody)
        _may_act_for(caller, body.member)
        seq, outcome = await self._submit(kill_command(body))
        cancelled = sum(1 for r in outcome.reports
                        if isinstance(r, OrderReport) and r.kind is ExecKind.CANCELLED)
        return json_response({"seq": seq, "cancelled": cancelled})

    @operation("A member's limits, kill switches and exposures", ok="Risk",
               params=(("member", "path"),))
    async def risk(self, request: Request) -> Response:
        """Every scope of the member with its limits, kill switch and exposure (resting value
        plus the day's traded value), money in baht."""
        caller = self._caller(request)
        member = request.path_params["member"]
        _may_act_for(caller, member)
        if self.service.exchange.registry.member(member) is None:
            raise Refused(404, f"no member {shown(member)}")
        book = self.service.exchange.risk
        scopes = []
        for scope in self._scopes(member):
            limits = book.limits(scope)
            scopes.append({
                "kind": scope.kind.value, "id": scope.id, "kill_switch": book.killed(scope),
                "exposure": format_price(book.exposure(scope)),
                "credit": _baht(limits.credit), "max_value": _baht(limits.max_value),
                "max_volume": limits.max_volume, "price_band_bp": limits.price_band_bp})
        return json_response({"member": member, "scopes": scopes})

    def _scopes(self, member: str) -> list[Scope]:
        """The member's scopes: itself, its ORSs, traders and accounts, and any scope of it
        the risk book holds something of."""
        registry: dict[str, Any] = self.service.exchange.registry.snapshot()
        found = {Scope(ScopeKind.MEMBER, member), *self.service.exchange.risk.scopes_of(member)}
        found |= {Scope(ScopeKind.ORS, member, o["id"]) for o in registry["ors"]
                  if o["member"] == member}
        found |= {Scope(ScopeKind.TRADER, member, t["id"]) for t in registry["traders"]
                  if t["member"] == member}
        found |= {Scope(ScopeKind.ACCOUNT, member, a) for m in registry["members"]
                  if m["id"] == member for a in m["accounts"]}
        return sorted(found, key=lambda s: (_KINDS[s.kind], s.id))

    @operation("A member's audit trail of a day", ok="Audit",
               params=(("member", "query"), ("date", "query"), ("format", "query")),
               optional=("format",))
    async def audit_export(self, request: Request) -> Response:
        """A member's order records of a Bangkok day, as CSV or JSON (siamex.gateway.audit),
        in time order; `format` is json unless given."""
        caller = self._caller(request)
        query = request.query_params
        unknown = sorted(set(query) - {"member", "date", "format"})
        if unknown or any(len(query.getlist(name)) > 1 for name in query):
            raise Refused(400, "give member, date and format once each, nothing else")
        member, date, kind = query.get("member"), query.get("date"), query.get("format", "json")
        if not member or date is None or kind not in _FORMATS:
            raise Refused(400, "give member=ID&date=YYYY-MM-DD, and format=csv or json")
        try:
            day = parse_date(date)
        except InvalidValue as exc:
            raise Refused(400, str(exc)) from None
        _may_act_for(caller, member)
        return Response(self._export(member, day, kind), media_type=_FORMATS[kind])

    def _export(self, member: str, day: dt.date, kind: str) -> bytes:
        if kind == "csv":
            return self.audit.export_csv(member, day).encode("utf-8")
        return self.audit.export_json(member, day)


def _may_act_for(caller: Caller, member: str) -> None:
    """Refuse (403 NOT_OWNER) a risk officer acting for another member's scope."""
    if not caller.operator and member != caller.member:
        raise Refused(403, f"this token is member {caller.member}'s, not {member}'s",
                       "NOT_OWNER")


def _passed(report: ReportBody) -> None:
    """Refuse (409 REPORT_FAILED) a report of which a case failed, or that has none."""
    failed = sorted({case.id for case in report.cases if case.verdict != "pass"}
                    | set(report.summary.failed_cases))
    if failed or report.summary.failed or not report.cases:
        named = ", ".join(shown(case) for case in failed[:10]) or (
            f"its summary counts {report.summary.failed} failed" if report.cases
            else "it holds no case")
        raise Refused(409, f"the report did not pass: {named}", "REPORT_FAILED")


def _baht(satang: int | None) -> str | None:
    return None if satang is None else format_price(satang)


def operations_app(service: Service, config: ServeConfig, audit: AuditLog,
                   tokens: Tokens | None = None,
                   routes: Sequence[BaseRoute] = ()) -> Starlette:
    """Build the operations endpoint over a service (to be served by uvicorn).

    It adds a sink to the service that follows the last applied sequence number; build it
    before the service runs, after its replay or before it, either is exact. It reads the
    data folder's certification key, making it if missing (CERTIFY_KEY when it is refused).
    """
    ops = _Operations(service, config, audit, tokens if tokens is not None else Tokens(config))
    endpoints: list[Endpoint] = [
        ("/v1/status", ops.status, "GET"),
        ("/v1/state", ops.state, "GET"),
        ("/v1/registry", ops.registry, "GET"),
        ("/v1/registry", ops.change_registry, "POST"),
        ("/v1/ors/{ors}/test-report", ops.test_report, "POST"),
        ("/v1/risk/limits", ops.set_limits, "POST"),
        ("/v1/risk/kill-switch", ops.kill_switch, "POST"),
        ("/v1/risk/{member}", ops.risk, "GET"),
        ("/v1/audit", ops.audit_export, "GET"),
    ]
    served = http_routes(endpoints) + market_routes(service, ops.tokens)
    served += [*routes, openapi_route("/v1/openapi.json")]
    return Starlette(routes=served, exception_handlers=ERROR_HANDLERS)
