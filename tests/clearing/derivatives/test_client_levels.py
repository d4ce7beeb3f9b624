"""A client account's margin standing with its broker (4.6): E10 end to end, the levels'
boundaries, the call's deadline, the opening block, and (hypothesis) that calls are never
negative and a deposit never leaves a client worse off."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.client_levels import (
    NO_LEVELS,
    TRANSITIONS,
    Band,
    ClientMargin,
    ForceCloseReason,
    MarginLevels,
    Standing,
    client_levels,
    equity_balance,
)
from siamex.clearing.derivatives.fills import Flag
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.client_levels import (
    GENERAL,
    INSTITUTIONAL,
    LevelMultipliers,
    default_client_levels,
)
from siamex.rulebook.products import DEFAULT_PRODUCTS

TABLE = default_client_levels()
GENERAL_X = TABLE.for_type(GENERAL)
INSTITUTIONAL_X = TABLE.for_type(INSTITUTIONAL)
DEADLINES = TABLE.deadlines
S50 = DEFAULT_PRODUCTS["S50"]
RATE = 500_000  # the 2015 TCH rate of an S50 contract, 5,000 THB [W-16]
T = dt.date(2021, 4, 8)  # Thu; T+1 is Fri 04-09, T+2 Mon 04-12
T1 = dt.date(2021, 4, 9)
T2 = dt.date(2021, 4, 12)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm))


def unrealised(settlement: int, entry: int, contracts: int) -> int:
    """Long contracts' MTM in satang, prices in hundredths of an index point."""
    return (settlement - entry) * S50.multiplier * contracts


def called_account(levels: MarginLevels, balance: int) -> ClientMargin:
    """An account called at T's end-of-day mark."""
    account = ClientMargin("C1", DEADLINES).deposit(3_500_000, at(T, "09:00"))
    return account.mark(balance, levels, at(T, "19:00"))


def test_client_rates_per_contract_e10() -> None:
    assert client_levels(RATE, GENERAL_X) == MarginLevels(875_000, 615_000, 265_000)


def test_institutional_levels_have_no_force_close_level() -> None:
    assert client_levels(RATE, INSTITUTIONAL_X) == MarginLevels(675_000, 500_000, None)


def test_levels_round_up_to_the_satang() -> None:
    assert client_levels(1, GENERAL_X) == MarginLevels(2, 2, 1)
    assert client_levels(100, GENERAL_X) == MarginLevels(175, 123, 53)
    assert client_levels(0, GENERAL_X) == NO_LEVELS


def test_a_negative_requirement_is_refused() -> None:
    with pytest.raises(ValueError, match="never negative"):
        client_levels(-1, GENERAL_X)


def test_equity_balance_adds_cash_collateral_and_mtm() -> None:
    assert equity_balance(3_500_000, 250_000, -1_200_000) == 2_550_000


def test_e10_call_then_force_close_end_to_end() -> None:
    levels = client_levels(4 * RATE, GENERAL_X)
    assert levels == MarginLevels(3_500_000, 2_460_000, 1_060_000)
    account = ClientMargin("C1", DEADLINES).deposit(3_500_000, at(T, "09:30"))
    account.check_order(Flag.OPEN)  # buy 4 @ 1,000.0
    account = account.mark(3_500_000, levels, at(T, "10:00"))
    assert account.standing is Standing.OK

    vm = unrealised(98_500, 100_000, 4)
    assert vm == -1_200_000
    balance = equity_balance(3_500_000, 0, vm)
    assert balance == 2_300_000
    account = account.mark(balance, levels, at(T, "19:00"))
    assert account.standing is Standing.CALLED
    assert account.call is not None
    assert account.call.amount == 1_200_000  # to reach IM 35,000
    assert account.call.due_by == at(T1, "15:00")
    assert account.call.close_by == at(T2, "10:45")
    assert levels.band(balance) is Band.BELOW_MAINTENANCE  # EB > FM 10,600: no close-out

    vm_t1 = unrealised(96_000, 98_500, 4)
    assert vm_t1 == -2_000_000
    balance = equity_balance(3_500_000, 0, unrealised(96_000, 100_000, 4))
    assert balance == 300_000
    assert levels.band(balance) is Band.BELOW_FORCE_CLOSE
    # T+1's settlement comes after the 15:00 deadline: the call was not met first
    closed = account.mark(balance, levels, at(T1, "19:00"))
    assert closed.standing is Standing.FORCE_CLOSE
    assert closed.force_close is not None
    assert closed.force_close.reason is ForceCloseReason.CALL_NOT_MET
    assert closed.force_close.since == at(T1, "15:00")
    assert closed.force_close.close_by == at(T2, "10:45")
    # marked at 960.0 intraday, before the deadline, the balance alone closes it out at once
    intraday = account.mark(balance, levels, at(T1, "11:00"))
    assert intraday.standing is Standing.FORCE_CLOSE
    assert intraday.force_close is not None
    assert intraday.force_close.reason is ForceCloseReason.BELOW_FORCE_CLOSE_LEVEL
    assert intraday.force_close.close_by == at(T1, "11:00")


def test_balance_exactly_at_maintenance_is_not_called() -> None:
    levels = client_levels(4 * RATE, GENERAL_X)
    assert called_account(levels, 2_460_000).standing is Standing.OK
    assert called_account(levels, 2_459_999).standing is Standing.CALLED


def test_balance_exactly_at_force_close_is_not_closed_out() -> None:
    levels = client_levels(4 * RATE, GENERAL_X)
    assert called_account(levels, 1_060_000).standing is Standing.CALLED
    assert called_account(levels, 1_059_999).standing is Standing.FORCE_CLOSE


def test_the_deadline_is_met_at_exactly_its_time() -> None:
    levels = client_levels(4 * RATE, GENERAL_X)
    account = called_account(levels, 2_300_000)
    assert account.at_time(at(T1, "15:00")).standing is Standing.CALLED
    assert account.deposit(1_200_000, at(T1, "15:00")).standing is Standing.OK
    late = account.at_time(at(T1, "15:00") + dt.timedelta(microseconds=1))
    assert late.standing is Standing.FORCE_CLOSE
    assert late.force_close is not None
    assert late.force_close.reason is ForceCloseReason.CALL_NOT_MET


def test_institutional_client_is_never_closed_out_by_level() -> None:
    levels = client_levels(4 * RATE, INSTITUTIONAL_X)
    account = called_account(levels, -50_000_000)
    assert account.standing is Standing.CALLED
    assert account.at_time(at(T1, "15:00")).standing is Standing.CALLED
    # a call not met by the deadline still closes it out
    assert account.at_time(at(T1, "15:01")).standing is Standing.FORCE_CLOSE


def test_call_is_met_only_at_initial_margin() -> None:
    levels = client_levels(4 * RATE, GENERAL_X)
    account = called_account(levels, 2_300_000)
    short = account.deposit(1_199_999, at(T1, "10:00"))
    assert short.standing is Standing.CALLED
    assert short.outstanding == 1
    assert short.deposit(1, at(T1, "10:01")).standing is Standing.OK
    # a price recovery above MM but below IM leaves the call standing
    recovered = account.mark(3_000_000, levels, at(T1, "11:00"))
    assert recovered.standing is Standing.CALLED
    assert recovered.outstanding == 500_000
    assert account.mark(3_500_000, levels, at(T1, "11:00")).standing is Standing.OK


def test_a_later_mark_keeps_the_call_and_its_deadline() -> None:
    levels = client_levels(4 * RATE, GENERAL_X)
    account = called_account(levels, 2_300_000)
    later = account.mark(2_000_000, levels, at(T1, "11:00"))
    assert later.call == account.call
    assert later.outstanding == 1_500_000


def test_force_close_ends_when_the_balance_reaches_initial_margin() -> None:
    levels = client_levels(4 * RATE, GENERAL_X)
    closing = called_account(levels, 1_000_000)
    assert closing.standing is Standing.FORCE_CLOSE
    assert closing.deposit(2_000_000, at(T1, "09:00")).standing is Standing.FORCE_CLOSE
    # the broker closes the positions: nothing is required any more
    assert closing.mark(1_000_000, NO_LEVELS, at(T1, "10:00")).standing is Standing.OK


def test_a_called_account_may_close_but_not_open() -> None:
    account = called_account(client_levels(4 * RATE, GENERAL_X), 2_300_000)
    account.check_order(Flag.CLOSE)
    with pytest.raises(SiamexError) as refused:
        account.check_order(Flag.OPEN)
    assert refused.value.code is ErrorCode.OPENING_BLOCKED
    assert "12000.00 THB" in refused.value.message
    assert account == called_account(client_levels(4 * RATE, GENERAL_X), 2_300_000)


def test_an_account_being_closed_out_may_not_open() -> None:
    account = called_account(client_levels(4 * RATE, GENERAL_X), 0)
    account.check_order(Flag.CLOSE)
    with pytest.raises(SiamexError) as refused:
        account.check_order(Flag.OPEN)
    assert refused.value.code is ErrorCode.OPENING_BLOCKED


def test_events_out_of_time_order_are_refused() -> None:
    account = ClientMargin("C1", DEADLINES).deposit(100, at(T1, "10:00"))
    with pytest.raises(ValueError, match="before the last one"):
        account.deposit(100, at(T, "10:00"))


def test_a_deposit_is_above_zero() -> None:
    with pytest.raises(ValueError, match="above 0"):
        ClientMargin("C1", DEADLINES).deposit(0, at(T, "10:00"))


def test_the_transition_table_covers_every_standing_and_band() -> None:
    assert set(TRANSITIONS) == {(s, b) for s in Standing for b in Band}


START = at(T, "09:00")
_multipliers = st.sampled_from((GENERAL_X, INSTITUTIONAL_X))
_mark = st.tuples(st.just("mark"), st.integers(-5_000_000, 8_000_000),
                  st.integers(0, 4_000_000))
_deposit = st.tuples(st.just("deposit"), st.integers(1, 3_000_000), st.just(0))
_wait = st.tuples(st.just("wait"), st.just(0), st.just(0))
_events = st.lists(st.tuples(st.one_of(_mark, _deposit, _wait),
                             st.integers(0, 40 * 60)), max_size=12)


def play(multipliers: LevelMultipliers, events: list[tuple[tuple[str, int, int], int]]
         ) -> list[ClientMargin]:
    """Every standing an account passes through over the events, minutes apart."""
    account = ClientMargin("C1", DEADLINES)
    seen = [account]
    now = START
    for (kind, amount, requirement), minutes in events:
        now += dt.timedelta(minutes=minutes)
        if kind == "mark":
            account = account.mark(amount, client_levels(requirement, multipliers), now)
        elif kind == "deposit":
            account = account.deposit(amount, now)
        else:
            account = account.at_time(now)
        seen.append(account)
    return seen


@settings(max_examples=200, deadline=None, derandomize=True)
@given(_multipliers, _events)
def test_calls_are_never_negative(multipliers: LevelMultipliers,
                                  events: list[tuple[tuple[str, int, int], int]]) -> None:
    for account in play(multipliers, events):
        assert account.outstanding >= 0
        assert (account.call is not None) == (account.standing is Standing.CALLED)
        assert (account.force_close is not None) == (account.standing is Standing.FORCE_CLOSE)
        if account.call is not None:
            assert account.call.amount > 0
            assert account.call.made_at < account.call.due_by < account.call.close_by


@settings(max_examples=200, deadline=None, derandomize=True)
@given(_multipliers, _events, st.integers(1, 5_000_000), st.integers(0, 40 * 60))
def test_a_deposit_never_makes_the_standing_worse(
        multipliers: LevelMultipliers, events: list[tuple[tuple[str, int, int], int]], amount: int,
        minutes: int) -> None:
    account = play(multipliers, events)[-1]
    now = (account.as_of or START) + dt.timedelta(minutes=minutes)
    deposited = account.deposit(amount, now)
    assert deposited.rank <= account.at_time(now).rank
    in_time = account.call is None or now <= account.call.due_by
    if in_time:
        assert deposited.rank <= account.rank
