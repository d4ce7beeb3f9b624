"""The default waterfall and the fund's repayment (clearing-spec.md 3.7; decision C7; E7)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siamex.clearing.default.waterfall import (
    Layer,
    Resources,
    apply_waterfall,
    fund_repayment_interest,
    pro_rata,
)
from siamex.clearing.foundations.money import parse_baht
from siamex.clearing.foundations.parameters import ClearingRules

M = parse_baht("1000000")
E7 = Resources(
    defaulter_collateral=150 * M,
    defaulter_contribution=25 * M,
    non_defaulter_contributions={"P": 150 * M, "Q": 100 * M, "R": 50 * M},
    set_tranche_2=140 * M,
    reserve_fund=2_000 * M,
)


def _uses(loss: int) -> list[int]:
    return list(apply_waterfall(loss, E7).uses.values())


def test_waterfall_shares_a_400m_loss_among_non_defaulters_pro_rata() -> None:
    # E7: 150 + 25 + 60 + 165 (P 82.5, Q 55, R 27.5); tranche 2 and the Reserve untouched
    result = apply_waterfall(400 * M, E7)
    assert list(result.uses) == list(Layer)
    assert _uses(400 * M) == [150 * M, 25 * M, 60 * M, 165 * M, 0, 0]
    assert result.shares == {"P": parse_baht("82500000"), "Q": 55 * M,
                             "R": parse_baht("27500000")}
    assert result.uncovered == 0
    assert result.fund_used == 250 * M


def test_waterfall_reaches_the_reserve_fund_for_an_800m_loss() -> None:
    # E7: 150 + 25 + 60 + 300 + 140 + 125 from the Reserve Fund
    assert _uses(800 * M) == [150 * M, 25 * M, 60 * M, 300 * M, 140 * M, 125 * M]
    assert apply_waterfall(800 * M, E7).shares == {"P": 150 * M, "Q": 100 * M, "R": 50 * M}


def test_waterfall_reports_a_loss_beyond_every_layer_as_uncovered() -> None:
    result = apply_waterfall(3_000 * M, E7)
    assert result.uncovered == 3_000 * M - 2_675 * M
    assert result.uses[Layer.RESERVE_FUND] == 2_000 * M


def test_set_tranche_1_is_the_rules_amount_unless_its_balance_is_given() -> None:
    assert apply_waterfall(200 * M, E7).uses[Layer.SET_TRANCHE_1] == 25 * M
    spent = Resources(E7.defaulter_collateral, E7.defaulter_contribution,
                      E7.non_defaulter_contributions, E7.set_tranche_2, E7.reserve_fund,
                      set_tranche_1=10 * M)
    assert apply_waterfall(200 * M, spent).uses[Layer.SET_TRANCHE_1] == 10 * M
    bigger = ClearingRules({"set_tranche_1": "100000000"})
    assert apply_waterfall(400 * M, E7, bigger).uses[Layer.SET_TRANCHE_1] == 100 * M


def test_pro_rata_gives_leftover_satang_to_the_largest_remainders_then_smallest_id() -> None:
    assert pro_rata(100, {"c": 1, "b": 1, "a": 1}) == {"a": 34, "b": 33, "c": 33}
    assert pro_rata(1, {"a": 1, "b": 2}) == {"a": 0, "b": 1}
    assert pro_rata(0, {"a": 0}) == {"a": 0}
    with pytest.raises(ValueError):
        pro_rata(1, {"a": 0})


def test_waterfall_refuses_negative_amounts() -> None:
    with pytest.raises(ValueError):
        apply_waterfall(-1, E7)


def test_fund_repayment_is_simple_interest_actual_365_from_the_date_of_use() -> None:
    used = dt.date(2024, 1, 1)
    # 1,000,000 at 5% a year for 73 days = 10,000
    assert fund_repayment_interest(M, used, dt.date(2024, 3, 14)) == parse_baht("10000")
    assert fund_repayment_interest(M, used, used) == 0
    # a leap year still divides by 365: 366 days cost more than a year's 5%
    assert fund_repayment_interest(M, used, dt.date(2025, 1, 1)) == parse_baht("50136.99")
    # 36.50 THB for one day is half a satang, rounded up
    assert fund_repayment_interest(3_650, used, dt.date(2024, 1, 2)) == 1
    with pytest.raises(ValueError):
        fund_repayment_interest(M, used, dt.date(2023, 12, 31))


_amounts = st.integers(min_value=0, max_value=10**12)


@given(_amounts, _amounts, _amounts, st.dictionaries(st.text("PQRSTU", min_size=1, max_size=2),
                                                      _amounts, max_size=6),
       _amounts, _amounts, st.integers(min_value=0, max_value=10**13))
def test_waterfall_uses_each_layer_in_turn_and_accounts_for_the_whole_loss(
        collateral: int, own: int, tranche_1: int, others: dict[str, int], tranche_2: int,
        reserve: int, loss: int) -> None:
    resources = Resources(collateral, own, others, tranche_2, reserve, set_tranche_1=tranche_1)
    result = apply_waterfall(loss, resources)
    balances = [collateral, own, tranche_1, sum(others.values()), tranche_2, reserve]
    uses = list(result.uses.values())
    assert sum(uses) + result.uncovered == loss
    assert all(0 <= use <= balance for use, balance in zip(uses, balances, strict=True))
    for layer in range(1, 6):  # a layer is touched only once every earlier one is used up
        if uses[layer]:
            assert uses[:layer] == balances[:layer]
    assert result.uncovered == 0 or uses == balances
    assert sum(result.shares.values()) == result.uses[Layer.NON_DEFAULTER_CONTRIBUTIONS]
    assert all(0 <= result.shares[m] <= others[m] for m in others)


@given(st.dictionaries(st.text("abcdef", min_size=1, max_size=3),
                       st.integers(min_value=1, max_value=10**10), min_size=1, max_size=8),
       st.integers(min_value=0, max_value=10**12))
def test_pro_rata_parts_sum_exactly_and_stay_within_a_satang_of_the_exact_share(
        weights: dict[str, int], amount: int) -> None:
    total = sum(weights.values())
    parts = pro_rata(amount, weights)
    assert sum(parts.values()) == amount
    for member, weight in weights.items():
        # |part - amount * weight / total| < 1: the exact share rounded down or up
        assert abs(parts[member] * total - amount * weight) < total
