"""The trades a journal holds and those a drop copy holds, side by side, for the drop-copy tests:
a drop copy is right when the two lists are equal."""

from __future__ import annotations

from pathlib import Path

from siamex.gateway.drop_copy_log import DROP_COPY, DropCopyLog
from siamex.gateway.exchange import Exchange
from siamex.gateway.journaled import DECODER
from siamex.gateway.service import JOURNAL
from siamex.journal.log import read_journal
from siamex.trading.events import Trade
from siamex.units import format_price

Side = tuple[int, str, str, str, str, int, str, str, bool]
"""trade number, side, member, account, symbol, quantity, price, board, trade report."""


def journal_sides(folder: Path) -> list[Side]:
    """Both sides of every trade a replay of the folder's journal makes, in order."""
    exchange = Exchange()
    sides: list[Side] = []
    for record in read_journal(folder / JOURNAL, DECODER):
        for event in exchange.handle(record.seq, record.command).events:
            if isinstance(event, Trade):
                price, board = format_price(event.price), event.board.value
                reported = event.aggressor == "trade_report"
                sides += [(event.trade_no, "buy", event.buy_member, event.buy_account,
                           event.symbol, event.qty, price, board, reported),
                          (event.trade_no, "sell", event.sell_member, event.sell_account,
                           event.symbol, event.qty, price, board, reported)]
    return sides


def kept_sides(folder: Path) -> tuple[list[int], list[Side]]:
    """The numbers of the folder's drop-copy records and their sides, in number order."""
    log = DropCopyLog(folder / DROP_COPY, readonly=True)
    try:
        records = log.after(0, limit=10**9)
    finally:
        log.close()
    return [r.n for r in records], [
        (r.trade_no, r.side.value, r.member, r.account, r.symbol, r.qty, r.price,
         r.board.value, r.trade_report) for r in records]
