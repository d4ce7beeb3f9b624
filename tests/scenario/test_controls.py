"""The market-integrity controls, event by event: each scenario of examples/controls shows a
control triggered and just not triggered; each test here names the rule it checks and asserts
the events that show it (times, prices, quantities, reasons).

The byte-for-byte goldens (tests/scenario/golden/controls) guard everything else the scenarios
print. Events are compared in a short form (`_short`): the event name and the fields that carry
the rule, at the action's time (`HH:MM:SS`, with milliseconds or microseconds when present).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from siamex.scenario.loader import load_scenario
from siamex.scenario.output import event_line
from siamex.scenario.runner import run_scenario

CONTROLS = Path(__file__).resolve().parents[2] / "examples" / "controls"

Event = dict[str, Any]
Line = tuple[Any, ...]


@functools.cache
def _replay(name: str) -> tuple[Event, ...]:
    """Replay examples/controls/<name>.json; every event as its output line, decoded."""
    events = run_scenario(load_scenario(CONTROLS / f"{name}.json"))
    lines = tuple(json.loads(event_line(seq, e)) for seq, e in enumerate(events, 1))
    owners = _owners(name)
    for line in lines:  # a rejection names no symbol: take it from the action
        if "symbol" not in line and line.get("id") in owners:
            line["symbol"] = owners[line["id"]]
    return lines


def _owners(name: str) -> dict[str, str]:
    """Map each action id of a scenario to its symbol."""
    raw = json.loads((CONTROLS / f"{name}.json").read_text())
    days = raw.get("days", [raw])
    return {a["id"]: a["symbol"] for day in days for a in day["actions"]
            if "id" in a and "symbol" in a}


def _day(name: str, date: str | None = None) -> list[Event]:
    """Return the events of one day of a scenario (its only day when `date` is None)."""
    events = list(_replay(name))
    if date is None:
        return events
    starts = [i for i, e in enumerate(events) if e["event"] == "day"]
    for k, i in enumerate(starts):
        if events[i]["date"] == date:
            end = starts[k + 1] if k + 1 < len(starts) else len(events)
            return events[i:end]
    raise AssertionError(f"{name} has no day {date}")


def _time(at: str) -> str:
    hms, micro = at.split(".")
    if micro == "000000":
        return hms
    return f"{hms}.{micro[:3]}" if micro.endswith("000") else at


def _short(e: Event) -> Line:
    """The event's name and the fields that carry the rule."""
    kind = e["event"]
    if kind == "accepted":
        return (kind, e["id"])
    if kind == "rejected":
        return (kind, e["id"], e["reason"])
    if kind == "cancelled":
        return (kind, e["id"], e["qty"]) + ((e["reason"],) if "reason" in e else ())
    if kind == "amended":
        return (kind, e["id"], e["qty"], e["price"], e["priority"])
    if kind == "trade":
        line: Line = (kind, e["symbol"], e["price"], e["qty"], e["buy_id"], e["sell_id"],
                      e["aggressor"])
        return line + ((e["board"],) if e["board"] != "main" else ())
    if kind == "phase":
        return (kind, e["symbol"], e["phase"])
    if kind == "status":
        line = (kind, e["symbol"], e["what"], e["value"])
        line += (("off",) if e.get("on") is False else ())
        return line + ((_time(e["until"]),) if "until" in e else ())
    if kind == "auction":
        return (kind, e["symbol"], e["session"], e.get("price"), e["qty"])
    if kind == "indicative":
        return (kind, e["symbol"], e.get("price"), e["qty"])
    if kind == "index":
        return (kind, e["name"], e["value"])
    if kind == "trade_report":
        return (kind, e["id"], e["board"], e["qty"], e["price"], e["status"])
    if kind == "price_limits":
        return (kind, e["symbol"], e["ceiling"], e["floor"])
    if kind == "close":
        return (kind, e["symbol"], e["close"], e["average"])
    return (kind,)


def _between(events: list[Event], start: str, end: str, *symbols: str,
             skip: tuple[str, ...] = ("indicative",)) -> list[tuple[str, Line]]:
    """The events from `start` up to (not including) `end`, of these symbols ("*" events
    always), in short form. Times compare as text: "10:30" < "10:30:00.000000" < "10:31"."""
    out = []
    for e in events:
        at = e["at"]
        if not start <= at < end or e["event"] in skip:
            continue
        symbol = "*" if e["event"] == "index" else e.get("symbol")  # indices: always shown
        if symbols and symbol not in symbols and symbol != "*":
            continue
        out.append((_time(at), _short(e)))
    return out


def _of(events: list[Event], kind: str, **fields: Any) -> list[tuple[str, Line]]:
    """Every event of one kind whose fields match, in short form with its time."""
    return [(_time(e["at"]), _short(e)) for e in events
            if e["event"] == kind and all(e.get(k) == v for k, v in fields.items())]


# -- Auto Pause (6.3, T12, vector 36) --------------------------------------------------------


def test_auto_pause_offers_of_exactly_15_percent_of_listed_shares_do_not_pause() -> None:
    events = _day("auto-pause")
    # 10,000,000 + 5,000,000 = 15,000,000 offers of 100,000,000 listed: not more than 15%
    assert _between(events, "10:20", "10:23", "CALM") == [
        ("10:20:00", ("accepted", "c1")),
        ("10:21:00", ("accepted", "c2")),
        ("10:22:00", ("accepted", "c3")),
    ]
    assert _of(events, "status", symbol="CALM", what="auto_pause") == [
        ("11:45:30", ("status", "CALM", "auto_pause", "bid", "12:30:00"))]


def test_auto_pause_offers_above_15_percent_pause_40_minutes_then_a_20_minute_pre_open() -> None:
    events = _day("auto-pause")
    # 10,000,000 + 5,000,000 + 100 = 15,000,100 > 15,000,000
    assert _between(events, "10:32", "10:33", "PAUS") == [
        ("10:32:00", ("accepted", "p4")),
        ("10:32:00", ("status", "PAUS", "auto_pause", "offer", "11:32:00")),
        ("10:32:00", ("phase", "PAUS", "PAUSED")),
    ]
    assert _of(events, "phase", symbol="PAUS") == [
        ("10:00:00", ("phase", "PAUS", "OPEN_1")),
        ("10:32:00", ("phase", "PAUS", "PAUSED")),
        ("11:12:00", ("phase", "PAUS", "PRE_OPEN")),
        ("11:32:00", ("phase", "PAUS", "OPEN_1")),
        ("14:00:00", ("phase", "PAUS", "OPEN_2")),
        ("16:40:00", ("phase", "PAUS", "OFF_HOUR")),
    ]


def test_auto_pause_takes_amends_and_cancels_but_rejects_new_orders_halted() -> None:
    events = _day("auto-pause")
    assert _between(events, "10:40", "10:43", "PAUS") == [
        ("10:40:00", ("rejected", "p5", "HALTED")),
        ("10:41:00", ("amended", "p2", 4000000, "10.60", "kept")),
        ("10:42:00", ("cancelled", "p4", 100)),
    ]


def test_auto_pause_ends_with_an_auction_then_continuous_trading() -> None:
    events = _day("auto-pause")
    assert _between(events, "11:12", "11:33", "PAUS") == [
        ("11:12:00", ("phase", "PAUS", "PRE_OPEN")),
        ("11:15:00", ("accepted", "p6")),
        ("11:16:00", ("accepted", "p7")),
        ("11:32:00", ("auction", "PAUS", "resume", "10.50", 3000)),
        ("11:32:00", ("trade", "PAUS", "10.50", 1000, "p6", "p7", "auction")),
        ("11:32:00", ("trade", "PAUS", "10.50", 2000, "p6", "p1", "auction")),
        ("11:32:00", ("phase", "PAUS", "OPEN_1")),
    ]


def test_auto_pause_happens_once_per_security_per_day() -> None:
    events = _day("auto-pause")
    # offers back to 9,998,000 + 4,000,000 + 1,002,100 = 15,000,100: no second pause
    assert _between(events, "11:40", "11:42", "PAUS") == [
        ("11:40:00", ("accepted", "p8")),
        ("11:41:00", ("accepted", "p9")),
    ]
    assert len(_of(events, "status", symbol="PAUS", what="auto_pause")) == 1


def test_auto_pause_on_the_bid_side_that_would_outlast_the_session_ends_with_it() -> None:
    events = _day("auto-pause")
    # bids 1,000 + 500 + 10,000,000 + 4,998,600 = 15,000,100: a bid-side pause at 11:45:30;
    # its 40 minutes end at 12:25:30, its pre-open is cut by the session's end at 12:30 and
    # the schedule takes over without a resumption auction (decision 21)
    assert _of(events, "status", symbol="CALM") == [
        ("11:45:30", ("status", "CALM", "auto_pause", "bid", "12:30:00"))]
    assert _of(events, "phase", symbol="CALM") == [
        ("10:00:00", ("phase", "CALM", "OPEN_1")),
        ("11:45:30", ("phase", "CALM", "PAUSED")),
        ("12:25:30", ("phase", "CALM", "PRE_OPEN")),
        ("14:00:00", ("phase", "CALM", "OPEN_2")),
        ("16:40:00", ("phase", "CALM", "OFF_HOUR")),
    ]
    assert _of(events, "auction", symbol="CALM", session="resume") == []
    assert _of(events, "auction", symbol="CALM", session="open2") == [
        ("14:00:00", ("auction", "CALM", "open2", None, 0))]


# -- Circuit breaker (6.1, 12, T10, vectors 32 and 34) ---------------------------------------


def test_circuit_breaker_level_1_at_exactly_minus_8_percent_halts_all_thai_securities() -> None:
    events = _day("circuit-breaker", "2026-11-18")
    # BIGA 1,200,000,000 shares from 100.00 to 90.00: -12,000,000,000 of 150,000,000,000 = -8%
    assert _between(events, "10:30", "10:31") == [
        ("10:30:00", ("accepted", "d1-a-ask")),
        ("10:30:00", ("trade", "BIGA", "90.00", 1000, "d1-a-bid", "d1-a-ask", "sell")),
        ("10:30:00", ("index", "SET", "1380.00")),
        ("10:30:00", ("status", "*", "circuit_breaker", "1", "11:00:00")),
        ("10:30:00", ("phase", "BIGA", "HALTED")),
        ("10:30:00", ("phase", "BIGB", "HALTED")),
        ("10:30:00", ("phase", "FINE", "HALTED")),
        ("10:30:00", ("phase", "MAIX", "HALTED")),
    ]


def test_circuit_breaker_halt_rejects_new_orders_and_amends_but_takes_cancels() -> None:
    events = _day("circuit-breaker", "2026-11-18")
    assert _between(events, "10:35", "10:38", "BIGB") == [
        ("10:35:00", ("rejected", "d1-b-new", "HALTED")),
        ("10:36:00", ("rejected", "d1-b-bid", "HALTED")),
        ("10:37:00", ("cancelled", "d1-b-ask", 1000)),
    ]


def test_circuit_breaker_leaves_a_security_with_a_foreign_underlying_trading() -> None:
    events = _day("circuit-breaker", "2026-11-18")
    assert _between(events, "10:40", "10:41", "FRGN") == [
        ("10:40:00", ("accepted", "d1-f-bid")),
        ("10:40:30", ("accepted", "d1-f-ask")),
        ("10:40:30", ("trade", "FRGN", "5.00", 300, "d1-f-bid", "d1-f-ask", "sell")),
    ]
    assert [p for _, p in _of(events, "phase", symbol="FRGN")] == [
        ("phase", "FRGN", "OPEN_1"), ("phase", "FRGN", "OPEN_2"), ("phase", "FRGN", "OFF_HOUR")]


def test_circuit_breaker_last_10_minutes_are_a_pre_open_then_the_resumption_auction() -> None:
    events = _day("circuit-breaker", "2026-11-18")
    assert _between(events, "10:50", "11:01", "BIGA") == [
        ("10:50:00", ("phase", "BIGA", "PRE_OPEN")),
        ("10:52:00", ("accepted", "d1-a-bid2")),
        ("10:53:00", ("accepted", "d1-a-ask2")),
        ("11:00:00", ("auction", "BIGA", "resume", "89.00", 500)),
        ("11:00:00", ("trade", "BIGA", "89.00", 500, "d1-a-bid2", "d1-a-ask2", "auction")),
        ("11:00:00", ("index", "SET", "1368.00")),
        ("11:00:00", ("phase", "BIGA", "OPEN_1")),
    ]
    for symbol in ("BIGB", "FINE", "MAIX"):
        assert _between(events, "11:00", "11:01", symbol, skip=("index",)) == [
            ("11:00:00", ("auction", symbol, "resume", None, 0)),
            ("11:00:00", ("phase", symbol, "OPEN_1")),
        ]


def test_circuit_breaker_level_triggers_once_a_day() -> None:
    events = _day("circuit-breaker", "2026-11-18")
    # 1368.00 after the resumption auction is still at level 1: no second halt
    assert _of(events, "status") == [
        ("10:30:00", ("status", "*", "circuit_breaker", "1", "11:00:00"))]


def test_circuit_breaker_index_just_above_minus_8_percent_does_not_trigger() -> None:
    events = _day("circuit-breaker", "2026-11-19")
    assert _of(events, "index") == [
        ("00:00:00", ("index", "SET", "1500.00")),
        ("10:11:00", ("index", "SET", "1500.01")),  # FINE +0.01 x 100,000,000 shares
        ("10:30:00", ("index", "SET", "1380.01")),  # BIGA at 90.00 as on day 1
    ]
    assert _of(events, "status") == []
    assert _of(events, "accepted", id="d2-b-new") == [("10:35:00", ("accepted", "d2-b-new"))]


def test_circuit_breaker_halt_outlasting_the_session_ends_with_it() -> None:
    events = _day("circuit-breaker", "2026-11-20")
    assert _between(events, "12:10", "14:00:00.000001", "BIGA", "BIGB") == [
        ("12:10:00", ("accepted", "d3-a-ask")),
        ("12:10:00", ("trade", "BIGA", "90.00", 1000, "d3-a-bid", "d3-a-ask", "sell")),
        ("12:10:00", ("index", "SET", "1380.00")),
        ("12:10:00", ("status", "*", "circuit_breaker", "1", "12:30:00")),  # not 12:40
        ("12:10:00", ("phase", "BIGA", "HALTED")),
        ("12:10:00", ("phase", "BIGB", "HALTED")),
        ("12:20:00", ("rejected", "d3-b-new", "HALTED")),
        # vector 34: no pre-open at 12:30 and no resumption auction; the schedule takes over
        ("12:30:00", ("phase", "*", "INTERMISSION")),
        ("13:30:00", ("phase", "*", "PRE_OPEN_2")),
        ("13:40:00", ("accepted", "d3-a-bid2")),
        ("13:41:00", ("accepted", "d3-a-ask2")),
        ("14:00:00", ("auction", "BIGA", "open2", "91.00", 500)),
        ("14:00:00", ("trade", "BIGA", "91.00", 500, "d3-a-bid2", "d3-a-ask2", "auction")),
        ("14:00:00", ("index", "SET", "1392.00")),
        ("14:00:00", ("phase", "BIGA", "OPEN_2")),
        ("14:00:00", ("auction", "BIGB", "open2", None, 0)),
        ("14:00:00", ("phase", "BIGB", "OPEN_2")),
    ]


def test_circuit_breaker_levels_2_and_3_at_their_exact_boundaries_then_no_more_halts() -> None:
    events = _day("circuit-breaker", "2026-11-23")
    # one BIGA satang is 12,000,000 THB = 0.12 point: the index is 1500 - 12 x (100 - price)
    assert [(t, line) for t, line in _between(events, "10:05", "12:31", "BIGA")
            if line[0] in ("index", "status") or line[:2] == ("phase", "BIGA")] == [
        ("10:05:01", ("index", "SET", "1380.00")),
        ("10:05:01", ("status", "*", "circuit_breaker", "1", "10:35:01")),
        ("10:05:01", ("phase", "BIGA", "HALTED")),
        ("10:25:01", ("phase", "BIGA", "PRE_OPEN")),
        ("10:35:01", ("phase", "BIGA", "OPEN_1")),
        ("10:38:01", ("index", "SET", "1278.00")),  # 81.50: just above -15%
        ("10:40:01", ("index", "SET", "1275.00")),  # 81.25: -15% exactly
        ("10:40:01", ("status", "*", "circuit_breaker", "2", "11:10:01")),
        ("10:40:01", ("phase", "BIGA", "HALTED")),
        ("11:00:01", ("phase", "BIGA", "PRE_OPEN")),
        ("11:10:01", ("phase", "BIGA", "OPEN_1")),
        ("11:12:01", ("index", "SET", "1203.00")),  # 75.25: just above -20%
        ("11:15:01", ("index", "SET", "1200.00")),  # 75.00: -20% exactly
        ("11:15:01", ("status", "*", "circuit_breaker", "3", "12:15:01")),  # one hour
        ("11:15:01", ("phase", "BIGA", "HALTED")),
        ("12:05:01", ("phase", "BIGA", "PRE_OPEN")),
        ("12:15:01", ("phase", "BIGA", "OPEN_1")),
        ("12:20:01", ("index", "SET", "1140.00")),  # after level 3: no further halt
    ]


# -- Dynamic Price Band (6.2, T11, vector 35) ------------------------------------------------


def test_price_band_vector_35_stops_matching_outside_the_band_and_pre_opens_2_minutes() -> None:
    events = _day("price-band")
    assert _between(events, "10:30", "10:33", "VEC") == [
        ("10:30:00", ("accepted", "v-buy")),
        ("10:30:00", ("trade", "VEC", "10.50", 500, "v-buy", "v-ask1", "buy")),
        # the next execution, 11.60, is beyond 10.50 + 10% = 11.55
        ("10:30:00", ("status", "VEC", "dynamic_price_band", "11.60", "10:32:00")),
        ("10:30:00", ("phase", "VEC", "PRE_OPEN")),
        ("10:31:00", ("rejected", "v-fak", "ORDER_TYPE_NOT_ALLOWED")),
        # the remainder of 500 rested at 11.80 and uncrosses with the 11.60 offer
        ("10:32:00", ("auction", "VEC", "resume", "11.60", 500)),
        ("10:32:00", ("trade", "VEC", "11.60", 500, "v-buy", "v-ask2", "auction")),
        ("10:32:00", ("phase", "VEC", "OPEN_1")),
    ]


def test_price_band_execution_exactly_at_the_band_edge_trades() -> None:
    events = _day("price-band")
    assert _between(events, "10:40", "10:44", "EDGE") == [
        ("10:40:00", ("accepted", "e-ask")),
        ("10:41:00", ("accepted", "e-buy")),
        ("10:41:00", ("trade", "EDGE", "11.00", 500, "e-buy", "e-ask", "buy")),  # 10.00 + 10%
        ("10:42:00", ("accepted", "e-bid")),
        ("10:43:00", ("accepted", "e-sell")),
        ("10:43:00", ("trade", "EDGE", "9.90", 500, "e-bid", "e-sell", "sell")),  # 11.00 - 10%
    ]
    assert _of(events, "status", symbol="EDGE") == []


def test_price_band_first_execution_one_tick_beyond_the_band_pre_opens() -> None:
    events = _day("price-band")
    assert _between(events, "10:50", "10:54", "OVER") == [
        ("10:50:00", ("accepted", "o-ask")),
        ("10:51:00", ("accepted", "o-buy")),
        ("10:51:00", ("status", "OVER", "dynamic_price_band", "11.10", "10:53:00")),
        ("10:51:00", ("phase", "OVER", "PRE_OPEN")),
        ("10:53:00", ("auction", "OVER", "resume", "11.10", 500)),
        ("10:53:00", ("trade", "OVER", "11.10", 500, "o-buy", "o-ask", "auction")),
        ("10:53:00", ("phase", "OVER", "OPEN_1")),
    ]


def test_price_band_does_not_apply_below_1_baht() -> None:
    events = _day("price-band")
    assert _between(events, "11:00", "11:02", "PENNY") == [
        ("11:00:00", ("accepted", "y-ask")),
        ("11:01:00", ("accepted", "y-buy")),
        ("11:01:00", ("trade", "PENNY", "1.10", 500, "y-buy", "y-ask", "buy")),  # +15.8%
    ]
    assert _of(events, "status") == [
        ("10:30:00", ("status", "VEC", "dynamic_price_band", "11.60", "10:32:00")),
        ("10:51:00", ("status", "OVER", "dynamic_price_band", "11.10", "10:53:00")),
    ]


# -- Short sales (8, T13, T14, vectors 24-27) ------------------------------------------------


def test_short_sale_uptick_vector_24_last_trade_at_the_bid() -> None:
    events = _day("short-sale", "2026-11-18")
    assert _between(events, "10:12", "10:13:11", "AOT") == [
        ("10:12:00", ("accepted", "a-hit")),
        ("10:12:00", ("trade", "AOT", "64.00", 100, "a-bid", "a-hit", "sell")),
        ("10:13:00", ("rejected", "a-short-at", "SHORT_SALE_PRICE")),
        ("10:13:10", ("accepted", "a-short-up")),
    ]


def test_short_sale_uptick_vector_25_last_trade_at_the_offer() -> None:
    events = _day("short-sale", "2026-11-18")
    assert _between(events, "10:21", "10:23", "SCC") == [
        ("10:21:00", ("accepted", "s-lift")),
        ("10:21:00", ("trade", "SCC", "57.25", 200, "s-lift", "s-ask", "buy")),
        ("10:22:00", ("rejected", "s-short-at", "SHORT_SALE_PRICE")),
        ("10:22:10", ("accepted", "s-short-up")),
    ]


def test_short_sale_before_the_first_trade_is_tested_against_the_previous_close() -> None:
    events = _day("short-sale", "2026-11-18")
    assert _of(events, "rejected", id="s-pre") == [
        ("09:40:00", ("rejected", "s-pre", "SHORT_SALE_PRICE"))]


def test_short_sale_by_a_market_maker_is_exempt_from_the_price_test() -> None:
    events = _day("short-sale", "2026-11-18")
    assert _between(events, "10:13:20", "10:13:21", "AOT") == [
        ("10:13:20", ("accepted", "a-mm")),
        ("10:13:20", ("trade", "AOT", "64.00", 200, "a-bid", "a-mm", "sell")),
    ]


def test_short_sale_test_does_not_apply_to_a_long_sale() -> None:
    events = _day("short-sale", "2026-11-18")
    assert _between(events, "10:13:30", "10:13:31", "AOT") == [
        ("10:13:30", ("accepted", "a-long")),
        ("10:13:30", ("trade", "AOT", "64.00", 100, "a-bid", "a-long", "sell")),
    ]


def test_short_sale_must_be_a_limit_order() -> None:
    events = _day("short-sale", "2026-11-18")
    assert _of(events, "rejected", id="a-mp") == [
        ("10:14:00", ("rejected", "a-mp", "ORDER_TYPE_NOT_ALLOWED"))]


def test_short_sale_of_a_non_eligible_security_is_rejected() -> None:
    events = _day("short-sale", "2026-11-18")
    assert _of(events, "rejected", id="n-short") == [
        ("10:30:00", ("rejected", "n-short", "SHORT_SALE_NOT_ELIGIBLE"))]


def test_short_sale_limit_is_10_percent_of_listed_shares() -> None:
    events = _day("short-sale", "2026-11-18")
    # 1,000,000 listed: cap 100,000; 99,000 outstanding + 1,000 = 100,000 exactly; +100 beyond
    assert _between(events, "10:40", "10:44", "CAP") == [
        ("10:40:00", ("accepted", "c-short1")),
        ("10:41:00", ("rejected", "c-short2", "SHORT_SALE_LIMIT")),
        ("10:42:00", ("cancelled", "c-short1", 1000)),
        ("10:43:00", ("accepted", "c-short3")),  # the cancelled 1,000 no longer counts
    ]


def test_short_sale_zero_plus_day_accepts_the_last_price_and_rejects_below() -> None:
    events = _day("short-sale", "2026-11-19")
    assert _between(events, "10:21", "10:23", "SCC") == [
        ("10:21:00", ("accepted", "z-lift")),
        ("10:21:00", ("trade", "SCC", "57.25", 200, "z-lift", "z-ask", "buy")),
        ("10:22:00", ("accepted", "z-short-at")),
        ("10:22:10", ("rejected", "z-short-down", "SHORT_SALE_PRICE")),
    ]


def test_short_sale_conditional_uptick_after_a_close_10_percent_or_more_down() -> None:
    events = _day("short-sale", "2026-11-20")
    assert _between(events, "10:10", "10:13") == [
        ("10:10:00", ("rejected", "k-drop-at", "SHORT_SALE_PRICE")),  # -10.5%: uptick
        ("10:10:10", ("accepted", "k-drop-up")),
        ("10:11:00", ("accepted", "k-flat-at")),  # -9%: zero-plus
        ("10:11:10", ("rejected", "k-flat-down", "SHORT_SALE_PRICE")),
        ("10:12:00", ("rejected", "k-tenp-at", "SHORT_SALE_PRICE")),  # exactly -10%: uptick
    ]


# -- Trade reports (2.3, 5, T20, vectors 28-31) ----------------------------------------------


def test_trade_report_big_lot_of_exactly_3_million_baht_trades_during_the_day() -> None:
    events = _day("trade-reports")
    assert _between(events, "11:00", "11:07") == [
        # 600,000 x 5.00 = 3,000,000.00 THB: big lot, one firm: trades at once
        ("11:00:00", ("trade", "TRX", "5.00", 600000, "tr-big", "tr-big", "trade_report",
                      "big_lot")),
        # 599,900 x 5.00 = 2,999,500.00 THB: an ordinary report, not before the close
        ("11:05:00", ("rejected", "tr-small", "TRADE_REPORT_SIZE")),
        # a big lot is priced within the day's limits 3.50-6.50
        ("11:06:00", ("rejected", "tr-big-out", "TRADE_REPORT_PRICE")),
    ]
    assert _of(events, "rejected", id="tr-preclose") == [
        ("16:35:00", ("rejected", "tr-preclose", "TRADE_REPORT_SIZE"))]


def test_trade_report_off_hour_is_priced_at_the_close_or_the_average() -> None:
    events = _day("trade-reports")
    # auto-matched: 3,000 @ 5.00 and 1,000 @ 5.10 (closing auction): average 5.025 -> 5.03
    assert _of(events, "close", symbol="TRX") == [
        ("16:40:00", ("close", "TRX", "5.10", "5.03"))]
    assert _between(events, "16:41", "16:45") == [
        ("16:41:00", ("trade", "TRX", "5.10", 1000, "tr-close", "tr-close", "trade_report",
                      "off_hour")),
        ("16:42:00", ("trade", "TRX", "5.03", 1000, "tr-avg", "tr-avg", "trade_report",
                      "off_hour")),
        ("16:43:00", ("rejected", "tr-other", "TRADE_REPORT_PRICE")),
        ("16:44:00", ("trade", "TRX", "5.40", 600000, "tr-big-late", "tr-big-late",
                      "trade_report", "big_lot")),
    ]


def test_trade_report_two_firms_wait_for_the_buyer_to_confirm() -> None:
    events = _day("trade-reports")
    assert _between(events, "16:45", "16:49") == [
        ("16:45:00", ("trade_report", "tr-2firm", "off_hour", 2000, "5.10",
                      "awaiting_confirmation")),
        ("16:46:00", ("rejected", "tr-2firm", "NOT_OWNER")),  # M3 is not the buyer
        ("16:47:00", ("trade", "TRX", "5.10", 2000, "tr-2firm", "tr-2firm", "trade_report",
                      "off_hour")),
        ("16:48:00", ("trade_report", "tr-unconfirmed", "off_hour", 500, "5.03",
                      "awaiting_confirmation")),
    ]


def test_trade_report_unconfirmed_is_cancelled_at_17_and_later_reports_refused() -> None:
    events = _day("trade-reports")
    assert _between(events, "17:00", "17:06") == [
        ("17:00:00", ("phase", "*", "CLOSED")),
        ("17:00:00", ("cancelled", "tr-unconfirmed", 500, "TRADE_REPORT_UNCONFIRMED")),
        ("17:00:00", ("rejected", "tr-at-17", "MARKET_CLOSED")),  # vector 28
        ("17:05:00", ("rejected", "tr-17-05", "MARKET_CLOSED")),
    ]
    assert _of(events, "rejected", id="tr-early") == [
        ("09:00:00", ("rejected", "tr-early", "MARKET_CLOSED"))]


def test_trade_report_without_a_trade_today_uses_the_previous_close() -> None:
    events = _day("trade-reports")
    assert _of(events, "close", symbol="NOTR") == [("16:40:00", ("close", "NOTR", None, None))]
    assert _between(events, "16:50", "16:52") == [  # vector 31
        ("16:50:00", ("trade", "NOTR", "8.00", 1000, "tr-notr", "tr-notr", "trade_report",
                      "off_hour")),
        ("16:51:00", ("rejected", "tr-notr-bad", "TRADE_REPORT_PRICE")),
    ]


# -- Halts and signs (7.1, T8, T9, T21) ------------------------------------------------------


def test_halt_h_keeps_resting_orders_rejects_new_orders_and_amends_takes_cancels() -> None:
    events = _day("halts-and-signs")
    assert _between(events, "10:30", "10:38", "HLT") == [
        ("10:30:00", ("status", "HLT", "halt", "H")),
        ("10:30:00", ("phase", "HLT", "HALTED")),
        ("10:35:00", ("rejected", "h-new", "HALTED")),
        ("10:36:00", ("rejected", "h-bid", "HALTED")),
        ("10:37:00", ("cancelled", "h-ask2", 500)),
    ]


def test_halt_resume_runs_a_10_minute_pre_open_then_the_auction() -> None:
    events = _day("halts-and-signs")
    assert _between(events, "11:00", "11:16", "HLT") == [
        ("11:00:00", ("status", "HLT", "resume", "H")),
        ("11:00:00", ("phase", "HLT", "PRE_OPEN")),
        ("11:02:00", ("accepted", "h-pre")),
        ("11:03:00", ("rejected", "h-pre-fak", "ORDER_TYPE_NOT_ALLOWED")),
        # h-bid (1,000 @ 20.00) rested through the halt; buy imbalance: the higher price
        ("11:10:00", ("auction", "HLT", "resume", "20.00", 600)),
        ("11:10:00", ("trade", "HLT", "20.00", 600, "h-bid", "h-pre", "auction")),
        ("11:10:00", ("phase", "HLT", "OPEN_1")),
        ("11:15:00", ("accepted", "h-after")),
        ("11:15:00", ("trade", "HLT", "20.20", 300, "h-after", "h-ask", "buy")),
    ]


def test_sign_sp_at_the_start_of_the_day_halts_the_security_all_day() -> None:
    events = _day("halts-and-signs")
    assert _of(events, "status", symbol="SUSP") == [("00:00:00", ("status", "SUSP", "sign", "SP"))]
    assert {p for _, p in _of(events, "phase", symbol="SUSP")} == {("phase", "SUSP", "HALTED")}
    assert _of(events, "rejected", symbol="SUSP") == [
        ("09:45:00", ("rejected", "sp-1", "HALTED")),
        ("10:40:00", ("rejected", "sp-2", "HALTED")),
        ("14:30:00", ("rejected", "sp-3", "HALTED")),
    ]
    assert _of(events, "auction", symbol="SUSP") == []


def test_sign_cb_requires_cash_balance_for_buys_only() -> None:
    events = _day("halts-and-signs")
    assert _between(events, "11:20", "11:23", "CBS") == [
        ("11:20:00", ("accepted", "cb-ask")),  # a sale needs no flag
        ("11:21:00", ("rejected", "cb-buy", "CASH_BALANCE_REQUIRED")),
        ("11:22:00", ("accepted", "cb-buy-cash")),
        ("11:22:00", ("trade", "CBS", "20.00", 500, "cb-buy-cash", "cb-ask", "buy")),
    ]


def test_information_signs_np_and_xd_do_not_stop_trading() -> None:
    events = _day("halts-and-signs")
    assert _of(events, "status", symbol="INFO")[:2] == [
        ("00:00:00", ("status", "INFO", "sign", "NP")),
        ("00:00:00", ("status", "INFO", "sign", "XD")),
    ]
    assert _between(events, "11:30", "11:32", "INFO") == [
        ("11:30:00", ("accepted", "i-ask")),
        ("11:31:00", ("accepted", "i-buy")),
        ("11:31:00", ("trade", "INFO", "20.00", 500, "i-buy", "i-ask", "buy")),
    ]


def test_set_sign_posts_and_removes_a_cash_balance_sign() -> None:
    events = _day("halts-and-signs")
    assert _between(events, "14:30", "15:02", "INFO") == [
        ("14:30:00", ("status", "INFO", "sign", "CC")),
        ("14:31:00", ("rejected", "i-buy-cc", "CASH_BALANCE_REQUIRED")),
        ("14:32:00", ("accepted", "i-buy-cc-cash")),
        ("14:32:00", ("trade", "INFO", "20.00", 500, "i-buy-cc-cash", "i-ask", "buy")),
        ("15:00:00", ("status", "INFO", "sign", "CC", "off")),
        ("15:01:00", ("accepted", "i-buy-after")),
        ("15:01:00", ("trade", "INFO", "20.00", 500, "i-buy-after", "i-ask", "buy")),
    ]
    assert _of(events, "rejected", id="") == [("14:40:00", ("rejected", "", "INVALID"))]


def test_suspension_lifted_outside_a_continuous_session_rejoins_the_schedule() -> None:
    events = _day("halts-and-signs")
    assert _between(events, "15:30", "16:41", "CBS") == [
        ("15:30:00", ("status", "CBS", "suspend", "SP")),
        ("15:30:00", ("phase", "CBS", "HALTED")),
        ("15:31:00", ("rejected", "cb-susp", "HALTED")),
        ("16:30:00", ("phase", "*", "PRE_CLOSE")),
        ("16:30:00", ("phase", "CBS", "HALTED")),
        ("16:32:00", ("status", "CBS", "resume", "SP")),
        ("16:32:00", ("phase", "CBS", "PRE_CLOSE")),
        ("16:33:00", ("accepted", "cb-preclose")),
        ("16:40:00", ("auction", "CBS", "close", "20.00", 300)),
        ("16:40:00", ("trade", "CBS", "20.00", 300, "cb-preclose", "cb-ask", "auction")),
        ("16:40:00", ("phase", "CBS", "OFF_HOUR")),
        ("16:40:00", ("close", "CBS", "20.00", "20.00")),
    ]


# -- Surveillance levels (7.2, T21, T22, vector 37) ------------------------------------------


def test_surveillance_level_2_is_auction_only() -> None:
    events = _day("surveillance")
    assert [(t, p[2]) for t, p in _of(events, "phase", symbol="SV2")] == [
        ("10:00:00", "NO_MATCHING"), ("14:00:00", "NO_MATCHING"), ("16:40:00", "OFF_HOUR")]
    assert _of(events, "auction", symbol="SV2") == [
        ("10:00:00", ("auction", "SV2", "open1", "10.10", 600)),
        ("14:00:00", ("auction", "SV2", "open2", "10.30", 300)),
        ("16:40:00", ("auction", "SV2", "close", "10.30", 200)),
    ]


def test_surveillance_level_2_vector_37_no_new_orders_between_the_auctions() -> None:
    events = _day("surveillance")
    assert _between(events, "10:30", "10:32", "SV2") == [
        ("10:30:00", ("rejected", "s2-new", "NO_MATCHING_PERIOD")),
        ("10:30:00", ("cancelled", "s2-bid", 400)),
        ("10:31:00", ("amended", "s2-ask2", 800, "10.30", "kept")),
    ]
    assert _of(events, "rejected", id="s2-pm-new") == [
        ("14:30:00", ("rejected", "s2-pm-new", "NO_MATCHING_PERIOD"))]
    assert _between(events, "16:32", "16:33", "SV2") == [("16:32:00", ("accepted", "s2-preclose"))]


def test_surveillance_level_2_requires_cash_balance_for_buys() -> None:
    events = _day("surveillance")
    assert _of(events, "rejected", id="s2-nocash") == [
        ("09:37:00", ("rejected", "s2-nocash", "CASH_BALANCE_REQUIRED"))]


def test_surveillance_level_3_pauses_the_security_all_day() -> None:
    events = _day("surveillance")
    assert _between(events, "00:00", "00:00:01", "SV3") == [
        ("00:00:00", ("price_limits", "SV3", "13.00", "7.00")),
        ("00:00:00", ("status", "SV3", "surveillance_level", "3")),
        ("00:00:00", ("status", "SV3", "surveillance_pause", "P")),
        ("00:00:00", ("phase", "SV3", "PAUSED")),
    ]
    assert {p for _, p in _of(events, "phase", symbol="SV3")} == {("phase", "SV3", "PAUSED")}
    assert _of(events, "rejected", symbol="SV3") == [
        ("09:40:00", ("rejected", "s3-bid", "HALTED")),
        ("10:35:00", ("rejected", "s3-new", "HALTED")),
    ]
    assert _of(events, "auction", symbol="SV3") == []


def test_surveillance_level_3_without_its_pause_is_auction_only() -> None:
    events = _day("surveillance")
    assert _of(events, "auction", symbol="SV3A", session="open1") == [
        ("10:00:00", ("auction", "SV3A", "open1", "10.00", 500))]
    assert _of(events, "rejected", symbol="SV3A") == [
        ("10:32:00", ("rejected", "s3a-new", "NO_MATCHING_PERIOD"))]


def test_surveillance_level_1_trades_continuously_with_cash_balance_buys() -> None:
    events = _day("surveillance")
    assert _between(events, "10:20", "10:23", "SV1") == [
        ("10:20:00", ("accepted", "s1-ask")),
        ("10:21:00", ("rejected", "s1-nocash", "CASH_BALANCE_REQUIRED")),
        ("10:22:00", ("accepted", "s1-cash")),
        ("10:22:00", ("trade", "SV1", "10.00", 500, "s1-cash", "s1-ask", "buy")),
    ]


def test_surveillance_level_changed_during_the_day_applies_at_once() -> None:
    events = _day("surveillance")
    assert _between(events, "11:00", "11:41", "SV1") == [
        ("11:00:00", ("status", "SV1", "surveillance_level", "2")),
        ("11:00:00", ("phase", "SV1", "NO_MATCHING")),
        ("11:01:00", ("rejected", "s1-l2", "NO_MATCHING_PERIOD")),
        ("11:30:00", ("status", "SV1", "surveillance_level", "0")),
        ("11:30:00", ("phase", "SV1", "PRE_OPEN")),
        ("11:32:00", ("accepted", "s1-pre")),  # level 0: no cash balance needed
        ("11:40:00", ("auction", "SV1", "resume", "10.00", 700)),
        ("11:40:00", ("trade", "SV1", "10.00", 700, "s1-pre", "s1-ask", "auction")),
        ("11:40:00", ("phase", "SV1", "OPEN_1")),
    ]


# -- Minimum Resting Time (9, T15, vector 22) ------------------------------------------------


def test_min_resting_time_cancel_before_250_ms_rejected_at_250_ms_accepted() -> None:
    events = _day("resting-time", "2026-11-19")
    assert _between(events, "10:05", "10:06") == [
        ("10:05:00", ("accepted", "o1")),
        ("10:05:00.200", ("rejected", "o1", "MIN_RESTING_TIME")),
        ("10:05:00.249999", ("rejected", "o1", "MIN_RESTING_TIME")),
        ("10:05:00.250", ("cancelled", "o1", 100)),
    ]


def test_min_resting_time_applies_to_amends_and_counts_from_acceptance() -> None:
    events = _day("resting-time", "2026-11-19")
    assert _between(events, "10:06", "10:07") == [
        ("10:06:00", ("accepted", "o2")),
        ("10:06:00.200", ("rejected", "o2", "MIN_RESTING_TIME")),
        ("10:06:00.250", ("amended", "o2", 300, "20.40", "lost")),
        ("10:06:00.350", ("cancelled", "o2", 300)),
    ]


def test_min_resting_time_applies_in_the_pre_open() -> None:
    events = _day("resting-time", "2026-11-19")
    assert _between(events, "09:40", "09:41") == [
        ("09:40:00", ("accepted", "p1")),
        ("09:40:00.100", ("rejected", "p1", "MIN_RESTING_TIME")),
        ("09:40:00.250", ("cancelled", "p1", 100)),
    ]


def test_min_resting_time_of_0_turns_the_rule_off() -> None:
    events = _day("resting-time", "2026-11-20")
    assert _between(events, "10:05", "10:07") == [
        ("10:05:00", ("accepted", "z1")),
        ("10:05:00", ("cancelled", "z1", 100)),
        ("10:06:00", ("accepted", "z2")),
        ("10:06:00.001", ("amended", "z2", 200, "20.50", "kept")),
    ]


# -- HFT (9) ---------------------------------------------------------------------------------


def test_hft_account_must_be_registered_to_buy_or_sell() -> None:
    events = _day("hft")
    assert _between(events, "10:10", "10:11") == [
        ("10:10:00", ("rejected", "h0-buy", "HFT_NOT_REGISTERED")),
        ("10:10:10", ("rejected", "h0-sell", "HFT_NOT_REGISTERED")),
    ]


def test_hft_account_buys_only_the_permitted_universe_and_sells_anything() -> None:
    events = _day("hft")
    assert _between(events, "10:11", "10:17") == [
        ("10:11:00", ("rejected", "h1-non", "HFT_NOT_PERMITTED")),  # not in SET100
        ("10:12:00", ("accepted", "h1-s100")),  # SET100 member
        ("10:13:00", ("accepted", "h1-etf")),  # an ETF
        ("10:14:00", ("accepted", "h1-grand")),  # marked hft_permitted
        ("10:15:00", ("accepted", "a1-non")),  # an ordinary account
        ("10:16:00", ("accepted", "h1-sell-non")),
        ("10:16:00", ("trade", "NON100", "10.00", 100, "a1-non", "h1-sell-non", "sell")),
    ]
