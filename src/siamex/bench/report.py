"""Printing benchmark figures: medians first, every run beside them."""

from __future__ import annotations

import os
import platform
import statistics

from rich.console import Console
from rich.table import Table

from siamex.bench.engine import EngineFigures
from siamex.bench.workload import Workload

__all__ = ["print_engine_figures"]


def _rates(values: list[float]) -> str:
    return ", ".join(f"{v:,.0f}" for v in values)


def print_engine_figures(workload: Workload, figures: EngineFigures, console: Console) -> None:
    """Print the engine benchmark's figures as a table, with the machine they come from."""
    console.print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()} "
                  f"({platform.python_implementation()}), {platform.machine()}")
    console.print(f"workload: {figures.commands:,} commands over {workload.securities} "
                  f"securities, {figures.events:,} events")
    console.print("  " + ", ".join(f"{k} {v:,}" for k, v in workload.counts.items()))
    table = Table(title="engine (one core, every rule check on)", title_justify="left")
    table.add_column("measure")
    table.add_column("median", justify="right")
    table.add_column("runs", justify="right")
    table.add_row("commands/s", f"{statistics.median(figures.throughput):,.0f}",
                  _rates(figures.throughput))
    table.add_row("latency p50 (us)", f"{figures.p50_us:.2f}", "")
    table.add_row("latency p99 (us)", f"{figures.p99_us:.2f}", "")
    table.add_row("latency p99.9 (us)", f"{figures.p999_us:.2f}", "")
    table.add_row("latency max (us)", f"{figures.max_us:.1f}", "")
    table.add_row("timer cost (us)", f"{figures.timer_overhead_us:.3f}", "included above")
    table.add_row("journal write, records/s", f"{statistics.median(figures.journal_write):,.0f}",
                  _rates(figures.journal_write))
    table.add_row("journal replay, commands/s", f"{statistics.median(figures.replay):,.0f}",
                  _rates(figures.replay))
    console.print(table)
