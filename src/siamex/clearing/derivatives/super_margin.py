"""The super-margin window: which products TCH margins at the super rate in a run
(clearing-spec.md 4.7 [S004] Q1-Q2, E12).

A product whose underlying trades abroad keeps moving while TFEX is shut, so before a long
TFEX closure its margin must cover more than one day. All three must hold:

- the product has a foreign underlying (`Product.foreign_underlying`);
- the closure is at least 2 TFEX business days: the weekdays between a TFEX business day and
  the next one (a weekend inside the closure neither counts nor breaks it, decision 125);
- the foreign market (siamex.rulebook.foreign_calendars) is open on a day of the closure.

The window is the business day H-1 before the closure: its intraday run (first placed at
12:00 that day) and its end-of-day run, whose settlement is the 09:00 placement on H+1, the
first business day after the closure. The intraday run of H+1 is normal again:

    run or placement                    window
    H-1 intraday run, 12:00 placement   super
    H-1 end-of-day run                  super
    H+1 09:00 placement                 super (the last: it settles the H-1 end-of-day run)
    H+1 intraday run, 12:00 placement   normal
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from siamex.clearing.derivatives.runs import Run
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.calendar import is_trading_day, next_trading_day, trading_day_offset
from siamex.rulebook.foreign_calendars import ForeignCalendars
from siamex.rulebook.products import Product

__all__ = [
    "MIN_CLOSURE_DAYS",
    "closure_after",
    "is_super",
    "placement_run_date",
    "super_margin_products",
    "super_placement_products",
]

MIN_CLOSURE_DAYS = 2
"""The shortest TFEX closure, in business days lost, that brings super margin (4.7)."""

_WEEKEND = 5  # date.weekday() of Saturday


def _business_day(day: dt.date, what: str) -> None:
    if not is_trading_day(day):
        raise SiamexError(ErrorCode.NOT_TRADING_DAY,
                          f"{what} {day.isoformat()} is not a TFEX business day")


def closure_after(run_date: dt.date) -> tuple[dt.date, ...]:
    """Return the days TFEX is shut after a business day, up to the next business day, its
    weekend included (empty when the next calendar day is a business day)."""
    following = next_trading_day(run_date)
    return tuple(run_date + dt.timedelta(days=n) for n in range(1, (following - run_date).days))


def _long_closure(run_date: dt.date, run: Run) -> tuple[dt.date, ...]:
    """The closure after a run's date if it is long enough for super margin, else ()."""
    _business_day(run_date, f"the {Run(run)} run's date")
    closure = closure_after(run_date)
    lost = sum(1 for day in closure if day.weekday() < _WEEKEND)
    return closure if lost >= MIN_CLOSURE_DAYS else ()


def _super(product: Product, closure: tuple[dt.date, ...], calendars: ForeignCalendars
           ) -> bool:
    if not closure or not product.foreign_underlying:
        return False
    foreign = calendars.for_product(product)
    return any(foreign.is_open(day) for day in closure)


def is_super(product: Product, run_date: dt.date, run: Run,
             calendars: ForeignCalendars) -> bool:
    """Tell whether a run margins a product at the super rate (4.7). The intraday and the
    end-of-day run of H-1 are both in the window, so the run changes nothing here; it is the
    placement that tells the two apart (`placement_run_date`)."""
    return _super(product, _long_closure(run_date, run), calendars)


def super_margin_products(run_date: dt.date, run: Run, products: Mapping[str, Product],
                          calendars: ForeignCalendars) -> frozenset[str]:
    """Return the codes of the products a run on `run_date` margins at the super rate."""
    closure = _long_closure(run_date, run)
    return frozenset(code for code, product in products.items()
                     if _super(product, closure, calendars))


def placement_run_date(settlement_date: dt.date, run: Run) -> dt.date:
    """Return the date of the run a placement settles: the 12:00 placement settles the same
    day's intraday run, the 09:00 placement the previous business day's end-of-day run
    (4.4, 4.10)."""
    _business_day(settlement_date, f"the {Run(run)} placement's date")
    if run is Run.INTRADAY:
        return settlement_date
    return trading_day_offset(settlement_date, -1)


def super_placement_products(settlement_date: dt.date, run: Run,
                             products: Mapping[str, Product],
                             calendars: ForeignCalendars) -> frozenset[str]:
    """Return the codes of the products a placement on `settlement_date` settles at the
    super rate: those of the run it settles (E12: the 09:00 placement on H+1 is super)."""
    return super_margin_products(placement_run_date(settlement_date, run), run, products,
                                 calendars)
