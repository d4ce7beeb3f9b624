"""Listing a TFEX series for the day: its product's tick, limits and sessions.

See docs/derivatives-trading.md.

A series trades on the same books, auctions and continuous matching as a security; what TFEX
does differently is the product table's: one tick for every price, limits from the previous
settlement price (an option's from its underlying's, decision 95), board lot of one contract,
and the product's own sessions in place of the SET schedule. A night session runs on the
listing day's clock past 24:00 and opens the next trading day (decision 93).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from siamex.rulebook.derivative_limits import price_limits
from siamex.rulebook.limits import PriceLimits
from siamex.rulebook.parameters import Rulebook
from siamex.rulebook.products import Product, ProductKind, ProductTable, Session
from siamex.rulebook.schedule import AuctionInstants
from siamex.rulebook.series import Series, SeriesList, parse_symbol
from siamex.rulebook.ticks import TickScale
from siamex.trading.commands import InstrumentSpec
from siamex.trading.enums import Phase
from siamex.trading.instrument import Instrument, Timetable
from siamex.trading.listing import set_controls
from siamex.units import day_start

__all__ = ["day_sessions", "list_series", "listed_series", "series_scale", "timetable"]

_FIRST = (Phase.PRE_OPEN_1, Phase.OPEN_1, "open1")
_LATER = (Phase.PRE_OPEN_2, Phase.OPEN_2, "open2")


def listed_series(symbol: str, day: dt.date, products: ProductTable) -> tuple[Series, Product]:
    """The series a symbol names and its product, refused (UNKNOWN_SERIES, SERIES_EXPIRED)
    unless the product could list it and its last trading day is not past."""
    series = SeriesList((parse_symbol(symbol, products),)).get(symbol, day)
    return series, products[series.product]


def series_scale(tick: int) -> TickScale:
    """A product's tick table: one row, the same tick at every price."""
    return TickScale(((0, tick),))


def day_sessions(product: Product, series: Series, day: dt.date) -> tuple[Session, ...]:
    """The sessions a series trades on `day`: its product's, except on its last trading day,
    which stops at the cut-off and has no night session after it (4.1)."""
    if series.last_trading_day != day:
        return product.sessions
    sessions: list[Session] = []
    for session in product.sessions:
        if session.is_night or session.pre_open_start >= product.cut_off:
            continue
        if session.close > product.cut_off:
            session = Session(session.name, session.pre_open_start,
                              min(session.open, product.cut_off), product.cut_off)
        sessions.append(session)
    return tuple(sessions)


def timetable(sessions: tuple[Session, ...], base: int) -> Timetable:
    """The steps of a series' day: for each session its pre-open, the auction that opens it
    and its close. The first session takes PRE_OPEN_1/OPEN_1, the others PRE_OPEN_2/OPEN_2,
    INTERMISSION lies between them. A trading day ends before a night session and after the
    last session (decision 111)."""
    table: Timetable = {}
    before = Phase.CLOSED
    for number, session in enumerate(sessions):
        pre_open, continuous, auction = _FIRST if number == 0 else _LATER
        last = number == len(sessions) - 1
        ends_day = last or sessions[number + 1].is_night
        table[(base + session.pre_open_start, before)] = (pre_open, "", "")
        table[(base + session.open, pre_open)] = (continuous, auction, "")
        before = Phase.CLOSED if last else Phase.INTERMISSION
        table[(base + session.close, continuous)] = (
            before, "", ("night" if session.is_night else "day") if ends_day else "")
    return table


def list_series(rules: Rulebook, day: dt.date, spec: InstrumentSpec, carried_close: int | None,
                underlyings: Mapping[str, int], products: ProductTable) -> Instrument:
    """Build a series' state for the day. Its previous settlement price is `prev_close`, given
    or carried from the engine's last day; an option's limits also need its underlying's."""
    series, product = listed_series(spec.symbol, day, products)
    prev = spec.prev_close if spec.prev_close is not None else carried_close
    if prev is None:
        raise ValueError(f"{spec.symbol} has no previous settlement price (prev_close)")
    underlying = underlyings.get(product.underlying)
    if product.kind is ProductKind.OPTION and underlying is None:
        raise ValueError(f"{spec.symbol}: an option's limits need the previous settlement "
                         f"of {product.underlying} (underlyings)")
    limits = price_limits(product, prev, underlying)
    sessions = day_sessions(product, series, day)
    opens = [session.open for session in sessions]
    instants = AuctionInstants(opens[0], opens[-1], sessions[-1].close)
    inst = Instrument(
        spec.symbol, product.kind.value, "main", 1, 0, series_scale(product.tick),
        PriceLimits(limits.ceiling, limits.floor), prev, None, instants,
        rules.auction_tick_allowance, odd_lot_board=False, max_qty=rules.max_order_qty,
    )
    set_controls(rules, inst, spec)
    # decision 111: the SET controls by security do not arm for a series
    inst.dpb = False
    inst.pause_threshold = 0
    inst.hft_ok = True
    inst.foreign_underlying = product.foreign_underlying
    inst.multiplier = product.multiplier
    inst.timetable = timetable(sessions, day_start(day))
    return inst
