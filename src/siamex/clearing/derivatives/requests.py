"""The day's post-trade changes and match-outs, each answered alone (clearing-spec.md 4.2,
4.3).

Why apart from the day's run: a request names accounts, trades and series by their names
and confirms approvals and beneficiaries; the rules of `changes` take typed requests. Here
each file entry is resolved (the trade's current booking, the accounts' members and
beneficiaries, the holding carried into the day), put to its rule, and either accepted, its
rebooking fills added to the day, or refused with its code and sentence: one member's late
or invalid request does not stop the day (decision 79).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from siamex.clearing.derivatives.accounts import AccountBook
from siamex.clearing.derivatives.changes import (
    Amendment,
    BookedFill,
    BulkTransfer,
    GiveUp,
    Holding,
    Transfer,
    apply_amendment,
    apply_give_up,
    bulk_transfer_fills,
    transfer_fills,
)
from siamex.clearing.derivatives.fills import BUY, SELL, Fill
from siamex.clearing.derivatives.instructions import (
    AmendEntry,
    BulkEntry,
    GiveUpEntry,
    TransferEntry,
)
from siamex.clearing.foundations.state import ChangeRow
from siamex.errors import ErrorCode, SiamexError

__all__ = ["Bookings", "DayChanges", "rebook_trades", "transfer_positions"]

_SIDES = {"buy": BUY, "sell": SELL}


class Bookings:
    """Every trade side still open to change, by (trade id, side), most recent date first
    when two dates reuse an id; a change rewrites the booking."""

    def __init__(self, days: Mapping[dt.date, list[BookedFill]]) -> None:
        self.days = {day: list(fills) for day, fills in days.items()}
        self._where: dict[tuple[str, int], tuple[dt.date, int]] = {}
        for day in sorted(self.days):
            for row, fill in enumerate(self.days[day]):
                self._where[fill.trade_id, fill.side] = (day, row)
        self.changed: set[dt.date] = set()

    def find(self, trade_id: str, side: int) -> BookedFill:
        """The side as booked now; refused when no trade open to change has that id."""
        where = self._where.get((trade_id, side))
        if where is None:
            raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                              f"no trade {trade_id} is open to change (a change window is "
                              "T to T+3)")
        day, row = where
        return self.days[day][row]

    def rebook(self, fill: BookedFill) -> None:
        """Keep a side's new booking."""
        day, row = self._where[fill.trade_id, fill.side]
        self.days[day][row] = fill
        self.changed.add(day)


@dataclass
class DayChanges:
    """What the day's requests did: the rebooking fills and each request's answer."""

    fills: list[Fill] = field(default_factory=list)
    answers: list[ChangeRow] = field(default_factory=list)


def _answer(changes: DayChanges, kind: str, ref: str, act: Callable[[], list[Fill]]) -> None:
    try:
        fills = act()
    except SiamexError as exc:
        changes.answers.append(ChangeRow(kind, ref, False, exc.code.value, exc.message))
        return
    changes.fills.extend(fills)
    changes.answers.append(ChangeRow(kind, ref, True))


@dataclass(frozen=True)
class _Context:
    accounts: AccountBook
    on: dt.date
    prices: Mapping[str, int]
    expiry: Mapping[str, dt.date]


def _registered(context: _Context, account: str) -> str:
    """The member of a registered account."""
    found = context.accounts.account(account)
    if found is None:
        raise SiamexError(ErrorCode.CORRECTION_REFUSED, f"account {account} is not registered")
    return found.member


def _same_owner(context: _Context, one: str, other: str) -> bool:
    """4.3: whether the two accounts belong to one ultimate beneficiary, as registered."""
    return (context.accounts.accounts[one].beneficiary
            == context.accounts.accounts[other].beneficiary)


def _open(context: _Context, bookings: Bookings, trade_id: str, side: str) -> BookedFill:
    """The booked side a change names, still open to change: its account registered and its
    series not settled at expiry."""
    fill = bookings.find(trade_id, _SIDES[side])
    _registered(context, fill.account)
    if fill.series not in context.prices:
        raise SiamexError(ErrorCode.SERIES_EXPIRED,
                          f"series {fill.series} has expired: trade {trade_id} is settled")
    return fill


def _amend(context: _Context, bookings: Bookings, entry: AmendEntry) -> list[Fill]:
    fill = _open(context, bookings, entry.trade_id, entry.side)
    if entry.account is not None and _registered(context, entry.account) != fill.member:
        raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                          f"account {entry.account} is another member's: that is a give-up")
    request = Amendment(entry.trade_id, fill.side, entry.account,
                        None if entry.investor_type is None else entry.investor_type.value,
                        entry.flag, entry.approved)
    amended, fills = apply_amendment(fill, request, context.on)
    bookings.rebook(amended)
    return fills


def _give_up(context: _Context, agreements: frozenset[tuple[str, str]], bookings: Bookings,
             entry: GiveUpEntry) -> list[Fill]:
    fill = _open(context, bookings, entry.trade_id, entry.side)
    to_member = _registered(context, entry.to_account)
    same = entry.same_beneficiary and _same_owner(context, fill.account, entry.to_account)
    request = GiveUp(entry.trade_id, fill.side, to_member, entry.to_account, entry.approved,
                     entry.agreement_copy, same)
    given, fills = apply_give_up(fill, request, context.on, agreements)
    bookings.rebook(given)
    return fills


def _moved(held: dict[tuple[str, str], Holding], fills: list[Fill]) -> None:
    """Keep the carried holdings current after an accepted transfer, for the next request."""
    for f in fills:
        long, short = held.get((f.account, f.series), Holding(0, 0))
        to_long, to_short = f.moves
        held[f.account, f.series] = Holding(long + to_long, short + to_short)


def _transfer(context: _Context, held: dict[tuple[str, str], Holding],
              entry: TransferEntry) -> list[Fill]:
    from_member = _registered(context, entry.from_account)
    to_member = _registered(context, entry.to_account)
    if entry.series not in context.prices:
        raise SiamexError(ErrorCode.INSUFFICIENT_POSITION,
                          f"account {entry.from_account} holds no {entry.series}")
    same = entry.same_beneficiary and _same_owner(context, entry.from_account,
                                                  entry.to_account)
    request = Transfer(entry.series, from_member, entry.from_account, to_member,
                       entry.to_account, entry.long, entry.short, entry.approved, same)
    fills = transfer_fills(held.get((entry.from_account, entry.series), Holding(0, 0)),
                           request, context.prices[entry.series], context.on,
                           context.expiry[entry.series])
    _moved(held, fills)
    return fills


def _bulk(context: _Context, held: dict[tuple[str, str], Holding],
          entry: BulkEntry) -> list[Fill]:
    from_member = _registered(context, entry.from_account)
    to_member = _registered(context, entry.to_account)
    same = entry.same_beneficiary and _same_owner(context, entry.from_account,
                                                  entry.to_account)
    request = BulkTransfer(from_member, entry.from_account, to_member, entry.to_account,
                           entry.approved, same)
    positions = {series: holding for (account, series), holding in sorted(held.items())
                 if account == entry.from_account and (holding.long or holding.short)}
    fills = bulk_transfer_fills(positions, request, context.prices, context.on,
                                context.expiry)
    _moved(held, fills)
    return fills


def rebook_trades(accounts: AccountBook, on: dt.date, bookings: Bookings,
                  prices: Mapping[str, int], amendments: tuple[AmendEntry, ...],
                  give_ups: tuple[GiveUpEntry, ...]) -> DayChanges:
    """Answer the day's amendments and give-ups in the file's order, each rebooking a trade at
    its execution price (4.3)."""
    context = _Context(accounts, on, prices, {})
    changes = DayChanges()
    for entry in amendments:
        _answer(changes, "amend", f"{entry.trade_id}/{entry.side}",
                partial(_amend, context, bookings, entry))
    for give_up in give_ups:
        _answer(changes, "give_up", f"{give_up.trade_id}/{give_up.side}",
                partial(_give_up, context, accounts.agreements, bookings, give_up))
    return changes


def transfer_positions(accounts: AccountBook, on: dt.date,
                       transferable: Mapping[tuple[str, str], Holding],
                       prices: Mapping[str, int], expiry: Mapping[str, dt.date],
                       transfers: tuple[TransferEntry, ...],
                       bulk: tuple[BulkEntry, ...]) -> DayChanges:
    """Answer the day's transfers in the file's order, selective then bulk, at the day's
    settlement prices (4.3); `transferable` is what each account may move: carried into the
    day and still held after its trades (decision 104)."""
    context = _Context(accounts, on, prices, expiry)
    changes = DayChanges()
    held = dict(transferable)
    for transfer in transfers:
        _answer(changes, "transfer",
                f"{transfer.series}/{transfer.from_account}->{transfer.to_account}",
                partial(_transfer, context, held, transfer))
    for entry_bulk in bulk:
        _answer(changes, "bulk_transfer", f"{entry_bulk.from_account}->{entry_bulk.to_account}",
                partial(_bulk, context, held, entry_bulk))
    return changes
