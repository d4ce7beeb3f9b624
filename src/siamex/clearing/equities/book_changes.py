"""Changes to a novated trade before settlement (clearing-spec.md 3.4): corrections, give-ups
and take-ups, and the gross settlement choice, each applied by its entry in one table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from siamex.clearing.equities.novation import NovationBook, Side
from siamex.clearing.equities.trades import BoardType
from siamex.clearing.foundations.members import InvestorType
from siamex.errors import SiamexError

__all__ = ["BookChange", "BookOperation", "apply_change", "concerned"]


class BookOperation(StrEnum):
    """What a book change does (3.4)."""

    ACCOUNT = "account"
    INVESTOR_TYPE = "investor_type"
    BOARD = "board"
    GIVE_UP = "give_up"
    TAKE_UP = "take_up"
    GROSS = "gross"
    GROSS_CONFIRM = "gross_confirm"

    @property
    def whole_trade(self) -> bool:
        """A gross item is the whole trade: its change names no side."""
        return self in (BookOperation.GROSS, BookOperation.GROSS_CONFIRM)


@dataclass(frozen=True, slots=True)
class BookChange:
    """A change to a novated trade before settlement (3.4); `value` the new account, investor
    type, board, member given up to, or the gross settlement date (ISO); none for a
    confirmation."""

    op: BookOperation
    trade_id: str
    side: Side | None
    value: str
    at: dt.datetime


_APPLY: Mapping[BookOperation, Callable[[NovationBook, BookChange, Side], object]] = {
    BookOperation.ACCOUNT:
        lambda book, c, side: book.correct_account(c.trade_id, side, c.value, c.at),
    BookOperation.INVESTOR_TYPE: lambda book, c, side: book.correct_investor_type(
        c.trade_id, side, InvestorType(c.value), c.at),
    BookOperation.BOARD: lambda book, c, side: book.change_board_type(
        c.trade_id, side, BoardType(c.value), c.at),
    BookOperation.GIVE_UP: lambda book, c, side: book.give_up(c.trade_id, side, c.value, c.at),
    BookOperation.TAKE_UP: lambda book, c, side: book.take_up(c.trade_id, side, c.value, c.at),
    BookOperation.GROSS: lambda book, c, _: book.choose_gross(
        c.trade_id, dt.date.fromisoformat(c.value), c.at),
    BookOperation.GROSS_CONFIRM: lambda book, c, _: book.confirm_gross(c.trade_id, c.at),
}


def apply_change(book: NovationBook, change: BookChange) -> None:
    """Apply one change; refused (`SiamexError`) past its cut-off or when the book forbids it,
    leaving the book as it was."""
    _APPLY[change.op](book, change, change.side if change.side is not None else Side.BUY)


def concerned(book: NovationBook, change: BookChange) -> tuple[str, ...]:
    """The clearing members a book change concerns: its side's, or both sides' for a gross
    item (it is the whole trade); none when the book has no such trade."""
    try:
        buy, sell = book.legs_of(change.trade_id)
    except SiamexError:
        return ()
    if change.side is None:
        return tuple(dict.fromkeys((sell.member, buy.member)))
    return ((buy if change.side is Side.BUY else sell).member,)
