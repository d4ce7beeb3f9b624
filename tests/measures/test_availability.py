"""The holdings the engine keeps: their formula, loading and saved state, and on generated days
the figures a naive recount of the engine's orders and trades gives, never an oversold
account."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.availability import attach, holdings_from_state, holdings_state, load
from siamex.measures.depository import Holding
from siamex.measures.live import LiveMeasures
from siamex.trading.balance import Balance
from siamex.trading.commands import AdvanceTime
from siamex.trading.engine import Engine
from siamex.trading.enums import Side
from siamex.trading.events import Trade
from siamex.trading.holdings import Holdings
from siamex.trading.snapshot import restore, snapshot
from tests.measures.test_check_before_sell import Day, stock

A1 = ("M1", "A1", "PTT")


def test_sellable_is_holdings_plus_bought_less_sold_resting_pledged_and_lent() -> None:
    balance = Balance(settled=1000, receivable=100, deliverable=50, pledged=200, borrowed=300,
                      lent=100, short_sold=120, resting=30, short_resting=80)
    assert balance.sellable() == 1000 + 100 - 50 - 30 - 200 - 100
    assert balance.short_sellable() == 300 - 120 - 80


def test_availability_is_never_below_zero_though_the_ledger_may_be() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=100), rules={})  # the check is off
    day.sell("10:30", "s1", 500)
    assert day.balance(A1).sellable() == -400
    assert day.available("A1") == 0


def test_a_new_days_holdings_replace_the_figures_and_keep_the_reservations() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=1000), Holding("M1", "A2", "PTT", settled=500))
    day.sell("10:30", "gtc", 300, "34.00", validity="gtc")
    load(day.holdings, [Holding("M1", "A1", "PTT", settled=2000, receivable=100)])
    assert day.available("A1") == 2000 + 100 - 300
    assert day.available("A2") == 0


def _restored(day: Day) -> Engine:
    """A second engine with the day's state and holdings, as a server restarts."""
    engine = restore(snapshot(day.host))
    measures = LiveMeasures.from_state({**LiveMeasures().state(Engine()), "holdings":
                                        holdings_state(day.holdings, day.host.orders.values())})
    measures.attach(engine)
    return engine


def test_the_state_keeps_every_figure_waiting_report_and_nvdr_order() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=2_000_000, borrowed=400),
              Holding("M1", "A1", "PTT-R", settled=500),
              instruments=(stock(short_eligible=True),))
    day.sell("10:30", "s1", 300, "34.00")
    day.sell("10:31", "ss1", 200, "34.00", short=True)
    day.buy("10:32", "b1", 100, "34.00")
    day.sell("10:33", "n1", 400, "34.25", nvdr=True)
    day.report("10:34", "tr1", 1_000_000, buy_member="M2")
    state = holdings_state(day.holdings, day.host.orders.values())
    assert state["nvdr"] == ["n1"]
    assert state["reports"] == [["tr1", "M1", "A1", "PTT", 1_000_000]]
    assert ["M1", "A1", "PTT", 2_000_000, 0, 100, 0, 400, 0, 0, 1_000_200, 200] in (
        state["balances"])
    engine = _restored(day)
    assert engine.holdings is not None
    assert holdings_state(engine.holdings, engine.orders.values()) == state
    twin = Day(engine=engine, started=True)
    for run in (day, twin):  # the copy goes on with the day as the original
        run.cancel("10:35", "n1")
        run.cancel("10:35", "s1")
        run.buy("10:36", "b2", 200, "34.00")
    assert holdings_state(engine.holdings, engine.orders.values()) == holdings_state(
        day.holdings, day.host.orders.values())
    assert twin.available("A1", "PTT-R") == 500


GARBAGE = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**16), 10**16) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=13) | st.dictionaries(
        st.sampled_from(["version", "balances", "reports", "nvdr", "x"]), inner, max_size=4),
    max_leaves=40)


@given(GARBAGE)
@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
def test_any_garbage_state_is_rebuilt_or_refused(data: Any) -> None:
    try:
        holdings, _ = holdings_from_state(data)
    except SiamexError as exc:
        assert exc.code is ErrorCode.MEASURES_STATE
        return
    again = holdings_state(holdings, [])
    assert holdings_state(holdings_from_state(again)[0], []) == again


ACCOUNTS = ("A1", "A2", "A3")
PRICES = ("33.25", "33.50", "33.75")
ORDER = st.tuples(st.sampled_from(ACCOUNTS), st.sampled_from(["buy", "sell", "short"]),
                  st.sampled_from([50, 100, 200, 300, 500]), st.sampled_from(PRICES),
                  st.sampled_from(["new", "new", "new", "amend", "cancel"]),
                  st.booleans())


def _recount(day: Day, start: dict[str, Holding]) -> dict[str, tuple[int, ...]]:
    """Each account's figures from the engine's live orders and the trades printed."""
    engine = day.host
    resting: Counter[tuple[str, bool]] = Counter()
    buying: Counter[str] = Counter()
    for order in engine.orders.values():
        if order.side is Side.SELL:
            resting[(order.account, order.short)] += order.remaining
        else:
            buying[order.account] += order.remaining
    bought: Counter[str] = Counter()
    sold: Counter[tuple[str, bool]] = Counter()
    shorts = {c.id for c in day.log if getattr(c, "short", False)}
    for trade in (e for e in day.printed if isinstance(e, Trade)):
        bought[trade.buy_account] += trade.qty
        sold[(trade.sell_account, trade.sell_id in shorts)] += trade.qty
    return {account: (start[account].receivable + bought[account],
                      start[account].deliverable + sold[(account, False)],
                      start[account].short_sold + sold[(account, True)],
                      resting[(account, False)], resting[(account, True)], buying[account])
            for account in ACCOUNTS}


@given(st.lists(ORDER, min_size=1, max_size=40),
       st.lists(st.integers(0, 1000), min_size=9, max_size=9))
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
def test_a_day_with_the_check_never_oversells_and_the_ledger_matches_a_recount(
        flow: list[tuple[str, str, int, str, str, bool]], figures: list[int]) -> None:
    start = {account: Holding("M1", account, "PTT", settled=figures[3 * n] + figures[3 * n + 2],
                              receivable=figures[3 * n + 1], pledged=figures[3 * n + 2] // 2,
                              borrowed=figures[3 * n + 1] // 2)
             for n, account in enumerate(ACCOUNTS)}
    day = Day(*start.values(), instruments=(stock(short_eligible=True),))
    ledger = day.holdings
    clock = dt.datetime(2000, 1, 1, 10, 30)
    ids: list[str] = []
    for n, (account, side, qty, price, op, ioc) in enumerate(flow):
        clock += dt.timedelta(seconds=1)
        at = clock.strftime("%H:%M:%S")
        if op == "amend" and ids:
            day.amend(at, ids[n % len(ids)], qty)
        elif op == "cancel" and ids:
            day.cancel(at, ids[n % len(ids)])
        else:
            ids.append(f"o{n}")
            validity = "fak" if ioc else "day"
            day.order(at, f"o{n}", "sell" if side != "buy" else "buy", qty,
                      price if side != "short" else "33.75", account=account, symbol="PTT",
                      member="M1", validity=validity, short=side == "short")
        for account in ACCOUNTS:
            balance = ledger.balance("M1", account, "PTT")
            assert balance.sellable() >= 0
            assert balance.short_sellable() >= 0
        recount = _recount(day, start)
        for order in day.host.orders.values():  # the bounds the wash screening reads
            bounds = ledger.balance("M1", order.account, "PTT")
            assert (order.price >= bounds.sell_floor if order.side is Side.SELL
                    else order.price <= bounds.buy_ceiling)
        for account in ACCOUNTS:
            balance = ledger.balance("M1", account, "PTT")
            assert (balance.receivable, balance.deliverable, balance.short_sold,
                    balance.resting, balance.short_resting, balance.buying) == recount[account]
    day.run(AdvanceTime(day.ts("17:00")))
    assert all(ledger.balance("M1", a, "PTT").resting == 0 for a in ACCOUNTS)


def test_an_engine_keeping_holdings_with_the_check_off_prints_the_same_events(
        ) -> None:
    flow = [(a, s, q, p) for a in ACCOUNTS for s in ("buy", "sell") for q in (100, 300)
            for p in PRICES]
    days = [Day(engine=Engine(), rules={}),
            Day(engine=attach(Engine(), Holdings()), rules={})]
    printed: list[list[Any]] = [[], []]
    for index, day in enumerate(days):
        for n, (account, side, qty, price) in enumerate(flow):
            at = f"10:{30 + n // 60:02d}:{n % 60:02d}"
            printed[index] += day.order(at, f"o{n}", side, qty, price, account=account,
                                        symbol="PTT", member="M1")
        printed[index] += day.run(AdvanceTime(day.ts("17:00")))
    assert printed[0] == printed[1]
    assert any(isinstance(e, Trade) for e in printed[0])


GOOD: dict[str, Any] = {"version": 2, "balances": [], "reports": [], "nvdr": []}


@pytest.mark.parametrize("bad", [
    {**GOOD, "x": 1},
    {**GOOD, "version": 1},
    {**GOOD, "balances": [["M1", "A1", "PTT", *[0] * 9]] * 2},
    {**GOOD, "balances": [["M1", "", "PTT", *[0] * 9]]},
    {**GOOD, "balances": [["M1", "A1", "PTT", *[0] * 8, 10**16]]},
    {**GOOD, "reports": [["tr1", "M1", "A1", "PTT", 1]] * 2},
    {**GOOD, "reports": [["tr1", "M1", "A1", "PTT", -1]]},
    {**GOOD, "nvdr": [1]},
])
def test_a_bad_state_names_what_is_wrong(bad: Any) -> None:
    with pytest.raises(SiamexError) as caught:
        holdings_from_state(bad)
    assert caught.value.code is ErrorCode.MEASURES_STATE
