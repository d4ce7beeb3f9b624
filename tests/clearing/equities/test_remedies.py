"""Remedies of a delivery fail left after round 2 (clearing-spec.md 3.6, 3.8): E8 through the
lending flow, E9's buy-in date, buy-in, cash in lieu, withholding, segregation, idempotency and
conservation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from siamex.clearing.equities import NetPositions, SecuritiesObligation
from siamex.clearing.equities.netting import CashObligation
from siamex.clearing.equities.remedies import (
    TCH_FEES,
    LendingOffer,
    buy_in,
    buy_in_date,
    cash_in_lieu,
    collateral_held,
    cover_fail,
    fail_fines,
    mark_to_market,
    mature_loan,
    return_loan,
    withheld_account,
    withhold,
)
from siamex.clearing.equities.settlement import DeliveryFail, issue, settle_date
from siamex.clearing.foundations.accounts import cash_account, holdings_account
from siamex.clearing.foundations.ledger import Ledger, Outcome, Transaction
from siamex.clearing.foundations.members import AccountType
from siamex.clearing.foundations.state import FineEvent
from siamex.clearing.foundations.store import MemoryStore

SD = dt.date(2021, 4, 12)
NEXT = dt.date(2021, 4, 16)  # 13-15 Apr are holidays
CLT, PRT = AccountType.CLIENT, AccountType.PORTFOLIO
BAHT = 100
PRICE = 45 * BAHT  # E8: 45.00 a share
QTY = 20_000
VALUE = QTY * PRICE
FEE = 600 * BAHT  # E8's borrowing fee


def _positions(next_day_receivable: int = 0) -> NetPositions:
    """S (client account) sells 20,000 X to B at 45.00."""
    cash = [CashObligation("B", SD, -VALUE), CashObligation("S", SD, VALUE)]
    if next_day_receivable:
        cash.append(CashObligation("S", NEXT, next_day_receivable))
    return NetPositions(
        (SecuritiesObligation("B", CLT, "X", SD, QTY),
         SecuritiesObligation("S", CLT, "X", SD, -QTY)),
        tuple(cash), ())


def _failed(s_client: int = 0, s_cash: int = 2_000_000 * BAHT,
            lender_qty: int = 30_000) -> tuple[MemoryStore, DeliveryFail]:
    """Run SD: S holds no client X (but 50,000 portfolio X), so it fails in both rounds."""
    store = MemoryStore()
    issue(store, dt.date(2021, 4, 9), {
        cash_account("B"): 1_000_000 * BAHT, cash_account("S"): s_cash,
        holdings_account("S", CLT, "X"): s_client, holdings_account("S", PRT, "X"): 50_000,
        holdings_account("L", PRT, "X"): lender_qty, holdings_account("M", PRT, "X"): QTY,
        cash_account("L"): 1_000 * BAHT,
    })
    _, round_2 = settle_date(store, _positions(), SD, {"X": PRICE})
    (fail,) = round_2.delivery_fails
    return store, fail


def _sound(store: MemoryStore) -> None:
    """Conservation: no share or baht created or lost, nobody below zero."""
    assert Ledger.from_transactions(store.transactions()).check_invariants() == []


OFFERS = (LendingOffer("L", "X", 30_000),)


def test_e8_collateral_top_up_fee_and_penalty_through_the_lending_flow() -> None:
    store, fail = _failed()
    (loan,) = cover_fail(store, fail, SD, OFFERS, PRICE, FEE, _positions())
    assert loan.due == dt.date(2021, 4, 23)  # 6 business days (3.6)
    assert collateral_held(store, loan) == 1_170_000 * BAHT
    assert store.balances()[TCH_FEES] == 2 * 60 * BAHT  # 60 from each side
    assert mark_to_market(store, loan, NEXT, 48 * BAHT) == 78_000 * BAHT
    s_cash = store.balances()[cash_account("S")]
    # S delivered the borrowed shares and holds none to return; no lender to re-borrow from.
    assert mature_loan(store, loan, loan.due, 47 * BAHT, ()) == 1_222_000 * BAHT
    assert store.balances()[cash_account("L")] == (1_000 + 600 - 60 + 1_222_000) * BAHT
    assert store.balances()[cash_account("S")] == s_cash + (1_248_000 - 1_222_000) * BAHT
    assert collateral_held(store, loan) == 0
    _sound(store)


def test_e9_buy_in_is_the_next_business_day_after_holidays() -> None:
    assert buy_in_date(SD) == NEXT


def test_covered_fail_is_settled_by_a_loan_and_returned() -> None:
    store, fail = _failed()
    assert fail.qty_short == QTY and store.balances().get(holdings_account("B", CLT, "X"), 0) == 0
    (loan,) = cover_fail(store, fail, SD, OFFERS, PRICE, FEE, _positions())
    assert store.balances()[holdings_account("B", CLT, "X")] == QTY
    assert store.balances().get(withheld_account("S"), 0) == 0
    s_cash = store.balances()[cash_account("S")]
    issue(store, NEXT, {holdings_account("S", CLT, "X"): QTY}, key_prefix="deposit")
    assert return_loan(store, loan, NEXT)
    assert store.balances()[holdings_account("L", PRT, "X")] == 30_000
    assert store.balances()[cash_account("S")] == s_cash + 1_170_000 * BAHT
    _sound(store)


def test_maturity_re_borrows_when_another_lender_offers() -> None:
    store, fail = _failed()
    (loan,) = cover_fail(store, fail, SD, OFFERS, PRICE, FEE, _positions())
    renewed = mature_loan(store, loan, loan.due, PRICE, (LendingOffer("M", "X", QTY),))
    assert not isinstance(renewed, int) and renewed.lender == "M"
    assert mature_loan(store, loan, loan.due, PRICE, ()) == renewed  # decided once
    assert store.balances()[holdings_account("L", PRT, "X")] == 30_000
    assert collateral_held(store, renewed) == 1_170_000 * BAHT
    _sound(store)


def test_buy_in_charges_the_cost_difference_to_the_defaulter() -> None:
    store, fail = _failed()
    s_cash = store.balances()[cash_account("S")]
    assert cover_fail(store, fail, SD, (), PRICE, FEE, _positions()) == ()
    done = buy_in(store, fail, SD, NEXT, holdings_account("M", PRT, "X"), 46 * BAHT,
                  _positions())
    assert done is not None and done.cost_difference == QTY * BAHT
    assert store.balances()[holdings_account("B", CLT, "X")] == QTY
    assert store.balances()[cash_account("M")] == QTY * 46 * BAHT
    # S was owed VALUE for the sale; it gets it less the buy-in's excess cost.
    assert store.balances()[cash_account("S")] == s_cash + VALUE - QTY * 46 * BAHT
    _sound(store)


def test_cash_in_lieu_pays_the_waiting_receiver_when_the_buy_in_fails() -> None:
    store, fail = _failed()
    b_cash = store.balances()[cash_account("B")]
    assert buy_in(store, fail, SD, NEXT, holdings_account("nobody", PRT, "X"), PRICE,
                  _positions()) is None
    assert cash_in_lieu(store, fail, SD, NEXT, _positions()) == {"B": VALUE}
    assert store.balances()[cash_account("B")] == b_cash + VALUE
    assert store.balances().get(withheld_account("S"), 0) == 0
    _sound(store)


def test_withholding_keeps_the_fail_day_and_next_day_receivables() -> None:
    store, fail = _failed()
    positions = _positions(next_day_receivable=500 * BAHT)
    assert withhold(store, fail, SD, SD, positions) == VALUE
    assert withhold(store, fail, SD, NEXT, positions) == 500 * BAHT
    assert store.balances()[withheld_account("S")] == VALUE + 500 * BAHT
    _sound(store)


def test_a_client_fail_is_never_covered_from_the_portfolio_account() -> None:
    store, fail = _failed()
    assert fail.account_type is CLT  # S held 50,000 X in its portfolio account all along
    cover_fail(store, fail, SD, OFFERS, PRICE, FEE, _positions())
    assert store.balances()[holdings_account("S", PRT, "X")] == 50_000
    assert store.balances()[holdings_account("L", PRT, "X")] == 30_000 - QTY
    # nor do S's own portfolio shares lend to its client account
    other, same_fail = _failed()
    assert cover_fail(other, same_fail, SD, (LendingOffer("S", "X", QTY),), PRICE, FEE,
                      _positions()) == ()


def test_running_remedies_twice_posts_nothing_twice() -> None:
    store, fail = _failed()
    first = cover_fail(store, fail, SD, OFFERS, PRICE, FEE, _positions())
    count = len(store.transactions())
    assert cover_fail(store, fail, SD, OFFERS, PRICE, FEE, _positions()) == first
    mark_to_market(store, first[0], NEXT, 48 * BAHT)
    mark_to_market(store, first[0], NEXT, 48 * BAHT)
    assert len(store.transactions()) == count + 1
    _sound(store)


def test_fines_by_days_late_on_the_close_and_by_human_error_count() -> None:
    _, fail = _failed()
    close = 47 * BAHT  # decision C5: the settlement date's close, whatever the trade price
    value = fail.qty_short * close
    assert fail_fines(fail, SD, NEXT, close) == (FineEvent(
        "S", "delivery_fail_other_cause", value * 50 // 10_000, "X", SD, 1, value),)  # 0.50%
    assert fail_fines(fail, SD, NEXT, close, human_error_count=2) == (FineEvent(
        "S", "delivery_fail_human_error", 2_000 * BAHT, "X", SD, 1, value, 2),)


def test_buy_in_and_cash_in_lieu_run_twice_post_nothing_twice() -> None:
    store, fail = _failed()
    first = buy_in(store, fail, SD, NEXT, holdings_account("M", PRT, "X"), 46 * BAHT,
                   _positions())
    count = len(store.transactions())
    assert buy_in(store, fail, SD, NEXT, holdings_account("M", PRT, "X"), 46 * BAHT,
                  _positions()) == first
    assert len(store.transactions()) == count
    other, other_fail = _failed()
    paid = cash_in_lieu(other, other_fail, SD, NEXT, _positions())
    count = len(other.transactions())
    assert cash_in_lieu(other, other_fail, SD, NEXT, _positions()) == paid
    assert len(other.transactions()) == count
    _sound(store)
    _sound(other)


class _Crash(Exception):
    """The process dies."""


class _CrashingStore(MemoryStore):
    """Dies once, in the commit that records a decision whose name starts with `prefix`,
    before any of it is stored: a step's decision and its postings are one commit."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix: str | None = prefix
        self.lost: list[Transaction] = []

    def commit(self, transactions: Sequence[Transaction] = (),
               documents: Mapping[str, str] | None = None) -> list[Outcome]:
        prefix = self.prefix
        if prefix is not None and any(name.startswith(prefix) for name in documents or {}):
            self.prefix, self.lost = None, list(transactions)
            raise _Crash(prefix)
        return super().commit(transactions, documents)


def _failed_on(store: MemoryStore) -> DeliveryFail:
    issue(store, dt.date(2021, 4, 9), {
        cash_account("B"): 1_000_000 * BAHT, cash_account("S"): 2_000_000 * BAHT,
        holdings_account("S", PRT, "X"): 50_000, holdings_account("L", PRT, "X"): 30_000,
        holdings_account("M", PRT, "X"): QTY, cash_account("L"): 1_000 * BAHT,
    })
    _, round_2 = settle_date(store, _positions(), SD, {"X": PRICE})
    (fail,) = round_2.delivery_fails
    return fail


def _resumed(prefix: str, step: Callable[[MemoryStore, DeliveryFail], object]
             ) -> tuple[object, dict[Any, int]]:
    """Run a step on a store that dies after the step's record, then run it again."""
    store = _CrashingStore(prefix)
    fail = _failed_on(store)
    with pytest.raises(_Crash):
        step(store, fail)
    assert store.lost  # the dying commit carried the step's postings with its decision
    assert not store.stored({tx.key for tx in store.lost})
    result = step(store, fail)
    _sound(store)
    return result, store.balances()


def _uninterrupted(step: Callable[[MemoryStore, DeliveryFail], object]
                   ) -> tuple[object, dict[Any, int]]:
    store = MemoryStore()
    result = step(store, _failed_on(store))
    return result, store.balances()


def _cover(store: MemoryStore, fail: DeliveryFail) -> object:
    return cover_fail(store, fail, SD, OFFERS, PRICE, FEE, _positions())


def _buy_in(store: MemoryStore, fail: DeliveryFail) -> object:
    return buy_in(store, fail, SD, NEXT, holdings_account("M", PRT, "X"), 46 * BAHT,
                  _positions())


def _in_lieu(store: MemoryStore, fail: DeliveryFail) -> object:
    return cash_in_lieu(store, fail, SD, NEXT, _positions())


def _matured(store: MemoryStore, fail: DeliveryFail) -> object:
    (loan,) = cover_fail(store, fail, SD, OFFERS, PRICE, FEE, _positions())
    return mature_loan(store, loan, loan.due, 47 * BAHT, ())


@pytest.mark.parametrize(("prefix", "step"), [
    ("sbl:cover:", _cover), ("remedy:2021-04-12:withhold:", _cover),
    ("remedy:2021-04-12:buyin:", _buy_in), ("remedy:2021-04-12:in-lieu-paid:", _in_lieu),
    ("sbl:2021-04-12:S:client:X:L:portfolio:maturity", _matured),
])
def test_a_step_resumed_after_a_crash_ends_as_an_uninterrupted_one(
        prefix: str, step: Callable[[MemoryStore, DeliveryFail], object]) -> None:
    assert _resumed(prefix, step) == _uninterrupted(step)


def test_a_member_with_two_fails_keeps_its_withheld_cash_for_the_second() -> None:
    store = MemoryStore()
    issue(store, dt.date(2021, 4, 9), {
        cash_account("B"): 2_000_000 * BAHT, holdings_account("L", PRT, "X"): 30_000,
        holdings_account("M", PRT, "Y"): QTY, cash_account("S"): 1_200_000 * BAHT})
    positions = NetPositions(
        (SecuritiesObligation("B", CLT, "X", SD, QTY), SecuritiesObligation("B", CLT, "Y", SD, QTY),
         SecuritiesObligation("S", CLT, "X", SD, -QTY),
         SecuritiesObligation("S", CLT, "Y", SD, -QTY)),
        (CashObligation("B", SD, -2 * VALUE), CashObligation("S", SD, 2 * VALUE)), ())
    _, round_2 = settle_date(store, positions, SD, {"X": PRICE, "Y": PRICE})
    fail_x, fail_y = round_2.delivery_fails
    assert cover_fail(store, fail_x, SD, OFFERS, PRICE, FEE, positions, keep_withheld=True)
    # 3.6: the receivable withheld for both fails stays to fund Y's buy-in
    assert store.balances()[withheld_account("S")] == 2 * VALUE
    done = buy_in(store, fail_y, SD, NEXT, holdings_account("M", PRT, "Y"), 46 * BAHT,
                  positions)
    assert done is not None
    assert store.balances().get(withheld_account("S"), 0) == 0
    _sound(store)


def test_two_offers_of_one_lender_lend_no_more_than_it_holds_in_one_loan() -> None:
    store, fail = _failed(lender_qty=15_000)
    offers = (LendingOffer("L", "X", 10_000), LendingOffer("L", "X", 10_000),
              LendingOffer("M", "X", 10_000))
    loans = cover_fail(store, fail, SD, offers, PRICE, FEE, _positions())
    assert [(loan.lender, loan.qty) for loan in loans] == [("L", 15_000), ("M", 5_000)]
    assert store.balances().get(holdings_account("L", PRT, "X"), 0) == 0
    _sound(store)
