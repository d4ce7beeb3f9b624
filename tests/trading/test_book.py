"""The book keeps the price levels in use and each side's best, whatever the day's range."""

from __future__ import annotations

import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.rulebook.parameters import DEFAULT_RULEBOOK
from siamex.rulebook.ticks import tick_scale
from siamex.trading.book import NO_ASK, NO_BID, Book
from siamex.trading.enums import OrderType, Side, Validity
from siamex.trading.equilibrium import book_equilibrium
from siamex.trading.order import Order
from tests.trading.books import instrument, rest

STOCK = tick_scale(DEFAULT_RULEBOOK, "stock")


def _order(no: int, side: Side, price: int, qty: int = 100) -> Order:
    return Order(no, f"o{no}", "M1", "A1", "X", side, OrderType.LIMIT, Validity.DAY, price,
                 qty, qty, qty)


OPS = st.lists(st.tuples(st.booleans(), st.sampled_from([Side.BUY, Side.SELL]),
                         st.integers(min_value=1, max_value=12)), max_size=60)


@settings(max_examples=300)
@given(OPS)
def test_each_side_holds_exactly_the_prices_of_its_live_orders(ops: list[tuple[bool, Side,
                                                                                   int]]) -> None:
    book = Book()
    live: list[Order] = []
    peak = 0
    for no, (adding, side, price) in enumerate(ops, 1):
        if adding or not live:
            order = _order(no, side, price * 10)
            book.add(order)
            live.append(order)
        else:
            book.remove(live.pop(price % len(live)))
        for side_, levels in ((Side.BUY, book.bid_levels), (Side.SELL, book.ask_levels)):
            expected = sorted({o.price for o in live if o.side is side_},
                              reverse=side_ is Side.SELL)  # worst to best
            assert [level.price for level in levels] == expected
            assert all(level.qty == sum(o.remaining for o in live
                                        if o.side is side_ and o.price == level.price)
                       for level in levels)
            assert all(o.level is not None and o.level.price == o.price
                       for o in live if o.side is side_)
        bids = [o.price for o in live if o.side is Side.BUY]
        asks = [o.price for o in live if o.side is Side.SELL]
        peak = max(peak, len(set(bids)) + len(set(asks)))
        # emptied levels are reused: the book holds no more levels than it ever needed at once
        assert len(book.bid_levels) + len(book.ask_levels) + len(book.spare) <= peak
        assert book.best_bid == (max(bids) if bids else NO_BID)
        assert book.best_ask == (min(asks) if asks else NO_ASK)


def test_a_level_queues_its_orders_in_time_and_leaves_with_its_last() -> None:
    book = Book()
    first, second = _order(1, Side.BUY, 1000), _order(2, Side.BUY, 1000)
    book.add(first)
    book.add(second)
    assert [o.no for o in book.orders(Side.BUY)] == [1, 2]
    book.remove(first)
    assert [level.head for level in book.bid_levels] == [second]
    book.fill(second, 100)
    assert book.bid_levels == [] and book.best_bid == NO_BID and second.level is None


def test_the_highest_price_the_rules_allow_costs_no_more_memory_than_a_penny_stock() -> None:
    # 999,999,999.99 THB: the day's range is about 300 million ticks of 2.00 THB
    tracemalloc.start()
    try:
        inst = instrument(99_999_999_999)
        rest(inst, 1, Side.BUY, inst.floor, 100)
        rest(inst, 2, Side.SELL, inst.ceiling, 100)
        rest(inst, 3, Side.BUY, inst.ceiling, 100)
        book = inst.book
        result = book_equilibrium(book, inst.grid, 0, 0, inst.reference())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (result.price, result.volume) == (inst.ceiling, 100)
    assert len(book.bid_levels) == 2 and len(book.ask_levels) == 1
    assert peak < 200_000


def test_a_price_is_traded_only_on_the_grid_within_the_limits() -> None:
    inst = instrument(1000)  # 10.00: floor 7.00, ceiling 13.00, ticks 0.05 then 0.10
    assert inst.grid.tick == 0
    assert inst.priced(700) and inst.priced(995) and inst.priced(1300)
    assert not inst.priced(695) and not inst.priced(1310) and not inst.priced(1005)
    flat = instrument(5000)  # 50.00: floor 35.00, ceiling 65.00, all on the 0.25 row
    assert flat.grid.tick == 25
    assert flat.priced(3500) and flat.priced(3525) and not flat.priced(3510)
