"""The measures as `siamex serve` runs them around its engine: one state, moved only by the
journaled commands (DESIGN.md pillar 2).

The depository's opening balances and the investors' accounts arrive as one command,
`OpenDepository`, journaled before the first trading day the server opens (decision 184), so
that a restart replays the journal into the same ledger without the file. Then every command
passes the gate (check-before-sell and the central order screening, each under its rulebook
switch) and every command's events move the ledger, the screening's memory of cancels and the
short positions; a new day's StartDay takes each security's outstanding short volume from the
positions (the 10% cap starts from the published report: decision 158).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.availability import Availability
from siamex.measures.depository import Depository, Holding
from siamex.measures.gate import Gate
from siamex.measures.investors import Investors
from siamex.measures.screening import Screening
from siamex.measures.short_positions import ShortPositions, start_with_outstanding
from siamex.measures.short_report import ShortRow
from siamex.trading.commands import CancelOrder, Command, StartDay
from siamex.trading.engine import Engine
from siamex.trading.events import Event, Rejected

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
    """Investors, the ledger, the gate with the screening, and the short positions."""

    def __init__(self) -> None:
        self.investors = Investors()
        self.opened: str | None = None
        """The date of the depository's opening balances, None until they arrive."""
        self.screening = Screening(self.investors.investor_of)
        self.positions = ShortPositions(self.investors.investor_of)
        self.gate = Gate(Availability(), (self.screening,))

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
        self.gate.ledger.load(command.holdings)
        self.opened = command.date
        return None

    def start_day(self, command: StartDay) -> StartDay:
        """A day's StartDay with its outstanding short volumes from the positions."""
        if self.positions.date is None or command.market != "set":
            return command
        return start_with_outstanding(command, self.positions)

    def check(self, command: Command, engine: Engine) -> Rejected | None:
        """The gate's refusal of a command (the engine brought to its time by the caller)."""
        return self.gate.check(command, engine)

    def watches(self, command: Command, engine: Engine) -> bool:
        """Whether `check` may refuse the command under the day's rules."""
        return self.gate.watches(command, engine.rules)

    def before(self, command: CancelOrder, engine: Engine) -> None:
        """Show the screening a member's cancel before the engine runs it."""
        self.gate.before(command, engine)

    def observe(self, command: Command, events: list[Event]) -> None:
        """Move the ledger, the screening and the short positions by a command's events."""
        self.gate.observe(command, events)
        self.positions.observe(command, events)

    def available(self, member: str, account: str, symbol: str, *, short: bool = False) -> int:
        """What an account may sell now: the members' query before they send."""
        return self.gate.available(member, account, symbol, short=short)

    def short_report(self, date: dt.date, listed: dict[str, int]) -> list[ShortRow]:
        """The outstanding short position report of `date` (docs/short-positions.md)."""
        return self.positions.report(date, listed)

    def state(self) -> dict[str, Any]:
        """Everything as plain, canonical data, for the server's snapshot and state hash."""
        return {"opened": self.opened, "investors": sorted(self.investors.links()),
                "gate": self.gate.state(), "screening": self.screening.state(),
                "positions": self.positions.state()}

    @classmethod
    def from_state(cls, data: Any) -> LiveMeasures:
        """Rebuild the measures from `state()`; anything else is refused MEASURES_STATE."""
        measures = cls()
        try:
            opened, links = data["opened"], data["investors"]
            parts = data["screening"], data["positions"], data["gate"]
            if opened is not None and not isinstance(opened, str):
                raise TypeError("`opened` is a date or null")
            measures.opened = opened
            for investor, member, account in links:
                measures.investors.link(str(investor), str(member), str(account))
        except (KeyError, TypeError, ValueError) as exc:
            raise SiamexError(ErrorCode.MEASURES_STATE,
                              f"not the measures' state: {exc}") from None
        of = measures.investors.investor_of
        measures.screening = Screening.from_state(parts[0], of)
        measures.positions = ShortPositions.from_state(parts[1], of)
        measures.gate = Gate.from_state(parts[2], (measures.screening,))
        return measures
