"""TFEX collateral at TCH over the ledger (clearing-spec.md 4.8, examples E14 and E15)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.collateral import (
    DERIVATIVES_COLLATERAL,
    CollateralBook,
    derivatives_collateral_account,
    member_source,
)
from siamex.clearing.derivatives.collateral_state import CALLS, WITHDRAWALS
from siamex.clearing.derivatives.collateral_value import BondQuote, CollateralQuotes
from siamex.clearing.derivatives.runs import Run
from siamex.clearing.foundations.accounts import collateral_account, member_bank
from siamex.clearing.foundations.ledger import (
    THB,
    ConflictingTransaction,
    Ledger,
    Outcome,
    Transaction,
    transfer,
)
from siamex.clearing.foundations.store import MemoryStore
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.derivatives_collateral import AssetKind
from siamex.rulebook.products import DEFAULT_PRODUCTS, ProductTable

DAY = dt.date(2026, 11, 24)
BAHT = 100  # satang
_SSF = DEFAULT_PRODUCTS["SSF-PTT"]
# E14's shares A and B, each the underlying of a single-stock future
PRODUCTS = ProductTable([*DEFAULT_PRODUCTS.values(),
                         replace(_SSF, code="SSF-A", root="A", underlying="A"),
                         replace(_SSF, code="SSF-B", root="B", underlying="B")])
QUOTES = CollateralQuotes(
    fx_rates={"USD": Fraction("36.50"), "JPY": Fraction("0.25")},
    shares={"A": Fraction(50), "B": Fraction(20), "NOSSF": Fraction(10)},
    bonds={"LB26": BondQuote(AssetKind.THAI_GOVT_BOND, Fraction(1000))},
    haircuts={"A": Fraction(30), "B": Fraction(20)})


def at(hhmm: str) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time.fromisoformat(hhmm))


def book(store: MemoryStore | None = None) -> CollateralBook:
    return CollateralBook(store or MemoryStore(), DAY, QUOTES, products=PRODUCTS)


def snapshot(b: CollateralBook) -> tuple[object, ...]:
    store = b.store
    return (store.balances(), store.transactions(), WITHDRAWALS.get(store, DAY),
            {run: CALLS.get(store, DAY, "M1", run) for run in Run})


def refused(b: CollateralBook, act: Callable[[], object]) -> ErrorCode:
    """Run a request the rules refuse; return its code, checking it changed nothing."""
    before = snapshot(b)
    with pytest.raises(SiamexError) as caught:
        act()
    assert snapshot(b) == before
    return caught.value.code


def sound(b: CollateralBook) -> list[str]:
    return Ledger.from_transactions(b.store.transactions()).check_invariants()


def e15_member() -> CollateralBook:
    """E15: 1,250,000 after haircut: THB 900,000 and 10,000 A at 50 less 30%."""
    b = book()
    b.deposit("d1", "M1", THB, 900_000 * BAHT, at("08:30"))
    b.deposit("d2", "M1", "A", 10_000, at("08:30"))
    assert b.held("M1") == 1_250_000 * BAHT
    return b


# ---- valuation -------------------------------------------------------------------------------

def test_e14_values_after_haircut_rounded_down_to_the_satang() -> None:
    v = book().valuer
    assert v.eligible("A").value(10_000) == 350_000 * BAHT
    assert v.eligible("B").value(21_875) == 350_000 * BAHT
    assert v.eligible("B").value(21_874) == 349_984 * BAHT
    # 10,093.73 USD x 36.50 x 95% = 350,000.08775: 350,000.08, never more
    assert v.eligible("USD").value(1_009_373) == 35_000_008
    # 10,093.72 USD: 349,999.7410 -> 349,999.74
    assert v.eligible("USD").value(1_009_372) == 34_999_974
    assert v.eligible(THB).value(35_000_000) == 35_000_000


def test_a_bond_is_valued_at_its_kinds_haircut() -> None:
    assert book().valuer.eligible("LB26").value(100) == 95_000 * BAHT  # 100 x 1,000 less 5%


def test_a_fraction_of_a_satang_is_never_counted() -> None:
    quotes = CollateralQuotes(shares={"PTT": Fraction("33.33")})
    value = CollateralBook(MemoryStore(), DAY, quotes).valuer.eligible("PTT")
    assert value.value(1) == 2_333  # 33.33 less 30% = 23.331 THB


def test_the_days_haircut_overrides_the_tables() -> None:
    quotes = CollateralQuotes(shares={"PTT": Fraction(10), "DELTA": Fraction(10)},
                              haircuts={"DELTA": Fraction(50)})
    v = CollateralBook(MemoryStore(), DAY, quotes).valuer
    assert v.eligible("PTT").haircut_pct == 30
    assert v.eligible("DELTA").haircut_pct == 50


# ---- eligibility -----------------------------------------------------------------------------

@pytest.mark.parametrize("asset", ["NOSSF", "EUR", "JPY", "XYZ"])
def test_ineligible_collateral_is_refused(asset: str) -> None:
    # NOSSF: a share no single-stock future is listed on; EUR: no rate today; JPY: a currency
    # TCH does not take; XYZ: nothing known
    b = book()
    code = refused(b, lambda: b.deposit("d1", "M1", asset, 100, at("09:00")))
    assert code is ErrorCode.INELIGIBLE_COLLATERAL


def test_eligible_deposits_come_from_the_members_own_accounts() -> None:
    b = book()
    for asset, qty in ((THB, 100 * BAHT), ("USD", 500), ("A", 10), ("LB26", 2)):
        assert b.deposit(f"d-{asset}", "M1", asset, qty, at("16:00")) is Outcome.APPLIED
        assert b.store.balances()[derivatives_collateral_account("M1", asset)] == qty
        assert b.store.balances()[member_source("M1", asset)] == -qty
    assert member_source("M1", THB) == member_bank("M1")
    assert sound(b) == []


def test_derivatives_collateral_is_kept_apart_from_equities_collateral() -> None:
    b = book()
    b.store.append(Transaction("equities-pledge", DAY, "risk collateral deposit",
                               transfer(member_bank("M1"), collateral_account("M1", THB),
                                        5_000_000 * BAHT)))
    assert b.balances("M1") == {}
    assert b.held("M1") == 0
    b.deposit("d1", "M1", THB, 100 * BAHT, at("09:00"))
    assert b.balances("M1") == {THB: 100 * BAHT}
    assert derivatives_collateral_account("M1", THB).purpose == DERIVATIVES_COLLATERAL
    assert derivatives_collateral_account("M1", THB) != collateral_account("M1", THB)


# ---- E15: withdrawals of the excess ---------------------------------------------------------

@pytest.mark.parametrize(("time", "credit"), [
    ("09:40", "10:30"), ("10:00", "10:30"), ("11:30", "13:15"), ("12:00", "13:15")])
def test_e15_a_cash_withdrawal_is_credited_at_its_windows_time(time: str, credit: str) -> None:
    b = e15_member()
    assert b.excess("M1", 1_000_000 * BAHT) == 250_000 * BAHT
    w = b.withdraw("w1", "M1", THB, 250_000 * BAHT, at(time), 1_000_000 * BAHT)
    assert w.credit_at == at(credit)
    assert not w.paid
    assert b.excess("M1", 1_000_000 * BAHT) == 0


def test_e15_a_withdrawal_after_noon_is_refused_and_asked_again_the_next_day() -> None:
    b = e15_member()
    code = refused(b, lambda: b.withdraw("w1", "M1", THB, 1 * BAHT, at("12:05"),
                                         1_000_000 * BAHT))
    assert code is ErrorCode.WITHDRAWAL_WINDOW
    tomorrow = CollateralBook(b.store, DAY + dt.timedelta(days=1), QUOTES, products=PRODUCTS)
    w = tomorrow.withdraw("w1", "M1", THB, 1 * BAHT, tomorrow.call_time(Run.EOD),
                          1_000_000 * BAHT)
    assert w.credit_at == dt.datetime.combine(tomorrow.day, dt.time(10, 30))


def test_e15_one_satang_above_the_excess_is_refused() -> None:
    b = e15_member()
    code = refused(b, lambda: b.withdraw("w1", "M1", THB, 250_000 * BAHT + 1, at("09:40"),
                                         1_000_000 * BAHT))
    assert code is ErrorCode.EXCESS_EXCEEDED


def test_withdrawals_accepted_and_not_paid_leave_the_excess() -> None:
    b = e15_member()
    b.withdraw("w1", "M1", THB, 200_000 * BAHT, at("09:40"), 1_000_000 * BAHT)
    assert b.excess("M1", 1_000_000 * BAHT) == 50_000 * BAHT
    code = refused(b, lambda: b.withdraw("w2", "M1", THB, 50_000 * BAHT + 1, at("09:45"),
                                         1_000_000 * BAHT))
    assert code is ErrorCode.EXCESS_EXCEEDED
    b.pay_withdrawals(at("10:30"))
    assert b.excess("M1", 1_000_000 * BAHT) == 50_000 * BAHT  # paid or not, it is gone


def test_a_non_cash_withdrawal_counts_its_value_after_haircut() -> None:
    b = e15_member()  # A counts 35 THB a share: 7,142 shares are 249,970 THB
    code = refused(b, lambda: b.withdraw("w1", "M1", "A", 7_143, at("11:00"), 1_000_000 * BAHT))
    assert code is ErrorCode.EXCESS_EXCEEDED
    w = b.withdraw("w1", "M1", "A", 7_142, at("11:00"), 1_000_000 * BAHT)
    assert w.credit_at == at("13:15")


def test_a_withdrawal_above_what_is_held_is_refused() -> None:
    b = e15_member()
    assert refused(b, lambda: b.withdraw("w1", "M1", "USD", 1, at("09:00"), 0)
                   ) is ErrorCode.INSUFFICIENT_COLLATERAL
    assert refused(b, lambda: b.withdraw("w2", "M1", "A", 10_001, at("09:00"), 0)
                   ) is ErrorCode.INSUFFICIENT_COLLATERAL
    b.withdraw("w3", "M1", "A", 6_000, at("09:00"), 0)
    # 4,000 are free: the 6,000 on their way out are not there to withdraw again
    assert refused(b, lambda: b.withdraw("w4", "M1", "A", 4_001, at("09:00"), 0)
                   ) is ErrorCode.INSUFFICIENT_COLLATERAL


def test_withdrawals_are_paid_at_their_credit_time_once() -> None:
    b = e15_member()
    b.withdraw("w1", "M1", THB, 100_000 * BAHT, at("09:40"), 1_000_000 * BAHT)
    b.withdraw("w2", "M1", THB, 100_000 * BAHT, at("11:30"), 1_000_000 * BAHT)
    assert b.pay_withdrawals(at("10:29")) == []
    assert [w.ref for w in b.pay_withdrawals(at("10:30"))] == ["w1"]
    assert b.balances("M1")[THB] == 800_000 * BAHT
    assert b.store.balances()[member_bank("M1")] == -800_000 * BAHT
    assert [w.ref for w in b.pay_withdrawals(at("13:15"))] == ["w2"]
    assert b.pay_withdrawals(at("23:00")) == []
    assert b.balances("M1")[THB] == 700_000 * BAHT
    assert all(w.paid for w in b.withdrawals())
    assert sound(b) == []


# ---- E14: exchange ---------------------------------------------------------------------------

@pytest.mark.parametrize(("asset", "quantity", "accepted"), [
    ("B", 21_875, True), ("B", 21_874, False),
    (THB, 350_000 * BAHT, True), (THB, 350_000 * BAHT - 1, False),
    ("USD", 1_009_373, True), ("USD", 1_009_372, False),
])
def test_e14_an_exchange_brings_in_at_least_what_goes_out(asset: str, quantity: int,
                                                          accepted: bool) -> None:
    b = book()
    b.deposit("d1", "M1", "A", 10_000, at("09:00"))
    assert b.held("M1") == 350_000 * BAHT

    def swap() -> Outcome:
        return b.exchange("x1", "M1", {"A": 10_000}, {asset: quantity}, at("14:00"),
                          required=0, call_outstanding=False)

    if accepted:
        assert swap() is Outcome.APPLIED
        assert b.balances("M1") == {asset: quantity}
        assert b.held("M1") >= 350_000 * BAHT
        assert len(b.store.transactions()) == 2  # the deposit, and both legs in one
        assert sound(b) == []
    else:
        assert refused(b, swap) is ErrorCode.EXCHANGE_VALUE


def test_an_exchange_with_a_call_outstanding_needs_the_requirement_covered() -> None:
    b = book()
    b.deposit("d1", "M1", "A", 10_000, at("09:00"))  # 350,000 held
    required = 400_000 * BAHT

    def swap(ref: str) -> Outcome:
        return b.exchange(ref, "M1", {"A": 10_000}, {THB: 350_000 * BAHT}, at("11:00"),
                          required, call_outstanding=True)

    assert refused(b, lambda: swap("x1")) is ErrorCode.CALL_OUTSTANDING
    # no call outstanding: the same exchange is only a swap of equal value
    assert b.exchange("x0", "M1", {"A": 100}, {"B": 219}, at("11:00"), required,
                      call_outstanding=False) is Outcome.APPLIED
    b.deposit("d2", "M1", THB, 50_000 * BAHT, at("11:05"))  # the member deposits first
    assert b.exchange("x2", "M1", {"A": 9_900}, {THB: 346_500 * BAHT}, at("11:10"), required,
                      call_outstanding=True) is Outcome.APPLIED
    assert b.held("M1") == 400_004 * BAHT  # 219 B count 3,504


def test_an_exchange_refuses_ineligible_or_missing_collateral() -> None:
    b = book()
    b.deposit("d1", "M1", "A", 10_000, at("09:00"))
    assert refused(b, lambda: b.exchange("x1", "M1", {"A": 100}, {"NOSSF": 1_000},
                                         at("10:00"), 0, call_outstanding=False)
                   ) is ErrorCode.INELIGIBLE_COLLATERAL
    assert refused(b, lambda: b.exchange("x2", "M1", {"A": 10_001}, {THB: 10**12},
                                         at("10:00"), 0, call_outstanding=False)
                   ) is ErrorCode.INSUFFICIENT_COLLATERAL
    assert refused(b, lambda: b.exchange("x3", "M1", {"A": 1}, {"A": 2}, at("10:00"), 0,
                                         call_outstanding=False)) is ErrorCode.COLLATERAL_FILE
    assert refused(b, lambda: b.exchange("x4", "M1", {}, {THB: 1}, at("10:00"), 0,
                                         call_outstanding=False)) is ErrorCode.COLLATERAL_FILE


# ---- margin calls ----------------------------------------------------------------------------

@pytest.mark.parametrize(("run", "time"), [(Run.EOD, "09:00"), (Run.INTRADAY, "12:00")])
def test_a_paid_call_moves_cash_from_the_settlement_bank(run: Run, time: str) -> None:
    b = book()
    call = b.debit_call("M1", run, 120_000 * BAHT, paid=True)
    assert (call.at, call.amount, call.debited, call.unmet) == (at(time), 12_000_000,
                                                               12_000_000, 0)
    assert b.balances("M1") == {THB: 120_000 * BAHT}
    assert b.store.balances()[member_bank("M1")] == -120_000 * BAHT
    assert CALLS.get(b.store, DAY, "M1", run) == call


def test_an_unpaid_call_is_recorded_unmet_and_posts_nothing() -> None:
    b = book()
    call = b.debit_call("M1", Run.INTRADAY, 50_000 * BAHT, paid=False)
    assert (call.debited, call.unmet) == (0, 50_000 * BAHT)
    assert b.store.transactions() == []
    assert CALLS.get(b.store, DAY, "M1", Run.INTRADAY) == call


def test_a_call_is_decided_once() -> None:
    b = book()
    first = b.debit_call("M1", Run.EOD, 10_000 * BAHT, paid=True)
    again = b.debit_call("M1", Run.EOD, 99 * BAHT, paid=False)
    assert again == first
    assert len(b.store.transactions()) == 1
    # the intraday round's call is another call
    b.debit_call("M1", Run.INTRADAY, 1 * BAHT, paid=True)
    assert b.balances("M1") == {THB: 10_001 * BAHT}


def test_no_call_records_nothing() -> None:
    b = book()
    assert b.debit_call("M1", Run.EOD, 0, paid=True).unmet == 0
    assert CALLS.get(b.store, DAY, "M1", Run.EOD) is None
    with pytest.raises(ValueError, match="not below zero"):
        b.debit_call("M1", Run.EOD, -1, paid=True)


# ---- reruns and refusals ---------------------------------------------------------------------

def test_a_rerun_of_the_same_requests_posts_nothing_twice() -> None:
    b = e15_member()
    steps: list[Callable[[], object]] = [
        lambda: b.deposit("d1", "M1", THB, 900_000 * BAHT, at("08:30")),
        lambda: b.withdraw("w1", "M1", THB, 100_000 * BAHT, at("09:40"), 1_000_000 * BAHT),
        lambda: b.exchange("x1", "M1", {"A": 1_000}, {"B": 2_188}, at("09:50"), 0,
                           call_outstanding=False),
        lambda: b.pay_withdrawals(at("10:30")),
        lambda: b.debit_call("M1", Run.INTRADAY, 5 * BAHT, paid=True),
    ]
    for step in steps:
        step()
    after = snapshot(b)
    for step in steps:
        step()
    assert snapshot(b) == after
    assert sound(b) == []


def test_a_ref_reused_for_another_withdrawal_is_a_conflict() -> None:
    b = e15_member()
    b.withdraw("w1", "M1", THB, 100 * BAHT, at("09:40"), 0)
    with pytest.raises(ConflictingTransaction):
        b.withdraw("w1", "M1", THB, 200 * BAHT, at("09:40"), 0)


def test_a_held_asset_the_days_quotes_do_not_price_refuses_the_quotes() -> None:
    store = MemoryStore()
    book(store).deposit("d1", "M1", "A", 10, at("09:00"))
    tomorrow = CollateralBook(store, DAY + dt.timedelta(days=1), CollateralQuotes(),
                              products=PRODUCTS)
    with pytest.raises(SiamexError) as caught:
        tomorrow.check_quotes()
    assert caught.value.code is ErrorCode.COLLATERAL_FILE
    assert "M1 holds A" in caught.value.message


def test_a_share_no_longer_eligible_counts_nothing_and_may_go_back() -> None:
    store = MemoryStore()
    book(store).deposit("d1", "M1", "A", 10, at("09:00"))
    delisted = CollateralBook(store, DAY, QUOTES)  # no single-stock future on A any more
    assert delisted.held("M1") == 0
    assert delisted.withdraw("w1", "M1", "A", 10, at("09:30"), 1_000 * BAHT).quantity == 10


def test_times_are_the_books_day_in_bangkok() -> None:
    b = book()
    with pytest.raises(ValueError, match="naive Bangkok time"):
        b.deposit("d1", "M1", THB, 1, at("09:00") + dt.timedelta(days=1))
    with pytest.raises(ValueError, match="naive Bangkok time"):
        b.deposit("d1", "M1", THB, 1, at("09:00").replace(tzinfo=dt.UTC))


@pytest.mark.parametrize("quantity", [0, -5])
def test_a_quantity_must_be_above_zero(quantity: int) -> None:
    b = e15_member()
    assert refused(b, lambda: b.deposit("d9", "M1", THB, quantity, at("09:00"))
                   ) is ErrorCode.COLLATERAL_FILE
    assert refused(b, lambda: b.withdraw("w9", "M1", THB, quantity, at("09:00"), 0)
                   ) is ErrorCode.COLLATERAL_FILE


# ---- properties ------------------------------------------------------------------------------

ASSETS = (THB, "USD", "A", "B", "LB26", "NOSSF")
SCALE = {THB: 10_000, "USD": 100, "A": 1, "B": 1, "LB26": 1, "NOSSF": 1}  # a draw's unit
OPENING = {THB: 1_000_000 * BAHT, "USD": 1_000_000, "A": 20_000, "B": 20_000, "LB26": 500}
TIMES = tuple(at(t) for t in ("08:00", "09:40", "10:00", "10:30", "11:59", "12:00", "12:05",
                              "13:15", "16:00"))
_lot = st.tuples(st.sampled_from(ASSETS), st.integers(1, 20_000)).map(
    lambda lot: (lot[0], lot[1] * SCALE[lot[0]]))
_request = st.fixed_dictionaries({
    "op": st.sampled_from(("deposit", "withdraw", "exchange", "pay")),
    "member": st.sampled_from(("M1", "M2")),
    "out": _lot,
    "in": _lot,
    "at": st.sampled_from(TIMES),
    # the requirement as an offset from what the member holds (each opens with about 2,840,000
    # THB), so that it binds now and then
    "offset": st.sampled_from((-300_000_000, -100_000_000, -30_000_000, -3_000_000, -1, 0, 1,
                               100_000, 10_000_000, 1_000_000_000)),
    "called": st.booleans(),
})


def _put(b: CollateralBook, ref: str, r: dict[str, Any], required: int) -> None:
    """Put one drawn request to the book."""
    member, (out, out_qty), (into, in_qty) = r["member"], r["out"], r["in"]
    if r["op"] == "deposit":
        b.deposit(ref, member, into, in_qty, r["at"])
    elif r["op"] == "withdraw":
        b.withdraw(ref, member, out, out_qty, r["at"], required)
    else:
        b.exchange(ref, member, {out: out_qty}, {into: in_qty}, r["at"], required,
                   call_outstanding=r["called"])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(_request, max_size=30))
def test_no_accepted_request_leaves_the_collateral_below_the_requirement(
        requests: list[dict[str, Any]]) -> None:
    b = book()
    members = ("M1", "M2")
    for member in members:
        for asset, qty in OPENING.items():
            b.deposit(f"open-{asset}", member, asset, qty, at("07:00"))
    for number, r in enumerate(requests):
        if r["op"] == "pay":
            held = [b.held(m) for m in members]
            b.pay_withdrawals(r["at"])
            assert [b.held(m) for m in members] == held  # what is paid already did not count
            continue
        before, state = b.held(r["member"]), snapshot(b)
        required = max(0, before + r["offset"])
        try:
            _put(b, f"r{number}", r, required)
        except SiamexError as exc:
            event(f"{r['op']} refused {exc.code.value}")
            assert snapshot(b) == state
            continue
        event(f"{r['op']} accepted")
        after = b.held(r["member"])
        if r["op"] == "withdraw":
            assert after >= required or after == before
        else:
            assert after >= before
        if r["op"] == "exchange" and r["called"]:
            assert after >= required
        assert all(qty >= 0 for qty in b.free(r["member"]).values())
    b.pay_withdrawals(at("23:59"))
    assert all(w.paid for w in b.withdrawals())
    assert sound(b) == []
