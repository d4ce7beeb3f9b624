"""TCH's margin parameters as rulebook data: the bundled table, the 2015 published one, and
bad tables refused whole with MARGIN_FILE, hand-written and generated."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.margin import (
    MarginTable,
    default_margin_table,
    load_margin_table,
    read_margin_table,
)
from siamex.rulebook.products import DEFAULT_PRODUCTS, MarketGroup, ProductKind

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "margin.md"
TABLE_2015 = ROOT / "tests" / "clearing" / "derivatives" / "margin" / "margin-2015.toml"

FUTURE = """
[[product]]
code = "S50"
scan_range = 5000
spread_pct = 25
"""
OPTION = """
[[product]]
code = "S50OPT"
scan_from = "S50"
volatility_scan = "0.04"
somc = 2000
"""
CREDIT = """
[[icsc]]
market = "single_stock"
a = "PTT"
b = "PTTEP"
ratio_a = 4
ratio_b = 1
credit_pct = 30
"""
SETTINGS = settings(max_examples=200, deadline=None, derandomize=True)


def _refused(text: str, tmp_path: Path, checked: bool = True) -> SiamexError:
    path = tmp_path / "margin.toml"
    path.write_text(text)
    with pytest.raises(SiamexError) as refused:
        load_margin_table(path, DEFAULT_PRODUCTS if checked else None)
    assert refused.value.code is ErrorCode.MARGIN_FILE
    return refused.value


def test_the_bundled_table_margins_every_bundled_product() -> None:
    table = default_margin_table()
    assert [row.code for row in table.products] == list(DEFAULT_PRODUCTS)
    assert default_margin_table() is table
    for row in table.products:
        product = DEFAULT_PRODUCTS[row.code]
        assert row.is_option == (product.kind is ProductKind.OPTION)
        if not row.is_option:
            assert row.rate_pct is not None and row.scan_range is None
            assert row.spread_pct == 25  # the 2015 table's share of the outright


def test_the_bundled_table_wide_values_are_the_spec_s() -> None:
    table = default_margin_table()
    assert (table.rounding_unit, table.extreme_multiple, table.extreme_cover_pct,
            table.interest_rate) == (10_000, 2, 35, 0)
    assert table.floor(MarketGroup.EQUITY_INDEX) == 0
    options = table.product("S50OPT")
    assert options is not None
    assert (options.scan_from, options.volatility_scan) == ("S50", Fraction(4, 100))
    assert [(c.a, c.b) for c in table.icsc] == [("PTT", "PTTEP"), ("KBANK", "SCB"),
                                                  ("BBL", "KBANK")]


def test_the_2015_table_reads_its_baht_rates_into_satang() -> None:
    table = load_margin_table(TABLE_2015, DEFAULT_PRODUCTS)
    rates = {row.code: (row.scan_range, row.spread_pct) for row in table.products
             if not row.is_option}
    assert rates == {"S50": (500_000, 25), "GF": (2_000_000, 25), "GF10": (400_000, 25),
                     "USD": (24_000, 25), "SSF-ADVANC": (930_000, 25),
                     "SSF-KBANK": (720_000, 25)}
    options = table.product("S50OPT")
    assert options is not None and options.somc == 200_000


def test_a_table_with_defaults_only_needs_its_products(tmp_path: Path) -> None:
    path = tmp_path / "margin.toml"
    path.write_text(FUTURE + OPTION)
    table = load_margin_table(path, DEFAULT_PRODUCTS)
    assert table == MarginTable(products=table.products)
    assert table.product("GF") is None


@pytest.mark.parametrize(("text", "says"), [
    (FUTURE + 'colour = "red"\n', "unknown field `colour`"),
    (FUTURE.replace("scan_range = 5000", 'scan_range = 5000\nrate_pct = "7"'),
     "exactly one of rate_pct and scan_range"),
    (FUTURE.replace("scan_range = 5000\n", ""), "exactly one of rate_pct and scan_range"),
    (FUTURE.replace("scan_range = 5000", 'rate_pct = "0"'), "rate_pct must be above 0"),
    (FUTURE.replace("scan_range = 5000", 'rate_pct = "130"'), "S50: rate_pct must be 0 to 100"),
    (FUTURE.replace("scan_range = 5000", "scan_range = 5000.5"), "never floats"),
    (FUTURE.replace("scan_range = 5000", 'scan_range = "5000.555"'), "finer than 0.01"),
    (FUTURE.replace("scan_range = 5000", "scan_range = 0"), "scan_range must be 0.01"),
    (FUTURE.replace("spread_pct = 25\n", ""), "needs spread_pct"),
    (FUTURE + 'volatility_scan = "0.04"\n', "a future (no scan_from) has no volatility_scan"),
    (FUTURE + "concentration_contracts = 10\n", "together"),
    (FUTURE + "concentration_contracts = 0\nconcentration_pct = 5\n",
     "concentration_contracts must be 1"),
    (FUTURE + "super_pct = 501\n", "super_pct must be 0 to 500"),
    (FUTURE + FUTURE, "S50 is listed twice"),
    (FUTURE + OPTION.replace('somc = 2000', 'somc = 2000\nrate_pct = "5"'),
     "an option (it is scanned with scan_from's range) has no rate_pct"),
    (FUTURE + OPTION.replace('volatility_scan = "0.04"\n', ""), "needs volatility_scan"),
    (FUTURE + OPTION.replace('volatility_scan = "0.04"', 'volatility_scan = "1.5"'),
     "volatility_scan must be 0 to 1"),
    (FUTURE + OPTION.replace('volatility_scan = "0.04"', 'volatility_scan = "4%"'),
     "volatility_scan must be a decimal"),
    (FUTURE + OPTION.replace("somc = 2000", 'somc = 2000\nsomc_pct = "1"'), "not both"),
    (OPTION, "scan_from S50 must name a futures product"),
    (FUTURE + OPTION + OPTION.replace('code = "S50OPT"', 'code = "X"').replace(
        'scan_from = "S50"', 'scan_from = "S50OPT"'), "X: scan_from S50OPT must name a futures"),
    (FUTURE + CREDIT.replace('"PTTEP"', '"PTT"'), "a and b must be two underlyings"),
    (FUTURE + CREDIT.replace('"single_stock"', '"crypto"'), "market must be one of"),
    (FUTURE + CREDIT.replace("ratio_a = 4", "ratio_a = 0"), "ratio_a must be 1"),
    (FUTURE + CREDIT.replace("credit_pct = 30", "credit_pct = 0"), "credit_pct must be above 0"),
    (FUTURE + CREDIT + CREDIT.replace('a = "PTT"', 'a = "X"').replace('b = "PTTEP"', 'b = "PTT"')
     .replace('a = "X"', 'a = "PTTEP"'), "a pair of underlyings is listed twice"),
    ("[market_floor]\ncrypto = 0\n" + FUTURE, "market_floor: 'crypto' is no market"),
    ("[market_floor]\nmetal = -1\n" + FUTURE, "market_floor.metal"),
    ("rounding_unit = 0\n" + FUTURE, "rounding_unit must be 0.01"),
    ("extreme_multiple = \"0.5\"\n" + FUTURE, "extreme_multiple must be 1 to 10"),
    ("interest_rate = \"abc\"\n" + FUTURE, "interest_rate must be a decimal"),
    ("extreme_cover_pct = 101\n" + FUTURE, "extreme_cover_pct must be 0 to 100"),
    ("[[product]]\ncode = ", "not a margin table"),
    ("product = []\n", "at least one [[product]]"),
    (FUTURE + "x = " + "[" * 5000, "not a margin table"),
    (FUTURE.replace('code = "S50"', 'code = "s50"'), "product code 's50'"),
])
def test_a_bad_margin_table_is_refused_whole_saying_what_to_fix(
        tmp_path: Path, text: str, says: str) -> None:
    assert says in _refused(text, tmp_path, checked=False).message


@pytest.mark.parametrize(("text", "says"), [
    (FUTURE.replace('code = "S50"', 'code = "S51"'), "S51: no such product"),
    (FUTURE.replace('code = "S50"', 'code = "S50OPT"'), "options need it"),
    (FUTURE + FUTURE.replace('code = "S50"', 'code = "GF"') + OPTION.replace(
        'scan_from = "S50"', 'scan_from = "GF"'), "has another underlying (GOLD965, not SET50)"),
    (FUTURE + CREDIT.replace('"PTTEP"', '"GOLD965"'), "no single_stock product has the "
     "underlying GOLD965"),
])
def test_a_table_that_does_not_fit_the_products_is_refused(
        tmp_path: Path, text: str, says: str) -> None:
    assert says in _refused(text, tmp_path).message


def test_a_margin_table_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "margin.toml"
    path.write_bytes(b"\xff\xfe" + FUTURE.encode())
    with pytest.raises(SiamexError) as refused:
        load_margin_table(path)
    assert refused.value.code is ErrorCode.MARGIN_FILE


def test_a_missing_margin_table_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(SiamexError) as refused:
        load_margin_table(tmp_path / "absent.toml")
    assert refused.value.code is ErrorCode.FILE_NOT_FOUND


@SETTINGS
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_garbage_is_refused_as_a_margin_file(raw: bytes) -> None:
    try:
        read_margin_table(raw, "garbage.toml", DEFAULT_PRODUCTS)
    except SiamexError as refused:
        assert refused.code is ErrorCode.MARGIN_FILE


_FIELDS = ("code", "rate_pct", "scan_range", "scan_from", "spread_pct", "delivery_pct",
           "volatility_scan", "somc", "somc_pct", "super_pct", "concentration_contracts",
           "concentration_pct")
_TOP = ("rounding_unit", "extreme_multiple", "extreme_cover_pct", "interest_rate")
_value = st.one_of(st.integers(-10**20, 10**20), st.floats(allow_nan=False),
                   st.text(max_size=12), st.booleans(),
                   st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str))


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "inf" if value == float("inf") else "-inf" if value == float("-inf") \
            else repr(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


@SETTINGS
@given(where=st.sampled_from(("future", "option", "top")), field=st.sampled_from(_FIELDS),
       top=st.sampled_from(_TOP), value=_value)
def test_a_table_with_any_one_value_changed_is_read_or_refused_as_a_margin_file(
        where: str, field: str, top: str, value: object) -> None:
    line = f"{field} = {_toml(value)}\n"
    future, option = FUTURE, OPTION
    if where == "future":
        future = re.sub(rf"^{field} = .*\n", "", FUTURE, flags=re.M) + line
    elif where == "option":
        option = re.sub(rf"^{field} = .*\n", "", OPTION, flags=re.M) + line
    head = f"{top} = {_toml(value)}\n" if where == "top" else ""
    try:
        read_margin_table((head + future + option).encode(), "margin.toml", DEFAULT_PRODUCTS)
    except SiamexError as refused:
        assert refused.code is ErrorCode.MARGIN_FILE


def test_every_field_is_in_the_reference() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for field in (*_FIELDS, *_TOP, "market_floor", "icsc", "market", "ratio_a", "ratio_b",
                  "credit_pct"):
        assert f"`{field}`" in text, field
