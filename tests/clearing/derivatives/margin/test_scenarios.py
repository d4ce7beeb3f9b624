"""The 16 scenarios of the scanning risk (clearing-spec.md 7.2 CME SPAN)."""

from __future__ import annotations

from fractions import Fraction

from siamex.clearing.derivatives.margin import SCENARIO_COUNT, scenarios


def test_fourteen_regular_moves_each_with_volatility_up_then_down_then_two_extremes() -> None:
    cases = scenarios(Fraction(2), Fraction(35))
    assert len(cases) == SCENARIO_COUNT == 16
    third = Fraction(1, 3)
    moves = [0, third, -third, 2 * third, -2 * third, 1, -1]
    assert [(c.price, c.volatility) for c in cases[:14]] == [
        (Fraction(move), volatility) for move in moves for volatility in (1, -1)]
    assert all(c.cover == 1 for c in cases[:14])
    assert [(c.price, c.volatility, c.cover) for c in cases[14:]] == [
        (2, 0, Fraction(7, 20)), (-2, 0, Fraction(7, 20))]


def test_the_extreme_scenarios_follow_the_table() -> None:
    up, down = scenarios(Fraction(3), Fraction(30))[14:]
    assert (up.price, down.price, up.cover) == (3, -3, Fraction(3, 10))
