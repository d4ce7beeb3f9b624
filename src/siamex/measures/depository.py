"""The depository file: start-of-day holdings per investor account, and who the investors are.

Why a file of its own: check-before-sell (docs/check-before-sell.md) needs each client
account's shares at the start of the day, which the clearing house's store keeps only per
member and account type. A depository (TSD) or a member's back office gives them per account
in this file; `depository_from_store` derives the member-level ones from a clearing store.

    {"date": "2026-12-03",
     "investors": [{"investor": "INV-0123456789abcdef0123",
                    "accounts": [{"member": "M1", "account": "A1"}]},
                   {"national_id": "1101700203450",
                    "accounts": [{"member": "M2", "account": "B7"}]}],
     "holdings": [{"member": "M1", "account": "A1", "symbol": "PTT", "settled": 1000,
                   "pledged": 200}]}

A holding's quantities are whole shares from 0 to 10^12 (decision 71's bound), each 0 when
left out. `pledged` and `lent` are parts of `settled`, `short_sold` a part of `borrowed`
(decision 148). An NVDR holding is the symbol with "-R" (PTT-R), a foreign-board one the
foreign board's symbol (PTT-F), as the clearing house names them (decision 149). A national id
is turned into its pseudonym as the file is read, with the exchange's key, and not kept
(decision 146); without a key such a file is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import msgspec

from siamex.clearing.equities.trade_dates import stored_days
from siamex.clearing.foundations.files import read_json
from siamex.clearing.foundations.ledger import SECURITIES, TCH, AccountType
from siamex.clearing.foundations.limits import MAX_SHARES
from siamex.clearing.foundations.store import LedgerStore
from siamex.errors import ErrorCode, SiamexError
from siamex.measures.investors import (
    INVESTOR_ID,
    InvalidNationalId,
    InvestorConflict,
    Investors,
    pseudonym,
)
from siamex.units import InvalidValue, parse_date, shown

__all__ = ["QUANTITIES", "Depository", "Holding", "depository_from_json",
           "depository_from_store", "load_depository"]

_MAX_NAME: Final = 64  # a member, account or symbol longer than this is no one's


class Holding(msgspec.Struct, frozen=True, array_like=True, forbid_unknown_fields=True):
    """One account's shares of one security at the start of the day (decision 148); a struct,
    so that `siamex serve` journals the holdings it opens as they are (siamex.measures.live).

    `settled`: the investor's own shares in the account, lent ones included; `receivable` and
    `deliverable`: bought and sold (ordinary sales) not yet settled; `pledged` and `lent`: the
    part of `settled` that may not be sold; `borrowed`: shares borrowed (SBL) in the account;
    `short_sold`: short sales of them not yet settled.
    """

    member: str
    account: str
    symbol: str
    settled: int = 0
    receivable: int = 0
    deliverable: int = 0
    pledged: int = 0
    borrowed: int = 0
    lent: int = 0
    short_sold: int = 0


QUANTITIES: Final = Holding.__struct_fields__[3:]
"""A holding's quantities, in the order of the file's documentation and of a saved state."""

_HOLDING_FIELDS: Final = frozenset({"member", "account", "symbol", *QUANTITIES})
_INVESTOR_FIELDS: Final = frozenset({"investor", "national_id", "accounts"})
_ACCOUNT_FIELDS: Final = frozenset({"member", "account"})
_TOP_FIELDS: Final = frozenset({"date", "description", "investors", "holdings"})


@dataclass(frozen=True)
class Depository:
    """A day's opening holdings and the investors their accounts belong to."""

    date: dt.date
    holdings: tuple[Holding, ...] = ()
    investors: Investors = field(default_factory=Investors)

    def check_opens(self, date: str) -> None:
        """Refuse to open a day other than the file's: yesterday's balances would let sells
        through that today's would refuse."""
        if date != self.date.isoformat():
            raise SiamexError(ErrorCode.DEPOSITORY_FILE, (
                f"the depository file gives the holdings of {self.date.isoformat()}, "
                f"not of {date}, the day it would open"))


def _refuse(where: str, why: str) -> SiamexError:
    return SiamexError(ErrorCode.DEPOSITORY_FILE, f"{where}: {why}")


def _name(entry: Mapping[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value or len(value) > _MAX_NAME:
        raise _refuse(where, f"`{name}` must be text of 1 to {_MAX_NAME} characters, "
                             f"got {shown(value)}")
    return value


def _object(entry: Any, allowed: frozenset[str], where: str) -> Mapping[str, Any]:
    if not isinstance(entry, dict):
        raise _refuse(where, "must be an object")
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise _refuse(where, f"unknown field {', '.join(shown(n) for n in unknown)}")
    return entry


def _list(data: Mapping[str, Any], name: str, where: str) -> list[Any]:
    value = data.get(name, [])
    if not isinstance(value, list):
        raise _refuse(where, f"`{name}` must be a list")
    return value


def _quantity(entry: Mapping[str, Any], name: str, where: str) -> int:
    value = entry.get(name, 0)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _refuse(where, f"`{name}` must be a whole number of shares, got {shown(value)}")
    if not 0 <= value <= MAX_SHARES:  # decision 71
        raise _refuse(where, f"`{name}` must lie from 0 to {MAX_SHARES:,} shares, "
                             f"got {shown(value)}")
    return value


def _holding(raw: Any, where: str) -> Holding:
    entry = _object(raw, _HOLDING_FIELDS, where)
    holding = Holding(_name(entry, "member", where), _name(entry, "account", where),
                      _name(entry, "symbol", where),
                      *(_quantity(entry, name, where) for name in QUANTITIES))
    if holding.pledged + holding.lent > holding.settled:  # decision 148
        raise _refuse(where, f"pledged {holding.pledged:,} and lent {holding.lent:,} shares "
                             f"are part of the {holding.settled:,} settled")
    if holding.short_sold > holding.borrowed:  # decision 148
        raise _refuse(where, f"the {holding.short_sold:,} shares short sold are part of the "
                             f"{holding.borrowed:,} borrowed")
    return holding


def _investor(entry: Mapping[str, Any], key: bytes | None, where: str) -> str:
    given = entry.get("investor")
    national_id = entry.get("national_id")
    if (given is None) == (national_id is None):
        raise _refuse(where, "give either `investor` (a pseudonymous id) or `national_id`")
    if given is not None:
        if not isinstance(given, str) or not INVESTOR_ID.fullmatch(given):
            raise _refuse(where, "`investor` must be a pseudonymous id, \"INV-\" and 20 "
                                 "lowercase hex digits")
        return given
    if not key:
        raise _refuse(where, "a national id needs the exchange's investor key to become a "
                             "pseudonym; none was given")
    if not isinstance(national_id, str):
        raise _refuse(where, "`national_id` must be text of 13 digits")
    try:
        return pseudonym(key, national_id)
    except InvalidNationalId as exc:  # its message never quotes the id
        raise _refuse(where, str(exc)) from None


def _investors(entries: list[Any], key: bytes | None) -> Investors:
    investors = Investors()
    seen: dict[str, str] = {}
    for number, raw in enumerate(entries, 1):
        where = f"investors[{number}]"
        entry = _object(raw, _INVESTOR_FIELDS, where)
        investor = _investor(entry, key, where)
        if investor in seen:
            raise _refuse(where, f"the same investor as {seen[investor]}")
        seen[investor] = where
        accounts = _list(entry, "accounts", where)
        if not accounts:
            raise _refuse(where, "`accounts` must link at least one account")
        for place, raw_account in enumerate(accounts, 1):
            at = f"{where}.accounts[{place}]"
            account = _object(raw_account, _ACCOUNT_FIELDS, at)
            try:
                investors.link(investor, _name(account, "member", at),
                               _name(account, "account", at))
            except InvestorConflict as exc:
                raise _refuse(at, str(exc)) from None
    return investors


def depository_from_json(data: Any, key: bytes | None = None) -> Depository:
    """Read a parsed depository file, refusing the whole of it at its first fault."""
    if not isinstance(data, dict):
        raise SiamexError(ErrorCode.DEPOSITORY_FILE,
                          "a depository file is a JSON object with `date` and `holdings`")
    top = _object(data, _TOP_FIELDS, "the file")
    try:
        date = parse_date(top.get("date", ""))
    except InvalidValue as exc:
        raise _refuse("date", str(exc)) from None
    investors = _investors(_list(top, "investors", "the file"), key)
    holdings = tuple(_holding(raw, f"holdings[{number}]")
                     for number, raw in enumerate(_list(top, "holdings", "the file"), 1))
    seen: dict[tuple[str, str, str], int] = {}
    for number, holding in enumerate(holdings, 1):
        at = (holding.member, holding.account, holding.symbol)
        if at in seen:
            raise _refuse(f"holdings[{number}]", f"{holding.member}/{holding.account} "
                          f"{holding.symbol} is given again (first in holdings[{seen[at]}])")
        seen[at] = number
    return Depository(date, holdings, investors)


def load_depository(path: Path, key: bytes | None = None) -> Depository:
    """Read a depository file (docs/check-before-sell.md); `key` turns national ids into
    pseudonyms."""
    data = read_json(path, ErrorCode.DEPOSITORY_FILE)
    try:
        return depository_from_json(data, key)
    except SiamexError as exc:
        raise SiamexError(exc.code, f"{path}: {exc.message}") from None


def depository_from_store(store: LedgerStore, date: dt.date) -> Depository:
    """Derive the start of `date` from a clearing store, per member and account type (decision
    150): the account is named by its type ("portfolio", "client"); settled from every posting
    dated before `date` and the opening holdings; receivable and deliverable from the stored
    trade dates before `date` that settle on it or later."""
    settled: dict[tuple[str, str, str], int] = {}
    for tx in store.transactions():
        if tx.business_date >= date and not tx.key.startswith("opening:"):
            continue
        for account, amount in tx.legs:
            if (account.purpose == SECURITIES and account.owner != TCH
                    and isinstance(account.account_type, AccountType)):
                at = (account.owner, account.account_type.value, account.asset)
                settled[at] = settled.get(at, 0) + amount
    pending: dict[tuple[str, str, str], int] = {}
    for day in stored_days(store):
        if day.trade_date < date <= day.settlement_date:
            for obligation in day.positions.securities:
                at = (obligation.member, obligation.account_type.value, obligation.security)
                pending[at] = pending.get(at, 0) + obligation.net_qty
    holdings = []
    for at in sorted(set(settled) | set(pending)):
        own, due = max(settled.get(at, 0), 0), pending.get(at, 0)
        if own or due:
            holdings.append(Holding(*at, settled=own, receivable=max(due, 0),
                                    deliverable=max(-due, 0)))
    return Depository(date, tuple(holdings))
