"""The clearing day's steps beyond settlement, through `clear_day` (clearing-spec.md 3.1-3.7):
a payment fail met by the waterfall, cash in lieu when nobody sells for the buy-in, gross
settlement of a large trade report, corrections refused past their cut-off, collateral
requests refused with their rule, a loan closed by the lender's penalty, the defaulter's
repayment, and the run's refusals changing nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import pytest

from siamex.clearing.day.instructions import DayInstructions, instructions_from_json
from siamex.clearing.day.run import clear_day
from siamex.clearing.default.fund import FUND_INCOME, SET_TRANCHE_1, contribution_account
from siamex.clearing.default.waterfall import Layer
from siamex.clearing.equities.holdings import Holding
from siamex.clearing.equities.trades import trades_from_csv
from siamex.clearing.foundations.accounts import cash_account, holdings_account
from siamex.clearing.foundations.ledger import Ledger, Outcome, Transaction
from siamex.clearing.foundations.members import AccountType, MemberRegistry, registry_from_json
from siamex.clearing.foundations.money import round_half_up
from siamex.clearing.foundations.parameters import ClearingRules
from siamex.clearing.foundations.store import MemoryStore
from siamex.clearing.reports.day_report import DayReport
from siamex.errors import ErrorCode, SiamexError

PRT = AccountType.PORTFOLIO
BAHT = 100
M = 1_000_000 * BAHT
T, T1, SD, SD1 = (dt.date(2021, 3, 3), dt.date(2021, 3, 4), dt.date(2021, 3, 5),
                  dt.date(2021, 3, 8))
HEADER = ("trade_id,trade_date,symbol,board,price,qty,buy_member,buy_account,sell_member,"
          "sell_account")
NO_STRESS = {m: "0" for m in ("A", "B", "C")}  # no fund here: keep the Cover-2 call out
FUND = {"set_fund": {"tranche_2": "140000000.00", "reserve_fund": "2000000000.00"},
        "contributions": [{"member": m, "amount": "10000000.00", "ref": "initial"}
                          for m in ("A", "B", "C")]}


@pytest.fixture
def registry() -> MemberRegistry:
    return registry_from_json({
        "members": [{"member": m, "type": "gcm", "shareholders_equity": "600000000",
                     "net_capital": "100000000"} for m in ("A", "B", "C")],
        "accounts": [{"member": m, "account": f"{m}-PRT", "type": "portfolio"}
                     for m in ("A", "B", "C")]})


def _trades(registry: MemberRegistry, *rows: str) -> Any:
    return trades_from_csv([HEADER, *rows], registry)


def _day(registry: MemberRegistry, data: dict[str, Any]) -> DayInstructions:
    return instructions_from_json(data, registry)


def _sound(store: MemoryStore) -> None:
    assert Ledger.from_transactions(store.transactions()).check_invariants() == []


def _cash(member: str, baht: int) -> Holding:
    return Holding(member, None, "THB", baht * BAHT)


def _shares(member: str, security: str, qty: int) -> Holding:
    return Holding(member, PRT, security, qty)


def _kinds(report: DayReport) -> list[str]:
    return [e.kind for e in report.remedies.events]


def test_a_payment_fail_is_met_by_the_waterfall_and_the_date_then_settles(
        registry: MemberRegistry) -> None:
    store = MemoryStore()
    trades = _trades(registry, "1,2021-03-03,X,main,50.00,1000000,A,A-PRT,B,B-PRT")
    holdings = [_cash("A", 30_000_000), _cash("B", 10_000_000), _cash("C", 10_000_000),
                _shares("B", "X", 1_000_000)]
    clear_day(registry, trades, holdings, store, T, instructions=_day(registry, FUND))
    # A holds 20M of the 50M it owes on SD: its payment fails at 14:00 and 15:45
    report = clear_day(registry, _trades(registry), holdings, store, SD,
                       instructions=_day(registry, {}))
    assert report.settled[0].rounds[1].payment_fails[0].amount_short == 50 * M
    (default,) = report.remedies.defaults
    assert (default.member, default.ref, default.waterfall.loss) == ("A", "payment:2021-03-05",
                                                                     30 * M)
    # 3.7: no collateral; A's own contribution (10M), then SET's tranche 1 for the rest
    uses = default.waterfall.uses
    assert (uses[Layer.DEFAULTER_COLLATERAL], uses[Layer.DEFAULTER_CONTRIBUTION],
            uses[Layer.SET_TRANCHE_1]) == (0, 10 * M, 20 * M)
    balances = store.balances()
    assert balances[holdings_account("A", PRT, "X")] == 1_000_000  # credited once it paid
    assert balances[cash_account("B")] == 50 * M  # the seller is paid in full
    assert balances.get(contribution_account("A"), 0) == 0
    assert balances[SET_TRANCHE_1] == 40 * M
    assert "paid_after_default" in _kinds(report)
    _sound(store)


def test_a_buy_in_nobody_sells_for_ends_in_cash_in_lieu(registry: MemberRegistry) -> None:
    store = MemoryStore()
    trades = _trades(registry, "1,2021-03-03,X,main,20.00,100000,A,A-PRT,B,B-PRT")
    holdings = [_cash("A", 2_000_000), _cash("B", 100_000)]
    clear_day(registry, trades, holdings, store, T)
    report = clear_day(registry, _trades(registry), holdings, store, SD)
    assert _kinds(report) == ["delivery_fail"]
    assert report.remedies.events[0].detail == "receivable withheld: 2000000.00"
    report = clear_day(registry, _trades(registry), holdings, store, SD1)
    assert _kinds(report) == ["cash_in_lieu", "fine"]
    # 3.6: the waiting receiver is paid the value at cash_in_lieu_pct (100%), from B's
    # withheld receivable; B's fine is 0.5% of 2M for one business day late
    assert store.balances()[cash_account("A")] == 2 * M
    assert store.balances().get(cash_account("B"), 0) == 100_000 * BAHT
    assert [f.amount for f in report.remedies.fines] == [10_000 * BAHT]
    _sound(store)


def test_a_large_trade_report_settles_gross_on_its_chosen_date(
        registry: MemberRegistry) -> None:
    store = MemoryStore()
    trades = _trades(registry, "R1,2021-03-03,X,big_lot,100.00,600000,A,A-PRT,B,B-PRT",
                     "2,2021-03-03,Y,main,10.00,1000,A,A-PRT,C,C-PRT")
    holdings = [_cash("A", 70_000_000), _shares("B", "X", 600_000), _shares("C", "Y", 1000)]
    gross = _day(registry, {"book": [
        {"op": "gross", "trade_id": "R1", "value": "2021-03-04", "at": "2021-03-03T14:00:00"},
        {"op": "gross_confirm", "trade_id": "R1", "at": "2021-03-03T19:00:00"}]})
    first = clear_day(registry, trades, holdings, store, T, instructions=gross)
    assert first.gross == ()
    assert {s.security for s in first.positions.securities} == {"Y"}  # 3.2: out of the net
    second = clear_day(registry, _trades(registry), holdings, store, T1)
    (result,) = second.gross
    assert [i.trade_id for i in result.settled] == ["R1"] and result.failed == ()
    assert store.balances()[holdings_account("A", PRT, "X")] == 600_000
    assert store.balances()[cash_account("B")] == 60 * M
    third = clear_day(registry, _trades(registry), holdings, store, SD)
    assert third.settled[0].rounds[0].delivery_fails == ()
    _sound(store)


def test_a_correction_after_its_cut_off_is_refused_alone_and_the_day_runs(
        registry: MemberRegistry) -> None:
    trades = _trades(registry, "1,2021-03-03,X,main,20.00,100,A,A-PRT,B,B-PRT")
    holdings = [_cash("A", 2000), _shares("B", "X", 100)]
    late = _day(registry, {"book": [
        {"op": "investor_type", "trade_id": "1", "side": "buy", "value": "foreign",
         "at": "2021-03-05T11:30:01"},
        {"op": "account", "trade_id": "1", "side": "sell", "value": "B-PRT",
         "at": "2021-03-05T11:00:00"}]})
    plain = MemoryStore()
    clear_day(registry, trades, holdings, plain, SD)
    store = MemoryStore()
    report = clear_day(registry, trades, holdings, store, SD, instructions=late)
    refused, accepted = report.book
    assert (refused.accepted, refused.code, refused.members) == (False, "CUTOFF_PASSED", ("A",))
    assert "11:30" in refused.reason
    assert (accepted.accepted, accepted.members) == (True, ("B",))
    assert report.settled[0].rounds[1].delivery_fails == ()  # the day settled as without it
    assert store.balances() == plain.balances()
    _sound(store)


def test_a_bad_gross_request_is_refused_alone_and_nothing_of_it_is_stored(
        registry: MemberRegistry) -> None:
    trades = _trades(registry, "R1,2021-03-03,X,big_lot,100.00,600000,A,A-PRT,B,B-PRT",
                     "2,2021-03-03,Y,main,10.00,1000,A,A-PRT,C,C-PRT")
    holdings = [_cash("A", 70_000_000), _shares("B", "X", 600_000), _shares("C", "Y", 1000)]
    bad = _day(registry, {"book": [
        {"op": "gross", "trade_id": "2", "value": "2021-03-04", "at": "2021-03-03T10:00:00"},
        {"op": "gross", "trade_id": "R1", "value": "2021-03-04", "at": "2021-03-03T15:00:01"},
        {"op": "gross_confirm", "trade_id": "R1", "at": "2021-03-03T13:00:00"}]})
    store = MemoryStore()
    report = clear_day(registry, trades, holdings, store, T, instructions=bad)
    assert [(a.change.op, a.change.trade_id, a.accepted, a.code, a.members)
            for a in report.book] == [
        ("gross", "2", False, "GROSS_NOT_ALLOWED", ("C", "A")),  # not a trade report
        ("gross", "R1", False, "CUTOFF_PASSED", ("B", "A")),  # 3.4: by 15:00 on T
        ("gross_confirm", "R1", False, "CORRECTION_REFUSED", ("B", "A"))]  # no item
    assert store.get_document("clearing:gross-dates") in (None, "[]")
    assert {s.security for s in report.positions.securities} == {"X", "Y"}  # both in the net
    report = clear_day(registry, _trades(registry), holdings, store, SD)
    assert report.settled[0].rounds[1].delivery_fails == () and report.gross == ()
    _sound(store)


def test_a_collateral_request_dated_another_day_refuses_the_run(
        registry: MemberRegistry) -> None:
    store = MemoryStore()
    other = _day(registry, {"collateral": [{"member": "A", "op": "deposit", "asset": "THB",
                                            "qty": "1.00", "at": "2021-03-04T09:00:00",
                                            "ref": "c"}]})
    with pytest.raises(SiamexError) as error:
        clear_day(registry, _trades(registry), [_cash("A", 10)], store, T, instructions=other)
    assert error.value.code is ErrorCode.INSTRUCTIONS_FILE
    assert store.transactions() == []


def test_a_withdrawal_above_the_excess_is_refused_with_its_rule(
        registry: MemberRegistry) -> None:
    store = MemoryStore()
    day = _day(registry, {"collateral": [
        {"member": "A", "op": "deposit", "asset": "THB", "qty": "1000000.00",
         "at": "2021-03-03T09:00:00", "ref": "in"},
        {"member": "A", "op": "withdraw", "asset": "THB", "qty": "1000000.01",
         "at": "2021-03-03T09:30:00", "ref": "out"}]})
    report = clear_day(registry, _trades(registry), [_cash("A", 1_000_000)], store, T,
                       instructions=day)
    assert report.collateral is not None
    deposit, withdrawal = report.collateral.requests
    assert deposit.accepted and not withdrawal.accepted
    assert withdrawal.reason == ("withdrawal out: 1000000.01 THB asked, 1000000.00 THB held "
                                 "and free")
    assert report.collateral.held["A"] == 1 * M


def test_a_withdrawal_above_the_excess_over_the_call_is_refused(
        registry: MemberRegistry) -> None:
    store = MemoryStore()
    trades = _trades(registry, "1,2021-03-03,X,main,20.00,100000,A,A-PRT,B,B-PRT")
    clear_day(registry, trades, [_cash("A", 3_000_000)], store, T)
    day = _day(registry, {"collateral": [
        {"member": "A", "op": "deposit", "asset": "THB", "qty": "1000000.00",
         "at": "2021-03-04T09:00:00", "ref": "in"},
        {"member": "A", "op": "withdraw", "asset": "THB", "qty": "400000.01",
         "at": "2021-03-04T09:30:00", "ref": "out"},
        {"member": "A", "op": "withdraw", "asset": "THB", "qty": "400000.00",
         "at": "2021-03-04T09:31:00", "ref": "out2"}]})
    report = clear_day(registry, _trades(registry), [_cash("A", 3_000_000)], store, T1,
                       instructions=day)
    assert report.collateral is not None
    # 3.5: no fund, so the Cover-2 stress call is A's stress loss: 30% of its 2M of X
    assert report.collateral.risk["A"].call.required == 600_000 * BAHT
    _, refused, paid = report.collateral.requests
    assert not refused.accepted and paid.accepted
    assert refused.reason == ("withdrawal out: 400000.01 THB after haircut exceeds the excess "
                              "of 400000.00 THB over the requirement of 600000.00 THB (3.5)")
    assert report.collateral.held["A"] == 600_000 * BAHT
    assert store.balances()[cash_account("A")] == 2_400_000 * BAHT


def test_an_unreturned_loan_ends_with_the_lenders_penalty(registry: MemberRegistry) -> None:
    store = MemoryStore()
    trades = _trades(registry, "1,2021-03-03,X,main,10.00,1000,A,A-PRT,B,B-PRT")
    holdings = [_cash("A", 10_000), _cash("B", 20_000), _shares("C", "X", 1000)]
    clear_day(registry, trades, holdings, store, T)
    lend = _day(registry, {"lending_offers": [{"lender": "C", "security": "X", "qty": 1000}],
                           "stress_losses": NO_STRESS})
    report = clear_day(registry, _trades(registry), holdings, store, SD, instructions=lend)
    assert _kinds(report) == ["delivery_fail", "loan_opened", "fine"]
    due = dt.date(2021, 3, 15)  # 3.6: six business days
    assert report.remedies.events[1].detail == f"from C, due {due}"
    prices = _day(registry, {"prices": {"X": "12.00"}, "stress_losses": NO_STRESS})
    report = clear_day(registry, _trades(registry), holdings, store, due, instructions=prices)
    (penalty,) = [e for e in report.remedies.events if e.kind == "loan_penalty"]
    # 3.6: 130% of the lent value at today's price
    assert penalty.amount == 1000 * 12 * BAHT * 130 // 100
    assert store.balances()[cash_account("C")] == penalty.amount
    _sound(store)


def test_the_defaulter_repays_the_fund_with_interest(registry: MemberRegistry) -> None:
    store = MemoryStore()
    trades = _trades(registry, "1,2021-03-03,X,main,50.00,1000000,A,A-PRT,B,B-PRT")
    holdings = [_cash("A", 30_000_000), _cash("B", 10_000_000), _cash("C", 100_000_000),
                _shares("B", "X", 1_000_000)]
    clear_day(registry, trades, holdings, store, T, instructions=_day(registry, FUND))
    clear_day(registry, _trades(registry), holdings, store, SD)
    later = dt.date(2022, 3, 7)  # 367 days later; A has been paid 60M for selling X
    sale = _trades(registry, "2,2022-03-03,X,main,60.00,1000000,C,C-PRT,A,A-PRT")
    clear_day(registry, sale, holdings, store, later)
    assert store.balances()[cash_account("A")] == 60 * M
    repay = _day(registry, {"repayments": [{"member": "A", "default_date": "2021-03-05"}]})
    report = clear_day(registry, _trades(registry), holdings, store, later,
                       instructions=repay)
    (event,) = [e for e in report.remedies.events if e.kind == "repayment"]
    interest = round_half_up(Fraction(30 * M * 5 * 367, 100 * 365))  # decision C3
    assert event.amount == 30 * M + interest
    assert store.balances()[FUND_INCOME] == interest
    assert store.balances()[contribution_account("A")] == 10 * M
    assert store.balances()[SET_TRANCHE_1] == 60 * M
    _sound(store)


def test_the_month_end_posts_risk_based_contributions_and_bills_each_member() -> None:
    registry = registry_from_json({
        "members": [{"member": "A", "type": "gcm", "shareholders_equity": "600000000"},
                    {"member": "B", "type": "dcm", "shareholders_equity": "500000000",
                     "risk_tier": 3},
                    {"member": "K", "type": "settlement_agent",
                     "shareholders_equity": "200000000", "clearing_fund": False}],
        "accounts": [{"member": m, "account": f"{m}-PRT", "type": "portfolio"}
                     for m in ("A", "B")]})
    store = MemoryStore()
    trades = _trades(registry, "1,2021-03-03,X,main,50.00,1000000,A,A-PRT,B,B-PRT",
                     "2,2021-03-03,X,main,10.00,100,A,A-PRT,B,B-PRT")
    holdings = [_cash("A", 60_000_000), _shares("B", "X", 1_000_100), _cash("B", 1_000)]
    clear_day(registry, trades, holdings, store, SD)
    month = _day(registry, {"month_end": "2021-03"})
    report = clear_day(registry, _trades(registry), holdings, store, dt.date(2021, 3, 31),
                       instructions=month)
    assert report.month is not None
    value = 50_001_000 * BAHT  # each side's net settlement value settled in March
    # 3.7 [W-6]: 0.008% for tier 1, 0.016% for tier 3
    assert report.month.contributions == {"A": value * 8 // 100_000,
                                          "B": value * 16 // 100_000}
    assert store.balances()[contribution_account("B")] == 800_016  # 8,000.16 THB
    bills = {b.member: b for b in report.month.bills}
    assert (bills["A"].membership, bills["B"].membership, bills["K"].membership) == (
        15_000 * BAHT, 15_000 * BAHT, 7_500 * BAHT)
    # 3.8: 0.001% of each order, at most 350: 350 + 0.01 on each side
    assert bills["A"].clearing == 35_001 and bills["K"].clearing == 0
    again = clear_day(registry, _trades(registry), holdings, store, dt.date(2021, 3, 31),
                      instructions=month)
    assert again.month == report.month  # posted once
    assert store.balances()[contribution_account("B")] == 800_016  # 8,000.16 THB
    _sound(store)


def _psms(op: str, at: str, **fields: Any) -> dict[str, Any]:
    return {"op": op, "at": f"2021-03-0{at}", **fields}


def _instruction(id_: str, by: str, side: str) -> dict[str, Any]:
    return {"id": id_, "member": "A", "agent": "K", "entered_by": by, "client_ref": "C1",
            "type": "clearing_to_custodian", "side": side, "symbol": "X", "quantity": 1000,
            "amount": "20000.00", "trade_date": "2021-03-03", "settlement_date": "2021-03-05"}


def test_a_custodians_pair_is_matched_across_days_settles_on_sd_and_is_billed() -> None:
    registry = registry_from_json({
        "members": [{"member": "A", "type": "gcm", "shareholders_equity": "600000000"},
                    {"member": "K", "type": "settlement_agent",
                     "shareholders_equity": "200000000", "clearing_fund": False}],
        "accounts": [{"member": "A", "account": "A-CLT", "type": "client"}]})
    store = MemoryStore()
    holdings = [Holding("A", AccountType.CLIENT, "X", 1000), _cash("K", 20_000)]
    entered = _day(registry, {"psms": [
        _psms("create", "3T16:00:00", **_instruction("m1", "member", "deliver")),
        _psms("create", "3T17:00:00", **_instruction("k1", "agent", "receive")),
        _psms("edit", "3T17:30:00", id="m1", quantity=999)]})
    first = clear_day(registry, _trades(registry), holdings, store, T, instructions=entered)
    assert first.psms is not None
    assert [a.accepted for a in first.psms.answers] == [True, True, True]
    # the edit made the two sides differ: the match is refused, then the edit undone
    matched = _day(registry, {"psms": [
        _psms("match", "4T10:00:00", id="m1", other="k1"),
        _psms("edit", "4T10:01:00", id="m1", quantity=1000),
        _psms("match", "4T10:02:00", id="m1", other="k1")]})
    second = clear_day(registry, _trades(registry), holdings, store, T1, instructions=matched)
    assert second.psms is not None
    refused = [a for a in second.psms.answers if not a.accepted]
    assert [(a.request.op, a.member) for a in refused] == [("match", "A")]
    again = clear_day(registry, _trades(registry), holdings, store, T1, instructions=matched)
    assert again.psms == second.psms  # answered once
    late = _day(registry, {"psms": [_psms("dematch", "5T11:00:01", id="m1")]})
    settled = clear_day(registry, _trades(registry), holdings, store, SD, instructions=late)
    assert settled.psms is not None
    (dematch,) = settled.psms.answers  # 3.4: de-match by 11:00 on SD
    assert not dematch.accepted and "11:00" in dematch.reason
    (result,) = settled.psms.results
    assert [m.id for m, _ in result.settled] == ["m1"] and result.failed == ()
    assert store.balances()[holdings_account("K", AccountType.CLIENT, "X")] == 1000
    assert store.balances()[cash_account("A")] == 20_000 * BAHT
    bill = clear_day(registry, _trades(registry), holdings, store, dt.date(2021, 3, 31),
                     instructions=_day(registry, {"month_end": "2021-03"}))
    assert bill.month is not None
    assert {b.member: b.psms for b in bill.month.bills} == {"A": 50 * BAHT, "K": 0}  # 3.8
    _sound(store)


def test_a_bad_psms_request_is_refused_alone_and_nothing_of_it_is_stored() -> None:
    registry = registry_from_json({
        "members": [{"member": "A", "type": "gcm", "shareholders_equity": "600000000"},
                    {"member": "K", "type": "settlement_agent",
                     "shareholders_equity": "200000000", "clearing_fund": False}],
        "accounts": [{"member": "A", "account": "A-CLT", "type": "client"}]})
    store = MemoryStore()
    day = _day(registry, {"psms": [
        _psms("create", "3T16:00:00", **{**_instruction("bad", "member", "deliver"),
                                         "trade_date": "1990-03-05"}),
        _psms("create", "3T16:00:00", **_instruction("m1", "member", "deliver"))]})
    report = clear_day(registry, _trades(registry), [_cash("K", 1)], store, T,
                       instructions=day)
    assert report.psms is not None
    bad, good = report.psms.answers
    assert (bad.member, bad.accepted, good.accepted) == ("A", False, True)
    assert "1990-03-05" in bad.reason and "business days of the calendar" in bad.reason
    assert '"bad"' not in (store.get_document("psms:book") or "")
    assert '"m1"' in (store.get_document("psms:book") or "")


def test_a_borrower_returns_its_loan_early_in_the_windows_it_is_allowed(
        registry: MemberRegistry) -> None:
    store = MemoryStore()
    trades = _trades(registry, "1,2021-03-03,X,main,10.00,1000,A,A-PRT,B,B-PRT")
    holdings = [_cash("A", 20_000), _cash("B", 20_000), _shares("C", "X", 1000)]
    clear_day(registry, trades, holdings, store, T)
    lend = _day(registry, {"lending_offers": [{"lender": "C", "security": "X", "qty": 1000}],
                           "stress_losses": NO_STRESS})
    clear_day(registry, _trades(registry), holdings, store, SD, instructions=lend)
    # B buys its shares back from A, for settlement on 10 March
    back = _trades(registry, "2,2021-03-08,X,main,10.00,1000,B,B-PRT,A,A-PRT")
    clear_day(registry, back, holdings, store, dt.date(2021, 3, 8))
    returns = _day(registry, {"stress_losses": NO_STRESS, "loan_returns": [
        {"borrower": "B", "security": "X", "at": "2021-03-10T13:30:00"},
        {"borrower": "B", "security": "X", "at": "2021-03-10T16:30:00"}]})
    report = clear_day(registry, _trades(registry), holdings, store, dt.date(2021, 3, 10),
                       instructions=returns)
    events = [(e.kind, e.detail) for e in report.remedies.events
              if e.kind.startswith("loan_return")]
    # 3.4: 13:15-14:15 is not an early-return window; after settlement B holds the shares
    assert events == [("loan_return_refused", "13:30:00 is outside the early-return windows "
                                              "(3.4)"),
                      ("loan_returned", "early, to C")]
    assert store.balances()[holdings_account("C", PRT, "X")] == 1000
    _sound(store)


def test_a_lender_the_borrower_cannot_pay_is_made_whole_by_the_waterfall(
        registry: MemberRegistry) -> None:
    store = MemoryStore()
    trades = _trades(registry, "1,2021-03-03,X,main,10.00,1000,A,A-PRT,B,B-PRT")
    holdings = [_cash("A", 10_000), _cash("B", 13_000), _shares("C", "X", 1000)]
    fund = _day(registry, {"set_fund": {"tranche_2": "0", "reserve_fund": "0"}})
    clear_day(registry, trades, holdings, store, T, instructions=fund)
    lend = _day(registry, {"lending_offers": [{"lender": "C", "security": "X", "qty": 1000}],
                           "stress_losses": NO_STRESS})
    clear_day(registry, _trades(registry), holdings, store, SD, instructions=lend)
    # X triples: the top-up of 26,000 finds 10,000 in B's cash (its released receivable)
    up = _day(registry, {"prices": {"X": "30.00"}, "stress_losses": NO_STRESS})
    report = clear_day(registry, _trades(registry), holdings, store, SD1, instructions=up)
    short = [(e.kind, e.amount) for e in report.remedies.events if e.kind.startswith("loan_")]
    assert short == [("loan_marked", 10_000 * BAHT), ("loan_collateral_short", 16_000 * BAHT)]
    due = dt.date(2021, 3, 15)
    report = clear_day(registry, _trades(registry), holdings, store, due, instructions=up)
    # 3.6: the lender gets 130% of 30,000; the collateral paid 23,000, SET's tranche the rest
    (default,) = report.remedies.defaults
    assert (default.member, default.waterfall.loss) == ("B", 16_000 * BAHT)
    assert default.waterfall.uses[Layer.SET_TRANCHE_1] == 16_000 * BAHT
    assert store.balances()[cash_account("C")] == 39_000 * BAHT
    _sound(store)


def test_a_receiver_that_never_paid_is_served_by_no_remedy(registry: MemberRegistry) -> None:
    store = MemoryStore()
    holdings = [_cash("A", 100), _cash("B", 100)]
    trades = _trades(registry, "1,2021-03-03,X,main,20.00,1000,A,A-PRT,B,B-PRT")
    clear_day(registry, trades, holdings, store, T)
    # no fund: A's payment default is uncovered, and TCH holds nothing to withhold for B
    report = clear_day(registry, _trades(registry), holdings, store, SD)
    assert [d.waterfall.uncovered for d in report.remedies.defaults] == [19_900 * BAHT]
    report = clear_day(registry, _trades(registry), holdings, store, SD1)
    assert store.balances()[cash_account("A")] == 100 * BAHT  # its own: no cash in lieu
    _sound(store)


def test_a_trade_date_given_again_without_its_gross_choice_settles_in_the_net_once(
        registry: MemberRegistry) -> None:
    store = MemoryStore()
    trades = _trades(registry, "R1,2021-03-03,X,big_lot,100.00,600000,A,A-PRT,B,B-PRT")
    holdings = [_cash("A", 200_000_000), _shares("B", "X", 1_200_000)]
    gross = _day(registry, {"book": [
        {"op": "gross", "trade_id": "R1", "value": "2021-03-05", "at": "2021-03-03T14:00:00"},
        {"op": "gross_confirm", "trade_id": "R1", "at": "2021-03-03T13:00:00"}]})
    clear_day(registry, trades, holdings, store, T, instructions=gross)
    clear_day(registry, trades, holdings, store, T1)  # T's file again, without the choice
    report = clear_day(registry, _trades(registry), holdings, store, SD)
    assert all(g.settled == () for g in report.gross)
    assert store.balances()[holdings_account("A", PRT, "X")] == 600_000
    assert store.balances()[cash_account("B")] == 60 * M
    _sound(store)


def test_a_refused_run_posts_nothing_first(registry: MemberRegistry) -> None:
    store = MemoryStore()
    short = _day(registry, {"set_fund": {"tranche_2": "1.00", "reserve_fund": "1.00"},
                            "contributions": [{"member": "A", "amount": "1000.00", "ref": "i"}]})
    trades = _trades(registry, "1,2021-03-03,X,main,20.00,1000,A,A-PRT,B,B-PRT")
    with pytest.raises(SiamexError) as refused:
        clear_day(registry, trades, [_cash("A", 100)], store, T, instructions=short)
    assert refused.value.code is ErrorCode.INSTRUCTIONS_FILE
    report = _trades(registry, "R1,2021-03-03,X,big_lot,100.00,600000,A,A-PRT,B,B-PRT")
    moved = _day(registry, {"book": [
        {"op": "board", "trade_id": "R1", "side": "buy", "value": "foreign",
         "at": "2021-03-03T10:00:00"},
        {"op": "gross", "trade_id": "R1", "value": "2021-03-03", "at": "2021-03-03T09:00:00"},
        {"op": "gross_confirm", "trade_id": "R1", "at": "2021-03-03T09:30:00"}]})
    answers = clear_day(registry, report, [_cash("A", 100)], store, T, instructions=moved).book
    # the gross item is confirmed on legs moved to two boards: refused alone (decision 79)
    assert [(a.accepted, a.code) for a in answers] == [(True, ""), (True, ""),
                                                       (False, "NOT_IMPLEMENTED")]
    assert store.get_document("clearing:gross-dates") in (None, "[]")


def test_an_evening_deposit_comes_after_the_days_settlement(registry: MemberRegistry) -> None:
    store = MemoryStore()
    holdings = [_cash("A", 200_000), _shares("B", "X", 10_000)]
    clear_day(registry, _trades(registry, "1,2021-03-03,X,main,20.00,10000,A,A-PRT,B,B-PRT"),
              holdings, store, T)
    late = _day(registry, {"stress_losses": NO_STRESS, "collateral": [
        {"member": "A", "op": "deposit", "asset": "THB", "qty": "200000.00",
         "at": "2021-03-05T18:00:00", "ref": "eve"}]})
    report = clear_day(registry, _trades(registry), holdings, store, SD, instructions=late)
    assert report.settled[0].rounds[0].payment_fails == ()  # A paid at 14:00 first
    assert report.collateral is not None
    (deposit,) = report.collateral.requests
    assert not deposit.accepted  # by 18:00 its cash had gone to pay for X
    _sound(store)


def test_a_month_closed_twice_takes_its_contributions_once() -> None:
    registry = registry_from_json({
        "members": [{"member": m, "type": "gcm", "shareholders_equity": "600000000"}
                    for m in ("A", "B")],
        "accounts": [{"member": m, "account": f"{m}-PRT", "type": "portfolio"}
                     for m in ("A", "B")]})
    store = MemoryStore()
    holdings = [_cash("A", 60_000_000), _shares("B", "X", 1_000_000)]
    clear_day(registry, _trades(registry, "1,2021-03-03,X,main,50.00,1000000,A,A-PRT,B,B-PRT"),
              holdings, store, SD)
    month = _day(registry, {"month_end": "2021-03"})
    for day in (dt.date(2021, 3, 30), dt.date(2021, 3, 31)):
        clear_day(registry, _trades(registry), holdings, store, day, instructions=month)
    assert store.balances()[contribution_account("A")] == 50 * M * 8 // 100_000


class _DiesBefore(MemoryStore):
    """Dies once, in the commit that writes a document whose name starts with `prefix`,
    before any of that commit is stored."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix: str | None = prefix

    def commit(self, transactions: Sequence[Transaction] = (),
               documents: Mapping[str, str] | None = None) -> list[Outcome]:
        prefix = self.prefix
        if prefix is not None and any(name.startswith(prefix) for name in documents or {}):
            self.prefix = None
            raise RuntimeError(f"died committing {prefix}")
        return super().commit(transactions, documents)


def test_a_settlement_day_resumed_after_a_crash_ends_as_an_uninterrupted_one(
        registry: MemberRegistry) -> None:
    trades = _trades(registry, "1,2021-03-03,X,main,50.00,1000000,A,A-PRT,B,B-PRT")
    holdings = [_cash("A", 30_000_000), _cash("B", 10_000_000), _cash("C", 10_000_000),
                _shares("B", "X", 1_000_000)]
    whole, dying = MemoryStore(), _DiesBefore("clearing:settled:")
    for store in (whole, dying):
        clear_day(registry, trades, holdings, store, T, instructions=_day(registry, FUND))
    expected = clear_day(registry, _trades(registry), holdings, whole, SD,
                         instructions=_day(registry, {}))
    with pytest.raises(RuntimeError):
        clear_day(registry, _trades(registry), holdings, dying, SD,
                  instructions=_day(registry, {}))
    resumed = clear_day(registry, _trades(registry), holdings, dying, SD,
                        instructions=_day(registry, {}))
    assert resumed.remedies == expected.remedies
    assert dying.balances() == whole.balances()
    _sound(dying)


def test_per_account_netting_keeps_two_payment_defaults_of_one_member_apart() -> None:
    rules = ClearingRules({"cash_netting": "account"})  # decision C2
    registry = registry_from_json({
        "members": [{"member": m, "type": "gcm", "shareholders_equity": "600000000"}
                    for m in ("A", "B")],
        "accounts": [{"member": m, "account": f"{m}-{kind[:3]}", "type": kind}
                     for m in ("A", "B") for kind in ("portfolio", "client")]}, rules)
    trades = trades_from_csv([HEADER, "1,2021-03-03,X,main,10.00,1000,A,A-por,B,B-por",
                              "2,2021-03-03,X,main,10.00,1000,A,A-cli,B,B-cli"], registry,
                             rules=rules)
    holdings = [Holding("A", PRT, "THB", 100), Holding("A", AccountType.CLIENT, "THB", 200),
                Holding("B", PRT, "X", 1000), Holding("B", AccountType.CLIENT, "X", 1000)]
    store = MemoryStore()
    fund = instructions_from_json({"set_fund": {"tranche_2": "0", "reserve_fund": "0"}},
                                  registry)
    clear_day(registry, trades, holdings, store, T, rules, fund)
    report = clear_day(registry, trades_from_csv([HEADER], registry, rules=rules), holdings,
                       store, SD, rules, instructions_from_json({}, registry))
    assert sorted(d.ref for d in report.remedies.defaults) == [
        "payment:2021-03-05:client", "payment:2021-03-05:portfolio"]
    # each type's seller is paid from the waterfall, into its own type's cash
    assert store.balances()[cash_account("B", AccountType.CLIENT)] == 10_000 * BAHT
    assert store.balances()[cash_account("B", PRT)] == 10_000 * BAHT
    _sound(store)


def test_a_settlement_date_no_run_took_settles_its_payment_default_later(
        registry: MemberRegistry) -> None:
    store = MemoryStore()
    holdings = [_cash("A", 100), _shares("B", "X", 1000), _cash("C", 10)]
    trades = _trades(registry, "1,2021-03-03,X,main,20.00,1000,A,A-PRT,B,B-PRT")
    clear_day(registry, trades, holdings, store, T,
              instructions=_day(registry, {"set_fund": {"tranche_2": "0", "reserve_fund": "0"}}))
    report = clear_day(registry, _trades(registry), holdings, store, SD1)  # SD had no run
    (default,) = report.remedies.defaults
    assert default.ref == "payment:2021-03-05" and default.waterfall.loss == 19_900 * BAHT
    assert store.balances()[cash_account("B")] == 20_000 * BAHT
    _sound(store)


def test_pledged_shares_the_days_quotes_do_not_price_refuse_the_run_before_any_posting(
        registry: MemberRegistry) -> None:
    store = MemoryStore()
    quote = {"X": {"kind": "set_listed_share", "price": "20.00", "haircut_pct": "30"}}
    pledge = _day(registry, {"stress_losses": NO_STRESS, "collateral_quotes": quote,
                             "collateral": [{"member": "B", "op": "deposit", "asset": "X",
                                             "qty": 1000, "at": "2021-03-03T09:00:00",
                                             "ref": "p1"}]})
    report = clear_day(registry, _trades(registry), [_shares("B", "X", 1000)], store, T,
                       instructions=pledge)
    assert report.collateral is not None and report.collateral.requests[0].accepted
    before = store.transactions()
    unquoted = _day(registry, {"stress_losses": NO_STRESS})
    trades = _trades(registry, "1,2021-03-04,X,main,20.00,100,A,A-PRT,B,B-PRT")
    with pytest.raises(SiamexError) as refused:
        clear_day(registry, trades, [_shares("B", "X", 1000)], store, T1,
                  instructions=unquoted)
    assert refused.value.code is ErrorCode.INSTRUCTIONS_FILE
    assert "B holds X as risk collateral" in refused.value.message
    assert store.transactions() == before
    clear_day(registry, trades, [_shares("B", "X", 1000)], store, T1,
              instructions=_day(registry, {"stress_losses": NO_STRESS,
                                           "collateral_quotes": quote}))
