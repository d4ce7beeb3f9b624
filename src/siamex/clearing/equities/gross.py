"""Gross (trade-for-trade) settlement of large trade reports (clearing-spec.md 3.1, 3.4).

A trade report of at least 50M THB switched to gross (`NovationBook.choose_gross`) leaves the
net and settles alone on its chosen date, by 12:30 on that date (3.4, "Gross clearing: create
and settle"). `gross_items` lists those trades, `settle_gross` settles one date's at its cut-off.

Why it is shaped this way, as net settlement (settlement.py): the ledger is the only state.
Every movement is a `Transaction` keyed by date, trade and step
(`gross:2021-04-12:R50:deliver`), so a call run twice posts nothing twice, and what settled is
read back from those keys. Two documents record the cut-off, committed with the postings:
`gross:{day}:decided` (`state.GROSS_DECIDED`) holds each item with what its seller and buyer
lacked, and `gross:{day}:settled` (`state.DVP_SETTLED`, the time it ran) says the step is
done. A repeated call therefore
reports the fails decided at the cut-off, not against later balances.

Choices:

- An item settles DvP, all or nothing: only if the seller's depository account of the trade's
  account type holds every share and the buyer's cash account the whole value; then four
  postings move the shares and cash through TCH, which ends flat. Otherwise nothing moves and it
  is a `GrossFail` with both shortfalls. Portfolio and client holdings never cover each other
  (3.1); cash is per member, or per account type under `cash_netting = "account"` (decision C2).
- Items settle in trade id order against balances updated as they go, so shares or cash
  received on an earlier item can fund a later one; the order makes the outcome reproducible.
- A fail stays a fail: there is no second round, no SBL or buy-in for a gross trade here (the
  spec gives gross settlement a single cut-off and no remedy of its own).
- All postings of a date go in one commit with its decision. A call after a crash finds the
  date settled with its decision, or nothing moved and decides it then.
- An item handed in again after its date was processed must be the one recorded; a new or
  changed one is refused (`CLEARING_STATE`), since gross trades cannot be created after the
  cut-off.
- A gross trade never has its legs on different boards: novation refuses the board-type
  change of a gross trade, and the confirmation of a gross item whose legs were moved
  (`NOT_IMPLEMENTED`): the depository's conversion between boards is not modelled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from siamex.clearing.equities.dvp import Exchange, Kind, is_settled, settle_once
from siamex.clearing.equities.novation import NovationBook
from siamex.clearing.equities.settlement import check_cutoff
from siamex.clearing.equities.trades import TradeBatch
from siamex.clearing.foundations.accounts import holdings_account, member_cash
from siamex.clearing.foundations.members import AccountType
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import (
    GROSS,
    GROSS_DATES,
    GROSS_DECIDED,
    GROSS_OF,
    GrossItemRow,
    GrossRef,
)
from siamex.clearing.foundations.store import LedgerStore
from siamex.errors import ErrorCode, SiamexError
from siamex.units import wall_clock

__all__ = ["GrossFail", "GrossItem", "GrossResult", "check_gross", "gross_by_trade_date",
           "gross_items", "item_from_row", "item_row", "record_gross", "settle_gross",
           "settle_gross_due"]


@dataclass(frozen=True, slots=True)
class GrossItem:
    """One gross trade as it settles: the seller delivers to TCH, the buyer pays TCH, then
    each receives."""

    trade_id: str
    settlement_date: dt.date
    security: str  # the netting key with board, as in SecuritiesObligation.security
    qty: int
    value: int  # satang
    seller: str  # clearing member
    seller_account_type: AccountType
    buyer: str
    buyer_account_type: AccountType

    def __post_init__(self) -> None:
        # A ledger posting moves a non-zero integer; refuse an item that could never post.
        for name, amount in (("qty", self.qty), ("value", self.value)):
            if type(amount) is not int or amount <= 0:
                raise ValueError(f"gross trade {self.trade_id}: {name} must be a positive "
                                 f"integer, not {amount!r}")


@dataclass(frozen=True, slots=True)
class GrossFail:
    """A gross item that did not settle at the cut-off, and what each side lacked then."""

    item: GrossItem
    delivery_short: int  # shares the seller lacked at the cut-off (0 if it delivered)
    payment_short: int  # satang the buyer lacked (0 if it paid)


@dataclass(frozen=True)
class GrossResult:
    """What one date's gross settlement settled and failed, each in trade id order."""

    settlement_date: dt.date
    settled: tuple[GrossItem, ...]
    failed: tuple[GrossFail, ...]


def item_row(item: GrossItem) -> GrossItemRow:
    """An item as the store keeps it: in its date's decision, and among the gross trades a
    clearing day keeps for their settlement date."""
    return GrossItemRow(item.trade_id, item.settlement_date, item.security, item.qty, item.value,
                        item.seller, item.seller_account_type, item.buyer,
                        item.buyer_account_type)


def item_from_row(row: GrossItemRow) -> GrossItem:
    """An item back from `item_row`'s form; a row read from the store has had its fields
    checked by its schema (qty and value positive), so none is refused here."""
    return GrossItem(row.trade_id, row.settlement_date, row.security, row.qty, row.value,
                     row.seller, row.seller_account_type, row.buyer, row.buyer_account_type)


def gross_items(book: NovationBook) -> list[GrossItem]:
    """List every gross trade of the book, by (settlement date, trade id).

    Read from the legs, so that account corrections and give-ups made before the trade's
    cut-offs are the accounts that settle.
    """
    columns = book.columns()
    items = []
    for row in np.flatnonzero(columns.gross).tolist():
        buy, sell = book.legs_of(columns.trade_ids[row])  # one board: novation refuses others
        items.append(GrossItem(buy.trade_id, buy.settlement_date, sell.security, sell.qty,
                               sell.value, sell.member, sell.account_type, buy.member,
                               buy.account_type))
    return sorted(items, key=lambda item: (item.settlement_date, item.trade_id))


def _exchange(item: GrossItem, rules: ClearingRules) -> Exchange:
    """The item as a DvP exchange; 3.1: shares only from and to the trade's own account type."""
    return Exchange(
        ("gross", str(item.settlement_date), item.trade_id), item.settlement_date, "gross",
        item.security, item.qty, item.value,
        holdings_account(item.seller, item.seller_account_type, item.security),
        holdings_account(item.buyer, item.buyer_account_type, item.security),
        member_cash(item.buyer, item.buyer_account_type, rules),
        member_cash(item.seller, item.seller_account_type, rules))


def _due(items: Iterable[GrossItem], day: dt.date) -> list[GrossItem]:
    """The items settling on `day`, in trade id order; one trade id is one item."""
    due: dict[str, GrossItem] = {}
    for item in items:
        if item.settlement_date != day:
            continue
        seen = due.setdefault(item.trade_id, item)
        if seen != item:
            raise SiamexError(ErrorCode.CLEARING_STATE,
                              f"gross trade {item.trade_id} is given twice with different "
                              "terms")
    return [due[trade_id] for trade_id in sorted(due)]


def _kind(rules: ClearingRules) -> Kind[GrossItem, GrossItemRow]:
    return Kind("gross", GROSS_DECIDED, lambda item: item.trade_id,
                lambda item: f"gross trade {item.trade_id}", lambda item: _exchange(item, rules),
                item_row, item_from_row)


def settle_gross(store: LedgerStore, items: Iterable[GrossItem], day: dt.date, at: dt.datetime,
                 rules: ClearingRules = DEFAULT_CLEARING_RULES) -> GrossResult:
    """Settle the gross items of `day` at its cut-off; a repeated call returns the first's
    result and posts nothing."""
    cutoff = rules.gross_cutoff_sd  # 3.4: gross settles by 12:30 on SD
    check_cutoff(f"gross settlement of {day}", day, at, cutoff)
    decided = settle_once(store, _kind(rules), day, at, _due(items, day))
    return GrossResult(day, tuple(d.item for d in decided if d.settles),
                       tuple(GrossFail(d.item, d.delivery_short, d.payment_short)
                             for d in decided if not d.settles))


def _gross_of(store: LedgerStore, day: dt.date) -> list[tuple[dt.date, str]]:
    """The gross trades a trade date recorded, as (settlement date, trade id)."""
    return [(ref.settlement_date, ref.trade_id) for ref in GROSS_OF.get(store, day) or []]


def gross_by_trade_date(batch: TradeBatch,
                         items: Iterable[GrossItem]) -> dict[dt.date, list[GrossItem]]:
    dates = {trade.trade_id: trade.trade_date for trade in batch}
    by_date: dict[dt.date, list[GrossItem]] = {day: [] for day in dates.values()}
    for item in items:
        by_date[dates[item.trade_id]].append(item)
    return by_date


def check_gross(store: LedgerStore, by_date: Mapping[dt.date, list[GrossItem]]) -> None:
    """Refuse to take back or change a gross trade whose date has settled gross."""
    for day, items in by_date.items():
        new = {(item.settlement_date, item.trade_id) for item in items}
        for sd, trade_id in set(_gross_of(store, day)) ^ new:
            if is_settled(store, "gross", sd):
                raise SiamexError(ErrorCode.CLEARING_STATE,
                                  f"gross trade {trade_id} of {day} settled on {sd}: the trades "
                                  "of that date cannot change it now")


def record_gross(store: LedgerStore, by_date: Mapping[dt.date, list[GrossItem]]) -> None:
    """Keep each trade date's gross trades under their chosen settlement dates, replacing what
    the date recorded before: a trade file given again with other book changes is the day."""
    touched: set[dt.date] = set()
    for day, items in by_date.items():
        for sd, trade_id in _gross_of(store, day):
            rows = [r for r in GROSS.get(store, sd) or [] if r.trade_id != trade_id]
            GROSS.put(store, rows, sd)
        for item in items:
            rows = [r for r in GROSS.get(store, item.settlement_date) or []
                    if r.trade_id != item.trade_id]
            rows.append(item_row(item))
            GROSS.put(store, sorted(rows, key=lambda r: r.trade_id), item.settlement_date)
            touched.add(item.settlement_date)
        GROSS_OF.put(store, [GrossRef(item.settlement_date, item.trade_id) for item in items],
                     day)
    GROSS_DATES.put(store, sorted(set(GROSS_DATES.get(store) or []) | touched))


def settle_gross_due(store: LedgerStore, run_date: dt.date,
                  rules: ClearingRules) -> list[GrossResult]:
    """Settle every stored gross date up to the run date at its 12:30 cut-off (3.4)."""
    results = []
    for sd in GROSS_DATES.get(store) or []:
        if sd <= run_date:
            items = [item_from_row(r) for r in GROSS.get(store, sd) or []]
            results.append(settle_gross(store, items, sd, wall_clock(sd, rules.gross_cutoff_sd),
                                        rules))
    return results
