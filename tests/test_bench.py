"""The benchmark's workload: deterministic, valid, and the controls on or off over one stream."""

from __future__ import annotations

import io
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from siamex.bench.bare_book import BareBook
from siamex.bench.runs import run_clearing
from siamex.bench.workload import CONTROLS_OFF, Workload, generate
from siamex.cli import main
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.parameters import DEFAULT_RULEBOOK
from siamex.trading.commands import AmendOrder, CancelOrder, Command, NewOrder, StartDay
from siamex.trading.engine import Engine
from siamex.trading.enums import OrderType, Side, Validity
from siamex.trading.events import Event, IndexValue, Rejected, Trade


@cache
def _workload() -> Workload:
    return generate(securities=40, commands=20_000, seed=3)


def _run(commands: list[Command]) -> list[Event]:
    engine = Engine()
    events: list[Event] = []
    for command in commands:
        events += engine.handle(command)
    return events


def test_the_workload_is_deterministic() -> None:
    again = generate(securities=40, commands=20_000, seed=3)
    assert again.commands == _workload().commands
    assert again.controls_off() == _workload().controls_off()


def test_the_day_opens_with_every_control_on_and_the_off_day_differs_only_in_its_start() -> None:
    workload = _workload()
    on, off = workload.commands, workload.controls_off()
    start = on[0]
    assert isinstance(start, StartDay) and isinstance(off[0], StartDay)
    assert start.rules == {}
    assert [index.name for index in start.indices] == ["SET", "SET100"]
    assert all("SET" in spec.index_member for spec in start.instruments)
    assert all(spec.listed_shares > 0 for spec in start.instruments)
    assert any(spec.short_eligible for spec in start.instruments)
    assert start.accounts
    assert off[0].rules == CONTROLS_OFF
    assert not off[0].indices and not off[0].accounts
    assert off[1:] == on[1:]


def test_cancels_and_amends_wait_the_minimum_resting_time() -> None:
    accepted: dict[str, int] = {}
    resting = DEFAULT_RULEBOOK.min_resting_time_ms * 1000
    targets = 0
    for command in _workload().commands:
        if isinstance(command, NewOrder):
            accepted[command.id] = command.ts
        elif isinstance(command, CancelOrder | AmendOrder):
            targets += 1
            assert command.ts - accepted[command.id] >= resting
    assert targets > 1000


def test_the_controls_work_without_refusing_the_orders_the_workload_sends() -> None:
    workload = _workload()
    events = _run(workload.commands)
    rejects = Counter(e.reason.value for e in events if isinstance(e, Rejected))
    assert not {"MIN_RESTING_TIME", "SHORT_SALE_PRICE", "SHORT_SALE_LIMIT",
                "SHORT_SALE_NOT_ELIGIBLE", "HFT_NOT_PERMITTED", "HFT_NOT_REGISTERED",
                "CASH_BALANCE_REQUIRED"} & set(rejects)
    assert sum(rejects.values()) < len(workload.commands) // 1000
    assert sum(isinstance(e, IndexValue) for e in events) > 100  # the day's opening values: 2
    assert workload.counts["short_limit"] > 0
    assert sum(isinstance(e, Trade) for e in events) > 1000


def test_bench_engine_prints_both_settings_the_slowdown_and_the_bare_book() -> None:
    result = CliRunner().invoke(main, ["bench", "engine", "--securities", "10", "--commands",
                                       "3000", "--runs", "1"])
    assert result.exit_code == 0, result.output
    assert "controls on" in result.output and "controls off" in result.output
    assert "slowdown with the controls on" in result.output
    assert "engine/bare:" in result.output


def test_a_deep_day_fills_its_books_with_thousands_of_orders_a_side() -> None:
    workload = generate(securities=2, commands=30_000, seed=3, deep=True)
    engine = Engine()
    deepest = 0
    for command in workload.commands:
        engine.handle(command)
        for inst in engine.instruments.values():
            deepest = max(deepest, min(sum(level.count for level in inst.book.bid_levels),
                                       sum(level.count for level in inst.book.ask_levels)))
    assert deepest > 2000


def _bare(*commands: Command) -> list[tuple[object, ...]]:
    book = BareBook()
    return [event for command in commands for event in book.handle(command)]


def _new(cid: str, side: str, qty: int, price: int | None, **kw: object) -> NewOrder:
    return NewOrder(0, cid, "M1", "A1", "X", Side(side), qty, price=price,
                    type=OrderType.LIMIT if price is not None else OrderType.MP_MKT,
                    **kw)  # type: ignore[arg-type]


def test_the_bare_book_matches_by_price_then_time_at_the_resting_price() -> None:
    events = _bare(_new("s1", "sell", 100, 1010), _new("s2", "sell", 100, 1000),
                   _new("s3", "sell", 100, 1000), _new("b", "buy", 250, 1010))
    assert [e[3:] for e in events if e[0] == "trade"] == [
        (1000, 100, "b", "s2"), (1000, 100, "b", "s3"), (1010, 50, "b", "s1")]


def test_the_bare_book_cancels_amends_and_kills() -> None:
    events = _bare(_new("s1", "sell", 100, 1000), _new("s2", "sell", 100, 1000),
                   CancelOrder(0, "s1"), AmendOrder(0, "s2", qty=50),
                   _new("k", "buy", 100, 1000, validity=Validity.FOK),
                   _new("m", "buy", 100, None))
    assert ("cancelled", "k", 100) in events  # fill-or-kill: only 50 rests
    assert [e[3:] for e in events if e[0] == "trade"] == [(1000, 50, "m", "s2")]
    assert ("cancelled", "m", 50) in events  # a market order's remainder never rests


def test_the_fix_layer_floor_answers_every_order_it_is_given() -> None:
    from siamex.bench.fix_layer import fix_layer_us

    median, runs = fix_layer_us(orders=300, runs=3)
    assert len(runs) == 3 and median in runs and all(us > 0 for us in runs)


def test_the_feed_benchmark_times_every_order_its_consumers_read() -> None:
    from siamex.bench.feed import measure_feed

    figures = measure_feed(subscribers=3, rate=100, seconds=0.5)
    assert figures.messages_per_s > 0 and 0 < figures.p50_us <= figures.p99_us


def test_the_websocket_feed_benchmark_times_every_order_its_consumers_read() -> None:
    from siamex.bench.feed import measure_feed

    figures = measure_feed(subscribers=3, rate=100, seconds=0.5, websocket=True)
    assert figures.messages_per_s > 0 and 0 < figures.p50_us <= figures.p99_us


def _settle_small_day(store: str) -> str:
    out = io.StringIO()
    run_clearing(Console(file=out, width=200), trades=300, members=4, securities=10, runs=1,
                 seed=1, settle_trades=None, settle_store=store)
    return out.getvalue()


def test_bench_clearing_refuses_to_settle_in_a_store_that_holds_a_day(tmp_path: Path) -> None:
    store = str(tmp_path / "ledger.db")
    assert " 0 fails" in _settle_small_day(store)
    with pytest.raises(SiamexError) as exc:
        _settle_small_day(store)
    assert exc.value.code is ErrorCode.INVALID_PARAMETER
    assert str(exc.value).endswith(f"--settle-store {store} is not empty")
