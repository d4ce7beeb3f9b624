"""The SET equity trading engine: `Engine.handle(command) -> events`, pure and deterministic.

Pillar 1: no I/O, no clock, no global randomness. Time arrives on each command; before a command
runs, every scheduled phase change and auction due by its time happens first, stamped with its
own scheduled time. The same commands give the same events on every machine.

The engine is the order flow: checks, continuous matching under the Dynamic Price Band, call
auctions, Auto Pause, trade reports and the market operations. The day's clock, the overlays
that halt a security and the indices are its base, siamex.trading.day.
"""

from __future__ import annotations

import datetime as dt
from typing import Final, cast

import msgspec
from msgspec.structs import astuple

from siamex.rulebook.parameters import Rulebook
from siamex.trading.auction import NO_CROSS, Equilibrium, allocate, pair
from siamex.trading.book import NO_ASK, NO_BID, Book
from siamex.trading.checks import (
    Failure,
    check_amend,
    check_hft,
    check_new,
    check_short,
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
    Halt,
    NewOrder,
    NewOrderFields,
    Resume,
    SetSign,
    SetSurveillanceLevel,
    StartDay,
    TradeReport,
)
from siamex.trading.day import NEVER, US_PER_MINUTE, TradingDay
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
    IndexValue,
    Indicative,
    PriceLimitsSet,
    Rejected,
    StatusChanged,
    Trade,
    TradeReportPending,
)
from siamex.trading.index import Index
from siamex.trading.instrument import Instrument
from siamex.trading.listing import SIGNS, carried_close, list_instrument, update_measures
from siamex.trading.matching import Fill, SelfMatch, available, sweep
from siamex.trading.order import Order
from siamex.trading.price_band import Band
from siamex.trading.rejects import CancelReason, Reject
from siamex.trading.trade_reports import check_report, report_board
from siamex.units import US_PER_MS, day_start, format_price

__all__ = ["Engine"]

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
_PAUSED: Final = Phase.PAUSED
_HALTED: Final = Phase.HALTED
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
_DYNAMIC_PRICE_BAND: Final = CancelReason.DYNAMIC_PRICE_BAND
_UNKNOWN_ORDER: Final = Reject.UNKNOWN_ORDER
_MIN_RESTING_TIME: Final = Reject.MIN_RESTING_TIME
_KILL_SWITCH: Final = CancelReason.KILL_SWITCH
_ASTUPLE: Final = astuple
_HALTING_SIGNS: Final = frozenset({"H", "SP"})
_STOPPING_SIGNS: Final = frozenset({"H", "SP", "P"})


class Engine(TradingDay):
    """Books, auctions and phases of every security; one command in, its events out."""

    def __init__(self) -> None:
        super().__init__()
        self.seed = 0
        self.orders: dict[str, Order] = {}
        self.closes: dict[str, int] = {}
        self.prior_closes: dict[str, int] = {}
        self.smp_members: frozenset[str] = frozenset()
        self.smp_action: str = self.rules.self_match_action
        self.hft_accounts: dict[str, bool] = {}
        self.next_order_no = 1
        self.next_trade_no = 1
        self.indicative: dict[str, Equilibrium] = {}
        self.reports: dict[str, TradeReport] = {}
        self.band = Band(self.rules.dynamic_price_band_pct)
        self.band_floor = 0
        self.resting_us = 0

    def use_rules(self, rules: Rulebook) -> None:
        """Take a day's rulebook, with the values the hot path reads derived from it once."""
        self.rules = rules
        self.band = Band(rules.dynamic_price_band_pct)
        self.band_floor = rules.dynamic_price_band_min_price
        self.resting_us = rules.min_resting_time_ms * US_PER_MS
        self.smp_action = rules.self_match_action

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
        if ts >= self.next_due:
            self._advance(ts, out)
        if ts > self.now:
            self.now = ts

    def _operation(self, command: Command, out: list[Event]) -> None:
        """Run a market operation or a trade report (the rarer commands, off the hot path)."""
        if self.date is None:
            label = command.id if isinstance(command, TradeReport | ConfirmTradeReport) else ""
            out.append(Rejected(command.ts, label, Reject.MARKET_CLOSED,
                                "no trading day has started"))
        elif isinstance(command, TradeReport):
            self._trade_report(command, out)
        elif isinstance(command, ConfirmTradeReport):
            self._confirm_report(command, out)
        elif isinstance(command, Halt):
            self._halt(command, out)
        elif isinstance(command, Resume):
            self._resume_op(command, out)
        elif isinstance(command, SetSign):
            self._set_sign(command, out)
        else:
            assert isinstance(command, SetSurveillanceLevel)
            self._set_level(command, out)

    # -- the trading day ---------------------------------------------------------------------

    def _start_day(self, cmd: StartDay, out: list[Event]) -> None:
        """Open a day: limits, books, carried GTC/GTD orders and the schedule (1, 3.3, T6, T18),
        the indices (12) and the day's halts and measures (7)."""
        if self.schedule:
            self._advance(NEVER, out)
        self.now = cmd.ts
        carried = self._carry_out()
        self.use_rules(rules := Rulebook(cmd.rules))
        self.date = day = dt.date.fromisoformat(cmd.date)
        self.base = day_start(day)
        self.seed = cmd.seed
        self.smp_members = frozenset(m.member for m in cmd.members if m.self_match_prevention)
        self.hft_accounts = {a.account: a.hft_registered for a in cmd.accounts if a.hft}
        self.instruments = {}
        self.orders = {}
        self.indicative = {}
        self.reports = {}
        self.indices = {spec.name: Index(spec.name, spec.prev_close) for spec in cmd.indices}
        self._arm_breaker()
        out.append(DayStarted(cmd.ts, cmd.date))
        for spec in cmd.instruments:
            prior = spec.prior_close
            if spec.prev_close is None and prior is None:
                prior = self.prior_closes.get(spec.symbol)
            if prior is not None:
                spec = msgspec.structs.replace(spec, prior_close=prior)
            inst = list_instrument(rules, day, spec,
                                   carried_close(spec, cmd.instruments, self.closes), cmd.seed,
                                   cmd.auction_times)
            self.instruments[spec.symbol] = inst
            self._join_indices(inst, spec.index_member)
            out.append(PriceLimitsSet(cmd.ts, inst.symbol, inst.ceiling, inst.floor,
                                      inst.prev_close))
        for index in self.indices.values():
            out.append(IndexValue(cmd.ts, index.name, index.value))
        self._carry_in(carried, day, cmd.ts, out)
        self._build_schedule()
        for spec in cmd.instruments:
            self._open_measures(self.instruments[spec.symbol], spec.signs, cmd.ts, out)

    def _open_measures(self, inst: Instrument, signs: tuple[str, ...], ts: int,
                       out: list[Event]) -> None:
        """Report a security's signs and level at the start of the day; stop it if they halt
        or pause it (7.1, 7.2)."""
        for sign in signs:
            out.append(StatusChanged(ts, inst.symbol, "sign", sign))
        if inst.surveillance_level:
            out.append(StatusChanged(ts, inst.symbol, "surveillance_level",
                                     str(inst.surveillance_level)))
        if inst.pause_day:
            out.append(StatusChanged(ts, inst.symbol, "surveillance_pause", "P"))
        self._refresh(inst, ts, out)

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
            elif not inst.priced(order.price):
                reason = CancelReason.PRICE_LIMIT
            if reason is not None:
                out.append(Cancelled(ts, order.id, order.no, order.symbol, order.remaining,
                                     reason))
                continue
            assert inst is not None
            inst.book.add(order)
            if order.short:
                inst.short_exposure += order.remaining  # T14: still counts against the cap
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
        for report in self.reports.values():
            out.append(_CANCELLED(ts, report.id, 0, report.symbol, report.qty,
                                  CancelReason.TRADE_REPORT_UNCONFIRMED))
        self.reports = {}

    def _day_close(self, inst: Instrument, ts: int, out: list[Event]) -> None:
        traded = inst.volume > 0
        close = inst.last_price if traded else None
        if inst.prev_close is not None:  # T13: the short-sale test looks back two closes
            self.prior_closes[inst.symbol] = inst.prev_close
        self.closes[inst.symbol] = inst.last_price or (inst.prev_close or inst.ipo_price or 0)
        out.append(DayClose(ts, inst.symbol, inst.open or None, inst.high or None,
                            inst.low or None, close, inst.volume, inst.value, inst.trades))

    # -- orders --------------------------------------------------------------------------------

    def _reject(self, cmd: NewOrder | AmendOrder | CancelOrder, reason: Reject, text: str,
                out: list[Event]) -> None:
        out.append(_REJECTED(cmd.ts, cmd.id, reason, text))

    def _new_order(self, cmd: NewOrder, fields: NewOrderFields, out: list[Event]) -> None:
        (ts, cid, member, account, symbol, side, qty, kind, limit, validity, expire_date,
         published, short, cash_balance, _, _, smp_id) = fields  # nvdr, client type: the journal's
        if self.date is None:
            return self._reject(cmd, Reject.MARKET_CLOSED, "no trading day has started", out)
        if cid in self.orders or (self.reports and cid in self.reports):  # decision 11
            return self._reject(cmd, Reject.DUPLICATE_ID, f"order id {cid!r} is in use", out)
        inst = self.instruments.get(symbol)
        if inst is None:
            return self._reject(cmd, Reject.UNKNOWN_SYMBOL, f"{symbol!r} is not listed today", out)
        failure = self._check_new(inst, account, side, qty, kind, validity, limit,
                                  expire_date, published, short, cash_balance)
        if failure is not None:
            return self._reject(cmd, failure[0], failure[1], out)
        last_day = 0
        if validity is _GTC or validity is _GTD:
            last_day, failure = expire_day(self.rules, self.date, validity, expire_date)
            if failure is not None:
                return self._reject(cmd, failure[0], failure[1], out)
        odd_lot = qty < inst.lot
        book = inst.odd if odd_lot else inst.book
        assert book is not None
        price = limit if limit is not None else 0
        slice_qty = published if published is not None else 0
        order = Order(
            self.next_order_no, cid, member, account, symbol, side, kind, validity, price, qty,
            qty, slice_qty if slice_qty else qty, slice_qty, 0, odd_lot, ts, last_day, short,
            smp_id or "",
        )
        self.next_order_no += 1
        if short:
            inst.short_exposure += qty  # T14: today's short sales count against the cap
        out.append(_ACCEPTED(ts, cid, order.no, symbol, side, kind, validity,
                             _ODD if odd_lot else _MAIN, qty, limit, member, account))
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
            self._test_pause(inst, order, ts, out)
        if inst.indices and inst.last_price and inst.last_price != inst.index_price:
            self._index_moved(inst, ts, out)

    def _check_new(self, inst: Instrument, account: str, side: Side, qty: int,
                   kind: OrderType, validity: Validity, limit: int | None,
                   expire_date: str | None, published: int | None, short: bool,
                   cash_balance: bool) -> Failure | None:
        failure = check_new(self.rules, inst, qty, kind, validity, limit, expire_date, published)
        if failure is not None:
            return failure
        if side is _BUY and inst.cash_only and not cash_balance:  # T21
            return Reject.CASH_BALANCE_REQUIRED, (
                f"{inst.symbol} is bought only for cash-balance accounts")
        if self.hft_accounts:
            failure = check_hft(self.rules, inst, self.hft_accounts.get(account), side)
            if failure is not None:
                return failure
        if short:
            if side is _BUY:  # 8.2: buying to cover is no short sale and has no price test
                return Reject.INVALID, "only a sell order can be a short sale"
            return check_short(inst, account, kind, limit, qty)
        return None

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
            reach = self._band_walk(book, order, limit, ref, smp) if ref else limit
            if available(book, order, reach, smp) < order.remaining:
                self._drop(order, ts, _FOK_UNFILLED, out)
                return False
        outside = False
        if ref:
            fills, self_matched, outside = self._banded_sweep(book, order, limit, ref, smp)
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

    def _band_walk(self, book: Book, order: Order, limit: int, ref: int,
                   smp: SelfMatch | None) -> int:
        """Return the furthest price a fill-or-kill order could reach under the band, whose
        reference moves to each level's price as the order takes it (T11); a level that holds
        only orders self-match prevention keeps it from is passed without a trade."""
        buying = order.side is _BUY
        reach = NO_BID if buying else NO_ASK
        total = 0
        levels = book.ask_levels if buying else book.bid_levels
        for k in range(len(levels) - 1, -1, -1):  # from the best outwards
            level = levels[k]
            price = level.price
            if ((price > limit) if buying else (price < limit)) or total >= order.remaining:
                break
            if not self.band.allows(ref, price):
                break
            qty = level.qty if smp is None else smp.others(level)
            if qty:
                ref = price
                total += qty
            reach = price
        return reach

    def _banded_sweep(self, book: Book, order: Order, limit: int, ref: int,
                      smp: SelfMatch | None) -> tuple[list[Fill], bool, bool]:
        """Match level by level within the Dynamic Price Band, whose reference moves with each
        execution (T11); also tell whether the next execution would fall outside it, on either
        side (a resting order may lie beyond the band, placed when nothing could trade). The
        band is tested at each level before the walk enters it, even one whose orders
        self-match prevention would all cancel (docs/decisions.md 82)."""
        buying = order.side is _BUY
        fills: list[Fill] = []
        while True:
            following = book.best_ask if buying else book.best_bid
            if (following > limit) if buying else (following < limit):
                return fills, False, False
            if not self.band.allows(ref, following):
                return fills, False, True
            part, self_matched = sweep(book, order, following, smp)
            fills += part
            if self_matched or not order.remaining:
                return fills, self_matched, False
            if part:
                ref = following

    def _band_breached(self, inst: Instrument, book: Book, order: Order, fills: list[Fill],
                       ts: int, out: list[Event]) -> bool:
        """Stop matching: the remainder rests, converts or is cancelled, and the security
        enters its two-minute pre-open (T11); tell whether the remainder rests."""
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
        minutes = self.rules.dynamic_price_band_pre_open_minutes
        out.append(StatusChanged(ts, inst.symbol, "dynamic_price_band", format_price(following),
                                 True, self._hold_end(inst, ts, minutes * US_PER_MINUTE)))
        self._hold(inst, "DPB", Phase.PRE_OPEN, ts, 0, minutes * US_PER_MINUTE, out)
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

    def _test_pause(self, inst: Instrument, order: Order, ts: int, out: list[Event]) -> None:
        """Pause a security whose bids or offers exceed its share of listed shares (T12)."""
        book = inst.book
        buying = order.side is _BUY
        total = book.bid_qty + book.ato_buy_qty if buying else book.ask_qty + book.ato_sell_qty
        if total <= inst.pause_threshold or inst.paused_today or inst.phase is _PAUSED or (
                inst.phase is _HALTED):
            return  # a pre-open that ends another hold gives way to the pause
        inst.paused_today = True  # once per security per day
        rules = self.rules
        held = rules.auto_pause_minutes * US_PER_MINUTE
        pre_open = rules.auto_pause_pre_open_minutes * US_PER_MINUTE
        out.append(StatusChanged(ts, inst.symbol, "auto_pause", "bid" if buying else "offer",
                                 True, self._hold_end(inst, ts, held + pre_open)))
        self._hold(inst, "AUTO_PAUSE", _PAUSED, ts, held, pre_open, out)

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
            if not resting.remaining:  # an iceberg met twice in one sweep is gone once
                orders.pop(resting.id, None)
            if not odd_lot:
                inst.record_trade(price, qty)

    def _drop(self, order: Order, ts: int, reason: CancelReason, out: list[Event]) -> None:
        """Report an order's remainder as cancelled by the engine and forget the order."""
        out.append(_CANCELLED(ts, order.id, order.no, order.symbol, order.remaining, reason))
        self.orders.pop(order.id, None)
        if order.short:
            self.instruments[order.symbol].short_exposure -= order.remaining

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
            self._reject(cmd, _MIN_RESTING_TIME, (
                f"order {cid!r} has rested less than {self.rules.min_resting_time_ms} ms"), out)
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
        inst = self.instruments[order.symbol]
        book = self._book_of(inst, order)
        if order.type is _LIMIT:
            book.remove(order)
        else:
            book.dequeue(order)
        del self.orders[cid]
        if order.short:
            inst.short_exposure -= order.remaining
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
        inst = self.instruments[order.symbol]
        failure = check_amend(self.rules, inst, order, new_qty, new_price, kind, side)
        if failure is None and order.short:
            failure = self._check_short_amend(inst, order, new_qty, new_price)
        if failure is not None:
            return self._reject(cmd, failure[0], failure[1], out)
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
        out.append(_AMENDED(ts, cid, order.no, order.symbol, order.qty, order.remaining,
                            order.price or None, keep))
        if not keep:
            self._enter(inst, book, order, ts, out)
        elif inst.accepts.call:
            self._publish_indicative(inst, ts, out)
        return None

    def _check_short_amend(self, inst: Instrument, order: Order, qty: int | None,
                           price: int | None) -> Failure | None:
        """A short sale amended to a new price or a larger size is tested again (T13, T14)."""
        more = (qty - order.qty) if qty is not None and qty > order.qty else 0
        return check_short(inst, order.account, order.type,
                           price if price is not None else order.price, more,
                           price_test=price is not None)

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
        if inst.indices and inst.last_price and inst.last_price != inst.index_price:
            self._index_moved(inst, ts, out)

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

    # -- trade reports (2.3, 5, T20) -----------------------------------------------------------

    def _trade_report(self, cmd: TradeReport, out: list[Event]) -> None:
        """Take a put-through: one firm trades at once, two firms wait for the buyer."""
        inst = self._operated(cmd.symbol, cmd.id, cmd.ts, out)
        if inst is None:
            return
        if cmd.id in self.orders or cmd.id in self.reports:  # docs/decisions.md 11
            out.append(Rejected(cmd.ts, cmd.id, Reject.DUPLICATE_ID,
                                f"id {cmd.id!r} is in use"))
            return
        if cmd.board and cmd.board != inst.board:
            out.append(Rejected(cmd.ts, cmd.id, Reject.INVALID,
                                f"{inst.symbol} trades on the {inst.board} board"))
            return
        board = report_board(self.rules, inst, cmd.qty, cmd.price)
        failure = check_report(self.rules, inst, board, cmd.qty, cmd.price, cmd.ts - self.base)
        if failure is not None:
            out.append(Rejected(cmd.ts, cmd.id, failure[0], failure[1]))
            return
        if cmd.sell_member == cmd.buy_member:
            self._report_trade(cmd, board, cmd.ts, out)
            return
        self.reports[cmd.id] = cmd
        out.append(TradeReportPending(cmd.ts, cmd.id, cmd.symbol, board, cmd.qty, cmd.price,
                                      cmd.sell_member, cmd.buy_member))

    def _confirm_report(self, cmd: ConfirmTradeReport, out: list[Event]) -> None:
        report = self.reports.get(cmd.id)
        if report is None:
            out.append(Rejected(cmd.ts, cmd.id, _UNKNOWN_ORDER,
                                f"no trade report {cmd.id!r} waits for confirmation"))
            return
        if cmd.member is not None and cmd.member != report.buy_member:
            out.append(Rejected(cmd.ts, cmd.id, Reject.NOT_OWNER,
                                f"trade report {cmd.id!r} is confirmed by {report.buy_member}"))
            return
        inst = self.instruments[report.symbol]
        board = report_board(self.rules, inst, report.qty, report.price)
        failure = check_report(self.rules, inst, board, report.qty, report.price,
                               cmd.ts - self.base)
        if failure is not None:
            out.append(Rejected(cmd.ts, cmd.id, failure[0], failure[1]))
            return
        del self.reports[cmd.id]
        self._report_trade(report, board, cmd.ts, out)

    def _report_trade(self, report: TradeReport, board: Board, ts: int,
                      out: list[Event]) -> None:
        """A trade report's trade: tagged by its board, outside the day's auto-matched
        statistics, last price and indices (5, T20)."""
        out.append(Trade(ts, self.next_trade_no, report.symbol, board, report.price, report.qty,
                         "trade_report", report.id, report.id, 0, 0, report.buy_member,
                         report.buy_account, report.sell_member, report.sell_account))
        self.next_trade_no += 1

    # -- market operations (7.1, 7.2, T8, T9, T21, T22) ----------------------------------------

    def _operated(self, symbol: str, label: str, ts: int,
                  out: list[Event]) -> Instrument | None:
        inst = self.instruments.get(symbol)
        if inst is None:
            out.append(Rejected(ts, label, Reject.UNKNOWN_SYMBOL,
                                f"{symbol!r} is not listed today"))
        return inst

    def _halt(self, cmd: Halt, out: list[Event]) -> None:
        """Post H or SP: the security stops until `resume`; resting orders stay (T8)."""
        inst = self._operated(cmd.symbol, cmd.id, cmd.ts, out)
        if inst is None:
            return
        if cmd.sign not in _HALTING_SIGNS:
            out.append(Rejected(cmd.ts, cmd.id, Reject.INVALID,
                                f"a halt posts H or SP, not {cmd.sign!r}"))
            return
        inst.signs = (inst.signs - _HALTING_SIGNS) | {cmd.sign}
        out.append(StatusChanged(cmd.ts, inst.symbol, "halt" if cmd.sign == "H" else "suspend",
                                 cmd.sign))
        self._refresh(inst, cmd.ts, out)

    def _resume_op(self, cmd: Resume, out: list[Event]) -> None:
        inst = self._operated(cmd.symbol, cmd.id, cmd.ts, out)
        if inst is None:
            return
        lifted = inst.signs & _HALTING_SIGNS
        if not lifted:
            out.append(Rejected(cmd.ts, cmd.id, Reject.INVALID,
                                f"{inst.symbol} is not halted or suspended"))
            return
        inst.signs = inst.signs - _HALTING_SIGNS
        out.append(StatusChanged(cmd.ts, inst.symbol, "resume", min(lifted)))
        self._resume(inst, cmd.ts, out)

    def _set_sign(self, cmd: SetSign, out: list[Event]) -> None:
        """Post or remove an information or cash-balance sign; trading goes on (7.1, T21)."""
        inst = self._operated(cmd.symbol, cmd.id, cmd.ts, out)
        if inst is None:
            return
        if cmd.sign in _STOPPING_SIGNS:
            out.append(Rejected(cmd.ts, cmd.id, Reject.INVALID, (
                f"sign {cmd.sign} stops trading: use halt, suspend or set_surveillance_level")))
            return
        if cmd.sign not in SIGNS:
            out.append(Rejected(cmd.ts, cmd.id, Reject.INVALID, f"unknown sign {cmd.sign!r}"))
            return
        inst.signs = inst.signs | {cmd.sign} if cmd.on else inst.signs - {cmd.sign}
        update_measures(self.rules, inst)
        out.append(StatusChanged(cmd.ts, inst.symbol, "sign", cmd.sign, cmd.on))

    def _set_level(self, cmd: SetSurveillanceLevel, out: list[Event]) -> None:
        """Change a security's surveillance level, in force at once (7.2, T21, T22)."""
        inst = self._operated(cmd.symbol, cmd.id, cmd.ts, out)
        if inst is None:
            return
        if not 0 <= cmd.level <= 3 or (cmd.pause and cmd.level != 3):
            out.append(Rejected(cmd.ts, cmd.id, Reject.INVALID, (
                "a surveillance level is 0 to 3, and only level 3 pauses")))
            return
        inst.surveillance_level = cmd.level
        update_measures(self.rules, inst)
        out.append(StatusChanged(cmd.ts, inst.symbol, "surveillance_level", str(cmd.level)))
        if cmd.pause:
            out.append(StatusChanged(cmd.ts, inst.symbol, "surveillance_pause", "P"))
            inst.pause_day = True
        elif cmd.level < 3:
            inst.pause_day = False
        self._resume(inst, cmd.ts, out)
