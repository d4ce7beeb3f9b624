"""TFEX products as rulebook data: the bundled table, a user's table, and series price limits."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.derivative_limits import price_limits
from siamex.rulebook.products import (
    DEFAULT_PRODUCTS,
    FinalSettlement,
    MarketGroup,
    ProductKind,
    SessionName,
    default_products,
    gold_reference_price,
    load_products,
)

HOUR = 3_600_000_000
MINUTE = 60_000_000
DOCS = Path(__file__).resolve().parents[2] / "docs" / "derivatives-products.md"

ONE_PRODUCT = """
[[product]]
code = "S50"
root = "S50"
name = "SET50 Index Futures"
kind = "future"
market_group = "equity_index"
underlying = "SET50"
multiplier = 200
tick = "0.1"
price_limit_pct = 30
sessions = [{ name = "day", pre_open = "09:15", open = "09:45", close = "16:55" }]
consecutive_months = 3
cycle_months = [3, 6, 9, 12]
cycle_count = 3
last_trading_day_offset = 1
cut_off = "16:30"
final_settlement = "index_trimmed_average"
foreign_underlying = false
"""

AN_OPTION = """
[[product]]
code = "S50OPT"
root = "S50"
name = "SET50 Index Options"
kind = "option"
market_group = "equity_index"
underlying = "SET50"
multiplier = 200
tick = "0.1"
price_limit_pct = 30
sessions = [{ name = "day", pre_open = "09:15", open = "09:45", close = "16:55" }]
consecutive_months = 3
last_trading_day_offset = 1
cut_off = "16:30"
final_settlement = "option_intrinsic"
foreign_underlying = false
strike_interval = "25"
strikes_each_side = 5
"""


def at(hours: int, minutes: int = 0) -> int:
    return hours * HOUR + minutes * MINUTE


def test_the_bundled_table_lists_index_gold_currency_and_single_stock_products() -> None:
    assert list(DEFAULT_PRODUCTS)[:5] == ["S50", "S50OPT", "GF", "GF10", "USD"]
    single_stock = [p.underlying for p in DEFAULT_PRODUCTS.values()
                    if p.market_group is MarketGroup.SINGLE_STOCK]
    assert single_stock == ["PTT", "ADVANC", "KBANK", "AOT", "CPALL", "SCB", "BBL", "PTTEP",
                            "DELTA", "GULF"]
    assert default_products() is DEFAULT_PRODUCTS


def test_set50_futures_terms_are_the_spec_s() -> None:
    s50 = DEFAULT_PRODUCTS["S50"]
    assert (s50.multiplier, s50.tick, s50.price_limit_pct) == (200, 10, Fraction(30))
    assert s50.tick * s50.multiplier == 2_000  # 0.1 point = 20 THB, in satang (4.1)
    assert s50.final_settlement is FinalSettlement.INDEX_TRIMMED_AVERAGE
    assert s50.cut_off == at(16, 30)
    assert [(s.name, s.pre_open_start, s.open, s.close) for s in s50.sessions] == [
        (SessionName.DAY, at(9, 15), at(9, 45), at(16, 55))]


def test_gold_trades_a_night_session_that_closes_at_three_the_next_morning() -> None:
    for code in ("GF", "GF10"):
        night = DEFAULT_PRODUCTS[code].sessions[-1]
        assert night.is_night
        assert (night.open, night.close) == (at(18, 50), at(27))
    assert DEFAULT_PRODUCTS["GF"].tick * DEFAULT_PRODUCTS["GF"].multiplier == 50_000  # 500 THB


def test_usd_futures_stop_at_eleven_two_days_before_the_month_s_last_business_day() -> None:
    usd = DEFAULT_PRODUCTS["USD"]
    assert (usd.cut_off, usd.last_trading_day_offset) == (at(11), 2)
    assert usd.tick * usd.multiplier == 1_000  # 0.01 THB = 10 THB, in satang (4.1)
    assert usd.final_settlement is FinalSettlement.REFERENCE_RATE


def test_super_margin_applies_to_gold_and_currency_products_only() -> None:
    foreign = {p.code for p in DEFAULT_PRODUCTS.values() if p.foreign_underlying}
    assert foreign == {"GF", "GF10", "USD"}


def test_options_have_a_strike_grid_and_futures_none() -> None:
    for product in DEFAULT_PRODUCTS.values():
        is_option = product.kind is ProductKind.OPTION
        assert (product.strike_interval is not None) == is_option, product.code
    assert DEFAULT_PRODUCTS["S50OPT"].strike_interval == 2_500


def test_a_root_finds_its_product_by_kind() -> None:
    assert DEFAULT_PRODUCTS.by_root("S50", ProductKind.FUTURE) == DEFAULT_PRODUCTS["S50"]
    assert DEFAULT_PRODUCTS.by_root("S50", ProductKind.OPTION) == DEFAULT_PRODUCTS["S50OPT"]
    assert DEFAULT_PRODUCTS.by_root("PTT", ProductKind.FUTURE) == DEFAULT_PRODUCTS["SSF-PTT"]
    assert DEFAULT_PRODUCTS.by_root("PTT", ProductKind.OPTION) is None


def test_the_gold_formula_converts_usd_per_ounce_to_thb_per_baht_weight_exactly() -> None:
    price = gold_reference_price(Fraction(1800), Fraction(33))  # USD 1,800 an ounce at 33 THB
    expected = Fraction(1800 * 33) * Fraction("15.244") / Fraction("31.1034768") \
        * Fraction(965, 995)
    assert price == expected
    assert 28_234 < price < 28_235  # about 28,234 THB a baht-weight


def test_every_bundled_product_is_in_the_reference() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for code in DEFAULT_PRODUCTS:
        assert f"`{code}`" in text, code


def test_a_user_table_replaces_the_bundled_one(tmp_path: Path) -> None:
    path = tmp_path / "products.toml"
    path.write_text(ONE_PRODUCT + AN_OPTION)
    table = load_products(path)
    assert list(table) == ["S50", "S50OPT"]
    assert table["S50"] == DEFAULT_PRODUCTS["S50"]


def test_a_midday_break_is_two_sessions(tmp_path: Path) -> None:
    path = tmp_path / "products.toml"
    path.write_text(ONE_PRODUCT.replace(
        '[{ name = "day", pre_open = "09:15", open = "09:45", close = "16:55" }]',
        '[{ name = "morning", pre_open = "09:15", open = "09:45", close = "12:30" }, '
        '{ name = "afternoon", pre_open = "14:00", open = "14:30", close = "16:55" }]'))
    morning, afternoon = load_products(path)["S50"].sessions
    assert (morning.close, afternoon.pre_open_start) == (at(12, 30), at(14))


@pytest.mark.parametrize(("text", "says"), [
    (ONE_PRODUCT + 'colour = "red"\n', "unknown field `colour`"),
    (ONE_PRODUCT.replace('cut_off = "16:30"', 'cut_off = "4:30pm"'), "cut_off"),
    (ONE_PRODUCT.replace('close = "16:55"', 'close = "25:00"'), "close"),
    (ONE_PRODUCT.replace("multiplier = 200", "multiplier = -200"), "multiplier must be"),
    (ONE_PRODUCT + ONE_PRODUCT, "S50 is listed twice"),
    (ONE_PRODUCT + ONE_PRODUCT.replace('code = "S50"', 'code = "S50X"'), "share the root S50"),
    (AN_OPTION.replace('strike_interval = "25"\n', ""), "needs strike_interval"),
    (AN_OPTION.replace('strike_interval = "25"', 'strike_interval = "12.5"'),
     "whole number of price units"),
    (ONE_PRODUCT.replace('kind = "future"', 'kind = "swap"'), "kind"),
    (ONE_PRODUCT.replace('"equity_index"', '"crypto"'), "market_group"),
    (ONE_PRODUCT.replace('"index_trimmed_average"', '"option_intrinsic"'), "only for them"),
    (ONE_PRODUCT.replace('tick = "0.1"', "tick = 0.1"), "never floats"),
    (ONE_PRODUCT.replace('tick = "0.1"', 'tick = "0.001"'), "finer than 0.01"),
    (ONE_PRODUCT.replace('tick = "0.1"', 'tick = "0"'), "tick must be above 0"),
    (ONE_PRODUCT.replace("price_limit_pct = 30", "price_limit_pct = 130"), "price_limit_pct"),
    (ONE_PRODUCT.replace('cut_off = "16:30"', 'cut_off = "18:00"'), "within a day-time"),
    (ONE_PRODUCT.replace('open = "09:45"', 'open = "09:00"'), "pre_open <= open < close"),
    (ONE_PRODUCT.replace("cycle_count = 3", "cycle_count = 13"), "cycle_count must be"),
    (ONE_PRODUCT.replace("[3, 6, 9, 12]", "[12, 3]"), "cycle_months must be"),
    (ONE_PRODUCT.replace('root = "S50"', 'root = "s50"'), "root"),
    (ONE_PRODUCT.replace('underlying = "SET50"\n', ""), "missing required field `underlying`"),
    ("[[product]]\ncode = ", "not a product table"),
    ("product = []\n", "at least one"),
    (ONE_PRODUCT + "x = " + "[" * 5000, "not a product table"),
])
def test_a_bad_product_table_is_refused_whole_saying_what_to_fix(
        tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "products.toml"
    path.write_text(text)
    with pytest.raises(SiamexError) as refused:
        load_products(path)
    assert refused.value.code is ErrorCode.PRODUCT_FILE
    assert says in refused.value.message


def test_a_product_table_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "products.toml"
    path.write_bytes(b"\xff\xfe" + ONE_PRODUCT.encode())
    with pytest.raises(SiamexError) as refused:
        load_products(path)
    assert refused.value.code is ErrorCode.PRODUCT_FILE


def test_a_missing_product_table_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(SiamexError) as refused:
        load_products(tmp_path / "absent.toml")
    assert refused.value.code is ErrorCode.FILE_NOT_FOUND


def test_set50_futures_move_30_percent_either_side_of_the_settlement() -> None:
    assert price_limits(DEFAULT_PRODUCTS["S50"], 100_000) == (130_000, 70_000)


def test_gold_limits_round_inwards_to_the_10_baht_tick() -> None:
    # 30,010 +- 10% is 33,011 and 27,009 THB
    limits = price_limits(DEFAULT_PRODUCTS["GF"], 3_001_000)
    assert (limits.ceiling, limits.floor) == (3_301_000, 2_701_000)


def test_an_option_premium_moves_by_a_share_of_the_underlying() -> None:
    # premium 10.00 on SET50 948.30: 30% of 948.30 is 284.49 points
    options = DEFAULT_PRODUCTS["S50OPT"]
    assert price_limits(options, 1_000, 94_830) == (29_440, 10)
    assert price_limits(options, 30_000, 94_830) == (58_440, 1_560)


def test_an_option_without_the_underlying_s_settlement_has_no_limits() -> None:
    with pytest.raises(ValueError, match="underlying"):
        price_limits(DEFAULT_PRODUCTS["S50OPT"], 1_000)


@given(code=st.sampled_from(list(DEFAULT_PRODUCTS)), prev=st.integers(1, 10**9),
       underlying=st.integers(1, 10**9))
def test_limits_lie_on_the_tick_grid_inside_the_band_and_never_below_a_tick(
        code: str, prev: int, underlying: int) -> None:
    product = DEFAULT_PRODUCTS[code]
    ceiling, floor = price_limits(product, prev, underlying)
    basis = underlying if product.kind is ProductKind.OPTION else prev
    width = Fraction(basis) * product.price_limit_pct / 100
    assert ceiling % product.tick == 0 and floor % product.tick == 0
    assert product.tick <= floor <= ceiling
    assert floor == product.tick or floor >= prev - width
    assert ceiling == floor or ceiling <= prev + width


def test_a_product_is_plain_data() -> None:
    s50 = DEFAULT_PRODUCTS["S50"]
    wider = replace(s50, price_limit_pct=Fraction(50))
    assert price_limits(wider, 100_000) == (150_000, 50_000)
