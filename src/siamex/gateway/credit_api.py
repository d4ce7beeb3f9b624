"""The credit data exchange over `siamex serve`'s web API (docs/credit-data.md).

A member's risk officer reports each client's credit line and its collateral, and asks, before
granting or raising a line, what the client holds at the other members; the exchange's
operators list every asset pledged twice. A report is journaled and answered once durable
(pillar 2); a question reads the state and changes nothing. The handlers are thin: bodies are
read by siamex.gateway.credit_bodies, the answers come from siamex.measures.credit.

Decisions (176, 181):

- A line is reported and asked about by the member's risk officer (the staff who set its
  credit limits, set-trading-rules.md 10.1), for a client account of its own; a trader's
  session token and an operator's are refused (403 FORBIDDEN), a path naming an account the
  member does not hold as a client account is 404.
- A member asks about its own account, never about a national id: the investor is the one
  the member reported for that account. Before a client's first line it reports a line of 0
  (the account, no credit), then asks. The exchange does not check that the person is the
  account's holder: a member that reports someone else's national id against its account
  learns that person's totals, as it would by lying to a credit bureau; the report is
  journaled and audited with the member's name (decision 176).
- The checks run in the order: token (401), role (403), body size (413), body (400
  CREDIT_REPORT), account (404); only then is the report journaled, so a refused request
  changes nothing. A question is not journaled: it changes no state.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from siamex.errors import ErrorCode
from siamex.gateway.credit_bodies import (
    CreditLineBody,
    credit_command,
    double_pledges_json,
    exposure_json,
)
from siamex.gateway.http import Endpoint, Refused, bearer_caller, json_response, read_body, routes
from siamex.gateway.operations_bodies import BadRequest, decode
from siamex.gateway.operations_openapi import operation
from siamex.gateway.registry_changes import AccountType
from siamex.gateway.service import Service
from siamex.gateway.tokens import Tokens
from siamex.units import shown

__all__ = ["credit_routes"]

_CODE = ErrorCode.CREDIT_REPORT.value


class _Credit:
    """The endpoints, over one service, the server's tokens and the exchange's key."""

    def __init__(self, service: Service, tokens: Tokens, key: bytes) -> None:
        self.service = service
        self.tokens = tokens
        self.key = key

    def _officer(self, request: Request) -> str:
        """The member whose risk officer holds the request's token (decision 176)."""
        caller = bearer_caller(self.tokens, request)
        if caller.operator or caller.is_trader or caller.member is None:
            raise Refused(403, "only a member's risk officer reports and asks about credit "
                               "lines")
        return caller.member

    def _client_account(self, member: str, request: Request) -> str:
        account: str = request.path_params["account"]
        found = self.service.exchange.registry.member(member)
        if found is None or found.accounts.get(account) is not AccountType.CLIENT:
            raise Refused(404, f"member {member} has no client account {shown(account)}")
        return account

    @operation("Report a client's credit line and its collateral", body="credit",
               ok="CreditReported", params=(("account", "path"),), refusable=True)
    async def report(self, request: Request) -> Response:
        """Set (replace) the line the member gives its client account and the collateral
        behind it; a line of "0" withdraws it. The national id and the references become
        keyed hashes before the journal. The answer is the client's exposure as it stands
        after the report."""
        member = self._officer(request)
        try:
            body = decode(await read_body(request), CreditLineBody)
            account = self._client_account(member, request)
            command = credit_command(body, self.key, member, account)
        except BadRequest as exc:
            raise Refused(400, str(exc), _CODE) from None
        seq, outcome = await self.service.submit(command)
        if outcome.refusal is not None:
            raise Refused(409, outcome.refusal.text, outcome.refusal.code.value)
        aggregate = self.service.exchange.credit.query(member, command.investor)
        return json_response({"seq": seq, "exposure": exposure_json(account, aggregate)})

    @operation("A client's credit at the other members", ok="CreditExposure",
               params=(("account", "path"),))
    async def exposure(self, request: Request) -> Response:
        """The aggregate the member may know of the investor it reported for this account:
        its own lines and collateral, the totals at the other members and how many they are,
        and how many of the investor's collateral items are pledged at more than one line.
        Never another member's name or account; when a single other member lends to the
        investor, its total is that member's line (decision 178)."""
        member = self._officer(request)
        account = self._client_account(member, request)
        credit = self.service.exchange.credit
        investor = credit.investor_of(member, account)
        if investor is None:
            raise Refused(404, f"no credit line was reported for account {account}: report "
                               "one (a line of 0 for a new client) first")
        return json_response(exposure_json(account, credit.query(member, investor)))

    @operation("Every asset pledged behind more than one line", ok="DoublePledges",
               operator=True)
    async def double_pledges(self, request: Request) -> Response:
        """For the exchange's operators: each asset (its kind and hash) pledged at two lines
        or more, with the members, accounts, investors, lines and values."""
        if not bearer_caller(self.tokens, request).operator:
            raise Refused(403, "only an operator may see the members' double pledges")
        return json_response(double_pledges_json(self.service.exchange.credit.double_pledges()))


def credit_routes(service: Service, tokens: Tokens, key: bytes) -> list[BaseRoute]:
    """The credit data exchange's endpoints over a service; `key` is the exchange's secret
    (siamex.gateway.investor_key), which names investors and assets."""
    api = _Credit(service, tokens, key)
    endpoints: list[Endpoint] = [
        ("/v1/credit-lines/double-pledges", api.double_pledges, "GET"),
        ("/v1/credit-lines/{account}", api.report, "PUT"),
        ("/v1/credit-lines/{account}/exposure", api.exposure, "GET"),
    ]
    return routes(endpoints)
