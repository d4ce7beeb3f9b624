"""Clearing days the report tests read: the four days of examples/clearing/default (D fails X
and Y on the settlement date, L's loan covers X, D defaults on Y's buy-in), and a settlement
date on which A cannot pay and the waterfall pays for it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from siamex.clearing.day.instructions import instructions_from_json, load_instructions
from siamex.clearing.day.run import clear_day
from siamex.clearing.equities import read_trades
from siamex.clearing.equities.holdings import Holding, load_holdings
from siamex.clearing.equities.trades import trades_from_csv
from siamex.clearing.foundations.members import AccountType, load_registry, registry_from_json
from siamex.clearing.foundations.store import MemoryStore
from siamex.clearing.reports.day_report import DayReport

SCENARIO = Path(__file__).resolve().parents[2] / "examples" / "clearing" / "default"
DAYS = ("2021-03-03", "2021-03-04", "2021-03-05", "2021-03-08")


def default_days() -> list[DayReport]:
    """The report of each of the four days, in order."""
    registry = load_registry(SCENARIO / "members.json")
    holdings = load_holdings(SCENARIO / "holdings.json", registry)
    store, reports = MemoryStore(), []
    for number, day in enumerate(DAYS, 1):
        trades = SCENARIO / ("1-trades.csv" if number == 1 else "no-trades.csv")
        reports.append(clear_day(registry, read_trades(trades, registry), holdings, store,
                                 dt.date.fromisoformat(day), instructions=load_instructions(
                                     SCENARIO / f"{number}-instructions.json", registry)))
    return reports


M = 1_000_000 * 100  # satang


def payment_default_day() -> DayReport:
    """A buys 1,000,000 X at 50.00 on 2021-03-03 and holds 30M of the 50M it owes on the
    settlement date (40M less its 10M contribution): TCH declares its default for 20M."""
    registry = registry_from_json({
        "members": [{"member": m, "type": "gcm", "shareholders_equity": "600000000",
                     "net_capital": "100000000"} for m in ("A", "B")],
        "accounts": [{"member": m, "account": f"{m}-PRT", "type": "portfolio"}
                     for m in ("A", "B")]})
    header = ("trade_id,trade_date,symbol,board,price,qty,buy_member,buy_account,sell_member,"
              "sell_account")
    trades = trades_from_csv([header, "1,2021-03-03,X,main,50.00,1000000,A,A-PRT,B,B-PRT"],
                             registry)
    holdings = [Holding("A", None, "THB", 40 * M), Holding("B", None, "THB", 10 * M),
                Holding("B", AccountType.PORTFOLIO, "X", 1_000_000)]
    fund = instructions_from_json({
        "set_fund": {"tranche_2": "0.00", "reserve_fund": "0.00"},
        "contributions": [{"member": m, "amount": "10000000.00", "ref": "i"}
                          for m in ("A", "B")]}, registry)
    store = MemoryStore()
    clear_day(registry, trades, holdings, store, dt.date(2021, 3, 3), instructions=fund)
    return clear_day(registry, trades_from_csv([header], registry), holdings, store,
                     dt.date(2021, 3, 5), instructions=instructions_from_json({}, registry))
