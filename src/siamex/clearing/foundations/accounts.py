"""The accounts every part of the clearing house posts to, named once: a member's depository
holdings, its cash (decision C2 chooses which), the risk collateral TCH holds for it, and the
outside sources value enters the ledger from.

Why here, below equities, risk and default management: each of them moves value between the
same accounts, and none of them should reach into another to name one.
"""

from __future__ import annotations

from siamex.clearing.foundations.ledger import CASH, COLLATERAL, SECURITIES, THB, Account
from siamex.clearing.foundations.members import AccountType
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules

__all__ = ["BANK", "TSD", "cash_account", "collateral_account", "holdings_account",
           "house_cash", "member_cash"]

TSD = "TSD"  # the depository: where book-entry securities come from (ledger.DEPOSITORY)
BANK = "BANK"  # the settlement banks, the outside source of cash


def holdings_account(member: str, account_type: AccountType, security: str) -> Account:
    """A member's depository account of one type: portfolio and client never mix (3.1)."""
    return Account(member, SECURITIES, account_type, security)


def cash_account(member: str, account_type: AccountType | None = None) -> Account:
    """A member's settlement cash account (per account type only under per-account netting)."""
    return Account(member, CASH, account_type, THB)


def member_cash(member: str, account_type: AccountType,
                rules: ClearingRules = DEFAULT_CLEARING_RULES) -> Account:
    """The cash account a member's movements of one account type use: its one cash account,
    or that type's under per-account netting (decision C2)."""
    return cash_account(member, rules.cash_type(account_type))


def house_cash(member: str, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> Account:
    """The member's own cash, for what is not a client's (fund, fees, collateral): its
    portfolio cash under per-account netting (decision C2)."""
    return member_cash(member, AccountType.PORTFOLIO, rules)


def collateral_account(member: str, asset: str = THB) -> Account:
    """A member's risk collateral of one asset, held at TCH: owned by the member, so members
    stay apart from each other and from TCH's SBL pool."""
    return Account(member, COLLATERAL, None, asset)
