"""The exchange behind the gateway: registry, pre-trade risk, order ownership and the engine,
one state that one sequenced command at a time changes (pillar 2).

`Exchange.handle(seq, command)` is pure like the engine it wraps: no clock, no I/O, the same
commands give the same reports. An order entry passes, in this order: the registry (the trader,
its ORS and the account: decision 83), the member's client order id, the exchange-side
pre-trade risk checks (siamex.gateway.risk), then the engine. A kill switch cancels every
resting order of its scope inside the one command that engages it. Engine events become
reports for the members whose orders they touch: the answer to a request goes to the ORS it
came through, what later happens to an order (fills, expiry, a kill switch) to the ORS it was
entered through.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from siamex.errors import SiamexError
from siamex.gateway.entry import (
    OrderCancel,
    OrderEntry,
    OrderReplace,
    SessionLogon,
    exchange_ns,
)
from siamex.gateway.orders import LiveOrder, OrderTable
from siamex.gateway.refusals import GatewayError, Refusal, RefusalCode
from siamex.gateway.registry import Registry
from siamex.gateway.registry_changes import AccountType, RegistryChange
from siamex.gateway.reports import ExecKind, OrderReport, OrderStatus, Report, RequestRejected
from siamex.gateway.risk import OrderContext, RiskBook, order_value, scope_of
from siamex.gateway.risk_commands import RiskCommand, RiskKill, RiskSetLimits, ScopeKind
from siamex.measures.credit import CreditRegistry
from siamex.measures.credit_commands import CreditCommand, CreditLine
from siamex.measures.live import LiveMeasures, OpenDepository
from siamex.trading.commands import (
    AmendOrder,
    CancelOrder,
    Command,
    NewOrder,
    StartDay,
)
from siamex.trading.engine import Engine
from siamex.trading.events import (
    Accepted,
    Amended,
    Cancelled,
    Event,
    Rejected,
    Trade,
)
from siamex.trading.rejects import CancelReason
from siamex.trading.snapshot import restore, snapshot
from siamex.units import shown

__all__ = ["Exchange", "Outcome", "ServiceCommand"]

ServiceCommand = (Command | OrderEntry | OrderReplace | OrderCancel | SessionLogon | RegistryChange
                  | RiskCommand | CreditCommand | OpenDepository)


class Outcome:
    """What one command did: the engine's events, the reports for members, and the refusal of
    an operator's or risk officer's command (None when it was applied)."""

    __slots__ = ("events", "refusal", "reports")

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.reports: list[Report] = []
        self.refusal: Refusal | None = None


class _Request:
    """The replace or cancel request a command carries, for the events it causes."""

    __slots__ = ("clordid", "order", "orig_clordid", "ors", "replace", "text", "trader")

    def __init__(self, order: LiveOrder, ors: str, trader: str, clordid: str | None,
                 orig_clordid: str | None, *, replace: bool = False, text: str = "") -> None:
        self.order = order
        self.replace = replace
        self.ors = ors
        self.trader = trader
        self.clordid = clordid
        self.orig_clordid = orig_clordid
        self.text = text


def _status(order: LiveOrder) -> OrderStatus:
    if order.leaves == 0:
        return OrderStatus.FILLED
    return OrderStatus.PARTIALLY_FILLED if order.cum_qty else OrderStatus.NEW


class Exchange:
    """The engine with the gateway's state around it."""

    def __init__(self, engine: Engine | None = None, registry: Registry | None = None,
                 risk: RiskBook | None = None, orders: OrderTable | None = None,
                 credit: CreditRegistry | None = None,
                 measures: LiveMeasures | None = None) -> None:
        self.engine = engine if engine is not None else Engine()
        self.registry = registry if registry is not None else Registry()
        self.risk = risk if risk is not None else RiskBook()
        self.orders = orders if orders is not None else OrderTable()
        self.credit = credit if credit is not None else CreditRegistry()
        """The members' credit lines to their clients (siamex.measures.credit)."""
        self.measures = measures if measures is not None else LiveMeasures()
        """Check-before-sell, the order screening and the short positions (issue 15)."""
        self.measures.attach(self.engine)
        self.fix_in: dict[str, int] = {}
        """Per ORS, the last FIX MsgSeqNum journaled since its last logon (decision 87)."""
        self._ns = 0

    # -- commands -----------------------------------------------------------------------------

    def handle(self, seq: int, command: ServiceCommand) -> Outcome:
        """Run one sequenced command; `seq` (its journal number) names a new order's id."""
        out = Outcome()
        self._ns = exchange_ns(command)
        if isinstance(command, OrderEntry | OrderReplace | OrderCancel) and command.in_seq:
            self.fix_in[command.ors] = command.in_seq
        if isinstance(command, OrderEntry):
            self._enter(seq, command, out)
        elif isinstance(command, OrderReplace):
            self._replace(command, out)
        elif isinstance(command, OrderCancel):
            self._cancel(command, out)
        elif isinstance(command, SessionLogon):
            self.fix_in[command.ors] = command.next_in - 1
        elif isinstance(command, RiskKill | RiskSetLimits):
            self._risk(command, out)
        elif isinstance(command, CreditLine):
            self._credit(command, out)
        elif isinstance(command, OpenDepository):
            text = self.measures.open(command)
            if text is not None:
                out.refusal = Refusal(RefusalCode.INVALID, text)
        elif isinstance(command, Command):
            if isinstance(command, StartDay):
                self.risk.start_day()  # exposure counts one day's trades (decision 85)
                command = self.measures.start_day(command)
            self._events(self._run(command), None, out)
        else:
            try:
                self.registry.apply(command)
            except GatewayError as exc:
                out.refusal = exc.refusal
        return out

    def _member(self, ors: str) -> str:
        found = self.registry.ors(ors)
        return found.member if found is not None else ""

    def _reference(self, symbol: str) -> int:
        """The price check's reference: the last price, else the previous close (T3)."""
        return self.engine.instruments[symbol].reference()

    def _refuse_entry(self, cmd: OrderEntry, member: str, code: str, text: str,
                      out: Outcome) -> None:
        out.reports.append(OrderReport(
            cmd.ns, cmd.ors, member, cmd.trader, cmd.account, ExecKind.REJECTED,
            OrderStatus.REJECTED, cmd.clordid, None, None, cmd.symbol, cmd.side, cmd.type,
            cmd.validity, cmd.qty, cmd.price, 0, 0, 0, code=code, text=text,
            position_effect=cmd.position_effect))

    def _enter(self, seq: int, cmd: OrderEntry, out: Outcome) -> None:
        member = self._member(cmd.ors)
        refusal = self.registry.check_entry(cmd.trader, cmd.ors, cmd.account)
        if refusal is not None:
            self._refuse_entry(cmd, member, refusal.code.value, refusal.text, out)
            return
        if self.orders.in_use(member, cmd.clordid):  # FIX: ClOrdID unique among live orders
            self._refuse_entry(cmd, member, "DUPLICATE_ID",
                               f"ClOrdID {cmd.clordid} names a live order already", out)
            return
        inst = self.engine.instruments.get(cmd.symbol)
        context = OrderContext(member, cmd.ors, cmd.trader, cmd.account)
        if inst is not None:
            value = order_value(cmd.qty, cmd.price, inst.ceiling, inst.multiplier)
            refusal = self.risk.check(context, value, cmd.qty, cmd.price,
                                      self._reference(cmd.symbol))
            if refusal is not None:
                self._refuse_entry(cmd, member, refusal.code.value, refusal.text, out)
                return
        order = LiveOrder(str(seq), member, cmd.ors, cmd.trader, cmd.account, cmd.clordid,
                          cmd.symbol, cmd.side, cmd.type, cmd.validity, cmd.qty, cmd.price,
                          cmd.position_effect)
        new = NewOrder(cmd.ts, order.engine_id, member, cmd.account, cmd.symbol, cmd.side,
                       cmd.qty, cmd.type, cmd.price, cmd.validity, cmd.expire_date,
                       cmd.published_qty, cmd.short, cmd.cash_balance, cmd.nvdr,
                       cmd.client_type, cmd.smp_id, cmd.position_effect)
        self.orders.add(order)
        self._events(self._run(new), None, out)

    def _run(self, command: Command) -> list[Event]:
        """Run a command through the engine, the short positions following its events."""
        events = self.engine.handle(command)
        self.measures.observe(command, events)
        return events

    def _target(self, cmd: OrderReplace | OrderCancel, out: Outcome) -> LiveOrder | None:
        """The live order a request names, if the trader may touch it; else a refusal that
        does not tell whether such an order exists (decision 83)."""
        member = self._member(cmd.ors)
        order = self.orders.find(member, cmd.orig_clordid)
        refusal = None if order is None else self.registry.check_entry(
            cmd.trader, cmd.ors, order.account)
        if order is None or (refusal is not None and refusal.code is RefusalCode.NOT_OWNER):
            refusal = Refusal(RefusalCode.NOT_OWNER,
                              f"no live order of yours has ClOrdID {cmd.orig_clordid}")
        if refusal is None and self.orders.in_use(member, cmd.clordid):
            out.reports.append(self._rejected_request(cmd, member, order, "DUPLICATE_ID",
                                                      f"ClOrdID {cmd.clordid} is in use"))
            return None
        if refusal is not None:
            out.reports.append(self._rejected_request(cmd, member, None, refusal.code.value,
                                                      refusal.text))
            return None
        return order

    def _rejected_request(self, cmd: OrderReplace | OrderCancel, member: str,
                          order: LiveOrder | None, code: str, text: str) -> RequestRejected:
        return RequestRejected(
            cmd.ns, cmd.ors, member, cmd.trader, cmd.clordid, cmd.orig_clordid,
            order.order_no if order is not None else None,
            _status(order) if order is not None else None, isinstance(cmd, OrderReplace),
            code, text)

    def _replace(self, cmd: OrderReplace, out: Outcome) -> None:
        order = self._target(cmd, out)
        if order is None:
            return
        inst = self.engine.instruments[order.symbol]
        ceiling, multiplier = inst.ceiling, inst.multiplier
        price = cmd.price if cmd.price is not None else order.price
        qty = cmd.qty if cmd.qty is not None else order.qty
        refusal = self.risk.check_amend(
            order.engine_id, order_value(qty, price, ceiling, multiplier), qty, cmd.price,
            self._reference(order.symbol),
            resting=order_value(max(qty - order.cum_qty, 0), price, ceiling, multiplier))
        if refusal is not None:
            out.reports.append(self._rejected_request(cmd, order.member, order,
                                                      refusal.code.value, refusal.text))
            return
        amend = AmendOrder(cmd.ts, order.engine_id, order.member, cmd.qty, cmd.price, cmd.type,
                           cmd.side)
        request = _Request(order, cmd.ors, cmd.trader, cmd.clordid, cmd.orig_clordid,
                           replace=True)
        self._events(self._run(amend), request, out)

    def _cancel(self, cmd: OrderCancel, out: Outcome) -> None:
        order = self._target(cmd, out)
        if order is None:
            return
        request = _Request(order, cmd.ors, cmd.trader, cmd.clordid, cmd.orig_clordid)
        cancel = CancelOrder(cmd.ts, order.engine_id, order.member)
        self._events(self._run(cancel), request, out)

    def _risk(self, cmd: RiskKill | RiskSetLimits, out: Outcome) -> None:
        """Set a scope's limits or turn its kill switch; a scope named wrongly is refused
        INVALID, one the registry does not hold UNKNOWN_* (decision 85)."""
        try:
            scope_of(cmd)
            refusal = self._unknown_scope(cmd)
            if refusal is None and isinstance(cmd, RiskSetLimits):
                self.risk.set_limits(cmd)
        except GatewayError as exc:
            refusal = exc.refusal
        if refusal is not None:
            out.refusal = refusal
        elif isinstance(cmd, RiskKill):
            self._kill(cmd, out)

    def _unknown_scope(self, cmd: RiskKill | RiskSetLimits) -> Refusal | None:
        """The refusal of a scope the registry does not hold: a limit on a mistyped trader
        would guard nothing and say nothing."""
        member = self.registry.member(cmd.member)
        if member is None:
            return Refusal(RefusalCode.UNKNOWN_MEMBER, f"no member {shown(cmd.member)}")
        kind = cmd.kind
        if kind is ScopeKind.ORS:
            ors = self.registry.ors(cmd.id)
            if ors is None or ors.member != cmd.member:
                return Refusal(RefusalCode.UNKNOWN_ORS,
                               f"member {cmd.member} has no ORS {shown(cmd.id)}")
        elif kind is ScopeKind.TRADER:
            trader = self.registry.trader(cmd.id)
            if trader is None or trader.member != cmd.member:
                return Refusal(RefusalCode.UNKNOWN_TRADER,
                               f"member {cmd.member} has no trader {shown(cmd.id)}")
        elif kind is ScopeKind.ACCOUNT and cmd.id not in member.accounts:
            return Refusal(RefusalCode.UNKNOWN_ACCOUNT,
                           f"member {cmd.member} has no account {shown(cmd.id)}")
        return None

    def _credit(self, cmd: CreditLine, out: Outcome) -> None:
        """Record a member's credit line to a client account of its own (decision 176); a
        report the credit registry cannot hold is refused INVALID, changing nothing."""
        member = self.registry.member(cmd.member)
        if member is None:
            out.refusal = Refusal(RefusalCode.UNKNOWN_MEMBER, f"no member {shown(cmd.member)}")
        elif member.accounts.get(cmd.account) is not AccountType.CLIENT:
            out.refusal = Refusal(RefusalCode.UNKNOWN_ACCOUNT,
                                  f"member {cmd.member} has no client account {shown(cmd.account)}")
        else:
            try:
                self.credit.report(cmd.member, cmd.account, cmd.investor, cmd.line,
                                   cmd.collateral, cmd.ts)
            except SiamexError as exc:
                out.refusal = Refusal(RefusalCode.INVALID, exc.message)

    def _kill(self, cmd: RiskKill, out: Outcome) -> None:
        """Engage or release a kill switch; engaging cancels its scope's resting orders in the
        same sequenced step (PTRM: stops new orders and cancels those already sent)."""
        try:
            ids = self.risk.kill(cmd)
        except GatewayError as exc:
            out.refusal = exc.refusal
            return
        for engine_id in ids:
            order = self.orders.by_id[engine_id]
            scope = f"{cmd.kind.value} {cmd.id or cmd.member}"
            request = _Request(order, order.ors, order.trader, None, None,
                               text=f"cancelled by the kill switch of {scope}")
            cancel = CancelOrder(cmd.ts, engine_id, order.member, True)
            self._events(self._run(cancel), request, out)

    def status(self, ors: str, trader: str, clordid: str, ns: int) -> OrderReport | None:
        """An order's state for an OrderStatusRequest: a query, which changes nothing; None
        when the trader may not see such an order, whether it exists or not (decision 83)."""
        order = self.orders.find(self._member(ors), clordid)
        if order is None or self.registry.check_entry(trader, ors, order.account) is not None:
            return None
        return OrderReport(
            ns, ors, order.member, trader, order.account, ExecKind.STATUS, _status(order),
            order.clordid, None, order.order_no, order.symbol, order.side, order.type,
            order.validity, order.qty, order.price, order.cum_qty, order.cum_value, order.leaves,
            position_effect=order.effect)

    # -- engine events to reports ---------------------------------------------------------

    def _events(self, events: list[Event], request: _Request | None, out: Outcome) -> None:
        out.events.extend(events)
        for event in events:
            kind = type(event)
            if kind is Trade:
                assert isinstance(event, Trade)
                self._fill(event.buy_id, event, out)
                self._fill(event.sell_id, event, out)
            elif kind is Accepted:
                assert isinstance(event, Accepted)
                self._accepted(event, out)
            elif kind is Cancelled:
                assert isinstance(event, Cancelled)
                self._cancelled(event, request, out)
            elif kind is Amended:
                assert isinstance(event, Amended)
                self._amended(event, request, out)
            elif kind is Rejected:
                assert isinstance(event, Rejected)
                self._rejected(event, request, out)

    def _report(self, order: LiveOrder, kind: ExecKind, status: OrderStatus, out: Outcome, *,
                request: _Request | None = None, **extra: Any) -> None:
        ors = request.ors if request is not None and request.clordid is not None else order.ors
        trader = request.trader if request is not None and request.clordid is not None \
            else order.trader
        orig = request.orig_clordid if request is not None else None
        out.reports.append(OrderReport(
            self._ns, ors, order.member, trader, order.account, kind, status, order.clordid,
            orig, order.order_no, order.symbol, order.side, order.type, order.validity,
            order.qty, order.price, order.cum_qty, order.cum_value,
            order.leaves if status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED) else 0,
            position_effect=order.effect, **extra))

    def _accepted(self, event: Accepted, out: Outcome) -> None:
        order = self.orders.by_id.get(event.id)
        if order is None:
            return
        order.order_no = event.order_no
        # the effect the engine booked: "open" for a TFEX order that named none (decision 110)
        order.effect = event.effect or None
        inst = self.engine.instruments[order.symbol]
        self.risk.on_accepted(order.engine_id, OrderContext(
            order.member, order.ors, order.trader, order.account),
            order_value(order.qty, order.price, inst.ceiling, inst.multiplier))
        self._report(order, ExecKind.NEW, OrderStatus.NEW, out)

    def _fill(self, engine_id: str, trade: Trade, out: Outcome) -> None:
        order = self.orders.by_id.get(engine_id)
        if order is None:
            return
        order.cum_qty += trade.qty
        order.cum_value += trade.qty * trade.price
        inst = self.engine.instruments[order.symbol]
        self.risk.on_trade(engine_id, trade.qty * trade.price * inst.multiplier,
                           order_value(order.leaves, order.price, inst.ceiling, inst.multiplier))
        status = _status(order)
        self._report(order, ExecKind.TRADE, status, out, last_qty=trade.qty,
                     last_price=trade.price, trade_no=trade.trade_no)
        if status is OrderStatus.FILLED:
            self._done(order)

    def _done(self, order: LiveOrder) -> None:
        self.risk.on_done(order.engine_id)
        self.orders.remove(order)

    def _cancelled(self, event: Cancelled, request: _Request | None, out: Outcome) -> None:
        order = self.orders.by_id.get(event.id)
        if order is None:
            return
        mine = request is not None and request.order is order
        if mine and request is not None and event.reason is None and request.clordid is not None:
            self.orders.chain(order, request.clordid)
        expired = event.reason is CancelReason.EXPIRED
        code = event.reason.value if event.reason is not None else None
        text = request.text if mine and request is not None else ""
        self._report(order, ExecKind.EXPIRED if expired else ExecKind.CANCELLED,
                     OrderStatus.EXPIRED if expired else OrderStatus.CANCELLED, out,
                     request=request if mine else None, code=code, text=text)
        self._done(order)

    def _amended(self, event: Amended, request: _Request | None, out: Outcome) -> None:
        order = self.orders.by_id.get(event.id)
        if order is None:
            return
        order.qty = event.qty
        order.price = event.price
        if request is not None and request.order is order and request.clordid is not None:
            self.orders.chain(order, request.clordid)
        inst = self.engine.instruments[order.symbol]
        self.risk.on_amended(order.engine_id, order_value(event.remaining, order.price,
                                                          inst.ceiling, inst.multiplier))
        self._report(order, ExecKind.REPLACED, _status(order), out, request=request)
        if order.leaves == 0:
            self._done(order)

    def _rejected(self, event: Rejected, request: _Request | None, out: Outcome) -> None:
        if request is not None and request.clordid is not None:
            target = request.order
            out.reports.append(RequestRejected(
                self._ns, request.ors, target.member, request.trader, request.clordid,
                request.orig_clordid or target.clordid, target.order_no, _status(target),
                request.replace, event.reason.value, event.text))
            return
        order = self.orders.by_id.get(event.id)
        if order is None:
            return
        self._report(order, ExecKind.REJECTED, OrderStatus.REJECTED, out,
                     code=event.reason.value, text=event.text)
        self.orders.remove(order)

    # -- state ----------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The whole state as plain values: engine, registry, limits, live orders, credit
        lines and the measures."""
        return {"engine": snapshot(self.engine), "registry": self.registry.snapshot(),
                "risk": self.risk.snapshot(), "orders": self.orders.state(),
                "fix_in": dict(sorted(self.fix_in.items())), "credit": self.credit.state(),
                "measures": self.measures.state(self.engine)}

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Exchange:
        """Rebuild an exchange from `state()`."""
        exchange = cls(restore(data["engine"]), Registry.restore(data["registry"]),
                       RiskBook.restore(data["risk"]), OrderTable.from_state(data["orders"]),
                       CreditRegistry.from_state(data["credit"]),
                       LiveMeasures.from_state(data["measures"]))
        exchange.fix_in = dict(data["fix_in"])
        return exchange

    def state_hash(self) -> str:
        """SHA-256 of the canonical state: equal hashes, equal exchanges."""
        return hashlib.sha256(msgspec.json.encode(self.state())).hexdigest()
