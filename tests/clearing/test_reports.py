"""The day report: per member tables in JSON, CSV and a readable summary, cut from the same
rows; money as decimal THB strings, fees per order and side."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from rich.console import Console

from siamex.clearing.equity import read_trades
from siamex.clearing.equity.trades import trades_from_csv
from siamex.clearing.holdings import Holding, load_holdings
from siamex.clearing.members import MemberRegistry, load_registry
from siamex.clearing.reports import TABLES, print_report, report_json, write_csv
from siamex.clearing.run import DayReport, clear_day
from siamex.clearing.store import MemoryStore

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "clearing"
HEADER = ("trade_id,trade_date,symbol,board,price,qty,buy_member,buy_account,sell_member,"
          "sell_account,buy_order_id,sell_order_id")


@pytest.fixture
def registry() -> MemberRegistry:
    return load_registry(EXAMPLES / "members.json")


def _e1(registry: MemberRegistry, holdings: list[Holding] | None = None) -> DayReport:
    return clear_day(registry, read_trades(EXAMPLES / "trades.csv", registry),
                     load_holdings(EXAMPLES / "holdings.json", registry)
                     if holdings is None else holdings, MemoryStore())


def test_json_gives_each_member_its_obligations_in_decimal_strings(
        registry: MemberRegistry) -> None:
    report = report_json(_e1(registry))
    assert list(report) == ["run_date", "trade_dates", "settlement_dates",
                            "pending_settlement_dates", "risk_measured", "financial_resources",
                            "members"]
    assert report["settlement_dates"] == [{"settlement_date": "2021-04-12",
                                           "already_settled": False, "settled_in_full": True}]
    b = report["members"]["B"]
    assert list(b) == [*TABLES, "fee_total"]
    assert b["cash"] == [{"settlement_date": "2021-04-12", "account_type": "",
                          "net_amount": "-56000.00"}]
    assert {"settlement_date": "2021-04-12", "account_type": "client", "security": "X",
            "net_qty": -10000} in b["securities"]
    assert {"settlement_date": "2021-04-12", "already_settled": False, "round": 1,
            "movement": "paid", "account_type": "", "asset": "THB",
            "quantity": "56000.00"} in b["settlement"]
    assert b["fails"] == []
    json.dumps(report)  # nothing but JSON types


def test_the_fee_is_charged_per_order_on_all_its_fills(registry: MemberRegistry) -> None:
    trades = trades_from_csv([HEADER,
                              "1,2021-04-08,X,main,30.00,10000,A,A-CLT,B,B-CLT,a1,b1",
                              "2,2021-04-08,X,main,30.00,10000,A,A-CLT,C,C-CLT,a1,c1",
                              "3,2021-04-08,X,main,1000.00,5000000,A,A-PRT,C,C-PRT,a2,c2"],
                             registry)
    report = clear_day(registry, trades, [], MemoryStore())
    a = report_json(report)["members"]["A"]
    assert a["fees"] == [
        {"side": "buy", "trading_member": "A", "order_id": "a1", "traded_value": "600000.00",
         "fee": "6.00"},  # 0.001% of both fills together
        {"side": "buy", "trading_member": "A", "order_id": "a2",
         "traded_value": "5000000000.00", "fee": "350.00"},  # capped per order
    ]
    assert a["fee_total"] == "356.00"


def test_an_unfunded_deliverer_shows_its_fail_after_each_round(registry: MemberRegistry) -> None:
    report = _e1(registry, [h for h in load_holdings(EXAMPLES / "holdings.json", registry)
                            if h.member != "C"])
    fails = report_json(report)["members"]["C"]["fails"]
    assert [(f["round"], f["kind"], f["asset"], f["short"], f["value"]) for f in fails] == [
        (1, "delivery", "Y", 1000, "99500.00"), (2, "delivery", "Y", 1000, "99500.00")]
    out = _printed(report)
    assert "with open fails" in out and "FAILS" in out


def test_csv_writes_one_file_per_table(registry: MemberRegistry, tmp_path: Path) -> None:
    paths = write_csv(_e1(registry), tmp_path / "report")
    assert [p.name for p in paths] == [f"{name}.csv" for name in TABLES]
    with (tmp_path / "report" / "cash.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[1] == {"member": "B", "settlement_date": "2021-04-12", "account_type": "",
                       "net_amount": "-56000.00"}
    settlement = (tmp_path / "report" / "settlement.csv").read_text().splitlines()
    assert settlement[0] == ",".join(TABLES["settlement"])
    assert "B,2021-04-12,false,1,paid,,THB,56000.00" in settlement


def _printed(report: DayReport) -> str:
    console = Console(width=140, record=True)
    print_report(report, console)
    return console.export_text()


def test_the_summary_shows_each_members_obligations_and_settlement(
        registry: MemberRegistry) -> None:
    out = _printed(_e1(registry))
    assert "Clearing run 2021-04-12: trades of 2021-04-08, 6 trade(s)" in out
    assert "settlement date 2021-04-12: settled now, in full" in out
    assert "X client -10,000" in out and "-56000.00" in out and "+41000.00" in out


def test_gross_psms_fund_and_bill_rows_name_their_members() -> None:
    import datetime as dt

    from siamex.clearing.instructions import instructions_from_json
    from siamex.clearing.members import AccountType, registry_from_json
    from siamex.clearing.reports import tables

    registry = registry_from_json({
        "members": [{"member": "A", "type": "gcm", "shareholders_equity": "600000000"},
                    {"member": "B", "type": "gcm", "shareholders_equity": "600000000"},
                    {"member": "K", "type": "settlement_agent",
                     "shareholders_equity": "200000000", "clearing_fund": False}],
        "accounts": [{"member": m, "account": f"{m}-{k[:3]}", "type": k}
                     for m in ("A", "B") for k in ("portfolio", "client")]})
    holdings = [Holding("A", None, "THB", 61_000_000 * 100),
                Holding("A", AccountType.CLIENT, "X", 1000),
                Holding("B", AccountType.PORTFOLIO, "X", 600_000),
                Holding("B", AccountType.PORTFOLIO, "Y", 100),
                Holding("K", None, "THB", 20_000 * 100)]
    pair = {"member": "A", "agent": "K", "client_ref": "C1", "type": "clearing_to_custodian",
            "symbol": "X", "quantity": 1000, "amount": "20000.00", "trade_date": "2021-03-03",
            "settlement_date": "2021-03-05"}
    day_1 = instructions_from_json({"book": [
        {"op": "gross", "trade_id": "R1", "value": "2021-03-05", "at": "2021-03-03T14:00:00"},
        {"op": "gross_confirm", "trade_id": "R1", "at": "2021-03-03T14:00:00"}], "psms": [
        {"op": "create", "at": "2021-03-03T15:00:00", "id": "m1", "entered_by": "member",
         "side": "deliver", **pair},
        {"op": "create", "at": "2021-03-03T15:00:00", "id": "k1", "entered_by": "agent",
         "side": "receive", **pair},
        {"op": "match", "at": "2021-03-03T15:01:00", "id": "m1", "other": "k1"}]}, registry)
    trades = trades_from_csv([HEADER, "R1,2021-03-03,X,big_lot,100.00,600000,A,A-por,B,B-por,,",
                              "2,2021-03-03,Y,main,10.00,100,A,A-por,B,B-por,,"], registry)
    store = MemoryStore()
    clear_day(registry, trades, holdings, store, dt.date(2021, 3, 3), instructions=day_1)
    empty = trades_from_csv([HEADER], registry)
    rows = tables(clear_day(registry, empty, holdings, store, dt.date(2021, 3, 5)))
    assert [(r["member"], r["side"], r["settled"]) for r in rows["gross"]] == [
        ("B", "sell", True), ("A", "buy", True)]
    assert [(r["member"], r["agent"], r["settled"]) for r in rows["psms_settlement"]] == [
        ("A", "K", True)]
    month = instructions_from_json({"month_end": "2021-03"}, registry)
    rows = tables(clear_day(registry, empty, holdings, store, dt.date(2021, 3, 31),
                            instructions=month))
    assert [(r["member"], r["settled_value"], r["paid"]) for r in rows["fund"]] == [
        ("A", "1000.00", True), ("B", "1000.00", True)]  # the net Y trade; gross is not net
    assert {r["member"]: r["psms"] for r in rows["bills"]} == {"A": "50.00", "B": "0.00",
                                                                "K": "0.00"}
