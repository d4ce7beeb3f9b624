"""A client account's margin standing with its broker (clearing-spec.md 4.6, E10).

TCH margins members; a broker margins its clients at multiples of TCH's requirement
(siamex.rulebook.client_levels): initial (IM), maintenance (MM) and force-close (FM) levels.
The client's equity balance EB (cash + collateral after haircut + unrealised MTM) is judged
against them at every mark (each settlement price, intraday or end of day) and after every
deposit, and a call not met by the broker's deadline is closed out:

    standing     event                                        next
    ok           EB >= MM                                     ok
    ok           FM <= EB < MM                                called: a call of IM - EB, due by
                                                              the broker's deadline
    any          EB < FM                                      force_close, at once
    called       EB >= IM                                     ok, the call met (decision 124)
    called       FM <= EB < IM                                called, the same call and deadline
    called       a time after the call's deadline             force_close, the call not met
    force_close  EB >= IM                                     ok, nothing left to close
    force_close  EB < IM                                      force_close

EB exactly at a level is at it, not below; a client type with no force-close level is never
closed out by level, only for a call not met. While called or being closed out the account
opens nothing: `check_order` refuses an OPEN order (OPENING_BLOCKED) and lets a CLOSE pass.
Everything here is a value: an event returns the account's next standing and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from fractions import Fraction

from siamex.clearing.derivatives.fills import Flag
from siamex.clearing.foundations.money import format_baht
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.calendar import trading_day_offset
from siamex.rulebook.client_levels import CallDeadlines, LevelMultipliers
from siamex.units import wall_clock

__all__ = [
    "NO_LEVELS",
    "TRANSITIONS",
    "Band",
    "ClientMargin",
    "ForceClose",
    "ForceCloseReason",
    "MarginCall",
    "MarginLevels",
    "Standing",
    "client_levels",
    "equity_balance",
]


class Standing(StrEnum):
    """Where a client account stands with its broker."""

    OK = "ok"
    CALLED = "called"
    FORCE_CLOSE = "force_close"


class Band(StrEnum):
    """Where an equity balance lies among the account's levels."""

    AT_INITIAL = "at_initial"
    """EB >= IM."""
    ABOVE_MAINTENANCE = "above_maintenance"
    """MM <= EB < IM."""
    BELOW_MAINTENANCE = "below_maintenance"
    """EB < MM, at or above FM (or there is no FM)."""
    BELOW_FORCE_CLOSE = "below_force_close"
    """EB < FM."""


class ForceCloseReason(StrEnum):
    """Why an account is being closed out (4.6)."""

    BELOW_FORCE_CLOSE_LEVEL = "below_force_close_level"
    CALL_NOT_MET = "call_not_met"


TRANSITIONS: dict[tuple[Standing, Band], Standing] = {
    (Standing.OK, Band.AT_INITIAL): Standing.OK,
    (Standing.OK, Band.ABOVE_MAINTENANCE): Standing.OK,
    (Standing.OK, Band.BELOW_MAINTENANCE): Standing.CALLED,
    (Standing.OK, Band.BELOW_FORCE_CLOSE): Standing.FORCE_CLOSE,
    (Standing.CALLED, Band.AT_INITIAL): Standing.OK,
    (Standing.CALLED, Band.ABOVE_MAINTENANCE): Standing.CALLED,
    (Standing.CALLED, Band.BELOW_MAINTENANCE): Standing.CALLED,
    (Standing.CALLED, Band.BELOW_FORCE_CLOSE): Standing.FORCE_CLOSE,
    (Standing.FORCE_CLOSE, Band.AT_INITIAL): Standing.OK,
    (Standing.FORCE_CLOSE, Band.ABOVE_MAINTENANCE): Standing.FORCE_CLOSE,
    (Standing.FORCE_CLOSE, Band.BELOW_MAINTENANCE): Standing.FORCE_CLOSE,
    (Standing.FORCE_CLOSE, Band.BELOW_FORCE_CLOSE): Standing.FORCE_CLOSE,
}
"""The next standing after a mark or a deposit, by the standing and the balance's band."""


@dataclass(frozen=True, slots=True)
class MarginLevels:
    """An account's client levels in satang; `force_close` None for a type without one."""

    initial: int
    maintenance: int
    force_close: int | None

    def band(self, balance: int) -> Band:
        """Where an equity balance lies: at a level counts as at it (4.6 calls below MM)."""
        if balance >= self.initial:
            return Band.AT_INITIAL
        if balance >= self.maintenance:
            return Band.ABOVE_MAINTENANCE
        if self.force_close is None or balance >= self.force_close:
            return Band.BELOW_MAINTENANCE
        return Band.BELOW_FORCE_CLOSE


NO_LEVELS = MarginLevels(0, 0, 0)
"""The levels of an account that holds nothing."""


def _level(requirement: int, multiple: Fraction) -> int:
    return -(-requirement * multiple.numerator // multiple.denominator)


def client_levels(requirement: int, multipliers: LevelMultipliers) -> MarginLevels:
    """Return the client levels of a TCH requirement in satang: a per-contract rate (E10:
    5,000 THB gives 8,750 / 6,150 / 2,650 for a general client) or an account's whole
    requirement. Each level is rounded up to the satang (decision 123): a level is a
    requirement, never understated."""
    if requirement < 0:
        raise ValueError(f"a margin requirement is never negative, got {requirement}")
    fm = multipliers.force_close
    return MarginLevels(_level(requirement, multipliers.initial),
                        _level(requirement, multipliers.maintenance),
                        None if fm is None else _level(requirement, fm))


def equity_balance(cash: int, collateral_after_haircut: int, unrealised_mtm: int) -> int:
    """Return a client's equity balance in satang (4.6): what it would hold were its
    positions closed at the last mark."""
    return cash + collateral_after_haircut + unrealised_mtm


@dataclass(frozen=True, slots=True)
class MarginCall:
    """A call made at `made_at` for `amount` satang (IM - EB then), to be met by `due_by`,
    else the account is closed out by `close_by`."""

    amount: int
    made_at: dt.datetime
    due_by: dt.datetime
    close_by: dt.datetime


@dataclass(frozen=True, slots=True)
class ForceClose:
    """A close-out: why, since when, and by when the broker closes the positions."""

    reason: ForceCloseReason
    since: dt.datetime
    close_by: dt.datetime


_RANK = {Standing.OK: 0, Standing.CALLED: 1, Standing.FORCE_CLOSE: 2}


@dataclass(frozen=True, slots=True)
class ClientMargin:
    """One client account's standing: its last equity balance and levels, and the call or
    close-out it is under. Events come in time order; each returns the next standing."""

    account: str
    deadlines: CallDeadlines
    balance: int = 0
    levels: MarginLevels = NO_LEVELS
    standing: Standing = Standing.OK
    call: MarginCall | None = None
    force_close: ForceClose | None = None
    as_of: dt.datetime | None = None

    @property
    def outstanding(self) -> int:
        """What would bring the account back to IM while it is called or being closed out;
        0 when it stands ok."""
        if self.standing is Standing.OK:
            return 0
        return max(0, self.levels.initial - self.balance)

    @property
    def rank(self) -> int:
        """How bad the standing is: ok 0, called 1, force_close 2."""
        return _RANK[self.standing]

    def mark(self, balance: int, levels: MarginLevels, at: dt.datetime) -> ClientMargin:
        """Judge the account at a mark: its equity balance and levels at a settlement price."""
        return self.at_time(at)._move(balance, levels, at)

    def deposit(self, amount: int, at: dt.datetime) -> ClientMargin:
        """Take a deposit into the account; one made at its call's deadline is in time."""
        if amount <= 0:
            raise ValueError(f"a deposit is above 0, got {amount}")
        current = self.at_time(at)
        return current._move(current.balance + amount, current.levels, at)

    def at_time(self, at: dt.datetime) -> ClientMargin:
        """The standing at a time: a call still unmet after its deadline is closed out."""
        if self.as_of is not None and at < self.as_of:
            raise ValueError(f"{self.account}: an event at {at.isoformat()} comes before the "
                             f"last one, at {self.as_of.isoformat()}")
        call = self.call
        if self.standing is not Standing.CALLED or call is None or at <= call.due_by:
            return replace(self, as_of=at)
        # 4.6: the call not met by the broker's deadline
        closing = ForceClose(ForceCloseReason.CALL_NOT_MET, call.due_by, call.close_by)
        return replace(self, standing=Standing.FORCE_CLOSE, call=None, force_close=closing,
                       as_of=at)

    def check_order(self, flag: Flag) -> None:
        """Refuse an order that would open a position while the account is called or being
        closed out (4.6); a CLOSE order always passes. A refusal changes nothing."""
        if flag is Flag.CLOSE or self.standing is Standing.OK:
            return
        if self.call is not None:
            why = (f"a margin call of {format_baht(self.call.amount)} THB is outstanding, "
                   f"due by {self.call.due_by.isoformat(sep=' ', timespec='minutes')}")
        else:
            why = "the account is being closed out"
        raise SiamexError(ErrorCode.OPENING_BLOCKED,
                          f"account {self.account}: {why}; it may only close positions")

    def _move(self, balance: int, levels: MarginLevels, at: dt.datetime) -> ClientMargin:
        standing = TRANSITIONS[self.standing, levels.band(balance)]
        call = self.call if standing is Standing.CALLED else None
        closing = self.force_close if standing is Standing.FORCE_CLOSE else None
        if standing is Standing.CALLED and call is None:
            call = self._call(levels.initial - balance, at)
        if standing is Standing.FORCE_CLOSE and closing is None:
            # decision 124: a balance below FM is closed out at once
            closing = ForceClose(ForceCloseReason.BELOW_FORCE_CLOSE_LEVEL, at, at)
        return replace(self, balance=balance, levels=levels, standing=standing, call=call,
                       force_close=closing, as_of=at)

    def _call(self, amount: int, at: dt.datetime) -> MarginCall:
        """A new call of IM - EB with the broker's deadlines, in TFEX business days from the
        day it is made (4.6 [W-20])."""
        terms = self.deadlines
        made_on = at.date()
        due_by = wall_clock(trading_day_offset(made_on, terms.call_days), terms.call_by)
        close_by = wall_clock(trading_day_offset(made_on, terms.force_close_days),
                              terms.force_close_by)
        return MarginCall(amount, at, due_by, close_by)
