"""The book's price ladder: every valid price between floor and ceiling has its own level."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from siamex.rulebook.parameters import DEFAULT_RULEBOOK
from siamex.rulebook.ticks import tick_scale
from siamex.trading.book import Book

STOCK = tick_scale(DEFAULT_RULEBOOK, "stock")


@given(st.integers(min_value=1, max_value=200_000), st.integers(min_value=0, max_value=60))
def test_position_finds_every_ladder_price_and_nothing_else(low: int, width: int) -> None:
    low = STOCK.round_up(low)
    high = low
    for _ in range(width):
        high = STOCK.next_up(high)
    book = Book(STOCK.ladder(low, high))
    for i, price in enumerate(book.prices):
        assert book.position(price) == i
    on_ladder = set(book.prices)
    for price in range(max(1, low - 300), high + 300):
        if price not in on_ladder:
            assert book.position(price) == -1, price
