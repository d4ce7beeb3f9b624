"""Daily mark-to-market, premium and final settlement (clearing-spec.md 4.4): example E10's
variation margin exactly, options unmarked, premium and expiry cash, the int64 guard, and over
any day of paired fills: every amount sums to zero over the accounts, and a run is pure."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings

from siamex.clearing.derivatives.fills import BUY, SELL, Fill, Flag
from siamex.clearing.derivatives.marking import (
    AccountCash,
    FinalSettlement,
    Kind,
    VariationMargin,
    final_settlement,
    premium,
    variation_margin,
)
from siamex.clearing.derivatives.positions import (
    MAX_QTY,
    FillColumns,
    Int64s,
    Positions,
    apply_fills,
    end_of_day,
)
from tests.clearing.derivatives.test_positions import TradeDay, trade_days

OPEN, CLOSE = Flag.OPEN, Flag.CLOSE
ACCOUNTS = ["A", "B"]
S50 = ["S50M26"]
M200 = np.array([200], np.int64)
FUTURE = np.array([True])


def _prices(*hundredths: int) -> Int64s:
    return np.array(hundredths, np.int64)


def _cash(amounts: dict[int, int]) -> AccountCash:
    return AccountCash(np.array(list(amounts), np.int32),
                       np.array(list(amounts.values()), np.int64))


def _e10_day1() -> VariationMargin:
    fills = FillColumns.of([Fill("A", "S50M26", BUY, 4, 100_000, OPEN),
                            Fill("B", "S50M26", SELL, 4, 100_000, OPEN)], ACCOUNTS, S50)
    return variation_margin(Positions.empty(), fills, _prices(98_500), _prices(0), M200, FUTURE)


def test_e10_a_new_trade_is_marked_from_its_price_to_the_settlement_price() -> None:
    # (985.0 - 1,000.0) x 200 x 4 = -12,000 THB for the buyer, +12,000 for the seller
    vm = _e10_day1()
    assert vm.new.tolist() == [-1_200_000, 1_200_000]
    assert vm.carry.tolist() == [0, 0]
    assert vm.accounts == _cash({0: -1_200_000, 1: 1_200_000})


def test_e10_a_carried_position_is_marked_by_the_change_in_settlement_price() -> None:
    # T+1 with no trade: (960.0 - 985.0) x 200 x 4 = -20,000 THB
    carried = Positions.of({("A", "S50M26"): (4, 0), ("B", "S50M26"): (0, 4)}, ACCOUNTS, S50)
    vm = variation_margin(carried, FillColumns.empty(), _prices(96_000), _prices(98_500), M200,
                          FUTURE)
    assert vm == VariationMargin(
        np.array([0, 1], np.int32), np.array([0, 0], np.int32),
        np.array([-2_000_000, 2_000_000], np.int64), np.array([0, 0], np.int64),
        np.array([-2_000_000, 2_000_000], np.int64), _cash({0: -2_000_000, 1: 2_000_000}))


def test_carried_and_new_add_up_in_one_row() -> None:
    carried = Positions.of({("A", "S50M26"): (4, 0)}, ACCOUNTS, S50)
    fills = FillColumns.of([Fill("A", "S50M26", SELL, 1, 97_000, CLOSE)], ACCOUNTS, S50)
    vm = variation_margin(carried, fills, _prices(96_000), _prices(98_500), M200, FUTURE)
    # carry 4 x -25.0 x 200 = -20,000; the sale at 970.0 gains 10.0 x 200 = 2,000
    assert (vm.carry.tolist(), vm.new.tolist(), vm.total.tolist()) == (
        [-2_000_000], [200_000], [-1_800_000])


def test_options_have_no_variation_margin() -> None:
    carried = Positions.of({("A", "S50M26"): (4, 0)}, ACCOUNTS, S50)
    fills = FillColumns.of([Fill("A", "S50M26", BUY, 1, 500, OPEN)], ACCOUNTS, S50)
    vm = variation_margin(carried, fills, _prices(900), _prices(400), M200, np.array([False]))
    assert len(vm) == 0 and len(vm.accounts) == 0


def test_an_option_buyer_pays_the_premium_and_the_seller_receives_it() -> None:
    fills = FillColumns.of([Fill("A", "S50M26", BUY, 3, 1_250, OPEN),
                            Fill("B", "S50M26", SELL, 3, 1_250, OPEN)], ACCOUNTS, S50)
    # 3 x 12.50 points x 200 = 7,500 THB
    assert premium(fills, M200, np.array([True])).accounts == _cash({0: -750_000, 1: 750_000})
    assert len(premium(fills, M200, np.array([False]))) == 0


SERIES = ["S50M26", "S50M26C1000", "S50M26P1000", "S50U26"]
KIND = np.array([Kind.FUT, Kind.CALL, Kind.PUT, Kind.FUT], np.int8)
STRIKE = _prices(0, 100_000, 100_000, 0)
MULTIPLIER = np.array([200, 200, 200, 200], np.int64)
EXPIRING = np.array([True, True, True, False])


def _expiry(final: int) -> FinalSettlement:
    carried = Positions.of({("A", "S50M26"): (2, 0), ("A", "S50M26C1000"): (5, 2),
                            ("A", "S50M26P1000"): (1, 0), ("A", "S50U26"): (0, 1),
                            ("B", "S50M26"): (0, 2), ("B", "S50M26C1000"): (0, 3),
                            ("B", "S50M26P1000"): (0, 1), ("B", "S50U26"): (1, 0)},
                           ACCOUNTS, SERIES)
    return final_settlement(carried, _prices(final, final, final, 0), EXPIRING, KIND, STRIKE,
                            MULTIPLIER)


def test_an_expiring_call_pays_its_net_holder_what_it_is_in_the_money() -> None:
    # S = 1,012.5 against K = 1,000.0: 12.5 x 200 = 2,500 THB a contract, net 3 long for A
    settled = _expiry(101_250)
    assert (settled.account.tolist(), settled.series.tolist(), settled.cash.tolist()) == (
        [0, 1], [1, 1], [750_000, -750_000])


def test_an_expiring_put_pays_its_net_holder_when_the_price_ends_below_the_strike() -> None:
    settled = _expiry(98_000)
    assert (settled.account.tolist(), settled.series.tolist(), settled.cash.tolist()) == (
        [0, 1], [2, 2], [400_000, -400_000])


def test_expiry_removes_every_expiring_series_and_futures_pay_nothing_more() -> None:
    settled = _expiry(100_000)
    assert len(settled) == 0 and len(settled.accounts) == 0
    assert settled.positions.to_dict(ACCOUNTS, SERIES) == {("A", "S50U26"): (0, 1),
                                                           ("B", "S50U26"): (1, 0)}


def test_a_day_whose_amounts_could_pass_int64_is_refused() -> None:
    carried = Positions.of({("A", "S50M26"): (MAX_QTY, 0)}, ACCOUNTS, S50)
    with pytest.raises(ValueError, match="could pass int64"):
        variation_margin(carried, FillColumns.empty(), _prices(10**9), _prices(-(10**9)),
                         np.array([10**5], np.int64), FUTURE)


def test_series_arrays_must_cover_every_series() -> None:
    carried = Positions.of({("A", "S50U26"): (1, 0)}, ACCOUNTS, SERIES)
    with pytest.raises(ValueError, match="beyond the 1 series"):
        variation_margin(carried, FillColumns.empty(), _prices(1), _prices(1), M200, FUTURE)


# Any day of paired fills over balanced opening positions.

def _arrays(day: TradeDay) -> tuple[Int64s, Int64s, Int64s, np.ndarray]:
    return (np.array(day.settle_today, np.int64), np.array(day.settle_prev, np.int64),
            np.array(day.multiplier, np.int64), np.array(day.futures))


def _per_series(series: np.ndarray, amounts: Int64s, count: int) -> list[int]:
    sums = np.zeros(count, np.int64)
    np.add.at(sums, series, amounts)
    return sums.tolist()


@settings(max_examples=200, deadline=None)
@given(trade_days())
def test_variation_margin_sums_to_zero_per_series(day: TradeDay) -> None:
    vm = variation_margin(day.positions(), day.columns(), *_arrays(day))
    assert _per_series(vm.series, vm.total, len(day.series)) == [0] * len(day.series)
    assert int(vm.accounts.amount.sum()) == 0


@settings(max_examples=200, deadline=None)
@given(trade_days())
def test_variation_margin_is_the_formula_of_4_4_fill_by_fill(day: TradeDay) -> None:
    today, prev, multiplier, futures = _arrays(day)
    expected: defaultdict[tuple[int, int], int] = defaultdict(int)
    for (account, series), (long, short) in day.opening.items():
        s = day.series.index(series)
        if futures[s]:
            expected[(day.accounts.index(account), s)] += (
                (long - short) * (day.settle_today[s] - day.settle_prev[s]) * day.multiplier[s])
    for f in day.fills:
        s = day.series.index(f.series)
        if futures[s]:
            expected[(day.accounts.index(f.account), s)] += (
                f.side * f.qty * (day.settle_today[s] - f.price) * day.multiplier[s])
    vm = variation_margin(day.positions(), day.columns(), today, prev, multiplier, futures)
    got = dict(zip(zip(vm.account.tolist(), vm.series.tolist(), strict=True),
                   vm.total.tolist(), strict=True))
    assert got == {key: amount for key, amount in expected.items() if amount or key in got}


@settings(max_examples=200, deadline=None)
@given(trade_days())
def test_premium_sums_to_zero(day: TradeDay) -> None:
    _, _, multiplier, futures = _arrays(day)
    assert int(premium(day.columns(), multiplier, ~futures).amount.sum()) == 0


@settings(max_examples=200, deadline=None)
@given(trade_days())
def test_final_settlement_sums_to_zero_per_series(day: TradeDay) -> None:
    today, _, multiplier, futures = _arrays(day)
    after = end_of_day(apply_fills(day.positions(), day.columns()), day.modes)
    kind = np.where(futures, Kind.FUT, np.arange(len(futures)) % 2 + Kind.CALL).astype(np.int8)
    expiring = np.ones(len(futures), np.bool_)
    settled = final_settlement(after, today, expiring, kind, np.array(day.strike, np.int64),
                               multiplier)
    assert _per_series(settled.series, settled.cash, len(day.series)) == [0] * len(day.series)
    assert len(settled.positions) == 0


@settings(max_examples=100, deadline=None)
@given(trade_days())
def test_a_day_run_twice_gives_equal_output_and_leaves_its_input(day: TradeDay) -> None:
    today, prev, multiplier, futures = _arrays(day)
    kind = np.where(futures, Kind.FUT, Kind.CALL).astype(np.int8)
    strike = np.array(day.strike, np.int64)
    by_series = (today, prev, multiplier, futures, kind, strike)
    kept = [a.copy() for a in by_series]

    def run(opening: Positions, fills: FillColumns) -> tuple[object, ...]:
        after = end_of_day(apply_fills(opening, fills), day.modes)
        return (after, variation_margin(opening, fills, today, prev, multiplier, futures),
                premium(fills, multiplier, ~futures),
                final_settlement(after, today, ~futures, kind, strike, multiplier))

    opening, fills = day.positions(), day.columns()
    assert run(opening, fills) == run(opening, fills)
    assert opening == day.positions() and fills == day.columns()
    assert all(np.array_equal(a, b) for a, b in zip(by_series, kept, strict=True))
