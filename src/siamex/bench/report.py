"""Printing benchmark figures: medians first, every run beside them."""

from __future__ import annotations

import os
import platform
import statistics

from rich.console import Console
from rich.table import Table

from siamex.bench.engine import Baseline, EngineFigures
from siamex.bench.workload import Workload

__all__ = ["print_baseline", "print_controls_slowdown", "print_engine_figures", "slowdown"]

SLOWDOWN_TARGET = 0.15
"""The market-integrity issue's target: the controls cost under 15%."""


def _rates(values: list[float]) -> str:
    return ", ".join(f"{v:,.0f}" for v in values)


def _micros(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _ratios(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


def print_engine_figures(workload: Workload, figures: dict[str, EngineFigures],
                         console: Console) -> None:
    """Print the engine benchmark's figures as a table per setting of the controls, with the
    machine they come from."""
    console.print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()} "
                  f"({platform.python_implementation()}), {platform.machine()}")
    first = next(iter(figures.values()))
    console.print(f"workload: {first.commands:,} commands over {workload.securities} securities")
    console.print("  " + ", ".join(f"{k} {v:,}" for k, v in workload.counts.items()))
    for controls, fig in figures.items():
        table = Table(title=f"engine, market-integrity controls {controls} (one core; "
                      f"{fig.events:,} events)", title_justify="left")
        table.add_column("measure")
        table.add_column("median", justify="right")
        table.add_column("runs", justify="right")
        table.add_row("commands/s", f"{statistics.median(fig.throughput):,.0f}",
                      _rates(fig.throughput))
        table.add_row("latency p50 (us)", f"{fig.p50_us:.2f}", _micros(fig.p50))
        table.add_row("latency p99 (us)", f"{fig.p99_us:.2f}", _micros(fig.p99))
        table.add_row("latency p99.9 (us)", f"{fig.p999_us:.2f}", _micros(fig.p999))
        table.add_row("latency max (us)", f"{fig.max_us:.1f}",
                      ", ".join(f"{v:,.0f}" for v in fig.worst))
        table.add_row("timer cost (us)", f"{fig.timer_overhead_us:.3f}", "included above")
        table.add_row("journal write, records/s", f"{statistics.median(fig.journal_write):,.0f}",
                      _rates(fig.journal_write))
        table.add_row("journal replay, commands/s", f"{statistics.median(fig.replay):,.0f}",
                      _rates(fig.replay))
        console.print(table)


def slowdown(on: EngineFigures, off: EngineFigures) -> float:
    """Return the extra time per command with the controls on: off's median throughput over
    on's, less one (0.10: the same day takes 10% longer)."""
    return statistics.median(off.throughput) / statistics.median(on.throughput) - 1


def print_controls_slowdown(on: EngineFigures, off: EngineFigures, console: Console) -> None:
    """Print the controls on against off: ratios of the medians, and of each round's pair."""
    table = Table(title="controls on against off (ratio on/off; runs: each round's pair)",
                  title_justify="left")
    table.add_column("measure")
    table.add_column("on", justify="right")
    table.add_column("off", justify="right")
    table.add_column("on/off", justify="right")
    table.add_column("runs", justify="right")
    rows = (
        ("commands/s", on.throughput, off.throughput, "{:,.0f}"),
        ("latency p50 (us)", on.p50, off.p50, "{:.2f}"),
        ("latency p99 (us)", on.p99, off.p99, "{:.2f}"),
        ("latency p99.9 (us)", on.p999, off.p999, "{:.2f}"),
        ("journal replay, commands/s", on.replay, off.replay, "{:,.0f}"),
    )
    for name, a, b, form in rows:
        ma, mb = statistics.median(a), statistics.median(b)
        table.add_row(name, form.format(ma), form.format(mb), f"{ma / mb:.3f}",
                      _ratios([x / y for x, y in zip(a, b, strict=True)]))
    console.print(table)
    extra = slowdown(on, off)
    verdict = "met" if extra < SLOWDOWN_TARGET else "NOT met"
    console.print(f"slowdown with the controls on: {extra:+.1%} time per command "
                  f"(throughput x{1 / (1 + extra):.3f}); target under "
                  f"{SLOWDOWN_TARGET:.0%}: {verdict}")


def print_baseline(baseline: Baseline, console: Console) -> None:
    """Print the engine against the bare book: medians, their ratio, and each round's ratio."""
    table = Table(title=f"engine (every control on) against a bare CPython book, "
                  f"{baseline.commands:,} commands, one process", title_justify="left")
    table.add_column("book")
    table.add_column("commands/s", justify="right")
    table.add_column("runs", justify="right")
    table.add_row("engine", f"{statistics.median(baseline.engine):,.0f}",
                  _rates(baseline.engine))
    table.add_row("bare book", f"{statistics.median(baseline.bare):,.0f}",
                  _rates(baseline.bare))
    console.print(table)
    console.print(f"engine/bare: {baseline.ratio:.3f} (ratio of the medians); each round: "
                  f"{_ratios(baseline.ratios)}; median of the rounds "
                  f"{statistics.median(baseline.ratios):.3f}")
