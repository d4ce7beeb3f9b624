"""A surveillance alert: the rule it answers, whom and what it is about, a sentence, and the
evidence (the orders and trades) a surveillance officer reads before acting on it.

Alerts are plain immutable messages, ordered by date, start, rule (ALERT_RULES' order),
security and investor, so a run prints the same alerts in the same order on every machine. The
evidence names members and accounts: an alert is for the exchange's surveillance, not for the
members (who receive only the flagged-investor list, siamex.measures.flagged).
"""

from __future__ import annotations

import msgspec

from siamex.measures.day_record import OrderRecord
from siamex.rulebook.surveillance import ALERT_RULES
from siamex.trading.enums import Side
from siamex.trading.events import Trade

__all__ = ["Alert", "OrderEvidence", "TradeEvidence", "alert_order", "order_evidence",
           "trade_evidence"]

_RULE_ORDER = {name: n for n, name in enumerate(ALERT_RULES)}


class OrderEvidence(msgspec.Struct, frozen=True):
    """An order in an alert: as entered (quantity and price after its last amend; no price for
    a market or auction order), when, how much of it traded, and when the member cancelled it
    (None: it was not cancelled by the member)."""

    id: str
    member: str
    account: str
    symbol: str
    side: Side
    type: str
    qty: int
    price: int | None
    entered: int
    filled: int
    cancelled: int | None


class TradeEvidence(msgspec.Struct, frozen=True):
    """A trade in an alert, with both sides' orders, members and accounts."""

    trade_no: int
    ts: int
    symbol: str
    price: int
    qty: int
    aggressor: str
    buy_id: str
    sell_id: str
    buy_member: str
    buy_account: str
    sell_member: str
    sell_account: str


class Alert(msgspec.Struct, frozen=True):
    """One pattern found: `rule` (push, layering, wash, close, split), the day, security and
    investor, the time it spans (microseconds, `start` to `end`), what was seen in words, and
    the evidence."""

    rule: str
    date: str
    symbol: str
    investor: str
    start: int
    end: int
    text: str
    orders: tuple[OrderEvidence, ...] = ()
    trades: tuple[TradeEvidence, ...] = ()


def order_evidence(order: OrderRecord) -> OrderEvidence:
    return OrderEvidence(order.id, order.member, order.account, order.symbol, order.side,
                         order.type.value, order.qty, order.price, order.entered, order.filled,
                         order.cancelled if order.withdrawn else None)


def trade_evidence(trade: Trade) -> TradeEvidence:
    return TradeEvidence(trade.trade_no, trade.ts, trade.symbol, trade.price, trade.qty,
                         trade.aggressor, trade.buy_id, trade.sell_id, trade.buy_member,
                         trade.buy_account, trade.sell_member, trade.sell_account)


def alert_order(alert: Alert) -> tuple[str, int, int, str, str, int]:
    """The key alerts are listed by."""
    return (alert.date, alert.start, _RULE_ORDER.get(alert.rule, len(_RULE_ORDER)),
            alert.symbol, alert.investor, alert.end)
