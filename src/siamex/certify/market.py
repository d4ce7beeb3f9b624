"""The test market a certification runs in, and what the exchange does in it between the
member's steps (docs/certify.md, "The test market").

The market is `siamex serve`'s own machinery on the certification's data folder: its
configuration and universe are made from the script, with the candidate member, and a house
member `XH` whose orders the exchange plants in process (never over FIX, so they are not in the
member's evidence). The exchange sets no limits on the candidate (decision 194): whatever its
system lets through reaches the book, so an order its own controls should have stopped is seen.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from siamex.certify.script import Script
from siamex.gateway.config import ServeConfig, parse_config
from siamex.gateway.entry import OrderEntry
from siamex.gateway.exchange import ServiceCommand
from siamex.gateway.registry_changes import RegSetMarketData
from siamex.gateway.reports import ExecKind, OrderReport
from siamex.server import ServeParts
from siamex.trading.commands import Halt, Resume
from siamex.trading.enums import OrderType, Side
from siamex.trading.events import Rejected
from siamex.units import day_start, parse_date, parse_price, parse_time_of_day

__all__ = ["HOUSE", "OPERATOR_TOKEN", "ExchangeDesk", "market_config", "write_universe"]

HOUSE: Final = "XH"
OPERATOR_TOKEN: Final = "certify-operator"
_SETTLE_S: Final = 10.0


def market_config(script: Script, *, fix_port: int, http_port: int, feed_port: int) -> ServeConfig:
    """The test market's configuration: the candidate as the script names it, and the house."""
    member = script.member
    traders = "\n".join(
        f'[[traders]]\nid = "{trader}"\nmember = "{member.id}"\nors = ["{member.ors}"]\n'
        f"approved = {'true' if trader in member.traders else 'false'}\n"
        for trader in (*member.traders, *member.unapproved_traders))
    accounts = ", ".join(f'{{ id = "{account}" }}' for account in member.accounts)
    return parse_config(f"""
[exchange]
host = "127.0.0.1"
fix_port = {fix_port}
http_port = {http_port}
feed_port = {feed_port}
comp_id = "SIAMEX"
date = "{script.market.date}"
start = "{script.market.start}"
password_iterations = 1000
feed_entitlement = true

[operators]
tokens = ["{OPERATOR_TOKEN}"]

[[members]]
id = "{member.id}"
risk_officer_token = "{member.token}"
accounts = [{accounts}]

[[members]]
id = "{HOUSE}"
accounts = [{{ id = "H1" }}]

[[ors]]
id = "{member.ors}"
member = "{member.id}"
sender_comp_id = "{member.sender_comp_id}"
username = "{member.username}"
password = "{member.password}"

[[ors]]
id = "{HOUSE}-ORS"
member = "{HOUSE}"

{traders}
[[traders]]
id = "{HOUSE}T"
member = "{HOUSE}"
ors = ["{HOUSE}-ORS"]
""")


def write_universe(script: Script, path: Path) -> None:
    """The test universe as `siamex serve --universe` reads it (docs/serve.md)."""
    universe = {
        "description": f"the certification market of {script.name} {script.version}",
        "rules": script.market.rules,
        "indices": [{"name": "SET", "prev_close": script.market.index_close}],
        "instruments": [{"symbol": symbol, "prev_close": security.prev_close,
                         "listed_shares": security.listed_shares,
                         "index_member": security.index_member,
                         "short_eligible": security.short_eligible}
                        for symbol, security in script.securities.items()]}
    path.write_text(json.dumps(universe, indent=2), encoding="utf-8")


class ExchangeDesk:
    """Carries out a step's exchange actions on the running market; each returns what it did,
    in words for the report, or raises RuntimeError when the market refused it."""

    def __init__(self, parts: ServeParts, script: Script) -> None:
        self.parts = parts
        self.script = script
        self._ids: Iterator[int] = itertools.count(1)

    async def do(self, action: dict[str, Any]) -> str:
        if "plant" in action:
            return await self._plant(action)
        if "halt" in action:
            await self._control(Halt(0, action["halt"]))
            return f"halted {action['halt']}"
        if "resume" in action:
            await self._control(Resume(0, action["resume"]))
            return f"resumed {action['resume']} (through a pre-open)"
        if "skip_to" in action:
            await self._skip_to(action["skip_to"])
            return f"moved the exchange's clock on to {action['skip_to']}"
        if "disconnect" in action:
            dropped = self.parts.acceptor.disconnect(self.script.member.ors)
            if not dropped:
                raise RuntimeError("the member's FIX session was not connected")
            return "dropped the member's FIX connection"
        if "entitlement" in action:
            on = bool(action["entitlement"])
            await self._control(RegSetMarketData(0, self.script.member.id, on))
            return f"{'granted' if on else 'withdrew'} the member's market-data entitlement"
        await asyncio.sleep(int(action["wait_ms"]) / 1000)
        return f"waited {action['wait_ms']} ms"

    async def _control(self, command: ServiceCommand) -> None:
        _, outcome = await self.parts.service.submit(command)
        if outcome.refusal is not None:
            raise RuntimeError(f"{outcome.refusal.code.value}: {outcome.refusal.text}")
        for event in outcome.events:
            if isinstance(event, Rejected):  # the engine's refusal of a halt or resume
                raise RuntimeError(f"{event.reason.value}: {event.text}")

    async def _plant(self, action: dict[str, Any]) -> str:
        kind = OrderType(action.get("type", "limit"))
        price = parse_price(action["price"]) if "price" in action else None
        entry = OrderEntry(0, 0, "http", f"{HOUSE}-ORS", f"{HOUSE}T", f"X{next(self._ids)}",
                           "H1", action["symbol"], Side(action["plant"]), int(action["qty"]),
                           kind, price)
        _, outcome = await self.parts.service.submit(entry)
        for report in outcome.reports:
            if isinstance(report, OrderReport) and report.kind is ExecKind.REJECTED:
                raise RuntimeError(f"the planted order was refused: {report.code}")
        at = f" at {action['price']}" if price is not None else f" ({kind.value.upper()})"
        return f"planted a {action['plant']} order of the house: {action['qty']} " \
               f"{action['symbol']}{at}"

    async def _skip_to(self, time_of_day: str) -> None:
        service = self.parts.service
        day = parse_date(self.script.market.date)
        self.parts.clock.skip_to((day_start(day) + parse_time_of_day(time_of_day)) * 1000)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _SETTLE_S
        while service.due() is not None:
            if loop.time() > deadline:
                raise RuntimeError("the market did not catch up with its clock")
            await asyncio.sleep(0.02)
