"""`siamex derivatives run|products|series` and `siamex bench derivatives`: the example days
cleared end to end (E10's first day, the changes of the next, the night session and a
transfer, an expiry), days carried on one SQLite store and a cleared day reported as it first
ran, two TFEX days traded by `siamex replay` and cleared from its output, and bad input refused
as `error[CODE]: sentence` with exit status 2 and no traceback."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.report import TABLES
from siamex.clearing.foundations.store_sqlite import SqliteStore
from siamex.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "derivatives"
ACCOUNTS = str(EXAMPLES / "accounts.json")


def _day(trades: str, instructions: str) -> tuple[str, ...]:
    return ("--accounts", ACCOUNTS, "--trades", str(EXAMPLES / trades),
            "--instructions", str(EXAMPLES / instructions))


NORMAL = _day("normal-day-trades.csv", "normal-day.json")
NEXT = _day("next-day-trades.csv", "next-day.json")
NIGHT = _day("night-trades.csv", "transfer.json")
EXPIRY = _day("expiry-trades.csv", "expiry-day.json")


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _run(*args: str) -> Result:
    return _invoke("derivatives", "run", *args)


def _report(*args: str) -> dict[str, Any]:
    result = _run(*args, "--json")
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _row(report: dict[str, Any], account: str, series: str) -> dict[str, Any]:
    return next(r for r in report["positions"]
                if (r["account"], r["series"]) == (account, series))


def _refused(result: Result, code: str) -> str:
    """The one-line error of a refused run: exit 2, nothing else said, no traceback."""
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.startswith(f"error[{code}]: "), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert result.stdout == ""
    return result.stderr


def _postings(path: Path) -> list[Any]:
    with SqliteStore(path) as ledger:
        return list(ledger.transactions())


def test_the_normal_day_clears_e10s_first_day_as_json() -> None:
    report = _report(*NORMAL)
    assert list(report) == ["date", "settles", "trade_count", "other_date_trades", "expired",
                            "super_margin", *TABLES]
    assert (report["date"], report["settles"], report["trade_count"],
            report["other_date_trades"], report["expired"]) == ("2021-04-08", "2021-04-09", 7,
                                                                0, [])
    # every trade's two sides, as booked at the day's end
    assert len(report["trades"]) == 14
    assert report["trades"][0] == {"member": "A", "account": "A-01", "trade_id": "1",
                                   "series": "S50M21", "side": "buy", "qty": 4,
                                   "price": "1000.00", "flag": "open"}
    # E10: A-01 bought 4 S50M21 at 1000.0, settled at 985.0: 4 x -15 x 200 THB
    a01 = _row(report, "A-01", "S50M21")
    assert (a01["long"], a01["vm_new"], a01["cash"]) == (4, "-12000.00", "-12000.00")
    # E18: A-02 carried long 5 in from 1001.0, so its gross 8 long 4 short is margined too
    a02 = _row(report, "A-02", "S50M21")
    assert (a02["long"], a02["short"], a02["vm_carry"]) == (8, 4, "-16000.00")
    assert _row(report, "B-MM", "S50M21C1000")["premium"] == "37000.00"
    prices = {p["series"]: (p["price"], p["basis"]) for p in report["prices"]}
    assert prices["S50M21"] == ("985.00", "traded")
    # B-MM's market making was approved today; A-02's and A-03's asks still wait
    assert report["pending"] == [{"member": "A", "account": "A-02", "approval": "net_margin"},
                                 {"member": "A", "account": "A-03", "approval": "propagation"}]
    assert sum(Decimal(c["eod"]) + Decimal(c["intraday"]) for c in report["cash"]) == 0
    assert report["changes"] == [] and report["breaches"] == []
    # the bundled margin table: A-02, gross and not yet approved net, is margined long and
    # short apart; A, holding no collateral, is called its whole intraday requirement at
    # 12:00, and the rest of its end-of-day requirement at 09:00 on the next business day
    portfolios = {r["portfolio"] for r in report["margin"] if r["run"] == "eod"}
    assert {"A-02/long", "A-02/short", "A-01"} <= portfolios
    early, late = ({c["member"]: c for c in report["calls"] if c["run"] == run}["A"]
                   for run in ("intraday", "eod"))
    assert early["call"] == early["requirement"] != "0.00"
    assert Decimal(late["call"]) == Decimal(late["requirement"]) - Decimal(early["call"])
    assert (early["due"], late["due"]) == ("2021-04-08 12:00", "2021-04-09 09:00")


def test_csv_dir_writes_every_table(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = _run(*NORMAL, "--csv-dir", str(out))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.split() == [str(out / f"{name}.csv") for name in TABLES]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}.csv" for name in TABLES)
    for name, columns in TABLES.items():
        with (out / f"{name}.csv").open(newline="") as handle:
            assert tuple(next(csv.reader(handle))) == columns
    positions = (out / "positions.csv").read_text()
    assert "A,A-01,S50M21,4,0,4,4,0,0.00,-12000.00,0.00,0.00,-12000.00\n" in positions
    rows = list(csv.DictReader(io.StringIO((out / "pending.csv").read_text())))
    assert [r["account"] for r in rows] == ["A-02", "A-03"]


def test_without_json_or_csv_the_day_is_printed_as_readable_tables() -> None:
    result = _run(*NORMAL)
    assert (result.exit_code, result.stderr) == (0, "")
    out = result.stdout
    assert out.startswith("Derivatives clearing 2021-04-08: 7 trade(s); end-of-day cash "
                          "settles 2021-04-09 09:00")
    line = next(line for line in out.splitlines() if "│ A-01 " in line)
    assert "S50M21" in line and "-12000.00" in line
    assert "configurations waiting for TCH's" in out and "net_margin" in out


def test_the_example_days_carry_positions_on_one_store_and_a_cleared_day_reports_as_it_ran(
        tmp_path: Path) -> None:
    store = ("--store", str(tmp_path / "tfex.db"))
    first = _report(*NORMAL, *store)
    next_day = _report(*NEXT, *store)
    assert [(c["kind"], c["ref"], c["accepted"]) for c in next_day["changes"]] == [
        ("amend", "1/buy", True), ("give_up", "2/buy", True),
        ("match_out", "A-02/S50M21", True)]
    # trade 1 moved to A-PRT on T+1: A-PRT is marked from its execution price 1000.0 to
    # E10's second day's 960.0, 4 x -40 x 200 THB
    moved = _row(next_day, "A-PRT", "S50M21")
    assert (moved["long"], moved["vm_new"]) == (4, "-32000.00")
    night = _report(*NIGHT, *store)
    assert night["settles"] == "2021-04-16"  # 13-15 April 2021 are holidays
    assert [(c["ref"], c["code"]) for c in night["changes"]] == [
        ("3/sell", "APPROVAL_REQUIRED"), ("S50M21/A-PRT->A-01", "BENEFICIARY_DIFFERS"),
        ("S50M21/B-01->A-01", "APPROVAL_REQUIRED"), ("S50M21/A-01->A-03", "")]
    assert _row(night, "A-03", "S50M21")["short"] == 2
    gold = _row(night, "A-01", "GFM21")
    assert (gold["bought"], gold["sold"], gold["long"]) == (2, 1, 1)
    postings = _postings(tmp_path / "tfex.db")
    assert _report(*NORMAL, *store) == first
    readable = _run(*NORMAL, *store)
    assert readable.stdout == _run(*NORMAL).stdout  # the same report as a fresh day 1
    assert _postings(tmp_path / "tfex.db") == postings


def test_the_expiry_day_settles_the_june_series_at_their_final_prices() -> None:
    report = _report(*EXPIRY)
    assert report["expired"] == ["S50M21", "S50M21C975", "S50M21P950"]
    prices = {p["series"]: (p["price"], p["basis"]) for p in report["prices"]}
    assert prices["S50M21"] == ("988.20", "final")
    assert prices["S50M21C975"] == ("13.20", "final")
    # a 975 call pays 13.20 points x 200 THB a contract: 10 contracts, 26,400 THB
    assert _row(report, "A-PRT", "S50M21C975")["final"] == "26400.00"
    assert _row(report, "B-MM", "S50M21C975")["final"] == "-26400.00"


def _write(path: Path, data: object) -> str:
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def _replaced(args: tuple[str, ...], option: str, value: str) -> list[str]:
    changed = list(args)
    changed[changed.index(option) + 1] = value
    return changed


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    for option in ("--accounts", "--trades", "--instructions"):
        missing = str(tmp_path / "missing")
        error = _refused(_run(*_replaced(NORMAL, option, missing)), "FILE_NOT_FOUND")
        assert missing in error


def test_bad_accounts_trades_and_instructions_are_refused_with_their_codes(
        tmp_path: Path) -> None:
    accounts = json.loads((EXAMPLES / "accounts.json").read_text())
    accounts["accounts"][0]["margin_parent"] = "A-03"  # A-03 is margined under A-01 itself
    bad = _write(tmp_path / "accounts.json", accounts)
    error = _refused(_run(*_replaced(NORMAL, "--accounts", bad)), "ACCOUNT_FILE")
    assert f"{bad}: account A-01: margin parent A-03" in error
    accounts["accounts"][0].pop("margin_parent")
    accounts["members"][2]["shareholders_equity"] = "90000000"
    bad = _write(tmp_path / "accounts.json", accounts)
    _refused(_run(*_replaced(NORMAL, "--accounts", bad)), "MEMBER_NOT_QUALIFIED")

    trades = (EXAMPLES / "normal-day-trades.csv").read_text().replace("B-MM", "B-XX", 1)
    bad = _write(tmp_path / "trades.csv", trades)
    error = _refused(_run(*_replaced(NORMAL, "--trades", bad)), "TRADE_FILE")
    assert f"{bad}: line 5: sell_account 'B-XX' is not registered" in error
    bad = _write(tmp_path / "trades.csv", trades.replace("B-XX", "B-MM").replace(
        "S50M21C1000", "S50V21C1000"))
    error = _refused(_run(*_replaced(NORMAL, "--trades", bad)), "TRADE_FILE")
    assert "line 5: series S50V21C1000 is not listed on 2021-04-08" in error

    instructions = json.loads((EXAMPLES / "next-day.json").read_text())
    instructions["match_outs"][0]["qty"] = 0
    bad = _write(tmp_path / "day.json", instructions)
    error = _refused(_run(*_replaced(NEXT, "--instructions", bad)), "INSTRUCTIONS_FILE")
    assert f"{bad}: match_outs[1].qty" in error


@pytest.mark.parametrize("content", [b"\xff\xfe\x00not utf-8", b"[" * 100_000, b"1" * 5_000,
                                     b""])
@pytest.mark.parametrize(("option", "code"), [
    ("--accounts", "ACCOUNT_FILE"), ("--trades", "TRADE_FILE"),
    ("--instructions", "INSTRUCTIONS_FILE")])
def test_a_file_that_is_not_text_or_json_is_refused_before_the_store_is_opened(
        tmp_path: Path, content: bytes, option: str, code: str) -> None:
    bad = tmp_path / "bad"
    bad.write_bytes(content)
    store = tmp_path / "tfex.db"
    _refused(_run(*_replaced(NORMAL, option, str(bad)), "--store", str(store)), code)
    assert not store.exists()


@pytest.mark.parametrize(("instructions", "says"), [
    ({"intraday_prices": {"S50M21": "99999999999.90"}},
     "intraday_prices[S50M21]: a price must be above zero and at most 1,000,000"),
    ({"settlement_prices": {"S50M21": "1000000.10"}}, "settlement_prices[S50M21]"),
])
def test_a_price_no_marking_could_hold_is_refused_not_a_crash(
        tmp_path: Path, instructions: dict[str, Any], says: str) -> None:
    day = json.loads((EXAMPLES / "normal-day.json").read_text()) | instructions
    bad = _write(tmp_path / "day.json", day)
    assert says in _refused(_run(*_replaced(NORMAL, "--instructions", bad)),
                            "INSTRUCTIONS_FILE")


def test_a_final_price_no_marking_could_hold_is_refused_not_a_crash(tmp_path: Path) -> None:
    day = json.loads((EXAMPLES / "expiry-day.json").read_text())
    day["final_settlement"]["SET50"] = {"price": "99999999999.90"}
    bad = _write(tmp_path / "day.json", day)
    error = _refused(_run(*_replaced(EXPIRY, "--instructions", bad)), "INSTRUCTIONS_FILE")
    assert "final_settlement[SET50]: the final price 99999999999.90 is above 1,000,000" in error


@pytest.mark.parametrize(("args", "code"), [
    ((*NORMAL, "--date", "2021-4-8"), "INVALID_PARAMETER"),
    ((*NORMAL, "--date", "2021-04-10"), "NOT_TRADING_DAY"),
    ((*NORMAL, "--date", "2021-04-09"), "INSTRUCTIONS_FILE"),
    ((*NORMAL[:4], "--date", "2021-04-09"), "TRADE_FILE"),
    ((*NORMAL, "--json", "--csv-dir", "out"), "INVALID_PARAMETER"),
    ((*NORMAL, "--set", "derivatives_min_equity=x"), "INVALID_PARAMETER"),
    ((*NORMAL, "--set", "no_such_rule=1"), "UNKNOWN_PARAMETER"),
    ((*NORMAL, "--set", "derivatives_min_equity=200000000"), "MEMBER_NOT_QUALIFIED"),
])
def test_bad_options_are_an_error_with_a_code(tmp_path: Path, args: tuple[str, ...],
                                              code: str) -> None:
    _refused(_run(*args, "--store", str(tmp_path / "tfex.db")), code)


def test_a_store_clears_every_business_day_in_turn_none_skipped_none_before_the_last(
        tmp_path: Path) -> None:
    db = tmp_path / "tfex.db"
    _report(*NORMAL, "--store", str(db))
    postings = _postings(db)
    error = _refused(_run(*NIGHT, "--store", str(db)), "CLEARING_STATE")
    assert "the store is cleared to 2021-04-08: clear 2021-04-09 before 2021-04-12" in error
    assert _postings(db) == postings
    _report(*NEXT, "--store", str(db))
    postings = _postings(db)
    no_trades = _write(tmp_path / "none.csv", "trade_id,date,session,time,series,qty,price,"
                                              "buy_account,buy_flag,sell_account,sell_flag\n")
    error = _refused(_run("--accounts", ACCOUNTS, "--trades", no_trades, "--date",
                          "2021-04-07", "--store", str(db)), "CLEARING_STATE")
    assert "the store is cleared to 2021-04-09: 2021-04-07 comes before it" in error
    assert _postings(db) == postings


_ACCOUNT = st.sampled_from(["A-01", "A-02", "A-03", "A-PRT", "B-01", "B-MM", "C-01", "Z-1"])
_SERIES = st.sampled_from(["S50M21", "S50K21", "S50M21C1000", "S50M21P950", "S50U21", "GFM21",
                           "S50H21", "XYZ"])
_PRICE = st.sampled_from(["985.0", "0.1", "20.0", "26450", "1000000.00"])
_QTY = st.integers(0, 12)
_FLAG = st.booleans()
_SIDE = st.sampled_from(["buy", "sell"])
_TRADE = st.sampled_from(["1", "2", "3", "11", "9"])
_INSTRUCTIONS = st.fixed_dictionaries({}, optional={
    "previous_settlement_prices": st.dictionaries(_SERIES, _PRICE, max_size=5),
    "settlement_prices": st.dictionaries(_SERIES, _PRICE, max_size=3),
    "intraday_prices": st.dictionaries(_SERIES, _PRICE, max_size=2),
    "opening_positions": st.lists(st.fixed_dictionaries(
        {"account": _ACCOUNT, "series": _SERIES, "long": _QTY, "short": _QTY}), max_size=3),
    "approvals": st.lists(st.fixed_dictionaries(
        {"account": _ACCOUNT, "approval": st.sampled_from(["net_margin", "market_maker",
                                                           "propagation"])}), max_size=2),
    "amendments": st.lists(st.fixed_dictionaries(
        {"trade_id": _TRADE, "side": _SIDE},
        optional={"account": _ACCOUNT, "flag": st.sampled_from(["open", "close"]),
                  "approved": _FLAG}), max_size=2),
    "give_ups": st.lists(st.fixed_dictionaries(
        {"trade_id": _TRADE, "side": _SIDE, "to_account": _ACCOUNT},
        optional={"approved": _FLAG, "agreement_copy": _FLAG, "same_beneficiary": _FLAG}),
        max_size=2),
    "transfers": st.lists(st.fixed_dictionaries(
        {"series": _SERIES, "from_account": _ACCOUNT, "to_account": _ACCOUNT, "long": _QTY,
         "short": _QTY, "approved": _FLAG, "same_beneficiary": _FLAG}), max_size=2),
    "bulk_transfers": st.lists(st.fixed_dictionaries(
        {"from_account": _ACCOUNT, "to_account": _ACCOUNT, "approved": _FLAG,
         "same_beneficiary": _FLAG}), max_size=1),
    "match_outs": st.lists(st.fixed_dictionaries(
        {"account": _ACCOUNT, "series": _SERIES, "qty": st.integers(1, 6)}), max_size=2),
})


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_INSTRUCTIONS, st.sampled_from(["normal-day-trades.csv", "night-trades.csv"]))
def test_any_days_requests_end_in_a_report_or_one_error_line(
        tmp_path: Path, instructions: dict[str, Any], trades: str) -> None:
    day = _write(tmp_path / "day.json", instructions)
    result = _run("--accounts", ACCOUNTS, "--trades", str(EXAMPLES / trades),
                  "--instructions", day, "--json")
    if result.exit_code == 0:
        event("cleared")
        report = json.loads(result.stdout)
        assert len(report["changes"]) == sum(len(instructions.get(k, ())) for k in (
            "amendments", "give_ups", "transfers", "bulk_transfers", "match_outs"))
        # trades and changes move contracts between accounts: each series' net is what the
        # day opened with
        opened: dict[str, int] = {}
        for p in instructions.get("opening_positions", ()):
            opened[p["series"]] = opened.get(p["series"], 0) + p["long"] - p["short"]
        net: dict[str, int] = {}
        for r in report["positions"]:
            net[r["series"]] = net.get(r["series"], 0) + r["net"]
        assert {s: n for s, n in net.items() if n} == {s: n for s, n in opened.items() if n}
    else:
        code = re.match(r"error\[([A-Z_]+)\]", result.stderr)
        assert code is not None, (result.output, result.exception)
        event(f"refused {code.group(1)}")
        _refused(result, code.group(1))


def test_products_lists_the_bundled_tfex_products() -> None:
    result = _invoke("derivatives", "products")
    assert (result.exit_code, result.stderr) == (0, "")
    codes = [line.split("│")[1].strip() for line in result.stdout.splitlines()
             if line.startswith("│")]
    assert codes[:5] == ["S50", "S50OPT", "GF", "GF10", "USD"]
    gold = next(line for line in result.stdout.splitlines() if line.startswith("│ GF "))
    assert "night 18:50-03:00" in gold and "yes" in gold


def test_series_lists_futures_and_the_options_of_a_priced_underlying() -> None:
    result = _invoke("derivatives", "series", "--date", "2026-12-03", "--underlying",
                     "SET50=948.30")
    assert (result.exit_code, result.stderr) == (0, "")
    rows = {line.split("\t")[0]: line.split("\t")[1:] for line in result.stdout.splitlines()}
    assert rows["S50Z26"] == ["S50", "FUT", "2026-12-29"]
    assert rows["S50Z26C950"] == ["S50OPT", "CALL", "2026-12-29"]
    unpriced = _invoke("derivatives", "series", "--date", "2026-12-03").stdout
    assert "S50Z26\t" in unpriced and "S50Z26C950" not in unpriced


@pytest.mark.parametrize(("args", "code"), [
    (("--date", "2026-12-3"), "INVALID_PARAMETER"),
    (("--date", "2026-12-03", "--underlying", "SET50=abc"), "INVALID_PARAMETER"),
])
def test_series_refuses_a_bad_date_or_price(args: tuple[str, ...], code: str) -> None:
    _refused(_invoke("derivatives", "series", *args), code)


def test_bench_derivatives_prints_its_figures_and_refuses_zero_runs() -> None:
    result = _invoke("bench", "derivatives", "--trades", "2000", "--accounts", "100",
                     "--series", "10", "--runs", "1")
    assert (result.exit_code, result.stderr) == (0, "")
    assert "day: 2,000 trades (4,000 fills), 100 accounts, 10 series" in result.stdout
    for stage in ("positions (apply the fills)", "end-of-day netting", "variation margin",
                  "premium", "total"):
        assert any(line.startswith(stage) for line in result.stdout.splitlines()), stage
    error = _refused(_invoke("bench", "derivatives", "--runs", "0"), "INVALID_PARAMETER")
    assert "--runs" in error


def test_a_series_file_lists_what_the_day_may_trade_in_place_of_the_products_rules(
        tmp_path: Path) -> None:
    listing = tmp_path / "series.json"
    every = ["S50M21", "S50K21", "S50M21C1000", "S50M21P950"]
    listing.write_text(json.dumps({"series": [{"symbol": s} for s in every]}))
    report = _report(*NORMAL, "--series", str(listing))
    assert _row(report, "A-01", "S50M21")["vm_new"] == "-12000.00"
    listing.write_text(json.dumps({"series": [{"symbol": s} for s in every[:1]]}))
    refused = _run(*NORMAL, "--series", str(listing))
    assert refused.exit_code == 2 and "error[TRADE_FILE]" in refused.output
    assert "no series 'S50M21C1000' is listed" in refused.output


# ---- trades from the engine: a TFEX scenario replayed, then cleared ---------------------------

THU, FRI, TUE = "2026-12-03", "2026-12-04", "2026-12-08"  # Mon 7 Dec 2026 is a holiday
MEMBERS = {"A-01": "A", "A-02": "A", "B-01": "B", "C-01": "C"}


def _pair(at: str, series: str, price: str, qty: int, buyer: str, seller: str,
          effects: tuple[str, str] = ("open", "open")) -> list[dict[str, Any]]:
    """A buy order and the sell that trades with it at once."""
    return [{"at": at, "op": "new", "id": f"{side}-{at}-{series}", "member": MEMBERS[account],
             "account": account, "symbol": series, "side": side, "qty": qty, "price": price,
             "position_effect": effect}
            for side, account, effect in (("buy", buyer, effects[0]),
                                          ("sell", seller, effects[1]))]


TWO_TFEX_DAYS = {
    "market": "tfex",
    "instruments": [{"symbol": "S50Z26", "prev_close": "950.0"},
                    {"symbol": "GFG27", "prev_close": "41000"}],
    "days": [
        {"date": THU, "actions": [
            *_pair("10:00:00", "S50Z26", "951.0", 4, "A-01", "B-01"),
            *_pair("11:00:00", "GFG27", "41010", 2, "A-02", "C-01"),
            *_pair("19:30:00", "GFG27", "41020", 3, "A-01", "C-01"),
            *_pair("25:15:00", "GFG27", "41030", 1, "B-01", "A-01", ("open", "close"))]},
        {"date": FRI, "actions": [
            *_pair("10:30:00", "S50Z26", "952.0", 1, "B-01", "A-01", ("close", "close")),
            *_pair("14:00:00", "GFG27", "41040", 2, "C-01", "A-02", ("close", "close")),
            *_pair("20:00:00", "GFG27", "41050", 1, "C-01", "A-01")]}],
}


def _replayed(tmp_path: Path, scenario: dict[str, Any], name: str) -> Path:
    """The scenario traded by `siamex replay`, its JSON Lines in `name`."""
    out = tmp_path / name
    result = _invoke("replay", _write(tmp_path / f"{name}.json", scenario), "-o", str(out))
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    return out


def _clears_on(out: Path) -> dict[str, list[dict[str, Any]]]:
    """The replay's trades by the date they clear on, worked out apart from the reader: a
    trade made from 18:00 to 03:00 is a night trade, which clears on the next business day."""
    after = {THU: FRI, FRI: TUE}
    by_date: dict[str, list[dict[str, Any]]] = {}
    day = ""
    for line in map(json.loads, out.read_text().splitlines()):
        if line["event"] == "day":
            day = line["date"]
        elif line["event"] == "trade":
            hour = int(line["at"][:2])
            cleared = after[day] if hour >= 18 or hour < 3 else day
            trade_id = f"{day}-{line['trade_no']}"
            by_date.setdefault(cleared, []).append(line | {"trade_id": trade_id})
    return by_date


def _signed_sums(trades: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    net: dict[tuple[str, str], int] = {}
    for t in trades:
        for side, sign in (("buy", 1), ("sell", -1)):
            key = (t[f"{side}_account"], t["symbol"])
            net[key] = net.get(key, 0) + sign * t["qty"]
    return {key: n for key, n in net.items() if n}


def _nets(report: dict[str, Any]) -> dict[tuple[str, str], int]:
    return {(r["account"], r["series"]): r["net"] for r in report["positions"] if r["net"]}


PREVIOUS = {"previous_settlement_prices": {"S50Z26": "950.0", "GFG27": "41000"}}


def test_two_tfex_days_replayed_clear_the_nights_and_the_days_trades_of_each_date(
        tmp_path: Path) -> None:
    out = _replayed(tmp_path, TWO_TFEX_DAYS, "days.jsonl")
    clears = _clears_on(out)
    assert {d: len(t) for d, t in clears.items()} == {THU: 2, FRI: 4, TUE: 1}
    store = ("--store", str(tmp_path / "tfex.db"))
    previous = _write(tmp_path / "previous.json", PREVIOUS)
    friday = _report("--accounts", ACCOUNTS, "--trades", str(out), "--date", FRI,
                     "--instructions", previous, *store)
    # Thursday's night session (the evening, then past midnight) and Friday's day session
    assert (friday["date"], friday["trade_count"], friday["other_date_trades"]) == (FRI, 4, 3)
    assert _nets(friday) == _signed_sums(clears[FRI]) != {}
    assert [t["trade_id"] for t in friday["trades"][::2]] == [
        t["trade_id"] for t in clears[FRI]] == ["2026-12-03-3", "2026-12-03-4",
                                                "2026-12-04-5", "2026-12-04-6"]
    for row in friday["positions"]:
        mine = [t for t in clears[FRI] if row["series"] == t["symbol"]]
        assert row["bought"] == sum(t["qty"] for t in mine if t["buy_account"] == row["account"])
        assert row["sold"] == sum(t["qty"] for t in mine if t["sell_account"] == row["account"])
    # the next business day clears Friday's night session on what Friday left
    tuesday = _report("--accounts", ACCOUNTS, "--trades", str(out), "--date", TUE, *store)
    assert (tuesday["trade_count"], tuesday["other_date_trades"]) == (1, 6)
    carried = _signed_sums(clears[FRI] + clears[TUE])
    assert _nets(tuesday) == carried


def test_yesterdays_and_todays_replays_merge_and_the_date_defaults_to_the_last_day(
        tmp_path: Path) -> None:
    days = TWO_TFEX_DAYS["days"]
    assert isinstance(days, list)
    one = {k: v for k, v in TWO_TFEX_DAYS.items() if k != "days"}
    thursday = _replayed(tmp_path, one | days[0], "thursday.jsonl")
    friday = _replayed(tmp_path, one | days[1], "friday.jsonl")
    previous = _write(tmp_path / "previous.json", PREVIOUS)
    both = ("--accounts", ACCOUNTS, "--instructions", previous)
    report = _report(*both, "--trades", str(friday), "--trades", str(thursday))
    assert (report["date"], report["trade_count"], report["other_date_trades"]) == (FRI, 4, 3)
    # each run numbers its trades afresh; the trading date keeps the ids apart, and the
    # night session comes first whatever the order the files are given in
    assert [t["trade_id"] for t in report["trades"][::2]] == [
        "2026-12-03-3", "2026-12-03-4", "2026-12-04-1", "2026-12-04-2"]
    whole = _clears_on(_replayed(tmp_path, TWO_TFEX_DAYS, "days.jsonl"))
    assert _nets(report) == _signed_sums(whole[FRI])
    readable = _run(*both, "--trades", str(thursday), "--trades", str(friday))
    assert readable.exit_code == 0, readable.output
    assert readable.stdout.startswith(f"Derivatives clearing {FRI}: 4 trade(s)")
    assert "3 trade(s) clear on another date: left out" in readable.stdout
    error = _refused(_run(*both, "--trades", str(friday), "--trades", str(friday)),
                     "TRADE_FILE")
    assert f"{friday}: trade 2026-12-04-1 is also in {friday}" in error


def test_a_replay_output_the_clearing_house_cannot_take_is_refused_naming_its_line(
        tmp_path: Path) -> None:
    equities = tmp_path / "equities.jsonl"
    result = _invoke("replay", str(ROOT / "examples" / "normal-day.json"), "-o", str(equities))
    assert result.exit_code == 0, result.output
    error = _refused(_run("--accounts", ACCOUNTS, "--trades", str(equities)), "TRADE_FILE")
    assert "a trade without buy_effect: the output of an equities replay" in error
    out = _replayed(tmp_path, TWO_TFEX_DAYS, "days.jsonl")
    lines = out.read_text().splitlines()
    at = next(n for n, line in enumerate(lines) if '"trade"' in line)
    lines[at] = lines[at].replace('"A-01"', '"Z-01"')
    bad = _write(tmp_path / "bad.jsonl", "\n".join(lines))
    error = _refused(_run("--accounts", ACCOUNTS, "--trades", bad, "--date", FRI), "TRADE_FILE")
    assert f"{bad}: line {at + 1}: buy_account 'Z-01' is not registered" in error
    csv_and_replay = _run("--accounts", ACCOUNTS, "--trades", str(out), "--trades",
                          str(EXAMPLES / "normal-day-trades.csv"), "--date", FRI)
    error = _refused(csv_and_replay, "TRADE_FILE")
    assert "normal-day-trades.csv: its trades clear on 2021-04-08" in error


def test_contribution_assesses_the_month_of_a_store_and_refuses_a_missing_one(
        tmp_path: Path) -> None:
    store = str(tmp_path / "derivatives.db")
    for day in (NORMAL, NEXT):
        assert _run(*day, "--store", store).exit_code == 0
    fund = str(EXAMPLES / "fund-2021-04.json")
    result = _invoke("derivatives", "contribution", "--fund", fund, "--store", store, "--json")
    assert result.exit_code == 0, result.output
    assessed = {m["member"]: m for m in json.loads(result.stdout)["members"]}
    # A's 1,000 THB and its shares of the Reserve and SET's contribution fall short of its
    # risk: it pays the difference (the simple variant, C9); B and C are covered
    a = assessed["A"]
    assert Decimal(a["due"]) == Decimal(a["risk"]) - Decimal(a["own_resources"]) > 1000
    assert assessed["B"]["due"] == assessed["C"]["due"] == "0.00"
    missing = _invoke("derivatives", "contribution", "--fund", fund, "--store",
                      str(tmp_path / "typo.db"))
    assert (missing.exit_code, missing.stderr.split("]")[0]) == (2, "error[FILE_NOT_FOUND")
    bad = tmp_path / "fund.json"
    bad.write_text('{"month": "2021-13"}')
    refused = _invoke("derivatives", "contribution", "--fund", str(bad), "--store", store)
    assert (refused.exit_code, refused.stderr.split("]")[0]) == (2, "error[FUND_FILE")
