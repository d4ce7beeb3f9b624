"""Trade reports (put-through): their boards, hours and price rules (set-trading-rules.md 2.3,
5; decision T20).

A main-board report is a big lot from 1,000,000 shares or 3,000,000 THB; smaller ones are
ordinary off-hour reports. The reported price need not be on the tick grid (2.3).

    board      hours                              price
    off_hour   from the security's close to 17:00 today's close or average auto-matched price;
                                                  with neither, the previous close
    big_lot    09:30 to 17:00                     within the day's ceiling and floor
    foreign    09:30 to 17:00                     within the foreign board's +-60% limits
"""

from __future__ import annotations

from typing import Final

from siamex.rulebook.parameters import Rulebook
from siamex.trading.checks import Failure
from siamex.trading.enums import Board, Phase
from siamex.trading.instrument import Instrument
from siamex.trading.rejects import Reject
from siamex.units import average_price, format_price, format_time_of_day

__all__ = ["check_report", "report_board"]

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
