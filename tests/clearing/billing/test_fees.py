"""Clearing, monthly and PSMS fees (clearing-spec.md 3.8; decisions C3, C4; examples E4, E5)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siamex.clearing.billing.fees import (
    clearing_fee,
    monthly_fee,
    psms_bill,
    psms_tiered_charge,
)
from siamex.clearing.foundations.members import MemberType
from siamex.clearing.foundations.money import parse_baht, round_half_up
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules

SLAB = ClearingRules({"psms_tier_mode": "slab"})
CAP = DEFAULT_CLEARING_RULES.clearing_fee_cap


def test_clearing_fee_is_a_thousandth_of_a_percent_of_the_order_value() -> None:
    # E4: 5,000,000 -> 50.00 (a float gives 50.00000000000001)
    assert clearing_fee(parse_baht("5000000")) == parse_baht("50.00")


def test_clearing_fee_is_capped_at_350_per_order() -> None:
    # E4: 35,000,000 -> 350.00 exactly; 80,000,000 -> 800 capped at 350.00
    assert clearing_fee(parse_baht("35000000")) == parse_baht("350.00")
    assert clearing_fee(parse_baht("80000000")) == parse_baht("350.00")


def test_clearing_fee_rounds_half_up_to_the_satang() -> None:
    # E4: E1 trade 2, 152,500 -> 1.525 -> 1.53 (banker's rounding would give 1.52)
    assert clearing_fee(parse_baht("152500")) == parse_baht("1.53")
    assert clearing_fee(parse_baht("152499")) == parse_baht("1.52")


def test_clearing_fee_refuses_a_negative_value() -> None:
    with pytest.raises(ValueError):
        clearing_fee(-1)


@given(st.integers(min_value=0, max_value=10**14))
def test_clearing_fee_never_exceeds_the_cap_and_is_exact_below_it(value: int) -> None:
    fee = clearing_fee(value)
    assert 0 <= fee <= CAP
    exact = round_half_up(Fraction(value, 100_000))
    assert fee == min(exact, CAP)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**12))
def test_clearing_fee_is_monotone_in_the_traded_value(value: int, more: int) -> None:
    assert clearing_fee(value) <= clearing_fee(value + more)


def test_monthly_fee_by_member_type() -> None:
    assert monthly_fee(MemberType.GCM) == parse_baht("15000")
    assert monthly_fee(MemberType.DCM) == parse_baht("15000")
    assert monthly_fee(MemberType.SETTLEMENT_AGENT) == parse_baht("7500")


def test_psms_bill_with_marginal_tiers() -> None:
    # E5: 5,000x50 + 5,000x45 + 2,000x40 = 555,000, plus 300x7.50 = 2,250 -> 557,250.00
    bill = psms_bill(12_000, internal_same_client=500, internal_other_client=300)
    assert bill.clearing_to_custodian == parse_baht("555000")
    assert bill.internal_same_client == 0
    assert bill.internal_other_client == parse_baht("2250")
    assert bill.total == parse_baht("557250.00")


def test_psms_bill_with_slab_tiers() -> None:
    # E5: 12,000x40 = 480,000 + 2,250 -> 482,250.00
    bill = psms_bill(12_000, internal_same_client=500, internal_other_client=300, rules=SLAB)
    assert bill.clearing_to_custodian == parse_baht("480000")
    assert bill.total == parse_baht("482250.00")


def test_psms_tiers_change_at_their_first_item() -> None:
    # 3.8: tier 2 from item 5,001, tier 4 from item 15,001
    assert psms_tiered_charge(0) == 0
    assert psms_tiered_charge(5_000) == parse_baht("250000")
    assert psms_tiered_charge(5_001) == parse_baht("250045")
    assert psms_tiered_charge(15_001) == parse_baht("675035")
    assert psms_tiered_charge(5_000, SLAB) == parse_baht("250000")
    assert psms_tiered_charge(5_001, SLAB) == 5_001 * parse_baht("45")
    assert psms_tiered_charge(0, SLAB) == 0


def _tier_fee(item: int) -> int:
    return [fee for start, fee in DEFAULT_CLEARING_RULES.psms_tiers if start <= item][-1]


@given(st.integers(min_value=1, max_value=40_000))
def test_marginal_psms_charge_adds_each_items_own_tier_fee(count: int) -> None:
    assert psms_tiered_charge(count) - psms_tiered_charge(count - 1) == _tier_fee(count)


@given(st.integers(min_value=0, max_value=40_000))
def test_slab_psms_charge_prices_every_item_at_the_months_tier(count: int) -> None:
    slab = psms_tiered_charge(count, SLAB)
    assert slab == (count * _tier_fee(count) if count else 0)
    assert slab <= psms_tiered_charge(count)  # the tiers fall, so a slab never costs more


def test_psms_bill_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        psms_bill(-1, 0, 0)
    with pytest.raises(ValueError):
        psms_bill(0, 0, -1)
