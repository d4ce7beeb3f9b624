"""The drop copy and the end-of-day clearing of a real `siamex serve` child on loopback: trades
over FIX (simplefix), subscribers on the drop copy's WebSocket (the `websockets` client), the
clearing runs through the operations endpoint (httpx), `kill -9` during the day.

The trading day runs on the wall clock from 10:15; a restart with `--start 16:59 --speed 14400`
then takes the server through the day's close and the next business days in seconds, so the
runs of T, T+1 and T+2 happen in one serving process."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from siamex.gateway.clearing_link import ClearingLink
from siamex.gateway.clock import ExchangeClock
from siamex.gateway.config import ClearingConfig
from siamex.gateway.day_clearing import CLEARING, RunState
from siamex.gateway.service import JOURNAL, Service
from siamex.gateway.universe import load_universe
from tests.gateway.live import CONFIG, Member, Server
from tests.gateway.market import DAY
from tests.gateway.trades_kept import journal_sides, kept_sides

OPERATOR = {"Authorization": "Bearer operator-secret-change-me"}
RISK_M01 = {"Authorization": "Bearer m01-risk-secret-change-me"}
RISK_M02 = {"Authorization": "Bearer m02-risk-secret-change-me"}
SETTLED = "2026-12-03"  # T+2 of 2026-12-01 on the SET calendar
TIMEOUT = 120.0


def _m02(server: Server) -> Member:
    return Member(server.fix, "M02ORS1", "m02ors1", "m02-fix-secret-change-me")


def _through_t_plus_2(folder: Path) -> Server:
    """Restart on `folder` at 16:59, 14,400 times faster than real time, and wait until the
    clearing run of T+2 is done."""
    server = Server(folder, CONFIG, "--start", "16:59", "--speed", "14400")
    deadline = time.monotonic() + TIMEOUT
    while True:
        days = httpx.get(f"{server.http}/v1/clearing/days", headers=OPERATOR,
                         timeout=30).json()["days"]
        states = {d["date"]: d["state"] for d in days}
        assert "failed" not in states.values(), days
        if states.get(SETTLED) == "done":
            return server
        assert time.monotonic() < deadline, days
        time.sleep(0.05)


def _records(stream: ClientConnection, until: int, side: str = "sell") -> list[dict[str, Any]]:
    """Read drop-copy records up to `side` of trade number `until` (a sell comes after its
    trade's buy)."""
    records: list[dict[str, Any]] = []
    while not records or (records[-1]["trade_no"], records[-1]["side"]) != (until, side):
        records.append(json.loads(stream.recv(timeout=TIMEOUT)))
    return records


def _filled(member: Member, clordid: str) -> int:
    """The trade number of `clordid`'s next fill."""
    return int(member.report(clordid, "F").get(880))


def test_fix_trades_are_the_drop_copy_each_member_sees_its_own_and_t_plus_2_settles_them(
        tmp_path: Path) -> None:
    folder = tmp_path / "data"
    server = Server(folder)
    try:
        m01, m02 = Member(server.fix), _m02(server)
        m01.logon()
        m02.logon()
        url = server.http.replace("http://", "ws://") + "/v1/drop-copy"
        logon = httpx.post(f"{server.http}/v1/sessions", timeout=30, json={
            "username": "m01ors1", "password": "m01-fix-secret-change-me", "trader": "M01T2"})
        token = logon.json()["token"]
        subscribers = contextlib.ExitStack()
        streams = {name: subscribers.enter_context(connect(url + query, additional_headers=headers))
                   for name, query, headers in (
                       ("operator", "", OPERATOR), ("M01", "", RISK_M01),
                       ("M02", "?token=m02-risk-secret-change-me", {}),
                       ("M01T2", f"?token={token}", {}))}
        m01.order("S1", "2", 300, "32.25")
        m02.order("B1", "1", 100, "32.25", trader="M02T1")
        _filled(m02, "B1")
        m01.order("S2", "2", 200, "32.25", trader="M01T2", account="C0002")
        m01.report("S2", "0")
        m02.order("B2", "1", 400, "32.25", trader="M02T1")
        _filled(m02, "B2")
        _filled(m02, "B2")
        m01.order("X1", "1", 100, "38.50", symbol="AOT", account="P0001")
        m01.report("X1", "0")
        m01.order("X2", "2", 100, "38.50", symbol="AOT")  # M01 trades with itself
        _filled(m01, "X2")
        # last, a trade every subscriber sees: what each read before it is all it was sent
        m01.order("Z1", "2", 100, "32.25", trader="M01T2", account="C0002")
        m01.report("Z1", "0")
        m02.order("Z2", "1", 100, "32.25", trader="M02T1")
        last = _filled(m02, "Z2")
        with subscribers:
            seen = {name: _records(stream, last, "buy" if name == "M02" else "sell")
                    for name, stream in streams.items()}
        everything = seen["operator"]
        assert [r["n"] for r in everything] == list(range(1, 11))
        assert seen["M01"] == [r for r in everything if r["member"] == "M01"]
        assert seen["M02"] == [r for r in everything if r["member"] == "M02"]
        assert seen["M01T2"] == [r for r in everything
                                 if r["member"] == "M01" and r["account"] == "C0002"]
        assert {(r["trader"], r["clordid"]) for r in seen["M01T2"]} == {("M01T2", "S2"),
                                                                        ("M01T2", "Z1")}
        assert [(r["side"], r["qty"], r["price"]) for r in seen["M02"]] == [
            ("buy", 100, "32.25"), ("buy", 200, "32.25"), ("buy", 200, "32.25"),
            ("buy", 100, "32.25")]
        for query, headers, status in (("", {}, 401), ("?token=nobody", {}, 401),
                                       ("?from=0", OPERATOR, 400), ("?from=x", OPERATOR, 400)):
            with pytest.raises(InvalidStatus) as refused:
                connect(url + query, additional_headers=headers)
            assert refused.value.response.status_code == status
        for headers, status in (({"Authorization": f"Bearer {token}"}, 403), ({}, 401)):
            answer = httpx.get(f"{server.http}/v1/clearing/days", headers=headers, timeout=30)
            assert answer.status_code == status
        server.kill()  # kill -9 during the day
    finally:
        server.kill()

    server = _through_t_plus_2(folder)
    try:
        with connect(server.http.replace("http://", "ws://") + "/v1/drop-copy?from=1",
                     additional_headers=OPERATOR) as again:
            assert _records(again, last) == everything  # the same records, numbered the same
        base = f"{server.http}/v1/clearing/days"
        first = httpx.get(f"{base}/2026-12-01", headers=OPERATOR, timeout=30).json()
        assert first["pending_settlement_dates"] == [SETTLED]
        assert {m: len(s["trades"]) for m, s in first["members"].items()} == {"M01": 6, "M02": 4}
        own = httpx.get(f"{base}/{SETTLED}", headers=RISK_M02, timeout=30).json()
        assert own["settlement_dates"] == [{"settlement_date": SETTLED,
                                            "already_settled": False, "settled_in_full": True}]
        assert list(own["members"]) == ["M02"]
        statement = own["members"]["M02"]
        assert statement["status"] == "settled"
        assert {(o["direction"], o["asset"], o["due"], o["done"])
                for o in statement["obligations"]} == {("receive", "PTT", 600, 600),
                                                       ("pay", "THB", "19350.00", "19350.00")}
        whole = httpx.get(f"{base}/{SETTLED}", headers=OPERATOR, timeout=30).json()
        assert whole["members"]["M01"]["status"] == "settled"
        assert httpx.get(f"{base}/2026-12-05", headers=OPERATOR, timeout=30).status_code == 404
        assert httpx.get(f"{base}/12-05", headers=OPERATOR, timeout=30).status_code == 400
    finally:
        assert server.stop() == 0
    numbers, sides = kept_sides(folder)
    assert sides == journal_sides(folder) and numbers == list(range(1, len(sides) + 1))


def _burst(server: Server, round_no: int) -> None:
    """Crossing orders from both members, sent without waiting for their answers; returns
    once the first trade is reported, the rest still in flight (so every round keeps one
    trade however slow the machine's disk, and loses some to the kill)."""
    m01, m02 = Member(server.fix), _m02(server)
    m01.logon(reset=True)
    m02.logon(reset=True)
    for n in range(150):
        m01.order(f"S{round_no}-{n}", "2", 100, "32.25", account=("C0001", "P0001")[n % 2])
        m02.order(f"B{round_no}-{n}", "1", 100, "32.25", trader="M02T1")
    m02.expect(lambda m: m.get(35) == b"8" and m.get(150) == b"F")


def _rebuilt(journal: Path, folder: Path) -> None:
    """What the journal alone gives: a service replaying it into a new folder, with the drop
    copy and the day's clearing attached, every closed day run to its report."""
    folder.mkdir()
    (folder / JOURNAL).write_bytes(journal.read_bytes())

    async def main() -> None:
        service = Service(folder, load_universe(None, DAY),
                          ExchangeClock.starting(DAY, None, 1), sync=False)
        link = ClearingLink(service, folder, ClearingConfig())
        service.replay()
        deadline = time.monotonic() + TIMEOUT
        while any(run.state is not RunState.DONE for run in link.clearing.runs()):
            assert time.monotonic() < deadline, link.clearing.runs()
            await asyncio.sleep(0.05)
        link.close()
        service.close()
    asyncio.run(main())


def test_kill_9_during_the_day_leaves_the_drop_copy_and_clearing_the_journal_gives(
        tmp_path: Path) -> None:
    folder = tmp_path / "data"
    for round_no in range(3):
        server = Server(folder)
        try:
            _burst(server, round_no)
        finally:
            server.kill()  # with orders in flight
    server = _through_t_plus_2(folder)
    assert server.stop() == 0
    numbers, sides = kept_sides(folder)
    assert sides == journal_sides(folder) and numbers == list(range(1, len(sides) + 1))
    assert len(sides) >= 2
    reference = tmp_path / "rebuilt"
    _rebuilt(folder / JOURNAL, reference)
    served = sorted(p.name for p in (folder / CLEARING).iterdir()
                    if (p / "report.json").exists())
    assert served[:3] == [str(DAY + dt.timedelta(days=d)) for d in range(3)]
    for day in served:
        for name in ("members.json", "holdings.json", "trades.json", "instructions.json",
                     "report.json"):
            assert ((folder / CLEARING / day / name).read_bytes()
                    == (reference / CLEARING / day / name).read_bytes()), (day, name)


def test_a_traders_drop_copy_ends_with_its_session(tmp_path: Path) -> None:
    server = Server(tmp_path / "data")
    try:
        m01, m02 = Member(server.fix), _m02(server)
        m01.logon()
        m02.logon()
        logon = httpx.post(f"{server.http}/v1/sessions", timeout=30, json={
            "username": "m01ors1", "password": "m01-fix-secret-change-me", "trader": "M01T1"})
        token = logon.json()["token"]
        url = server.http.replace("http://", "ws://") + f"/v1/drop-copy?token={token}"
        with connect(url) as stream:
            ended = httpx.delete(f"{server.http}/v1/sessions", timeout=30,
                                 headers={"Authorization": f"Bearer {token}"})
            assert ended.json() == {"ended": True}
            m01.order("S1", "2", 100, "32.25")
            m02.order("B1", "1", 100, "32.25", trader="M02T1")
            _filled(m02, "B1")
            with pytest.raises(ConnectionClosed) as closed:
                stream.recv(timeout=30)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    finally:
        server.kill()
