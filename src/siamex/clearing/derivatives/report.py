"""A derivatives clearing day's report per member and account: positions, trades, changes,
variation margin, premium, final settlement and cash; the margin requirement by component,
the calls, and the collateral requests answered (withdrawals, deposits, exchanges).

Why one set of tables underlies every form: the JSON object, the CSV files and the readable
summary are cut from the same rows (`tables`), so they cannot disagree. Money leaves the
integer world only here, as decimal THB strings; prices as decimal text in the product's
price unit; contracts stay integers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from siamex.clearing.foundations.files import write_tables
from siamex.clearing.foundations.money import format_baht
from siamex.clearing.foundations.state import DerivativesDay
from siamex.units import format_hhmm, format_price

__all__ = ["TABLES", "print_report", "report_json", "tables", "write_csv"]

Row = dict[str, str | int | bool | None]

TABLES: dict[str, tuple[str, ...]] = {
    "positions": ("member", "account", "series", "long", "short", "net", "bought", "sold",
                  "vm_carry", "vm_new", "premium", "final", "cash"),
    "cash": ("member", "intraday", "intraday_settles", "eod", "eod_settles"),
    "prices": ("series", "price", "basis", "previous"),
    "changes": ("kind", "ref", "accepted", "code", "message"),
    "breaches": ("member", "account", "series", "net", "limit"),
    "pending": ("member", "account", "approval"),
    "trades": ("member", "account", "trade_id", "series", "side", "qty", "price", "flag"),
    "margin": ("run", "member", "portfolio", "accounts", "scan", "intermonth", "delivery",
               "nov", "somc", "icsc_credit", "concentration", "super_margin", "uncovered",
               "unsettled_mtm", "total"),
    "calls": ("run", "member", "requirement", "collateral", "excess", "call", "due", "met"),
    "collateral": ("member", "ref", "op", "at", "accepted", "credited", "code", "message"),
}
_COMPONENTS = TABLES["margin"][4:]


def tables(day: DerivativesDay) -> dict[str, list[Row]]:
    """Every table of the day, rows in a stable order."""
    return {
        "positions": [{
            "member": r.member, "account": r.account, "series": r.series, "long": r.long,
            "short": r.short, "net": r.long - r.short, "bought": r.bought, "sold": r.sold,
            "vm_carry": format_baht(r.vm_carry), "vm_new": format_baht(r.vm_new),
            "premium": format_baht(r.premium), "final": format_baht(r.final),
            "cash": format_baht(r.vm_carry + r.vm_new + r.premium + r.final)}
            for r in day.rows],
        "cash": [{"member": c.member, "intraday": format_baht(c.intraday),
                  "intraday_settles": f"{day.date} {format_hhmm(day.intraday_time)}",
                  "eod": format_baht(c.eod),
                  "eod_settles": f"{day.settles} {format_hhmm(day.eod_time)}"}
                 for c in day.cash],
        "prices": [{"series": p.series, "price": format_price(p.price), "basis": p.basis,
                    "previous": None if p.previous is None else format_price(p.previous)}
                   for p in day.prices],
        "changes": [{"kind": c.kind, "ref": c.ref, "accepted": c.accepted, "code": c.code,
                     "message": c.message} for c in day.changes],
        "breaches": [{"member": b.member, "account": b.account, "series": b.series,
                      "net": b.net, "limit": b.limit} for b in day.breaches],
        "pending": [{"member": p.member, "account": p.account, "approval": p.approval}
                    for p in day.pending],
        "trades": [{"member": t.member, "account": t.account, "trade_id": t.trade_id,
                    "series": t.series, "side": t.side, "qty": t.qty,
                    "price": format_price(t.price), "flag": t.flag} for t in day.booked],
        "margin": [{"run": run.run, "member": r.member, "portfolio": r.portfolio,
                    "accounts": " ".join(r.accounts),
                    **{k: format_baht(getattr(r, k)) for k in _COMPONENTS}}
                   for run in day.margin for r in run.rows],
        "calls": [{"run": run.run, "member": c.member, "requirement": format_baht(c.requirement),
                   "collateral": format_baht(c.collateral),
                   "excess": format_baht(max(0, c.collateral - c.requirement)),
                   "call": format_baht(c.call), "due": f"{c.due} {format_hhmm(c.due_time)}",
                   "met": c.met} for run in day.margin for c in run.calls],
        "collateral": [{"member": a.member, "ref": a.ref, "op": a.op, "at": format_hhmm(a.at),
                        "accepted": a.accepted,
                        "credited": None if a.credited is None else format_hhmm(a.credited),
                        "code": a.code, "message": a.message} for a in day.collateral],
    }


def report_json(day: DerivativesDay) -> dict[str, Any]:
    """The report as one JSON-ready object: the day, then its tables."""
    return {"date": str(day.date), "settles": str(day.settles), "trade_count": day.trades,
            "expired": day.expired,
            "super_margin": {run.run: run.super_products for run in day.margin},
            **tables(day)}


def write_csv(day: DerivativesDay, folder: Path) -> list[Path]:
    """Write one CSV file per table into `folder` (made if missing); return their paths."""
    return write_tables(folder, tables(day), TABLES)


_PRINTED = 500  # rows of a table on a screen; a busy day's tables are for files

_TITLES = {"positions": "positions and cash by account and series (THB, + received)",
           "cash": "cash by member (THB, + received)", "prices": "settlement prices",
           "changes": "post-trade changes and match-outs", "breaches": "position limits passed",
           "pending": "configurations waiting for TCH's approval",
           "trades": "the day's trades by side, as booked at the day's end",
           "margin": "TCH margin requirement by portfolio and component (THB)",
           "calls": "margin calls by member and run (THB; collateral after haircut)",
           "collateral": "collateral requests and their answers"}


def print_report(day: DerivativesDay, console: Console) -> None:
    """Print the day readably, one table per kind of row."""
    console.print(f"[bold]Derivatives clearing {day.date}[/bold]: {day.trades} trade(s); "
                  f"end-of-day cash settles {day.settles} {format_hhmm(day.eod_time)}")
    if day.expired:
        console.print(f"expired today: {', '.join(day.expired)}")
    for run in day.margin:
        if run.super_products:
            console.print(f"super margin in the {run.run} run: {', '.join(run.super_products)}")
    for name, rows in tables(day).items():
        if rows:
            table = Table(*TABLES[name], title=_TITLES[name])
            for row in rows[:_PRINTED]:
                table.add_row(*("" if row[k] is None else str(row[k]) for k in TABLES[name]))
            console.print(table)
            if len(rows) > _PRINTED:
                console.print(f"... and {len(rows) - _PRINTED:,} more {name} rows: --json or "
                              "--csv-dir gives them all")
