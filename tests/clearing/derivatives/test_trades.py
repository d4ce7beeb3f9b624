"""The derivatives trade file (docs/derivatives.md, "Trade file"): one clearing date's trades,
the night session's before the day's, read all or nothing; every bad line refuses the file with
TRADE_FILE naming the line, and whatever text is given the reader answers with trades or a
SiamexError."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.accounts import load_accounts
from siamex.clearing.derivatives.files import series_check
from siamex.clearing.derivatives.fills import Flag
from siamex.clearing.derivatives.trades import (
    TRADE_COLUMNS,
    DerivativesTrade,
    TradingSession,
    read_trades,
    trades_from_csv,
)
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.products import DEFAULT_PRODUCTS

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "derivatives"
ACCOUNTS = load_accounts(EXAMPLES / "accounts.json")
CHECK = series_check(DEFAULT_PRODUCTS)
HEADER = ",".join(TRADE_COLUMNS)
GOOD = "1,2021-04-08,day,09:46:10,S50M21,4,1000.0,A-01,open,B-01,open"
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def _read(*rows: str, header: str = HEADER) -> tuple[DerivativesTrade, ...]:
    return trades_from_csv("\n".join([header, *rows]) + "\n", ACCOUNTS, CHECK)


def _refused(*rows: str, header: str = HEADER) -> str:
    with pytest.raises(SiamexError) as caught:
        _read(*rows, header=header)
    assert caught.value.code is ErrorCode.TRADE_FILE, caught.value
    return caught.value.message


def test_the_normal_days_trades_are_read_in_time_order_with_both_sides() -> None:
    trades = read_trades(EXAMPLES / "normal-day-trades.csv", ACCOUNTS, CHECK)
    assert [t.trade_id for t in trades] == ["1", "2", "3", "4", "5", "6", "7"]
    first = trades[0]
    assert (first.date, first.session, first.series, first.qty, first.price) == (
        dt.date(2021, 4, 8), TradingSession.DAY, "S50M21", 4, 100_000)
    assert (first.buy_account, first.buy_flag, first.sell_account, first.sell_flag) == (
        "A-01", Flag.OPEN, "B-01", Flag.OPEN)
    assert trades[3].series == "S50M21C1000" and trades[3].price == 1_850


def test_the_night_session_comes_first_the_evening_before_the_hours_past_midnight() -> None:
    trades = _read("d,2021-04-12,day,09:45:00,GFM21,1,26500,A-01,open,C-01,open",
                   "m,2021-04-12,night,01:15:00,GFM21,1,26500,A-01,open,C-01,open",
                   "e,2021-04-12,night,19:30:00,GFM21,1,26500,A-01,open,C-01,open",
                   "a,2021-04-12,night,18:50:00,GFM21,1,26500,A-01,open,C-01,open",
                   "z,2021-04-12,night,00:00:00,GFM21,1,26500,A-01,open,C-01,open")
    assert [t.trade_id for t in trades] == ["a", "e", "z", "m", "d"]
    assert [t.at for t in trades] == sorted(t.at for t in trades)
    assert trades[-1].session is TradingSession.DAY


def test_the_example_night_file_puts_the_evening_trade_before_the_one_past_midnight() -> None:
    trades = read_trades(EXAMPLES / "night-trades.csv", ACCOUNTS, CHECK)
    assert [(t.trade_id, t.session) for t in trades] == [
        ("21", TradingSession.NIGHT), ("22", TradingSession.NIGHT), ("23", TradingSession.DAY)]


def test_trades_made_at_the_same_moment_keep_the_file_s_order() -> None:
    trades = _read(GOOD.replace("1,", "b,", 1), GOOD.replace("1,", "a,", 1))
    assert [t.trade_id for t in trades] == ["b", "a"]


def test_a_file_of_only_the_header_is_no_trades() -> None:
    assert _read() == ()
    assert trades_from_csv(HEADER, ACCOUNTS, CHECK) == ()


def _row(**change: str) -> str:
    values = dict(zip(TRADE_COLUMNS, GOOD.split(","), strict=True)) | change
    return ",".join(values[c] for c in TRADE_COLUMNS)


@pytest.mark.parametrize(("change", "words"), [
    ({"date": "2021-4-8"}, "date '2021-4-8' is not 'YYYY-MM-DD'"),
    ({"date": "2021-04-31"}, "date '2021-04-31' is not a calendar date"),
    ({"time": "9:46"}, "time '9:46' is not 'HH:MM:SS[.fff]'"),
    ({"time": "24:00:00"}, "time '24:00:00' is not a time of day"),
    ({"price": "1000.0.0"}, "'1000.0.0' is not a decimal number"),
    ({"price": "abc"}, "'abc' is not a decimal number"),
    ({"price": "1000.001"}, "'1000.001' is finer than 0.01"),
    ({"price": "0"}, "price must be above zero and at most 1,000,000"),
    ({"price": "1000000.10"}, "price must be above zero and at most 1,000,000"),
    ({"price": "-1000.0"}, "'-1000.0' is not a decimal number"),
    ({"qty": "0"}, "qty must be 1 to 1,000,000 contracts"),
    ({"qty": "1000001"}, "qty must be 1 to 1,000,000 contracts"),
    ({"qty": "99999999999999999999"}, "qty must be a whole number of contracts"),
    ({"qty": "-4"}, "qty must be a whole number of contracts, got '-4'"),
    ({"qty": "4.0"}, "qty must be a whole number of contracts, got '4.0'"),
    ({"qty": "\u0664"}, "qty must be a whole number of contracts"),  # an Arabic-Indic four
    ({"qty": ""}, "qty must be a whole number of contracts, got ''"),
    ({"session": "evening"}, "session must be day or night, got 'evening'"),
    ({"session": "DAY"}, "session must be day or night, got 'DAY'"),
    ({"buy_flag": "opened"}, "buy_flag must be open or close"),
    ({"sell_flag": ""}, "sell_flag must be open or close"),
    ({"buy_account": "Z-01"}, "buy_account 'Z-01' is not registered"),
    ({"sell_account": "a-01"}, "sell_account 'a-01' is not registered"),
    ({"trade_id": ""}, "trade_id is empty"),
])
def test_a_bad_field_refuses_the_file_naming_the_line(change: dict[str, str],
                                                      words: str) -> None:
    message = _refused(GOOD.replace("1,", "0,", 1), _row(**change))
    assert message.startswith("line 3: ") and words in message, message


@pytest.mark.parametrize(("series", "price", "words"), [
    ("S50M21", "1000.05", "price 1000.05 of S50M21 is off its tick 0.10"),
    ("GFM21", "26505", "price 26505.00 of GFM21 is off its tick 10.00"),
    ("S50M21C975", "18.55", "off its tick 0.10"),
    ("XYZ", "1000.0", "'XYZ' is not a series"),
    ("S50M21C1003", "18.5", "the strike is off S50OPT's strike interval"),
    ("S50V21", "1000.0", "series S50V21 is not listed on 2021-04-08: S50 lists 2021-04"),
    ("S50H21", "1000.0", "series S50H21 expired on 2021-03-30"),
])
def test_a_series_not_listed_or_a_price_off_its_tick_refuses_the_file_as_a_trade_file_fault(
        series: str, price: str, words: str) -> None:
    # the series check answers UNKNOWN_SERIES or SERIES_EXPIRED; the reader refuses the whole
    # file with TRADE_FILE, that answer's sentence after the line it is on
    message = _refused(GOOD, _row(trade_id="2", series=series, price=price))
    assert message.startswith("line 3: ") and words in message, message


def _trade(series: str, session: TradingSession = TradingSession.DAY,
           time: str = "10:00:00", price: int = 100_000) -> DerivativesTrade:
    at = trades_from_csv(f"{HEADER}\n1,2021-04-08,{session.value},{time},S50M21,1,1000.0,"
                         "A-01,open,B-01,open", ACCOUNTS, lambda _: None)[0].at
    return DerivativesTrade("1", dt.date(2021, 4, 8), session, at, series, 1, price, "A-01",
                            Flag.OPEN, "B-01", Flag.OPEN)


def test_the_series_check_itself_answers_with_the_series_code() -> None:
    with pytest.raises(SiamexError) as caught:
        CHECK(_trade("S50V21"))
    assert caught.value.code is ErrorCode.UNKNOWN_SERIES
    with pytest.raises(SiamexError) as caught:
        CHECK(_trade("S50H21"))
    assert caught.value.code is ErrorCode.SERIES_EXPIRED


@pytest.mark.parametrize(("series", "session", "time", "words"), [
    ("S50M21", TradingSession.NIGHT, "19:30:00", "S50 has no night session at 19:30"),
    ("S50M21", TradingSession.DAY, "03:00:00", "S50 has no day session at 03:00"),
    ("S50M21", TradingSession.DAY, "17:30:00", "S50 has no day session at 17:30"),
    ("GFM21", TradingSession.NIGHT, "04:00:00", "GF has no night session at 04:00"),
])
def test_a_trade_outside_its_product_s_sessions_is_refused(
        series: str, session: TradingSession, time: str, words: str) -> None:
    with pytest.raises(SiamexError) as caught:
        CHECK(_trade(series, session, time, 2_650_000 if series.startswith("GF") else 100_000))
    assert caught.value.code is ErrorCode.TRADE_FILE and words in caught.value.message


@pytest.mark.parametrize(("series", "session", "time"), [
    ("S50M21", TradingSession.DAY, "09:45:00"), ("S50M21", TradingSession.DAY, "16:55:00"),
    ("GFM21", TradingSession.NIGHT, "18:50:00"), ("GFM21", TradingSession.NIGHT, "02:59:59"),
])
def test_a_trade_within_its_product_s_sessions_is_taken(
        series: str, session: TradingSession, time: str) -> None:
    CHECK(_trade(series, session, time, 2_650_000 if series.startswith("GF") else 100_000))


@pytest.mark.parametrize(("header", "rows", "words"), [
    (HEADER.replace("qty", "quantity"), (GOOD,), "line 1: the header must be trade_id,date,"),
    (HEADER + ",note", (GOOD + ",x",), "line 1: the header must be"),
    (",".join(reversed(TRADE_COLUMNS)), (), "line 1: the header must be"),
    (HEADER, (GOOD[:GOOD.rindex(",")],), "line 2: 11 columns expected, got 10"),
    (HEADER, (GOOD, GOOD.replace("1,", "2,", 1) + ",x"), "line 3: 11 columns expected, got 12"),
    (HEADER, (GOOD, "",), "line 3: 11 columns expected, got 0"),
    (HEADER, (GOOD, GOOD), "line 3: trade 1 appears twice"),
    (HEADER, (GOOD, _row(trade_id="2", date="2021-04-09")),
     "line 3: a file holds one clearing date's trades, 2021-04-08 and 2021-04-09 found"),
])
def test_a_bad_layout_refuses_the_file_naming_the_line(header: str, rows: tuple[str, ...],
                                                      words: str) -> None:
    assert words in _refused(*rows, header=header)


def test_an_empty_text_has_no_header() -> None:
    with pytest.raises(SiamexError) as caught:
        trades_from_csv("", ACCOUNTS, CHECK)
    assert caught.value.code is ErrorCode.TRADE_FILE
    assert caught.value.message.startswith("line 1: the header must be")


def test_a_field_larger_than_csv_allows_is_not_csv() -> None:
    message = _refused(GOOD.replace("1,", '"' + "x" * 200_000 + '",', 1))
    assert message.startswith("not CSV")


def test_read_names_the_file_and_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    trades = tmp_path / "trades.csv"
    trades.write_bytes(f"{HEADER}\n{GOOD}\n".encode().replace(b"B-01", b"B-\xff1"))
    with pytest.raises(SiamexError) as caught:
        read_trades(trades, ACCOUNTS, CHECK)
    assert (caught.value.code, caught.value.message) == (ErrorCode.TRADE_FILE,
                                                         f"{trades}: not UTF-8 text")
    trades.write_text(f"{HEADER}\n{_row(qty='0')}\n")
    with pytest.raises(SiamexError) as caught:
        read_trades(trades, ACCOUNTS, CHECK)
    assert caught.value.message.startswith(f"{trades}: line 2: qty must be")
    with pytest.raises(SiamexError) as caught:
        read_trades(tmp_path / "missing.csv", ACCOUNTS, CHECK)
    assert caught.value.code is ErrorCode.FILE_NOT_FOUND


def _read_or_refused(text: str) -> None:
    try:
        trades = trades_from_csv(text, ACCOUNTS, CHECK)
    except SiamexError as exc:
        assert exc.code is ErrorCode.TRADE_FILE and exc.message
        return
    assert len({t.trade_id for t in trades}) == len(trades)
    assert len({t.date for t in trades}) <= 1
    order = [(t.at, t.trade_id) for t in trades]
    assert order == sorted(order)


_pieces = st.sampled_from([
    *GOOD.split(","), "2", "night", "01:15:00", "19:30:00", "GFM21", "26500", "S50M21C1000",
    "18.5", "close", "C-01", "A-PRT", "0", "-1", "1000001", "2021-04-09", "S50H21", "XYZ", "",
    '"', "\x00", "\r", "\u0e01"])
_garbled = st.lists(_pieces, min_size=9, max_size=12).map(",".join)
# a good row with up to three of its columns replaced: most rows read, some refused
_mutated = st.builds(
    lambda trade_id, changes: _row(trade_id=trade_id, **dict(changes)),
    st.sampled_from(["1", "2", "3", "4"]),
    st.lists(st.tuples(st.sampled_from(TRADE_COLUMNS[1:]), _pieces), max_size=3))
_rows = _mutated | _garbled


@SETTINGS
@given(st.text(max_size=300))
def test_any_text_is_read_or_refused_as_a_trade_file(text: str) -> None:
    _read_or_refused(text)
    _read_or_refused(f"{HEADER}\n{text}")


@SETTINGS
@given(st.lists(_rows, max_size=5))
def test_any_rows_of_near_valid_fields_are_read_or_refused(rows: list[str]) -> None:
    _read_or_refused("\n".join([HEADER, *rows]))


@pytest.mark.parametrize(("series", "day", "time", "refused"), [
    ("S50J21", dt.date(2021, 4, 29), "16:30:00", False),  # its last trading day's cut-off
    ("S50J21", dt.date(2021, 4, 29), "16:31:00", True),
    ("USDJ21", dt.date(2021, 4, 28), "11:00:00", False),  # USD stops at 11:00
    ("USDJ21", dt.date(2021, 4, 28), "11:05:00", True),
])
def test_an_expiring_series_stops_trading_at_its_cut_off(
        series: str, day: dt.date, time: str, refused: bool) -> None:
    price = "33.00" if series.startswith("USD") else "1000.0"
    row = f"1,{day},day,{time},{series},1,{price},A-01,open,B-01,open"
    if not refused:
        assert _read(row)[0].series == series
        return
    with pytest.raises(SiamexError) as caught:
        _read(row)
    assert caught.value.code is ErrorCode.TRADE_FILE
    assert "stopped trading at" in caught.value.message
