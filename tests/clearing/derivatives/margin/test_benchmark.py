"""The margin benchmark's run (siamex.bench.margin): deterministic, of the shape it claims,
margined without refusal, and `siamex bench margin` printing its figures."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from siamex.bench.margin import generate_run, margin_benchmark, print_figures
from siamex.cli import main


def test_the_run_is_deterministic_and_has_one_net_position_per_portfolio_and_series() -> None:
    run, again = generate_run(2_000, seed=5), generate_run(2_000, seed=5)
    for name in ("portfolio", "series", "qty"):
        assert getattr(run.positions, name).tolist() == getattr(again.positions, name).tolist()
    key = run.positions.portfolio * len(run.series) + run.positions.series
    assert bool(np.all(key[1:] > key[:-1])) and bool(np.all(run.positions.qty))
    assert 2.5 < len(key) / 2_000 < 3.1  # about 3 positions a portfolio
    assert len(run.series) == 21 and sum(s.is_option for s in run.series) == 10
    assert {s.underlying for s in run.series} == {"SET50", "GOLD965", "PTT", "PTTEP"}


def test_the_benchmark_margins_every_portfolio_and_prints_its_figures() -> None:
    figures = margin_benchmark(portfolios=3_000, runs=2, seed=2)
    assert len(figures.runs) == 2 and figures.total > figures.scan > 0
    assert figures.credited > 0  # PTT against PTTEP
    lines: list[str] = []
    print_figures(figures, lines.append)
    assert any(line.startswith("margin requirement") for line in lines)
    assert any(line.startswith("target < 2 s") for line in lines)


def test_bench_margin_runs_from_the_command_line() -> None:
    result = CliRunner().invoke(main, ["bench", "margin", "--portfolios", "500", "--runs", "1"])
    assert result.exit_code == 0, result.output
    assert "500 portfolios" in result.output
    refused = CliRunner().invoke(main, ["bench", "margin", "--runs", "0"])
    assert refused.exit_code == 2 and "INVALID_PARAMETER" in refused.output
