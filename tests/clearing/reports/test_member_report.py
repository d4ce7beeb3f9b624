"""The day report: per member tables in JSON, CSV and a readable summary, cut from the same
rows; money as decimal THB strings, fees per order and side."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from rich.console import Console

from siamex.clearing.day.run import clear_day
from siamex.clearing.equities import read_trades
from siamex.clearing.equities.holdings import Holding, load_holdings
from siamex.clearing.equities.trades import trades_from_csv
from siamex.clearing.foundations.members import MemberRegistry, load_registry
from siamex.clearing.foundations.store import MemoryStore
from siamex.clearing.reports.day_report import DayReport
from siamex.clearing.reports.member_report import TABLES, print_report, report_json, write_csv
from tests.clearing.scenarios import default_days, payment_default_day

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "clearing"
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
    assert list(b) == ["status", *TABLES, "fee_total"]
    assert b["status"] == "settled"
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

    from siamex.clearing.day.instructions import instructions_from_json
    from siamex.clearing.foundations.members import AccountType, registry_from_json
    from siamex.clearing.reports.member_report import tables

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


# ---- what an operator works from (issue 9, part 5) ------------------------------------------


def _csv(report: DayReport, folder: Path, table: str) -> list[dict[str, str]]:
    write_csv(report, folder)
    with (folder / f"{table}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_settlement_day_without_trades_reports_every_obligation_due_in_every_form(
        tmp_path: Path) -> None:
    third = default_days()[2]
    members = report_json(third)["members"]
    assert [(r["asset"], r["direction"], r["due"], r["done"], r["status"])
            for r in members["P"]["obligations"]] == [
        ("X", "receive", 1_000_000, 1_000_000, "settled"),
        ("Y", "receive", 2_000_000, 0, "waiting"),
        ("THB", "pay", "100000000.00", "100000000.00", "settled")]
    # P's Y waits for tomorrow's buy-in: P is not settled; D fails
    assert (members["P"]["status"], members["D"]["status"]) == ("waiting", "fails")
    rows = _csv(third, tmp_path, "obligations")
    assert rows[1] == {"member": "D", "settlement_date": "2021-03-05",
                       "account_type": "portfolio", "asset": "Y", "direction": "deliver",
                       "due": "2000000", "done": "0", "status": "failed"}
    out = _printed(third)
    assert "obligations due on 2021-03-05: due against done" in out
    assert next(line for line in out.splitlines() if line.startswith("│ P ")).count("waiting")


def test_fines_name_the_security_the_settlement_date_and_the_days_late(tmp_path: Path) -> None:
    fourth = default_days()[3]
    (fine,) = report_json(fourth)["members"]["D"]["fines"]
    assert fine == {"type": "delivery_fail_other_cause", "security": "Y",
                    "settlement_date": "2021-03-05", "days_late": 1,
                    "failed_value": "140000000.00", "error_count": 0, "amount": "700000.00"}
    assert _csv(fourth, tmp_path, "fines")[0]["days_late"] == "1"
    assert "delivery_fail_other_cause │ Y        │ 2021-03-05      │ 1" in _printed(fourth)


def test_open_loans_are_a_table_in_the_borrowers_and_the_lenders_statement(
        tmp_path: Path) -> None:
    third = default_days()[2]
    members = report_json(third)["members"]
    loan = {"lender": "L", "borrower": "D", "account_type": "portfolio", "security": "X",
            "qty": 1_000_000, "collateral": "13650000.00",  # 130% at 10.50 (E8)
            "fee": "105000.00", "start": "2021-03-05", "due_date": "2021-03-15"}
    assert members["D"]["loans"] == [{"role": "borrower", **loan}]
    assert members["L"]["loans"] == [{"role": "lender", **loan}]
    assert [r["member"] for r in _csv(third, tmp_path, "loans")] == ["D", "L"]
    out = _printed(third)
    assert "open loans" in out
    assert "│ L      │ D        │ X        │ 1000000 │ 13650000.00 │ 105000.00 │ 2021-03-15" in out


def test_each_survivors_share_of_a_default_is_in_its_own_statement(tmp_path: Path) -> None:
    fourth = default_days()[3]
    members = report_json(fourth)["members"]
    shares = {m: members[m]["defaults"] for m in ("L", "P", "Q")}
    assert shares["P"] == [{"defaulter": "D", "day": "2021-03-08",
                            "cause": "buy-in:2021-03-05:Y",
                            "layer": "non_defaulter_contributions", "used": "8649300.00"}]
    assert [r[0]["used"] for r in (shares["L"], shares["Q"])] == ["2883100.00", "2883100.00"]
    assert members["D"]["status"] == "defaulted"
    survivors = [r for r in _csv(fourth, tmp_path, "defaults") if r["member"] != "D"]
    assert [(r["member"], r["defaulter"]) for r in survivors] == [("L", "D"), ("P", "D"),
                                                                   ("Q", "D")]


def test_a_payment_fail_shows_what_was_due_what_the_member_had_and_the_default(
        tmp_path: Path) -> None:
    report = payment_default_day()
    (row,) = report_json(report)["members"]["A"]["payment_fails"]
    assert row == {"settlement_date": "2021-03-05", "account_type": "", "due": "50000000.00",
                   "available": "30000000.00", "declared_default": "20000000.00"}
    assert _csv(report, tmp_path, "payment_fails")[0]["declared_default"] == "20000000.00"
    assert "│ A      │ 2021-03-05      │              │ 50000000.00 │ 30000000.00 │" \
           " 20000000.00" in _printed(report)


def test_a_refused_book_change_is_in_its_members_statement_with_its_reason(
        registry: MemberRegistry, tmp_path: Path) -> None:
    from siamex.clearing.day.instructions import instructions_from_json

    late = instructions_from_json({"book": [
        {"op": "account", "trade_id": "1", "side": "buy", "value": "A-PRT",
         "at": "2021-04-12T11:30:01"}]}, registry)
    report = clear_day(registry, read_trades(EXAMPLES / "trades.csv", registry),
                       load_holdings(EXAMPLES / "holdings.json", registry), MemoryStore(),
                       instructions=late)
    (row,) = report_json(report)["members"]["A"]["book"]
    assert (row["op"], row["accepted"], row["code"]) == ("account", False, "CUTOFF_PASSED")
    assert "11:30" in row["reason"]
    assert _csv(report, tmp_path, "book")[0]["accepted"] == "false"
    assert [str(s.settlement_date) for s in report.settled] == ["2021-04-12"]  # the day ran
