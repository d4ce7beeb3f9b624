"""A run date's fund and risk-collateral steps (clearing-spec.md 3.4, 3.5, 3.7): the members'
contributions and SET's resources, all or none; the measures at the start of the day; the
requests in time order around the 11:00 call debit, a refused one reported with its reason and
changing nothing; withdrawals paid by the end of the day; and a day run twice ending the same."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction

import pytest

from siamex.clearing.day.collateral import collateral_day
from siamex.clearing.day.instructions import DayInstructions
from siamex.clearing.default.fund import (
    RESERVE_FUND,
    SET_TRANCHE_1,
    SET_TRANCHE_2,
    Contribution,
    contribution_account,
)
from siamex.clearing.equities.settlement import issue
from siamex.clearing.foundations.accounts import cash_account, collateral_account, holdings_account
from siamex.clearing.foundations.ledger import THB, Ledger
from siamex.clearing.foundations.members import AccountType, Member, MemberRegistry, MemberType
from siamex.clearing.foundations.state import COLLATERAL_CALL, COLLATERAL_WITHDRAWALS
from siamex.clearing.foundations.store import MemoryStore
from siamex.clearing.reports.day_report import CollateralDay, RequestResult
from siamex.clearing.risk.collateral import (
    CallDebit,
    CollateralDefault,
    CollateralOperation,
    CollateralQuote,
    CollateralRequest,
    RiskCollateralAccount,
)
from siamex.clearing.risk.exposures import Exposure
from siamex.clearing.risk.measures import AssetKind
from siamex.errors import ErrorCode, SiamexError

BAHT = 100
M = 1_000_000 * BAHT  # satang in 1,000,000 THB
OPEN = dt.date(2021, 4, 9)
DAY = dt.date(2021, 4, 12)
REGISTRY = MemberRegistry([Member("A", MemberType.GCM, 600 * M, net_capital=10 * M),
                           Member("B", MemberType.GCM, 600 * M)], [])
# A receives 200,000 X bought at 100.00, at a 10% risk rate: PFE 2M less its tolerance of 1M
# (10% of its 10M net capital) is an EWS of 1M, its requirement; B has nothing pending
EXPOSURES = (Exposure("A", "client", "X", 200_000, 200_000 * 100 * BAHT),)
NET_CASH = {"A": [-20 * M]}
PRICES = {"X": 100 * BAHT}
QUOTES = {"LB26": CollateralQuote(AssetKind.THAI_GOVT_BOND, 1_000 * BAHT, Fraction(5))}
SET_FUND = (100 * M, 1_000 * M)  # with tranche 1's 60M, far above any stress loss here


def _at(hhmm: str) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time.fromisoformat(hhmm))


def _store(cash_a: int = 5 * M, cash_b: int = 5 * M, held_a: int = 0) -> MemoryStore:
    """A and B with cash and 1,000 LB26 bonds; A holding `held_a` of THB risk collateral."""
    store = MemoryStore()
    issue(store, OPEN, {cash_account("A"): cash_a + held_a, cash_account("B"): cash_b,
                        holdings_account("A", AccountType.PORTFOLIO, "LB26"): 1_000,
                        holdings_account("B", AccountType.PORTFOLIO, "LB26"): 1_000})
    if held_a:
        RiskCollateralAccount(store, "A", "A").deposit_cash("opening", held_a,
                                                            dt.datetime(2021, 4, 9, 9, 0))
    return store


def _request(member: str, op: str, qty: int, hhmm: str, ref: str,
             asset: str = THB) -> CollateralRequest:
    return CollateralRequest(member, CollateralOperation(op), asset, qty, _at(hhmm),
                             ref)


def _day(store: MemoryStore, *requests: CollateralRequest,
         contributions: tuple[Contribution, ...] = (),
         set_fund: tuple[int, int] | None = SET_FUND) -> CollateralDay:
    instructions = DayInstructions(risk_pct={"X": Fraction(10)}, collateral=requests,
                                   collateral_quotes=QUOTES, contributions=contributions,
                                   set_fund=set_fund)
    return collateral_day(store, REGISTRY, DAY, instructions, EXPOSURES, NET_CASH, PRICES)


def _snapshot(store: MemoryStore) -> tuple[object, ...]:
    return store.balances(), len(store.transactions())


def _sound(store: MemoryStore) -> None:
    assert Ledger.from_transactions(store.transactions()).check_invariants() == []


def test_the_measures_are_taken_and_the_call_debited_at_eleven() -> None:
    store = _store()
    day = _day(store)
    assert day.risk["A"].call.ews == 1 * M and day.risk["A"].call.required == 1 * M
    assert day.risk["B"].call.required == 0
    assert day.debits == {"A": CallDebit("A", DAY, 1 * M, 0, 1 * M, 1 * M),
                          "B": CallDebit("B", DAY, 0, 0, 0, 0)}
    assert day.held == {"A": 1 * M, "B": 0}
    assert store.balances()[cash_account("A")] == 4 * M
    assert store.balances()[collateral_account("A")] == 1 * M
    assert day.requests == ()
    _sound(store)


def test_contributions_and_set_resources_are_posted_before_the_measures() -> None:
    store = _store()
    day = _day(store, contributions=(Contribution("A", 3 * M, "initial"),
                                     Contribution("B", 2 * M, "initial"),
                                     Contribution("A", 1 * M, "risk-based")))
    balances = store.balances()
    assert balances[contribution_account("A")] == 4 * M
    assert balances[contribution_account("B")] == 2 * M
    assert (balances[SET_TRANCHE_1], balances[SET_TRANCHE_2], balances[RESERVE_FUND]) == (
        60 * M, 100 * M, 1_000 * M)
    assert day.financial_resources == (4 + 2 + 60 + 100 + 1_000) * M
    assert balances.get(cash_account("A"), 0) == 5 * M - 4 * M - 1 * M  # and the 1M call
    assert balances[cash_account("B")] == 3 * M
    _sound(store)


def test_contributions_beyond_a_members_cash_are_refused_as_a_whole() -> None:
    store = _store(cash_a=4 * M)
    before = _snapshot(store)
    with pytest.raises(SiamexError) as caught:
        _day(store, contributions=(Contribution("B", 1 * M, "initial"),
                                   Contribution("A", 3 * M, "initial"),
                                   Contribution("A", 2 * M, "risk-based")))
    assert caught.value.code is ErrorCode.INSTRUCTIONS_FILE
    assert caught.value.message == "contributions of A (500000000 satang) exceed its cash"
    assert _snapshot(store) == before  # neither B's contribution nor SET's resources


def test_a_cash_deposit_before_eleven_reduces_the_call_debit() -> None:
    store = _store()
    day = _day(store, _request("A", "deposit", 400_000 * BAHT, "09:00", "d1"))
    assert day.requests == (RequestResult(_request("A", "deposit", 400_000 * BAHT, "09:00",
                                                   "d1"), True),)
    assert day.debits["A"] == CallDebit("A", DAY, 1 * M, 400_000 * BAHT, 600_000 * BAHT,
                                        600_000 * BAHT)
    assert day.held["A"] == 1 * M
    assert store.balances()[cash_account("A")] == 4 * M
    # after the call it comes too late to count: the whole 1M is debited, then the deposit
    late_store = _store()
    late = _day(late_store, _request("A", "deposit", 400_000 * BAHT, "11:30", "d1"))
    assert late.debits["A"].debited == 1 * M
    assert late.held["A"] == 1_400_000 * BAHT
    assert late_store.balances()[cash_account("A")] == 3_600_000 * BAHT
    _sound(store)


def test_a_non_cash_deposit_counts_after_haircut_and_closes_at_ten_for_a_called_member() -> None:
    store = _store()
    day = _day(store, _request("A", "deposit", 200, "10:00", "bonds", "LB26"),
               _request("A", "deposit", 100, "10:30", "late-bonds", "LB26"),
               _request("B", "deposit", 100, "10:30", "bonds", "LB26"))
    accepted = [(r.request.member, r.request.ref, r.accepted) for r in day.requests]
    assert accepted == [("A", "bonds", True), ("A", "late-bonds", False), ("B", "bonds", True)]
    assert "non-cash deposits close at 10:00 for a called member" in day.requests[1].reason
    # 200 bonds at 1,000.00 less 5% count 190,000 THB: the call is the rest of the 1M
    assert day.debits["A"].held == 190_000 * BAHT and day.debits["A"].debited == 810_000 * BAHT
    assert day.held == {"A": 1 * M, "B": 95_000 * BAHT}
    assert store.balances()[holdings_account("A", AccountType.PORTFOLIO, "LB26")] == 800
    _sound(store)


def test_a_withdrawal_above_the_excess_is_refused_and_changes_nothing() -> None:
    request = _request("A", "withdraw", 600_000 * BAHT, "09:30", "w1")
    store, without = _store(held_a=1_500_000 * BAHT), _store(held_a=1_500_000 * BAHT)
    day = _day(store, request)
    _day(without)
    [answer] = day.requests
    assert answer.request == request and not answer.accepted
    # A holds 1.5M against a requirement of 1M: an excess of 0.5M
    assert answer.reason.startswith("withdrawal w1: ") and "exceeds the excess" in answer.reason
    assert store.balances() == without.balances()
    assert not COLLATERAL_WITHDRAWALS.exists(store, DAY, "A")
    assert day.debits["A"].call == 0 and day.held["A"] == 1_500_000 * BAHT


def test_refusals_and_measures_are_recorded_under_the_names_stores_already_hold() -> None:
    store = _store(held_a=1_500_000 * BAHT)
    day = _day(store, _request("A", "withdraw", 600_000 * BAHT, "09:30", "w1"))
    [answer] = day.requests
    assert json.loads(store.get_document("collateral-day:2021-04-12:refused") or "") == {
        "A:withdraw:w1": answer.reason}
    assert json.loads(store.get_document("collateral-day:2021-04-12:measured") or "") == {
        "financial_resources": day.financial_resources, "held": {"A": 1_500_000 * BAHT, "B": 0}}


def test_a_cash_withdrawal_requested_by_ten_within_the_excess_is_paid() -> None:
    store = _store(held_a=1_500_000 * BAHT)
    day = _day(store, _request("A", "withdraw", 500_000 * BAHT, "10:00", "w1"),
               _request("A", "withdraw", 1, "10:01", "w2"))
    assert [r.accepted for r in day.requests] == [True, False]
    assert "requested by 10:00 or 13:15-14:00, not 10:01" in day.requests[1].reason
    # the accepted withdrawal is on its way out at 11:00: the call sees 1M held, and none is due
    assert day.debits["A"] == CallDebit("A", DAY, 1 * M, 1 * M, 0, 0)
    assert day.held["A"] == 1 * M
    assert store.balances()[cash_account("A")] == 5_500_000 * BAHT
    [paid] = RiskCollateralAccount(store, "A", "A").withdrawals(DAY)
    assert paid.paid and paid.pay_at == _at("11:00")
    _sound(store)


def test_the_call_debit_takes_the_cash_there_is_and_reports_the_shortfall() -> None:
    store = _store(cash_a=300_000 * BAHT)
    day = _day(store)
    debit = day.debits["A"]
    assert (debit.call, debit.debited) == (1 * M, 300_000 * BAHT)
    assert debit.default == CollateralDefault("A", DAY, 700_000 * BAHT)
    assert day.debits["B"].default is None
    assert cash_account("A") not in store.balances()
    assert day.held["A"] == 300_000 * BAHT
    _sound(store)


def test_a_request_dated_another_day_refuses_the_run_before_anything_is_posted() -> None:
    store = _store()
    before = _snapshot(store)
    stray = CollateralRequest("A", CollateralOperation.DEPOSIT, THB, 1,
                              dt.datetime(2021, 4, 9, 9, 0), "old")
    with pytest.raises(SiamexError) as caught:
        _day(store, stray, contributions=(Contribution("A", 1 * M, "initial"),))
    assert caught.value.code is ErrorCode.INSTRUCTIONS_FILE
    assert "collateral request old is dated 2021-04-09, not the run date 2021-04-12" in str(
        caught.value)
    assert _snapshot(store) == before


def test_a_day_run_twice_ends_as_a_day_run_once() -> None:
    store = _store(cash_b=6 * M)
    requests = (
        _request("A", "withdraw", 200_000 * BAHT, "09:00", "early"),  # no excess yet: refused
        _request("A", "deposit", 300_000 * BAHT, "09:30", "d1"),
        _request("B", "deposit", 2 * M, "08:00", "d1"),
        _request("B", "withdraw", 500_000 * BAHT, "09:45", "w1"),  # from B's excess: paid
        _request("A", "deposit", 500_000 * BAHT, "12:00", "d2"),  # after the call
        _request("B", "withdraw", 1, "13:15", "w2"),
    )
    contributions = (Contribution("A", 1 * M, "initial"), Contribution("B", 1 * M, "initial"))
    first = _day(store, *requests, contributions=contributions)
    # answered in time order
    assert [(r.request.member, r.request.ref, r.accepted) for r in first.requests] == [
        ("B", "d1", True), ("A", "early", False), ("A", "d1", True), ("B", "w1", True),
        ("A", "d2", True), ("B", "w2", True)]
    after = _snapshot(store)
    records = (COLLATERAL_CALL.get(store, DAY, "A"), COLLATERAL_WITHDRAWALS.get(store, DAY, "B"))
    second = _day(store, *requests, contributions=contributions)
    assert second == first
    assert _snapshot(store) == after
    assert (COLLATERAL_CALL.get(store, DAY, "A"),
            COLLATERAL_WITHDRAWALS.get(store, DAY, "B")) == records
    assert first.held == {"A": 1_500_000 * BAHT, "B": 1_500_000 * BAHT - 1}
    _sound(store)
