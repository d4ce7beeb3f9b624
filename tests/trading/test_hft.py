"""High-frequency accounts: registered before they trade, and buying only the permitted
universe (SET100 members, DWs, DRs, ETFs) while that rule is on (9)."""

from __future__ import annotations

from siamex.trading.commands import AccountSpec
from tests.trading.harness import Session, reasons, stock


def _day(**rules: object) -> Session:
    s = Session(stock("AOT", index_member=("SET100",)), stock("SMALL", "5.00"),
                stock("TDEX", "10.00", kind="etf"), indices=[("SET100", "1000.00")],
                accounts=[AccountSpec("H1", True, True), AccountSpec("H2", True, False)],
                rules=dict(rules))
    s.advance("10:00")
    return s


def test_an_unregistered_high_frequency_account_is_refused() -> None:
    s = _day()
    assert reasons(s.new("10:01", "o1", "buy", 100, "64.00", account="H2")) == [
        "HFT_NOT_REGISTERED"]
    assert reasons(s.new("10:01", "o2", "sell", 100, "64.00", account="H2")) == [
        "HFT_NOT_REGISTERED"]


def test_a_registered_account_buys_only_the_permitted_universe() -> None:
    s = _day()
    assert not reasons(s.new("10:01", "o1", "buy", 100, "64.00", account="H1"))
    assert not reasons(s.new("10:02", "o2", "buy", 100, "10.00", symbol="TDEX", account="H1"))
    assert reasons(s.new("10:03", "o3", "buy", 100, "5.00", symbol="SMALL", account="H1")) == [
        "HFT_NOT_PERMITTED"]
    assert not reasons(s.new("10:04", "o4", "sell", 100, "5.05", symbol="SMALL", account="H1"))


def test_the_universe_rule_can_be_turned_off() -> None:
    s = _day(hft_universe_rule=False)
    assert not reasons(s.new("10:03", "o3", "buy", 100, "5.00", symbol="SMALL", account="H1"))


def test_other_accounts_are_not_affected() -> None:
    s = _day()
    assert not reasons(s.new("10:03", "o3", "buy", 100, "5.00", symbol="SMALL", account="A1"))
