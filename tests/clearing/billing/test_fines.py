"""Late-payment and delivery-fail fines (clearing-spec.md 3.8; decision C5; example E6)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siamex.clearing.billing.fines import (
    delivery_fail_human_error_fine,
    delivery_fail_other_cause_fine,
    delivery_fail_rate,
    late_payment_human_error_fine,
    late_payment_other_cause_ceiling,
)
from siamex.clearing.foundations.money import parse_baht
from siamex.clearing.foundations.parameters import ClearingRules

MIN_FINE = parse_baht("300")


def test_human_error_late_payments_rise_with_the_count_in_the_year() -> None:
    # E6 (a): 5,000 + 10,000 + 50,000 = 65,000
    assert sum(late_payment_human_error_fine(n) for n in (1, 2, 3)) == parse_baht("65000")
    assert late_payment_human_error_fine(4) == parse_baht("50000")
    assert late_payment_human_error_fine(12) == parse_baht("50000")


def test_late_payment_of_another_cause_is_capped_at_twice_the_unpaid_amount() -> None:
    # E6 (b): 12,000,000 unpaid -> ceiling 24,000,000
    assert late_payment_other_cause_ceiling(parse_baht("12000000")) == parse_baht("24000000")


def test_delivery_fail_of_another_cause_is_a_share_of_the_value_by_days_late() -> None:
    # E6 (c): 2,000,000 cured after 2 business days -> 0.75% -> 15,000
    assert delivery_fail_other_cause_fine(parse_baht("2000000"), 2) == parse_baht("15000")


def test_delivery_fail_of_another_cause_is_at_least_300_per_security() -> None:
    # E6 (c): 30,000 for 1 day -> 150 -> the minimum 300
    assert delivery_fail_other_cause_fine(parse_baht("30000"), 1) == MIN_FINE


def test_delivery_fail_ladder_by_business_days_late() -> None:
    assert [delivery_fail_rate(d) for d in (0, 1, 2, 3, 4)] == [
        Fraction("0.50"), Fraction("0.50"), Fraction("0.75"), Fraction(1), Fraction("1.75")]


def test_delivery_fail_beyond_the_ladder_keeps_the_last_rate() -> None:
    # decision C5: beyond 4 days, 1.75% unless configured
    assert delivery_fail_rate(5) == Fraction("1.75")
    assert delivery_fail_rate(30) == Fraction("1.75")
    longer = ClearingRules({"delivery_fail_ladder": [[1, "0.50"], [2, "0.75"], [3, "1.00"],
                                                     [4, "1.75"], [5, "3.75"]]})
    assert delivery_fail_rate(5, longer) == Fraction("3.75")
    assert delivery_fail_rate(9, longer) == Fraction("3.75")


def test_human_error_delivery_fails_per_security_by_count_in_the_year() -> None:
    # E6 (d): the 2nd covering 3 securities -> 6,000; the 3rd (1 security) -> 5,000; 1st -> 0
    assert delivery_fail_human_error_fine(2, securities=3) == parse_baht("6000")
    assert delivery_fail_human_error_fine(3, securities=1) == parse_baht("5000")
    assert delivery_fail_human_error_fine(1, securities=4) == 0
    assert delivery_fail_human_error_fine(7, securities=2) == parse_baht("10000")


def test_an_unwaived_first_fail_is_priced_by_the_tables_first_row() -> None:
    rules = ClearingRules({"delivery_fail_human_fines": ["1000", "2000", "5000"]})
    assert delivery_fail_human_error_fine(1, securities=2, rules=rules) == parse_baht("2000")


def test_counts_and_amounts_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError):
        late_payment_human_error_fine(0)
    with pytest.raises(ValueError):
        delivery_fail_human_error_fine(2, securities=0)
    with pytest.raises(ValueError):
        delivery_fail_rate(-1)
    with pytest.raises(ValueError):
        delivery_fail_other_cause_fine(-1, 1)
    with pytest.raises(ValueError):
        late_payment_other_cause_ceiling(-1)


@given(st.integers(min_value=0, max_value=10**13), st.integers(min_value=0, max_value=20),
       st.integers(min_value=0, max_value=20))
def test_delivery_fail_fine_is_at_least_the_minimum_and_grows_with_lateness(
        value: int, days: int, more: int) -> None:
    fine = delivery_fail_other_cause_fine(value, days)
    assert fine >= MIN_FINE
    assert fine <= delivery_fail_other_cause_fine(value, days + more)


@given(st.integers(min_value=1, max_value=50), st.integers(min_value=1, max_value=50))
def test_human_error_fines_never_fall_as_the_year_goes_on(count: int, more: int) -> None:
    assert late_payment_human_error_fine(count) <= late_payment_human_error_fine(count + more)
    assert (delivery_fail_human_error_fine(count, 1)
            <= delivery_fail_human_error_fine(count + more, 1))
