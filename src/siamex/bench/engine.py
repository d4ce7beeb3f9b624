"""The engine benchmark: commands per second, latency per command, journal replay speed.

Measured, never asserted: the machines are shared and noisy, so the figures are medians of
several runs. Every run goes without the cyclic garbage collector, as the CLI runs
(siamex.runtime). Throughput runs the whole workload through a fresh engine with nothing else in
the loop; latency times each `handle` call on its own (the timer's own cost is printed beside
it); replay times siamex.journal.replay.replay on a journal of the workload: reading, checking
and decoding each record, and running it.

The workload runs with its market-integrity controls on, off (`Workload.controls_off`), or both;
for both, each measurement alternates the two run by run, so that the machine's drift weighs on
both alike and each run gives a paired ratio. The baseline is a bare book in plain CPython
(siamex.bench.bare_book) fed the same commands in the same process, alternating with the engine
with every control on: the ratio of the two is the figure that survives a noisy machine.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from siamex.bench.bare_book import BareBook
from siamex.bench.workload import Workload
from siamex.journal.log import JournalWriter
from siamex.journal.replay import replay
from siamex.runtime import without_gc_pauses
from siamex.trading.commands import Command
from siamex.trading.engine import Engine

__all__ = ["CONTROLS", "Baseline", "EngineFigures", "against_bare", "measure"]

CONTROLS = ("on", "off")


@dataclass
class EngineFigures:
    """The figures of one setting, every run kept (latency percentiles per run)."""

    commands: int
    throughput: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    p999: list[float] = field(default_factory=list)
    worst: list[float] = field(default_factory=list)
    timer_overhead_us: float = 0.0
    journal_write: list[float] = field(default_factory=list)
    replay: list[float] = field(default_factory=list)
    events: int = 0

    @property
    def p50_us(self) -> float:
        return statistics.median(self.p50)

    @property
    def p99_us(self) -> float:
        return statistics.median(self.p99)

    @property
    def p999_us(self) -> float:
        return statistics.median(self.p999)

    @property
    def max_us(self) -> float:
        return statistics.median(self.worst)


@dataclass
class Baseline:
    """Commands per second of the engine (every control on) and of the bare book, run by run,
    over one command list; `ratios` pairs each round's two runs (engine over bare)."""

    commands: int
    engine: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        return [e / b for e, b in zip(self.engine, self.bare, strict=True)]

    @property
    def ratio(self) -> float:
        """The engine's median commands/s over the bare book's."""
        return statistics.median(self.engine) / statistics.median(self.bare)


def _throughput(commands: list[Command], book: type[Engine] | type[BareBook] = Engine) -> tuple[
        float, int]:
    engine = book()
    handle = engine.handle
    events = 0
    with without_gc_pauses():
        start = time.perf_counter()
        for command in commands:
            events += len(handle(command))
        elapsed = time.perf_counter() - start
    return len(commands) / elapsed, events


def _latencies(commands: list[Command]) -> tuple[list[int], float]:
    engine = Engine()
    handle = engine.handle
    clock = time.perf_counter_ns
    samples = [0] * len(commands)
    with without_gc_pauses():
        for i, command in enumerate(commands):
            start = clock()
            handle(command)
            samples[i] = clock() - start
    return sorted(samples), _timer_cost_us()


def _timer_cost_us() -> float:
    clock = time.perf_counter_ns
    best = 1 << 62
    for _ in range(1000):
        start = clock()
        best = min(best, clock() - start)
    return best / 1000


def _percentile(ordered: list[int], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1000


def _journal(commands: list[Command], folder: Path) -> tuple[float, float]:
    path = folder / "bench.journal"
    path.unlink(missing_ok=True)
    start = time.perf_counter()
    with JournalWriter(path) as journal:
        for seq, command in enumerate(commands, 1):
            journal.append(seq, command)
            if seq % 1024 == 0:
                journal.commit()
    write = len(commands) / (time.perf_counter() - start)
    with without_gc_pauses():
        start = time.perf_counter()
        _, count = replay(path)
        rate = count / (time.perf_counter() - start)
    return write, rate


def _rounds(lists: dict[str, list[Command]], runs: int) -> list[tuple[str, list[Command]]]:
    """Each setting once a round, the order reversed every other round."""
    settings = list(lists.items())
    out: list[tuple[str, list[Command]]] = []
    for run in range(runs):
        out += settings if run % 2 == 0 else settings[::-1]
    return out


def against_bare(workload: Workload, runs: int = 5) -> Baseline:
    """Run the engine with every control on and the bare book over the same commands, `runs`
    times each, alternating which goes first."""
    figures = Baseline(len(workload.commands))
    for run in range(runs):
        books: list[type[Engine] | type[BareBook]] = [Engine, BareBook]
        for book in books if run % 2 == 0 else books[::-1]:
            rate, _ = _throughput(workload.commands, book)
            (figures.engine if book is Engine else figures.bare).append(rate)
    return figures


def measure(workload: Workload, runs: int = 5,
            controls: tuple[str, ...] = CONTROLS) -> dict[str, EngineFigures]:
    """Run every measurement `runs` times for each setting of the controls ("on", "off"),
    the settings alternating (latency once per run, pooled by median)."""
    lists = {c: workload.commands if c == "on" else workload.controls_off() for c in controls}
    figures = {c: EngineFigures(len(commands)) for c, commands in lists.items()}
    for c, commands in _rounds(lists, runs):
        rate, figures[c].events = _throughput(commands)
        figures[c].throughput.append(rate)
    for c, commands in _rounds(lists, runs):
        ordered, figures[c].timer_overhead_us = _latencies(commands)
        figures[c].p50.append(_percentile(ordered, 0.5))
        figures[c].p99.append(_percentile(ordered, 0.99))
        figures[c].p999.append(_percentile(ordered, 0.999))
        figures[c].worst.append(ordered[-1] / 1000)
        del ordered
    with tempfile.TemporaryDirectory(dir=os.environ.get("SIAMEX_BENCH_DIR")) as folder:
        for c, commands in _rounds(lists, runs):
            write, rate = _journal(commands, Path(folder))
            figures[c].journal_write.append(write)
            figures[c].replay.append(rate)
    return figures
