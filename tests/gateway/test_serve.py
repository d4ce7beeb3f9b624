"""`siamex serve` end to end: a child process on loopback, members' FIX engines written with
simplefix, the operations endpoint with httpx."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from siamex.gateway.journaled import replay_journal
from siamex.gateway.service import JOURNAL
from tests.gateway.live import CONFIG, Member, Server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "data")
    yield running
    running.kill()


def _m02(server: Server) -> Member:
    return Member(server.fix, "M02ORS1", "m02ors1", "m02-fix-secret-change-me")


def test_orders_trade_and_both_members_get_their_execution_reports(server: Server) -> None:
    seller, buyer = Member(server.fix), _m02(server)
    assert seller.logon().get(35) == b"A"
    assert buyer.logon().get(35) == b"A"
    seller.order("S1", "2", 300, "32.25")
    new = seller.report("S1", "0")
    assert (new.get(39), new.get(151), new.get(57)) == (b"0", b"300", b"M01T1")
    buyer.order("B1", "1", 100, "32.25", trader="M02T1")
    fill = buyer.report("B1", "F")
    assert (fill.get(39), fill.get(32), fill.get(31), fill.get(14)) == (
        b"2", b"100", b"32.25", b"100")
    other = seller.report("S1", "F")
    assert (other.get(39), other.get(151), other.get(880)) == (b"1", b"200", fill.get(880))


def test_each_pre_trade_limit_is_refused_with_its_code_and_text(server: Server) -> None:
    member = Member(server.fix)
    member.logon()
    cases = [("V1", 2_000_000, "1.00", "MAX_ORDER_VOLUME"),
             ("V2", 200_000, "32.25", "MAX_ORDER_VALUE"),
             ("V3", 100, "35.75", "PRICE_CHECK")]
    for clordid, qty, price, code in cases:
        member.order(clordid, "1", qty, price)
        refused = member.report(clordid, "8")
        assert (refused.get(39), refused.get(5010)) == (b"8", code.encode())
        assert refused.get(58)
    for n in range(10):
        member.order(f"F{n}", "1", 150_000, "32.25")
        member.report(f"F{n}", "0")
    member.order("C1", "1", 150_000, "32.25")
    refused = member.report("C1", "8")
    assert refused.get(5010) == b"CREDIT_LIMIT"
    assert b"50,000,000.00 THB" in refused.get(58)


def test_an_ors_not_approved_is_refused_at_logon(tmp_path: Path) -> None:
    config = CONFIG + '''
[[ors]]
id = "M01-ORS2"
member = "M01"
status = "tested"
sender_comp_id = "M01ORS2"
username = "m01ors2"
password = "m01-ors2-secret"
'''
    server = Server(tmp_path / "data", config)
    try:
        member = Member(server.fix, "M01ORS2", "m01ors2", "m01-ors2-secret")
        answer = member.logon()
        assert answer.get(35) == b"5"
        assert answer.get(58).startswith(b"ORS_NOT_APPROVED")
        wrong = Member(server.fix, "M01ORS1", "m01ors1", "not-the-password")
        assert wrong.logon().get(58).startswith(b"BAD_CREDENTIALS")
    finally:
        server.kill()


def test_reports_made_while_a_member_is_away_reach_it_by_resend(server: Server) -> None:
    seller, buyer = Member(server.fix), _m02(server)
    seller.logon()
    seller.order("S1", "2", 300, "32.25")
    seller.report("S1", "0")
    seller.close()
    buyer.logon()
    buyer.order("B1", "1", 100, "32.25", trader="M02T1")
    buyer.report("B1", "F")
    again = Member(server.fix, seq=seller.seq)
    logon = again.logon()
    missed = int(logon.get(34))  # the fill was stored while M01 was away: a gap to ask for
    again.send("2", [(7, "2"), (16, "0")])
    fill = again.report("S1", "F")
    assert fill.get(43) == b"Y" and int(fill.get(34)) < missed


RISK_M01 = {"Authorization": "Bearer m01-risk-secret-change-me"}
RISK_M02 = {"Authorization": "Bearer m02-risk-secret-change-me"}
OPERATOR = {"Authorization": "Bearer operator-secret-change-me"}


def test_the_kill_switch_cancels_every_resting_order_of_the_member(server: Server) -> None:
    member, other = Member(server.fix), _m02(server)
    member.logon()
    other.logon()
    for n, price in enumerate(("31.00", "31.25", "31.50")):
        member.order(f"R{n}", "1", 100, price)
        member.report(f"R{n}", "0")
    other.order("O1", "1", 100, "31.00", trader="M02T1")
    other.report("O1", "0")
    answer = httpx.post(f"{server.http}/v1/risk/kill-switch", headers=RISK_M01, timeout=30,
                        json={"kind": "member", "member": "M01", "on": True})
    assert answer.status_code == 200 and answer.json()["cancelled"] == 3
    for n in range(3):
        assert member.report(f"R{n}", "4").get(5010) == b"KILL_SWITCH"
    member.order("R9", "1", 100, "31.00")
    assert member.report("R9", "8").get(5010) == b"KILL_SWITCH"
    refused = httpx.post(f"{server.http}/v1/risk/kill-switch", headers=RISK_M02, timeout=30,
                         json={"kind": "member", "member": "M01", "on": False})
    assert refused.status_code == 403


def test_the_audit_trail_is_exported_per_member_and_date(server: Server) -> None:
    member = Member(server.fix)
    member.logon()
    member.order("A1", "1", 100, "31.00")
    member.report("A1", "0")
    member.order("A2", "1", 2_000_000, "31.00")
    member.report("A2", "8")
    url = f"{server.http}/v1/audit?member=M01&date=2026-12-01&format=csv"
    rows = list(csv.DictReader(io.StringIO(httpx.get(url, headers=RISK_M01, timeout=30).text)))
    events = [(row["cl_ord_id"], row["event"], row["code"]) for row in rows]
    assert ("A1", "received", "") in events and ("A1", "accepted", "") in events
    assert ("A2", "rejected", "MAX_ORDER_VOLUME") in events
    assert all(row["trader"] == "M01T1" and row["channel"] == "fix" for row in rows)
    assert httpx.get(url, headers=RISK_M02, timeout=30).status_code == 403


def test_a_restart_after_kill_9_keeps_every_order_and_the_state(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    server = Server(folder)
    member = Member(server.fix)
    member.logon()
    member.order("A1", "1", 100, "31.00")
    member.report("A1", "0")
    before = httpx.get(f"{server.http}/v1/state", headers=OPERATOR, timeout=30).json()
    server.kill()
    member.close()
    server = Server(folder)
    try:
        after = httpx.get(f"{server.http}/v1/state", headers=OPERATOR, timeout=30).json()
        exchange, last = replay_journal(folder / JOURNAL)
        assert after["state_hash"] == exchange.state_hash() and after["seq"] == last
        assert last >= before["seq"]
        again = Member(server.fix, seq=member.seq)
        again.logon()
        again.send("H", [(11, "A1"), (55, "PTT"), (54, "1")], trader="M01T1")
        status = again.report("A1", "I")
        assert (status.get(39), status.get(151)) == (b"0", b"100")
    finally:
        server.kill()


GARBAGE = [
    b"8=FIX.4.4\x019=5\x0135=0\x0110=000\x01",  # wrong body length and checksum
    b"\x00\xff" * 5000,  # binary junk
    b"8=FIX.4.4\x019=-12\x01",  # a negative body length
    b"8=FIX.4.4\x019=99999999999999999999\x01",  # a huge one
]


def test_garbage_gets_the_protocols_answer_and_every_other_session_goes_on(
        server: Server) -> None:
    good = _m02(server)
    good.logon()
    bad = Member(server.fix)
    bad.logon()
    for junk in GARBAGE:
        bad.sock.sendall(junk)
    bad.send("D", [(11, "X1"), (1, "C0001")], trader="M01T1")  # required tags missing
    assert bad.expect(lambda m: m.get(35) == b"3").get(373) == b"1"
    bad.send("ZZ", [])  # not a FIX 4.4 message type
    assert bad.expect(lambda m: m.get(35) == b"3").get(373) == b"11"
    bad.send("C", [(148, "news")])  # a FIX message type siamex does not take
    assert bad.expect(lambda m: m.get(35) == b"j").get(380) == b"3"
    bad.order("X2", "1", 10**30, "31.00")  # a quantity beyond any number
    assert bad.expect(lambda m: m.get(35) == b"3").get(373) in (b"5", b"6")
    bad.seq -= 3  # a number already used, not a possible duplicate: logged out
    bad.order("X3", "1", 100, "31.00")
    assert bad.expect(lambda m: m.get(35) == b"5").get(58).startswith(b"MsgSeqNum too low")
    flood = Member(server.fix, "M01ORS1", seq=bad.seq + 3)
    flood.logon()
    for n in range(2000):  # and then never reads its answers
        flood.order(f"F{n}", "1", 100, "30.00")
    good.order("G1", "1", 100, "31.00", trader="M02T1")
    assert good.report("G1", "0").get(39) == b"0"
