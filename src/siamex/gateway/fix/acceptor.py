"""The FIX acceptor of `siamex serve`: TCP connections, each with its FIX session, joined to the
service (asyncio; the session layer itself is sans-IO, siamex.gateway.fix.session).

Inbound, an order message becomes a command for the sequencer. The connection reads nothing
more, and its session's clock does not tick, until every command of what it read is durable:
the session stores its expected incoming number only at its next call, and that must not run
ahead of the journal. Outbound, every report of every command reaches the ORS it is addressed
to: written at once when the ORS is connected, stored for a resend when it is not. Each stored
message keeps the journal position of the report it carries (`ref`), so a restart that replays
the journal stores exactly the reports the crash kept from the store, and a member's expected
incoming number is put past every message the journal holds from it (decision 87).

A tap (`taps`) sees every byte each connection reads and writes, as it crosses, with the
connection's number: the certification's observer (siamex.certify.observer) judges a member's
system by it.

A connection whose peer stops reading is closed when its unsent bytes pass `MAX_UNSENT`; its
messages stay in the store for the next logon. Times in FIX are the machine's UTC, whatever
the exchange's clock (which may run on another date or faster).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final, Literal

import msgspec

from siamex.gateway.entry import SessionLogon
from siamex.gateway.exchange import Outcome, ServiceCommand
from siamex.gateway.fix.actions import Action, AppMessage, Close, Deliver, LoggedOn, Write
from siamex.gateway.fix.auth import Accepted, LogonDecision, Refused
from siamex.gateway.fix.orders import (
    FieldProblem,
    cancel_request,
    execution_report,
    new_order,
    order_cancel_reject,
    replace_request,
    unknown_order_status,
)
from siamex.gateway.fix.session import FixSession, SessionConfig, store_outgoing
from siamex.gateway.fix.store import FileStore
from siamex.gateway.ors_lifecycle import OrsEvent
from siamex.gateway.registry_changes import RegOrsEvent
from siamex.gateway.reports import OrderReport
from siamex.gateway.service import Service

__all__ = ["MAX_UNSENT", "FixAcceptor", "Tap"]

MAX_UNSENT: Final = 8 * 1024 * 1024
_REF_SHIFT: Final = 24  # a stored message's ref: journal seq << 24 | its index in the outcome
_BUSINESS_REJECT: Final = "j"


Tap = Callable[[int, Literal["in", "out"], bytes], None]
"""Told each connection's bytes as they cross: its number, `in` read or `out` written."""


class _Identity(msgspec.Struct, frozen=True):
    ors: str
    member: str
    first_logon: bool


class FixAcceptor:
    """Every FIX session of the exchange and the stores that outlive their connections."""

    def __init__(self, service: Service, folder: Path, config: SessionConfig) -> None:
        self.service = service
        self.folder = folder
        self.config = config
        self._stores: dict[tuple[str, str], FileStore] = {}
        self._connections: dict[str, _Connection] = {}
        self._all: set[_Connection] = set()
        self._held: list[FileStore] = []
        self._unsent: list[_Connection] = []
        self._numbers = itertools.count(1)
        self.taps: list[Tap] = []
        service.sinks.append(self._sink)
        service.flushes.append(self.flush)

    # -- stores and logon -----------------------------------------------------------------

    def store(self, sender: str, target: str) -> FileStore:
        """The message store of a CompID pair, opened once for the server's life."""
        key = (sender, target)
        found = self._stores.get(key)
        if found is None:
            found = self._stores[key] = FileStore(self.folder, sender, target)
        return found

    def logon(self, sender: str, target: str, username: str | None,
              password: str | None) -> LogonDecision:
        """Ask the registry; an ORS already connected is refused a second session."""
        decision = self.service.exchange.registry.logon(sender, username, password)
        if decision.refusal is not None or decision.ors is None:
            text = decision.refusal.text if decision.refusal is not None else "refused"
            code = decision.refusal.code.value if decision.refusal is not None else "REFUSED"
            return Refused(f"{code}: {text}")
        if decision.ors in self._connections:
            return Refused(f"DUPLICATE: ORS {decision.ors} is logged on already")
        return Accepted(_Identity(decision.ors, decision.member or "", decision.first_logon))

    def resume(self) -> None:
        """After the journal's replay: put each ORS's expected number past what the journal
        holds from it (decision 87)."""
        registry = self.service.exchange.registry
        for ors, last in self.service.exchange.fix_in.items():
            found = registry.ors(ors)
            if found is None or found.sender_comp_id is None:
                continue
            store = self.store(found.sender_comp_id, self.config.comp_id)
            if store.next_in() <= last:
                store.set_next_in(last + 1)

    # -- outcomes to members --------------------------------------------------------------

    def _sink(self, seq: int, command: ServiceCommand, outcome: Outcome,
              replaying: bool) -> None:
        registry = self.service.exchange.registry
        now = time.time_ns()
        for index, report in enumerate(outcome.reports):
            found = registry.ors(report.ors)
            if found is None or found.sender_comp_id is None:
                continue
            ref = seq << _REF_SHIFT | index
            store = self.store(found.sender_comp_id, self.config.comp_id)
            if replaying and ref <= (store.last_ref() or 0):
                continue
            if not store.held:
                store.hold()
                self._held.append(store)
            if isinstance(report, OrderReport):
                msg_type, fields = execution_report(report, f"{seq}-{index}")
            else:
                msg_type, fields = order_cancel_reject(report)
            connection = None if replaying else self._connections.get(report.ors)
            if connection is not None:
                connection.do(connection.session.send_app(msg_type, fields, now, ref))
            else:
                store_outgoing(store, self.config.comp_id, found.sender_comp_id, msg_type,
                               fields, now, ref)

    @property
    def holding(self) -> bool:
        """Whether a batch's messages are being stored, not yet written out nor sent."""
        return bool(self._held)

    def wait_to_send(self, connection: _Connection) -> None:
        """Send a connection's messages at the batch's flush."""
        self._unsent.append(connection)

    def flush(self) -> None:
        """After a batch: write out the stores its messages went to, then send the messages,
        one write per connection (a message is stored before it can be sent)."""
        held, self._held = self._held, []
        for store in held:
            store.release()
        unsent, self._unsent = self._unsent, []
        for connection in unsent:
            connection.send()

    # -- connections ----------------------------------------------------------------------

    def connection(self) -> asyncio.Protocol:
        """A protocol for one new TCP connection."""
        return _Connection(self)

    def logged_on(self, connection: _Connection, identity: _Identity) -> None:
        """Journal the logon (and an ORS's first use), then route its reports to it."""
        self._connections[identity.ors] = connection
        store = self.store(connection.sender, self.config.comp_id)
        connection.submit(SessionLogon(0, identity.ors, store.next_in()))
        if identity.first_logon:
            connection.submit(RegOrsEvent(0, identity.ors, OrsEvent.FIRST_LOGON))

    def disconnect(self, ors: str) -> bool:
        """Drop an ORS's connection at once, as a network failure would (its messages stay
        stored for its next logon); False when it is not connected."""
        connection = self._connections.get(ors)
        if connection is None or connection.transport is None:
            return False
        connection.transport.abort()
        return True

    def closed(self, connection: _Connection) -> None:
        """Forget a connection; its session's store stays."""
        self._all.discard(connection)
        if connection.ors is not None and self._connections.get(connection.ors) is connection:
            del self._connections[connection.ors]

    def tick(self) -> None:
        """Give every idle session the time: heartbeats, test requests, timeouts."""
        now = time.time_ns()
        for connection in list(self._all):
            if not connection.pending:
                connection.do(connection.session.timer(now))

    def close(self) -> None:
        """Close every connection, its session storing what it received, then the stores."""
        for connection in list(self._all):
            connection.connection_lost(None)
            connection.transport_close()
        for store in self._stores.values():
            store.close()


class _Connection(asyncio.Protocol):
    """One TCP connection: its session, and the commands it is waiting on."""

    def __init__(self, acceptor: FixAcceptor) -> None:
        self.acceptor = acceptor
        self.number = next(acceptor._numbers)
        self.session = FixSession(acceptor.config, acceptor, acceptor.store, time.time_ns())
        self.transport: asyncio.Transport | None = None
        self.ors: str | None = None
        self.member = ""
        self.sender = ""
        self.pending = 0
        self._lost = False
        self._backlog: list[bytes] = []
        self._out: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.acceptor._all.add(self)

    def data_received(self, data: bytes) -> None:
        for tap in self.acceptor.taps:
            tap(self.number, "in", data)
        self._receive(data)

    def _receive(self, data: bytes) -> None:
        if self.pending:
            self._backlog.append(data)
            return
        self.do(self.session.data_received(data, time.time_ns()))

    def connection_lost(self, exc: Exception | None) -> None:
        if self._lost:
            return
        self._lost = True
        self.session.connection_lost()
        self.acceptor.closed(self)

    def transport_close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None

    def do(self, actions: list[Action]) -> None:
        """Carry out the session's actions in order."""
        for action in actions:
            if isinstance(action, Write):
                self._write(action.data)
            elif isinstance(action, Deliver):
                self._deliver(action.msg)
            elif isinstance(action, LoggedOn):
                identity = action.identity
                assert isinstance(identity, _Identity)
                self.ors, self.member = identity.ors, identity.member
                self.sender = action.sender_comp_id
                self.acceptor.logged_on(self, identity)
            elif isinstance(action, Close):
                self.transport_close()

    def _write(self, data: bytes) -> None:
        """Send now, or, while a batch's stores are held, after they are written out."""
        if self.acceptor.holding:
            if not self._out:
                self.acceptor.wait_to_send(self)
            self._out.append(data)
            return
        self._out.append(data)
        self.send()

    def send(self) -> None:
        """Write what waits for the connection in one go."""
        data, self._out = b"".join(self._out), []
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        for tap in self.acceptor.taps:
            tap(self.number, "out", data)
        transport.write(data)
        if transport.get_write_buffer_size() > MAX_UNSENT:  # a peer that stopped reading
            transport.abort()

    def _deliver(self, msg: AppMessage) -> None:
        fields = dict(reversed(msg.fields))
        ors = self.ors
        assert ors is not None
        now = time.time_ns()
        try:
            if msg.msg_type == "D":
                command: ServiceCommand = new_order(fields, ors, 0, msg.seq)
            elif msg.msg_type == "F":
                command = cancel_request(fields, ors, 0, msg.seq)
            elif msg.msg_type == "G":
                command = replace_request(fields, ors, 0, msg.seq)
            elif msg.msg_type == "H":
                self._status(fields, now)
                return
            else:
                self.do(self.session.send_app(_BUSINESS_REJECT, [
                    (45, str(msg.seq)), (372, msg.msg_type), (380, "3"),
                    (58, f"MsgType {msg.msg_type} is not taken by siamex")], now))
                return
        except FieldProblem as problem:
            self.do(self.session.reject(msg.seq, msg.msg_type, problem.reason, problem.tag,
                                        problem.text, now))
            return
        self.submit(command)

    def _status(self, fields: dict[int, str], now: int) -> None:
        """Answer an OrderStatusRequest from the state now (a query: nothing is journaled)."""
        service = self.acceptor.service
        assert self.ors is not None
        report = service.exchange.status(self.ors, fields.get(50, ""), fields.get(11, ""),
                                         service.clock.now_ns())
        if report is None:
            msg_type, reply = unknown_order_status(fields)
        else:
            msg_type, reply = execution_report(report, f"status-{time.time_ns()}")
        self.do(self.session.send_app(msg_type, reply, now))

    def submit(self, command: ServiceCommand) -> None:
        """Queue a command; read nothing more until it is durable."""
        self.pending += 1
        if self.transport is not None:
            self.transport.pause_reading()
        self.acceptor.service.enqueue(command, self._done)

    def _done(self, seq: int, outcome: Outcome) -> None:
        self.pending -= 1
        if self.pending:
            return
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()
        backlog, self._backlog = self._backlog, []
        for data in backlog:
            self._receive(data)
