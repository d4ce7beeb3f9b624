"""The clearing day over generated days (hypothesis): whatever the trades, holdings, offers and
prices, no share or baht is made or lost, nobody but a depository goes below zero, TCH ends
each day flat in every security, a day run again changes nothing, and days that die right
after any write of the store and run again end as the uninterrupted days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from siamex.clearing.day.instructions import instructions_from_json
from siamex.clearing.day.run import clear_day
from siamex.clearing.equities.holdings import Holding
from siamex.clearing.equities.trades import trades_from_csv
from siamex.clearing.foundations.ledger import TCH, Ledger, Outcome, Transaction
from siamex.clearing.foundations.members import AccountType, registry_from_json
from siamex.clearing.foundations.parameters import ClearingRules
from siamex.clearing.foundations.store import MemoryStore
from siamex.clearing.reports.member_report import report_json

MEMBERS = ("A", "B", "C")
REGISTRY = registry_from_json({
    "members": [{"member": m, "type": "gcm", "shareholders_equity": "600000000",
                 "net_capital": "1000000"} for m in MEMBERS],
    "accounts": [{"member": m, "account": f"{m}-PRT", "type": "portfolio"} for m in MEMBERS]})
HEADER = ("trade_id,trade_date,symbol,board,price,qty,buy_member,buy_account,sell_member,"
          "sell_account")
DAYS = (dt.date(2021, 3, 3), dt.date(2021, 3, 4), dt.date(2021, 3, 5), dt.date(2021, 3, 8),
        dt.date(2021, 3, 9), dt.date(2021, 3, 15))  # T, T+1, SD, the buy-in day, a loan's due
PRICES = ("10.00", "20.00", "35.50")

_trade = st.tuples(st.sampled_from(("X", "Y")), st.sampled_from(PRICES),
                   st.integers(1, 20).map(lambda lots: lots * 100),
                   st.permutations(MEMBERS).map(lambda p: p[:2]))
# every member and asset, each often enough to deliver, pay, lend or sell to a buy-in
_holdings_of = st.lists(st.integers(0, 40), min_size=9, max_size=9).map(
    lambda sizes: [(m, a, sizes[3 * i + j]) for i, m in enumerate(MEMBERS)
                   for j, a in enumerate(("THB", "X", "Y"))])
_offer = st.tuples(st.sampled_from(MEMBERS), st.sampled_from(("X", "Y")),
                   st.integers(1, 30).map(lambda lots: lots * 100))
_day = st.fixed_dictionaries({
    "prices": st.dictionaries(st.sampled_from(("X", "Y")), st.sampled_from(PRICES)),
    "lending": st.lists(_offer, min_size=1, max_size=3),
    "buy_in": st.lists(st.tuples(_offer, st.sampled_from(PRICES)), min_size=1, max_size=3),
    "measured": st.booleans()})


def _holdings(rows: list[tuple[str, str, int]], typed_cash: bool) -> list[Holding]:
    cash_type = AccountType.PORTFOLIO if typed_cash else None  # decision C2
    return [Holding(m, cash_type, "THB", size * 10_000 * 100) if asset == "THB"
            else Holding(m, AccountType.PORTFOLIO, asset, size * 100)
            for m, asset, size in rows]


def _instructions(day: dict[str, Any], first: bool) -> Any:
    data: dict[str, Any] = {
        "prices": day["prices"],
        "lending_offers": [{"lender": m, "security": k, "qty": q} for m, k, q in day["lending"]],
        "buy_in_offers": [{"seller": m, "security": k, "qty": q, "price": p}
                          for (m, k, q), p in day["buy_in"]],
        "stress_losses": dict.fromkeys(MEMBERS, "0")}
    if first:
        data["set_fund"] = {"tranche_2": "100000.00", "reserve_fund": "100000.00"}
    return instructions_from_json(data, REGISTRY) if day["measured"] or first else None


def _sound(store: MemoryStore) -> None:
    assert Ledger.from_transactions(store.transactions()).check_invariants() == []
    held = {a: q for a, q in store.balances().items()
            if a.owner == TCH and a.purpose == "securities"}
    assert held == {}, held  # every share TCH took in went on to a receiver


@pytest.mark.parametrize("netting", ["member", "account"])
@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(_trade, min_size=1, max_size=4), _holdings_of,
       st.lists(_day, min_size=len(DAYS), max_size=len(DAYS)))
def test_generated_clearing_days_conserve_and_repeat_to_the_same_ledger(
        netting: str, trades: list[tuple[str, str, int, tuple[str, str]]],
        holdings: list[tuple[str, str, int]], days: list[dict[str, Any]]) -> None:
    rules = ClearingRules({"cash_netting": netting})
    rows = [f"{n},2021-03-03,{k},main,{p},{q},{b},{b}-PRT,{s},{s}-PRT"
            for n, (k, p, q, (b, s)) in enumerate(trades, 1)]
    batch = trades_from_csv([HEADER, *rows], REGISTRY, rules=rules)
    empty = trades_from_csv([HEADER], REGISTRY, rules=rules)
    opening = _holdings(holdings, netting == "account")
    store = MemoryStore()
    for number, (day, spec) in enumerate(zip(DAYS, days, strict=True)):
        file = batch if number == 0 else empty
        instructions = _instructions(spec, number == 0)
        report = clear_day(REGISTRY, file, opening, store, day, rules, instructions)
        for e in report.remedies.events:
            event(e.kind)
        _sound(store)
        once = store.balances()
        clear_day(REGISTRY, file, opening, store, day, rules, instructions)
        assert store.balances() == once


class _Died(Exception):
    """The process died."""


class _DiesAfter(MemoryStore):
    """Dies right after its `commits`-th commit from now (never while None); counts them all."""

    commits: int | None = None
    written = 0

    def commit(self, transactions: Sequence[Transaction] = (),
               documents: Mapping[str, str] | None = None) -> list[Outcome]:
        outcomes = super().commit(transactions, documents)
        self.written += 1
        if self.commits is not None:
            self.commits -= 1
            if self.commits == 0:
                self.commits = None
                raise _Died
        return outcomes

    def state(self) -> tuple[object, ...]:
        return self.transactions(), self.balances(), dict(self._documents)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(_trade, min_size=1, max_size=4), _holdings_of,
       st.lists(_day, min_size=len(DAYS), max_size=len(DAYS)), st.integers(1, 10_000))
def test_generated_days_that_die_after_any_write_end_as_the_uninterrupted_days(
        trades: list[tuple[str, str, int, tuple[str, str]]],
        holdings: list[tuple[str, str, int]], days: list[dict[str, Any]], pick: int) -> None:
    rows = [f"{n},2021-03-03,{k},main,{p},{q},{b},{b}-PRT,{s},{s}-PRT"
            for n, (k, p, q, (b, s)) in enumerate(trades, 1)]
    files = [trades_from_csv([HEADER, *rows], REGISTRY), trades_from_csv([HEADER], REGISTRY)]
    opening = _holdings(holdings, False)
    runs = [(day, files[min(number, 1)], _instructions(spec, number == 0))
            for number, (day, spec) in enumerate(zip(DAYS, days, strict=True))]
    whole = _DiesAfter()
    expected = [report_json(clear_day(REGISTRY, file, opening, whole, day, instructions=i))
                for day, file, i in runs]
    dying = _DiesAfter()
    dying.commits = pick % whole.written + 1  # a write somewhere in the days
    reports: list[dict[str, Any]] = []
    number = 0
    while number < len(runs):
        day, file, instructions = runs[number]
        try:
            reports.append(report_json(clear_day(REGISTRY, file, opening, dying, day,
                                                 instructions=instructions)))
        except _Died:
            event("died")
            continue  # the same day again
        number += 1
    for report in expected:
        for remedy in (r for m in report["members"].values() for r in m["remedies"]):
            event(remedy["kind"])
    assert reports == expected
    assert dying.state() == whole.state()
