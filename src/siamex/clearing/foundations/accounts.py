"""The accounts every part of the clearing house posts to, named once: a member's depository
holdings, its cash (decision C2 chooses which), the risk collateral TCH holds for it, and the
outside sources value enters the ledger from.

Why here, below equities, risk and default management: each of them moves value between the
same accounts, and none of them should reach into another to name one.
"""

from __future__ import annotations

from siamex.clearing.foundations.ledger import (
    CASH,
    COLLATERAL,
    DEPOSITORY,
    SECURITIES,
    TCH,
    THB,
    Account,
)
from siamex.clearing.foundations.members import AccountType
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules

__all__ = ["BANK", "DERIVATIVES_SETTLEMENT", "TSD", "cash_account", "collateral_account",
           "holdings_account", "house_cash", "member_bank", "member_cash"]

TSD = "TSD"  # the depository: where book-entry securities come from (ledger.DEPOSITORY)
BANK = "BANK"  # the settlement banks, the outside source of cash

# clearing-spec.md 1, 4.4: derivatives cash is debited and credited at the member's settlement
# bank; TCH's account holds it only between the payers' debits and the receivers' credits
DERIVATIVES_SETTLEMENT = Account(TCH, "derivatives_settlement", None, THB)


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


def member_bank(member: str) -> Account:
    """A member's account at its settlement bank, outside the clearing house: what TCH
    debits and credits for derivatives settlement (clearing-spec.md 1 [S004])."""
    return Account(member, DEPOSITORY, None, THB)
