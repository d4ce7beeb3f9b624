"""The margin runs of a derivatives clearing day (clearing-spec.md 4.4-4.8, 4.10): each
member's requirement against its collateral after haircut, the call settled at 09:00 (the
end-of-day run's, the next business day) or 12:00 (the intraday round's), a call not met
declared a default and its variation margin paid through the waterfall, super margin over
the April 2021 holidays, and the collateral requests answered in the day's time order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from siamex.clearing.default.fund import fund_set
from siamex.clearing.derivatives.collateral import derivatives_collateral_account
from siamex.clearing.derivatives.day import DerivativesInputs, clear_derivatives
from siamex.clearing.derivatives.margin_day import MarginTerms
from siamex.clearing.foundations.ledger import THB
from siamex.clearing.foundations.state import (
    DECLARED_DEFAULTS,
    DERIVATIVES_MARGIN,
    CallRow,
    DerivativesDay,
)
from siamex.clearing.foundations.store import LedgerStore, MemoryStore
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.margin import load_margin_table

from ..crashing import Crash, CrashingStore
from .days import BAHT, BOOK, T1, T2, T3, T, banks, instructions, settlement_account, trade, trades

TABLE_2015 = load_margin_table(Path(__file__).parent / "margin" / "margin-2015.toml")
TERMS = MarginTerms(table=TABLE_2015)
E10 = (trade("1", T, "S50M21", 4, "1000.0", "A-NET", "B-NET"),)


def _clear(store: LedgerStore, on: dt.date, rows: tuple[str, ...] = (),
           terms: MarginTerms = TERMS, **fields: Any) -> DerivativesDay:
    return clear_derivatives(DerivativesInputs(BOOK, trades(*rows), instructions(**fields),
                                               margin=terms), store, on)


def _calls(day: DerivativesDay, run: str = "eod") -> dict[str, CallRow]:
    return {c.member: c for r in day.margin if r.run == run for c in r.calls}


def _collateral(store: LedgerStore, member: str) -> int:
    return store.balances().get(derivatives_collateral_account(member, THB), 0)


def test_e10_tch_requires_4_x_5000_and_calls_it_at_0900_the_next_business_day() -> None:
    store = MemoryStore()
    day = _clear(store, T, E10, settlement_prices={"S50M21": "985.0"})
    [eod] = day.margin
    assert eod.run == "eod" and eod.super_products == []
    assert {r.portfolio: (r.scan, r.total) for r in eod.rows} == {
        "A-NET": (20_000 * BAHT, 20_000 * BAHT), "B-NET": (20_000 * BAHT, 20_000 * BAHT)}
    call = _calls(day)["A"]
    assert (call.requirement, call.collateral, call.call) == (20_000 * BAHT, 0, 20_000 * BAHT)
    assert (call.due, call.due_time, call.met) == (T1, 9 * 3600 * 10**6, True)
    # the call moved from A's settlement bank into its TFEX collateral, dated T+1
    assert _collateral(store, "A") == 20_000 * BAHT
    assert {tx.business_date for tx in store.transactions() if ":call:" in tx.key} == {T1}
    assert banks(store) == {"A": -12_000 * BAHT, "B": 12_000 * BAHT, "C": 0}
    assert settlement_account(store) == 0


def test_collateral_held_reduces_the_call_and_the_next_day_calls_only_the_shortfall() -> None:
    store = MemoryStore()
    deposit = {"op": "deposit", "ref": "d1", "member": "A", "time": "09:30", "asset": "THB",
               "quantity": "15000"}
    day = _clear(store, T, E10, settlement_prices={"S50M21": "985.0"},
                 collateral={"requests": [deposit]})
    assert [(a.ref, a.accepted) for a in day.collateral] == [("d1", True)]
    assert _calls(day)["A"].call == 5_000 * BAHT
    assert _collateral(store, "A") == 20_000 * BAHT
    # T+1: the requirement is the same, the collateral covers it: no call
    nothing = _clear(store, T1, settlement_prices={"S50M21": "960.0"})
    assert _calls(nothing)["A"].call == 0


def test_a_withdrawal_above_the_excess_is_refused_and_one_within_it_credited_at_1030() -> None:
    store = MemoryStore()
    _clear(store, T, E10, settlement_prices={"S50M21": "985.0"})
    requests = [
        {"op": "deposit", "ref": "d1", "member": "A", "time": "09:10", "asset": "THB",
         "quantity": "5000"},
        {"op": "withdraw", "ref": "w1", "member": "A", "time": "09:40", "asset": "THB",
         "quantity": "5000.01"},
        {"op": "withdraw", "ref": "w2", "member": "A", "time": "09:41", "asset": "THB",
         "quantity": "5000"},
        {"op": "withdraw", "ref": "w3", "member": "A", "time": "12:05", "asset": "THB",
         "quantity": "1"},
    ]
    day = _clear(store, T1, settlement_prices={"S50M21": "985.0"},
                 collateral={"requests": requests})
    assert [(a.ref, a.accepted, a.code, a.credited) for a in day.collateral] == [
        ("d1", True, "", 9 * 3600 * 10**6 + 10 * 60 * 10**6),
        ("w1", False, "EXCESS_EXCEEDED", None),
        ("w2", True, "", 10 * 3600 * 10**6 + 30 * 60 * 10**6),
        ("w3", False, "WITHDRAWAL_WINDOW", None)]
    assert _collateral(store, "A") == 20_000 * BAHT


def test_an_exchange_while_an_intraday_call_is_outstanding_needs_the_requirement_covered(
) -> None:
    store = MemoryStore()
    _clear(store, T, E10, settlement_prices={"S50M21": "985.0"})
    # T+1's intraday marks at 950: the positions are the same, so the requirement is; A
    # holds 20,000 (the T call), the requirement 20,000 - no call. Buy 4 more at 09:30 and
    # the intraday run calls 20,000 more, outstanding until 12:00.
    more = (trade("2", T1, "S50M21", 4, "980.0", "A-NET", "C-NET", time="09:30:00"),)
    swap = {"op": "exchange", "ref": "x1", "member": "A", "time": "11:00",
            "withdraw": [{"asset": "THB", "quantity": "1000"}],
            "deposit": [{"asset": "USD", "quantity": "100"}]}
    later = {**swap, "ref": "x2", "time": "12:30"}
    day = _clear(store, T1, more, settlement_prices={"S50M21": "975.0"},
                 intraday_prices={"S50M21": "978.0"},
                 collateral={"quotes": {"fx_rates": {"USD": "36.50"}},
                             "requests": [swap, later]})
    assert _calls(day, "intraday")["A"].call == 20_000 * BAHT
    assert [(a.ref, a.accepted, a.code) for a in day.collateral] == [
        ("x1", False, "CALL_OUTSTANDING"), ("x2", True, "")]


def test_a_call_not_met_is_the_members_default_and_its_variation_margin_comes_from_the_fund(
) -> None:
    store = MemoryStore()
    fund_set(store, T, 100_000_000 * BAHT, 300_000_000 * BAHT)  # SET's tranches and Reserve
    day = _clear(store, T, E10, settlement_prices={"S50M21": "985.0"},
                 unmet_calls=[{"member": "A", "run": "eod"}])
    call = _calls(day)["A"]
    assert (call.call, call.met) == (20_000 * BAHT, False)
    assert _collateral(store, "A") == 0  # nothing taken from A's bank
    assert DECLARED_DEFAULTS.get(store, "A")[0].day == T1
    # B is paid the 12,000 A owed, from the waterfall, and TCH ends flat
    assert banks(store) == {"A": 0, "B": 12_000 * BAHT, "C": 0}
    assert settlement_account(store) == 0


def test_gold_is_super_margined_from_the_intraday_run_before_the_april_2021_holidays() -> None:
    store, bundled = MemoryStore(), MarginTerms()  # its gold and dollar super_pct is 50
    gold = (trade("1", T, "GFM21", 1, "27000", "A-NET", "B-NET"),
            trade("2", T, "S50M21", 1, "1000.0", "A-NET", "B-NET"))
    prices = {"GFM21": "27000", "S50M21": "1000.0"}
    normal = _clear(store, T, gold, bundled, settlement_prices=prices)
    assert normal.margin[0].super_products == []
    _clear(store, T1, (), bundled, settlement_prices=prices)
    # Mon 12 April is H-1 of the 13-15 April closure: both runs are super, for the products
    # with a foreign underlying (gold and the dollar), not for SET50
    h_1 = _clear(store, T2, (), bundled, settlement_prices=prices,
                 intraday_prices={"GFM21": "27000"})
    assert [(r.run, r.super_products) for r in h_1.margin] == [
        ("intraday", ["GF", "GF10", "USD"]), ("eod", ["GF", "GF10", "USD"])]
    [gold_row] = [r for r in h_1.margin[1].rows if r.portfolio == "A-NET"]
    [intraday_row] = [r for r in h_1.margin[0].rows if r.portfolio == "A-NET"]
    assert gold_row.super_margin == intraday_row.super_margin > 0
    assert gold_row.total == gold_row.scan + gold_row.super_margin
    # Fri 16 April (H+1): its intraday run is normal again
    after = _clear(store, T3, (), bundled, settlement_prices=prices,
                   intraday_prices={"GFM21": "27000"})
    assert [r.super_products for r in after.margin] == [[], []]


def test_a_rerun_reports_the_calls_as_first_called() -> None:
    store = MemoryStore()
    first = _clear(store, T, E10, settlement_prices={"S50M21": "985.0"},
                   intraday_prices={"S50M21": "990.0"})
    assert DERIVATIVES_MARGIN.get(store, T, "intraday") == first.margin[0]
    writes = store.transactions()
    assert _clear(store, T, E10, settlement_prices={"S50M21": "985.0"},
                  intraday_prices={"S50M21": "990.0"}) == first
    assert store.transactions() == writes


def test_a_series_the_margin_table_lacks_refuses_the_day_storing_nothing(tmp_path: Path
                                                                          ) -> None:
    store = MemoryStore()
    only_s50 = tmp_path / "margin.toml"
    only_s50.write_text('[[product]]\ncode = "S50"\nscan_range = 5000\n')
    usd = (trade("1", T, "USDM21", 1, "31.50", "A-NET", "B-NET"),)
    with pytest.raises(SiamexError) as caught:
        clear_derivatives(DerivativesInputs(BOOK, trades(*usd), instructions(),
                                            margin=MarginTerms(load_margin_table(only_s50))),
                          store, T)
    assert caught.value.code is ErrorCode.MARGIN_FILE
    assert store.transactions() == [] and DERIVATIVES_MARGIN.get(store, T, "eod") is None


def _t1_requests() -> list[dict[str, str]]:
    """A withdrawal above the excess (refused), then a deposit that would allow it."""
    return [{"op": "withdraw", "ref": "w1", "member": "A", "time": "09:30", "asset": "THB",
             "quantity": "5000"},
            {"op": "deposit", "ref": "d1", "member": "A", "time": "09:35", "asset": "THB",
             "quantity": "10000"},
            {"op": "withdraw", "ref": "w2", "member": "A", "time": "11:00", "asset": "THB",
             "quantity": "2000"}]


def _t1(store: LedgerStore) -> DerivativesDay:
    return _clear(store, T1, settlement_prices={"S50M21": "960.0"},
                  intraday_prices={"S50M21": "970.0"}, collateral={"requests": _t1_requests()},
                  unmet_calls=[{"member": "B", "run": "intraday"}])


def test_killed_at_any_write_of_a_day_a_rerun_ends_as_an_uninterrupted_run() -> None:
    whole = CrashingStore(-1)
    _clear(whole, T, E10, settlement_prices={"S50M21": "985.0"})
    whole.writes = 10_000  # counts down at each write
    expected = _t1(whole)
    writes, whole.writes = 10_000 - whole.writes, -1
    assert writes >= 8  # the requests' answers, the calculation, the default, the rounds
    for n in range(writes):
        store = CrashingStore(-1)
        _clear(store, T, E10, settlement_prices={"S50M21": "985.0"})
        store.writes = n
        with pytest.raises(Crash):
            _t1(store)
        store.writes = -1
        assert _t1(store) == expected, n
        assert (store.transactions(), store.balances()) == (whole.transactions(),
                                                            whole.balances()), n


def test_a_defaulter_due_variation_margin_is_still_paid_it_and_tch_ends_flat() -> None:
    store = MemoryStore()
    fund_set(store, T, 100_000_000 * BAHT, 300_000_000 * BAHT)
    _clear(store, T, E10, settlement_prices={"S50M21": "985.0"})
    more = (trade("2", T1, "S50M21", 4, "1000.0", "A-NET", "C-NET"),)
    day = _clear(store, T1, more, settlement_prices={"S50M21": "1010.0"},
                 unmet_calls=[{"member": "A", "run": "eod"}])
    a = _calls(day)["A"]
    assert a.call > 0 and not a.met
    # A is owed (1010 - 985) x 4 + (1010 - 1000) x 4 index points x 200: it is paid them
    assert {c.member: c.eod for c in day.cash}["A"] == (25 * 4 + 10 * 4) * 200 * BAHT
    assert settlement_account(store) == 0


def test_what_the_waterfall_cannot_cover_is_cut_from_the_gains_pro_rata() -> None:
    store = MemoryStore()  # no clearing fund at all: nothing covers A's loss
    day = _clear(store, T, E10, settlement_prices={"S50M21": "985.0"},
                 unmet_calls=[{"member": "A", "run": "eod"}])
    assert not _calls(day)["A"].met
    assert banks(store)["B"] == 0  # B's 12,000 gain had nothing to be paid from
    assert settlement_account(store) == 0


def test_an_intraday_default_drops_the_defaulters_withdrawals_not_yet_paid() -> None:
    store = MemoryStore()
    fund_set(store, T, 100_000_000 * BAHT, 300_000_000 * BAHT)
    _clear(store, T, E10, settlement_prices={"S50M21": "985.0"})
    requests = [{"op": "deposit", "ref": "d1", "member": "A", "time": "09:00", "asset": "THB",
                 "quantity": "30000"},
                {"op": "withdraw", "ref": "w1", "member": "A", "time": "11:00",
                 "asset": "THB", "quantity": "30000"}]
    day = _clear(store, T1, settlement_prices={"S50M21": "975.0"},
                 intraday_prices={"S50M21": "975.0"}, collateral={"requests": requests},
                 unmet_calls=[{"member": "A", "run": "intraday"}])
    assert [(a.ref, a.accepted) for a in day.collateral] == [("d1", True), ("w1", True)]
    assert not _calls(day, "intraday")["A"].met
    # the waterfall took A's collateral first; the 13:15 withdrawal was not paid back to it
    assert not store.keyed(f"derivatives-collateral:{T1}:A:withdraw")
    assert _collateral(store, "A") >= 0
    assert settlement_account(store) == 0


@pytest.mark.parametrize(("fields", "code"), [
    ({"unmet_calls": [{"member": "Z", "run": "eod"}]}, ErrorCode.INSTRUCTIONS_FILE),
    ({"uncovered_risk": {"Z-01": "100"}}, ErrorCode.INSTRUCTIONS_FILE),
    ({"collateral": {"requests": [{"op": "deposit", "ref": "d", "member": "Z", "time": "09:00",
                                   "asset": "THB", "quantity": "1"}]}},
     ErrorCode.COLLATERAL_FILE),
])
def test_margin_instructions_naming_an_unknown_member_or_account_refuse_the_day(
        fields: dict[str, Any], code: ErrorCode) -> None:
    store = MemoryStore()
    with pytest.raises(SiamexError) as caught:
        _clear(store, T, E10, settlement_prices={"S50M21": "985.0"}, **fields)
    assert caught.value.code is code
    assert store.transactions() == []


def test_uncovered_risk_adding_up_beyond_the_largest_amount_refuses_the_file() -> None:
    with pytest.raises(SiamexError) as caught:
        instructions(uncovered_risk={"A-NET": "99999999999999", "A-SAME": "99999999999999"})
    assert caught.value.code is ErrorCode.INSTRUCTIONS_FILE


def test_uncovered_risk_is_charged_once_on_the_account_s_portfolio() -> None:
    store = MemoryStore()
    day = _clear(store, T, E10, settlement_prices={"S50M21": "985.0"},
                 uncovered_risk={"A-NET": "1500"})
    [a] = [r for r in day.margin[0].rows if r.portfolio == "A-NET"]
    assert (a.uncovered, a.total) == (1_500 * BAHT, 21_500 * BAHT)
