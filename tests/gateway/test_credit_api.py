"""The credit data exchange over a real `siamex serve` on loopback, asked with httpx: two
members report lines for one national id with one collateral; the second sees the first's
total and the double pledge, never its name or account (decision 178); only risk officers
report and ask, only operators list double pledges (decision 176); a bad body is 400
CREDIT_REPORT and journals nothing; a restart replays the reports to the same state hash with
the same key (decision 180). The journaled command itself is checked in an exchange fed by
hand (tests.gateway.market)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.gateway.exchange import Exchange
from siamex.gateway.investor_key import KEY_FILE
from siamex.gateway.journaled import DECODER, ServiceRecord, replay_journal
from siamex.gateway.service import JOURNAL
from siamex.measures.credit import MAX_COLLATERAL
from siamex.measures.credit_commands import Collateral, CollateralKind, CreditLine
from tests.gateway.live import TIMEOUT, Server
from tests.gateway.market import Market

OPERATOR = {"Authorization": "Bearer operator-secret-change-me"}
RISK_M01 = {"Authorization": "Bearer m01-risk-secret-change-me"}
RISK_M02 = {"Authorization": "Bearer m02-risk-secret-change-me"}
ALICE = "1101700203450"  # valid Thai national ids (their check digits hold)
BOB = "3100100123451"
SAVINGS = ("deposit", "KBANK 123-4-56789-0", "2000000.00")


def _ready(server: Server) -> Server:
    """Poll until the configuration's registry is journaled (it follows the first line)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        members = httpx.get(f"{server.http}/v1/registry", headers=OPERATOR,
                            timeout=TIMEOUT).json()["members"]
        if any(m["id"] == "M02" and m["accounts"] for m in members):
            return server
    raise AssertionError("the registry was not journaled in time")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = _ready(Server(tmp_path / "data"))
    yield running
    running.kill()


def _line(national_id: str, line: str, *collateral: tuple[str, str, str]) -> dict[str, Any]:
    return {"national_id": national_id, "line": line, "collateral": [
        {"kind": kind, "reference": reference, "value": value}
        for kind, reference, value in collateral]}


def _put(server: Server, account: str, body: object, headers: dict[str, str]
         ) -> httpx.Response:
    return httpx.put(f"{server.http}/v1/credit-lines/{account}", json=body, headers=headers,
                     timeout=TIMEOUT)


def _exposure(server: Server, account: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{server.http}/v1/credit-lines/{account}/exposure", headers=headers,
                     timeout=TIMEOUT)


def _state(server: Server) -> tuple[int, str]:
    state = httpx.get(f"{server.http}/v1/state", headers=OPERATOR, timeout=TIMEOUT).json()
    return state["seq"], state["state_hash"]


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_the_second_member_sees_the_first_ones_total_and_the_double_pledge(
        server: Server) -> None:
    first = _put(server, "C0001", _line(ALICE, "5000000.00", SAVINGS), RISK_M01)
    assert first.status_code == 200, first.text
    assert first.json()["exposure"]["other_members"] == 0
    assert _put(server, "C0002", _line(ALICE, "1000000.00"), RISK_M01).status_code == 200
    same_deposit = ("deposit", "kbank 1234567890", "1500000")  # written the M02 way
    second = _put(server, "C0001", _line(ALICE, "3000000", same_deposit), RISK_M02)
    assert second.status_code == 200, second.text
    asked = _exposure(server, "C0001", RISK_M02)
    assert asked.json() == second.json()["exposure"]
    exposure = asked.json()
    assert {k: v for k, v in exposure.items() if k != "investor"} == {
        "account": "C0001", "own_lines": "3000000.00", "own_collateral": "1500000.00",
        "other_members": 1, "other_lines": "6000000.00", "other_collateral": "2000000.00",
        "double_pledged": 1, "own_double_pledged": 1}
    assert exposure["investor"].startswith("INV-")
    for secret in ("M01", "C0002", ALICE, "KBANK", "1234567890", "5000000", "1000000"):
        assert secret not in asked.text  # no member, account, single line, id or reference
    mine = _exposure(server, "C0001", RISK_M01).json()
    assert (mine["own_lines"], mine["other_lines"], mine["own_double_pledged"]) == (
        "6000000.00", "3000000.00", 1)


def test_the_operator_sees_the_double_pledge_with_both_members_and_nobody_else_may(
        server: Server) -> None:
    _put(server, "C0001", _line(ALICE, "5000000", SAVINGS), RISK_M01)
    _put(server, "C0001", _line(BOB, "3000000", SAVINGS), RISK_M02)  # a nominee's line
    listed = httpx.get(f"{server.http}/v1/credit-lines/double-pledges", headers=OPERATOR,
                       timeout=TIMEOUT).json()["double_pledges"]
    assert [(d["kind"], len(d["pledges"])) for d in listed] == [("deposit", 2)]
    pledges = listed[0]["pledges"]
    assert [(p["member"], p["account"], p["line"], p["value"]) for p in pledges] == [
        ("M01", "C0001", "5000000.00", "2000000.00"), ("M02", "C0001", "3000000.00",
                                                       "2000000.00")]
    assert pledges[0]["investor"] != pledges[1]["investor"]
    assert "KBANK" not in str(listed)  # even the operators see only the asset's hash
    trader = httpx.post(f"{server.http}/v1/sessions", timeout=TIMEOUT, json={
        "username": "m01ors1", "password": "m01-fix-secret-change-me", "trader": "M01T1"})
    token = {"Authorization": f"Bearer {trader.json()['token']}"}
    for headers in (RISK_M01, token):
        refused = httpx.get(f"{server.http}/v1/credit-lines/double-pledges", headers=headers,
                            timeout=TIMEOUT)
        assert _error(refused) == (403, "FORBIDDEN")


def test_only_a_risk_officer_reports_and_asks_for_its_own_client_accounts(
        server: Server) -> None:
    trader = httpx.post(f"{server.http}/v1/sessions", timeout=TIMEOUT, json={
        "username": "m01ors1", "password": "m01-fix-secret-change-me", "trader": "M01T1"})
    token = {"Authorization": f"Bearer {trader.json()['token']}"}
    before = _state(server)
    body = _line(ALICE, "100.00")
    cases = [("C0001", {}, (401, "UNAUTHORIZED")),
             ("C0001", OPERATOR, (403, "FORBIDDEN")),
             ("C0001", token, (403, "FORBIDDEN")),
             ("P0001", RISK_M01, (404, "NOT_FOUND")),  # the member's own, not a client's
             ("C0002", RISK_M02, (404, "NOT_FOUND")),  # M01's account name, not M02's
             ("NOBODY", RISK_M01, (404, "NOT_FOUND"))]
    for account, headers, expected in cases:
        assert _error(_put(server, account, body, headers)) == expected, (account, headers)
        assert _error(_exposure(server, account, headers)) == expected, (account, headers)
    assert _error(_exposure(server, "C0001", RISK_M01)) == (404, "NOT_FOUND")  # not reported
    assert _state(server) == before


def test_a_withdrawn_line_no_longer_counts_and_its_account_may_still_ask(
        server: Server) -> None:
    _put(server, "C0001", _line(ALICE, "5000000", SAVINGS), RISK_M01)
    _put(server, "C0001", _line(ALICE, "3000000", SAVINGS), RISK_M02)
    withdrawn = _put(server, "C0001", _line(ALICE, "0"), RISK_M01)
    assert withdrawn.status_code == 200, withdrawn.text
    other = _exposure(server, "C0001", RISK_M02).json()
    assert (other["other_members"], other["other_lines"], other["double_pledged"]) == (
        0, "0.00", 0)
    mine = _exposure(server, "C0001", RISK_M01).json()
    assert (mine["own_lines"], mine["other_lines"]) == ("0.00", "3000000.00")


def test_bounds_of_a_body_exactly_at_them_pass(server: Server) -> None:
    items = [("deposit", f"BBL {n}", "99999999999999.99") for n in range(MAX_COLLATERAL)]
    answer = _put(server, "C0001", _line(ALICE, "99999999999999.99", *items), RISK_M01)
    assert answer.status_code == 200, answer.text
    assert answer.json()["exposure"]["own_collateral"] == "1999999999999999.80"


BAD_BODIES: list[tuple[object, str]] = [
    (_line("1101700203451", "100"), "national_id"),  # the check digit does not hold
    (_line("110170020345", "100"), "national_id"),  # 12 digits
    (_line(ALICE, "-1"), "line"),
    (_line(ALICE, "1e6"), "line"),
    (_line(ALICE, "100.001"), "line"),
    (_line(ALICE, "999999999999999"), "line"),  # 15 whole digits
    ({"national_id": ALICE, "line": 5000000}, "line"),  # a JSON number
    (_line(ALICE, "100", ("car", "1กข 1234", "100")), "kind"),
    (_line(ALICE, "100", ("deposit", "BBL 1", "0")), "value"),
    (_line(ALICE, "100", ("deposit", "--- /", "10")), "reference"),
    (_line(ALICE, "100", ("deposit", "", "10")), "reference"),
    (_line(ALICE, "100", ("deposit", "x" * 201, "10")), "reference"),
    (_line(ALICE, "100", ("deposit", "BBL-1", "10"), ("deposit", "bbl 1", "20")), "same asset"),
    (_line(ALICE, "0", SAVINGS), "collateral"),
    (_line(ALICE, "100", *[("deposit", f"BBL {n}", "1") for n in range(MAX_COLLATERAL + 1)]),
     "collateral"),
    ({**_line(ALICE, "100"), "account": "C0002"}, "account"),
    ({"line": "100"}, "national_id"),
    ([ALICE, "100"], "object"),
    ("not an object", "object"),
]


def test_a_bad_body_is_refused_with_credit_report_and_nothing_is_journaled(
        server: Server) -> None:
    before = _state(server)
    for body, says in BAD_BODIES:
        refused = _put(server, "C0001", body, RISK_M01)
        assert _error(refused) == (400, "CREDIT_REPORT"), (body, refused.text)
        assert says in refused.json()["error"]["text"], (says, refused.text)
        assert "1101700203451" not in refused.text and ALICE not in refused.text
    not_json = httpx.put(f"{server.http}/v1/credit-lines/C0001", content=b"{\"national_id",
                         headers=RISK_M01, timeout=TIMEOUT)
    assert _error(not_json) == (400, "CREDIT_REPORT")
    too_large = httpx.put(f"{server.http}/v1/credit-lines/C0001", content=b" " * 70_000,
                          headers=RISK_M01, timeout=TIMEOUT)
    assert _error(too_large) == (413, "TOO_LARGE")
    assert _state(server) == before


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
_AMOUNT = st.one_of(st.from_regex(r"-?[0-9]{0,16}(\.[0-9]{0,3})?", fullmatch=True),
                    st.integers(-5, 10**17), st.none(), st.text(max_size=6))
_ITEM = st.fixed_dictionaries(
    {"kind": st.sampled_from(["deposit", "cash", "property", "car", "", 1]),
     "reference": st.one_of(st.text(max_size=12), st.integers()), "value": _AMOUNT},
    optional={"extra": _JSON})
_BODIES = st.one_of(_JSON, st.fixed_dictionaries(
    {"national_id": st.one_of(st.sampled_from([ALICE, BOB, "1101700203451", ""]),
                              st.text(max_size=14), st.integers()),
     "line": _AMOUNT},
    optional={"collateral": st.one_of(st.lists(_ITEM, max_size=4), _JSON)}))


def test_no_body_fails_the_server_and_a_refused_one_changes_nothing(server: Server) -> None:
    @settings(max_examples=200, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(body=_BODIES)
    def put(body: object) -> None:
        before = _state(server)
        answer = _put(server, "C0001", body, RISK_M01)
        assert answer.status_code in (200, 400), answer.text
        if answer.status_code == 400:
            assert answer.json()["error"]["code"] == "CREDIT_REPORT"
            assert _state(server) == before
    put()


def test_a_restart_replays_the_reports_to_the_same_state_with_the_same_key(
        tmp_path: Path) -> None:
    folder = tmp_path / "data"
    server = _ready(Server(folder))
    try:
        _put(server, "C0001", _line(ALICE, "5000000", SAVINGS), RISK_M01)
        _put(server, "C0001", _line(ALICE, "3000000", SAVINGS), RISK_M02)
        before = _exposure(server, "C0001", RISK_M02).json()
        key = (folder / KEY_FILE).read_bytes()
    finally:
        server.kill()
    server = Server(folder)
    try:
        state = httpx.get(f"{server.http}/v1/state", headers=OPERATOR, timeout=TIMEOUT).json()
        exchange, last = replay_journal(folder / JOURNAL)
        assert (state["seq"], state["state_hash"]) == (last, exchange.state_hash())
        assert (folder / KEY_FILE).read_bytes() == key
        assert _exposure(server, "C0001", RISK_M02).json() == before
        again = _put(server, "C0001", _line(ALICE, "4000000", SAVINGS), RISK_M02).json()
        assert again["exposure"]["investor"] == before["investor"]  # the same pseudonym
        assert again["exposure"]["double_pledged"] == 1
    finally:
        server.kill()


# -- the journaled command, in an exchange fed by hand ----------------------------------------

def _report(member: str, account: str, line: int = 100, investor: str = "INV-a",
            collateral: tuple[Collateral, ...] = ()) -> CreditLine:
    return CreditLine(0, member, account, investor, line, collateral)


@pytest.mark.parametrize(("command", "code"), [
    (_report("M09", "C0001"), "UNKNOWN_MEMBER"),
    (_report("M01", "P0001"), "UNKNOWN_ACCOUNT"),
    (_report("M02", "C0002"), "UNKNOWN_ACCOUNT"),
    (_report("M01", "C0001", line=-1), "INVALID"),
    (_report("M01", "C0001", line=0, collateral=(
        Collateral(CollateralKind.CASH, "AST-1", 5),)), "INVALID"),
])
def test_the_exchange_refuses_a_report_it_cannot_hold_and_changes_nothing(
        command: CreditLine, code: str) -> None:
    market = Market()
    before = market.exchange.state_hash()
    outcome = market.run(command)
    assert outcome.refusal is not None and outcome.refusal.code.value == code
    assert market.exchange.state_hash() == before


def test_credit_lines_survive_the_snapshot_the_journal_and_a_replay() -> None:
    market = Market()
    pledge = (Collateral(CollateralKind.DEPOSIT, "AST-1", 500),)
    for command in (_report("M01", "C0001", 700, collateral=pledge),
                    _report("M02", "C0001", 300, collateral=pledge)):
        assert market.run(command).refusal is None
    assert len(market.exchange.credit.double_pledges()) == 1
    record = ServiceRecord(9, market.sent[-1][1])
    assert DECODER.decode(msgspec.msgpack.encode(record)) == record
    copy = Exchange.from_state(msgspec.json.decode(msgspec.json.encode(
        market.exchange.state())))
    assert copy.state_hash() == market.exchange.state_hash()
    replayed = Exchange()
    for seq, sent in market.sent:
        replayed.handle(seq, sent)
    assert replayed.state_hash() == market.exchange.state_hash()
    assert replayed.credit.query("M02", "INV-a").other_lines == 700
