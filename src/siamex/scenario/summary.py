"""A readable summary of a replayed day: each security's prices and volume, and rejects by code."""

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
    Rejected,
    Trade,
)
from siamex.units import average_price, format_price

__all__ = ["DaySummary", "print_summary", "summarize"]


@dataclass
class DaySummary:
    """What happened on one day, gathered from its events."""

    date: str
    closes: list[DayClose] = field(default_factory=list)
    auctions: dict[str, list[AuctionResult]] = field(default_factory=dict)
    rejects: Counter[str] = field(default_factory=Counter)
    engine_cancels: Counter[str] = field(default_factory=Counter)
    accepted: int = 0
    trades: int = 0
    odd_lot_trades: int = 0


def summarize(events: Iterable[Event]) -> list[DaySummary]:
    """Gather the events of one or more days into one summary per day."""
    days: list[DaySummary] = []
    for event in events:
        if isinstance(event, DayStarted):
            days.append(DaySummary(event.date))
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
            if event.board.value == "odd_lot":
                day.odd_lot_trades += 1
            else:
                day.trades += 1
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


def print_summary(days: list[DaySummary], console: Console) -> None:
    """Print each day's table of securities and its counts of rejects and engine cancels."""
    for day in days:
        table = Table(title=f"SET trading day {day.date}", title_justify="left",
                      box=box.SIMPLE_HEAD, pad_edge=False)
        for name in ("symbol", "open", "high", "low", "close", "average", "volume",
                     "value (THB)", "trades"):
            table.add_column(name, justify="left" if name == "symbol" else "right",
                             no_wrap=True)
        closes = sorted(day.closes, key=lambda c: c.symbol)
        for close in closes:
            table.add_row(
                close.symbol, _price(close.open), _price(close.high), _price(close.low),
                _price(close.close), _price(average_price(close.value, close.volume)),
                f"{close.volume:,}", f"{close.value // 100:,}.{close.value % 100:02d}",
                f"{close.trades:,}",
            )
        console.print(table)
        for close in closes:
            console.print(f"  {close.symbol} auctions: "
                          f"{_auctions(day.auctions.get(close.symbol, []))}")
        console.print(f"orders accepted {day.accepted:,}; trades {day.trades:,} on the main "
                      f"board, {day.odd_lot_trades:,} on the odd-lot board")
        rejects = ", ".join(f"{code} {n:,}" for code, n in sorted(day.rejects.items())) or "none"
        console.print(f"rejects by code: {rejects}")
        cancels = ", ".join(f"{code} {n:,}" for code, n in sorted(day.engine_cancels.items()))
        console.print(f"cancelled by the engine: {cancels or 'none'}")
        console.print()
