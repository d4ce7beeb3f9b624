"""One scenario action into one engine command, or into the rejection it earns at the edge.

An action that cannot be read becomes `rejected` with `INVALID` (or `TICK_SIZE` for a price
finer than a satang) at its time, and never reaches the engine or the journal (pillar 6).
Operations of the market-integrity rules that are not built yet are refused with
`NOT_IMPLEMENTED` rather than ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from siamex.scenario.fields import (
    FieldError,
    get_bool,
    get_enum,
    get_int,
    get_price,
    get_str,
    no_unknown,
)
from siamex.trading.commands import AmendOrder, CancelOrder, Command, NewOrder
from siamex.trading.enums import OrderType, Side, Validity
from siamex.trading.rejects import Reject

__all__ = ["NOT_YET", "EdgeReject", "parse_action"]

NOT_YET = frozenset({
    "trade_report", "trade_report_confirm", "halt", "resume", "suspend", "set_sign",
    "set_surveillance_level", "kill_switch",
})

_COMMON = {"at", "op", "id"}
_NEW = _COMMON | {"member", "account", "symbol", "side", "qty", "type", "price", "validity",
                  "expire_date", "short", "published_qty", "client_type", "nvdr",
                  "cash_balance"}
_AMEND = _COMMON | {"member", "qty", "price", "type", "side"}
_CANCEL = _COMMON | {"member"}


class EdgeReject(NamedTuple):
    """An action refused before the engine: its id (if readable), reason and sentence."""

    id: str
    reason: Reject
    text: str


def _new(raw: Mapping[str, Any], ts: int, cid: str) -> NewOrder:
    no_unknown(raw, _NEW, "new")
    kind = get_enum(raw, "type", OrderType, OrderType.LIMIT)
    return NewOrder(
        ts, cid,
        member=str(get_str(raw, "member")),
        account=str(get_str(raw, "account")),
        symbol=str(get_str(raw, "symbol")),
        side=get_enum(raw, "side", Side),
        qty=int(get_int(raw, "qty") or 0),
        type=kind,
        price=get_price(raw, "price", required=False),
        validity=get_enum(raw, "validity", Validity, Validity.DAY),
        expire_date=get_str(raw, "expire_date", required=False),
        published_qty=get_int(raw, "published_qty", required=False),
        short=get_bool(raw, "short"),
        cash_balance=get_bool(raw, "cash_balance"),
        nvdr=get_bool(raw, "nvdr"),
        client_type=get_str(raw, "client_type", required=False),
    )


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


_PARSERS: dict[str, Callable[[Mapping[str, Any], int, str], Command]] = {
    "new": _new, "amend": _amend, "cancel": _cancel,
}


def parse_action(raw: Any, ts: int) -> Command | EdgeReject:
    """Turn one action object (its time already read) into a command or an edge rejection."""
    if not isinstance(raw, dict):
        return EdgeReject("", Reject.INVALID, "an action must be a JSON object")
    cid = raw.get("id")
    label = cid if isinstance(cid, str) else ""
    op = raw.get("op")
    if op in NOT_YET:
        return EdgeReject(label, Reject.NOT_IMPLEMENTED, f"op {op!r} is not implemented yet")
    parser = _PARSERS.get(op) if isinstance(op, str) else None
    if parser is None:
        return EdgeReject(label, Reject.INVALID, f"unknown op {op!r}")
    try:
        return parser(raw, ts, str(get_str(raw, "id")))
    except FieldError as exc:
        return EdgeReject(label, Reject.TICK_SIZE if exc.finer else Reject.INVALID, str(exc))
