"""A `siamex replay` output of a TFEX scenario as derivatives trades (docs/derivatives.md,
"Trades from the engine"): each trade dated by the day it clears on (a day session's on its
trading date, a night session's, evening or past midnight, on the next business day), a
clearing day keeping its own in time order and counting the others; every bad line refuses
the whole input with TRADE_FILE naming the line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.accounts import load_accounts
from siamex.clearing.derivatives.files import series_check
from siamex.clearing.derivatives.fills import Flag
from siamex.clearing.derivatives.replayed import (
    ReplayedTrades,
    read_replayed,
    trades_from_replay,
)
from siamex.clearing.derivatives.trades import TradingSession, session_order
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.calendar import next_trading_day
from siamex.rulebook.products import DEFAULT_PRODUCTS
from siamex.rulebook.series import SeriesList, parse_symbol
from siamex.units import format_time_of_day, parse_time_of_day

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "derivatives"
ACCOUNTS = load_accounts(EXAMPLES / "accounts.json")
CHECK = series_check(DEFAULT_PRODUCTS)
THU, FRI = dt.date(2026, 12, 3), dt.date(2026, 12, 4)
TUE = dt.date(2026, 12, 8)  # Monday 7 December 2026 is a holiday (the King's birthday's)
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def _day(day: dt.date) -> dict[str, Any]:
    return {"seq": 1, "at": "00:00:00.000000", "event": "day", "date": str(day),
            "market": "tfex"}


def _trade(trade_no: int, at: str, symbol: str = "GFG27", *, price: str = "41010.00",
           qty: int = 1, buy: str = "A-01", sell: str = "C-01", buy_effect: str = "open",
           sell_effect: str = "close") -> dict[str, Any]:
    """A trade line as `siamex replay` prints one."""
    return {"seq": 2, "at": at, "event": "trade", "symbol": symbol, "board": "main",
            "price": price, "qty": qty, "buy_id": "b", "sell_id": "s", "aggressor": "sell",
            "trade_no": trade_no, "buy_order_no": 1, "sell_order_no": 2,
            "buy_member": ACCOUNTS.member_of(buy), "buy_account": buy,
            "sell_member": ACCOUNTS.member_of(sell), "sell_account": sell,
            "buy_effect": buy_effect, "sell_effect": sell_effect}


def _lines(*events: dict[str, Any] | str) -> list[bytes]:
    return [(e if isinstance(e, str) else json.dumps(e)).encode() for e in events]


def _read(*events: dict[str, Any] | str) -> ReplayedTrades:
    return trades_from_replay(_lines(*events), ACCOUNTS, DEFAULT_PRODUCTS)


TWO_DAYS = (
    _day(THU),
    _trade(1, "10:00:00.000000", "S50Z26", price="951.00"),
    _trade(2, "19:00:01.000000"),                      # the night session's evening
    {"seq": 9, "at": "19:30:00.000000", "event": "phase", "symbol": "GFG27", "phase": "x"},
    _trade(3, "01:30:00.000000", qty=2),               # ... past midnight
    _day(FRI),
    _trade(1, "09:50:00.000000", "S50Z26", price="952.00", buy="B-01", sell="A-01"),
    _trade(2, "11:00:00.000000", buy_effect="close", sell_effect="open"),
    _trade(3, "20:00:00.000000"),                      # clears after the weekend's holiday
)


def test_each_trade_clears_on_its_sessions_date_and_a_day_keeps_its_own() -> None:
    replay = _read(*TWO_DAYS)
    assert [(t.trade_id, t.date) for t in replay.trades] == [
        ("2026-12-03-1", THU), ("2026-12-03-2", FRI), ("2026-12-03-3", FRI),
        ("2026-12-04-1", FRI), ("2026-12-04-2", FRI), ("2026-12-04-3", TUE)]
    assert replay.lines == (2, 3, 5, 7, 8, 9) and replay.last_day == FRI
    friday, other = replay.clearing_on(FRI, CHECK)
    assert other == 2
    assert [(t.trade_id, t.session, t.before_midnight) for t in friday] == [
        ("2026-12-03-2", TradingSession.NIGHT, True),
        ("2026-12-03-3", TradingSession.NIGHT, False),
        ("2026-12-04-1", TradingSession.DAY, False),
        ("2026-12-04-2", TradingSession.DAY, False)]
    first = friday[2]
    assert (first.series, first.qty, first.price, first.buy_account, first.buy_flag,
            first.sell_account, first.sell_flag) == (
        "S50Z26", 1, 95_200, "B-01", Flag.OPEN, "A-01", Flag.CLOSE)
    assert (friday[1].qty, friday[1].time) == (2, parse_time_of_day("01:30"))
    assert [t.trade_id for t in replay.clearing_on(THU, CHECK)[0]] == ["2026-12-03-1"]
    assert [t.trade_id for t in replay.clearing_on(TUE, CHECK)[0]] == ["2026-12-04-3"]
    assert replay.clearing_on(dt.date(2026, 12, 2), CHECK) == ((), 6)


def test_a_day_is_ordered_as_the_csv_reader_orders_it_night_first_an_instant_in_line_order(
        ) -> None:
    replay = _read(_day(THU), _trade(1, "23:59:59.999999"), _trade(2, "00:00:00.000000"),
                   _trade(3, "03:00:00.000000"), _day(FRI), _trade(1, "09:45:00.000000"),
                   _trade(2, "09:45:00.000000", buy="B-01"), _trade(3, "16:55:00.000000"))
    friday, _ = replay.clearing_on(FRI, CHECK)
    assert [t.trade_id for t in friday] == ["2026-12-03-1", "2026-12-03-2", "2026-12-03-3",
                                            "2026-12-04-1", "2026-12-04-2", "2026-12-04-3"]
    assert [t.at for t in friday] == [session_order(t.session, t.time) for t in friday]
    assert [t.at for t in friday] == sorted(t.at for t in friday)


def test_other_events_blank_lines_and_an_empty_output_are_no_trades() -> None:
    assert _read() == ReplayedTrades((), (), None)
    replay = _read(_day(THU), "", {"event": "close", "symbol": "S50Z26"}, "  ")
    assert replay == ReplayedTrades((), (), THU)


def _refused(*events: dict[str, Any] | str) -> str:
    with pytest.raises(SiamexError) as caught:
        _read(*events)
    assert caught.value.code is ErrorCode.TRADE_FILE, caught.value
    return caught.value.message


def _without(event: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in names}


GOOD = _trade(1, "10:00:00.000000", "S50Z26", price="951.00")


@pytest.mark.parametrize(("line", "words"), [
    ("{not json", "not JSON"),
    ("[1, 2]", "not a replay event: each line is a JSON object"),
    (_without(GOOD, "qty"), "the trade has no qty"),
    (_without(GOOD, "at", "sell_member"), "the trade has no at, sell_member"),
    (_without(GOOD, "buy_effect", "sell_effect"), "a trade without buy_effect: the output "
                                                  "of an equities replay"),
    (GOOD | {"buy_account": "Z-01"}, "buy_account 'Z-01' is not registered"),
    (GOOD | {"sell_member": "A"}, "sell_account C-01 is member C's, the trade says 'A'"),
    (GOOD | {"sell_effect": "opened"}, "sell_effect must be open or close, got 'opened'"),
    (GOOD | {"qty": 0}, "qty must be 1 to 1,000,000 contracts, got 0"),
    (GOOD | {"qty": 1_000_001}, "qty must be 1 to 1,000,000 contracts"),
    (GOOD | {"qty": 2.0}, "qty must be 1 to 1,000,000 contracts, got 2.0"),
    (GOOD | {"qty": True}, "qty must be 1 to 1,000,000 contracts, got True"),
    (GOOD | {"price": 951.0}, "must be a decimal string, got float"),
    (GOOD | {"price": "1000000.01"}, "price must be above zero and at most 1,000,000"),
    (GOOD | {"price": "0.00"}, "price must be above zero"),
    (GOOD | {"trade_no": 0}, "trade_no must be a whole number above zero, got 0"),
    (GOOD | {"trade_no": "1"}, "trade_no must be a whole number above zero, got '1'"),
    (GOOD | {"at": "25:00:00"}, "time '25:00:00' is not a time of day"),
    (GOOD | {"at": 36000}, "at must be a string, got 36000"),
    (GOOD | {"at": "19:00:00.000000"}, "no session of the series' product is open at 19:00"),
    (GOOD | {"symbol": "S50Z2"}, "'S50Z2' is not a series"),
    (GOOD | {"symbol": "XYZZ26"}, "no future product has the root XYZ"),
])
def test_a_bad_trade_line_refuses_the_whole_output_naming_its_line(
        line: dict[str, Any] | str, words: str) -> None:
    message = _refused(_day(THU), GOOD, line)
    assert message.startswith("line 3: ") and words in message, message


@pytest.mark.parametrize(("events", "words"), [
    ((GOOD,), "line 1: a trade before any day line"),
    (({"event": "phase"}, GOOD, _day(THU)), "line 2: a trade before any day line"),
    ((_day(THU), GOOD, GOOD), "line 3: trade 2026-12-03-1 appears twice"),
    ((_day(THU), GOOD, _day(THU), GOOD), "line 4: trade 2026-12-03-1 appears twice"),
    ((_day(THU) | {"date": "2026-12-3"}, GOOD), "line 1: date '2026-12-3' is not"),
    ((_without(_day(THU), "date"), GOOD), "line 1: date must be a string, got None"),
    ((_day(dt.date(2026, 12, 5)), GOOD), "line 2: TFEX has no day session starting on "
                                         "2026-12-05"),
])
def test_a_trade_without_its_trading_date_or_twice_refuses_the_output(
        events: tuple[dict[str, Any], ...], words: str) -> None:
    message = _refused(*events)
    assert message.startswith(words), message


def test_not_utf8_is_not_json_naming_its_line() -> None:
    with pytest.raises(SiamexError) as caught:
        trades_from_replay([json.dumps(_day(THU)).encode(), b"\xff\xfe{}"], ACCOUNTS,
                           DEFAULT_PRODUCTS)
    assert caught.value.code is ErrorCode.TRADE_FILE
    assert caught.value.message.startswith("line 2: not JSON")


@pytest.mark.parametrize(("on", "trade", "words"), [
    (THU, _trade(2, "10:00:00", "S50Z26", price="951.05"), "is off its tick 0.10"),
    (THU, _trade(2, "10:00:00", "S50U28", price="951.00"), "is not listed on 2026-12-03"),
    # S50Z26's last trading day
    (dt.date(2026, 12, 29), _trade(2, "16:40:00", "S50Z26", price="951.00"),
     "stopped trading at 16:30"),
])
def test_the_days_series_check_refuses_a_trade_it_keeps_naming_the_line(
        on: dt.date, trade: dict[str, Any], words: str) -> None:
    replay = _read(_day(on), GOOD, trade)
    with pytest.raises(SiamexError) as caught:
        replay.clearing_on(on, CHECK)
    assert caught.value.code is ErrorCode.TRADE_FILE
    assert caught.value.message.startswith("line 3: ") and words in caught.value.message


def test_a_trade_of_another_date_is_not_judged_by_the_days_listing() -> None:
    """Decision 113: a series file lists what the run's day may trade; Thursday's day trades
    in a series it leaves out do not refuse Friday, which keeps Thursday's night."""
    friday_only = series_check(DEFAULT_PRODUCTS, SeriesList([parse_symbol("GFG27",
                                                                          DEFAULT_PRODUCTS)]))
    replay = _read(*TWO_DAYS[:5])
    kept, other = replay.clearing_on(FRI, friday_only)
    assert ([t.trade_id for t in kept], other) == (["2026-12-03-2", "2026-12-03-3"], 1)
    with pytest.raises(SiamexError) as caught:
        replay.clearing_on(THU, friday_only)
    assert caught.value.message == "line 2: no series 'S50Z26' is listed"


def test_a_file_is_read_whole_and_its_faults_name_it(tmp_path: Path) -> None:
    path = tmp_path / "day.jsonl"
    path.write_bytes(b"\n".join(_lines(*TWO_DAYS)) + b"\n")
    assert read_replayed(path, ACCOUNTS, DEFAULT_PRODUCTS) == _read(*TWO_DAYS)
    path.write_bytes(b"\n".join(_lines(*TWO_DAYS, "]")))
    with pytest.raises(SiamexError) as caught:
        read_replayed(path, ACCOUNTS, DEFAULT_PRODUCTS)
    assert caught.value.message.startswith(f"{path}: line 10: not JSON")
    with pytest.raises(SiamexError) as missing:
        read_replayed(tmp_path / "none.jsonl", ACCOUNTS, DEFAULT_PRODUCTS)
    assert missing.value.code is ErrorCode.FILE_NOT_FOUND


_DAYS = (dt.date(2026, 12, 1), dt.date(2026, 12, 2), THU, FRI)
# (series, session, earliest and latest wall-clock time): gold trades day and night
_WHEN = st.sampled_from([("S50Z26", "day", "09:45", "16:55"), ("GFG27", "day", "09:45", "16:55"),
                         ("GFG27", "evening", "18:50", "23:59:59.999999"),
                         ("GFG27", "past midnight", "00:00", "03:00")])


@st.composite
def _replay(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, dt.date]]:
    """A replay of a few trading days, each day's trades in their sessions' order; and the
    date each trade clears on, by its session."""
    events: list[dict[str, Any]] = []
    clears: dict[str, dt.date] = {}
    order = {"day": 0, "evening": 1, "past midnight": 2}
    for day in _DAYS[:draw(st.integers(1, len(_DAYS)))]:
        events.append(_day(day))
        trades = []
        for _ in range(draw(st.integers(0, 6))):
            series, session, least, most = draw(_WHEN)
            time = draw(st.integers(parse_time_of_day(least), parse_time_of_day(most)))
            trades.append((order[session], time, series, session))
        for number, (_, time, series, session) in enumerate(sorted(trades), 1):
            price = "951.00" if series == "S50Z26" else "41010.00"
            events.append(_trade(number, format_time_of_day(time), series, price=price))
            clears[f"{day}-{number}"] = day if session == "day" else next_trading_day(day)
    return events, clears


@SETTINGS
@given(_replay())
def test_any_split_between_sessions_keeps_every_trade_on_exactly_one_clearing_date(
        drawn: tuple[list[dict[str, Any]], dict[str, dt.date]]) -> None:
    events, clears = drawn
    replay = _read(*events)
    assert {t.trade_id: t.date for t in replay.trades} == clears
    dates = sorted(set(clears.values()) | {dt.date(2026, 11, 30)})
    kept_total = 0
    for on in dates:
        kept, other = replay.clearing_on(on, CHECK)
        assert len(kept) + other == len(clears)
        assert all(t.date == on for t in kept)
        assert [t.at for t in kept] == sorted(t.at for t in kept)
        kept_total += len(kept)
    assert kept_total == len(clears)
