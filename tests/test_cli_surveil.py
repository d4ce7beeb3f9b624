"""`siamex surveil` and `siamex bench surveil`: the alerts printed with their evidence, as text
and JSON, the parameters overridden by name, and bad input refused with its code."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.cli import main
from tests.test_cli_bad_input import GARBAGE, NASTY, mutated

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "measures" / "surveillance.json"
INVESTORS = ROOT / "examples" / "measures" / "surveillance-investors.json"
SCREENING = ROOT / "examples" / "measures" / "screening.json"
SCREENING_INVESTORS = ROOT / "examples" / "measures" / "screening-investors.json"
ERROR_LINE = re.compile(r"error\[[A-Z_]+\]: \S")


def _run(*args: str) -> Any:
    return CliRunner().invoke(main, ["surveil", *args])


def _json(*args: str) -> dict[str, Any]:
    result = _run(*args, "--json")
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.output)
    return report


def test_the_example_prints_one_alert_per_pattern_with_its_evidence() -> None:
    result = _run(str(EXAMPLE), "--depository", str(INVESTORS))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "28 orders, 5 alert(s) (push 1, layering 1, wash 1, close 1, split 1)" in out
    for header in ("[push] 2026-11-20 10:10:00-10:11:00 PTT INV-7c1e5a90d24b3f68e0a1",
                   "[layering] 2026-11-20 10:30:00-10:30:20 AOT INV-2b94f0c6a17d85e3b920",
                   "[wash] 2026-11-20 11:00:05-11:00:05 KBANK INV-e4a03d7b91c2f65d08b3",
                   "[split] 2026-11-20 15:00:00-15:00:50 BDMS INV-a3f6b8e2c0d4175e92f5",
                   "[close] 2026-11-20 16:33:00-16:40:00 CPALL INV-58d2c1f7e06a9b43c1d4"):
        assert header in out
    assert out.index("[push]") < out.index("[layering]") < out.index("[close]")
    # the evidence: orders with their times and prices, trades with both sides
    assert re.search(r"push-2\s+M1/P1\s+buy\s+limit\s+3,000\s+34\.75\s+10:11:00\.000000\s+"
                     r"2,500", out)
    assert re.search(r"wash-buy M1/W1\s+wash-sell M4/W2", out)


def test_json_gives_each_alert_with_rule_investor_date_and_evidence() -> None:
    report = _json(str(EXAMPLE), "--depository", str(INVESTORS))
    assert report["days"] == ["2026-11-20"]
    assert report["counts"] == {"push": 1, "layering": 1, "wash": 1, "close": 1, "split": 1}
    wash = next(a for a in report["alerts"] if a["rule"] == "wash")
    assert (wash["investor"], wash["date"], wash["start"]) == (
        "INV-e4a03d7b91c2f65d08b3", "2026-11-20", "11:00:05.000000")
    assert wash["orders"][0] == {"id": "wash-sell", "member": "M4", "account": "W2",
                                 "side": "sell", "type": "limit", "qty": 1000,
                                 "price": "155.50", "entered": "11:00:00.000000",
                                 "filled": 1000, "cancelled": None}
    assert wash["trades"][0]["price"] == "155.50"
    assert wash["trades"][0]["at"] == "11:00:05.000000"


def test_set_overrides_an_alert_rules_parameter_by_name() -> None:
    report = _json(str(EXAMPLE), "--depository", str(INVESTORS), "--set", "wash_min_qty=1001",
                   "--set", 'alert_rules=["wash", "split"]')
    assert report["counts"] == {"push": 0, "layering": 0, "wash": 0, "close": 0, "split": 1}


def test_set_turns_the_screening_on_through_the_trading_rulebook() -> None:
    report = _json(str(EXAMPLE), "--depository", str(INVESTORS), "--set", "order_screening=true")
    assert report["screened"] == []  # the example holds no short sale or program-trading order
    screened = _json(str(SCREENING), "--depository", str(SCREENING_INVESTORS))["screened"]
    assert [(s["id"], s["reason"]) for s in screened] == [
        ("w-short", "SCREENED"), ("h-over-5pct", "SCREENED"), ("h-layered", "SCREENED")]
    off = _json(str(SCREENING), "--depository", str(SCREENING_INVESTORS),
                "--set", "order_screening=false")
    assert off["screened"] == []
    assert off["counts"]["wash"] == 1  # the short sale it let through traded with its investor


def test_the_screened_orders_are_printed_with_the_rule_that_refused_them() -> None:
    result = _run(str(SCREENING), "--depository", str(SCREENING_INVESTORS))
    assert result.exit_code == 0, result.output
    assert "3 order(s) screened out" in result.output
    assert ("h-over-5pct M3/H1 SCC: screened (push): buy at 21.10 is 5.50% above 20.00, more "
            "than 5.00%") in result.output


def test_bad_input_is_refused_with_its_code() -> None:
    cases = [
        ((str(EXAMPLE), "--set", "no_such=1"), "UNKNOWN_PARAMETER"),
        ((str(EXAMPLE), "--set", "push_move_pct=200"), "INVALID_PARAMETER"),
        ((str(EXAMPLE), "--set", "screen_price_pct=-1"), "INVALID_PARAMETER"),
        ((str(EXAMPLE), "--set", "push_move_pct"), "INVALID_PARAMETER"),
        ((str(ROOT / "missing.json"),), "FILE_NOT_FOUND"),
        ((str(EXAMPLE), "--depository", str(ROOT / "missing.json")), "FILE_NOT_FOUND"),
        ((str(EXAMPLE), "--depository", str(EXAMPLE)), "DEPOSITORY_FILE"),
    ]
    for args, code in cases:
        result = _run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith(f"error[{code}]: "), (args, result.stderr)


def test_a_depository_of_another_day_is_refused(tmp_path: Path) -> None:
    other = json.loads(INVESTORS.read_text())
    other["date"] = "2026-11-19"
    path = tmp_path / "investors.json"
    path.write_text(json.dumps(other))
    result = _run(str(EXAMPLE), "--depository", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith("error[DEPOSITORY_FILE]: ")


def _invoke_ok_or_error(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert ERROR_LINE.match(result.stderr), result.stderr
        assert result.stderr.count("\n") == 1, result.stderr


_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_SETTINGS
@given(st.one_of(GARBAGE, mutated(json.loads(INVESTORS.read_text())).map(
    lambda doc: json.dumps(doc).encode())))
def test_any_investors_file_runs_or_is_refused_with_one_error_line(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "investors.json"
        path.write_bytes(data)
        _invoke_ok_or_error(["surveil", str(EXAMPLE), "--depository", str(path)])


@_SETTINGS
@given(st.sampled_from(["push_move_pct", "alert_rules", "split_seconds", "wash_min_qty",
                        "order_screening", "screen_cancel_limit", "layering_min_orders"]),
       NASTY)
def test_any_set_value_runs_or_is_refused_with_one_error_line(name: str, value: Any) -> None:
    text = value if isinstance(value, str) else json.dumps(value)
    _invoke_ok_or_error(["surveil", str(EXAMPLE), "--set", f"{name}={text}"])


def test_bench_surveil_prints_the_false_alert_rate_and_the_planted_patterns_found() -> None:
    result = CliRunner().invoke(main, ["bench", "surveil", "--days", "1", "--orders", "2000"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("days: 1 (seeds 1-1), 2,000 orders") for line in lines)
    for rule in ("push", "layering", "wash", "close", "split"):
        row = next(line for line in lines if line.startswith(rule))
        assert row.split()[-1] == "1/1", row
    assert any("engine alone" in line and "with the screening" in line for line in lines)
    refused = CliRunner().invoke(main, ["bench", "surveil", "--days", "0"])
    assert refused.exit_code == 2 and "INVALID_PARAMETER" in refused.stderr


def test_a_tfex_day_is_not_surveilled() -> None:
    result = _run(str(ROOT / "examples" / "derivatives" / "trading-days.json"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error[NOT_IMPLEMENTED]: surveillance of a TFEX day")
