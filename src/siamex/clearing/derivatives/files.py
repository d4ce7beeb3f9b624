"""A derivatives clearing day run from the files `siamex derivatives run` takes (accounts,
trades, day instructions, and a product file in place of the bundled one) against a store,
each file refused whole with its own code before anything is stored."""

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
from siamex.rulebook.products import (
    DEFAULT_PRODUCTS,
    Product,
    ProductTable,
    Session,
    load_products,
)
from siamex.units import US_PER_DAY, format_price, format_time_of_day

__all__ = ["DerivativesFiles", "clear_derivative_files", "series_check"]


@dataclass(frozen=True, slots=True)
class DerivativesFiles:
    """The files of one derivatives clearing day."""

    accounts: Path
    trades: Path
    instructions: Path | None = None
    products: Path | None = None


def _in_session(trade: DerivativesTrade, sessions: tuple[Session, ...]) -> bool:
    """4.10: a day trade within a day session (its pre-open to its close); a night trade in
    the night session's evening or past midnight before its close (decision 93)."""
    time = trade.time
    for session in sessions:
        if session.is_night != (trade.session is TradingSession.NIGHT):
            continue
        if session.pre_open_start <= time <= session.close:
            return True
        if session.is_night and time <= session.close - US_PER_DAY:
            return True
    return False


def series_check(products: ProductTable) -> SeriesCheck:
    """Refuse a trade in a series not listed on its date, at a price off its tick, or outside
    its product's sessions; each series is looked up once a date."""
    listed: dict[tuple[str, dt.date], Product] = {}

    def check(trade: DerivativesTrade) -> None:
        product = listed.get((trade.series, trade.date))
        if product is None:
            series = check_listed(trade.series, trade.date, products)
            product = listed[trade.series, trade.date] = products[series.product]
        if trade.price % product.tick:  # 4.1: every product trades on its own tick
            raise SiamexError(ErrorCode.TRADE_FILE,
                              f"price {format_price(trade.price)} of {trade.series} is off its "
                              f"tick {format_price(product.tick)}")
        if not _in_session(trade, product.sessions):
            raise SiamexError(ErrorCode.TRADE_FILE,
                              f"{product.code} has no {trade.session.value} session at "
                              f"{format_time_of_day(trade.time)}")
    return check


def clear_derivative_files(files: DerivativesFiles, store: str | Path | None,
                           on: dt.date | None = None,
                           rules: ClearingRules = DEFAULT_CLEARING_RULES) -> DerivativesDay:
    """Read the day's files and clear the day `on` (default: the instructions' date, else
    the trades' clearing date) against `store` (in memory when None)."""
    products = DEFAULT_PRODUCTS if files.products is None else load_products(files.products)
    accounts = load_accounts(files.accounts, rules)
    trades = read_trades(files.trades, accounts, series_check(products))
    instructions = (NO_INSTRUCTIONS if files.instructions is None
                    else load_instructions(files.instructions))
    day = on or instructions.date or (trades[0].date if trades else None)
    if day is None:
        raise SiamexError(ErrorCode.TRADE_FILE, "no trades, and no run date given")
    inputs = DerivativesInputs(accounts, trades, instructions, products, rules)
    # decision 80: never a file the run did not name
    with open_store(":memory:" if store is None else store) as ledger:
        return clear_derivatives(inputs, ledger, day)
