"""The clearing day's steps: listed once each, in the order of the timetable's cut-offs."""

from __future__ import annotations

from siamex.clearing.day import steps
from siamex.clearing.day.steps import STEPS


def test_each_step_is_listed_once() -> None:
    assert len({step.run for step in STEPS}) == len({step.name for step in STEPS}) == len(STEPS)


def test_the_steps_follow_the_timetable() -> None:
    order = [step.run for step in STEPS]
    assert order.index(steps.record_trades) == 0  # the trades are kept before anything moves
    assert (order.index(steps.morning_collateral) < order.index(steps.loans_due)  # 11:00, 11:30
            < order.index(steps.gross_settlement)  # 12:30
            < order.index(steps.net_settlement) < order.index(steps.remedies)  # after round 2
            < order.index(steps.afternoon_collateral) < order.index(steps.repayments)
            < order.index(steps.month_end_step))
