"""Halts and signs: H and SP stop a security, resting orders stay, trading resumes through a
pre-open and an auction; information and cash-balance signs do not stop trading (7.1, T8, T9,
T21)."""

from __future__ import annotations

from siamex.trading.commands import Halt, Resume, SetSign
from siamex.trading.events import AuctionResult, Cancelled, PhaseChanged, StatusChanged
from tests.trading.harness import Session, of_type, reasons, stock, trades


def _open_session() -> Session:
    s = Session()
    s.advance("10:00")
    s.new("10:10", "b1", "buy", 1000, "64.00", member="M1")
    s.new("10:11", "s1", "sell", 500, "64.50", member="M2", account="B1")
    return s


def test_a_halt_keeps_resting_orders_and_takes_only_cancels() -> None:
    s = _open_session()
    events = s.op(Halt, "10:30", "AOT")
    assert [(e.what, e.value) for e in of_type(events, StatusChanged)] == [("halt", "H")]
    assert s.phase() == "HALTED"
    assert s.book(side="buy") == [("b1", 1000, 1000)]
    assert reasons(s.new("10:31", "n1", "buy", 100, "64.00")) == ["HALTED"]
    assert reasons(s.amend("10:32", "b1", qty=500)) == ["HALTED"]
    assert of_type(s.cancel("10:33", "s1"), Cancelled)


def test_resuming_a_halt_in_a_continuous_session_runs_a_pre_open_then_an_auction() -> None:
    s = _open_session()
    s.op(Halt, "10:30", "AOT")
    events = s.op(Resume, "11:00", "AOT")
    assert [e.phase.value for e in of_type(events, PhaseChanged)] == ["PRE_OPEN"]
    s.new("11:05", "s2", "sell", 400, "63.75", member="M2", account="B1")
    events = s.advance("11:10")
    assert [(a.session, a.price, a.qty) for a in of_type(events, AuctionResult)] == [
        ("resume", 6400, 400)]
    assert trades(events) == [("64.00", 400, "b1", "s2")]
    assert s.phase() == "OPEN_1"


def test_orders_entered_during_the_resumption_pre_open_wait_for_its_auction() -> None:
    s = _open_session()
    s.op(Halt, "10:30", "AOT")
    s.op(Resume, "11:00", "AOT")
    assert trades(s.new("11:01", "s2", "sell", 300, "63.00", member="M2", account="B1")) == []
    assert reasons(s.new("11:02", "f1", "buy", 100, "64.50", validity="fak")) == [
        "ORDER_TYPE_NOT_ALLOWED"]


def test_a_halt_outlasting_the_session_stays_until_resumed() -> None:
    s = _open_session()
    s.op(Halt, "11:00", "AOT")
    events = s.advance("14:00")
    assert ("AOT", "HALTED") in [(e.symbol, e.phase.value) for e in of_type(events, PhaseChanged)]
    assert not [a for a in of_type(events, AuctionResult) if a.symbol == "AOT"]
    assert s.phase() == "HALTED"
    s.op(Resume, "14:30", "AOT")
    assert s.phase() == "PRE_OPEN"


def test_resuming_in_the_intermission_rejoins_the_schedule_without_a_pre_open() -> None:
    s = _open_session()
    s.op(Halt, "12:00", "AOT")
    s.advance("12:44")
    events = s.op(Resume, "12:45", "AOT")
    assert [e.phase.value for e in of_type(events, PhaseChanged)] == ["INTERMISSION"]


def test_a_suspension_at_the_start_of_the_day_lasts_all_day() -> None:
    s = Session(stock(signs=("SP",)))
    assert s.phase() == "HALTED"
    s.advance("10:00")
    assert s.phase() == "HALTED"
    assert reasons(s.new("10:05", "n1", "buy", 100, "64.00")) == ["HALTED"]
    s.advance("16:45")
    assert s.phase() == "HALTED"


def test_resume_of_a_security_that_is_not_halted_is_refused() -> None:
    s = _open_session()
    assert reasons(s.op(Resume, "10:30", "AOT", "r1")) == ["INVALID"]
    assert reasons(s.op(Halt, "10:30", "NOPE", "H", "h1")) == ["UNKNOWN_SYMBOL"]


def test_an_information_sign_does_not_stop_trading() -> None:
    s = _open_session()
    events = s.op(SetSign, "10:20", "AOT", "XD")
    assert [(e.what, e.value, e.on) for e in of_type(events, StatusChanged)] == [
        ("sign", "XD", True)]
    assert trades(s.new("10:21", "x1", "sell", 100, "64.00", member="M3", account="C1")) == [
        ("64.00", 100, "b1", "x1")]


def test_a_cash_balance_sign_requires_cash_balance_buys_only() -> None:
    s = _open_session()
    s.op(SetSign, "10:20", "AOT", "CB")
    assert reasons(s.new("10:21", "n1", "buy", 100, "64.00")) == ["CASH_BALANCE_REQUIRED"]
    assert not reasons(s.new("10:22", "n2", "buy", 100, "64.00", cash_balance=True))
    assert not reasons(s.new("10:23", "n3", "sell", 100, "64.75", member="M3", account="C1"))
    s.op(SetSign, "10:24", "AOT", "CB", False)
    assert not reasons(s.new("10:25", "n4", "buy", 100, "64.00"))


def test_halting_and_unknown_signs_cannot_be_set_as_plain_signs() -> None:
    s = _open_session()
    assert reasons(s.op(SetSign, "10:20", "AOT", "SP", True, "s1")) == ["INVALID"]
    assert reasons(s.op(SetSign, "10:21", "AOT", "ZZ", True, "s2")) == ["INVALID"]
    assert s.phase() == "OPEN_1"
    assert s.engine.instruments["AOT"].signs == frozenset()
