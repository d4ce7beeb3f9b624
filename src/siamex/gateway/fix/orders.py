"""FIX 4.4 order messages <-> the gateway's entry commands and reports (docs/fix.md).

Inbound: NewOrderSingle (D), OrderCancelRequest (F), OrderCancelReplaceRequest (G) become
OrderEntry, OrderCancel, OrderReplace; a field the message needs and lacks, or cannot read,
becomes a `FieldProblem` that the session answers with a session-level Reject (FIX 4.4 vol. 2:
SessionRejectReason 1, 5 or 6). Outbound: OrderReport and RequestRejected become
ExecutionReport (8) and OrderCancelReject (9). Every SET order type, validity, the iceberg, the
short sale, the NVDR and cash-balance flags and the self-match id have a field, and a TFEX
order's PositionEffect (77: O open, C close), which every report of the order echoes; the
tables in docs/fix.md are the contract.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Final

from siamex.gateway.clock import BANGKOK_OFFSET_NS
from siamex.gateway.entry import OrderCancel, OrderEntry, OrderReplace
from siamex.gateway.fix.codec import format_utc
from siamex.gateway.reports import (
    ExecKind,
    OrderReport,
    OrderStatus,
    RequestRejected,
    average_price,
)
from siamex.trading.enums import OrderType, Side, Validity
from siamex.units import InvalidValue, format_price, parse_price

__all__ = ["FieldProblem", "Fields", "Outbound", "cancel_request", "execution_report",
           "new_order", "order_cancel_reject", "replace_request", "unknown_order_status",
           "utc_timestamp"]

Fields = Mapping[int, str]
Outbound = tuple[str, list[tuple[int, str]]]

# Tags (FIX 4.4), and the user-defined ones (5000-9999) for what FIX has no field for.
ACCOUNT, AVG_PX, CL_ORD_ID, CUM_QTY, EXEC_ID, EXPIRE_DATE = 1, 6, 11, 14, 17, 432
LAST_PX, LAST_QTY, ORDER_ID, ORDER_QTY, ORD_STATUS, ORD_TYPE = 31, 32, 37, 38, 39, 40
ORIG_CL_ORD_ID, PRICE, SENDER_SUB_ID, SIDE, SYMBOL, TEXT = 41, 44, 50, 54, 55, 58
TARGET_SUB_ID = 57
TIME_IN_FORCE, TRANSACT_TIME, MAX_FLOOR, CXL_REJ_REASON = 59, 60, 111, 102
ORD_REJ_REASON, EXEC_TYPE, LEAVES_QTY, CXL_REJ_RESPONSE_TO = 103, 150, 151, 434
TRD_MATCH_ID, SMP_ID, POSITION_EFFECT = 880, 7928, 77  # 7928: as CME iLink names it
NVDR, CASH_BALANCE, CLIENT_TYPE, REJECT_CODE = 5001, 5002, 5003, 5010

_ID: Final = re.compile(r"[\x21-\x7e]{1,64}\Z")  # printable ASCII, no spaces, as FIX String
_QTY: Final = re.compile(r"[0-9]{1,15}\Z")
_DATE: Final = re.compile(r"[0-9]{8}\Z")

_SIDES: Final = {"1": (Side.BUY, False), "2": (Side.SELL, False), "5": (Side.SELL, True),
                 "6": (Side.SELL, True)}
_TIF: Final = {"0": Validity.DAY, "1": Validity.GTC, "3": Validity.FAK, "4": Validity.FOK,
               "6": Validity.GTD}
_EFFECTS: Final = {"O": "open", "C": "close"}
_EFFECT_CODE: Final = {effect: code for code, effect in _EFFECTS.items()}
_SIDE_CODE: Final = {Side.BUY: "1", Side.SELL: "2"}
_TIF_CODE: Final = {Validity.DAY: "0", Validity.GTC: "1", Validity.FAK: "3",
                    Validity.FOK: "4", Validity.GTD: "6"}
_EXEC_TYPE: Final = {ExecKind.NEW: "0", ExecKind.REJECTED: "8", ExecKind.TRADE: "F",
                     ExecKind.REPLACED: "5", ExecKind.CANCELLED: "4", ExecKind.EXPIRED: "C",
                     ExecKind.STATUS: "I"}
_ORD_STATUS: Final = {OrderStatus.NEW: "0", OrderStatus.PARTIALLY_FILLED: "1",
                      OrderStatus.FILLED: "2", OrderStatus.CANCELLED: "4",
                      OrderStatus.EXPIRED: "C", OrderStatus.REJECTED: "8"}
# OrdRejReason: 1 unknown symbol, 3 exceeds limit, 5 unknown order, 6 duplicate, 99 other.
_ORD_REJ: Final = {"UNKNOWN_SYMBOL": "1", "CREDIT_LIMIT": "3", "MAX_ORDER_VALUE": "3",
                   "MAX_ORDER_VOLUME": "3", "MAX_ORDER_QTY": "3", "UNKNOWN_ORDER": "5",
                   "DUPLICATE_ID": "6", "MARKET_CLOSED": "2", "HALTED": "2"}
# CxlRejReason: 0 too late to cancel, 1 unknown order, 3 already pending, 99 other.
_CXL_REJ: Final = {"UNKNOWN_ORDER": "1", "NOT_OWNER": "1", "TOO_LATE": "0"}


class FieldProblem(ValueError):
    """A field a message needs that is missing or unreadable: `reason` is FIX 4.4's
    SessionRejectReason (1 required tag missing, 5 value incorrect, 6 incorrect format)."""

    def __init__(self, tag: int, reason: int, text: str) -> None:
        super().__init__(text)
        self.tag = tag
        self.reason = reason
        self.text = text


def _get(fields: Fields, tag: int) -> str:
    value = fields.get(tag)
    if value is None:
        raise FieldProblem(tag, 1, f"required tag {tag} missing")
    return value


def _id(fields: Fields, tag: int) -> str:
    value = _get(fields, tag)
    if not _ID.match(value):
        raise FieldProblem(tag, 6, f"tag {tag}: an id is 1-64 printable ASCII characters")
    return value


def _optional_id(fields: Fields, tag: int) -> str | None:
    return _id(fields, tag) if tag in fields else None


def _qty(fields: Fields, tag: int) -> int:
    value = _get(fields, tag)
    if not _QTY.match(value):
        raise FieldProblem(tag, 6, f"tag {tag}: a quantity is a whole number of shares")
    qty = int(value)
    if qty <= 0:
        raise FieldProblem(tag, 5, f"tag {tag}: the quantity must be positive")
    return qty


def _price(fields: Fields, tag: int) -> int:
    try:
        price = parse_price(_get(fields, tag))
    except InvalidValue as exc:
        raise FieldProblem(tag, 6, f"tag {tag}: {exc}") from None
    if price <= 0:
        raise FieldProblem(tag, 5, f"tag {tag}: the price must be positive")
    return price


def _flag(fields: Fields, tag: int) -> bool:
    value = fields.get(tag, "N")
    if value not in ("Y", "N"):
        raise FieldProblem(tag, 5, f"tag {tag} is Y or N")
    return value == "Y"


def _side(fields: Fields) -> tuple[Side, bool]:
    side = _SIDES.get(_get(fields, SIDE))
    if side is None:
        raise FieldProblem(SIDE, 5, "Side(54) is 1 buy, 2 sell, 5 sell short, 6 sell short "
                                    "exempt")
    return side


def _type_and_validity(fields: Fields) -> tuple[OrderType, Validity]:
    """OrdType(40) with TimeInForce(59): ATO and ATC are market orders at the open or close."""
    ord_type = _get(fields, ORD_TYPE)
    tif = fields.get(TIME_IN_FORCE, "0")
    if ord_type == "1" and tif == "2":
        return OrderType.ATO, Validity.DAY
    if ord_type == "1" and tif == "7":
        return OrderType.ATC, Validity.DAY
    validity = _TIF.get(tif)
    if validity is None:
        raise FieldProblem(TIME_IN_FORCE, 5, "TimeInForce(59) is 0, 1, 2, 3, 4, 6 or 7")
    kinds = {"1": OrderType.MP_MKT, "2": OrderType.LIMIT, "K": OrderType.MP_MTL}
    kind = kinds.get(ord_type)
    if kind is None:
        raise FieldProblem(ORD_TYPE, 5, "OrdType(40) is 1 market, 2 limit or K market to "
                                        "limit")
    return kind, validity


def _expire_date(fields: Fields, validity: Validity) -> str | None:
    if validity is not Validity.GTD:
        return None
    value = _get(fields, EXPIRE_DATE)
    if not _DATE.match(value):
        raise FieldProblem(EXPIRE_DATE, 6, "ExpireDate(432) is YYYYMMDD")
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
    except ValueError:
        raise FieldProblem(EXPIRE_DATE, 5, "ExpireDate(432) is not a calendar date") from None


def _position_effect(fields: Fields) -> str | None:
    """PositionEffect(77): O opens, C closes; FIX's R (rolled) and F (FIFO) are not TFEX's.
    Whether the order may carry one at all (a TFEX series, not a share) is the engine's rule."""
    code = fields.get(POSITION_EFFECT)
    if code is None:
        return None
    effect = _EFFECTS.get(code)
    if effect is None:
        raise FieldProblem(POSITION_EFFECT, 5, "PositionEffect(77) is O open or C close")
    return effect


def new_order(fields: Fields, ors: str, ns: int, in_seq: int = 0, channel: str = "fix"
              ) -> OrderEntry:
    """Read a NewOrderSingle (D)."""
    side, short = _side(fields)
    kind, validity = _type_and_validity(fields)
    price = _price(fields, PRICE) if kind is OrderType.LIMIT else None
    if kind is not OrderType.LIMIT and PRICE in fields:
        raise FieldProblem(PRICE, 5, "Price(44) is for limit orders only")
    published = _qty(fields, MAX_FLOOR) if MAX_FLOOR in fields else None
    client_type = _optional_id(fields, CLIENT_TYPE)
    return OrderEntry(ns // 1000, ns, channel, ors, _id(fields, SENDER_SUB_ID),
                      _id(fields, CL_ORD_ID), _id(fields, ACCOUNT), _id(fields, SYMBOL), side,
                      _qty(fields, ORDER_QTY), kind, price, validity,
                      _expire_date(fields, validity), published, short, _flag(fields, NVDR),
                      _flag(fields, CASH_BALANCE), client_type, _optional_id(fields, SMP_ID),
                      in_seq, _position_effect(fields))


def replace_request(fields: Fields, ors: str, ns: int, in_seq: int = 0, channel: str = "fix"
                    ) -> OrderReplace:
    """Read an OrderCancelReplaceRequest (G): the new total quantity and price."""
    side, _ = _side(fields)
    kind, _ = _type_and_validity(fields)
    price = _price(fields, PRICE) if PRICE in fields else None
    return OrderReplace(ns // 1000, ns, channel, ors, _id(fields, SENDER_SUB_ID),
                        _id(fields, CL_ORD_ID), _id(fields, ORIG_CL_ORD_ID),
                        _qty(fields, ORDER_QTY), price, side, kind, in_seq)


def cancel_request(fields: Fields, ors: str, ns: int, in_seq: int = 0, channel: str = "fix"
                   ) -> OrderCancel:
    """Read an OrderCancelRequest (F)."""
    _side(fields)
    return OrderCancel(ns // 1000, ns, channel, ors, _id(fields, SENDER_SUB_ID),
                       _id(fields, CL_ORD_ID), _id(fields, ORIG_CL_ORD_ID), in_seq)


def utc_timestamp(ns: int) -> str:
    """FIX UTCTimestamp (milliseconds) of an exchange time, which is Bangkok's (UTC+7)."""
    return format_utc(ns - BANGKOK_OFFSET_NS)


def _type_fields(kind: OrderType, validity: Validity) -> list[tuple[int, str]]:
    if kind is OrderType.ATO:
        return [(ORD_TYPE, "1"), (TIME_IN_FORCE, "2")]
    if kind is OrderType.ATC:
        return [(ORD_TYPE, "1"), (TIME_IN_FORCE, "7")]
    code = {OrderType.LIMIT: "2", OrderType.MP_MKT: "1", OrderType.MP_MTL: "K"}[kind]
    return [(ORD_TYPE, code), (TIME_IN_FORCE, _TIF_CODE[validity])]


def execution_report(report: OrderReport, exec_id: str) -> Outbound:
    """Write an ExecutionReport (8) to the trader (TargetSubID, a header field, first); AvgPx
    is exact to 0.0001 satang, truncated."""
    order_id = str(report.order_no) if report.order_no is not None else "NONE"
    fields = [(TARGET_SUB_ID, report.trader), (ORDER_ID, order_id), (CL_ORD_ID, report.clordid)]
    if report.orig_clordid is not None:
        fields.append((ORIG_CL_ORD_ID, report.orig_clordid))
    fields += [(EXEC_ID, exec_id), (EXEC_TYPE, _EXEC_TYPE[report.kind]),
               (ORD_STATUS, _ORD_STATUS[report.status]), (ACCOUNT, report.account),
               (SYMBOL, report.symbol),
               (SIDE, _SIDE_CODE[report.side]), (ORDER_QTY, str(report.qty))]
    fields += _type_fields(report.type, report.validity)
    if report.position_effect is not None:
        fields.append((POSITION_EFFECT, _EFFECT_CODE[report.position_effect]))
    if report.price is not None:
        fields.append((PRICE, format_price(report.price)))
    if report.kind is ExecKind.TRADE and report.last_price is not None:
        fields += [(LAST_QTY, str(report.last_qty)), (LAST_PX, format_price(report.last_price))]
        if report.trade_no is not None:
            fields.append((TRD_MATCH_ID, str(report.trade_no)))
    fields += [(LEAVES_QTY, str(report.leaves)), (CUM_QTY, str(report.cum_qty)),
               (AVG_PX, average_price(report.cum_value, report.cum_qty)),
               (TRANSACT_TIME, utc_timestamp(report.ns))]
    if report.code is not None:
        if report.kind is ExecKind.REJECTED:
            fields.append((ORD_REJ_REASON, _ORD_REJ.get(report.code, "99")))
        fields.append((REJECT_CODE, report.code))
    if report.text:
        fields.append((TEXT, report.text))
    return "8", fields


def order_cancel_reject(reject: RequestRejected) -> Outbound:
    """Write an OrderCancelReject (9); OrdStatus 8 when the order is not the requester's."""
    status = _ORD_STATUS[reject.status] if reject.status is not None else "8"
    fields = [(TARGET_SUB_ID, reject.trader),
              (ORDER_ID, str(reject.order_no) if reject.order_no is not None else "NONE"),
              (CL_ORD_ID, reject.clordid), (ORIG_CL_ORD_ID, reject.orig_clordid),
              (ORD_STATUS, status), (CXL_REJ_RESPONSE_TO, "2" if reject.replace else "1"),
              (CXL_REJ_REASON, _CXL_REJ.get(reject.code, "99")), (REJECT_CODE, reject.code),
              (TEXT, reject.text)]
    return "9", fields


def unknown_order_status(fields: Fields) -> Outbound:
    """Answer an OrderStatusRequest for an order the trader may not see, or none: ExecType I,
    OrdStatus 8, the same text either way (decision 83)."""
    clordid = fields.get(CL_ORD_ID, "")
    return "8", [(ORDER_ID, "NONE"), (CL_ORD_ID, clordid or "NONE"), (EXEC_ID, "status-none"),
                 (EXEC_TYPE, "I"), (ORD_STATUS, "8"), (SYMBOL, fields.get(SYMBOL, "NONE")),
                 (SIDE, fields.get(SIDE, "1")), (LEAVES_QTY, "0"), (CUM_QTY, "0"),
                 (AVG_PX, "0"), (REJECT_CODE, "NOT_OWNER"),
                 (TEXT, f"no live order of yours has ClOrdID {clordid}")]
