"""The double-entry ledger: balanced postings only, once per key, balances derived from them."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siamex.clearing.foundations import ledger as ledger_module
from siamex.clearing.foundations.ledger import (
    CASH,
    DEPOSITORY,
    SECURITIES,
    TCH,
    THB,
    Account,
    AccountType,
    ConflictingTransaction,
    InvalidTransaction,
    Ledger,
    Leg,
    Outcome,
    Transaction,
    UnbalancedTransaction,
    transfer,
)

DAY = dt.date(2026, 11, 24)
TSD_PTT = Account("TSD", DEPOSITORY, None, "PTT")
BANK = Account("SCB", DEPOSITORY, None, THB)
M1_PTT = Account("M1", SECURITIES, AccountType.PORTFOLIO, "PTT")
M1_CLIENT_PTT = Account("M1", SECURITIES, AccountType.CLIENT, "PTT")
M2_PTT = Account("M2", SECURITIES, AccountType.CLIENT, "PTT")
TCH_PTT = Account(TCH, SECURITIES, None, "PTT")
M1_CASH = Account("M1", CASH, None, THB)
M2_CASH = Account("M2", CASH, None, THB)
TCH_CASH = Account(TCH, CASH, None, THB)


def _tx(key: str, *legs: Leg, day: dt.date = DAY) -> Transaction:
    return Transaction(key, day, "test", legs)


def _opened() -> Ledger:
    """M1 holds 1,000 PTT in its portfolio account; M2 has 40,000.00 THB."""
    ledger = Ledger()
    ledger.apply(_tx("open:M1:PTT", *transfer(TSD_PTT, M1_PTT, 1000)))
    ledger.apply(_tx("open:M2:THB", *transfer(BANK, M2_CASH, 4_000_000)))
    return ledger


def test_public_names_are_the_ledger_vocabulary() -> None:
    assert set(ledger_module.__all__) == {
        "CASH", "CLEARING_FUND", "COLLATERAL", "DEPOSITORY", "SECURITIES", "TCH", "THB",
        "Account", "AccountType", "ConflictingTransaction", "InvalidTransaction", "Leg",
        "Ledger", "Outcome", "Transaction", "UnbalancedTransaction", "transfer", "validate",
    }


def test_dvp_moves_shares_and_cash_through_tch_and_derives_balances() -> None:
    ledger = _opened()
    deliver = _tx("settle:2026-11-24:round1:M1:PTT", *transfer(M1_PTT, TCH_PTT, 400))
    pay = _tx("settle:2026-11-24:round1:M2:THB", *transfer(M2_CASH, TCH_CASH, 1_600_000))
    receive = _tx("settle:2026-11-24:round1:credit", *transfer(TCH_PTT, M2_PTT, 400),
                  *transfer(TCH_CASH, M1_CASH, 1_600_000))
    assert [ledger.apply(tx) for tx in (deliver, pay, receive)] == [Outcome.APPLIED] * 3
    assert ledger.balance(M1_PTT) == 600
    assert ledger.balance(M2_PTT) == 400
    assert ledger.balance(TCH_PTT) == 0
    assert ledger.balance(M1_CASH) == 1_600_000
    assert ledger.balances(owner="M2") == {M2_PTT: 400, M2_CASH: 2_400_000}
    assert ledger.balances(asset="PTT") == {TSD_PTT: -1000, M1_PTT: 600, M2_PTT: 400}
    assert ledger.check_invariants() == []


def test_an_account_never_posted_to_has_a_zero_balance() -> None:
    assert Ledger().balance(M1_PTT) == 0


def test_portfolio_and_client_holdings_of_one_member_are_separate_accounts() -> None:
    ledger = _opened()
    ledger.apply(_tx("open:M1:client", *transfer(TSD_PTT, M1_CLIENT_PTT, 5)))
    assert ledger.balance(M1_PTT) == 1000
    assert ledger.balance(M1_CLIENT_PTT) == 5


def test_an_unbalanced_transaction_is_refused_and_changes_nothing() -> None:
    ledger = _opened()
    before = ledger.balances()
    with pytest.raises(UnbalancedTransaction, match="PTT"):
        ledger.apply(_tx("bad", Leg(M1_PTT, -400), Leg(TCH_PTT, 399)))
    assert ledger.balances() == before
    assert ledger.get("bad") is None


def test_legs_balancing_in_total_but_not_per_asset_are_refused() -> None:
    with pytest.raises(UnbalancedTransaction):
        Ledger().apply(_tx("swap", Leg(M1_PTT, -100), Leg(M2_CASH, 100)))


@pytest.mark.parametrize("tx", [
    Transaction("", DAY, "test", transfer(TSD_PTT, M1_PTT, 1)),
    Transaction("k", dt.datetime(2026, 11, 24, 9), "test", transfer(TSD_PTT, M1_PTT, 1)),
    Transaction("k", DAY, "test", (Leg(M1_PTT, 0), Leg(TSD_PTT, 0))),
    Transaction("k", DAY, "test", (Leg(M1_PTT, 1.0), Leg(TSD_PTT, -1.0))),  # type: ignore[arg-type]
    Transaction("k", DAY, "test", (Leg(M1_PTT, True), Leg(TSD_PTT, -1))),
    Transaction("k", DAY, "test", (Leg(M1_PTT, 1),)),
    Transaction("k", DAY, "test", ()),
    Transaction("k", DAY, "test", (Leg(("M1", SECURITIES, None, "PTT"), 1),  # type: ignore[arg-type]
                                   Leg(TSD_PTT, -1))),
    Transaction("k", DAY, "test", (Leg(Account("M1", CASH, "house", THB), 1),  # type: ignore[arg-type]
                                   Leg(BANK, -1))),
], ids=["no key", "datetime", "zero", "float", "bool", "one leg", "no legs", "plain tuple",
        "unknown account type"])
def test_a_malformed_transaction_is_refused(tx: Transaction) -> None:
    with pytest.raises(InvalidTransaction):
        Ledger().apply(tx)


def test_applying_a_key_again_is_a_no_op() -> None:
    ledger = _opened()
    tx = _tx("settle:2026-11-24:round1:M1:PTT", *transfer(M1_PTT, TCH_PTT, 400))
    assert ledger.apply(tx) is Outcome.APPLIED
    before = ledger.balances()
    assert ledger.apply(tx) is Outcome.ALREADY_APPLIED
    assert ledger.apply(_tx(tx.key, *transfer(M1_PTT, TCH_PTT, 400))) is Outcome.ALREADY_APPLIED
    assert ledger.balances() == before
    assert len(ledger) == 3


def test_a_key_reused_for_other_legs_is_refused() -> None:
    ledger = _opened()
    ledger.apply(_tx("settle:x", *transfer(M1_PTT, TCH_PTT, 400)))
    with pytest.raises(ConflictingTransaction):
        ledger.apply(_tx("settle:x", *transfer(M1_PTT, TCH_PTT, 401)))
    assert ledger.balance(TCH_PTT) == 400


def test_transactions_come_back_in_the_order_applied() -> None:
    ledger = _opened()
    assert [tx.key for tx in ledger.transactions()] == ["open:M1:PTT", "open:M2:THB"]
    assert ledger.get("open:M2:THB") == _tx("open:M2:THB", *transfer(BANK, M2_CASH, 4_000_000))


def test_a_replay_rebuilds_the_same_ledger() -> None:
    ledger = _opened()
    ledger.apply(_tx("s", *transfer(M1_PTT, M2_PTT, 7)))
    replayed = Ledger.from_transactions(ledger.transactions())
    assert replayed.balances() == ledger.balances()
    assert list(replayed.transactions()) == list(ledger.transactions())


def test_a_holding_below_zero_outside_a_depository_breaks_an_invariant() -> None:
    ledger = _opened()
    ledger.apply(_tx("overdeliver", *transfer(M1_PTT, TCH_PTT, 1001)))
    assert ledger.check_invariants() == [f"{M1_PTT} holds -1, below zero"]


ACCOUNTS = [Account(owner, purpose, account_type, asset)
            for owner in ("M1", "M2", TCH)
            for purpose, account_type in ((SECURITIES, AccountType.PORTFOLIO),
                                          (SECURITIES, AccountType.CLIENT), (CASH, None))
            for asset in ("PTT", "PTT-F", THB)]
SOURCES = {asset: Account("TSD", DEPOSITORY, None, asset) for asset in ("PTT", "PTT-F", THB)}

_move = st.tuples(st.sampled_from([*ACCOUNTS, *SOURCES.values()]),
                  st.sampled_from(ACCOUNTS), st.integers(1, 10**15))
_transactions = st.lists(st.lists(_move, min_size=1, max_size=4), max_size=40)


def _build(moves: list[list[tuple[Account, Account, int]]]) -> list[Transaction]:
    txs = []
    for n, group in enumerate(moves):
        legs: list[Leg] = []
        for source, destination, quantity in group:
            # Move the destination's asset, out of the source's account for that asset.
            legs += transfer(source._replace(asset=destination.asset), destination, quantity)
        txs.append(Transaction(f"tx:{n}", DAY, "random", tuple(legs)))
    return txs


@given(_transactions)
def test_random_balanced_transactions_keep_every_asset_summing_to_zero(
    moves: list[list[tuple[Account, Account, int]]],
) -> None:
    txs = _build(moves)
    ledger = Ledger()
    assert all(ledger.apply(tx) is Outcome.APPLIED for tx in txs)
    expected: dict[Account, int] = {}
    for tx in txs:
        for account, amount in tx.legs:
            expected[account] = expected.get(account, 0) + amount
    assert ledger.balances() == {a: q for a, q in expected.items() if q}
    totals: dict[str, int] = {}
    for account, amount in ledger.balances().items():
        totals[account.asset] = totals.get(account.asset, 0) + amount
    assert not any(totals.values())
    assert not [p for p in ledger.check_invariants() if "over all accounts" in p]


@given(_transactions, st.randoms(use_true_random=False))
def test_applying_the_same_list_twice_in_any_order_changes_nothing(
    moves: list[list[tuple[Account, Account, int]]], rng: random.Random,
) -> None:
    txs = _build(moves)
    ledger = Ledger.from_transactions(txs)
    before = ledger.balances()
    again = txs[:]
    rng.shuffle(again)
    assert all(ledger.apply(tx) is Outcome.ALREADY_APPLIED for tx in again)
    assert ledger.balances() == before
    assert len(ledger) == len(txs)
    assert Ledger.from_transactions(again).balances() == before
