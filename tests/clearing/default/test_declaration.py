"""A member's default (clearing-spec.md 3.6, 3.7, E7): a delivery fail that no lender covers,
a buy-in the defaulter cannot pay, then its collateral and the Clearing Fund layers in order;
E7's two losses through the ledger-backed fund; idempotency and conservation."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction

import pytest

from siamex.clearing.default.declaration import (
    RepaymentRefused,
    declare_default,
    recorded_default,
    repay_default,
)
from siamex.clearing.default.fund import (
    FUND_INCOME,
    RESERVE_FUND,
    SET_TRANCHE_1,
    SET_TRANCHE_2,
    clearing_fund_balance,
    contribute,
    contribution_account,
    financial_resources,
    fund_set,
)
from siamex.clearing.default.waterfall import Layer
from siamex.clearing.equities import NetPositions, SecuritiesObligation
from siamex.clearing.equities.netting import CashObligation
from siamex.clearing.equities.remedies import buy_in, buy_in_date, cover_fail, withheld_account
from siamex.clearing.equities.settlement import issue, settle_date
from siamex.clearing.foundations.accounts import cash_account, collateral_account, holdings_account
from siamex.clearing.foundations.ledger import CASH, TCH, THB, Account, Ledger
from siamex.clearing.foundations.members import AccountType
from siamex.clearing.foundations.parameters import ClearingRules
from siamex.clearing.foundations.store import MemoryStore
from siamex.clearing.risk.collateral import RiskCollateralAccount

BAHT = 100
M = 1_000_000 * BAHT
OPEN = dt.date(2021, 4, 9)
SD = dt.date(2021, 4, 12)
PRT = AccountType.PORTFOLIO
QTY = 2_000_000
PRICE = 45 * BAHT
BUY_IN_PRICE = 100 * BAHT  # the market has run away from the defaulter


def _positions() -> NetPositions:
    """D sells 2,000,000 X it does not hold to P at 45.00."""
    return NetPositions(
        (SecuritiesObligation("P", PRT, "X", SD, QTY),
         SecuritiesObligation("D", PRT, "X", SD, -QTY)),
        (CashObligation("P", SD, -QTY * PRICE), CashObligation("D", SD, QTY * PRICE)), ())


def _sound(store: MemoryStore) -> None:
    """Conservation: nobody below zero, every asset summing to zero over all accounts."""
    assert Ledger.from_transactions(store.transactions()).check_invariants() == []


def _outside(store: MemoryStore, asset: str) -> int:
    """What is held inside the clearing house: all but the depository sources."""
    return sum(q for a, q in store.balances().items()
               if a.asset == asset and not a.is_depository)


def test_a_failed_delivery_ends_in_default_and_the_waterfall() -> None:
    store = MemoryStore()
    issue(store, OPEN, {
        cash_account("D"): 26 * M, cash_account("P"): 130 * M, cash_account("Q"): 10 * M,
        holdings_account("Q", PRT, "X"): QTY,
    })
    for member, amount in (("D", 5 * M), ("P", 30 * M), ("Q", 10 * M)):
        contribute(store, member, amount, OPEN, "initial")
    fund_set(store, OPEN, tranche_2=140 * M, reserve_fund=2_000 * M)
    RiskCollateralAccount(store, "D", "GD").deposit_cash(
        "c1", 20 * M, dt.datetime(2021, 4, 9, 9, 0))
    assert clearing_fund_balance(store) == (5 + 30 + 10 + 60 + 140) * M
    assert financial_resources(store) == clearing_fund_balance(store) + 2_000 * M
    baht, shares = _outside(store, "THB"), _outside(store, "X")

    _, round_2 = settle_date(store, _positions(), SD, {"X": PRICE})
    (fail,) = round_2.delivery_fails
    assert (fail.member, fail.qty_short) == ("D", QTY)
    assert cover_fail(store, fail, SD, (), PRICE, 0, _positions()) == ()  # no lender
    day = buy_in_date(SD)
    seller = holdings_account("Q", PRT, "X")
    # D's withheld 90M and cash 1M fall short of the 200M buy-in: it cannot pay
    assert store.balances()[withheld_account("D")] == QTY * PRICE
    assert buy_in(store, fail, SD, day, seller, BUY_IN_PRICE, _positions()) is None
    shortfall = (QTY * BUY_IN_PRICE - QTY * PRICE - store.balances()[cash_account("D")])
    assert shortfall == 109 * M

    report = declare_default(store, "D", shortfall, day)
    w = report.waterfall
    assert [w.uses[layer] for layer in Layer] == [20 * M, 5 * M, 60 * M, 24 * M, 0, 0]
    assert dict(w.shares) == {"P": 18 * M, "Q": 6 * M} and w.uncovered == 0
    assert report.lines()[1:3] == [f"  defaulter_collateral: {20 * M}",
                                   f"  defaulter_contribution: {5 * M}"]
    balances = store.balances()
    assert balances.get(collateral_account("D"), 0) == 0  # enforced
    assert balances.get(contribution_account("D"), 0) == 0
    assert balances.get(SET_TRANCHE_1, 0) == 0
    assert balances[contribution_account("P")] == 12 * M
    assert balances[contribution_account("Q")] == 4 * M
    assert balances[SET_TRANCHE_2] == 140 * M and balances[RESERVE_FUND] == 2_000 * M

    # with the resources in its cash, the buy-in completes through its ordinary path
    done = buy_in(store, fail, SD, day, seller, BUY_IN_PRICE, _positions())
    assert done is not None and done.cost_difference == QTY * (BUY_IN_PRICE - PRICE)
    assert store.balances()[holdings_account("P", PRT, "X")] == QTY
    assert store.balances()[cash_account("Q")] == QTY * BUY_IN_PRICE
    assert store.balances().get(cash_account("D"), 0) == 0
    # 3.7: D repays the fund used (5 + 60 + 24 = 89M) with interest from the date of use
    assert w.fund_used == 89 * M
    assert report.debt(day + dt.timedelta(days=365)) == 89 * M + 89 * M * 5 // 100
    assert report.debt(day) == 89 * M
    assert (_outside(store, "THB"), _outside(store, "X")) == (baht, shares)
    _sound(store)


def _e7(loss: int) -> tuple[MemoryStore, dict[Layer, int], dict[str, int]]:
    """E7's balances in the ledger, then one loss of the defaulter D through them."""
    store = MemoryStore()
    issue(store, OPEN, {collateral_account("D"): 150 * M, cash_account("D"): 25 * M,
                        cash_account("P"): 150 * M, cash_account("Q"): 100 * M,
                        cash_account("R"): 50 * M})
    for member, amount in (("D", 25 * M), ("P", 150 * M), ("Q", 100 * M), ("R", 50 * M)):
        contribute(store, member, amount, OPEN, "initial")
    fund_set(store, OPEN, tranche_2=140 * M, reserve_fund=2_000 * M)
    report = declare_default(store, "D", loss, SD)
    assert report.waterfall.uncovered == 0
    _sound(store)
    return store, dict(report.waterfall.uses), dict(report.waterfall.shares)


def test_e7_loss_400m_reaches_the_survivors_pro_rata() -> None:
    store, uses, shares = _e7(400 * M)
    assert [uses[layer] for layer in Layer] == [150 * M, 25 * M, 60 * M, 165 * M, 0, 0]
    assert shares == {"P": 82_500_000 * BAHT, "Q": 55 * M, "R": 27_500_000 * BAHT}
    assert store.balances()[contribution_account("P")] == 67_500_000 * BAHT
    assert store.balances()[cash_account("D")] == 400 * M


def test_e7_loss_800m_reaches_the_reserve_fund() -> None:
    store, uses, shares = _e7(800 * M)
    assert [uses[layer] for layer in Layer] == [150 * M, 25 * M, 60 * M, 300 * M, 140 * M,
                                                125 * M]
    assert shares == {"P": 150 * M, "Q": 100 * M, "R": 50 * M}
    assert store.balances()[RESERVE_FUND] == 1_875 * M


def test_declaring_the_same_default_twice_posts_nothing_new() -> None:
    store = MemoryStore()
    issue(store, OPEN, {collateral_account("D"): 10 * M, cash_account("P"): 100 * M})
    contribute(store, "P", 100 * M, OPEN, "initial")
    fund_set(store, OPEN, tranche_2=0, reserve_fund=0)
    first = declare_default(store, "D", 100 * M, SD)
    count, balances = len(store.transactions()), store.balances()
    assert declare_default(store, "D", 100 * M, SD) == first
    assert len(store.transactions()) == count and store.balances() == balances
    assert first.waterfall.shares == {"P": 30 * M}
    with pytest.raises(ValueError, match="declared for a loss"):
        declare_default(store, "D", 99 * M, SD)
    with pytest.raises(ValueError, match="less than"):
        contribute(store, "Q", 1, SD, "top-up")  # Q has no cash
    _sound(store)


def test_a_loss_beyond_every_layer_is_reported_uncovered() -> None:
    store = MemoryStore()
    issue(store, OPEN, {collateral_account("D"): 10 * M})
    report = declare_default(store, "D", 25 * M, SD)
    assert report.waterfall.uncovered == 15 * M and report.waterfall.fund_used == 0
    assert report.lines()[-1] == f"  uncovered: {15 * M}"
    _sound(store)


DEFAULT_DAY = dt.date(2021, 4, 16)
TCH_CASH = Account(TCH, CASH, None, THB)  # a payee that leaves the defaulter's cash empty


def _declared(loss: int = 135 * M, payee: Account | None = None,
              ref: str = "") -> MemoryStore:
    """D's 10M collateral and 5M contribution, P's 30M and Q's 10M, SET's 60M + 140M and the
    Reserve Fund, then a default of D on DEFAULT_DAY: 135M takes 10 + 5 + 60 + 40 + 20M."""
    store = MemoryStore()
    issue(store, OPEN, {collateral_account("D"): 10 * M, cash_account("D"): 5 * M,
                        cash_account("P"): 30 * M, cash_account("Q"): 10 * M})
    for member, amount in (("D", 5 * M), ("P", 30 * M), ("Q", 10 * M)):
        contribute(store, member, amount, OPEN, "initial")
    fund_set(store, OPEN, tranche_2=140 * M, reserve_fund=2_000 * M)
    declare_default(store, "D", loss, DEFAULT_DAY, payee, ref=ref)
    return store


def test_a_default_is_recorded_under_the_names_and_in_the_shape_stores_already_hold() -> None:
    store = _declared()
    assert json.loads(store.get_document("default:2021-04-16:D") or "") == {
        "loss": 135 * M, "uses": {"defaulter_collateral": 10 * M, "defaulter_contribution": 5 * M,
                                  "set_tranche_1": 60 * M, "non_defaulter_contributions": 40 * M,
                                  "set_tranche_2": 20 * M, "reserve_fund": 0},
        "shares": {"P": 30 * M, "Q": 10 * M}, "uncovered": 0}
    assert json.loads(store.get_document("defaults:D") or "") == [["2021-04-16", ""]]


def test_repayment_restores_each_fund_layer_and_pays_the_interest_to_fund_income() -> None:
    store = _declared()
    report = recorded_default(store, "D", DEFAULT_DAY)
    assert report is not None
    w = report.waterfall
    assert [w.uses[layer] for layer in Layer] == [10 * M, 5 * M, 60 * M, 40 * M, 20 * M, 0]
    assert dict(w.shares) == {"P": 30 * M, "Q": 10 * M} and w.fund_used == 125 * M
    balances = store.balances()
    assert balances[cash_account("D")] == 135 * M  # the payee
    assert (balances.get(SET_TRANCHE_1, 0), balances[SET_TRANCHE_2]) == (0, 120 * M)

    # 3.7: 73 days later, 5% a year actual/365 on the 125M used: 125M x 5% x 73/365 = 1.25M
    repaid_on = DEFAULT_DAY + dt.timedelta(days=73)
    assert repay_default(store, "D", DEFAULT_DAY, repaid_on) == 126_250_000 * BAHT
    balances = store.balances()
    assert balances[contribution_account("D")] == 5 * M  # its own contribution
    assert balances[SET_TRANCHE_1] == 60 * M
    assert balances[contribution_account("P")] == 30 * M  # each survivor its own share
    assert balances[contribution_account("Q")] == 10 * M
    assert balances[SET_TRANCHE_2] == 140 * M
    assert balances[FUND_INCOME] == 1_250_000 * BAHT
    assert balances[RESERVE_FUND] == 2_000 * M  # untouched by this loss
    assert balances.get(collateral_account("D"), 0) == 0  # its own collateral: not the fund's
    assert balances[cash_account("D")] == 135 * M - 126_250_000 * BAHT
    assert clearing_fund_balance(store) == (5 + 60 + 40 + 140) * M
    [tx] = [tx for tx in store.transactions() if tx.key.endswith(":repayment")]
    assert tx.key == "default:2021-04-16:D:repayment" and tx.business_date == repaid_on
    _sound(store)


def test_repayment_interest_follows_the_rate_and_the_day_count() -> None:
    store = _declared()
    report = recorded_default(store, "D", DEFAULT_DAY)
    assert report is not None
    assert report.debt(DEFAULT_DAY) == 125 * M  # the same day costs nothing
    # one day: 125M x 5% / 365 = 17,123.287... THB, rounded half up to the satang
    assert report.interest(DEFAULT_DAY + dt.timedelta(days=1)) == 1_712_329
    doubled = ClearingRules({"default_interest_pct": "10"})
    repaid_on = DEFAULT_DAY + dt.timedelta(days=73)
    assert repay_default(store, "D", DEFAULT_DAY, repaid_on, doubled) == 127_500_000 * BAHT
    assert store.balances()[FUND_INCOME] == 2_500_000 * BAHT
    _sound(store)


def test_a_repayment_made_twice_posts_once_and_returns_the_same_amount() -> None:
    store = _declared()
    first = repay_default(store, "D", DEFAULT_DAY, DEFAULT_DAY + dt.timedelta(days=73))
    count, balances = len(store.transactions()), store.balances()
    # asked again, even on a later day, it answers what was repaid
    assert repay_default(store, "D", DEFAULT_DAY, DEFAULT_DAY + dt.timedelta(days=73)) == first
    assert repay_default(store, "D", DEFAULT_DAY, DEFAULT_DAY + dt.timedelta(days=90)) == first
    assert (len(store.transactions()), store.balances()) == (count, balances)
    _sound(store)


def test_a_repayment_the_cash_does_not_cover_is_refused_and_posts_nothing() -> None:
    store = _declared(payee=TCH_CASH)  # the resources went elsewhere: D's cash is empty
    repaid_on = DEFAULT_DAY + dt.timedelta(days=73)
    issue(store, repaid_on, {cash_account("D"): 126_250_000 * BAHT - 1}, key_prefix="bank")
    count, balances = len(store.transactions()), store.balances()
    with pytest.raises(RepaymentRefused, match="owes the fund 12625000000 satang and holds "
                                               "12624999999"):
        repay_default(store, "D", DEFAULT_DAY, repaid_on)
    assert (len(store.transactions()), store.balances()) == (count, balances)
    # whole or nothing: one satang more and it is repaid
    issue(store, repaid_on, {cash_account("D"): 1}, key_prefix="bank-2")
    assert repay_default(store, "D", DEFAULT_DAY, repaid_on) == 126_250_000 * BAHT
    assert cash_account("D") not in store.balances()
    _sound(store)


def test_a_repayment_of_a_default_never_declared_is_refused() -> None:
    store = _declared()
    count = len(store.transactions())
    for day, ref in ((DEFAULT_DAY - dt.timedelta(days=1), ""), (DEFAULT_DAY, "buy-in")):
        with pytest.raises(RepaymentRefused, match="no default of D was declared"):
            repay_default(store, "D", day, DEFAULT_DAY + dt.timedelta(days=1), ref=ref)
    with pytest.raises(RepaymentRefused, match="no default of P"):
        repay_default(store, "P", DEFAULT_DAY, DEFAULT_DAY)
    assert len(store.transactions()) == count
    assert recorded_default(store, "P", DEFAULT_DAY) is None


def test_a_default_its_collateral_covered_owes_the_fund_nothing() -> None:
    store = _declared(loss=8 * M)  # within D's 10M collateral
    count = len(store.transactions())
    assert repay_default(store, "D", DEFAULT_DAY, DEFAULT_DAY + dt.timedelta(days=30)) == 0
    assert len(store.transactions()) == count and FUND_INCOME not in store.balances()
    _sound(store)


def test_two_defaults_of_one_member_on_one_day_are_kept_apart_by_their_ref() -> None:
    store = _declared(loss=20 * M, ref="payment")  # 10M collateral, 5M own, 5M of tranche 1
    second = declare_default(store, "D", 60 * M, DEFAULT_DAY, ref="buy-in")
    # decided on what the first left: 55M of tranche 1, then 5M from the survivors
    assert [second.waterfall.uses[layer] for layer in Layer] == [0, 0, 55 * M, 5 * M, 0, 0]
    first = recorded_default(store, "D", DEFAULT_DAY, "payment")
    assert first is not None and first.ref == "payment"
    assert [first.waterfall.uses[layer] for layer in Layer] == [10 * M, 5 * M, 5 * M, 0, 0, 0]
    assert recorded_default(store, "D", DEFAULT_DAY, "buy-in") == second
    assert recorded_default(store, "D", DEFAULT_DAY) is None  # no default without a ref
    assert declare_default(store, "D", 60 * M, DEFAULT_DAY, ref="buy-in") == second
    with pytest.raises(ValueError, match="declared for a loss of 2000000000"):
        declare_default(store, "D", 60 * M, DEFAULT_DAY, ref="payment")
    keys = [tx.key for tx in store.transactions() if tx.key.startswith("default:")]
    assert keys == ["default:2021-04-16:D:payment:defaulter_collateral",
                    "default:2021-04-16:D:payment:defaulter_contribution",
                    "default:2021-04-16:D:payment:set_tranche_1",
                    "default:2021-04-16:D:buy-in:set_tranche_1",
                    "default:2021-04-16:D:buy-in:non_defaulter_contributions"]

    # each is repaid on its own: 10M then 60M of the fund, with 5% interest over 73 days
    repaid_on = DEFAULT_DAY + dt.timedelta(days=73)
    assert repay_default(store, "D", DEFAULT_DAY, repaid_on, ref="payment") == 10_100_000 * BAHT
    assert store.balances()[SET_TRANCHE_1] == 5 * M
    assert store.balances()[contribution_account("D")] == 5 * M
    assert repay_default(store, "D", DEFAULT_DAY, repaid_on, ref="buy-in") == 60_600_000 * BAHT
    assert store.balances()[SET_TRANCHE_1] == 60 * M
    assert store.balances()[contribution_account("P")] == 30 * M
    assert store.balances()[FUND_INCOME] == 700_000 * BAHT
    assert [tx.key for tx in store.transactions() if tx.key.endswith(":repayment")] == [
        "default:2021-04-16:D:payment:repayment", "default:2021-04-16:D:buy-in:repayment"]
    _sound(store)


def test_non_cash_collateral_is_sold_at_the_days_price_before_the_fund_is_used() -> None:
    from siamex.clearing.default.declaration import enforce_collateral
    from siamex.clearing.risk.collateral import CollateralQuote
    from siamex.clearing.risk.measures import AssetKind

    store = MemoryStore()
    issue(store, OPEN, {holdings_account("D", PRT, "LB26"): 10_000,
                        holdings_account("D", PRT, "PTT"): 1_000, cash_account("P"): 100 * M})
    contribute(store, "P", 10 * M, OPEN, "initial")
    quotes = {"LB26": CollateralQuote(AssetKind.THAI_GOVT_BOND, 1_000 * BAHT, Fraction(5)),
              "PTT": CollateralQuote(AssetKind.SET_LISTED_SHARE, 30 * BAHT, Fraction(20), "P")}
    account = RiskCollateralAccount(store, "D", "GD")
    account.deposit("b1", "LB26", 10_000, dt.datetime(2021, 4, 9, 9, 0), quotes, called=False)
    account.deposit("s1", "PTT", 1_000, dt.datetime(2021, 4, 9, 9, 0), quotes, called=False)
    # 3.6: enforced at the day's price (the bond has fallen to 990), the share has no price
    proceeds = enforce_collateral(store, "D", SD, {"LB26": 990 * BAHT})
    assert proceeds == {"LB26": 9_900 * M // 1_000}
    assert store.balances()[collateral_account("D")] == 9_900_000 * BAHT
    assert store.balances()[Account("D", "collateral", None, "PTT")] == 1_000  # still pledged
    report = declare_default(store, "D", 12 * M, SD)
    assert report.waterfall.uses[Layer.DEFAULTER_COLLATERAL] == 9_900_000 * BAHT
    assert enforce_collateral(store, "D", SD, {"LB26": 990 * BAHT}) == {}  # sold once
    _sound(store)
