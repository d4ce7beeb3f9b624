"""Check-before-sell on a real `siamex serve` on loopback, asked with httpx: the depository
opens before the first day (decision 184), a trader asks what its client's account may sell,
a sell of exactly that passes and one share more is refused NO_SECURITIES with the quantity
in the text; the short position report is published to anyone; a restart after kill -9
replays the journal to the same state and the same availability, without reading the
depository file again."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from siamex.gateway.universe import bundled_universe
from tests.gateway.live import CONFIG, TIMEOUT, Server

OPERATOR = {"Authorization": "Bearer operator-secret-change-me"}
M01 = {"username": "m01ors1", "password": "m01-fix-secret-change-me", "trader": "M01T1"}
DAY = "2026-12-01"


def _depository(path: Path, day: str = DAY) -> Path:
    path.write_text(json.dumps({
        "date": day,
        "investors": [{"investor": "INV-00000000000000000001",
                       "accounts": [{"member": "M01", "account": "C0001"}]}],
        "holdings": [{"member": "M01", "account": "C0001", "symbol": "PTT", "settled": 1500,
                      "pledged": 500}]}), encoding="utf-8")
    return path


def _universe(path: Path) -> Path:
    with bundled_universe("set") as sample:
        data = json.loads(sample.read_text(encoding="utf-8"))
    data["rules"] = {**data.get("rules", {}), "check_before_sell": True}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _started(folder: Path, *extra: str) -> Server:
    """A server whose day has opened (the depository first): polled, never slept on."""
    server = Server(folder, CONFIG, *extra)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = httpx.get(f"{server.http}/v1/short-positions", timeout=TIMEOUT).json()
        if found["date"] == DAY:
            return server
    server.kill()
    raise AssertionError("the trading day did not open in time")


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, ...]:
    return ("--depository", str(_depository(tmp_path / "depository.json")),
            "--universe", str(_universe(tmp_path / "universe.json")))


@pytest.fixture
def server(tmp_path: Path, files: tuple[str, ...]) -> Iterator[Server]:
    running = _started(tmp_path / "data", *files)
    yield running
    running.kill()


def _token(server: Server) -> dict[str, str]:
    answer = httpx.post(f"{server.http}/v1/sessions", json=M01, timeout=TIMEOUT).json()
    return {"Authorization": f"Bearer {answer['token']}"}


def _available(server: Server, headers: dict[str, str]) -> dict[str, Any]:
    answer = httpx.get(f"{server.http}/v1/availability/C0001/PTT", headers=headers,
                       timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _sell(server: Server, headers: dict[str, str], clordid: str, qty: int) -> httpx.Response:
    return httpx.post(f"{server.http}/v1/orders", headers=headers, timeout=TIMEOUT, json={
        "clordid": clordid, "account": "C0001", "symbol": "PTT", "side": "sell", "qty": qty,
        "price": "31.00"})


def test_a_sell_of_exactly_the_available_quantity_passes_and_one_more_is_refused(
        server: Server) -> None:
    trader = _token(server)
    assert _available(server, trader) == {"account": "C0001", "symbol": "PTT", "sell": 1000,
                                          "short_sell": 0, "check_before_sell": True}
    over = _sell(server, trader, "S1", 1100)
    assert over.status_code == 409
    error = over.json()["error"]
    assert error["code"] == "NO_SECURITIES" and "1,000" in error["text"]
    assert _sell(server, trader, "S2", 1000).status_code == 200
    assert _available(server, trader)["sell"] == 0
    assert _sell(server, trader, "S3", 100).json()["error"]["code"] == "NO_SECURITIES"


def test_a_trader_may_not_ask_about_an_account_it_does_not_trade_for(server: Server) -> None:
    trader = _token(server)
    other = httpx.get(f"{server.http}/v1/availability/C9999/PTT", headers=trader,
                      timeout=TIMEOUT)
    assert other.status_code == 404
    assert httpx.get(f"{server.http}/v1/availability/C0001/PTT", headers=OPERATOR,
                     timeout=TIMEOUT).status_code == 403
    assert httpx.get(f"{server.http}/v1/availability/C0001/PTT",
                     timeout=TIMEOUT).status_code == 401


def test_the_short_position_report_is_published_to_anyone(server: Server) -> None:
    report = httpx.get(f"{server.http}/v1/short-positions", timeout=TIMEOUT).json()
    assert report["date"] == DAY and isinstance(report["positions"], list)


def test_a_restart_after_kill_replays_the_ledger_without_the_file(
        tmp_path: Path, files: tuple[str, ...]) -> None:
    folder = tmp_path / "data"
    first = _started(folder, *files)
    trader = _token(first)
    assert _sell(first, trader, "S1", 400).status_code == 200
    first.kill()
    (tmp_path / "depository.json").write_text("not read again", encoding="utf-8")
    again = _started(folder, *files)
    try:
        assert _available(again, _token(again))["sell"] == 600
    finally:
        again.kill()


def test_a_depository_of_another_day_is_refused_at_start(tmp_path: Path) -> None:
    stale = _depository(tmp_path / "old.json", "2026-11-30")
    with pytest.raises(AssertionError, match="DEPOSITORY_FILE"):
        Server(tmp_path / "data", CONFIG, "--depository", str(stale))


def test_check_before_sell_without_a_depository_is_refused_at_start(tmp_path: Path) -> None:
    universe = _universe(tmp_path / "universe.json")
    with pytest.raises(AssertionError, match="DEPOSITORY_FILE"):
        Server(tmp_path / "data", CONFIG, "--universe", str(universe))
