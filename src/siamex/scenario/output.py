"""Engine events as the JSON lines of scenario-format.md.

Each line: `seq` (1, 2, 3 ... with no gap), `at` (HH:MM:SS.ffffff), `event`, then the event's
fields in a fixed order. Prices are two-decimal strings, quantities integers, so the same events
always print the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from siamex.trading.events import (
    Accepted,
    Amended,
    AuctionResult,
    Cancelled,
    DayClose,
    DayStarted,
    Event,
    IndexValue,
    Indicative,
    PhaseChanged,
    PriceLimitsSet,
    Rejected,
    StatusChanged,
    Trade,
    TradeReportPending,
)
from siamex.units import average_price, format_price, format_time_of_day

__all__ = ["event_fields", "event_line", "event_name"]

_encoder = msgspec.json.Encoder()


def _price(value: int | None) -> str | None:
    return None if value is None else format_price(value)


def _accepted(e: Accepted) -> dict[str, Any]:
    fields = {"id": e.id, "symbol": e.symbol, "order_no": e.order_no, "side": e.side.value,
              "type": e.type.value, "validity": e.validity.value, "board": e.board.value,
              "qty": e.qty, "price": _price(e.price), "member": e.member, "account": e.account}
    if e.effect:
        fields["position_effect"] = e.effect
    return fields


def _rejected(e: Rejected) -> dict[str, Any]:
    return {"id": e.id, "reason": e.reason.value, "text": e.text}


def _amended(e: Amended) -> dict[str, Any]:
    return {"id": e.id, "symbol": e.symbol, "order_no": e.order_no, "qty": e.qty,
            "remaining": e.remaining, "price": _price(e.price),
            "priority": "kept" if e.priority_kept else "lost"}


def _cancelled(e: Cancelled) -> dict[str, Any]:
    fields: dict[str, Any] = {"id": e.id, "symbol": e.symbol, "order_no": e.order_no,
                              "qty": e.qty}
    if e.reason is not None:
        fields["reason"] = e.reason.value
    return fields


def _trade(e: Trade) -> dict[str, Any]:
    fields = {"symbol": e.symbol, "board": e.board.value, "price": format_price(e.price),
              "qty": e.qty, "buy_id": e.buy_id, "sell_id": e.sell_id, "aggressor": e.aggressor,
              "trade_no": e.trade_no, "buy_order_no": e.buy_order_no,
              "sell_order_no": e.sell_order_no, "buy_member": e.buy_member,
              "buy_account": e.buy_account, "sell_member": e.sell_member,
              "sell_account": e.sell_account}
    if e.buy_effect:
        fields.update(buy_effect=e.buy_effect, sell_effect=e.sell_effect)
    return fields


def _auction(e: AuctionResult) -> dict[str, Any]:
    fields: dict[str, Any] = {"symbol": e.symbol, "session": e.session}
    if e.price is not None:
        fields["price"] = format_price(e.price)
    fields.update(qty=e.qty, imbalance=e.imbalance, reference=format_price(e.reference))
    return fields


def _indicative(e: Indicative) -> dict[str, Any]:
    fields: dict[str, Any] = {"symbol": e.symbol}
    if e.price is not None:
        fields["price"] = format_price(e.price)
    fields.update(qty=e.qty, imbalance=e.imbalance)
    return fields


def _phase(e: PhaseChanged) -> dict[str, Any]:
    return {"symbol": e.symbol, "phase": e.phase.value}


def _limits(e: PriceLimitsSet) -> dict[str, Any]:
    return {"symbol": e.symbol, "ceiling": format_price(e.ceiling), "floor": format_price(e.floor),
            "prev_close": _price(e.prev_close)}


def _close(e: DayClose) -> dict[str, Any]:
    fields = {"symbol": e.symbol, "close": _price(e.close),
              "average": _price(average_price(e.value, e.volume)), "open": _price(e.open),
              "high": _price(e.high), "low": _price(e.low), "volume": e.volume,
              "value": format_price(e.value), "trades": e.trades}
    if e.session:
        fields["session"] = e.session
    return fields


def _day(e: DayStarted) -> dict[str, Any]:
    if e.market != "set":
        return {"date": e.date, "market": e.market}
    return {"date": e.date}


def _status(e: StatusChanged) -> dict[str, Any]:
    fields: dict[str, Any] = {"symbol": e.symbol, "what": e.what, "value": e.value}
    if not e.on:
        fields["on"] = False
    if e.until is not None:
        fields["until"] = format_time_of_day(e.until)
    return fields


def _index(e: IndexValue) -> dict[str, Any]:
    return {"name": e.name, "value": format_price(e.value)}


def _pending(e: TradeReportPending) -> dict[str, Any]:
    return {"id": e.id, "symbol": e.symbol, "board": e.board.value, "qty": e.qty,
            "price": format_price(e.price), "sell_member": e.sell_member,
            "buy_member": e.buy_member, "status": "awaiting_confirmation"}


_FORMATS: dict[type, tuple[str, Callable[[Any], dict[str, Any]]]] = {
    DayStarted: ("day", _day),
    PriceLimitsSet: ("price_limits", _limits),
    PhaseChanged: ("phase", _phase),
    Accepted: ("accepted", _accepted),
    Rejected: ("rejected", _rejected),
    Amended: ("amended", _amended),
    Cancelled: ("cancelled", _cancelled),
    Trade: ("trade", _trade),
    AuctionResult: ("auction", _auction),
    Indicative: ("indicative", _indicative),
    DayClose: ("close", _close),
    StatusChanged: ("status", _status),
    IndexValue: ("index", _index),
    TradeReportPending: ("trade_report", _pending),
}


def event_name(event: Event) -> str:
    """Return the event's name in the output (`trade`, `rejected` ...)."""
    return _FORMATS[type(event)][0]


def event_fields(event: Event) -> dict[str, Any]:
    """Return the event's output fields, in their fixed order."""
    return _FORMATS[type(event)][1](event)


def event_line(seq: int, event: Event) -> bytes:
    """Return one output line (without its newline)."""
    name, fields = _FORMATS[type(event)]
    line = {"seq": seq, "at": format_time_of_day(event.ts), "event": name}
    line.update(fields(event))
    return _encoder.encode(line)
