"""Net obligations: example E1 exactly, gross trades left out, the invariants over any day, and
the array netting held equal to the plain one."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.bench.clearing import bench_registry, write_day
from siamex.clearing.equities import (
    BoardType,
    CashObligation,
    NetPositions,
    NovationBook,
    SecuritiesObligation,
    SettlementMode,
    Side,
    net,
    net_columns,
    net_legs,
    novate,
    read_trades,
    split_security,
    trades_from_csv,
    trades_from_json,
)
from siamex.clearing.equities.netting import _sums
from siamex.clearing.foundations.members import AccountType, load_registry
from siamex.clearing.foundations.parameters import ClearingRules
from siamex.cli import main
from siamex.trading.enums import Board

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "clearing"
REGISTRY = load_registry(EXAMPLES / "members.json")
SD = dt.date(2021, 4, 12)
PER_MEMBER = ClearingRules()
PER_ACCOUNT = ClearingRules({"cash_netting": "account"})
CLT, PRT = AccountType.CLIENT, AccountType.PORTFOLIO


def _e1(rules: ClearingRules = PER_MEMBER) -> NovationBook:
    return novate(read_trades(EXAMPLES / "trades.csv", REGISTRY), rules)


def test_e1_nets_the_securities_per_member_account_type_and_security() -> None:
    assert net(_e1()).securities == (
        SecuritiesObligation("A", CLT, "X", SD, 2_000),
        SecuritiesObligation("A", PRT, "Y", SD, -1_000),
        SecuritiesObligation("B", CLT, "X", SD, -10_000),
        SecuritiesObligation("B", CLT, "Y", SD, 2_000),
        SecuritiesObligation("B", PRT, "X", SD, 5_000),
        SecuritiesObligation("C", CLT, "X", SD, 3_000),
        SecuritiesObligation("C", CLT, "Y", SD, -1_000))


def test_e1_keeps_a_members_client_and_portfolio_apart() -> None:
    # B-CLT's delivery of 10,000 X cannot be sourced from B-PRT's receipt of 5,000
    positions = net(_e1())
    assert positions.net_qty("B", CLT, "X", SD) == -10_000
    assert positions.net_qty("B", PRT, "X", SD) == 5_000
    assert positions.net_qty("B", PRT, "Y", SD) == 0


def test_e1_nets_the_cash_per_member() -> None:
    positions = net(_e1())
    assert positions.cash == (CashObligation("A", SD, 41_000_00),
                              CashObligation("B", SD, -56_000_00),
                              CashObligation("C", SD, 15_000_00))
    assert positions.net_cash("B", SD) == -56_000_00


def test_e1_nets_the_cash_per_account_type_when_asked() -> None:
    positions = net(_e1(PER_ACCOUNT))
    assert positions.cash == (CashObligation("A", SD, -62_000_00, CLT),
                              CashObligation("A", SD, 103_000_00, PRT),
                              CashObligation("B", SD, 96_500_00, CLT),
                              CashObligation("B", SD, -152_500_00, PRT),
                              CashObligation("C", SD, 15_000_00, CLT))
    assert positions.net_cash("A", SD, PRT) == 103_000_00


def test_e1_moves_56000_of_1293000_traded() -> None:
    book = _e1()
    gross = sum(book.trade(str(n)).value for n in range(1, 7))
    paid = net(book).cash_paid
    assert (gross, paid) == (1_293_000_00, 56_000_00)
    assert round(Fraction(gross - paid, gross) * 1000) == 957  # a 95.7% reduction


_REPORTS = ["trade_id,trade_date,symbol,board,price,qty,buy_member,buy_account,sell_member,"
            "sell_account",
            "R1,2021-04-08,X,big_lot,50.00,1000000,A,A-PRT,C,C-CLT",
            "R2,2021-04-08,X,main,30.00,1000,B,B-CLT,A,A-CLT"]


def test_gross_trades_are_left_out_of_the_net() -> None:
    book = novate(trades_from_csv(_REPORTS, REGISTRY))
    book.choose_gross("R1", dt.date(2021, 4, 9), dt.datetime(2021, 4, 8, 14, 0))
    book.confirm_gross("R1", dt.datetime(2021, 4, 8, 14, 0))
    positions = net(book)
    assert positions.gross_trades == ("R1",)
    assert positions.securities == (SecuritiesObligation("A", CLT, "X", SD, -1_000),
                                    SecuritiesObligation("B", CLT, "X", SD, 1_000))
    assert positions.cash == (CashObligation("A", SD, 30_000_00),
                              CashObligation("B", SD, -30_000_00))
    assert positions == net_legs(book.legs(), book.rules)


def test_a_board_type_change_nets_to_zero_over_the_symbols_boards() -> None:
    book = _e1()
    book.change_board_type("1", Side.BUY, BoardType.NVDR, dt.datetime(2021, 4, 8, 18, 0))
    positions = net(book)
    assert positions.net_qty("A", CLT, "X-R", SD) == 10_000
    assert positions.net_qty("A", CLT, "X", SD) == -8_000
    _assert_balanced(positions, over_boards=True)
    assert sum(s.net_qty for s in positions.securities if s.security == "X") == -10_000


def test_sums_beyond_int64_are_exact() -> None:
    price, qty = 10_000_000, 1_000_000_000  # each value the largest amount (decision 71)
    rows = [f"{n},2021-04-08,X,big_lot,100000.00,{qty},A,A-CLT,B,B-CLT" for n in range(1000)]
    book = novate(trades_from_csv([_REPORTS[0], *rows], REGISTRY))
    positions = net(book)
    assert positions.net_cash("A", SD) == -1000 * qty * price < -(2**63)
    assert positions.net_cash("B", SD) == 1000 * qty * price
    assert positions == net_legs(book.legs(), book.rules)


def _assert_balanced(positions: NetPositions, over_boards: bool = False) -> None:
    """TCH ends flat: every security (or symbol) and every day's cash sums to zero."""
    shares: defaultdict[tuple[str, dt.date], int] = defaultdict(int)
    for s in positions.securities:
        key = split_security(s.security)[0] if over_boards else s.security
        shares[(key, s.settlement_date)] += s.net_qty
    assert set(shares.values()) <= {0}
    cash: defaultdict[dt.date, int] = defaultdict(int)
    for c in positions.cash:
        cash[c.settlement_date] += c.net_amount
    assert set(cash.values()) <= {0}


_ACCOUNTS = [(a.member, a.account) for a in REGISTRY.accounts]
_DATES = ["2021-04-07", "2021-04-08", "2021-04-09", "2021-04-12"]
_trade = st.fixed_dictionaries({
    "trade_date": st.sampled_from(_DATES),
    "symbol": st.sampled_from(["X", "Y", "X-F", "Y-R"]),
    "board": st.sampled_from(["main", "odd_lot", "big_lot"]),
    "price": st.integers(1, 100_000).map(lambda p: f"{p // 100}.{p % 100:02d}"),
    "qty": st.integers(1, 10_000_000),
    "buyer": st.sampled_from(_ACCOUNTS),
    "seller": st.sampled_from(_ACCOUNTS),
})
# what to do to a trade after novation: nothing, move a leg to another account of its member,
# change a leg's board, or settle a large trade report gross
_change = st.sampled_from(["none", "account", "board", "gross"])


def _day(trades: list[dict[str, Any]], changes: list[str], rules: ClearingRules,
         ) -> NovationBook:
    rows = [{"trade_id": str(n), "trade_date": t["trade_date"], "symbol": t["symbol"],
             "board": t["board"], "price": t["price"], "qty": t["qty"],
             "buy_member": t["buyer"][0], "buy_account": t["buyer"][1],
             "sell_member": t["seller"][0], "sell_account": t["seller"][1]}
            for n, t in enumerate(trades)]
    book = novate(trades_from_json({"trades": rows}, REGISTRY), rules)
    for n, change in enumerate(changes[:len(trades)]):
        trade = book.trade(str(n))
        at = dt.datetime.combine(trade.trade_date, dt.time(12, 0))
        if change == "account":
            others = [a for m, a in _ACCOUNTS if m == trade.seller.member]
            book.correct_account(str(n), Side.SELL, others[-1], at)
        elif change == "board" and trade.board_type is BoardType.LOCAL:
            book.change_board_type(str(n), Side.BUY, BoardType.NVDR, at)
        elif (change == "gross" and trade.trade_report
              and trade.value >= rules.gross_min_value):
            book.choose_gross(str(n), trade.trade_date, at)
            # same-day settlement: confirmed by 10:00 on the day (3.4)
            book.confirm_gross(str(n), at.replace(hour=10))
    return book


@settings(max_examples=150, deadline=None)
@given(st.lists(_trade, max_size=40), st.lists(_change, max_size=40), st.booleans())
def test_net_quantities_and_cash_sum_to_zero_and_both_nettings_agree(
        trades: list[dict[str, Any]], changes: list[str], per_account: bool) -> None:
    rules = PER_ACCOUNT if per_account else PER_MEMBER
    book = _day(trades, changes, rules)
    positions = net(book)
    assert positions == net_legs(book.legs(), rules)
    _assert_balanced(positions, over_boards="board" in changes[:len(trades)])
    settled_gross = {leg.trade_id for leg in book.legs() if leg.mode is SettlementMode.GROSS}
    assert set(positions.gross_trades) == settled_gross
    assert all(s.net_qty for s in positions.securities)  # what nets to zero is left out
    assert all(c.net_amount for c in positions.cash)


_amount = st.one_of(st.integers(-(2**63) + 1, 2**63 - 1), st.integers(-1000, 1000))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), _amount, st.sampled_from([1, -1])), max_size=60))
def test_array_sums_are_the_exact_sums_dense_or_sparse_large_or_small(
        entries: list[tuple[int, int, int]]) -> None:
    expected: defaultdict[int, int] = defaultdict(int)
    for key, amount, sign in entries:
        expected[key * 1_000] += sign * amount
    parts = [(np.array([k * 1_000 for k, _, s in entries if s == sign], dtype=np.int64),
              np.array([a for _, a, s in entries if s == sign], dtype=np.int64), sign)
             for sign in (1, -1)]
    for limit in (1 << 24, 0):
        named, totals = _sums(parts, 21_000, dense_limit=limit)
        assert dict(zip(named.tolist(), totals, strict=True)) == {
            k: v for k, v in expected.items() if v}


def test_a_day_without_trades_nets_to_nothing() -> None:
    book = NovationBook(REGISTRY)
    assert net_columns(book.columns(), PER_MEMBER) == NetPositions((), (), ())


def test_the_benchmark_day_is_deterministic_and_nets_flat(tmp_path: Path) -> None:
    registry = bench_registry(5)
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write_day(first, 3_000, 40, registry, seed=3)
    write_day(second, 3_000, 40, registry, seed=3)
    assert first.read_bytes() == second.read_bytes()
    book = novate(read_trades(first, registry))
    positions = net(book)
    _assert_balanced(positions)
    assert positions == net_legs(book.legs(), book.rules)
    boards = {t.board for t in read_trades(first, registry)}
    assert boards == {Board.MAIN, Board.ODD_LOT, Board.BIG_LOT}


def test_bench_clearing_prints_each_stage_and_the_netting_target() -> None:
    result = CliRunner().invoke(main, ["bench", "clearing", "--trades", "2000", "--members",
                                       "4", "--securities", "20", "--runs", "1"])
    assert result.exit_code == 0, result.output
    assert "novate" in result.output and "netting target < 10 s: met" in result.output
    assert "settle of 2,000 trades" not in result.output  # --trades 2000: the measured day
    assert " 0 fails" in result.output and "ledger invariants hold; TCH flat" in result.output


def test_bench_clearing_settles_a_smaller_day_when_asked() -> None:
    result = CliRunner().invoke(main, ["bench", "clearing", "--trades", "500", "--members",
                                       "4", "--securities", "10", "--runs", "1",
                                       "--settle-trades", "300"])
    assert result.exit_code == 0, result.output
    assert "settlement of a 300-trade day" in result.output and " 0 fails" in result.output


def test_bench_clearing_can_skip_settling() -> None:
    result = CliRunner().invoke(main, ["bench", "clearing", "--trades", "500", "--members",
                                       "4", "--securities", "10", "--runs", "1",
                                       "--settle-trades", "0"])
    assert result.exit_code == 0, result.output
    assert "settlement: not run" in result.output
