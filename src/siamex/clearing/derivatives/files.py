"""A derivatives clearing day run from the files `siamex derivatives run` takes (accounts,
trades, day instructions, and a product table or series file in place of the rules')
against a store, each file refused whole with its own code before anything is stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from siamex.clearing.derivatives.accounts import load_accounts
from siamex.clearing.derivatives.day import DerivativesInputs, clear_derivatives
from siamex.clearing.derivatives.instructions import NO_INSTRUCTIONS, load_instructions
from siamex.clearing.derivatives.trades import (
    DerivativesTrade,
    SeriesCheck,
    TradingSession,
    read_trades,
)
from siamex.clearing.derivatives.universe import check_listed
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.clearing.foundations.state import DerivativesDay
from siamex.clearing.foundations.store_open import open_store
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.calendar import trading_day_offset
from siamex.rulebook.products import (
    DEFAULT_PRODUCTS,
    Product,
    ProductTable,
    Session,
    load_products,
)
from siamex.rulebook.series import (
    OutsideSession,
    Series,
    SeriesList,
    clearing_date,
    read_series_file,
)
from siamex.units import format_price, format_time_of_day

__all__ = ["DerivativesFiles", "clear_derivative_files", "series_check"]


@dataclass(frozen=True, slots=True)
class DerivativesFiles:
    """The files of one derivatives clearing day."""

    accounts: Path
    trades: Path
    instructions: Path | None = None
    products: Path | None = None
    series: Path | None = None


def _in_session(trade: DerivativesTrade, sessions: tuple[Session, ...]) -> bool:
    """4.10, decision 93: whether a session of the product, started on the calendar day the
    trade's time puts it on, clears on the trade's date: a day trade in its own day's day
    session, a night trade in the night session begun the business day before (in its
    evening, or past midnight)."""
    night = trade.session is TradingSession.NIGHT
    started = trade.date
    if night:
        evening = trading_day_offset(trade.date, -1)
        started = evening if trade.before_midnight else evening + dt.timedelta(days=1)
    for session in sessions:
        if session.is_night != night:
            continue
        try:
            if clearing_date(started, trade.time, session) == trade.date:
                return True
        except OutsideSession:
            continue
    return False


def series_check(products: ProductTable, listing: SeriesList | None = None) -> SeriesCheck:
    """Refuse a trade in a series not listed on its date (by `listing` when given), at a
    price off its tick, outside its product's sessions, or after its last trading day's
    cut-off; each series is looked up once a date."""
    listed: dict[tuple[str, dt.date], tuple[Series, Product]] = {}

    def check(trade: DerivativesTrade) -> None:
        found = listed.get((trade.series, trade.date))
        if found is None:
            series = check_listed(trade.series, trade.date, products, listing)
            found = listed[trade.series, trade.date] = (series, products[series.product])
        series, product = found
        if trade.price % product.tick:  # 4.1: every product trades on its own tick
            raise SiamexError(ErrorCode.TRADE_FILE,
                              f"price {format_price(trade.price)} of {trade.series} is off its "
                              f"tick {format_price(product.tick)}")
        if not _in_session(trade, product.sessions):
            raise SiamexError(ErrorCode.TRADE_FILE,
                              f"{product.code} has no {trade.session.value} session at "
                              f"{format_time_of_day(trade.time)}")
        # 4.10: an expiring series stops at its cut-off on its last trading day
        if (series.last_trading_day == trade.date and trade.session is TradingSession.DAY
                and trade.time > product.cut_off):
            raise SiamexError(ErrorCode.TRADE_FILE,
                              f"{trade.series} stopped trading at "
                              f"{format_time_of_day(product.cut_off)} on its last trading day")
    return check


def clear_derivative_files(files: DerivativesFiles, store: str | Path | None,
                           on: dt.date | None = None,
                           rules: ClearingRules = DEFAULT_CLEARING_RULES) -> DerivativesDay:
    """Read the day's files and clear the day `on` (default: the instructions' date, else
    the trades' clearing date) against `store` (in memory when None)."""
    products = DEFAULT_PRODUCTS if files.products is None else load_products(files.products)
    listing = None if files.series is None else read_series_file(files.series, products)
    accounts = load_accounts(files.accounts, rules)
    trades = read_trades(files.trades, accounts, series_check(products, listing))
    instructions = (NO_INSTRUCTIONS if files.instructions is None
                    else load_instructions(files.instructions))
    day = on or instructions.date or (trades[0].date if trades else None)
    if day is None:
        raise SiamexError(ErrorCode.TRADE_FILE, "no trades, and no run date given")
    inputs = DerivativesInputs(accounts, trades, instructions, products, rules, listing)
    # decision 80: never a file the run did not name
    with open_store(":memory:" if store is None else store) as ledger:
        return clear_derivatives(inputs, ledger, day)
