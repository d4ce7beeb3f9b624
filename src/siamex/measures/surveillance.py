"""`siamex surveil`: a day's flow run through the engine behind the screening, then the alert
rules over it (docs/surveillance.md).

The run is the one `siamex replay` makes (siamex.scenario.runner), with the engine behind the
measures' gate (siamex.measures.gate) so that a day with `order_screening` on refuses SCREENED
what the screening refuses, and with every command recorded beside its events: the rules read
the day as (command, events) pairs. Without a depository file every account is its own investor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.alert_rules import RULES
from siamex.measures.alerts import Alert, alert_order
from siamex.measures.day_record import DayRecord, day_records
from siamex.measures.depository import Depository
from siamex.measures.gate import measured_engine
from siamex.measures.investors import Investors
from siamex.measures.screening import Screening
from siamex.rulebook.surveillance import ALERT_RULES, SURVEILLANCE_PARAMETERS, SurveillanceRules
from siamex.scenario.loader import Scenario
from siamex.scenario.runner import DayHandler, run_scenario
from siamex.trading.commands import Command, NewOrder
from siamex.trading.events import Event, Rejected

__all__ = ["Recorder", "Screened", "Surveillance", "split_overrides", "surveil",
           "surveil_scenario"]

InvestorOf = Callable[[str, str], str]
Pair = tuple[Command, list[Event]]
_SURVEILLANCE_NAMES = frozenset(p.name for p in SURVEILLANCE_PARAMETERS)


@dataclass(frozen=True, slots=True)
class Screened:
    """A new order the screening refused, with its investor."""

    date: str
    investor: str
    order: NewOrder
    refusal: Rejected


@dataclass(frozen=True, slots=True)
class Surveillance:
    """What surveillance found in a run: the alerts in their order, the orders the screening
    refused, and how many orders the engine accepted (what the alert rates are per)."""

    alerts: tuple[Alert, ...]
    screened: tuple[Screened, ...]
    orders: int
    days: tuple[str, ...]


def surveil(pairs: Iterable[Pair], investor_of: InvestorOf,
            rules: SurveillanceRules | None = None) -> Surveillance:
    """Run the alert rules the rulebook turns on over a run's (command, events) pairs."""
    rules = rules if rules is not None else SurveillanceRules()
    days = day_records(pairs, investor_of)
    alerts = [alert for day in days for name in ALERT_RULES if name in rules.alert_rules
              for alert in RULES[name](day, rules)]
    return Surveillance(tuple(sorted(alerts, key=alert_order)), _screened(days),
                        sum(len(day.entered) for day in days),
                        tuple(day.date for day in days))


def _screened(days: list[DayRecord]) -> tuple[Screened, ...]:
    return tuple(Screened(day.date, day.investor(order.member, order.account), order, refusal)
                 for day in days for order, refusal in day.screened)


class Recorder:
    """A scenario's host that keeps each command it ran with its events."""

    def __init__(self, host: DayHandler) -> None:
        self.host = host
        self.pairs: list[Pair] = []

    @property
    def now(self) -> int:
        return self.host.now

    @property
    def date(self) -> dt.date | None:
        return self.host.date

    @property
    def closes(self) -> dict[str, int]:
        return self.host.closes

    def handle(self, command: Command) -> list[Event]:
        events = self.host.handle(command)
        self.pairs.append((command, events))
        return events


def surveil_scenario(scenario: Scenario, depository: Depository | None = None,
                     rules: SurveillanceRules | None = None) -> Surveillance:
    """Run a scenario behind the screening (and check-before-sell, when its days turn it on and
    the depository gives the holdings), then surveil its flow; a TFEX day is refused
    (NOT_IMPLEMENTED)."""
    if any(day.start.market != "set" for day in scenario.days):
        raise SiamexError(ErrorCode.NOT_IMPLEMENTED, (
            "surveillance of a TFEX day is not built: the screening and the alert rules are "
            "the SET's"))
    investors = depository.investors if depository is not None else Investors()
    screening = Screening(investors.investor_of)
    recorder = Recorder(measured_engine(scenario, depository, extras=(screening,)))
    for _ in run_scenario(scenario, recorder):
        pass
    return surveil(recorder.pairs, investors.investor_of, rules)


def split_overrides(overrides: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split `--set` overrides into the trading rulebook's (laid over the scenario's rules) and
    the alert rules' (SurveillanceRules), by the parameter's name."""
    trading = {k: v for k, v in overrides.items() if k not in _SURVEILLANCE_NAMES}
    alerts = {k: v for k, v in overrides.items() if k in _SURVEILLANCE_NAMES}
    return trading, alerts
