"""`siamex bench console` measures what it says, on a real browser and a real server: every
trade it sent is timed to the screen, each page load is timed, and the frames are counted. Its
figures are printed, never asserted."""

from __future__ import annotations

import re
import subprocess
import sys

from siamex.errors import ErrorCode

_ROW = re.compile(r"│ +1 │ +([\d,]+) │ +([\d,.]+) │ +([\d,.]+) │ +([\d,.]+) │ +([\d,]+)/([\d,]+) │ "
                  r"+([\d,]+)/([\d,]+) │ +(\d+) │")


def _bench(*options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from siamex.cli import main; main()", "bench",
                           "console", *options], capture_output=True, text=True, timeout=300,
                          check=False)


def test_every_trade_sent_is_timed_to_the_screen(chromium: str) -> None:
    done = _bench("--securities", "10", "--rate", "10", "--seconds", "2", "--loads", "2",
                  "--runs", "1", "--chromium", chromium)
    assert done.returncode == 0, done.stderr[-2000:]
    row = _ROW.search(done.stdout)
    assert row is not None, done.stdout
    load, p50, p99, largest, drawn, trades, dropped, frames, _ = (
        float(value.replace(",", "")) for value in row.groups())
    assert load > 0 and 0 < p50 <= p99 <= largest
    assert trades >= 10 and drawn == trades
    assert frames > 0 and dropped <= frames


def test_a_missing_chromium_is_refused_before_anything_starts() -> None:
    done = _bench("--chromium", "/nowhere/chromium")
    assert done.returncode != 0
    assert f"error[{ErrorCode.NO_BROWSER.value}]" in done.stderr
