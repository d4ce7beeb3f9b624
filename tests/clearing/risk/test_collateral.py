"""Risk collateral at TCH over the ledger (clearing-spec.md 3.4, 3.5, example E2)."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction

import pytest

from siamex.clearing.equities.settlement import issue
from siamex.clearing.foundations.ledger import (
    CASH,
    SECURITIES,
    THB,
    Account,
    AccountType,
    Ledger,
    Outcome,
)
from siamex.clearing.foundations.state import COLLATERAL_WITHDRAWALS
from siamex.clearing.foundations.store import MemoryStore
from siamex.clearing.risk.collateral import (
    CallDebit,
    CollateralDefault,
    CollateralQuote,
    CollateralRefused,
    RiskCollateralAccount,
)
from siamex.clearing.risk.measures import AssetKind, IneligibleCollateral

DAY = dt.date(2026, 11, 24)
MILLION = 100_000_000  # satang in 1,000,000 THB
QUOTES = {
    "PTT": CollateralQuote(AssetKind.SET_LISTED_SHARE, 3_000, Fraction(20), "PTT-GROUP"),
    "LB26": CollateralQuote(AssetKind.THAI_GOVT_BOND, 100_000, Fraction(5)),
    "KGI": CollateralQuote(AssetKind.SET_LISTED_SHARE, 500, Fraction(20), "KGI-GROUP"),
}


def at(hhmm: str) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time.fromisoformat(hhmm))


def member(cash: int = 5 * MILLION, shares: int = 100_000) -> RiskCollateralAccount:
    store = MemoryStore()
    issue(store, DAY, {
        Account("M1", CASH, None, THB): cash,
        Account("M1", SECURITIES, AccountType.PORTFOLIO, "PTT"): shares,
        Account("M1", SECURITIES, AccountType.PORTFOLIO, "KGI"): shares,
        Account("M1", SECURITIES, AccountType.PORTFOLIO, "LB26"): 1_000,
    })
    return RiskCollateralAccount(store, "M1", "KGI-GROUP")


def sound(account: RiskCollateralAccount) -> list[str]:
    return Ledger.from_transactions(account.store.transactions()).check_invariants()


def snapshot(account: RiskCollateralAccount) -> tuple[object, ...]:
    store = account.store
    return (store.balances(), len(store.transactions()),
            COLLATERAL_WITHDRAWALS.get(store, DAY, "M1"))


def test_withdrawals_and_the_call_are_recorded_under_the_names_stores_already_hold() -> None:
    m = member()
    m.deposit_cash("d1", 2 * MILLION, at("09:00"))
    m.request_withdrawal("w1", THB, MILLION // 2, at("09:30"), 1 * MILLION, QUOTES)
    m.debit_call(at("11:00"), 2 * MILLION, QUOTES)
    assert json.loads(m.store.get_document(f"risk-collateral:{DAY}:M1:withdrawals") or "") == [
        {"ref": "w1", "asset": THB, "quantity": MILLION // 2,
         "requested_at": "2026-11-24T09:30:00", "pay_at": "2026-11-24T11:00:00", "paid": False}]
    # the half million on its way out does not count: 1.5M held against 2M, a 0.5M call
    assert json.loads(m.store.get_document(f"risk-collateral:{DAY}:M1:call") or "") == {
        "member": "M1", "day": "2026-11-24", "required": 2 * MILLION, "held": 3 * MILLION // 2,
        "call": MILLION // 2, "debited": MILLION // 2}


def test_e2_call_of_two_million_debited_at_eleven() -> None:
    m = member()
    m.deposit_cash("d1", 1 * MILLION, at("09:00"))
    # E2: required 3.0M (CAP), 1.0M held -> call 2.0M, debited from cash at 11:00
    debit = m.debit_call(at("11:00"), 3 * MILLION, QUOTES)
    assert debit == CallDebit("M1", DAY, 3 * MILLION, 1 * MILLION, 2 * MILLION, 2 * MILLION)
    assert debit.default is None
    assert m.held(QUOTES) == 3 * MILLION
    assert m.store.balances()[m.cash] == 2 * MILLION
    assert sound(m) == []


def test_call_shortfall_is_a_collateral_default() -> None:
    m = member(cash=MILLION // 2)
    debit = m.debit_call(at("11:00"), 2 * MILLION, QUOTES)
    assert debit.debited == MILLION // 2
    assert debit.default == CollateralDefault("M1", DAY, 3 * MILLION // 2)
    assert m.cash not in m.store.balances()
    assert sound(m) == []


def test_no_call_when_held_covers_the_requirement() -> None:
    m = member()
    m.deposit_cash("d1", 3 * MILLION, at("08:00"))
    debit = m.debit_call(at("11:00"), 3 * MILLION, QUOTES)
    assert (debit.call, debit.debited, debit.default) == (0, 0, None)


def test_the_call_is_not_debited_before_eleven() -> None:
    m = member()
    with pytest.raises(CollateralRefused, match="not due until 11:00"):
        m.debit_call(at("10:59"), 3 * MILLION, QUOTES)


def test_call_debit_is_idempotent() -> None:
    m = member()
    m.deposit_cash("d1", 1 * MILLION, at("09:00"))
    first = m.debit_call(at("11:00"), 3 * MILLION, QUOTES)
    count = len(m.store.transactions())
    # The re-run sees 3.0M held but returns the recorded debit and posts nothing again.
    assert m.debit_call(at("11:05"), 3 * MILLION, QUOTES) == first
    assert len(m.store.transactions()) == count


@pytest.mark.parametrize(("time", "called", "ok"), [
    ("10:00", True, True),    # a called member's cut-off, inclusive
    ("10:01", True, False),
    ("10:01", False, True),   # not called: until 19:00
    ("19:00", False, True),
    ("19:01", False, False),
    ("13:25", False, False),  # blackout 1 starts
    ("14:14", False, False),
    ("14:15", False, True),   # and ends
    ("15:10", False, False),  # blackout 2
    ("16:15", False, True),
])
def test_non_cash_deposit_windows(time: str, called: bool, ok: bool) -> None:
    m = member()
    before = snapshot(m)
    if ok:
        assert m.deposit("d1", "PTT", 10_000, at(time), QUOTES, called=called) is Outcome.APPLIED
        # 30 THB x 10,000 less 20% = 240,000 THB
        assert m.held(QUOTES) == 24_000_000
    else:
        with pytest.raises(CollateralRefused):
            m.deposit("d1", "PTT", 10_000, at(time), QUOTES, called=called)
        assert snapshot(m) == before
    assert sound(m) == []


def test_cash_deposit_has_no_window() -> None:
    m = member()
    assert m.deposit_cash("d1", 100, at("13:30")) is Outcome.APPLIED


def test_own_group_shares_refused() -> None:
    m = member()
    before = snapshot(m)
    with pytest.raises(IneligibleCollateral, match="own group"):
        m.deposit("d1", "KGI", 1_000, at("09:00"), QUOTES, called=False)
    assert snapshot(m) == before


def test_deposit_more_than_held_refused() -> None:
    m = member(shares=10)
    with pytest.raises(CollateralRefused, match="holds 10"):
        m.deposit("d1", "PTT", 11, at("09:00"), QUOTES, called=False)


@pytest.mark.parametrize(("requested", "paid"), [("10:00", "11:00"), ("13:15", "15:00"),
                                                 ("14:00", "15:00")])
def test_cash_withdrawal_within_excess_paid_at_its_time(requested: str, paid: str) -> None:
    m = member()
    m.deposit_cash("d1", 3 * MILLION, at("08:00"))
    w = m.request_withdrawal("w1", THB, MILLION, at(requested), 2 * MILLION, QUOTES)
    assert w.pay_at == at(paid)
    cash = m.store.balances()[m.cash]
    assert m.pay_withdrawals(at(paid) - dt.timedelta(seconds=1)) == []
    assert m.excess(DAY, 2 * MILLION, QUOTES) == 0  # the accepted request holds its share
    [done] = m.pay_withdrawals(at(paid))
    assert done.paid
    assert m.store.balances()[m.cash] == cash + MILLION
    assert m.held(QUOTES) == 2 * MILLION
    assert m.pay_withdrawals(at("18:00")) == []
    assert sound(m) == []


@pytest.mark.parametrize("time", ["10:01", "13:14", "14:01", "16:00"])
def test_cash_withdrawal_outside_its_windows_refused(time: str) -> None:
    m = member()
    m.deposit_cash("d1", 3 * MILLION, at("08:00"))
    with pytest.raises(CollateralRefused, match="10:00 or 13:15-14:00"):
        m.request_withdrawal("w1", THB, 1, at(time), 0, QUOTES)


def test_withdrawal_above_excess_refused_and_nothing_changes() -> None:
    m = member()
    m.deposit_cash("d1", 3 * MILLION, at("08:00"))
    m.request_withdrawal("w1", THB, MILLION // 2, at("09:00"), 2 * MILLION, QUOTES)
    before = snapshot(m)
    # 0.5M of the 1.0M excess is already spoken for
    with pytest.raises(CollateralRefused, match=r"exceeds the excess of 500000\.00 THB"):
        m.request_withdrawal("w2", THB, MILLION // 2 + 1, at("09:30"), 2 * MILLION, QUOTES)
    assert snapshot(m) == before


def test_non_cash_withdrawal_counts_the_haircut_and_respects_the_blackout() -> None:
    m = member()
    m.deposit("d1", "LB26", 100, at("09:00"), QUOTES, called=False)  # 100,000 THB, 95,000 count
    required = 9_000_000
    # 10 bonds count 9,500 THB, more than the 5,000 THB excess
    with pytest.raises(CollateralRefused, match="exceeds the excess"):
        m.request_withdrawal("w1", "LB26", 10, at("12:00"), required, QUOTES)
    with pytest.raises(CollateralRefused, match="blackout"):
        m.request_withdrawal("w2", "LB26", 5, at("13:30"), required, QUOTES)
    w = m.request_withdrawal("w3", "LB26", 5, at("12:00"), required, QUOTES)
    assert w.pay_at == at("12:00")
    [done] = m.pay_withdrawals(at("12:00"))
    assert m.balances() == {"LB26": 95}
    assert m.store.balances()[m.holdings("LB26")] == 905
    assert done.ref == "w3"
    assert sound(m) == []


def test_a_day_run_twice_posts_nothing_twice() -> None:
    m = member()

    def day() -> None:
        m.deposit_cash("d1", MILLION, at("08:00"))
        m.deposit("d2", "PTT", 10_000, at("09:00"), QUOTES, called=True)
        m.request_withdrawal("w1", THB, MILLION // 10, at("09:30"), 0, QUOTES)
        m.debit_call(at("11:00"), 3 * MILLION, QUOTES)
        m.pay_withdrawals(at("11:00"))

    day()
    first = snapshot(m)
    day()
    assert snapshot(m) == first
    assert sound(m) == []
    # 1.0M + 0.24M held, 0.1M on its way out: the call is 3.0M - 1.14M = 1.86M, so the
    # requirement is still met once the withdrawal is paid
    assert m.held(QUOTES) == 3 * MILLION


def test_two_members_whose_ids_and_refs_share_colons_deposit_apart() -> None:
    # issue 9: joined with a bare ":", both deposits had one key and the second was refused
    store = MemoryStore()
    issue(store, DAY, {Account(m, CASH, None, THB): MILLION for m in ("A:deposit:r1", "A")})
    first = RiskCollateralAccount(store, "A:deposit:r1", "A:deposit:r1")
    second = RiskCollateralAccount(store, "A", "A")
    assert first.deposit_cash("r2", MILLION // 2, at("09:00")) is Outcome.APPLIED
    assert second.deposit_cash("r1:deposit:r2", MILLION // 4, at("09:00")) is Outcome.APPLIED
    assert (first.balances(), second.balances()) == ({THB: MILLION // 2}, {THB: MILLION // 4})
