"""Post-trade changes to derivatives trades and positions (clearing-spec.md 4.3), as rebooking.

A change never edits what was booked before: it is booked as fills dated on the day it is
made, so positions and variation margin (4.4) take it through the same arithmetic as a trade.

- A trade amendment or a give-up is rebooked at the trade's EXECUTION price: a reversal fill
  in the old account (the opposite side, the reversed flag) and a booking fill in the new
  one. Marked on the day of the change, the reversal takes back exactly the variation margin
  the trade has paid the old account since T (its VM_new on T plus its VM_carry since), and
  the booking pays the new account the whole move from the execution price, as if it had
  traded there.
- A position transfer moves a position at the SETTLEMENT price: a closing fill in the old
  account and an opening fill in the new, at the daily settlement price of the day the
  transfer is processed. The transfer takes effect at that day's end, so the old account
  keeps the day's margin on what it carried through the day, and the fills, marked at the
  very price they were booked at, move none.

Who may make a change, and when (4.3 [S004] Q4):

    change          T, T+1        T+2, T+3                                  later
    amendment       member alone  TCH approval                              refused
    give-up         agreement     agreement, TCH approval, agreement copy,  refused
                                  same ultimate beneficiary
    transfer        any business day up to the series' last trading day, TCH approval and
                    same ultimate beneficiary; selective ATA or MTM, bulk ATA only

A transfer moves the position an account CARRIES into the day (held at the previous close):
a contract traded today is still a trade, which an amendment or a give-up moves. That is why
a position opened on T first transfers on T+1 (E17), with no trade date kept on positions.

A change that breaks a rule is refused with a `SiamexError` and books nothing; one the book
cannot express at all (a give-up within one member, a transfer to the account it comes
from, a bulk transfer between members) is refused with CORRECTION_REFUSED.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Set
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, NamedTuple

from siamex.clearing.derivatives.fills import BUY, SELL, Fill, Flag
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.calendar import is_trading_day, trading_day_offset

__all__ = [
    "Amendment",
    "BookedFill",
    "BulkTransfer",
    "ChangeKind",
    "GiveUp",
    "Holding",
    "Transfer",
    "Window",
    "amendment_window",
    "apply_amendment",
    "apply_give_up",
    "bulk_transfer_fills",
    "transfer_fills",
    "transfer_window",
]


class ChangeKind(StrEnum):
    """The post-trade changes TCH accepts (4.3)."""

    AMEND = "amend"  # account, investor type or open/close flag of a trade
    GIVE_UP = "give_up"  # a trade to another member's account
    TRANSFER = "transfer"  # one series' position, ATA within a member or MTM between members
    BULK_TRANSFER = "bulk_transfer"  # every position of an account, within a member only


class Window(StrEnum):
    """Who may amend or give up a trade on a day of its window (4.3)."""

    SELF = "self"  # T and T+1: the member alone
    APPROVAL = "approval"  # T+2 and T+3: the member enters it, TCH approves


class BookedFill(NamedTuple):
    """One side of a derivatives trade as the store keeps it: what a change reads and amends.

    `trade_date` is the trade's clearing date T, from which its change window counts. A
    tuple: a day books two of them a trade, millions on a busy day.
    """

    trade_id: str
    trade_date: dt.date
    member: str
    account: str
    investor_type: str
    series: str
    side: int
    qty: int
    price: int
    flag: Flag

    @property
    def fill(self) -> Fill:
        """The fill positions and marking read for this side."""
        return Fill(self.account, self.series, self.side, self.qty, self.price, self.flag)


class Holding(NamedTuple):
    """An account's long and short contracts in one series (a net account holds one side)."""

    long: int
    short: int


@dataclass(frozen=True, slots=True)
class Amendment:
    """Change the account, investor type or open/close flag of one side of a trade; None
    keeps what is booked. The new account is the same member's: another member's is a
    give-up."""

    kind: ClassVar[ChangeKind] = ChangeKind.AMEND
    trade_id: str
    side: int
    account: str | None = None
    investor_type: str | None = None
    flag: Flag | None = None
    approved: bool = False


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Move one side of a trade to an account of another member."""

    kind: ClassVar[ChangeKind] = ChangeKind.GIVE_UP
    trade_id: str
    side: int
    to_member: str
    to_account: str
    approved: bool = False
    agreement_copy: bool = False
    same_beneficiary: bool = False


@dataclass(frozen=True, slots=True)
class Transfer:
    """Move `long` and `short` contracts of one series' carried position to another account:
    ATA when both accounts are one member's, MTM otherwise."""

    kind: ClassVar[ChangeKind] = ChangeKind.TRANSFER
    series: str
    from_member: str
    from_account: str
    to_member: str
    to_account: str
    long: int
    short: int
    approved: bool = False
    same_beneficiary: bool = False


@dataclass(frozen=True, slots=True)
class BulkTransfer:
    """Move every carried position of an account to another account of the same member."""

    kind: ClassVar[ChangeKind] = ChangeKind.BULK_TRANSFER
    from_member: str
    from_account: str
    to_member: str
    to_account: str
    approved: bool = False
    same_beneficiary: bool = False


def _business_day(on: dt.date) -> None:
    """Refuse a change dated on a day TFEX does not clear: nothing processes it."""
    if not is_trading_day(on):
        raise SiamexError(ErrorCode.NOT_TRADING_DAY,
                          f"{on.isoformat()} is not a TFEX business day: date the change on one")


def amendment_window(trade_date: dt.date, on: dt.date) -> Window:
    """Tell who may amend or give up a trade of `trade_date` on `on`, refusing a day outside
    the window; the window counts TFEX business days, so holidays stretch it (E17)."""
    _business_day(on)
    if on < trade_date:
        raise SiamexError(ErrorCode.CHANGE_WINDOW,
                          f"{on.isoformat()} is before the trade's date {trade_date.isoformat()}")
    # clearing-spec.md 4.3 [S004] Q4: T..T+1 alone, T+2..T+3 with approval, by T+3
    if on <= trading_day_offset(trade_date, 1):
        return Window.SELF
    last = trading_day_offset(trade_date, 3)
    if on <= last:
        return Window.APPROVAL
    raise SiamexError(ErrorCode.CHANGE_WINDOW,
                      f"a trade of {trade_date.isoformat()} may be changed until T+3, "
                      f"{last.isoformat()}; {on.isoformat()} is too late")


def transfer_window(on: dt.date, expiry: dt.date) -> None:
    """Refuse a position transfer on a day it may not be made.

    After its last trading day a series is settled at its final price and holds no position
    to move, so a later transfer is refused as SERIES_EXPIRED, not as outside a window.
    """
    _business_day(on)
    # clearing-spec.md 4.3 [S004] Q4: T+1 .. expiry (T+1: a transfer moves carried positions)
    if on > expiry:
        raise SiamexError(ErrorCode.SERIES_EXPIRED,
                          f"the series' last trading day was {expiry.isoformat()}: its positions "
                          f"cannot be transferred on {on.isoformat()}")


def _same_trade(fill: BookedFill, trade_id: str, side: int) -> None:
    if (fill.trade_id, fill.side) != (trade_id, side):
        raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                          f"the change names trade {trade_id} side {side}, "
                          f"not the booked trade {fill.trade_id} side {fill.side}")


def _rebooking(old: BookedFill, new: BookedFill) -> list[Fill]:
    """The reversal of the old booking and the new booking, both at the execution price; none
    when only the investor type changed, which neither positions nor margin read."""
    if (old.account, old.flag) == (new.account, new.flag):
        return []
    reversal = Fill(old.account, old.series, -old.side, old.qty, old.price, old.flag.reversed)
    return [reversal, new.fill]


def apply_amendment(fill: BookedFill, request: Amendment,
                    on: dt.date) -> tuple[BookedFill, list[Fill]]:
    """Amend one side of a trade on `on`: the amended booking and its rebooking fills."""
    _same_trade(fill, request.trade_id, request.side)
    if request.account is None and request.investor_type is None and request.flag is None:
        raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                          f"the amendment of trade {fill.trade_id} changes nothing")
    # clearing-spec.md 4.3 [S004] Q4: T+2..T+3 needs TCH approval
    if amendment_window(fill.trade_date, on) is Window.APPROVAL and not request.approved:
        raise SiamexError(ErrorCode.APPROVAL_REQUIRED,
                          f"amending trade {fill.trade_id} on {on.isoformat()} (T+2 or T+3) "
                          f"needs TCH approval")
    amended = fill._replace(
        account=fill.account if request.account is None else request.account,
        investor_type=(fill.investor_type if request.investor_type is None
                       else request.investor_type),
        flag=fill.flag if request.flag is None else request.flag,
    )
    return amended, _rebooking(fill, amended)


def apply_give_up(fill: BookedFill, request: GiveUp, on: dt.date,
                  agreements: Set[tuple[str, str]]) -> tuple[BookedFill, list[Fill]]:
    """Give one side of a trade up to another member on `on`: the booking as the receiving
    member's and its rebooking fills. `agreements` holds the (giving, receiving) member pairs
    with a give-up agreement on file."""
    _same_trade(fill, request.trade_id, request.side)
    window = amendment_window(fill.trade_date, on)
    if request.to_member == fill.member:
        raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                          f"a give-up moves a trade to another member; trade {fill.trade_id} is "
                          f"already {fill.member}'s, amend its account instead")
    # clearing-spec.md 4.3 [S004] Q4: a give-up agreement must exist
    if (fill.member, request.to_member) not in agreements:
        raise SiamexError(ErrorCode.AGREEMENT_REQUIRED,
                          f"no give-up agreement from {fill.member} to {request.to_member} "
                          f"is on file")
    if window is Window.APPROVAL:
        # clearing-spec.md 4.3 [S004] Q4: T+2..T+3 adds approval, the copy, same beneficiary
        if not request.approved:
            raise SiamexError(ErrorCode.APPROVAL_REQUIRED,
                              f"giving up trade {fill.trade_id} on {on.isoformat()} (T+2 or T+3) "
                              f"needs TCH approval")
        if not request.agreement_copy:
            raise SiamexError(ErrorCode.AGREEMENT_REQUIRED,
                              f"giving up trade {fill.trade_id} on T+2 or T+3 needs a copy of the "
                              f"give-up agreement")
        if not request.same_beneficiary:
            raise SiamexError(ErrorCode.BENEFICIARY_DIFFERS,
                              f"giving up trade {fill.trade_id} on T+2 or T+3 needs confirmation "
                              f"that the ultimate beneficiary is the same")
    given = fill._replace(member=request.to_member, account=request.to_account)
    return given, _rebooking(fill, given)


def _consent(approved: bool, same_beneficiary: bool) -> None:
    # clearing-spec.md 4.3 [S004] Q4: a transfer always needs approval and the same beneficiary
    if not approved:
        raise SiamexError(ErrorCode.APPROVAL_REQUIRED, "a position transfer needs TCH approval")
    if not same_beneficiary:
        raise SiamexError(ErrorCode.BENEFICIARY_DIFFERS,
                          "a position transfer needs confirmation that the ultimate beneficiary "
                          "is the same")


def _moving(series: str, from_account: str, to_account: str, long: int, short: int,
            price: int) -> list[Fill]:
    """Close `long` and `short` in the old account and open them in the new, at `price`."""
    fills: list[Fill] = []
    if long:
        fills += [Fill(from_account, series, SELL, long, price, Flag.CLOSE),
                  Fill(to_account, series, BUY, long, price, Flag.OPEN)]
    if short:
        fills += [Fill(from_account, series, BUY, short, price, Flag.CLOSE),
                  Fill(to_account, series, SELL, short, price, Flag.OPEN)]
    return fills


def transfer_fills(held: Holding, request: Transfer, settlement_price: int, on: dt.date,
                   expiry: dt.date) -> list[Fill]:
    """Book a selective transfer on `on` at that day's daily settlement price.

    `held` is the position the old account carries into `on` in the series; `expiry` is the
    series' last trading day.
    """
    transfer_window(on, expiry)
    if (request.from_member, request.from_account) == (request.to_member, request.to_account):
        raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                          f"a transfer moves a position to another account, not back to "
                          f"{request.from_account}")
    if request.long < 0 or request.short < 0 or request.long + request.short == 0:
        raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                          f"a transfer of {request.series} moves at least one contract and no "
                          f"negative quantity")
    _consent(request.approved, request.same_beneficiary)
    if request.long > held.long or request.short > held.short:
        raise SiamexError(ErrorCode.INSUFFICIENT_POSITION,
                          f"{request.from_account} holds long {held.long} short {held.short} of "
                          f"{request.series}, less than the long {request.long} short "
                          f"{request.short} to transfer")
    return _moving(request.series, request.from_account, request.to_account, request.long,
                   request.short, settlement_price)


def bulk_transfer_fills(positions: Mapping[str, Holding], request: BulkTransfer,
                        settlement_prices: Mapping[str, int], on: dt.date,
                        expiry_of: Mapping[str, dt.date]) -> list[Fill]:
    """Book a bulk transfer on `on`: every position the old account carries into `on`, each
    at its series' daily settlement price of that day, in series order."""
    _business_day(on)
    # clearing-spec.md 4.3 [S004] Q4: bulk transfers are ATA only
    if request.from_member != request.to_member:
        raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                          f"a bulk transfer stays within one member; {request.from_member} to "
                          f"{request.to_member} is a selective transfer, one series at a time")
    if request.from_account == request.to_account:
        raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                          f"a bulk transfer moves positions to another account, not back to "
                          f"{request.from_account}")
    _consent(request.approved, request.same_beneficiary)
    held = {series: h for series, h in sorted(positions.items()) if h.long or h.short}
    if not held:
        raise SiamexError(ErrorCode.INSUFFICIENT_POSITION,
                          f"{request.from_account} carries no position to transfer")
    for series in held:
        if series not in settlement_prices or series not in expiry_of:
            raise SiamexError(ErrorCode.UNKNOWN_SERIES,
                              f"no settlement price or last trading day for series {series}")
        transfer_window(on, expiry_of[series])
    fills: list[Fill] = []
    for series, h in held.items():
        fills += _moving(series, request.from_account, request.to_account, h.long, h.short,
                         settlement_prices[series])
    return fills
