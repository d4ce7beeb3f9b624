"""Listing a security for the day: its tick scale, price limits, board lot and auction instants."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from siamex.rulebook.limits import price_limits
from siamex.rulebook.parameters import Rulebook
from siamex.rulebook.schedule import draw_auction_instants
from siamex.rulebook.ticks import tick_scale
from siamex.trading.commands import InstrumentSpec
from siamex.trading.instrument import Instrument
from siamex.trading.short_eligibility import short_eligible

__all__ = ["SIGNS", "carried_close", "list_instrument", "main_symbol", "set_controls",
           "update_measures"]

SIGNS = frozenset({"H", "SP", "P", "NP", "NR", "NC", "CB", "CS", "CC", "CF", "CA", "XD", "XR",
                   "XM", "XW", "XA", "XI", "XN", "XB", "XE", "XP", "XS", "XT"})
"""The trading signs a security may carry (set-trading-rules.md 7.1)."""


def main_symbol(spec: InstrumentSpec) -> str:
    """The security whose previous close sets a security's limits: for a foreign-board (-F)
    security its main-board security (3.3), named or the symbol without "-F"; else itself."""
    if spec.board != "foreign":
        return spec.symbol
    return spec.main or spec.symbol.removesuffix("-F")


def carried_close(spec: InstrumentSpec, day: tuple[InstrumentSpec, ...],
                  closes: dict[str, int]) -> int | None:
    """The previous close a security without a `prev_close` takes (3.3, T18): its own last
    close, or for a -F security its main security's previous close, as given for the day or
    carried from the last (decision 75: the -F board's own close is not its reference)."""
    main = main_symbol(spec)
    if main != spec.symbol:
        for other in day:
            if other.symbol == main and other.prev_close is not None:
                return other.prev_close
    return closes.get(main)


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
    inst = Instrument(
        spec.symbol, spec.kind, spec.board, lot, spec.listed_shares, scale, limits, prev_close,
        ipo, instants, rules.auction_tick_allowance,
        odd_lot_board=lot > 1 and spec.kind not in rules.odd_lot_excluded_kinds,
        max_qty=rules.max_order_qty,
    )
    set_controls(rules, inst, spec)
    return inst


def set_controls(rules: Rulebook, inst: Instrument, spec: InstrumentSpec) -> None:
    """Set a security's market-integrity state for the day from its reference data."""
    inst.signs = frozenset(spec.signs)
    inst.surveillance_level = spec.surveillance_level
    inst.pause_day = spec.surveillance_level >= 3 and spec.surveillance_pause
    update_measures(rules, inst)
    inst.short_eligible = short_eligible(rules, spec)  # 8.1: once a day, never per order
    inst.short_ban = rules.short_sale_ban  # 6.4
    # T14: the day's short sales may take the outstanding short volume up to the cap
    inst.short_cap = (_share_of(spec.listed_shares, rules.short_sale_max_pct)
                      if spec.listed_shares else _NO_CAP)
    inst.short_exposure = spec.short_outstanding
    inst.uptick = _uptick_day(rules, inst.prev_close, spec.prior_close)
    inst.market_makers = frozenset(spec.market_maker_accounts)
    # T11: not on a first trading day, and only for the kinds the band covers
    inst.dpb = (not inst.first_day and bool(rules.dynamic_price_band_pct)
                and spec.kind in rules.dynamic_price_band_kinds)
    covered = not inst.first_day and spec.kind in rules.auto_pause_kinds  # 6.3
    # T12: a side pauses the security when its volume exceeds this (0: never)
    inst.pause_threshold = _share_of(spec.listed_shares, rules.auto_pause_pct) if covered else 0
    inst.foreign_underlying = spec.foreign_underlying
    inst.hft_ok = (spec.hft_permitted or spec.kind in rules.hft_permitted_kinds
                   or rules.hft_universe_index in spec.index_member)


_NO_CAP = 1 << 62
"""The short cap of a security whose listed shares are not given: none."""


def update_measures(rules: Rulebook, inst: Instrument) -> None:
    """Derive what a security's signs and surveillance level require (T21, T22)."""
    inst.cash_only = bool(inst.signs & rules.cash_balance_signs) or inst.surveillance_level >= 1
    inst.auction_only = inst.surveillance_level >= 2


def _uptick_day(rules: Rulebook, prev_close: int | None, prior_close: int | None) -> bool:
    """Tell whether today's short sales must be on an uptick (T13)."""
    test = rules.short_sale_price_test
    if test != "conditional":
        return test == "uptick"
    if prev_close is None or prior_close is None:
        return False
    drop = rules.short_sale_conditional_drop_pct
    return prev_close * 100 * drop.denominator <= prior_close * (
        100 * drop.denominator - drop.numerator)


def _share_of(shares: int, pct: Fraction) -> int:
    """Return the whole shares in `pct` percent of `shares`, rounded down."""
    return shares * pct.numerator // (100 * pct.denominator)
