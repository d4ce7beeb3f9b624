"""A TFEX day on the engine: each series follows its product's sessions, the night session runs
past midnight and ends its own trading day, orders carry their open/close flag onto their trades
(decisions 93, 110, 111)."""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.rulebook.products import default_products
from siamex.rulebook.series import parse_symbol
from siamex.scenario.loader import parse_scenario
from siamex.scenario.output import event_fields, event_name
from siamex.scenario.runner import run_scenario
from siamex.trading.commands import AccountSpec
from siamex.trading.engine import Engine
from siamex.trading.snapshot import dump, load, state_hash
from siamex.units import format_time_of_day, parse_time_of_day

DATE = "2026-12-03"
SERIES = [{"symbol": "S50Z26", "prev_close": "950.0"},
          {"symbol": "GFG27", "prev_close": "41000"},
          {"symbol": "S50Z26C950", "prev_close": "12.5"}]


def _scenario(actions: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"market": "tfex", "date": DATE, "underlyings": {"SET50": "948.30"},
            "instruments": SERIES, "actions": actions, **extra}


def _order(at: str, oid: str, symbol: str, side: str, qty: int, price: str,
           **extra: Any) -> dict[str, Any]:
    member, account = ("M1", "A1") if side == "buy" else ("M2", "B1")
    return {"at": at, "op": "new", "id": oid, "member": member, "account": account,
            "symbol": symbol, "side": side, "qty": qty, "price": price, **extra}


def _run(scenario: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    plan = parse_scenario(msgspec.json.encode(scenario))
    return [(event_name(e), {"at": format_time_of_day(e.ts), **event_fields(e)})
            for e in run_scenario(plan, Engine(), None)]


def _named(events: list[tuple[str, dict[str, Any]]], name: str) -> list[dict[str, Any]]:
    return [fields for kind, fields in events if kind == name]


def test_each_series_follows_its_own_products_sessions() -> None:
    phases = [(f["symbol"], f["phase"]) for f in _named(_run(_scenario([])), "phase")]
    assert [p for s, p in phases if s == "S50Z26"] == ["PRE_OPEN_1", "OPEN_1", "CLOSED"]
    assert [p for s, p in phases if s == "GFG27"] == [
        "PRE_OPEN_1", "OPEN_1", "INTERMISSION", "PRE_OPEN_2", "OPEN_2", "CLOSED"]
    assert all(s != "*" for s, _ in phases)  # nothing is market-wide on TFEX


def test_the_pre_open_auction_opens_the_day_and_the_flags_reach_the_trade() -> None:
    events = _run(_scenario([
        _order("09:20:00", "b1", "S50Z26", "buy", 5, "951.0", position_effect="open"),
        _order("09:30:00", "s1", "S50Z26", "sell", 3, "950.5", position_effect="close"),
        _order("10:00:00", "s2", "S50Z26", "sell", 2, "951.0"),
    ]))
    trades = _named(events, "trade")
    assert [(t["aggressor"], t["qty"], t["price"], t["buy_effect"], t["sell_effect"])
            for t in trades] == [("auction", 3, "951.00", "open", "close"),
                                 ("sell", 2, "951.00", "open", "open")]
    assert _named(events, "accepted")[2]["position_effect"] == "open"  # decision 110


def test_a_night_session_trades_past_midnight_and_a_day_only_series_is_closed_in_it() -> None:
    events = _run(_scenario([
        _order("19:00:00", "g1", "GFG27", "buy", 1, "41010"),
        _order("19:00:01", "x1", "S50Z26", "buy", 1, "950"),
        _order("25:30:00", "g2", "GFG27", "sell", 1, "41000", position_effect="close"),
    ]))
    assert [(f["id"], f["reason"], f["text"]) for f in _named(events, "rejected")] == [
        ("x1", "MARKET_CLOSED", "S50Z26 takes no new orders in CLOSED")]
    (trade,) = _named(events, "trade")
    assert (trade["symbol"], trade["sell_effect"]) == ("GFG27", "close")
    night = [f for f in _named(events, "close") if f.get("session") == "night"]
    assert [(f["symbol"], f["volume"]) for f in night] == [("GFG27", 1)]


def test_day_orders_expire_when_their_series_trading_day_ends() -> None:
    events = _run(_scenario([
        _order("10:00:00", "d1", "GFG27", "buy", 1, "40000"),
        _order("10:00:01", "d2", "S50Z26", "buy", 1, "940"),
        _order("19:00:00", "n1", "GFG27", "buy", 1, "40000"),
    ]))
    expired = [(f["id"], f["at"]) for f in _named(events, "cancelled")
               if f.get("reason") == "EXPIRED"]
    assert expired == [("d2", "16:55:00.000000"), ("d1", "16:55:00.000000"),
                       ("n1", "03:00:00.000000")]
    assert len(_named(events, "close")) == 4  # each series' day, and GFG27's night


def test_a_gtd_order_ends_with_its_last_days_day_session_not_in_the_night() -> None:
    events = _run(_scenario([
        _order("10:00:00", "g1", "GFG27", "buy", 1, "40000", validity="gtd",
               expire_date=DATE),
        _order("19:00:00", "g2", "GFG27", "sell", 1, "40000"),
    ]))
    assert [(f["id"], f["at"]) for f in _named(events, "cancelled")] == [
        ("g1", "16:55:00.000000"), ("g2", "03:00:00.000000")]
    assert _named(events, "trade") == []


def test_the_set_controls_by_security_do_not_arm_for_a_series() -> None:
    scenario = _scenario([_order("10:00:00", "h1", "S50Z26", "buy", 1, "1100"),
                          _order("10:00:01", "h2", "S50Z26", "sell", 1, "1100")],
                         rules={"dynamic_price_band_kinds": ["future"],
                                "auto_pause_kinds": ["future"], "dynamic_price_band_pct": 5})
    events = _run(scenario)
    assert [f["id"] for f in _named(events, "accepted")] == ["h1", "h2"]
    assert len(_named(events, "trade")) == 1  # 16% over the 950 reference: no band
    assert _named(events, "status") == []
    engine = Engine()
    plan = parse_scenario(msgspec.json.encode(_scenario([])))
    engine.handle(msgspec.structs.replace(plan.days[0].start, accounts=(
        AccountSpec("A1", hft=True, hft_registered=False),)))
    assert engine.hft_accounts == {}


def test_what_tfex_does_not_take_is_refused_with_its_code() -> None:
    events = _run(_scenario([
        _order("10:00:00", "t1", "S50Z26", "buy", 1, "950.05"),
        _order("10:00:01", "t2", "S50Z26", "sell", 1, "950", short=True),
        _order("10:00:02", "t3", "S50Z26", "sell", 1, "2000"),
        {**_order("10:00:03", "t4", "S50Z26", "sell", 1, "950"), "type": "atc", "price": None},
        {"at": "10:00:04", "op": "trade_report", "id": "r1", "symbol": "S50Z26", "qty": 10,
         "price": "950", "sell_member": "M2", "sell_account": "B1", "buy_member": "M1",
         "buy_account": "A1"},
    ]))
    assert [(f["id"], f["reason"]) for f in _named(events, "rejected")] == [
        ("t1", "TICK_SIZE"), ("t2", "INVALID"), ("t3", "PRICE_LIMIT"),
        ("t4", "ORDER_TYPE_NOT_ALLOWED"), ("r1", "NOT_IMPLEMENTED")]


def test_an_equity_order_with_a_position_effect_is_refused() -> None:
    scenario = {"date": DATE, "instruments": [{"symbol": "PTT", "prev_close": "34.00"}],
                "actions": [{"at": "10:00:00", "op": "new", "id": "e1", "member": "M1",
                             "account": "A1", "symbol": "PTT", "side": "buy", "qty": 100,
                             "price": "34.00", "position_effect": "open"}]}
    (reject,) = _named(_run(scenario), "rejected")
    assert reject["reason"] == "INVALID" and "derivatives" in reject["text"]


def test_a_snapshot_in_the_night_session_continues_as_the_uninterrupted_day() -> None:
    actions = [_order("19:00:00", "g1", "GFG27", "buy", 2, "41010"),
               _order("25:30:00", "g2", "GFG27", "sell", 1, "41000")]
    plan = parse_scenario(msgspec.json.encode(_scenario(actions)))
    (day,) = plan.days
    whole = Engine()
    for command in [day.start, *(item.command for item in day.items if item.command)]:
        whole.handle(command)
    halfway = Engine()
    halfway.handle(day.start)
    first = day.items[0].command
    assert first is not None
    halfway.handle(first)
    resumed = load(dump(halfway))
    second = day.items[1].command
    assert second is not None
    resumed.handle(second)
    assert state_hash(resumed) == state_hash(whole)


_TIMES = st.integers(9 * 60 + 10, 27 * 60 - 1)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_TIMES, st.sampled_from(["S50Z26", "GFG27"]),
                          st.sampled_from(["buy", "sell"]), st.integers(1, 5),
                          st.integers(-20, 20), st.sampled_from([None, "open", "close"])),
                max_size=40))
def test_every_trade_is_in_its_series_sessions_on_tick_within_limits(
        orders: list[tuple[int, str, str, int, int, str | None]]) -> None:
    prev = {"S50Z26": 95000, "GFG27": 4100000}
    actions = []
    timed = sorted(orders, key=lambda o: o[0])
    for number, (minute, symbol, side, qty, ticks, effect) in enumerate(timed):
        tick = 10 if symbol == "S50Z26" else 1000
        price = prev[symbol] + ticks * tick
        extra = {"position_effect": effect} if effect else {}
        actions.append(_order(f"{minute // 60:02d}:{minute % 60:02d}:00", f"o{number}", symbol,
                              side, qty, f"{price // 100}.{price % 100:02d}", **extra))
    events = _run(_scenario(actions))
    assert events == _run(_scenario(actions))  # the same input, the same output
    products = default_products()
    flags = {a["id"]: a.get("position_effect", "open") for a in actions}
    for trade in _named(events, "trade"):
        sessions = products[parse_symbol(trade["symbol"], products).product].sessions
        at = parse_time_of_day(trade["at"][:8])
        clock = [at, at + 24 * 3_600_000_000]
        assert any(s.open <= t <= s.close for s in sessions for t in clock)
        price = int(trade["price"].replace(".", ""))
        tick = products[parse_symbol(trade["symbol"], products).product].tick
        assert price % tick == 0
        assert abs(price - prev[trade["symbol"]]) <= prev[trade["symbol"]] * 3 // 10
        assert (trade["buy_effect"], trade["sell_effect"]) == (flags[trade["buy_id"]],
                                                             flags[trade["sell_id"]])
