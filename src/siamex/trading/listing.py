"""Listing a security for the day: its tick scale, price limits, board lot and auction instants."""

from __future__ import annotations

import datetime as dt

from siamex.rulebook.limits import price_limits
from siamex.rulebook.parameters import Rulebook
from siamex.rulebook.schedule import draw_auction_instants
from siamex.rulebook.ticks import tick_scale
from siamex.trading.commands import InstrumentSpec
from siamex.trading.instrument import Instrument

__all__ = ["list_instrument"]


def list_instrument(rules: Rulebook, day: dt.date, spec: InstrumentSpec, carried_close: int | None,
                    seed: int, pinned: dict[str, int]) -> Instrument:
    """Build a security's state for the day (3.1, 3.3, T5, T6).

    The previous close is the one given, else the one carried from the engine's last day; with
    neither, an IPO price makes it a first trading day.
    """
    scale = tick_scale(rules, spec.kind)
    prev_close = spec.prev_close if spec.prev_close is not None else carried_close
    ipo = spec.ipo_price if prev_close is None else None
    if prev_close is None and ipo is None:
        raise ValueError(f"{spec.symbol} has neither a previous close nor an IPO price")
    limits = price_limits(rules, scale, prev_close or 0, board=spec.board, ipo_price=ipo)
    lot = spec.board_lot or (rules.dr_board_lot if spec.kind == "dr" else rules.board_lot)
    instants = draw_auction_instants(rules, seed, day, spec.symbol)
    if pinned:
        instants = instants._replace(**pinned)
    return Instrument(
        spec.symbol, spec.kind, spec.board, lot, spec.listed_shares, scale, limits, prev_close,
        ipo, instants, rules.auction_tick_allowance,
        odd_lot_board=lot > 1 and spec.kind not in rules.odd_lot_excluded_kinds,
        max_qty=rules.max_order_qty,
    )
