"""The measures' cost: the engine alone against the engine with the measures inside it.

Issue 15 asks that check-before-sell and the central order screening add under 20% to the time
per command. Both settings run the same generated day (siamex.bench.workload) in one process,
round after round, the order reversed every other round, so that the machine's drift weighs on
both alike: the engine alone (a bare `Engine`), and an engine with the measures attached
(holdings and the screening: siamex.measures.availability.attach) whose day turns
`check_before_sell` and `order_screening` on, with every account holding and having borrowed
enough of every security that check-before-sell refuses nothing: the measures' work on every
command (each order linked to its balance and checked, each fill moving the balances, the
screening on each short sale and each high-frequency account's order). The screening does
refuse what the random flow breaks (accounts meeting their own resting orders, mostly), so the
measured day trades a little less; both counts of rejections are printed. Measured, never
asserted.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from msgspec.structs import replace

from siamex.bench.workload import Workload
from siamex.measures.availability import attach, load
from siamex.measures.depository import Holding
from siamex.measures.investors import Investors
from siamex.measures.screening import Screening
from siamex.runtime import without_gc_pauses
from siamex.trading.commands import Command, NewOrder, StartDay
from siamex.trading.engine import Engine
from siamex.trading.events import Event, Rejected
from siamex.trading.holdings import Holdings

__all__ = ["MeasuresFigures", "measure_measures"]

_PLENTY = 10**12  # shares held and borrowed: more than any day sells


@dataclass
class MeasuresFigures:
    """Per-command times (microseconds) of each run, engine alone and with the measures."""

    commands: int
    alone: list[float] = field(default_factory=list)
    measured: list[float] = field(default_factory=list)
    rejected_alone: int = 0
    rejected_measured: int = 0

    @property
    def ratios(self) -> list[float]:
        """Each round's measured time over its engine-alone time."""
        return [g / a for g, a in zip(self.measured, self.alone, strict=True)]

    @property
    def overhead(self) -> float:
        """Extra time per command with the measures: the median of the rounds' ratios, less 1."""
        return statistics.median(self.ratios) - 1


def _holdings(commands: list[Command]) -> list[Holding]:
    """Every (member, account, security) that sells, holding and having borrowed plenty."""
    keys = sorted({(c.member, c.account, c.symbol) for c in commands
                   if isinstance(c, NewOrder)})
    return [Holding(member, account, symbol, settled=_PLENTY, borrowed=_PLENTY)
            for member, account, symbol in keys]


def _measured_day(commands: list[Command]) -> list[Command]:
    start = commands[0]
    assert isinstance(start, StartDay)
    rules = {**start.rules, "check_before_sell": True, "order_screening": True}
    return [replace(start, rules=rules), *commands[1:]]


def _per_command_us(commands: list[Command], handle: Callable[[Command], list[Event]]
                    ) -> tuple[float, int]:
    """The mean time per command, and the rejections (counted after the clock stops)."""
    outputs: list[list[Event]] = []
    keep = outputs.append
    with without_gc_pauses():
        start = time.perf_counter()
        for command in commands:
            keep(handle(command))
        elapsed = time.perf_counter() - start
    rejected = sum(isinstance(event, Rejected) for events in outputs for event in events)
    return elapsed / len(commands) * 1e6, rejected


def _measured_engine(rows: list[Holding]) -> Engine:
    """An engine with the holdings and the screening, every account its own investor."""
    holdings = Holdings()
    load(holdings, rows)
    return attach(Engine(), holdings, Screening(Investors()))


def measure_measures(workload: Workload, runs: int = 5) -> MeasuresFigures:
    """Time the workload `runs` times on each setting, alternating which goes first."""
    commands = workload.commands
    measured = _measured_day(commands)
    holdings = _holdings(commands)
    figures = MeasuresFigures(len(commands))
    for run in range(runs):
        for with_measures in ((False, True) if run % 2 == 0 else (True, False)):
            if with_measures:
                engine = _measured_engine(holdings)
                took, figures.rejected_measured = _per_command_us(measured, engine.handle)
                figures.measured.append(took)
            else:
                took, figures.rejected_alone = _per_command_us(commands, Engine().handle)
                figures.alone.append(took)
    return figures
