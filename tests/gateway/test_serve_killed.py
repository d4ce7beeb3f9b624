"""`kill -9` of `siamex serve` under load, 20 times in a row: after each restart every
acknowledged order is in the journal, and the server's state hash is a replay's."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from siamex.gateway.entry import OrderEntry
from siamex.gateway.journaled import DECODER, replay_journal
from siamex.gateway.service import JOURNAL
from siamex.journal.log import read_journal
from tests.gateway.live import Member, Server

OPERATOR = {"Authorization": "Bearer operator-secret-change-me"}
ROUNDS = 20


def _load(member: Member, start: int, acknowledged: list[str], stop: threading.Event) -> None:
    """Send orders without waiting, record each one the exchange acknowledges."""
    n = start
    try:
        while not stop.is_set():
            member.order(f"K{n}", "1", 100, "31.00")
            n += 1
            while True:
                message = member.parser.get_message()
                if message is None:
                    break
                if message.get(35) == b"8" and message.get(150) in (b"0", b"8"):
                    acknowledged.append(message.get(11).decode())
            member.sock.settimeout(0.001)
            try:
                data = member.sock.recv(65536)
            except TimeoutError:
                continue
            if not data:
                return
            member.parser.append_buffer(data)
    except OSError:
        return


def test_every_acknowledged_order_survives_kill_9(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    acknowledged: list[str] = []
    for round_no in range(ROUNDS):
        server = Server(folder)
        state = httpx.get(f"{server.http}/v1/state", headers=OPERATOR, timeout=30).json()
        exchange, last = replay_journal(folder / JOURNAL)
        assert (state["seq"], state["state_hash"]) == (last, exchange.state_hash())
        member = Member(server.fix)
        member.logon(reset=True)
        stop = threading.Event()
        before = len(acknowledged)
        load = threading.Thread(target=_load, args=(member, round_no * 1_000_000, acknowledged,
                                                    stop))
        load.start()
        while len(acknowledged) < before + 20 + round_no * 3 and load.is_alive():
            load.join(0.01)
        server.kill()
        stop.set()
        load.join(30)
        member.close()
        journaled = {record.command.clordid for record in read_journal(folder / JOURNAL, DECODER)
                     if isinstance(record.command, OrderEntry)}
        assert set(acknowledged) <= journaled
    assert len(acknowledged) >= ROUNDS * 20
