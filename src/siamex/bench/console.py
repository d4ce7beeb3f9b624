"""The console's benchmark (issue 16): the market watch in a real browser while 100 securities
trade at market speed; how long the page takes to load, how long a trade takes to reach the
screen, and how many frames the browser drops.

`siamex serve` runs in a child process on a universe of `securities` made-up securities. Before
the clock starts, one member (the maker, FIX session 1) rests a deep offer and a bid in every
security. Then, open loop, the taker (session 2) sends `rate` crossing buys a second, each 100
shares of the next security in turn, so every security trades about `rate / securities` times
a second, and the maker adds a bid to the same security as often (a change of its best bid's
volume on the screen). The SET's busiest days trade a few hundred thousand times in five hours,
some 20-60 trades a second over the whole market; 100 a second is a busy market's pace.

Headless Chromium (Debian's, driven by Playwright) shows the console's market watch:

- load: from the navigation's start to the frame in which every security's row is drawn, on
  a fresh page while the market trades (`loads` pages, median);
- trade to screen: from the wall-clock instant the crossing order was sent to the instant the
  page changed the security's volume cell to the trade's volume or more (the page draws once a
  frame, so several trades on one security in a frame are drawn together); the paint follows
  within the same frame;
- frames: the intervals between animation frames over the measured window; an interval of n
  frame times drops n - 1 frames. Long tasks (over 50 ms of script) are counted too.

The browser, the generator and the server share the machine's cores: the figures are the
three's together. Measured, never asserted.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from siamex.bench.gateway import limit_order_body, logged_on, serving

__all__ = ["CHROMIUM", "CHROMIUM_FLAGS", "ConsoleFigures", "measure_console"]

CHROMIUM: Final = "/usr/bin/chromium"
CHROMIUM_FLAGS: Final = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync"]
"""Headless, as root, and quiet: without the background-networking flags Chromium keeps trying
hosts a closed machine cannot reach."""
_PRICE: Final = "20.00"
_BID: Final = "19.90"
_ASK: Final = "20.10"
_DEPTH: Final = 10_000_000
_WATCH: Final = """() => {
  const times = [];
  const seen = [];
  const read = (cell) => seen.push([cell.closest("tr").dataset.symbol,
                                    Number(cell.textContent.replaceAll(",", "")),
                                    performance.timeOrigin + performance.now()]);
  new MutationObserver((changes) => {
    for (const change of changes) {
      const cell = change.target.nodeType === 1 ? change.target : change.target.parentElement;
      if (cell?.dataset?.key === "volume") read(cell);
    }
  }).observe(document.querySelector("#watch tbody"),
             {subtree: true, childList: true, characterData: true});
  const frame = (now) => { times.push(now); requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  let long = 0;
  new PerformanceObserver((list) => { long += list.getEntries().length; })
    .observe({type: "longtask"});
  window.__siamexBench = {times, seen, long: () => long};
}"""


@dataclass(frozen=True)
class ConsoleFigures:
    """One run's figures (milliseconds)."""

    securities: int
    rate: int
    loads_ms: list[float]
    latency_ms: tuple[float, float, float]
    """p50, p99 and the largest, trade to screen."""
    trades: int
    drawn: int
    """Trades whose volume reached the screen within the window."""
    frames: int
    dropped: int
    long_tasks: int


def _universe(securities: int) -> dict[str, Any]:
    """Made-up securities at 20.00 baht (tick 0.10), all members of the SET index."""
    return {"description": "BENCH DATA: made-up securities for siamex bench console",
            "indices": [{"name": "SET", "prev_close": "1250.00"}],
            "instruments": [{"symbol": f"B{n:03d}", "prev_close": _PRICE,
                             "listed_shares": 1_000_000_000, "index_member": ["SET"]}
                            for n in range(1, securities + 1)]}


class _Market:
    """The maker and the taker over FIX, on a thread of their own: the browser's driver
    blocks its thread."""

    def __init__(self, fix: tuple[str, int], symbols: list[str], rate: int) -> None:
        self.fix = fix
        self.symbols = symbols
        self.rate = rate
        self.sent: list[tuple[str, int, int]] = []
        """(symbol, that symbol's volume after the trade, wall-clock ns when sent)."""
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        maker, taker = await logged_on(self.fix, 2)
        for n, symbol in enumerate(self.symbols):
            maker.writer.write(maker.message(f"ASK{n}", limit_order_body(
                1, f"ASK{n}", symbol, "2", _DEPTH, _ASK), 0))
            maker.writer.write(maker.message(f"BID{n}", limit_order_body(
                1, f"BID{n}", symbol, "1", 100, _BID), 0))
        await maker.writer.drain()
        readers = [asyncio.create_task(s.read()) for s in (maker, taker)]
        self.ready.set()
        volumes = dict.fromkeys(self.symbols, 0)
        start = time.perf_counter_ns()
        done = 0
        while not self.stop.is_set():
            due = min(int((time.perf_counter_ns() - start) * self.rate / 1e9) + 1, done + 1000)
            for k in range(done, due):
                symbol = self.symbols[k % len(self.symbols)]
                taker.writer.write(taker.message(f"T{k}", limit_order_body(
                    2, f"T{k}", symbol, "1", 100, _ASK), 0))
                maker.writer.write(maker.message(f"Q{k}", limit_order_body(
                    1, f"Q{k}", symbol, "1", 100, _BID), 0))
                volumes[symbol] += 100
                self.sent.append((symbol, volumes[symbol], time.time_ns()))
            done = due
            await asyncio.sleep(0.001)
        for session in (maker, taker):
            session.writer.close()
        for task in readers:
            task.cancel()


def _load_ms(browser: Any, url: str, securities: int) -> float:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    drawn = page.wait_for_function(
        "count => document.querySelectorAll('#watch tbody tr td[data-key=\"volume\"]')"
        ".length >= count && (window.__drawn ??= performance.now())", arg=securities,
        polling="raf", timeout=60_000)
    took = float(drawn.json_value())
    page.close()
    return took


def _latencies(sent: list[tuple[str, int, int]], seen: list[list[Any]]
               ) -> tuple[list[float], int]:
    """Each trade's time to screen (ms): the first drawing of its security's volume at or past
    the trade's."""
    shown: dict[str, list[tuple[int, float]]] = {}
    for symbol, volume, at in seen:
        shown.setdefault(symbol, []).append((int(volume), float(at)))
    latencies = []
    for symbol, volume, sent_ns in sent:
        drawn = next((at for shown_volume, at in shown.get(symbol, ())
                      if shown_volume >= volume), None)
        if drawn is not None:
            latencies.append(drawn - sent_ns / 1e6)
    return latencies, len(latencies)


def _frames(times: list[float]) -> tuple[int, int]:
    """Frames drawn and frames dropped: an interval of n frame times drops n - 1."""
    intervals = [b - a for a, b in itertools.pairwise(times)]
    if not intervals:
        return 0, 0
    frame = statistics.median(intervals)
    return len(intervals), sum(max(0, round(gap / frame) - 1) for gap in intervals)


def measure_console(securities: int, rate: int, seconds: float, loads: int,
                    chromium: str = CHROMIUM) -> ConsoleFigures:
    """Serve `securities` made-up securities, trade `rate` a second, and measure the console."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="siamex-bench-console-") as tmp:
        universe = Path(tmp) / "universe.json"
        universe.write_text(json.dumps(_universe(securities)), encoding="utf-8")
        with serving(2, "--universe", str(universe)) as server, sync_playwright() as driver:
            market = _Market(server.fix, [f"B{n:03d}" for n in range(1, securities + 1)],
                             rate)
            market.thread.start()
            if not market.ready.wait(60):
                raise RuntimeError("the bench's members did not log on to siamex serve")
            browser = driver.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            try:
                url = f"{server.http}/#/watch"
                loads_ms = [_load_ms(browser, url, securities) for _ in range(loads)]
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(url)
                page.wait_for_selector(f"#watch tbody tr:nth-child({securities})")
                page.evaluate(_WATCH)
                first = len(market.sent)
                time.sleep(seconds)
                last = len(market.sent)
                time.sleep(1.0)  # the last trades' way to the screen
                data = page.evaluate("() => ({times: window.__siamexBench.times, "
                                     "seen: window.__siamexBench.seen, "
                                     "long: window.__siamexBench.long()})")
            finally:
                market.stop.set()
                market.thread.join(30)
                browser.close()
    sent = market.sent[first:last]
    latencies, drawn = _latencies(sent, data["seen"])
    ordered = sorted(latencies) or [float("nan")]
    frames, dropped = _frames(data["times"])
    return ConsoleFigures(securities, rate, loads_ms,
                          (ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99)],
                           ordered[-1]), len(sent), drawn, frames, dropped, data["long"])
