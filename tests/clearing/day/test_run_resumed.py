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

A rerun also finds the store as the steps after the crash's step left it, so a step that
refused or failed must not decide again: a loan return refused for want of shares, a mark's
collateral shortfall, a failed buy-in (decision 67).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from siamex.clearing.day.instructions import (
    DayInstructions,
    instructions_from_json,
    load_instructions,
)
from siamex.clearing.day.run import clear_day
from siamex.clearing.equities import read_trades
from siamex.clearing.equities.holdings import Holding, load_holdings
from siamex.clearing.equities.settlement import issue
from siamex.clearing.equities.trades import trades_from_csv
from siamex.clearing.foundations.accounts import cash_account
from siamex.clearing.foundations.ledger import Outcome, Transaction
from siamex.clearing.foundations.members import (
    AccountType,
    MemberRegistry,
    load_registry,
    registry_from_json,
)
from siamex.clearing.foundations.store import MemoryStore
from siamex.clearing.reports.member_report import report_json

SCENARIO = Path(__file__).resolve().parents[3] / "examples" / "clearing" / "default"
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
    # decision C5, at the settlement date's close: 0.5% of 1M X at 10.50 on the settlement
    # date, 0.5% of 2M Y at 70.00 a day later
    assert bill["fines"] == "752500.00"
    for when in range(1, _commits_of_day_3(registry) + 1):
        store = DiesAfter()
        for number in (1, 2):
            _day(store, registry, number)
        store.when = when
        with pytest.raises(Died):
            _day(store, registry, 3)
        third = _day(store, registry, 3)
        assert third == expected[2], when
        assert [r["amount"] for r in third["members"]["D"]["fines"]] == ["52500.00"]
        assert _day(store, registry, 4) == expected[3], when
        assert _month_end(store, registry) == billed, when
        assert _state(store) == _state(whole), when


# ---- what a rerun must not decide again --------------------------------------------------------
# A rerun finds the steps done before the crash, and the store as the steps after them left it.
# A step that refused or failed must not try again against those later balances.

HEADER = ("trade_id,trade_date,symbol,board,price,qty,buy_member,buy_account,sell_member,"
          "sell_account")
BAHT = 100
ABC = {
    "members": [{"member": m, "type": "gcm", "shareholders_equity": "600000000",
                 "net_capital": "100000000"} for m in ("A", "B", "C")],
    "accounts": [{"member": m, "account": f"{m}-PRT", "type": "portfolio"}
                 for m in ("A", "B", "C")]}
NO_STRESS = {m: "0" for m in ("A", "B", "C")}
Day = tuple[dt.date, list[str], dict[str, Any] | None]


def _abc() -> MemberRegistry:
    return registry_from_json(ABC)


def _run(store: MemoryStore, registry: MemberRegistry, holdings: list[Holding],
         day: Day) -> dict[str, Any]:
    on, rows, data = day
    instructions = None if data is None else instructions_from_json(data, registry)
    return report_json(clear_day(registry, trades_from_csv([HEADER, *rows], registry),
                                 holdings, store, on, instructions=instructions))


def _resumed_after_every_write_of_the_last_day(holdings: list[Holding],
                                               days: list[Day]) -> dict[str, Any]:
    """Run the days; then, for each write of the last day, the days again with the last one
    dying right after that write and run again: each ends as the uninterrupted days. Return
    the last day's report."""
    registry = _abc()
    whole = DiesAfter()
    reports = [_run(whole, registry, holdings, day) for day in days]
    before = DiesAfter()
    for day in days[:-1]:
        _run(before, registry, holdings, day)
    writes = len(whole.commits) - len(before.commits)
    for when in range(1, writes + 1):
        store = DiesAfter()
        for day in days[:-1]:
            _run(store, registry, holdings, day)
        store.when = when
        with pytest.raises(Died):
            _run(store, registry, holdings, days[-1])
        assert _run(store, registry, holdings, days[-1]) == reports[-1], when
        assert _state(store) == _state(whole), when
    return reports[-1]


def _cash(member: str, baht: int) -> Holding:
    return Holding(member, None, "THB", baht * BAHT)


def _shares(member: str, security: str, qty: int) -> Holding:
    return Holding(member, AccountType.PORTFOLIO, security, qty)


def _remedies(report: dict[str, Any], member: str) -> list[tuple[str, str]]:
    return [(r["kind"], r["amount"]) for r in report["members"][member]["remedies"]]


def test_a_loan_return_refused_before_settlement_is_not_made_by_a_rerun_after_it() -> None:
    # B is lent X on 5 March and buys X back for 10 March: at 09:00 it cannot return the loan;
    # after settlement has credited it, it could, but it asked at 09:00 only
    lend = {"lending_offers": [{"lender": "C", "security": "X", "qty": 1000}],
            "stress_losses": NO_STRESS}
    returns = {"stress_losses": NO_STRESS, "loan_returns": [
        {"borrower": "B", "security": "X", "at": "2021-03-10T09:00:00"}]}
    last = _resumed_after_every_write_of_the_last_day(
        [_cash("A", 20_000), _cash("B", 20_000), _shares("C", "X", 1000)],
        [(DAYS[0], ["1,2021-03-03,X,main,10.00,1000,A,A-PRT,B,B-PRT"], None),
         (DAYS[2], [], lend),
         (DAYS[3], ["2,2021-03-08,X,main,10.00,1000,B,B-PRT,A,A-PRT"], None),
         (dt.date(2021, 3, 10), [], returns)])
    assert [kind for kind, _ in _remedies(last, "B")] == ["loan_return_refused"]


def test_a_loan_collateral_short_is_reported_once_as_the_mark_found_it() -> None:
    # X triples: the top-up of 26,000 finds 10,000 in B's cash
    lend = {"lending_offers": [{"lender": "C", "security": "X", "qty": 1000}],
            "stress_losses": NO_STRESS}
    last = _resumed_after_every_write_of_the_last_day(
        [_cash("A", 10_000), _cash("B", 13_000), _shares("C", "X", 1000)],
        [(DAYS[0], ["1,2021-03-03,X,main,10.00,1000,A,A-PRT,B,B-PRT"],
          {"set_fund": {"tranche_2": "0", "reserve_fund": "0"}}),
         (DAYS[2], [], lend),
         (DAYS[3], [], {"prices": {"X": "30.00"}, "stress_losses": NO_STRESS})])
    assert _remedies(last, "B") == [("loan_marked", "10000.00"),
                                    ("loan_collateral_short", "16000.00")]


def test_a_buy_in_that_failed_is_tried_again_the_next_day_not_by_a_rerun() -> None:
    # B fails 1000 X; no fund stands behind it, and the buy-in at 50.00 costs 40,000 more
    # than its withheld 10,000: the buy-in fails
    registry = _abc()
    holdings = [_cash("A", 10_000), _shares("C", "X", 1000)]
    offer = {"buy_in_offers": [{"seller": "C", "security": "X", "qty": 1000,
                                "price": "50.00"}], "stress_losses": NO_STRESS}
    days: list[Day] = [(DAYS[0], ["1,2021-03-03,X,main,10.00,1000,A,A-PRT,B,B-PRT"], None),
                       (DAYS[2], [], None), (DAYS[3], [], offer)]
    store = DiesAfter()
    first = [_run(store, registry, holdings, day) for day in days][-1]
    assert "buy_in_failed" in [kind for kind, _ in _remedies(first, "B")]
    # the day's later steps, or anything after it, bring B the cash; the rerun does not buy in
    issue(store, DAYS[3], {cash_account("B"): 50_000 * BAHT}, key_prefix="late")
    postings = store.transactions()
    rerun = _run(store, registry, holdings, days[-1])
    assert store.transactions() == postings
    for table in ("remedies", "fines", "defaults"):
        assert rerun["members"]["B"][table] == first["members"]["B"][table]
    nextday = _run(store, registry, holdings, (dt.date(2021, 3, 9), [], offer))
    assert [kind for kind, _ in _remedies(nextday, "B")] == ["buy_in", "fine"]
