"""A whole market in one command: `siamex demo` trades, clears and settles whole days, and
`siamex serve --demo` is a live market a newcomer's feed client sees trading at once."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from siamex.feed.client import FeedClient
from siamex.gateway.drop_copy_log import DropCopyLog
from tests.gateway.live import Server

DAY_LINE = re.compile(r"siamex demo: (\S+)  trades ([0-9,]+)  volume ([0-9,]+)  "
                      r"value ([0-9,]+\.[0-9]{2}) THB  settlement: (.+)")


def test_a_demo_day_trades_is_cleared_and_settles_on_t_plus_2(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    done = subprocess.run(
        [sys.executable, "-c", "from siamex.cli import main; main()", "demo", "--days", "1",
         "--date", "2026-12-01", "--speed", "900", "--data", str(folder)],
        capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    days = [found.groups() for line in done.stdout.splitlines()
            if (found := DAY_LINE.match(line)) is not None]
    assert [d[0] for d in days] == ["2026-12-01", "2026-12-02", "2026-12-03"]
    assert int(days[0][1].replace(",", "")) > 0  # the first day traded ...
    assert [d[1] for d in days[1:]] == ["0", "0"]  # ... the next two only settle
    assert [d[4] for d in days] == ["nothing due", "nothing due", "in full"]
    log = DropCopyLog(folder / "dropcopy.sqlite", readonly=True)
    try:
        assert len(log.day("2026-12-01")) == 2 * int(days[0][1].replace(",", ""))
    finally:
        log.close()
    assert (folder / "clearing" / "2026-12-03" / "report.json").exists()


def test_serve_demo_is_a_live_market_at_once(tmp_path: Path) -> None:
    server = Server(tmp_path / "data", _demo_config(), "--demo")
    try:
        client = FeedClient(*server.feed)
        deadline = time.monotonic() + 60
        while not _trading(client):
            assert time.monotonic() < deadline, "no trade on the feed within a minute"
            client.poll(0.2)
        client.close()
    finally:
        assert server.stop() == 0


def _demo_config() -> str:
    from siamex.demo.config import DEMO_CONFIG
    return DEMO_CONFIG.replace('comp_id = "SIAMEX"',
                               'comp_id = "SIAMEX"\npassword_iterations = 1000')


def _trading(client: FeedClient) -> bool:
    """Some security quoted on both sides, bid below offer, after a few hundred messages."""
    books = client.book
    for locate in books.symbols:
        bid, offer = books.depth(locate, "B", 1), books.depth(locate, "S", 1)
        if bid and offer and bid[0][0] < offer[0][0] and client.received > 200:
            return True
    return False


def test_serve_demo_on_a_folder_begun_without_it_says_so(tmp_path: Path) -> None:
    Server(tmp_path / "data").stop()
    begun = Server(tmp_path / "data", _demo_config(), "--demo")
    assert begun.process.wait(30) != 0
    assert begun.process.stderr is not None
    assert b"begun without --demo" in begun.process.stderr.read()
