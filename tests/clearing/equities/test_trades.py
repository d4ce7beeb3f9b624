"""Trades in: T+2 on the SET calendar, the trade files and replay output, all or nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from siamex.clearing.equities import (
    BoardType,
    TradeFileError,
    novate,
    read_trades,
    security_key,
    settlement_date,
    split_security,
    trades_from_csv,
    trades_from_json,
    trades_from_replay,
)
from siamex.clearing.equities.netting import net
from siamex.clearing.foundations.members import (
    AccountType,
    MemberRegistry,
    load_registry,
    registry_from_json,
)
from siamex.clearing.foundations.parameters import ClearingRules
from siamex.errors import ErrorCode, SiamexError
from siamex.scenario.loader import load_scenario
from siamex.scenario.output import event_line
from siamex.scenario.runner import run_scenario
from siamex.trading.enums import Board

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "clearing"
REGISTRY = load_registry(EXAMPLES / "members.json")
HEADER = ("trade_id,trade_date,symbol,board,price,qty,buy_member,buy_account,sell_member,"
          "sell_account,buy_order_id,sell_order_id")
THURSDAY = dt.date(2021, 4, 8)


def _csv(*rows: str, header: str = HEADER, securities: set[str] | None = None) -> list[str]:
    batch = trades_from_csv([header, *rows], REGISTRY, securities=securities)
    return [t.trade_id for t in batch]


def _problems(*rows: str, securities: set[str] | None = None) -> dict[int, str]:
    with pytest.raises(TradeFileError) as caught:
        trades_from_csv([HEADER, *rows], REGISTRY, securities=securities)
    assert caught.value.code is ErrorCode.TRADE_FILE
    assert "nothing loaded" in caught.value.message
    return {p.row: p.reason for p in caught.value.problems}


def test_settlement_is_t_plus_2_set_business_days_over_the_songkran_holidays() -> None:
    # E9: Thursday 8 April 2021 settles Monday 12 April; 13-15 April are SET holidays
    assert settlement_date(THURSDAY) == dt.date(2021, 4, 12)
    assert settlement_date(dt.date(2021, 4, 9)) == dt.date(2021, 4, 16)
    assert settlement_date(dt.date(2021, 4, 12)) == dt.date(2021, 4, 19)


def test_the_settlement_cycle_is_a_parameter() -> None:
    assert settlement_date(THURSDAY, ClearingRules({"settlement_cycle_days": 1})) == (
        dt.date(2021, 4, 9))


def test_the_example_csv_is_e1_settling_on_monday() -> None:
    trades = list(read_trades(EXAMPLES / "trades.csv", REGISTRY))
    assert [(t.buyer.account, t.seller.account, t.symbol, t.qty, t.value) for t in trades] == [
        ("A-CLT", "B-CLT", "X", 10_000, 300_000_00), ("B-PRT", "C-CLT", "X", 5_000, 152_500_00),
        ("C-CLT", "A-CLT", "X", 8_000, 238_000_00), ("A-PRT", "C-CLT", "Y", 2_000, 200_000_00),
        ("B-CLT", "A-PRT", "Y", 3_000, 303_000_00), ("C-CLT", "B-CLT", "Y", 1_000, 99_500_00)]
    first = trades[0]
    assert (first.trade_date, first.settlement_date) == (THURSDAY, dt.date(2021, 4, 12))
    assert (first.board, first.trade_report, first.buy_order_id) == (Board.MAIN, False, "a1")
    assert first.buyer.account_type is AccountType.CLIENT


def test_every_bad_row_is_refused_with_its_line_and_nothing_is_loaded() -> None:
    problems = _problems(
        "1,2021-04-08,X,main,30.00,100,A,A-CLT,B,B-CLT,,",
        "2,2021-04-08,X,main,30.00,100,Q,Q-CLT,B,B-CLT,,",
        "3,2021-04-08,X,main,30.00,100,A,B-CLT,B,B-CLT,,",
        "4,2021-04-08,X,main,30.00,0,A,A-CLT,B,B-CLT,,",
        "5,2021-04-08,X,main,30.00,-5,A,A-CLT,B,B-CLT,,",
        "6,2021-04-08,X,main,30.00,1.5,A,A-CLT,B,B-CLT,,",
        "7,2021-04-08,X,main,abc,100,A,A-CLT,B,B-CLT,,",
        "8,2021-04-08,X,main,0,100,A,A-CLT,B,B-CLT,,",
        "9,2021-04-08,X,main,30.001,100,A,A-CLT,B,B-CLT,,",
        "10,2021-04-13,X,main,30.00,100,A,A-CLT,B,B-CLT,,",
        "11,08/04/2021,X,main,30.00,100,A,A-CLT,B,B-CLT,,",
        "1,2021-04-08,X,main,30.00,100,A,A-CLT,B,B-CLT,,",
        "13,2021-04-08,X,lunch,30.00,100,A,A-CLT,B,B-CLT,,",
        "14,2021-04-08,X,main,30.00,100,A,A-CLT,B,B-CLT",
        "15,2021-04-08,X,main,30.00,100,A,A-CLT,B,B-CLT,,",
    )
    assert problems == {
        3: "unknown buy member Q",
        4: "unknown buy account B-CLT of member A",
        5: "quantity must be a whole number above zero, got '0'",
        6: "quantity must be a whole number above zero, got '-5'",
        7: "quantity must be a whole number above zero, got '1.5'",
        8: "bad price: 'abc' is not a decimal number like '64.25'",
        9: "bad price 0: a price is above zero",
        10: "bad price: '30.001' is finer than 0.01 THB",
        11: "trade_date 2021-04-13 is not an SET trading day",
        12: "trade_date '08/04/2021' is not a date YYYY-MM-DD",
        13: "trade_id 1 repeats row 2",
        14: "board must be one of main, odd_lot, off_hour, big_lot, foreign, got 'lunch'",
        15: "10 fields, the header has 12",
    }


def test_a_row_lists_all_its_faults() -> None:
    problems = _problems("1,2021-04-08,X,main,-1,0,A,A-CLT,Q,Q1,,")
    assert problems[2].split("; ") == [
        "bad price: '-1' is not a decimal number like '64.25'",
        "unknown sell member Q",
        "quantity must be a whole number above zero, got '0'"]


def test_an_unknown_security_is_refused_when_a_list_is_given() -> None:
    rows = ("1,2021-04-08,X,main,30.00,100,A,A-CLT,B,B-CLT,,",
            "2,2021-04-08,X-R,main,30.00,100,A,A-CLT,B,B-CLT,,")
    assert _csv(*rows) == ["1", "2"]
    assert _problems(*rows, securities={"X", "Y"}) == {3: "unknown security X-R"}


def test_a_value_beyond_the_largest_amount_is_refused() -> None:
    row = "1,2021-04-08,X,main,10000.01,10000000000,A,A-CLT,B,B-CLT,,"  # decision 71
    assert _problems(row) == {2: "the trade's value is beyond what the clearing house records "
                                 "(100000000000000.00 THB)"}
    assert _csv("1,2021-04-08,X,main,10000.00,10000000000,A,A-CLT,B,B-CLT,,") == ["1"]


@pytest.mark.parametrize(("qty", "why"), [
    ("1000000000001", "quantity must be at most 1,000,000,000,000 shares, got '1000000000001'"),
    ("9" * 5000, "quantity must be at most 1,000,000,000,000 shares, got "
                 "'999999999999999999999999999999999999..."),
])
def test_a_quantity_beyond_the_largest_is_refused_without_converting_it(qty: str,
                                                                        why: str) -> None:
    assert _problems(f"1,2021-04-08,X,main,1.00,{qty},A,A-CLT,B,B-CLT,,") == {2: why}


@pytest.mark.parametrize("day", ["20210408", "2021-W14-4", "2021-4-8", "2021-04-08T00:00"])
def test_a_trade_date_is_written_yyyy_mm_dd_only(day: str) -> None:
    assert _problems(f"1,{day},X,main,1.00,100,A,A-CLT,B,B-CLT,,") == {
        2: f"trade_date '{day}' is not a date YYYY-MM-DD"}


def test_a_lone_surrogate_in_a_json_trade_file_refuses_the_file(tmp_path: Path) -> None:
    path = tmp_path / "trades.json"
    path.write_text('{"trades": [{"trade_id": "1\\ud800"}]}')
    with pytest.raises(SiamexError) as refused:
        read_trades(path, REGISTRY)
    assert refused.value.code is ErrorCode.TRADE_FILE and "not JSON" in refused.value.message


def test_a_csv_field_beyond_the_csv_limit_refuses_the_file(tmp_path: Path) -> None:
    path = tmp_path / "trades.csv"
    path.write_text(f"{HEADER}\n{'x' * 200_000}\n")
    with pytest.raises(SiamexError) as refused:
        read_trades(path, REGISTRY)
    assert refused.value.code is ErrorCode.TRADE_FILE and "line 2: not CSV" in refused.value.message


def test_the_header_names_the_columns() -> None:
    with pytest.raises(SiamexError) as caught:
        trades_from_csv(["trade_id,symbol,qty"], REGISTRY)
    assert caught.value.code is ErrorCode.TRADE_FILE and "line 1" in caught.value.message
    with pytest.raises(SiamexError):
        trades_from_csv([HEADER + ",colour"], REGISTRY)
    with pytest.raises(SiamexError):
        trades_from_csv([], REGISTRY)


def test_board_and_order_ids_are_optional_columns_in_any_order() -> None:
    header = "qty,price,symbol,trade_date,trade_id,sell_account,sell_member,buy_account,buy_member"
    batch = trades_from_csv([header, "100,30.00,X,2021-04-08,t1,B-CLT,B,A-CLT,A", ""], REGISTRY)
    (trade,) = list(batch)
    assert (trade.trade_id, trade.qty, trade.price, trade.board) == ("t1", 100, 3000, Board.MAIN)
    assert (trade.buyer.account, trade.seller.account, trade.buy_order_id) == ("A-CLT", "B-CLT",
                                                                               "")


def test_the_board_type_comes_from_the_symbol_or_the_foreign_board() -> None:
    batch = trades_from_csv([
        HEADER,
        "1,2021-04-08,PTT,main,30.00,100,A,A-CLT,B,B-CLT,,",
        "2,2021-04-08,PTT-F,main,30.00,100,A,A-CLT,B,B-CLT,,",
        "3,2021-04-08,PTT-R,odd_lot,30.00,10,A,A-CLT,B,B-CLT,,",
        "4,2021-04-08,PTT,foreign,31.00,5000,A,A-CLT,B,B-CLT,r4,r4"], REGISTRY)
    assert [(t.symbol, t.board_type, t.security) for t in batch] == [
        ("PTT", BoardType.LOCAL, "PTT"), ("PTT", BoardType.FOREIGN, "PTT-F"),
        ("PTT", BoardType.NVDR, "PTT-R"), ("PTT", BoardType.FOREIGN, "PTT-F")]
    assert [t.trade_report for t in batch] == [False, False, False, True]
    assert _problems("1,2021-04-08,PTT-R,foreign,30.00,100,A,A-CLT,B,B-CLT,,") == {
        2: "PTT-R cannot trade on the foreign board"}


def test_security_keys_split_back_into_symbol_and_board() -> None:
    for symbol in ("PTT", "BH", "A-B"):
        for board_type in BoardType:
            assert split_security(security_key(symbol, board_type)) == (symbol, board_type)
    assert split_security("-F") == ("-F", BoardType.LOCAL)


_E1_JSON = {"trades": [
    {"trade_id": "1", "trade_date": "2021-04-08", "symbol": "X", "board": "main",
     "price": "30.00", "qty": 10000, "buy_member": "A", "buy_account": "A-CLT",
     "sell_member": "B", "sell_account": "B-CLT", "buy_order_id": "a1", "sell_order_id": "b1"},
    {"trade_id": "2", "trade_date": "2021-04-08", "symbol": "X", "price": "30.50", "qty": 5000,
     "buy_member": "B", "buy_account": "B-PRT", "sell_member": "C", "sell_account": "C-CLT"}]}


def test_a_json_trade_file_reads_like_the_csv() -> None:
    from_json = list(trades_from_json(_E1_JSON, REGISTRY))
    from_csv = list(read_trades(EXAMPLES / "trades.csv", REGISTRY))
    assert from_json[0] == from_csv[0]
    assert from_json[1].value == from_csv[1].value and from_json[1].buy_order_id == ""


def test_a_json_trade_file_refuses_floats_and_strange_rows() -> None:
    trade = _E1_JSON["trades"][0]
    data = {"trades": [{**trade, "price": 30.0}, {**trade, "trade_id": "2", "qty": "100"},
                       {**trade, "trade_id": "3", "qty": True}, 7,
                       {**trade, "trade_id": "5", "colour": "red"},
                       {**trade, "trade_id": "6", "symbol": ["X"]}]}
    with pytest.raises(TradeFileError) as caught:
        trades_from_json(data, REGISTRY)
    assert {p.row: p.reason for p in caught.value.problems} == {
        1: "price must be a decimal string such as \"33.25\", got 30.0",
        3: "quantity must be a whole number above zero, got True",
        4: "a trade is a JSON object",
        5: "unknown field colour",
        6: "symbol must be a plain value"}
    assert "trade 1:" in caught.value.message
    with pytest.raises(SiamexError):
        trades_from_json([], REGISTRY)


def test_read_trades_goes_by_the_suffix(tmp_path: Path) -> None:
    path = tmp_path / "day.json"
    path.write_text(json.dumps(_E1_JSON))
    assert len(read_trades(path, REGISTRY)) == 2
    for name, text, code in (("day.txt", "", ErrorCode.TRADE_FILE),
                             ("bad.json", "{", ErrorCode.TRADE_FILE)):
        (tmp_path / name).write_text(text)
        with pytest.raises(SiamexError) as caught:
            read_trades(tmp_path / name, REGISTRY)
        assert caught.value.code is code
    with pytest.raises(SiamexError) as caught:
        read_trades(tmp_path / "none.csv", REGISTRY)
    assert caught.value.code is ErrorCode.FILE_NOT_FOUND


def test_many_bad_rows_are_counted_beyond_those_shown() -> None:
    rows = [f"{n},2021-04-08,X,main,30.00,0,A,A-CLT,B,B-CLT,," for n in range(30)]
    with pytest.raises(TradeFileError) as caught:
        trades_from_csv([HEADER, *rows], REGISTRY)
    assert len(caught.value.problems) == 30 and "and 10 more" in caught.value.message


# The members and accounts that trade in examples/normal-day.json: M1-M5 clear their own
# trades, and the GCM M1 clears for M6-M9, which do not clear.
_NORMAL_DAY_ACCOUNTS = {"M1": ["A1", "A2", "A3"], "M2": ["B7", "B8"], "M3": ["C1", "C2"],
                        "M4": ["D2", "D3"], "M5": ["E1"], "M6": ["F1", "F2"],
                        "M7": ["G1", "G2"], "M8": ["H1", "H2"], "M9": ["I1", "I2"]}


def _normal_day_registry(leave_out: str = "") -> MemberRegistry:
    members = [{"member": m, "type": "gcm" if m == "M1" else "dcm",
                "shareholders_equity": "800000000"} for m in ("M1", "M2", "M3", "M4", "M5")]
    accounts = [{"member": m, "account": a, "type": "portfolio" if a.endswith("2") else "client",
                 **({} if m <= "M5" else {"clearing_member": "M1"})}
                for m, names in _NORMAL_DAY_ACCOUNTS.items() for a in names if a != leave_out]
    return registry_from_json({"members": members, "accounts": accounts})


def _replay_lines() -> list[bytes]:
    plan = load_scenario(ROOT / "examples" / "normal-day.json")
    return [event_line(seq, event) for seq, event in enumerate(run_scenario(plan), 1)]


def test_the_replay_of_the_normal_day_reads_into_trades_with_members_mapped() -> None:
    lines = _replay_lines()
    batch = trades_from_replay(lines, _normal_day_registry())
    events = [json.loads(line) for line in lines]
    printed = [e for e in events if e["event"] == "trade"]
    trades = list(batch)
    assert len(trades) == len(printed) == 32
    assert {(t.trade_date, t.settlement_date) for t in trades} == {
        (dt.date(2026, 11, 20), dt.date(2026, 11, 24))}
    for trade, event in zip(trades, printed, strict=True):
        assert (trade.trade_id, trade.symbol, trade.qty, trade.buyer.member,
                trade.buyer.account, trade.seller.account, trade.buy_order_id) == (
            str(event["trade_no"]), event["symbol"], event["qty"], event["buy_member"],
            event["buy_account"], event["sell_account"],
            # an order is its id and the engine's number (decision 11); a report has no number
            f"{event['buy_id']}#{event['buy_order_no']}" if event["buy_order_no"] else (
                event["buy_id"]))
    odd = [t for t in trades if t.board is Board.ODD_LOT]
    assert [(o.qty, o.buyer.account, o.seller.account) for o in odd] == [(40, "A3", "G2")]
    # M6 trades through M1, its clearing member, and the day nets to zero
    assert {t.buyer.clearing_member for t in trades if t.buyer.member == "M6"} == {"M1"}
    positions = net(novate(batch))
    assert sum(c.net_amount for c in positions.cash) == 0
    assert {c.member for c in positions.cash} <= {"M1", "M2", "M3", "M4", "M5"}


def test_a_replay_with_an_unregistered_account_loads_nothing() -> None:
    lines = _replay_lines()
    with pytest.raises(TradeFileError) as caught:
        trades_from_replay(lines, _normal_day_registry(leave_out="B7"))
    reasons = {p.reason for p in caught.value.problems}
    assert reasons == {"unknown sell account B7 of member M2",
                       "unknown buy account B7 of member M2"}
    trade_lines = [n for n, line in enumerate(lines, 1) if b'"account":"B7"' in line
                   or b'_account":"B7"' in line]
    assert {p.row for p in caught.value.problems} <= set(trade_lines)


def test_replay_lines_need_a_day_before_their_trades_and_must_be_json() -> None:
    trade = ('{"event":"trade","symbol":"X","board":"main","price":"30.00","qty":100,'
             '"trade_no":1,"buy_member":"A","buy_account":"A-CLT","sell_member":"B",'
             '"sell_account":"B-CLT","buy_id":"o1","sell_id":"o2"}')
    with pytest.raises(TradeFileError) as caught:
        trades_from_replay([trade, "not json", '{"event":"day","date":"2021-04-08"}', "",
                            trade.replace('"qty":100', '"qty":[1]')], REGISTRY)
    assert {p.row: p.reason for p in caught.value.problems} == {
        1: "a trade before any `day` event", 2: "not a JSON line", 5: "qty must be a plain value"}
    batch = trades_from_replay(['{"event":"day","date":"2021-04-08"}', trade], REGISTRY)
    assert [(t.trade_id, t.buy_order_id, t.sell_order_id) for t in batch] == [("1", "o1", "o2")]
