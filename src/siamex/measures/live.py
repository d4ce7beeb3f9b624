"""The measures as `siamex serve` runs them around its engine: one state, moved only by the
journaled commands (DESIGN.md pillar 2).

The depository's opening balances and the investors' accounts arrive as one command,
`OpenDepository`, journaled before the first trading day the server opens (decision 184), so
that a restart replays the journal into the same holdings without the file. The holdings and
the screening are the engine's (check-before-sell and the central order screening run inside
it, each under its rulebook switch: decision 186); every command's events move the short
positions, and a new day's StartDay takes each security's outstanding short volume from them
(the 10% cap starts from the published report: decision 158).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.availability import attach, holdings_from_state, holdings_state, load
from siamex.measures.depository import Depository, Holding
from siamex.measures.investors import Investors
from siamex.measures.screening import Screening
from siamex.measures.short_positions import ShortPositions, start_with_outstanding
from siamex.measures.short_report import ShortRow
from siamex.trading.commands import Command, StartDay
from siamex.trading.engine import Engine
from siamex.trading.events import Event
from siamex.trading.holdings import Holdings

__all__ = ["InvestorLink", "LiveMeasures", "OpenDepository", "open_depository"]


class InvestorLink(msgspec.Struct, frozen=True, array_like=True, forbid_unknown_fields=True):
    """A member's account and the pseudonymous investor it belongs to."""

    investor: str
    member: str
    account: str


class OpenDepository(msgspec.Struct, tag="open_depository", tag_field="op", frozen=True,
                     array_like=True, omit_defaults=True):
    """The depository's balances and the investors' accounts as of `date`, the first day the
    exchange opens with them (decision 184)."""

    ts: int
    date: str
    holdings: tuple[Holding, ...] = ()
    links: tuple[InvestorLink, ...] = ()


def open_depository(depository: Depository, ts: int = 0) -> OpenDepository:
    """The command that opens a depository file's balances and links in the exchange."""
    links = tuple(InvestorLink(*link) for link in depository.investors.links())
    return OpenDepository(ts, depository.date.isoformat(), depository.holdings, links)


class LiveMeasures:
    """Investors, the holdings and the screening the engine runs, and the short positions."""

    def __init__(self) -> None:
        self.investors = Investors()
        self.opened: str | None = None
        """The date of the depository's opening balances, None until they arrive."""
        self.screening = Screening(self.investors)
        self.positions = ShortPositions(self.investors.investor_of)
        self.holdings = Holdings()
        self._nvdr: set[str] | None = None
        """Restored from a saved state: the live orders linked to NVDR holdings, until
        `attach` links the engine's orders."""

    def attach(self, engine: Engine) -> None:
        """Give the engine the holdings and the screening: its live orders linked to the
        balances, as restored with them, or each sell reserving its remainder."""
        if self._nvdr is None:
            attach(engine, self.holdings, self.screening)
            return
        self.holdings.relink(engine.orders.values(), self._nvdr)
        self._nvdr = None
        engine.holdings, engine.screen = self.holdings, self.screening

    def open(self, command: OpenDepository) -> str | None:
        """Take the depository's opening balances and links; the refusal of a second opening
        or of a link that contradicts one held (nothing changes then)."""
        if self.opened is not None:
            return f"the depository opened on {self.opened} already"
        owners: dict[tuple[str, str], str] = {}
        for link in command.links:
            owner = owners.setdefault((link.member, link.account), link.investor)
            if owner != link.investor:
                return f"account {link.member}/{link.account} is linked to two investors"
        for link in command.links:
            self.investors.link(link.investor, link.member, link.account)
        load(self.holdings, command.holdings)
        self.opened = command.date
        return None

    def start_day(self, command: StartDay) -> StartDay:
        """A day's StartDay with its outstanding short volumes from the positions."""
        if self.positions.date is None or command.market != "set":
            return command
        return start_with_outstanding(command, self.positions)

    def observe(self, command: Command, events: list[Event]) -> None:
        """Move the short positions by a command's events."""
        self.positions.observe(command, events)

    def available(self, member: str, account: str, symbol: str, *, short: bool = False) -> int:
        """What an account may sell now: the members' query before they send."""
        return self.holdings.available(member, account, symbol, short=short)

    def short_report(self, date: dt.date, listed: dict[str, int]) -> list[ShortRow]:
        """The outstanding short position report of `date` (docs/short-positions.md)."""
        return self.positions.report(date, listed)

    def state(self, engine: Engine) -> dict[str, Any]:
        """Everything as plain, canonical data, for the server's snapshot and state hash
        (`engine` the one attached, whose orders the holdings follow)."""
        return {"opened": self.opened, "investors": sorted(self.investors.links()),
                "holdings": holdings_state(self.holdings, engine.orders.values()),
                "screening": self.screening.state(), "positions": self.positions.state()}

    @classmethod
    def from_state(cls, data: Any) -> LiveMeasures:
        """Rebuild the measures from `state()`, to be attached to the engine restored with
        them; anything else is refused MEASURES_STATE."""
        measures = cls()
        try:
            opened, links = data["opened"], data["investors"]
            parts = data["screening"], data["positions"], data["holdings"]
            if opened is not None and not isinstance(opened, str):
                raise TypeError("`opened` is a date or null")
            measures.opened = opened
            for investor, member, account in links:
                measures.investors.link(str(investor), str(member), str(account))
        except (KeyError, TypeError, ValueError) as exc:
            raise SiamexError(ErrorCode.MEASURES_STATE,
                              f"not the measures' state: {exc}") from None
        measures.screening = Screening.from_state(parts[0], measures.investors)
        measures.positions = ShortPositions.from_state(parts[1], measures.investors.investor_of)
        measures.holdings, measures._nvdr = holdings_from_state(parts[2])
        return measures
