"""The engine benchmark: commands per second, latency per command, journal replay speed.

Measured, never asserted: the machines are shared and noisy, so the figures are medians of
several runs. Every run goes without the cyclic garbage collector, as the CLI runs
(siamex.runtime). Throughput runs the whole workload through a fresh engine with nothing else in
the loop; latency times each `handle` call on its own (the timer's own cost is printed beside
it); replay times siamex.journal.replay.replay on a journal of the workload: reading, checking
and decoding each record, and running it.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from siamex.bench.workload import Workload
from siamex.journal.log import JournalWriter
from siamex.journal.replay import replay
from siamex.runtime import without_gc_pauses
from siamex.trading.commands import Command
from siamex.trading.engine import Engine

__all__ = ["EngineFigures", "measure"]


@dataclass(frozen=True)
class EngineFigures:
    commands: int
    throughput: list[float]
    p50_us: float
    p99_us: float
    p999_us: float
    max_us: float
    timer_overhead_us: float
    journal_write: list[float]
    replay: list[float]
    events: int


def _throughput(commands: list[Command]) -> tuple[float, int]:
    engine = Engine()
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


def measure(workload: Workload, runs: int = 5) -> EngineFigures:
    """Run every measurement `runs` times (latency once per run, pooled by median)."""
    commands = workload.commands
    throughput: list[float] = []
    events = 0
    for _ in range(runs):
        rate, events = _throughput(commands)
        throughput.append(rate)
    p50, p99, p999, worst = [], [], [], []
    overhead = 0.0
    for _ in range(runs):
        ordered, overhead = _latencies(commands)
        p50.append(_percentile(ordered, 0.5))
        p99.append(_percentile(ordered, 0.99))
        p999.append(_percentile(ordered, 0.999))
        worst.append(ordered[-1] / 1000)
    writes, replays = [], []
    with tempfile.TemporaryDirectory(dir=os.environ.get("SIAMEX_BENCH_DIR")) as folder:
        for _ in range(runs):
            write, rate = _journal(commands, Path(folder))
            writes.append(write)
            replays.append(rate)
    return EngineFigures(len(commands), throughput, statistics.median(p50),
                         statistics.median(p99), statistics.median(p999),
                         statistics.median(worst), overhead, writes, replays, events)
