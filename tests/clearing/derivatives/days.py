"""Builders for the derivatives day tests: a small account book, trades as CSV rows, the day's
instructions as keyword arguments, a day run against a store, and what the store then holds
(positions, prices, member cash at the banks, TCH's derivatives settlement account)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from siamex.clearing.derivatives.accounts import AccountBook, account_book
from siamex.clearing.derivatives.collateral import derivatives_collateral_account
from siamex.clearing.derivatives.day import DerivativesInputs, clear_derivatives
from siamex.clearing.derivatives.instructions import (
    DerivativesInstructions,
    instructions_from_text,
)
from siamex.clearing.derivatives.trades import TRADE_COLUMNS, DerivativesTrade, trades_from_csv
from siamex.clearing.derivatives.universe import check_listed
from siamex.clearing.foundations.accounts import DERIVATIVES_SETTLEMENT, member_bank
from siamex.clearing.foundations.ledger import THB, Outcome, Transaction
from siamex.clearing.foundations.state import (
    DERIVATIVES_POSITIONS,
    DERIVATIVES_PRICES,
    AccountSeriesRow,
    DerivativesDay,
)
from siamex.clearing.foundations.store import LedgerStore, MemoryStore
from siamex.rulebook.products import DEFAULT_PRODUCTS

BAHT = 100  # satang
S50 = 200  # THB per SET50 index point (4.1)
MEMBERS = ("A", "B", "C")

# Thursday 8 April 2021 and the TFEX business days after it: 13-15 April are holidays (E17)
T = dt.date(2021, 4, 8)
T1, T2, T3, T4 = dt.date(2021, 4, 9), dt.date(2021, 4, 12), dt.date(2021, 4, 16), \
    dt.date(2021, 4, 19)

BOOK_JSON: dict[str, Any] = {
    "members": [{"member": m, "shareholders_equity": "200000000"} for m in MEMBERS],
    "accounts": [
        {"account": "A-NET", "member": "A", "position_mode": "net", "beneficiary": "inv-1"},
        {"account": "A-SAME", "member": "A", "position_mode": "net", "beneficiary": "inv-1"},
        {"account": "A-GROSS", "member": "A", "position_mode": "gross",
         "beneficiary": "inv-2"},
        {"account": "B-NET", "member": "B", "position_mode": "net", "beneficiary": "inv-3"},
        {"account": "B-GROSS", "member": "B", "position_mode": "gross",
         "beneficiary": "inv-4"},
        {"account": "C-NET", "member": "C", "position_mode": "net", "beneficiary": "inv-5"},
    ],
    "give_up_agreements": [{"giving": "A", "receiving": "B"}],
}
BOOK = account_book(json.dumps(BOOK_JSON))
ACCOUNTS = tuple(a["account"] for a in BOOK_JSON["accounts"])


def trade(trade_id: str, day: dt.date, series: str, qty: int, price: str, buyer: str,
          seller: str, *, buy_flag: str = "open", sell_flag: str = "open",
          session: str = "day", time: str = "10:00:00") -> str:
    """One row of a trade file."""
    return (f"{trade_id},{day},{session},{time},{series},{qty},{price},{buyer},{buy_flag},"
            f"{seller},{sell_flag}")


def _listed(trade: DerivativesTrade) -> None:
    check_listed(trade.series, trade.date, DEFAULT_PRODUCTS)


def trades(*rows: str, book: AccountBook = BOOK) -> tuple[DerivativesTrade, ...]:
    """The trades of a file made of `rows`, read as `siamex derivatives run` reads them."""
    return trades_from_csv("\n".join([",".join(TRADE_COLUMNS), *rows]), book, _listed)


def instructions(**fields: Any) -> DerivativesInstructions:
    """The day instructions of a file holding `fields`."""
    return instructions_from_text(json.dumps(fields))


def inputs(rows: tuple[str, ...] = (), book: AccountBook = BOOK,
           **fields: Any) -> DerivativesInputs:
    return DerivativesInputs(book, trades(*rows, book=book), instructions(**fields))


def clear(store: LedgerStore, on: dt.date, rows: tuple[str, ...] = (),
          book: AccountBook = BOOK, **fields: Any) -> DerivativesDay:
    """Clear the derivatives day `on` against `store`."""
    return clear_derivatives(inputs(rows, book, **fields), store, on)


def row(day: DerivativesDay, account: str, series: str) -> AccountSeriesRow:
    found = [r for r in day.rows if (r.account, r.series) == (account, series)]
    assert len(found) == 1, (account, series, day.rows)
    return found[0]


def cash_of(r: AccountSeriesRow) -> int:
    """An account's money of the day in one series, satang, + received."""
    return r.vm_carry + r.vm_new + r.premium + r.final


def account_cash(day: DerivativesDay) -> dict[str, int]:
    """Each account's money of the day over its series."""
    cash: dict[str, int] = defaultdict(int)
    for r in day.rows:
        cash[r.account] += cash_of(r)
    return dict(cash)


def member_cash(day: DerivativesDay) -> dict[str, int]:
    """Each member's money of the day as the report settles it: intraday plus end of day."""
    return {c.member: c.intraday + c.eod for c in day.cash}


def positions(store: LedgerStore, on: dt.date) -> dict[tuple[str, str], tuple[int, int]]:
    """The (long, short) of every open position the store keeps at `on`'s end."""
    return {(p.account, p.series): (p.long, p.short)
            for p in DERIVATIVES_POSITIONS.get(store, on) or []}


def prices(store: LedgerStore, on: dt.date) -> dict[str, int]:
    return {s: p.price for s, p in (DERIVATIVES_PRICES.get(store, on) or {}).items()}


def banks(store: LedgerStore) -> dict[str, int]:
    """What each member's settlement bank account has moved by, satang (+ received), its
    margin calls counted back: the cash a call moves into its TFEX collateral stays its own."""
    balances = store.balances()
    return {m: balances.get(member_bank(m), 0)
            + balances.get(derivatives_collateral_account(m, THB), 0) for m in MEMBERS}


def settlement_account(store: LedgerStore) -> int:
    """TCH's derivatives settlement account: what it holds after the postings."""
    return store.balances().get(DERIVATIVES_SETTLEMENT, 0)


class Store(MemoryStore):
    """An in-memory store that counts the commits that wrote something."""

    writes = 0

    def commit(self, transactions: Sequence[Transaction] = (),
               documents: Mapping[str, str] | None = None) -> list[Outcome]:
        outcomes = super().commit(transactions, documents)
        if transactions or documents:
            self.writes += 1
        return outcomes
