"""`siamex surveil`: a day's flow run through the engine with the screening, then the alert
rules over it (docs/surveillance.md).

Each day's commands run in the order `siamex replay` runs them (siamex.measures.day_run
.day_pairs), on an engine with the measures so that a day with `order_screening` on refuses
SCREENED what the screening refuses: the rules read the day as (command, events) pairs.
Without a depository file every account is its own investor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.alert_rules import RULES
from siamex.measures.alerts import Alert, alert_order
from siamex.measures.day_record import DayRecord, day_records
from siamex.measures.day_run import day_pairs, measured_handler
from siamex.measures.depository import Depository
from siamex.rulebook.surveillance import ALERT_RULES, SURVEILLANCE_PARAMETERS, SurveillanceRules
from siamex.scenario.loader import Scenario
from siamex.trading.commands import Command, NewOrder
from siamex.trading.events import Event, Rejected

__all__ = ["Screened", "Surveillance", "split_overrides", "surveil", "surveil_scenario"]

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


def surveil_scenario(scenario: Scenario, depository: Depository | None = None,
                     rules: SurveillanceRules | None = None) -> Surveillance:
    """Run a scenario behind the screening (and check-before-sell, when its days turn it on and
    the depository gives the holdings), then surveil its flow; a TFEX day is refused
    (NOT_IMPLEMENTED)."""
    if any(day.start.market != "set" for day in scenario.days):
        raise SiamexError(ErrorCode.NOT_IMPLEMENTED, (
            "surveillance of a TFEX day is not built: the screening and the alert rules are "
            "the SET's"))
    handle, investor_of = measured_handler(scenario, depository)
    pairs = [pair for day in scenario.days for pair in day_pairs(day, handle)]
    return surveil(pairs, investor_of, rules)


def split_overrides(overrides: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split `--set` overrides into the trading rulebook's (laid over the scenario's rules) and
    the alert rules' (SurveillanceRules), by the parameter's name."""
    trading = {k: v for k, v in overrides.items() if k not in _SURVEILLANCE_NAMES}
    alerts = {k: v for k, v in overrides.items() if k in _SURVEILLANCE_NAMES}
    return trading, alerts
