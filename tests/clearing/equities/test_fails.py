"""The fines of the fails a clearing run records and cures (clearing-spec.md 3.8): a human
error is one fail event per member and settlement date, counted once in the year and fined
per security at its count's rate (decision 76); a fail of another cause is valued at the
settlement date's close (decision C5), or at the last traded price when the day gives none
(decision 77)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from siamex.clearing.day.instructions import instructions_from_json
from siamex.clearing.day.run import clear_day
from siamex.clearing.equities.holdings import Holding
from siamex.clearing.equities.trades import TradeBatch, trades_from_csv
from siamex.clearing.foundations.members import AccountType, MemberRegistry, registry_from_json
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import FineEvent
from siamex.clearing.foundations.store import MemoryStore

BAHT = 100
HEADER = ("trade_id,trade_date,symbol,board,price,qty,buy_member,buy_account,sell_member,"
          "sell_account")
PRT, CLT = AccountType.PORTFOLIO, AccountType.CLIENT


@pytest.fixture
def registry() -> MemberRegistry:
    return registry_from_json({
        "members": [{"member": m, "type": "gcm", "shareholders_equity": "600000000",
                     "net_capital": "100000000"} for m in ("A", "B")],
        "accounts": [{"member": m, "account": f"{m}-{kind[:3].upper()}", "type": kind}
                     for m in ("A", "B") for kind in ("portfolio", "client")]})


def _trades(registry: MemberRegistry, *rows: str) -> TradeBatch:
    return trades_from_csv([HEADER, *rows], registry)


# B holds nothing it sells; A's client account holds X it may sell to A's portfolio
HOLDINGS = [Holding("A", None, "THB", 10_000_000 * BAHT), Holding("A", CLT, "X", 1000)]


def _run(registry: MemberRegistry, store: MemoryStore, day: str, rows: tuple[str, ...] = (),
         data: dict[str, Any] | None = None,
         rules: ClearingRules = DEFAULT_CLEARING_RULES) -> tuple[FineEvent, ...]:
    instructions = None if data is None else instructions_from_json(data, registry)
    report = clear_day(registry, _trades(registry, *rows), HOLDINGS, store,
                       dt.date.fromisoformat(day), rules, instructions)
    return report.remedies.fines


def _errors(*securities: str) -> dict[str, Any]:
    return {"human_errors": [{"member": "B", "security": s} for s in securities]}


def test_a_human_error_over_three_securities_is_the_years_second_error_fined_per_security(
        registry: MemberRegistry) -> None:
    store = MemoryStore()
    # B sells what it does not hold on three trade dates; each settlement date's fails are
    # declared human errors, and paid cash in lieu on the next business day (no seller)
    _run(registry, store, "2021-03-03", ("1,2021-03-03,X,main,10.00,100,A,A-POR,B,B-POR",))
    _run(registry, store, "2021-03-04", ("2,2021-03-04,X,main,10.00,100,A,A-POR,B,B-POR",
                                         "3,2021-03-04,Y,main,10.00,100,A,A-POR,B,B-POR",
                                         "4,2021-03-04,Z,main,10.00,100,A,A-POR,B,B-POR"))
    _run(registry, store, "2021-03-05", ("5,2021-03-05,Y,main,10.00,100,A,A-POR,B,B-POR",),
         _errors("X"))
    first = _run(registry, store, "2021-03-08", (), _errors("X", "Y", "Z"))
    second = _run(registry, store, "2021-03-09", (), _errors("Y"))
    third = _run(registry, store, "2021-03-10", ())
    assert [(f.security, f.error_count, f.amount) for f in first] == [("X", 1, 0)]  # waived
    # 3.8, E6(d): the second error covers three securities: 2,000 each, counted once
    assert [(f.security, f.error_count, f.amount) for f in second] == [
        ("X", 2, 2_000 * BAHT), ("Y", 2, 2_000 * BAHT), ("Z", 2, 2_000 * BAHT)]
    assert [(f.security, f.error_count, f.amount) for f in third] == [("Y", 3, 5_000 * BAHT)]
    assert {f.type for f in (*first, *second, *third)} == {"delivery_fail_human_error"}
    assert {(f.settlement_date, f.days_late) for f in second} == {(dt.date(2021, 3, 8), 1)}


def test_a_security_failed_in_both_accounts_of_one_event_is_fined_once(
        registry: MemberRegistry) -> None:
    store = MemoryStore()
    unwaived = ClearingRules({"delivery_fail_human_fines": ["1000", "2000", "5000"]})
    _run(registry, store, "2021-03-03", ("1,2021-03-03,X,main,10.00,100,A,A-POR,B,B-POR",
                                         "2,2021-03-03,X,main,10.00,100,A,A-POR,B,B-CLI",
                                         "3,2021-03-03,Y,main,10.00,100,A,A-POR,B,B-POR"),
         rules=unwaived)
    _run(registry, store, "2021-03-05", (), _errors("X", "Y"), unwaived)
    fines = _run(registry, store, "2021-03-08", (), rules=unwaived)
    # the year's first error, at 1,000 per security: X once for its two accounts, Y once
    assert [(f.security, f.error_count, f.amount) for f in fines] == [
        ("X", 1, 1_000 * BAHT), ("Y", 1, 1_000 * BAHT)]


def test_a_fail_is_fined_on_the_settlement_dates_close(registry: MemberRegistry) -> None:
    store = MemoryStore()
    _run(registry, store, "2021-03-03", ("1,2021-03-03,X,main,20.00,1000,A,A-POR,B,B-POR",))
    _run(registry, store, "2021-03-05", (), {"prices": {"X": "25.00"}})
    (fine,) = _run(registry, store, "2021-03-08", (), {"prices": {"X": "30.00"}})
    # decision C5: 1,000 X at the settlement date's close 25.00, not the trade's 20.00 nor
    # the cure day's 30.00: 0.5% of 25,000 is 125, so the 300 minimum
    assert (fine.type, fine.failed_value, fine.days_late, fine.amount) == (
        "delivery_fail_other_cause", 25_000 * BAHT, 1, 300 * BAHT)


def test_a_close_the_settlement_day_does_not_give_is_the_last_traded_price(
        registry: MemberRegistry) -> None:
    store = MemoryStore()
    _run(registry, store, "2021-03-03", ("1,2021-03-03,X,main,20.00,100000,A,A-POR,B,B-POR",))
    _run(registry, store, "2021-03-04", ("2,2021-03-04,X,main,21.00,10,A,A-POR,A,A-CLI",))
    # (A's own trade on T+1 is the last X traded on or before the settlement date)
    # no run on the settlement date: the run of the next day settles it late, and its own
    # prices are that day's, not the settlement date's (decision 77)
    (fine,) = _run(registry, store, "2021-03-08", (), {"prices": {"X": "30.00"}})
    assert (fine.failed_value, fine.amount) == (100_000 * 21 * BAHT, 10_500 * BAHT)
