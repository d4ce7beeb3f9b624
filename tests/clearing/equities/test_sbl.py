"""Securities lending for a covered fail (clearing-spec.md 3.6; example E8)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siamex.clearing.equities.sbl import (
    collateral_adjustment,
    latest_due_date,
    lender_penalty,
    loan_collateral,
    tch_service_fee,
)
from siamex.clearing.foundations.money import parse_baht
from siamex.clearing.foundations.parameters import ClearingRules

SHARES = 20_000


def test_loan_collateral_is_130_percent_of_the_borrowed_value_in_cash() -> None:
    # E8: 20,000 @ 45.00 = 900,000 -> 1,170,000
    assert loan_collateral(SHARES, parse_baht("45.00")) == parse_baht("1170000")


def test_mark_to_market_tops_up_when_the_price_rises() -> None:
    # E8: next day's close 48.00 -> required 1,248,000 -> top-up 78,000
    held = parse_baht("1170000")
    assert collateral_adjustment(SHARES, parse_baht("48.00"), held) == parse_baht("78000")


def test_mark_to_market_returns_the_excess_when_the_price_falls() -> None:
    held = parse_baht("1248000")
    assert collateral_adjustment(SHARES, parse_baht("40.00"), held) == -parse_baht("208000")


def test_tch_service_fee_is_a_tenth_of_the_borrowing_fee() -> None:
    # E8: borrowing fee 600 -> 60 from the borrower and 60 from the lender
    assert tch_service_fee(parse_baht("600")) == parse_baht("60")
    assert tch_service_fee(5) == 1  # 0.5 satang, half up


def test_lender_penalty_is_at_least_130_percent_of_the_lent_value() -> None:
    # E8: not returned, not re-borrowable, at 47.00 -> 20,000 x 47 x 1.30 = 1,222,000
    assert lender_penalty(SHARES, parse_baht("47.00")) == parse_baht("1222000")


def test_loan_term_is_six_set_business_days() -> None:
    # E9's calendar: 13-15 Apr 2021 are holidays, so a loan from Mon 12 Apr runs to Fri 23 Apr
    assert latest_due_date(dt.date(2021, 4, 12)) == dt.date(2021, 4, 23)


def test_loan_term_follows_the_calendar_it_is_given() -> None:
    def weekdays(day: dt.date, count: int) -> dt.date:
        while count:
            day += dt.timedelta(days=1)
            count -= day.weekday() < 5
        return day

    assert latest_due_date(dt.date(2021, 4, 12), weekdays) == dt.date(2021, 4, 20)
    three = ClearingRules({"sbl_max_days": 3})
    assert latest_due_date(dt.date(2021, 4, 16), weekdays, three) == dt.date(2021, 4, 21)


def test_negative_quantities_prices_and_fees_are_refused() -> None:
    with pytest.raises(ValueError):
        loan_collateral(-1, 100)
    with pytest.raises(ValueError):
        lender_penalty(1, -100)
    with pytest.raises(ValueError):
        tch_service_fee(-1)


@given(st.integers(min_value=0, max_value=10**8), st.integers(min_value=1, max_value=10**7),
       st.integers(min_value=1, max_value=10**7))
def test_after_the_adjustment_the_collateral_is_exactly_what_the_price_requires(
        quantity: int, first: int, second: int) -> None:
    held = loan_collateral(quantity, first)
    assert held + collateral_adjustment(quantity, second, held) == loan_collateral(
        quantity, second)
