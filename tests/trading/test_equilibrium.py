"""The auction equilibrium (set-trading-rules.md 2.2; T1-T3): vectors 12-18 and a naive oracle."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.trading.auction import Equilibrium
from siamex.trading.enums import Side
from siamex.trading.equilibrium import Grid, book_equilibrium
from siamex.units import parse_price
from tests.trading.books import candidates, instrument, ladder, rest
from tests.trading.reference import naive_equilibrium


def _solve(prev_close: int, buys: list[tuple[int | None, int]],
           sells: list[tuple[int | None, int]], reference: int,
           allowance: int | None = None) -> Equilibrium:
    inst = instrument(prev_close, allowance=allowance)
    no = 0
    for side, rows in ((Side.BUY, buys), (Side.SELL, sells)):
        for price, qty in rows:
            no += 1
            rest(inst, no, side, price, qty)
    book = inst.book
    return book_equilibrium(book, inst.grid, book.ato_buy_qty, book.ato_sell_qty, reference)


def _rows(rows: list[list[Any]]) -> list[tuple[int | None, int]]:
    return [(None if p == "ATO" else parse_price(p), q) for p, q in rows]


def test_every_auction_vector(vectors: dict[str, Any]) -> None:
    for case in vectors["auctions"]:
        result = _solve(parse_price(case["prev_close"]), _rows(case["buys"]),
                        _rows(case["sells"]), parse_price(case["reference"]))
        assert (result.price, result.volume) == (parse_price(case["price"]), case["volume"]), (
            case["source"])


def test_the_naive_oracle_passes_the_vectors_too(vectors: dict[str, Any]) -> None:
    for case in vectors["auctions"]:
        inst = instrument(parse_price(case["prev_close"]))
        price, volume, _ = naive_equilibrium(candidates(inst), _rows(case["buys"]),
                                             _rows(case["sells"]),
                                             parse_price(case["reference"]))
        assert (price, volume) == (parse_price(case["price"]), case["volume"]), case["source"]


def test_nothing_crosses_without_an_overlap() -> None:
    assert _solve(1000, [(990, 500)], [(1010, 500)], 1000).price is None
    assert _solve(1000, [(None, 500)], [], 1000).price is None


def test_the_reference_itself_wins_when_it_lies_in_the_tied_range() -> None:
    # every price from 9.90 to 10.10 executes 1000 with no imbalance
    assert _solve(1000, [(1010, 1000)], [(990, 1000)], 1000).price == 1000
    assert _solve(1000, [(1010, 1000)], [(990, 1000)], 1200).price == 1010


def test_an_exact_tie_in_distance_goes_to_the_higher_price() -> None:
    # above 10.00 the tick is 0.10, so a reference of 10.05 sits halfway between 10.00 and 10.10
    assert _solve(1000, [(1020, 1000)], [(990, 1000)], 1005).price == 1010


PREV_CLOSES = st.sampled_from([1, 3, 250, 998, 1000, 2500, 40_000])


@st.composite
def books(draw: st.DrawFn) -> tuple[int, int, list[tuple[int | None, int]],
                                    list[tuple[int | None, int]], int]:
    prev = draw(PREV_CLOSES)
    allowance = draw(st.integers(min_value=0, max_value=2))
    inst = instrument(prev, allowance=allowance)
    prices = ladder(inst.scale, inst.floor, inst.ceiling)
    size = len(prices)
    near = st.integers(min_value=max(0, size // 2 - 5), max_value=min(size - 1, size // 2 + 5))
    index = st.one_of(near, near, st.integers(min_value=0, max_value=size - 1))
    price = st.one_of(st.none(), index.map(lambda k: prices[k]))
    row = st.tuples(price, st.integers(min_value=1, max_value=6).map(lambda n: n * 100))
    buys = draw(st.lists(row, max_size=7))
    sells = draw(st.lists(row, max_size=7))
    reference = draw(st.one_of(st.sampled_from(candidates(inst)),
                               st.integers(min_value=1, max_value=60_000)))
    return prev, allowance, buys, sells, reference


@settings(max_examples=3000)
@given(books())
def test_the_walk_agrees_with_trying_every_candidate(case: tuple[Any, ...]) -> None:
    prev, allowance, buys, sells, reference = case
    inst = instrument(prev, allowance=allowance)
    expected = naive_equilibrium(candidates(inst), buys, sells, reference)
    assert _solve(prev, buys, sells, reference, allowance).fields() == expected


@given(st.integers(min_value=1, max_value=60_000), st.integers(min_value=0, max_value=3_000),
       st.integers(min_value=1, max_value=70_000))
def test_a_grid_steps_and_rounds_as_the_tick_table_does(low: int, span: int,
                                                        reference: int) -> None:
    scale = instrument(1000).scale
    low = scale.round_up(low)
    grid = Grid(scale, low, max(low, scale.round_down(low + span)))
    prices = ladder(scale, grid.low, grid.high)
    assert all(grid.up(a) == b and grid.down(b) == a for a, b in pairwise(prices))
    nearest = min(prices, key=lambda p: (abs(p - reference), -p))
    assert grid.closest(grid.low, grid.high, reference) == nearest
