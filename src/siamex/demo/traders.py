"""What the synthetic participants do, one step at a time: a market maker quoting both sides
around a fair value, and takers crossing its quotes and adding depth of their own.

Each security's fair value walks a tick at a time from its reference price (the last trade,
else the previous close), inside the day's floor and ceiling. The market maker keeps two
orders a side within three ticks of it and cancels those the walk left behind; a taker sends
a fill-and-kill order across the spread now and then in the continuous sessions, and resting
orders a few ticks off at any time the book takes orders. The choices come from one seeded
`random.Random`, so a run's intentions repeat; what trades depends on when they arrive.
"""

from __future__ import annotations

import random

from siamex.demo.session import DemoSession
from siamex.trading.enums import Phase
from siamex.trading.instrument import Instrument
from siamex.units import format_price, parse_price

__all__ = ["Fair", "make_market", "take"]

_CONTINUOUS = frozenset({Phase.OPEN_1, Phase.OPEN_2})
_QUOTES_PER_SIDE = 2
_REACH = 3  # ticks from the fair value a quote may stand
_BUY, _SELL = "1", "2"


def _up(inst: Instrument, price: int, ticks: int) -> int:
    for _ in range(ticks):
        price += inst.scale.tick_at(price)
    return min(price, inst.ceiling)


def _down(inst: Instrument, price: int, ticks: int) -> int:
    for _ in range(ticks):
        price -= inst.scale.tick_at(max(price - 1, 1))
    return max(price, inst.floor)


class Fair:
    """Each security's fair value, in satang, walking a tick at a time."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._values: dict[str, int] = {}

    def step(self, symbol: str, inst: Instrument) -> int:
        """Move the security's fair value (or start it at the reference) and return it."""
        value = self._values.get(symbol) or inst.reference()
        move = self.rng.choice((-1, 0, 0, 1))
        if move > 0:
            value = _up(inst, value, 1)
        elif move < 0:
            value = _down(inst, value, 1)
        self._values[symbol] = value
        return value

    def restart(self) -> None:
        """Forget the values: a new day starts from its own reference prices."""
        self._values.clear()


def _lots(rng: random.Random, inst: Instrument, most: int) -> int:
    return inst.lot * rng.randint(1, most)


def make_market(session: DemoSession, symbol: str, inst: Instrument, fair: int,
                rng: random.Random) -> None:
    """Cancel the quotes that drifted from the fair value; fill each side up to its count."""
    bids = asks = 0
    for resting in list(session.resting.values()):
        if resting.symbol != symbol:
            continue
        price = parse_price(resting.price) if resting.price else 0
        if price < _down(inst, fair, _REACH) or price > _up(inst, fair, _REACH):
            session.cancel(resting)
            session.resting.pop(resting.clordid, None)
        elif resting.side == _BUY:
            bids += 1
        else:
            asks += 1
    for _ in range(_QUOTES_PER_SIDE - bids):
        price = _down(inst, fair, rng.randint(1, _REACH))
        session.order(symbol, _BUY, _lots(rng, inst, 20), format_price(price))
    for _ in range(_QUOTES_PER_SIDE - asks):
        price = _up(inst, fair, rng.randint(1, _REACH))
        session.order(symbol, _SELL, _lots(rng, inst, 20), format_price(price))


def take(session: DemoSession, symbol: str, inst: Instrument, fair: int,
         rng: random.Random) -> None:
    """Now and then cross the spread (continuous sessions only), add an order a few ticks off,
    or cancel one of one's own."""
    side = rng.choice((_BUY, _SELL))
    roll = rng.random()
    if roll < 0.35 and inst.phase in _CONTINUOUS:
        price = _up(inst, fair, 2) if side == _BUY else _down(inst, fair, 2)
        session.order(symbol, side, _lots(rng, inst, 10), format_price(price), fak=True)
    elif roll < 0.5:
        ticks = rng.randint(0, 4)
        price = _down(inst, fair, ticks) if side == _BUY else _up(inst, fair, ticks)
        session.order(symbol, side, _lots(rng, inst, 10), format_price(price))
    elif roll < 0.55 and session.resting:
        resting = rng.choice(list(session.resting.values()))
        session.cancel(resting)
        session.resting.pop(resting.clordid, None)
