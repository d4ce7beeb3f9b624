"""Tick sizes and valid prices (set-trading-rules.md 3.2), read straight from the rule vectors."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from siamex.rulebook.parameters import DEFAULT_RULEBOOK
from siamex.rulebook.ticks import tick_scale
from siamex.units import parse_price

STOCK = tick_scale(DEFAULT_RULEBOOK, "stock")


def test_every_tick_size_vector(vectors: dict[str, Any]) -> None:
    for case in vectors["tick_size"]:
        assert STOCK.tick_at(parse_price(case["price"])) == parse_price(case["tick"]), case


def test_every_valid_price_vector(vectors: dict[str, Any]) -> None:
    for case in vectors["valid_price"]:
        scale = tick_scale(DEFAULT_RULEBOOK, case.get("kind", "stock"))
        assert scale.is_valid(parse_price(case["price"])) is case["valid"], case


def test_the_tick_is_looked_up_at_the_price_itself() -> None:
    assert STOCK.tick_at(2490) == 10
    assert STOCK.tick_at(2500) == 25


def test_etfs_and_unit_trusts_quote_in_satang_at_every_price() -> None:
    for kind in ("etf", "unit_trust"):
        scale = tick_scale(DEFAULT_RULEBOOK, kind)
        assert scale.tick_at(123_456) == 1
        assert scale.is_valid(123_457)


def test_rounding_lands_on_the_grid_across_a_band_edge() -> None:
    assert STOCK.round_down(Fraction(3120)) == 3100
    assert STOCK.round_up(Fraction(499)) == 500
    assert STOCK.round_up(Fraction(24_951, 10)) == 2500


def test_one_tick_up_and_down_cross_band_edges() -> None:
    assert STOCK.next_down(500) == 498
    assert STOCK.next_up(498) == 500
    assert STOCK.next_down(1) == 0


@given(st.integers(min_value=1, max_value=2_000_000))
def test_rounding_brackets_every_price(price: int) -> None:
    down, up = STOCK.round_down(price), STOCK.round_up(price)
    assert STOCK.is_valid(down) or down == 0
    assert STOCK.is_valid(up)
    assert down <= price <= up
    assert (down == up) == STOCK.is_valid(price)


@given(st.integers(min_value=1, max_value=100_000), st.integers(min_value=0, max_value=4_000))
def test_a_uniform_tick_is_the_one_row_that_holds_the_whole_range(low: int, span: int) -> None:
    high = low + span
    tick = STOCK.uniform_tick(low, high)
    rows = {STOCK.tick_at(p) for p in range(low, high + 1)}
    if tick:
        assert rows == {tick}
        assert all(STOCK.is_valid(p) == (p % tick == 0) for p in range(low, high + 1))
    else:
        assert len(rows) > 1
