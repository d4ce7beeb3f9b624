"""Daily settlement prices (clearing-spec.md 4.4, derived): given, traded in the last 15
minutes, the spread to the nearest traded month, the previous price; clamped into limits."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.settlement_prices import (
    DayTrade,
    PriceBasis,
    SeriesTerms,
    SettlementPrice,
    daily_settlement_prices,
)
from siamex.errors import ErrorCode, SiamexError

MINUTE = 60 * 1_000_000
CLOSE = (16 * 60 + 55) * MINUTE  # the day session closes at 16:55
S50_TICK = 10  # 0.1 point, in hundredths of a point

SERIES = {
    "S50M21": SeriesTerms("S50", dt.date(2021, 6, 29), True, S50_TICK),
    "S50U21": SeriesTerms("S50", dt.date(2021, 9, 29), True, S50_TICK),
    "S50Z21": SeriesTerms("S50", dt.date(2021, 12, 29), True, S50_TICK),
    "S50H22": SeriesTerms("S50", dt.date(2022, 3, 30), True, S50_TICK),
    "S50M21C1000": SeriesTerms("S50", dt.date(2021, 6, 29), False, S50_TICK),
    "USDM21": SeriesTerms("USD", dt.date(2021, 6, 28), True, 1),
}
PREVIOUS = {"S50M21": 99_500, "S50U21": 99_800, "S50Z21": 100_000, "S50H22": 100_300,
            "S50M21C1000": 2_150, "USDM21": 3_125}


def _at(hours: int, minutes: int) -> int:
    return (hours * 60 + minutes) * MINUTE


def _refused(code: ErrorCode) -> pytest.RaisesExc[SiamexError]:
    return pytest.raises(SiamexError, check=lambda e: e.code is code)


def test_a_traded_series_settles_at_the_average_of_its_last_15_minutes_rounded_half_up() -> None:
    """(2 * 1,000.00 + 3 * 1,000.50 + 5 * 1,001.20) / 10 = 1,000.75, half up to the 0.1 point
    tick: 1,000.80. The 16:30 trade is before the window and the 19:00 one after the close."""
    trades = {"S50M21": [DayTrade(_at(16, 30), 10, 99_000), DayTrade(_at(16, 41), 2, 100_000),
                         DayTrade(_at(16, 50), 3, 100_050), DayTrade(_at(16, 54), 5, 100_120),
                         DayTrade(_at(19, 0), 50, 90_000)]}
    prices = daily_settlement_prices(SERIES, trades, PREVIOUS, close_us=CLOSE)
    assert prices["S50M21"] == SettlementPrice(100_080, PriceBasis.TRADED)


def test_the_window_includes_its_first_instant_and_the_close() -> None:
    trades = {"S50M21": [DayTrade(_at(16, 39), 1, 90_000), DayTrade(_at(16, 40), 1, 100_000),
                         DayTrade(CLOSE, 1, 100_200)]}
    prices = daily_settlement_prices(SERIES, trades, PREVIOUS, close_us=CLOSE)
    assert prices["S50M21"].price == 100_100


def test_without_a_trade_in_the_window_the_last_trade_sets_the_price() -> None:
    trades = {"S50M21": [DayTrade(_at(10, 0), 4, 99_000), DayTrade(_at(14, 0), 1, 99_600),
                         DayTrade(_at(14, 0), 1, 99_700)]}
    prices = daily_settlement_prices(SERIES, trades, PREVIOUS, close_us=CLOSE)
    assert prices["S50M21"] == SettlementPrice(99_700, PriceBasis.TRADED)


def test_an_untraded_future_keeps_its_spread_to_the_nearest_traded_month() -> None:
    """June trades to 1,000.80, up 5.80 from 995.00: September 998.00 -> 1,003.80 and December
    1,000.00 -> 1,005.80 (June is the only traded month); the option keeps its price."""
    trades = {"S50M21": [DayTrade(_at(16, 50), 1, 100_080)]}
    prices = daily_settlement_prices(SERIES, trades, PREVIOUS, close_us=CLOSE)
    assert prices["S50U21"] == SettlementPrice(100_380, PriceBasis.SPREAD)
    assert prices["S50Z21"] == SettlementPrice(100_580, PriceBasis.SPREAD)
    assert prices["S50M21C1000"] == SettlementPrice(2_150, PriceBasis.PREVIOUS)
    assert prices["USDM21"] == SettlementPrice(3_125, PriceBasis.PREVIOUS)


def test_the_nearest_month_is_the_closest_last_trading_day_the_earlier_on_a_tie() -> None:
    """June +5.80 and March -2.00: December is 91 days from March and 183 from June, so it
    moves with March; September (92 days from June, 182 from March) with June."""
    trades = {"S50M21": [DayTrade(_at(16, 50), 1, 100_080)],
              "S50H22": [DayTrade(_at(16, 50), 1, 100_100)]}
    prices = daily_settlement_prices(SERIES, trades, PREVIOUS, close_us=CLOSE)
    assert prices["S50Z21"] == SettlementPrice(99_800, PriceBasis.SPREAD)
    assert prices["S50U21"] == SettlementPrice(100_380, PriceBasis.SPREAD)
    tied = {"A1": SeriesTerms("X", dt.date(2021, 1, 1), True, 1),
            "A2": SeriesTerms("X", dt.date(2021, 1, 11), True, 1),
            "A3": SeriesTerms("X", dt.date(2021, 1, 21), True, 1)}
    prices = daily_settlement_prices(
        tied, {"A1": [DayTrade(_at(16, 50), 1, 110)], "A3": [DayTrade(_at(16, 50), 1, 90)]},
        {"A1": 100, "A2": 100, "A3": 100}, close_us=CLOSE)
    assert prices["A2"] == SettlementPrice(110, PriceBasis.SPREAD)


def test_a_month_with_no_previous_price_passes_on_no_change() -> None:
    previous = {k: v for k, v in PREVIOUS.items() if k not in ("S50M21", "S50H22")}
    trades = {"S50M21": [DayTrade(_at(16, 50), 1, 100_080)],
              "S50H22": [DayTrade(_at(16, 50), 1, 100_500)]}
    prices = daily_settlement_prices(SERIES, trades, previous, close_us=CLOSE)
    assert prices["S50Z21"] == SettlementPrice(100_000, PriceBasis.PREVIOUS)


def test_a_given_price_overrides_the_trades_and_is_not_clamped() -> None:
    trades = {"S50M21": [DayTrade(_at(16, 50), 1, 100_080)]}
    prices = daily_settlement_prices(SERIES, trades, PREVIOUS, close_us=CLOSE,
                                     given={"S50M21": 101_000},
                                     limits={"S50M21": (100_500, 98_500)})
    assert prices["S50M21"] == SettlementPrice(101_000, PriceBasis.GIVEN)
    assert prices["S50U21"] == SettlementPrice(101_300, PriceBasis.SPREAD)


def test_a_derived_price_is_clamped_into_the_days_limits() -> None:
    trades = {"S50M21": [DayTrade(_at(16, 50), 1, 100_080)]}
    prices = daily_settlement_prices(SERIES, trades, PREVIOUS, close_us=CLOSE,
                                     limits={"S50U21": (100_300, 97_000)})
    assert prices["S50U21"] == SettlementPrice(100_300, PriceBasis.SPREAD)


def test_a_series_with_no_price_at_all_is_refused_by_name() -> None:
    previous = {k: v for k, v in PREVIOUS.items() if k != "S50H22"}
    with _refused(ErrorCode.SERIES_FILE) as refused:
        daily_settlement_prices(SERIES, {}, previous, close_us=CLOSE)
    assert "S50H22" in refused.value.message


def test_a_trade_of_an_unlisted_series_is_refused() -> None:
    with _refused(ErrorCode.UNKNOWN_SERIES):
        daily_settlement_prices(SERIES, {"S50Z99": [DayTrade(_at(16, 50), 1, 1)]}, PREVIOUS,
                                close_us=CLOSE)


_trades = st.lists(st.builds(DayTrade, st.integers(_at(9, 45), CLOSE), st.integers(1, 100),
                             st.integers(9_000, 11_000).map(lambda p: p * S50_TICK)),
                   min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(_trades)
def test_a_traded_price_is_on_the_tick_between_the_trades_that_set_it(
        trades: list[DayTrade]) -> None:
    price = daily_settlement_prices(SERIES, {"S50M21": trades}, PREVIOUS,
                                    close_us=CLOSE)["S50M21"].price
    assert price % S50_TICK == 0
    assert min(t.price for t in trades) <= price <= max(t.price for t in trades)


@settings(max_examples=100, deadline=None)
@given(st.permutations(list(SERIES)), _trades)
def test_the_prices_do_not_depend_on_the_order_series_are_given_in(
        order: list[str], trades: list[DayTrade]) -> None:
    shuffled = {name: SERIES[name] for name in order}
    day = {"S50H22": trades}
    assert (daily_settlement_prices(shuffled, day, PREVIOUS, close_us=CLOSE)
            == daily_settlement_prices(SERIES, day, PREVIOUS, close_us=CLOSE))
