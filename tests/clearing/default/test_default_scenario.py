"""The default scenario through `siamex clearing run`, four days against one store
(examples/clearing/default, docs/clearing.md "A member's default"): D sells X and Y it does
not hold; the 11:00 calls follow the price; on the settlement date L's loan covers X and Y
fails; on the buy-in day D cannot pay the buy-in, and its collateral, its contribution, SET's
first tranche and the survivors' contributions pay in that order. A day run again, or resumed,
posts nothing twice, and no share or baht is made or lost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from siamex.clearing.foundations.ledger import Ledger
from siamex.clearing.foundations.store_sqlite import SqliteStore
from siamex.cli import main

SCENARIO = Path(__file__).resolve().parents[3] / "examples" / "clearing" / "default"
DAYS = (("2021-03-03", "1-trades.csv"), ("2021-03-04", "no-trades.csv"),
        ("2021-03-05", "no-trades.csv"), ("2021-03-08", "no-trades.csv"))


def _run(store: Path, number: int) -> dict[str, Any]:
    day, trades = DAYS[number - 1]
    result = CliRunner().invoke(main, [
        "clearing", "run", "--members", str(SCENARIO / "members.json"),
        "--trades", str(SCENARIO / trades), "--holdings", str(SCENARIO / "holdings.json"),
        "--store", str(store), "--date", day,
        "--instructions", str(SCENARIO / f"{number}-instructions.json"), "--json"])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _d(report: dict[str, Any], table: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = report["members"]["D"][table]
    return rows


def _ledger(store: Path) -> tuple[dict[str, int], list[str]]:
    with SqliteStore(store) as s:
        balances = {f"{a.owner}:{a.purpose}:{a.account_type}:{a.asset}": q
                    for a, q in s.balances().items()}
        return balances, Ledger.from_transactions(s.transactions()).check_invariants()


def test_a_member_fails_then_defaults_and_the_waterfall_pays_layer_by_layer(
        tmp_path: Path) -> None:
    store = tmp_path / "clearing.db"
    first = _run(store, 1)
    assert first["financial_resources"] == "2255000000.00"  # 55M + 60M + 140M + 2,000M
    assert [r["accepted"] for r in _d(first, "collateral")] == [True]

    second = _run(store, 2)
    (risk,) = _d(second, "risk")
    # 3.5: PFE 1M x 10.50 x 6.58% + 2M x 60 x 6.58%; CE 0.5M + 30M; less L = 10% of 100M
    assert (risk["pfe"], risk["ce"], risk["ews"]) == ("8586900.00", "30500000.00",
                                                      "29086900.00")
    assert (risk["held"], risk["call"], risk["debited"]) == ("20000000.00", "9086900.00",
                                                             "9086900.00")

    third = _run(store, 3)
    kinds = [(r["kind"], r["security"]) for r in _d(third, "remedies")]
    assert kinds == [("delivery_fail", "X"), ("delivery_fail", "Y"), ("loan_opened", "X"),
                     ("fine", "X")]
    # decision C5: 0.5% of 1,000,000 X at the settlement date's close 10.50, not the
    # trade price 10.00
    assert [(r["security"], r["failed_value"], r["amount"]) for r in _d(third, "fines")] == [
        ("X", "10500000.00", "52500.00")]
    p_credits = [r for r in third["members"]["P"]["settlement"] if r["movement"] == "credited"]
    assert p_credits == []  # the loan's X reaches P through the remedy, not a round
    # 3.6: covering X keeps D's withheld receivable, which Y's buy-in will need
    assert third["members"]["D"]["balances"][-1] == {
        "purpose": "withheld", "account_type": "", "asset": "THB", "quantity": "100000000.00"}

    fourth = _run(store, 4)
    layers = {r["layer"]: r["used"] for r in _d(fourth, "defaults")}
    assert layers == {
        "loss": "129818400.00", "defaulter_collateral": "50402900.00",
        "defaulter_contribution": "5000000.00", "set_tranche_1": "60000000.00",
        "non_defaulter_contributions": "14415500.00",
        # decision C7: pro rata to contributions of 10M, 30M and 10M
        "non_defaulter_contributions:L": "2883100.00",
        "non_defaulter_contributions:P": "8649300.00",
        "non_defaulter_contributions:Q": "2883100.00",
        "set_tranche_2": "0.00", "reserve_fund": "0.00", "uncovered": "0.00"}
    (buy_in,) = [r for r in _d(fourth, "remedies") if r["kind"] == "buy_in"]
    assert (buy_in["qty"], buy_in["amount"]) == (2_000_000, "260000000.00")
    # 1 day late, 0.5% of 2,000,000 Y at the settlement date's close 70.00 (C5)
    assert [(r["settlement_date"], r["days_late"], r["amount"])
            for r in _d(fourth, "fines")] == [("2021-03-05", 1, "700000.00")]

    balances, problems = _ledger(store)
    assert problems == []
    assert balances["P:securities:portfolio:X"] == 1_000_000
    assert balances["P:securities:portfolio:Y"] == 2_000_000
    assert balances["Q:cash:None:THB"] == 260_000_000 * 100
    assert balances.get("D:collateral:None:THB", 0) == 0  # enforced


def test_each_day_run_again_posts_nothing_twice(tmp_path: Path) -> None:
    store = tmp_path / "clearing.db"
    for number in (1, 2, 3, 4):
        first = _run(store, number)
        once = _ledger(store)
        again = _run(store, number)
        assert _ledger(store) == once
        # every step found its record, and the day is reported as it first ran
        for table in ("remedies", "fines", "defaults", "risk", "collateral"):
            assert _d(again, table) == _d(first, table), table
    assert _ledger(store)[1] == []


def test_a_day_run_again_reports_the_same_measures(tmp_path: Path) -> None:
    store = tmp_path / "clearing.db"
    for number in (1, 2, 3):
        _run(store, number)
    again = _run(store, 3)
    assert _d(again, "risk") == _d(_run(store, 3), "risk")
    (risk,) = _d(again, "risk")
    assert risk["ews"] == "50402900.00"  # the settlement date was pending at 11:00
