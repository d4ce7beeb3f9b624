"""Ceiling and floor (set-trading-rules.md 3.3; decision T5), read from the rule vectors."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from siamex.rulebook.limits import PriceLimits, price_limits
from siamex.rulebook.parameters import DEFAULT_RULEBOOK, Rulebook
from siamex.rulebook.ticks import tick_scale
from siamex.units import parse_price

STOCK = tick_scale(DEFAULT_RULEBOOK, "stock")


def test_every_price_limit_vector(vectors: dict[str, Any]) -> None:
    for case in vectors["price_limits"]:
        if case.get("first_day"):
            limits = price_limits(DEFAULT_RULEBOOK, STOCK, 0,
                                  ipo_price=parse_price(case["ipo_price"]))
        else:
            limits = price_limits(DEFAULT_RULEBOOK, STOCK, parse_price(case["prev_close"]),
                                  board=case.get("board", "main"))
        expected = PriceLimits(parse_price(case["ceiling"]), parse_price(case["floor"]))
        assert limits == expected, case["source"]


def test_the_first_day_ceiling_is_rounded_down_to_a_valid_price() -> None:
    limits = price_limits(DEFAULT_RULEBOOK, STOCK, 0, ipo_price=995)
    assert limits.ceiling == 2975  # 3 x 9.95 = 29.85, tick 0.25 -> 29.75


def test_an_emergency_band_is_one_parameter_away() -> None:
    rules = Rulebook({"price_limit_pct": 15})
    assert price_limits(rules, STOCK, 1000) == PriceLimits(1150, 850)


def test_a_band_wider_than_the_price_floors_at_one_satang() -> None:
    rules = Rulebook({"price_limit_pct": 150})
    assert price_limits(rules, STOCK, 1000).floor == 1


@given(st.integers(min_value=1, max_value=1_000_000))
def test_the_band_never_exceeds_thirty_percent_and_is_never_under_a_tick(prev: int) -> None:
    prev = STOCK.round_down(prev) or 1
    limits = price_limits(DEFAULT_RULEBOOK, STOCK, prev)
    assert STOCK.is_valid(limits.ceiling) and STOCK.is_valid(limits.floor)
    assert limits.ceiling >= STOCK.next_up(prev)
    assert limits.floor <= max(STOCK.next_down(prev), 1)
    if limits.ceiling > STOCK.next_up(prev):
        assert (limits.ceiling - prev) * 10 <= prev * 3
    if STOCK.next_down(prev) and limits.floor < STOCK.next_down(prev):
        assert (prev - limits.floor) * 10 <= prev * 3
