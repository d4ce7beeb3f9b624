"""A scenario's days run as the exchange runs them, each command with its events.

The measures' reports learn from (command, events) pairs, which the scenario runner does not
give: it yields events only. This runs a day's commands in the runner's order
(siamex.scenario.runner.day_commands), an action refused at the edge adding its rejection to the
events of the time advance it became, exactly as `siamex replay` prints it; and it gives the
engine the measures (siamex.measures.availability.measured_engine), so that check-before-sell
and central order screening refuse in a report's run what they would refuse in the market
(decision 162).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from siamex.errors import ErrorCode, SiamexError
from siamex.journal.log import CorruptJournal, read_journal
from siamex.journal.replay import apply_records
from siamex.measures.availability import attach, measured_engine, opening_holdings
from siamex.measures.depository import Depository
from siamex.measures.investors import Investors
from siamex.measures.screening import Screening
from siamex.rulebook.parameters import Rulebook
from siamex.scenario.loader import DayPlan, Scenario
from siamex.scenario.runner import day_commands
from siamex.trading.commands import Command, StartDay
from siamex.trading.engine import Engine
from siamex.trading.events import Event, Rejected

__all__ = ["Handler", "InvestorOf", "day_pairs", "measured_handler", "measured_journal",
           "rebuild_measured", "scenario_host"]

Handler = Callable[[Command], list[Event]]
"""What runs a command: an Engine's `handle`, or a measured engine's."""
InvestorOf = Callable[[str, str], str]
"""(member, account) -> the investor's pseudonymous id (common to the measures)."""


def _investors(depository: Depository | None) -> Investors:
    """Whose the accounts are: the depository's links, else each account its own investor."""
    return depository.investors if depository is not None else Investors()


def scenario_host(scenario: Scenario, depository: Depository | None,
                  engine: Engine | None = None) -> Engine:
    """The engine a scenario runs on, as the market would run it: with the depository's
    holdings when one is given, and with the central order screening when one of its days
    turns `order_screening` on; else the engine alone."""
    screens = any(Rulebook(day.start.rules).order_screening for day in scenario.days)
    screen = Screening(_investors(depository)) if screens else None
    return measured_engine(scenario, depository, engine, screen)


def _days_rules(journal: Path) -> list[Rulebook]:
    """The rulebook of every day a journal opens (none for a journal that cannot be read:
    the rebuild then says why)."""
    try:
        return [Rulebook(record.command.rules) for record in read_journal(journal)
                if isinstance(record.command, StartDay)]
    except (CorruptJournal, OSError):
        return []


def measured_journal(journal: Path) -> bool:
    """Whether a journaled run had a measure on (check-before-sell or the order screening):
    its rebuild must run the measures again."""
    return any(r.check_before_sell or r.order_screening for r in _days_rules(journal))


def rebuild_measured(journal: Path, depository: Depository | None) -> tuple[Engine, int]:
    """Rebuild the engine of a run journaled with the measures on (`siamex replay --journal`,
    with its `--depository`): its commands meet the measures again, with the same holdings,
    so that what they refused stays refused; return the engine and the last sequence number.
    A run with check-before-sell on cannot be rebuilt without its holdings (decision 155)."""
    if not journal.exists():
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"no journal at {journal}")
    if depository is None and any(r.check_before_sell for r in _days_rules(journal)):
        raise SiamexError(ErrorCode.DEPOSITORY_FILE, (
            f"{journal} was run with check_before_sell on: give its holdings with "
            "--depository"))
    engine = attach(Engine(), opening_holdings(depository), Screening(_investors(depository)))
    try:
        last = apply_records(engine, read_journal(journal), 0)
    except CorruptJournal as exc:
        raise SiamexError(exc.code, f"{journal}: {exc}") from None
    return engine, last


def measured_handler(scenario: Scenario, depository: Depository | None
                     ) -> tuple[Handler, InvestorOf]:
    """A fresh engine for a scenario with the measures (check-before-sell with the depository's
    holdings when its days turn it on; central order screening when they turn that on), and
    who the accounts' investors are (each account its own without a depository)."""
    investors = _investors(depository)
    return scenario_host(scenario, depository).handle, investors.investor_of


def day_pairs(day: DayPlan, handle: Handler) -> Iterator[tuple[Command, list[Event]]]:
    """Run a day's commands in order, yielding each with its events."""
    for command, reject in day_commands(day):
        events = handle(command)
        if reject is not None:
            events = [*events, Rejected(command.ts, reject.id, reject.reason, reject.text)]
        yield command, events
