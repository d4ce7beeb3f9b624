"""`siamex measures`: the short position report, the fines, the flagged-investor list and the
NVDR disclosure, thin over the library, on the examples in examples/measures/."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siamex.cli import main
from siamex.measures.short_report import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "measures"
SHORTS = EXAMPLES / "short-positions.json"
INVESTORS = EXAMPLES / "short-investors.json"
A, B = "INV-a1b2c3d4e5f60718293a", "INV-b2c3d4e5f60718293a4b"
GARBAGE = settings(max_examples=25, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow,
                                          HealthCheck.function_scoped_fixture])


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _json(*args: str) -> Any:
    code, out, err = _invoke(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def _short_rows(*args: str) -> list[tuple[Any, ...]]:
    rows = _json("measures", "shorts", *args)
    return [(r["date"], r["symbol"], r["short_volume"], r["short_value"],
             r["bought_back_volume"], r["outstanding_volume"], r["outstanding_pct"],
             r["at_cap"]) for r in rows]


DAY_1 = [("2026-12-03", "PTT", 150_000, "5075000.00", 40_000, 110_000, "0.00", False),
         ("2026-12-03", "THIN", 10_000, "101000.00", 0, 10_000, "10.00", True)]
DAY_2 = [("2026-12-04", "PTT", 20_000, "685000.00", 30_000, 100_000, "0.00", False),
         ("2026-12-04", "THIN", 0, "0.00", 5_000, 5_000, "5.00", False)]


def test_the_short_report_of_the_example_days_with_the_cap_carried_into_day_two() -> None:
    # day 2's further short sale of THIN is refused: its day starts at the cap (T14)
    assert _short_rows(str(SHORTS), "--depository", str(INVESTORS)) == DAY_1 + DAY_2


def test_without_the_investors_a_buy_at_another_member_buys_nothing_back() -> None:
    rows = _short_rows(str(SHORTS))
    assert rows[0][4] == 0 and rows[2][4] == 30_000


def test_a_state_file_carries_the_positions_into_the_next_day_s_run(tmp_path: Path) -> None:
    scenario = json.loads(SHORTS.read_text())
    first, second = (dict(scenario, days=[day]) for day in scenario["days"])
    (tmp_path / "d1.json").write_text(json.dumps(first))
    (tmp_path / "d2.json").write_text(json.dumps(second))
    investors = json.loads(INVESTORS.read_text())
    (tmp_path / "i2.json").write_text(json.dumps(dict(investors, date="2026-12-04")))
    state = tmp_path / "shorts-state.json"
    assert _short_rows(str(tmp_path / "d1.json"), "--depository", str(INVESTORS),
                       "--save-state", str(state)) == DAY_1
    assert _short_rows(str(tmp_path / "d2.json"), "--depository", str(tmp_path / "i2.json"),
                       "--state", str(state)) == DAY_2
    code, _, err = _invoke("measures", "shorts", str(tmp_path / "d1.json"), "--state",
                           str(state))
    assert code == 2 and err.startswith("error[MEASURES_STATE]: the short positions are of "
                                        "2026-12-03; the scenario's first day 2026-12-03")


def test_the_report_file_is_csv_or_json_by_its_name(tmp_path: Path) -> None:
    code, out, _ = _invoke("measures", "shorts", str(SHORTS), "--csv", str(tmp_path / "s.csv"),
                           "--depository", str(INVESTORS))
    assert code == 0 and "outstanding short positions" in out and "THIN" in out
    lines = list(csv.reader(io.StringIO((tmp_path / "s.csv").read_text())))
    assert lines[0] == list(COLUMNS) and lines[2][1:] == [
        "THIN", "10000", "101000.00", "0", "10000", "100000", "10.00", "true"]
    _invoke("measures", "shorts", str(SHORTS), "--csv", str(tmp_path / "s.json"))
    assert json.loads((tmp_path / "s.json").read_text())[1]["at_cap"] is True


def test_the_rulebook_overrides_reach_the_report() -> None:
    rows = _short_rows(str(SHORTS), "--depository", str(INVESTORS), "--set",
                       "short_sale_max_pct=20")
    assert rows[1] == (*DAY_1[1][:7], False)  # 10% is not at a cap of 20%
    assert rows[:1] + rows[2:] == DAY_1[:1] + DAY_2


def test_the_nvdr_disclosure_of_the_example_holdings() -> None:
    disclosed = _json("measures", "nvdr", "--depository", str(EXAMPLES / "nvdr-holdings.json"),
                      "--listed", str(SHORTS))
    ptt, thin = disclosed
    assert [(h["investor"], h["qty"], h["pct"], h["top"], h["over_threshold"])
            for h in ptt["holders"][:3]] == [
        (A, 150_000_000, "0.53", True, True), ("M5/E1", 142_814_982, "0.50", True, True),
        ("M5/E2", 142_814_981, "0.50", True, False)]
    assert len(ptt["holders"]) == 10 and ptt["listed_shares"] == 28_562_996_250
    assert [(h["rank"], h["top"]) for h in thin["holders"][-2:]] == [(11, False), (12, False)]
    assert len(thin["holders"]) == 12


def test_the_nvdr_disclosure_follows_its_parameters() -> None:
    disclosed = _json("measures", "nvdr", "--depository", str(EXAMPLES / "nvdr-holdings.json"),
                      "--listed", str(SHORTS), "--set", "nvdr_disclosure_top=1",
                      "--set", "nvdr_disclosure_pct=2")
    assert [[h["rank"] for h in d["holders"]] for d in disclosed] == [[1], [1]]


FINED = [("M1", "uncovered_sale", "150000.00"), ("M2", "short_sale_screened", "30000.00"),
         ("M3", "naked_short_sale", "150000.00"), ("M4", "hft_not_registered", "300000.00"),
         ("M5", "program_screened", "30000.00"), ("M5", "hft_not_permitted", "30000.00")]


def _fines(*args: str) -> list[tuple[str, str, str]]:
    [day] = _json("measures", "fines", str(EXAMPLES / "fines.json"), "--depository",
                  str(EXAMPLES / "depository.json"), *args)
    assert day["date"] == "2026-12-03"
    return [(row["member"], row["breach"], row["fine"]) for row in day["fines"]]


def test_the_example_day_s_breaches_are_fined_three_times(tmp_path: Path) -> None:
    assert _fines() == FINED
    assert _fines("--set", "measure_fine_multiple=1")[0] == ("M1", "uncovered_sale", "50000.00")
    table = tmp_path / "fines.toml"
    table.write_text("[base_fine]\n" + "".join(f"{b} = 1\n" for b in (
        "naked_short_sale", "uncovered_sale", "short_sale_screened", "program_screened",
        "hft_not_registered", "hft_not_permitted")))
    assert {fine for _, _, fine in _fines("--fines", str(table))} == {"3.00"}


def test_without_the_measures_turned_on_only_the_engine_s_refusals_are_fined() -> None:
    assert _fines("--set", "check_before_sell=false", "--set", "order_screening=false") == [
        ("M4", "hft_not_registered", "300000.00"), ("M5", "hft_not_permitted", "30000.00")]


def test_a_bad_fines_table_stops_the_command_with_its_code(tmp_path: Path) -> None:
    table = tmp_path / "fines.toml"
    table.write_text("[base_fine]\nnaked_short_sale = 1\n")
    code, _, err = _invoke("measures", "fines", str(EXAMPLES / "fines.json"), "--fines",
                           str(table))
    assert code == 2 and err.startswith("error[FINES_FILE]") and "missing" in err


def test_the_fines_csv_file(tmp_path: Path) -> None:
    code, out, _ = _invoke("measures", "fines", str(EXAMPLES / "fines.json"), "--depository",
                           str(EXAMPLES / "depository.json"), "--csv", str(tmp_path / "f.csv"))
    assert code == 0 and "hft_not_registered" in out
    rows = list(csv.DictReader(io.StringIO((tmp_path / "f.csv").read_text())))
    assert [(r["member"], r["breach"], r["fine"]) for r in rows] == FINED


def _alerts(tmp_path: Path) -> Path:
    path = tmp_path / "alerts.json"
    path.write_text(json.dumps({"alerts": [
        {"rule": "wash", "investor": A, "date": "2026-12-01", "symbol": "PTT"},
        {"rule": "push", "investor": "M1/A9", "date": "2026-12-02"}],
        "screened": [{"investor": B, "date": "2026-12-03",
                      "text": "screened (layering): M3/C1 cancelled 20 orders"}]}))
    return path


def test_the_flagged_list_of_a_day_for_every_member_and_for_one(tmp_path: Path) -> None:
    alerts = str(_alerts(tmp_path))
    listed = _json("measures", "flagged", "--alerts", alerts, "--date", "2026-12-31")
    assert [(e["investor"], e["reason"], e["valid_until"]) for e in listed] == [
        (A, "wash", "2026-12-31"), (B, "layering", "2027-01-02")]
    own = _json("measures", "flagged", "--alerts", alerts, "--date", "2027-01-01",
                "--member", "M1")
    assert [(e["investor"], e["reason"]) for e in own] == [(B, "layering"), ("M1/A9", "push")]
    short = _json("measures", "flagged", "--alerts", alerts, "--date", "2026-12-05",
                  "--set", "flagged_investor_days=3")
    assert [e["investor"] for e in short] == [B]


def test_the_flagged_list_reads_the_surveillance_report(tmp_path: Path) -> None:
    code, out, _ = _invoke("surveil", str(EXAMPLES / "fines.json"), "--depository",
                           str(EXAMPLES / "depository.json"), "--json")
    assert code == 0
    (tmp_path / "surveil.json").write_text(out)
    code, out, _ = _invoke("measures", "flagged", "--alerts", str(tmp_path / "surveil.json"),
                           "--date", "2026-12-03", "--csv", str(tmp_path / "flagged.csv"))
    assert code == 0 and "INV-5f1c0e2a9b7d4c3e8a61" in out and "M5/H2" not in out
    rows = list(csv.DictReader(io.StringIO((tmp_path / "flagged.csv").read_text())))
    assert [(r["investor"], r["reason"]) for r in rows] == [("INV-5f1c0e2a9b7d4c3e8a61",
                                                             "wash")]


def test_a_bad_date_or_alerts_file_stops_the_command_with_its_code(tmp_path: Path) -> None:
    alerts = str(_alerts(tmp_path))
    code, _, err = _invoke("measures", "flagged", "--alerts", alerts, "--date", "20261203")
    assert code == 2 and err.startswith("error[INVALID_PARAMETER]: --date")
    (tmp_path / "bad.json").write_text('[{"investor": "x", "rule": "wash"}]')
    code, _, err = _invoke("measures", "flagged", "--alerts", str(tmp_path / "bad.json"),
                           "--date", "2026-12-03")
    assert code == 2 and err.startswith("error[MEASURES_STATE]") and "alert 1: date" in err


def test_an_empty_report_says_so(tmp_path: Path) -> None:
    (tmp_path / "none.json").write_text("[]")
    code, out, _ = _invoke("measures", "flagged", "--alerts", str(tmp_path / "none.json"),
                           "--date", "2026-12-03")
    assert code == 0 and "flagged investors on 2026-12-03: none" in out
    scenario = ROOT / "examples" / "normal-day.json"
    code, out, _ = _invoke("measures", "shorts", str(scenario))
    assert code == 0 and "outstanding short positions: none" in out


@GARBAGE
@given(raw=st.binary(max_size=200)
       | st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(["version", "date", "lots", "orders",
                                                         "day", "position_days", "cap_pct",
                                                         "alerts", "screened", "investor",
                                                         "rule", "text"]),
                                        inner, max_size=5))
       .map(lambda v: json.dumps(v).encode()))
def test_garbage_state_and_alerts_files_end_in_an_error_line(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "garbage.json"
    path.write_bytes(raw)
    for args in (("measures", "flagged", "--alerts", str(path), "--date", "2026-12-03"),
                 ("measures", "shorts", str(SHORTS), "--state", str(path))):
        code, _, err = _invoke(*args)
        assert code == 0 or (code == 2 and err.startswith("error[MEASURES_STATE]")), err
