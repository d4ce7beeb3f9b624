"""Decision C2 (which cash account a member's obligation uses) is decided in one place, the
clearing rules, and every reader asks them: per member by default, per account type under
`cash_netting = "account"`."""

from __future__ import annotations

import re
from pathlib import Path

from siamex.clearing.foundations.ledger import AccountType
from siamex.clearing.foundations.parameters import ClearingRules

SOURCE = Path(__file__).resolve().parents[3] / "src" / "siamex"


def test_cash_is_the_members_unless_it_nets_per_account_type() -> None:
    assert ClearingRules().cash_type(AccountType.CLIENT) is None
    per_type = ClearingRules({"cash_netting": "account"})
    assert per_type.cash_per_account_type
    assert per_type.cash_type(AccountType.CLIENT) is AccountType.CLIENT


def test_decision_c2_is_read_in_the_clearing_rules_only() -> None:
    readers = sorted(str(path.relative_to(SOURCE)) for path in SOURCE.rglob("*.py")
                     if re.search(r"\.cash_netting\b", path.read_text(encoding="utf-8")))
    assert readers == ["clearing/foundations/parameters.py"]
