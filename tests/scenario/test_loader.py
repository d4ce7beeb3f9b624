"""Scenario files: what cannot be run is refused with a stable code; bad actions are rejected."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.scenario.loader import parse_scenario
from siamex.scenario.output import event_line
from siamex.scenario.runner import run_scenario
from siamex.trading.engine import Engine
from siamex.trading.events import Accepted, Rejected


def _scenario(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "date": "2026-11-20", "seed": 1,
        "instruments": [{"symbol": "AOT", "prev_close": "64.00"}],
        "actions": [],
    }
    base.update(fields)
    return base


def _load(data: dict[str, Any] | str) -> Any:
    text = data if isinstance(data, str) else json.dumps(data)
    return parse_scenario(text.encode())


@pytest.mark.parametrize(("data", "code"), [
    ("{not json", ErrorCode.SCENARIO_SYNTAX),
    ("[1, 2]", ErrorCode.SCENARIO_SYNTAX),
    (_scenario(date="2026-11-21"), ErrorCode.NOT_TRADING_DAY),
    (_scenario(date="2026-12-07"), ErrorCode.NOT_TRADING_DAY),
    (_scenario(date="20-11-2026"), ErrorCode.SCENARIO_FIELD),
    (_scenario(dates="2026-11-20"), ErrorCode.SCENARIO_FIELD),
    (_scenario(instruments=[]), ErrorCode.SCENARIO_FIELD),
    (_scenario(instruments=[{"symbol": "AOT", "prev_close": "-1"}]), ErrorCode.SCENARIO_FIELD),
    (_scenario(instruments=[{"symbol": "A", "prev_close": "1"}, {"symbol": "A",
                                                                 "prev_close": "2"}]),
     ErrorCode.SCENARIO_FIELD),
    (_scenario(rules={"price_limit_percent": 15}), ErrorCode.UNKNOWN_PARAMETER),
    (_scenario(rules={"price_limit_pct": "x"}), ErrorCode.INVALID_PARAMETER),
    (_scenario(rules={"short_sale_price_test": "downtick"}), ErrorCode.INVALID_PARAMETER),
    (_scenario(rules={"self_match_action": "cancel_neither"}), ErrorCode.INVALID_PARAMETER),
    (_scenario(rules={"circuit_breaker_levels": [[15, 30], [8, 30]]}),
     ErrorCode.INVALID_PARAMETER),
    (_scenario(instruments=[{"symbol": "AOT", "prev_close": "64.00", "sign": "ZZ"}]),
     ErrorCode.SCENARIO_FIELD),
    (_scenario(instruments=[{"symbol": "AOT", "prev_close": "64.00",
                             "surveillance_level": 4}]), ErrorCode.SCENARIO_FIELD),
    (_scenario(instruments=[{"symbol": "AOT", "prev_close": "64.00",
                             "index_member": ["SET"]}]), ErrorCode.SCENARIO_FIELD),
    (_scenario(instruments=[{"symbol": "AOT", "prev_close": "64.00",
                             "short_outstanding": -1}]), ErrorCode.SCENARIO_FIELD),
    (_scenario(instruments=[{"symbol": "W", "prev_close": "1.00", "kind": "warrant"}]),
     ErrorCode.NOT_IMPLEMENTED),
    (_scenario(indices=[{"name": "SET", "prev_close": "-1"}]), ErrorCode.SCENARIO_FIELD),
    (_scenario(indices=[{"name": "SET", "prev_close": "1500.00"}, {"name": "SET",
                                                                   "prev_close": "1.00"}]),
     ErrorCode.SCENARIO_FIELD),
    (_scenario(accounts=[{"account": "A1", "hft": "yes"}]), ErrorCode.SCENARIO_FIELD),
    (_scenario(accounts=[{"account": "A1", "hft": True}, {"account": "A1"}]),
     ErrorCode.SCENARIO_FIELD),
    (_scenario(indices=[{"name": "SET", "prev_close": "1500.00"}],
               instruments=[{"symbol": "AOT", "prev_close": "64.00",
                             "index_member": ["SET", "SET"]}]), ErrorCode.SCENARIO_FIELD),
    (_scenario(auction_times={"open1": "09:30:00"}), ErrorCode.SCENARIO_FIELD),
    (_scenario(auction_times={"open1": "12:30:00"}), ErrorCode.SCENARIO_FIELD),
    (_scenario(actions="none"), ErrorCode.SCENARIO_FIELD),
    ({"days": []}, ErrorCode.SCENARIO_FIELD),
    ({"days": [_scenario(), _scenario()]}, ErrorCode.SCENARIO_FIELD),
])
def test_a_scenario_that_cannot_run_is_refused_with_its_code(data: Any, code: ErrorCode) -> None:
    with pytest.raises(SiamexError) as caught:
        _load(data)
    assert caught.value.code is code


def test_a_security_with_no_previous_close_to_carry_is_refused_when_it_runs() -> None:
    with pytest.raises(SiamexError) as caught:
        list(run_scenario(_load(_scenario(instruments=[{"symbol": "AOT"}]))))
    assert caught.value.code is ErrorCode.SCENARIO_FIELD


def test_information_signs_do_not_stop_trading() -> None:
    plan = _load(_scenario(instruments=[{"symbol": "AOT", "prev_close": "64.00", "sign": "XD"}]))
    assert plan.days[0].start.instruments[0].symbol == "AOT"


@given(st.dictionaries(
    st.sampled_from(["at", "op", "id", "member", "account", "symbol", "side", "qty", "price",
                     "type", "validity", "published_qty", "expire_date", "short", "smp_id",
                     "color"]),
    st.one_of(st.none(), st.booleans(), st.integers(),
              st.floats(allow_nan=False, allow_infinity=False),
              st.text(max_size=12), st.sampled_from(["new", "amend", "cancel", "buy", "sell",
                                                     "AOT", "64.00", "10:30:00", "limit",
                                                     "ato", "day", "fok"]),
              st.lists(st.integers(), max_size=2)),
    max_size=12,
))
@settings(max_examples=400, deadline=None)
@example({"at": "10:01:00", "op": []})  # an unhashable op once raised TypeError
def test_any_action_object_gives_events_never_an_exception(action: dict[str, Any]) -> None:
    plan = _load(_scenario(actions=[
        {"at": "10:01:00", "op": "new", "id": "base", "member": "M1", "account": "A1",
         "symbol": "AOT", "side": "buy", "qty": 100, "price": "64.00"},
        action,
    ]))
    events = list(run_scenario(plan))
    for seq, event in enumerate(events, 1):
        json.loads(event_line(seq, event))
    decisions = [e for e in events if isinstance(e, Accepted | Rejected) and e.id != "base"]
    assert len(decisions) <= 1 or action.get("op") != "new"


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-5, max_value=2_000_000),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
    st.sampled_from(["AOT", "64.00", "5.00", "H", "SP", "CB", "XD", "M1", "M2", "main",
                     "foreign", "10:30:00"]),
    st.lists(st.sampled_from(["SET", "H", "CB"]), max_size=2))


@given(st.sampled_from(["trade_report", "trade_report_confirm", "halt", "suspend", "resume",
                        "set_sign", "set_surveillance_level", "kill_switch"]),
       st.dictionaries(st.sampled_from(["id", "symbol", "qty", "price", "sell_member",
                                        "sell_account", "buy_member", "buy_account", "board",
                                        "member", "sign", "on", "level", "pause", "color"]),
                       _VALUES, max_size=10))
@settings(max_examples=400, deadline=None)
def test_any_market_operation_gives_events_never_an_exception(
        op: str, fields: dict[str, Any]) -> None:
    action = {**fields, "at": "10:30:00", "op": op}
    events = list(run_scenario(_load(_scenario(actions=[action]))))
    for seq, event in enumerate(events, 1):
        json.loads(event_line(seq, event))


@given(st.dictionaries(st.sampled_from(["listed_shares", "short_eligible", "short_outstanding",
                                        "sign", "surveillance_level", "surveillance_pause",
                                        "index_member", "market_maker_accounts",
                                        "foreign_underlying", "hft_permitted", "prior_close",
                                        "market_cap", "turnover_pct", "free_float_pct"]),
                       _VALUES, max_size=6))
@settings(max_examples=300, deadline=None)
def test_any_instrument_fields_run_or_are_refused_with_a_code(fields: dict[str, Any]) -> None:
    instrument = {"symbol": "AOT", "prev_close": "64.00", **fields}
    data = _scenario(indices=[{"name": "SET", "prev_close": "1500.00"}],
                     instruments=[instrument])
    try:
        plan = _load(data)
    except SiamexError as exc:
        assert exc.code is ErrorCode.SCENARIO_FIELD
        return
    for seq, event in enumerate(run_scenario(plan), 1):
        json.loads(event_line(seq, event))


def _listing(**fields: Any) -> Any:
    """The InstrumentSpec a stock with these listing fields reads into."""
    data = _scenario(instruments=[{"symbol": "AOT", "prev_close": "64.00", **fields}])
    return _load(data).days[0].start.instruments[0]


@pytest.mark.parametrize(("fields", "market_cap", "turnover_bp", "free_float_bp"), [
    ({}, None, None, None),
    ({"market_cap": "7500000000", "turnover_pct": "2.00", "free_float_pct": "20"},
     7_500_000_000, 200, 2000),
    ({"market_cap": 7_500_000_001, "turnover_pct": 2, "free_float_pct": 20},
     7_500_000_001, 200, 2000),
    ({"market_cap": "0", "turnover_pct": "0", "free_float_pct": "0.00"}, 0, 0, 0),
    ({"turnover_pct": "1.99", "free_float_pct": "19.990"}, None, 199, 1999),
    ({"turnover_pct": "10000", "free_float_pct": "100"}, None, 1_000_000, 10_000),
    ({"market_cap": "1000000000000000"}, 10**15, None, None),
])
def test_the_listing_data_reads_into_whole_baht_and_hundredths_of_a_percent(
        fields: dict[str, Any], market_cap: int | None, turnover_bp: int | None,
        free_float_bp: int | None) -> None:
    spec = _listing(**fields)
    assert (spec.market_cap, spec.turnover_bp, spec.free_float_bp) == (
        market_cap, turnover_bp, free_float_bp)


@pytest.mark.parametrize(("fields", "says"), [
    ({"market_cap": "7.5e9"}, "AOT: market_cap must be whole baht"),
    ({"market_cap": "7500000000.00"}, "AOT: market_cap must be whole baht"),
    ({"market_cap": 7.5e9}, "AOT: market_cap must be whole baht"),
    ({"market_cap": True}, "AOT: market_cap must be whole baht"),
    ({"market_cap": -1}, "AOT: market_cap must be 0 to 1,000,000,000,000,000 baht"),
    ({"market_cap": "1000000000000001"}, "AOT: market_cap must be 0 to"),
    ({"turnover_pct": "2.001"}, "AOT: turnover_pct '2.001' is finer than 0.01%"),
    ({"turnover_pct": 2.5}, "AOT: turnover_pct must be a percentage such as"),
    ({"turnover_pct": "-1"}, "AOT: turnover_pct must be a percentage such as"),
    ({"turnover_pct": "2%"}, "AOT: turnover_pct must be a percentage such as"),
    ({"turnover_pct": "10000.01"}, "AOT: turnover_pct must be 0 to 10,000%"),
    ({"turnover_pct": -1}, "AOT: turnover_pct must be 0 to 10,000%"),
    ({"free_float_pct": "100.01"}, "AOT: free_float_pct must be 0 to 100%"),
    ({"free_float_pct": 101}, "AOT: free_float_pct must be 0 to 100%"),
    ({"free_float_pct": False}, "AOT: free_float_pct must be a percentage such as"),
])
def test_listing_data_that_cannot_be_read_exactly_is_refused(fields: dict[str, Any],
                                                             says: str) -> None:
    with pytest.raises(SiamexError) as refused:
        _listing(**fields)
    assert refused.value.code is ErrorCode.SCENARIO_FIELD
    assert refused.value.message.startswith(f"instruments: {says}")


@given(st.dictionaries(
    st.sampled_from(["market_cap", "turnover_pct", "free_float_pct"]),
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1), st.text(max_size=24),
              st.floats(allow_nan=False, allow_infinity=False),
              st.decimals(allow_nan=False, allow_infinity=False).map(str),
              st.lists(st.integers(), max_size=2)),
    max_size=3))
@settings(max_examples=300, deadline=None)
def test_any_listing_data_is_read_exactly_or_refused_with_a_code(fields: dict[str, Any]) -> None:
    try:
        spec = _listing(**fields)
    except SiamexError as exc:
        assert exc.code is ErrorCode.SCENARIO_FIELD
        return
    for name in ("market_cap", "turnover_bp", "free_float_bp"):
        value = getattr(spec, name)
        assert value is None or (type(value) is int and value >= 0)


@pytest.mark.parametrize(("data", "says"), [
    (b"[" * 100_000 + b"]" * 100_000, "not valid JSON: nested too deeply"),
    (b'{"date": "2026-11-20", "description": "caf\xe9"}', "not valid JSON: 'utf-8' codec"),
    (b'{"date": "2026-11-20", "description": "\\ud800"}', "not valid JSON: "),
])
def test_a_file_too_deep_not_utf8_or_not_unicode_is_a_syntax_error(data: bytes, says: str) -> None:
    with pytest.raises(SiamexError) as refused:
        parse_scenario(data)
    assert refused.value.code is ErrorCode.SCENARIO_SYNTAX
    assert refused.value.message.startswith(says)


@pytest.mark.parametrize("day", ["20261120", "2026-W47-5", "2026-11-20T00:00", "2026-324"])
def test_a_date_is_written_yyyy_mm_dd_only(day: str) -> None:
    with pytest.raises(SiamexError) as refused:
        parse_scenario(json.dumps({"date": day, "instruments": [
            {"symbol": "AOT", "prev_close": "64.00"}]}).encode())
    assert refused.value.code is ErrorCode.SCENARIO_FIELD
    assert f"date: date '{day}' is not 'YYYY-MM-DD'" in refused.value.message


def test_a_foreign_board_security_names_its_main_security_or_ends_in_f() -> None:
    main = {"symbol": "X", "prev_close": "5.00"}
    foreign = {"symbol": "XF", "prev_close": "5.00", "board": "foreign"}
    with pytest.raises(SiamexError, match="ends in -F or names its main"):
        _load(_scenario(instruments=[main, foreign]))
    named = _load(_scenario(instruments=[main, {**foreign, "main": "X"}]))
    assert named.days[0].start.instruments[1].main == "X"
    with pytest.raises(SiamexError, match="only a foreign-board security names a main"):
        _load(_scenario(instruments=[{**main, "main": "Y"}, foreign]))


def _new(**fields: Any) -> dict[str, Any]:
    return {"at": "10:01:00", "op": "new", "id": "o1", "member": "M1", "account": "A1",
            "symbol": "AOT", "side": "buy", "qty": 100, "price": "64.00", **fields}


def test_a_new_order_carries_its_smp_id() -> None:
    plan = _load(_scenario(actions=[_new(smp_id="client-7")]))
    assert plan.days[0].items[0].command.smp_id == "client-7"
    assert _load(_scenario(actions=[_new()])).days[0].items[0].command.smp_id is None


@pytest.mark.parametrize("smp_id", ["", 7, ["c1"]])
def test_an_smp_id_that_is_not_a_non_empty_string_is_rejected(smp_id: Any) -> None:
    item = _load(_scenario(actions=[_new(smp_id=smp_id)])).days[0].items[0]
    assert item.command is None
    assert item.reject.reason.value == "INVALID"
    assert item.reject.text == "smp_id must be a non-empty string"


def test_a_scenario_sets_the_self_match_action() -> None:
    plan = _load(_scenario(rules={"self_match_action": "cancel_resting"}, actions=[
        _new(id="s1", side="sell", smp_id="c1"),
        _new(id="s2", side="sell", account="A2", price="64.25"),
        {**_new(id="b1", price="64.25", smp_id="c1"), "at": "10:02:00"},
    ]))
    lines = [json.loads(event_line(seq, e)) for seq, e in enumerate(run_scenario(plan), 1)]
    assert [(e["event"], e.get("sell_id") or e["id"]) for e in lines
            if e["event"] == "trade" or e.get("reason") == "SELF_MATCH"] == [
        ("trade", "s2"), ("cancelled", "s1")]


def _tfex(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"market": "tfex", "date": "2026-12-03",
                            "instruments": [{"symbol": "S50Z26", "prev_close": "950.0"}],
                            "actions": []}
    base.update(fields)
    return base


@pytest.mark.parametrize(("data", "code"), [
    (_tfex(market="cme"), ErrorCode.SCENARIO_FIELD),
    (_tfex(instruments=[{"symbol": "S50Z25", "prev_close": "950.0"}]), ErrorCode.SERIES_EXPIRED),
    (_tfex(instruments=[{"symbol": "PTT", "prev_close": "34.0"}]), ErrorCode.UNKNOWN_SERIES),
    (_tfex(instruments=[{"symbol": "S50Z26C950", "prev_close": "12.5"}]),
     ErrorCode.SCENARIO_FIELD),  # an option needs its underlying's settlement
    (_tfex(instruments=[{"symbol": "S50Z26", "prev_close": "950.0", "kind": "stock"}]),
     ErrorCode.SCENARIO_FIELD),
    (_tfex(indices=[{"name": "SET50", "prev_close": "948.30"}]), ErrorCode.SCENARIO_FIELD),
    (_tfex(auction_times={"open1": "09:40:00"}), ErrorCode.SCENARIO_FIELD),
    (_tfex(accounts=[{"account": "A1", "hft": True}]), ErrorCode.SCENARIO_FIELD),
    (_tfex(underlyings={"SET50": "-1"}), ErrorCode.SCENARIO_FIELD),
    (_tfex(underlyings=["SET50"]), ErrorCode.SCENARIO_FIELD),
    (_scenario(underlyings={"SET50": "948.30"}), ErrorCode.SCENARIO_FIELD),
    (_scenario(instruments=[{"symbol": "S50Z26", "prev_close": "950.0", "kind": "future"}]),
     ErrorCode.SCENARIO_FIELD),
    ({"market": "tfex", "days": [{**_tfex(), "market": "set"}]}, ErrorCode.SCENARIO_FIELD),
])
def test_a_tfex_scenario_that_cannot_run_is_refused_with_its_code(data: Any,
                                                                  code: ErrorCode) -> None:
    with pytest.raises(SiamexError) as caught:
        _load(data)
    assert caught.value.code is code


@pytest.mark.parametrize(("market", "at", "refused"), [
    ("tfex", "25:30:00", False), ("tfex", "27:00:00", False), ("tfex", "28:00:00", True),
    ("set", "25:30:00", True),
])
def test_only_a_tfex_days_clock_runs_past_midnight(market: str, at: str, refused: bool) -> None:
    action = {"at": at, "op": "new", "id": "o1", "member": "M1", "account": "A1",
              "symbol": "S50Z26" if market == "tfex" else "AOT", "side": "buy", "qty": 1,
              "price": "950.0" if market == "tfex" else "64.00"}
    data = _tfex(actions=[action]) if market == "tfex" else _scenario(actions=[action])
    (item,) = _load(data).days[0].items
    assert (item.reject is not None) is refused


def test_a_tfex_day_after_a_night_session_opens_when_it_has_closed() -> None:
    early = {"at": "02:00:00", "op": "cancel", "id": "o1"}
    first = {"date": "2026-12-03", "instruments": [{"symbol": "GFG27", "prev_close": "41000"}]}
    days = _load({"market": "tfex", "days": [
        first, {"date": "2026-12-04", "actions": [early]}]}).days
    assert days[1].start.ts == days[0].end  # 03:00 of 2026-12-04
    (item,) = days[1].items
    assert item.reject is not None and "earlier than the day opens" in item.reject.text


@pytest.mark.parametrize("days", [5, True, "2026-12-03"])
def test_days_that_are_not_a_list_are_refused_with_a_code(days: Any) -> None:
    for data in ({"date": "2026-12-03", "days": days}, {"market": "tfex", "days": days}):
        with pytest.raises(SiamexError) as caught:
            _load(data)
        assert caught.value.code is ErrorCode.SCENARIO_FIELD


@pytest.mark.parametrize(("first", "later", "code"), [
    ({"underlyings": {"SET50": "948.30"},
      "instruments": [{"symbol": "S50Z26C950", "prev_close": "12.5"}]},
     {"date": "2026-12-04"}, ErrorCode.SCENARIO_FIELD),
    ({"instruments": [{"symbol": "S50Z26", "prev_close": "950.0"}]},
     {"date": "2026-12-30"}, ErrorCode.SERIES_EXPIRED),  # its last trading day: 12-29
])
def test_a_series_carried_to_a_day_that_cannot_list_it_is_refused_with_its_code(
        first: dict[str, Any], later: dict[str, Any], code: ErrorCode) -> None:
    with pytest.raises(SiamexError) as caught:
        _load({"market": "tfex", "days": [{"date": "2026-12-03", **first}, later]})
    assert caught.value.code is code


def test_a_tfex_day_whose_actions_run_past_its_close_ends_with_them() -> None:
    late = {"at": "24:30:00", "op": "cancel", "id": "o1"}
    scenario = {"market": "tfex", "days": [
        {"date": "2026-12-03", "instruments": [{"symbol": "S50Z26", "prev_close": "950.0"}],
         "actions": [late]},
        {"date": "2026-12-04"}]}
    plan = _load(scenario)
    assert plan.days[1].start.ts == plan.days[0].items[0].ts
    events = list(run_scenario(plan, Engine(), None))
    assert [type(e).__name__ for e in events].count("DayStarted") == 2
