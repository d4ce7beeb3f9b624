"""Each member's orders and trades of the trading day, for the web API's queries.

A sink of the service: every order report updates its order's last state, every fill is a trade.
It follows the journal like the audit trail and the feed, so after a restart the replay rebuilds
it exactly. A trading day's start forgets what ended the day before and keeps what still rests
(GTC and GTD orders carried over), so a query shows the day's orders and every live one.
Who may see what is the registry's rule (`may_see`, decision 83), applied by the caller.
"""

from __future__ import annotations

from siamex.gateway.exchange import Outcome, ServiceCommand
from siamex.gateway.reports import ExecKind, OrderReport, OrderStatus
from siamex.trading.commands import StartDay

__all__ = ["TradingView"]

_LIVE = frozenset({OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED})


class _Member:
    """One member's orders (last report of each, in entry order), the order each client order
    id names, and fills."""

    __slots__ = ("ids", "orders", "trades")

    def __init__(self) -> None:
        self.orders: dict[int | str, OrderReport] = {}
        self.ids: dict[str, int | str] = {}
        self.trades: list[OrderReport] = []


class TradingView:
    """The day's orders and fills of every member, by member."""

    def __init__(self) -> None:
        self._members: dict[str, _Member] = {}

    def __call__(self, seq: int, command: ServiceCommand, outcome: Outcome,
                 replaying: bool) -> None:
        if isinstance(command, StartDay):
            self._start_day()
        for report in outcome.reports:
            if isinstance(report, OrderReport):
                self._record(seq, report)

    def _start_day(self) -> None:
        for member in self._members.values():
            member.orders = {key: order for key, order in member.orders.items()
                             if order.status in _LIVE}
            member.ids = {clordid: key for clordid, key in member.ids.items()
                          if key in member.orders}
            member.trades = []

    def _record(self, seq: int, report: OrderReport) -> None:
        member = self._members.get(report.member)
        if member is None:
            member = self._members[report.member] = _Member()
        # An order refused before the book has no order number: its entry's journal number
        # keys it, so that two refusals of one ClOrdID stay two records.
        key: int | str = report.order_no if report.order_no is not None else f"r{seq}"
        member.orders[key] = report
        member.ids[report.clordid] = key
        if report.kind is ExecKind.TRADE:
            member.trades.append(report)

    def orders(self, member: str) -> list[OrderReport]:
        """The member's orders of the day and its live ones, each as its last report shows it,
        in the order they were entered."""
        found = self._members.get(member)
        return list(found.orders.values()) if found is not None else []

    def order(self, member: str, clordid: str) -> OrderReport | None:
        """The member's order of the day that one of its client order ids names (the latest
        when an id was used again after its order ended)."""
        found = self._members.get(member)
        key = found.ids.get(clordid) if found is not None else None
        return found.orders[key] if found is not None and key is not None else None

    def trades(self, member: str) -> list[OrderReport]:
        """The member's fills of the day, in time order."""
        found = self._members.get(member)
        return list(found.trades) if found is not None else []
