"""A readable summary of a replayed day: each security's prices and volume, the indices, the
halts and other status changes, trade reports, and rejects by code."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rich import box
from rich.console import Console
from rich.table import Table

from siamex.trading.events import (
    Accepted,
    AuctionResult,
    Cancelled,
    DayClose,
    DayStarted,
    Event,
    IndexValue,
    Rejected,
    StatusChanged,
    Trade,
)
from siamex.units import average_price, format_price, format_time_of_day

__all__ = ["DaySummary", "print_summary", "summarize"]


@dataclass
class DaySummary:
    """What happened on one day, gathered from its events."""

    date: str
    market: str = "set"
    closes: list[DayClose] = field(default_factory=list)
    auctions: dict[str, list[AuctionResult]] = field(default_factory=dict)
    rejects: Counter[str] = field(default_factory=Counter)
    engine_cancels: Counter[str] = field(default_factory=Counter)
    accepted: int = 0
    trades: int = 0
    odd_lot_trades: int = 0
    reported: Counter[str] = field(default_factory=Counter)
    indices: dict[str, list[int]] = field(default_factory=dict)
    statuses: list[StatusChanged] = field(default_factory=list)


def summarize(events: Iterable[Event]) -> list[DaySummary]:
    """Gather the events of one or more days into one summary per day."""
    days: list[DaySummary] = []
    for event in events:
        if isinstance(event, DayStarted):
            days.append(DaySummary(event.date, event.market))
            continue
        if not days:
            days.append(DaySummary("?"))
        day = days[-1]
        if isinstance(event, Accepted):
            day.accepted += 1
        elif isinstance(event, Rejected):
            day.rejects[event.reason.value] += 1
        elif isinstance(event, Cancelled) and event.reason is not None:
            day.engine_cancels[event.reason.value] += 1
        elif isinstance(event, Trade):
            if event.aggressor == "trade_report":
                day.reported[event.board.value] += 1
            elif event.board.value == "odd_lot":
                day.odd_lot_trades += 1
            else:
                day.trades += 1
        elif isinstance(event, IndexValue):
            day.indices.setdefault(event.name, []).append(event.value)
        elif isinstance(event, StatusChanged):
            day.statuses.append(event)
        elif isinstance(event, AuctionResult):
            day.auctions.setdefault(event.symbol, []).append(event)
        elif isinstance(event, DayClose):
            day.closes.append(event)
    return days


def _price(value: int | None) -> str:
    return "-" if value is None else format_price(value)


def _auctions(results: list[AuctionResult]) -> str:
    done = [f"{r.session} {format_price(r.price)} x {r.qty:,}" for r in results
            if r.price is not None]
    return "; ".join(done) or "no auction trade"


def _index_line(name: str, values: list[int]) -> str:
    """One index's day: its previous close (the first value), range and last value."""
    prev, last = values[0], values[-1]
    change = (last - prev) * 10_000
    pct = (abs(change) + prev // 2) // prev  # hundredths of a percent, rounded half up
    sign = "-" if change < 0 else "+"
    return (f"  index {name}: previous close {format_price(prev)}, high "
            f"{format_price(max(values))}, low {format_price(min(values))}, last "
            f"{format_price(last)} ({sign}{pct // 100}.{pct % 100:02d}%)")


def _status_line(status: StatusChanged) -> str:
    what = status.what if status.on else f"{status.what} removed"
    value = f" {status.value}" if status.value is not None else ""
    until = f" until {format_time_of_day(status.until)[:8]}" if status.until else ""
    return f"  {format_time_of_day(status.ts)[:12]} {status.symbol} {what}{value}{until}"


def _row_name(close: DayClose) -> str:
    """A series' night session, which opens the next trading day, is a row of its own."""
    return f"{close.symbol} (night)" if close.session == "night" else close.symbol


def print_summary(days: list[DaySummary], console: Console) -> None:
    """Print each day's table of securities, its indices and status changes, and its counts of
    trade reports, rejects and engine cancels."""
    for day in days:
        tfex = day.market == "tfex"
        table = Table(title=f"{'TFEX' if tfex else 'SET'} trading day {day.date}",
                      title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        # a series' value is price times contracts, in its price unit (decision 111)
        for name in ("symbol", "open", "high", "low", "close", "average", "volume",
                     "value" if tfex else "value (THB)", "trades"):
            table.add_column(name, justify="left" if name == "symbol" else "right",
                             no_wrap=True)
        closes = sorted(day.closes, key=lambda c: (c.symbol, c.session == "night"))
        for close in closes:
            table.add_row(
                _row_name(close), _price(close.open), _price(close.high), _price(close.low),
                _price(close.close), _price(average_price(close.value, close.volume)),
                f"{close.volume:,}", f"{close.value // 100:,}.{close.value % 100:02d}",
                f"{close.trades:,}",
            )
        console.print(table)
        for symbol in sorted({close.symbol for close in closes}):
            console.print(f"  {symbol} auctions: {_auctions(day.auctions.get(symbol, []))}")
        for name, values in day.indices.items():
            console.print(_index_line(name, values))
        if day.statuses:
            console.print("status changes:")
            for status in day.statuses:
                console.print(_status_line(status))
        console.print(f"orders accepted {day.accepted:,}; trades {day.trades:,} on the main "
                      f"board, {day.odd_lot_trades:,} on the odd-lot board")
        if day.reported:
            reported = ", ".join(f"{board} {n:,}" for board, n in sorted(day.reported.items()))
            console.print(f"trade reports: {reported}")
        rejects = ", ".join(f"{code} {n:,}" for code, n in sorted(day.rejects.items())) or "none"
        console.print(f"rejects by code: {rejects}")
        cancels = ", ".join(f"{code} {n:,}" for code, n in sorted(day.engine_cancels.items()))
        console.print(f"cancelled by the engine: {cancels or 'none'}")
        console.print()
