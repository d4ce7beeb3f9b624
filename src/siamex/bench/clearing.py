"""The clearing benchmark: load, novate and net a generated day of trades.

The issue's measure is "the time to novate, net and settle a day of 5,000,000 trades over 50
members and 800 securities (target: under 10 s for netting)". The day is generated once from a
seed and written as a CSV trade file (docs/clearing.md); each run then times the real path:
reading and checking the file (`read_trades`), novating it (`novate`) and netting it (`net`).
Settlement itself is not built yet, so it is not timed. Figures are medians of several runs,
printed, never asserted: the machines are shared. Runs go without the cyclic garbage
collector, as the engine benchmark's do.

The day: 50 members (15 GCMs, 35 DCMs), each with a portfolio and three client accounts; 800
securities whose activity falls off as a power law, priced on the SET tick grid from 1 to 500
THB, 6% of trades on the NVDR (-R) and 4% on the foreign (-F) security; board lots of 100 with
a geometric number of lots, 3% odd lots, and 0.3% big-lot trade reports of 1,000,000 shares or
more.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from siamex.clearing.equity.netting import net
from siamex.clearing.equity.novation import novate
from siamex.clearing.equity.trades import read_trades
from siamex.clearing.members import Account, AccountType, Member, MemberRegistry, MemberType
from siamex.rulebook.parameters import DEFAULT_RULEBOOK
from siamex.rulebook.ticks import tick_scale
from siamex.runtime import without_gc_pauses
from siamex.units import format_price

__all__ = ["NETTING_TARGET_S", "TRADE_DATE", "ClearingFigures", "bench_registry", "measure",
           "print_clearing_figures", "write_day"]

NETTING_TARGET_S = 10.0
"""The issue's target: netting a day of 5,000,000 trades in under 10 seconds."""

TRADE_DATE = dt.date(2026, 11, 20)
_GCMS = 15
_CLIENT_ACCOUNTS = 3
_PRICE_STEPS = 11  # each security trades within five ticks of its base price


def bench_registry(members: int) -> MemberRegistry:
    """Return `members` clearing members, each with a portfolio and three client accounts."""
    registered: list[Member] = []
    accounts: list[Account] = []
    for number in range(members):
        member = f"M{number:02d}"
        kind = MemberType.GCM if number < _GCMS else MemberType.DCM
        registered.append(Member(member, kind, shareholders_equity=100_000_000_000))
        accounts.append(Account(member, f"{member}-P", AccountType.PORTFOLIO, member))
        accounts.extend(Account(member, f"{member}-C{n}", AccountType.CLIENT, member)
                        for n in range(1, _CLIENT_ACCOUNTS + 1))
    return MemberRegistry(registered, accounts)


def _price_grid(securities: int, rng: np.random.Generator) -> list[list[str]]:
    """Return, per security, the valid prices within five ticks of a log-uniform base price."""
    scale = tick_scale(DEFAULT_RULEBOOK, "stock")
    bases = np.exp(rng.uniform(np.log(100), np.log(50_000), securities)).astype(np.int64)
    grid: list[list[str]] = []
    for base in bases.tolist():
        price = scale.round_down(base)
        for _ in range(_PRICE_STEPS // 2):
            price = scale.next_down(price)
        steps = [price]
        for _ in range(_PRICE_STEPS - 1):
            steps.append(scale.next_up(steps[-1]))
        grid.append([format_price(p) for p in steps])
    return grid


def write_day(path: Path, trades: int, securities: int, registry: MemberRegistry,
              seed: int) -> None:
    """Write a deterministic day of trades as a CSV trade file."""
    rng = np.random.default_rng(seed)
    grid = _price_grid(securities, rng)
    names = [f"S{n:03d}" for n in range(securities)]
    accounts = [f"{a.member},{a.account}" for a in registry.accounts]
    security = np.minimum((rng.pareto(1.2, trades) * securities / 20).astype(np.int64),
                          securities - 1)
    suffix = rng.choice(3, trades, p=[0.90, 0.06, 0.04])
    step = rng.integers(0, _PRICE_STEPS, trades)
    kind = rng.choice(3, trades, p=[0.967, 0.03, 0.003])  # board lots, odd lots, big lots
    lots = np.minimum(rng.geometric(0.05, trades), 10_000)
    odd = rng.integers(1, 100, trades)
    big = rng.integers(10_000, 30_000, trades) * 100
    qty = np.where(kind == 0, lots * 100, np.where(kind == 1, odd, big))
    buyer = rng.integers(0, len(accounts), trades)
    seller = (buyer + rng.integers(1, len(accounts), trades)) % len(accounts)
    boards = ("main", "odd_lot", "big_lot")
    suffixes = ("", "-R", "-F")
    day = TRADE_DATE.isoformat()
    with path.open("w", encoding="utf-8") as handle:
        handle.write("trade_id,trade_date,symbol,board,price,qty,buy_member,buy_account,"
                     "sell_member,sell_account\n")
        chunk = 200_000
        for start in range(0, trades, chunk):
            rows = zip(range(start, min(start + chunk, trades)),
                       security[start:start + chunk].tolist(),
                       suffix[start:start + chunk].tolist(), step[start:start + chunk].tolist(),
                       kind[start:start + chunk].tolist(), qty[start:start + chunk].tolist(),
                       buyer[start:start + chunk].tolist(),
                       seller[start:start + chunk].tolist(), strict=True)
            handle.write("".join(
                f"{n + 1},{day},{names[s]}{suffixes[x]},{boards[k]},{grid[s][p]},{q},"
                f"{accounts[b]},{accounts[a]}\n" for n, s, x, p, k, q, b, a in rows))


@dataclass
class ClearingFigures:
    """The seconds of every run for each stage, and what the last run produced."""

    trades: int
    members: int
    securities: int
    load: list[float] = field(default_factory=list)
    novate: list[float] = field(default_factory=list)
    net: list[float] = field(default_factory=list)
    securities_obligations: int = 0
    cash_obligations: int = 0
    gross_value: int = 0
    cash_paid: int = 0


def measure(path: Path, registry: MemberRegistry, securities: int, runs: int) -> ClearingFigures:
    """Time load, novate and net of a trade file, `runs` times."""
    figures: ClearingFigures | None = None
    for _ in range(runs):
        with without_gc_pauses():
            start = time.perf_counter()
            batch = read_trades(path, registry)
            loaded = time.perf_counter()
            book = novate(batch)
            novated = time.perf_counter()
            positions = net(book)
            netted = time.perf_counter()
        if figures is None:
            figures = ClearingFigures(len(batch), len(registry.clearing_members), securities)
        figures.load.append(loaded - start)
        figures.novate.append(novated - loaded)
        figures.net.append(netted - novated)
        figures.securities_obligations = len(positions.securities)
        figures.cash_obligations = len(positions.cash)
        figures.gross_value = sum((batch.qty * batch.price).tolist())
        figures.cash_paid = positions.cash_paid
        del batch, book, positions
    if figures is None:
        raise ValueError("runs must be at least 1")
    return figures


def print_clearing_figures(figures: ClearingFigures, console: Console) -> None:
    """Print the medians and every run, with the machine they come from."""
    console.print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
                  f"NumPy {np.__version__}, {platform.machine()}")
    console.print(f"day: {figures.trades:,} trades, {figures.members} members, "
                  f"{figures.securities} securities (with their -F and -R boards)")
    table = Table(title="clearing: load -> novate -> net", title_justify="left")
    for column in ("stage", "median s", "trades/s", "runs (s)"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    stages = (("load (read and check the CSV)", figures.load), ("novate", figures.novate),
              ("net", figures.net))
    total = [sum(run) for run in zip(figures.load, figures.novate, figures.net, strict=True)]
    for name, seconds in (*stages, ("total", total)):
        median = statistics.median(seconds)
        table.add_row(name, f"{median:.3f}", f"{figures.trades / median:,.0f}",
                      ", ".join(f"{s:.3f}" for s in seconds))
    console.print(table)
    netting = statistics.median(figures.net)
    verdict = "met" if netting < NETTING_TARGET_S else "missed"
    console.print(f"netting target < {NETTING_TARGET_S:.0f} s: {verdict} ({netting:.3f} s)")
    reduction = 1 - figures.cash_paid / figures.gross_value if figures.gross_value else 0.0
    console.print(f"obligations: {figures.securities_obligations:,} securities, "
                  f"{figures.cash_obligations:,} cash; cash paid "
                  f"{figures.cash_paid // 100:,} THB of {figures.gross_value // 100:,} THB "
                  f"traded ({reduction:.1%} netted away)")
