"""Differential test: the engine and a naive reference book, fed the same random commands.

After every command both must have made the same trades and engine cancels and hold the same
book; the book is never crossed after a continuous-phase command, and every order's quantity is
conserved (filled + resting + cancelled = ordered).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.trading.commands import MemberSpec
from siamex.trading.enums import Side
from siamex.trading.events import Accepted, Amended, Cancelled, Rejected, Trade
from siamex.units import parse_price
from tests.trading.books import candidates
from tests.trading.harness import Session, of_type, stock
from tests.trading.reference import RefBook, RefOrder, naive_allocation, naive_equilibrium

PRICES = ["9.80", "9.85", "9.90", "9.95", "10.00", "10.10", "10.20", "10.30"]
OWNERS = [("M1", "A1"), ("M1", "A2"), ("M2", "B1")]
ACTIONS = ["cancel_incoming", "cancel_resting", "cancel_both"]

new_orders = st.fixed_dictionaries({
    "op": st.just("new"),
    "side": st.sampled_from(["buy", "sell"]),
    "kind": st.sampled_from(["limit"] * 7 + ["mp_mkt", "mp_mtl"]),
    "validity": st.sampled_from(["day"] * 3 + ["fak", "fok"]),
    "price": st.sampled_from(PRICES),
    "lots": st.integers(min_value=1, max_value=8),
    "odd": st.integers(min_value=1, max_value=99) | st.none(),
    "iceberg": st.sampled_from([None, None, None, 100, 200]),
    "owner": st.sampled_from(OWNERS),
    "smp_id": st.sampled_from([None, None, "c1", "c2"]),
})
amends = st.fixed_dictionaries({
    "op": st.just("amend"),
    "target": st.integers(min_value=0, max_value=60),
    "lots": st.integers(min_value=1, max_value=8) | st.none(),
    "odd": st.integers(min_value=1, max_value=99),
    "price": st.sampled_from(PRICES) | st.none(),
})
cancels = st.fixed_dictionaries({
    "op": st.just("cancel"),
    "target": st.integers(min_value=0, max_value=60),
})
streams = st.lists(st.one_of(new_orders, new_orders, amends, cancels), min_size=1, max_size=60)
# Long streams, mostly new orders: books deep enough that orders cross and self-match often.
deep_streams = st.lists(st.one_of(new_orders, new_orders, new_orders, amends, cancels),
                        min_size=30, max_size=60)


class Pair:
    """The engine and the reference, driven in step, with the checks between them."""

    def __init__(self, action: str) -> None:
        self.session = Session(stock("X", "10.00"), members=[MemberSpec("M1", True)],
                               rules={"self_match_action": action})
        self.session.advance("10:00")
        self.ref = RefBook(smp_members={"M1"}, action=action)
        self.ids: list[str] = []
        self.clock = 0
        self.ordered: dict[str, int] = {}
        self.filled: dict[str, int] = {}
        self.cancelled: dict[str, int] = {}

    def at(self) -> str:
        self.clock += 1
        return f"10:{1 + self.clock // 60:02d}:{self.clock % 60:02d}"

    def step(self, op: dict[str, Any]) -> None:
        trades_before, cancels_before = len(self.ref.trades), len(self.ref.cancels)
        events = getattr(self, "_" + op["op"])(op)
        if events is None:
            return
        got = [(t.price, t.qty, t.buy_id, t.sell_id) for t in of_type(events, Trade)]
        assert got == self.ref.trades[trades_before:]
        engine_cancels = [(c.id, c.reason.value) for c in of_type(events, Cancelled) if c.reason]
        assert engine_cancels == self.ref.cancels[cancels_before:]
        self._account(events)
        self._check_books()

    def _new(self, op: dict[str, Any]) -> list[Any]:
        cid = f"o{len(self.ids)}"
        self.ids.append(cid)
        member, account = op["owner"]
        kind, validity = op["kind"], op["validity"]
        odd = op["odd"] is not None and kind == "limit"
        qty = op["odd"] if odd else op["lots"] * 100
        published = op["iceberg"] if (kind == "limit" and validity == "day" and not odd) else None
        if published is not None:
            qty = max(qty, published + 100)
        if kind != "limit":
            validity = "day"
        price = op["price"] if kind == "limit" else None
        events = self.session.new(self.at(), cid, op["side"], qty, price, symbol="X", type=kind,
                                  validity=validity, member=member, account=account,
                                  published_qty=published, smp_id=op["smp_id"])
        assert of_type(events, Accepted), events
        self.ordered[cid] = qty
        order = RefOrder(cid, member, account, op["side"], parse_price(price) if price else 0,
                         qty, qty, published or qty, published or 0, 0,
                         "odd_lot" if odd else "main", op["smp_id"] or "")
        self.ref.new(order, kind, validity)
        return events

    def _target(self, op: dict[str, Any]) -> str | None:
        return self.ids[op["target"] % len(self.ids)] if self.ids else None

    def _amend(self, op: dict[str, Any]) -> list[Any] | None:
        cid = self._target(op)
        if cid is None or (op["lots"] is None and op["price"] is None):
            return None
        live = self.ref.find(cid)
        qty = None
        if op["lots"] is not None:
            qty = op["odd"] if live is not None and live.board == "odd_lot" else op["lots"] * 100
        events = self.session.amend(self.at(), cid, qty=qty, price=op["price"])
        if live is None:
            assert [r.reason.value for r in of_type(events, Rejected)] == ["UNKNOWN_ORDER"]
            return events
        filled = live.qty - live.remaining
        new_qty = qty if qty is not None else live.qty
        if new_qty <= filled:
            assert [r.reason.value for r in of_type(events, Rejected)] == ["AMEND_NOT_ALLOWED"]
            return events
        assert of_type(events, Amended), events
        self.ordered[cid] += new_qty - live.qty
        price = parse_price(op["price"]) if op["price"] else live.price
        self.ref.amend(cid, new_qty, price)
        return events

    def _cancel(self, op: dict[str, Any]) -> list[Any] | None:
        cid = self._target(op)
        if cid is None:
            return None
        events = self.session.cancel(self.at(), cid)
        if self.ref.cancel(cid):
            assert of_type(events, Cancelled), events
        else:
            assert [r.reason.value for r in of_type(events, Rejected)] == ["UNKNOWN_ORDER"]
        return events

    def _account(self, events: list[Any]) -> None:
        for trade in of_type(events, Trade):
            for cid in (trade.buy_id, trade.sell_id):
                self.filled[cid] = self.filled.get(cid, 0) + trade.qty
        for cancel in of_type(events, Cancelled):
            self.cancelled[cancel.id] = self.cancelled.get(cancel.id, 0) + cancel.qty

    def _check_books(self) -> None:
        inst = self.session.engine.instruments["X"]
        engine_rows = []
        for board, book in (("main", inst.book), ("odd_lot", inst.odd)):
            assert book is not None
            assert not book.is_crossed()
            for side in ("buy", "sell"):
                engine_rows += [(board, side, o.id, o.price, o.remaining, o.visible)
                                for o in book.orders(Side(side))]
        assert engine_rows == self.ref.book_state()
        resting = {row[2]: row[4] for row in engine_rows}
        for cid, qty in self.ordered.items():
            assert self.filled.get(cid, 0) + resting.get(cid, 0) + self.cancelled.get(cid, 0) == (
                qty), cid


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ACTIONS), streams)
def test_the_engine_matches_a_naive_reference_book(action: str,
                                                   ops: list[dict[str, Any]]) -> None:
    pair = Pair(action)
    for op in ops:
        pair.step(op)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ACTIONS), deep_streams)
def test_self_match_prevention_matches_the_reference_under_each_action(
        action: str, ops: list[dict[str, Any]]) -> None:
    pair = Pair(action)
    for op in ops:
        pair.step(op)


pre_open_orders = st.lists(st.tuples(
    st.sampled_from(["buy", "sell"]),
    st.sampled_from([*PRICES, "ATO"]),
    st.integers(min_value=1, max_value=8),
), min_size=1, max_size=25)


@settings(max_examples=300, deadline=None)
@given(pre_open_orders)
def test_the_opening_auction_matches_a_naive_price_and_allocation(
        rows: list[tuple[str, str, int]]) -> None:
    session = Session(stock("X", "10.00"))
    session.advance("09:30")
    buys: list[tuple[str, int | None, int]] = []
    sells: list[tuple[str, int | None, int]] = []
    for n, (side, price, lots) in enumerate(rows):
        cid, qty = f"p{n}", lots * 100
        limit = None if price == "ATO" else price
        session.new(f"09:{31 + n // 60:02d}:{n % 60:02d}", cid, side, qty, limit, symbol="X",
                    type="ato" if limit is None else "limit")
        (buys if side == "buy" else sells).append(
            (cid, parse_price(limit) if limit else None, qty))
    inst = session.engine.instruments["X"]
    price, volume, _ = naive_equilibrium(candidates(inst), [(p, q) for _, p, q in buys],
                                         [(p, q) for _, p, q in sells], 1000)
    events = session.advance("10:00")
    got = [(t.buy_id, t.sell_id, t.qty) for t in of_type(events, Trade)]
    if price is None:
        assert got == []
    else:
        assert {t.price for t in of_type(events, Trade)} == {price}
        assert got == naive_allocation(buys, sells, price, volume)
    assert not inst.book.is_crossed()
    assert not inst.book.ato_buys and not inst.book.ato_sells
