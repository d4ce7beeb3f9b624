"""The reference member system against a real `siamex serve` on loopback, in a market like the
certification's (TEST1-TEST6, M01 with traders T1 and T9, accounts C1 and C2): it logs on,
enters, amends and cancels; its own controls refuse each kind of order without sending it
(the exchange's audit trail shows nothing of them); its kill switch cancels what rests; a
reconnect recovers a fill made while it was away; it reads its drop copy and the feed; and each
fault does what it is built to do, so that certification has something to catch."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.certify.member import SET_TICKS, WRONG_TICKS, ReferenceMember, wire_price
from tests.gateway.live import TIMEOUT, Server

DAY = "2026-12-01"
SECURITIES = {"TEST1": {"prev_close": "10.00"}, "TEST2": {"prev_close": "30.00"},
              "TEST5": {"prev_close": "1.00"}, "TEST6": {"prev_close": "8.00"}}
DECLARE = {"credit_limit": {"C2": "100000.00"}, "max_order_value": "500000.00",
           "max_order_volume": 100000, "price_check_bp": 1000}
M01 = {"id": "M01", "ors": "M01-ORS1", "sender_comp_id": "M01ORS1", "username": "m01ors1",
       "password": "certify-m01-fix", "token": "certify-m01", "traders": ["T1"],
       "accounts": ["C1", "C2"]}
M02 = {"id": "M02", "ors": "M02-ORS1", "sender_comp_id": "M02ORS1", "username": "m02ors1",
       "password": "certify-m02-fix", "token": "certify-m02", "traders": ["U1"],
       "accounts": ["C1"]}
CONFIG = """
[exchange]
comp_id = "SIAMEX"
password_iterations = 1000
feed_entitlement = true

[operators]
tokens = ["certify-operator"]

[[members]]
id = "M01"
risk_officer_token = "certify-m01"
accounts = [{ id = "C1" }, { id = "C2" }]

[[members]]
id = "M02"
market_data = false
risk_officer_token = "certify-m02"
accounts = [{ id = "C1" }]

[[ors]]
id = "M01-ORS1"
member = "M01"
sender_comp_id = "M01ORS1"
username = "m01ors1"
password = "certify-m01-fix"

[[ors]]
id = "M02-ORS1"
member = "M02"
sender_comp_id = "M02ORS1"
username = "m02ors1"
password = "certify-m02-fix"

[[traders]]
id = "T1"
member = "M01"
ors = ["M01-ORS1"]

[[traders]]
id = "T9"
member = "M01"
ors = ["M01-ORS1"]
approved = false

[[traders]]
id = "U1"
member = "M02"
ors = ["M02-ORS1"]
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    universe = tmp_path / "universe.json"
    universe.write_text(json.dumps({
        "description": "the reference member's test market",
        "rules": {"min_resting_time_ms": 0},
        "instruments": [{"symbol": symbol, "prev_close": security["prev_close"]}
                        for symbol, security in SECURITIES.items()]}), encoding="utf-8")
    running = Server(tmp_path / "data", CONFIG, "--universe", str(universe))
    yield running
    running.kill()


def _member(server: Server, faults: frozenset[str] = frozenset(),
            info: dict[str, Any] = M01) -> ReferenceMember:
    return ReferenceMember(server.fix, info, DECLARE, faults, securities=SECURITIES,
                           http_base=server.http, feed_address=server.feed)


def _order(ref: str, symbol: str, side: str, qty: int, price: str | None, *,
           account: str = "C1", trader: str = "T1", kind: str = "limit") -> dict[str, Any]:
    act: dict[str, Any] = {"do": "order", "ref": ref, "symbol": symbol, "side": side,
                           "qty": qty, "type": kind, "validity": "day", "trader": trader,
                           "account": account}
    if price is not None:
        act["price"] = price
    return act


def _sent(member: ReferenceMember, msg_type: str) -> list[dict[int, str]]:
    """The member's outgoing messages of a type, as tag to value."""
    return [{int(tag): value.decode() for tag, value in message.pairs}
            for way, message in member.fix.log
            if way == "out" and message.get(35) == msg_type.encode()]


def _audit(server: Server) -> list[dict[str, Any]]:
    answer = httpx.get(f"{server.http}/v1/audit", params={"member": "M01", "date": DAY},
                       headers={"Authorization": "Bearer certify-m01"}, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def _ask(member: ReferenceMember, what: str, ref: str) -> str:
    member.settle()
    return member.answer({"what": what, "ref": ref})


def test_the_tick_helper_changes_no_price_with_set_table_and_cuts_from_25_with_the_wrong_one(
) -> None:
    for price in ("0.57", "2.04", "8.05", "10.05", "30.25", "150.50", "402.00"):
        assert wire_price(Decimal(price), SET_TICKS) == price
    assert wire_price(Decimal("30.25"), WRONG_TICKS) == "30.2"
    assert wire_price(Decimal("29.75"), WRONG_TICKS) == "29.7"
    assert wire_price(Decimal("24.90"), WRONG_TICKS) == "24.90"


def test_logon_an_order_an_amend_a_cancel_and_the_exchange_refusals(server: Server) -> None:
    member = _member(server)
    member.act({"do": "logon"})
    assert _sent(member, "A")[0][34] == "1"
    member.act(_order("A", "TEST1", "buy", 100, "9.90"))
    assert _ask(member, "status", "A") == "new"
    member.act({"do": "amend", "ref": "A", "price": "9.80", "qty": 200})
    order = member.orders["A"]
    assert (order.status, order.qty, order.price) == ("new", 200, Decimal("9.80"))
    assert _sent(member, "G")[0][41] == _sent(member, "D")[0][11]
    member.act({"do": "cancel", "ref": "A"})
    assert _ask(member, "status", "A") == "cancelled"
    assert _sent(member, "F")[0][41] == order.clordid != _sent(member, "D")[0][11]
    member.act(_order("B", "TEST1", "buy", 100, "10.05"))
    member.act(_order("C", "TEST1", "buy", 100, "10.00", trader="T9"))
    assert _sent(member, "D")[1][44] == "10.05"  # as entered: the exchange judges ticks
    assert [(_ask(member, "status", ref), _ask(member, "reject_code", ref))
            for ref in "BC"] == [("rejected", "TICK_SIZE"),
                                 ("rejected", "TRADER_NOT_APPROVED")]
    member.act({"do": "logout"})
    assert not member.fix.connected


def test_its_own_controls_refuse_each_kind_and_send_nothing(server: Server) -> None:
    member = _member(server)
    member.act({"do": "logon"})
    refused = {"VOL": _order("VOL", "TEST5", "buy", 100_001, "1.00"),
               "VAL": _order("VAL", "TEST1", "buy", 60_000, "10.00"),
               "PX": _order("PX", "TEST1", "buy", 100, "11.10"),
               "MKT": _order("MKT", "TEST2", "buy", 15_000, None, kind="market")}
    for act in refused.values():
        member.act(act)
    member.act(_order("EDGE", "TEST1", "sell", 100, "11.00"))  # 10% away: within the check
    member.act(_order("C2A", "TEST1", "buy", 10_000, "9.50", account="C2"))  # 95,000.00
    member.act(_order("C2S", "TEST1", "sell", 20_000, "10.50", account="C2"))  # sells: no credit
    member.act(_order("C2B", "TEST1", "buy", 1_000, "9.50", account="C2"))  # 104,500.00
    member.act({"do": "amend", "ref": "C2A", "qty": 11_000})  # +9,500.00
    assert {ref: (member.orders[ref].status, member.orders[ref].reject_code)
            for ref in [*refused, "EDGE", "C2A", "C2S", "C2B"]} == {
        "VOL": ("rejected", "MAX_ORDER_VOLUME"), "VAL": ("rejected", "MAX_ORDER_VALUE"),
        "PX": ("rejected", "PRICE_CHECK"), "MKT": ("rejected", "MAX_ORDER_VALUE"),
        "EDGE": ("new", ""), "C2A": ("new", "CREDIT_LIMIT"), "C2S": ("new", ""),
        "C2B": ("rejected", "CREDIT_LIMIT")}
    assert member.orders["C2A"].qty == 10_000
    assert not _sent(member, "G")
    received = [r["cl_ord_id"] for r in _audit(server) if r["event"] == "received"]
    assert sorted(received) == sorted(m[11] for m in _sent(member, "D"))
    assert len(received) == 3


def test_the_kill_switch_cancels_every_resting_order_and_refuses_new_ones(
        server: Server) -> None:
    member = _member(server)
    member.act({"do": "logon"})
    member.act(_order("A", "TEST1", "buy", 100, "9.90"))
    member.act(_order("B", "TEST2", "sell", 100, "30.25"))
    member.act({"do": "kill_switch"})
    member.act(_order("C", "TEST1", "buy", 100, "9.90"))
    assert [(o.status, o.reject_code) for o in member.orders.values()] == [
        ("cancelled", ""), ("cancelled", ""), ("rejected", "KILL_SWITCH")]
    cancelled = {r["cl_ord_id"] for r in _audit(server) if r["event"] == "cancelled"}
    assert cancelled == {m[11] for m in _sent(member, "F")} and len(cancelled) == 2
    member.act({"do": "release_kill_switch"})
    member.act(_order("D", "TEST1", "buy", 100, "9.90"))
    assert _ask(member, "status", "D") == "new"


def test_no_kill_cancel_stops_new_orders_but_leaves_the_resting_ones(server: Server) -> None:
    member = _member(server, frozenset({"no_kill_cancel"}))
    member.act({"do": "logon"})
    member.act(_order("A", "TEST1", "buy", 100, "9.90"))
    member.act(_order("B", "TEST2", "sell", 100, "30.25"))
    member.act({"do": "kill_switch"})
    member.act(_order("C", "TEST1", "buy", 100, "9.90"))
    assert [o.status for o in member.orders.values()] == ["new", "new", "rejected"]
    assert not _sent(member, "F")
    assert not [r for r in _audit(server) if r["event"] == "cancelled"]


def _filled_while_away(server: Server, member: ReferenceMember) -> ReferenceMember:
    """Rest a buy of 100 TEST6 at 8.00, drop the connection from the member's side, and have
    M02 sell into it; return M02's member."""
    member.act({"do": "logon"})
    member.act(_order("A", "TEST6", "buy", 100, "8.00"))
    member.fix.drop()
    other = _member(server, info=M02)
    other.act({"do": "logon"})
    other.act(_order("S", "TEST6", "sell", 100, "8.00", trader="U1"))
    assert _ask(other, "status", "S") == "filled"
    return other


def test_a_reconnect_recovers_a_fill_made_while_away(server: Server) -> None:
    member = _member(server)
    _filled_while_away(server, member)
    next_out = member.fix.next_out
    member.act({"do": "reconnect"})
    logon = _sent(member, "A")[-1]
    assert (logon[34], 141 in logon) == (str(next_out), False)
    assert _sent(member, "2")  # the ResendRequest for the gap the exchange's Logon showed
    resent = [m for way, m in member.fix.log if way == "in" and m.get(35) == b"8"
              and m.get(43) == b"Y"]
    assert [m.get(150) for m in resent] == [b"F"]
    assert (_ask(member, "status", "A"), _ask(member, "filled_qty", "A")) == ("filled", "100")
    trade_no = resent[0].get(880).decode()
    assert member.answer({"what": "drop_copy_last_trade"}) == trade_no
    assert member.drop_copy.records[-1]["clordid"] == member.orders["A"].clordid
    assert member.answer({"what": "feed_last_price", "symbol": "TEST6"}) == "8.00"
    assert member.answer({"what": "feed_last_price", "symbol": "TEST1"}) == "none"


def test_reset_on_reconnect_logs_on_afresh_and_never_learns_of_the_fill(
        server: Server) -> None:
    member = _member(server, frozenset({"reset_on_reconnect"}))
    other = _filled_while_away(server, member)
    member.act({"do": "reconnect"})
    logon = _sent(member, "A")[-1]
    assert (logon[34], logon[141]) == ("1", "Y")
    assert not _sent(member, "2")
    assert (_ask(member, "status", "A"), _ask(member, "filled_qty", "A")) == ("new", "0")
    assert other.answer({"what": "feed_last_price", "symbol": "TEST6"}) == "refused"


def test_ignore_credit_limit_sends_the_order_over_the_limit(server: Server) -> None:
    member = _member(server, frozenset({"ignore_credit_limit"}))
    member.act({"do": "logon"})
    member.act(_order("A", "TEST1", "buy", 9_000, "9.00", account="C2"))
    member.act(_order("B", "TEST1", "buy", 3_000, "9.00", account="C2"))
    member.act(_order("V", "TEST1", "buy", 60_000, "9.00"))
    assert [_ask(member, "status", ref) for ref in "ABV"] == ["new", "new", "rejected"]
    assert member.orders["V"].reject_code == "MAX_ORDER_VALUE"
    assert len(_sent(member, "D")) == 2


def test_wrong_tick_sends_an_on_tick_price_from_25_up_off_tick(server: Server) -> None:
    member = _member(server, frozenset({"wrong_tick"}))
    member.act({"do": "logon"})
    member.act(_order("A", "TEST2", "buy", 100, "30.25"))
    member.act(_order("B", "TEST2", "buy", 100, "30.50"))
    member.act(_order("C", "TEST1", "buy", 100, "9.90"))
    assert [m[44] for m in _sent(member, "D")] == ["30.2", "30.5", "9.90"]
    assert [(_ask(member, "status", ref), member.orders[ref].reject_code) for ref in "ABC"] == [
        ("rejected", "TICK_SIZE"), ("new", ""), ("new", "")]
