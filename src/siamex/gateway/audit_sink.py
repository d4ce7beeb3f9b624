"""The audit trail fed by the sequencer: every order request and what became of it.

The service hands each command's outcome to its sinks in sequence order, live and during the
start-up replay of the journal (siamex.gateway.service). This sink makes of an order entry, a
replace or a cancel request one `received` record, then one record per report: accepted,
rejected with its code, amended, cancelled (an expiry too, with its code) or filled. Reports of
commands no member sent (the clock's advances: auction fills, expiries; a kill switch) are
recorded the same way.

Decisions:

- The trail is derived from the journal. Each command's records are appended in one
  transaction, so the trail holds a command whole or not at all; during the replay the sink
  skips the commands the log holds already (`AuditLog.last_seq`) and appends the rest. A crash
  between the journal's commit and the audit write loses nothing, a restart duplicates nothing.
- Commands carry Bangkok wall-clock nanoseconds; the trail keeps UTC (siamex.gateway.audit).
- A record's channel is the one its order was entered through, remembered by order number while
  the order lives, so that a fill caused by another member's order or by the clock says it too.
  The replay rebuilds that memory from the first command, skipped ones included.
- A refused cancel or replace is recorded with the account, symbol and side of the order it
  names only when the refusal shows the requester the order (decision 82: it learns nothing of
  orders that are not its own).
"""

from __future__ import annotations

from siamex.gateway.audit import AuditEvent, AuditLog, AuditRecord, Channel
from siamex.gateway.clock import BANGKOK_OFFSET_NS
from siamex.gateway.entry import OrderCancel, OrderEntry, OrderReplace
from siamex.gateway.exchange import Exchange, Outcome, ServiceCommand
from siamex.gateway.reports import ExecKind, OrderReport, OrderStatus, Report, RequestRejected
from siamex.gateway.service import Service
from siamex.trading.enums import Side

__all__ = ["AuditSink"]

_EVENTS = {ExecKind.NEW: AuditEvent.ACCEPTED, ExecKind.REJECTED: AuditEvent.REJECTED,
           ExecKind.REPLACED: AuditEvent.AMENDED, ExecKind.CANCELLED: AuditEvent.CANCELLED,
           ExecKind.EXPIRED: AuditEvent.CANCELLED, ExecKind.TRADE: AuditEvent.FILLED}
"""What each report kind is in the trail; a STATUS report changes nothing and is not kept."""
_FINAL = frozenset({OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.EXPIRED,
                    OrderStatus.REJECTED})


class _Order:
    """What a request's `received` record says of the order it names."""

    __slots__ = ("account", "order_no", "price", "qty", "side", "symbol")

    def __init__(self, account: str = "", symbol: str = "", side: Side | None = None,
                 qty: int = 0, price: int | None = None, order_no: int | None = None) -> None:
        self.account = account
        self.symbol = symbol
        self.side = side
        self.qty = qty
        self.price = price
        self.order_no = order_no


class AuditSink:
    """A service sink that keeps every order record in an `AuditLog`.

    `exchange` is the service's state, read after each command to name a request's member by
    its ORS and the order a refused request names. Attach the sink before the journal's replay.
    """

    def __init__(self, log: AuditLog, exchange: Exchange) -> None:
        self.log = log
        self.exchange = exchange
        self._kept = log.last_seq()
        self._channels: dict[int, Channel] = {}
        self._pending: list[AuditRecord] = []

    def __call__(self, seq: int, command: ServiceCommand, outcome: Outcome,
                 replaying: bool) -> None:
        records = self.records(seq, command, outcome)
        if records and not (replaying and seq <= self._kept):
            self._pending += records

    def attach(self, service: Service) -> None:
        """Follow a service: every command's outcome, and a flush after each batch."""
        service.sinks.append(self)
        service.flushes.append(self.flush)

    def flush(self) -> None:
        """Keep the records of the commands seen since the last flush, in one transaction
        (the service flushes after each batch: one commit per batch, not per command)."""
        if self._pending:
            records, self._pending = self._pending, []
            self.log.append_many(records)

    def records(self, seq: int, command: ServiceCommand, outcome: Outcome) -> list[AuditRecord]:
        """Return the records of one command and its outcome, remembering order channels."""
        out: list[AuditRecord] = []
        entry = command if isinstance(command, OrderEntry | OrderReplace | OrderCancel) else None
        member = ""
        if entry is not None:
            member = self._member(entry.ors)
            out.append(self._received(seq, entry, member, outcome))
        for report in outcome.reports:
            record = self._reported(seq, report, entry)
            if record is not None:
                out.append(record)
        return out

    def _member(self, ors: str) -> str:
        found = self.exchange.registry.ors(ors)
        return found.member if found is not None else ""

    def _received(self, seq: int, cmd: OrderEntry | OrderReplace | OrderCancel, member: str,
                  outcome: Outcome) -> AuditRecord:
        if isinstance(cmd, OrderEntry):
            order = _Order(cmd.account, cmd.symbol, cmd.side, cmd.qty, cmd.price)
            orig = None
        else:
            order = self._named(cmd, member, outcome)
            orig = cmd.orig_clordid
            if isinstance(cmd, OrderReplace):
                order.qty = cmd.qty if cmd.qty is not None else order.qty
                order.price = cmd.price if cmd.price is not None else order.price
        return AuditRecord(
            time_ns=cmd.ns - BANGKOK_OFFSET_NS, seq=seq, member=member, trader=cmd.trader,
            ors=cmd.ors, channel=Channel(cmd.channel), account=order.account,
            cl_ord_id=cmd.clordid, orig_cl_ord_id=orig, order_no=order.order_no,
            symbol=order.symbol, side=order.side, event=AuditEvent.RECEIVED, qty=order.qty,
            price=order.price)

    def _named(self, cmd: OrderReplace | OrderCancel, member: str, outcome: Outcome) -> _Order:
        """The order a cancel or replace names, as far as the requester may see it."""
        for report in outcome.reports:
            if isinstance(report, OrderReport) and report.member == member \
                    and report.clordid == cmd.clordid:
                return _Order(report.account, report.symbol, report.side, report.qty,
                              report.price, report.order_no)
            if isinstance(report, RequestRejected):
                return self._visible(report)
        return _Order()

    def _visible(self, report: RequestRejected) -> _Order:
        """The live order a refused request names, if the refusal shows it to the requester."""
        live = None if report.status is None else self.exchange.orders.find(
            report.member, report.orig_clordid)
        if live is None:
            return _Order()
        return _Order(live.account, live.symbol, live.side, live.qty, live.price, live.order_no)

    def _reported(self, seq: int, report: Report,
                  entry: OrderEntry | OrderReplace | OrderCancel | None) -> AuditRecord | None:
        ns = report.ns - BANGKOK_OFFSET_NS
        if isinstance(report, RequestRejected):
            assert entry is not None  # only a member's request is refused this way
            order = self._visible(report)
            return AuditRecord(
                time_ns=ns, seq=seq, member=report.member, trader=report.trader, ors=report.ors,
                channel=Channel(entry.channel), account=order.account, cl_ord_id=report.clordid,
                orig_cl_ord_id=report.orig_clordid, order_no=report.order_no,
                symbol=order.symbol, side=order.side, event=AuditEvent.REJECTED,
                code=report.code, qty=order.qty, price=order.price, text=report.text)
        event = _EVENTS.get(report.kind)
        if event is None:
            return None
        channel = self._channel(report, entry)
        filled = report.kind is ExecKind.TRADE
        return AuditRecord(
            time_ns=ns, seq=seq, member=report.member, trader=report.trader, ors=report.ors,
            channel=channel, account=report.account, cl_ord_id=report.clordid,
            orig_cl_ord_id=report.orig_clordid, order_no=report.order_no, symbol=report.symbol,
            side=report.side, event=event, code=report.code, qty=report.qty,
            price=report.price, fill_qty=report.last_qty if filled else None,
            fill_price=report.last_price if filled else None, text=report.text)

    def _channel(self, report: OrderReport, entry: OrderEntry | OrderReplace | OrderCancel | None
                 ) -> Channel:
        """The channel the report's order was entered through; remembered while it lives."""
        no = report.order_no
        channel = self._channels.get(no) if no is not None else None
        if channel is None:
            # The order is the one this entry made; an order the sink never saw entered (it was
            # attached after the replay) is taken as the exchange's usual channel, FIX.
            channel = Channel(entry.channel) if isinstance(entry, OrderEntry) else Channel.FIX
            if no is not None:
                self._channels[no] = channel
        if no is not None and report.status in _FINAL:
            del self._channels[no]
        return channel
