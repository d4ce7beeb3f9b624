"""The clearing-level requirement (clearing-spec.md 4.5): the worked examples E10 and E11 at the
2015 rates, and each part of the formula on its own: the delivery month, the short-option
minimum, the net option value, the inter-commodity credit, concentration, super margin,
floors, and what the caller adds."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest

from siamex.clearing.derivatives.margin import (
    MarginPositions,
    margin_requirements,
    portfolio_margin,
    risk_arrays,
)
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.margin import SpreadCredit
from siamex.rulebook.products import MarketGroup

from .runs import BUNDLED, TABLE_2015, amended, series

S50 = series(("S50F26", "S50G26", "S50H26", "S50M26", "S50F26C1025", "S50F26C900",
              "S50F26P875", "S50H26C900", "S50H26P900"))
GOLD = series(("GFG26", "GFJ26", "GF10F26", "GF10G26", "GF10H26"))
STOCKS = series(("ADVANCH26", "ADVANCM26", "KBANKH26", "KBANKM26"))
THB = 100  # satang


def test_e10_four_long_set50_futures_need_four_outright_rates() -> None:
    margin = portfolio_margin({"S50H26": 4}, S50, TABLE_2015)
    assert margin.total == 20_000 * THB
    assert (margin.scan, margin.intermonth, margin.market_margin) == (20_000 * THB, 0,
                                                                      20_000 * THB)


def test_e11_a_spread_pays_the_spread_rate_per_pair_and_the_rest_the_outright() -> None:
    margin = portfolio_margin({"S50H26": 10, "S50M26": -6}, S50, TABLE_2015)
    assert margin.total == 27_500 * THB  # 6 x 1,250 + 4 x 5,000, not 16 x 5,000
    (set50,) = margin.underlyings
    assert (set50.scan, set50.intermonth) == (20_000 * THB, 7_500 * THB)


def test_a_short_is_margined_as_a_long_and_futures_of_one_month_net() -> None:
    assert portfolio_margin({"S50H26": -3}, S50, TABLE_2015).total == 15_000 * THB
    assert portfolio_margin({"S50H26": 3, "S50M26": -3}, S50, TABLE_2015).total == \
        3 * 1_250 * THB


def test_a_future_in_its_delivery_month_pays_the_delivery_charge_per_contract() -> None:
    table = amended(TABLE_2015, "S50", delivery_pct=Fraction(50))
    margin = portfolio_margin({"S50F26": 2, "S50G26": -2}, risk_arrays(S50, table), table)
    # F26 expires in January (the run's month): 2 x 50% of 5,000; G26 does not
    assert (margin.delivery, margin.intermonth, margin.scan) == (5_000 * THB, 2_500 * THB, 0)
    assert margin.total == 7_500 * THB


def test_the_short_option_minimum_charge_binds_on_a_far_out_of_the_money_short_call() -> None:
    margin = portfolio_margin({"S50F26C1025": -3}, S50, TABLE_2015)
    (set50,) = margin.underlyings
    assert set50.somc == 3 * 2_000 * THB
    assert set50.scan - set50.nov < set50.somc  # nov is -3 x 0.50 point x 200
    assert set50.nov == -3 * 50 * 200
    assert margin.total == 6_000 * THB


def test_a_long_option_needs_nothing_its_value_does_not_cover() -> None:
    margin = portfolio_margin({"S50H26C900": 2}, S50, TABLE_2015)
    (set50,) = margin.underlyings
    assert set50.nov == 2 * 2_800 * 200  # 28.00 points x 200 THB, in satang
    assert set50.scan < set50.nov
    assert set50.requirement == 0  # max(scan - nov, somc), somc 0 without a short option
    assert margin.total == 0


def test_a_long_option_s_value_offsets_a_future_in_the_same_market() -> None:
    alone = portfolio_margin({"S50H26": -1}, S50, TABLE_2015).total
    hedged = portfolio_margin({"S50H26": -1, "S50H26C900": 2}, S50, TABLE_2015)
    assert hedged.total < alone
    assert hedged.total == max(0, hedged.underlyings[0].requirement)


def test_futures_of_one_underlying_and_month_net_across_products_in_base_contracts() -> None:
    same_month = portfolio_margin({"GFG26": 1, "GF10G26": -5}, GOLD, TABLE_2015)
    assert same_month.total == 0  # 1 x 20,000 against 5 x 4,000 at 10 THB a baht-weight
    months = portfolio_margin({"GFG26": 1, "GF10H26": -5}, GOLD, TABLE_2015)
    assert (months.scan, months.intermonth) == (0, 5_000 * THB)  # GF's spread rate


def test_an_inter_commodity_credit_takes_a_share_of_both_legs_scan_risk() -> None:
    credit = SpreadCredit(MarketGroup.SINGLE_STOCK, "ADVANC", "KBANK", 1, 1, Fraction(50))
    table = replace(TABLE_2015, icsc=(credit,))
    arrays = risk_arrays(STOCKS, table)
    pair = portfolio_margin({"ADVANCH26": 1, "KBANKH26": -1}, arrays, table)
    assert pair.icsc_credit == (9_300 + 7_200) * THB // 2
    assert pair.total == (9_300 + 7_200) * THB - pair.icsc_credit
    # two ADVANC against one KBANK: one spread, half of ADVANC's scan risk in it
    more = portfolio_margin({"ADVANCH26": 2, "KBANKH26": -1}, arrays, table)
    assert more.icsc_credit == (9_300 + 7_200) * THB // 2
    (market,) = more.markets
    assert (market.underlyings, market.requirement) == ((18_600 + 7_200) * THB,
                                                        (18_600 + 7_200 - 8_250) * THB)
    assert portfolio_margin({"ADVANCH26": 1, "KBANKH26": 1}, arrays, table).icsc_credit == 0


def test_a_credit_ratio_counts_reference_contracts_of_each_leg() -> None:
    credit = SpreadCredit(MarketGroup.SINGLE_STOCK, "ADVANC", "KBANK", 1, 2, Fraction(40))
    table = replace(TABLE_2015, icsc=(credit,))
    arrays = risk_arrays(STOCKS, table)
    # 3 ADVANC against -4 KBANK: 2 spreads of 1:2, using 2 of the 3 ADVANC
    margin = portfolio_margin({"ADVANCH26": 3, "KBANKM26": -4}, arrays, table)
    assert margin.icsc_credit == (2 * 9_300 + 4 * 7_200) * THB * 2 // 5


def test_concentration_charges_each_contract_held_beyond_the_threshold() -> None:
    table = amended(TABLE_2015, "S50", concentration_contracts=10,
                    concentration_pct=Fraction(20))
    arrays = risk_arrays(S50, table)
    assert portfolio_margin({"S50H26": 15}, arrays, table).concentration == 5 * 1_000 * THB
    # contracts held over the months count, spread or not
    spread = portfolio_margin({"S50H26": 8, "S50M26": -4}, arrays, table)
    assert spread.concentration == 2 * 1_000 * THB
    assert spread.total == spread.market_margin + spread.concentration
    assert portfolio_margin({"S50H26": 10}, arrays, table).concentration == 0


def test_super_margin_adds_its_share_of_the_underlying_s_requirement_in_its_window() -> None:
    table = amended(TABLE_2015, "GF", super_pct=Fraction(50))
    arrays = risk_arrays(GOLD, table)
    normal = portfolio_margin({"GFG26": 1}, arrays, table)
    window = portfolio_margin({"GFG26": 1}, arrays, table, super_products={"GF"})
    assert (normal.super_margin, window.super_margin) == (0, 10_000 * THB)
    assert window.total == 30_000 * THB
    # the window is the underlying's: 10-baht gold on it pays GF's rate
    small = portfolio_margin({"GF10G26": 2}, arrays, table, super_products={"GF"})
    assert small.super_margin == 4_000 * THB


def test_a_market_floor_applies_to_a_market_held_only() -> None:
    table = replace(TABLE_2015, market_floor=((MarketGroup.EQUITY_INDEX, 1_000 * THB),))
    arrays = risk_arrays((*S50, *GOLD), table)
    assert portfolio_margin({"S50H26C900": 1}, arrays, table).total == 1_000 * THB
    assert portfolio_margin({"GFG26": 1}, arrays, table).total == 20_000 * THB


def test_unsettled_mtm_and_uncovered_risk_are_added_as_given() -> None:
    margin = portfolio_margin({"S50H26": 1}, S50, TABLE_2015, unsettled_mtm=1_234,
                              uncovered=56)
    assert margin.total == 5_000 * THB + 1_234 + 56


def test_the_bundled_rate_is_a_percentage_of_contract_value_rounded_up_to_100_baht() -> None:
    arrays = risk_arrays(series(("S50H26",), underlying={"SET50": 90_137}, table=BUNDLED),
                         BUNDLED)
    assert arrays.outright["S50"] == 12_700 * THB  # 7% x 901.37 x 200 = 12,619.18
    # without the index's price, the front month's settlement is the reference
    front = series(("S50M26", "S50H26"), prices={"S50H26": 90_000, "S50M26": 95_000},
                   underlying={}, table=BUNDLED)
    assert risk_arrays(front, BUNDLED).outright["S50"] == 12_600 * THB


def test_many_portfolios_come_back_as_columns_with_the_empty_ones_at_zero() -> None:
    arrays = risk_arrays(S50, TABLE_2015)
    index = {one.symbol: i for i, one in enumerate(arrays.series)}
    positions = MarginPositions(np.array([0, 0, 2], np.int64),
                                np.array([index["S50H26"], index["S50M26"], index["S50H26"]],
                                         np.int64),
                                np.array([10, -6, 4], np.int64))
    columns = margin_requirements(positions, arrays, portfolios=4,
                                  uncovered=np.array([0, 0, 0, 7], np.int64))
    assert columns.total.tolist() == [27_500 * THB, 0, 20_000 * THB, 7]
    assert columns.intermonth.tolist() == [7_500 * THB, 0, 0, 0]
    assert columns.breakdown(1).underlyings == ()
    assert columns.breakdown(2).total == 20_000 * THB


def test_a_position_given_twice_is_netted_first() -> None:
    arrays = risk_arrays(S50, TABLE_2015)
    h26 = arrays.symbols.index("S50H26")
    series_index = int(np.flatnonzero(arrays.rank == h26)[0])
    positions = MarginPositions(np.zeros(2, np.int64), np.full(2, series_index, np.int64),
                                np.array([5, -3], np.int64))
    assert margin_requirements(positions, arrays).total.tolist() == [10_000 * THB]


def test_a_symbol_not_among_the_series_is_refused() -> None:
    with pytest.raises(SiamexError) as refused:
        portfolio_margin({"S50Z26": 1}, S50, TABLE_2015)
    assert refused.value.code is ErrorCode.MARGIN_FILE
    assert "S50Z26" in refused.value.message


def test_bad_columns_are_refused() -> None:
    arrays = risk_arrays(S50, TABLE_2015)
    one = np.zeros(1, np.int64)
    with pytest.raises(ValueError, match="series index"):
        margin_requirements(MarginPositions(one, np.array([99], np.int64), one + 1), arrays)
    with pytest.raises(ValueError, match="int64"):
        margin_requirements(MarginPositions(one, one, np.ones(1, np.int32)), arrays)
    with pytest.raises(ValueError, match="cannot hold portfolio 3"):
        margin_requirements(MarginPositions(one + 3, one, one + 1), arrays, portfolios=2)
    with pytest.raises(ValueError, match="portfolio index"):
        margin_requirements(MarginPositions(one - 1, one, one + 1), arrays)
    with pytest.raises(ValueError, match="uncovered"):
        margin_requirements(MarginPositions(one, one, one + 1), arrays,
                            uncovered=np.array([-1], np.int64))
