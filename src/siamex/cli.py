"""The `siamex` command line: thin option parsing over library calls (STYLE.md, practice 7).

Every command reports a bad input as `error[CODE]: sentence` on standard error and exits 2.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import click
import msgspec
from rich.console import Console
from rich.table import Table

from siamex.clearing.foundations.parameters import ClearingRules
from siamex.clearing.foundations.reference import clearing_markdown_reference
from siamex.errors import ErrorCode, SiamexError
from siamex.journal.log import CorruptJournal, JournalWriter
from siamex.journal.replay import replay as replay_journal
from siamex.rulebook.parameters import PARAMETERS
from siamex.rulebook.reference import (
    markdown_reference,
    written_default,
)
from siamex.runtime import without_gc_pauses
from siamex.scenario.compare import Rules, compare_scenario, report, side_label
from siamex.scenario.compare_report import print_comparison
from siamex.scenario.loader import Scenario, load_scenario
from siamex.scenario.output import event_line
from siamex.scenario.runner import open_journal, run_scenario
from siamex.scenario.summary import DaySummary, print_summary, summarize
from siamex.trading.engine import Engine
from siamex.trading.events import Event
from siamex.trading.snapshot import dump, load, state_hash
from siamex.units import (
    InvalidValue,
    date_of,
    format_price,
    parse_date,
    parse_time_of_day,
    shown,
)

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])
_INTEGER = re.compile(r"^-?[0-9]{1,30}\Z")  # longer digit strings stay text, refused by range


def _guarded(func: F) -> F:
    """Turn a SiamexError into its one-line message and exit status 2."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SiamexError as exc:
            click.echo(str(exc), err=True)
            sys.exit(2)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper  # type: ignore[return-value]


def _set_value(text: str) -> Any:
    if _INTEGER.match(text):
        return int(text)
    if text.startswith("["):
        try:
            return json.loads(text, parse_float=str)
        except (ValueError, RecursionError):  # not JSON, a number too long, nested too deeply
            raise SiamexError(ErrorCode.INVALID_PARAMETER, f"{shown(text)} is not a JSON list"
                              ) from None
    return text


def rule_overrides(files: tuple[Path, ...], pairs: tuple[str, ...]) -> dict[str, Any]:
    """Merge rulebook overrides from TOML files, then `name=value` pairs (later wins)."""
    overrides: dict[str, Any] = {}
    for path in files:
        try:
            with path.open("rb") as handle:
                overrides.update(tomllib.load(handle, parse_float=str))
        except OSError as exc:
            raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"cannot read {path}: {exc.strerror}"
                              ) from None
        except ValueError as exc:  # not TOML, not UTF-8, or a number too long to read
            raise SiamexError(ErrorCode.INVALID_PARAMETER, f"{path}: not TOML: {exc}") from None
        except RecursionError:
            raise SiamexError(ErrorCode.INVALID_PARAMETER, f"{path}: not TOML: nested too deeply"
                              ) from None
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SiamexError(ErrorCode.INVALID_PARAMETER, f"--set wants name=value, got {pair!r}")
        overrides[name.strip()] = _set_value(value.strip())
    return overrides


def _load_state(path: Path) -> Engine:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"cannot read {path}: {exc.strerror}"
                          ) from None
    with _state_file(path):
        return load(data)


@contextmanager
def _state_file(path: Path) -> Iterator[None]:
    """Refuse a state or snapshot file that is not one written by siamex: restoring reads it
    as the engine wrote it, so a file that is not fails wherever it first differs."""
    try:
        yield
    except RecursionError:
        raise SiamexError(ErrorCode.STATE_FILE, f"{path} is not a siamex state file: nested "
                          "too deeply") from None
    except (msgspec.DecodeError, ValueError, LookupError, TypeError, AttributeError,
            OverflowError) as exc:
        raise SiamexError(ErrorCode.STATE_FILE,
                          f"{path} is not a siamex state file: {str(exc)[:200]}") from None


def _write_lines(events: Iterator[Event], out: BinaryIO) -> Iterator[Event]:
    for seq, event in enumerate(events, 1):
        out.write(event_line(seq, event))
        out.write(b"\n")
        yield event


@click.group()
@click.version_option(package_name="siamex")
def main() -> None:
    """siamex: the SET equity trading engine and Thai clearing, rule-faithful, in Python."""


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--summary", is_flag=True, help="Print a readable summary instead of the events.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the JSON lines to this file (default: standard output).")
@click.option("--rules", "rules_files", multiple=True, type=click.Path(path_type=Path),
              help="A TOML file of rulebook overrides; may be repeated.")
@click.option("--set", "pairs", multiple=True, metavar="NAME=VALUE",
              help="Override one rulebook parameter; may be repeated.")
@click.option("--journal", type=click.Path(path_type=Path),
              help="Journal every command to this file (group commit, fsync); a journal "
                   "an interrupted run of this scenario left is resumed.")
@click.option("--state", "state_in", type=click.Path(path_type=Path),
              help="Start from a state file saved by an earlier day's --save-state.")
@click.option("--save-state", type=click.Path(path_type=Path),
              help="Save the engine's state at the end (GTC/GTD orders and closes carry).")
@_guarded
def replay(scenario: Path, summary: bool, output: Path | None, rules_files: tuple[Path, ...],
           pairs: tuple[str, ...], journal: Path | None, state_in: Path | None,
           save_state: Path | None) -> None:
    """Replay a scenario file and print every engine event as JSON Lines."""
    plan = load_scenario(scenario, rule_overrides(rules_files, pairs))
    engine = _load_state(state_in) if state_in else Engine()
    writer = open_journal(journal, plan) if journal else None
    with without_gc_pauses():
        days = _replay(plan, engine, writer, output, summary)
    if summary:
        console = Console()
        print_summary(days, console if console.is_terminal else Console(width=100))
    if save_state is not None:
        save_state.write_bytes(dump(engine))


def _replay(plan: Scenario, engine: Engine, writer: JournalWriter | None, output: Path | None,
            summary: bool) -> list[DaySummary]:
    """Run the scenario, writing its lines where asked; return its summary (if wanted)."""
    days: list[DaySummary] = []
    try:
        events: Iterator[Event] = run_scenario(plan, engine, writer)
        if output is not None:
            with output.open("wb") as handle:
                days = summarize(_write_lines(events, handle))
        elif summary:
            days = summarize(events)
        else:
            stdout = sys.stdout.buffer
            for _ in _write_lines(events, stdout):
                pass
            stdout.flush()
    finally:
        if writer is not None:
            writer.close()
    return days


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--a-rules", "--rules-a", "a_files", multiple=True, type=click.Path(path_type=Path),
              help="A TOML file of rulebook overrides for side A; may be repeated.")
@click.option("--a-set", "--set-a", "a_pairs", multiple=True, metavar="NAME=VALUE",
              help="Override one rulebook parameter on side A; may be repeated.")
@click.option("--b-rules", "--rules-b", "b_files", multiple=True, type=click.Path(path_type=Path),
              help="A TOML file of rulebook overrides for side B; may be repeated.")
@click.option("--b-set", "--set-b", "b_pairs", multiple=True, metavar="NAME=VALUE",
              help="Override one rulebook parameter on side B; may be repeated.")
@click.option("--orders", "shown_orders", default=20, show_default=True,
              type=click.IntRange(min=0), help="How many orders whose outcome differs to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@_guarded
def compare(scenario: Path, a_files: tuple[Path, ...], a_pairs: tuple[str, ...],
            b_files: tuple[Path, ...], b_pairs: tuple[str, ...], shown_orders: int,
            as_json: bool) -> None:
    """Run a scenario under rulebooks A and B and show what changed, per security and order."""
    a = Rules(side_label(a_files, a_pairs), rule_overrides(a_files, a_pairs))
    b = Rules(side_label(b_files, b_pairs), rule_overrides(b_files, b_pairs))
    with without_gc_pauses():
        result = report(compare_scenario(scenario, a, b), shown_orders)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    console = Console()
    print_comparison(result, console if console.is_terminal else Console(width=100))


@main.group()
def journal() -> None:
    """Work with command journals."""


@journal.command("replay")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--snapshot", type=click.Path(path_type=Path),
              help="Start from this snapshot and replay only the records after it.")
@_guarded
def journal_replay(path: Path, snapshot: Path | None) -> None:
    """Rebuild the engine from a journal (a torn last block is dropped); print its state hash."""
    if not path.exists():
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"no journal at {path}")
    if snapshot is not None and not snapshot.exists():
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"no snapshot at {snapshot}")
    try:
        with _state_file(snapshot) if snapshot else nullcontext():
            engine, last = replay_journal(path, snapshot)
    except CorruptJournal as exc:
        raise SiamexError(exc.code, f"{path}: {exc}") from None
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"cannot read {exc.filename}: {exc.strerror}"
                          ) from None
    click.echo(json.dumps({"last_seq": last, "state_hash": state_hash(engine)}))


@main.command()
@click.option("--markdown", is_flag=True, help="Print the reference as Markdown.")
@click.option("--clearing", is_flag=True, help="The clearing house's parameters instead.")
def rulebook(markdown: bool, clearing: bool) -> None:
    """List every rulebook parameter with its default and source."""
    from siamex.clearing.foundations.parameters import CLEARING_PARAMETERS

    if markdown:
        click.echo(clearing_markdown_reference() if clearing else markdown_reference(), nl=False)
        return
    for param in CLEARING_PARAMETERS if clearing else PARAMETERS:
        shown = written_default(param) if clearing else param.show(param.value(param.default))
        click.echo(f"{param.name} = {shown}  [{param.unit}] {param.meaning}")


@main.group()
def bench() -> None:
    """Benchmarks (figures are printed, never asserted)."""


@bench.command("engine")
@click.option("--securities", type=int, default=None,
              help="Securities in the day.  [default: 400; 20 with --deep]")
@click.option("--commands", default=1_000_000, show_default=True, help="Commands in the day.")
@click.option("--runs", default=5, show_default=True, help="Runs per measurement (medians).")
@click.option("--seed", default=1, show_default=True, help="Workload seed.")
@click.option("--controls", type=click.Choice(["on", "off", "both"]), default="both",
              show_default=True,
              help="Market-integrity controls on, off, or both side by side with the slowdown.")
@click.option("--deep", is_flag=True,
              help="A deep day: 20 securities (unless --securities says otherwise) whose books "
                   "hold thousands of resting orders a side.")
def bench_engine(securities: int | None, commands: int, runs: int, seed: int, controls: str,
                 deep: bool) -> None:
    """Measure engine commands/s, latency per command and journal replay speed, and the engine
    against a bare CPython book over the same commands."""
    from siamex.bench.engine import CONTROLS, against_bare, measure
    from siamex.bench.report import print_baseline, print_controls_slowdown, print_engine_figures
    from siamex.bench.workload import generate

    console = Console()
    settings = CONTROLS if controls == "both" else (controls,)
    if securities is None:
        securities = 20 if deep else 400
    with console.status("generating the workload"):
        workload = generate(securities, commands, seed, deep=deep)
    with console.status(f"measuring ({runs} runs, controls {controls})"):
        figures = measure(workload, runs, settings)
    print_engine_figures(workload, figures, console)
    if controls == "both":
        print_controls_slowdown(figures["on"], figures["off"], console)
    with console.status(f"measuring the engine against the bare book ({runs} runs each)"):
        baseline = against_bare(workload, runs)
    print_baseline(baseline, console)


@bench.command("gateway")
@click.option("--sessions", "session_counts", default="1,10,50", show_default=True,
              help="FIX session counts to measure, comma separated.")
@click.option("--rate", default=20_000, show_default=True,
              help="Orders per second offered in the throughput run (all sessions together).")
@click.option("--seconds", default=5.0, show_default=True, help="Length of each run.")
@click.option("--runs", default=3, show_default=True, help="Runs per measurement (medians).")
def bench_gateway(session_counts: str, rate: int, seconds: float, runs: int) -> None:
    """Load `siamex serve` over loopback FIX with an open-loop generator: orders acknowledged
    per second, and latency p50/p99/p99.9 at the offered rate and at half of it; first, the
    FIX session layer's own time per order, the floor under every other figure."""
    from siamex.bench.fix_layer import fix_layer_us
    from siamex.bench.gateway import measure_gateway, median_figures

    console = Console(width=120)
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
    for sessions in (int(n) for n in session_counts.split(",")):
        for offered in (rate, rate // 2):
            with console.status(f"{sessions} sessions at {offered:,} orders/s ({runs} runs)"):
                figures = median_figures([measure_gateway(sessions, offered, seconds)
                                          for _ in range(runs)])
            table.add_row(str(sessions), f"{offered:,}", f"{figures.acked_per_s:,.0f}",
                          f"{figures.p50_us:,.0f}", f"{figures.p99_us:,.0f}",
                          f"{figures.p999_us:,.0f}", f"{figures.engine_share:.0%}")
    console.print(table)


@bench.command("feed")
@click.option("--subscribers", "subscriber_counts", default="1,100", show_default=True,
              help="Feed consumer counts to measure, comma separated.")
@click.option("--rate", default=1_000, show_default=True,
              help="Resting orders per second offered over one FIX session.")
@click.option("--seconds", default=4.0, show_default=True, help="Length of each run.")
@click.option("--runs", default=3, show_default=True, help="Runs per measurement (medians).")
@click.option("--websocket", is_flag=True,
              help="Follow the browsers' WebSocket JSON feed instead of the binary one.")
def bench_feed(subscriber_counts: str, rate: int, seconds: float, runs: int,
               websocket: bool) -> None:
    """Follow `siamex serve`'s feed with N consumers while orders arrive over FIX: feed
    messages per second a consumer receives, and order-to-feed latency p50/p99/p99.9."""
    from siamex.bench.feed import measure_feed, median_feed

    console = Console(width=100)
    kind = "WebSocket market data" if websocket else "market-data feed"
    table = Table(title=f"siamex serve's {kind} over loopback (medians)")
    for column in ("subscribers", "orders/s", "messages/s", "p50 µs", "p99 µs", "p99.9 µs"):
        table.add_column(column, justify="right")
    for subscribers in (int(n) for n in subscriber_counts.split(",")):
        with console.status(f"{subscribers} subscribers at {rate:,} orders/s ({runs} runs)"):
            figures = median_feed([measure_feed(subscribers, rate, seconds,
                                                websocket=websocket) for _ in range(runs)])
        table.add_row(str(subscribers), f"{rate:,}", f"{figures.messages_per_s:,.0f}",
                      f"{figures.p50_us:,.0f}", f"{figures.p99_us:,.0f}",
                      f"{figures.p999_us:,.0f}")
    console.print(table)


@bench.command("clearing")
@click.option("--trades", default=5_000_000, show_default=True, help="Trades in the day.")
@click.option("--members", default=50, show_default=True, help="Clearing members.")
@click.option("--securities", default=800, show_default=True, help="Securities traded.")
@click.option("--runs", default=3, show_default=True, help="Runs per measurement (medians).")
@click.option("--seed", default=1, show_default=True, help="Seed of the generated day.")
@click.option("--settle-trades", type=int, default=None,
              help="Settle (once) a separate day of this many trades instead of the measured "
                   "day; 0: settle nothing.  [default: the measured day]")
@click.option("--settle-store", default=":memory:", show_default=True,
              help="The ledger the day settles in: :memory:, sqlite (a temporary file) or the "
                   "postgresql:// URL of an empty throwaway database.")
@_guarded
def bench_clearing(trades: int, members: int, securities: int, runs: int, seed: int,
                   settle_trades: int | None, settle_store: str) -> None:
    """Measure loading, novating and netting a generated day of trades, and settling one."""
    import tempfile

    from siamex.bench.clearing import (
        bench_registry,
        measure,
        measure_settlement,
        print_clearing_figures,
        write_day,
    )
    from siamex.clearing.foundations.store_open import open_store

    console = Console()
    registry = bench_registry(members)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trades.csv"
        with console.status(f"writing {trades:,} trades"):
            write_day(path, trades, securities, registry, seed)
        with console.status(f"measuring ({runs} runs)"):
            figures = measure(path, registry, securities, runs)
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



def _clearing_rules(overrides: dict[str, Any]) -> ClearingRules:
    from siamex.clearing.foundations.parameters import ClearingRules
    from siamex.rulebook.parameters import UnknownParameter

    try:
        return ClearingRules(overrides)
    except UnknownParameter as exc:
        raise SiamexError(ErrorCode.UNKNOWN_PARAMETER, str(exc.args[0])) from None
    except InvalidValue as exc:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, str(exc)) from None


def _run_date(text: str) -> dt.date:
    try:
        return parse_date(text)
    except InvalidValue as exc:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, f"--date: {exc}") from None


@main.group()
def clearing() -> None:
    """Clear and settle trades at TCH."""


@clearing.command("run")
@click.option("--members", "members_file", required=True, type=click.Path(path_type=Path),
              help="The member file (docs/clearing.md).")
@click.option("--trades", "trades_file", required=True, type=click.Path(path_type=Path),
              help="The trade file: .csv, .json, or .jsonl from `siamex replay`.")
@click.option("--holdings", "holdings_file", required=True, type=click.Path(path_type=Path),
              help="The opening holdings (JSON), issued once per store.")
@click.option("--store",
              help="The ledger that carries state between days: a SQLite file, a "
                   "postgresql:// URL, or :memory:. Without it the run uses a fresh store "
                   "in memory and keeps nothing.")
@click.option("--date", "run_date", metavar="YYYY-MM-DD",
              help="The run's date (default: the trades' settlement date, T+2).")
@click.option("--rules", "rules_files", multiple=True, type=click.Path(path_type=Path),
              help="A TOML file of clearing-rule overrides; may be repeated.")
@click.option("--set", "pairs", multiple=True, metavar="NAME=VALUE",
              help="Override one clearing parameter (siamex rulebook --clearing); may be "
                   "repeated.")
@click.option("--instructions", "instructions_file", type=click.Path(path_type=Path),
              help="The day's instructions and market data (JSON): corrections, collateral, "
                   "lending and buy-in offers, fund, prices. With it the risk measures and "
                   "the 11:00 call run.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--csv-dir", type=click.Path(path_type=Path),
              help="Write the report as CSV files, one per table, into this folder.")
@_guarded
def clearing_run(members_file: Path, trades_file: Path, holdings_file: Path,
                 store: str | None, run_date: str | None, rules_files: tuple[Path, ...],
                 pairs: tuple[str, ...], instructions_file: Path | None, as_json: bool,
                 csv_dir: Path | None) -> None:
    """Clear a day: novate and net a trade file, run the fund and risk-collateral steps,
    settle what is due, remedy the fails, and report per member."""
    from siamex.clearing.day.instructions import load_instructions
    from siamex.clearing.day.run import clear_day
    from siamex.clearing.equities import read_trades
    from siamex.clearing.equities.holdings import load_holdings
    from siamex.clearing.foundations.members import load_registry
    from siamex.clearing.foundations.store_open import open_store
    from siamex.clearing.reports.member_report import print_report, report_json, write_csv

    if as_json and csv_dir is not None:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, "give --json or --csv-dir, not both")
    on = None if run_date is None else _run_date(run_date)
    rules = _clearing_rules(rule_overrides(rules_files, pairs))
    registry = load_registry(members_file, rules)
    batch = read_trades(trades_file, registry, rules=rules)
    holdings = load_holdings(holdings_file, registry, rules)
    instructions = (None if instructions_file is None
                    else load_instructions(instructions_file, registry))
    # decision 80: never a file the run did not name, which an unrelated run may have left
    with open_store(":memory:" if store is None else store) as ledger:
        result = clear_day(registry, batch, holdings, ledger, on, rules, instructions)
    if as_json:
        click.echo(json.dumps(report_json(result), indent=2))
    elif csv_dir is not None:
        for path in write_csv(result, csv_dir):
            click.echo(str(path))
    else:
        console = Console()
        print_report(result, console if console.is_terminal else Console(width=120))


@main.command()
@click.option("--data", "folder", type=click.Path(path_type=Path),
              help="The data folder: journal, audit trail, FIX stores, drop copy, clearing "
                   "(default siamex-data; siamex-demo with --demo). A folder with a journal "
                   "resumes where it stopped.")
@click.option("--config", "config_file", type=click.Path(path_type=Path),
              help="The TOML configuration (default: the embedded sample, as --init writes).")
@click.option("--init", "init_file", type=click.Path(path_type=Path), is_flag=False,
              flag_value="siamex.toml", default=None,
              help="Write the sample configuration to this file (siamex.toml) and stop.")
@click.option("--universe", type=click.Path(path_type=Path),
              help="The securities, as a scenario file's day (default: the bundled sample).")
@click.option("--speed", type=click.IntRange(1, 86_400),
              help="Run the session schedule this many times faster than the wall clock.")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Run this date's schedule.")
@click.option("--start", metavar="HH:MM", help="... from this Bangkok time of day.")
@click.option("--fix-port", type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--http-port", type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--feed-port", type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--demo", is_flag=True,
              help="Add synthetic participants trading over FIX on an accelerated clock "
                   "(default speed 20, from 09:55 of the next trading day; docs/demo.md).")
@_guarded
def serve(folder: Path | None, config_file: Path | None, init_file: Path | None,
          universe: Path | None, speed: int | None, day: str | None, start: str | None,
          fix_port: int | None, http_port: int | None, feed_port: int | None,
          demo: bool) -> None:
    """Run the exchange as a service: FIX 4.4 order entry and the web API, pre-trade risk,
    market data, the drop copy and the day's clearing, on the real session schedule
    (docs/serve.md)."""
    import dataclasses

    from siamex.demo.config import DEMO_CONFIG
    from siamex.gateway.config import SAMPLE, load_config, parse_config
    from siamex.server import ServeOptions
    from siamex.server import serve as run_server

    if init_file is not None:
        if init_file.exists():
            raise SiamexError(ErrorCode.CONFIG_FILE, f"{init_file} exists; not overwritten")
        init_file.write_text(SAMPLE, encoding="utf-8")
        click.echo(f"wrote {init_file}; start with: siamex serve --config {init_file}")
        return
    config = load_config(config_file) if config_file else parse_config(
        DEMO_CONFIG if demo else SAMPLE)
    changes: dict[str, Any] = _demo_clock(20, day, start) if demo else {}
    if speed is not None:
        changes["speed"] = speed
    if day is not None:
        changes["date"] = _run_date(day).isoformat()
    if start is not None:
        try:
            changes["start"] = parse_time_of_day(start)
        except InvalidValue as exc:
            raise SiamexError(ErrorCode.INVALID_PARAMETER, f"--start: {exc}") from None
    if fix_port is not None:
        changes["fix_port"] = fix_port
    if http_port is not None:
        changes["http_port"] = http_port
    if feed_port is not None:
        changes["feed_port"] = feed_port
    data = folder or Path("siamex-demo" if demo else "siamex-data")
    run_server(dataclasses.replace(config, **changes), ServeOptions(data, universe, demo=demo))


def _demo_clock(speed: int, day: str | None, start: str | None) -> dict[str, Any]:
    """The demo's clock: accelerated, from 09:55 of today or the next trading day."""
    from siamex.gateway.clock import bangkok_now_ns
    from siamex.rulebook.calendar import is_trading_day, next_trading_day

    today = date_of(bangkok_now_ns() // 1000)
    first = today if is_trading_day(today) else next_trading_day(today)
    return {"speed": speed, "date": day or first.isoformat(),
            "start": parse_time_of_day(start or "09:55")}


@main.command()
@click.option("--days", default=3, show_default=True, type=click.IntRange(1, 20),
              help="Trading days to run; the two business days after the last settle it.")
@click.option("--speed", default=600, show_default=True, type=click.IntRange(1, 86_400),
              help="How many times faster than the wall clock the market runs.")
@click.option("--date", "day", metavar="YYYY-MM-DD",
              help="The first trading day (default: today or the next trading day).")
@click.option("--data", "folder", type=click.Path(path_type=Path),
              help="Keep the data folder here (default: a temporary one, removed after).")
@_guarded
def demo(days: int, speed: int, day: str | None, folder: Path | None) -> None:
    """Run whole market days end to end: synthetic participants trade over FIX, the drop copy
    goes to the clearing house, each day is cleared and settled on T+2; one line per day
    (docs/demo.md)."""
    import dataclasses
    import tempfile

    from siamex.demo.config import DEMO_CONFIG
    from siamex.gateway.config import parse_config
    from siamex.server import ServeOptions
    from siamex.server import serve as run_server

    first = _run_date(day).isoformat() if day is not None else None
    config = dataclasses.replace(parse_config(DEMO_CONFIG), fix_port=0, http_port=0,
                                 feed_port=0, **_demo_clock(speed, first, None))
    with tempfile.TemporaryDirectory(prefix="siamex-demo-") as temporary:
        run_server(config, ServeOptions(folder or Path(temporary), demo=True, days=days))


@main.command()
@click.argument("address", metavar="HOST:PORT")
@click.option("--seconds", default=5.0, show_default=True,
              help="How long to follow the feed before printing the books.")
@click.option("--from", "sequence", default=0, show_default=True, type=click.IntRange(0),
              help="0: a snapshot, then the messages after it; n: every message from number n.")
@_guarded
def feed(address: str, seconds: float, sequence: int) -> None:
    """Follow `siamex serve`'s market-data feed, rebuild every book from it, and print each
    security's best bid and offer (docs/itch.md)."""
    from siamex.feed.client import FeedClient, FeedClientError

    host, _, port_text = address.rpartition(":")
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, f"{address!r} is not HOST:PORT")
    try:
        client = FeedClient(host, int(port_text), sequence)
        try:
            client.poll(seconds)
        finally:
            client.close()
    except (OSError, FeedClientError) as exc:
        raise SiamexError(ErrorCode.FEED_CONNECTION, f"{address}: {exc}") from None
    table = Table(title=f"siamex feed {address}: {client.received:,} messages")
    for column in ("security", "bid shares", "bid", "offer", "offer shares"):
        table.add_column(column, justify="left" if column == "security" else "right")
    for locate, symbol in sorted(client.book.symbols.items(), key=lambda item: item[1]):
        bids, offers = client.book.depth(locate, "B", 1), client.book.depth(locate, "S", 1)
        table.add_row(symbol, f"{bids[0][1]:,}" if bids else "",
                      format_price(bids[0][0]) if bids else "",
                      format_price(offers[0][0]) if offers else "",
                      f"{offers[0][1]:,}" if offers else "")
    Console(width=100).print(table)


if __name__ == "__main__":
    main()
