"""Fines of members breaching the short-sale and program-trading rules (S-14MEASURES;
docs/disclosures.md, "Fines").

S-14MEASURES triples the penalties of members whose orders breach the short-sale and
program-trading rules. A breach is an order the exchange refused for one of those rules: a
sell the investor's shares or borrowing did not cover (NO_SECURITIES, a new order, an amend
raising it or a trade report), a short sale or program-trading order central screening refused
(SCREENED), an order from an unregistered high-frequency account or one buying outside its
universe (decision 160). Each costs its
member the table's base fine (siamex.rulebook.measure_fines) times `measure_fine_multiple`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from siamex.measures.day_run import Handler, day_pairs
from siamex.rulebook.measure_fines import Breach, FineTable
from siamex.rulebook.parameters import Rulebook
from siamex.scenario.loader import Scenario
from siamex.trading.commands import (
    AmendOrder,
    Command,
    NewOrder,
    StartDay,
    TradeReport,
)
from siamex.trading.events import Accepted, Cancelled, Event, Rejected
from siamex.trading.rejects import Reject
from siamex.units import format_price

__all__ = ["FINE_COLUMNS", "FineRow", "RefusalLog", "RefusedOrder", "breach_of", "fine_scenario",
           "fines_csv", "member_fines"]

FINE_COLUMNS = ("date", "member", "breach", "rule", "count", "base_fine", "multiple", "fine")
"""The fines file's columns in order; amounts in THB."""


class RefusedOrder(NamedTuple):
    """An order the exchange refused: its member, the reject code, and whether it was a short
    sale and a program-trading order (from a high-frequency account)."""

    member: str
    reason: Reject | str
    short: bool
    program: bool


def breach_of(reason: Reject | str, short: bool, program: bool) -> Breach | None:
    """The breach a refusal is, if any (decision 160): one breach per refused order, a short
    sale's before a program-trading order's."""
    code = reason.value if isinstance(reason, Reject) else reason
    if code == Reject.NO_SECURITIES.value:
        return Breach.NAKED_SHORT_SALE if short else Breach.UNCOVERED_SALE
    if code == Reject.SCREENED.value:
        if short:
            return Breach.SHORT_SALE_SCREENED
        return Breach.PROGRAM_SCREENED if program else None
    if code == Reject.HFT_NOT_REGISTERED.value:
        return Breach.HFT_NOT_REGISTERED
    if code == Reject.HFT_NOT_PERMITTED.value:
        return Breach.HFT_NOT_PERMITTED
    return None


@dataclass(frozen=True, slots=True)
class FineRow:
    """One member's fine for one kind of breach; amounts in satang."""

    member: str
    breach: Breach
    count: int
    base_fine: int
    multiple: int

    @property
    def fine(self) -> int:
        """The fine: each breach's base fine times the multiple (S-14MEASURES: tripled)."""
        return self.count * self.base_fine * self.multiple

    def as_json(self) -> dict[str, str | int]:
        """The row with its amounts in THB."""
        return {"member": self.member, "breach": self.breach.value, "rule": self.breach.rule,
                "count": self.count, "base_fine": format_price(self.base_fine),
                "multiple": self.multiple, "fine": format_price(self.fine)}


def member_fines(refusals: Iterable[tuple[str, Reject | str, bool, bool]], table: FineTable,
                 multiple: int) -> list[FineRow]:
    """Fine the breaches among (member, reject code, short, program) refusals: one row per
    member and breach, by member then in the table's order of breaches."""
    counts: dict[tuple[str, Breach], int] = {}
    for member, reason, short, program in refusals:
        breach = breach_of(reason, short, program)
        if breach is not None:
            counts[member, breach] = counts.get((member, breach), 0) + 1
    order = {breach: n for n, (breach, _) in enumerate(table.base)}
    return [FineRow(member, breach, count, table.base_fine(breach), multiple)
            for (member, breach), count in sorted(counts.items(),
                                                  key=lambda item: (item[0][0],
                                                                    order[item[0][1]]))]


class RefusalLog:
    """The orders a run refused, learnt from each command and its events.

    A new order refused is its member's; an amend refused is the member's of the order it
    amends, with that order's short-sale and program-trading flags; a trade report refused is
    its selling member's (decision 160). An order is program trading when its account is one
    of the day's high-frequency accounts (StartDay.accounts, set-trading-rules.md 9).
    """

    def __init__(self) -> None:
        self.refused: list[RefusedOrder] = []
        self._program: frozenset[str] = frozenset()
        self._orders: dict[str, tuple[str, bool, bool]] = {}  # id -> member, short, program

    def observe(self, command: Command, events: list[Event]) -> None:
        """Record the refusal of a new order, an amend or a trade report; follow the orders
        an amend may name."""
        if isinstance(command, StartDay):
            self._program = frozenset(spec.account for spec in command.accounts if spec.hft)
            return
        if not isinstance(command, NewOrder | AmendOrder | TradeReport):
            return
        for event in events:
            if isinstance(event, Cancelled):
                self._orders.pop(event.id, None)
            elif isinstance(event, Accepted):
                if event.id == command.id and isinstance(command, NewOrder):
                    self._orders[command.id] = (command.member, command.short,
                                                command.account in self._program)
            elif isinstance(event, Rejected) and event.id == command.id:
                self._refused(command, event.reason)

    def _refused(self, command: NewOrder | AmendOrder | TradeReport, reason: Reject) -> None:
        if isinstance(command, NewOrder):
            self.refused.append(RefusedOrder(command.member, reason, command.short,
                                             command.account in self._program))
        elif isinstance(command, TradeReport):
            self.refused.append(RefusedOrder(command.sell_member, reason, False,
                                             command.sell_account in self._program))
        elif command.id in self._orders:
            member, short, program = self._orders[command.id]
            self.refused.append(RefusedOrder(member, reason, short, program))


def fine_scenario(scenario: Scenario, handle: Handler,
                  table: FineTable) -> list[tuple[str, list[FineRow]]]:
    """Run a scenario's days through `handle` (a measured engine's, so that check-before-sell
    and screening refuse what they would) and fine each day's breaches at its multiple."""
    log = RefusalLog()
    days = []
    for plan in scenario.days:
        first = len(log.refused)
        for command, events in day_pairs(plan, handle):
            log.observe(command, events)
        days.append((plan.start.date,
                     member_fines(log.refused[first:], table,
                                  Rulebook(plan.start.rules).measure_fine_multiple)))
    return days


def fines_csv(days: Sequence[tuple[str, Sequence[FineRow]]]) -> str:
    """The fines of several days as CSV text: one row per date, member and breach."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FINE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for date, rows in days:
        for row in rows:
            writer.writerow({"date": date, **row.as_json()})
    return out.getvalue()
