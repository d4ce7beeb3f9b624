"""The Clearing Fund over the ledger: the members' contributions and SET's resources.

clearing-spec.md 3.7 [S002]. Every resource is a ledger account, so a default moves value and
never makes it. A member's contribution is `Account(member, "clearing_fund", None, THB)`, paid
from its cash; SET's two tranches and its Reserve Fund are TCH-side accounts (`set_tranche_1`,
`set_tranche_2`, `reserve_fund`) that SET funds from outside, through the settlement banks'
depository source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from siamex.clearing.foundations.accounts import BANK, house_cash
from siamex.clearing.foundations.keys import key
from siamex.clearing.foundations.ledger import (
    CLEARING_FUND,
    DEPOSITORY,
    TCH,
    THB,
    Account,
    Outcome,
    Transaction,
    transfer,
)
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.store import LedgerStore

__all__ = ["FUND_INCOME", "RESERVE_FUND", "SET_TRANCHE_1", "SET_TRANCHE_2", "Contribution",
           "clearing_fund_balance", "contribute", "contribution_account", "contribution_key",
           "contributions", "financial_resources", "fund_set"]


SET_TRANCHE_1 = Account(TCH, "set_tranche_1", None, THB)  # 3.7: SET's first 60M


SET_TRANCHE_2 = Account(TCH, "set_tranche_2", None, THB)  # 3.7: SET's remaining contribution


RESERVE_FUND = Account(TCH, "reserve_fund", None, THB)  # 3.7: the SET Reserve Fund


FUND_INCOME = Account(TCH, "fund_income", None, THB)  # 3.7: kept until membership ends


_SOURCE = Account(BANK, DEPOSITORY, None, THB)  # where SET's money enters the ledger


def contribution_account(member: str) -> Account:
    """A member's Clearing Fund contribution, kept apart from its cash and collateral."""
    return Account(member, CLEARING_FUND, None, THB)


def contribution_key(member: str, day: dt.date, ref: str) -> str:
    """The key a contribution is posted under: once per member, day and reference."""
    return key("clearing-fund", day, member, "contribute", ref)


def contribute(store: LedgerStore, member: str, amount: int, day: dt.date,
               ref: str, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> Outcome:
    """Move a member's contribution from its cash into the Clearing Fund (3.7).

    Initial and risk-based contributions alike: their amounts are not published, so the caller
    passes them. Refused when the cash is not there, since a member cannot hold below zero.
    """
    if amount <= 0:
        raise ValueError(f"a contribution must be positive, got {amount}")
    key = contribution_key(member, day, ref)
    cash = house_cash(member, rules)
    if store.balances().get(cash, 0) < amount and store.posted(key) is None:
        raise ValueError(f"{member} has less than {amount} satang of cash to contribute")
    return store.append(Transaction(key, day, "clearing fund contribution",
                                    transfer(cash, contribution_account(member), amount)))


def fund_set(store: LedgerStore, day: dt.date, tranche_2: int, reserve_fund: int,
             rules: ClearingRules = DEFAULT_CLEARING_RULES) -> list[Outcome]:
    """Bring SET's resources in from outside: tranche 1 at the rules' amount, tranche 2 and
    the Reserve Fund as given (3.7; their sizes are SET's, sized for Cover-2)."""
    amounts = ((SET_TRANCHE_1, rules.set_tranche_1), (SET_TRANCHE_2, tranche_2),
               (RESERVE_FUND, reserve_fund))
    return store.append_all([
        Transaction(key("clearing-fund", day, "SET", account.purpose), day, "SET resources",
                    transfer(_SOURCE, account, amount))
        for account, amount in amounts if amount])


def contributions(store: LedgerStore) -> dict[str, int]:
    """Each member's contribution now, in satang."""
    return {a.owner: q for a, q in store.balances().items()
            if a.purpose == CLEARING_FUND and a.asset == THB}


def clearing_fund_balance(store: LedgerStore) -> int:
    """The Clearing Fund: the members' contributions and SET's two tranches (3.7)."""
    balances = store.balances()
    return (sum(contributions(store).values()) + balances.get(SET_TRANCHE_1, 0)
            + balances.get(SET_TRANCHE_2, 0))


def financial_resources(store: LedgerStore) -> int:
    """Financial Resources = Clearing Fund + SET Reserve Fund (3.7)."""
    return clearing_fund_balance(store) + store.balances().get(RESERVE_FUND, 0)


@dataclass(frozen=True, slots=True)
class Contribution:
    """A member's Clearing Fund contribution, in satang."""

    member: str
    amount: int
    ref: str
