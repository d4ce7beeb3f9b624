"""Self-match prevention: an order does not trade with a resting order of its own member that
carries the same smp_id, or of the same account when the member's flag is on; the rulebook's
self_match_action says what happens instead (set-trading-rules.md 2.1, T23, decision 82)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from siamex.trading.commands import MemberSpec
from siamex.trading.events import Cancelled, Event, StatusChanged
from tests.trading.harness import Session, of_type, stock, trades

ACTIONS = ["cancel_incoming", "cancel_resting", "cancel_both"]
BOTH_SWEEPS = pytest.mark.parametrize("band", [True, False], ids=["banded", "unbanded"])
OTHER = {"member": "M2", "account": "B1"}


def day(action: str = "cancel_incoming", band: bool = True, *instruments: Any,
        members: Sequence[MemberSpec] = ()) -> Session:
    """A session in its morning continuous session; `band` False turns the price band off."""
    rules: dict[str, Any] = {"self_match_action": action}
    if not band:
        rules["dynamic_price_band_pct"] = 0
    session = Session(*instruments, rules=rules, members=members)
    session.advance("10:00")
    return session


def cancels(events: list[Event]) -> list[tuple[str, int, str | None]]:
    return [(c.id, c.qty, c.reason.value if c.reason else None)
            for c in of_type(events, Cancelled)]


def test_the_default_action_is_to_cancel_the_incoming_remainder() -> None:
    s = Session()
    assert s.engine.rules.self_match_action == "cancel_incoming"


@BOTH_SWEEPS
def test_one_members_orders_with_the_same_smp_id_do_not_trade_across_accounts(
        band: bool) -> None:
    s = day(band=band)
    s.new("10:01", "other", "sell", 100, "64.00", smp_id="c1", **OTHER)
    s.new("10:02", "own", "sell", 100, "64.00", account="A2", smp_id="c1")
    events = s.new("10:03", "b", "buy", 500, "64.00", account="A1", smp_id="c1")
    assert trades(events) == [("64.00", 100, "b", "other")]  # another member's c1 is not ours
    assert cancels(events) == [("b", 400, "SELF_MATCH")]
    assert s.book() == [("own", 100, 100)]


def test_orders_trade_unless_both_carry_the_same_smp_id() -> None:
    s = day()
    s.new("10:01", "s1", "sell", 100, "64.00", smp_id="c1")
    s.new("10:02", "s2", "sell", 100, "64.00", smp_id="c2")
    s.new("10:03", "s3", "sell", 100, "64.00")
    assert trades(s.new("10:04", "b1", "buy", 100, "64.00")) == [("64.00", 100, "b1", "s1")]
    assert trades(s.new("10:05", "b2", "buy", 100, "64.00", smp_id="c3")) == [
        ("64.00", 100, "b2", "s2")]
    assert trades(s.new("10:06", "b3", "buy", 100, "64.00", smp_id="c1")) == [
        ("64.00", 100, "b3", "s3")]


@BOTH_SWEEPS
def test_cancel_resting_cancels_each_own_order_met_and_matches_on(band: bool) -> None:
    s = day("cancel_resting", band)
    s.new("10:01", "own1", "sell", 100, "64.00", smp_id="c1")
    s.new("10:02", "other", "sell", 100, "64.00", **OTHER)
    s.new("10:03", "own2", "sell", 200, "64.25", account="A2", smp_id="c1")
    s.new("10:04", "deep", "sell", 300, "64.50", **OTHER)
    events = s.new("10:05", "b", "buy", 500, "64.50", smp_id="c1")
    assert [type(e).__name__ for e in events] == [
        "Accepted", "Trade", "Trade", "Cancelled", "Cancelled"]
    assert trades(events) == [("64.00", 100, "b", "other"), ("64.50", 300, "b", "deep")]
    assert cancels(events) == [("own1", 100, "SELF_MATCH"), ("own2", 200, "SELF_MATCH")]
    assert s.book(side="sell") == []
    assert s.book(side="buy") == [("b", 100, 100)]
    assert "own1" not in s.engine.orders and "own2" not in s.engine.orders


@BOTH_SWEEPS
def test_cancel_both_cancels_the_first_own_order_met_and_the_incoming_remainder(
        band: bool) -> None:
    s = day("cancel_both", band)
    s.new("10:01", "other", "sell", 100, "64.00", **OTHER)
    s.new("10:02", "own1", "sell", 100, "64.00", smp_id="c1")
    s.new("10:03", "own2", "sell", 100, "64.00", smp_id="c1")
    events = s.new("10:04", "b", "buy", 500, "64.00", smp_id="c1")
    assert trades(events) == [("64.00", 100, "b", "other")]
    assert cancels(events) == [("own1", 100, "SELF_MATCH"), ("b", 400, "SELF_MATCH")]
    assert s.book() == [("own2", 100, 100)]
    assert s.book(side="buy") == []


@pytest.mark.parametrize(("action", "cancelled", "sells", "buys"), [
    ("cancel_incoming", [("b", 100, "SELF_MATCH")], [("own", 100, 100)], []),
    ("cancel_resting", [("own", 100, "SELF_MATCH")], [], [("b", 100, 100)]),
    ("cancel_both", [("own", 100, "SELF_MATCH"), ("b", 100, "SELF_MATCH")], [], []),
])
def test_the_members_account_flag_takes_the_same_action(
        action: str, cancelled: list[tuple[str, int, str]], sells: list[tuple[str, int, int]],
        buys: list[tuple[str, int, int]]) -> None:
    s = day(action, members=[MemberSpec("M1", self_match_prevention=True)])
    s.new("10:01", "own", "sell", 100, "64.00")
    events = s.new("10:02", "b", "buy", 100, "64.00")
    assert trades(events) == []
    assert cancels(events) == cancelled
    assert s.book() == sells
    assert s.book(side="buy") == buys


@pytest.mark.parametrize(("account", "smp_id", "traded"), [
    ("A1", "x", False),  # the same account, under the member's flag
    ("A2", "y", False),  # the same smp_id
    ("A2", "x", True),  # neither
])
def test_with_the_flag_on_either_rule_makes_a_self_match(account: str, smp_id: str,
                                                         traded: bool) -> None:
    s = day(members=[MemberSpec("M1", self_match_prevention=True)])
    s.new("10:01", "own", "sell", 100, "64.00", account=account, smp_id=smp_id)
    events = s.new("10:02", "b", "buy", 100, "64.00", account="A1", smp_id="y")
    assert bool(trades(events)) is traded
    assert cancels(events) == ([] if traded else [("b", 100, "SELF_MATCH")])


def _fok_book(action: str, band: bool) -> Session:
    s = day(action, band)
    s.new("10:01", "other", "sell", 100, "64.00", **OTHER)
    s.new("10:02", "own", "sell", 100, "64.00", smp_id="c1")
    s.new("10:03", "deep", "sell", 100, "64.25", **OTHER)
    return s


@BOTH_SWEEPS
@pytest.mark.parametrize("action", ["cancel_incoming", "cancel_both"])
def test_a_fill_or_kill_order_counts_only_what_lies_ahead_of_its_own_order(
        action: str, band: bool) -> None:
    s = _fok_book(action, band)
    events = s.new("10:04", "b", "buy", 200, "64.25", validity="fok", smp_id="c1")
    assert trades(events) == []
    assert cancels(events) == [("b", 200, "FOK_UNFILLED")]  # its own order stays
    assert [row[0] for row in s.book()] == ["other", "own", "deep"]
    assert trades(s.new("10:05", "b2", "buy", 100, "64.25", validity="fok", smp_id="c1")) == [
        ("64.00", 100, "b2", "other")]


@BOTH_SWEEPS
def test_a_fill_or_kill_order_that_cancels_its_own_orders_counts_the_others(band: bool) -> None:
    s = _fok_book("cancel_resting", band)
    events = s.new("10:04", "b", "buy", 300, "64.25", validity="fok", smp_id="c1")
    assert cancels(events) == [("b", 300, "FOK_UNFILLED")]  # 200 only: nothing changes
    assert [row[0] for row in s.book()] == ["other", "own", "deep"]
    events = s.new("10:05", "b2", "buy", 200, "64.25", validity="fok", smp_id="c1")
    assert trades(events) == [("64.00", 100, "b2", "other"), ("64.25", 100, "b2", "deep")]
    assert cancels(events) == [("own", 100, "SELF_MATCH")]


def test_an_own_iceberg_is_cancelled_whole_hidden_quantity_included() -> None:
    s = day("cancel_resting")
    s.new("10:01", "ice", "sell", 500, "64.00", smp_id="c1", published_qty=100)
    s.new("10:02", "other", "sell", 100, "64.00", **OTHER)
    events = s.new("10:03", "b", "buy", 100, "64.00", smp_id="c1")
    assert trades(events) == [("64.00", 100, "b", "other")]
    assert cancels(events) == [("ice", 500, "SELF_MATCH")]
    assert s.book() == []


def test_an_iceberg_refilled_behind_an_own_order_is_not_met_again() -> None:
    s = day()
    s.new("10:01", "ice", "sell", 500, "64.00", published_qty=100, **OTHER)
    s.new("10:02", "own", "sell", 100, "64.00", smp_id="c1")
    events = s.new("10:03", "b", "buy", 300, "64.00", smp_id="c1")
    assert trades(events) == [("64.00", 100, "b", "ice")]
    assert cancels(events) == [("b", 200, "SELF_MATCH")]
    assert s.book() == [("own", 100, 100), ("ice", 400, 100)]


@pytest.mark.parametrize(("qty", "filled"), [(100, True), (200, False)])
def test_a_fill_or_kill_order_counts_only_the_iceberg_slice_ahead_of_its_own_order(
        qty: int, filled: bool) -> None:
    s = day()
    s.new("10:01", "ice", "sell", 500, "64.00", published_qty=100, **OTHER)
    s.new("10:02", "own", "sell", 100, "64.00", smp_id="c1")
    events = s.new("10:03", "b", "buy", qty, "64.00", validity="fok", smp_id="c1")
    assert bool(trades(events)) is filled
    assert cancels(events) == ([] if filled else [("b", qty, "FOK_UNFILLED")])


def _band_day(action: str) -> Session:
    """X at 10.00: own offers at 11.00, the band's edge; another member's at 11.10, beyond it
    unless the reference moves to 11.00."""
    s = day(action, True, stock("X", "10.00"))
    s.new("10:01", "own", "sell", 100, "11.00", symbol="X", smp_id="c1")
    s.new("10:02", "far", "sell", 100, "11.10", symbol="X", **OTHER)
    return s


def test_under_the_band_a_level_where_the_walk_only_cancelled_does_not_move_the_reference(
        ) -> None:
    s = _band_day("cancel_resting")
    events = s.new("10:03", "b", "buy", 100, "11.10", symbol="X", smp_id="c1")
    assert trades(events) == []
    assert cancels(events) == [("own", 100, "SELF_MATCH")]
    assert [(e.what, e.value) for e in of_type(events, StatusChanged)] == [
        ("dynamic_price_band", "11.10")]
    assert s.phase("X") == "PRE_OPEN"
    assert s.book("X", "buy") == [("b", 100, 100)]


def test_under_the_band_a_fill_or_kill_order_agrees_with_the_walk() -> None:
    s = _band_day("cancel_resting")
    events = s.new("10:03", "b", "buy", 100, "11.10", symbol="X", validity="fok", smp_id="c1")
    assert cancels(events) == [("b", 100, "FOK_UNFILLED")]
    assert s.phase("X") == "OPEN_1"
    assert [row[0] for row in s.book("X")] == ["own", "far"]


def test_under_the_band_cancel_incoming_stops_before_the_band_is_reached() -> None:
    s = _band_day("cancel_incoming")
    events = s.new("10:03", "b", "buy", 200, "11.10", symbol="X", smp_id="c1")
    assert cancels(events) == [("b", 200, "SELF_MATCH")]
    assert s.phase("X") == "OPEN_1"


def test_an_mp_mtl_order_that_cancelled_every_order_at_the_best_price_rests_there() -> None:
    s = day("cancel_resting")
    s.new("10:01", "own", "sell", 100, "64.00", smp_id="c1")
    s.new("10:02", "next", "sell", 100, "64.25", **OTHER)
    events = s.new("10:03", "b", "buy", 300, type="mp_mtl", smp_id="c1")
    assert trades(events) == []
    assert cancels(events) == [("own", 100, "SELF_MATCH")]
    assert s.book(side="buy") == [("b", 300, 300)]
    assert s.engine.orders["b"].price == 6400
    assert s.engine.orders["b"].type.value == "limit"


def test_an_order_requeued_by_an_amend_keeps_its_smp_id() -> None:
    s = day()
    s.new("10:01", "own", "sell", 100, "64.25", smp_id="c1")
    s.new("10:02", "b", "buy", 100, "64.00", account="A2", smp_id="c1")
    events = s.amend("10:03", "b", price="64.25")
    assert trades(events) == []
    assert cancels(events) == [("b", 100, "SELF_MATCH")]


def test_a_short_sale_cancelled_as_a_self_match_leaves_the_short_exposure() -> None:
    s = day("cancel_resting", True, stock("AOT", "64.00", short_eligible=True,
                                         listed_shares=10_000_000))
    s.new("10:01", "short", "sell", 100, "64.25", short=True, smp_id="c1")
    inst = s.engine.instruments["AOT"]
    assert inst.short_exposure == 100
    assert cancels(s.new("10:02", "b", "buy", 100, "64.25", smp_id="c1")) == [
        ("short", 100, "SELF_MATCH")]
    assert inst.short_exposure == 0


def test_the_odd_lot_board_applies_it_too() -> None:
    s = day()
    s.new("10:01", "own", "sell", 50, "64.00", smp_id="c1")
    events = s.new("10:02", "b", "buy", 50, "64.00", account="A2", smp_id="c1")
    assert cancels(events) == [("b", 50, "SELF_MATCH")]


@pytest.mark.parametrize("action", ACTIONS)
def test_a_call_auction_does_not_apply_it(action: str) -> None:
    s = Session(rules={"self_match_action": action},
                members=[MemberSpec("M1", self_match_prevention=True)])
    s.advance("09:30")
    s.new("09:31", "s", "sell", 100, "64.00", smp_id="c1")
    s.new("09:32", "b", "buy", 100, "64.00", smp_id="c1")
    events = s.advance("10:00")
    assert trades(events) == [("64.00", 100, "b", "s")]
    assert cancels(events) == []
