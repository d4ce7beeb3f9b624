"""Net settlement obligations: what each member delivers or receives, and pays or is paid.

clearing-spec.md 3.2 with decision C2: securities net per (member, account type, symbol with
board, settlement date), + receive / - deliver; cash nets per (member, settlement date), or per
(member, account type, settlement date) when `cash_netting` is "account"; + receive / - pay.
Gross-settling trades stay out of the net. Over every security and date the net quantities sum
to zero, and so does the cash (TCH, the counterparty of every leg, ends flat); a board-type
change is the one exception for securities, netting to zero over the symbol's boards instead.
Obligations that net to zero are left out.

`net_legs` is the plain reference over leg records; `net_columns` does the same over a book's
arrays for a day of millions of trades, and a property test holds the two equal. It adds with
`np.add.at` over int64 keys. A day's cash can approach int64's limit (5,000,000 trades of up to
1e12 satang each sum to 5e18 against 9.2e18), so when the number of amounts times the largest
could pass 2**63 each amount is split into 32-bit halves, summed apart and joined in Python
integers: the sums are exact for any int64 amounts over fewer than 2**31 legs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from siamex.clearing.equities.novation import Leg, LegColumns, NovationBook, SettlementMode, Side
from siamex.clearing.equities.trades import Int64s
from siamex.clearing.foundations.members import AccountType
from siamex.clearing.foundations.parameters import ClearingRules

__all__ = [
    "CashObligation",
    "NetPositions",
    "SecuritiesObligation",
    "net",
    "net_columns",
    "net_legs",
]


@dataclass(frozen=True, slots=True)
class SecuritiesObligation:
    """A member's net shares of one security in one account type: + receive, - deliver."""

    member: str
    account_type: AccountType
    security: str
    settlement_date: dt.date
    net_qty: int


@dataclass(frozen=True, slots=True)
class CashObligation:
    """A member's net cash in satang: + receive, - pay; `account_type` None when netted per
    member (decision C2)."""

    member: str
    settlement_date: dt.date
    net_amount: int
    account_type: AccountType | None = None


SecuritiesKey = tuple[str, AccountType, str, dt.date]
CashKey = tuple[str, AccountType | None, dt.date]


@dataclass(frozen=True)
class NetPositions:
    """The net obligations of a book, sorted by settlement date, member, account type, key."""

    securities: tuple[SecuritiesObligation, ...]
    cash: tuple[CashObligation, ...]
    gross_trades: tuple[str, ...]

    @property
    def cash_paid(self) -> int:
        """The cash that changes hands: the sum the net payers pay."""
        return -sum(c.net_amount for c in self.cash if c.net_amount < 0)

    @cached_property
    def _qty(self) -> dict[SecuritiesKey, int]:
        return {(s.member, s.account_type, s.security, s.settlement_date): s.net_qty
                for s in self.securities}

    @cached_property
    def _cash(self) -> dict[CashKey, int]:
        return {(c.member, c.account_type, c.settlement_date): c.net_amount for c in self.cash}

    def net_qty(self, member: str, account_type: AccountType, security: str,
                day: dt.date) -> int:
        """Return a member's net shares in one account type and security on a date."""
        return self._qty.get((member, account_type, security, day), 0)

    def net_cash(self, member: str, day: dt.date,
                 account_type: AccountType | None = None) -> int:
        """Return a member's net cash on a date (per account type when netted that way)."""
        return self._cash.get((member, account_type, day), 0)


def _positions(securities: Iterable[tuple[SecuritiesKey, int]],
               cash: Iterable[tuple[CashKey, int]], gross: Iterable[str]) -> NetPositions:
    """Drop what nets to zero and put both lists in one order, whichever path netted."""
    sec = sorted((SecuritiesObligation(m, a, k, d, q) for (m, a, k, d), q in securities if q),
                 key=lambda s: (s.settlement_date, s.member, s.account_type.value, s.security))
    money = sorted((CashObligation(m, d, v, a) for (m, a, d), v in cash if v),
                   key=lambda c: (c.settlement_date, c.member,
                                  "" if c.account_type is None else c.account_type.value))
    return NetPositions(tuple(sec), tuple(money), tuple(sorted(set(gross))))


def net_legs(legs: Iterable[Leg], rules: ClearingRules) -> NetPositions:
    """Net leg records one by one: the reference the array version is tested against."""
    securities: defaultdict[SecuritiesKey, int] = defaultdict(int)
    cash: defaultdict[CashKey, int] = defaultdict(int)
    gross: list[str] = []
    for leg in legs:
        # clearing-spec.md 3.2: gross-mode trades are excluded from the net
        if leg.mode is SettlementMode.GROSS:
            gross.append(leg.trade_id)
            continue
        sign = 1 if leg.side is Side.BUY else -1
        securities[(leg.member, leg.account_type, leg.security, leg.settlement_date)] += (
            sign * leg.qty)
        cash[(leg.member, rules.cash_type(leg.account_type), leg.settlement_date)] -= (
            sign * leg.value)
    return _positions(securities.items(), cash.items(), gross)


_ACCOUNT_TYPES = tuple(AccountType)
_DENSE_LIMIT = 1 << 24
_LOW = (1 << 32) - 1


def _whole(amounts: Int64s) -> Int64s:
    return amounts


def _high(amounts: Int64s) -> Int64s:
    return amounts >> 32


def _low(amounts: Int64s) -> Int64s:
    return amounts & _LOW


def _sums(parts: Sequence[tuple[Int64s, Int64s, int]], size: int,
          dense_limit: int = _DENSE_LIMIT) -> tuple[Int64s, list[int]]:
    """Return the keys whose amounts do not sum to zero, and their exact sums.

    `parts` are (keys, amounts, sign) with sign +1 or -1. When the count of amounts times the
    largest of them stays below 2**63 no partial sum can overflow and int64 adds them as they
    are; otherwise each amount is split into 32-bit halves, summed apart and joined in Python
    integers. Keys below `size` index a dense array of sums; a larger key space is first
    ranked with np.unique (a sort) so the arrays stay as small as the keys in use.
    """
    count = sum(len(keys) for keys, _, _ in parts)
    if count >= 1 << 31:
        raise ValueError("exact sums are guaranteed for fewer than 2**31 legs")
    largest = max((max(int(a.max()), -int(a.min())) for _, a, _ in parts if len(a)), default=0)
    distinct: Int64s | None = None
    if size > dense_limit:
        distinct, inverse = np.unique(np.concatenate([k for k, _, _ in parts]),
                                      return_inverse=True)
        inverse = inverse.reshape(-1)
        bounds = np.cumsum([0, *(len(k) for k, _, _ in parts)]).tolist()
        parts = [(inverse[a:b], amounts, sign)
                 for (_, amounts, sign), a, b in zip(parts, bounds[:-1], bounds[1:], strict=True)]
        size = len(distinct)
    halves = (_whole,) if count * largest < 1 << 63 else (_high, _low)
    sums = []
    for half in halves:
        total = np.zeros(size, dtype=np.int64)
        for keys, amounts, sign in parts:
            (np.add if sign > 0 else np.subtract).at(total, keys, half(amounts))
        sums.append(total)
    used = np.flatnonzero(np.bitwise_or.reduce(sums))
    if len(sums) == 1:
        totals = sums[0][used].tolist()
    else:
        totals = [(hi << 32) + lo for hi, lo in
                  zip(sums[0][used].tolist(), sums[1][used].tolist(), strict=True)]
    named = used if distinct is None else distinct[used]
    nonzero = [n for n, total in enumerate(totals) if total]
    return named[nonzero], [totals[n] for n in nonzero]


def net_columns(columns: LegColumns, rules: ClearingRules) -> NetPositions:
    """Net a book's legs as arrays: the same result as `net_legs`, for millions of trades."""
    per_account = rules.cash_per_account_type
    # clearing-spec.md 3.2: gross trades stay out of the net
    kept = np.flatnonzero(~columns.gross) if columns.gross.any() else slice(None)
    n_members, n_types = len(columns.members), len(_ACCOUNT_TYPES)
    n_securities, n_dates = len(columns.securities), len(columns.dates)
    day = columns.settlement_date[kept].astype(np.int64)
    qty, value = columns.qty[kept], columns.value[kept]
    share_parts, cash_parts = [], []
    # the buy leg receives shares and pays; the sell leg delivers and is paid
    for side, sign in ((columns.buy, 1), (columns.sell, -1)):
        member = side.member[kept].astype(np.int64)
        holder = member * n_types + side.account_type[kept]
        share_parts.append(((holder * n_securities + side.security[kept]) * n_dates + day, qty,
                            sign))
        cash_parts.append(((holder if per_account else member) * n_dates + day, value, -sign))
    share_keys, shares = _sums(share_parts, n_members * n_types * n_securities * n_dates)
    money_keys, money = _sums(cash_parts,
                              n_members * (n_types if per_account else 1) * n_dates)
    members, securities, dates = columns.members, columns.securities, columns.dates
    holder, date = np.divmod(share_keys, n_dates)
    holder, security = np.divmod(holder, n_securities)
    member, account_type = np.divmod(holder, n_types)
    security_items = [
        ((members[m], _ACCOUNT_TYPES[a], securities[k], dates[d]), q)
        for m, a, k, d, q in zip(member.tolist(), account_type.tolist(), security.tolist(),
                                 date.tolist(), shares, strict=True)]
    payer, date = np.divmod(money_keys, n_dates)
    if per_account:
        member, account_type = np.divmod(payer, n_types)
        payers = [(members[m], _ACCOUNT_TYPES[a])
                  for m, a in zip(member.tolist(), account_type.tolist(), strict=True)]
    else:
        payers = [(members[m], None) for m in payer.tolist()]
    cash_items = [((m, a, dates[d]), v)
                  for (m, a), d, v in zip(payers, date.tolist(), money, strict=True)]
    gross = [columns.trade_ids[row] for row in np.flatnonzero(columns.gross).tolist()]
    return _positions(security_items, cash_items, gross)


def net(book: NovationBook) -> NetPositions:
    """Net a novation book under its own rules."""
    return net_columns(book.columns(), book.rules)
