"""Reject and engine-cancel reason codes, each tied to the rule it enforces.

The codes are stable (scenario-format.md): new ones may be added, none is ever renamed.
"""

from __future__ import annotations

from enum import Enum

__all__ = ["CancelReason", "Reject"]


class Reject(Enum):
    """Why an order, amend or cancel was refused."""

    UNKNOWN_SYMBOL = "UNKNOWN_SYMBOL"
    TICK_SIZE = "TICK_SIZE"
    PRICE_LIMIT = "PRICE_LIMIT"
    BOARD_LOT = "BOARD_LOT"
    MAX_ORDER_QTY = "MAX_ORDER_QTY"
    ORDER_TYPE_NOT_ALLOWED = "ORDER_TYPE_NOT_ALLOWED"
    MARKET_CLOSED = "MARKET_CLOSED"
    HALTED = "HALTED"
    NO_MATCHING_PERIOD = "NO_MATCHING_PERIOD"
    MIN_RESTING_TIME = "MIN_RESTING_TIME"
    SHORT_SALE_PRICE = "SHORT_SALE_PRICE"
    SHORT_SALE_NOT_ELIGIBLE = "SHORT_SALE_NOT_ELIGIBLE"
    SHORT_SALE_LIMIT = "SHORT_SALE_LIMIT"
    CASH_BALANCE_REQUIRED = "CASH_BALANCE_REQUIRED"
    UNKNOWN_ORDER = "UNKNOWN_ORDER"
    NOT_OWNER = "NOT_OWNER"
    AMEND_NOT_ALLOWED = "AMEND_NOT_ALLOWED"
    DUPLICATE_ID = "DUPLICATE_ID"
    TRADE_REPORT_PRICE = "TRADE_REPORT_PRICE"
    TRADE_REPORT_SIZE = "TRADE_REPORT_SIZE"
    KILL_SWITCH = "KILL_SWITCH"
    INVALID = "INVALID"
    NOT_IMPLEMENTED = "NOT_IMPLEMENTED"


class CancelReason(Enum):
    """Why the engine itself cancelled (part of) an order; a member's own cancel has none."""

    AUCTION_UNFILLED = "AUCTION_UNFILLED"
    FAK_REMAINDER = "FAK_REMAINDER"
    FOK_UNFILLED = "FOK_UNFILLED"
    NO_OPPOSITE_ORDER = "NO_OPPOSITE_ORDER"
    SELF_MATCH = "SELF_MATCH"
    EXPIRED = "EXPIRED"
    PRICE_LIMIT = "PRICE_LIMIT"
    DELISTED = "DELISTED"
