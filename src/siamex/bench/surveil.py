"""`siamex bench surveil`: the alert rules' false-alert rate on clean generated days, whether
they find the patterns planted in the same days, the time to surveil a day, and the order
screening's cost per command (docs/surveillance.md, docs/performance.md).

Each day is generated twice from its seed (siamex.bench.surveil_day): clean, then with every
pattern planted. The clean day's alerts per rule, per 1,000 orders, are the false-alert rate
(nothing in it is meant to manipulate); the planted day tells, per rule, whether the rule found
its pattern (by its investor, in its security). The time to surveil is the alert rules over the
day's recorded flow, apart from running the day through the engine. The screening's cost is the
clean day's commands run two ways, the best of three runs each without the cyclic collector:
by the engine alone, and by the engine with the screening attached
(siamex.measures.availability.attach) and `order_screening` on, which is how a host runs it.
Figures are printed, never asserted.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from msgspec.structs import replace

from siamex.bench.surveil_day import PATTERNS, GeneratedDay, generate_day
from siamex.measures.availability import attach
from siamex.measures.investors import Investors
from siamex.measures.screening import Screening
from siamex.measures.surveillance import surveil
from siamex.rulebook.surveillance import ALERT_RULES
from siamex.runtime import without_gc_pauses
from siamex.trading.commands import Command, StartDay
from siamex.trading.engine import Engine
from siamex.trading.events import Event, Rejected
from siamex.trading.rejects import Reject

__all__ = ["DayFigures", "SurveilFigures", "print_figures", "surveil_benchmark"]

Pair = tuple[Command, list[Event]]


@dataclass(frozen=True)
class DayFigures:
    """One seed's clean and planted day."""

    seed: int
    orders: int
    commands: int
    engine_s: float
    surveil_s: float
    clean: dict[str, int]
    found: dict[str, bool]
    engine_us: float
    screening_us: float
    screened_out: int


@dataclass(frozen=True)
class SurveilFigures:
    days: tuple[DayFigures, ...]


def _run(commands: Sequence[Command], handle: Callable[[Command], list[Event]]
         ) -> tuple[list[Pair], float]:
    start = time.perf_counter()
    pairs = [(command, handle(command)) for command in commands]
    return pairs, time.perf_counter() - start


def _screened_commands(day: GeneratedDay) -> list[Command]:
    start = day.commands[0]
    assert isinstance(start, StartDay)
    return [replace(start, rules={**start.rules, "order_screening": True}), *day.commands[1:]]


def _best(commands: Sequence[Command], host: Callable[[], Callable[[Command], list[Event]]],
          runs: int = 3) -> tuple[float, list[Pair]]:
    """The fastest of `runs` runs, in microseconds per command, and the last run's flow."""
    times: list[float] = []
    pairs: list[Pair] = []
    for _ in range(runs):
        handle = host()
        with without_gc_pauses():
            pairs, seconds = _run(commands, handle)
        times.append(seconds)
    return min(times) * 1e6 / len(commands), pairs


def _screening_cost(day: GeneratedDay) -> tuple[float, float, int]:
    """Microseconds per command: the engine alone (the switch off), and with the screening
    and `order_screening` on; and how many orders the screening refused."""
    commands = _screened_commands(day)
    investors: Investors = day.investors
    alone, _ = _best(day.commands, lambda: Engine().handle)
    screened, pairs = _best(commands, lambda: attach(Engine(), None,
                                                     Screening(investors)).handle)
    refused = sum(1 for _, events in pairs for e in events
                  if isinstance(e, Rejected) and e.reason is Reject.SCREENED)
    return alone, screened, refused


def _day(seed: int, orders: int, securities: int, investors: int) -> DayFigures:
    clean = generate_day(seed, securities=securities, investors=investors, orders=orders)
    pairs, engine_s = _run(clean.commands, Engine().handle)
    start = time.perf_counter()
    found = surveil(pairs, clean.investors.investor_of)
    surveil_s = time.perf_counter() - start
    counts = Counter(alert.rule for alert in found.alerts)
    planted = generate_day(seed, securities=securities, investors=investors, orders=orders,
                           plant=PATTERNS)
    planted_pairs, _ = _run(planted.commands, Engine().handle)
    alerts = surveil(planted_pairs, planted.investors.investor_of).alerts
    hits = {p.rule: any(a.rule == p.rule and a.investor == p.investor and a.symbol == p.symbol
                        for a in alerts) for p in planted.planted}
    engine_us, screening_us, refused = _screening_cost(clean)
    return DayFigures(seed, found.orders, len(clean.commands), engine_s, surveil_s,
                      {rule: counts[rule] for rule in ALERT_RULES}, hits, engine_us,
                      screening_us, refused)


def surveil_benchmark(days: int = 5, seed: int = 1, orders: int = 20_000,
                      securities: int = 8, investors: int = 300) -> SurveilFigures:
    """Generate and surveil `days` days, seeds `seed`, `seed + 1` ..."""
    return SurveilFigures(tuple(_day(seed + n, orders, securities, investors)
                                for n in range(days)))


def print_figures(figures: SurveilFigures, echo: Callable[[str], None]) -> None:
    """Print per rule the false-alert rate and the planted patterns found, then the times."""
    days = figures.days
    orders = sum(d.orders for d in days)
    echo(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
         f"{platform.machine()}")
    echo(f"days: {len(days)} (seeds {days[0].seed}-{days[-1].seed}), {orders:,} orders on the "
         "clean days")
    echo(f"{'rule':<10}{'clean alerts':>14}{'per 1,000 orders':>18}{'planted found':>16}")
    for rule in ALERT_RULES:
        alerts = sum(d.clean[rule] for d in days)
        found = sum(1 for d in days if d.found.get(rule))
        echo(f"{rule:<10}{alerts:>14,}{alerts * 1000 / orders:>18.3f}"
             f"{f'{found}/{len(days)}':>16}")
    total = sum(sum(d.clean.values()) for d in days)
    echo(f"{'all':<10}{total:>14,}{total * 1000 / orders:>18.3f}")
    engine = statistics.median(d.engine_s for d in days)
    alerting = statistics.median(d.surveil_s for d in days)
    echo(f"a day of {statistics.median(d.orders for d in days):,.0f} orders: engine "
         f"{engine:.3f} s, alert rules {alerting:.3f} s (medians)")
    alone = statistics.median(d.engine_us for d in days)
    screening = statistics.median(d.screening_us for d in days)
    refused = sum(d.screened_out for d in days)
    echo(f"order screening on ({refused:,} orders refused SCREENED), us per command (medians "
         "of each day's best of 3):")
    echo(f"  engine alone {alone:.2f}; with the screening {screening:.2f} "
         f"(+{(screening / alone - 1) * 100:.0f}%)")
