"""One scenario action into one engine command, or into the rejection it earns at the edge.

An action that cannot be read becomes `rejected` with `INVALID` (or `TICK_SIZE` for a price
finer than a satang) at its time, and never reaches the engine or the journal (pillar 6).
Operations that are not built yet (the member kill switch) are refused with `NOT_IMPLEMENTED`
rather than ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, NamedTuple, TypeVar

from siamex.scenario.fields import (
    FieldError,
    get_bool,
    get_enum,
    get_int,
    get_price,
    get_str,
    no_unknown,
)
from siamex.trading.commands import (
    AmendOrder,
    CancelOrder,
    Command,
    ConfirmTradeReport,
    Halt,
    NewOrder,
    Resume,
    SetSign,
    SetSurveillanceLevel,
    TradeReport,
)
from siamex.trading.enums import OrderType, Side, Validity
from siamex.trading.rejects import Reject

__all__ = ["NOT_YET", "EdgeReject", "parse_action"]

NOT_YET = frozenset({"kill_switch"})

E = TypeVar("E", bound=Enum)

Reader = Callable[[Mapping[str, Any], str], Any]
"""Read one field of a command, by its name, from an action as a scenario writes it."""


def _text(raw: Mapping[str, Any], key: str) -> str:
    return str(get_str(raw, key))


def _optional_text(raw: Mapping[str, Any], key: str) -> str | None:
    return get_str(raw, key, required=False)


def _whole(raw: Mapping[str, Any], key: str) -> int:
    return int(get_int(raw, key) or 0)


def _optional_whole(raw: Mapping[str, Any], key: str) -> int | None:
    return get_int(raw, key, required=False)


def _optional_price(raw: Mapping[str, Any], key: str) -> int | None:
    return get_price(raw, key, required=False)


def _position_effect(raw: Mapping[str, Any], key: str) -> str | None:
    effect = get_str(raw, key, required=False)
    if effect is not None and effect not in ("open", "close"):
        raise FieldError(f"{key} must be open or close")
    return effect


def _enum(kind: type[E], default: E | None = None) -> Reader:
    return lambda raw, key: get_enum(raw, key, kind, default)


_NEW_ORDER_FIELDS: dict[str, Reader] = {
    "type": _enum(OrderType, OrderType.LIMIT),  # first: its error is the one reported
    "member": _text,
    "account": _text,
    "symbol": _text,
    "side": _enum(Side),
    "qty": _whole,
    "price": _optional_price,
    "validity": _enum(Validity, Validity.DAY),
    "expire_date": _optional_text,
    "published_qty": _optional_whole,
    "short": get_bool,
    "cash_balance": get_bool,
    "nvdr": get_bool,
    "client_type": _optional_text,
    "smp_id": _optional_text,
    "position_effect": _position_effect,
}
"""Each field of a new order after its time and id, in the order they are read (a test keeps
them those of NewOrder)."""

_COMMON = {"at", "op", "id"}
_NEW = _COMMON | set(_NEW_ORDER_FIELDS)
_AMEND = _COMMON | {"member", "qty", "price", "type", "side"}
_CANCEL = _COMMON | {"member"}
_REPORT = _COMMON | {"symbol", "board", "qty", "price", "sell_member", "sell_account",
                     "buy_member", "buy_account"}
_CONFIRM = _COMMON | {"member"}
_HALT = _COMMON | {"symbol"}
_SIGN = _COMMON | {"symbol", "sign", "on"}
_LEVEL = _COMMON | {"symbol", "level", "pause"}


class EdgeReject(NamedTuple):
    """An action refused before the engine: its id (if readable), reason and sentence."""

    id: str
    reason: Reject
    text: str


def _new(raw: Mapping[str, Any], ts: int, cid: str) -> NewOrder:
    no_unknown(raw, _NEW, "new")
    return NewOrder(ts, cid, **{name: read(raw, name) for name, read in _NEW_ORDER_FIELDS.items()})


def _amend(raw: Mapping[str, Any], ts: int, cid: str) -> AmendOrder:
    no_unknown(raw, _AMEND, "amend")
    kind = raw.get("type")
    side = raw.get("side")
    return AmendOrder(
        ts, cid,
        member=get_str(raw, "member", required=False),
        qty=get_int(raw, "qty", required=False),
        price=get_price(raw, "price", required=False),
        type=get_enum(raw, "type", OrderType) if kind is not None else None,
        side=get_enum(raw, "side", Side) if side is not None else None,
    )


def _cancel(raw: Mapping[str, Any], ts: int, cid: str) -> CancelOrder:
    no_unknown(raw, _CANCEL, "cancel")
    return CancelOrder(ts, cid, member=get_str(raw, "member", required=False))


def _trade_report(raw: Mapping[str, Any], ts: int, cid: str) -> TradeReport:
    no_unknown(raw, _REPORT, "trade_report")
    board = get_str(raw, "board", required=False, default="")
    if board not in ("", "main", "foreign"):
        raise FieldError("board must be main or foreign")
    return TradeReport(
        ts, cid, str(get_str(raw, "symbol")), int(get_int(raw, "qty") or 0),
        int(get_price(raw, "price") or 0), str(get_str(raw, "sell_member")),
        str(get_str(raw, "sell_account")), str(get_str(raw, "buy_member")),
        str(get_str(raw, "buy_account")), str(board))


def _confirm(raw: Mapping[str, Any], ts: int, cid: str) -> ConfirmTradeReport:
    no_unknown(raw, _CONFIRM, "trade_report_confirm")
    return ConfirmTradeReport(ts, cid, get_str(raw, "member", required=False))


def _halt(raw: Mapping[str, Any], ts: int, cid: str) -> Halt:
    no_unknown(raw, _HALT, str(raw.get("op")))
    return Halt(ts, str(get_str(raw, "symbol")), "SP" if raw.get("op") == "suspend" else "H",
                cid)


def _resume(raw: Mapping[str, Any], ts: int, cid: str) -> Resume:
    no_unknown(raw, _HALT, "resume")
    return Resume(ts, str(get_str(raw, "symbol")), cid)


def _set_sign(raw: Mapping[str, Any], ts: int, cid: str) -> SetSign:
    no_unknown(raw, _SIGN, "set_sign")
    return SetSign(ts, str(get_str(raw, "symbol")), str(get_str(raw, "sign")),
                   get_bool(raw, "on", True), cid)


def _set_level(raw: Mapping[str, Any], ts: int, cid: str) -> SetSurveillanceLevel:
    no_unknown(raw, _LEVEL, "set_surveillance_level")
    return SetSurveillanceLevel(ts, str(get_str(raw, "symbol")), int(get_int(raw, "level") or 0),
                                get_bool(raw, "pause"), cid)


_PARSERS: dict[str, Callable[[Mapping[str, Any], int, str], Command]] = {
    "new": _new, "amend": _amend, "cancel": _cancel, "trade_report": _trade_report,
    "trade_report_confirm": _confirm, "halt": _halt, "suspend": _halt, "resume": _resume,
    "set_sign": _set_sign, "set_surveillance_level": _set_level,
}
_OPTIONAL_ID = frozenset({"halt", "suspend", "resume", "set_sign", "set_surveillance_level"})


def parse_action(raw: Any, ts: int) -> Command | EdgeReject:
    """Turn one action object (its time already read) into a command or an edge rejection."""
    if not isinstance(raw, dict):
        return EdgeReject("", Reject.INVALID, "an action must be a JSON object")
    cid = raw.get("id")
    label = cid if isinstance(cid, str) else ""
    op = raw.get("op")
    if isinstance(op, str) and op in NOT_YET:  # a list or object is unhashable
        return EdgeReject(label, Reject.NOT_IMPLEMENTED, f"op {op!r} is not implemented yet")
    parser = _PARSERS.get(op) if isinstance(op, str) else None
    if parser is None:
        return EdgeReject(label, Reject.INVALID, f"unknown op {op!r}")
    try:
        if op in _OPTIONAL_ID:
            return parser(raw, ts, label)
        return parser(raw, ts, str(get_str(raw, "id")))
    except FieldError as exc:
        return EdgeReject(label, Reject.TICK_SIZE if exc.finer else Reject.INVALID, str(exc))
