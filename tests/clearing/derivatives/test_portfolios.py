"""What TCH margins together (clearing-spec.md 4.2, decision 133): a net account on its net,
a gross account gross (longs and shorts apart) until TCH approves net margining, and an
account under its margin parent only once propagation is approved."""

from __future__ import annotations

from pathlib import Path

from siamex.clearing.derivatives.accounts import Approval, load_accounts
from siamex.clearing.derivatives.portfolios import Portfolio, portfolios

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "derivatives" / "accounts.json"
BOOK = load_accounts(EXAMPLE)


def test_a_net_account_is_margined_on_its_net() -> None:
    assert portfolios({("A-01", "S50Z26"): (8, 3)}, BOOK, {}) == [
        Portfolio("A", "A-01", ("A-01",), {"S50Z26": 5})]


def test_a_gross_account_is_margined_gross_until_net_margining_is_approved() -> None:
    held = {("A-02", "S50Z26"): (8, 4), ("A-02", "S50H27"): (0, 2)}
    assert portfolios(held, BOOK, {}) == [
        Portfolio("A", "A-02/long", ("A-02",), {"S50Z26": 8}),
        Portfolio("A", "A-02/short", ("A-02",), {"S50H27": -2, "S50Z26": -4})]
    approved = {"A-02": frozenset({Approval.NET_MARGIN})}
    assert portfolios(held, BOOK, approved) == [
        Portfolio("A", "A-02", ("A-02",), {"S50H27": -2, "S50Z26": 4})]


def test_an_account_joins_its_margin_parent_only_once_propagation_is_approved() -> None:
    held = {("A-01", "S50Z26"): (5, 0), ("A-03", "S50Z26"): (0, 5), ("A-03", "GFG27"): (1, 0)}
    assert [p.name for p in portfolios(held, BOOK, {})] == ["A-01", "A-03"]
    approved = {"A-03": frozenset({Approval.PROPAGATION})}
    assert portfolios(held, BOOK, approved) == [
        Portfolio("A", "A-01", ("A-01", "A-03"), {"GFG27": 1})]


def test_an_account_without_a_position_forms_no_portfolio() -> None:
    assert portfolios({("B-01", "S50Z26"): (0, 0), ("C-01", "S50Z26"): (2, 2)}, BOOK, {}) == []
