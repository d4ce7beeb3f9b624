"""Tripled fines (S-14MEASURES): each refusal for a short-sale or program-trading rule is a
breach of its member, fined the table's base fine times measure_fine_multiple."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from siamex.measures.fines import (
    FINE_COLUMNS,
    FineRow,
    RefusalLog,
    RefusedOrder,
    breach_of,
    fines_csv,
    member_fines,
)
from siamex.rulebook.measure_fines import Breach, FineTable, default_measure_fines
from siamex.trading.commands import AccountSpec, Command, TradeReport
from siamex.trading.events import Event
from siamex.trading.rejects import Reject
from siamex.units import parse_price
from tests.trading.harness import Session, stock

TABLE = FineTable(tuple((breach, 100_00 * (n + 1)) for n, breach in enumerate(Breach)))


@pytest.mark.parametrize(("reason", "short", "program", "breach"), [
    (Reject.NO_SECURITIES, True, False, Breach.NAKED_SHORT_SALE),
    (Reject.NO_SECURITIES, False, False, Breach.UNCOVERED_SALE),
    (Reject.NO_SECURITIES, False, True, Breach.UNCOVERED_SALE),
    (Reject.SCREENED, True, True, Breach.SHORT_SALE_SCREENED),  # the short sale's first
    (Reject.SCREENED, False, True, Breach.PROGRAM_SCREENED),
    (Reject.SCREENED, False, False, None),
    (Reject.HFT_NOT_REGISTERED, False, True, Breach.HFT_NOT_REGISTERED),
    (Reject.HFT_NOT_PERMITTED, False, True, Breach.HFT_NOT_PERMITTED),
    (Reject.SHORT_SALE_PRICE, True, False, None),
    (Reject.TICK_SIZE, False, True, None),
    ("NO_SECURITIES", True, False, Breach.NAKED_SHORT_SALE),
    ("NOT_A_CODE", True, True, None),
])
def test_which_refusal_is_which_breach(reason: Reject | str, short: bool, program: bool,
                                       breach: Breach | None) -> None:
    assert breach_of(reason, short, program) is breach


def test_a_member_pays_three_times_the_base_fine_per_breach() -> None:
    refusals = [("M2", Reject.NO_SECURITIES, True, False)] * 2 + [
        ("M1", Reject.HFT_NOT_REGISTERED, False, True),
        ("M1", Reject.NO_SECURITIES, True, False),
        ("M1", Reject.TICK_SIZE, False, False)]
    rows = member_fines(refusals, TABLE, 3)
    assert [(r.member, r.breach, r.count, r.fine) for r in rows] == [
        ("M1", Breach.NAKED_SHORT_SALE, 1, 3 * 100_00),
        ("M1", Breach.HFT_NOT_REGISTERED, 1, 3 * 500_00),
        ("M2", Breach.NAKED_SHORT_SALE, 2, 2 * 3 * 100_00)]
    assert rows[2].as_json() == {"member": "M2", "breach": "naked_short_sale",
                                 "rule": "short_sale", "count": 2, "base_fine": "100.00",
                                 "multiple": 3, "fine": "600.00"}


def test_a_multiple_of_one_fines_the_base_and_no_breach_fines_nothing() -> None:
    assert member_fines([("M1", Reject.SCREENED, False, True)], TABLE, 1)[0].fine == 400_00
    assert member_fines([("M1", Reject.MARKET_CLOSED, True, True)], TABLE, 3) == []


def test_the_bundled_naked_short_sale_is_fined_150_000_baht() -> None:
    row = member_fines([("M1", Reject.NO_SECURITIES, True, False)], default_measure_fines(),
                       3)[0]
    assert row.as_json()["fine"] == "150000.00"


class Logged(Session):
    """A session whose every command and its events also go to a refusal log."""

    def __init__(self, *instruments: Any, **kw: Any) -> None:
        self.log_ = RefusalLog()
        super().__init__(*instruments, **kw)

    def run(self, command: Command) -> list[Event]:
        events = super().run(command)
        self.log_.observe(command, events)
        return events


def test_refused_orders_are_logged_with_the_day_s_high_frequency_accounts() -> None:
    s = Logged(stock("AOT", "64.00"), accounts=[AccountSpec("H1", hft=True),
                                                AccountSpec("H2", hft=True,
                                                            hft_registered=True)])
    s.advance("10:01")
    s.new("10:05", "u", "buy", 100, "64.00", member="M1", account="H1")
    s.new("10:06", "t", "buy", 100, "64.03", member="M2", account="A2")
    s.new("10:07", "n", "buy", 100, "64.00", member="M3", account="H2")  # AOT: no SET100
    s.new("10:08", "ok", "sell", 100, "64.00", member="M3", account="H2")
    assert s.log_.refused == [
        RefusedOrder("M1", Reject.HFT_NOT_REGISTERED, False, True),
        RefusedOrder("M2", Reject.TICK_SIZE, False, False),
        RefusedOrder("M3", Reject.HFT_NOT_PERMITTED, False, True)]


def test_a_refused_amend_is_the_amended_order_s_and_a_refused_report_the_seller_s() -> None:
    s = Logged(stock("AOT", "64.00", short_eligible=True, listed_shares=1_000_000),
               rules={"short_sale_price_test": "zero_plus"},
               accounts=[AccountSpec("H2", hft=True, hft_registered=True)])
    s.advance("10:01")
    s.new("10:05", "s", "sell", 100, "65.00", member="M3", account="H2", short=True)
    s.amend("10:06", "s", qty=200_000)  # over the 10% cap of 1,000,000 listed shares
    s.amend("10:07", "nobody", qty=100)  # no order: no one's
    s.run(TradeReport(s.ts("10:30"), "r", "AOT", 100, parse_price("64.00"), "M4", "H2", "M5",
                      "B5"))  # no big lot
    assert [(r.member, r.reason, r.short, r.program) for r in s.log_.refused] == [
        ("M3", Reject.SHORT_SALE_LIMIT, True, True),
        ("M4", Reject.TRADE_REPORT_SIZE, False, True)]


def test_the_fines_csv_has_a_row_per_day_member_and_breach() -> None:
    row = FineRow("M1", Breach.UNCOVERED_SALE, 2, 50_000_00, 3)
    lines = list(csv.reader(io.StringIO(fines_csv([("2026-12-03", [row]),
                                                   ("2026-12-04", [])]))))
    assert lines == [list(FINE_COLUMNS), ["2026-12-03", "M1", "uncovered_sale", "short_sale",
                                          "2", "50000.00", "3", "300000.00"]]
