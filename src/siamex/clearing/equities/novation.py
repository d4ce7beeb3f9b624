"""Novation: TCH becomes buyer to every seller and seller to every buyer (clearing-spec.md 1).

Each trade becomes two legs against TCH, a buy leg (the member receives the shares and pays)
and a sell leg (it delivers and is paid), settling on T+2 (decision C1) unless a large trade
report is switched to gross settlement (3.1). Until their cut-offs (3.4) a leg's account,
investor type and board type may be corrected and the leg given up to another member; a late
or invalid request raises a SiamexError and changes nothing.

The legs are kept column by column (one array per field, codes for accounts, securities and
dates) so that a day of millions of trades nets in well under a second (netting.py); `legs()`
gives them as records. A board-type change moves one leg to another security key (say PTT-F
to PTT): TCH then has the depository convert between the two, and only the sum over a
symbol's boards nets to zero.

Requests carry their own time (`at`, Bangkok wall clock): the book reads no clock.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from siamex.clearing.equities.trades import (
    BoardType,
    Int8s,
    Int32s,
    Int64s,
    Trade,
    TradeBatch,
    security_key,
    settlement_date,
    split_security,
)
from siamex.clearing.foundations.members import Account, AccountType, InvestorType, MemberRegistry
from siamex.clearing.foundations.money import format_baht
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.calendar import is_trading_day, trading_day_offset
from siamex.units import format_hhmm, micros_of_day

__all__ = [
    "GiveUp",
    "Leg",
    "LegColumns",
    "NovationBook",
    "SettlementMode",
    "Side",
    "SideColumns",
    "novate",
]


class Side(Enum):
    """A member's side against TCH: BUY receives shares and pays, SELL delivers and is paid."""

    BUY = "buy"
    SELL = "sell"


class SettlementMode(Enum):
    NET = "net"
    GROSS = "gross"


@dataclass(frozen=True, slots=True)
class Leg:
    """One side of a novated trade, TCH the counterparty; `account` after any correction."""

    trade_id: str
    side: Side
    account: Account
    investor_type: InvestorType
    symbol: str
    board_type: BoardType
    qty: int
    price: int
    trade_date: dt.date
    settlement_date: dt.date
    mode: SettlementMode

    @property
    def member(self) -> str:
        """The clearing member that owes TCH for this leg."""
        return self.account.clearing_member

    @property
    def account_type(self) -> AccountType:
        return self.account.account_type

    @property
    def security(self) -> str:
        return security_key(self.symbol, self.board_type)

    @property
    def value(self) -> int:
        return self.qty * self.price


@dataclass(frozen=True, slots=True)
class GiveUp:
    """A leg offered by its member to another, waiting for the other's take-up (2.2)."""

    trade_id: str
    side: Side
    from_member: str
    to_member: str


Bools = npt.NDArray[np.bool_]
G = TypeVar("G", bound=np.generic)


@dataclass(frozen=True, eq=False)
class SideColumns:
    """One side of every trade: `member` indexes LegColumns.members, `account_type` is the
    position of the AccountType in its enum, `security` indexes LegColumns.securities."""

    member: Int32s
    account_type: Int8s
    security: Int32s


@dataclass(frozen=True, eq=False)
class LegColumns:
    """Every leg of the book as arrays, row i holding both legs of trade i."""

    members: tuple[str, ...]
    securities: tuple[str, ...]
    dates: tuple[dt.date, ...]
    trade_ids: list[str]
    buy: SideColumns
    sell: SideColumns
    settlement_date: Int32s
    qty: Int64s
    value: Int64s
    gross: Bools


_ACCOUNT_TYPES = tuple(AccountType)
_INVESTOR_TYPES = tuple(InvestorType)
_INVESTOR_CODE = {kind: code for code, kind in enumerate(_INVESTOR_TYPES)}

# clearing-spec.md 3.4: the board-type changes each side may ask for before settlement
_BOARD_CHANGES = {
    Side.BUY: {(BoardType.FOREIGN, BoardType.LOCAL), (BoardType.NVDR, BoardType.FOREIGN),
               (BoardType.LOCAL, BoardType.FOREIGN), (BoardType.LOCAL, BoardType.NVDR),
               (BoardType.NVDR, BoardType.LOCAL)},
    Side.SELL: {(BoardType.LOCAL, BoardType.NVDR), (BoardType.NVDR, BoardType.LOCAL)},
}


class NovationBook:
    """The novated trades: two legs each, open to corrections until their cut-offs."""

    def __init__(self, registry: MemberRegistry,
                 rules: ClearingRules = DEFAULT_CLEARING_RULES) -> None:
        self.registry = registry
        self.rules = rules
        accounts = registry.accounts
        member_code = {m: code for code, m in enumerate(registry.clearing_members)}
        self._account_member = np.array([member_code[a.clearing_member] for a in accounts],
                                        dtype=np.int32)
        self._account_type = np.array([_ACCOUNT_TYPES.index(a.account_type) for a in accounts],
                                      dtype=np.int8)
        self._account_investor = np.array([_INVESTOR_CODE[a.investor_type] for a in accounts],
                                          dtype=np.int8)
        self._ids: list[str] = []
        self._row: dict[str, int] | None = None  # built on the first lookup by trade id
        self._batches: list[tuple[int, TradeBatch]] = []
        self._dates: list[dt.date] = []
        self._date_code: dict[dt.date, int] = {}
        self._securities: list[str] = []
        self._security_code: dict[str, int] = {}
        empty32 = np.zeros(0, dtype=np.int32)
        self._trade_date = empty32
        self._settle = empty32
        self._qty = np.zeros(0, dtype=np.int64)
        self._price = np.zeros(0, dtype=np.int64)
        self._gross = np.zeros(0, dtype=np.bool_)
        self._account = {side: empty32 for side in Side}
        self._security = {side: empty32 for side in Side}
        self._investor = {side: np.zeros(0, dtype=np.int8) for side in Side}
        self._give_ups: dict[tuple[str, Side], GiveUp] = {}
        self._gross_items: dict[int, dt.date] = {}  # row -> chosen date, awaiting confirmation

    def __len__(self) -> int:
        return len(self._ids)

    def _date(self, day: dt.date) -> int:
        code = self._date_code.get(day)
        if code is None:
            code = self._date_code[day] = len(self._dates)
            self._dates.append(day)
        return code

    def _key(self, key: str) -> int:
        code = self._security_code.get(key)
        if code is None:
            code = self._security_code[key] = len(self._securities)
            self._securities.append(key)
        return code

    def add(self, batch: TradeBatch) -> None:
        """Novate a batch of trades, all or none: a trade id novated before refuses it.

        A batch's own ids are unique (its reader refused repeats).
        """
        if batch.registry is not self.registry:
            raise SiamexError(ErrorCode.TRADE_FILE,
                              "the trades were read against another member registry")
        if self._ids:
            index = self._index()
            repeated = [trade_id for trade_id in batch.trade_ids if trade_id in index]
            if repeated:
                raise SiamexError(ErrorCode.TRADE_FILE,
                                  f"trade id(s) novated already: {', '.join(repeated[:10])}")
        start = len(self._ids)
        trade_dates = np.array([self._date(d) for d in batch.dates], dtype=np.int32)
        settles = np.array([self._date(d) for d in batch.settlement_dates], dtype=np.int32)
        keys = np.array([self._key(k) for k in batch.securities], dtype=np.int32)
        self._trade_date = _grow(self._trade_date, trade_dates[batch.trade_date])
        self._settle = _grow(self._settle, settles[batch.trade_date])
        self._qty = _grow(self._qty, batch.qty)
        self._price = _grow(self._price, batch.price)
        self._gross = _grow(self._gross, np.zeros(len(batch), dtype=np.bool_))
        for side, accounts in ((Side.BUY, batch.buyer), (Side.SELL, batch.seller)):
            self._account[side] = _grow(self._account[side], accounts)
            self._security[side] = _grow(self._security[side], keys[batch.security])
            self._investor[side] = _grow(self._investor[side], self._account_investor[accounts])
        self._ids.extend(batch.trade_ids)
        if self._row is not None:
            self._row.update(zip(batch.trade_ids, range(start, start + len(batch)), strict=True))
        self._batches.append((start, batch))

    def _index(self) -> dict[str, int]:
        if self._row is None:
            self._row = {trade_id: row for row, trade_id in enumerate(self._ids)}
        return self._row

    def _find(self, trade_id: str) -> int:
        row = self._index().get(trade_id)
        if row is None:
            raise SiamexError(ErrorCode.CORRECTION_REFUSED, f"no novated trade {trade_id}")
        return row

    def trade(self, trade_id: str) -> Trade:
        """Return a trade as it was executed (corrections show on its legs)."""
        row = self._find(trade_id)
        position = bisect_right([start for start, _ in self._batches], row) - 1
        start, batch = self._batches[position]
        return batch.trade(row - start)

    def _leg(self, row: int, side: Side) -> Leg:
        symbol, board_type = split_security(self._securities[self._security[side][row]])
        return Leg(self._ids[row], side, self.registry.accounts[self._account[side][row]],
                   _INVESTOR_TYPES[self._investor[side][row]], symbol, board_type,
                   int(self._qty[row]), int(self._price[row]),
                   self._dates[self._trade_date[row]], self._dates[self._settle[row]],
                   SettlementMode.GROSS if self._gross[row] else SettlementMode.NET)

    def legs_of(self, trade_id: str) -> tuple[Leg, Leg]:
        """Return a trade's buy leg and sell leg."""
        row = self._find(trade_id)
        return self._leg(row, Side.BUY), self._leg(row, Side.SELL)

    def legs(self) -> list[Leg]:
        """Return every leg, trade by trade, buy leg first."""
        return [self._leg(row, side) for row in range(len(self._ids)) for side in Side]

    def columns(self) -> LegColumns:
        """Return every leg as arrays, for netting.py."""
        sides = {side: SideColumns(self._account_member[self._account[side]],
                                   self._account_type[self._account[side]],
                                   self._security[side].copy()) for side in Side}
        return LegColumns(self.registry.clearing_members, tuple(self._securities),
                          tuple(self._dates), self._ids, sides[Side.BUY], sides[Side.SELL],
                          self._settle.copy(), self._qty.copy(), self._qty * self._price,
                          self._gross.copy())

    def give_ups(self) -> list[GiveUp]:
        """Return the give-ups waiting for their take-up."""
        return list(self._give_ups.values())

    def _in_time(self, row: int, at: dt.datetime, cutoff: int, cutoff_sd: int, what: str,
                 last_day: dt.date | None = None) -> None:
        """Refuse a request outside its window: cutoff on T..SD-1, cutoff_sd on SD (3.4)."""
        trade_id = self._ids[row]
        first = self._dates[self._trade_date[row]]
        last = last_day or self._dates[self._settle[row]]
        day = at.date()
        if day < first:
            raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                              f"{what} for trade {trade_id}: {day} is before its trade date "
                              f"{first}")
        if day > last:
            raise SiamexError(ErrorCode.CUTOFF_PASSED,
                              f"{what} for trade {trade_id} closed at {format_hhmm(cutoff_sd)} on "
                              f"{last}; it is {day}")
        if not is_trading_day(day):
            raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                              f"{what} for trade {trade_id}: TCH takes requests on SET business "
                              f"days, and {day} is not one")
        limit = cutoff_sd if day == last else cutoff
        if micros_of_day(at) > limit:
            raise SiamexError(ErrorCode.CUTOFF_PASSED,
                              f"{what} for trade {trade_id} is due by {format_hhmm(limit)} on "
                              f"{day} ({format_hhmm(cutoff)} on T..SD-1, "
                              f"{format_hhmm(cutoff_sd)} on SD {last}); it came at "
                              f"{at.time().isoformat()}")

    def _own_account(self, member: str, account: str, what: str) -> int:
        code = self.registry.account_code(member, account)
        if code is None:
            raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                              f"{what}: member {member} has no account {account}")
        return code

    def correct_account(self, trade_id: str, side: Side, account: str, at: dt.datetime) -> None:
        """Move a leg to another account of the same trading member (3.4); the leg takes the
        new account's type and investor type."""
        row = self._find(trade_id)
        rules = self.rules
        self._in_time(row, at, rules.trade_correction_cutoff, rules.trade_correction_cutoff_sd,
                      "account correction")
        member = self.registry.accounts[self._account[side][row]].member
        code = self._own_account(member, account, "account correction")
        self._account[side][row] = code
        self._investor[side][row] = self._account_investor[code]

    def correct_investor_type(self, trade_id: str, side: Side, investor_type: InvestorType,
                              at: dt.datetime) -> None:
        """Book a leg under another investor type (3.4)."""
        row = self._find(trade_id)
        self._in_time(row, at, self.rules.trade_correction_cutoff,
                      self.rules.trade_correction_cutoff_sd, "investor-type correction")
        self._investor[side][row] = _INVESTOR_CODE[investor_type]

    def change_board_type(self, trade_id: str, side: Side, board_type: BoardType,
                          at: dt.datetime) -> None:
        """Settle a leg on another board (Local/Foreign/NVDR), as 3.4 allows each side."""
        row = self._find(trade_id)
        symbol, current = split_security(self._securities[self._security[side][row]])
        # clearing-spec.md 3.4: the changes allowed differ between the buy and the sell side
        if (current, board_type) not in _BOARD_CHANGES[side]:
            allowed = ", ".join(sorted(f"{a.value}->{b.value}" for a, b in _BOARD_CHANGES[side]))
            raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                              f"board-type change for trade {trade_id}: the {side.value} side "
                              f"may change {allowed}, not {current.value}->{board_type.value}")
        if self._gross[row]:
            raise SiamexError(ErrorCode.NOT_IMPLEMENTED,
                              f"board-type change for trade {trade_id}: it settles gross, and "
                              "the depository's board conversion is not modelled for gross "
                              "settlement")
        if side is Side.BUY:
            cutoffs = self.rules.board_change_buy_cutoff, self.rules.board_change_buy_cutoff_sd
        else:
            cutoffs = self.rules.board_change_sell_cutoff, self.rules.board_change_sell_cutoff_sd
        self._in_time(row, at, *cutoffs, "board-type change")
        self._security[side][row] = self._key(security_key(symbol, board_type))

    def give_up(self, trade_id: str, side: Side, to_member: str, at: dt.datetime) -> GiveUp:
        """Offer a leg to another member, who takes it up into one of its accounts (3.4)."""
        row = self._find(trade_id)
        self._in_time(row, at, self.rules.give_up_cutoff, self.rules.give_up_cutoff_sd,
                      "give-up")
        from_member = self.registry.accounts[self._account[side][row]].member
        if (trade_id, side) in self._give_ups:
            pending = self._give_ups[(trade_id, side)]
            raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                              f"give-up of trade {trade_id} ({side.value}): already offered to "
                              f"{pending.to_member}")
        if to_member == from_member or not any(a.member == to_member
                                               for a in self.registry.accounts):
            raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                              f"give-up of trade {trade_id}: {to_member} is not another member "
                              "with accounts")
        offer = GiveUp(trade_id, side, from_member, to_member)
        self._give_ups[(trade_id, side)] = offer
        return offer

    def take_up(self, trade_id: str, side: Side, account: str, at: dt.datetime) -> None:
        """Accept a give-up into one of the receiving member's accounts (3.4); the leg is then
        owed by that account's clearing member."""
        row = self._find(trade_id)
        offer = self._give_ups.get((trade_id, side))
        if offer is None:
            raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                              f"take-up of trade {trade_id} ({side.value}): nothing given up")
        self._in_time(row, at, self.rules.give_up_cutoff, self.rules.give_up_cutoff_sd,
                      "take-up")
        code = self._own_account(offer.to_member, account, "take-up")
        del self._give_ups[(trade_id, side)]
        self._account[side][row] = code
        self._investor[side][row] = self._account_investor[code]

    def choose_gross(self, trade_id: str, day: dt.date, at: dt.datetime) -> None:
        """Create a gross C&S item: settle a large trade report trade for trade on a chosen
        day from T to the net SD, once the counterparty confirms it (`confirm_gross`)."""
        row = self._find(trade_id)
        trade = self.trade(trade_id)
        least = self.rules.gross_min_value
        # clearing-spec.md 2.2, 3.1: gross only for a trade report of at least 50M
        if not trade.trade_report or trade.value < least:
            raise SiamexError(ErrorCode.GROSS_NOT_ALLOWED,
                              f"trade {trade_id} may not settle gross: only a trade report of "
                              f"at least {format_baht(least)} THB may (this is "
                              f"{'a trade report' if trade.trade_report else 'a matched trade'} "
                              f"of {format_baht(trade.value)} THB)")
        if self._gross[row] or row in self._gross_items:
            raise SiamexError(ErrorCode.CORRECTION_REFUSED, f"trade {trade_id} already "
                              "settles gross" if self._gross[row] else
                              f"trade {trade_id} already has a gross item to confirm")
        normal = settlement_date(trade.trade_date, self.rules)
        if not trade.trade_date <= day <= normal or not is_trading_day(day):
            raise SiamexError(ErrorCode.GROSS_NOT_ALLOWED,
                              f"trade {trade_id}: a gross settlement date is a business day from "
                              f"{trade.trade_date} to {normal}, not {day}")
        # 3.4: create and settle by 15:00 on T..SD-1, 12:30 on SD
        self._in_time(row, at, self.rules.gross_cutoff, self.rules.gross_cutoff_sd,
                      "gross settlement", last_day=day)
        self._gross_items[row] = day

    def confirm_gross(self, trade_id: str, at: dt.datetime) -> None:
        """The counterparty confirms a gross C&S item: the trade leaves the net (3.1, 3.2).

        3.4, "Gross C&S item: create and counterparty confirm", a rule apart from the item's
        create-and-settle one: by 14:00 on T..SD-1, by 20:00 on the day before a next-day
        settlement, by 10:00 on the chosen date itself; SD here is the chosen date.
        """
        row = self._find(trade_id)
        day = self._gross_items.get(row)
        if day is None:
            raise SiamexError(ErrorCode.CORRECTION_REFUSED,
                              f"trade {trade_id} has no gross item to confirm")
        if self._security[Side.BUY][row] != self._security[Side.SELL][row]:
            raise SiamexError(ErrorCode.NOT_IMPLEMENTED,
                              f"gross confirmation for trade {trade_id}: its legs were moved to "
                              "different boards, and the depository's board conversion is not "
                              "modelled for gross settlement")
        rules = self.rules
        before = at.date() == trading_day_offset(day, -1)
        self._in_time(row, at, rules.gross_confirm_next_day_cutoff if before
                      else rules.gross_confirm_cutoff, rules.gross_confirm_cutoff_sd,
                      "gross confirmation", last_day=day)
        del self._gross_items[row]
        self._gross[row] = True
        self._settle[row] = self._date(day)

    def pending_gross(self) -> dict[str, dt.date]:
        """Gross items created and not yet confirmed, by trade id: they stay in the net."""
        return {self._ids[row]: day for row, day in sorted(self._gross_items.items())}


def _grow(old: npt.NDArray[G], new: npt.NDArray[G]) -> npt.NDArray[G]:
    """Append a batch's column to the book's (a copy: corrections write into it)."""
    return np.concatenate((old, new)) if len(old) else new.copy()


def novate(batch: TradeBatch, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> NovationBook:
    """Novate a batch of trades into a new book."""
    book = NovationBook(batch.registry, rules)
    book.add(batch)
    return book
