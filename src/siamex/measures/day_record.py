"""A trading day's flow as the alert rules read it: every order with its investor and what became
of it, the trades and the auctions, from the (command, events) pairs of a run.

The engine's events carry the member and account of an order but not the investor behind them;
the record adds it once per order (`investor_of`, the depository's links), so the rules compare
investors across members. An order is known from its acceptance on, and keeps its record when a
GTC or GTD order carries into the next day; a day's record lists the orders entered that day and
those cancelled that day, in the order it happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import cast

from siamex.rulebook.parameters import Rulebook
from siamex.trading.commands import Command, NewOrder, StartDay
from siamex.trading.enums import Board, OrderType, Side
from siamex.trading.events import (
    Accepted,
    Amended,
    AuctionResult,
    Cancelled,
    Event,
    PriceLimitsSet,
    Rejected,
    Trade,
)
from siamex.trading.rejects import CancelReason, Reject
from siamex.units import day_start, parse_date

__all__ = ["DayRecord", "OrderRecord", "day_records"]

InvestorOf = Callable[[str, str], str]


class OrderRecord:
    """One order: as entered (`entered_qty`; `qty` and `price` after the last amend), when
    (`entered`, `changed`: its last amend or its entry), how much traded, and whether and why
    it was cancelled."""

    __slots__ = ("account", "board", "cancel_reason", "cancelled", "changed", "entered",
                 "entered_qty", "filled", "id", "investor", "member", "price", "qty", "short",
                 "side", "symbol", "type")

    def __init__(self, event: Accepted, investor: str, short: bool) -> None:
        self.id = event.id
        self.member = event.member
        self.account = event.account
        self.investor = investor
        self.symbol = event.symbol
        self.side: Side = event.side
        self.type: OrderType = event.type
        self.board: Board = event.board
        self.qty = event.qty
        self.entered_qty = event.qty
        self.price = event.price
        self.short = short
        self.entered = event.ts
        self.changed = event.ts
        self.filled = 0
        self.cancelled: int | None = None
        self.cancel_reason: CancelReason | None = None

    @property
    def withdrawn(self) -> bool:
        """Whether the member cancelled it (not the engine, not a kill switch)."""
        return self.cancelled is not None and self.cancel_reason is None


class DayRecord:
    """One trading day of a run; `investor(member, account)` names an account's investor."""

    def __init__(self, start: StartDay, investor: InvestorOf) -> None:
        self.investor = investor
        self.date = start.date
        self.day: dt.date = parse_date(start.date)
        self.base = day_start(self.day)
        self.rules = Rulebook(start.rules)
        self.entered: list[OrderRecord] = []
        self.cancelled: list[OrderRecord] = []
        self.trades: list[Trade] = []
        self.auctions: list[AuctionResult] = []
        self.prev_close: dict[str, int | None] = {}
        self.screened: list[tuple[NewOrder, Rejected]] = []
        self.orders: dict[str, OrderRecord] = {}

    def order(self, order_id: str) -> OrderRecord | None:
        """An order by its id: of this day, or carried into it."""
        return self.orders.get(order_id)


def day_records(pairs: Iterable[tuple[Command, list[Event]]],
                investor_of: InvestorOf) -> list[DayRecord]:
    """Read a run's (command, events) pairs into one record per trading day."""
    days: list[DayRecord] = []
    orders: dict[str, OrderRecord] = {}
    investors: dict[tuple[str, str], str] = {}

    def investor(member: str, account: str) -> str:
        key = (member, account)
        found = investors.get(key)
        if found is None:
            found = investors[key] = investor_of(member, account)
        return found

    day: DayRecord | None = None
    for command, events in pairs:
        if isinstance(command, StartDay):
            day = DayRecord(command, investor)
            day.orders = orders
            days.append(day)
        if day is None:
            continue
        short = type(command) is NewOrder and command.short
        for event in events:
            kind = type(event)  # identity tests: a day has millions of events
            if kind is Accepted:
                accepted = cast(Accepted, event)
                record = OrderRecord(accepted, investor(accepted.member, accepted.account),
                                     short)
                orders[accepted.id] = record
                day.entered.append(record)
            elif kind is Trade:
                trade = cast(Trade, event)
                day.trades.append(trade)
                found = orders.get(trade.buy_id)
                if found is not None:
                    found.filled += trade.qty
                found = orders.get(trade.sell_id)
                if found is not None:
                    found.filled += trade.qty
            elif kind is Cancelled:
                cancelled = cast(Cancelled, event)
                found = orders.get(cancelled.id)
                if found is not None:
                    found.cancelled = cancelled.ts
                    found.cancel_reason = cancelled.reason
                    day.cancelled.append(found)
            elif kind is Amended:
                amended = cast(Amended, event)
                found = orders.get(amended.id)
                if found is not None:
                    found.qty = amended.qty
                    found.price = amended.price
                    found.changed = amended.ts
            elif kind is AuctionResult:
                day.auctions.append(cast(AuctionResult, event))
            elif kind is PriceLimitsSet:
                limits = cast(PriceLimitsSet, event)
                day.prev_close[limits.symbol] = limits.prev_close
            elif kind is Rejected and type(command) is NewOrder:
                rejected = cast(Rejected, event)
                if rejected.reason is Reject.SCREENED:
                    day.screened.append((command, rejected))
    return days
