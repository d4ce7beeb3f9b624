"""`siamex serve` end to end: a child process on loopback, members' FIX engines written with
simplefix, the operations endpoint with httpx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
