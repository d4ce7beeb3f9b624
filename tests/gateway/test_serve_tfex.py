"""`siamex serve --market tfex` end to end: a child process on loopback with the bundled TFEX
universe, members' FIX engines written with simplefix (independent of siamex's codec), the
operations endpoint with httpx.

The night session is crossed on an accelerated clock: the server starts at 23:30 of a trading
day running 600 times real time, so midnight and 03:00 pass within seconds; the test polls the
exchange's own time and trading date (GET /v1/status), with a timeout, and reads the journal
once the server has stopped to see when each command was stamped.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from siamex.cli import main as cli
from siamex.gateway.entry import OrderEntry
from siamex.gateway.journaled import DECODER
from siamex.gateway.service import JOURNAL
from siamex.journal.log import recover
from siamex.trading.commands import StartDay
from siamex.units import day_start, parse_time_of_day
from tests.gateway.live import CONFIG, TIMEOUT, Member, Server

OPERATOR = {"Authorization": "Bearer operator-secret-change-me"}
TFEX_DAY = ("--market", "tfex", "--date", "2026-12-03", "--start", "10:15")
NIGHT = ("--market", "tfex", "--date", "2026-12-03", "--start", "23:30", "--speed", "600")
FUTURE = "S50Z26"  # listed on 2026-12-03 by the bundled TFEX universe's listing
GOLD = "GF10Z26"  # the same listing's 10-baht gold future: a night session to 03:00; 410,000
# THB a contract, within both members' maximum order value (the 50-baht one's is not M02's)
DEC3 = day_start(dt.date(2026, 12, 3))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "data", CONFIG, *TFEX_DAY)
    yield running
    running.kill()


def _m02(server: Server) -> Member:
    return Member(server.fix, "M02ORS1", "m02ors1", "m02-fix-secret-change-me")


def _logged_on(server: Server) -> tuple[Member, Member]:
    m01, m02 = Member(server.fix), _m02(server)
    assert m01.logon().get(35) == b"A"
    assert m02.logon().get(35) == b"A"
    return m01, m02


def _status(server: Server) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{server.http}/v1/status", headers=OPERATOR,
                                       timeout=TIMEOUT).json()
    return answer


def _poll(server: Server, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """GET /v1/status until `wanted(status)` holds, or fail after the timeout."""
    deadline = time.monotonic() + 2 * TIMEOUT
    while True:
        status = _status(server)
        if wanted(status):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.01)


def test_open_and_close_orders_trade_and_each_report_echoes_position_effect(
        server: Server) -> None:
    buyer, seller = _logged_on(server)
    buyer.order("B1", "1", 5, "821.5", symbol=FUTURE, extra=[(77, "O")])
    new = buyer.report("B1", "0")
    assert (new.get(39), new.get(77), new.get(55)) == (b"0", b"O", FUTURE.encode())
    seller.order("S1", "2", 3, "821.5", trader="M02T1", symbol=FUTURE, extra=[(77, "C")])
    sold = seller.report("S1", "F")
    assert (sold.get(39), sold.get(32), sold.get(31), sold.get(77)) == (
        b"2", b"3", b"821.50", b"C")
    bought = buyer.report("B1", "F")
    assert (bought.get(39), bought.get(151), bought.get(77), bought.get(880)) == (
        b"1", b"2", b"O", sold.get(880))


def test_an_order_without_position_effect_opens_and_says_so(server: Server) -> None:
    buyer, _ = _logged_on(server)
    buyer.order("B2", "1", 1, "820.0", symbol=FUTURE)
    assert buyer.report("B2", "0").get(77) == b"O"


@pytest.mark.parametrize("value", ["R", "F", "X", "o"])
def test_a_position_effect_other_than_open_or_close_is_refused_at_the_session(
        server: Server, value: str) -> None:
    buyer, _ = _logged_on(server)
    buyer.order("X1", "1", 1, "821.0", symbol=FUTURE, extra=[(77, value)])
    reject = buyer.expect(lambda m: m.get(35) == b"3")
    assert (reject.get(373), reject.get(371)) == (b"5", b"77")
    assert b"PositionEffect(77) is O open or C close" in reject.get(58)
    buyer.order("X2", "1", 1, "821.0", symbol=FUTURE, extra=[(77, "O")])
    assert buyer.report("X2", "0").get(77) == b"O"  # the session goes on


def test_a_short_sale_flag_on_a_derivatives_order_is_refused_by_the_engine(
        server: Server) -> None:
    _, seller = _logged_on(server)
    seller.order("X3", "5", 1, "821.0", trader="M02T1", symbol=FUTURE, extra=[(77, "O")])
    refused = seller.report("X3", "8")
    assert (refused.get(5010), refused.get(77)) == (b"INVALID", b"O")
    assert b"short" in refused.get(58)


def _journal(folder: Path) -> list[Any]:
    return [record.command for record in recover(folder / JOURNAL, DECODER).records]


def _utc(ts_us: int) -> bytes:
    """A Bangkok exchange time as FIX writes it (UTC, seconds), to compare TransactTime."""
    moment = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=ts_us - 7 * 3_600_000_000)
    return f"{moment:%Y%m%d-%H:%M:%S}".encode()


def test_a_night_session_trades_past_midnight_and_the_next_day_opens_after_it(
        tmp_path: Path) -> None:
    folder = tmp_path / "data"
    server = Server(folder, CONFIG, *NIGHT)
    try:
        _poll(server, lambda s: s["exchange_time"] >= "2026-12-04T00:00")
        status = _status(server)
        assert status["trading_date"] == "2026-12-03", status  # the night goes on
        buyer, seller = _logged_on(server)
        buyer.order("N1", "1", 1, "41000", symbol=GOLD, extra=[(77, "O")])
        assert buyer.report("N1", "0").get(77) == b"O"
        seller.order("N2", "2", 1, "41000", trader="M02T1", symbol=GOLD, extra=[(77, "C")])
        fill = seller.report("N2", "F")
        assert (fill.get(77), fill.get(31)) == (b"C", b"41000.00")
        assert _utc(DEC3 + parse_time_of_day("24:00", 27)) <= fill.get(60)[:17] \
            < _utc(DEC3 + parse_time_of_day("27:00", 27))
        assert buyer.report("N1", "F").get(77) == b"O"
        _poll(server, lambda s: s["trading_date"] == "2026-12-04")
    finally:
        stopped = server.stop()
    assert stopped == 0, server.process.stderr.read() if server.process.stderr else ""
    commands = _journal(folder)
    starts = [c for c in commands if isinstance(c, StartDay)]
    assert [s.date for s in starts] == ["2026-12-03", "2026-12-04"]
    assert starts[1].ts >= DEC3 + parse_time_of_day("27:00", 27)
    night = [c for c in commands if isinstance(c, OrderEntry)]
    assert [(c.clordid, c.position_effect) for c in night] == [("N1", "open"), ("N2", "close")]
    assert all(DEC3 + parse_time_of_day("24:00", 27) <= c.ts < starts[1].ts for c in night)


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["serve", *args])
    return result.exit_code, result.stderr


def test_market_tfex_refuses_a_universe_of_another_market_and_the_demo(tmp_path: Path) -> None:
    universe = tmp_path / "set.json"
    universe.write_text('{"instruments": [{"symbol": "PTT", "prev_close": "32.25"}]}')
    code, output = _cli("--market", "tfex", "--universe", str(universe),
                        "--data", str(tmp_path / "data"))
    assert code == 2 and output.startswith("error[INVALID_PARAMETER]") and "'set'" in output
    code, output = _cli("--market", "tfex", "--demo", "--data", str(tmp_path / "demo"))
    assert code == 2 and output.startswith("error[INVALID_PARAMETER]") and "--demo" in output
    assert not (tmp_path / "data").exists() and not (tmp_path / "demo").exists()
