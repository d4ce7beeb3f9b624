"""Risk collateral: EWS, settlement cap, Cover-2 stress and the call (clearing-spec.md 3.5;
decision C6; examples E2, E3), and eligible collateral after haircut."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siamex.clearing.foundations.money import parse_baht
from siamex.clearing.foundations.parameters import ClearingRules
from siamex.clearing.risk.measures import (
    AssetKind,
    IneligibleCollateral,
    PendingPosition,
    Pledge,
    Quote,
    RiskCall,
    collateral_held,
    cumulative_settlement_value,
    current_exposure,
    early_warning,
    potential_future_exposure,
    settlement_cap_call,
    stress_calls,
    uncovered_stress_loss,
    value_after_haircut,
)

M = parse_baht("1000000")
X, Y = parse_baht("30"), parse_baht("100")
E2_QUOTES = {"X": Quote(X, Fraction(8)), "Y": Quote(Y, Fraction(6))}
E2_POSITIONS = [
    PendingPosition("client", "X", 1_000_000, 1_000_000 * X),
    PendingPosition("client", "Y", -200_000, -200_000 * Y),
]
E3_UNCOVERED = {"M1": 9 * M, "M2": 6 * M, "M3": 2 * M}
E3_RESOURCES = parse_baht("12500000")


def test_early_warning_is_exposure_beyond_the_tolerance() -> None:
    # E2: PFE = 30M x 8% + 20M x 6% = 2.4M + 1.2M = 3.6M; CE = 0; L = 2.0M -> EWS 1.6M
    pfe = potential_future_exposure(E2_POSITIONS, E2_QUOTES)
    ce = current_exposure(E2_POSITIONS, E2_QUOTES)
    assert (pfe, ce) == (parse_baht("3600000"), 0)
    assert early_warning(pfe, ce, tolerance=2 * M) == parse_baht("1600000")


def test_settlement_cap_calls_the_csv_above_the_cap() -> None:
    # E2: CSV = 45M (SD1) + 30M (SD2) = 75M; Cap = 72M -> CAP 3.0M
    csv = cumulative_settlement_value([-45 * M, 30 * M])
    assert csv == 75 * M
    assert settlement_cap_call(csv, cap=72 * M) == 3 * M
    assert settlement_cap_call(csv, cap=80 * M) == 0
    half = ClearingRules({"settlement_cap_call_pct": 50})
    assert settlement_cap_call(csv, cap=72 * M, rules=half) == parse_baht("1500000")


def test_cover_2_shortfall_is_called_from_the_two_largest_uncovered_losses() -> None:
    # E3: Cover2 = 15.0M, FR = 12.5M -> Short 2.5M; M1 1.5M, M2 1.0M, M3 0
    assert stress_calls(E3_UNCOVERED, E3_RESOURCES) == {
        "M1": parse_baht("1500000"), "M2": 1 * M, "M3": 0}


def test_collateral_call_is_the_largest_measure_less_collateral_held() -> None:
    # E2: Required = max(1.6M, 3.0M, 1.5M) = 3.0M; 1.0M held -> call 2.0M
    call = RiskCall(ews=parse_baht("1600000"), cap=3 * M,
                    stress=stress_calls(E3_UNCOVERED, E3_RESOURCES)["M1"], held=1 * M)
    assert call.required == 3 * M
    assert call.call == 2 * M
    assert RiskCall(ews=0, cap=0, stress=0, held=M).call == 0


def test_pfe_nets_an_account_across_settlement_dates_but_never_across_accounts() -> None:
    quotes = {"X": Quote(X, Fraction(10))}
    same_account = [PendingPosition("client", "X", 1_000, 1_000 * X),
                    PendingPosition("client", "X", -600, -600 * X)]
    two_accounts = [PendingPosition("client", "X", 1_000, 1_000 * X),
                    PendingPosition("portfolio", "X", -600, -600 * X)]
    assert potential_future_exposure(same_account, quotes) == 400 * X // 10
    assert potential_future_exposure(two_accounts, quotes) == 1_600 * X // 10


def test_current_exposure_counts_buys_above_and_sells_below_the_market() -> None:
    quotes = {"X": Quote(parse_baht("28"), Fraction(8))}
    bought_high = [PendingPosition("client", "X", 1_000, 1_000 * X)]
    sold_low = [PendingPosition("client", "X", -1_000, -1_000 * parse_baht("27"))]
    assert current_exposure(bought_high, quotes) == parse_baht("2000")
    assert current_exposure(sold_low, quotes) == parse_baht("1000")
    assert current_exposure(bought_high + sold_low, quotes) == parse_baht("3000")
    sold_high = [PendingPosition("client", "X", -1_000, -1_000 * X)]
    assert current_exposure(sold_high, quotes) == 0


def test_uncovered_stress_loss_is_what_collateral_leaves_over() -> None:
    assert uncovered_stress_loss(10 * M, 1 * M) == 9 * M
    assert uncovered_stress_loss(1 * M, 2 * M) == 0


def test_stress_calls_nothing_when_the_resources_cover_two_defaults() -> None:
    assert stress_calls(E3_UNCOVERED, 15 * M) == {"M1": 0, "M2": 0, "M3": 0}
    assert stress_calls({}, 0) == {}


def test_stress_second_largest_tie_goes_to_the_smaller_member_id() -> None:
    calls = stress_calls({"B": 5 * M, "A": 5 * M, "C": 10 * M}, 12 * M)
    assert calls == {"A": 1 * M, "B": 0, "C": 2 * M}


def test_collateral_counts_after_its_haircut() -> None:
    shares = Pledge(AssetKind.SET_LISTED_SHARE, M, Fraction(20), issuer_group="PTT")
    bond = Pledge(AssetKind.THAI_GOVT_BOND, M, Fraction("2.5"))
    cash = Pledge(AssetKind.CASH_THB, M)
    assert value_after_haircut(shares, member_group="KBANK") == parse_baht("800000")
    assert value_after_haircut(bond, member_group="KBANK") == parse_baht("975000")
    assert value_after_haircut(cash, member_group="KBANK") == M
    bot = Pledge(AssetKind.BOT_BOND, parse_baht("0.03"), Fraction(50))
    assert value_after_haircut(bot, member_group="KBANK") == 2  # 1.5 satang, half up
    assert collateral_held([shares, bond, cash], "KBANK") == parse_baht("2775000")


def test_shares_of_the_members_own_group_are_refused_unless_owed_to_tch() -> None:
    own = Pledge(AssetKind.SET_LISTED_SHARE, M, Fraction(20), issuer_group="KBANK")
    with pytest.raises(IneligibleCollateral):
        value_after_haircut(own, member_group="KBANK")
    owed = Pledge(AssetKind.SET_LISTED_SHARE, M, Fraction(20), issuer_group="KBANK",
                  owed_to_tch=True)
    assert value_after_haircut(owed, member_group="KBANK") == parse_baht("800000")


def test_a_haircut_outside_0_to_100_percent_is_refused() -> None:
    with pytest.raises(ValueError):
        value_after_haircut(Pledge(AssetKind.CASH_THB, M, Fraction(101)), "KBANK")


@given(st.dictionaries(st.text("ABCDEFGH", min_size=1, max_size=2),
                       st.integers(min_value=0, max_value=10**12), max_size=8),
       st.integers(min_value=0, max_value=10**12))
def test_stress_calls_cover_the_shortfall_to_the_satang_from_two_members(
        uncovered: dict[str, int], resources: int) -> None:
    calls = stress_calls(uncovered, resources)
    top_two = sorted(uncovered.values(), reverse=True)[:2]
    short = max(0, sum(top_two) - resources)
    assert short <= sum(calls.values()) <= short + 1
    assert sum(1 for c in calls.values() if c) <= 2
    assert all(0 <= calls[m] <= uncovered[m] for m in uncovered)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**12),
       st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**12))
def test_the_call_tops_the_held_collateral_up_to_the_largest_measure(
        ews: int, cap: int, stress: int, held: int) -> None:
    call = RiskCall(ews, cap, stress, held)
    assert call.required >= max(ews, cap, stress)
    assert call.call >= 0
    assert held + call.call >= call.required
