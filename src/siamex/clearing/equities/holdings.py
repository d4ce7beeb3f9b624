"""Opening holdings: the shares and cash members bring into a clearing store, read from a file
and issued once.

Why issued once: the store is the clearing house's only state. The holdings are issued on the
date of the store's first run (`state.OPENING_ISSUED`, recorded in the same commit) under keys of
that date, so the same file given again posts nothing and a file that changes a holding
already issued is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siamex.clearing.equities.settlement import issue
from siamex.clearing.foundations.accounts import cash_account, holdings_account
from siamex.clearing.foundations.files import read_json
from siamex.clearing.foundations.ledger import THB, Account, ConflictingTransaction
from siamex.clearing.foundations.limits import MAX_SHARES
from siamex.clearing.foundations.members import AccountType, MemberRegistry
from siamex.clearing.foundations.money import InvalidAmount, parse_baht
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import OPENING_ISSUED
from siamex.clearing.foundations.store import LedgerStore
from siamex.clearing.foundations.unit_of_work import UnitOfWork
from siamex.errors import ErrorCode, SiamexError
from siamex.units import shown

__all__ = ["Holding", "arriving", "holdings_from_json", "issue_opening", "load_holdings"]

_HOLDING_FIELDS = {"member", "account_type", "asset", "qty"}


@dataclass(frozen=True, slots=True)
class Holding:
    """An opening holding: shares of a security in one account type, or cash in satang
    (`account_type` None for cash netted per member)."""

    member: str
    account_type: AccountType | None
    asset: str
    qty: int

    @property
    def account(self) -> Account:
        """The ledger account the holding is issued into."""
        if self.asset == THB:
            return cash_account(self.member, self.account_type)
        assert self.account_type is not None  # holdings_from_json requires it for shares
        return holdings_account(self.member, self.account_type, self.asset)


def _refuse(where: str, why: str) -> SiamexError:
    return SiamexError(ErrorCode.HOLDINGS_FILE, f"{where}: {why}")


def _holding(entry: Any, where: str, registry: MemberRegistry, rules: ClearingRules) -> Holding:
    if not isinstance(entry, dict):
        raise _refuse(where, "must be an object")
    unknown = sorted(set(entry) - _HOLDING_FIELDS)
    if unknown:
        raise _refuse(where, f"unknown field {', '.join(unknown)}")
    member, asset, kind, qty = (entry.get("member"), entry.get("asset"),
                                entry.get("account_type"), entry.get("qty"))
    if not isinstance(member, str) or registry.member(member) is None:
        raise _refuse(where, f"unknown member {shown(member)}")
    if not isinstance(asset, str) or not asset:
        raise _refuse(where, "`asset` must be a security such as \"PTT\" or \"THB\"")
    cash = asset == THB
    per_account = rules.cash_per_account_type
    account_type: AccountType | None = None
    if kind is not None or not cash or per_account:
        try:
            account_type = AccountType(kind if isinstance(kind, str) else "")
        except ValueError:
            raise _refuse(where, f"`account_type` must be portfolio or client, got {shown(kind)}"
                          ) from None
        if cash and not per_account:
            raise _refuse(where, "cash nets per member: leave out `account_type`")
    if cash:
        if not isinstance(qty, str):
            raise _refuse(where, "cash `qty` is a decimal THB string such as \"1000000.00\"")
        try:
            amount = parse_baht(qty)
        except InvalidAmount as exc:
            raise _refuse(where, str(exc)) from None
    elif isinstance(qty, int) and not isinstance(qty, bool):
        if qty > MAX_SHARES:  # decision 71: what a 64-bit store column holds, with headroom
            raise _refuse(where, f"`qty` is beyond the largest quantity, {MAX_SHARES:,} shares")
        amount = qty
    else:
        raise _refuse(where, "`qty` of a security is a whole number of shares")
    if amount < 0:
        raise _refuse(where, f"a holding cannot be negative, got {shown(qty)}")
    return Holding(member, account_type, asset, amount)


def holdings_from_json(data: Any, registry: MemberRegistry,
                       rules: ClearingRules = DEFAULT_CLEARING_RULES) -> list[Holding]:
    """Read parsed opening holdings, refusing the whole file at its first fault."""
    if not isinstance(data, dict) or set(data) - {"holdings", "description"}:
        raise SiamexError(ErrorCode.HOLDINGS_FILE,
                          "a holdings file is a JSON object with a `holdings` list")
    entries = data.get("holdings")
    if not isinstance(entries, list):
        raise SiamexError(ErrorCode.HOLDINGS_FILE, "`holdings` must be a list")
    holdings = [_holding(e, f"holdings[{n}]", registry, rules) for n, e in enumerate(entries, 1)]
    seen: set[Account] = set()
    for number, holding in enumerate(holdings, 1):
        if holding.account in seen:
            raise _refuse(f"holdings[{number}]", "the same account is given twice")
        seen.add(holding.account)
    return holdings


def load_holdings(path: Path, registry: MemberRegistry,
                  rules: ClearingRules = DEFAULT_CLEARING_RULES) -> list[Holding]:
    """Read an opening-holdings file (docs/cli.md, "siamex clearing run")."""
    data = read_json(path, ErrorCode.HOLDINGS_FILE)  # a JSON number for cash is refused
    try:
        return holdings_from_json(data, registry, rules)
    except SiamexError as exc:
        raise SiamexError(exc.code, f"{path}: {exc.message}") from None


def arriving(store: LedgerStore, holdings: Iterable[Holding]) -> dict[Account, int]:
    """What the opening holdings will bring in, if the store has not issued them yet."""
    if OPENING_ISSUED.exists(store):
        return {}
    return {h.account: h.qty for h in holdings}


def issue_opening(store: LedgerStore, holdings: Iterable[Holding], first_day: dt.date) -> None:
    """Issue the opening holdings under keys of the store's first run date, so that the same
    file posts nothing the second time; the date is recorded in the commit that issues them."""
    with UnitOfWork(store) as step:
        opening = OPENING_ISSUED.get(step)
        if opening is None:
            opening = first_day
            OPENING_ISSUED.put(step, opening)
        try:
            issue(step, opening, {h.account: h.qty for h in holdings}, key_prefix="opening")
        except ConflictingTransaction as exc:
            raise SiamexError(ErrorCode.HOLDINGS_FILE,
                              f"the opening holdings were issued on {opening} with other "
                              f"quantities ({exc})") from None
