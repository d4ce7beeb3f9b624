"""The comparison of two rulebooks as a reader sees it: what changed, first, and why.

It prints the JSON report of `siamex.scenario.compare.report`, so the text and `--json` can never
disagree. A changed row is marked `*` as well as highlighted, so the mark survives a pipe.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from siamex.scenario.compare import COUNTED

__all__ = ["outcome_text", "print_comparison"]

_GROUP_LABELS = {"rejects": "rejects", "engine_cancels": "engine cancels", "halts": "halts",
                 "board_trades": "trades", "board_volume": "volume"}
_CHANGED = "bold yellow"


def _number(value: int | str | None, signed: bool = False) -> str:
    """Group thousands of a count or of a decimal string, keeping its sign and its satang."""
    if value is None:
        return "-"
    text = str(value)
    negative = text.startswith("-")
    whole, dot, frac = text.lstrip("-").partition(".")
    grouped = f"{int(whole):,}{dot}{frac}"
    if negative:
        return f"-{grouped}"
    return f"+{grouped}" if signed and grouped.strip("0.,") else grouped


def _rows(entry: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    yield from entry["figures"].items()
    for group in COUNTED:
        for code, row in entry[group].items():
            yield f"{_GROUP_LABELS[group]} {code}", row


def _table(title: str, entry: Mapping[str, Any]) -> Table:
    table = Table(title=Text(title), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("")
    table.add_column("figure", no_wrap=True)
    for name in ("A", "B", "B - A"):
        table.add_column(name, justify="right", no_wrap=True)
    for name, row in _rows(entry):
        changed = row["a"] != row["b"]
        table.add_row("*" if changed else "", Text(name), _number(row["a"]), _number(row["b"]),
                      _number(row["diff"], signed=True), style=_CHANGED if changed else None)
    return table


def outcome_text(outcome: Mapping[str, Any]) -> str:
    """Say in a few words what became of an order: accepted, filled, cancelled, rejected."""
    parts: list[str] = []
    if outcome["accepted"]:
        parts.append("accepted")
    if outcome["amended"]:
        times = outcome["amended"]
        parts.append("amended" if times == 1 else f"amended x{times}")
    if outcome["accepted"] or outcome["filled"]:
        parts.append(f"filled {outcome['filled']:,}")
    parts += [f"cancelled {'by member' if reason == 'member' else reason}"
              for reason in outcome["cancels"]]
    if outcome["rejects"]:
        parts.append(f"rejected {', '.join(outcome['rejects'])}")
    return ", ".join(parts) or "no event"


def _orders(report: Mapping[str, Any], console: Console) -> None:
    orders = report["orders"]
    shown = orders["shown"]
    if not orders["differ"]:
        console.print("no order's outcome differs")
        return
    title = f"orders whose outcome differs: {orders['differ']:,}"
    if not shown:
        console.print(f"{title} (none listed)")
        return
    which = "all shown" if len(shown) == orders["differ"] else f"the first {len(shown)} shown"
    title = f"{title} ({which})"
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    several_days = len(report["days"]) > 1
    if several_days:
        table.add_column("date", no_wrap=True)
    for name in ("order", "symbol", "A", "B"):
        table.add_column(name, no_wrap=name in ("order", "symbol"))
    for entry in shown:
        cells = [entry["id"] or "(no id)", entry["symbol"] or "-", outcome_text(entry["a"]),
                 outcome_text(entry["b"])]
        dates = [entry["date"]] if several_days else []
        table.add_row(*(Text(cell) for cell in dates + cells))
    console.print(table)


def print_comparison(report: Mapping[str, Any], console: Console) -> None:
    """Print what changed before what did not, and end with the orders that explain it.

    Each day: its changed securities in full, the unchanged ones in one line, the market total;
    then the first orders whose outcome differs.
    """
    for line in (f"siamex compare {report['scenario']}", f"  A: {report['a']['label']}",
                 f"  B: {report['b']['label']}"):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    console.print()
    for day in report["days"]:
        securities = day["securities"]
        changed = [symbol for symbol, entry in securities.items() if entry["differs"]]
        console.print(f"SET trading day {day['date']}: {len(changed)} of {len(securities)} "
                      f"securities differ", highlight=False)
        for symbol in changed:
            console.print(_table(symbol, securities[symbol]))
        same = [symbol for symbol in securities if symbol not in changed]
        if same:
            console.print(f"same under both rulebooks: {', '.join(same)}", markup=False,
                          highlight=False)
            console.print()
        console.print(_table("market total", day["market"]))
    _orders(report, console)
