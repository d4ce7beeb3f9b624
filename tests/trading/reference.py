"""Naive reference models, written separately from the engine, for differential tests.

They favour obviousness over speed: the auction tries every candidate price; the continuous book
keeps plain lists and sorts them before every match.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any


def naive_equilibrium(candidates: list[int], buys: list[tuple[int | None, int]],
                      sells: list[tuple[int | None, int]],
                      reference: int) -> tuple[int | None, int, int]:
    """Try every candidate price; (None, 0, 0) when nothing crosses. A price None is ATO/ATC."""
    rows = []
    for price in candidates:
        bought = sum(q for p, q in buys if p is None or p >= price)
        sold = sum(q for p, q in sells if p is None or p <= price)
        rows.append((price, min(bought, sold), bought - sold))
    best = max(volume for _, volume, _ in rows)
    if best == 0:
        return None, 0, 0
    rows = [r for r in rows if r[1] == best]
    least = min(abs(imbalance) for _, _, imbalance in rows)
    rows = [r for r in rows if abs(r[2]) == least]
    if all(imbalance > 0 for _, _, imbalance in rows):
        price, _, imbalance = max(rows)
    elif all(imbalance < 0 for _, _, imbalance in rows):
        price, _, imbalance = min(rows)
    else:
        price, _, imbalance = min(rows, key=lambda r: (abs(r[0] - reference), -r[0]))
    return price, best, imbalance


@dataclass
class RefOrder:
    id: str
    member: str
    account: str
    side: str
    price: int
    qty: int
    remaining: int
    visible: int
    published: int
    seq: int
    board: str
    smp_id: str = ""


@dataclass
class RefBook:
    """Every resting order of one security, both boards, in plain lists; `action` is the
    rulebook's self_match_action."""

    smp_members: set[str] = field(default_factory=set)
    action: str = "cancel_incoming"
    orders: list[RefOrder] = field(default_factory=list)
    seq: int = 0
    trades: list[tuple[int, int, str, str]] = field(default_factory=list)
    cancels: list[tuple[str, str]] = field(default_factory=list)

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def side(self, side: str, board: str) -> list[RefOrder]:
        mine = [o for o in self.orders if o.side == side and o.board == board]
        key = (lambda o: (-o.price, o.seq)) if side == "buy" else (lambda o: (o.price, o.seq))
        return sorted(mine, key=key)

    def find(self, cid: str) -> RefOrder | None:
        return next((o for o in self.orders if o.id == cid), None)

    def _self_match(self, o: RefOrder, resting: RefOrder) -> bool:
        """The same member, and the same smp_id, or the same account under the member's flag."""
        return o.member == resting.member and (
            (o.smp_id != "" and o.smp_id == resting.smp_id)
            or (o.member in self.smp_members and o.account == resting.account))

    def _match(self, o: RefOrder, limit: int | None) -> str | None:
        """Match o against the other side; limit None takes any price. Returns a stop reason."""
        other = "sell" if o.side == "buy" else "buy"
        while o.remaining:
            queue = self.side(other, o.board)
            if not queue:
                return None
            best = queue[0]
            if limit is not None and (best.price > limit if o.side == "buy"
                                      else best.price < limit):
                return None
            if self._self_match(o, best):
                if self.action != "cancel_incoming":
                    self.orders.remove(best)
                    self.cancels.append((best.id, "SELF_MATCH"))
                if self.action != "cancel_resting":
                    return "SELF_MATCH"
                continue
            qty = min(o.remaining, best.visible)
            buy, sell = (o, best) if o.side == "buy" else (best, o)
            self.trades.append((best.price, qty, buy.id, sell.id))
            o.remaining -= qty
            best.remaining -= qty
            best.visible -= qty
            if best.remaining == 0:
                self.orders.remove(best)
            elif best.visible == 0:
                best.visible = min(best.published, best.remaining)
                best.seq = self._next()
        return None

    def new(self, o: RefOrder, kind: str, validity: str) -> None:
        other = "sell" if o.side == "buy" else "buy"
        queue = self.side(other, o.board)
        if kind in ("mp_mkt", "mp_mtl") and not queue:
            self.cancels.append((o.id, "NO_OPPOSITE_ORDER"))
            return
        limit: int | None = o.price
        if kind == "mp_mkt":
            limit = None
        elif kind == "mp_mtl":
            limit = queue[0].price
        if validity == "fok":
            trial = copy.deepcopy(self)
            trial_order = copy.deepcopy(o)
            trial._match(trial_order, limit)
            if trial_order.remaining:
                self.cancels.append((o.id, "FOK_UNFILLED"))
                return
        stop = self._match(o, limit)
        if not o.remaining:
            return
        if stop:
            self.cancels.append((o.id, stop))
        elif validity in ("fak", "fok") or kind == "mp_mkt":
            self.cancels.append((o.id, "FAK_REMAINDER"))
        else:
            if kind == "mp_mtl":  # at the best opposite price on arrival
                assert limit is not None
                o.price = limit
            o.visible = min(o.published, o.remaining) if o.published else o.remaining
            o.seq = self._next()
            self.orders.append(o)

    def cancel(self, cid: str) -> bool:
        o = self.find(cid)
        if o is None:
            return False
        self.orders.remove(o)
        return True

    def amend(self, cid: str, qty: int, price: int) -> None:
        o = self.find(cid)
        assert o is not None
        filled = o.qty - o.remaining
        if price == o.price and qty <= o.qty:
            o.remaining -= o.qty - qty
            o.qty = qty
            o.visible = min(o.visible, o.remaining)
            return
        self.orders.remove(o)
        o.qty, o.price, o.remaining = qty, price, qty - filled
        o.visible = min(o.published, o.remaining) if o.published else o.remaining
        self.new(o, "limit", "day")

    def book_state(self) -> list[tuple[str, str, str, int, int, int]]:
        rows = []
        for board in ("main", "odd_lot"):
            for side in ("buy", "sell"):
                rows += [(board, side, o.id, o.price, o.remaining, o.visible)
                         for o in self.side(side, board)]
        return rows


Row = tuple[str, int | None, int]


def naive_allocation(buys: list[Row], sells: list[Row], price: int,
                     volume: int) -> list[tuple[str, str, int]]:
    """Pair fills at the auction price: market orders first by time, then limits by price, time.

    Rows are (id, price or None, qty) in time order.
    """
    def queue(rows: list[tuple[str, int | None, int]], buying: bool) -> list[list[Any]]:
        market = [[cid, qty] for cid, p, qty in rows if p is None]
        limits = [(p, t, cid, qty) for t, (cid, p, qty) in enumerate(rows) if p is not None and (
            p >= price if buying else p <= price)]
        limits.sort(key=lambda r: ((-r[0] if buying else r[0]), r[1]))
        return market + [[cid, qty] for _, _, cid, qty in limits]

    out: list[tuple[str, str, int]] = []
    b_queue, s_queue = queue(buys, True), queue(sells, False)
    left = volume
    while left:
        b, s = b_queue[0], s_queue[0]
        qty = min(b[1], s[1], left)
        out.append((b[0], s[0], qty))
        left -= qty
        b[1] -= qty
        s[1] -= qty
        if not b[1]:
            b_queue.pop(0)
        if not s[1]:
            s_queue.pop(0)
    return out
