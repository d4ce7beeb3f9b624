"""The margin-rate benchmark: calibrating rates for many series over years of daily prices
(clearing-spec.md 4.5; issue 14's measure is 1,000 series of ten years, about 2,500 prices
each).

The prices are generated once from a seed (reading files is the edge's cost, not the
model's); each run then times the real path, `calibrate`: simple returns, the seed variance,
the EWMA recursion (one vectorised step a day over every series), the exact historical loss
quantile, and each series' rate and margin per contract; and, on its own, the EWMA recursion.
Figures are medians of several runs, printed, never asserted: the machines are shared. Runs go
without the cyclic garbage collector, as the other benchmarks' do.

The prices: random walks with fat-tailed daily returns (Student-t, 3 degrees of freedom: the
historical bound wins for most series) at daily volatilities of 0.3% to 3%, from prices of
30.00 to 40,000.00; multipliers as the TFEX products' (200, 50, 1,000).
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from siamex.clearing.derivatives.rates import (
    DEFAULT_RATE_MODEL,
    RateBound,
    calibrate,
    ewma_variance,
    seed_variance,
    simple_returns,
)
from siamex.runtime import without_gc_pauses

__all__ = ["MIN_DAYS", "RatesFigures", "generate_prices", "print_figures", "rates_benchmark"]

MIN_DAYS = DEFAULT_RATE_MODEL.fewest_prices
"""The fewest prices a series may have: the default model's rate needs them."""

_MULTIPLIERS = (200, 50, 1_000)
_DEGREES = 3


def generate_prices(series: int, days: int, seed: int
                    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Generate deterministic price rows (hundredths, int64) and their multipliers."""
    if series < 1 or days < MIN_DAYS:
        raise ValueError(f"a benchmark needs a series and {MIN_DAYS} days at least")
    rng = np.random.default_rng(seed)
    start = np.exp(rng.uniform(np.log(3_000), np.log(4_000_000), series))
    volatility = np.exp(rng.uniform(np.log(0.003), np.log(0.03), series))
    shocks = rng.standard_t(_DEGREES, (series, days - 1)) / np.sqrt(_DEGREES / (_DEGREES - 2))
    growth = np.clip(1 + shocks * volatility[:, None], 0.5, 1.5)
    paths = start[:, None] * np.concatenate((np.ones((series, 1)), np.cumprod(growth, axis=1)),
                                            axis=1)
    prices = np.maximum(np.rint(paths), 1).astype(np.int64)
    multipliers = np.resize(np.array(_MULTIPLIERS, np.int64), series)
    return prices, multipliers


@dataclass
class RatesFigures:
    """The seconds of every run, whole calibration and EWMA recursion alone, and what the
    last calibration produced."""

    series: int
    days: int
    calibration: list[float] = field(default_factory=list)
    recursion: list[float] = field(default_factory=list)
    historical_bound: int = 0
    margin_total: int = 0


def rates_benchmark(series: int = 1_000, days: int = 2_500, runs: int = 5,
                    seed: int = 1) -> RatesFigures:
    """Time `calibrate` over generated prices, and the EWMA recursion alone, `runs` times."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    prices, multipliers = generate_prices(series, days, seed)
    model = DEFAULT_RATE_MODEL
    returns = simple_returns(prices)
    variance0 = seed_variance(returns, model.seed_returns)
    figures = RatesFigures(series, days)
    for _ in range(runs):
        with without_gc_pauses():
            start = time.perf_counter()
            rates = calibrate(prices, multipliers, model)
            calibrated = time.perf_counter()
            ewma_variance(returns, model.decay, variance0)
            recursed = time.perf_counter()
        figures.calibration.append(calibrated - start)
        figures.recursion.append(recursed - calibrated)
        figures.historical_bound = sum(r.bound is RateBound.HISTORICAL for r in rates)
        figures.margin_total = sum(r.margin for r in rates)
    return figures


def print_figures(figures: RatesFigures, echo: Callable[[str], None]) -> None:
    """Print the medians and every run, with the machine they come from."""
    echo(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
         f"NumPy {np.__version__}, {platform.machine()}")
    prices = figures.series * figures.days
    echo(f"calibration: {figures.series:,} series x {figures.days:,} daily prices "
         f"({prices:,} prices), lambda {DEFAULT_RATE_MODEL.decay}, "
         f"{DEFAULT_RATE_MODEL.confidence * 100}% confidence, h = {DEFAULT_RATE_MODEL.horizon}")
    echo(f"{'stage':<34}{'median s':>10}{'series/s':>12}{'prices/s':>16}  runs (s)")
    for name, seconds in (("calibrate (rates and margins)", figures.calibration),
                          ("EWMA recursion alone", figures.recursion)):
        median = statistics.median(seconds)
        echo(f"{name:<34}{median:>10.4f}{figures.series / median:>12,.0f}"
             f"{prices / median:>16,.0f}  " + ", ".join(f"{s:.4f}" for s in seconds))
    echo(f"after the last run: the historical bound won for {figures.historical_bound:,} of "
         f"{figures.series:,} series; margins per contract sum to "
         f"{figures.margin_total // 100:,} THB")
