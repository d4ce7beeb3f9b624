"""The drop copy: every trade and trade report, one record per side, as the exchange made it.

A drop copy is what an exchange sends the clearing house and a member's back office beside the
execution reports: each side of each trade with who traded it (member, account, trader, order,
client order id), so that the clearing house novates the day's trades and a member checks its
own. This module is pure: it turns one command's outcome into records, and a day's records into
the rows of the clearing house's JSON trade file (docs/clearing.md, "Trade files"), which
`siamex.clearing.equities.trades_from_json` reads as it reads any trade file.

Decisions (docs/drop-copy.md; decision 88):

- A record is one side: a member never learns the other side's member, account or trader from
  it. A trade whose two sides are one member's is two records.
- A side's trader, order number and client order id are those of the execution report the
  exchange made of the fill; a trade report, which no order made, names the report's id as
  its client order id and has no trader or order number.
- Prices are decimal strings in baht ("32.25"), never floats; the time is the trade's (an
  auction's trades, its uncross), Bangkok time written as the audit trail writes it (the
  engine's microseconds).
- In the clearing file, an order is named by its exchange order number (`#12`): one order
  throughout, even after a replace gave it another client order id (the clearing fee is per
  order, clearing-spec.md 3.8); a trade report keeps its id, as `siamex replay` output does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from siamex.gateway.audit import bangkok_instant
from siamex.gateway.reports import ExecKind, OrderReport, Report
from siamex.trading.enums import Board, Side
from siamex.trading.events import Trade
from siamex.units import format_price

__all__ = ["FIELDS", "DropCopy", "clearing_rows", "fills_of", "trade_sides"]


class DropCopy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One side of one trade. `n` numbers the drop copy from 1 in journal order, `seq` is the
    journal number of the command that made the trade, `date` the trading day."""

    n: int
    seq: int
    date: str
    time: str
    trade_no: int
    symbol: str
    side: Side
    qty: int
    price: str
    member: str
    account: str
    trader: str
    order_no: int | None
    clordid: str
    board: Board
    trade_report: bool


FIELDS: tuple[str, ...] = DropCopy.__struct_fields__

_REPORTED = "trade_report"  # the engine's aggressor of a trade report (events.Trade)


def fills_of(reports: Iterable[Report]) -> dict[tuple[int, Side], OrderReport]:
    """The fill reports of a command's outcome by trade number and side."""
    return {(r.trade_no, r.side): r for r in reports
            if isinstance(r, OrderReport) and r.kind is ExecKind.TRADE and r.trade_no is not None}


def trade_sides(n: int, seq: int, date: str, trade: Trade,
                fills: Mapping[tuple[int, Side], OrderReport]) -> tuple[DropCopy, DropCopy]:
    """The buy side numbered `n` and the sell side `n + 1` of one trade."""
    time = bangkok_instant(trade.ts)
    price = format_price(trade.price)
    reported = trade.aggressor == _REPORTED

    def side(number: int, which: Side, member: str, account: str, order_id: str,
             order_no: int) -> DropCopy:
        fill = fills.get((trade.trade_no, which))
        return DropCopy(
            n=number, seq=seq, date=date, time=time, trade_no=trade.trade_no,
            symbol=trade.symbol, side=which, qty=trade.qty, price=price, member=member,
            account=account, trader=fill.trader if fill is not None else "",
            order_no=fill.order_no if fill is not None else (order_no or None),
            clordid=fill.clordid if fill is not None else order_id, board=trade.board,
            trade_report=reported)

    return (side(n, Side.BUY, trade.buy_member, trade.buy_account, trade.buy_id,
                 trade.buy_order_no),
            side(n + 1, Side.SELL, trade.sell_member, trade.sell_account, trade.sell_id,
                 trade.sell_order_no))


def _order_id(record: DropCopy) -> str:
    return f"#{record.order_no}" if record.order_no is not None else record.clordid


def clearing_rows(records: Iterable[DropCopy]) -> list[dict[str, Any]]:
    """The clearing house's JSON trade rows of a day's records, one per trade, in trade
    number order; the engine's trade number is the trade id."""
    sides: dict[int, dict[Side, DropCopy]] = {}
    for record in records:
        sides.setdefault(record.trade_no, {})[record.side] = record
    rows = []
    for trade_no in sorted(sides):
        buy, sell = sides[trade_no][Side.BUY], sides[trade_no][Side.SELL]
        rows.append({"trade_id": str(trade_no), "trade_date": buy.date, "symbol": buy.symbol,
                     "board": buy.board.value, "price": buy.price, "qty": buy.qty,
                     "buy_member": buy.member, "buy_account": buy.account,
                     "sell_member": sell.member, "sell_account": sell.account,
                     "buy_order_id": _order_id(buy), "sell_order_id": _order_id(sell)})
    return rows
