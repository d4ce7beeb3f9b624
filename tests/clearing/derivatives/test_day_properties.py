"""Derivatives clearing days over generated trades, opening positions, prices and post-trade
changes on net and gross accounts (hypothesis): variation margin, premium and member cash sum
to zero, positions move by exactly the contracts bought and sold, every change accepted keeps
each series' contracts balanced and every change refused changes nothing, and a day run twice
(on a fresh store, or again on its own) reports and stores the same."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.fills import PositionMode
from siamex.clearing.foundations.state import DerivativesDay

from .days import (
    ACCOUNTS,
    BOOK,
    T1,
    Store,
    T,
    banks,
    clear,
    member_cash,
    positions,
    settlement_account,
    trade,
)

FUTURES = ("S50M21", "S50U21")
OPTION = "S50M21C1000"
SERIES = (*FUTURES, OPTION)
PREVIOUS = {"S50M21": "1000.0", "S50U21": "1005.0", OPTION: "20.0"}
PRICES = {"S50M21": ("996.5", "999.9", "1000.0", "1003.2"),
          "S50U21": ("1001.0", "1005.0", "1007.4"), OPTION: ("18.5", "20.0", "22.1")}
# every day starts with something for the changes to move: the investor's net account long,
# a gross account with both sides
BASE_OPENING = [("S50M21", ("A-NET", "B-GROSS"), 2), ("S50U21", ("A-GROSS", "C-NET"), 2),
                ("S50U21", ("B-NET", "A-GROSS"), 1)]
TIMES = ("09:40:00", "09:45:00", "11:00:00", "16:42:00", "16:50:00")

_accounts = st.sampled_from(ACCOUNTS)
_pair = st.permutations(ACCOUNTS).map(lambda p: (p[0], p[1]))
_flag = st.sampled_from(("open", "close"))
_trade = st.tuples(st.sampled_from(SERIES), st.integers(1, 6), st.integers(0, 3), _pair,
                   _flag, _flag, st.sampled_from(TIMES))
_opening = st.tuples(st.sampled_from(SERIES), _pair, st.integers(1, 8))
_yes = st.booleans()
_amendment = st.fixed_dictionaries(
    {"trade_id": st.integers(1, 6).map(str), "side": st.sampled_from(("buy", "sell")),
     "approved": _yes},
    optional={"account": _accounts, "flag": _flag})
_give_up = st.fixed_dictionaries({
    "trade_id": st.integers(1, 6).map(str), "side": st.sampled_from(("buy", "sell")),
    "to_account": _accounts, "approved": _yes, "agreement_copy": _yes,
    "same_beneficiary": _yes})
_transfer = st.fixed_dictionaries({
    "series": st.sampled_from(SERIES), "from_account": _accounts, "to_account": _accounts,
    "long": st.integers(0, 3), "short": st.integers(0, 3), "approved": _yes,
    "same_beneficiary": _yes})
# A-NET and A-SAME are one investor's: transfers between them with approval can be accepted
_investor = st.permutations(("A-NET", "A-SAME"))
_transfer_allowed = _investor.flatmap(lambda p: st.fixed_dictionaries({
    "series": st.sampled_from(SERIES), "from_account": st.just(p[0]),
    "to_account": st.just(p[1]), "long": st.integers(0, 2), "short": st.integers(0, 2),
    "approved": st.just(True), "same_beneficiary": st.just(True)}))
_bulk = st.one_of(
    st.fixed_dictionaries({"from_account": _accounts, "to_account": _accounts,
                           "approved": _yes, "same_beneficiary": _yes}),
    _investor.map(lambda p: {"from_account": p[0], "to_account": p[1], "approved": True,
                             "same_beneficiary": True}))
_match_out = st.fixed_dictionaries({
    "account": st.one_of(_accounts, st.sampled_from(("A-GROSS", "B-GROSS"))),
    "series": st.sampled_from(SERIES), "qty": st.integers(1, 3)})
_changes = st.fixed_dictionaries({
    "amendments": st.lists(_amendment, max_size=2), "give_ups": st.lists(_give_up, max_size=2),
    "transfers": st.lists(st.one_of(_transfer, _transfer_allowed), max_size=3),
    "bulk_transfers": st.lists(_bulk, max_size=1),
    "match_outs": st.lists(_match_out, max_size=2)})
_prices = st.fixed_dictionaries({}, optional={
    s: st.sampled_from(PRICES[s]) for s in FUTURES})


def _rows(day: Any, generated: list[Any], prefix: str = "") -> tuple[str, ...]:
    return tuple(trade(f"{prefix}{n}", day, series, qty, PRICES[series][price % len(
        PRICES[series])], buyer, seller, buy_flag=bf, sell_flag=sf, time=time)
        for n, (series, qty, price, (buyer, seller), bf, sf, time) in enumerate(generated, 1))


def _opening_positions(generated: list[Any]) -> dict[tuple[str, str], tuple[int, int]]:
    """Each generated position has a long and a short side, so every series balances; a net
    account holds one side only."""
    held: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for series, (long, short), qty in generated:
        held[long, series][0] += qty
        held[short, series][1] += qty
    opened = {}
    for (account, series), (long, short) in sorted(held.items()):
        if BOOK.accounts[account].position_mode is PositionMode.NET:
            long, short = max(long - short, 0), max(short - long, 0)
        if long or short:
            opened[account, series] = (long, short)
    return opened


def _net(held: dict[tuple[str, str], tuple[int, int]]) -> dict[tuple[str, str], int]:
    return {k: long - short for k, (long, short) in held.items() if long != short}


def _zero_sum_by_series(day: DerivativesDay) -> None:
    """4.4: what one account pays another receives, series by series."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in day.rows:
        for i, amount in enumerate((r.vm_carry + r.vm_new, r.premium, r.final,
                                    r.bought - r.sold)):
            sums[r.series][i] += amount
    assert all(s == [0, 0, 0, 0] for s in sums.values()), dict(sums)
    assert sum(c.intraday for c in day.cash) == 0
    assert sum(c.eod for c in day.cash) == 0


def _balanced(held: dict[tuple[str, str], tuple[int, int]]) -> None:
    by_series: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (_, series), (long, short) in held.items():
        by_series[series][0] += long
        by_series[series][1] += short
    assert all(long == short for long, short in by_series.values()), dict(by_series)


def _moved_by_rows(before: dict[tuple[str, str], int], day: DerivativesDay,
                   after: dict[tuple[str, str], tuple[int, int]]) -> None:
    """Each account's net moves by the contracts it bought less those it sold that day."""
    expected = dict(before)
    for r in day.rows:
        expected[r.account, r.series] = expected.get((r.account, r.series), 0) + r.bought - r.sold
    assert _net(after) == {k: v for k, v in expected.items() if v}


def _days(store: Store, opening: dict[tuple[str, str], tuple[int, int]],
          first: tuple[str, ...], second: tuple[str, ...], marks: dict[str, str],
          settle: tuple[dict[str, str], dict[str, str]], changes: dict[str, Any],
          ) -> tuple[DerivativesDay, DerivativesDay]:
    day1 = clear(store, T, first, previous_settlement_prices=PREVIOUS,
                 opening_positions=[{"account": a, "series": s, "long": long, "short": short}
                                    for (a, s), (long, short) in opening.items()],
                 intraday_prices=marks, settlement_prices=settle[0])
    day2 = clear(store, T1, second, settlement_prices=settle[1], **changes)
    return day1, day2


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.lists(_opening, max_size=5), st.lists(_trade, min_size=1, max_size=6),
       st.lists(_trade, max_size=4), _prices, _prices,
       st.fixed_dictionaries({}, optional={"S50M21": st.sampled_from(PRICES["S50M21"])}),
       _changes)
def test_generated_days_balance_move_positions_by_their_fills_and_repeat_alike(
        opening_list: list[Any], first_list: list[Any], second_list: list[Any],
        settle1: dict[str, str], settle2: dict[str, str], marks: dict[str, str],
        changes: dict[str, Any]) -> None:
    opening = _opening_positions([*BASE_OPENING, *opening_list])
    first, second = _rows(T, first_list), _rows(T1, second_list, "n")
    store = Store()
    before = banks(store)
    day1, day2 = _days(store, opening, first, second, marks, (settle1, settle2), changes)
    for day in (day1, day2):
        _zero_sum_by_series(day)
        assert sum(member_cash(day).values()) == 0
    assert settlement_account(store) == 0
    moved = {m: v - before[m] for m, v in banks(store).items()}
    assert moved == {m: member_cash(day1).get(m, 0) + member_cash(day2).get(m, 0)
                     for m in moved}

    # day 1 has no changes: each account's net is its opening net plus its signed trades
    expected = _net(opening)
    for series, qty, _, (buyer, seller), *_ in first_list:
        expected[buyer, series] = expected.get((buyer, series), 0) + qty
        expected[seller, series] = expected.get((seller, series), 0) - qty
    held1, held2 = positions(store, T), positions(store, T1)
    assert _net(held1) == {k: v for k, v in expected.items() if v}
    _moved_by_rows(_net(held1), day2, held2)
    _balanced(held1)
    _balanced(held2)  # whatever changes were accepted

    # the same days without their changes: refused changes leave the day as it was
    plain = Store()
    _, without = _days(plain, opening, first, second, marks, (settle1, settle2), {})
    accepted = [c for c in day2.changes if c.accepted]
    for c in day2.changes:
        event(f"{c.kind} {'accepted' if c.accepted else c.code}")
    if not accepted:
        assert positions(plain, T1) == held2
        assert (without.rows, without.cash) == (day2.rows, day2.cash)

    # run again on a fresh store, and again on this one: the same reports, nothing more stored
    again = Store()
    assert _days(again, opening, first, second, marks, (settle1, settle2), changes) == (
        day1, day2)
    assert (again.transactions(), again.balances()) == (store.transactions(), store.balances())
    writes, ledger = store.writes, store.transactions()
    assert _days(store, opening, first, second, marks, (settle1, settle2), changes) == (
        day1, day2)
    assert (store.writes, store.transactions()) == (writes, ledger)
