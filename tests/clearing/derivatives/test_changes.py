"""Post-trade changes (clearing-spec.md 4.3): the windows of E17 over the April 2021 holidays,
each refusal, rebooking that makes variation margin exact, and contracts conserved."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.changes import (
    Amendment,
    BookedFill,
    BulkTransfer,
    ChangeKind,
    GiveUp,
    Holding,
    Transfer,
    Window,
    amendment_window,
    apply_amendment,
    apply_give_up,
    bulk_transfer_fills,
    transfer_fills,
    transfer_window,
)
from siamex.clearing.derivatives.fills import BUY, SELL, Fill, Flag
from siamex.errors import ErrorCode, SiamexError

T = dt.date(2021, 4, 8)  # Thursday; 13-15 April 2021 are holidays (E17)
EXPIRY = dt.date(2021, 6, 29)
S50_MULTIPLIER = 200  # THB per index point: a price in hundredths of a point times it is satang
AGREEMENTS = frozenset({("A", "B")})


def _booked(side: int = BUY, qty: int = 2, price: int = 100_000, flag: Flag = Flag.OPEN,
            account: str = "A-01") -> BookedFill:
    return BookedFill("t1", T, "A", account, "local_individual", "S50M21", side, qty, price,
                      flag)


def _refused(code: ErrorCode) -> pytest.RaisesExc[SiamexError]:
    return pytest.raises(SiamexError, check=lambda e: e.code is code)


def _vm_new(fills: Iterable[Fill], settlement: int) -> dict[str, int]:
    """4.4: VM_new = side * qty * (F - Px) * M, per account, in satang."""
    vm: dict[str, int] = defaultdict(int)
    for f in fills:
        vm[f.account] += f.side * f.qty * (settlement - f.price) * S50_MULTIPLIER
    return dict(vm)


def _signed_by_series(fills: Iterable[Fill]) -> dict[str, int]:
    signed: dict[str, int] = defaultdict(int)
    for f in fills:
        signed[f.series] += f.side * f.qty
    return signed


def _book(positions: dict[tuple[str, str], list[int]], fills: Iterable[Fill]) -> None:
    """Apply fills to (account, series) -> [long, short] as their flags say (4.2)."""
    for f in fills:
        long_short = positions.setdefault((f.account, f.series), [0, 0])
        opens = f.flag is Flag.OPEN
        if f.side == BUY:
            long_short[0 if opens else 1] += f.qty if opens else -f.qty
        else:
            long_short[1 if opens else 0] += f.qty if opens else -f.qty


# --- windows (E17) -------------------------------------------------------------------------

@pytest.mark.parametrize(("on", "window"), [
    (dt.date(2021, 4, 8), Window.SELF),
    (dt.date(2021, 4, 9), Window.SELF),
    (dt.date(2021, 4, 12), Window.APPROVAL),
    (dt.date(2021, 4, 16), Window.APPROVAL),  # T+3: 13-15 April are holidays
])
def test_e17_the_member_alone_on_t_and_t1_then_tch_approves_until_t3(on: dt.date,
                                                                     window: Window) -> None:
    assert amendment_window(T, on) is window


@pytest.mark.parametrize("on", [dt.date(2021, 4, 19), dt.date(2021, 4, 7)])
def test_e17_no_change_after_t3_or_before_the_trade(on: dt.date) -> None:
    with _refused(ErrorCode.CHANGE_WINDOW):
        amendment_window(T, on)


def test_no_change_is_dated_on_a_holiday() -> None:
    with _refused(ErrorCode.NOT_TRADING_DAY):
        amendment_window(T, dt.date(2021, 4, 13))


def test_a_transfer_may_be_made_up_to_the_last_trading_day_and_not_after() -> None:
    transfer_window(dt.date(2021, 4, 9), EXPIRY)
    transfer_window(EXPIRY, EXPIRY)
    with _refused(ErrorCode.SERIES_EXPIRED):
        transfer_window(dt.date(2021, 6, 30), EXPIRY)


def test_every_request_names_its_kind() -> None:
    assert [Amendment.kind, GiveUp.kind, Transfer.kind, BulkTransfer.kind] == list(ChangeKind)


# --- amendments ----------------------------------------------------------------------------

def test_an_account_amendment_reverses_the_old_booking_and_books_the_new_at_execution() -> None:
    amended, fills = apply_amendment(_booked(), Amendment("t1", BUY, account="A-02"), T)
    assert amended == _booked(account="A-02")
    assert fills == [Fill("A-01", "S50M21", SELL, 2, 100_000, Flag.CLOSE),
                     Fill("A-02", "S50M21", BUY, 2, 100_000, Flag.OPEN)]


def test_a_flag_amendment_rebooks_within_the_account() -> None:
    amended, fills = apply_amendment(_booked(), Amendment("t1", BUY, flag=Flag.CLOSE),
                                     dt.date(2021, 4, 9))
    assert amended.flag is Flag.CLOSE
    assert fills == [Fill("A-01", "S50M21", SELL, 2, 100_000, Flag.CLOSE),
                     Fill("A-01", "S50M21", BUY, 2, 100_000, Flag.CLOSE)]


def test_an_investor_type_amendment_books_no_fills() -> None:
    amended, fills = apply_amendment(_booked(), Amendment("t1", BUY, investor_type="foreign"), T)
    assert amended.investor_type == "foreign"
    assert fills == []


def test_an_amendment_on_t2_needs_tch_approval() -> None:
    request = Amendment("t1", BUY, account="A-02")
    with _refused(ErrorCode.APPROVAL_REQUIRED):
        apply_amendment(_booked(), request, dt.date(2021, 4, 12))
    approved = Amendment("t1", BUY, account="A-02", approved=True)
    assert apply_amendment(_booked(), approved, dt.date(2021, 4, 12))[0].account == "A-02"


def test_an_amendment_on_t4_is_refused_even_approved() -> None:
    with _refused(ErrorCode.CHANGE_WINDOW):
        apply_amendment(_booked(), Amendment("t1", BUY, account="A-02", approved=True),
                        dt.date(2021, 4, 19))


def test_an_amendment_must_name_the_booked_side_and_change_something() -> None:
    with _refused(ErrorCode.CORRECTION_REFUSED):
        apply_amendment(_booked(), Amendment("t1", SELL, account="A-02"), T)
    with _refused(ErrorCode.CORRECTION_REFUSED):
        apply_amendment(_booked(), Amendment("t1", BUY), T)


def test_rebooking_at_execution_makes_variation_margin_exact() -> None:
    """Buy 2 S50 @ 1,000.00 on T into A-01, given up to B on T+2 at the execution price.

    Settlement prices: T 985.00, T+1 990.00, T+2 1,010.00 (hundredths of a point; x200 satang).
    A-01: T   VM_new   = 2 * (98,500 - 100,000) * 200 = -600,000
          T+1 VM_carry = 2 * (99,000 -  98,500) * 200 = +200,000
          T+2 VM_carry = 2 * (101,000 - 99,000) * 200 = +800,000
          T+2 VM_new of the reversal = -2 * (101,000 - 100,000) * 200 = -400,000
          in all: 0, as if A-01 had never had the trade.
    B-07: T+2 VM_new of the booking = +2 * (101,000 - 100,000) * 200 = +400,000: the whole
          move from the execution price, 4,000 THB.
    """
    trade = _booked()
    on = dt.date(2021, 4, 12)
    request = GiveUp("t1", BUY, "B", "B-07", approved=True, agreement_copy=True,
                     same_beneficiary=True)
    given_up, fills = apply_give_up(trade, request, on, AGREEMENTS)
    assert (given_up.member, given_up.account) == ("B", "B-07")

    a_on_t = _vm_new([trade.fill], 98_500)["A-01"]
    a_carry = 2 * (99_000 - 98_500) * S50_MULTIPLIER + 2 * (101_000 - 99_000) * S50_MULTIPLIER
    on_the_day = _vm_new(fills, 101_000)
    assert (a_on_t, a_carry, on_the_day["A-01"]) == (-600_000, 1_000_000, -400_000)
    assert a_on_t + a_carry + on_the_day["A-01"] == 0
    assert on_the_day["B-07"] == 400_000


# --- give-ups ------------------------------------------------------------------------------

def test_a_give_up_needs_an_agreement_between_the_members() -> None:
    with _refused(ErrorCode.AGREEMENT_REQUIRED):
        apply_give_up(_booked(), GiveUp("t1", BUY, "C", "C-01"), T, AGREEMENTS)


def test_a_give_up_on_t1_needs_only_the_agreement() -> None:
    given_up, fills = apply_give_up(_booked(), GiveUp("t1", BUY, "B", "B-07"),
                                    dt.date(2021, 4, 9), AGREEMENTS)
    assert given_up.account == "B-07"
    assert fills[1] == Fill("B-07", "S50M21", BUY, 2, 100_000, Flag.OPEN)


@pytest.mark.parametrize(("approved", "copy", "same", "code"), [
    (False, True, True, ErrorCode.APPROVAL_REQUIRED),
    (True, False, True, ErrorCode.AGREEMENT_REQUIRED),
    (True, True, False, ErrorCode.BENEFICIARY_DIFFERS),
])
def test_a_give_up_on_t2_also_needs_approval_the_copy_and_the_same_beneficiary(
        approved: bool, copy: bool, same: bool, code: ErrorCode) -> None:
    with _refused(code):
        apply_give_up(_booked(), GiveUp("t1", BUY, "B", "B-07", approved, copy, same),
                      dt.date(2021, 4, 12), AGREEMENTS)


def test_a_give_up_moves_to_another_member() -> None:
    with _refused(ErrorCode.CORRECTION_REFUSED):
        apply_give_up(_booked(), GiveUp("t1", BUY, "A", "A-02"), T, {("A", "A")})


# --- position transfers --------------------------------------------------------------------

def _transfer(long: int = 3, short: int = 0, *, to_member: str = "A", approved: bool = True,
              same_beneficiary: bool = True) -> Transfer:
    return Transfer("S50M21", "A", "A-01", to_member, "A-02", long, short, approved,
                    same_beneficiary)


def test_e17_a_position_opened_on_t_transfers_on_t1_at_the_settlement_price() -> None:
    """Long 3 carried into T+1 from T's 985.00; T+1 settles at 990.00 and the transfer is made
    at it: A-01 keeps its VM_carry 3 * (99,000 - 98,500) * 200 = 300,000, and the closing and
    opening fills, booked at the price they are marked to, move 0."""
    fills = transfer_fills(Holding(3, 0), _transfer(), 99_000, dt.date(2021, 4, 9), EXPIRY)
    assert fills == [Fill("A-01", "S50M21", SELL, 3, 99_000, Flag.CLOSE),
                     Fill("A-02", "S50M21", BUY, 3, 99_000, Flag.OPEN)]
    assert _vm_new(fills, 99_000) == {"A-01": 0, "A-02": 0}


def test_a_position_carried_into_t_has_nothing_of_today_to_transfer() -> None:
    with _refused(ErrorCode.INSUFFICIENT_POSITION):
        transfer_fills(Holding(0, 0), _transfer(), 98_500, T, EXPIRY)


def test_a_gross_position_transfers_both_sides_as_held() -> None:
    fills = transfer_fills(Holding(8, 4), _transfer(8, 4, to_member="B"), 99_000,
                           dt.date(2021, 4, 9), EXPIRY)
    positions: dict[tuple[str, str], list[int]] = {("A-01", "S50M21"): [8, 4]}
    _book(positions, fills)
    assert positions == {("A-01", "S50M21"): [0, 0], ("A-02", "S50M21"): [8, 4]}


def test_a_transfer_from_a_net_position_moves_part_of_its_one_side() -> None:
    fills = transfer_fills(Holding(0, 5), _transfer(0, 2), 99_000, dt.date(2021, 4, 9), EXPIRY)
    assert fills == [Fill("A-01", "S50M21", BUY, 2, 99_000, Flag.CLOSE),
                     Fill("A-02", "S50M21", SELL, 2, 99_000, Flag.OPEN)]


@pytest.mark.parametrize(("request_", "on", "code"), [
    (_transfer(approved=False), dt.date(2021, 4, 9), ErrorCode.APPROVAL_REQUIRED),
    (_transfer(same_beneficiary=False), dt.date(2021, 4, 9), ErrorCode.BENEFICIARY_DIFFERS),
    (_transfer(4), dt.date(2021, 4, 9), ErrorCode.INSUFFICIENT_POSITION),
    (_transfer(0, 1), dt.date(2021, 4, 9), ErrorCode.INSUFFICIENT_POSITION),
    (_transfer(0, 0), dt.date(2021, 4, 9), ErrorCode.CORRECTION_REFUSED),
    (_transfer(), dt.date(2021, 6, 30), ErrorCode.SERIES_EXPIRED),
    (_transfer(), dt.date(2021, 4, 14), ErrorCode.NOT_TRADING_DAY),
])
def test_a_transfer_is_refused(request_: Transfer, on: dt.date, code: ErrorCode) -> None:
    with _refused(code):
        transfer_fills(Holding(3, 0), request_, 99_000, on, EXPIRY)


def test_a_transfer_goes_to_another_account() -> None:
    back = Transfer("S50M21", "A", "A-01", "A", "A-01", 1, 0, True, True)
    with _refused(ErrorCode.CORRECTION_REFUSED):
        transfer_fills(Holding(3, 0), back, 99_000, dt.date(2021, 4, 9), EXPIRY)


def test_a_bulk_transfer_moves_every_position_at_each_settlement_price() -> None:
    positions = {"S50M21": Holding(3, 0), "USDM21": Holding(0, 2), "GFM21": Holding(0, 0)}
    fills = bulk_transfer_fills(positions, BulkTransfer("A", "A-01", "A", "A-02", True, True),
                                {"S50M21": 99_000, "USDM21": 3_125}, dt.date(2021, 4, 9),
                                {"S50M21": EXPIRY, "USDM21": EXPIRY})
    assert fills == [Fill("A-01", "S50M21", SELL, 3, 99_000, Flag.CLOSE),
                     Fill("A-02", "S50M21", BUY, 3, 99_000, Flag.OPEN),
                     Fill("A-01", "USDM21", BUY, 2, 3_125, Flag.CLOSE),
                     Fill("A-02", "USDM21", SELL, 2, 3_125, Flag.OPEN)]


@pytest.mark.parametrize(("request_", "code"), [
    (BulkTransfer("A", "A-01", "B", "B-07", True, True), ErrorCode.CORRECTION_REFUSED),
    (BulkTransfer("A", "A-01", "A", "A-02", False, True), ErrorCode.APPROVAL_REQUIRED),
    (BulkTransfer("A", "A-01", "A", "A-02", True, False), ErrorCode.BENEFICIARY_DIFFERS),
])
def test_a_bulk_transfer_is_refused_across_members_or_without_consent(
        request_: BulkTransfer, code: ErrorCode) -> None:
    with _refused(code):
        bulk_transfer_fills({"S50M21": Holding(3, 0)}, request_, {"S50M21": 99_000},
                            dt.date(2021, 4, 9), {"S50M21": EXPIRY})


def test_a_bulk_transfer_of_an_empty_account_is_refused() -> None:
    with _refused(ErrorCode.INSUFFICIENT_POSITION):
        bulk_transfer_fills({}, BulkTransfer("A", "A-01", "A", "A-02", True, True), {},
                            dt.date(2021, 4, 9), {})


# --- conservation (properties) -------------------------------------------------------------

_sides = st.sampled_from([BUY, SELL])
_flags = st.sampled_from(list(Flag))
_prices = st.integers(1, 10_000_000)
_days = st.sampled_from([dt.date(2021, 4, d) for d in (8, 9, 12, 16)])


@settings(max_examples=200, deadline=None)
@given(_sides, st.integers(1, 1_000), _prices, _flags, _flags,
       st.sampled_from(["A-01", "A-02"]), _days)
def test_an_amendment_rebooks_no_net_contracts(side: int, qty: int, price: int, flag: Flag,
                                               new_flag: Flag, account: str,
                                               on: dt.date) -> None:
    request = Amendment("t1", side, account=account, flag=new_flag, approved=True)
    _, fills = apply_amendment(_booked(side, qty, price, flag), request, on)
    assert all(n == 0 for n in _signed_by_series(fills).values())


@settings(max_examples=200, deadline=None)
@given(_sides, st.integers(1, 1_000), _prices, _flags, _days)
def test_a_give_up_moves_the_trade_and_no_more(side: int, qty: int, price: int, flag: Flag,
                                               on: dt.date) -> None:
    trade = _booked(side, qty, price, flag)
    _, fills = apply_give_up(trade, GiveUp("t1", side, "B", "B-07", True, True, True), on,
                             AGREEMENTS)
    assert all(n == 0 for n in _signed_by_series(fills).values())
    positions = {("A-01", "S50M21"): [5_000, 5_000]}
    _book(positions, [trade.fill, *fills])
    traded_there: dict[tuple[str, str], list[int]] = {}
    _book(traded_there, [Fill("B-07", "S50M21", side, qty, price, flag)])
    assert positions[("A-01", "S50M21")] == [5_000, 5_000]
    assert positions[("B-07", "S50M21")] == traded_there[("B-07", "S50M21")]


_holdings = st.builds(Holding, st.integers(0, 50), st.integers(0, 50))


@settings(max_examples=200, deadline=None)
@given(_holdings, _holdings, st.data(), st.booleans())
def test_a_transfer_conserves_open_contracts(held: Holding, receiving: Holding,
                                             data: st.DataObject, other_member: bool) -> None:
    long = data.draw(st.integers(0, held.long))
    short = data.draw(st.integers(0, held.short))
    assume(long + short > 0)
    request = _transfer(long, short, to_member="B" if other_member else "A")
    fills = transfer_fills(held, request, 99_000, dt.date(2021, 4, 9), EXPIRY)
    positions = {("A-01", "S50M21"): list(held), ("A-02", "S50M21"): list(receiving)}
    _book(positions, fills)
    assert all(n == 0 for n in _signed_by_series(fills).values())
    assert positions[("A-01", "S50M21")] == [held.long - long, held.short - short]
    totals = [sum(p[i] for p in positions.values()) for i in (0, 1)]
    assert totals == [held.long + receiving.long, held.short + receiving.short]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["S50M21", "S50U21", "USDM21", "GFM21"]), _holdings,
                       min_size=1))
def test_a_bulk_transfer_empties_the_account_into_the_other(
        positions: dict[str, Holding]) -> None:
    assume(any(h.long or h.short for h in positions.values()))
    fills = bulk_transfer_fills(positions, BulkTransfer("A", "A-01", "A", "A-02", True, True),
                                dict.fromkeys(positions, 50_000), dt.date(2021, 4, 9),
                                dict.fromkeys(positions, EXPIRY))
    book = {("A-01", s): list(h) for s, h in positions.items()}
    _book(book, fills)
    assert all(n == 0 for n in _signed_by_series(fills).values())
    for series, h in positions.items():
        assert book[("A-01", series)] == [0, 0]
        if h.long or h.short:
            assert book[("A-02", series)] == list(h)
