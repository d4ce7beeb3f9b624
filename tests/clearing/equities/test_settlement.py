"""DvP settlement: E1 in full, delivery and payment fails cured in round 2, account-type
segregation, idempotency and restart, and conservation over generated days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.bench.clearing import bench_registry
from siamex.clearing.equities import NetPositions, SecuritiesObligation, net, novate, read_trades
from siamex.clearing.equities.settlement import (
    DeliveryFail,
    Movement,
    PaymentFail,
    StepRefused,
    issue,
    pay_and_credit,
    settle_after_default,
    settle_date,
    settle_round,
    take_securities,
)
from siamex.clearing.equities.trades import trades_from_csv
from siamex.clearing.foundations.accounts import cash_account, holdings_account
from siamex.clearing.foundations.ledger import TCH, Account, Ledger
from siamex.clearing.foundations.members import AccountType, load_registry
from siamex.clearing.foundations.store import LedgerStore, MemoryStore
from siamex.clearing.foundations.store_open import open_store
from tests.clearing.crashing import Crash, CrashingStore

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "clearing"
SD = dt.date(2021, 4, 12)
OPENING = dt.date(2021, 4, 9)
CLT, PRT = AccountType.CLIENT, AccountType.PORTFOLIO
PRICES = {"X": 3_000, "Y": 10_000}  # satang a share, for valuing fails
BAHT = 100


def _e1() -> NetPositions:
    registry = load_registry(EXAMPLES / "members.json")
    return net(novate(read_trades(EXAMPLES / "trades.csv", registry)))


def _funded(**overrides: int) -> dict[Account, int]:
    """Every E1 member holds more than it owes in both account types, unless overridden."""
    holdings: dict[Account, int] = {}
    for member in "ABC":
        holdings[cash_account(member)] = 1_000_000 * BAHT
        for account_type in (CLT, PRT):
            for security in "XY":
                holdings[holdings_account(member, account_type, security)] = 50_000
    for name, qty in overrides.items():
        member, kind, asset = name.split("_")
        account = (cash_account(member) if asset == "THB"
                   else holdings_account(member, AccountType(kind), asset))
        holdings[account] = qty
    return holdings


def _store(holdings: dict[Account, int]) -> MemoryStore:
    store = MemoryStore()
    issue(store, OPENING, holdings)
    return store


def _tch(store: LedgerStore) -> dict[Account, int]:
    return {a: q for a, q in store.balances().items() if a.owner == TCH}


def _at(hhmm: str) -> dt.datetime:
    return dt.datetime.combine(SD, dt.time.fromisoformat(hhmm))


def test_e1_settles_in_full_when_everyone_holds_enough() -> None:
    positions, holdings = _e1(), _funded()
    store = _store(holdings)
    first, second = settle_date(store, positions, SD, PRICES)
    after = store.balances()
    for s in positions.securities:
        account = holdings_account(s.member, s.account_type, s.security)
        assert after.get(account, 0) - holdings[account] == s.net_qty
    for c in positions.cash:
        account = cash_account(c.member)
        assert after.get(account, 0) - holdings[account] == c.net_amount
    assert _tch(store) == {}
    assert Ledger.from_transactions(store.transactions()).check_invariants() == []
    assert (first.delivery_fails, first.payment_fails) == ((), ())
    assert set(first.delivered) == {Movement("B", CLT, "X", 10_000), Movement("A", PRT, "Y", 1_000),
                                    Movement("C", CLT, "Y", 1_000)}
    assert first.paid == (Movement("B", None, "THB", 56_000 * BAHT),)
    assert Movement("A", None, "THB", 41_000 * BAHT) in first.credited
    assert (second.delivered, second.paid, second.credited) == ((), (), ())


def test_a_client_fail_is_not_covered_from_the_portfolio_and_is_cured_in_round_2() -> None:
    positions = _e1()
    store = _store(_funded(B_client_X=4_000))  # B-PRT still holds 50,000 X
    first = settle_round(store, positions, SD, 1, PRICES)
    assert first.delivery_fails == (DeliveryFail("B", CLT, "X", 10_000, 10_000 * 3_000),)
    balances = store.balances()
    assert balances[holdings_account("B", PRT, "X")] == 50_000  # 3.1: never the other type
    assert balances[holdings_account("B", CLT, "X")] == 4_000
    assert balances[holdings_account("A", CLT, "X")] == 50_000  # X receivers not credited
    assert _tch(store).get(Account(TCH, "securities", None, "X"), 0) == 0  # nothing it lacks
    assert _tch(store) == {}  # Y settled, cash settled: B's fail withholds no one's cash here
    issue(store, SD, {holdings_account("B", CLT, "X"): 6_000}, key_prefix="late")
    second = settle_round(store, positions, SD, 2, PRICES)
    assert second.delivery_fails == ()
    assert second.delivered == (Movement("B", CLT, "X", 10_000),)
    assert store.balances()[holdings_account("B", PRT, "X")] == 55_000
    assert _tch(store) == {}


def test_receivers_of_a_short_security_are_served_in_order_and_the_rest_waits() -> None:
    day = SD
    owed = (("A", CLT, 5), ("B", CLT, 5), ("C", CLT, -3), ("C", PRT, -7))
    positions = NetPositions(
        tuple(SecuritiesObligation(m, kind, "X", day, qty) for m, kind, qty in owed), (), ())
    store = _store({holdings_account("C", CLT, "X"): 3, holdings_account("C", PRT, "X"): 6})
    first = settle_round(store, positions, day, 1, PRICES)
    assert first.credited == (Movement("A", CLT, "X", 3),)
    assert first.delivery_fails == (DeliveryFail("C", PRT, "X", 7, 7 * 3_000),)
    issue(store, day, {holdings_account("C", PRT, "X"): 1}, key_prefix="late")
    second = settle_round(store, positions, day, 2, PRICES)
    assert second.credited == (Movement("A", CLT, "X", 2), Movement("B", CLT, "X", 5))
    assert _tch(store) == {}


def test_a_payment_fail_withholds_the_payers_receipts_and_cash_until_round_2() -> None:
    positions = _e1()
    store = _store(_funded(B_none_THB=50_000 * BAHT))
    first = settle_round(store, positions, SD, 1, PRICES)
    assert first.payment_fails == (PaymentFail("B", 56_000 * BAHT),)
    assert first.paid == ()
    balances = store.balances()
    assert balances[cash_account("A")] == 1_000_000 * BAHT  # receivers wait for all payers
    assert balances[holdings_account("B", PRT, "X")] == 50_000  # DvP: B not credited
    assert balances[holdings_account("A", CLT, "X")] == 52_000
    issue(store, SD, {cash_account("B"): 6_000 * BAHT}, key_prefix="late")
    second = settle_round(store, positions, SD, 2, PRICES)
    assert second.payment_fails == ()
    assert second.paid == (Movement("B", None, "THB", 56_000 * BAHT),)
    assert store.balances()[holdings_account("B", PRT, "X")] == 55_000
    assert store.balances()[cash_account("A")] == 1_041_000 * BAHT
    assert _tch(store) == {}


def test_a_delivery_fail_withholds_the_deliverers_cash_receivable() -> None:
    positions = _e1()
    store = _store(_funded(C_client_Y=0))
    first = settle_round(store, positions, SD, 1, PRICES)
    assert first.delivery_fails == (DeliveryFail("C", CLT, "Y", 1_000, 1_000 * 10_000),)
    assert store.balances()[cash_account("C")] == 1_000_000 * BAHT  # 3.6: withheld
    assert _tch(store)[Account(TCH, "cash", None, "THB")] == 15_000 * BAHT


def test_running_again_posts_nothing() -> None:
    positions = _e1()
    store = _store(_funded(B_client_X=0))
    results = settle_date(store, positions, SD, PRICES)
    balances, count = store.balances(), len(store.transactions())
    assert settle_date(store, positions, SD, PRICES) == results
    assert settle_round(store, positions, SD, 1, PRICES) == results[0]
    assert (store.balances(), len(store.transactions())) == (balances, count)


@pytest.mark.parametrize("commits", range(4))  # a day commits four steps, one by one
def test_a_day_resumed_after_a_crash_ends_as_an_uninterrupted_one(commits: int) -> None:
    positions, holdings = _e1(), _funded(B_none_THB=0, B_client_X=0)
    whole = _store(holdings)
    expected = settle_date(whole, positions, SD, PRICES)
    crashing = CrashingStore(-1)
    issue(crashing, OPENING, holdings)
    crashing.writes = commits
    with pytest.raises(Crash):
        settle_date(crashing, positions, SD, PRICES)
    crashing.writes = -1
    assert settle_date(crashing, positions, SD, PRICES) == expected
    assert crashing.balances() == whole.balances()
    assert crashing.transactions() == whole.transactions()


def test_a_step_before_its_cutoff_or_out_of_order_is_refused() -> None:
    positions, store = _e1(), _store(_funded())
    with pytest.raises(StepRefused, match="13:30"):
        take_securities(store, positions, SD, 1, _at("13:29"))
    with pytest.raises(StepRefused, match="has not run"):
        pay_and_credit(store, positions, SD, 1, _at("14:00"))
    take_securities(store, positions, SD, 1, _at("13:30"))
    with pytest.raises(StepRefused, match="has not run"):
        take_securities(store, positions, SD, 2, _at("15:15"))
    assert store.transactions()[-1].key == "settle:2021-04-12:r1:deliver:C:securities:client:Y"



def test_a_payment_made_good_after_round_2_settles_in_round_3() -> None:
    positions = _e1()
    store = _store(_funded(B_none_THB=50_000 * BAHT))  # B owes 56,000 and holds 50,000
    _, second = settle_date(store, positions, SD, PRICES)
    assert second.payment_fails == (PaymentFail("B", 56_000 * BAHT),)
    balances = store.balances()
    # 3.3: no receiver is paid while a payer has not paid; DvP: B is not credited
    assert balances[cash_account("A")] == balances[cash_account("C")] == 1_000_000 * BAHT
    assert balances[holdings_account("B", PRT, "X")] == 50_000
    assert balances[holdings_account("B", CLT, "Y")] == 50_000
    assert _tch(store) == {Account(TCH, "securities", None, "X"): 5_000,
                           Account(TCH, "securities", None, "Y"): 2_000}

    # the default waterfall puts the missing 6,000 THB into B's cash
    issue(store, SD, {cash_account("B"): 6_000 * BAHT}, key_prefix="waterfall")
    late = settle_after_default(store, positions, SD, _at("16:00"), PRICES)
    assert late.round_no == 3
    assert late.paid == (Movement("B", None, "THB", 56_000 * BAHT),)
    assert (late.payment_fails, late.delivery_fails) == ((), ())
    assert late.delivered == ()
    assert late.credited == (Movement("B", PRT, "X", 5_000), Movement("B", CLT, "Y", 2_000),
                             Movement("A", None, "THB", 41_000 * BAHT),
                             Movement("C", None, "THB", 15_000 * BAHT))
    balances = store.balances()
    assert balances.get(cash_account("B"), 0) == 0
    assert balances[holdings_account("B", PRT, "X")] == 55_000
    assert balances[holdings_account("B", CLT, "Y")] == 52_000
    assert balances[cash_account("A")] == 1_041_000 * BAHT
    assert balances[cash_account("C")] == 1_015_000 * BAHT
    assert _tch(store) == {}
    assert Ledger.from_transactions(store.transactions()).check_invariants() == []
    keys = [tx.key for tx in store.transactions() if tx.key.startswith("settle:2021-04-12:r3:")]
    assert keys == ["settle:2021-04-12:r3:pay:B:cash:-:THB",
                    "settle:2021-04-12:r3:credit:B:securities:portfolio:X",
                    "settle:2021-04-12:r3:credit:B:securities:client:Y",
                    "settle:2021-04-12:r3:payout:A:cash:-:THB",
                    "settle:2021-04-12:r3:payout:C:cash:-:THB"]
    # rounds 1 and 2 read back unchanged
    assert settle_date(store, positions, SD, PRICES)[1] == second


def test_round_3_waits_for_the_payers_cash_and_posts_nothing_twice() -> None:
    positions = _e1()
    store = _store(_funded(B_none_THB=50_000 * BAHT))
    settle_date(store, positions, SD, PRICES)
    count = len(store.transactions())
    still = settle_after_default(store, positions, SD, _at("15:45"), PRICES)  # its cut-off
    assert still.payment_fails == (PaymentFail("B", 56_000 * BAHT),)
    assert (still.paid, still.credited) == ((), ())
    assert len(store.transactions()) == count
    issue(store, SD, {cash_account("B"): 6_000 * BAHT}, key_prefix="waterfall")
    done = settle_after_default(store, positions, SD, _at("16:00"), PRICES)
    count, balances = len(store.transactions()), store.balances()
    assert settle_after_default(store, positions, SD, _at("17:00"), PRICES) == done
    assert (len(store.transactions()), store.balances()) == (count, balances)


def test_round_3_runs_only_after_round_2_cash() -> None:
    positions = _e1()
    store = _store(_funded(B_none_THB=0))
    settle_round(store, positions, SD, 1, PRICES)
    with pytest.raises(StepRefused, match="round 2 cash of 2021-04-12 has not run"):
        settle_after_default(store, positions, SD, _at("16:00"), PRICES)
    take_securities(store, positions, SD, 2, _at("15:15"))
    with pytest.raises(StepRefused, match="round 2 cash of 2021-04-12 has not run"):
        settle_after_default(store, positions, SD, _at("16:00"), PRICES)
    pay_and_credit(store, positions, SD, 2, _at("15:45"))
    count = len(store.transactions())
    for at in (_at("15:44"), dt.datetime(2021, 4, 13, 16, 0), dt.datetime(2021, 4, 11, 16, 0)):
        with pytest.raises(StepRefused, match="taken after round 2 on 2021-04-12"):
            settle_after_default(store, positions, SD, at, PRICES)
    assert len(store.transactions()) == count


_MEMBERS = 5
_ACCOUNTS = [f"M{m:02d}-{kind}" for m in range(_MEMBERS) for kind in ("P", "C1")]
_trade = st.tuples(st.sampled_from(_ACCOUNTS), st.sampled_from(_ACCOUNTS),
                   st.sampled_from(["S1", "S2", "S3"]), st.integers(1, 50),
                   st.integers(100, 200))


@settings(max_examples=60, deadline=None)
@given(st.lists(_trade, min_size=1, max_size=25))
def test_settlement_conserves_every_asset_and_leaves_tch_flat(
        trades: list[tuple[str, str, str, int, int]]) -> None:
    registry = bench_registry(_MEMBERS)
    lines = ["trade_id,trade_date,symbol,price,qty,buy_member,buy_account,sell_member,"
             "sell_account"]
    lines += [f"{n},2021-04-08,{sec},{price}.00,{qty},{buy[:3]},{buy},{sell[:3]},{sell}"
              for n, (buy, sell, sec, qty, price) in enumerate(trades)]
    positions = net(novate(trades_from_csv(lines, registry)))
    holdings: dict[Account, int] = {}
    for m in range(_MEMBERS):
        holdings[cash_account(f"M{m:02d}")] = 10**9
        for kind in (PRT, CLT):
            for sec in ("S1", "S2", "S3"):
                holdings[holdings_account(f"M{m:02d}", kind, sec)] = 2_000
    store = _store(holdings)
    first, _ = settle_date(store, positions, SD, {"S1": 1, "S2": 1, "S3": 1})
    ledger = Ledger.from_transactions(store.transactions())
    assert ledger.check_invariants() == []
    totals: dict[str, int] = {}
    for account, qty in store.balances().items():
        if account.owner != "TSD" and account.owner != "BANK":
            totals[account.asset] = totals.get(account.asset, 0) + qty
    assert totals == {a.asset: sum(q for b, q in holdings.items() if b.asset == a.asset)
                      for a in holdings}
    assert _tch(store) == {}
    assert (first.delivery_fails, first.payment_fails) == ((), ())


def test_a_day_settles_the_same_on_disk(tmp_path: Path) -> None:
    positions, holdings = _e1(), _funded(B_client_X=0)
    memory = _store(holdings)
    expected = settle_date(memory, positions, SD, PRICES)
    with open_store(tmp_path / "ledger.sqlite") as disk:
        issue(disk, OPENING, holdings)
        assert settle_date(disk, positions, SD, PRICES) == expected
    with open_store(tmp_path / "ledger.sqlite") as disk:
        assert settle_date(disk, positions, SD, PRICES) == expected
        assert disk.balances() == memory.balances()
        assert len(disk.transactions()) == len(memory.transactions())
