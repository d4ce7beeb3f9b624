"""The FIX session layer alone, per order: the floor under `siamex bench gateway`.

One session, in process, with a store in memory, takes the generator's own NewOrderSingle
messages as bytes (framed, decoded, checked in sequence), reads each into an order command and
answers it with an ExecutionReport (built, encoded, numbered and stored): what the server does
at least for every order, without sockets, journal, engine, risk or audit trail. Its reciprocal
bounds what one core can acknowledge whatever else gets faster.
"""

from __future__ import annotations

import statistics
import time

from siamex.bench.gateway import order_message
from siamex.gateway.fix.actions import Deliver
from siamex.gateway.fix.auth import Accepted, LogonDecision
from siamex.gateway.fix.message import SessionConfig
from siamex.gateway.fix.orders import execution_report, new_order
from siamex.gateway.fix.session import FixSession
from siamex.gateway.fix.store import memory_stores
from siamex.gateway.reports import ExecKind, OrderReport, OrderStatus
from siamex.runtime import without_gc_pauses

__all__ = ["fix_layer_us"]

_READ = 1 << 16  # bytes per read, as a busy connection hands them over


class _Anyone:
    """Accept every Logon: the floor measures messages, not credentials."""

    def logon(self, sender_comp_id: str, target_comp_id: str, username: str | None,
              password: str | None) -> LogonDecision:
        return Accepted(sender_comp_id)


def _one_run(orders: int) -> float:
    now = time.time_ns()
    session = FixSession(SessionConfig(), _Anyone(), memory_stores(), now)
    session.data_received(order_message(1, 1, None), now)
    data = b"".join(order_message(1, seq, k) for seq, k in enumerate(range(orders), start=2))
    answered = 0
    with without_gc_pauses():
        began = time.perf_counter_ns()
        for at in range(0, len(data), _READ):
            for action in session.data_received(data[at:at + _READ], now):
                if isinstance(action, Deliver):
                    answered += 1
                    fields = dict(reversed(action.msg.fields))
                    cmd = new_order(fields, "ORS", now, action.msg.seq)
                    report = OrderReport(
                        now, "ORS", "G01", cmd.trader, cmd.account, ExecKind.NEW,
                        OrderStatus.NEW, cmd.clordid, None, action.msg.seq, cmd.symbol, cmd.side,
                        cmd.type, cmd.validity, cmd.qty, cmd.price, 0, 0, cmd.qty)
                    msg_type, reply = execution_report(report, str(action.msg.seq))
                    session.send_app(msg_type, reply, now, action.msg.seq)
        elapsed = time.perf_counter_ns() - began
    if answered != orders:
        raise RuntimeError(f"the session delivered {answered} of {orders} orders")
    return elapsed / orders / 1000


def fix_layer_us(orders: int = 20_000, runs: int = 5) -> tuple[float, list[float]]:
    """Return the median microseconds per order over `runs` runs, and every run's figure."""
    figures = [_one_run(orders) for _ in range(runs)]
    return statistics.median(figures), figures
