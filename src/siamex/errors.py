"""Errors at the file and command-line edges, each with a stable code.

Order-level problems are not errors: they become `rejected` events (siamex.trading.rejects).
These are for input that cannot be run at all: a scenario that is not JSON, a date the exchange
does not trade, a rulebook parameter that does not exist.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

__all__ = ["ErrorCode", "SiamexError", "read_input"]


class ErrorCode(Enum):
    """Stable codes of file and command-line errors; add new ones, never rename."""

    FILE_NOT_FOUND = "FILE_NOT_FOUND"
    SCENARIO_SYNTAX = "SCENARIO_SYNTAX"
    SCENARIO_FIELD = "SCENARIO_FIELD"
    NOT_TRADING_DAY = "NOT_TRADING_DAY"
    UNKNOWN_PARAMETER = "UNKNOWN_PARAMETER"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    NOT_IMPLEMENTED = "NOT_IMPLEMENTED"
    STATE_FILE = "STATE_FILE"
    JOURNAL_CORRUPT = "JOURNAL_CORRUPT"
    JOURNAL_VERSION = "JOURNAL_VERSION"
    JOURNAL_MISMATCH = "JOURNAL_MISMATCH"
    MEMBER_FILE = "MEMBER_FILE"
    MEMBER_NOT_QUALIFIED = "MEMBER_NOT_QUALIFIED"
    TRADE_FILE = "TRADE_FILE"
    GROSS_NOT_ALLOWED = "GROSS_NOT_ALLOWED"
    CORRECTION_REFUSED = "CORRECTION_REFUSED"
    CUTOFF_PASSED = "CUTOFF_PASSED"
    HOLDINGS_FILE = "HOLDINGS_FILE"
    CLEARING_STATE = "CLEARING_STATE"
    INSTRUCTIONS_FILE = "INSTRUCTIONS_FILE"
    CONFIG_FILE = "CONFIG_FILE"
    DATA_FOLDER = "DATA_FOLDER"
    FEED_CONNECTION = "FEED_CONNECTION"
    PRODUCT_FILE = "PRODUCT_FILE"
    SERIES_FILE = "SERIES_FILE"
    UNKNOWN_SERIES = "UNKNOWN_SERIES"
    SERIES_EXPIRED = "SERIES_EXPIRED"
    ACCOUNT_FILE = "ACCOUNT_FILE"
    CHANGE_WINDOW = "CHANGE_WINDOW"
    APPROVAL_REQUIRED = "APPROVAL_REQUIRED"
    AGREEMENT_REQUIRED = "AGREEMENT_REQUIRED"
    BENEFICIARY_DIFFERS = "BENEFICIARY_DIFFERS"
    INSUFFICIENT_POSITION = "INSUFFICIENT_POSITION"
    MARGIN_FILE = "MARGIN_FILE"
    PRICE_HISTORY_FILE = "PRICE_HISTORY_FILE"
    CALENDAR_FILE = "CALENDAR_FILE"
    COLLATERAL_FILE = "COLLATERAL_FILE"
    FUND_FILE = "FUND_FILE"
    INELIGIBLE_COLLATERAL = "INELIGIBLE_COLLATERAL"
    INSUFFICIENT_COLLATERAL = "INSUFFICIENT_COLLATERAL"
    WITHDRAWAL_WINDOW = "WITHDRAWAL_WINDOW"
    EXCESS_EXCEEDED = "EXCESS_EXCEEDED"
    DEPOSITORY_FILE = "DEPOSITORY_FILE"
    MEASURES_STATE = "MEASURES_STATE"
    FINES_FILE = "FINES_FILE"
    CREDIT_REPORT = "CREDIT_REPORT"
    EXCHANGE_VALUE = "EXCHANGE_VALUE"
    CALL_OUTSTANDING = "CALL_OUTSTANDING"
    OPENING_BLOCKED = "OPENING_BLOCKED"
    NO_BROWSER = "NO_BROWSER"
    CERTIFY_SCRIPT = "CERTIFY_SCRIPT"
    CERTIFY_REPORT = "CERTIFY_REPORT"
    CERTIFY_KEY = "CERTIFY_KEY"


class SiamexError(Exception):
    """An input that cannot be run; `code` is stable, the message says what to fix."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"error[{self.code.value}]: {self.message}"


def read_input(path: Path) -> bytes:
    """Read a file a command names, whole: one that cannot be read is `FILE_NOT_FOUND`, the
    same at every edge."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"cannot read {path}: {exc.strerror}"
                          ) from None
