"""A generated day's flow and the two members who trade it on a live `siamex serve`: member
M01 over FIX (simplefix, tests/gateway/live.py) and member M02 over the web API (httpx).

A flow is a list of requests drawn from a seeded `random.Random`, the same for every run of a
seed: limit orders over more than ten prices a side (some odd lots, some icebergs), FAK, FOK and
market orders, amends of price and quantity, cancels. A member sends them one at a time, each
once the last is answered, holding an amend or cancel back (while the new orders after it go
on) until its order has rested as long as the exchange requires. What the exchange answers
depends on how the two members' requests interleave (an order may have traded away before its
cancel), and is counted, not predicted.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import httpx
import simplefix

from siamex.trading.enums import Side
from siamex.units import format_price
from tests.gateway.live import Member, Server, utc_now

__all__ = ["SYMBOLS", "Action", "Amend", "Cancel", "FixTrader", "New", "WebTrader", "flow"]

SYMBOLS: Final = {"PTT": (3225, 25, 8), "CPALL": (5025, 25, 14), "CPN": (5625, 25, 14),
                  "BDMS": (2240, 10, 14)}
"""The securities traded, each with its previous close and tick in satang (the sample
universe; docs/rulebook.md's tick table) and how many ticks from it a resting order goes: more
than ten prices a side, within member M01's price check (10%) and one tick size."""
M02: Final = {"username": "m02ors1", "password": "m02-fix-secret-change-me", "trader": "M02T1"}


# -- the generated flow ---------------------------------------------------------------------

@dataclass(frozen=True)
class New:
    """A new order (prices in satang)."""

    clordid: str
    account: str
    symbol: str
    side: Side
    qty: int
    price: int | None  # None: a market order (MP-MKT)
    validity: str = "day"  # day, fak or fok
    published: int | None = None  # an iceberg's visible part


@dataclass(frozen=True)
class Amend:
    """A new total quantity and price for an order (named by its first ClOrdID)."""

    clordid: str
    order: New
    qty: int  # the new total, as FIX's OrderQty
    price: int


@dataclass(frozen=True)
class Cancel:
    """A cancel of what rests of an order."""

    clordid: str
    order: New


Action = New | Amend | Cancel


@dataclass
class _Resting:
    """An order the flow may amend or cancel, with the quantity and price it last asked for."""

    order: New
    qty: int
    price: int


def _price(rng: random.Random, symbol: str, side: Side, aggressive: bool) -> int:
    """A price around the previous close, buys mostly below and sells mostly above it, with an
    overlap so that orders cross."""
    close, tick, reach = SYMBOLS[symbol]
    low, high = (0, 4) if aggressive else (-reach, 3)
    k = rng.randint(low, high)
    return close + tick * (k if side is Side.BUY else -k)


def flow(rng: random.Random, prefix: str, accounts: tuple[str, ...], count: int
         ) -> list[Action]:
    """A member's `count` requests, ClOrdIDs `prefix` and their number: amends and cancels
    name recent limit orders of the flow (which may have traded away by then: then refused)."""
    actions: list[Action] = []
    resting: list[_Resting] = []
    for n in range(count):
        clordid = f"{prefix}{n}"
        roll = rng.random()
        if resting and roll < 0.2:
            target = rng.choice(resting[-30:])
            lot = 1 if target.order.qty < 100 else 100
            top = 99 if lot == 1 else 3000
            qty = min(top, max(lot, target.qty + lot * rng.randint(-5, 5)))
            close, tick, reach = SYMBOLS[target.order.symbol]
            moved = target.price + tick * rng.choice((-2, -1, 0, 0, 1, 2))
            price = min(close + tick * reach, max(close - tick * reach, moved))
            target.qty, target.price = qty, price
            actions.append(Amend(clordid, target.order, qty, price))
            continue
        if resting and roll < 0.32:
            target = resting.pop(rng.randrange(max(0, len(resting) - 40), len(resting)))
            actions.append(Cancel(clordid, target.order))
            continue
        symbol = rng.choice(list(SYMBOLS))
        side = rng.choice((Side.BUY, Side.SELL))
        account = rng.choice(accounts)
        kind = rng.random()
        if kind < 0.06:
            actions.append(New(clordid, account, symbol, side, 100 * rng.randint(1, 5), None))
        elif kind < 0.16:
            validity = "fak" if kind < 0.12 else "fok"
            actions.append(New(clordid, account, symbol, side, 100 * rng.randint(1, 10),
                               _price(rng, symbol, side, True), validity))
        else:
            qty = 100 * rng.randint(1, 20)
            published = None
            if kind < 0.24:
                qty, published = 100 * rng.randint(10, 30), 100 * rng.randint(1, 3)
            elif kind < 0.32:
                qty = rng.randint(1, 99)  # the odd-lot board
            price = _price(rng, symbol, side, False)
            order = New(clordid, account, symbol, side, qty, price, published=published)
            actions.append(order)
            resting.append(_Resting(order, qty, price))
    return actions


# -- the two members ------------------------------------------------------------------------

Step = Callable[[int], None]
"""Told how many requests have been answered, after each answer."""
RESTED_S: Final = 0.3
"""How long after the answer about an order a request may touch it: the exchange refuses an
amend or cancel of an order that has rested less than 250 ms (set-trading-rules.md 9, T15)."""


def paced(actions: list[Action], send: Callable[[Action], str], step: Step) -> Counter[str]:
    """Send a flow's requests one at a time, in order, except that an amend or cancel waits,
    while the new orders after it go on, until its order has rested; count the answers
    ("new done", "cancel refused", ...)."""
    tally: Counter[str] = Counter()
    touched: dict[str, float] = {}  # an order's first ClOrdID -> when a request on it was answered
    pending = list(reversed(actions))
    waiting: list[Amend | Cancel] = []
    while pending or waiting:
        now = time.monotonic()
        due = next((a for a in waiting if now - touched[a.order.clordid] >= RESTED_S), None)
        if due is not None:
            waiting.remove(due)
            action: Action = due
        elif pending:
            action = pending.pop()
            if not isinstance(action, New):
                waiting.append(action)
                continue
        else:  # only amends and cancels left: the rule's time, not an event, is waited for
            time.sleep(min(touched[a.order.clordid] for a in waiting) + RESTED_S - now)
            continue
        tally[f"{type(action).__name__.lower()} {send(action)}"] += 1
        touched[action.clordid if isinstance(action, New) else action.order.clordid] = \
            time.monotonic()
        step(tally.total())
    return tally


class FixTrader:
    """Member M01 over FIX: each request sent, then its answer awaited (what a trader's screen
    does), while the fills the other member causes arrive in between."""

    def __init__(self, server: Server) -> None:
        self.member = Member(server.fix)
        assert self.member.logon().get(35) == b"A"
        self.tally: Counter[str] = Counter()

    def run(self, actions: list[Action], step: Step) -> None:
        self.tally = paced(actions, self._send, step)

    def _send(self, action: Action) -> str:
        side = "1" if _side_of(action) is Side.BUY else "2"
        if isinstance(action, New):
            extra = [(59, {"day": "0", "fak": "3", "fok": "4"}[action.validity])]
            if action.published is not None:
                extra.append((111, str(action.published)))
            price = format_price(action.price) if action.price is not None else None
            self.member.order(action.clordid, side, action.qty, price, account=action.account,
                              symbol=action.symbol, extra=extra)
        elif isinstance(action, Amend):
            self.member.send("G", [(11, action.clordid), (41, action.order.clordid),
                                   (55, action.order.symbol), (54, side),
                                   (38, str(action.qty)), (40, "2"),
                                   (44, format_price(action.price)), (60, utc_now())],
                             trader="M01T1")
        else:
            self.member.send("F", [(11, action.clordid), (41, action.order.clordid),
                                   (55, action.order.symbol), (54, side), (60, utc_now())],
                             trader="M01T1")
        answer = self.member.expect(lambda m: _answers(m, action.clordid))
        refused = answer.get(35) == b"9" or answer.get(150) == b"8"
        return "refused" if refused else "done"

    def close(self) -> None:
        self.member.close()


def _answers(message: simplefix.FixMessage, clordid: str) -> bool:
    """Whether a message is the exchange's answer to the request `clordid`: its first
    ExecutionReport or an OrderCancelReject. A session or business reject is a fault here."""
    assert message.get(35) not in (b"3", b"j"), f"the exchange rejected a message: {message}"
    return bool(message.get(35) in (b"8", b"9") and message.get(11) == clordid.encode())


def _side_of(action: Action) -> Side:
    return action.side if isinstance(action, New) else action.order.side


class WebTrader:
    """Member M02 over the web API: a request, its answer, the next request."""

    def __init__(self, server: Server) -> None:
        self.http = httpx.Client(base_url=server.http, timeout=30, trust_env=False)
        answer = self.http.post("/v1/sessions", json=M02)
        assert answer.status_code == 200, answer.text
        self.auth = {"Authorization": f"Bearer {answer.json()['token']}"}
        self.tally: Counter[str] = Counter()

    def run(self, actions: list[Action], step: Step) -> None:
        self.tally = paced(actions, self._send, step)

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        response = self.http.post(path, json=body, headers=self.auth)
        assert response.status_code in (200, 409), (body, response.text)
        return response

    def _send(self, action: Action) -> str:
        if isinstance(action, New):
            body: dict[str, Any] = {"clordid": action.clordid, "account": action.account,
                                    "symbol": action.symbol, "side": action.side.value,
                                    "qty": action.qty, "validity": action.validity}
            if action.price is None:
                body["type"] = "mp_mkt"
            else:
                body["price"] = format_price(action.price)
            if action.published is not None:
                body["published_qty"] = action.published
            response = self.post("/v1/orders", body)
        elif isinstance(action, Amend):
            response = self.post("/v1/orders/amend", {
                "orig_clordid": action.order.clordid, "clordid": action.clordid,
                "qty": action.qty, "price": format_price(action.price)})
        else:
            response = self.post("/v1/orders/cancel", {
                "orig_clordid": action.order.clordid, "clordid": action.clordid})
        return "done" if response.status_code == 200 else "refused"

    def close(self) -> None:
        self.http.close()
