"""The rule sandbox: the same day under two rulebooks, and every difference accounted for.

The figures asserted here were read from `siamex replay examples/normal-day.json` run both ways
(with and without `--set max_order_qty=5000`, and with `--rules examples/tight-band.toml`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from siamex.cli import main
from siamex.rulebook.overrides import rule_overrides
from siamex.scenario.compare import (
    OrderSymbols,
    Record,
    Rules,
    compare_scenario,
    report,
    tally,
)
from siamex.scenario.compare_report import outcome_text
from siamex.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "normal-day.json"
TIGHT_BAND = ROOT / "examples" / "tight-band.toml"
DEFAULT = Rules("the scenario's rules", {})
SMALL_ORDERS = Rules("max_order_qty=5000", {"max_order_qty": 5000})
ORDERS_REFUSED = ["a4", "p1", "p2", "t1", "t2", "p4", "c3", "c6", "y1", "y2", "d4"]


def _report(b: Rules, shown: int = 20) -> dict[str, Any]:
    return report(compare_scenario(EXAMPLE, DEFAULT, b), shown)


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["compare", *args])
    return result.exit_code, result.stdout, result.stderr


def _no_row_differs(entry: dict[str, Any]) -> bool:
    rows = list(entry["figures"].values())
    rows += [row for group in ("rejects", "engine_cancels", "halts", "board_trades",
                               "board_volume") for row in entry[group].values()]
    return all(row["a"] == row["b"] and row["diff"] in (0, "0.00", None) for row in rows)


def test_a_scenario_compared_with_itself_shows_no_difference() -> None:
    result = _report(Rules("again", {}))
    (day,) = result["days"]
    assert result["differs"] is False
    assert sorted(day["securities"]) == ["AOT", "KBANK", "PENNY", "PTT", "TDEX"]
    assert all(not entry["differs"] and _no_row_differs(entry)
               for entry in [*day["securities"].values(), day["market"]])
    assert result["orders"] == {"differ": 0, "shown": []}


def test_a_smaller_maximum_order_refuses_the_large_orders_and_the_volume_falls() -> None:
    result = _report(SMALL_ORDERS)
    (day,) = result["days"]
    market = day["market"]
    assert result["differs"] is True
    assert market["figures"]["trades"] == {"a": 31, "b": 13, "diff": -18}
    assert market["figures"]["volume"] == {"a": 196_900, "b": 16_600, "diff": -180_300}
    assert market["figures"]["value"] == {"a": "2372675.00", "b": "997250.00",
                                          "diff": "-1375425.00"}
    assert market["rejects"]["MAX_ORDER_QTY"] == {"a": 0, "b": 11, "diff": 11}
    assert market["rejects"]["UNKNOWN_ORDER"] == {"a": 0, "b": 3, "diff": 3}
    assert market["rejects"]["TICK_SIZE"] == {"a": 1, "b": 1, "diff": 0}
    aot = day["securities"]["AOT"]["figures"]
    assert aot["volume"] == {"a": 22_000, "b": 10_700, "diff": -11_300}
    assert aot["low"] == {"a": "64.00", "b": "64.25", "diff": "0.25"}
    assert day["securities"]["PTT"]["figures"]["volume"] == {"a": 19_000, "b": 5_000,
                                                             "diff": -14_000}
    assert day["securities"]["PENNY"]["figures"]["close"] == {"a": "0.86", "b": None,
                                                              "diff": None}
    assert day["securities"]["KBANK"]["differs"] is False


def test_the_orders_that_now_reject_are_listed_with_their_codes() -> None:
    orders = _report(SMALL_ORDERS)["orders"]
    refused = [entry["id"] for entry in orders["shown"]
               if "MAX_ORDER_QTY" in entry["b"]["rejects"]]
    assert orders["differ"] == 22
    assert refused == ORDERS_REFUSED
    a4 = next(entry for entry in orders["shown"] if entry["id"] == "a4")
    assert a4["symbol"] == "AOT"
    assert a4["a"] == {"accepted": 1, "amended": 1, "filled": 4000, "rejects": [],
                       "cancels": []}
    assert a4["b"]["rejects"] == ["MAX_ORDER_QTY", "UNKNOWN_ORDER"]
    a1 = orders["shown"][0]
    assert (a1["id"], a1["a"]["filled"], a1["b"]["filled"]) == ("a1", 5000, 4700)
    assert outcome_text(a1["b"]) == "accepted, filled 4,700, cancelled EXPIRED"


def test_the_list_of_differing_orders_stops_at_the_number_asked_for() -> None:
    orders = _report(SMALL_ORDERS, shown=3)["orders"]
    assert orders["differ"] == 22
    assert [entry["id"] for entry in orders["shown"]] == ["a1", "a4", "p1"]


def test_the_tight_band_moves_the_limits_but_changes_no_trade_on_the_normal_day() -> None:
    band = Rules(str(TIGHT_BAND), rule_overrides((TIGHT_BAND,), ()))
    result = report(compare_scenario(EXAMPLE, DEFAULT, band))
    (day,) = result["days"]
    aot = day["securities"]["AOT"]["figures"]
    assert band.overrides == {"price_limit_pct": 15}
    assert (aot["ceiling"], aot["floor"]) == ({"a": "83.00", "b": "73.50", "diff": "-9.50"},
                                              {"a": "45.00", "b": "54.50", "diff": "9.50"})
    assert all(entry["differs"] for entry in day["securities"].values())
    assert all(entry["figures"]["trades"]["diff"] == 0 and entry["figures"]["volume"]["diff"] == 0
               for entry in day["securities"].values())
    assert not day["market"]["differs"]
    assert result["orders"]["differ"] == 0


def test_rejects_are_counted_under_the_security_of_the_refused_order() -> None:
    (day,) = _report(SMALL_ORDERS)["days"]
    kbank, ptt = day["securities"]["KBANK"], day["securities"]["PTT"]
    assert kbank["rejects"] == {"TICK_SIZE": {"a": 1, "b": 1, "diff": 0}}
    assert ptt["rejects"]["MAX_ORDER_QTY"] == {"a": 0, "b": 4, "diff": 4}
    assert ptt["rejects"]["PRICE_LIMIT"] == {"a": 1, "b": 1, "diff": 0}


def test_halts_pauses_and_status_events_are_counted_by_their_kind() -> None:
    records: list[Record] = [
        (0, "day", {"date": "2026-11-20"}),
        (1, "phase", {"symbol": "AOT", "phase": "OPEN_1"}),
        (2, "phase", {"symbol": "AOT", "phase": "HALTED"}),
        (3, "phase", {"symbol": "AOT", "phase": "PRE_OPEN"}),
        (4, "phase", {"symbol": "*", "phase": "PAUSED"}),
        (5, "status", {"symbol": "AOT", "what": "SP"}),
        (6, "status", {"symbol": "PTT", "status": "halted"}),
        (7, "status", {"symbol": "AOT", "what": "SP", "on": False}),
        (8, "an_event_not_yet_invented", {"symbol": "AOT"}),
    ]
    (day,) = tally(records, OrderSymbols(load_scenario(EXAMPLE)))
    assert day.securities["AOT"].counts["halts"] == {
        "phase HALTED": 1, "phase PRE_OPEN": 1, "phase PAUSED": 1, "status SP": 1,
        "status SP off": 1}
    assert day.securities["PTT"].counts["halts"] == {"phase PAUSED": 1, "status halted": 1}
    assert sum(day.market.counts["halts"].values()) == 6


def test_compare_prints_a_readable_report_labelled_with_each_side() -> None:
    code, out, _ = _invoke(str(EXAMPLE), "--b-set", "max_order_qty=5000")
    assert code == 0
    assert "A: the scenario's rules" in out and "B: max_order_qty=5000" in out
    assert "SET trading day 2026-11-20: 4 of 5 securities differ" in out
    assert "same under both rulebooks: KBANK" in out
    assert "orders whose outcome differs: 22 (the first 20 shown)" in out
    assert " *   rejects MAX_ORDER_QTY " in out


def test_compare_takes_rules_files_and_overrides_for_either_side() -> None:
    code, out, _ = _invoke(str(EXAMPLE), "--a-rules", str(TIGHT_BAND), "--set-b",
                           "max_order_qty=5000", "--json")
    result = json.loads(out)
    assert code == 0
    assert result["a"] == {"label": str(TIGHT_BAND), "overrides": {"price_limit_pct": 15}}
    assert result["b"] == {"label": "max_order_qty=5000", "overrides": {"max_order_qty": 5000}}
    assert result["days"][0]["securities"]["AOT"]["figures"]["ceiling"]["a"] == "73.50"


def test_the_report_is_the_same_bytes_in_any_process() -> None:
    for extra in ((), ("--json",)):
        args = [str(EXAMPLE), "--b-set", "max_order_qty=5000", *extra]
        runs = {
            subprocess.run([sys.executable, "-m", "siamex.cli", "compare", *args],
                           capture_output=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("0", "1", "12345")
        }
        assert runs == {_invoke(*args)[1].encode()}


@pytest.mark.parametrize(("args", "code"), [
    (("no-such-file.json",), "FILE_NOT_FOUND"),
    ((str(EXAMPLE), "--b-set", "price_limit_percent=15"), "UNKNOWN_PARAMETER"),
    ((str(EXAMPLE), "--a-set", "price_limit_percent=15"), "UNKNOWN_PARAMETER"),
    ((str(EXAMPLE), "--b-rules", "no-such-rules.toml"), "FILE_NOT_FOUND"),
    ((str(EXAMPLE), "--b-set", "max_order_qty"), "INVALID_PARAMETER"),
])
def test_input_compare_cannot_run_is_an_error_with_a_code(args: tuple[str, ...],
                                                          code: str) -> None:
    exit_code, out, err = _invoke(*args)
    assert exit_code == 2 and out == ""
    assert err.startswith(f"error[{code}]: ")


def test_compare_is_documented_in_the_cli_reference_and_the_readme() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text()
    assert "## siamex compare" in reference
    for option in ("--a-rules", "--b-rules", "--a-set", "--b-set", "--orders", "--json",
                   "examples/tight-band.toml"):
        assert option in reference, option
    assert "siamex compare" in (ROOT / "README.md").read_text()
