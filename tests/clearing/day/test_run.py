"""One clearing day: E1 settles in full, a repeated run moves nothing and reports the day alike,
state carries from one run to the next in the store, the replay of a trading day clears, and
bad holdings are refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from siamex.clearing.day.run import clear_day
from siamex.clearing.equities import read_trades
from siamex.clearing.equities.holdings import Holding, holdings_from_json, load_holdings
from siamex.clearing.equities.trades import trades_from_csv
from siamex.clearing.foundations.accounts import cash_account, holdings_account
from siamex.clearing.foundations.members import AccountType, MemberRegistry, load_registry
from siamex.clearing.foundations.store import MemoryStore
from siamex.clearing.foundations.store_open import open_store
from siamex.errors import ErrorCode, SiamexError
from siamex.scenario.loader import load_scenario
from siamex.scenario.output import event_line
from siamex.scenario.runner import run_scenario
from siamex.trading.engine import Engine

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "clearing"
CLT, PRT = AccountType.CLIENT, AccountType.PORTFOLIO
BAHT = 100
HEADER = ("trade_id,trade_date,symbol,board,price,qty,buy_member,buy_account,sell_member,"
          "sell_account,buy_order_id,sell_order_id")


@pytest.fixture
def registry() -> MemberRegistry:
    return load_registry(EXAMPLES / "members.json")


def _e1_holdings(registry: MemberRegistry) -> list[Holding]:
    return load_holdings(EXAMPLES / "holdings.json", registry)


def test_e1_settles_in_full_with_the_example_holdings(registry: MemberRegistry) -> None:
    store = MemoryStore()
    report = clear_day(registry, read_trades(EXAMPLES / "trades.csv", registry),
                       _e1_holdings(registry), store)
    assert report.run_date == dt.date(2021, 4, 12)
    assert report.trade_dates == (dt.date(2021, 4, 8),)
    [settled] = report.settled
    assert (settled.settlement_date, settled.already_settled) == (dt.date(2021, 4, 12), False)
    assert all(not r.delivery_fails and not r.payment_fails for r in settled.rounds)
    balances = store.balances()
    assert balances[holdings_account("A", CLT, "X")] == 2_000
    assert balances[holdings_account("B", PRT, "X")] == 5_000
    assert balances[cash_account("A")] == 41_000 * BAHT
    assert cash_account("B") not in balances  # paid exactly what it held
    assert report.balances[cash_account("C")] == 15_000 * BAHT


def test_running_the_same_day_twice_settles_nothing_twice_and_reports_it_alike(
        registry: MemberRegistry, tmp_path: Path) -> None:
    batch = read_trades(EXAMPLES / "trades.csv", registry)
    with open_store(tmp_path / "clearing.db") as store:
        first = clear_day(registry, batch, _e1_holdings(registry), store)
        postings = len(store.transactions())
    with open_store(tmp_path / "clearing.db") as store:
        second = clear_day(registry, batch, _e1_holdings(registry), store)
        assert len(store.transactions()) == postings
    assert [s.already_settled for s in first.settled] == [False]
    assert second == first  # decision 67: the day as it first ran


def test_a_date_an_earlier_days_run_settled_is_reported_already_settled(
        registry: MemberRegistry) -> None:
    batch, store = read_trades(EXAMPLES / "trades.csv", registry), MemoryStore()
    first = clear_day(registry, batch, _e1_holdings(registry), store)
    later = clear_day(registry, batch, _e1_holdings(registry), store, dt.date(2021, 4, 16))
    assert [s.already_settled for s in later.settled] == [True]
    assert later.settled[0].rounds == first.settled[0].rounds
    assert later.balances == first.balances


def _csv(*rows: str) -> list[str]:
    return [HEADER, *rows]


def test_state_carries_from_one_trade_day_to_the_next(registry: MemberRegistry) -> None:
    store = MemoryStore()
    holdings = [*_e1_holdings(registry), Holding("C", None, "THB", 50_000 * BAHT)]
    day_1 = clear_day(registry, read_trades(EXAMPLES / "trades.csv", registry), holdings, store,
                      on=dt.date(2021, 4, 8))
    assert (day_1.settled, day_1.pending) == ((), (dt.date(2021, 4, 12),))
    # A sells on T+1 the X it receives on 04-12; Songkran (13-15 April) puts its SD on 04-16.
    day_2_trades = trades_from_csv(_csv("7,2021-04-09,X,main,31.00,2000,C,C-CLT,A,A-CLT,c9,a9"),
                                   registry)
    day_2 = clear_day(registry, day_2_trades, holdings, store, on=dt.date(2021, 4, 12))
    assert [s.settlement_date for s in day_2.settled] == [dt.date(2021, 4, 12)]
    assert day_2.pending == (dt.date(2021, 4, 16),)
    assert store.balances()[holdings_account("A", CLT, "X")] == 2_000
    day_3 = clear_day(registry, trades_from_csv(_csv(), registry), holdings, store,
                      on=dt.date(2021, 4, 16))
    [settled] = day_3.settled
    assert settled.settlement_date == dt.date(2021, 4, 16)
    assert not settled.rounds[-1].delivery_fails and not settled.rounds[-1].payment_fails
    balances = store.balances()
    assert holdings_account("A", CLT, "X") not in balances
    assert balances[holdings_account("C", CLT, "X")] == 5_000
    assert balances[cash_account("C")] == (50_000 + 15_000 - 62_000) * BAHT


def test_a_changed_opening_holding_is_refused(registry: MemberRegistry) -> None:
    store = MemoryStore()
    batch = read_trades(EXAMPLES / "trades.csv", registry)
    clear_day(registry, batch, _e1_holdings(registry), store)
    with pytest.raises(SiamexError) as caught:
        clear_day(registry, batch, [Holding("B", None, "THB", 1)], store)
    assert caught.value.code is ErrorCode.HOLDINGS_FILE


def test_a_run_date_before_the_trades_is_refused(registry: MemberRegistry) -> None:
    batch = read_trades(EXAMPLES / "trades.csv", registry)
    with pytest.raises(SiamexError) as caught:
        clear_day(registry, batch, [], MemoryStore(), on=dt.date(2021, 4, 7))
    assert caught.value.code is ErrorCode.TRADE_FILE
    with pytest.raises(SiamexError) as caught:
        clear_day(registry, batch, [], MemoryStore(), on=dt.date(2021, 4, 10))
    assert caught.value.code is ErrorCode.NOT_TRADING_DAY


def test_the_replay_of_a_trading_day_settles_on_t_plus_2(tmp_path: Path) -> None:
    plan = load_scenario(ROOT / "examples" / "normal-day.json", {})
    day = tmp_path / "day.jsonl"
    day.write_bytes(b"".join(event_line(seq, event) + b"\n"
                             for seq, event in enumerate(run_scenario(plan, Engine(), None), 1)))
    registry = load_registry(EXAMPLES / "normal-day-members.json")
    holdings = load_holdings(EXAMPLES / "normal-day-holdings.json", registry)
    report = clear_day(registry, read_trades(day, registry), holdings, MemoryStore())
    assert report.trade_dates == (dt.date(2026, 11, 20),)
    [settled] = report.settled  # Friday 20 November: T+2 is Tuesday 24 November
    assert settled.settlement_date == dt.date(2026, 11, 24)
    assert not settled.rounds[-1].delivery_fails and not settled.rounds[-1].payment_fails
    assert {s.member for s in report.trades} == {f"M{n}" for n in range(1, 10)}


def test_two_orders_that_share_a_reused_id_pay_a_fee_each(tmp_path: Path) -> None:
    # decision 11: an id is free again once its order has filled; the fee is per order (C3)
    order = {"op": "new", "symbol": "AOT", "qty": 300_000, "price": "64.00"}
    day = {"date": "2026-11-20", "instruments": [{"symbol": "AOT", "prev_close": "64.00"}],
           "actions": [
               dict(order, at="10:30:00", id="x", member="M1", account="A1", side="buy"),
               dict(order, at="10:30:01", id="s1", member="M2", account="B7", side="sell"),
               dict(order, at="10:31:00", id="x", member="M1", account="A1", side="buy"),
               dict(order, at="10:31:01", id="s2", member="M2", account="B7", side="sell")]}
    scenario = tmp_path / "day.json"
    scenario.write_text(json.dumps(day))
    replayed = tmp_path / "day.jsonl"
    replayed.write_bytes(b"".join(
        event_line(seq, event) + b"\n" for seq, event in
        enumerate(run_scenario(load_scenario(scenario, {}), Engine(), None), 1)))
    registry = load_registry(EXAMPLES / "normal-day-members.json")
    report = clear_day(registry, read_trades(replayed, registry), [], MemoryStore())
    buys = [(f.order_id, f.traded_value) for f in report.fees if f.side == "buy"]
    assert buys == [("x#1", 300_000 * 6_400), ("x#3", 300_000 * 6_400)]


@pytest.mark.parametrize(("entry", "why"), [
    ({"member": "Z", "account_type": "client", "asset": "X", "qty": 1}, "unknown member"),
    ({"member": "N", "account_type": "client", "asset": "X", "qty": 1}, "unknown member"),
    ({"member": "B", "account_type": "client", "asset": "X", "qty": -5}, "cannot be negative"),
    ({"member": "B", "asset": "THB", "qty": "-1.00"}, "cannot be negative"),
    ({"member": "B", "asset": "THB", "qty": 100}, "decimal THB string"),
    ({"member": "B", "asset": "THB", "qty": "1.005"}, "at most two decimals"),
    ({"member": "B", "account_type": "client", "asset": "THB", "qty": "1.00"}, "per member"),
    ({"member": "B", "asset": "X", "qty": 1}, "portfolio or client"),
    ({"member": "B", "account_type": "client", "asset": "X", "qty": "10"}, "whole number"),
    ({"member": "B", "account_type": "client", "asset": "X", "qty": 1, "note": 1}, "unknown"),
])
def test_a_bad_holding_is_refused_naming_the_entry(registry: MemberRegistry, entry: Any,
                                                   why: str) -> None:
    with pytest.raises(SiamexError) as caught:
        holdings_from_json({"holdings": [entry]}, registry)
    assert caught.value.code is ErrorCode.HOLDINGS_FILE
    assert "holdings[1]" in caught.value.message and why in caught.value.message


def test_the_same_account_twice_is_refused(registry: MemberRegistry, tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    entry = {"member": "B", "asset": "THB", "qty": "1.00"}
    path.write_text(json.dumps({"holdings": [entry, entry]}))
    with pytest.raises(SiamexError, match=r"holdings\[2\]: the same account is given twice"):
        load_holdings(path, registry)
