"""The series as margined: terms, prices and time to expiry on the run's day, and what cannot
be margined refused with MARGIN_FILE."""

from __future__ import annotations

import datetime as dt

import pytest

from siamex.clearing.derivatives.margin import margin_series
from siamex.clearing.derivatives.universe import Universe
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.products import MarketGroup, SeriesKind
from siamex.rulebook.series import parse_symbol, series_list

from .runs import ON, PRODUCTS, TABLE_2015


def test_a_series_carries_its_terms_prices_and_days_to_expiry() -> None:
    option, future = margin_series(
        [parse_symbol("S50H26C950", PRODUCTS), parse_symbol("S50F26", PRODUCTS)],
        {"S50H26C950": 1_230, "S50F26": 90_010}, {"SET50": 90_000}, ON, PRODUCTS)
    assert (option.kind, option.strike, option.price, option.underlying_price) == (
        SeriesKind.CALL, 95_000, 1_230, 90_000)
    assert (option.market, option.multiplier, option.scan_multiplier) == (
        MarketGroup.EQUITY_INDEX, 200, 200)
    assert (option.days_to_expiry, option.delivery_month, option.expiry_month) == (
        (dt.date(2026, 3, 30) - ON).days, False, (2026, 3))
    assert (future.days_to_expiry, future.delivery_month) == (24, True)  # expires 29 Jan


def test_a_universe_and_a_series_list_are_read_alike() -> None:
    listed = series_list(PRODUCTS, ON, {}, skip_unpriced=True)
    gold = [s.symbol for s in listed.series if s.product == "GF"]
    prices = {symbol: 4_000_000 for symbol in gold}
    universe = Universe(gold, ON, PRODUCTS)
    assert margin_series(universe, prices, {}, ON, PRODUCTS) == margin_series(
        [listed[symbol] for symbol in sorted(gold)], prices, {}, ON, PRODUCTS)


@pytest.mark.parametrize(("symbol", "prices", "underlying", "says"), [
    ("S50H26", {}, {}, "no settlement price"),
    ("S50H26C950", {"S50H26C950": 100}, {}, "give a price for its underlying SET50"),
    ("S50Z25", {"S50Z25": 90_000}, {}, "expired"),
])
def test_a_series_that_cannot_be_margined_is_refused_naming_it(
        symbol: str, prices: dict[str, int], underlying: dict[str, int], says: str) -> None:
    with pytest.raises(SiamexError) as refused:
        margin_series([parse_symbol(symbol, PRODUCTS)], prices, underlying, ON, PRODUCTS)
    assert refused.value.code is ErrorCode.MARGIN_FILE
    assert symbol in refused.value.message and says in refused.value.message


def test_a_product_without_a_margin_row_is_refused() -> None:
    with pytest.raises(SiamexError) as refused:
        margin_series([parse_symbol("PTTH26", PRODUCTS)], {"PTTH26": 3_400}, {}, ON, PRODUCTS,
                      TABLE_2015)
    assert refused.value.code is ErrorCode.MARGIN_FILE
    assert "no row for SSF-PTT" in refused.value.message
