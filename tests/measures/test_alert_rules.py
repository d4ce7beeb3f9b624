"""Each surveillance alert rule at its thresholds: reached is an alert, one step short is not
(decision 168); and the evidence an alert carries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from siamex.measures.alerts import Alert
from siamex.measures.investors import Investors
from siamex.measures.surveillance import surveil
from siamex.rulebook.surveillance import SurveillanceRules
from siamex.trading.commands import (
    AdvanceTime,
    CancelOrder,
    Command,
    InstrumentSpec,
    NewOrder,
    StartDay,
)
from siamex.trading.engine import Engine
from siamex.trading.enums import OrderType, Side
from siamex.trading.events import Event
from siamex.units import US_PER_SECOND, day_start, parse_time_of_day

DAY = dt.date(2026, 11, 20)
BASE = day_start(DAY)
BUY, SELL = Side.BUY, Side.SELL
PUSHER = "INV-7c1e5a90d24b3f68e0a1"
TWIN = "INV-e4a03d7b91c2f65d08b3"
LINKS = ((PUSHER, "M1", "P1"), (PUSHER, "M2", "P2"), (TWIN, "M1", "W1"), (TWIN, "M4", "W2"))


def at(text: str, seconds: float = 0) -> int:
    return BASE + parse_time_of_day(text) + round(seconds * US_PER_SECOND)


class Flow:
    """A day of SCC (previous close 20.00, ticks of 0.10), auctions at 10:00, 14:00, 16:40."""

    def __init__(self) -> None:
        self.engine = Engine()
        self.pairs: list[tuple[Command, list[Event]]] = []
        times = {"open1": parse_time_of_day("10:00"), "open2": parse_time_of_day("14:00"),
                 "close": parse_time_of_day("16:40")}
        self.send(StartDay(BASE, DAY.isoformat(), 1, {},
                           (InstrumentSpec("SCC", 2000, listed_shares=1_000_000_000),),
                           auction_times=times))

    def send(self, command: Command) -> None:
        self.pairs.append((command, self.engine.handle(command)))

    def order(self, order_id: str, ts: int, who: str, side: Side, qty: int,
              price: int | None, kind: OrderType = OrderType.LIMIT) -> None:
        member, account = who.split("/")
        self.send(NewOrder(ts, order_id, member, account, "SCC", side, qty, kind, price))

    def alerts(self, rule: str, **overrides: Any) -> list[Alert]:
        self.send(AdvanceTime(BASE + parse_time_of_day("17:00")))
        rules = SurveillanceRules({"alert_rules": [rule], **overrides})
        return list(surveil(self.pairs, Investors(LINKS).investor_of, rules).alerts)


# -- push ------------------------------------------------------------------------------------

def _push(second_price: int, second_at: int, others: int = 0) -> Flow:
    """Offers at 20.30 and at `second_price`; the pusher takes the first offer at 20.30,
    another investor buys `others` shares offered behind it, then the pusher takes the second
    price."""
    flow = Flow()
    flow.order("ask1", at("10:05"), "M6/X1", SELL, 100, 2030)
    flow.order("ask2", at("10:05", 1), "M6/X1", SELL, 100, second_price)
    if others:
        flow.order("ask0", at("10:05", 2), "M7/Y1", SELL, others, 2030)
    flow.order("push1", at("10:10"), "M1/P1", BUY, 100, 2030)
    if others:
        flow.order("other", at("10:10", 1), "M5/Z1", BUY, others, 2030)
    flow.order("push2", second_at, "M2/P2", BUY, 100, second_price)
    return flow


def test_a_push_of_exactly_the_move_is_an_alert_one_tick_less_is_not() -> None:
    alerts = _push(2060, at("10:11")).alerts("push")  # 20.00 to 20.60: +3.00%
    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert.rule, alert.symbol, alert.investor) == ("push", "SCC", PUSHER)
    assert alert.text == (f"{PUSHER}'s 2 aggressive buys moved SCC from 20.00 to 20.60 "
                          "(+3.00%) between 10:10:00 and 10:11:00: 200 of the 200 shares "
                          "traded then (100.00%)")
    assert [o.id for o in alert.orders] == ["push1", "push2"]
    assert [(t.buy_id, t.sell_id, t.price) for t in alert.trades] == [
        ("push1", "ask1", 2030), ("push2", "ask2", 2060)]
    assert (alert.start, alert.end) == (at("10:10"), at("10:11"))
    assert _push(2050, at("10:11")).alerts("push") == []


def test_a_push_of_exactly_the_share_of_volume_is_an_alert_a_smaller_one_is_not() -> None:
    assert len(_push(2060, at("10:11"), others=200).alerts("push")) == 1  # 200 of 400: 50%
    assert _push(2060, at("10:11"), others=300).alerts("push") == []  # 200 of 500: 40%


def test_a_push_spans_at_most_the_window() -> None:
    assert len(_push(2060, at("10:15")).alerts("push")) == 1  # 300 s exactly
    assert _push(2060, at("10:15") + 1).alerts("push") == []
    assert len(_push(2060, at("10:15") + 1).alerts("push", push_window_seconds=301)) == 1


def test_one_order_sweeping_the_book_is_no_push() -> None:
    flow = Flow()
    flow.order("ask1", at("10:05"), "M6/X1", SELL, 100, 2030)
    flow.order("ask2", at("10:05", 1), "M6/X1", SELL, 100, 2080)
    flow.order("sweep", at("10:10"), "M1/P1", BUY, 200, 2080)
    assert flow.alerts("push") == []


def test_a_push_down_by_aggressive_sells_is_an_alert() -> None:
    flow = Flow()
    flow.order("bid1", at("10:05"), "M6/X1", BUY, 100, 1970)
    flow.order("bid2", at("10:05", 1), "M6/X1", BUY, 100, 1940)
    flow.order("s1", at("10:10"), "M1/P1", SELL, 100, 1970)
    flow.order("s2", at("10:10", 30), "M1/P1", SELL, 100, 1940)
    alerts = flow.alerts("push")
    assert len(alerts) == 1 and "(-3.00%)" in alerts[0].text


# -- layering --------------------------------------------------------------------------------

def _layering(layers: int, cancel_after: float) -> Flow:
    """`layers` sells of the twin through M4, a buy of it through M1 taking an offer, then the
    sells withdrawn `cancel_after` seconds after the first was entered."""
    flow = Flow()
    flow.order("ask", at("10:05"), "M6/X1", SELL, 500, 2010)
    for n in range(layers):
        flow.order(f"layer{n}", at("10:10", n / 10), "M4/W2", SELL, 1000, 2050 + 10 * n)
    flow.order("buy", at("10:10", 5), "M1/W1", BUY, 500, 2010)
    for n in range(layers):
        flow.send(CancelOrder(at("10:10", n / 10 + cancel_after), f"layer{n}"))
    return flow


def test_layering_with_the_least_orders_is_an_alert_one_fewer_is_not() -> None:
    alerts = _layering(3, 20).alerts("layering")
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.investor == TWIN
    assert alert.text == (f"{TWIN} entered 3 sell orders of SCC (3,000 shares) and cancelled "
                          "them unfilled within 20 s, while it bought 500 shares on the other "
                          "side between 10:10:00 and 10:10:20")
    assert [o.id for o in alert.orders] == ["layer0", "layer1", "layer2"]
    assert all(o.cancelled is not None and o.filled == 0 for o in alert.orders)
    assert [t.buy_id for t in alert.trades] == ["buy"]
    assert _layering(2, 20).alerts("layering") == []


def test_an_order_withdrawn_exactly_the_limit_after_its_entry_counts_a_moment_later_not() -> None:
    assert len(_layering(3, 60).alerts("layering")) == 1
    assert _layering(3, 60.000001).alerts("layering") == []


def test_orders_cancelled_with_no_trade_on_the_other_side_are_no_layering() -> None:
    flow = Flow()
    for n in range(4):
        flow.order(f"layer{n}", at("10:10", n), "M4/W2", SELL, 1000, 2050 + 10 * n)
        flow.send(CancelOrder(at("10:10", 10 + n), f"layer{n}"))
    assert flow.alerts("layering") == []


# -- wash ------------------------------------------------------------------------------------

def _wash(seller: str) -> Flow:
    flow = Flow()
    flow.order("sell", at("11:00"), seller, SELL, 100, 2000)
    flow.order("buy", at("11:00", 5), "M1/W1", BUY, 100, 2000)
    return flow


def test_a_trade_of_one_investor_through_two_members_is_a_wash() -> None:
    alerts = _wash("M4/W2").alerts("wash")
    assert len(alerts) == 1
    assert alerts[0].text == (f"{TWIN} traded 100 SCC with itself at 20.00 in 1 trade at "
                              "11:00:05 (buy M1/W1, sell M4/W2)")
    assert {o.id for o in alerts[0].orders} == {"sell", "buy"}
    assert _wash("M6/X1").alerts("wash") == []


def test_a_wash_of_exactly_the_least_quantity_is_an_alert_one_share_more_is_not() -> None:
    assert len(_wash("M4/W2").alerts("wash", wash_min_qty=100)) == 1
    assert _wash("M4/W2").alerts("wash", wash_min_qty=101) == []


# -- marking the close -----------------------------------------------------------------------

def _close(close_price: int, others: int) -> Flow:
    """A bid of `others` before the pre-close; in it an offer, then the marker's buy of 100."""
    flow = Flow()
    flow.order("early", at("16:00"), "M5/Z1", BUY, others, close_price)
    flow.order("offer", at("16:31"), "M6/X1", SELL, others + 100, close_price)
    flow.order("mark", at("16:33"), "M1/P1", BUY, 100, close_price)
    return flow


def test_a_close_moved_exactly_the_least_is_an_alert_less_is_not() -> None:
    alerts = _close(2040, 100).alerts("close")  # 20.40 over 20.00: +2.00%; 100 of 200
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.investor == PUSHER
    assert alert.text == (f"{PUSHER}'s pre-close buys filled 100 of the closing auction's 200 "
                          "shares (50.00%), which closed SCC at 20.40, 2.00% above its "
                          "reference 20.00")
    assert [o.id for o in alert.orders] == ["mark"]
    assert (alert.start, alert.end) == (at("16:33"), at("16:40"))
    assert _close(2030, 100).alerts("close") == []


def test_a_close_marked_with_less_than_the_share_is_no_alert() -> None:
    assert _close(2040, 200).alerts("close") == []  # 100 of 300
    assert len(_close(2040, 200).alerts("close", close_share_pct=33)) == 1


# -- split orders ----------------------------------------------------------------------------

def _split(qty: int = 1000, spacing: float = 15, count: int = 5) -> Flow:
    flow = Flow()
    for n in range(count):
        flow.order(f"piece{n}", at("15:00", n * spacing), "M1/P1" if n % 2 else "M2/P2", BUY,
                   qty, 1990)
    return flow


def test_orders_at_every_threshold_of_the_split_rule_are_an_alert() -> None:
    alerts = _split().alerts("split")  # 5 orders of 1,000 within 60 s: 5,000
    assert len(alerts) == 1
    assert alerts[0].text == (f"{PUSHER} entered 5 buy orders of SCC between 15:00:00 and "
                              "15:01:00, each of at most 1,000 shares, together 5,000")
    assert [o.id for o in alerts[0].orders] == [f"piece{n}" for n in range(5)]


@pytest.mark.parametrize("flow", [
    lambda: _split(count=4),
    lambda: _split(spacing=15.000001),
    lambda: _split(qty=1100),
    lambda: _split(qty=900),
])
def test_one_step_short_of_a_split_threshold_is_no_alert(flow: Any) -> None:
    assert flow().alerts("split") == []


def test_one_run_of_orders_makes_one_alert() -> None:
    assert len(_split(count=9, spacing=7).alerts("split")) == 1
    assert len(_split(count=10, spacing=15).alerts("split")) == 2


# -- the rules together ----------------------------------------------------------------------

def test_a_rule_left_out_of_alert_rules_finds_nothing() -> None:
    assert _wash("M4/W2").alerts("close") == []
    flow = _wash("M4/W2")
    flow.send(AdvanceTime(BASE + parse_time_of_day("17:00")))
    assert surveil(flow.pairs, Investors(LINKS).investor_of,
                   SurveillanceRules({"alert_rules": []})).alerts == ()
