"""The benchmarks as `siamex bench` runs them: each measurement in turn, under a status line
while it runs, and its figures printed as they come (docs/cli.md).

The figures are printed, never asserted: the machines are shared. The gateway's and the
feed's benchmarks are imported when they run: their HTTP client (httpx) is the test group's,
which the engine's, the clearing house's and the measures' benchmarks do not need.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from siamex.bench.clearing import (
    bench_registry,
    measure_settlement,
    print_clearing_figures,
    write_day,
)
from siamex.bench.clearing import measure as measure_clearing
from siamex.bench.engine import CONTROLS, against_bare
from siamex.bench.engine import measure as measure_engine
from siamex.bench.measures import measure_measures
from siamex.bench.report import print_baseline, print_controls_slowdown, print_engine_figures
from siamex.bench.workload import generate
from siamex.clearing.foundations.store_open import open_store
from siamex.errors import ErrorCode, SiamexError

__all__ = ["run_clearing", "run_engine", "run_feed", "run_gateway", "run_measures"]

MEASURES_TARGET = 0.20  # issue 15: under 20% more time per command


def run_engine(console: Console, *, securities: int | None, commands: int, runs: int, seed: int,
               controls: str, deep: bool) -> None:
    """Measure the engine with the controls `on`, `off` or `both` (then their slowdown too),
    and against the bare book; a deep day has 20 securities unless `securities` says."""
    settings = CONTROLS if controls == "both" else (controls,)
    if securities is None:
        securities = 20 if deep else 400
    with console.status("generating the workload"):
        workload = generate(securities, commands, seed, deep=deep)
    with console.status(f"measuring ({runs} runs, controls {controls})"):
        figures = measure_engine(workload, runs, settings)
    print_engine_figures(workload, figures, console)
    if controls == "both":
        print_controls_slowdown(figures["on"], figures["off"], console)
    with console.status(f"measuring the engine against the bare book ({runs} runs each)"):
        baseline = against_bare(workload, runs)
    print_baseline(baseline, console)


def run_measures(console: Console, *, securities: int, commands: int, runs: int,
                 seed: int) -> None:
    """Measure the engine alone and with the measures on the same day (issue 15)."""
    with console.status("generating the workload"):
        workload = generate(securities, commands, seed)
    with console.status(f"measuring ({runs} runs each, alternating)"):
        figures = measure_measures(workload, runs)
    table = Table(title=f"check-before-sell and order screening, {figures.commands:,} commands "
                  f"over {securities} securities (one core)", title_justify="left")
    table.add_column("setting")
    table.add_column("us/command (median)", justify="right")
    table.add_column("runs", justify="right")
    table.add_column("rejected", justify="right")
    for name, values, rejected in (("engine alone", figures.alone, figures.rejected_alone),
                                   ("engine with the measures", figures.measured,
                                    figures.rejected_measured)):
        table.add_row(name, f"{statistics.median(values):.3f}",
                      ", ".join(f"{v:.3f}" for v in values), f"{rejected:,}")
    console.print(table)
    verdict = "met" if figures.overhead < MEASURES_TARGET else "NOT met"
    console.print(f"overhead: {figures.overhead:+.1%} time per command (median of the rounds' "
                  f"ratios: {', '.join(f'{r:.3f}' for r in figures.ratios)}); target under "
                  f"{MEASURES_TARGET:.0%}: {verdict}")


def run_gateway(console: Console, *, sessions: tuple[int, ...], rate: int, seconds: float,
                runs: int) -> None:
    """Measure the FIX session layer alone, the floor, then `siamex serve` under each session
    count at the offered rate and at half of it."""
    from siamex.bench.fix_layer import fix_layer_us
    from siamex.bench.gateway import measure_gateway, median_figures

    with console.status("the FIX session layer alone (5 runs of 20,000 orders)"):
        floor, runs_us = fix_layer_us()
    console.print(f"FIX session layer alone (frame, decode, check, order command; ExecutionReport "
                  f"built, encoded, stored): {floor:.1f} µs per order, median of "
                  f"{', '.join(f'{f:.1f}' for f in runs_us)}: at most {1e6 / floor:,.0f} "
                  "orders/s on one core")
    table = Table(title="siamex serve over loopback FIX (medians)")
    for column in ("sessions", "offered/s", "acked/s", "p50 µs", "p99 µs", "p99.9 µs",
                   "engine share"):
        table.add_column(column, justify="right")
    for count in sessions:
        for offered in (rate, rate // 2):
            with console.status(f"{count} sessions at {offered:,} orders/s ({runs} runs)"):
                figures = median_figures([measure_gateway(count, offered, seconds)
                                          for _ in range(runs)])
            table.add_row(str(count), f"{offered:,}", f"{figures.acked_per_s:,.0f}",
                          f"{figures.p50_us:,.0f}", f"{figures.p99_us:,.0f}",
                          f"{figures.p999_us:,.0f}", f"{figures.engine_share:.0%}")
    console.print(table)


def run_feed(console: Console, *, subscribers: tuple[int, ...], rate: int, seconds: float,
             runs: int, websocket: bool) -> None:
    """Measure the feed (or, with `websocket`, the browsers' feed) under each count of
    consumers."""
    from siamex.bench.feed import measure_feed, median_feed

    kind = "WebSocket market data" if websocket else "market-data feed"
    table = Table(title=f"siamex serve's {kind} over loopback (medians)")
    for column in ("subscribers", "orders/s", "messages/s", "p50 µs", "p99 µs", "p99.9 µs"):
        table.add_column(column, justify="right")
    for count in subscribers:
        with console.status(f"{count} subscribers at {rate:,} orders/s ({runs} runs)"):
            figures = median_feed([measure_feed(count, rate, seconds, websocket=websocket)
                                   for _ in range(runs)])
        table.add_row(str(count), f"{rate:,}", f"{figures.messages_per_s:,.0f}",
                      f"{figures.p50_us:,.0f}", f"{figures.p99_us:,.0f}",
                      f"{figures.p999_us:,.0f}")
    console.print(table)


def run_clearing(console: Console, *, trades: int, members: int, securities: int, runs: int,
                 seed: int, settle_trades: int | None, settle_store: str) -> None:
    """Measure loading, novating and netting a generated day, then settle once the measured
    day, or a day of `settle_trades` (0: none), in `settle_store` (`:memory:`, `sqlite` for a
    temporary file, or a PostgreSQL URL), which must be empty: a day settled on top of
    another's postings would not be the day measured."""
    registry = bench_registry(members)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trades.csv"
        with console.status(f"writing {trades:,} trades"):
            write_day(path, trades, securities, registry, seed)
        with console.status(f"measuring ({runs} runs)"):
            figures = measure_clearing(path, registry, securities, runs)
        if settle_trades is None:
            settle_trades = trades
        if settle_trades:
            settle_path = path
            if settle_trades != trades:
                settle_path = Path(folder) / "settle.csv"
                write_day(settle_path, settle_trades, securities, registry, seed)
            target = str(Path(folder) / "ledger.db") if settle_store == "sqlite" else settle_store
            with console.status(f"settling {settle_trades:,} trades (1 run, {settle_store})"), \
                    open_store(target) as ledger:
                if ledger.transactions():
                    raise SiamexError(ErrorCode.INVALID_PARAMETER,
                                      f"--settle-store {settle_store} is not empty")
                figures.settlement = measure_settlement(settle_path, registry, ledger)
    print_clearing_figures(figures, console)


def run_console(console: Console, *, securities: int, rate: int, seconds: float, loads: int,
                runs: int, chromium: str) -> None:
    """Measure the web console's market watch in headless Chromium while the market trades
    (issue 16), `runs` times; each run's figures, then the medians."""
    from siamex.bench.console import measure_console

    table = Table(title=f"the console's market watch, {securities} securities, {rate:,} trades/s "
                  "(headless Chromium, the server and the load on the same machine)",
                  title_justify="left")
    for column in ("run", "load ms (median)", "trade to screen p50 ms", "p99 ms", "max ms",
                   "trades drawn", "frames dropped", "long tasks"):
        table.add_column(column, justify="right")
    figures = []
    for run in range(1, runs + 1):
        with console.status(f"run {run} of {runs}: {seconds:.0f} s of trading"):
            done = measure_console(securities, rate, seconds, loads, chromium)
        figures.append(done)
        table.add_row(str(run), f"{statistics.median(done.loads_ms):,.0f}",
                      *(f"{value:,.1f}" for value in done.latency_ms),
                      f"{done.drawn:,}/{done.trades:,}",
                      f"{done.dropped:,}/{done.frames:,}", str(done.long_tasks))
    console.print(table)
    console.print(
        "medians of the runs: load "
        f"{statistics.median(statistics.median(f.loads_ms) for f in figures):,.0f} ms, trade to "
        f"screen p50 {statistics.median(f.latency_ms[0] for f in figures):,.1f} ms, p99 "
        f"{statistics.median(f.latency_ms[1] for f in figures):,.1f} ms, frames dropped "
        f"{statistics.median(f.dropped / max(f.frames, 1) for f in figures):.1%}")
