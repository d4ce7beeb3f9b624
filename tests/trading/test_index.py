"""The SET Index: market-capitalisation weighted, based so that yesterday's close reproduces the
index close, recomputed after the trades of a member security (12)."""

from __future__ import annotations

from siamex.trading.events import IndexValue
from siamex.trading.index import Index
from tests.trading.harness import Session, of_type, stock


def test_yesterdays_prices_reproduce_the_index_close() -> None:
    index = Index("SET", 150_000)
    index.add_member(1_000, 1_000)
    index.add_member(3_000, 2_000)
    assert not index.move(0)
    assert index.value == 150_000


def test_the_index_moves_with_market_value_rounded_half_up() -> None:
    index = Index("SET", 100_000)
    index.add_member(3, 1_000)
    assert index.move(1)  # 3,001 / 3,000 of 1,000.00 is 1,000.333...
    assert index.value == 100_033
    assert index.move(-3)  # 2,998 / 3,000: 999.333... rounds down
    assert index.value == 99_933


def _session() -> Session:
    s = Session(stock("A", "10.00", listed_shares=1_000_000, index_member=("SET", "SET50")),
                stock("B", "20.00", listed_shares=500_000, index_member=("SET",)),
                stock("C", "30.00", listed_shares=9_000_000),
                indices=[("SET", "1500.00"), ("SET50", "1000.00")])
    s.advance("10:00")
    return s


def test_the_day_starts_with_each_index_at_its_close() -> None:
    s = _session()
    assert [(e.name, e.value) for e in of_type(s.events, IndexValue)] == [
        ("SET", 150_000), ("SET50", 100_000)]


def test_a_member_trade_publishes_every_index_it_belongs_to() -> None:
    s = _session()
    s.new("10:01", "s1", "sell", 100, "10.50", symbol="A", member="M2", account="B1")
    events = s.new("10:02", "b1", "buy", 100, "10.50", symbol="A")
    # market value 1,000,000 x 10.00 + 500,000 x 20.00 = 20,000,000 moves by 500,000: +2.5%
    assert [(e.name, e.value) for e in of_type(events, IndexValue)] == [
        ("SET", 153_750), ("SET50", 105_000)]


def test_a_trade_of_a_security_outside_the_index_publishes_nothing() -> None:
    s = _session()
    s.new("10:01", "s1", "sell", 100, "31.00", symbol="C", member="M2", account="B1")
    assert not of_type(s.new("10:02", "b1", "buy", 100, "31.00", symbol="C"), IndexValue)


def test_a_trade_at_the_last_price_changes_nothing_and_publishes_nothing() -> None:
    s = _session()
    s.new("10:01", "s1", "sell", 200, "10.50", symbol="A", member="M2", account="B1")
    s.new("10:02", "b1", "buy", 100, "10.50", symbol="A")
    assert not of_type(s.new("10:03", "b2", "buy", 100, "10.50", symbol="A"), IndexValue)


def test_the_kept_range_gives_the_value_a_full_recomputation_would() -> None:
    from random import Random

    rng = Random(5)
    index = Index("SET", 145_000)
    for _ in range(20):
        index.add_member(rng.randrange(1, 10**9), rng.randrange(1, 50_000))
    for _ in range(3_000):
        before = index.value
        moved = index.move(rng.choice([rng.randrange(-10**9, 10**9),
                                       rng.randrange(-10**13, 10**13)]))
        exact = (2 * index.prev_close * index.cap + index.base) // (2 * index.base)
        assert index.value == exact
        assert moved is (exact != before)
