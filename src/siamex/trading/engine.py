"""The SET equity trading engine: `Engine.handle(command) -> events`, pure and deterministic.

Pillar 1: no I/O, no clock, no global randomness. Time arrives on each command; before a command
runs, every scheduled phase change and auction due by its time happens first, stamped with its
own scheduled time. The same commands give the same events on every machine.

The engine is the order flow: orders entered, amended and cancelled, continuous matching under
the Dynamic Price Band, and call auctions. It owns the trading day (siamex.trading.day: the
securities, their schedule, the holds, those the flow triggers among them, and the indices),
which calls back into it, as the day's `OrderFlow`, for the auctions and the close. Market
operations (siamex.trading.operations) and trade reports (siamex.trading.trade_reports) run
beside it, and orders cross from one day to the next through siamex.trading.overnight.
"""

from __future__ import annotations

import datetime as dt
from typing import Final, cast

from msgspec.structs import astuple

from siamex.rulebook.parameters import Rulebook
from siamex.trading.auction import NO_CROSS, Equilibrium, allocate, pair
from siamex.trading.balance import Balance
from siamex.trading.book import NO_ASK, NO_BID, Book
from siamex.trading.checks import (
    check_amend,
    check_order,
    check_position_effect,
    check_short_amend,
    expire_day,
)
from siamex.trading.commands import (
    AdvanceTime,
    AmendOrder,
    AmendOrderFields,
    CancelOrder,
    CancelOrderFields,
    Command,
    ConfirmTradeReport,
    NewOrder,
    NewOrderFields,
    StartDay,
    TradeReport,
)
from siamex.trading.day import NEVER, TradingDay
from siamex.trading.enums import Board, OrderType, Side, Validity
from siamex.trading.equilibrium import book_equilibrium
from siamex.trading.events import (
    Accepted,
    Amended,
    AuctionResult,
    Cancelled,
    Event,
    Indicative,
    Rejected,
    Trade,
)
from siamex.trading.holdings import (
    NVDR,
    Holdings,
    amend_refusal,
    bound,
    link,
    release,
    reserve,
    sell_refusal,
    traded,
)
from siamex.trading.instrument import Instrument
from siamex.trading.matching import Fill, SelfMatch, available, band_reach, banded_sweep, sweep
from siamex.trading.operations import operate
from siamex.trading.order import Order
from siamex.trading.overnight import carry_in, carry_out, expire_day_orders, expire_series_orders
from siamex.trading.price_band import Band
from siamex.trading.rejects import CancelReason, Reject
from siamex.trading.screen import Screen
from siamex.trading.trade_reports import confirm_report, expire_reports, take_report
from siamex.units import US_PER_MS

__all__ = ["Engine"]

_BUY: Final = Side.BUY
_SELL: Final = Side.SELL
_LIMIT: Final = OrderType.LIMIT
_MP_MKT: Final = OrderType.MP_MKT
_MP_MTL: Final = OrderType.MP_MTL
_FAK: Final = Validity.FAK
_FOK: Final = Validity.FOK
_GTC: Final = Validity.GTC
_GTD: Final = Validity.GTD
_MAIN: Final = Board.MAIN
_ODD: Final = Board.ODD_LOT
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
_AUCTION_UNFILLED: Final = CancelReason.AUCTION_UNFILLED
_DYNAMIC_PRICE_BAND: Final = CancelReason.DYNAMIC_PRICE_BAND
_UNKNOWN_ORDER: Final = Reject.UNKNOWN_ORDER
_MIN_RESTING_TIME: Final = Reject.MIN_RESTING_TIME
_KILL_SWITCH: Final = CancelReason.KILL_SWITCH
_ASTUPLE: Final = astuple
_NO_SCREENING: Final = (Reject.SCREENED,
                        "order_screening is on, but the exchange runs no order screening")


class Engine:
    """Books, auctions and phases of every security; one command in, its events out."""

    def __init__(self) -> None:
        self.day = TradingDay()
        self.orders: dict[str, Order] = {}
        self.smp_members: frozenset[str] = frozenset()
        self.smp_action: str = self.day.rules.self_match_action
        self.hft_accounts: dict[str, bool] = {}
        self.next_order_no = 1
        self.next_trade_no = 1
        self.indicative: dict[str, Equilibrium] = {}
        self.reports: dict[str, TradeReport] = {}
        self.band = Band(self.day.rules.dynamic_price_band_pct)
        self.band_floor = 0
        self.resting_us = 0
        self.holdings: Holdings | None = None
        """The investors' holdings check-before-sell reads, when the engine keeps them
        (siamex.trading.holdings): every equity order it accepts is then linked to one."""
        self.screen: Screen | None = None
        """The central order screening, when the exchange runs one (siamex.trading.screen)."""
        self.check_sells = False
        self.screening = False

    # What the engine's hosts (the sequencer, the gateway, the runner) read of its day.

    @property
    def rules(self) -> Rulebook:
        return self.day.rules

    @property
    def date(self) -> dt.date | None:
        return self.day.date

    @property
    def now(self) -> int:
        return self.day.now

    @property
    def next_due(self) -> int:
        return self.day.next_due

    @property
    def instruments(self) -> dict[str, Instrument]:
        return self.day.instruments

    @property
    def closes(self) -> dict[str, int]:
        return self.day.closes

    def use_rules(self, rules: Rulebook) -> None:
        """Take a day's rulebook, with the values the hot path reads derived from it once."""
        self.day.rules = rules
        self.band = Band(rules.dynamic_price_band_pct)
        self.band_floor = rules.dynamic_price_band_min_price
        self.resting_us = rules.min_resting_time_ms * US_PER_MS
        self.smp_action = rules.self_match_action
        self.check_sells = rules.check_before_sell
        self.screening = rules.order_screening

    def handle(self, command: Command) -> list[Event]:
        """Run one command and return its events in order.

        An order command is read once, as the tuple of its fields (one C call, where reading
        each attribute of a msgspec struct is a generic lookup); its time is the first field.
        """
        out: list[Event] = []
        kind = type(command)
        if kind is _NEW_ORDER:
            fields: NewOrderFields = _ASTUPLE(command)
            self._clock(fields[0], out)
            self._new_order(cast(NewOrder, command), fields, out)
        elif kind is _CANCEL_ORDER:
            cancel: CancelOrderFields = _ASTUPLE(command)
            self._clock(cancel[0], out)
            self._cancel(cast(CancelOrder, command), cancel, out)
        elif kind is _AMEND_ORDER:
            amend: AmendOrderFields = _ASTUPLE(command)
            self._clock(amend[0], out)
            self._amend(cast(AmendOrder, command), amend, out)
        else:
            self._clock(command.ts, out)
            if kind is _START_DAY:
                self._start_day(cast(StartDay, command), out)
            elif kind is not AdvanceTime:
                self._operation(command, out)
        return out

    def _clock(self, ts: int, out: list[Event]) -> None:
        """Bring the day to a command's time: every phase change and auction due by then first."""
        day = self.day
        if ts >= day.next_due:
            day.advance(ts, self, out)
        if ts > day.now:
            day.now = ts

    def _operation(self, command: Command, out: list[Event]) -> None:
        """Run a market operation or a trade report (the rarer commands, off the hot path)."""
        if self.day.date is None:
            label = command.id if isinstance(command, TradeReport | ConfirmTradeReport) else ""
            out.append(Rejected(command.ts, label, Reject.MARKET_CLOSED,
                                "no trading day has started"))
        elif self.day.derivatives and isinstance(command, TradeReport | ConfirmTradeReport):
            out.append(Rejected(command.ts, command.id, Reject.NOT_IMPLEMENTED,
                                "TFEX block trades are not implemented"))
        elif isinstance(command, TradeReport):
            if take_report(self.day, self.reports, self.orders, command, self.next_trade_no,
                           out, self.holdings, self.check_sells):
                self.next_trade_no += 1
        elif isinstance(command, ConfirmTradeReport):
            if confirm_report(self.day, self.reports, command, self.next_trade_no, out,
                              self.holdings):
                self.next_trade_no += 1
        else:
            operate(self.day, command, out)

    # -- the trading day ---------------------------------------------------------------------

    def _start_day(self, cmd: StartDay, out: list[Event]) -> None:
        """Open a day: limits, books, carried GTC/GTD orders and the schedule (1, 3.3, T6, T18),
        the indices (12) and the day's halts and measures (7)."""
        day = self.day
        if day.schedule:
            day.advance(NEVER, self, out)
        day.now = cmd.ts
        carried = carry_out(day.instruments)
        self.use_rules(Rulebook(cmd.rules))
        self.smp_members = frozenset(m.member for m in cmd.members if m.self_match_prevention)
        self.hft_accounts = {a.account: a.hft_registered for a in cmd.accounts
                             if a.hft and cmd.market == "set"}  # decision 111
        self.orders = {}
        self.indicative = {}
        self.reports = {}
        day.list_securities(cmd, out)
        assert day.date is not None
        carry_in(carried, day.instruments, self.orders, day.date, cmd.ts, out)
        if self.holdings is not None:
            self.holdings.adopt(self.orders.values())
        if self.screen is not None:
            self.screen.start_day(self.day.rules)
        day.start_schedule(cmd, out)

    def close_market(self, ts: int, out: list[Event]) -> None:
        """Cancel what does not outlive the day: Day orders (4.2), waiting trade reports (T20)."""
        self.orders = expire_day_orders(self.day.instruments, self.orders, ts, out)
        expire_reports(self.reports, ts, out, self.holdings)

    def close_session(self, inst: Instrument, ts: int, last_day: int, out: list[Event]) -> None:
        """Cancel a TFEX series' Day orders, and long-lived ones at their last day, as its
        trading day ends (decision 111)."""
        expire_series_orders(inst, self.orders, ts, last_day, out)

    # -- orders --------------------------------------------------------------------------------

    def _reject(self, cmd: NewOrder | AmendOrder | CancelOrder, reason: Reject, text: str,
                out: list[Event]) -> None:
        out.append(_REJECTED(cmd.ts, cmd.id, reason, text))

    def _new_order(self, cmd: NewOrder, fields: NewOrderFields, out: list[Event]) -> None:
        # the client type is the journal's, not the engine's
        (ts, cid, member, account, symbol, side, qty, kind, limit, validity, expire_date,
         published, short, cash_balance, nvdr, _, smp_id, effect) = fields
        day = self.day
        if day.date is None:
            return self._reject(cmd, Reject.MARKET_CLOSED, "no trading day has started", out)
        if effect is not None or day.derivatives:
            failure = check_position_effect(day.derivatives, effect, short)
            if failure is not None:
                return self._reject(cmd, failure[0], failure[1], out)
            effect = effect or "open"  # decision 110: an order without the flag opens
        if cid in self.orders or (self.reports and cid in self.reports):  # decision 11
            return self._reject(cmd, Reject.DUPLICATE_ID, f"order id {cid!r} is in use", out)
        inst = day.instruments.get(symbol)
        if inst is None:
            return self._reject(cmd, Reject.UNKNOWN_SYMBOL, f"{symbol!r} is not listed today", out)
        failure = check_order(day.rules, inst, self.hft_accounts, account, side, qty, kind,
                              validity, limit, expire_date, published, short, cash_balance)
        if failure is not None:
            return self._reject(cmd, failure[0], failure[1], out)
        last_day = 0
        if validity is _GTC or validity is _GTD:
            last_day, failure = expire_day(day.rules, day.date, validity, expire_date)
            if failure is not None:
                return self._reject(cmd, failure[0], failure[1], out)
        balance: Balance | None = None
        holdings = self.holdings
        if not day.derivatives:  # the 2024 measures, after the engine's own checks (186)
            if holdings is not None:
                balance = holdings.balance(member, account, symbol + NVDR if nvdr else symbol)
            if self.check_sells and side is _SELL:  # decision 147
                failure = sell_refusal(balance, qty, short)
                if failure is not None:
                    return self._reject(cmd, failure[0], failure[1], out)
            if self.screening and (short or account in self.hft_accounts):  # decision 164
                screen = self.screen
                failure = (_NO_SCREENING if screen is None
                           else screen.check(cmd, inst, day.rules, holdings))
                if failure is not None:
                    return self._reject(cmd, failure[0], failure[1], out)
        odd_lot = qty < inst.lot
        book = inst.odd if odd_lot else inst.book
        assert book is not None
        price = limit if limit is not None else 0
        slice_qty = published if published is not None else 0
        order = Order(
            no=self.next_order_no, id=cid, member=member, account=account, symbol=symbol,
            side=side, type=kind, validity=validity, price=price, qty=qty, remaining=qty,
            visible=slice_qty if slice_qty else qty, published=slice_qty, odd_lot=odd_lot,
            accepted_at=ts, expire_day=last_day, short=short, smp_id=smp_id or "",
            effect=effect or "",
        )
        self.next_order_no += 1
        if balance is not None:
            link(order, balance)
        if short:
            inst.short_exposure += qty  # T14: today's short sales count against the cap
        out.append(_ACCEPTED(ts, cid, order.no, symbol, side, kind, validity,
                             _ODD if odd_lot else _MAIN, qty, limit, member, account,
                             order.effect))
        self._enter(inst, book, order, ts, out)
        return None

    def _enter(self, inst: Instrument, book: Book, order: Order, ts: int,
               out: list[Event]) -> None:
        """Match or rest a new (or re-queued) order as the phase wants; then the controls that
        watch the result: Auto Pause (T12) and the indices (12)."""
        accepts = inst.accepts
        if accepts.continuous:
            rests = self._continuous(inst, book, order, ts, out)
        else:
            self._rest(book, order)
            rests = True
            if accepts.call:
                self._publish_indicative(inst, ts, out)
        if rests and inst.pause_threshold and book is inst.book:
            self.day.test_pause(inst, order.side is _BUY, ts, out)
        if inst.indices and inst.last_price and inst.last_price != inst.index_price:
            self.day.index_moved(inst, ts, out)

    def _rest(self, book: Book, order: Order) -> None:
        if order.type is _LIMIT:
            book.add(order)
        else:
            book.enqueue(order)
        self.orders[order.id] = order

    def _continuous(self, inst: Instrument, book: Book, order: Order, ts: int,
                    out: list[Event]) -> bool:
        """Match an incoming order, then rest, convert or cancel its remainder (2.1, 4.1);
        tell whether it rests."""
        buying = order.side is _BUY
        kind = order.type
        if kind is _LIMIT:
            limit = order.price
            if (limit < book.best_ask) if buying else (limit > book.best_bid):
                if order.validity is _FAK:
                    self._drop(order, ts, _FAK_REMAINDER, out)
                    return False
                if order.validity is _FOK:
                    self._drop(order, ts, _FOK_UNFILLED, out)
                    return False
                book.add(order)
                self.orders[order.id] = order
                return True
        else:
            limit = book.best_ask if buying else book.best_bid
            if limit == (NO_ASK if buying else NO_BID):
                self._drop(order, ts, _NO_OPPOSITE_ORDER, out)
                return False
            if kind is _MP_MKT:
                limit = inst.ceiling if buying else inst.floor
            else:  # 4.1: MP-MTL trades at the best opposite price, and rests there
                order.price = limit
        smp: SelfMatch | None = None
        by_account = bool(self.smp_members) and order.member in self.smp_members
        if by_account or order.smp_id:  # SMP, probed only when used (docs/decisions.md 82)
            smp = SelfMatch(order, by_account, self.smp_action)
        ref = 0
        if inst.dpb and book is inst.book:
            ref = inst.reference()
            if ref < self.band_floor:  # T11: 1.00 THB and above
                ref = 0
        if order.validity is _FOK:
            reach = band_reach(book, order, limit, ref, self.band, smp) if ref else limit
            if available(book, order, reach, smp) < order.remaining:
                self._drop(order, ts, _FOK_UNFILLED, out)
                return False
        outside = False
        if ref:
            fills, self_matched, outside = banded_sweep(book, order, limit, ref, self.band, smp)
        else:
            fills, self_matched = sweep(book, order, limit, smp)
        if fills:
            self._continuous_trades(inst, order, fills, ts, out)
        if smp is not None:
            for resting in smp.cancelled:
                self._drop(resting, ts, _SELF_MATCH, out)
        if outside:
            return self._band_breached(inst, book, order, fills, ts, out)
        if not order.remaining:
            return False
        if self_matched:
            self._drop(order, ts, _SELF_MATCH, out)
            return False
        if order.validity is _FAK or order.validity is _FOK or kind is _MP_MKT:
            self._drop(order, ts, _FAK_REMAINDER, out)
            return False
        self._rest_remainder(book, order)
        return True

    def _band_breached(self, inst: Instrument, book: Book, order: Order, fills: list[Fill],
                       ts: int, out: list[Event]) -> bool:
        """Stop matching at the band: the remainder rests, converts or is cancelled, and the
        security is held (T11); tell whether the remainder rests."""
        buying = order.side is _BUY
        following = book.best_ask if buying else book.best_bid
        kind = order.type
        rests = False
        if order.validity is _FAK or order.validity is _FOK:
            self._drop(order, ts, _FAK_REMAINDER, out)
        elif kind is _MP_MKT or (kind is _MP_MTL and not fills):
            self._drop(order, ts, _DYNAMIC_PRICE_BAND, out)
        else:
            self._rest_remainder(book, order)
            rests = True
        self.day.band_breached(inst, following, ts, out)
        return rests

    def _rest_remainder(self, book: Book, order: Order) -> None:
        """Rest what is left of a matched order; an MP-MTL remainder becomes a limit order at
        its price, the best opposite price it met (4.1)."""
        if order.type is _MP_MTL:
            order.type = _LIMIT
        order.visible = min(order.published, order.remaining) if order.published else (
            order.remaining)
        book.add(order)
        self.orders[order.id] = order

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
                             sell.member, sell.account, buy.effect, sell.effect))
            self.next_trade_no += 1
            if buy.holding is not None or sell.holding is not None:
                traded(buy, sell, qty)
            if not resting.remaining:  # an iceberg met twice in one sweep is gone once
                orders.pop(resting.id, None)
            if not odd_lot:
                inst.record_trade(price, qty)

    def _drop(self, order: Order, ts: int, reason: CancelReason, out: list[Event]) -> None:
        """Report an order's remainder as cancelled by the engine and forget the order."""
        out.append(_CANCELLED(ts, order.id, order.no, order.symbol, order.remaining, reason))
        self.orders.pop(order.id, None)
        release(order)
        if order.short:
            self.day.instruments[order.symbol].short_exposure -= order.remaining

    def _find(self, cmd: AmendOrder | CancelOrder, ts: int, cid: str, member: str | None,
              out: list[Event], *, kill: bool = False) -> Order | None:
        order = self.orders.get(cid)
        if order is None:
            self._reject(cmd, _UNKNOWN_ORDER, f"no live order with id {cid!r}", out)
            return None
        if member is not None and member != order.member:
            self._reject(cmd, Reject.NOT_OWNER, f"order {cid!r} belongs to another member", out)
            return None
        if ts - order.accepted_at < self.resting_us and not kill:  # T15, 86
            least = self.day.rules.min_resting_time_ms
            self._reject(cmd, _MIN_RESTING_TIME,
                         f"order {cid!r} has rested less than {least} ms", out)
            return None
        return order

    def _book_of(self, inst: Instrument, order: Order) -> Book:
        book = inst.odd if order.odd_lot else inst.book
        assert book is not None
        return book

    def _cancel(self, cmd: CancelOrder, fields: CancelOrderFields, out: list[Event]) -> None:
        ts, cid, member, kill = fields
        order = self._find(cmd, ts, cid, member, out, kill=kill)
        if order is None:
            return
        inst = self.day.instruments[order.symbol]
        book = self._book_of(inst, order)
        if order.type is _LIMIT:
            book.remove(order)
        else:
            book.dequeue(order)
        del self.orders[cid]
        release(order)
        if order.short:
            inst.short_exposure -= order.remaining
        if self.screen is not None and not kill and not order.filled:
            self.screen.cancelled(order, ts)
        out.append(_CANCELLED(ts, cid, order.no, order.symbol, order.remaining,
                              _KILL_SWITCH if kill else None))
        if inst.accepts.call:
            self._publish_indicative(inst, ts, out)

    def _amend(self, cmd: AmendOrder, fields: AmendOrderFields, out: list[Event]) -> None:
        """Amend in place when only the quantity falls; otherwise re-queue it (4.4, T16)."""
        ts, cid, member, new_qty, new_price, kind, side = fields
        order = self._find(cmd, ts, cid, member, out)
        if order is None:
            return
        inst = self.day.instruments[order.symbol]
        failure = check_amend(self.day.rules, inst, order, new_qty, new_price, kind, side)
        if failure is None and order.short:
            failure = check_short_amend(inst, order, new_qty, new_price)
        if (failure is None and self.check_sells and new_qty is not None and new_qty > order.qty
                and order.side is _SELL and not order.effect):  # decisions 147, 186
            failure = amend_refusal(order, new_qty)
        if failure is not None:
            return self._reject(cmd, failure[0], failure[1], out)
        before = order.remaining
        book = self._book_of(inst, order)
        qty = new_qty if new_qty is not None else order.qty
        price = new_price if new_price is not None else order.price
        queued = order.type is not _LIMIT
        keep = price == order.price and qty <= order.qty
        if order.short:
            inst.short_exposure += qty - order.qty
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
            order.visible = min(order.published, order.remaining) if order.published else (
                order.remaining)
            del self.orders[order.id]
        reserve(order, order.remaining - before)
        bound(order)
        out.append(_AMENDED(ts, cid, order.no, order.symbol, order.qty, order.remaining,
                            order.price or None, keep))
        if not keep:
            self._enter(inst, book, order, ts, out)
        elif inst.accepts.call:
            self._publish_indicative(inst, ts, out)
        return None

    # -- auctions ------------------------------------------------------------------------------

    def _equilibrium(self, inst: Instrument) -> Equilibrium:
        book = inst.book
        return book_equilibrium(book, inst.grid, book.ato_buy_qty, book.ato_sell_qty,
                                inst.reference())

    def _publish_indicative(self, inst: Instrument, ts: int, out: list[Event]) -> None:
        """Publish the indicative equilibrium when a pre-open book change moves it (2.2)."""
        result = self._equilibrium(inst)
        if not result.same(self.indicative.get(inst.symbol, NO_CROSS)):
            self.indicative[inst.symbol] = result
            out.append(_INDICATIVE(ts, inst.symbol, result.price, result.volume,
                                  result.imbalance))

    def uncross(self, inst: Instrument, ts: int, session: str, out: list[Event]) -> None:
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
        if inst.indices and inst.last_price and inst.last_price != inst.index_price:
            self.day.index_moved(inst, ts, out)

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
                             sell.member, sell.account, buy.effect, sell.effect))
            self.next_trade_no += 1
            traded(buy, sell, qty)
            inst.record_trade(price, qty)

