"""The drop copy's WebSocket and the clearing runs' endpoints of `siamex serve`
(docs/drop-copy.md).

`/v1/drop-copy` streams drop-copy records as JSON text messages: first those numbered from
`from` on (catch-up), then each new one as its batch is kept (live), read from the drop copy's
table in pages, so a slow subscriber costs no memory. `/v1/clearing/days` lists the closed
days and where each one's clearing run stands; `/v1/clearing/days/{date}` is a day's report.

Decisions (decision 88):

- Who sees what: an operator every record; a member's risk officer its member's; a trader the
  records of the accounts it may see (the registry's `may_see`, decision 83), judged as each
  record is sent, so a change of the trader's accounts applies at once. A record is one side
  of a trade, so no subscriber ever learns another member's account or trader.
- The token is the `Authorization: Bearer` header or, for a browser that cannot set one, the
  `token` query parameter. A trader's stream ends (close code 1008) at the first record after
  its session ended. A handshake without a valid token is refused 401, one with a bad
  `from` 400, before anything is sent, in the JSON error shape of every endpoint.
- A clearing report is the operators'; a risk officer reads the day's figures and its own
  member's statement only. A trader's token is for the trading endpoints and the drop copy.
"""

from __future__ import annotations

import asyncio
from typing import Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from siamex.gateway.day_clearing import DayClearing
from siamex.gateway.drop_copy import DropCopy
from siamex.gateway.drop_copy_log import DropCopyLog
from siamex.gateway.drop_copy_sink import DropCopySink
from siamex.gateway.exchange import Exchange
from siamex.gateway.http import Refused, bearer_caller, json_response
from siamex.gateway.operations_openapi import operation
from siamex.gateway.tokens import Caller, Tokens
from siamex.units import InvalidValue, parse_date, shown

__all__ = ["drop_copy_routes"]

_PAGE: Final = 1000
"""Records read from the table at a time."""
_LARGEST: Final = 2**62


def _denied(status: int, code: str, text: str) -> Response:
    return json_response({"error": {"code": code, "text": text}}, status)


async def _left(websocket: WebSocket) -> None:
    """Return when the subscriber leaves; what it sends is not read."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


class _DropCopyApi:
    """The endpoints, over the drop copy, its sink, the clearing runs and the exchange."""

    def __init__(self, log: DropCopyLog, sink: DropCopySink, clearing: DayClearing,
                 exchange: Exchange, tokens: Tokens) -> None:
        self.log = log
        self.sink = sink
        self.clearing = clearing
        self.exchange = exchange
        self.tokens = tokens

    # -- the drop copy --------------------------------------------------------------------

    def _visible(self, caller: Caller, record: DropCopy) -> bool:
        """Whether the caller may see a record (decision 88; a trader's accounts, 83)."""
        if caller.operator:
            return True
        if record.member != caller.member:
            return False
        return caller.trader is None or self.exchange.registry.may_see(
            caller.trader, record.member, record.account)

    async def follow(self, websocket: WebSocket) -> None:
        """Stream the records the caller may see, from `from` on, then live."""
        scheme, _, bearer = websocket.headers.get("authorization", "").partition(" ")
        token = bearer.strip() if scheme.lower() == "bearer" \
            else websocket.query_params.get("token", "")
        caller = self.tokens.lookup(token)
        if caller is None:
            await websocket.send_denial_response(_denied(
                401, "UNAUTHORIZED", "give a valid token: Authorization: Bearer <token>, "
                                     "or ?token=<token>"))
            return
        start = websocket.query_params.get("from", "1")
        # ASCII first: "²".isdigit() holds, yet int("²") raises; short: int() of thousands of
        # digits raises too
        if not (start.isascii() and start.isdigit() and len(start) <= 19
                and 1 <= int(start) <= _LARGEST):
            await websocket.send_denial_response(_denied(
                400, "BAD_REQUEST", f"from must be a record number from 1, got {shown(start)}"))
            return
        await websocket.accept()
        wake = asyncio.Event()
        self.sink.readers.append(wake.set)
        leaving = asyncio.ensure_future(_left(websocket))
        try:
            await self._stream(websocket, caller, token, int(start) - 1, wake, leaving)
        except WebSocketDisconnect:
            pass
        finally:
            self.sink.readers.remove(wake.set)
            leaving.cancel()

    async def _stream(self, websocket: WebSocket, caller: Caller, token: str, after: int,
                      wake: asyncio.Event, leaving: asyncio.Future[None]) -> None:
        member = None if caller.operator else caller.member
        while True:
            if caller.is_trader and self.tokens.lookup(token) != caller:
                await websocket.close(1008, "the trader's session ended")
                return
            wake.clear()  # before reading: a batch kept after the read wakes the wait
            page = self.log.after(after, member, _PAGE)
            for record in page:
                after = record.n
                if self._visible(caller, record):
                    await websocket.send_text(msgspec.json.encode(record).decode())
            if len(page) == _PAGE:
                continue
            waiting = asyncio.ensure_future(wake.wait())
            await asyncio.wait((leaving, waiting), return_when=asyncio.FIRST_COMPLETED)
            if leaving.done():
                waiting.cancel()
                return

    # -- the clearing runs ----------------------------------------------------------------

    def _caller(self, request: Request) -> Caller:
        found = bearer_caller(self.tokens, request)
        if found.is_trader:
            raise Refused(403, "a trader's token is for the trading endpoints and the drop copy")
        return found

    @operation("The closed days and their clearing runs", ok="ClearingDays", more=(403,))
    async def days(self, request: Request) -> Response:
        """Every closed day and where its clearing run stands (queued, running, done or
        failed, with the error)."""
        self._caller(request)
        return json_response({"days": [
            {"date": run.date.isoformat(), "state": run.state.value, "error": run.error}
            for run in self.clearing.runs()]})

    @operation("A day's clearing report", ok="ClearingReport", params=(("date", "path"),),
               more=(400,))
    async def day(self, request: Request) -> Response:
        """A day's clearing report: whole for an operator, a risk officer's member's own
        statement beside the day's figures."""
        caller = self._caller(request)
        text = request.path_params["date"]
        try:
            date = parse_date(text)
        except InvalidValue as exc:
            raise Refused(400, f"date: {exc}") from None
        path = self.clearing.report_path(date)
        try:
            report = msgspec.json.decode(await asyncio.to_thread(path.read_bytes))
        except FileNotFoundError:
            raise Refused(404, f"no clearing report of {date}: see /v1/clearing/days"
                          ) from None
        if not caller.operator:
            members = report["members"]
            report["members"] = ({caller.member: members[caller.member]}
                                 if caller.member in members else {})
        return json_response(report)


def drop_copy_routes(log: DropCopyLog, sink: DropCopySink, clearing: DayClearing,
                     exchange: Exchange, tokens: Tokens) -> list[BaseRoute]:
    """The drop copy's WebSocket and the clearing runs' endpoints."""
    api = _DropCopyApi(log, sink, clearing, exchange, tokens)
    return [WebSocketRoute("/v1/drop-copy", api.follow),
            Route("/v1/clearing/days", api.days, methods=["GET"]),
            Route("/v1/clearing/days/{date}", api.day, methods=["GET"])]

