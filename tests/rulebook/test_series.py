"""TFEX series: last trading days, listings, symbols, series files and night-session clearing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.calendar import is_trading_day, next_trading_day, trading_day_offset
from siamex.rulebook.products import DEFAULT_PRODUCTS, ProductKind, SeriesKind, Session
from siamex.rulebook.series import (
    OutsideSession,
    SeriesList,
    clearing_date,
    expiry_months,
    last_trading_day,
    listed_series,
    make_series,
    parse_symbol,
    read_series_file,
    series_list,
)

HOUR = 3_600_000_000
S50 = DEFAULT_PRODUCTS["S50"]
S50OPT = DEFAULT_PRODUCTS["S50OPT"]
GF = DEFAULT_PRODUCTS["GF"]
USD = DEFAULT_PRODUCTS["USD"]
DAY = S50.sessions[0]
NIGHT = GF.sessions[-1]


def test_set50_futures_stop_the_business_day_before_the_month_s_last() -> None:
    # Thu 31 Dec 2026 is an SET holiday: the last business day is Wed 30 Dec
    assert last_trading_day(S50, 2026, 12) == dt.date(2026, 12, 29)


def test_usd_futures_stop_two_business_days_before_the_month_s_last() -> None:
    assert last_trading_day(USD, 2026, 12) == dt.date(2026, 12, 28)


@given(code=st.sampled_from(list(DEFAULT_PRODUCTS)), year=st.integers(2006, 2034),
       month=st.integers(1, 12))
def test_the_last_trading_day_is_its_offset_in_business_days_before_the_month_s_last(
        code: str, year: int, month: int) -> None:
    product = DEFAULT_PRODUCTS[code]
    day = last_trading_day(product, year, month)
    assert is_trading_day(day) and (day.year, day.month) == (year, month)
    month_s_last = trading_day_offset(day, product.last_trading_day_offset)
    assert month_s_last.month == month
    assert next_trading_day(month_s_last).month != month


def test_set50_lists_three_consecutive_months_and_the_next_three_quarterly() -> None:
    assert expiry_months(S50, dt.date(2026, 11, 20)) == (
        (2026, 11), (2026, 12), (2027, 1), (2027, 3), (2027, 6), (2027, 9))


def test_a_month_is_listed_through_its_last_trading_day_and_replaced_the_day_after() -> None:
    assert last_trading_day(S50, 2026, 11) == dt.date(2026, 11, 27)
    assert expiry_months(S50, dt.date(2026, 11, 27))[0] == (2026, 11)
    assert expiry_months(S50, dt.date(2026, 11, 30)) == (
        (2026, 12), (2027, 1), (2027, 2), (2027, 3), (2027, 6), (2027, 9))


def test_gold_lists_the_three_nearest_even_months() -> None:
    assert expiry_months(GF, dt.date(2026, 11, 20)) == ((2026, 12), (2027, 2), (2027, 4))


def test_futures_series_are_named_root_month_code_and_year() -> None:
    symbols = [s.symbol for s in listed_series(USD, dt.date(2026, 11, 20))]
    assert symbols == ["USDX26", "USDZ26", "USDF27", "USDH27"]


def test_option_strikes_centre_on_the_strike_nearest_the_underlying() -> None:
    series = listed_series(S50OPT, dt.date(2026, 11, 20), 94_830)  # SET50 at 948.30
    december = [s for s in series if s.month == 12 and s.kind is SeriesKind.CALL]
    assert [s.strike for s in december] == [82_500 + 2_500 * k for k in range(11)]
    assert "S50Z26C950" in {s.symbol for s in series}
    assert "S50Z26P1075" in {s.symbol for s in series}
    assert len(series) == 5 * 11 * 2


def test_an_underlying_halfway_between_strikes_centres_on_the_higher() -> None:
    series = listed_series(S50OPT, dt.date(2026, 11, 20), 93_750)  # between 925 and 950
    calls = [s.strike for s in series if s.month == 11 and s.kind is SeriesKind.CALL]
    assert calls[5] == 95_000


def test_options_cannot_be_listed_without_the_underlying_s_price() -> None:
    with pytest.raises(SiamexError) as refused:
        listed_series(S50OPT, dt.date(2026, 11, 20))
    assert refused.value.code is ErrorCode.SERIES_FILE
    assert "SET50" in refused.value.message


def test_the_day_s_series_list_covers_every_product() -> None:
    listing = series_list(DEFAULT_PRODUCTS, dt.date(2026, 11, 20), {"SET50": 94_830})
    assert {listing[symbol].product for symbol in listing} == set(DEFAULT_PRODUCTS)
    assert listing.get("GFZ26", dt.date(2026, 11, 20)).last_trading_day == dt.date(2026, 12, 29)


def test_a_symbol_not_listed_is_unknown_and_one_past_its_last_day_has_expired() -> None:
    listing = series_list(DEFAULT_PRODUCTS, dt.date(2026, 11, 20), {"SET50": 94_830})
    with pytest.raises(SiamexError) as unknown:
        listing.get("S50Z99", dt.date(2026, 11, 20))
    assert unknown.value.code is ErrorCode.UNKNOWN_SERIES
    with pytest.raises(SiamexError) as expired:
        listing.get("S50X26", dt.date(2026, 11, 30))
    assert expired.value.code is ErrorCode.SERIES_EXPIRED


def test_a_series_is_listed_once() -> None:
    one = make_series(S50, 2026, 12, SeriesKind.FUTURE)
    with pytest.raises(ValueError, match="twice"):
        SeriesList([one, one])


@st.composite
def series_of_bundled_products(draw: st.DrawFn) -> tuple[str, int, int, SeriesKind, int | None]:
    code = draw(st.sampled_from(list(DEFAULT_PRODUCTS)))
    product = DEFAULT_PRODUCTS[code]
    months = [m for m in range(1, 13) if product.expiry_months.may_list(m)]
    year, month = draw(st.integers(2006, 2035)), draw(st.sampled_from(months))
    if product.kind is ProductKind.FUTURE:
        return code, year, month, SeriesKind.FUTURE, None
    kind = draw(st.sampled_from([SeriesKind.CALL, SeriesKind.PUT]))
    return code, year, month, kind, draw(st.integers(1, 400)) * (product.strike_interval or 0)


@given(series_of_bundled_products())
def test_every_symbol_reads_back_as_its_series(
        drawn: tuple[str, int, int, SeriesKind, int | None]) -> None:
    code, year, month, kind, strike = drawn
    series = make_series(DEFAULT_PRODUCTS[code], year, month, kind, strike)
    assert parse_symbol(series.symbol, DEFAULT_PRODUCTS) == series


def test_a_symbol_names_its_product_by_root_and_kind() -> None:
    assert parse_symbol("GF10J27", DEFAULT_PRODUCTS).product == "GF10"
    assert parse_symbol("GFJ27", DEFAULT_PRODUCTS).product == "GF"
    call = parse_symbol("S50Z26C950", DEFAULT_PRODUCTS)
    assert (call.product, call.kind, call.strike) == ("S50OPT", SeriesKind.CALL, 95_000)
    assert parse_symbol("PTTZ26", DEFAULT_PRODUCTS).product == "SSF-PTT"


@pytest.mark.parametrize(("symbol", "says"), [
    ("", "write the root"),
    ("S50", "write the root"),
    ("S50Z2026", "write the root"),
    ("s50z26", "write the root"),
    ("S50Z26C0950", "write the root"),
    ("S50Z26C950.5", "write the root"),
    ("XYZZ26", "no future product has the root XYZ"),
    ("GFZ26C950", "no option product has the root GF"),
    ("GFH27", "lists no series expiring in month 3"),
    ("S50Z26C960", "strike interval"),
    ("S50Z99", "outside the calendar"),
    ("S" * 5000 + "Z26", "write the root"),
])
def test_a_symbol_that_names_no_series_is_unknown(symbol: str, says: str) -> None:
    with pytest.raises(SiamexError) as refused:
        parse_symbol(symbol, DEFAULT_PRODUCTS)
    assert refused.value.code is ErrorCode.UNKNOWN_SERIES
    assert says in refused.value.message


def test_a_series_file_lists_its_symbols_with_an_optional_last_trading_day(
        tmp_path: Path) -> None:
    path = tmp_path / "series.json"
    path.write_text(json.dumps({"series": [
        {"symbol": "S50Z26"},
        {"symbol": "S50Z26C950", "last_trading_day": "2026-12-28"},
    ]}))
    listing = read_series_file(path, DEFAULT_PRODUCTS)
    assert list(listing) == ["S50Z26", "S50Z26C950"]
    assert listing["S50Z26"].last_trading_day == dt.date(2026, 12, 29)
    assert listing["S50Z26C950"].last_trading_day == dt.date(2026, 12, 28)


@pytest.mark.parametrize(("text", "says"), [
    ("not json", "not a series file"),
    ('{"series": [{"symbol": "S50Z26", "expiry": "2026-12-29"}]}', "unknown field `expiry`"),
    ('{"series": [{}]}', "missing required field `symbol`"),
    ("{}", "missing required field `series`"),
    ('{"series": [{"symbol": 50}]}', "Expected `str`"),
    ('{"series": [{"symbol": "S50Z26"}, {"symbol": "S50Z26"}]}', "listed twice"),
    ('{"series": [{"symbol": "S50Q26"}, {"symbol": "NOPEZ26"}]}', "no future product"),
    ('{"series": [{"symbol": "S50Z26", "last_trading_day": "2026-12-31"}]}',
     "must be a business day of the expiry month"),
    ('{"series": [{"symbol": "S50Z26", "last_trading_day": "2026-11-27"}]}',
     "must be a business day of the expiry month"),
    ('{"series": [{"symbol": "S50Z26", "last_trading_day": "29/12/2026"}]}', "date"),
    ('{"series": ' + "[" * 5000 + "]" * 5000 + "}", "not a series file"),
])
def test_a_bad_series_file_is_refused_whole_saying_what_to_fix(
        tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "series.json"
    path.write_text(text)
    with pytest.raises(SiamexError) as refused:
        read_series_file(path, DEFAULT_PRODUCTS)
    assert refused.value.code is ErrorCode.SERIES_FILE
    assert says in refused.value.message


def test_a_series_file_that_is_not_utf8_or_absent_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "series.json"
    path.write_bytes(b'{"series": [{"symbol": "\xff"}]}')
    with pytest.raises(SiamexError) as refused:
        read_series_file(path, DEFAULT_PRODUCTS)
    assert refused.value.code is ErrorCode.SERIES_FILE
    with pytest.raises(SiamexError) as absent:
        read_series_file(tmp_path / "absent.json", DEFAULT_PRODUCTS)
    assert absent.value.code is ErrorCode.FILE_NOT_FOUND


def test_a_friday_night_trade_clears_on_monday() -> None:
    assert clearing_date(dt.date(2021, 4, 9), 20 * HOUR, NIGHT) == dt.date(2021, 4, 12)


def test_a_trade_after_midnight_belongs_to_the_night_session_that_began_the_evening_before(
        ) -> None:
    assert clearing_date(dt.date(2021, 4, 10), 2 * HOUR, NIGHT) == dt.date(2021, 4, 12)


def test_a_night_trade_before_a_holiday_block_clears_on_the_business_day_after_it() -> None:
    # 13-15 April 2021 are Songkran holidays
    assert clearing_date(dt.date(2021, 4, 12), 20 * HOUR, NIGHT) == dt.date(2021, 4, 16)


def test_a_day_session_trade_clears_on_its_own_day() -> None:
    assert clearing_date(dt.date(2021, 4, 12), 10 * HOUR, DAY) == dt.date(2021, 4, 12)
    assert clearing_date(dt.date(2021, 4, 12), 10 * HOUR, GF.sessions[0]) == dt.date(2021, 4, 12)


@pytest.mark.parametrize(("day", "time", "session"), [
    (dt.date(2021, 4, 12), 12 * HOUR, NIGHT),  # between the night's close and next pre-open
    (dt.date(2021, 4, 12), 18 * HOUR, DAY),  # after the day session
    (dt.date(2021, 4, 10), 20 * HOUR, NIGHT),  # Saturday evening: no session
    (dt.date(2021, 4, 13), 10 * HOUR, DAY),  # a holiday
    (dt.date(2021, 4, 12), 24 * HOUR, NIGHT),  # not a time of day
])
def test_a_trade_outside_any_session_has_no_clearing_date(
        day: dt.date, time: int, session: Session) -> None:
    with pytest.raises(OutsideSession):
        clearing_date(day, time, session)
