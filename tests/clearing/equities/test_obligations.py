"""Every obligation due on a run date against what was done (decision 78), through the four
days of examples/clearing/default: on the settlement date, with no new trades, each member's
deliveries, receipts, payments and collections with their status; on the buy-in day, the
obligations still open at its start; a payment made good by the waterfall."""

from __future__ import annotations

import datetime as dt

from siamex.clearing.equities.obligations import Obligation
from siamex.clearing.foundations.members import AccountType
from siamex.clearing.reports.day_report import DayReport
from tests.clearing.scenarios import M, default_days, payment_default_day

PRT = AccountType.PORTFOLIO
SD = dt.date(2021, 3, 5)


def _rows(report: DayReport) -> list[tuple[str, str, str, int, int, str]]:
    return [(o.member, o.asset, o.direction, o.due, o.done, o.status)
            for o in report.obligations]


def test_a_settlement_day_without_trades_lists_every_obligation_due_with_its_status() -> None:
    days = default_days()
    assert [d.obligations for d in days[:2]] == [(), ()]  # nothing due on T and T+1
    third = days[2]
    assert third.trades == ()
    assert _rows(third) == [
        ("D", "X", "deliver", 1_000_000, 1_000_000, "covered"),  # L's loan delivered it
        ("D", "Y", "deliver", 2_000_000, 0, "failed"),  # goes to tomorrow's buy-in
        ("P", "X", "receive", 1_000_000, 1_000_000, "settled"),
        ("P", "Y", "receive", 2_000_000, 0, "waiting"),  # waits for the buy-in
        ("D", "THB", "collect", 100 * M, 0, "withheld"),  # 3.6: for D's own fail
        ("P", "THB", "pay", 100 * M, 100 * M, "settled")]
    assert {o.settlement_date for o in third.obligations} == {dt.date(2021, 3, 5)}
    assert [o.met for o in third.obligations] == [True, False, True, False, False, True]


def test_the_buy_in_day_lists_what_was_still_open_at_its_start() -> None:
    fourth = default_days()[3]
    # X was met on the settlement date, so only Y and D's withheld receivable remain
    assert _rows(fourth) == [
        ("D", "Y", "deliver", 2_000_000, 2_000_000, "bought_in"),
        ("P", "Y", "receive", 2_000_000, 2_000_000, "settled"),
        ("D", "THB", "collect", 100 * M, 0, "applied")]  # spent on the buy-in
    assert all(o.met for o in fourth.obligations)


def test_a_payment_made_good_by_the_waterfall_is_paid_after_default() -> None:
    assert payment_default_day().obligations == (
        Obligation("A", SD, PRT, "X", "receive", 1_000_000, 1_000_000, "settled"),
        Obligation("B", SD, PRT, "X", "deliver", 1_000_000, 1_000_000, "settled"),
        Obligation("A", SD, None, "THB", "pay", 50 * M, 50 * M, "paid_after_default"),
        Obligation("B", SD, None, "THB", "collect", 50 * M, 50 * M, "settled"))
