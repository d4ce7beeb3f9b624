"""A derivatives clearing day through `clear_derivatives` (clearing-spec.md 4.2-4.4): E10's
variation margin settled the next business day, E18's net and gross accounts and the manual
match-out, E17's change windows over the April 2021 holidays, transfers at the settlement
price, final settlement at expiry, the night session, the refusals that store nothing, a day
run again, and the ledger each day leaves: TCH's derivatives settlement account flat and each
member's bank moved by its reported cash, in SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from siamex.clearing.derivatives.accounts import account_book
from siamex.clearing.derivatives.day import DerivativesInputs, clear_derivatives
from siamex.clearing.derivatives.files import DerivativesFiles, clear_derivative_files
from siamex.clearing.derivatives.trades import trades_from_csv
from siamex.clearing.foundations.money import round_half_up
from siamex.clearing.foundations.parameters import ClearingRules
from siamex.clearing.foundations.state import (
    DERIVATIVES_DAY,
    DERIVATIVES_DAYS,
    DERIVATIVES_INTRADAY,
    DerivativesDay,
)
from siamex.clearing.foundations.store import LedgerStore
from siamex.clearing.foundations.store_open import open_store
from siamex.errors import ErrorCode, SiamexError

from ..crashing import Crash, CrashingStore
from .days import (
    BAHT,
    BOOK,
    BOOK_JSON,
    S50,
    T1,
    T2,
    T3,
    T4,
    Store,
    T,
    account_cash,
    banks,
    cash_of,
    clear,
    inputs,
    member_cash,
    positions,
    prices,
    row,
    settlement_account,
    trade,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "derivatives"
EXAMPLE_DAYS = (("normal-day-trades.csv", "normal-day.json"),
                ("next-day-trades.csv", "next-day.json"),
                ("night-trades.csv", "transfer.json"))
EXPIRY = dt.date(2021, 6, 29)  # the June 2021 series' last trading day
GF = 50  # THB per THB-per-baht-weight of a 50 baht gold futures contract (4.1)


def _refused(code: ErrorCode) -> pytest.RaisesExc[SiamexError]:
    return pytest.raises(SiamexError, check=lambda e: e.code is code)


def _answers(day: DerivativesDay) -> list[tuple[str, str, bool, str]]:
    return [(c.kind, c.ref, c.accepted, c.code) for c in day.changes]


def _ledger_follows_the_report(store: LedgerStore, before: dict[str, int],
                               day: DerivativesDay) -> None:
    """TCH's derivatives settlement account passes every baht on; each member's bank moved
    by exactly the cash the report gives it."""
    assert settlement_account(store) == 0
    moved = {m: balance - before[m] for m, balance in banks(store).items()}
    reported = member_cash(day)
    assert moved == {m: reported.get(m, 0) for m in moved}


# ---- E10: variation margin, settled at 09:00 on the next business day ------------------------

def test_e10_a_buyer_of_4_s50_at_1000_settled_at_985_pays_12000_baht_the_next_business_day(
) -> None:
    store = Store()
    day = clear(store, T, (trade("1", T, "S50M21", 4, "1000.0", "A-NET", "B-NET"),),
                settlement_prices={"S50M21": "985.0"})
    buyer = row(day, "A-NET", "S50M21")
    assert (buyer.long, buyer.short, buyer.vm_carry) == (4, 0, 0)
    assert buyer.vm_new == (985 - 1000) * S50 * 4 * BAHT == -12_000 * BAHT
    assert row(day, "B-NET", "S50M21").vm_new == 12_000 * BAHT
    assert day.settles == T1
    [payment] = [tx for tx in store.transactions()
                 if tx.key.startswith("derivatives:") and "A" in tx.key.split(":")]
    assert payment.business_date == T1  # the posting settles at 09:00 on T+1
    assert banks(store) == {"A": -12_000 * BAHT, "B": 12_000 * BAHT, "C": 0}
    assert settlement_account(store) == 0


def test_e10_the_next_day_at_960_the_4_contracts_carried_pay_20000_baht() -> None:
    store = Store()
    clear(store, T, (trade("1", T, "S50M21", 4, "1000.0", "A-NET", "B-NET"),),
          settlement_prices={"S50M21": "985.0"})
    day = clear(store, T1, settlement_prices={"S50M21": "960.0"})
    buyer = row(day, "A-NET", "S50M21")
    assert buyer.vm_carry == (960 - 985) * S50 * 4 * BAHT == -20_000 * BAHT
    assert (buyer.vm_new, buyer.bought, buyer.long) == (0, 0, 4)
    assert day.settles == T2  # Friday's run settles on Monday
    assert {tx.business_date for tx in store.transactions()} == {T1, T2}
    assert banks(store)["A"] == -32_000 * BAHT


# ---- E18: auto match-out on a net account, both sides kept on a gross one ---------------------

def _e18(store: LedgerStore) -> DerivativesDay:
    """Start long 5; buy 3 OPEN and sell 4 OPEN, on a net and on a gross account alike."""
    sides = [(qty, pair) for a in ("A-NET", "A-GROSS")
             for qty, pair in ((3, (a, "C-NET")), (4, ("B-NET", a)))]
    rows = [trade(str(n), T, "S50M21", qty, "1000.0", *pair)
            for n, (qty, pair) in enumerate(sides, 1)]
    return clear(store, T, tuple(rows), settlement_prices={"S50M21": "1010.0"},
                 previous_settlement_prices={"S50M21": "1000.0"},
                 opening_positions=[{"account": "A-NET", "series": "S50M21", "long": 5},
                                    {"account": "A-GROSS", "series": "S50M21", "long": 5},
                                    {"account": "C-NET", "series": "S50M21", "short": 10}])


def test_e18_a_net_account_ends_the_day_long_4_and_a_gross_account_long_8_short_4() -> None:
    store = Store()
    day = _e18(store)
    held = positions(store, T)
    assert held["A-NET", "S50M21"] == (4, 0)
    assert held["A-GROSS", "S50M21"] == (8, 4)
    net, gross = row(day, "A-NET", "S50M21"), row(day, "A-GROSS", "S50M21")
    assert (net.bought, net.sold) == (gross.bought, gross.sold) == (3, 4)
    # the money follows the contracts, not how they are kept: 5 carried +10, the trades +10 -40
    assert cash_of(net) == cash_of(gross) == (5 * 10 + 3 * 10 - 4 * 10) * S50 * BAHT


def test_e18_a_gross_account_matches_out_the_next_day_and_a_net_account_is_refused() -> None:
    store = Store()
    _e18(store)
    day = clear(store, T1, settlement_prices={"S50M21": "1020.0"}, match_outs=[
        {"account": "A-GROSS", "series": "S50M21", "qty": 4},
        {"account": "A-NET", "series": "S50M21", "qty": 1}])
    assert _answers(day) == [("match_out", "A-GROSS/S50M21", True, ""),
                             ("match_out", "A-NET/S50M21", False, "CORRECTION_REFUSED")]
    held = positions(store, T1)
    assert held["A-GROSS", "S50M21"] == (4, 0)
    assert held["A-NET", "S50M21"] == (4, 0)
    # a match-out moves no money: both accounts carried net 4 through the day
    assert (row(day, "A-GROSS", "S50M21").vm_carry == row(day, "A-NET", "S50M21").vm_carry
            == 4 * 10 * S50 * BAHT)


def test_a_match_out_beyond_either_side_is_refused_naming_the_account_and_series() -> None:
    store = Store()
    _e18(store)
    day = clear(store, T1, match_outs=[{"account": "A-GROSS", "series": "S50M21", "qty": 5}])
    [answer] = day.changes
    assert (answer.accepted, answer.code) == (False, "INSUFFICIENT_POSITION")
    assert answer.message == ("account A-GROSS holds long 8 short 4 of S50M21; a match-out of "
                              "5 is refused")
    assert positions(store, T1)["A-GROSS", "S50M21"] == (8, 4)


# ---- E17: the change windows over the April 2021 holidays ------------------------------------

BUSINESS_DAYS = (T, T1, T2, T3, T4)  # 13-15 April are holidays: 04-16 is T+3


def _traded_on_t(store: LedgerStore, until: dt.date) -> None:
    """Trade 1 on T (A-NET buys 2 from B-NET at 1,000.0), then each business day before
    `until` cleared without trades."""
    clear(store, T, (trade("1", T, "S50M21", 2, "1000.0", "A-NET", "B-NET"),),
          settlement_prices={"S50M21": "990.0"})
    for day in BUSINESS_DAYS[1:BUSINESS_DAYS.index(until)]:
        clear(store, day)


@pytest.mark.parametrize(("on", "approved", "refused"), [
    (T1, False, None),  # T+1: the member alone
    (T2, False, ErrorCode.APPROVAL_REQUIRED),  # T+2: TCH approves
    (T2, True, None),
    (T3, True, None),  # T+3 is Fri 16 April, after the holidays
    (T4, True, ErrorCode.CORRECTION_REFUSED),  # T+4: the trade is no longer open to change
])
def test_e17_an_amendment_is_the_members_alone_on_t1_approved_on_t2_and_t3_refused_after(
        on: dt.date, approved: bool, refused: ErrorCode | None) -> None:
    store, unchanged = Store(), Store()
    _traded_on_t(store, on)
    _traded_on_t(unchanged, on)
    day = clear(store, on, amendments=[{"trade_id": "1", "side": "buy", "account": "A-SAME",
                                        "approved": approved}])
    plain = clear(unchanged, on)
    [answer] = day.changes
    if refused is None:
        assert answer.accepted
        assert positions(store, on) == {("A-SAME", "S50M21"): (2, 0),
                                        ("B-NET", "S50M21"): (0, 2)}
    else:
        assert (answer.accepted, answer.code) == (False, refused.value)
        assert positions(store, on) == positions(unchanged, on)
        assert (day.rows, day.cash) == (plain.rows, plain.cash)


def test_an_amended_trade_moves_all_its_margin_to_the_new_account_at_the_execution_price(
) -> None:
    store = Store()
    first = clear(store, T, (trade("1", T, "S50M21", 2, "1000.0", "A-NET", "B-NET"),),
                  settlement_prices={"S50M21": "990.0"})
    second = clear(store, T1, settlement_prices={"S50M21": "980.0"},
                   amendments=[{"trade_id": "1", "side": "buy", "account": "A-SAME"}])
    # the old account gets back what the trade cost it; the new one pays the whole move
    assert account_cash(first)["A-NET"] + account_cash(second)["A-NET"] == 0
    assert account_cash(second)["A-SAME"] == 2 * (980 - 1000) * S50 * BAHT
    assert "A-NET" not in {a for a, _ in positions(store, T1)}


def test_a_give_up_without_an_agreement_is_refused_and_one_under_an_agreement_accepted() -> None:
    store = Store()
    clear(store, T, (trade("1", T, "S50M21", 2, "1000.0", "B-NET", "A-NET"),
                     trade("2", T, "S50M21", 1, "1000.0", "A-NET", "C-NET")),
          settlement_prices={"S50M21": "990.0"})
    day = clear(store, T1, give_ups=[
        {"trade_id": "1", "side": "buy", "to_account": "A-SAME"},  # B to A: no agreement
        {"trade_id": "2", "side": "buy", "to_account": "B-GROSS"}])  # A to B: on file
    assert _answers(day) == [("give_up", "1/buy", False, "AGREEMENT_REQUIRED"),
                             ("give_up", "2/buy", True, "")]
    held = positions(store, T1)
    assert held["B-NET", "S50M21"] == (2, 0)
    assert held["B-GROSS", "S50M21"] == (1, 0)
    assert held["A-NET", "S50M21"] == (0, 2)


# ---- transfers at the settlement price -------------------------------------------------------

def _carried_into_t1(store: LedgerStore) -> None:
    clear(store, T, (trade("1", T, "S50M21", 2, "1000.0", "A-NET", "B-NET"),),
          settlement_prices={"S50M21": "990.0"})


def test_a_transfer_at_the_settlement_price_moves_no_margin_and_the_old_account_keeps_the_days(
) -> None:
    store = Store()
    _carried_into_t1(store)
    day = clear(store, T1, settlement_prices={"S50M21": "980.0"}, transfers=[
        {"series": "S50M21", "from_account": "A-NET", "to_account": "A-SAME", "long": 2,
         "approved": True, "same_beneficiary": True}])
    assert _answers(day) == [("transfer", "S50M21/A-NET->A-SAME", True, "")]
    old, new = row(day, "A-NET", "S50M21"), row(day, "A-SAME", "S50M21")
    assert (old.vm_carry, old.vm_new, old.sold, old.long) == (2 * -10 * S50 * BAHT, 0, 2, 0)
    assert (new.vm_carry, new.vm_new, new.bought, new.long) == (0, 0, 2, 2)
    assert positions(store, T1) == {("A-SAME", "S50M21"): (2, 0), ("B-NET", "S50M21"): (0, 2)}
    after = clear(store, T2, settlement_prices={"S50M21": "985.0"})
    assert row(after, "A-SAME", "S50M21").vm_carry == 2 * 5 * S50 * BAHT  # from 980.0
    assert "A-NET" not in {r.account for r in after.rows}


def test_a_transfer_without_approval_or_to_another_beneficiary_is_refused() -> None:
    store = Store()
    _carried_into_t1(store)
    move = {"series": "S50M21", "from_account": "A-NET", "long": 2}
    day = clear(store, T1, transfers=[
        {**move, "to_account": "A-SAME", "same_beneficiary": True},
        {**move, "to_account": "A-GROSS", "approved": True, "same_beneficiary": True}])
    assert _answers(day) == [
        ("transfer", "S50M21/A-NET->A-SAME", False, "APPROVAL_REQUIRED"),
        # A-GROSS is another investor's, whatever the request says
        ("transfer", "S50M21/A-NET->A-GROSS", False, "BENEFICIARY_DIFFERS")]


def test_refused_requests_change_no_position_and_no_cash() -> None:
    asked, plain = Store(), Store()
    _carried_into_t1(asked)
    _carried_into_t1(plain)
    traded = (trade("5", T1, "S50M21", 1, "995.0", "C-NET", "B-NET"),)
    day = clear(asked, T1, traded, settlement_prices={"S50M21": "980.0"},
                amendments=[{"trade_id": "9", "side": "buy", "flag": "close"}],
                give_ups=[{"trade_id": "5", "side": "sell", "to_account": "A-NET"}],
                transfers=[{"series": "S50M21", "from_account": "A-NET",
                            "to_account": "A-SAME", "long": 3, "approved": True,
                            "same_beneficiary": True},
                           {"series": "S50M21", "from_account": "B-NET",
                            "to_account": "C-NET", "short": 1, "approved": True,
                            "same_beneficiary": True}],
                bulk_transfers=[{"from_account": "A-NET", "to_account": "A-SAME",
                                 "same_beneficiary": True}],
                match_outs=[{"account": "B-NET", "series": "S50M21", "qty": 1}])
    without = clear(plain, T1, traded, settlement_prices={"S50M21": "980.0"})
    assert [c.accepted for c in day.changes] == [False] * 6
    assert [c.code for c in day.changes] == [
        "CORRECTION_REFUSED", "AGREEMENT_REQUIRED", "INSUFFICIENT_POSITION",
        "BENEFICIARY_DIFFERS", "APPROVAL_REQUIRED", "CORRECTION_REFUSED"]
    assert positions(asked, T1) == positions(plain, T1)
    assert (day.rows, day.cash, day.prices) == (without.rows, without.cash, without.prices)
    assert banks(asked) == banks(plain)


# ---- final settlement at expiry --------------------------------------------------------------

SET50_VALUES = ["988.10", "988.40", "987.95", "988.20", "988.60", "987.70", "988.05", "988.30",
                "988.90", "987.50", "988.15", "988.25", "988.00", "988.35", "988.45"]
SET50_CLOSE = "988.20"
EXPIRY_OPENING = [
    {"account": "A-NET", "series": "S50M21", "long": 4},
    {"account": "B-NET", "series": "S50M21", "short": 4},
    {"account": "A-NET", "series": "S50M21C975", "long": 10},
    {"account": "B-GROSS", "series": "S50M21C975", "short": 10},
    {"account": "C-NET", "series": "S50M21P950", "long": 5},
    {"account": "B-GROSS", "series": "S50M21P950", "short": 5},
    {"account": "C-NET", "series": "S50U21", "long": 1},
    {"account": "A-SAME", "series": "S50U21", "short": 1}]
EXPIRY_PREVIOUS = {"S50M21": "990.0", "S50U21": "995.0", "S50M21C975": "16.0",
                   "S50M21P950": "1.5"}


def _trimmed_average(values: list[str], close: str) -> int:
    """4.1 [W-8]: the last 15 minutes and the close, 3 highest and 3 lowest dropped, averaged,
    in hundredths of a point."""
    pooled = sorted(Fraction(v) * 100 for v in [*values, close])[3:-3]
    return round_half_up(Fraction(sum(pooled), len(pooled)))


def _expiry(store: LedgerStore, **fields: Any) -> DerivativesDay:
    return clear(store, EXPIRY, (trade("31", EXPIRY, "S50M21", 2, "985.0", "B-NET", "A-SAME"),),
                 opening_positions=EXPIRY_OPENING,
                 previous_settlement_prices=EXPIRY_PREVIOUS,
                 settlement_prices={"S50U21": "991.0"}, **fields)


def test_at_expiry_futures_settle_at_the_trimmed_average_and_an_in_the_money_call_pays(
) -> None:
    store = Store()
    day = _expiry(store, final_settlement={"SET50": {"values": SET50_VALUES,
                                                     "close": SET50_CLOSE}})
    final = _trimmed_average(SET50_VALUES, SET50_CLOSE)
    assert final == 98_820
    assert {p.series: (p.price, p.basis) for p in day.prices} == {
        "S50M21": (final, "final"), "S50M21C975": (final - 97_500, "final"),
        "S50M21P950": (0, "final"), "S50U21": (99_100, "given")}
    assert day.expired == ["S50M21", "S50M21C975", "S50M21P950"]
    # futures: the carried 4 and the day's trade marked to the final price, nothing more
    assert row(day, "A-NET", "S50M21").vm_carry == 4 * (final - 99_000) * S50
    assert row(day, "A-SAME", "S50M21").vm_new == -2 * (final - 98_500) * S50
    assert row(day, "A-NET", "S50M21").final == 0
    # the 975 call in the money pays (S - K) x 200 x net; the 950 put expires worthless
    assert row(day, "A-NET", "S50M21C975").final == (final - 97_500) * S50 * 10
    assert row(day, "B-GROSS", "S50M21C975").final == -(final - 97_500) * S50 * 10
    assert row(day, "A-NET", "S50M21C975").final == 26_400 * BAHT
    assert not [r for r in day.rows if r.series == "S50M21P950" and cash_of(r)]
    # the expired series are gone; September carries on
    assert positions(store, EXPIRY) == {("C-NET", "S50U21"): (1, 0),
                                        ("A-SAME", "S50U21"): (0, 1)}
    assert sum(member_cash(day).values()) == 0
    after = clear(store, dt.date(2021, 6, 30))
    assert {r.series for r in after.rows} == {"S50U21"}
    assert prices(store, dt.date(2021, 6, 30)) == {"S50U21": 99_100}


def test_an_expiry_day_without_its_final_settlement_inputs_is_refused_storing_nothing() -> None:
    store = Store()
    with _refused(ErrorCode.INSTRUCTIONS_FILE):
        _expiry(store)
    with _refused(ErrorCode.INSTRUCTIONS_FILE):  # 5 values and the close: none left to average
        _expiry(store, final_settlement={"SET50": {"values": SET50_VALUES[:5],
                                                   "close": SET50_CLOSE}})
    assert store.writes == 0
    assert store.transactions() == []


def test_a_held_series_without_a_previous_settlement_price_is_refused_storing_nothing() -> None:
    store = Store()
    with _refused(ErrorCode.INSTRUCTIONS_FILE):
        clear(store, T, opening_positions=[{"account": "A-NET", "series": "S50M21", "long": 1},
                                           {"account": "B-NET", "series": "S50M21",
                                            "short": 1}])
    assert store.writes == 0


# ---- the night session -----------------------------------------------------------------------

def test_the_night_session_before_a_business_day_is_cleared_with_that_day() -> None:
    store = Store()
    first = clear(store, T, (trade("1", T, "S50M21", 1, "1000.0", "A-NET", "B-NET"),),
                  settlement_prices={"S50M21": "990.0"})
    night = (trade("21", T1, "GFM21", 2, "26500", "A-NET", "C-NET", session="night",
                   time="19:30:00"),  # Thursday evening
             trade("22", T1, "GFM21", 1, "26580", "C-NET", "A-NET", session="night",
                   time="01:15:00", buy_flag="close", sell_flag="close"))  # past midnight
    day = clear(store, T1, night, intraday_prices={"GFM21": "26560"})
    assert first.trades == 1 and day.trades == 2
    assert "GFM21" not in {r.series for r in first.rows}
    # the trade past midnight is the night's last, though its clock time is the earlier
    assert prices(store, T1)["GFM21"] == 2_658_000
    buyer = row(day, "A-NET", "GFM21")
    assert (buyer.long, buyer.bought, buyer.sold) == (1, 2, 1)
    assert buyer.vm_new == 2 * (26_580 - 26_500) * GF * BAHT
    # both come before the 09:45 intraday calculation, so the 12:00 round marks them
    intraday = DERIVATIVES_INTRADAY.get(store, T1)
    assert intraday is not None
    assert intraday.accounts["A-NET"] == (2 * (26_560 - 26_500) - (26_560 - 26_580)) * GF * BAHT
    assert positions(store, T1)["A-NET", "GFM21"] == (1, 0)


# ---- refusals that store nothing -------------------------------------------------------------

def test_an_unknown_or_expired_series_in_a_trade_file_refuses_the_file_naming_the_line(
        tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.json"
    accounts.write_text((EXAMPLES / "accounts.json").read_text())
    header = (EXAMPLES / "normal-day-trades.csv").read_text().splitlines()[0]
    store = tmp_path / "derivatives.db"
    for day, series, why in ((T, "S50Z29", "is not listed on 2021-04-08"),
                             (dt.date(2021, 6, 30), "S50M21", "expired on 2021-06-29")):
        file = tmp_path / f"{series}.csv"
        file.write_text(f"{header}\n1,{day},day,10:00:00,{series},1,990.0,A-01,open,B-01,open\n")
        with pytest.raises(SiamexError) as refused:
            clear_derivative_files(DerivativesFiles(accounts, file), store)
        assert refused.value.code is ErrorCode.TRADE_FILE
        assert "line 2" in refused.value.message and why in refused.value.message
    assert not store.exists()  # refused before the store was opened


@pytest.mark.parametrize(("day", "series", "code"), [
    (T, "S50Z29", ErrorCode.UNKNOWN_SERIES),
    (dt.date(2021, 6, 30), "S50M21", ErrorCode.SERIES_EXPIRED)])
def test_a_trade_in_a_series_not_listed_on_the_day_refuses_the_run_storing_nothing(
        day: dt.date, series: str, code: ErrorCode) -> None:
    unchecked = trades_from_csv(
        "\n".join(["trade_id,date,session,time,series,qty,price,buy_account,buy_flag,"
                   "sell_account,sell_flag",
                   trade("1", day, series, 1, "990.0", "A-NET", "B-NET")]),
        BOOK, lambda *_: None)
    store = Store()
    with _refused(code):
        clear_derivatives(DerivativesInputs(BOOK, unchecked), store, day)
    assert store.writes == 0


# ---- a day run again, and the order of days --------------------------------------------------

def test_a_day_already_cleared_is_reported_as_it_first_ran_and_posts_nothing_more() -> None:
    store = Store()
    rows = (trade("1", T, "S50M21", 4, "1000.0", "A-NET", "B-NET"),)
    first = clear(store, T, rows, settlement_prices={"S50M21": "985.0"},
                  intraday_prices={"S50M21": "995.0"})
    writes, ledger = store.writes, store.transactions()
    # the intraday calculation, the 12:00 round, the end-of-day run, then the day
    assert writes == 4
    again = clear(store, T, rows, settlement_prices={"S50M21": "985.0"},
                  intraday_prices={"S50M21": "995.0"})
    other = clear(store, T, rows, settlement_prices={"S50M21": "900.0"})
    assert again == other == first == DERIVATIVES_DAY.get(store, T)
    assert (store.writes, store.transactions()) == (writes, ledger)


def test_a_date_before_the_stores_last_is_refused_clearing_state() -> None:
    store = Store()
    clear(store, T1, (trade("1", T1, "S50M21", 4, "1000.0", "A-NET", "B-NET"),),
          settlement_prices={"S50M21": "985.0"})
    writes = store.writes
    with _refused(ErrorCode.CLEARING_STATE):
        clear(store, T, (trade("1", T, "S50M21", 1, "1000.0", "A-NET", "B-NET"),))
    assert store.writes == writes
    assert DERIVATIVES_DAYS.get(store) == [T1]


def test_a_run_refuses_trades_of_another_date_and_a_day_tfex_does_not_clear() -> None:
    store = Store()
    with _refused(ErrorCode.TRADE_FILE):
        clear_derivatives(inputs((trade("1", T, "S50M21", 1, "1000.0", "A-NET", "B-NET"),)),
                          store, T1)
    with _refused(ErrorCode.NOT_TRADING_DAY):
        clear(store, dt.date(2021, 4, 13))  # Songkran
    assert store.writes == 0


# ---- the ledger each day leaves, in each store -----------------------------------------------

def _example_days(target: str) -> list[DerivativesDay]:
    """The three example days on one store, the ledger checked against each report."""
    reports = []
    for trades_file, instructions_file in EXAMPLE_DAYS:
        with open_store(target) as store:
            before = banks(store)
        day = clear_derivative_files(DerivativesFiles(
            EXAMPLES / "accounts.json", EXAMPLES / trades_file, EXAMPLES / instructions_file),
            target)
        with open_store(target) as store:
            _ledger_follows_the_report(store, before, day)
            intraday = DERIVATIVES_INTRADAY.get(store, day.date)
            reported = {c.member: c.intraday for c in day.cash if c.intraday}
            assert (intraday.members if intraday else {}) == reported
        reports.append(day)
    return reports


def _held(target: str, days: list[DerivativesDay]) -> list[Any]:
    with open_store(target) as store:
        return [(positions(store, d.date), prices(store, d.date)) for d in days] + [
            store.balances()]


def test_each_example_day_leaves_tch_flat_and_each_member_paid_its_reported_cash(
        tmp_path: Path) -> None:
    target = str(tmp_path / "derivatives.db")
    days = _example_days(target)
    assert [d.date for d in days] == [T, T1, T2]
    assert any(c.intraday for c in days[0].cash)  # the first day has an intraday round
    for day in days:
        assert sum(member_cash(day).values()) == 0


def test_the_example_days_clear_alike_in_sqlite_and_postgresql(tmp_path: Path,
                                                               postgres_url: str) -> None:
    sqlite = str(tmp_path / "derivatives.db")
    days = _example_days(sqlite)
    assert _example_days(postgres_url) == days
    assert _held(postgres_url, days) == _held(sqlite, days)


def test_a_ledger_day_by_day_follows_the_reports_in_memory() -> None:
    store = Store()
    before = banks(store)
    day = _e18(store)
    _ledger_follows_the_report(store, before, day)
    before = banks(store)
    day = clear(store, T1, (trade("9", T1, "S50U21", 3, "1001.0", "B-GROSS", "C-NET"),),
                settlement_prices={"S50M21": "1004.0", "S50U21": "1000.0"},
                previous_settlement_prices={"S50U21": "1000.0"},
                intraday_prices={"S50M21": "1002.0"})
    _ledger_follows_the_report(store, before, day)
    assert any(c.intraday for c in day.cash)


def test_a_business_day_skipped_is_refused_until_it_is_cleared() -> None:
    store = Store()
    clear(store, T, (trade("1", T, "S50M21", 4, "1000.0", "A-NET", "B-NET"),),
          settlement_prices={"S50M21": "985.0"})
    writes = store.writes
    with _refused(ErrorCode.CLEARING_STATE):
        clear(store, T2, settlement_prices={"S50M21": "960.0"})
    assert store.writes == writes
    clear(store, T1, settlement_prices={"S50M21": "970.0"})
    assert clear(store, T2, settlement_prices={"S50M21": "960.0"}).date == T2


def test_opening_positions_whose_longs_and_shorts_differ_are_refused() -> None:
    store = Store()
    with _refused(ErrorCode.INSTRUCTIONS_FILE):
        clear(store, T, opening_positions=[{"account": "A-NET", "series": "S50M21", "long": 5}],
              previous_settlement_prices={"S50M21": "1000.0"})
    assert store.writes == 0


def test_a_futures_trade_outside_the_days_limits_refuses_the_run() -> None:
    store = Store()
    rows = (trade("1", T, "S50M21", 1, "1301.0", "A-NET", "B-NET"),)  # ceiling 1300.0 (30%)
    with _refused(ErrorCode.TRADE_FILE):
        clear(store, T, rows, previous_settlement_prices={"S50M21": "1000.0"})
    assert store.writes == 0
    on_the_ceiling = (trade("1", T, "S50M21", 1, "1300.0", "A-NET", "B-NET"),)
    assert clear(store, T, on_the_ceiling,
                 previous_settlement_prices={"S50M21": "1000.0"}).trades == 1


def test_a_rerun_after_the_intraday_round_settles_exactly_the_rest_of_the_day() -> None:
    crashing = CrashingStore(2)  # dies at the end-of-day run, the round committed
    rows = (trade("1", T, "S50M21", 4, "1000.0", "A-NET", "B-NET", time="09:30:00"),)
    with pytest.raises(Crash):
        clear(crashing, T, rows, settlement_prices={"S50M21": "985.0"},
              intraday_prices={"S50M21": "995.0"})
    crashing.writes = -1
    # the rerun names other intraday prices: the round posted at 12:00 stands
    day = clear(crashing, T, rows, settlement_prices={"S50M21": "985.0"},
                intraday_prices={"S50M21": "990.0"})
    assert {c.member: (c.intraday, c.eod) for c in day.cash} == {
        "A": (-4 * 5 * S50 * BAHT, -4 * 10 * S50 * BAHT),
        "B": (4 * 5 * S50 * BAHT, 4 * 10 * S50 * BAHT)}
    assert banks(crashing) == {"A": -12_000 * BAHT, "B": 12_000 * BAHT, "C": 0}
    assert settlement_account(crashing) == 0


def test_a_position_closed_today_cannot_also_be_transferred() -> None:
    store = Store()
    clear(store, T, (trade("1", T, "S50M21", 2, "1000.0", "A-NET", "C-NET"),),
          previous_settlement_prices={"S50M21": "1001.0"})
    day = clear(store, T1, (trade("2", T1, "S50M21", 2, "990.0", "C-NET", "A-NET",
                                  buy_flag="close", sell_flag="close"),),
                transfers=[{"series": "S50M21", "from_account": "A-NET", "to_account": "A-SAME",
                            "long": 2, "approved": True, "same_beneficiary": True}])
    assert [(c.accepted, c.code) for c in day.changes] == [(False, "INSUFFICIENT_POSITION")]
    assert positions(store, T1) == {}


def test_a_trade_in_a_series_nobody_holds_or_trades_today_can_still_be_amended() -> None:
    store = Store()
    clear(store, T, (trade("1", T, "S50M21", 1, "1000.0", "A-NET", "B-NET"),),
          previous_settlement_prices={"S50M21": "1001.0"})
    clear(store, T1, (trade("2", T1, "S50M21", 1, "990.0", "B-NET", "A-NET",
                            buy_flag="close", sell_flag="close"),))
    day = clear(store, T2, amendments=[{"trade_id": "2", "side": "sell", "account": "A-SAME"}])
    assert [(c.kind, c.accepted) for c in day.changes] == [("amend", True)]
    assert sum(r.bought - r.sold for r in day.rows if r.series == "S50M21") == 0


def test_a_change_to_a_booking_whose_account_left_the_file_is_refused_alone() -> None:
    store = Store()
    clear(store, T, (trade("1", T, "S50M21", 1, "1000.0", "A-NET", "B-NET"),),
          previous_settlement_prices={"S50M21": "1001.0"})
    clear(store, T1, (trade("2", T1, "S50M21", 1, "990.0", "B-NET", "A-NET",
                            buy_flag="close", sell_flag="close"),))
    without = account_book(json.dumps({**BOOK_JSON, "accounts": [
        a for a in BOOK_JSON["accounts"] if a["account"] != "A-NET"]}))
    day = clear(store, T2, book=without,
                amendments=[{"trade_id": "2", "side": "sell", "account": "A-SAME"}])
    assert [(c.accepted, c.code) for c in day.changes] == [(False, "CORRECTION_REFUSED")]


def test_a_day_too_large_to_mark_in_64_bits_is_refused_with_a_code() -> None:
    store = Store()
    rows = tuple(trade(str(i), T, "S50M21", 1_000_000, "999999.0", "A-NET", "B-NET")
                 for i in range(120))
    with _refused(ErrorCode.TRADE_FILE):
        clear(store, T, rows, previous_settlement_prices={"S50M21": "999999.0"})
    assert store.writes == 0


def test_the_last_business_day_of_the_calendar_is_refused_not_trading_day() -> None:
    with _refused(ErrorCode.NOT_TRADING_DAY):
        clear(Store(), dt.date(2035, 12, 28))


def test_previous_prices_for_a_series_the_store_prices_are_refused() -> None:
    store = Store()
    clear(store, T, (trade("1", T, "S50M21", 1, "1000.0", "A-NET", "B-NET"),),
          previous_settlement_prices={"S50M21": "1001.0"})
    with _refused(ErrorCode.INSTRUCTIONS_FILE):
        clear(store, T1, previous_settlement_prices={"S50M21": "900.0"})


def test_the_report_says_when_each_round_settles_from_the_parameters() -> None:
    rules = ClearingRules({"derivatives_eod_settlement": "10:00"})
    base = inputs((trade("1", T, "S50M21", 1, "1000.0", "A-NET", "B-NET"),),
                  previous_settlement_prices={"S50M21": "1001.0"})
    day = clear_derivatives(DerivativesInputs(base.accounts, base.trades, base.instructions,
                                   rules=rules), Store(), T)
    assert (day.intraday_time, day.eod_time) == (12 * 3_600_000_000, 10 * 3_600_000_000)


def test_the_report_lists_each_trade_side_as_booked_at_its_day_s_end() -> None:
    store = Store()
    rows = (trade("1", T, "S50M21", 2, "1000.0", "A-NET", "B-NET"),)
    day = clear(store, T, rows, previous_settlement_prices={"S50M21": "1001.0"},
                amendments=[{"trade_id": "1", "side": "buy", "account": "A-SAME"}])
    assert [(b.trade_id, b.side, b.account, b.qty) for b in day.booked] == [
        ("1", "buy", "A-SAME", 2), ("1", "sell", "B-NET", 2)]
    clear(store, T1, amendments=[{"trade_id": "1", "side": "buy", "account": "A-NET"}])
    assert clear(store, T, rows).booked == day.booked  # the day as it first ran
