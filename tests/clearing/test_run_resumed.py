"""The clearing day resumed after the process died right after a write of its store: the three
failures of issue 9 ("Crash safety of the clearing store"), on the four days of
examples/clearing/default, cannot happen, because each step writes its postings and every
document it changes in one commit.

- The opening document and the opening holdings are one commit: a rerun of the first day is
  not refused ("contributions ... exceed its cash") for holdings recorded but never issued.
- The fails, the loans and the loan's postings are one commit: the securities loan that covers
  X is never lost, so the next day's top-up, the default loss and the survivors' shares stand.
- A step's remedies, fines and defaults go into the day's record in the step's own commit: a
  rerun of the day reports every one, and the month's bill has the 50,000 THB fine.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from siamex.clearing.equity import read_trades
from siamex.clearing.holdings import load_holdings
from siamex.clearing.instructions import (
    DayInstructions,
    instructions_from_json,
    load_instructions,
)
from siamex.clearing.ledger import Outcome, Transaction
from siamex.clearing.members import MemberRegistry, load_registry
from siamex.clearing.reports import report_json
from siamex.clearing.run import clear_day
from siamex.clearing.store import MemoryStore

SCENARIO = Path(__file__).resolve().parents[2] / "examples" / "clearing" / "default"
DAYS = (dt.date(2021, 3, 3), dt.date(2021, 3, 4), dt.date(2021, 3, 5), dt.date(2021, 3, 8))
MONTH_END = dt.date(2021, 3, 31)


class Died(Exception):
    """The process died."""


class DiesAfter(MemoryStore):
    """A store whose process dies right after a commit: the one that writes a document named
    `when` (when it is a name), or the `when`-th from now (when it is a number)."""

    def __init__(self) -> None:
        super().__init__()
        self.when: str | int | None = None
        self.commits: list[tuple[list[str], list[str]]] = []

    def commit(self, transactions: Sequence[Transaction] = (),
               documents: Mapping[str, str] | None = None) -> list[Outcome]:
        outcomes = super().commit(transactions, documents)
        self.commits.append(([tx.key for tx in transactions], sorted(documents or {})))
        if isinstance(self.when, int):
            self.when -= 1
        if self.when == 0 or self.when in (documents or {}):
            self.when = None
            raise Died
        return outcomes


@pytest.fixture(scope="module")
def registry() -> MemberRegistry:
    return load_registry(SCENARIO / "members.json")


def _day(store: MemoryStore, registry: MemberRegistry, number: int) -> dict[str, Any]:
    """Run day `number` (1 to 4) of the scenario; its report as the CLI prints it."""
    trades = "1-trades.csv" if number == 1 else "no-trades.csv"
    report = clear_day(registry, read_trades(SCENARIO / trades, registry),
                       load_holdings(SCENARIO / "holdings.json", registry), store,
                       DAYS[number - 1], instructions=load_instructions(
                           SCENARIO / f"{number}-instructions.json", registry))
    return report_json(report)


def _month_end(store: MemoryStore, registry: MemberRegistry) -> dict[str, Any]:
    month: DayInstructions = instructions_from_json({"month_end": "2021-03"}, registry)
    report = clear_day(registry, read_trades(SCENARIO / "no-trades.csv", registry),
                       load_holdings(SCENARIO / "holdings.json", registry), store, MONTH_END,
                       instructions=month)
    return report_json(report)


def _uninterrupted(registry: MemberRegistry) -> tuple[MemoryStore, list[dict[str, Any]]]:
    store = MemoryStore()
    return store, [_day(store, registry, number) for number in (1, 2, 3, 4)]


def _state(store: MemoryStore) -> tuple[object, ...]:
    return (store.transactions(), store.balances(),
            {name: store.get_document(name) for name in ("clearing:fails", "clearing:loans")})


def test_a_crash_after_the_opening_is_recorded_does_not_wedge_the_first_day(
        registry: MemberRegistry) -> None:
    whole, expected = _uninterrupted(registry)
    store = DiesAfter()
    store.when = "clearing:opening"
    with pytest.raises(Died):
        _day(store, registry, 1)
    (keys, documents), = store.commits
    assert "clearing:opening" in documents
    assert {key for key in keys if key.startswith("opening:")} == {
        tx.key for tx in whole.transactions() if tx.key.startswith("opening:")}
    reports = [_day(store, registry, number) for number in (1, 2, 3, 4)]
    assert reports == expected
    assert _state(store) == _state(whole)


def test_a_crash_after_the_fails_are_recorded_loses_no_loan(registry: MemberRegistry) -> None:
    whole, expected = _uninterrupted(registry)
    store = DiesAfter()
    for number in (1, 2):
        _day(store, registry, number)
    store.when = "clearing:fails"
    with pytest.raises(Died):
        _day(store, registry, 3)
    _, documents = store.commits[-1]
    assert {"clearing:fails", "clearing:loans"} <= set(documents)
    (loan,) = json.loads(store.get_document("clearing:loans") or "{}").values()
    assert (loan["borrower"], loan["lender"], loan["security"]) == ("D", "L", "X")
    assert [_day(store, registry, number) for number in (3, 4)] == expected[2:]
    marked = [r for r in expected[3]["members"]["D"]["remedies"] if r["kind"] == "loan_marked"]
    assert marked  # the next day's top-up of the loan's collateral
    assert _state(store) == _state(whole)


def _commits_of_day_3(registry: MemberRegistry) -> int:
    store = DiesAfter()
    for number in (1, 2):
        _day(store, registry, number)
    before = len(store.commits)
    _day(store, registry, 3)
    return len(store.commits) - before


def test_a_crash_after_any_write_of_the_settlement_date_keeps_its_remedies_and_fines(
        registry: MemberRegistry) -> None:
    whole, expected = _uninterrupted(registry)
    billed = _month_end(whole, registry)
    (bill,) = billed["members"]["D"]["bills"]
    assert bill["fines"] == "500000.00"  # 50,000 on the settlement date, 450,000 a day later
    for when in range(1, _commits_of_day_3(registry) + 1):
        store = DiesAfter()
        for number in (1, 2):
            _day(store, registry, number)
        store.when = when
        with pytest.raises(Died):
            _day(store, registry, 3)
        third = _day(store, registry, 3)
        assert third == expected[2], when
        assert [r["amount"] for r in third["members"]["D"]["fines"]] == ["50000.00"]
        assert _day(store, registry, 4) == expected[3], when
        assert _month_end(store, registry) == billed, when
        assert _state(store) == _state(whole), when
