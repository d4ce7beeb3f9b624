"""A generated day for surveillance: clean random flow of many investors, and the five patterns
planted into it on request (docs/surveillance.md).

The clean day: securities at realistic prices, investors with accounts at one to three members
(linked in `Investors`, as a depository file would), a few of them program traders on
high-frequency accounts and a few short sellers. Orders arrive one after another from investors
drawn by activity (a few very active, most seldom): limit orders and ATO in the pre-opens,
passive and aggressive limit orders, market orders, amends and cancels in the continuous
sessions, limit and ATC orders in the pre-close, around a fair value that walks a tick at a
time within about 3% of the previous close. Most investors trade one way in a security all
day; a fifth trade both ways.
Nothing in it is meant to manipulate: what the alert rules find in it is their false-alert rate
(decision 175).

A planted pattern is a few steps in time, each run against the book as it stands then (the
generator runs the engine as it goes, so a cancel names a live order and a planted order can
be priced to trade): its own investor, in its own security at its own time, with orders of
other investors where the pattern needs someone to trade with. `generate_day` returns the
commands, the investors and, for each planted pattern, its investor and order ids.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from siamex.measures.investors import Investors
from siamex.rulebook.parameters import DEFAULT_RULEBOOK
from siamex.rulebook.ticks import TickScale, tick_scale
from siamex.trading.book import NO_ASK, NO_BID
from siamex.trading.commands import (
    AccountSpec,
    AdvanceTime,
    AmendOrder,
    CancelOrder,
    Command,
    IndexSpec,
    InstrumentSpec,
    MemberSpec,
    NewOrder,
    StartDay,
)
from siamex.trading.engine import Engine
from siamex.trading.enums import OrderType, Side, Validity
from siamex.trading.events import Accepted
from siamex.units import US_PER_MS, US_PER_SECOND, day_start, parse_time_of_day

__all__ = ["PATTERNS", "SURVEIL_DATE", "GeneratedDay", "Planted", "generate_day"]

SURVEIL_DATE = dt.date(2026, 11, 20)
PATTERNS = ("push", "layering", "wash", "close", "split")
"""The patterns `generate_day` can plant, each in its own security (the n-th pattern in the
n-th security) at its own time."""

_MEMBERS = 8
_LOT = 100
_INDEX = IndexSpec("SET100", 215_000)
_RESTING_US = DEFAULT_RULEBOOK.min_resting_time_ms * US_PER_MS
_SESSIONS = (("09:30", "09:54", "pre_open"), ("10:01", "12:29", "continuous"),
             ("13:30", "13:54", "pre_open"), ("14:01", "16:29", "continuous"),
             ("16:30", "16:34", "pre_close"))
"""Where the clean flow sends orders: clear of the random auction instants (09:55-10:00,
13:55-14:00, 16:35-16:40) and of the intermission."""
_SESSION_SHARES = (0.06, 0.45, 0.04, 0.41, 0.04)
_PLANT_AT = {"push": "10:40", "layering": "11:15", "wash": "14:20", "close": "16:31",
             "split": "15:10"}


@dataclass(frozen=True)
class Planted:
    """A pattern planted in a day: the rule that should find it, its investor and security,
    and the ids of its own orders."""

    rule: str
    investor: str
    symbol: str
    ids: tuple[str, ...]


@dataclass(frozen=True)
class GeneratedDay:
    """The commands of a generated day, who the investors behind the accounts are, and the
    patterns planted in it."""

    commands: tuple[Command, ...]
    investors: Investors
    planted: tuple[Planted, ...]
    orders: int


@dataclass
class _Investor:
    id: str
    accounts: list[tuple[str, str]]
    two_sided: bool
    short_seller: bool
    weight: float
    sides: dict[str, Side] = field(default_factory=dict)


@dataclass
class _Security:
    symbol: str
    scale: TickScale
    prev_close: int
    fair: int
    floor: int
    ceiling: int
    live: list[str] = field(default_factory=list)


Step = Callable[["_Generator", int], None]


class _Generator:
    def __init__(self, seed: int, securities: int, investors: int, orders: int) -> None:
        self.rng = random.Random(seed)
        self.base = day_start(SURVEIL_DATE)
        self.engine = Engine()
        self.commands: list[Command] = []
        self.next_id = 0
        self.orders = 0
        self.target = orders
        self.links = Investors()
        self.secs = [self._security(n) for n in range(securities)]
        self.by_symbol = {s.symbol: s for s in self.secs}
        self.investors = [self._investor(n) for n in range(investors)]
        self.weights = [i.weight for i in self.investors]
        self.hft = self.investors[:2]  # the program traders, on high-frequency accounts
        for investor in self.hft:
            investor.two_sided = True
        self.planting = False
        self.planted: set[str] = set()

    # -- the day's data ------------------------------------------------------------------

    def _security(self, n: int) -> _Security:
        scale = tick_scale(DEFAULT_RULEBOOK, "stock")
        prev = max(scale.round_down(int(10 ** self.rng.uniform(2.7, 4.5))), 100)
        pct = DEFAULT_RULEBOOK.price_limit_pct
        return _Security(f"S{n:02d}", scale, prev, prev,
                         scale.round_up(prev * (1 - pct / 100)),
                         scale.round_down(prev * (1 + pct / 100)))

    def _investor_id(self) -> str:
        return f"INV-{self.rng.getrandbits(80):020x}"

    def _investor(self, n: int) -> _Investor:
        rng = self.rng
        count = 1 if rng.random() < 0.75 else (2 if rng.random() < 0.8 else 3)
        members = rng.sample(range(1, _MEMBERS + 1), count)
        accounts = [(f"M{m}", f"C{n:04d}") for m in members]
        investor = _Investor(self._investor_id(), accounts, rng.random() < 0.2,
                             rng.random() < 0.05, min(rng.paretovariate(1.5), 20.0))
        for member, account in accounts:
            self.links.link(investor.id, member, account)
        return investor

    def planted_investor(self, rule: str, members: int = 1) -> _Investor:
        """A new investor for a planted pattern, with accounts at `members` members."""
        investor = _Investor(self._investor_id(),
                             [(f"M{m}", f"P-{rule}{m}") for m in range(1, members + 1)],
                             True, False, 0.0)
        for member, account in investor.accounts:
            self.links.link(investor.id, member, account)
        return investor

    def start(self) -> None:
        specs = tuple(InstrumentSpec(s.symbol, s.prev_close, listed_shares=5_000_000_000,
                                     short_eligible=True, index_member=(_INDEX.name,))
                      for s in self.secs)
        accounts = tuple(AccountSpec(account, hft=True, hft_registered=True)
                         for investor in self.hft for _, account in investor.accounts)
        # members keep an account's orders from trading with each other (self-match
        # prevention, decision 82), as brokers do: a wash trade takes two members
        members = tuple(MemberSpec(f"M{m}", self_match_prevention=True)
                        for m in range(1, _MEMBERS + 1))
        self.run(StartDay(self.base, SURVEIL_DATE.isoformat(), 1, {}, specs, members,
                          indices=(_INDEX,), accounts=accounts))

    # -- running commands ----------------------------------------------------------------

    def run(self, command: Command) -> None:
        self.commands.append(command)
        for event in self.engine.handle(command):
            if isinstance(event, Accepted) and event.type is OrderType.LIMIT:
                self.by_symbol[event.symbol].live.append(event.id)

    def order(self, ts: int, sec: _Security, side: Side, qty: int, price: int | None,
              who: tuple[str, str], kind: OrderType = OrderType.LIMIT,
              validity: Validity = Validity.DAY, short: bool = False) -> str:
        self.next_id += 1
        self.orders += 1
        cid = f"o{self.next_id}"
        if self.planting:
            self.planted.add(cid)
        self.run(NewOrder(ts, cid, who[0], who[1], sec.symbol, side, qty, kind, price, validity,
                          short=short))
        return cid

    def live_order(self, sec: _Security, ts: int) -> str | None:
        """A live order of the security that has rested the minimum resting time (T15); never
        one a planted pattern placed, which the pattern withdraws itself if at all."""
        live = sec.live
        orders = self.engine.orders
        for _ in range(8):
            if not live:
                return None
            i = self.rng.randrange(len(live))
            cid = live[i]
            order = orders.get(cid)
            if order is None or cid in self.planted:
                live[i] = live[-1]
                live.pop()
                continue
            if order.accepted_at <= ts - _RESTING_US:
                return cid
        return None

    # -- prices --------------------------------------------------------------------------

    def ticks(self, sec: _Security, price: int, ticks: int) -> int:
        for _ in range(abs(ticks)):
            price = sec.scale.next_up(price) if ticks > 0 else sec.scale.next_down(price)
        return min(max(price, sec.floor), sec.ceiling)

    def inst_last(self, sec: _Security) -> int:
        return self.engine.instruments[sec.symbol].reference()

    def lots(self, most: int = 20) -> int:
        return _LOT * min(int(self.rng.expovariate(0.3)) + 1, most)

    # -- the clean flow ------------------------------------------------------------------

    def _side(self, investor: _Investor, sec: _Security) -> Side:
        rng = self.rng
        if investor.two_sided:
            return Side.BUY if rng.random() < 0.5 else Side.SELL
        side = investor.sides.get(sec.symbol)
        if side is None:
            side = investor.sides[sec.symbol] = Side.BUY if rng.random() < 0.5 else Side.SELL
        return side

    def _walk(self, sec: _Security) -> int:
        """A tick up or down, back towards the previous close once 3% away from it: a day's
        range of a few percent, as most days have."""
        if sec.fair * 100 > sec.prev_close * 103:
            return -1
        if sec.fair * 100 < sec.prev_close * 97:
            return 1
        return self.rng.choice((-1, 1))

    def flow(self, ts: int, session: str) -> None:
        """One new order, after (now and then) a cancel or an amend in the same security."""
        rng = self.rng
        sec = self.secs[min(int(rng.paretovariate(1.0)) - 1, len(self.secs) - 1)]
        if rng.random() < 0.05:
            sec.fair = self.ticks(sec, sec.fair, self._walk(sec))
        investor = rng.choices(self.investors, self.weights)[0]
        who = rng.choice(investor.accounts)
        side = self._side(investor, sec)
        sign = 1 if side is Side.BUY else -1
        first, roll = rng.random(), rng.random()
        if session != "continuous":
            if first < 0.1:
                self.cancel(ts, sec)
            if roll < 0.11:
                kind = OrderType.ATC if session == "pre_close" else OrderType.ATO
                self.order(ts, sec, side, self.lots(), None, who, kind)
            else:
                price = self.ticks(sec, sec.fair, -sign * rng.randint(-2, 4))
                self.order(ts, sec, side, self.lots(), price, who)
            return
        if first < 0.33:
            self.cancel(ts, sec)
        elif first < 0.38:
            self.amend(ts, sec)
        if roll < 0.58:
            short = (side is Side.SELL and investor.short_seller and rng.random() < 0.5)
            price = self.ticks(sec, sec.fair, -sign * rng.randint(1, 5))
            if short:  # 8.2: priced above the last price (the uptick test)
                price = max(price, self.ticks(sec, self.inst_last(sec), 1))
            self.order(ts, sec, side, self.lots(), price, who, short=short)
        elif roll < 0.86:
            price = self.ticks(sec, sec.fair, sign * rng.randint(0, 2))
            self.order(ts, sec, side, self.lots(), price, who)
        elif roll < 0.92:
            kind = OrderType.MP_MTL if rng.random() < 0.5 else OrderType.MP_MKT
            self.order(ts, sec, side, self.lots(5), None, who, kind)
        else:
            validity = Validity.FAK if rng.random() < 0.7 else Validity.FOK
            price = self.ticks(sec, sec.fair, sign * rng.randint(0, 1))
            self.order(ts, sec, side, self.lots(), price, who, validity=validity)

    def cancel(self, ts: int, sec: _Security) -> None:
        cid = self.live_order(sec, ts)
        if cid is not None:
            self.run(CancelOrder(ts, cid))

    def amend(self, ts: int, sec: _Security) -> None:
        cid = self.live_order(sec, ts)
        if cid is None:
            return
        order = self.engine.orders[cid]
        qty = max(order.filled + _LOT, order.qty - _LOT)
        if qty < order.qty:  # a smaller order keeps its place (4.4)
            self.run(AmendOrder(ts, cid, qty=qty))

    def steps(self) -> list[tuple[int, str]]:
        """The clean flow's instants, one new order each, and the session each falls in."""
        out: list[tuple[int, str]] = []
        for (start, end, session), share in zip(_SESSIONS, _SESSION_SHARES, strict=True):
            first = self.base + parse_time_of_day(start)
            last = self.base + parse_time_of_day(end)
            count = max(1, int(self.target * share))
            out += sorted((self.rng.randrange(first, last), session) for _ in range(count))
        return out


def _at(gen: _Generator, text: str, seconds: float = 0) -> int:
    return gen.base + parse_time_of_day(text) + int(seconds * US_PER_SECOND)


def _innocent(gen: _Generator) -> tuple[str, str]:
    """An ordinary investor's account, to trade with a planted pattern."""
    return gen.rng.choice(gen.rng.choices(gen.investors, gen.weights)[0].accounts)


def _asks_to(gen: _Generator, sec: _Security, price: int) -> int:
    """The offered quantity at or below a price."""
    book = gen.engine.instruments[sec.symbol].book
    return sum(level.qty for level in book.levels(Side.SELL) if level.price <= price)


def _rise(sec: _Security, price: int, pct: Fraction) -> int:
    return min(sec.scale.round_up(price * (1 + pct / 100)), sec.ceiling)


# -- the planted patterns ------------------------------------------------------------------

def _push(gen: _Generator, sec: _Security, ids: list[str]) -> tuple[str, list[tuple[int, Step]]]:
    """Four aggressive buys a minute apart, each taking every offer up to 1.25% higher than the
    last: 5% in three minutes, with fresh offers from ordinary investors to take."""
    pusher = gen.planted_investor("push")
    who = pusher.accounts[0]
    start = _at(gen, _PLANT_AT["push"])
    steps: list[tuple[int, Step]] = []
    ladder: list[int] = []

    def offer(k: int) -> Step:
        def run(g: _Generator, ts: int) -> None:
            if not ladder:
                ladder.extend(_rise(sec, g.inst_last(sec), Fraction(125, 100) * n)
                              for n in range(1, 5))
            g.order(ts, sec, Side.SELL, 10 * _LOT, ladder[k], _innocent(g))
        return run

    def take(k: int) -> Step:
        def run(g: _Generator, ts: int) -> None:
            qty = max(_asks_to(g, sec, ladder[k]) // _LOT * _LOT, _LOT)
            ids.append(g.order(ts, sec, Side.BUY, min(qty, 200 * _LOT), ladder[k], who))
        return run

    for k in range(4):
        steps += [(start + k * 60 * US_PER_SECOND, offer(k)),
                  (start + (k * 60 + 2) * US_PER_SECOND, take(k))]
    return pusher.id, steps


def _layering(gen: _Generator, sec: _Security,
              ids: list[str]) -> tuple[str, list[tuple[int, Step]]]:
    """Five sell orders two to six ticks above the best offer, a buy taking the best offer,
    and the five withdrawn unfilled 20 seconds after they came."""
    layer = gen.planted_investor("layering")
    who = layer.accounts[0]
    start = _at(gen, _PLANT_AT["layering"])
    layers: list[str] = []

    def best_ask(g: _Generator) -> int:
        book = g.engine.instruments[sec.symbol].book
        return book.best_ask if book.best_ask != NO_ASK else g.ticks(sec, sec.fair, 1)

    def place(k: int) -> Step:
        def run(g: _Generator, ts: int) -> None:
            price = g.ticks(sec, best_ask(g), 2 + k)
            layers.append(g.order(ts, sec, Side.SELL, 20 * _LOT, price, who))
        return run

    def offer(g: _Generator, ts: int) -> None:
        if g.engine.instruments[sec.symbol].book.best_ask == NO_ASK:
            g.order(ts, sec, Side.SELL, 10 * _LOT, g.ticks(sec, sec.fair, 1), _innocent(g))

    def buy(g: _Generator, ts: int) -> None:
        book = g.engine.instruments[sec.symbol].book
        qty = book.ask_levels[-1].qty if book.ask_levels else _LOT
        ids.append(g.order(ts, sec, Side.BUY, min(qty, 50 * _LOT), book.best_ask, who))

    def withdraw(g: _Generator, ts: int) -> None:
        for cid in layers:
            if cid in g.engine.orders:
                g.run(CancelOrder(ts, cid))
        ids.extend(layers)

    steps: list[tuple[int, Step]] = [(start + k * US_PER_SECOND, place(k)) for k in range(5)]
    steps += [(start + 7 * US_PER_SECOND, offer), (start + 8 * US_PER_SECOND, buy),
              (start + 25 * US_PER_SECOND, withdraw)]
    return layer.id, steps


def _wash(gen: _Generator, sec: _Security, ids: list[str]) -> tuple[str, list[tuple[int, Step]]]:
    """A sell through one member at the best offer, then a buy through another member taking
    every offer to that price, its own included."""
    washer = gen.planted_investor("wash", members=2)
    start = _at(gen, _PLANT_AT["wash"])
    price: list[int] = []

    def sell(g: _Generator, ts: int) -> None:
        book = g.engine.instruments[sec.symbol].book
        price.append(book.best_ask if book.best_ask != NO_ASK else g.ticks(sec, sec.fair, 1))
        ids.append(g.order(ts, sec, Side.SELL, 10 * _LOT, price[0], washer.accounts[0]))

    def buy(g: _Generator, ts: int) -> None:
        qty = _asks_to(g, sec, price[0]) // _LOT * _LOT
        ids.append(g.order(ts, sec, Side.BUY, max(qty, _LOT), price[0], washer.accounts[1]))

    return washer.id, [(start, sell), (start + 3 * US_PER_SECOND, buy)]


def _close(gen: _Generator, sec: _Security,
           ids: list[str]) -> tuple[str, list[tuple[int, Step]]]:
    """In the pre-close, offers from ordinary investors up to 4% above the last price, then one
    buy at that price for twice what is offered up to it: the close lands 4% up."""
    marker = gen.planted_investor("close")
    start = _at(gen, _PLANT_AT["close"])
    target: list[int] = []

    def offer(k: int) -> Step:
        def run(g: _Generator, ts: int) -> None:
            if not target:
                target.append(_rise(sec, g.inst_last(sec), Fraction(4)))
            last = g.inst_last(sec)
            price = last + (target[0] - last) * (k + 1) // 3
            g.order(ts, sec, Side.SELL, 5 * _LOT, max(sec.scale.round_down(price), last),
                    _innocent(g))
        return run

    def mark(g: _Generator, ts: int) -> None:
        book = g.engine.instruments[sec.symbol].book
        offered = _asks_to(g, sec, target[0]) + book.ato_sell_qty
        qty = max(2 * offered // _LOT * _LOT, 20 * _LOT)
        ids.append(g.order(ts, sec, Side.BUY, min(qty, 1_000 * _LOT), target[0],
                           marker.accounts[0]))

    steps: list[tuple[int, Step]] = [(start + k * 10 * US_PER_SECOND, offer(k))
                                     for k in range(3)]
    steps.append((start + 120 * US_PER_SECOND, mark))
    return marker.id, steps


def _split(gen: _Generator, sec: _Security,
           ids: list[str]) -> tuple[str, list[tuple[int, Step]]]:
    """Eight buys of 700 to 900 shares, eight seconds apart, through two members, at the best
    bid: 6,400 shares at least, in a minute."""
    splitter = gen.planted_investor("split", members=2)
    start = _at(gen, _PLANT_AT["split"])

    def buy(k: int) -> Step:
        def run(g: _Generator, ts: int) -> None:
            book = g.engine.instruments[sec.symbol].book
            price = book.best_bid if book.best_bid != NO_BID else g.ticks(sec, sec.fair, -1)
            qty = _LOT * g.rng.randint(7, 9)
            ids.append(g.order(ts, sec, Side.BUY, qty, price, splitter.accounts[k % 2]))
        return run

    return splitter.id, [(start + k * 8 * US_PER_SECOND, buy(k)) for k in range(8)]


def _flow_step(session: str) -> Step:
    return lambda g, ts: g.flow(ts, session)


def _planted_step(step: Step) -> Step:
    """A pattern's step, its orders marked as the pattern's."""
    def run(g: _Generator, ts: int) -> None:
        g.planting = True
        step(g, ts)
        g.planting = False
    return run


_PLANTERS = {"push": _push, "layering": _layering, "wash": _wash, "close": _close,
             "split": _split}


def generate_day(seed: int = 1, *, securities: int = 8, investors: int = 300,
                 orders: int = 20_000, plant: Iterable[str] = ()) -> GeneratedDay:
    """Generate a day of about `orders` orders of clean flow, with the named patterns planted
    (PATTERNS; each needs its own security, so planting needs as many securities as the
    patterns' places)."""
    chosen = list(dict.fromkeys(plant))
    unknown = sorted(set(chosen) - set(PATTERNS))
    if unknown:
        raise ValueError(f"no pattern named {', '.join(unknown)}")
    if chosen and securities < len(PATTERNS):
        raise ValueError(f"planting needs at least {len(PATTERNS)} securities")
    gen = _Generator(seed, securities, investors, orders)
    gen.start()
    timeline: list[tuple[int, int, Step]] = []
    count = 0
    for ts, session in gen.steps():
        timeline.append((ts, count, _flow_step(session)))
        count += 1
    planted: list[tuple[str, str, list[str]]] = []
    for name in chosen:
        sec = gen.secs[PATTERNS.index(name)]
        ids: list[str] = []
        investor, steps = _PLANTERS[name](gen, sec, ids)
        planted.append((name, investor, ids))
        for ts, step in steps:
            timeline.append((ts, count, _planted_step(step)))
            count += 1
    heapq.heapify(timeline)
    while timeline:
        ts, _, step = heapq.heappop(timeline)
        if ts >= gen.engine.next_due:  # the auctions and phase changes due by then, first
            gen.run(AdvanceTime(ts))
        step(gen, ts)
    gen.run(AdvanceTime(gen.base + DEFAULT_RULEBOOK.off_hour_end))
    return GeneratedDay(tuple(gen.commands), gen.links,
                        tuple(Planted(name, investor, gen.secs[PATTERNS.index(name)].symbol,
                                      tuple(ids))
                              for name, investor, ids in planted),
                        gen.orders)
