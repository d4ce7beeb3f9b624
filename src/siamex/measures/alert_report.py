"""The alerts of `siamex surveil` as a report: a JSON object (`--json`), and the text a reader
sees, printed from that same object so the two never disagree.

Prices are decimal strings in THB and times "HH:MM:SS.ffffff", as in the scenario output. The
JSON's `alerts` entries carry `rule`, `investor` and `date`, which the flagged-investor list
reads (siamex.measures.flagged).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from siamex.measures.alerts import Alert, OrderEvidence, TradeEvidence
from siamex.measures.surveillance import Screened, Surveillance
from siamex.rulebook.surveillance import ALERT_RULES
from siamex.units import format_price, format_time_of_day

__all__ = ["print_report", "surveillance_report"]


def _price(value: int | None) -> str | None:
    return None if value is None else format_price(value)


def _time(value: int | None) -> str | None:
    return None if value is None else format_time_of_day(value)


def _order(order: OrderEvidence) -> dict[str, Any]:
    return {"id": order.id, "member": order.member, "account": order.account,
            "side": order.side.value, "type": order.type, "qty": order.qty,
            "price": _price(order.price), "entered": _time(order.entered),
            "filled": order.filled, "cancelled": _time(order.cancelled)}


def _trade(trade: TradeEvidence) -> dict[str, Any]:
    return {"trade_no": trade.trade_no, "at": _time(trade.ts), "price": _price(trade.price),
            "qty": trade.qty, "aggressor": trade.aggressor, "buy_id": trade.buy_id,
            "buy_member": trade.buy_member, "buy_account": trade.buy_account,
            "sell_id": trade.sell_id, "sell_member": trade.sell_member,
            "sell_account": trade.sell_account}


def _alert(alert: Alert) -> dict[str, Any]:
    return {"rule": alert.rule, "date": alert.date, "symbol": alert.symbol,
            "investor": alert.investor, "start": _time(alert.start), "end": _time(alert.end),
            "text": alert.text, "orders": [_order(o) for o in alert.orders],
            "trades": [_trade(t) for t in alert.trades]}


def _screened(entry: Screened) -> dict[str, Any]:
    order = entry.order
    return {"date": entry.date, "at": _time(order.ts), "id": order.id, "member": order.member,
            "account": order.account, "investor": entry.investor, "symbol": order.symbol,
            "side": order.side.value, "type": order.type.value, "qty": order.qty,
            "price": _price(order.price), "short": order.short,
            "reason": entry.refusal.reason.value, "text": entry.refusal.text}


def surveillance_report(result: Surveillance) -> dict[str, Any]:
    """The report as one JSON-ready object."""
    counts = dict.fromkeys(ALERT_RULES, 0)
    for alert in result.alerts:
        counts[alert.rule] = counts.get(alert.rule, 0) + 1
    return {"days": list(result.days), "orders": result.orders, "counts": counts,
            "alerts": [_alert(a) for a in result.alerts],
            "screened": [_screened(s) for s in result.screened]}


def _orders_table(orders: list[Mapping[str, Any]]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for name in ("order", "member/account", "side", "type", "qty", "price", "entered",
                 "filled", "cancelled"):
        table.add_column(name, no_wrap=True,
                         justify="right" if name in ("qty", "price", "filled") else "left")
    for o in orders:
        table.add_row(*(Text(cell) for cell in (
            o["id"], f"{o['member']}/{o['account']}", o["side"], o["type"], f"{o['qty']:,}",
            o["price"] or "-", o["entered"], f"{o['filled']:,}", o["cancelled"] or "-")))
    return table


def _trades_table(trades: list[Mapping[str, Any]]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for name in ("trade", "at", "price", "qty", "aggressor", "buy", "sell"):
        table.add_column(name, no_wrap=True,
                         justify="right" if name in ("trade", "price", "qty") else "left")
    for t in trades:
        table.add_row(*(Text(cell) for cell in (
            str(t["trade_no"]), t["at"], t["price"], f"{t['qty']:,}", t["aggressor"],
            f"{t['buy_id']} {t['buy_member']}/{t['buy_account']}",
            f"{t['sell_id']} {t['sell_member']}/{t['sell_account']}")))
    return table


def _line(console: Console, text: str) -> None:
    """Print a line as it is: no markup or highlighting of ids, times and prices."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def print_report(report: Mapping[str, Any], console: Console, title: str) -> None:
    """Print the alerts, each with its sentence and evidence, then the screened orders."""
    counts = ", ".join(f"{rule} {n}" for rule, n in report["counts"].items())
    alerts = report["alerts"]
    _line(console, f"siamex surveil {title}: {', '.join(report['days'])}; "
                   f"{report['orders']:,} orders, {len(alerts)} alert(s) ({counts}); "
                   f"{len(report['screened'])} order(s) screened out")
    for alert in alerts:
        console.print()
        _line(console, f"[{alert['rule']}] {alert['date']} {alert['start'][:8]}-"
                       f"{alert['end'][:8]} {alert['symbol']} {alert['investor']}")
        _line(console, f"  {alert['text']}")
        if alert["orders"]:
            console.print(_orders_table(alert["orders"]))
        if alert["trades"]:
            console.print(_trades_table(alert["trades"]))
    if report["screened"]:
        console.print()
        _line(console, "orders refused SCREENED:")
        for s in report["screened"]:
            _line(console, f"  {s['date']} {s['at']} {s['id']} {s['member']}/{s['account']} "
                           f"{s['symbol']}: {s['text']}")
