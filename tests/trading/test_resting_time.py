"""Minimum Resting Time: an order can be amended or cancelled only once it has rested the
minimum time since its acceptance (9, T15)."""

from __future__ import annotations

from siamex.trading.events import Amended, Cancelled
from tests.trading.harness import Session, of_type, reasons


def _resting() -> Session:
    s = Session()
    s.advance("10:00")
    s.new("10:00:00.000", "o1", "buy", 100, "64.00")
    return s


def test_a_cancel_before_250_ms_is_rejected_vector_22() -> None:
    s = _resting()
    assert reasons(s.cancel("10:00:00.200", "o1")) == ["MIN_RESTING_TIME"]
    assert of_type(s.cancel("10:00:00.250", "o1"), Cancelled)


def test_an_amend_before_250_ms_is_rejected() -> None:
    s = _resting()
    assert reasons(s.amend("10:00:00.249", "o1", qty=200)) == ["MIN_RESTING_TIME"]
    assert of_type(s.amend("10:00:00.250", "o1", qty=200), Amended)


def test_the_rest_is_counted_from_acceptance_not_from_the_last_amend() -> None:
    s = _resting()
    s.amend("10:00:01", "o1", price="64.25")
    assert of_type(s.cancel("10:00:01.001", "o1"), Cancelled)


def test_zero_turns_the_rule_off() -> None:
    s = Session(rules={"min_resting_time_ms": 0})
    s.advance("10:00")
    s.new("10:00:00.000", "o1", "buy", 100, "64.00")
    assert of_type(s.cancel("10:00:00.000", "o1"), Cancelled)
