"""Trade reports (put-through): their boards, hours and price rules, and the way from a report
to its trade (set-trading-rules.md 2.3, 5; decision T20).

A main-board report is a big lot from 1,000,000 shares or 3,000,000 THB; smaller ones are
ordinary off-hour reports. The reported price need not be on the tick grid (2.3).

    board      hours                              price
    off_hour   from the security's close to 17:00 today's close or average auto-matched price;
                                                  with neither, the previous close
    big_lot    09:30 to 17:00                     within the day's ceiling and floor
    foreign    09:30 to 17:00                     within the foreign board's +-60% limits

A report within one firm trades at once. A two-firm report waits for the buying member's
confirmation, checked again when it comes; one still waiting when the day ends is cancelled.
A report's id shares the namespace of the live orders' ids (decision 11). Its trade counts in
no statistic, last price or index: it is no auto-matched trade.
"""

from __future__ import annotations

from typing import Final

from siamex.rulebook.parameters import Rulebook
from siamex.trading.checks import Failure
from siamex.trading.commands import ConfirmTradeReport, TradeReport
from siamex.trading.day import TradingDay
from siamex.trading.enums import Board, Phase
from siamex.trading.events import Cancelled, Event, Rejected, Trade, TradeReportPending
from siamex.trading.holdings import Holdings, report_refusal
from siamex.trading.instrument import Instrument
from siamex.trading.operations import listed
from siamex.trading.order import Order
from siamex.trading.rejects import CancelReason, Reject
from siamex.units import average_price, format_price, format_time_of_day

__all__ = ["check_report", "confirm_report", "expire_reports", "report_board", "take_report"]

_STOPPED: Final = frozenset({Phase.HALTED, Phase.PAUSED})


def report_board(rules: Rulebook, inst: Instrument, qty: int, price: int) -> Board:
    """Return the board a report belongs to: the security's board, then its size (T20)."""
    if inst.board == "foreign":
        return Board.FOREIGN
    if qty >= rules.big_lot_min_qty or qty * price >= rules.big_lot_min_value:
        return Board.BIG_LOT
    return Board.OFF_HOUR


def _off_hour_prices(inst: Instrument) -> list[int]:
    """Return the prices an ordinary off-hour report may use (5, T20)."""
    if not inst.volume:
        reference = inst.prev_close if inst.prev_close is not None else inst.ipo_price
        return [reference] if reference is not None else []
    average = average_price(inst.value, inst.volume)
    assert average is not None
    return sorted({inst.last_price, average})


def check_report(rules: Rulebook, inst: Instrument, board: Board, qty: int, price: int,
                 time_of_day: int) -> Failure | None:
    """Check a report's size, the security's state, the board's hours and its price rule."""
    if qty <= 0 or price <= 0:
        return Reject.INVALID, "a trade report needs a positive quantity and price"
    if inst.phase in _STOPPED:  # T8: a halted or paused security takes no trade reports
        return Reject.HALTED, f"{inst.symbol} is {inst.phase.value.lower()}"
    if not rules.trade_report_start <= time_of_day < rules.off_hour_end:
        return Reject.MARKET_CLOSED, (
            f"trade reports are taken from {format_time_of_day(rules.trade_report_start)} "
            f"to {format_time_of_day(rules.off_hour_end)}")
    if board is Board.OFF_HOUR:
        if inst.session is not Phase.OFF_HOUR:
            return Reject.TRADE_REPORT_SIZE, (
                f"before {inst.symbol}'s close a trade report must be a big lot (at least "
                f"{rules.big_lot_min_qty:,} shares or {rules.big_lot_min_value // 100:,} "
                "THB)")
        allowed = _off_hour_prices(inst)
        if price not in allowed:
            return Reject.TRADE_REPORT_PRICE, (
                "an off-hour report is priced at "
                + " or ".join(format_price(p) for p in allowed))
        return None
    if not inst.floor <= price <= inst.ceiling:
        return Reject.TRADE_REPORT_PRICE, (
            f"a {board.value} report is priced within {format_price(inst.floor)} and "
            f"{format_price(inst.ceiling)}")
    return None


def take_report(day: TradingDay, waiting: dict[str, TradeReport], live: dict[str, Order],
                cmd: TradeReport, trade_no: int, out: list[Event],
                holdings: Holdings | None = None, check_sells: bool = False) -> bool:
    """Take a put-through: one firm's trades at once, numbered `trade_no`, two firms' waits
    for the buyer; tell whether it traded. With `holdings`, the report moves the seller's and
    buyer's balances, and with `check_sells` the seller must cover it (decision 147)."""
    inst = listed(day, cmd.symbol, cmd.id, cmd.ts, out)
    if inst is None:
        return False
    if cmd.id in live or cmd.id in waiting:  # docs/decisions.md 11
        out.append(Rejected(cmd.ts, cmd.id, Reject.DUPLICATE_ID, f"id {cmd.id!r} is in use"))
        return False
    if cmd.board and cmd.board != inst.board:
        out.append(Rejected(cmd.ts, cmd.id, Reject.INVALID,
                            f"{inst.symbol} trades on the {inst.board} board"))
        return False
    board = report_board(day.rules, inst, cmd.qty, cmd.price)
    failure = check_report(day.rules, inst, board, cmd.qty, cmd.price, cmd.ts - day.base)
    if failure is None and check_sells:
        failure = report_refusal(holdings, cmd)
    if failure is not None:
        out.append(Rejected(cmd.ts, cmd.id, failure[0], failure[1]))
        return False
    if cmd.sell_member == cmd.buy_member:
        out.append(_trade(cmd, board, cmd.ts, trade_no))
        if holdings is not None:
            holdings.report_trades(cmd)
        return True
    if holdings is not None:
        holdings.report_waits(cmd)
    waiting[cmd.id] = cmd
    out.append(TradeReportPending(cmd.ts, cmd.id, cmd.symbol, board, cmd.qty, cmd.price,
                                  cmd.sell_member, cmd.buy_member))
    return False


def confirm_report(day: TradingDay, waiting: dict[str, TradeReport], cmd: ConfirmTradeReport,
                   trade_no: int, out: list[Event], holdings: Holdings | None = None) -> bool:
    """Take the buyer's confirmation of a waiting report: its trade, numbered `trade_no`, if
    the report still passes its checks now; tell whether it traded."""
    report = waiting.get(cmd.id)
    if report is None:
        out.append(Rejected(cmd.ts, cmd.id, Reject.UNKNOWN_ORDER,
                            f"no trade report {cmd.id!r} waits for confirmation"))
        return False
    if cmd.member is not None and cmd.member != report.buy_member:
        out.append(Rejected(cmd.ts, cmd.id, Reject.NOT_OWNER,
                            f"trade report {cmd.id!r} is confirmed by {report.buy_member}"))
        return False
    inst = day.instruments[report.symbol]
    board = report_board(day.rules, inst, report.qty, report.price)
    failure = check_report(day.rules, inst, board, report.qty, report.price, cmd.ts - day.base)
    if failure is not None:
        out.append(Rejected(cmd.ts, cmd.id, failure[0], failure[1]))
        return False
    del waiting[cmd.id]
    out.append(_trade(report, board, cmd.ts, trade_no))
    if holdings is not None:
        holdings.report_trades(report)
    return True


def expire_reports(waiting: dict[str, TradeReport], ts: int, out: list[Event],
                   holdings: Holdings | None = None) -> None:
    """Cancel the reports still waiting for their buyer as the day ends."""
    for report in waiting.values():
        if holdings is not None:
            holdings.report_ends(report.id)
        out.append(Cancelled(ts, report.id, 0, report.symbol, report.qty,
                             CancelReason.TRADE_REPORT_UNCONFIRMED))
    waiting.clear()


def _trade(report: TradeReport, board: Board, ts: int, trade_no: int) -> Trade:
    """A report's trade, tagged by its board (5, T20)."""
    return Trade(ts, trade_no, report.symbol, board, report.price, report.qty, "trade_report",
                 report.id, report.id, 0, 0, report.buy_member, report.buy_account,
                 report.sell_member, report.sell_account)
