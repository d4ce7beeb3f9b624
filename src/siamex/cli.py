"""The `siamex` command line: thin option parsing over library calls (STYLE.md, practice 7).

Every command reports a bad input as `error[CODE]: sentence` on standard error and exits 2.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from siamex.clearing.foundations.parameters import CLEARING_PARAMETERS, ClearingRules
from siamex.clearing.foundations.reference import clearing_markdown_reference
from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.journal.files import load_state, rebuild, write_state
from siamex.measures.day_run import measured_journal, rebuild_measured, scenario_host
from siamex.measures.depository import Depository, load_depository
from siamex.rulebook.overrides import read_rules, rule_overrides
from siamex.rulebook.reference import (
    markdown_reference,
    plain_reference,
    plain_table,
    written_default,
)
from siamex.runtime import without_gc_pauses
from siamex.scenario.compare import Rules, compare_scenario, report, side_label
from siamex.scenario.compare_report import print_comparison
from siamex.scenario.loader import load_scenario
from siamex.scenario.replay import replay_scenario
from siamex.scenario.summary import print_summary
from siamex.trading.engine import Engine
from siamex.trading.snapshot import state_hash
from siamex.units import (
    InvalidValue,
    format_price,
    format_time_of_day,
    parse_date,
    parse_price,
    parse_time_of_day,
)

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])
_KEY_HELP = ("A file holding the exchange's investor key, for a depository file that names "
             "investors by national id.")


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
@click.option("--depository", type=click.Path(path_type=Path),
              help="The first day's holdings per account (docs/check-before-sell.md): the "
                   "engine checks sells against them.")
@click.option("--investor-key", type=click.Path(path_type=Path), help=_KEY_HELP)
@_guarded
def replay(scenario: Path, summary: bool, output: Path | None, rules_files: tuple[Path, ...],
           pairs: tuple[str, ...], journal: Path | None, state_in: Path | None,
           save_state: Path | None, depository: Path | None,
           investor_key: Path | None) -> None:
    """Replay a scenario file and print every engine event as JSON Lines."""
    plan = load_scenario(scenario, rule_overrides(rules_files, pairs))
    holdings = _depository(depository, investor_key)
    engine = load_state(state_in) if state_in else Engine()
    host = scenario_host(plan, holdings, engine)
    with without_gc_pauses():
        days = replay_scenario(plan, host, journal=journal, output=output, summary=summary,
                               stdout=sys.stdout.buffer)
    if summary:
        console = Console()
        print_summary(days, console if console.is_terminal else Console(width=100))
    if save_state is not None:
        write_state(engine, save_state)


def _depository(path: Path | None, key_file: Path | None) -> Depository | None:
    """Read `--depository`, with the key `--investor-key` names (a file's bytes, so that the
    key never shows on a command line)."""
    if path is None:
        return None
    return load_depository(path, read_input(key_file) if key_file else None)


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
@click.option("--depository", type=click.Path(path_type=Path),
              help="The first day's holdings per account, for both sides "
                   "(docs/check-before-sell.md).")
@click.option("--investor-key", type=click.Path(path_type=Path), help=_KEY_HELP)
@_guarded
def compare(scenario: Path, a_files: tuple[Path, ...], a_pairs: tuple[str, ...],
            b_files: tuple[Path, ...], b_pairs: tuple[str, ...], shown_orders: int,
            as_json: bool, depository: Path | None, investor_key: Path | None) -> None:
    """Run a scenario under rulebooks A and B and show what changed, per security and order."""
    a = Rules(side_label(a_files, a_pairs), rule_overrides(a_files, a_pairs))
    b = Rules(side_label(b_files, b_pairs), rule_overrides(b_files, b_pairs))
    holdings = _depository(depository, investor_key)
    with without_gc_pauses():
        result = report(compare_scenario(scenario, a, b,
                                         lambda plan: scenario_host(plan, holdings)),
                        shown_orders)
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
@click.option("--depository", type=click.Path(path_type=Path),
              help="The holdings the journaled run opened with (its `replay --depository`): "
                   "the commands meet the measures again.")
@click.option("--investor-key", type=click.Path(path_type=Path), help=_KEY_HELP)
@_guarded
def journal_replay(path: Path, snapshot: Path | None, depository: Path | None,
                   investor_key: Path | None) -> None:
    """Rebuild the engine from a journal (a torn last block is dropped); print its state hash."""
    holdings = _depository(depository, investor_key)
    if holdings is None and not measured_journal(path):
        engine, last = rebuild(path, snapshot)
    elif snapshot is not None:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, (
            "a snapshot holds the engine, not the measures' holdings and screening: replay the "
            "whole journal"))
    else:
        engine, last = rebuild_measured(path, holdings)
    click.echo(json.dumps({"last_seq": last, "state_hash": state_hash(engine)}))


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--depository", type=click.Path(path_type=Path),
              help="A depository file: who the investors behind the accounts are (and the "
                   "holdings check-before-sell needs).")
@click.option("--investor-key", type=click.Path(path_type=Path), help=_KEY_HELP)
@click.option("--set", "pairs", multiple=True, metavar="NAME=VALUE",
              help="Override an alert rule's parameter, or the trading rulebook's (e.g. "
                   "order_screening=true); may be repeated.")
@click.option("--json", "as_json", is_flag=True, help="Print the alerts as one JSON object.")
@_guarded
def surveil(scenario: Path, depository: Path | None, investor_key: Path | None,
            pairs: tuple[str, ...], as_json: bool) -> None:
    """Run a scenario behind the order screening and print the surveillance alerts of its flow
    (push, layering, wash, close, split) with their evidence."""
    from siamex.measures.alert_report import print_report, surveillance_report
    from siamex.measures.surveillance import split_overrides, surveil_scenario
    from siamex.rulebook.surveillance import SurveillanceRules

    trading, alerting = split_overrides(rule_overrides((), pairs))
    rules = read_rules(SurveillanceRules, alerting)
    plan = load_scenario(scenario, trading)
    found = _depository(depository, investor_key)
    with without_gc_pauses():
        result = surveillance_report(surveil_scenario(plan, found, rules))
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    console = Console()
    print_report(result, console if console.is_terminal else Console(width=120), str(scenario))


@main.command()
@click.option("--markdown", is_flag=True, help="Print the reference as Markdown.")
@click.option("--clearing", is_flag=True, help="The clearing house's parameters instead.")
def rulebook(markdown: bool, clearing: bool) -> None:
    """List every rulebook parameter with its default and source."""
    if markdown:
        click.echo(clearing_markdown_reference() if clearing else markdown_reference(), nl=False)
    elif clearing:
        click.echo(plain_table(CLEARING_PARAMETERS, written_default), nl=False)
    else:
        click.echo(plain_reference(), nl=False)


@main.group()
def measures() -> None:
    """The 2024 measures' reports: short positions, fines, flagged investors, NVDR holders."""


def _write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"cannot write {path}: {exc.strerror}"
                          ) from None


def _print_rows(title: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Print report rows as a table, or say there are none."""
    console = Console()
    console = console if console.is_terminal else Console(width=160)
    if not rows:
        console.print(f"{title}: none", markup=False, highlight=False)
        return
    table = Table(title=title, title_justify="left")
    for name in columns:
        table.add_column(name.replace("_", " "), overflow="fold")
    for row in rows:
        table.add_row(*("-" if row[name] is None else str(row[name]).lower()
                        if isinstance(row[name], bool) else str(row[name])
                        for name in columns))
    console.print(table)


@measures.command("shorts")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--depository", type=click.Path(path_type=Path),
              help="A depository file: the investors behind the accounts (and the holdings "
                   "check-before-sell needs).")
@click.option("--investor-key", type=click.Path(path_type=Path), help=_KEY_HELP)
@click.option("--rules", "rules_files", multiple=True, type=click.Path(path_type=Path),
              help="A TOML file of rulebook overrides; may be repeated.")
@click.option("--set", "pairs", multiple=True, metavar="NAME=VALUE",
              help="Override one rulebook parameter; may be repeated.")
@click.option("--state", "state_in", type=click.Path(path_type=Path),
              help="Start from the short positions an earlier day's --save-state wrote.")
@click.option("--save-state", type=click.Path(path_type=Path),
              help="Save the short positions at the end, for the next day's --state.")
@click.option("--csv", "csv_out", type=click.Path(path_type=Path),
              help="Also write the report to this file: CSV, or JSON if the name ends in .json.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_guarded
def measures_shorts(scenario: Path, depository: Path | None, investor_key: Path | None,
                    rules_files: tuple[Path, ...], pairs: tuple[str, ...],
                    state_in: Path | None, save_state: Path | None, csv_out: Path | None,
                    as_json: bool) -> None:
    """Run a scenario and print each day's outstanding short position report."""
    from siamex.measures.day_run import measured_handler
    from siamex.measures.short_positions import (
        ShortPositions,
        load_short_positions,
        report_scenario,
        write_short_positions,
    )
    from siamex.measures.short_report import COLUMNS, write_short_report

    plan = load_scenario(scenario, rule_overrides(rules_files, pairs))
    handle, investor_of = measured_handler(plan, _depository(depository, investor_key))
    positions = (load_short_positions(state_in, investor_of) if state_in is not None
                 else ShortPositions(investor_of))
    with without_gc_pauses():
        rows = report_scenario(plan, positions, handle)
    if csv_out is not None:
        write_short_report(rows, csv_out)
    if save_state is not None:
        write_short_positions(positions, save_state)
    shown = [row.as_json() for row in rows]
    if as_json:
        click.echo(json.dumps(shown, indent=2))
    else:
        _print_rows("outstanding short positions", COLUMNS, shown)


@measures.command("fines")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--depository", type=click.Path(path_type=Path),
              help="A depository file: the holdings check-before-sell needs, and the investors "
                   "screening compares.")
@click.option("--investor-key", type=click.Path(path_type=Path), help=_KEY_HELP)
@click.option("--fines", "fines_file", type=click.Path(path_type=Path),
              help="A base fines table (TOML) replacing the bundled one.")
@click.option("--rules", "rules_files", multiple=True, type=click.Path(path_type=Path),
              help="A TOML file of rulebook overrides; may be repeated.")
@click.option("--set", "pairs", multiple=True, metavar="NAME=VALUE",
              help="Override one rulebook parameter; may be repeated.")
@click.option("--csv", "csv_out", type=click.Path(path_type=Path),
              help="Also write the fines to this CSV file.")
@click.option("--json", "as_json", is_flag=True, help="Print the fines as JSON.")
@_guarded
def measures_fines(scenario: Path, depository: Path | None, investor_key: Path | None,
                   fines_file: Path | None, rules_files: tuple[Path, ...],
                   pairs: tuple[str, ...], csv_out: Path | None, as_json: bool) -> None:
    """Run a scenario and fine each member's short-sale and program-trading breaches."""
    from siamex.measures.day_run import measured_handler
    from siamex.measures.fines import FINE_COLUMNS, fine_scenario, fines_csv
    from siamex.rulebook.measure_fines import default_measure_fines, load_measure_fines

    table = load_measure_fines(fines_file) if fines_file is not None else default_measure_fines()
    plan = load_scenario(scenario, rule_overrides(rules_files, pairs))
    handle, _ = measured_handler(plan, _depository(depository, investor_key))
    with without_gc_pauses():
        days = fine_scenario(plan, handle, table)
    if csv_out is not None:
        _write_text(csv_out, fines_csv(days))
    if as_json:
        click.echo(json.dumps([{"date": date, "fines": [row.as_json() for row in rows]}
                               for date, rows in days], indent=2))
    else:
        _print_rows("fines", FINE_COLUMNS, [{"date": date, **row.as_json()}
                                            for date, rows in days for row in rows])


@measures.command("flagged")
@click.option("--alerts", "alert_files", multiple=True, required=True,
              type=click.Path(path_type=Path),
              help="An alerts file (`siamex surveil --json`, or an array of alerts with "
                   "investor, rule and date); may be repeated.")
@click.option("--date", "on", required=True, metavar="YYYY-MM-DD",
              help="The day the list is for.")
@click.option("--member", help="The member receiving the list: it also sees its own accounts "
                               "linked to no investor.")
@click.option("--rules", "rules_files", multiple=True, type=click.Path(path_type=Path),
              help="A TOML file of rulebook overrides; may be repeated.")
@click.option("--set", "pairs", multiple=True, metavar="NAME=VALUE",
              help="Override one rulebook parameter (flagged_investor_days); may be repeated.")
@click.option("--csv", "csv_out", type=click.Path(path_type=Path),
              help="Also write the list to this CSV file.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@_guarded
def measures_flagged(alert_files: tuple[Path, ...], on: str, member: str | None,
                     rules_files: tuple[Path, ...], pairs: tuple[str, ...],
                     csv_out: Path | None, as_json: bool) -> None:
    """Print the flagged-investor list members receive for a day."""
    from siamex.measures.flagged import (
        FLAGGED_COLUMNS,
        flagged_csv,
        flagged_list,
        load_flag_records,
    )
    from siamex.rulebook.parameters import Rulebook

    rules = read_rules(Rulebook, rule_overrides(rules_files, pairs))
    day = _run_date(on)
    records = [record for path in alert_files for record in load_flag_records(path)]
    entries = flagged_list(records, day, rules.flagged_investor_days, member)
    if csv_out is not None:
        _write_text(csv_out, flagged_csv(entries))
    shown = [entry.as_json() for entry in entries]
    if as_json:
        click.echo(json.dumps(shown, indent=2))
    else:
        _print_rows(f"flagged investors on {day.isoformat()}", FLAGGED_COLUMNS, shown)


@measures.command("nvdr")
@click.option("--depository", required=True, type=click.Path(path_type=Path),
              help="A depository file: the NVDR holdings (symbols ending -R) and investors.")
@click.option("--investor-key", type=click.Path(path_type=Path), help=_KEY_HELP)
@click.option("--listed", "listed_from", required=True, type=click.Path(path_type=Path),
              help="A scenario whose instruments give the listed shares (its day of the "
                   "depository's date, else its last day).")
@click.option("--rules", "rules_files", multiple=True, type=click.Path(path_type=Path),
              help="A TOML file of rulebook overrides; may be repeated.")
@click.option("--set", "pairs", multiple=True, metavar="NAME=VALUE",
              help="Override one rulebook parameter (nvdr_disclosure_top, "
                   "nvdr_disclosure_pct); may be repeated.")
@click.option("--csv", "csv_out", type=click.Path(path_type=Path),
              help="Also write the disclosure to this CSV file.")
@click.option("--json", "as_json", is_flag=True, help="Print the disclosure as JSON.")
@_guarded
def measures_nvdr(depository: Path, investor_key: Path | None, listed_from: Path,
                  rules_files: tuple[Path, ...], pairs: tuple[str, ...], csv_out: Path | None,
                  as_json: bool) -> None:
    """Print the NVDR disclosure: each security's top NVDR holders and those over 0.5%."""
    from siamex.measures.nvdr import NVDR_COLUMNS, disclose_depository, nvdr_csv

    holdings = _depository(depository, investor_key)
    assert holdings is not None
    plan = load_scenario(listed_from, rule_overrides(rules_files, pairs))
    disclosed = disclose_depository(holdings, plan)
    if csv_out is not None:
        _write_text(csv_out, nvdr_csv(disclosed))
    if as_json:
        click.echo(json.dumps([item.as_json() for item in disclosed], indent=2))
    else:
        _print_rows("NVDR holders", NVDR_COLUMNS, [
            {"symbol": item.symbol, "listed_shares": item.listed_shares,
             "nvdr_shares": item.nvdr_shares, **holder.as_json()}
            for item in disclosed for holder in item.holders])


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
    from siamex.bench.runs import run_engine

    run_engine(Console(), securities=securities, commands=commands, runs=runs, seed=seed,
               controls=controls, deep=deep)


@bench.command("measures")
@click.option("--securities", default=400, show_default=True, help="Securities in the day.")
@click.option("--commands", default=300_000, show_default=True, help="Commands in the day.")
@click.option("--runs", default=5, show_default=True, help="Runs per setting (medians).")
@click.option("--seed", default=1, show_default=True, help="Workload seed.")
def bench_measures(securities: int, commands: int, runs: int, seed: int) -> None:
    """Measure the time per command of the engine alone and with check-before-sell and the
    order screening, on the same day in one process."""
    from siamex.bench.runs import run_measures

    run_measures(Console(), securities=securities, commands=commands, runs=runs, seed=seed)


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
    from siamex.bench.runs import run_gateway

    run_gateway(Console(width=120), sessions=_counts(session_counts), rate=rate,
                seconds=seconds, runs=runs)


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
    from siamex.bench.runs import run_feed

    run_feed(Console(width=100), subscribers=_counts(subscriber_counts), rate=rate,
             seconds=seconds, runs=runs, websocket=websocket)


@bench.command("console")
@click.option("--securities", default=100, show_default=True, type=click.IntRange(1, 999),
              help="Securities on the market watch, all trading.")
@click.option("--rate", default=100, show_default=True, type=click.IntRange(1, 10_000),
              help="Trades per second over the whole market.")
@click.option("--seconds", default=20.0, show_default=True, help="Length of the measured window.")
@click.option("--loads", default=5, show_default=True, help="Page loads timed per run.")
@click.option("--runs", default=3, show_default=True, help="Runs (medians).")
@click.option("--chromium", default="/usr/bin/chromium", show_default=True,
              help="The Chromium to drive (Debian's package).")
def bench_console(securities: int, rate: int, seconds: float, loads: int, runs: int,
                  chromium: str) -> None:
    """The web console's market watch in headless Chromium while the market trades: page load,
    trade-to-screen latency and dropped frames (needs the test dependencies: python3 -m uv run
    --no-editable --group test siamex bench console)."""
    from siamex.bench.runs import run_console

    try:
        import playwright  # noqa: F401  (the test group's; asked for before anything starts)
    except ImportError:
        raise SiamexError(ErrorCode.NO_BROWSER, (
            "siamex bench console drives a browser with Playwright, a test dependency: run it "
            "as python3 -m uv run --no-editable --group test siamex bench console")) from None
    if not Path(chromium).exists():
        raise SiamexError(ErrorCode.NO_BROWSER,
                          f"no Chromium at {chromium}: apt-get install chromium, or --chromium")
    run_console(Console(width=120), securities=securities, rate=rate, seconds=seconds,
                loads=loads, runs=runs, chromium=chromium)


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
    from siamex.bench.runs import run_clearing

    run_clearing(Console(), trades=trades, members=members, securities=securities, runs=runs,
                 seed=seed, settle_trades=settle_trades, settle_store=settle_store)


@bench.command("margin")
@click.option("--portfolios", default=1_000_000, show_default=True,
              help="Portfolios margined (about 3 positions each).")
@click.option("--runs", default=5, show_default=True, help="Runs per measurement (medians).")
@click.option("--seed", default=1, show_default=True, help="Seed of the generated run.")
@_guarded
def bench_margin(portfolios: int, runs: int, seed: int) -> None:
    """Measure TCH's clearing-level margin of many portfolios over the 16 scenarios."""
    from siamex.bench.margin import margin_benchmark, print_figures

    if min(portfolios, runs) < 1:
        raise SiamexError(ErrorCode.INVALID_PARAMETER,
                          "--portfolios and --runs must be at least 1")
    print_figures(margin_benchmark(portfolios, runs, seed), click.echo)


@bench.command("derivatives")
@click.option("--trades", default=1_000_000, show_default=True, help="Trades in the day.")
@click.option("--accounts", default=100_000, show_default=True, help="Accounts trading.")
@click.option("--series", default=60, show_default=True, help="Series traded.")
@click.option("--runs", default=5, show_default=True, help="Runs per measurement (medians).")
@click.option("--seed", default=1, show_default=True, help="Seed of the generated day.")
@_guarded
def bench_derivatives(trades: int, accounts: int, series: int, runs: int, seed: int) -> None:
    """Measure a derivatives day's positions, netting, variation margin and premium."""
    from siamex.bench.derivatives import derivatives_benchmark, print_figures

    if min(trades, accounts, series, runs) < 1:
        raise SiamexError(ErrorCode.INVALID_PARAMETER,
                          "--trades, --accounts, --series and --runs must be at least 1")
    print_figures(derivatives_benchmark(trades, accounts, series, runs, seed), click.echo)


@bench.command("rates")
@click.option("--series", default=1_000, show_default=True, help="Price series calibrated.")
@click.option("--days", default=2_500, show_default=True,
              help="Daily prices per series (2,500: ten years).")
@click.option("--runs", default=5, show_default=True, help="Runs per measurement (medians).")
@click.option("--seed", default=1, show_default=True, help="Seed of the generated prices.")
@_guarded
def bench_rates(series: int, days: int, runs: int, seed: int) -> None:
    """Measure margin-rate calibration vectorised over series: EWMA volatility, the historical
    loss quantile, and each series' rate and margin."""
    from siamex.bench.rates import MIN_DAYS, print_figures, rates_benchmark

    if min(series, runs) < 1 or days < MIN_DAYS:
        raise SiamexError(ErrorCode.INVALID_PARAMETER,
                          f"--series and --runs must be at least 1, --days at least {MIN_DAYS}")
    print_figures(rates_benchmark(series, days, runs, seed), click.echo)


@bench.command("surveil")
@click.option("--days", default=5, show_default=True, help="Generated days (seeds in a row).")
@click.option("--seed", default=1, show_default=True, help="Seed of the first day.")
@click.option("--orders", default=20_000, show_default=True, help="Orders in a day.")
@_guarded
def bench_surveil(days: int, seed: int, orders: int) -> None:
    """Measure the alert rules' false alerts per 1,000 orders on clean generated days, the
    patterns planted in them they find, the time to surveil a day and the order screening's
    cost per command."""
    from siamex.bench.surveil import print_figures, surveil_benchmark

    if min(days, orders) < 1:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, "--days and --orders must be at least 1")
    print_figures(surveil_benchmark(days, seed, orders), click.echo)


def _counts(text: str) -> tuple[int, ...]:
    """Read a comma-separated list of counts (`--sessions 1,10,50`)."""
    return tuple(int(n) for n in text.split(","))


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
    from siamex.clearing.day.files import DayFiles, clear_files
    from siamex.clearing.reports.member_report import print_report, report_json, write_csv

    _one_form(as_json, csv_dir)
    on = None if run_date is None else _run_date(run_date)
    rules = read_rules(ClearingRules, rule_overrides(rules_files, pairs))
    files = DayFiles(members_file, trades_file, holdings_file, instructions_file)
    result = clear_files(files, store, on, rules)
    _emit(as_json, csv_dir, lambda: report_json(result), lambda folder: write_csv(result, folder),
          lambda console: print_report(result, console))


def _one_form(as_json: bool, csv_dir: Path | None) -> None:
    if as_json and csv_dir is not None:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, "give --json or --csv-dir, not both")


def _emit(as_json: bool, csv_dir: Path | None, as_object: Callable[[], object],
          as_files: Callable[[Path], list[Path]], printed: Callable[[Console], None]) -> None:
    """Give a clearing report in the form asked for: JSON, CSV files, or printed tables."""
    if as_json:
        click.echo(json.dumps(as_object(), indent=2))
    elif csv_dir is not None:
        for path in as_files(csv_dir):
            click.echo(str(path))
    else:
        console = Console()
        printed(console if console.is_terminal else Console(width=140))


@main.group()
def derivatives() -> None:
    """TFEX derivatives: products, series and the clearing day."""


@derivatives.command("products")
@click.option("--products", "products_file", type=click.Path(path_type=Path),
              help="A product file (TOML) in place of the bundled one.")
@_guarded
def derivatives_products(products_file: Path | None) -> None:
    """List the products: multiplier, tick, limit, sessions, expiry and settlement rules."""
    from siamex.rulebook.products import DEFAULT_PRODUCTS, load_products

    products = DEFAULT_PRODUCTS if products_file is None else load_products(products_file)
    table = Table("code", "root", "kind", "underlying", "multiplier", "tick", "limit %",
                  "sessions", "final settlement", "foreign")
    for p in products.values():
        sessions = ", ".join(f"{x.name.value} {format_time_of_day(x.open)[:5]}-"
                             f"{format_time_of_day(x.close % (24 * 3_600_000_000))[:5]}"
                             for x in p.sessions)
        table.add_row(p.code, p.root, p.kind.value, p.underlying, str(p.multiplier),
                      format_price(p.tick), str(p.price_limit_pct), sessions,
                      p.final_settlement.value, "yes" if p.foreign_underlying else "")
    Console(width=160).print(table)


@derivatives.command("series")
@click.option("--date", "day", required=True, metavar="YYYY-MM-DD", help="The listing date.")
@click.option("--underlying", "prices", multiple=True, metavar="NAME=PRICE",
              help="An underlying's price, to centre option strikes (SET50=948.30); may be "
                   "repeated.")
@click.option("--products", "products_file", type=click.Path(path_type=Path),
              help="A product file (TOML) in place of the bundled one.")
@_guarded
def derivatives_series(day: str, prices: tuple[str, ...], products_file: Path | None) -> None:
    """List the series listed on a date, generated from the products' expiry rules (options
    only for the underlyings given a price)."""
    from siamex.rulebook.calendar import OutsideCalendar
    from siamex.rulebook.products import DEFAULT_PRODUCTS, load_products
    from siamex.rulebook.series import series_list

    products = DEFAULT_PRODUCTS if products_file is None else load_products(products_file)
    underlying: dict[str, int] = {}
    for pair in prices:
        name, _, text = pair.partition("=")
        try:
            underlying[name] = parse_price(text)
        except InvalidValue as exc:
            raise SiamexError(ErrorCode.INVALID_PARAMETER, f"--underlying {pair}: {exc}"
                              ) from None
    try:
        listed = series_list(products, _run_date(day), underlying, skip_unpriced=True)
    except OutsideCalendar as exc:
        raise SiamexError(ErrorCode.NOT_TRADING_DAY, str(exc)) from None
    for series in listed.series:
        click.echo(f"{series.symbol}\t{series.product}\t{series.kind.value}\t"
                   f"{series.last_trading_day}")


@derivatives.command("rates")
@click.option("--history", "history_file", required=True, type=click.Path(path_type=Path),
              help="The daily price history (CSV date,product,price; docs/margin-rates.md).")
@click.option("--on", "on_text", metavar="YYYY-MM-DD",
              help="The day reviewed and checked, a date of the history (default: its last).")
@click.option("--lambda", "decay", default="0.94", show_default=True,
              help="The EWMA decay factor (0.97 is the other common choice).")
@click.option("--confidence", default="0.99", show_default=True,
              help="The one-tailed confidence of the volatility bound and the loss quantile.")
@click.option("--horizon", default=1, show_default=True, type=int,
              help="The liquidation period h in days.")
@click.option("--z", "z_text", help="z in place of the normal quantile of the confidence.")
@click.option("--rounding-unit", default="100", show_default=True,
              help="The margin per contract is rounded up to this many THB.")
@click.option("--too-high-factor", default="2", show_default=True,
              help="A rate in force above this many times the model's is flagged too_high.")
@click.option("--rates-in-force", "in_force_file", type=click.Path(path_type=Path),
              help="The rates in force (CSV with product and rate_pct columns, e.g. an earlier "
                   "--csv output); default: those of the last monthly review before the day.")
@click.option("--products", "products_file", type=click.Path(path_type=Path),
              help="A product file (TOML) in place of the bundled one.")
@click.option("--json", "as_json", is_flag=True, help="Print the review as one JSON object.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the rate table as CSV.")
@_guarded
def derivatives_rates(history_file: Path, on_text: str | None, decay: str, confidence: str,
                      horizon: int, z_text: str | None, rounding_unit: str,
                      too_high_factor: str, in_force_file: Path | None,
                      products_file: Path | None, as_json: bool, as_csv: bool) -> None:
    """Set margin rates from a price history by EWMA volatility and the historical loss
    floor, and check the rates in force (the monthly review and the daily check)."""
    from siamex.clearing.derivatives.price_history import read_price_history
    from siamex.clearing.derivatives.rates import (
        print_review,
        rate_model,
        read_rates_in_force,
        review_csv,
        review_json,
        review_rates,
    )
    from siamex.rulebook.products import DEFAULT_PRODUCTS, load_products

    if as_json and as_csv:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, "give --json or --csv, not both")
    try:
        on = None if on_text is None else parse_date(on_text)
    except InvalidValue as exc:
        raise SiamexError(ErrorCode.INVALID_PARAMETER, f"--on: {exc}") from None
    model = rate_model(decay, confidence, horizon, z_text, rounding_unit, too_high_factor)
    products = DEFAULT_PRODUCTS if products_file is None else load_products(products_file)
    history = read_price_history(history_file, products)
    in_force = (None if in_force_file is None
                else (str(in_force_file), read_rates_in_force(in_force_file)))
    review = review_rates(history, products, on, model, in_force)
    if as_json:
        click.echo(json.dumps(review_json(review), indent=2))
    elif as_csv:
        click.echo(review_csv(review), nl=False)
    else:
        console = Console()
        print_review(review, console if console.is_terminal else Console(width=160))


@derivatives.command("contribution")
@click.option("--fund", "fund_file", required=True, type=click.Path(path_type=Path),
              help="The month's fund file (JSON; docs/derivatives-margin-levels.md).")
@click.option("--store", required=True,
              help="The derivatives clearing store whose days of the month are assessed: a "
                   "SQLite file or a postgresql:// URL.")
@click.option("--json", "as_json", is_flag=True, help="Print the assessment as JSON.")
@click.option("--csv-dir", type=click.Path(path_type=Path),
              help="Write the assessment as members.csv into this folder.")
@_guarded
def derivatives_contribution(fund_file: Path, store: str, as_json: bool,
                             csv_dir: Path | None) -> None:
    """Assess each member's monthly derivatives clearing fund contribution from its
    end-of-day margin requirements and volumes of the month in the store."""
    from siamex.clearing.derivatives.fund_activity import month_activity
    from siamex.clearing.derivatives.fund_contribution import (
        assess_fund,
        load_fund_file,
        month_business_days,
    )
    from siamex.clearing.derivatives.fund_report import fund_json, print_fund, write_fund_csv
    from siamex.clearing.foundations.store_open import open_store

    _one_form(as_json, csv_dir)
    if "://" not in store and not Path(store).is_file():  # a typo must not assess nothing
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"{store}: no such clearing store")
    terms = load_fund_file(fund_file)
    days = month_business_days(terms.month)
    with open_store(store) as ledger:
        assessed = assess_fund(terms, month_activity(ledger, terms.month), days)
    _emit(as_json, csv_dir, lambda: fund_json(terms.month, len(days), assessed),
          lambda folder: write_fund_csv(assessed, folder),
          lambda console: print_fund(terms.month, len(days), assessed, console))


@derivatives.command("run")
@click.option("--accounts", "accounts_file", required=True, type=click.Path(path_type=Path),
              help="The derivatives account file (docs/derivatives.md).")
@click.option("--trades", "trade_files", required=True, multiple=True,
              type=click.Path(path_type=Path),
              help="The day's trades: a CSV trade file, or a `siamex replay` output of a TFEX "
                   "scenario (named .jsonl), whose trades of other dates are left out; may be "
                   "repeated, the trades merged.")
@click.option("--instructions", "instructions_file", type=click.Path(path_type=Path),
              help="The day's instructions (JSON): prices, final settlement inputs, changes, "
                   "approvals.")
@click.option("--products", "products_file", type=click.Path(path_type=Path),
              help="A product file (TOML) in place of the bundled one.")
@click.option("--series", "series_file", type=click.Path(path_type=Path),
              help="A series file (JSON): the series listed, in place of the products' rules.")
@click.option("--margin", "margin_file", type=click.Path(path_type=Path),
              help="A margin parameter table (TOML) in place of the bundled one (docs/margin.md).")
@click.option("--foreign-calendars", "calendars_file", type=click.Path(path_type=Path),
              help="The foreign markets' calendars (TOML) for super margin, in place of the "
                   "bundled ones.")
@click.option("--collateral-terms", "collateral_file", type=click.Path(path_type=Path),
              help="The TFEX collateral rules (TOML: haircuts, windows) in place of the "
                   "bundled ones.")
@click.option("--store",
              help="The ledger that carries positions between days: a SQLite file, a "
                   "postgresql:// URL, or :memory:. Without it the run keeps nothing.")
@click.option("--date", "run_date", metavar="YYYY-MM-DD",
              help="The clearing date (default: the instructions', else the trades').")
@click.option("--rules", "rules_files", multiple=True, type=click.Path(path_type=Path),
              help="A TOML file of clearing-rule overrides; may be repeated.")
@click.option("--set", "pairs", multiple=True, metavar="NAME=VALUE",
              help="Override one clearing parameter; may be repeated.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--csv-dir", type=click.Path(path_type=Path),
              help="Write the report as CSV files, one per table, into this folder.")
@_guarded
def derivatives_run(accounts_file: Path, trade_files: tuple[Path, ...],
                    instructions_file: Path | None, products_file: Path | None,
                    series_file: Path | None, margin_file: Path | None,
                    calendars_file: Path | None, collateral_file: Path | None,
                    store: str | None, run_date: str | None,
                    rules_files: tuple[Path, ...], pairs: tuple[str, ...], as_json: bool,
                    csv_dir: Path | None) -> None:
    """Clear a derivatives day: book the trades, answer the changes, mark to market, settle
    expiring series, and report per member and account."""
    from siamex.clearing.derivatives.files import (
        DerivativesFiles,
        clear_loaded,
        load_derivative_files,
    )
    from siamex.clearing.derivatives.report import print_report, report_json, write_csv

    _one_form(as_json, csv_dir)
    on = None if run_date is None else _run_date(run_date)
    rules = read_rules(ClearingRules, rule_overrides(rules_files, pairs))
    files = DerivativesFiles(accounts_file, trade_files, instructions_file, products_file,
                             series_file, margin_file, calendars_file, collateral_file)
    loaded = load_derivative_files(files, on, rules)
    day = clear_loaded(loaded, store)
    other = loaded.other_date_trades

    def as_object() -> dict[str, Any]:
        report = report_json(day)
        head = {key: report.pop(key) for key in ("date", "settles", "trade_count")}
        return {**head, "other_date_trades": other, **report}

    def printed(console: Console) -> None:
        print_report(day, console)
        if other:
            console.print(f"{other} trade(s) clear on another date: left out")

    _emit(as_json, csv_dir, as_object, lambda folder: write_csv(day, folder), printed)


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
@click.option("--market", type=click.Choice(["set", "tfex"]),
              help="The market: set (equities) or tfex (derivatives: the bundled TFEX sample "
                   "universe unless --universe names one, which must be of that market).")
@click.option("--speed", type=click.IntRange(1, 86_400),
              help="Run the session schedule this many times faster than the wall clock.")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Run this date's schedule.")
@click.option("--start", metavar="HH:MM", help="... from this Bangkok time of day.")
@click.option("--fix-port", type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--http-port", type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--feed-port", type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--depository", type=click.Path(path_type=Path),
              help="Open the investors' holdings of this file (docs/check-before-sell.md) "
                   "before the first trading day, for check-before-sell and the measures.")
@click.option("--demo", is_flag=True,
              help="Add synthetic participants trading over FIX on an accelerated clock "
                   "(default speed 20, from 09:55 of the next trading day; docs/demo.md).")
@_guarded
def serve(folder: Path | None, config_file: Path | None, init_file: Path | None,
          universe: Path | None, market: str | None, speed: int | None, day: str | None,
          start: str | None, fix_port: int | None, http_port: int | None,
          feed_port: int | None, depository: Path | None, demo: bool) -> None:
    """Run the exchange as a service: FIX 4.4 order entry and the web API, pre-trade risk,
    market data, the drop copy and the day's clearing, on the real session schedule
    (docs/serve.md)."""
    import contextlib
    import dataclasses

    from siamex.demo.clock import demo_clock
    from siamex.demo.config import DEMO_CONFIG
    from siamex.gateway.config import SAMPLE, load_config, parse_config
    from siamex.gateway.universe import bundled_universe, check_market, universe_market
    from siamex.server import ServeOptions
    from siamex.server import serve as run_server

    tfex_universe = universe is not None and universe_market(universe) == "tfex"
    if demo and (market == "tfex" or tfex_universe):
        raise SiamexError(ErrorCode.INVALID_PARAMETER, (
            "--demo trades the SET sample's securities; its participants do not trade TFEX "
            "series yet (run --market tfex without --demo)"))
    if market is not None and universe is not None:
        check_market(universe, market)
    if init_file is not None:
        if init_file.exists():
            raise SiamexError(ErrorCode.CONFIG_FILE, f"{init_file} exists; not overwritten")
        init_file.write_text(SAMPLE, encoding="utf-8")
        click.echo(f"wrote {init_file}; start with: siamex serve --config {init_file}")
        return
    config = load_config(config_file) if config_file else parse_config(
        DEMO_CONFIG if demo else SAMPLE)
    if demo:
        config = demo_clock(config, 20, day, start)
    changes: dict[str, Any] = {}
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
    with contextlib.ExitStack() as stack:
        if market == "tfex" and universe is None:
            universe = stack.enter_context(bundled_universe(market))
        run_server(dataclasses.replace(config, **changes),
                   ServeOptions(data, universe, demo=demo, depository=depository))


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

    from siamex.demo.clock import demo_clock
    from siamex.demo.config import DEMO_CONFIG
    from siamex.gateway.config import parse_config
    from siamex.server import ServeOptions
    from siamex.server import serve as run_server

    first = _run_date(day).isoformat() if day is not None else None
    config = demo_clock(dataclasses.replace(parse_config(DEMO_CONFIG), fix_port=0, http_port=0,
                                            feed_port=0), speed, first, None)
    with tempfile.TemporaryDirectory(prefix="siamex-demo-") as temporary:
        run_server(config, ServeOptions(folder or Path(temporary), demo=True, days=days))


@main.group()
def certify() -> None:
    """Certify a member's order-routing system: the exchange's test script run against it,
    judged from every FIX message, with a signed report (docs/certify.md)."""


@certify.command("run")
@click.option("--mode", type=click.Choice(["automatic", "interactive"]), default="interactive",
              show_default=True,
              help="interactive: the terminal tells the operator each step; automatic: the "
                   "member's harness reads each step from /v1/certify/step.")
@click.option("--script", "script_file", type=click.Path(path_type=Path),
              help="The script (default: the bundled SET order-routing script).")
@click.option("--data", "folder", type=click.Path(path_type=Path), default=Path("certify-data"),
              show_default=True, help="A new data folder for the test market.")
@click.option("--key", "key_file", type=click.Path(path_type=Path),
              help="The signing key (default: certify.key in the data folder, made if missing; "
                   "give the exchange's to have serve's registry accept the report).")
@click.option("--report-dir", type=click.Path(path_type=Path),
              help="Where report.json and report.html go (default: the data folder).")
@click.option("--fix-port", default=0, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--http-port", default=0, type=click.IntRange(0, 65535),
              help="0 picks a free port.")
@click.option("--feed-port", default=0, type=click.IntRange(0, 65535),
              help="0 picks a free port.")
@_guarded
def certify_run(mode: str, script_file: Path | None, folder: Path, key_file: Path | None,
                report_dir: Path | None, fix_port: int, http_port: int, feed_port: int) -> None:
    """Start the test market, walk the script with the member's system, write the signed
    report; exit 1 when a case failed."""
    from siamex.certify.command import CertifyOptions
    from siamex.certify.command import certify as run_certification
    from siamex.certify.script import bundled_script, load_script

    loaded = load_script(script_file) if script_file is not None else bundled_script()
    options = CertifyOptions(folder, key_file or folder / "certify.key",
                             "automatic" if mode == "automatic" else "interactive",
                             report_dir or folder, fix_port, http_port, feed_port)
    sys.exit(run_certification(loaded, options))


@certify.command("verify")
@click.argument("report", type=click.Path(path_type=Path))
@click.option("--key", "key_file", type=click.Path(path_type=Path), required=True,
              help="The key the report was signed with.")
@_guarded
def certify_verify(report: Path, key_file: Path) -> None:
    """Check a report's signature: an edit after signing is detected (exit 2)."""
    from siamex.certify.report import verify_report
    from siamex.gateway.report_signature import certify_key

    found = verify_report(report, certify_key(key_file, create=False))
    if not found.ok:
        raise SiamexError(ErrorCode.CERTIFY_REPORT, f"{report}: {found.why}")
    click.echo(f"{report}: signature good; {found.summary}")


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
    from siamex.feed.follow import follow, print_best_prices

    print_best_prices(follow(address, seconds, sequence), address, Console(width=100))


if __name__ == "__main__":
    main()
