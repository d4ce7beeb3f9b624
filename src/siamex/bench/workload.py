"""A generated, SET-valid trading day for the benchmarks.

Securities get realistic previous closes across every tick band (with a few ETFs on the flat
tick and a few 50-share lots), members and accounts; the day runs its real schedule: limit and
ATO orders in the pre-opens, then adds near the touch, cancels, amends, aggressive limits,
MP-MKT/MP-MTL, FAK/FOK and odd lots in the continuous sessions, and limit and ATC orders in the
pre-close. The generator feeds each command to an engine as it goes, so cancels and amends
target orders that are really live, and almost every command passes every check.

Every market-integrity control is on and has work to do, as on a real day: every security is in
the SET Index (recomputed after each trade, the circuit breaker tested on each move) and the
first 100, the most active, in the SET100 too; the Dynamic Price Band checks every matching
order; listed shares arm Auto Pause on every resting order without triggering it; cancels and
amends go only to orders that have rested the minimum resting time; the SET100 members and the
ETFs are eligible for short sales, and some sell orders there are short sales priced above the
last price (the uptick test); one account of each member is a registered high-frequency account,
which buys only its permitted universe; a few securities carry a cash-balance sign, and their
buy orders come from cash-balance accounts.

A deep day (`generate(..., deep=True)`) sends the same kinds of command to a few securities,
most of them passive orders spread up to 30 ticks from the touch and cancels far from it, so
that each book holds thousands of resting orders a side over dozens of levels: the cost of a
deep book, not only of a shallow one.

`Workload.controls_off()` is the same commands with a StartDay that turns every control off that
data can turn off: a rulebook without the band, Auto Pause, minimum resting time and circuit
breaker, and no indices, high-frequency accounts or signs. The short sales stay (an order's flag
is part of the command, and an ineligible security would refuse them). At the default size
nothing trips a control (no band breach, Auto Pause or circuit breaker), so both days make the
same trades.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from msgspec.structs import replace

from siamex.rulebook.limits import price_limits
from siamex.rulebook.parameters import DEFAULT_RULEBOOK
from siamex.rulebook.schedule import draw_auction_instants
from siamex.rulebook.ticks import TickScale, tick_scale
from siamex.trading.commands import (
    AccountSpec,
    AdvanceTime,
    AmendOrder,
    CancelOrder,
    Command,
    IndexSpec,
    InstrumentSpec,
    NewOrder,
    StartDay,
)
from siamex.trading.engine import Engine
from siamex.trading.enums import OrderType, Side, Validity
from siamex.trading.events import Accepted, Cancelled, Trade
from siamex.units import US_PER_MS, day_start, parse_time_of_day

__all__ = ["BENCH_DATE", "CONTROLS_OFF", "Workload", "generate"]

BENCH_DATE = dt.date(2026, 11, 20)
CONTROLS_OFF: dict[str, object] = {
    "dynamic_price_band_pct": 0,
    "auto_pause_pct": 0,
    "min_resting_time_ms": 0,
    "circuit_breaker_levels": [],
}
"""The rulebook of the controls-off day: every control a parameter turns off, off."""
SET100_SIZE = 100
CASH_BALANCE_SIGN = "CB"
INDICES = (IndexSpec("SET", 145_000), IndexSpec("SET100", 215_000))  # 1,450.00 and 2,150.00


@dataclass
class _Security:
    spec: InstrumentSpec
    scale: TickScale
    floor: int
    ceiling: int
    mid: int
    lot: int
    open1: int
    open2: int
    close: int
    live: list[str]
    short_ok: bool = False
    hft_ok: bool = False
    cash_only: bool = False


@dataclass(frozen=True)
class Workload:
    """The commands of one generated day, and what they are made of."""

    commands: list[Command]
    securities: int
    counts: dict[str, int]
    start_off: StartDay | None = field(default=None, repr=False)

    def controls_off(self) -> list[Command]:
        """Return the same commands, opened by the StartDay with the controls off."""
        assert self.start_off is not None
        return [self.start_off, *self.commands[1:]]


def _securities(rng: random.Random, count: int, base: int, seed: int) -> list[_Security]:
    rules = DEFAULT_RULEBOOK
    out: list[_Security] = []
    for i in range(count):
        kind = "etf" if i % 25 == 24 else "stock"
        scale = tick_scale(rules, kind)
        raw = int(10 ** rng.uniform(1.7, 4.8))  # 0.50 to 630 THB, log-uniform
        prev = max(scale.round_down(raw), 1)
        lot = 50 if prev >= 50_000 and i % 3 == 0 else 100
        symbol = f"S{i:04d}"
        set100 = i < SET100_SIZE  # the most active securities (see _Generator.run)
        short_ok = set100 or kind == "etf"
        cash_only = i % 50 == 37
        # SET listings run from a few hundred million to tens of billions of shares; the floor
        # keeps even the busiest book's side total well under Auto Pause's share of them
        listed = int(10 ** rng.uniform(8.5 if set100 else 8.0, 10.5)) // 1_000_000 * 1_000_000
        spec = InstrumentSpec(
            symbol, prev, kind, "main", lot if lot != 100 else None, listed,
            short_eligible=short_ok,
            short_outstanding=listed // 100 * rng.randrange(0, 3) if short_ok else 0,
            signs=(CASH_BALANCE_SIGN,) if cash_only else (),
            index_member=("SET", "SET100") if set100 else ("SET",),
        )
        limits = price_limits(rules, scale, prev)
        instants = draw_auction_instants(rules, seed, BENCH_DATE, symbol)
        out.append(_Security(spec, scale, limits.floor, limits.ceiling, prev, lot,
                             base + instants.open1, base + instants.open2,
                             base + instants.close, [], short_ok,
                             set100 or kind in rules.hft_permitted_kinds, cash_only))
    return out


def _ticks_away(sec: _Security, price: int, ticks: int) -> int:
    scale = sec.scale
    for _ in range(abs(ticks)):
        price = scale.next_up(price) if ticks > 0 else scale.next_down(price)
    return min(max(price, sec.floor), sec.ceiling)


class _Generator:
    def __init__(self, securities: int, commands: int, seed: int, deep: bool) -> None:
        self.deep = deep
        self.rng = random.Random(seed)
        self.base = day_start(BENCH_DATE)
        self.target = commands
        self.secs = _securities(self.rng, securities, self.base, seed)
        self.by_symbol = {s.spec.symbol: s for s in self.secs}
        self.engine = Engine()
        self.commands: list[Command] = []
        self.counts: dict[str, int] = {}
        self.next_id = 0
        self.owner: dict[str, str] = {}
        self.resting_us = DEFAULT_RULEBOOK.min_resting_time_ms * US_PER_MS

    def emit(self, command: Command, label: str) -> None:
        self.commands.append(command)
        self.counts[label] = self.counts.get(label, 0) + 1
        for event in self.engine.handle(command):
            if isinstance(event, Accepted) and event.board.value == "main":
                self.by_symbol[event.symbol].live.append(event.id)
            elif isinstance(event, Trade):
                sec = self.by_symbol[event.symbol]
                if event.board.value == "main":
                    sec.mid = event.price
            elif isinstance(event, Cancelled):
                self.owner.pop(event.id, None)

    def start_days(self) -> StartDay:
        """Open the day with every control on; return the same day with them off."""
        accounts = tuple(AccountSpec(f"M{m:02d}-A9", hft=True, hft_registered=True)
                         for m in range(20))
        specs = tuple(s.spec for s in self.secs)
        self.emit(StartDay(self.base, BENCH_DATE.isoformat(), 7, {}, specs,
                           indices=INDICES, accounts=accounts), "start_day")
        return StartDay(self.base, BENCH_DATE.isoformat(), 7, dict(CONTROLS_OFF),
                        tuple(replace(spec, signs=(), index_member=()) for spec in specs))

    def _order(self, ts: int, sec: _Security, side: Side, price: int | None, qty: int,
               kind: OrderType = OrderType.LIMIT, validity: Validity = Validity.DAY,
               published: int | None = None, label: str = "new", short: bool = False) -> None:
        self.next_id += 1
        cid = f"o{self.next_id}"
        rng = self.rng
        member = f"M{rng.randrange(20):02d}"
        # account A9 is the member's high-frequency account: it buys only the permitted universe
        buying = side is Side.BUY
        number = rng.randrange(10 if sec.hft_ok or not buying else 9)
        account = f"{member}-A{number}"
        self.emit(NewOrder(ts, cid, member, account, sec.spec.symbol, side, qty, kind,
                           price, validity, published_qty=published, short=short,
                           cash_balance=buying and sec.cash_only), label)

    def _live(self, sec: _Security, ts: int) -> str | None:
        """Pick a live order of the security that has rested the minimum resting time (T15)."""
        live = sec.live
        orders = self.engine.orders
        settled = ts - self.resting_us
        tries = 0
        while live and tries < 8:
            i = self.rng.randrange(len(live))
            cid = live[i]
            order = orders.get(cid)
            if order is None:
                live[i] = live[-1]
                live.pop()
                continue
            if order.accepted_at <= settled:
                return cid
            tries += 1
        return None

    def _lots(self, sec: _Security) -> int:
        return sec.lot * min(int(self.rng.expovariate(0.25)) + 1, 50)

    def pre_open(self, ts: int, sec: _Security, market: OrderType) -> None:
        rng = self.rng
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        roll = rng.random()
        if roll < 0.12:
            self._order(ts, sec, side, None, self._lots(sec), market, label=market.value)
        elif roll < 0.9:
            away = rng.randint(-4, 3)
            price = _ticks_away(sec, sec.mid, -away if side is Side.BUY else away)
            self._order(ts, sec, side, price, self._lots(sec), label="pre_open_limit")
        else:
            self._cancel_or_amend(ts, sec)

    def _cancel_or_amend(self, ts: int, sec: _Security) -> None:
        cid = self._live(sec, ts)
        if cid is None:
            return
        order = self.engine.orders[cid]
        if self.rng.random() < 0.6:
            self.emit(CancelOrder(ts, cid), "cancel")
        elif order.type is OrderType.LIMIT and self.rng.random() < 0.5:
            price = _ticks_away(sec, order.price, self.rng.choice((-1, 1)))
            if order.short:  # T13: a short sale's new price passes the uptick test again
                last = self.engine.instruments[sec.spec.symbol].reference()
                if price <= last:
                    price = _ticks_away(sec, last, 1)
                if price <= last:
                    self.emit(CancelOrder(ts, cid), "cancel")
                    return
            self.emit(AmendOrder(ts, cid, price=price), "amend_price")
        else:
            lots = max(order.filled // sec.lot + 1, order.qty // sec.lot + self.rng.choice((-1, 1)))
            self.emit(AmendOrder(ts, cid, qty=lots * sec.lot), "amend_qty")

    def continuous(self, ts: int, sec: _Security) -> None:
        if self.deep:
            self.deepen(ts, sec)
            return
        rng = self.rng
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        sign = 1 if side is Side.BUY else -1
        roll = rng.random()
        if roll < 0.45 and side is Side.SELL and sec.short_ok and rng.random() < 0.2:
            # T13: a short sale is priced above the last price (the uptick test)
            last = self.engine.instruments[sec.spec.symbol].reference()
            price = _ticks_away(sec, last, rng.randint(1, 5))
            if price > last:
                self._order(ts, sec, side, price, self._lots(sec), label="short_limit",
                            short=True)
            else:
                self._order(ts, sec, side, price, self._lots(sec), label="passive_limit")
        elif roll < 0.45:
            price = _ticks_away(sec, sec.mid, -sign * rng.randint(1, 5))
            published = sec.lot * 2 if rng.random() < 0.03 else None
            qty = self._lots(sec) + (sec.lot * 4 if published else 0)
            self._order(ts, sec, side, price, qty, published=published, label="passive_limit")
        elif roll < 0.75:
            self._cancel_or_amend(ts, sec)
        elif roll < 0.88:
            price = _ticks_away(sec, sec.mid, sign * rng.randint(0, 2))
            self._order(ts, sec, side, price, self._lots(sec), label="aggressive_limit")
        elif roll < 0.91:
            kind = OrderType.MP_MKT if rng.random() < 0.5 else OrderType.MP_MTL
            self._order(ts, sec, side, None, self._lots(sec), kind, label=kind.value)
        elif roll < 0.95:
            validity = Validity.FAK if rng.random() < 0.6 else Validity.FOK
            price = _ticks_away(sec, sec.mid, sign * rng.randint(0, 1))
            self._order(ts, sec, side, price, self._lots(sec), validity=validity,
                        label=validity.value)
        else:
            price = _ticks_away(sec, sec.mid, -sign * rng.randint(0, 2))
            self._order(ts, sec, side, price, rng.randint(1, sec.lot - 1), label="odd_lot")

    def deepen(self, ts: int, sec: _Security) -> None:
        """A deep book's flow: passive orders far from the touch, cancels and amends, a few
        aggressive orders that take the touch."""
        rng = self.rng
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        sign = 1 if side is Side.BUY else -1
        roll = rng.random()
        if roll < 0.62:
            price = _ticks_away(sec, sec.mid, -sign * rng.randint(1, 30))
            self._order(ts, sec, side, price, self._lots(sec), label="passive_limit")
        elif roll < 0.88:
            self._cancel_or_amend(ts, sec)
        elif roll < 0.97:
            price = _ticks_away(sec, sec.mid, sign * rng.randint(0, 2))
            self._order(ts, sec, side, price, self._lots(sec), label="aggressive_limit")
        else:
            validity = Validity.FAK if rng.random() < 0.6 else Validity.FOK
            price = _ticks_away(sec, sec.mid, sign * rng.randint(0, 1))
            self._order(ts, sec, side, price, self._lots(sec), validity=validity,
                        label=validity.value)

    def run(self) -> Workload:
        rng = self.rng
        def at(text: str) -> int:
            return self.base + parse_time_of_day(text)

        phases = [
            (at("09:30"), at("09:55"), 0.07, "pre1"), (at("10:00"), at("12:30"), 0.45, "open"),
            (at("13:30"), at("13:55"), 0.04, "pre2"), (at("14:00"), at("16:30"), 0.40, "open"),
            (at("16:30"), at("16:35"), 0.04, "close"),
        ]
        start_off = self.start_days()
        budget = self.target - 2
        for start, end, share, kind in phases:
            count = max(1, int(budget * share))
            step = (end - start) // count
            for n in range(count):
                ts = start + n * step
                sec = self.secs[min(int(rng.paretovariate(1.2)) - 1, len(self.secs) - 1)
                                if rng.random() < 0.5 else rng.randrange(len(self.secs))]
                if kind == "open":
                    self.continuous(ts, sec)
                elif kind == "close":
                    self.pre_open(ts, sec, OrderType.ATC)
                else:
                    self.pre_open(ts, sec, OrderType.ATO)
        self.emit(AdvanceTime(at("17:00")), "advance")
        return Workload(self.commands, len(self.secs), dict(sorted(self.counts.items())),
                        start_off)


def generate(securities: int = 400, commands: int = 1_000_000, seed: int = 1,
             deep: bool = False) -> Workload:
    """Generate one SET-valid trading day of about `commands` commands (a deep day: books of
    thousands of resting orders a side)."""
    return _Generator(securities, commands, seed, deep).run()
