"""The synthetic participants' steps: the market maker keeps two quotes a side within three
ticks of the fair value, on the price grid and inside the day's limits; takers cross only
when the book is continuous."""

from __future__ import annotations

import random
from typing import Any

from siamex.demo.session import Resting
from siamex.demo.traders import Fair, make_market, take
from siamex.trading.enums import Phase
from siamex.units import parse_price
from tests.gateway.market import Market


class Recorder:
    """A session that records what a participant sends."""

    def __init__(self) -> None:
        self.resting: dict[str, Resting] = {}
        self.sent: list[tuple[Any, ...]] = []
        self.cancelled: list[str] = []

    def order(self, symbol: str, side: str, qty: int, price: str, *, fak: bool = False) -> str:
        clordid = f"C{len(self.sent)}"
        self.sent.append((symbol, side, qty, price, fak))
        self.resting[clordid] = Resting(clordid, symbol, side, price, qty)
        return clordid

    def cancel(self, resting: Resting) -> None:
        self.cancelled.append(resting.clordid)


def test_the_market_maker_quotes_both_sides_on_the_grid_near_the_fair_value() -> None:
    inst = Market().exchange.engine.instruments["PTT"]
    rng = random.Random(3)
    fair = Fair(rng)
    session = Recorder()
    for _ in range(200):
        value = fair.step("PTT", inst)
        make_market(session, "PTT", inst, value, rng)  # type: ignore[arg-type]
        sides = [r.side for r in session.resting.values()
                 if r.clordid not in session.cancelled]
        assert sides.count("1") == 2 and sides.count("2") == 2
        for resting in session.resting.values():
            price = parse_price(resting.price)
            assert inst.floor <= price <= inst.ceiling
            assert price % inst.scale.tick_at(price) == 0 or price in (inst.floor, inst.ceiling)
        session.resting = {k: r for k, r in session.resting.items()
                           if k not in session.cancelled}
    assert session.cancelled  # the fair value walked away from some quotes


def test_a_taker_crosses_only_in_a_continuous_session() -> None:
    inst = Market().exchange.engine.instruments["PTT"]
    rng = random.Random(5)
    session = Recorder()
    inst.phase = Phase.PRE_OPEN_1
    for _ in range(300):
        take(session, "PTT", inst, inst.reference(), rng)  # type: ignore[arg-type]
    assert session.sent and not any(fak for *_, fak in session.sent)
    inst.phase = Phase.OPEN_1
    for _ in range(300):
        take(session, "PTT", inst, inst.reference(), rng)  # type: ignore[arg-type]
    assert any(fak for *_, fak in session.sent)
