"""Derivatives positions (clearing-spec.md 4.2): example E18 exactly, the open/close rule on the
day's totals, end-of-day netting, manual match-out, position limits, and the invariants over
any day of paired fills."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.fills import BUY, SELL, Fill, Flag, PositionMode
from siamex.clearing.derivatives.positions import (
    MAX_QTY,
    Breaches,
    FillColumns,
    Positions,
    apply_fills,
    end_of_day,
    expire,
    limit_breaches,
    match_out,
    sum_by_key,
)
from siamex.errors import ErrorCode, SiamexError

OPEN, CLOSE = Flag.OPEN, Flag.CLOSE
NET, GROSS = PositionMode.NET, PositionMode.GROSS
ACCOUNTS = ["A", "B"]
SERIES = ["S50M26", "S50U26"]


def _day(held: dict[tuple[str, str], tuple[int, int]], *fills: Fill) -> Positions:
    return apply_fills(Positions.of(held, ACCOUNTS, SERIES),
                       FillColumns.of(fills, ACCOUNTS, SERIES))


def _held(positions: Positions) -> dict[tuple[str, str], tuple[int, int]]:
    return positions.to_dict(ACCOUNTS, SERIES)


def _e18() -> Positions:
    return _day({("A", "S50M26"): (5, 0)},
                Fill("A", "S50M26", BUY, 3, 100_000, OPEN),
                Fill("A", "S50M26", SELL, 4, 100_000, OPEN))


def test_e18_intraday_keeps_long_and_short_apart() -> None:
    assert _held(_e18()) == {("A", "S50M26"): (8, 4)}


def test_e18_a_net_account_nets_to_one_side_at_end_of_day() -> None:
    assert _held(end_of_day(_e18(), [NET, NET])) == {("A", "S50M26"): (4, 0)}


def test_e18_a_gross_account_keeps_both_sides_overnight() -> None:
    assert _held(end_of_day(_e18(), [GROSS, NET])) == {("A", "S50M26"): (8, 4)}


def test_e18_a_manual_match_out_closes_long_against_short() -> None:
    assert _held(match_out(end_of_day(_e18(), [GROSS, NET]), 0, 0, 4)) == {
        ("A", "S50M26"): (4, 0)}


def test_a_close_takes_from_the_opposite_side() -> None:
    assert _held(_day({("A", "S50M26"): (5, 3)},
                      Fill("A", "S50M26", SELL, 2, 100_000, CLOSE),
                      Fill("A", "S50M26", BUY, 3, 100_000, CLOSE))) == {("A", "S50M26"): (3, 0)}


def test_a_close_beyond_the_holding_opens_the_excess_on_the_other_side() -> None:
    assert _held(_day({("A", "S50M26"): (2, 0)},
                      Fill("A", "S50M26", SELL, 5, 100_000, CLOSE))) == {("A", "S50M26"): (0, 3)}


def test_closes_beyond_both_sides_open_both_excesses() -> None:
    assert _held(_day({("A", "S50M26"): (1, 1)},
                      Fill("A", "S50M26", SELL, 3, 100_000, CLOSE),
                      Fill("A", "S50M26", BUY, 4, 100_000, CLOSE))) == {("A", "S50M26"): (3, 2)}


def test_the_days_totals_count_a_close_against_the_days_opens() -> None:
    # clearing-spec.md 4.2: same account and series, so the day's buy OPEN covers the CLOSE,
    # in either order
    fills = (Fill("A", "S50M26", SELL, 2, 100_000, CLOSE),
             Fill("A", "S50M26", BUY, 2, 100_000, OPEN))
    assert _day({}, *fills) == _day({}, *reversed(fills)) == Positions.empty()


def test_positions_that_close_out_leave_no_row() -> None:
    assert len(_day({("A", "S50M26"): (5, 0), ("B", "S50U26"): (0, 1)},
                    Fill("A", "S50M26", SELL, 5, 100_000, CLOSE))) == 1


def test_rows_sort_by_account_then_series() -> None:
    positions = _day({}, Fill("B", "S50M26", BUY, 1, 1, OPEN),
                     Fill("A", "S50U26", SELL, 1, 1, OPEN), Fill("A", "S50M26", BUY, 1, 1, OPEN))
    assert positions.account.tolist() == [0, 0, 1]
    assert positions.series.tolist() == [0, 1, 0]


def test_a_match_out_beyond_the_smaller_side_is_refused_and_changes_nothing() -> None:
    positions = end_of_day(_e18(), [GROSS, NET])
    with pytest.raises(SiamexError) as refused:
        match_out(positions, 0, 0, 5)
    assert refused.value.code is ErrorCode.INSUFFICIENT_POSITION
    assert _held(positions) == {("A", "S50M26"): (8, 4)}


def test_a_match_out_without_a_position_is_refused() -> None:
    with pytest.raises(SiamexError):
        match_out(_e18(), 1, 1, 1)


def test_a_match_out_of_nothing_is_a_caller_bug() -> None:
    with pytest.raises(ValueError, match="at least one contract"):
        match_out(_e18(), 0, 0, 0)


def test_positions_beyond_the_limit_are_reported_on_the_net() -> None:
    positions = Positions.of({("A", "S50M26"): (8, 4), ("B", "S50M26"): (0, 6),
                              ("B", "S50U26"): (9, 0)}, ACCOUNTS, SERIES)
    assert limit_breaches(positions, np.array([4, 10], np.int64)) == Breaches(
        np.array([1], np.int32), np.array([0], np.int32), np.array([-6], np.int64))


def test_expiry_removes_the_series() -> None:
    positions = Positions.of({("A", "S50M26"): (1, 0), ("A", "S50U26"): (0, 2)}, ACCOUNTS,
                             SERIES)
    assert _held(expire(positions, np.array([True, False]))) == {("A", "S50U26"): (0, 2)}


def test_names_outside_the_lists_are_refused() -> None:
    with pytest.raises(ValueError, match="'C' is not in the account list"):
        FillColumns.of([Fill("C", "S50M26", BUY, 1, 1, OPEN)], ACCOUNTS, SERIES)


@pytest.mark.parametrize(("qty", "price"), [(0, 1), (MAX_QTY + 1, 1), (1, 10**9 + 1)])
def test_a_fill_outside_the_bounds_is_refused(qty: int, price: int) -> None:
    with pytest.raises(ValueError):
        FillColumns.of([Fill("A", "S50M26", BUY, qty, price, OPEN)], ACCOUNTS, SERIES)


def test_a_position_side_beyond_the_bound_is_refused() -> None:
    with pytest.raises(ValueError, match="would pass"):
        _day({("A", "S50M26"): (MAX_QTY, 0)}, Fill("A", "S50M26", BUY, 1, 1, OPEN))


def test_float_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="int64"):
        Positions(np.zeros(1, np.int32), np.zeros(1, np.int32), np.ones(1), np.zeros(1, np.int64))


def test_sums_by_key_stay_exact_int64() -> None:
    big = 2**62 + 1
    keys, (sums,) = sum_by_key(np.array([3, 1, 3], np.int64), np.array([big, 5, -big + 2]))
    assert keys.tolist() == [1, 3]
    assert sums.dtype == np.int64 and sums.tolist() == [5, 2]


# Any day: paired fills over balanced opening positions.

@dataclass(frozen=True)
class TradeDay:
    """A generated day: every opening position and every trade has a long and a short side."""

    accounts: list[str]
    series: list[str]
    modes: list[PositionMode]
    opening: dict[tuple[str, str], tuple[int, int]]
    fills: list[Fill]
    futures: list[bool]
    settle_prev: list[int]
    settle_today: list[int]
    multiplier: list[int]
    strike: list[int]

    def positions(self) -> Positions:
        return Positions.of(self.opening, self.accounts, self.series)

    def columns(self) -> FillColumns:
        return FillColumns.of(self.fills, self.accounts, self.series)


_price = st.integers(1, 200_000)


@st.composite
def trade_days(draw: st.DrawFn) -> TradeDay:
    accounts = [f"A{n}" for n in range(draw(st.integers(1, 5)))]
    series = [f"S{n}" for n in range(draw(st.integers(1, 4)))]
    account, one_series = st.sampled_from(accounts), st.sampled_from(series)
    opening: defaultdict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for long, short, s, qty in draw(st.lists(
            st.tuples(account, account, one_series, st.integers(1, 50)), max_size=8)):
        opening[(long, s)][0] += qty
        opening[(short, s)][1] += qty
    fills = []
    for buyer, seller, s, qty, price, flags in draw(st.lists(
            st.tuples(account, account, one_series, st.integers(1, 30), _price,
                      st.tuples(st.sampled_from(Flag), st.sampled_from(Flag))), max_size=25)):
        fills += [Fill(buyer, s, BUY, qty, price, flags[0]),
                  Fill(seller, s, SELL, qty, price, flags[1])]
    prices = st.lists(_price, min_size=len(series), max_size=len(series))
    return TradeDay(
        accounts, series, draw(st.lists(st.sampled_from(PositionMode), min_size=len(accounts),
                                        max_size=len(accounts))),
        {key: (long, short) for key, (long, short) in opening.items()},
        draw(st.permutations(fills)),
        draw(st.lists(st.booleans(), min_size=len(series), max_size=len(series))),
        draw(prices), draw(prices),
        draw(st.lists(st.sampled_from([1, 50, 200, 1_000]), min_size=len(series),
                      max_size=len(series))),
        draw(prices))


def _by_plain_totals(day: TradeDay) -> dict[tuple[str, str], tuple[int, int]]:
    """The rule of 4.2 on Python integers, account and series one at a time."""
    totals: defaultdict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for key, (long, short) in day.opening.items():
        totals[key][0] += long
        totals[key][1] += short
    for f in day.fills:
        opening = f.flag is OPEN
        side = 0 if (f.side == BUY) == opening else 1
        totals[(f.account, f.series)][side] += f.qty if opening else -f.qty
    result = {}
    for key, (long, short) in totals.items():
        long, short = max(long, 0) + max(-short, 0), max(short, 0) + max(-long, 0)
        if long or short:
            result[key] = (long, short)
    return result


@settings(max_examples=200, deadline=None)
@given(trade_days())
def test_the_columns_apply_the_rule_as_the_plain_totals_do(day: TradeDay) -> None:
    assert apply_fills(day.positions(), day.columns()).to_dict(
        day.accounts, day.series) == _by_plain_totals(day)


@settings(max_examples=200, deadline=None)
@given(trade_days(), st.data())
def test_the_order_of_the_fills_does_not_matter(day: TradeDay, data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(day.fills))
    assert apply_fills(day.positions(), day.columns()) == apply_fills(
        day.positions(), FillColumns.of(shuffled, day.accounts, day.series))


@settings(max_examples=200, deadline=None)
@given(trade_days())
def test_the_net_after_end_of_day_is_the_opening_net_plus_the_signed_fills(
        day: TradeDay) -> None:
    expected: defaultdict[tuple[str, str], int] = defaultdict(int)
    for key, (long, short) in day.opening.items():
        expected[key] += long - short
    for f in day.fills:
        expected[(f.account, f.series)] += f.side * f.qty
    after = end_of_day(apply_fills(day.positions(), day.columns()), day.modes)
    got = {key: long - short for key, (long, short) in after.to_dict(day.accounts,
                                                                      day.series).items()}
    assert got == {key: net for key, net in expected.items() if net or key in got}


@settings(max_examples=200, deadline=None)
@given(trade_days())
def test_net_accounts_end_the_day_on_one_side_and_gross_ones_keep_both(day: TradeDay) -> None:
    intraday = apply_fills(day.positions(), day.columns())
    after = end_of_day(intraday, day.modes).to_dict(day.accounts, day.series)
    for (account, series), (long, short) in intraday.to_dict(day.accounts,
                                                             day.series).items():
        if day.modes[day.accounts.index(account)] is NET:
            assert after.get((account, series), (0, 0)) == (max(long - short, 0),
                                                           max(short - long, 0))
        else:
            assert after[(account, series)] == (long, short)


@settings(max_examples=200, deadline=None)
@given(trade_days())
def test_balanced_opening_positions_stay_balanced_per_series(day: TradeDay) -> None:
    after = end_of_day(apply_fills(day.positions(), day.columns()), day.modes)
    for s in range(len(day.series)):
        rows = after.series == s
        assert int(after.long[rows].sum()) == int(after.short[rows].sum())


@settings(max_examples=100, deadline=None)
@given(trade_days())
def test_a_day_run_twice_gives_the_same_positions_and_leaves_its_input(day: TradeDay) -> None:
    opening, fills = day.positions(), day.columns()
    first = end_of_day(apply_fills(opening, fills), day.modes)
    assert end_of_day(apply_fills(opening, fills), day.modes) == first
    assert opening == day.positions() and fills == day.columns()
