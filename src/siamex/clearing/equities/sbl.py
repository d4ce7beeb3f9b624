"""Securities lending for a covered fail: TCH borrows for a failing member (clearing-spec.md 3.6).

The loan is secured by cash only, marked to market twice a day, so the collateral follows the
shares' price both ways; the term is counted in business days, so the due date takes the
calendar as a function and stays pure. The borrowing fee's rate is not public (spec 8.5): it
comes in as an amount, and only TCH's service fee on it is priced here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from siamex.clearing.foundations.money import percent_of
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.rulebook.calendar import trading_day_offset

__all__ = [
    "AddBusinessDays",
    "collateral_adjustment",
    "latest_due_date",
    "lender_penalty",
    "loan_collateral",
    "tch_service_fee",
]

AddBusinessDays = Callable[[dt.date, int], dt.date]
"""A business-day calendar: the business day `n` business days after a date."""


def _value(quantity: int, price: int) -> int:
    if quantity < 0 or price < 0:
        raise ValueError("a quantity and a price must not be negative")
    return quantity * price


def loan_collateral(quantity: int, price: int,
                    rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Return the cash collateral a loan of `quantity` shares at `price` satang requires."""
    # 3.6 [S002]: cash only, 130% of the borrowed value
    return percent_of(_value(quantity, price), rules.sbl_collateral_pct)


def collateral_adjustment(quantity: int, price: int, held: int,
                          rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Return the mark-to-market move of a loan's collateral at today's price.

    Positive: the borrower tops up that much; negative: that much excess goes back to it.
    """
    # 3.6 [S002]: marked to market at the start and end of each day
    return loan_collateral(quantity, price, rules) - held


def tch_service_fee(borrowing_fee: int, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Return TCH's service fee on a loan's borrowing fee; borrower and lender each pay it."""
    if borrowing_fee < 0:
        raise ValueError(f"a borrowing fee must not be negative, got {borrowing_fee}")
    # 3.6 [S002]: 10% of the borrowing fee, to both borrower and lender
    return percent_of(borrowing_fee, rules.sbl_service_fee_pct)


def latest_due_date(start: dt.date, add_business_days: AddBusinessDays = trading_day_offset,
                    rules: ClearingRules = DEFAULT_CLEARING_RULES) -> dt.date:
    """Return the last day a loan starting on `start` may run to; an earlier return is allowed.

    The default calendar is SET's (siamex.rulebook.calendar); a test or another market passes
    its own.
    """
    # 3.6 [S002]: term at most 6 business days
    return add_business_days(start, rules.sbl_max_days)


def lender_penalty(quantity: int, price: int,
                   rules: ClearingRules = DEFAULT_CLEARING_RULES) -> int:
    """Return the least cash TCH pays a lender whose shares cannot be returned or re-borrowed.

    `price` is the day's price in satang; TCH may pay more, the rule sets only the floor.
    """
    # 3.6 [S002]: at least 130% of the lent value
    return percent_of(_value(quantity, price), rules.sbl_penalty_pct)
