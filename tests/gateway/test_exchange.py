"""The exchange behind the gateway: registry, pre-trade risk, ownership, engine, reports."""

from __future__ import annotations

import msgspec
import pytest

from siamex.gateway.exchange import Exchange, Outcome
from siamex.gateway.registry_changes import RegSetTraderApproval
from siamex.gateway.reports import ExecKind, OrderReport, OrderStatus, RequestRejected
from siamex.gateway.risk_commands import RiskKill, RiskSetLimits, ScopeKind
from siamex.gateway.universe import bundled_universe
from siamex.trading.enums import Side
from tests.gateway.market import Market


def _reports(outcome: Outcome) -> list[OrderReport]:
    reports = outcome.reports
    assert all(isinstance(r, OrderReport) for r in reports)
    return list(reports)


def test_an_order_is_acknowledged_to_the_ors_it_came_through() -> None:
    market = Market()
    (report,) = _reports(market.order(Side.BUY, 100, "32.00", clordid="A1"))
    assert (report.kind, report.status, report.ors, report.clordid) == (
        ExecKind.NEW, OrderStatus.NEW, "M01-ORS1", "A1")
    assert report.order_no is not None and report.leaves == 100


def test_a_trade_is_reported_to_both_members() -> None:
    market = Market()
    market.order(Side.SELL, 300, "32.25", clordid="S1")
    reports = _reports(market.order(Side.BUY, 100, "32.25", trader="M02T1", ors="M02-ORS1",
                                    clordid="B1"))
    trades = [r for r in reports if r.kind is ExecKind.TRADE]
    assert {(r.member, r.clordid, r.status) for r in trades} == {
        ("M01", "S1", OrderStatus.PARTIALLY_FILLED), ("M02", "B1", OrderStatus.FILLED)}
    assert all(r.last_qty == 100 and r.last_price == 3225 for r in trades)


def test_each_pre_trade_limit_refuses_with_its_code() -> None:
    market = Market()
    cases = [(2_000_000, "1.00", "MAX_ORDER_VOLUME"),  # member M01: 1,000,000 shares
             (200_000, "32.25", "MAX_ORDER_VALUE"),  # 6,450,000 THB > 5,000,000
             (100, "35.75", "PRICE_CHECK")]  # 10% above 32.25
    for qty, price, code in cases:
        (report,) = _reports(market.order(Side.BUY, qty, price))
        assert (report.kind, report.code) == (ExecKind.REJECTED, code), report.text
    for _ in range(10):  # 10 x 150,000 x 32.25 = 48.4 million THB of the 50 million
        market.order(Side.BUY, 150_000, "32.25")
    (report,) = _reports(market.order(Side.BUY, 150_000, "32.25"))
    assert report.code == "CREDIT_LIMIT"
    assert "50,000,000.00 THB" in report.text


def test_a_series_order_is_valued_at_its_notional_for_the_value_limit() -> None:
    with bundled_universe("tfex") as path:
        market = Market(universe=path)
    # S50Z26 at 821.0 points, 200 THB a point: 164,200 THB a contract, M01's limit 5,000,000
    for qty, code in ((30, None), (31, "MAX_ORDER_VALUE")):
        (report,) = _reports(market.order(Side.BUY, qty, "821.00", symbol="S50Z26"))
        assert report.code == code, report.text


def test_the_kill_switch_cancels_every_resting_order_of_its_scope_in_one_step() -> None:
    market = Market(step=1)  # within the minimum resting time, which a kill switch overrides
    for price in ("31.00", "31.25", "31.50"):
        market.order(Side.BUY, 100, price)
    market.order(Side.BUY, 100, "31.00", trader="M02T1", ors="M02-ORS1")
    outcome = market.run(RiskKill(0, ScopeKind.MEMBER, "M01"))
    cancelled = _reports(outcome)
    assert len(cancelled) == 3
    assert all(r.kind is ExecKind.CANCELLED and r.code == "KILL_SWITCH" and r.member == "M01"
               for r in cancelled)
    (refused,) = _reports(market.order(Side.BUY, 100, "31.00"))
    assert refused.code == "KILL_SWITCH"
    assert len(market.exchange.orders.of_member("M02")) == 1


def test_a_trader_cannot_touch_an_order_it_may_not_see_and_learns_nothing() -> None:
    market = Market()
    market.order(Side.BUY, 100, "31.00", clordid="A1", account="C0001")
    other_account = market.cancel("A1", trader="M01T2")  # M01T2 may use C0002 only
    other_member = market.cancel("A1", trader="M02T1", ors="M02-ORS1")
    nobody = market.cancel("NOPE", trader="M02T1", ors="M02-ORS1")
    texts = set()
    for outcome in (other_account, other_member, nobody):
        (reject,) = outcome.reports
        assert isinstance(reject, RequestRejected) and reject.code == "NOT_OWNER"
        texts.add(reject.text.replace("NOPE", "A1"))
    assert len(texts) == 1
    assert market.exchange.orders.find("M01", "A1") is not None


def test_replace_chains_the_client_order_id() -> None:
    market = Market()
    market.order(Side.BUY, 100, "31.00", clordid="A1")
    (replaced,) = _reports(market.replace("A1", 200, "31.25", clordid="A2"))
    assert (replaced.kind, replaced.clordid, replaced.orig_clordid, replaced.qty,
            replaced.price) == (ExecKind.REPLACED, "A2", "A1", 200, 3125)
    (cancelled,) = _reports(market.cancel("A2", clordid="A3"))
    assert (cancelled.kind, cancelled.clordid, cancelled.orig_clordid) == (
        ExecKind.CANCELLED, "A3", "A2")
    assert market.exchange.orders.find("M01", "A1") is None


def test_a_client_order_id_is_unique_among_the_members_live_orders() -> None:
    market = Market()
    market.order(Side.BUY, 100, "31.00", clordid="A1")
    (again,) = _reports(market.order(Side.BUY, 100, "31.00", clordid="A1"))
    assert again.code == "DUPLICATE_ID"
    (other,) = _reports(market.order(Side.BUY, 100, "31.00", clordid="A1", trader="M02T1",
                                     ors="M02-ORS1"))
    assert other.kind is ExecKind.NEW


def test_an_unapproved_trader_is_refused() -> None:
    market = Market()
    market.run(RegSetTraderApproval(0, "M01T2", False))
    (report,) = _reports(market.order(Side.BUY, 100, "31.00", trader="M01T2", account="C0002"))
    assert report.code == "TRADER_NOT_APPROVED"


def test_a_refused_limit_change_says_why_and_changes_nothing() -> None:
    market = Market()
    before = market.exchange.state_hash()
    outcome = market.run(RiskSetLimits(0, ScopeKind.ORS, "M01", "", credit=1))
    assert outcome.refusal is not None and outcome.refusal.code.value == "INVALID"
    assert market.exchange.state_hash() == before


@pytest.mark.parametrize(("kind", "member", "scope_id", "code"), [
    (ScopeKind.MEMBER, "M09", "", "UNKNOWN_MEMBER"),
    (ScopeKind.ORS, "M01", "M02-ORS1", "UNKNOWN_ORS"),
    (ScopeKind.TRADER, "M01", "NOBODY", "UNKNOWN_TRADER"),
    (ScopeKind.ACCOUNT, "M02", "P0001", "UNKNOWN_ACCOUNT"),
])
def test_a_limit_or_kill_switch_for_a_scope_the_registry_lacks_is_refused(
        kind: ScopeKind, member: str, scope_id: str, code: str) -> None:
    market = Market()
    before = market.exchange.state_hash()
    for command in (RiskSetLimits(0, kind, member, scope_id, max_volume=100),
                    RiskKill(0, kind, member, scope_id)):
        outcome = market.run(command)
        assert outcome.refusal is not None and outcome.refusal.code.value == code
    assert market.exchange.state_hash() == before


def test_the_state_survives_its_snapshot_and_a_replay_of_the_same_commands() -> None:
    market = Market()
    market.order(Side.SELL, 300, "32.25", clordid="S1")
    market.order(Side.BUY, 100, "32.25", trader="M02T1", ors="M02-ORS1")
    market.replace("S1", 250, "32.50")
    copy = Exchange.from_state(msgspec.json.decode(msgspec.json.encode(
        market.exchange.state())))
    assert copy.state_hash() == market.exchange.state_hash()
    replayed = Exchange()
    for seq, command in market.sent:
        replayed.handle(seq, command)
    assert replayed.state_hash() == market.exchange.state_hash()
