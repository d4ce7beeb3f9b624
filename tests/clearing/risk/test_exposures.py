"""The daily risk measures of each clearing member (clearing-spec.md 3.5, E2, E3), gathered
from its pending exposures and its member record: PFE at the day's risk rates or the default
one, the tolerance from net capital, the cap from equity, the stress loss given or the default
move, Cover-2 against the financial resources, and the call, the largest less what it holds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction

from siamex.clearing.foundations.members import (
    Account,
    AccountType,
    Member,
    MemberRegistry,
    MemberType,
)
from siamex.clearing.foundations.parameters import ClearingRules
from siamex.clearing.risk.exposures import Exposure, MemberRisk, daily_risk
from siamex.clearing.risk.measures import RiskCall

BAHT = 100
M = 1_000_000 * BAHT  # satang in 1,000,000 THB
EQUITY = 600 * M  # above a GCM's least 500M; the cap is 1000% of it, 6,000M


def _registry(*members: tuple[str, int]) -> MemberRegistry:
    """GCMs of 600M equity with the given net capital, each clearing its own client account;
    and a settlement agent, which clears nothing and is never measured."""
    return MemberRegistry(
        [*(Member(m, MemberType.GCM, EQUITY, net_capital) for m, net_capital in members),
         Member("K", MemberType.SETTLEMENT_AGENT, 200 * M)],
        [Account(m, f"{m}-CLT", AccountType.CLIENT, m) for m, _ in members])


def _risk(registry: MemberRegistry, exposures: Iterable[Exposure],
          prices: Mapping[str, int], *, net_cash: Mapping[str, Iterable[int]] | None = None,
          risk_pct: Mapping[str, Fraction] | None = None,
          stress_losses: Mapping[str, int] | None = None, held: Mapping[str, int] | None = None,
          financial_resources: int = 10_000 * M,
          rules: ClearingRules | None = None) -> dict[str, MemberRisk]:
    return daily_risk(registry, exposures, net_cash or {}, prices, risk_pct or {},
                      stress_losses or {}, held or {}, financial_resources,
                      rules or ClearingRules())


def _buy(member: str, security: str, qty: int, price: int,
         account_type: str = "client") -> Exposure:
    """A pending net receipt (qty > 0) or delivery (qty < 0) traded at `price` satang."""
    return Exposure(member, account_type, security, qty, qty * price)


def test_e2_e3_the_call_is_the_largest_measure_less_what_is_held() -> None:
    # E2: M1 nets a buy of 1,000,000 X at 30 (r 8%) and a sale of 200,000 Y at 100 (r 6%),
    # L = 2.0M (10% of 20M net capital), Cap = 72M (12% of its 600M equity here), CSV 45 + 30M;
    # E3: uncovered stress losses 9.0M, 6.0M and 2.0M against financial resources of 12.5M
    registry = _registry(("M1", 20 * M), ("M2", 0), ("M3", 0))
    risk = _risk(
        registry, [_buy("M1", "X", 1_000_000, 30 * BAHT), _buy("M1", "Y", -200_000, 100 * BAHT)],
        {"X": 30 * BAHT, "Y": 100 * BAHT},
        net_cash={"M1": [-45 * M, 30 * M]}, risk_pct={"X": Fraction(8), "Y": Fraction(6)},
        stress_losses={"M1": 10 * M, "M2": 6 * M, "M3": 2 * M}, held={"M1": 1 * M},
        financial_resources=12_500_000 * BAHT,
        rules=ClearingRules({"settlement_cap_equity_pct": "12"}))
    assert risk["M1"] == MemberRisk(
        "M1", pfe=3_600_000 * BAHT, ce=0, tolerance=2 * M, csv=75 * M, cap=72 * M,
        stress_loss=10 * M, uncovered=9 * M,
        call=RiskCall(ews=1_600_000 * BAHT, cap=3 * M, stress=1_500_000 * BAHT, held=1 * M))
    assert risk["M1"].call.required == 3 * M and risk["M1"].call.call == 2 * M  # due 11:00
    assert risk["M2"].call == RiskCall(ews=0, cap=0, stress=1 * M, held=0)
    assert risk["M3"].uncovered == 2 * M and risk["M3"].call == RiskCall(0, 0, 0, 0)
    assert set(risk) == {"M1", "M2", "M3"}  # the settlement agent K is not measured


def test_pfe_uses_the_default_risk_rate_unless_the_day_gives_one() -> None:
    registry = _registry(("A", 0))  # no net capital: no tolerance, EWS = PFE + CE
    exposure = [_buy("A", "X", 10_000, 25 * BAHT)]  # 250,000 THB at the day's price
    default = _risk(registry, exposure, {"X": 25 * BAHT})["A"]
    assert default.pfe == 16_450 * BAHT  # 6.58% of 250,000 THB (ews_risk_pct)
    assert default.call.ews == 16_450 * BAHT
    given = _risk(registry, exposure, {"X": 25 * BAHT}, risk_pct={"X": Fraction(8)})["A"]
    assert given.pfe == given.call.ews == 20_000 * BAHT
    other = _risk(registry, exposure, {"X": 25 * BAHT}, risk_pct={"Y": Fraction(8)})["A"]
    assert other.pfe == 16_450 * BAHT  # a rate for another security changes nothing
    assert _risk(registry, exposure, {"X": 25 * BAHT},
                 rules=ClearingRules({"ews_risk_pct": "4"}))["A"].pfe == 10_000 * BAHT


def test_pfe_nets_over_settlement_dates_never_over_account_types_and_rounds_once() -> None:
    registry = _registry(("A", 0))
    price = 10 * BAHT
    exposures = [_buy("A", "X", 1_000, price), _buy("A", "X", -400, price),  # two dates: 600
                 _buy("A", "X", -600, price, "portfolio")]  # apart: another 600
    assert _risk(registry, exposures, {"X": price},
                 risk_pct={"X": Fraction(10)})["A"].pfe == 1_200 * BAHT  # 10% of 12,000 THB
    # 6.58% of 0.25 THB is 1.645 satang: two of them sum to 3.29 and round once, to 3
    tiny = [_buy("A", "X", 1, 25), _buy("A", "Y", 1, 25)]
    assert _risk(registry, tiny, {"X": 25, "Y": 25})["A"].pfe == 3


def test_ce_is_the_loss_of_replacing_the_positions_at_todays_prices() -> None:
    registry = _registry(("A", 0))
    # bought 1,000 X at 30.00 now at 29.00 (1,000 THB lost); sold 500 Y at 28.00 now at 29.00
    # (500 THB lost); sold 100 Z at 50.00 now at 40.00 (1,000 THB gained): 500 THB in all
    exposures = [_buy("A", "X", 1_000, 30 * BAHT), _buy("A", "Y", -500, 28 * BAHT),
                 _buy("A", "Z", -100, 50 * BAHT)]
    prices = {"X": 29 * BAHT, "Y": 29 * BAHT, "Z": 40 * BAHT}
    risk = _risk(registry, exposures, prices, risk_pct=dict.fromkeys(prices, Fraction(0)))["A"]
    assert (risk.pfe, risk.ce, risk.call.ews) == (0, 500 * BAHT, 500 * BAHT)
    gain = _risk(registry, exposures[2:], prices, risk_pct={"Z": Fraction(0)})["A"]
    assert gain.ce == 0  # a gain is no exposure


def test_the_tolerance_is_a_share_of_net_capital() -> None:
    registry = _registry(("A", 150_000 * BAHT), ("B", 200_000 * BAHT))
    exposures = [_buy(m, "X", 10_000, 25 * BAHT) for m in "AB"]  # PFE 20,000 THB each
    risk = _risk(registry, exposures, {"X": 25 * BAHT}, risk_pct={"X": Fraction(8)})
    assert risk["A"].tolerance == 15_000 * BAHT  # ews_tolerance_pct: 10% of net capital
    assert risk["A"].call.ews == 5_000 * BAHT
    assert risk["B"].tolerance == 20_000 * BAHT and risk["B"].call.ews == 0  # never below 0
    looser = _risk(registry, exposures, {"X": 25 * BAHT}, risk_pct={"X": Fraction(8)},
                   rules=ClearingRules({"ews_tolerance_pct": "12"}))
    assert looser["A"].tolerance == 18_000 * BAHT and looser["A"].call.ews == 2_000 * BAHT


def test_the_settlement_cap_is_a_multiple_of_equity() -> None:
    registry = _registry(("A", 0))
    # CSV: the absolute net cash of each pending date, 3,500M + 2,600M = 6,100M
    risk = _risk(registry, [], {}, net_cash={"A": [-3_500 * M, 2_600 * M]})["A"]
    assert risk.cap == 6_000 * M  # settlement_cap_equity_pct: 1000% of 600M
    assert risk.csv == 6_100 * M and risk.call.cap == 100 * M
    under = _risk(registry, [], {}, net_cash={"A": [-6_000 * M]})["A"]
    assert under.call.cap == 0  # at the cap, not above it
    halved = _risk(registry, [], {}, net_cash={"A": [-6_100 * M]},
                   rules=ClearingRules({"settlement_cap_call_pct": "50"}))["A"]
    assert halved.call.cap == 50 * M  # f_cap: a share of the excess


def test_the_stress_loss_is_the_days_or_the_default_move_against_each_position() -> None:
    registry = _registry(("A", 0))
    exposures = [_buy("A", "X", 1_000, 30 * BAHT), _buy("A", "X", 500, 31 * BAHT),
                 _buy("A", "Y", -200, 100 * BAHT, "portfolio")]
    prices = {"X": 32 * BAHT, "Y": 90 * BAHT}
    # stress_move_pct: 30% of |1,500| x 32.00 + |-200| x 90.00 = 30% of 66,000 THB
    default = _risk(registry, exposures, prices, financial_resources=0)["A"]
    assert default.stress_loss == default.uncovered == 19_800 * BAHT
    given = _risk(registry, exposures, prices, stress_losses={"A": 5_000 * BAHT},
                  held={"A": 1_000 * BAHT}, financial_resources=0)["A"]
    assert (given.stress_loss, given.uncovered) == (5_000 * BAHT, 4_000 * BAHT)
    assert _risk(registry, exposures, prices, held={"A": 20_000 * BAHT},
                 financial_resources=0)["A"].uncovered == 0  # covered by what it holds


def test_cover_2_calls_only_the_two_largest_uncovered_members() -> None:
    registry = _registry(("A", 0), ("B", 0), ("C", 0), ("D", 0))
    losses = {"A": 2 * M, "B": 9 * M, "C": 6 * M, "D": 7 * M}
    held = {"D": 1 * M}  # D's uncovered loss is 6M, a tie with C: the smaller id wins
    risk = _risk(registry, [], {}, stress_losses=losses, held=held,
                 financial_resources=12_500_000 * BAHT)
    assert {m: r.uncovered for m, r in risk.items()} == {"A": 2 * M, "B": 9 * M, "C": 6 * M,
                                                          "D": 6 * M}
    # Cover2 = 9 + 6 = 15M, short of 12.5M by 2.5M: B 9/15 of it, C 6/15
    assert {m: r.call.stress for m, r in risk.items()} == {
        "A": 0, "B": 1_500_000 * BAHT, "C": 1 * M, "D": 0}
    enough = _risk(registry, [], {}, stress_losses=losses, held=held,
                   financial_resources=15 * M)
    assert all(r.call.stress == 0 for r in enough.values())


def test_the_call_is_the_largest_of_the_three_less_what_is_held() -> None:
    registry = _registry(("A", 0))
    exposures = [_buy("A", "X", 10_000, 25 * BAHT)]  # EWS 20,000 THB at 8%
    csv = [6_000 * M + 30_000 * BAHT]  # CAP 30,000 THB over the 6,000M cap
    # stress loss 40,000 THB: with no financial resources STR is all of what is uncovered
    for held, required, call in ((0, 40_000, 40_000), (15_000, 30_000, 15_000),
                                 (35_000, 30_000, 0)):
        risk = _risk(registry, exposures, {"X": 25 * BAHT}, net_cash={"A": csv},
                     risk_pct={"X": Fraction(8)}, stress_losses={"A": 40_000 * BAHT},
                     held={"A": held * BAHT}, financial_resources=0)["A"]
        assert (risk.call.ews, risk.call.cap) == (20_000 * BAHT, 30_000 * BAHT)
        assert risk.call.stress == max(0, 40_000 - held) * BAHT
        assert risk.call.held == held * BAHT
        assert (risk.call.required, risk.call.call) == (required * BAHT, call * BAHT)


def test_a_member_with_no_exposure_measures_nothing() -> None:
    registry = _registry(("A", 20 * M), ("B", 0))
    risk = _risk(registry, [_buy("B", "X", 1_000, 30 * BAHT)], {"X": 30 * BAHT},
                 financial_resources=0)
    a = risk["A"]
    assert (a.pfe, a.ce, a.csv, a.stress_loss, a.uncovered) == (0, 0, 0, 0, 0)
    assert a.call == RiskCall(ews=0, cap=0, stress=0, held=0)
    assert (a.call.required, a.call.call) == (0, 0)
    assert (a.tolerance, a.cap) == (2 * M, 6_000 * M)  # its limits are still its own
    assert risk["B"].call.stress == 9_000 * BAHT  # 30% of 30,000 THB, all of the shortfall
