"""`siamex compare` and `siamex replay` with a depository file: the orders check-before-sell
would have refused, and a day unchanged while the check is off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.cli import main
from siamex.measures.availability import measured_engine
from siamex.measures.depository import load_depository
from siamex.scenario.compare import Rules, compare_scenario, report
from tests.measures.test_investors import VALID

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "examples" / "measures" / "check-before-sell.json"
DEPOSITORY = ROOT / "examples" / "measures" / "depository.json"
NORMAL_DAY = ROOT / "examples" / "normal-day.json"
REFUSED = {"s-over", "p-over", "p-ok", "ss-naked", "n-plain", "tr-over"}


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _compare_json(*args: str) -> dict[str, Any]:
    code, out, err = _invoke("compare", str(SCENARIO), "--depository", str(DEPOSITORY),
                             "--json", *args)
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def test_compare_lists_every_order_the_check_would_have_refused() -> None:
    result = _compare_json("--b-set", "check_before_sell=true")
    shown = {order["id"]: order for order in result["orders"]["shown"]}
    refused = {i for i, o in shown.items() if "NO_SECURITIES" in o["b"]["rejects"]}
    assert refused == REFUSED
    assert all(not o["a"]["rejects"] for o in shown.values())  # side A: the engine alone
    # the other orders that differ are the buyers those sells no longer met
    assert set(shown) - REFUSED == {"d1", "d2"}
    assert result["days"][0]["market"]["rejects"]["NO_SECURITIES"] == {"a": 0, "b": 6,
                                                                       "diff": 6}


def test_a_trade_report_fills_its_one_id_once() -> None:
    shown = {o["id"]: o for o in _compare_json("--b-set", "check_before_sell=true")[
        "orders"]["shown"]}
    assert shown["tr-over"]["a"]["filled"] == 100_000  # buy_id and sell_id are the report's


def test_the_covered_sells_pass_with_the_check_on() -> None:
    result = _compare_json("--b-set", "check_before_sell=true")
    differing = {order["id"] for order in result["orders"]["shown"]}
    for covered in ("s-all", "s-bought", "ss-cov", "n-ok", "tr-ok"):
        assert covered not in differing


def test_a_compare_with_the_check_off_on_both_sides_shows_no_difference() -> None:
    assert _compare_json()["differs"] is False


def test_compare_scenario_runs_each_side_on_what_the_factory_makes() -> None:
    depository = load_depository(DEPOSITORY)
    made: list[bool] = []

    def host(plan: Any) -> Any:
        made.append(True)
        return measured_engine(plan, depository)

    result = report(compare_scenario(SCENARIO, Rules("off", {}),
                                     Rules("on", {"check_before_sell": True}), host))
    assert made == [True, True]
    assert result["orders"]["differ"] == 8


def test_replay_with_a_depository_and_the_check_off_prints_the_same_bytes() -> None:
    plain = _invoke("replay", str(SCENARIO))
    measured = _invoke("replay", str(SCENARIO), "--depository", str(DEPOSITORY))
    assert plain[0] == measured[0] == 0
    assert plain[1] == measured[1]
    assert "NO_SECURITIES" not in plain[1]


def test_replay_with_the_check_on_refuses_the_uncovered_sells() -> None:
    code, out, _ = _invoke("replay", str(SCENARIO), "--depository", str(DEPOSITORY), "--set",
                           "check_before_sell=true")
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    refused = {e["id"]: e["text"] for e in events if e.get("reason") == "NO_SECURITIES"}
    assert set(refused) == REFUSED
    assert refused["s-over"] == ("M1/A1 has 0 PTT available to sell, the order is for 100")
    assert refused["p-over"] == ("M2/B1 has 500 AOT available to sell, the order is for 1,000")


def test_the_check_without_a_depository_refuses_the_run() -> None:
    code, _, err = _invoke("replay", str(NORMAL_DAY), "--set", "check_before_sell=true")
    assert code == 2
    assert err.startswith("error[DEPOSITORY_FILE]: check_before_sell is on for 2026-11-20: "
                          "it needs the day's holdings, given with --depository")
    code, _, err = _invoke("compare", str(NORMAL_DAY), "--b-set", "check_before_sell=true")
    assert code == 2 and err.startswith("error[DEPOSITORY_FILE]")


def test_a_depository_of_another_day_is_refused() -> None:
    code, _, err = _invoke("replay", str(NORMAL_DAY), "--depository", str(DEPOSITORY))
    assert code == 2
    assert err.startswith("error[DEPOSITORY_FILE]: the depository file gives the holdings of "
                          "2026-12-03, not of 2026-11-20")


def test_a_depository_naming_national_ids_needs_the_investor_key(tmp_path: Path) -> None:
    data = json.loads(DEPOSITORY.read_text())
    data["investors"] = [{"national_id": VALID, "accounts": [{"member": "M1",
                                                             "account": "A1"}]}]
    path = tmp_path / "depository.json"
    path.write_text(json.dumps(data))
    code, _, err = _invoke("replay", str(SCENARIO), "--depository", str(path))
    assert code == 2 and "needs the exchange's investor key" in err
    assert VALID not in err
    key = tmp_path / "investor.key"
    key.write_bytes(b"k" * 32)
    code, _, err = _invoke("replay", str(SCENARIO), "--depository", str(path),
                           "--investor-key", str(key), "--summary")
    assert code == 0, err
    code, _, err = _invoke("replay", str(SCENARIO), "--depository", str(path),
                           "--investor-key", str(tmp_path / "none.key"))
    assert code == 2 and err.startswith("error[FILE_NOT_FOUND]")


FIELDS = st.sampled_from(["date", "investors", "holdings", "member", "account", "symbol",
                          "settled", "pledged", "borrowed", "short_sold", "investor"])
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**13) | st.text(max_size=10)
    | st.sampled_from(["2026-12-03", "PTT", "M1", "A1"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(FIELDS, inner, max_size=5),
    max_leaves=20)


@given(st.one_of(JSONISH.map(lambda v: json.dumps(v).encode()), st.binary(max_size=80)))
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
def test_a_garbage_depository_file_ends_in_a_run_or_one_error_line(
        tmp_path_factory: Any, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("garbage") / "depository.json"
    path.write_bytes(raw)
    result = CliRunner().invoke(main, ["replay", str(SCENARIO), "--depository", str(path),
                                       "--set", "check_before_sell=true", "--summary"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code:
        assert result.exit_code == 2
        assert result.stderr.startswith(f"error[DEPOSITORY_FILE]: {path}: ")
        assert len(result.stderr.splitlines()) == 1
