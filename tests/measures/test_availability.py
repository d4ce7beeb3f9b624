"""The availability ledger: its formula, its saved state, and on generated days the figures a
naive recount of the engine's orders and trades gives, never an oversold account."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.availability import Availability, Balance
from siamex.measures.depository import Holding
from siamex.measures.gate import Gate, MeasuredEngine
from siamex.trading.commands import AdvanceTime
from siamex.trading.engine import Engine
from siamex.trading.enums import Side
from siamex.trading.events import Trade
from tests.measures.test_gate import Day, stock

A1 = ("M1", "A1", "PTT")


def test_sellable_is_holdings_plus_bought_less_sold_resting_pledged_and_lent() -> None:
    balance = Balance(settled=1000, receivable=100, deliverable=50, pledged=200, borrowed=300,
                      lent=100, short_sold=120, resting=30, short_resting=80)
    assert balance.sellable() == 1000 + 100 - 50 - 30 - 200 - 100
    assert balance.short_sellable() == 300 - 120 - 80


def test_availability_is_never_below_zero_though_the_ledger_may_be() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=100), rules={})  # the check is off
    day.sell("10:30", "s1", 500)
    assert day.measured.gate.ledger.balance(A1).sellable() == -400
    assert day.available("A1") == 0


def test_a_new_days_holdings_replace_the_figures_and_keep_the_reservations() -> None:
    ledger = Availability([Holding("M1", "A1", "PTT", settled=1000),
                           Holding("M1", "A2", "PTT", settled=500)])
    day = Day(gate=Gate(ledger))
    day.sell("10:30", "gtc", 300, "34.00", validity="gtc")
    ledger.load([Holding("M1", "A1", "PTT", settled=2000, receivable=100)])
    assert ledger.available("M1", "A1", "PTT") == 2000 + 100 - 300
    assert ledger.available("M1", "A2", "PTT") == 0


def test_adopting_orders_the_ledger_follows_changes_nothing() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=1000))
    day.sell("10:30", "s1", 300, "34.00")
    ledger = day.measured.gate.ledger
    ledger.adopt(day.measured.engine.orders.values())
    assert ledger.balance(A1).resting == 300


def test_the_state_keeps_every_figure_and_live_order() -> None:
    day = Day(Holding("M1", "A1", "PTT", settled=1000, borrowed=400),
              instruments=(stock(short_eligible=True),))
    day.sell("10:30", "s1", 300, "34.00")
    day.sell("10:31", "ss1", 200, "34.00", short=True)
    day.buy("10:32", "b1", 100, "34.00")
    state = day.measured.gate.ledger.state()
    assert state["orders"] == [["s1", "M1", "A1", "PTT", True, False, 200],
                               ["ss1", "M1", "A1", "PTT", True, True, 200]]
    assert ["M1", "A1", "PTT", 1000, 0, 100, 0, 400, 0, 0, 200, 200] in state["balances"]
    copy = Availability.from_state(state)
    assert copy.state() == state
    events = day.cancel("10:33", "s1")  # the copy goes on with the day as the original
    copy.observe(day.log[-1], events)
    assert copy.state() == day.measured.gate.ledger.state()
    assert copy.available("M1", "A1", "PTT") == 1000 - 100 - 0


GARBAGE = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**16), 10**16) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=13) | st.dictionaries(
        st.sampled_from(["balances", "orders", "x"]), inner, max_size=3),
    max_leaves=40)


@given(GARBAGE)
@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
def test_any_garbage_state_is_rebuilt_or_refused(data: Any) -> None:
    try:
        ledger = Availability.from_state(data)
    except SiamexError as exc:
        assert exc.code is ErrorCode.MEASURES_STATE
        return
    assert Availability.from_state(ledger.state()).state() == ledger.state()


ACCOUNTS = ("A1", "A2", "A3")
PRICES = ("33.25", "33.50", "33.75")
ORDER = st.tuples(st.sampled_from(ACCOUNTS), st.sampled_from(["buy", "sell", "short"]),
                  st.sampled_from([50, 100, 200, 300, 500]), st.sampled_from(PRICES),
                  st.sampled_from(["new", "new", "new", "amend", "cancel"]),
                  st.booleans())


def _recount(day: Day, start: dict[str, Holding]) -> dict[str, tuple[int, ...]]:
    """Each account's figures from the engine's live orders and the trades printed."""
    engine = day.measured.engine
    resting: Counter[tuple[str, bool]] = Counter()
    for order in engine.orders.values():
        if order.side is Side.SELL:
            resting[(order.account, order.short)] += order.remaining
    bought: Counter[str] = Counter()
    sold: Counter[tuple[str, bool]] = Counter()
    shorts = {c.id for c in day.log if getattr(c, "short", False)}
    for trade in (e for e in day.printed if isinstance(e, Trade)):
        bought[trade.buy_account] += trade.qty
        sold[(trade.sell_account, trade.sell_id in shorts)] += trade.qty
    return {account: (start[account].receivable + bought[account],
                      start[account].deliverable + sold[(account, False)],
                      start[account].short_sold + sold[(account, True)],
                      resting[(account, False)], resting[(account, True)])
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
    ledger = day.measured.gate.ledger
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
            balance = ledger.balance(("M1", account, "PTT"))
            assert balance.sellable() >= 0
            assert balance.short_sellable() >= 0
        recount = _recount(day, start)
        for account in ACCOUNTS:
            balance = ledger.balance(("M1", account, "PTT"))
            assert (balance.receivable, balance.deliverable, balance.short_sold,
                    balance.resting, balance.short_resting) == recount[account]
    day.run(AdvanceTime(day.ts("17:00")))
    assert all(ledger.balance(("M1", a, "PTT")).resting == 0 for a in ACCOUNTS)


def test_a_measured_engine_with_the_check_off_prints_the_same_events_on_a_generated_day(
        ) -> None:
    flow = [(a, s, q, p) for a in ACCOUNTS for s in ("buy", "sell") for q in (100, 300)
            for p in PRICES]
    days = [Day(engine=Engine(), rules={}),
            Day(engine=MeasuredEngine(Engine(), Gate()), rules={})]
    printed: list[list[Any]] = [[], []]
    for index, day in enumerate(days):
        for n, (account, side, qty, price) in enumerate(flow):
            at = f"10:{30 + n // 60:02d}:{n % 60:02d}"
            printed[index] += day.order(at, f"o{n}", side, qty, price, account=account,
                                        symbol="PTT", member="M1")
        printed[index] += day.run(AdvanceTime(day.ts("17:00")))
    assert printed[0] == printed[1]
    assert any(isinstance(e, Trade) for e in printed[0])


@pytest.mark.parametrize("bad", [
    {"balances": [["M1", "A1", "PTT", *[0] * 9]], "orders": [], "x": 1},
    {"balances": [["M1", "A1", "PTT", *[0] * 9], ["M1", "A1", "PTT", *[0] * 9]], "orders": []},
    {"balances": [["M1", "", "PTT", *[0] * 9]], "orders": []},
    {"balances": [["M1", "A1", "PTT", *[0] * 8, 10**16]], "orders": []},
    {"balances": [], "orders": [["s1", "M1", "A1", "PTT", True, False, 1]] * 2},
])
def test_a_bad_state_names_what_is_wrong(bad: Any) -> None:
    with pytest.raises(SiamexError) as caught:
        Availability.from_state(bad)
    assert caught.value.code is ErrorCode.MEASURES_STATE
