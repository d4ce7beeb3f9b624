"""The SET equity trading engine: `Engine.handle(command) -> events`, pure and deterministic.

Pillar 1: no I/O, no clock, no global randomness. Time arrives on each command; before a command
runs, every scheduled phase change and auction due by its time happens first, stamped with its
own scheduled time. The same commands give the same events on every machine.
"""

from __future__ import annotations

import datetime as dt
import heapq
from typing import Final, cast

from msgspec.structs import astuple

from siamex.rulebook.parameters import DEFAULT_RULEBOOK, Rulebook
from siamex.trading.auction import NO_CROSS, Equilibrium, allocate, pair
from siamex.trading.book import Book
from siamex.trading.checks import Failure, check_amend, check_new, expire_day
from siamex.trading.commands import (
    AdvanceTime,
    AmendOrder,
    AmendOrderFields,
    CancelOrder,
    CancelOrderFields,
    Command,
    NewOrder,
    NewOrderFields,
    StartDay,
)
from siamex.trading.enums import Board, OrderType, Phase, Side, Validity
from siamex.trading.equilibrium import book_equilibrium
from siamex.trading.events import (
    Accepted,
    Amended,
    AuctionResult,
    Cancelled,
    DayClose,
    DayStarted,
    Event,
    Indicative,
    PhaseChanged,
    PriceLimitsSet,
    Rejected,
    Trade,
)
from siamex.trading.instrument import Instrument
from siamex.trading.listing import list_instrument
from siamex.trading.matching import Fill, available, sweep
from siamex.trading.order import Order
from siamex.trading.phases import TRANSITIONS
from siamex.trading.rejects import CancelReason, Reject
from siamex.units import day_start

__all__ = ["Engine"]

_NEVER: Final = 1 << 62
_BUY: Final = Side.BUY
_SELL: Final = Side.SELL
_LIMIT: Final = OrderType.LIMIT
_MP_MKT: Final = OrderType.MP_MKT
_MP_MTL: Final = OrderType.MP_MTL
_DAY: Final = Validity.DAY
_FAK: Final = Validity.FAK
_FOK: Final = Validity.FOK
_GTC: Final = Validity.GTC
_GTD: Final = Validity.GTD
_MAIN: Final = Board.MAIN
_ODD: Final = Board.ODD_LOT
_CLOSED: Final = Phase.CLOSED
# Compiled by mypyc, a Final module name is a C static, while a name imported from a module that
# stays Python is a dictionary lookup on every use: the hot path reads these aliases.
_NEW_ORDER: Final = NewOrder
_CANCEL_ORDER: Final = CancelOrder
_AMEND_ORDER: Final = AmendOrder
_START_DAY: Final = StartDay
_ACCEPTED: Final = Accepted
_AMENDED: Final = Amended
_CANCELLED: Final = Cancelled
_REJECTED: Final = Rejected
_TRADE: Final = Trade
_INDICATIVE: Final = Indicative
_FAK_REMAINDER: Final = CancelReason.FAK_REMAINDER
_FOK_UNFILLED: Final = CancelReason.FOK_UNFILLED
_NO_OPPOSITE_ORDER: Final = CancelReason.NO_OPPOSITE_ORDER
_SELF_MATCH: Final = CancelReason.SELF_MATCH
_EXPIRED: Final = CancelReason.EXPIRED
_AUCTION_UNFILLED: Final = CancelReason.AUCTION_UNFILLED
_UNKNOWN_ORDER: Final = Reject.UNKNOWN_ORDER
_ASTUPLE: Final = astuple

Scheduled = tuple[int, int, str, Phase]
"""A due time, a tie-break sequence, the symbol ("*": every security) and the phase it leaves."""


class Engine:
    """Books, auctions and phases of every security; one command in, its events out."""

    def __init__(self) -> None:
        self.rules: Rulebook = DEFAULT_RULEBOOK
        self.date: dt.date | None = None
        self.seed = 0
        self.now = 0
        self.instruments: dict[str, Instrument] = {}
        self.orders: dict[str, Order] = {}
        self.used_ids: set[str] = set()
        self.closes: dict[str, int] = {}
        self.smp_members: frozenset[str] = frozenset()
        self.next_order_no = 1
        self.next_trade_no = 1
        self.schedule: list[Scheduled] = []
        self.schedule_seq = 0
        self.next_due = _NEVER
        self.indicative: dict[str, Equilibrium] = {}

    def handle(self, command: Command) -> list[Event]:
        """Run one command and return its events in order."""
        out: list[Event] = []
        ts = command.ts
        if ts >= self.next_due:
            self._advance(ts, out)
        if ts > self.now:
            self.now = ts
        kind = type(command)
        if kind is _NEW_ORDER:
            self._new_order(cast(NewOrder, command), out)
        elif kind is _CANCEL_ORDER:
            self._cancel(cast(CancelOrder, command), out)
        elif kind is _AMEND_ORDER:
            self._amend(cast(AmendOrder, command), out)
        elif kind is _START_DAY:
            self._start_day(cast(StartDay, command), out)
        else:
            assert isinstance(command, AdvanceTime)  # the schedule has caught up: nothing more
        return out

    # -- time and the schedule -------------------------------------------------------------

    def _advance(self, ts: int, out: list[Event]) -> None:
        schedule = self.schedule
        while schedule and schedule[0][0] <= ts:
            due, _, symbol, leaving = heapq.heappop(schedule)
            self.now = due
            if symbol == "*":
                self._market_transition(due, leaving, out)
            else:
                self._security_transition(self.instruments[symbol], due, leaving, out)
        self.next_due = schedule[0][0] if schedule else _NEVER

    def _plan(self, due: int, symbol: str, leaving: Phase) -> None:
        self.schedule_seq += 1
        heapq.heappush(self.schedule, (due, self.schedule_seq, symbol, leaving))

    def _market_transition(self, ts: int, leaving: Phase, out: list[Event]) -> None:
        entering = TRANSITIONS[leaving][1]
        for inst in self.instruments.values():
            if inst.phase is leaving:
                inst.enter(entering)
        out.append(PhaseChanged(ts, "*", entering))
        if entering is _CLOSED:
            self._expire_day_orders(ts, out)

    def _security_transition(self, inst: Instrument, ts: int, leaving: Phase,
                             out: list[Event]) -> None:
        trigger, entering = TRANSITIONS[leaving]
        if inst.phase is not leaving:
            return
        assert trigger.auction is not None
        self._uncross(inst, ts, trigger.auction, out)
        inst.enter(entering)
        out.append(PhaseChanged(ts, inst.symbol, entering))
        if trigger.auction == "close":
            self._day_close(inst, ts, out)

    # -- the trading day ---------------------------------------------------------------------

    def _start_day(self, cmd: StartDay, out: list[Event]) -> None:
        """Open a day: limits, books, carried GTC/GTD orders and the schedule (1, 3.3, T6, T18)."""
        if self.schedule:
            self._advance(_NEVER, out)
        self.now = cmd.ts
        carried = self._carry_out()
        self.rules = rules = Rulebook(cmd.rules)
        self.date = day = dt.date.fromisoformat(cmd.date)
        self.seed = cmd.seed
        self.smp_members = frozenset(m.member for m in cmd.members if m.self_match_prevention)
        self.instruments = {}
        self.orders = {}
        self.indicative = {}
        out.append(DayStarted(cmd.ts, cmd.date))
        for spec in cmd.instruments:
            inst = list_instrument(rules, day, spec, self.closes.get(spec.symbol), cmd.seed,
                                   cmd.auction_times)
            self.instruments[spec.symbol] = inst
            out.append(PriceLimitsSet(cmd.ts, inst.symbol, inst.ceiling, inst.floor,
                                      inst.prev_close))
        self._carry_in(carried, day, cmd.ts, out)
        self.used_ids = set(self.orders)
        self._build_schedule(day)

    def _build_schedule(self, day: dt.date) -> None:
        base = day_start(day)
        self.schedule = []
        rules = self.rules
        for leaving, (trigger, _) in TRANSITIONS.items():
            if trigger.auction is None:
                self._plan(base + getattr(rules, trigger.at), "*", leaving)
        for inst in self.instruments.values():
            for leaving, (trigger, _) in TRANSITIONS.items():
                if trigger.auction is not None:
                    self._plan(base + getattr(inst.instants, trigger.auction), inst.symbol,
                               leaving)
        self.next_due = self.schedule[0][0] if self.schedule else _NEVER

    def _carry_out(self) -> list[Order]:
        """Take the GTC/GTD orders out of yesterday's books, in priority order (T18)."""
        carried: list[Order] = []
        for inst in self.instruments.values():
            for side in (_BUY, _SELL):
                carried.extend(inst.book.orders(side))
        for order in carried:
            order.prev = order.next = None
        return carried

    def _carry_in(self, carried: list[Order], day: dt.date, ts: int, out: list[Event]) -> None:
        today = day.toordinal()
        for order in carried:
            inst = self.instruments.get(order.symbol)
            reason: CancelReason | None = None
            if inst is None:
                reason = CancelReason.DELISTED
            elif today > order.expire_day:
                reason = CancelReason.EXPIRED
            elif inst.book.position(order.price) < 0:
                reason = CancelReason.PRICE_LIMIT
            if reason is not None:
                out.append(Cancelled(ts, order.id, order.no, order.symbol, order.remaining,
                                     reason))
                continue
            assert inst is not None
            order.idx = inst.book.position(order.price)
            inst.book.add(order)
            self.orders[order.id] = order

    def _expire_day_orders(self, ts: int, out: list[Event]) -> None:
        """Cancel every Day order left when the day ends (4.2).

        Only GTC/GTD orders outlive the day, so the index of live orders is rebuilt from them
        rather than emptied one order at a time.
        """
        for inst in self.instruments.values():
            for book in (inst.book, inst.odd):
                if book is not None:
                    for order in book.take_day_orders():
                        out.append(_CANCELLED(ts, order.id, order.no, order.symbol,
                                              order.remaining, _EXPIRED))
        self.orders = {cid: order for cid, order in self.orders.items()
                       if order.validity is not _DAY}

    def _day_close(self, inst: Instrument, ts: int, out: list[Event]) -> None:
        traded = inst.volume > 0
        close = inst.last_price if traded else None
        self.closes[inst.symbol] = inst.last_price or (inst.prev_close or inst.ipo_price or 0)
        out.append(DayClose(ts, inst.symbol, inst.open or None, inst.high or None,
                            inst.low or None, close, inst.volume, inst.value, inst.trades))

    # -- orders --------------------------------------------------------------------------------

    def _reject(self, cmd: NewOrder | AmendOrder | CancelOrder, reason: Reject, text: str,
                out: list[Event]) -> None:
        out.append(_REJECTED(cmd.ts, cmd.id, reason, text))

    def _new_order(self, cmd: NewOrder, out: list[Event]) -> None:
        fields: NewOrderFields = _ASTUPLE(cmd)
        (ts, cid, member, account, symbol, side, qty, kind, limit, validity, expire_date,
         published, short, cash_balance, nvdr, client_type) = fields
        if self.date is None:
            return self._reject(cmd, Reject.MARKET_CLOSED, "no trading day has started", out)
        used = self.used_ids
        known = len(used)
        used.add(cid)  # one probe of a set that grows all day: the size tells a duplicate
        if len(used) == known:
            return self._reject(cmd, Reject.DUPLICATE_ID, f"order id {cid!r} is in use", out)
        failure = self._check_new(cmd, symbol, qty, kind, validity, limit, expire_date,
                                  published, short)
        if failure is not None:
            used.discard(cid)  # a rejected order leaves its id free (docs/decisions.md 11)
            return self._reject(cmd, failure[0], failure[1], out)
        inst = self.instruments[symbol]
        last_day = 0
        if validity is _GTC or validity is _GTD:
            last_day, failure = expire_day(self.rules, self.date, validity, expire_date)
            if failure is not None:
                used.discard(cid)
                return self._reject(cmd, failure[0], failure[1], out)
        odd_lot = qty < inst.lot
        book = inst.odd if odd_lot else inst.book
        assert book is not None
        price = limit if limit is not None else 0
        slice_qty = published if published is not None else 0
        order = Order(
            self.next_order_no, cid, member, account, symbol, side, kind, validity, price, qty,
            qty, slice_qty if slice_qty else qty, slice_qty, 0,
            book.position(price) if price else -1, odd_lot, ts, last_day,
            cash_balance, nvdr, client_type,
        )
        self.next_order_no += 1
        out.append(_ACCEPTED(ts, cid, order.no, symbol, side, kind, validity,
                             _ODD if odd_lot else _MAIN, qty, limit, member, account))
        if inst.accepts.continuous:
            self._continuous(inst, book, order, ts, out)
        else:
            self._rest(book, order)
            self._publish_indicative(inst, ts, out)
        return None

    def _check_new(self, cmd: NewOrder, symbol: str, qty: int, kind: OrderType,
                   validity: Validity, limit: int | None, expire_date: str | None,
                   published: int | None, short: bool) -> Failure | None:
        inst = self.instruments.get(symbol)
        if inst is None:
            return Reject.UNKNOWN_SYMBOL, f"{symbol!r} is not listed today"
        if short:
            return Reject.NOT_IMPLEMENTED, "short-sale rules are not implemented yet"
        return check_new(self.rules, inst, qty, kind, validity, limit, expire_date, published)

    def _rest(self, book: Book, order: Order) -> None:
        if order.type is _LIMIT:
            book.add(order)
        else:
            book.enqueue(order)
        self.orders[order.id] = order

    def _continuous(self, inst: Instrument, book: Book, order: Order, ts: int,
                    out: list[Event]) -> None:
        """Match an incoming order, then rest, convert or cancel its remainder (2.1, 4.1)."""
        buying = order.side is _BUY
        kind = order.type
        if kind is _LIMIT:
            limit = order.idx
            if (limit < book.best_ask) if buying else (limit > book.best_bid):
                if order.validity is _FAK:
                    return self._drop(order, ts, _FAK_REMAINDER, out)
                if order.validity is _FOK:
                    return self._drop(order, ts, _FOK_UNFILLED, out)
                book.add(order)
                self.orders[order.id] = order
                return None
        else:
            limit = book.best_ask if buying else book.best_bid
            if limit == (book.size if buying else -1):
                return self._drop(order, ts, _NO_OPPOSITE_ORDER, out)
            if kind is _MP_MKT:
                limit = book.size - 1 if buying else 0
        smp = order.member in self.smp_members
        if order.validity is _FOK and available(book, order, limit, smp) < order.remaining:
            return self._drop(order, ts, _FOK_UNFILLED, out)
        fills, self_matched = sweep(book, order, limit, smp)
        if fills:
            self._continuous_trades(inst, order, fills, ts, out)
        if not order.remaining:
            return None
        if self_matched:
            return self._drop(order, ts, _SELF_MATCH, out)
        if order.validity is _FAK or order.validity is _FOK or kind is _MP_MKT:
            return self._drop(order, ts, _FAK_REMAINDER, out)
        if kind is _MP_MTL:
            order.type = _LIMIT
            order.price = fills[-1][2]
            order.idx = book.position(order.price)
        order.visible = min(order.published, order.remaining) if order.published else (
            order.remaining)
        book.add(order)
        self.orders[order.id] = order
        return None

    def _continuous_trades(self, inst: Instrument, order: Order, fills: list[Fill], ts: int,
                           out: list[Event]) -> None:
        symbol = inst.symbol
        odd_lot = order.odd_lot
        board = _ODD if odd_lot else _MAIN
        buying = order.side is _BUY
        aggressor = "buy" if buying else "sell"
        orders = self.orders
        for resting, qty, price in fills:
            buy, sell = (order, resting) if buying else (resting, order)
            out.append(_TRADE(ts, self.next_trade_no, symbol, board, price, qty, aggressor,
                             buy.id, sell.id, buy.no, sell.no, buy.member, buy.account,
                             sell.member, sell.account))
            self.next_trade_no += 1
            if not resting.remaining:
                orders.pop(resting.id, None)
            if not odd_lot:
                inst.record_trade(price, qty)

    def _drop(self, order: Order, ts: int, reason: CancelReason, out: list[Event]) -> None:
        """Report an order's remainder as cancelled by the engine and forget the order."""
        out.append(_CANCELLED(ts, order.id, order.no, order.symbol, order.remaining, reason))
        self.orders.pop(order.id, None)

    def _find(self, cmd: AmendOrder | CancelOrder, cid: str, member: str | None,
              out: list[Event]) -> Order | None:
        order = self.orders.get(cid)
        if order is None:
            self._reject(cmd, _UNKNOWN_ORDER, f"no live order with id {cid!r}", out)
            return None
        if member is not None and member != order.member:
            self._reject(cmd, Reject.NOT_OWNER, f"order {cid!r} belongs to another member", out)
            return None
        return order

    def _book_of(self, inst: Instrument, order: Order) -> Book:
        book = inst.odd if order.odd_lot else inst.book
        assert book is not None
        return book

    def _cancel(self, cmd: CancelOrder, out: list[Event]) -> None:
        fields: CancelOrderFields = _ASTUPLE(cmd)
        ts, cid, member = fields
        order = self._find(cmd, cid, member, out)
        if order is None:
            return
        inst = self.instruments[order.symbol]
        book = self._book_of(inst, order)
        if order.type is _LIMIT:
            book.remove(order)
        else:
            book.dequeue(order)
        del self.orders[cid]
        out.append(_CANCELLED(ts, cid, order.no, order.symbol, order.remaining, None))
        if inst.accepts.call:
            self._publish_indicative(inst, ts, out)

    def _amend(self, cmd: AmendOrder, out: list[Event]) -> None:
        """Amend in place when only the quantity falls; otherwise re-queue it (4.4, T16)."""
        fields: AmendOrderFields = _ASTUPLE(cmd)
        ts, cid, member, new_qty, new_price, kind, side = fields
        order = self._find(cmd, cid, member, out)
        if order is None:
            return
        inst = self.instruments[order.symbol]
        failure = check_amend(self.rules, inst, order, new_qty, new_price, kind, side)
        if failure is not None:
            return self._reject(cmd, failure[0], failure[1], out)
        book = self._book_of(inst, order)
        qty = new_qty if new_qty is not None else order.qty
        price = new_price if new_price is not None else order.price
        queued = order.type is not _LIMIT
        keep = price == order.price and qty <= order.qty
        if keep:
            cut = order.qty - qty
            if cut:
                if queued:
                    book.reduce_queued(order, cut)
                else:
                    book.reduce(order, cut)
            order.qty = qty
        else:
            if queued:
                book.dequeue(order)
            else:
                book.remove(order)
            order.qty = qty
            order.remaining = qty - order.filled
            order.price = price
            order.idx = book.position(price) if price else -1
            order.visible = min(order.published, order.remaining) if order.published else (
                order.remaining)
            del self.orders[order.id]
        out.append(_AMENDED(ts, cid, order.no, order.symbol, order.qty, order.remaining,
                            order.price or None, keep))
        if not keep:
            if inst.accepts.continuous:
                self._continuous(inst, book, order, ts, out)
            else:
                self._rest(book, order)
        if inst.accepts.call:
            self._publish_indicative(inst, ts, out)
        return None

    # -- auctions ------------------------------------------------------------------------------

    def _equilibrium(self, inst: Instrument) -> Equilibrium:
        book = inst.book
        return book_equilibrium(book, inst.candidates, inst.offset, book.ato_buy_qty,
                                book.ato_sell_qty, inst.reference())

    def _publish_indicative(self, inst: Instrument, ts: int, out: list[Event]) -> None:
        """Publish the indicative equilibrium when a pre-open book change moves it (2.2)."""
        result = self._equilibrium(inst)
        if result != self.indicative.get(inst.symbol, NO_CROSS):
            self.indicative[inst.symbol] = result
            out.append(_INDICATIVE(ts, inst.symbol, result.price, result.volume,
                                  result.imbalance))

    def _uncross(self, inst: Instrument, ts: int, session: str, out: list[Event]) -> None:
        """Run a call auction: trades at one price, then cancel unfilled ATO/ATC (2.2, T4)."""
        book = inst.book
        result = self._equilibrium(inst)
        out.append(AuctionResult(ts, inst.symbol, session, result.price, result.volume,
                                 result.imbalance, inst.reference()))
        if result.price is not None:
            self._execute_auction(inst, result.price, result.volume, ts, out)
        for queue in (book.ato_buys, book.ato_sells):
            for order in list(queue.values()):
                book.dequeue(order)
                self._drop(order, ts, _AUCTION_UNFILLED, out)
        self.indicative.pop(inst.symbol, None)

    def _execute_auction(self, inst: Instrument, price: int, volume: int, ts: int,
                         out: list[Event]) -> None:
        book = inst.book
        buys, sells = allocate(book, price, volume)
        trades = pair(buys, sells)
        for fills in (buys, sells):
            for order, qty in fills:
                if order.type is _LIMIT:
                    book.fill(order, qty)
                else:
                    book.reduce_queued(order, qty)
                    order.filled += qty
                    if not order.remaining:
                        book.dequeue(order)
                if not order.remaining:
                    del self.orders[order.id]
        for buy, sell, qty in trades:
            out.append(Trade(ts, self.next_trade_no, inst.symbol, _MAIN, price, qty, "auction",
                             buy.id, sell.id, buy.no, sell.no, buy.member, buy.account,
                             sell.member, sell.account))
            self.next_trade_no += 1
            inst.record_trade(price, qty)
