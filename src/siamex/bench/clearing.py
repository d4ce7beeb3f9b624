"""The clearing benchmark: load, novate, net and settle a generated day of trades.

The issue's measure is "the time to novate, net and settle a day of 5,000,000 trades over 50
members and 800 securities (target: under 10 s for netting)". The day is generated once from a
seed and written as a CSV trade file (docs/clearing.md); each run then times the real path:
reading and checking the file (`read_trades`), novating it (`novate`) and netting it (`net`).
Figures are medians of several runs, printed, never asserted: the machines are shared. Runs go
without the cyclic garbage collector, as the engine benchmark's do.

Settlement (`measure_settlement`) runs once, on the measured day unless asked for a day of
another size (it mutates a fresh ledger, so one run is one day's settlement). Before settling, every
member is funded exactly, from the depository, with what it owes (each net deliverer's shares
in the obligation's account type, each net payer's cash), so the day must settle in full;
funding is timed apart, as set-up. The outcome (fails, ledger invariants, TCH flat) is printed,
never asserted.

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

from siamex.clearing.equities.netting import NetPositions, net
from siamex.clearing.equities.novation import novate
from siamex.clearing.equities.settlement import issue, settle_date
from siamex.clearing.equities.trades import TradeBatch, read_trades
from siamex.clearing.foundations.accounts import cash_account, holdings_account
from siamex.clearing.foundations.ledger import TCH, Ledger
from siamex.clearing.foundations.ledger import Account as LedgerAccount
from siamex.clearing.foundations.members import (
    Account,
    AccountType,
    Member,
    MemberRegistry,
    MemberType,
)
from siamex.clearing.foundations.store import LedgerStore, MemoryStore
from siamex.rulebook.parameters import DEFAULT_RULEBOOK
from siamex.rulebook.ticks import tick_scale
from siamex.runtime import without_gc_pauses
from siamex.units import format_price

__all__ = ["NETTING_TARGET_S", "TRADE_DATE", "ClearingFigures", "SettlementFigures",
           "bench_registry", "exact_funding", "measure", "measure_settlement",
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


def exact_funding(positions: NetPositions) -> dict[LedgerAccount, int]:
    """Return the opening holdings that let every net deliverer and payer meet its obligation
    exactly, in the account the settlement engine takes it from, and nothing more."""
    holdings: dict[LedgerAccount, int] = {}
    for s in positions.securities:
        if s.net_qty < 0:
            holdings[holdings_account(s.member, s.account_type, s.security)] = -s.net_qty
    for c in positions.cash:
        if c.net_amount < 0:
            holdings[cash_account(c.member, c.account_type)] = -c.net_amount
    return holdings


def _last_prices(batch: TradeBatch) -> dict[str, int]:
    """Return each security's last traded price in satang: what `settle_date` values a fail at."""
    last = np.zeros(len(batch.securities), dtype=np.int64)
    last[batch.security] = batch.price  # a repeated index keeps its last value (any will do)
    return dict(zip(batch.securities, last.tolist(), strict=True))


@dataclass(frozen=True)
class SettlementFigures:
    """One settled day: the seconds to fund and to settle it, and what it came to, read back
    from the results and the ledger."""

    trades: int
    fund: float
    settle: float
    transactions: int
    obligations: int
    settled: int
    fails: int
    problems: tuple[str, ...]
    tch_flat: bool


def measure_settlement(path: Path, registry: MemberRegistry,
                       store: LedgerStore | None = None) -> SettlementFigures:
    """Fund every member of a trade file's day exactly, settle the day once in a fresh
    ledger (in memory unless `store` is given), and check it: once, because settling is by far
    the slowest stage."""
    batch = read_trades(path, registry)
    positions = net(novate(batch))
    prices, day = _last_prices(batch), positions.cash[0].settlement_date
    with without_gc_pauses():
        started = time.perf_counter()
        store, funding = store or MemoryStore(), exact_funding(positions)
        issue(store, batch.dates[0], funding)
        funded = time.perf_counter()
        results = settle_date(store, positions, day, prices)
        settled = time.perf_counter()
    # Each obligation has its own account, so it settled iff the account ends at opening + net.
    balances = store.balances()
    accounts = [(holdings_account(s.member, s.account_type, s.security), s.net_qty)
                for s in positions.securities]
    accounts += [(cash_account(c.member, c.account_type), c.net_amount) for c in positions.cash]
    transactions = store.transactions()
    return SettlementFigures(
        trades=len(batch), fund=funded - started, settle=settled - funded,
        transactions=len(transactions) - len(funding), obligations=len(accounts),
        settled=sum(balances.get(a, 0) == funding.get(a, 0) + qty for a, qty in accounts),
        fails=sum(len(r.delivery_fails) + len(r.payment_fails) for r in results),
        problems=tuple(Ledger.from_transactions(transactions).check_invariants()),
        tch_flat=not any(a.owner == TCH for a in balances))


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
    settlement: SettlementFigures | None = None


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
    check = figures.settlement
    console.print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
                  f"NumPy {np.__version__}, {platform.machine()}")
    console.print(f"day: {figures.trades:,} trades, {figures.members} members, "
                  f"{figures.securities} securities (with their -F and -R boards)")
    table = Table(title="clearing: load -> novate -> net -> settle", title_justify="left")
    for column in ("stage", "median s", "trades/s", "runs (s)"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    stages = (("load (read and check the CSV)", figures.load), ("novate", figures.novate),
              ("net", figures.net))
    total = [sum(run) for run in zip(figures.load, figures.novate, figures.net, strict=True)]
    for name, seconds in (*stages, ("total load -> net", total)):
        median = statistics.median(seconds)
        table.add_row(name, f"{median:.3f}", f"{figures.trades / median:,.0f}",
                      ", ".join(f"{s:.3f}" for s in seconds))
    if check is not None:
        day = "" if check.trades == figures.trades else f" of {check.trades:,} trades"
        for name, second in ((f"fund{day} (issue the holdings)", check.fund),
                             (f"settle{day} (rounds 1, 2), 1 run", check.settle)):
            table.add_row(name, f"{second:.3f}", f"{check.trades / second:,.0f}",
                          f"{second:.3f}")
    console.print(table)
    netting = statistics.median(figures.net)
    verdict = "met" if netting < NETTING_TARGET_S else "missed"
    console.print(f"netting target < {NETTING_TARGET_S:.0f} s: {verdict} ({netting:.3f} s)")
    reduction = 1 - figures.cash_paid / figures.gross_value if figures.gross_value else 0.0
    console.print(f"obligations: {figures.securities_obligations:,} securities, "
                  f"{figures.cash_obligations:,} cash; cash paid "
                  f"{figures.cash_paid // 100:,} THB of {figures.gross_value // 100:,} THB "
                  f"traded ({reduction:.1%} netted away)")
    if check is None:
        console.print("settlement: not run")
        return
    console.print(f"settlement of a {check.trades:,}-trade day, every member funded exactly: "
                  f"{check.transactions:,} transactions posted, {check.settled:,} of "
                  f"{check.obligations:,} obligations settled, {check.fails:,} fails")
    invariants = "hold" if not check.problems else f"broken: {'; '.join(check.problems[:3])}"
    console.print(f"settlement check: ledger invariants {invariants}; TCH "
                  f"{'flat' if check.tch_flat else 'NOT flat'}")
