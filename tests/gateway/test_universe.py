"""The universes `siamex serve` lists: the bundled TFEX sample made each day from the product
rules (so it never names an expired series), a listing's rows checked with stable codes, a
later day's prices carried from the engine, a day's end past midnight, and `--market` checked
against a universe file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from siamex.errors import ErrorCode, SiamexError
from siamex.gateway.universe import Universe, bundled_universe, check_market, load_universe
from siamex.rulebook.calendar import trading_day_offset
from siamex.units import day_start, parse_time_of_day

DAY = dt.date(2026, 12, 1)
LISTING: dict[str, Any] = {"market": "tfex", "underlyings": {"SET50": "820.00"}, "listing": [
    {"product": "S50", "months": 2, "price": "821.0"},
    {"product": "S50OPT", "strikes_each_side": 1, "time_value": "12.0"},
    {"product": "GF", "price": "41000"}]}


def _tfex() -> Universe:
    with bundled_universe("tfex") as path:
        return load_universe(path, DAY)


def _file(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "universe.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _prices(universe: Universe, day: dt.date, **more: Any) -> dict[str, int | None]:
    start = universe.start(day, 0, **{"first": True, **more})
    return {spec.symbol: spec.prev_close for spec in start.instruments}


def test_the_bundled_tfex_sample_says_it_is_sample_data_and_lists_futures_and_options() -> None:
    universe = _tfex()
    assert universe.description.startswith("SAMPLE DATA") and universe.market == "tfex"
    start = universe.start(DAY, 0, first=True)
    assert start.market == "tfex" and start.underlyings == {"SET50": 82000}
    symbols = [spec.symbol for spec in start.instruments]
    assert symbols[:2] == ["S50Z26", "S50F27"]
    assert {"S50Z26C825", "S50Z26P825", "GFZ26", "GF10Z26", "USDZ26"} <= set(symbols)


def test_the_bundled_tfex_sample_opens_every_business_day_for_years() -> None:
    universe = _tfex()
    day = DAY
    while day < dt.date(2028, 12, 31):
        assert universe.start(day, 0, first=True).instruments
        day = trading_day_offset(day, 7)


def test_an_option_is_priced_at_its_intrinsic_value_plus_the_time_value(tmp_path: Path) -> None:
    universe = load_universe(_file(tmp_path, LISTING), DAY)
    prices = _prices(universe, DAY)
    # SET50 at 820.00: the at-the-money strike is 825 (the 25-point grid's nearest)
    assert {s: p for s, p in prices.items() if s.startswith("S50Z26") and len(s) > 6} == {
        "S50Z26C800": 3200, "S50Z26P800": 1200, "S50Z26C825": 1200, "S50Z26P825": 1700,
        "S50Z26C850": 1200, "S50Z26P850": 4200}
    assert prices["GFZ26"] == 4_100_000 and prices["S50F27"] == 82_100


def test_a_later_day_takes_the_engines_settlement_and_prices_only_new_series(
        tmp_path: Path) -> None:
    universe = load_universe(_file(tmp_path, LISTING), DAY)
    rollover = dt.date(2026, 12, 30)  # S50Z26 expired the day before: S50G27 comes in
    prices = _prices(universe, rollover, first=False, carried={"S50F27", "GFG27"})
    assert prices["S50F27"] is None and prices["GFG27"] is None
    assert prices["S50G27"] == 82_100 and "S50Z26" not in prices


def test_a_tfex_days_end_is_its_night_sessions_close_and_an_equities_day_ends_as_before(
        tmp_path: Path) -> None:
    assert _tfex().day_end(DAY) == day_start(DAY) + parse_time_of_day("27:00", 27)
    futures_only = {**LISTING, "listing": LISTING["listing"][:1]}
    day_only = load_universe(_file(tmp_path, futures_only), DAY)
    assert day_only.day_end(DAY) == day_start(DAY) + parse_time_of_day("16:55")
    assert load_universe(None, DAY).day_end(DAY) == day_start(DAY) + parse_time_of_day("17:00")


BAD_LISTINGS = [
    ([{"product": "NOPE", "price": "1"}], "no product 'NOPE'"),
    ([{"product": "S50", "price": "821.0", "months": 0}], "months is 1 to 12"),
    ([{"product": "S50"}], "S50: price is required"),
    ([{"product": "S50", "price": "-1"}], "S50: price: "),
    ([{"product": "S50", "price": "821.0", "time_value": "1"}], "a futures product takes"),
    ([{"product": "S50OPT", "price": "12"}], "an options product takes time_value"),
    ([{"product": "S50OPT", "time_value": "1", "strikes_each_side": 9}],
     "strikes_each_side is 0 to 5"),
    ([{"product": "S50", "price": "821.0"}, {"product": "S50", "price": "1"}], "listed twice"),
    ([{"product": "S50", "price": "821.0", "colour": "red"}], "colour"),
    ([], "at least one product"),
    ("S50", "Expected `array`"),
]


@pytest.mark.parametrize(("listing", "text"), BAD_LISTINGS)
def test_a_bad_listing_is_refused_with_its_code_and_what_is_wrong(
        tmp_path: Path, listing: Any, text: str) -> None:
    with pytest.raises(SiamexError) as refused:
        load_universe(_file(tmp_path, {**LISTING, "listing": listing}), DAY)
    assert refused.value.code is ErrorCode.SCENARIO_FIELD
    assert refused.value.message.startswith("universe: listing: ") and text in \
        refused.value.message


@pytest.mark.parametrize(("data", "text"), [
    ({"listing": LISTING["listing"]}, 'for a "market": "tfex" universe'),
    ({**LISTING, "instruments": [{"symbol": "S50Z26", "prev_close": "821.0"}]}, "not both"),
    ({**LISTING, "underlyings": {}}, "options need underlyings.SET50"),
    ({**LISTING, "underlyings": {"SET50": "0"}}, "underlyings: SET50 must be positive"),
    ({**LISTING, "underlyings": {"SET50": 820}}, "underlyings: SET50: "),
])
def test_a_listing_belongs_to_a_tfex_universe_in_place_of_instruments(
        tmp_path: Path, data: dict[str, Any], text: str) -> None:
    with pytest.raises(SiamexError) as refused:
        load_universe(_file(tmp_path, data), DAY)
    assert refused.value.code is ErrorCode.SCENARIO_FIELD and text in refused.value.message


def test_a_tfex_universe_of_series_opens_as_a_scenario_does(tmp_path: Path) -> None:
    data = {"market": "tfex", "underlyings": {"SET50": "948.30"},
            "instruments": [{"symbol": "S50Z26", "prev_close": "950.0"},
                            {"symbol": "S50Z26C950", "prev_close": "12.5"}]}
    universe = load_universe(_file(tmp_path, data), DAY)
    start = universe.start(DAY, 5, first=False)
    assert (start.market, start.ts) == ("tfex", 5)
    assert [s.prev_close for s in start.instruments] == [None, None]  # the engine's carry
    with pytest.raises(SiamexError) as refused:
        load_universe(_file(tmp_path, data), dt.date(2027, 1, 4))
    assert refused.value.code is ErrorCode.SERIES_EXPIRED


def test_market_is_checked_against_a_universe_file(tmp_path: Path) -> None:
    check_market(_file(tmp_path, LISTING), "tfex")
    with pytest.raises(SiamexError) as refused:
        check_market(_file(tmp_path, LISTING), "set")
    assert refused.value.code is ErrorCode.INVALID_PARAMETER
    assert "is of the market 'tfex'" in refused.value.message
    with pytest.raises(SiamexError) as missing:
        check_market(tmp_path / "none.json", "tfex")
    assert missing.value.code is ErrorCode.FILE_NOT_FOUND
