"""`siamex clearing run`: E1 end to end on a SQLite store, a repeated run, the replay of a
trading day, and bad input refused as error[CODE] with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from siamex.clearing.foundations.store_sqlite import SqliteStore
from siamex.cli import main
from siamex.scenario.loader import load_scenario
from siamex.scenario.output import event_line
from siamex.scenario.runner import run_scenario
from siamex.trading.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "clearing"
E1 = ("--members", str(EXAMPLES / "members.json"), "--trades", str(EXAMPLES / "trades.csv"),
      "--holdings", str(EXAMPLES / "holdings.json"))


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["clearing", "run", *args])
    return result.exit_code, result.stdout, result.stderr


def test_e1_clears_and_settles_through_the_command_line(tmp_path: Path) -> None:
    code, out, err = _invoke(*E1, "--store", str(tmp_path / "clearing.db"))
    assert (code, err) == (0, "")
    assert "settlement date 2021-04-12: settled now, in full" in out
    for member, cash in (("A", "+41000.00"), ("B", "-56000.00"), ("C", "+15000.00")):
        line = next(line for line in out.splitlines() if line.startswith(f"│ {member} "))
        assert cash in line and "settled" in line


def test_a_second_run_reports_the_day_as_it_first_ran_and_changes_nothing(
        tmp_path: Path) -> None:
    store = ("--store", str(tmp_path / "clearing.db"))
    first = _invoke(*E1, *store, "--json")
    with SqliteStore(tmp_path / "clearing.db") as ledger:
        postings = ledger.transactions()
    assert _invoke(*E1, *store, "--json") == first  # decision 67
    with SqliteStore(tmp_path / "clearing.db") as ledger:
        assert ledger.transactions() == postings


def test_a_run_of_a_later_day_reports_the_date_already_settled(tmp_path: Path) -> None:
    store = ("--store", str(tmp_path / "clearing.db"))
    first = json.loads(_invoke(*E1, *store, "--json")[1])
    code, out, _ = _invoke(*E1, *store, "--date", "2021-04-16", "--json")
    later = json.loads(out)
    assert code == 0
    assert later["settlement_dates"] == [{"settlement_date": "2021-04-12",
                                          "already_settled": True, "settled_in_full": True}]
    for member in "ABC":
        assert later["members"][member]["balances"] == first["members"][member]["balances"]
    assert "already settled: nothing moved again" in _invoke(*E1, *store, "--date",
                                                             "2021-04-16")[1]


def test_without_store_a_run_keeps_nothing_and_never_reads_a_clearing_db_left_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an unrelated run (the default scenario's first day) left clearing.db in the folder
    monkeypatch.chdir(tmp_path)
    default = EXAMPLES / "default"
    assert _invoke("--members", str(default / "members.json"),
                   "--trades", str(default / "1-trades.csv"),
                   "--holdings", str(default / "holdings.json"), "--store", "clearing.db",
                   "--date", "2021-03-03")[0] == 0
    left = (tmp_path / "clearing.db").read_bytes()
    fresh = _invoke(*E1, "--store", ":memory:", "--json")
    # decision 80: a fresh store each time, so the same report twice and the file untouched
    assert _invoke(*E1, "--json") == fresh == _invoke(*E1, "--json")
    assert (tmp_path / "clearing.db").read_bytes() == left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clearing.db"]
    assert sorted(json.loads(fresh[1])["members"]) == ["A", "B", "C"]


def test_csv_dir_writes_the_tables(tmp_path: Path) -> None:
    code, out, _ = _invoke(*E1, "--store", ":memory:", "--csv-dir", str(tmp_path / "out"))
    assert code == 0
    assert (tmp_path / "out" / "trades.csv").read_text().count("\n") == 13  # header, 12 sides
    assert str(tmp_path / "out" / "fees.csv") in out


def test_replay_output_clears_with_its_members_file(tmp_path: Path) -> None:
    plan = load_scenario(ROOT / "examples" / "normal-day.json", {})
    day = tmp_path / "day.jsonl"
    day.write_bytes(b"".join(event_line(seq, event) + b"\n"
                             for seq, event in enumerate(run_scenario(plan, Engine(), None), 1)))
    code, out, err = _invoke("--members", str(EXAMPLES / "normal-day-members.json"),
                             "--trades", str(day),
                             "--holdings", str(EXAMPLES / "normal-day-holdings.json"),
                             "--store", str(tmp_path / "clearing.db"), "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["trade_dates"] == ["2026-11-20"]
    assert report["settlement_dates"] == [{"settlement_date": "2026-11-24",
                                           "already_settled": False, "settled_in_full": True}]
    assert sorted(report["members"]) == [f"M{n}" for n in range(1, 10)]


def _write(path: Path, data: object) -> str:
    path.write_text(json.dumps(data))
    return str(path)


@pytest.mark.parametrize(("holding", "code"), [
    ({"member": "Z", "account_type": "client", "asset": "X", "qty": 1}, "HOLDINGS_FILE"),
    ({"member": "B", "account_type": "client", "asset": "X", "qty": -1}, "HOLDINGS_FILE"),
])
def test_bad_holdings_are_refused(tmp_path: Path, holding: object, code: str) -> None:
    holdings = _write(tmp_path / "h.json", {"holdings": [holding]})
    status, _, err = _invoke(*E1[:4], "--holdings", holdings, "--store", ":memory:")
    assert status == 2 and err.startswith(f"error[{code}]")


def test_a_trade_by_an_unknown_member_is_refused(tmp_path: Path) -> None:
    trades = tmp_path / "t.csv"
    trades.write_text((EXAMPLES / "trades.csv").read_text().replace("C,C-CLT,A", "Q,Q-CLT,A"))
    status, _, err = _invoke(E1[0], E1[1], "--trades", str(trades), *E1[4:], "--store",
                             ":memory:")
    assert status == 2 and err.startswith("error[TRADE_FILE]") and "Q" in err


MEMBERS, TRADES, HOLDINGS = E1[1], E1[3], E1[5]


@pytest.mark.parametrize(("args", "code"), [
    (("--members", MEMBERS, "--trades", "trades.txt", "--holdings", HOLDINGS), "TRADE_FILE"),
    (("--members", "missing.json", "--trades", TRADES, "--holdings", HOLDINGS),
     "FILE_NOT_FOUND"),
    ((*E1, "--date", "2021-04-10"), "NOT_TRADING_DAY"),
    ((*E1, "--json", "--csv-dir", "out"), "INVALID_PARAMETER"),
])
def test_bad_input_is_an_error_with_a_code(tmp_path: Path, args: tuple[str, ...],
                                           code: str) -> None:
    status, _, err = _invoke(*args, "--store", str(tmp_path / "c.db"))
    assert status == 2 and err.startswith(f"error[{code}]")


def test_the_clearing_rulebook_reference_in_docs_is_up_to_date() -> None:
    from siamex.clearing.foundations.reference import clearing_markdown_reference

    expected = clearing_markdown_reference()
    assert (ROOT / "docs" / "clearing-rulebook.md").read_text() == expected, (
        "run: siamex rulebook --clearing --markdown > docs/clearing-rulebook.md")


def test_clearing_rules_are_overridden_from_the_command_line(tmp_path: Path) -> None:
    # decision C2: per-account cash netting needs the cash holding typed, so E1's holdings
    # file (cash per member) is refused under it, naming the rule
    code, _, err = _invoke(*E1, "--store", ":memory:", "--set", "cash_netting=account")
    assert code == 2 and err.startswith("error[HOLDINGS_FILE]")
    code, out, err = _invoke(*E1, "--store", ":memory:", "--set", "clearing_fee_cap=1",
                             "--json")
    assert code == 0, err
    fees = json.loads(out)["members"]["A"]["fees"]
    assert {f["fee"] for f in fees} <= {"1.00", "0.00"} and fees
    for bad, why in (("nope=1", "UNKNOWN_PARAMETER"), ("cash_netting=x", "INVALID_PARAMETER"),
                     ("cash_netting", "INVALID_PARAMETER")):
        code, _, err = _invoke(*E1, "--store", ":memory:", "--set", bad)
        assert code == 2 and err.startswith(f"error[{why}]"), err


def test_bad_day_instructions_are_refused_before_anything_is_posted(tmp_path: Path) -> None:
    store = tmp_path / "clearing.db"
    bad = tmp_path / "day.json"
    bad.write_text(json.dumps({"prices": {"X": 30.5}}))
    code, _, err = _invoke(*E1, "--store", str(store), "--instructions", str(bad))
    assert code == 2 and err.startswith("error[INSTRUCTIONS_FILE]") and "prices.X" in err
    bad.write_text(json.dumps({"collateral": [{"member": "A", "op": "deposit", "asset": "THB",
                                               "qty": "1.00", "at": "2021-04-09T09:00:00",
                                               "ref": "c"}]}))
    code, _, err = _invoke(*E1, "--store", str(store), "--instructions", str(bad))
    assert code == 2 and "not the run date 2021-04-12" in err
    code, _, err = _invoke(*E1, "--store", str(store), "--instructions",
                           str(tmp_path / "missing.json"))
    assert code == 2 and err.startswith("error[FILE_NOT_FOUND]")
    code, out, _ = _invoke(*E1, "--store", str(store), "--json")
    assert json.loads(out)["settlement_dates"][0]["already_settled"] is False


@pytest.mark.parametrize("content", [b"\xff\xfe\x00not utf-8", b"[" * 100_000,
                                     b"1" * 5_000, b""])
@pytest.mark.parametrize(("option", "suffix", "code"), [
    ("--members", ".json", "MEMBER_FILE"), ("--holdings", ".json", "HOLDINGS_FILE"),
    ("--trades", ".json", "TRADE_FILE"), ("--trades", ".csv", "TRADE_FILE"),
    ("--trades", ".jsonl", "TRADE_FILE"), ("--instructions", ".json", "INSTRUCTIONS_FILE"),
])
def test_a_file_that_is_not_text_or_json_is_refused_with_its_code(
        tmp_path: Path, content: bytes, option: str, suffix: str, code: str) -> None:
    bad = tmp_path / f"bad{suffix}"
    bad.write_bytes(content)
    args = list(E1)
    if option in args:
        args[args.index(option) + 1] = str(bad)
    else:
        args += [option, str(bad)]
    exit_code, out, err = _invoke(*args, "--store", str(tmp_path / "c.db"))
    if content == b"" and suffix in (".csv", ".jsonl"):
        # an empty trade file is no trades, and E1's holdings need no run date to be issued
        assert exit_code == 2 and err.startswith("error[TRADE_FILE]"), err
        with SqliteStore(tmp_path / "c.db") as store:
            assert store.transactions() == []  # refused before the first posting
        return
    assert exit_code == 2 and err.startswith(f"error[{code}]"), (err, out)
    assert not (tmp_path / "c.db").exists()  # refused before the store is opened


@pytest.mark.parametrize("day", ["20210412", "2021-W15-1", "2021-4-12"])
def test_the_run_date_is_written_yyyy_mm_dd_only(day: str) -> None:
    code, _, err = _invoke(*E1, "--store", ":memory:", "--date", day)
    assert (code, err) == (2, f"error[INVALID_PARAMETER]: --date: date '{day}' is not "
                              "'YYYY-MM-DD'\n")


@pytest.mark.parametrize(("change", "says"), [
    ({"qty": 2**63}, "`qty` is beyond the largest quantity, 1,000,000,000,000 shares"),
    ({"qty": 10**12 + 1}, "`qty` is beyond the largest quantity"),
    ({"asset": "Y\ud800"}, "not JSON"),
])
def test_a_holding_no_store_could_hold_is_refused_and_nothing_is_stored(
        tmp_path: Path, change: dict[str, object], says: str) -> None:
    holdings = json.loads((EXAMPLES / "holdings.json").read_text())
    holdings["holdings"][0].update(change)
    (tmp_path / "h.json").write_text(json.dumps(holdings))
    store = tmp_path / "tch.db"
    code, _, err = _invoke("--members", str(EXAMPLES / "members.json"), "--trades",
                           str(EXAMPLES / "trades.csv"), "--holdings", str(tmp_path / "h.json"),
                           "--store", str(store))
    assert code == 2 and err.startswith("error[HOLDINGS_FILE]") and says in err
    if store.exists():
        with SqliteStore(store) as ledger:
            assert ledger.transactions() == []


def test_a_member_id_with_a_lone_surrogate_is_refused(tmp_path: Path) -> None:
    members = json.loads((EXAMPLES / "members.json").read_text())
    members["members"][0]["member"] = "A\udc00"
    (tmp_path / "m.json").write_text(json.dumps(members))
    code, _, err = _invoke("--members", str(tmp_path / "m.json"), "--trades",
                           str(EXAMPLES / "trades.csv"), "--holdings",
                           str(EXAMPLES / "holdings.json"), "--store", ":memory:")
    assert code == 2 and err.startswith(f"error[MEMBER_FILE]: {tmp_path / 'm.json'}: not JSON")
